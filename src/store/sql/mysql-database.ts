import mysql from 'mysql2/promise';
import {
  DEFAULT_POOL_SIZE,
  type Row,
  type RunResult,
  type ScriptStatement,
  type SqlDatabase,
  type SqlExecutor,
  type SqlValue,
  type TransactionOptions,
  type Dialect,
} from './database.js';
import { dialectForServer, mysqlDialect } from './dialects/mysql.js';
import type { PoolStats } from '../../observability/metrics.js';

type Queryable = mysql.Pool | mysql.PoolConnection;

class MysqlExecutor implements SqlExecutor {
  constructor(private readonly conn: Queryable) {}
  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const [rows] = await this.conn.query(sql, params as unknown[]);
    return (Array.isArray(rows) ? rows : []) as T[];
  }
  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    const [res] = await this.conn.query(sql, params as unknown[]);
    const header = res as mysql.ResultSetHeader;
    // insertId is 0 when the statement generated no key.
    return {
      changes: header.affectedRows ?? 0,
      ...(header.insertId ? { insertId: Number(header.insertId) } : {}),
    };
  }
}

/** MySQL / MariaDB through mysql2. Tables use a binary collation so comparisons are case-sensitive. */
export class MysqlDatabase implements SqlDatabase {
  private readonly pool: mysql.Pool;
  /** MariaDB's dialect or MySQL's, once the server has said which it is (`learnServer`). */
  private serverDialect?: Dialect;
  private learning = false;
  private readonly exec: MysqlExecutor;
  private readonly options: mysql.PoolOptions;
  private scriptPool?: mysql.Pool;

  constructor(uri: string, poolSize = DEFAULT_POOL_SIZE) {
    const url = new URL(uri.replace(/^mysql\+\w+:/, 'mysql:').replace(/^mariadb:/, 'mysql:'));
    this.options = {
      host: url.hostname || '127.0.0.1',
      port: url.port ? Number(url.port) : 3306,
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
      database: url.pathname.replace(/^\//, ''),
      connectionLimit: poolSize,
      supportBigNumbers: true,
      bigNumberStrings: false,
      charset: 'utf8mb4',
      timezone: 'Z',
      // No stack trace captured per query for the driver's errors (its promise API otherwise
      // takes one on every call, before knowing whether the query fails).
      trace: false,
    };
    this.pool = mysql.createPool(this.options);
    this.exec = new MysqlExecutor(this.pool);
  }

  /**
   * MySQL's dialect until the first statement has asked the server what it is: statements made
   * before then use forms both servers accept.
   */
  get dialect(): Dialect {
    return this.serverDialect ?? mysqlDialect;
  }

  /** Asks the server which of the family it is, once (again after a failure), beside the first statements. */
  private learnServer(): void {
    if (this.serverDialect || this.learning) return;
    this.learning = true;
    this.pool.query('SELECT VERSION() AS version').then(
      ([rows]) => {
        const version = (rows as Row[])[0]?.version;
        if (typeof version === 'string') this.serverDialect = dialectForServer(version);
        this.learning = false;
      },
      () => (this.learning = false),
    );
  }

  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    this.learnServer();
    return this.exec.query<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    this.learnServer();
    return this.exec.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    this.learnServer();
    const conn = await this.pool.getConnection();
    try {
      // Applies to the next transaction of this connection only.
      if (options?.readCommitted) await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await conn.beginTransaction();
      const result = await fn(new MysqlExecutor(conn));
      await conn.commit();
      return result;
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw err;
    } finally {
      conn.release();
    }
  }

  /**
   * `START TRANSACTION; ...; COMMIT` in one multi-statement query, or with `then` in two (the
   * second made of the first one's rows). Such queries go through connections of their own
   * (opened when first needed), so that no other query can ever be sent with several statements;
   * the values are escaped by the driver exactly as in `query`.
   */
  async script(
    statements: readonly ScriptStatement[],
    then?: (rows: Row[][]) => Promise<readonly ScriptStatement[]>,
    options?: TransactionOptions,
  ): Promise<Row[][]> {
    this.learnServer();
    this.scriptPool ??= mysql.createPool({ ...this.options, multipleStatements: true });
    const conn = await this.scriptPool.getConnection();
    let usable = true;
    try {
      const begin = options?.readCommitted
        ? ['SET TRANSACTION ISOLATION LEVEL READ COMMITTED', 'START TRANSACTION']
        : ['START TRANSACTION'];
      const sql = [...begin, ...statements.map(formatStatement)];
      if (!then) sql.push('COMMIT');
      const each = await queryEach(conn, sql);
      const rows = each
        .slice(begin.length, begin.length + statements.length)
        .map((r) => (Array.isArray(r) ? (r as Row[]) : []));
      if (then) await queryEach(conn, [...(await then(rows)).map(formatStatement), 'COMMIT']);
      return rows;
    } catch (err) {
      // The statements after the failing one were not run: the transaction is still open.
      await conn.query('ROLLBACK').catch(() => (usable = false));
      throw err;
    } finally {
      if (usable) conn.release();
      else conn.destroy();
    }
  }

  poolStats(): PoolStats {
    // mysql2 keeps its pool state in underscore fields of the callback pool; read defensively.
    const inner = (this.pool as unknown as { pool?: Record<string, { length?: number } | undefined> }).pool;
    const size = (k: string): number => inner?.[k]?.length ?? 0;
    return {
      total: size('_allConnections'),
      idle: size('_freeConnections'),
      waiting: size('_connectionQueue'),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.scriptPool?.end()]);
  }
}

function formatStatement(s: ScriptStatement): string {
  return mysql.format(s.sql, [...s.params] as mysql.SqlValue[]);
}

/** The result of each statement of a multi-statement query (one statement answers one result). */
async function queryEach(conn: mysql.PoolConnection, sql: readonly string[]): Promise<unknown[]> {
  const [results] = await conn.query(sql.join(';\n'));
  return sql.length === 1 ? [results] : (results as unknown as unknown[]);
}
