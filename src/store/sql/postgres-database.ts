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

/** The statement to send: with array parameters, a named (prepared) one, see below. */
function pgQuery(sql: string, params: readonly SqlValue[]): pg.QueryConfig {
  const text = translate(sql);
  const values = driverParams(params);
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

function driverParams(params: readonly SqlValue[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const v: unknown = params[i];
    if (!Array.isArray(v)) continue;
    const literal = pgArrayLiteral(v);
    if (literal === undefined) continue;
    out ??= [...params];
    out[i] = literal;
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
