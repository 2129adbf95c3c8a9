/**
 * Reads of one metric history: every read of stored points goes through here. A history is the
 * rows of `metrics` (points written before migration 011, or by older servers during a rolling
 * upgrade) and the chunks of `metric_chunks` (history-chunks.ts), taken together: every point
 * once, in history order (step, timestamp, value, NaN flag). Every reader of points — get-history
 * pages, charts' samples, the summaries' rebuilds, the step-order check — reads through here.
 *
 * A range of steps [lo, hi] finds its chunks on the key's range of first steps
 * [lo − MAX_CHUNK_SPAN, hi]: no chunk starting before that reaches lo. A read with a limit reads
 * chunks a page at a time in first-step order and stops once the points it holds below the next
 * chunk's first step fill the limit, so a page of a long history costs about a page of points.
 */
import type { Dialect, SqlValue } from '../database.js';
import { type Exec, num } from './common.js';
import {
  comparePoints,
  type HistoryPoint,
  inHistoryOrder,
  MAX_CHUNK_SPAN,
  POINT_BYTES,
  unpackChunk,
} from './history-chunks.js';

/** Which points of a history to read. */
export interface HistoryRead {
  /** Lowest and highest step (inclusive); unbounded when absent. */
  lo?: number;
  hi?: number;
  /** Only points after this one in history order. */
  after?: HistoryPoint;
  /** At most this many points (the first ones in history order). */
  limit?: number;
}

/**
 * Chunk rows read per statement: about as many as the points still wanted take (from the points
 * per chunk seen so far), the first statement a few; for a read without a limit, about
 * WHOLE_READ_POINTS points' worth. A chunk holds 1 to 2,000 points, so a fixed count either
 * reads far more than a page needs or makes many statements of small chunks.
 */
const FIRST_CHUNK_PAGE = 8;
const MAX_CHUNK_PAGE = 20_000;
const WHOLE_READ_POINTS = 100_000;

const HISTORY_KEY = ['step', 'ts', 'metric_value', 'is_nan'];
const CHUNK_KEY = ['first_step', 'last_step', 'seq'];

const rowPoint = (r: Record<string, unknown>): HistoryPoint => ({
  step: num(r.step),
  ts: num(r.ts),
  value: num(r.point_value),
  nan: num(r.is_nan) !== 0,
});

/** The points of `read`, in history order, each once. */
export async function readHistory(
  ex: Exec,
  dialect: Dialect,
  runPk: number,
  key: string,
  read: HistoryRead = {},
): Promise<HistoryPoint[]> {
  const out: HistoryPoint[] = [];
  let after = read.after;
  for (;;) {
    const want = read.limit === undefined ? undefined : read.limit - out.length;
    const { points, more } = await readOnce(ex, dialect, runPk, key, read.lo, read.hi, after, want);
    for (const p of points) out.push(p);
    // Identical points in rows and chunks can leave a page short of its limit: read on.
    if (!more || !points.length || (read.limit !== undefined && out.length >= read.limit)) return out;
    after = out[out.length - 1];
  }
}

async function readOnce(
  ex: Exec,
  dialect: Dialect,
  runPk: number,
  key: string,
  lo: number | undefined,
  hi: number | undefined,
  after: HistoryPoint | undefined,
  want: number | undefined,
): Promise<{ points: HistoryPoint[]; more: boolean }> {
  const from = after ? Math.max(after.step, lo ?? -Infinity) : lo;
  // The rows: the first `want` of the range, in key order.
  let where = 'run_pk = ? AND metric_key = ?';
  const params: SqlValue[] = [runPk, key];
  if (from !== undefined) {
    where += ' AND step >= ?';
    params.push(from);
  }
  if (hi !== undefined) {
    where += ' AND step <= ?';
    params.push(hi);
  }
  if (after) {
    const past = dialect.keysetAfter(HISTORY_KEY, [after.step, after.ts, after.value, after.nan ? 1 : 0]);
    where += ` AND ${past.sql}`;
    params.push(...past.params);
  }
  const rows = await ex.query(
    // Another name than the column's: MySQL would sort by the text (ORDER BY prefers an alias).
    `SELECT step, ts, ${dialect.readDouble('metric_value')} AS point_value, is_nan FROM metrics WHERE ${where} ORDER BY step, ts, metric_value, is_nan${want === undefined ? '' : ` LIMIT ${want}`}`,
    params,
  );
  const fromRows = rows.map(rowPoint);
  // Rows past the last one read may be missing: nothing after it is known to be complete.
  const rowsBound = want !== undefined && rows.length === want ? fromRows[fromRows.length - 1] : undefined;

  const fromChunks: HistoryPoint[] = [];
  const keep = (p: HistoryPoint): boolean =>
    (from === undefined || p.step >= from) &&
    (hi === undefined || p.step <= hi) &&
    (!after || comparePoints(p, after) > 0) &&
    (!rowsBound || comparePoints(p, rowsBound) <= 0);
  let chunksLeft = false;
  let last: [number, number, number] | undefined;
  let chunkPage = FIRST_CHUNK_PAGE;
  let chunksRead = 0;
  let pointsRead = 0;
  for (;;) {
    const upTo = rowsBound ? Math.min(rowsBound.step, hi ?? Infinity) : hi;
    const found = await readChunks(ex, dialect, runPk, key, { from, upTo, last, limit: chunkPage });
    for (const c of found) {
      const points = unpackChunk(c.pts as Uint8Array);
      pointsRead += points.length;
      for (const p of points) if (keep(p)) fromChunks.push(p);
    }
    chunksRead += found.length;
    if (found.length < chunkPage) break;
    const end = found[found.length - 1]!;
    last = [num(end.first_step), num(end.last_step), num(end.seq)];
    // Chunks not read yet start at or after the last one read: the points below its first step
    // are final. Enough of them (with the rows) end the read.
    if (want !== undefined) {
      let settled = 0;
      for (const p of fromRows) if (p.step < last[0]) settled++;
      for (const p of fromChunks) if (p.step < last[0]) settled++;
      if (settled >= want) {
        chunksLeft = true;
        break;
      }
    }
    const perChunk = Math.max(1, pointsRead / chunksRead);
    const wanted = want === undefined ? WHOLE_READ_POINTS : want - fromChunks.length - fromRows.length;
    chunkPage = Math.min(MAX_CHUNK_PAGE, Math.max(FIRST_CHUNK_PAGE, Math.ceil(wanted / perChunk) + 1));
  }

  // Rows and chunks taken together, each point once.
  const points = inHistoryOrder(fromChunks.length ? fromRows.concat(fromChunks) : fromRows);
  // Chunks left unread hold no point below their first step; those at or past it wait.
  const cut = chunksLeft && last ? points.findIndex((p) => p.step >= last[0]) : -1;
  if (cut >= 0) points.length = cut;
  const more = !!rowsBound || chunksLeft || (want !== undefined && points.length > want);
  if (want !== undefined && points.length > want) points.length = want;
  return { points, more };
}

/**
 * The next chunks of a history in key order: those that can hold a step from `from` on and up to
 * `upTo`, after `last` (the key of the last chunk read).
 */
async function readChunks(
  ex: Exec,
  dialect: Dialect,
  runPk: number,
  key: string,
  q: { from?: number; upTo?: number; last?: [number, number, number]; limit: number },
): Promise<Record<string, unknown>[]> {
  let where = 'run_pk = ? AND metric_key = ?';
  const params: SqlValue[] = [runPk, key];
  if (q.from !== undefined) {
    where += ' AND first_step >= ? AND last_step >= ?';
    params.push(q.from - MAX_CHUNK_SPAN, q.from);
  }
  if (q.upTo !== undefined) {
    where += ' AND first_step <= ?';
    params.push(q.upTo);
  }
  if (q.last) {
    const past = dialect.keysetAfter(CHUNK_KEY, q.last);
    where += ` AND ${past.sql}`;
    params.push(...past.params);
  }
  return ex.query(
    `SELECT first_step, last_step, seq, pts FROM metric_chunks WHERE ${where} ORDER BY first_step, last_step, seq LIMIT ${q.limit}`,
    params,
  );
}

/**
 * Every point of a history as columns, in no particular order, a point stored twice (a batch sent
 * again) as often as it is stored: for a read that orders the history otherwise (get-history of a
 * history out of step order), without making an object per point.
 */
export interface HistoryColumns {
  length: number;
  step: Float64Array;
  ts: Float64Array;
  value: Float64Array;
  nan: Uint8Array;
}

/** Chunk rows per statement of `readHistoryColumns` (at most 50 kB each). */
const COLUMNS_CHUNK_PAGE = 1000;

export async function readHistoryColumns(
  ex: Exec,
  dialect: Dialect,
  runPk: number,
  key: string,
): Promise<HistoryColumns> {
  const rows = await ex.query(
    `SELECT step, ts, ${dialect.readDouble('metric_value')} AS point_value, is_nan FROM metrics WHERE run_pk = ? AND metric_key = ?`,
    [runPk, key],
  );
  const packed: Uint8Array[] = [];
  let length = rows.length;
  let last: [number, number, number] | undefined;
  for (;;) {
    const found = await readChunks(ex, dialect, runPk, key, { last, limit: COLUMNS_CHUNK_PAGE });
    for (const c of found) {
      const pts = c.pts as Uint8Array;
      packed.push(pts);
      length += Math.floor(pts.byteLength / POINT_BYTES);
    }
    if (found.length < COLUMNS_CHUNK_PAGE) break;
    const end = found[found.length - 1]!;
    last = [num(end.first_step), num(end.last_step), num(end.seq)];
  }
  const out: HistoryColumns = {
    length,
    step: new Float64Array(length),
    ts: new Float64Array(length),
    value: new Float64Array(length),
    nan: new Uint8Array(length),
  };
  let i = 0;
  for (const r of rows) {
    out.step[i] = num(r.step);
    out.ts[i] = num(r.ts);
    out.value[i] = num(r.point_value);
    out.nan[i++] = num(r.is_nan) !== 0 ? 1 : 0;
  }
  for (const pts of packed) {
    const view = new DataView(pts.buffer, pts.byteOffset, pts.byteLength);
    for (let at = 0; at + POINT_BYTES <= pts.byteLength; at += POINT_BYTES) {
      out.step[i] = view.getFloat64(at, true);
      out.ts[i] = view.getFloat64(at + 8, true);
      out.value[i] = view.getFloat64(at + 16, true);
      out.nan[i++] = pts[at + 24]!;
    }
  }
  return out;
}

/** The lowest and highest step of a history; undefined when it has no point. */
export async function historyStepBounds(
  ex: Exec,
  runPk: number,
  key: string,
): Promise<[number, number] | undefined> {
  const h = 'run_pk = ? AND metric_key = ?';
  // Each is one seek on a key; the last chunk to end starts at most MAX_CHUNK_SPAN before the last to start.
  const [r] = await ex.query(
    `SELECT (SELECT MIN(step) FROM metrics WHERE ${h}) AS row_lo,
      (SELECT MAX(step) FROM metrics WHERE ${h}) AS row_hi,
      (SELECT MIN(first_step) FROM metric_chunks WHERE ${h}) AS chunk_lo,
      (SELECT MAX(last_step) FROM metric_chunks WHERE ${h}
        AND first_step >= (SELECT MAX(first_step) FROM metric_chunks WHERE ${h}) - ${MAX_CHUNK_SPAN}) AS chunk_hi`,
    [runPk, key, runPk, key, runPk, key, runPk, key, runPk, key],
  );
  const lows = [r?.row_lo, r?.chunk_lo].filter((v) => v !== null && v !== undefined).map(num);
  const highs = [r?.row_hi, r?.chunk_hi].filter((v) => v !== null && v !== undefined).map(num);
  if (!lows.length || !highs.length) return undefined;
  return [Math.min(...lows), Math.max(...highs)];
}

/** The greatest step below `step` in a history; undefined when there is none. */
export async function stepBefore(
  ex: Exec,
  runPk: number,
  key: string,
  step: number,
): Promise<number | undefined> {
  const h = 'run_pk = ? AND metric_key = ?';
  const [r] = await ex.query(
    `SELECT (SELECT MAX(step) FROM metrics WHERE ${h} AND step < ?) AS row_step,
      (SELECT MAX(first_step) FROM metric_chunks WHERE ${h} AND first_step < ?) AS chunk_first`,
    [runPk, key, step, runPk, key, step],
  );
  let best = r?.row_step === null || r?.row_step === undefined ? undefined : num(r.row_step);
  if (r?.chunk_first !== null && r?.chunk_first !== undefined) {
    // Steps of chunks starting at or before the last chunk start below `step` (and not more than
    // MAX_CHUNK_SPAN before it, as no earlier chunk reaches past it).
    const start = num(r.chunk_first);
    const chunks = await ex.query(
      `SELECT pts FROM metric_chunks WHERE ${h} AND first_step >= ? AND first_step <= ? AND last_step >= ?`,
      [runPk, key, start - MAX_CHUNK_SPAN, start, start],
    );
    for (const c of chunks) {
      for (const p of unpackChunk(c.pts as Uint8Array)) {
        if (p.step < step && (best === undefined || p.step > best)) best = p.step;
      }
    }
  }
  return best;
}
