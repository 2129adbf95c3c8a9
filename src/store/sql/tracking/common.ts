import type { Dialect, Row, SqlDatabase, SqlExecutor, SqlValue } from '../database.js';

/** What every part of the SQL tracking store works with. */
export interface StoreContext {
  db: SqlDatabase;
  defaultArtifactRoot: string;
}

/** An executor: the database itself or an open transaction. */
export type Exec = SqlExecutor;

/**
 * Bound parameters per statement. SQLite allows 32766 host parameters, PostgreSQL 65535; staying
 * well below both keeps multi-row inserts valid everywhere.
 */
export const MAX_PARAMS_PER_STATEMENT = 30000;

let lastPos = 0;
/**
 * An insertion ordinal (a microsecond clock), used to list params, tags and metrics in the order
 * they were first logged. It only increases strictly within this process: server workers
 * (`--workers`) and separate servers each keep their own, so rows written by different processes
 * at nearly the same moment are ordered by their clocks, ties in no particular order. That is
 * all `pos` is for: it is an ORDER BY for display, never part of a key or a page token. Fits
 * exactly in a double.
 */
export function nextPos(): number {
  const now = Date.now() * 1000;
  lastPos = now > lastPos ? now : lastPos + 1;
  return lastPos;
}

export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
export const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
export const bool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 't';

/** Statement texts per dialect, by shape (e.g. a statement and its row count). */
const statementCache = new WeakMap<Dialect, Map<string, string>>();
const STATEMENT_CACHE_MAX = 256;

/**
 * The statement `build` makes for `shape` in dialect `d`, made once. Keyed by the dialect object,
 * not its name: a MySQL-family database changes dialect once it knows its server (MariaDB's
 * upserts). A dialect's cache is emptied when full (row counts vary by group).
 */
export function cachedStatement(d: Dialect, shape: string, build: () => string): string {
  let cache = statementCache.get(d);
  if (!cache) statementCache.set(d, (cache = new Map()));
  let sql = cache.get(shape);
  if (!sql) {
    sql = build();
    if (cache.size >= STATEMENT_CACHE_MAX) cache.clear();
    cache.set(shape, sql);
  }
  return sql;
}

export const qs = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Rows per multi-row statement for a table with `columns` columns. */
export const rowsPerStatement = (columns: number): number =>
  Math.max(1, Math.floor(MAX_PARAMS_PER_STATEMENT / columns));

/** Appends path segments to a URI or path without doubling slashes (`mlflow-artifacts:/` + `0`). */
export function appendPath(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ''), ...parts].join('/');
}

/** SQL stores cannot hold ±Infinity; like MLflow they keep ±Number.MAX_VALUE. NaN is a flag. */
export function encodeMetricValue(value: number): { value: number; isNan: number } {
  if (Number.isNaN(value)) return { value: 0, isNan: 1 };
  if (value === Infinity) return { value: Number.MAX_VALUE, isNan: 0 };
  if (value === -Infinity) return { value: -Number.MAX_VALUE, isNan: 0 };
  return { value, isNan: 0 };
}

export const decodeMetricValue = (value: unknown, isNan: unknown): number => (bool(isNan) ? NaN : num(value));

/** Flattens rows of values into one parameter list. */
export function flat(rows: readonly (readonly SqlValue[])[]): SqlValue[] {
  const out: SqlValue[] = [];
  for (const r of rows) for (const v of r) out.push(v);
  return out;
}

/** Experiment ids are integers in the database; anything else names no experiment. */
export function parseExperimentId(id: string): number | null {
  return /^\d{1,15}$/.test(id) ? Number(id) : null;
}

/** Runs a `... IN (?)` query over many ids in chunks (of `chunkSize` ids) that respect parameter limits. */
export async function queryIn(
  ex: Exec,
  sqlFor: (placeholders: string) => string,
  ids: readonly SqlValue[],
  chunkSize = 2000,
): Promise<Row[]> {
  const out: Row[] = [];
  for (const part of chunks(ids, chunkSize)) {
    const rows = await ex.query(sqlFor(qs(part.length)), part as SqlValue[]);
    for (const r of rows) out.push(r);
  }
  return out;
}
