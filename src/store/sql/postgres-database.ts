import pg from 'pg';
import type { Row, SqlDatabase, SqlExecutor, SqlValue } from './database.js';
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

class PgExecutor implements SqlExecutor {
  // One client runs one query at a time; queries issued concurrently on a transaction's client
  // (e.g. Promise.all) are chained here instead of relying on pg's deprecated implicit queue.
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: pg.Pool | pg.PoolClient,
    private readonly serialize = false,
  ) {}

  private exec(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
    const run = (): Promise<pg.QueryResult> => this.client.query(translate(sql), params as unknown[]);
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

  constructor(uri: string) {
    this.pool = new pg.Pool({ connectionString: uri.replace(/^postgresql\+\w+:/, 'postgresql:'), max: 10 });
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
