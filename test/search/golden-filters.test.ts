/**
 * Every filter and order_by sent in the recorded MLflow search exchanges: those MLflow accepted
 * parse, those it refused are refused (and `version_number = 'abc'`, which MLflow silently
 * answers with nothing, is refused as the sensible behaviour).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MlflowError } from '../../src/errors.js';
import {
  parseOrderBy,
  parseOrderByField,
  parseSearchFilter,
  type SearchKind,
} from '../../src/search/index.js';
import { loadGolden, type GoldenRecord as Exchange } from '../server/golden/replay.js';

const KIND_BY_PATH: [RegExp, SearchKind][] = [
  [/\/runs\/search$/, 'runs'],
  [/\/experiments\/search$/, 'experiments'],
  [/\/registered-models\/search$/, 'registered_models'],
  [/\/model-versions\/search$/, 'model_versions'],
  [/\/logged-models\/search$/, 'logged_models'],
];

/** Exchanges MLflow got wrong; the sensible answer is a refusal. */
const REFUSE_DESPITE_RECORDING = new Set(['mv-search-bad-filter']);

function refusalMessage(e: Exchange): string | undefined {
  const r = e.response as { message?: unknown } | undefined;
  return e.status === 400 && typeof r?.message === 'string' ? r.message : undefined;
}

/** The 400s caused by the filter or order_by (not by max_results, view_type or page tokens). */
function refusedForSearchSyntax(e: Exchange): boolean {
  const m = refusalMessage(e);
  return m !== undefined && !/max_results|view_type|page token|experiment_ids/.test(m);
}

describe('golden search exchanges', () => {
  const searches = loadGolden().flatMap((e) => {
    const kind = KIND_BY_PATH.find(([re]) => re.test(e.path))?.[1];
    return kind ? [{ e, kind }] : [];
  });

  it('finds the recorded search exchanges', () => {
    assert.ok(searches.length >= 100, `only ${searches.length} search exchanges`);
  });

  for (const { e, kind } of searches) {
    const fields: Record<string, unknown> = {
      ...e.query,
      ...(e.body as Record<string, unknown> | undefined),
    };
    const filter = typeof fields.filter === 'string' ? fields.filter : undefined;
    const orderBy = fields.order_by === undefined ? [] : ([] as unknown[]).concat(fields.order_by);
    if (filter === undefined && orderBy.length === 0) continue;
    const refuse = REFUSE_DESPITE_RECORDING.has(e.name) || refusedForSearchSyntax(e);
    it(`${e.name}: ${filter ?? ''} ${JSON.stringify(orderBy)} → ${refuse ? 'refused' : 'accepted'}`, () => {
      const parse = (): void => {
        parseSearchFilter(kind, filter);
        for (const o of orderBy) {
          if (typeof o === 'string') parseOrderBy(kind, o);
          else {
            const { field_name, ascending } = o as { field_name: string; ascending?: boolean };
            parseOrderByField(kind, field_name, ascending ?? true);
          }
        }
      };
      if (!refuse) {
        parse();
        return;
      }
      assert.throws(
        parse,
        (err: unknown) => err instanceof MlflowError && err.errorCode === 'INVALID_PARAMETER_VALUE',
      );
    });
  }
});
