/**
 * Metric history points packed into binary values: a point is 25 bytes — step, timestamp and
 * stored value as little-endian float64 (exact for every step and timestamp a JavaScript number
 * holds), then 1 if NaN, else 0. The summaries' cells keep four points this way
 * (metric-summaries.ts), and the history itself is stored as chunks of points (`metric_chunks`,
 * migration 011): the points one write gives one history, in history order, one row per chunk
 * instead of one row per point. A row and its index entry cost the database several times what
 * the point's 25 bytes do (bench/RESULTS.md, "History layouts in the database alone").
 *
 * A chunk spans at most `MAX_CHUNK_SPAN` steps and holds at most `MAX_CHUNK_POINTS` points, so
 * that a read of a step range finds every chunk it overlaps in a bounded stretch of the key
 * (history-read.ts). Identical points are not refused by a key any more: a write drops those
 * within itself, and the reads drop those that several chunks hold (a batch sent again).
 */

import type { SqlValue } from '../database.js';
import { chunks, type Exec, flat } from './common.js';

/** A stored point: `value` as stored (±Infinity as ±MAX_VALUE; 0 with `nan` for NaN). */
export interface HistoryPoint {
  step: number;
  ts: number;
  value: number;
  nan: boolean;
}

/** History order: step, then timestamp, value and NaN flag (the history's key order). */
export const comparePoints = (a: HistoryPoint, b: HistoryPoint): number =>
  a.step - b.step || a.ts - b.ts || a.value - b.value || Number(a.nan) - Number(b.nan);

/**
 * Puts `points` in history order, identical points once, in place (and returns them); points
 * already in that order, as a chunk's or an appended history's are, are only checked.
 */
export function inHistoryOrder(points: HistoryPoint[]): HistoryPoint[] {
  let sorted = true;
  for (let i = 1; i < points.length && sorted; i++) sorted = comparePoints(points[i - 1]!, points[i]!) < 0;
  if (sorted) return points;
  points.sort(comparePoints);
  let w = 0;
  for (let i = 0; i < points.length; i++) {
    if (!w || comparePoints(points[w - 1]!, points[i]!) !== 0) points[w++] = points[i]!;
  }
  points.length = w;
  return points;
}

export const POINT_BYTES = 25;

export function packPoint(buf: Buffer, at: number, p: HistoryPoint): void {
  buf.writeDoubleLE(p.step, at);
  buf.writeDoubleLE(p.ts, at + 8);
  buf.writeDoubleLE(p.value, at + 16);
  buf[at + 24] = p.nan ? 1 : 0;
}

export const unpackPoint = (buf: Uint8Array, view: DataView, at: number): HistoryPoint => ({
  step: view.getFloat64(at, true),
  ts: view.getFloat64(at + 8, true),
  value: view.getFloat64(at + 16, true),
  nan: buf[at + 24] !== 0,
});

/** Most steps from a chunk's first point to its last (a read looks this far back for chunks). */
export const MAX_CHUNK_SPAN = 1024;
/** Most points in a chunk: 50,000 bytes, inside a MySQL BLOB. */
export const MAX_CHUNK_POINTS = 2000;

/** One stored chunk: its first and last step and its points packed in history order. */
export interface Chunk {
  firstStep: number;
  lastStep: number;
  points: number;
  pts: Buffer;
}

/** The columns of a `metric_chunks` row, in the order the writers bind them. */
export const CHUNK_COLUMNS = ['run_pk', 'metric_key', 'first_step', 'last_step', 'seq', 'n', 'pts'] as const;

/**
 * A chunk's `seq`: tells apart chunks of one history with the same step range (written by
 * different calls or instances). Random, not a clock: instances need no coordination.
 */
export const chunkSeq = (): number => Math.floor(Math.random() * Number.MAX_SAFE_INTEGER);

function pack(points: readonly HistoryPoint[], from: number, to: number): Chunk {
  const buf = Buffer.allocUnsafe((to - from) * POINT_BYTES);
  for (let i = from; i < to; i++) packPoint(buf, (i - from) * POINT_BYTES, points[i]!);
  return { firstStep: points[from]!.step, lastStep: points[to - 1]!.step, points: to - from, pts: buf };
}

/**
 * The chunks one write stores for one history: its points sorted in history order, identical
 * ones once, cut where a chunk would span more than MAX_CHUNK_SPAN steps or hold more than
 * MAX_CHUNK_POINTS points. Sorts `points` in place.
 */
export function chunkPoints(points: HistoryPoint[]): Chunk[] {
  inHistoryOrder(points);
  const out: Chunk[] = [];
  let start = 0;
  for (let i = 1; i <= points.length; i++) {
    if (
      i === points.length ||
      i - start >= MAX_CHUNK_POINTS ||
      points[i]!.step - points[start]!.step > MAX_CHUNK_SPAN
    ) {
      out.push(pack(points, start, i));
      start = i;
    }
  }
  return out;
}

/** The points of a stored chunk (`pts`), in history order. */
export function unpackChunk(pts: Uint8Array): HistoryPoint[] {
  const view = new DataView(pts.buffer, pts.byteOffset, pts.byteLength);
  const n = Math.floor(pts.byteLength / POINT_BYTES);
  const out = new Array<HistoryPoint>(n);
  for (let i = 0; i < n; i++) out[i] = unpackPoint(pts, view, i * POINT_BYTES);
  return out;
}

/** Chunks per insert statement: at most 2,000 points each, a few MB of parameters at most. */
const CHUNK_ROWS = 64;
const insertSql = new Map<number, string>();

/** Inserts chunk rows (`chunkRow`), CHUNK_ROWS per statement. */
export async function insertChunkRows(ex: Exec, rows: readonly (readonly SqlValue[])[]): Promise<void> {
  for (const part of chunks(rows, CHUNK_ROWS)) {
    let sql = insertSql.get(part.length);
    if (sql === undefined) {
      const one = `(${CHUNK_COLUMNS.map(() => '?').join(', ')})`;
      sql = `INSERT INTO metric_chunks (${CHUNK_COLUMNS.join(', ')}) VALUES ${part.map(() => one).join(', ')}`;
      insertSql.set(part.length, sql);
    }
    await ex.run(sql, flat(part));
  }
}

/** A chunk's row, in CHUNK_COLUMNS order. */
export const chunkRow = (
  runPk: number,
  key: string,
  c: Chunk,
): [number, string, number, number, number, number, Buffer] => [
  runPk,
  key,
  c.firstStep,
  c.lastStep,
  chunkSeq(),
  c.points,
  c.pts,
];
