/**
 * The sort keys stored beside every param and tag value (migration 007), so that ordering runs by
 * a param or tag walks an (experiment, key, sort key, start_time DESC, run_uuid) index instead of
 * sorting the whole experiment:
 *   - `sort_text`: the value's first SORT_TEXT_CHARS characters (indexes cannot hold long texts);
 *   - `sort_num`: the value as a number when it is written as a plain decimal number, else NULL;
 *   - `experiment_id`, `start_time`: copies of the run's (neither ever changes after creation).
 * The migration computes the same keys in SQL for rows written before it.
 */
import type { Row, SqlValue } from '../database.js';
import { num, str } from './common.js';

/** Characters of a value that take part in text order. */
export const SORT_TEXT_CHARS = 250;
/** Longest value that counts as a number. */
export const SORT_NUMBER_MAX_CHARS = 40;

/**
 * What counts as a number: optional sign, digits with an optional decimal point (`5`, `5.`, `.5`,
 * `0.001`), an optional exponent of one or two digits (`1e-4`). Not `NaN`, `inf`, hex, spaces.
 * With at most 40 characters and a two-digit exponent every such value is a finite double.
 * The migration's PostgreSQL and MySQL expressions spell the same pattern.
 */
export const SORT_NUMBER_PATTERN = '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,2})?$';
const NUMBER = new RegExp(SORT_NUMBER_PATTERN);

export function sortNumber(value: string | null): number | null {
  if (value === null || value.length > SORT_NUMBER_MAX_CHARS || !NUMBER.test(value)) return null;
  return Number(value);
}

/** The first SORT_TEXT_CHARS characters (code points, as SQL's SUBSTR counts them). */
export function sortText(value: string | null): string | null {
  if (value === null || value.length <= SORT_TEXT_CHARS) return value;
  let out = '';
  let n = 0;
  for (const ch of value) {
    if (n++ === SORT_TEXT_CHARS) break;
    out += ch;
  }
  return out;
}

/** The run facts copied into its param and tag rows. */
export interface RunSortFacts {
  runId: string;
  experimentId: number;
  startTime: number;
}

export const runSortFacts = (row: Row): RunSortFacts => ({
  runId: str(row.run_uuid),
  experimentId: num(row.experiment_id),
  startTime: num(row.start_time),
});

/** The columns written with each param or tag row, after the entity's own columns. */
export const SORT_COLUMNS = ['experiment_id', 'start_time', 'sort_text', 'sort_num'] as const;

export const sortValues = (run: RunSortFacts, value: string | null): SqlValue[] => [
  run.experimentId,
  run.startTime,
  sortText(value),
  sortNumber(value),
];
