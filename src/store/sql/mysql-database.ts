import mysql from 'mysql2/promise';
import type { Row, RunResult, SqlDatabase, SqlExecutor, SqlValue } from './database.js';
import { mysqlDialect } from './dialects/mysql.js';
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
  readonly dialect = mysqlDialect;
  private readonly pool: mysql.Pool;
  private readonly exec: MysqlExecutor;

  constructor(uri: string) {
    const url = new URL(uri.replace(/^mysql\+\w+:/, 'mysql:').replace(/^mariadb:/, 'mysql:'));
    this.pool = mysql.createPool({
      host: url.hostname || '127.0.0.1',
      port: url.port ? Number(url.port) : 3306,
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
      database: url.pathname.replace(/^\//, ''),
      connectionLimit: 10,
      supportBigNumbers: true,
      bigNumberStrings: false,
      charset: 'utf8mb4',
      timezone: 'Z',
    });
    this.exec = new MysqlExecutor(this.pool);
  }

  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.exec.query<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    return this.exec.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection();
    try {
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
    await this.pool.end();
  }
}
