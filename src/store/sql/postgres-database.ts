import { createHash } from 'node:crypto';
import pg from 'pg';
import {
  DEFAULT_POOL_SIZE,
  type Row,
  type SqlDatabase,
  type SqlExecutor,
  type SqlValue,
} from './database.js';
import { postgresDialect } from './dialects/postgresql.js';
import type { PoolStats } from '../../observability/metrics.js';

// BIGINT (int8) and NUMERIC come back as strings by default; Cairn's values fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/** Rewrites `?` placeholders (outside quotes) to `$1, $2, ...`. */
export function toPgPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else out += ch;
  }
  return out;
}

const cache = new Map<string, string>();
function translate(sql: string): string {
  let t = cache.get(sql);
  if (t === undefined) {
    t = toPgPlaceholders(sql);
    if (cache.size > 5000) cache.clear();
    cache.set(sql, t);
  }
  return t;
}

const NEEDS_ESCAPE = /[\\"]/g;

/**
 * An array parameter (bulk writes bind whole columns, see `Dialect.arrayParam`) as a PostgreSQL
 * array literal, built in one pass. node-postgres would build the same text element by element
 * through its generic value conversion, which costs several times as much for 1,000-point
 * columns. Only flat arrays of finite numbers, strings and nulls are handled here; anything else
 * (undefined) is left to the driver.
 */
export function pgArrayLiteral(values: readonly unknown[]): string | undefined {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i) out += ',';
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return undefined;
      out += String(v);
    } else if (typeof v === 'string') {
      out += `"${v.includes('"') || v.includes('\\') ? v.replace(NEEDS_ESCAPE, '\\$&') : v}"`;
    } else if (v === null) out += 'NULL';
    else return undefined;
  }
  return `${out}}`;
}

/** The element types whose arrays are sent in PostgreSQL's binary format, by type OID. */
const BINARY_ELEMENTS = { int4: 23, int8: 20, float8: 701 } as const;
type BinaryElement = keyof typeof BINARY_ELEMENTS;
const TWO_TO_32 = 2 ** 32;

const fits = (v: unknown, element: BinaryElement): boolean =>
  typeof v === 'number' &&
  (element === 'float8' ||
    (element === 'int8' ? Number.isSafeInteger(v) : Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31));

/**
 * An array of numbers in PostgreSQL's binary array format, for a placeholder cast to
 * `element[]`: 4 or 8 bytes per number instead of decimal text that the server parses back (a
 * 1,000-point batch binds four such columns; writing a double as text was most of the cost of
 * building the parameters, measured). Text arrays stay literals, which cost less to build than
 * their binary form. Only flat arrays of numbers that fit the type (integers for int4 and int8)
 * and nulls; anything else is undefined, for the literal to carry.
 */
export function pgBinaryArray(values: readonly unknown[], element: BinaryElement): Buffer | undefined {
  const width = element === 'int4' ? 4 : 8;
  let size = 20; // dimensions, null flag, element type, then length and lower bound of the one dimension
  let hasNull = 0;
  for (const v of values) {
    if (v === null) hasNull = 1;
    else if (!fits(v, element)) return undefined;
    size += v === null ? 4 : 4 + width;
  }
  if (!values.length) size = 12; // no dimensions
  const buf = Buffer.allocUnsafe(size);
  // DataView writes compile to plain stores; Buffer's write methods check their arguments each call.
  const view = new DataView(buf.buffer, buf.byteOffset, size);
  view.setInt32(0, values.length ? 1 : 0);
  view.setInt32(4, hasNull);
  view.setUint32(8, BINARY_ELEMENTS[element]);
  if (!values.length) return buf;
  view.setInt32(12, values.length);
  view.setInt32(16, 1);
  let at = 20;
  for (const v of values) {
    if (v === null) {
      view.setInt32(at, -1);
      at += 4;
      continue;
    }
    const n = v as number;
    view.setInt32(at, width);
    if (element === 'float8') view.setFloat64(at + 4, n);
    else if (element === 'int4') view.setInt32(at + 4, n);
    else {
      const high = Math.floor(n / TWO_TO_32);
      view.setInt32(at + 4, high);
      view.setUint32(at + 8, n - high * TWO_TO_32);
    }
    at += 4 + width;
  }
  return buf;
}

/** Per placeholder of a statement, the element type its `$n::element[]` cast names, if any. */
const castsByText = new Map<string, (BinaryElement | undefined)[]>();
function arrayCasts(text: string): (BinaryElement | undefined)[] {
  let casts = castsByText.get(text);
  if (casts === undefined) {
    casts = [];
    for (const m of text.matchAll(/\$(\d+)::(int4|int8|float8)\[\]/g))
      casts[Number(m[1]) - 1] = m[2] as BinaryElement;
    if (castsByText.size > 1000) castsByText.clear();
    castsByText.set(text, casts);
  }
  return casts;
}

/** The statement to send: with array parameters, a named (prepared) one, see below. */
function pgQuery(sql: string, params: readonly SqlValue[]): pg.QueryConfig {
  const text = translate(sql);
  const values = driverParams(text, params);
  // Statements that bind whole arrays have one text per shape (bulk writes run them over and
  // over): each connection parses and plans them once. Other statements, whose texts vary
  // with list lengths and filters, stay unnamed so connections do not collect thousands.
  if (values === params) return { text, values };
  return { text, values, name: statementName(text) };
}

const names = new Map<string, string>();
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `cairn_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    if (names.size > 1000) names.clear();
    names.set(text, name);
  }
  return name;
}

/** Array parameters as binary arrays where the statement names their type, else as literals. */
function driverParams(text: string, params: readonly SqlValue[]): unknown[] {
  let out: unknown[] | undefined;
  let casts: (BinaryElement | undefined)[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const v: unknown = params[i];
    if (!Array.isArray(v)) continue;
    casts ??= arrayCasts(text);
    const element = casts[i];
    const encoded = (element && pgBinaryArray(v, element)) ?? pgArrayLiteral(v);
    if (encoded === undefined) continue;
    out ??= [...params];
    out[i] = encoded;
  }
  return out ?? (params as unknown[]);
}

class PgExecutor implements SqlExecutor {
  // One client runs one query at a time; queries issued concurrently on a transaction's client
  // (e.g. Promise.all) are chained here instead of relying on pg's deprecated implicit queue.
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: pg.Pool | pg.PoolClient,
    private readonly serialize = false,
  ) {}

  private exec(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
    const run = (): Promise<pg.QueryResult> => this.client.query(pgQuery(sql, params));
    if (!this.serialize) return run();
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const res = await this.exec(sql, params);
    return res.rows as T[];
  }
  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    const res = await this.exec(sql, params);
    return { changes: res.rowCount ?? 0 };
  }
}

export class PostgresDatabase implements SqlDatabase {
  readonly dialect = postgresDialect;
  private readonly pool: pg.Pool;
  private readonly exec: PgExecutor;

  constructor(uri: string, poolSize = DEFAULT_POOL_SIZE) {
    this.pool = new pg.Pool({
      connectionString: uri.replace(/^postgresql\+\w+:/, 'postgresql:'),
      max: poolSize,
    });
    this.pool.on('error', () => undefined);
    this.exec = new PgExecutor(this.pool);
  }

  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.exec.query<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.exec.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PgExecutor(client, true));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  poolStats(): PoolStats {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
