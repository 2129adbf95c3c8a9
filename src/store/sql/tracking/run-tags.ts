import type { RunTag } from '../../../entities/tracking.js';
import { type Exec, nextPos, type StoreContext } from './common.js';
import { type RunSortFacts, SORT_COLUMNS, sortValues } from './sort-keys.js';

/**
 * Sets run tags (last value wins within the call); a tag keeps the position where it was first
 * set. Setting `mlflow.runName` renames the run unless `syncName` is false (the caller already did).
 */
export async function upsertRunTags(
  ctx: StoreContext,
  ex: Exec,
  run: RunSortFacts,
  tags: readonly RunTag[],
  syncName = true,
): Promise<void> {
  if (!tags.length) return;
  const last = new Map<string, { value: string; pos: number }>();
  for (const t of tags) {
    const prev = last.get(t.key);
    last.set(t.key, { value: t.value, pos: prev?.pos ?? nextPos() });
  }
  // A fixed row order keeps concurrent upserts from deadlocking on PostgreSQL/MySQL.
  const entries = [...last.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const sql = ctx.db.dialect.upsert(
    'tags',
    ['run_uuid', 'tag_key', 'tag_value', 'pos', ...SORT_COLUMNS],
    ['run_uuid', 'tag_key'],
    { rows: entries.length, keep: ['pos'] },
  );
  await ex.run(
    sql,
    entries.flatMap(([k, v]) => [run.runId, k, v.value, v.pos, ...sortValues(run, v.value)]),
  );
  const name = last.get('mlflow.runName');
  if (syncName && name) await ex.run('UPDATE runs SET name = ? WHERE run_uuid = ?', [name.value, run.runId]);
}
