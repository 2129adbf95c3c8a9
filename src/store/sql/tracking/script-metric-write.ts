import type { Metric } from '../../../entities/tracking.js';
import type { Row, ScriptStatement } from '../database.js';
import { chunks, qs, rowsPerStatement, type Exec, type StoreContext } from './common.js';
import { type BatchWrite, latestLookup, storedLatest, WRITE_TRANSACTION, writeRuns } from './log-batch.js';
import { historyKey, HistoryOrders, startsBehindLatest } from './step-order.js';
import { activeRunsFrom, RUN_WRITE_COLUMNS } from './runs.js';

/**
 * Writes the metrics of many metric-only calls in TWO round trips on databases that take several
 * statements at once (MySQL/MariaDB, `SqlDatabase.script`): `START TRANSACTION`, the runs' rows,
 * locked against a concurrent delete until the commit, and the latest points of the histories
 * given several points, locked for the update (step-order.ts); then the history, summary and
 * latest-value statements for the points of the active runs — made by the writer every group
 * uses (`writeRuns`), from the run rows just read — and `COMMIT`. Instead of BEGIN, a run query,
 * three statements and COMMIT, six round trips. (One round trip, with each statement joining its
 * points to `runs` through a derived table, cost the database about 1.7 times as much per group,
 * measured.) Points of runs that are missing or not active are not written; the returned map
 * says, per run id, its row or the error its calls get. Nothing is written, and undefined
 * returned, when points of a history in step order start behind its latest point
 * (`startsBehindLatest`): the caller writes such a group in a transaction of its own.
 */
export async function writeMetricsInScript(
  ctx: StoreContext,
  writes: readonly BatchWrite[],
): Promise<Map<string, Row | Error> | undefined> {
  const { script, dialect: d } = ctx.db;
  if (!script) throw new Error('writeMetricsInScript: the database cannot do this');
  const runIds = [...new Set(writes.map((w) => w.runId))];
  let runs = new Map<string, Row | Error>();
  const lookup: ScriptStatement = {
    sql: `SELECT ${RUN_WRITE_COLUMNS} FROM runs WHERE run_uuid IN (${qs(runIds.length)})${d.lockShared}`,
    params: runIds,
  };
  // The histories given several points: their latest points are read (and locked) first.
  const orders = new HistoryOrders();
  for (const w of writes) for (const m of w.metrics) orders.add(w.runId, m.key, m.step ?? 0, m.timestamp);
  const needed = orders.needingStored();
  const latest = chunks(needed, rowsPerStatement(2)).map((part) => latestLookup(ctx, part));
  let behind = false;
  await script.call(
    ctx.db,
    [lookup, ...latest],
    async ([rows, ...latestRows]) => {
      runs = activeRunsFrom(rows ?? [], runIds);
      const stored = storedLatest(latestRows.flat());
      // Points behind a history's latest one are checked against the history, which a script
      // cannot read between its statements: nothing is written here, the caller writes the group.
      behind = needed.some((h) =>
        startsBehindLatest(orders.get(h.runId, h.key)!, stored.get(historyKey(h.runId, h.key))),
      );
      if (behind) return [];
      const merged = new Map<string, { run: Row; metrics: Metric[] }>();
      for (const w of writes) {
        const run = runs.get(w.runId)!;
        if (run instanceof Error) continue;
        const m = merged.get(w.runId) ?? { run, metrics: [] };
        m.metrics.push(...w.metrics);
        merged.set(w.runId, m);
      }
      const recorded = recorder();
      await writeRuns(ctx, recorded.exec, [...merged.values()], stored);
      return recorded.statements;
    },
    // Only a locked read of latest points needs the gaps left unlocked.
    needed.length ? WRITE_TRANSACTION : undefined,
  );
  return behind ? undefined : runs;
}

/** An executor that records the statements written through it instead of running them. */
function recorder(): { exec: Exec; statements: ScriptStatement[] } {
  const statements: ScriptStatement[] = [];
  const exec: Exec = {
    query: () => Promise.reject(new Error('statements recorded for a script cannot be read from')),
    run: (sql, params = []) => {
      statements.push({ sql, params });
      return Promise.resolve({ changes: 0 });
    },
  };
  return { exec, statements };
}
