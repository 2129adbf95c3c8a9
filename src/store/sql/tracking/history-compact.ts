/**
 * Merging a history's small chunks. A log-metric call stores a chunk of one point (history-chunks.ts),
 * and a history logged that way reads a row per point: a page of it took 1.7–3 times as long as
 * one of 1,000-point chunks (bench/RESULTS.md, "Metric histories stored as chunks"). The summary
 * rebuild, which reads the new points of a history anyway (metric-summaries.ts), merges the small
 * chunks it finds in its stale range first: a history that is charted while it is logged is
 * stored in large chunks from then on, a block of steps at a time.
 *
 * Safe beside writers: it runs in the rebuild's transaction, which holds the history's stale row
 * locked, and every writer of points into the history marks that row in its own transaction — so
 * it waits for this one to commit before it commits (a chunk it inserted meanwhile is not
 * committed, not read here, and not deleted). Only the chunks read are deleted, by their keys.
 */
import type { Dialect, SqlValue } from '../database.js';
import { chunks, type Exec, num } from './common.js';
import { chunkPoints, chunkRow, type HistoryPoint, insertChunkRows, unpackChunk } from './history-chunks.js';

/** Chunks of fewer points than this are merged. */
const SMALL_CHUNK_POINTS = 64;
/** Small chunks merged per pass: at most 64 × 5,000 points in memory. */
const COMPACT_PAGE = 5000;
/** Chunks deleted per statement. */
const DELETE_PART = 300;

/**
 * Deletes chunks by their whole keys, so that the database finds each through the key (a range
 * could meet a chunk a writer has inserted but not committed, and wait for it): as arrays where
 * the database takes them (PostgreSQL plans a long list of keys poorly), else as a list.
 */
async function deleteChunks(
  tx: Exec,
  dialect: Dialect,
  runPk: number,
  key: string,
  found: readonly Record<string, unknown>[],
): Promise<void> {
  const arr = dialect.arrayParam;
  if (arr) {
    const keys = [
      found.map((c) => num(c.first_step)),
      found.map((c) => num(c.last_step)),
      found.map((c) => num(c.seq)),
    ];
    await tx.run(
      `DELETE FROM metric_chunks WHERE run_pk = ? AND metric_key = ? AND (first_step, last_step, seq) IN (
        SELECT f, l, s FROM unnest(${arr('bigint')}, ${arr('bigint')}, ${arr('bigint')}) AS u(f, l, s))`,
      // Arrays are bound whole by the driver (node-postgres), which SqlValue does not list.
      [runPk, key, ...keys] as unknown as SqlValue[],
    );
    return;
  }
  for (const part of chunks(found, DELETE_PART)) {
    const keys: SqlValue[] = [];
    for (const c of part) keys.push(runPk, key, num(c.first_step), num(c.last_step), num(c.seq));
    await tx.run(
      `DELETE FROM metric_chunks WHERE (run_pk, metric_key, first_step, last_step, seq) IN (${part.map(() => '(?, ?, ?, ?, ?)').join(', ')})`,
      keys,
    );
  }
}

/**
 * Merges the small chunks lying wholly in steps [lo, hi] of one history into as few as
 * `chunkPoints` makes of their points; returns how many chunks it removed.
 */
export async function compactSmallChunks(
  tx: Exec,
  dialect: Dialect,
  runPk: number,
  key: string,
  lo: number,
  hi: number,
): Promise<number> {
  let removed = 0;
  let last: SqlValue[] | undefined;
  for (;;) {
    let where =
      'run_pk = ? AND metric_key = ? AND first_step >= ? AND first_step <= ? AND last_step <= ? AND n < ?';
    const params: SqlValue[] = [runPk, key, lo, hi, hi, SMALL_CHUNK_POINTS];
    if (last) {
      const past = dialect.keysetAfter(['first_step', 'last_step', 'seq'], last);
      where += ` AND ${past.sql}`;
      params.push(...past.params);
    }
    const found = await tx.query(
      `SELECT first_step, last_step, seq, pts FROM metric_chunks WHERE ${where} ORDER BY first_step, last_step, seq LIMIT ${COMPACT_PAGE}`,
      params,
    );
    if (found.length > 1) {
      const points: HistoryPoint[] = [];
      for (const c of found) for (const p of unpackChunk(c.pts as Uint8Array)) points.push(p);
      const merged = chunkPoints(points);
      if (merged.length < found.length) {
        await deleteChunks(tx, dialect, runPk, key, found);
        await insertChunkRows(
          tx,
          merged.map((c) => chunkRow(runPk, key, c)),
        );
        removed += found.length - merged.length;
      }
    }
    if (found.length < COMPACT_PAGE) return removed;
    const end = found[found.length - 1]!;
    last = [num(end.first_step), num(end.last_step), num(end.seq)];
  }
}
