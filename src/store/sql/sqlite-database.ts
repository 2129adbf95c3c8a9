import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Row, SqlDatabase, SqlExecutor, SqlValue } from './database.js';
import { sqliteDialect } from './dialects/sqlite.js';
import { SQLITE_SORT_NUMBER_FUNCTION } from './migrations/007-value-sort-keys.js';
import { sortNumber } from './tracking/sort-keys.js';

type Bindable = Exclude<SqlValue, boolean>;
/** better-sqlite3 takes no booleans; a list without any (a metric batch's 6,000) is not copied. */
function bind(params: readonly SqlValue[]): readonly Bindable[] {
  for (const p of params) {
    if (typeof p === 'boolean') return params.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
  }
  return params as readonly Bindable[];
}

// How long awaited calls may run back to back before the event loop gets a turn.
const SLICE_MS = 5;

/**
 * SQLite through better-sqlite3 (synchronous, one connection, WAL). Statements are cached.
 * Because the driver is synchronous but the interface is async, a transaction holds a lock
 * that every other statement waits for, so interleaved requests never share a transaction.
 *
 * A synchronous call wrapped in a promise settles through microtasks alone, so a loop of awaited
 * calls (an importer, a group commit that keeps finding new work) would never let timers,
 * sockets or a piped stdout run. Every call outside a transaction therefore checks how long the
 * event loop has gone without a turn and, past SLICE_MS, waits for one (setImmediate).
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = sqliteDialect;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private lock: Promise<void> = Promise.resolve();
  private locked = false;
  /** When the current run of calls without an event-loop turn began; undefined after a turn. */
  private sliceStart: number | undefined;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode keeps every committed transaction across a process crash.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('case_sensitive_like = ON');
    // A 64 MiB page cache keeps the hot index pages of a large store in memory; sorts stay in RAM.
    this.db.pragma('cache_size = -65536');
    this.db.pragma('temp_store = MEMORY');
    // Migration 007 fills the numeric sort key of existing rows with the rule writes use.
    this.db.function(SQLITE_SORT_NUMBER_FUNCTION, { deterministic: true }, (v: unknown) =>
      sortNumber(typeof v === 'string' ? v : null),
    );
  }

  private prepare(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.statements.size > 2000) this.statements.clear();
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private querySync<T extends Row>(sql: string, params: readonly SqlValue[]): T[] {
    const stmt = this.prepare(sql);
    return (stmt.reader ? stmt.all(...bind(params)) : (stmt.run(...bind(params)), [])) as T[];
  }

  private runSync(sql: string, params: readonly SqlValue[]): { changes: number } {
    const stmt = this.prepare(sql);
    if (stmt.reader) {
      stmt.all(...bind(params));
      return { changes: 0 };
    }
    return { changes: stmt.run(...bind(params)).changes };
  }

  private readonly direct: SqlExecutor = {
    query: async <T extends Row>(sql: string, params: readonly SqlValue[] = []) =>
      this.querySync<T>(sql, params),
    run: async (sql: string, params: readonly SqlValue[] = []) => this.runSync(sql, params),
  };

  /** A promise to await when the event loop is due a turn; undefined (no await needed) otherwise. */
  private turnDue(): Promise<void> | undefined {
    const now = performance.now();
    if (this.sliceStart === undefined) {
      this.sliceStart = now;
      // Runs at the event loop's next check phase, i.e. once timers and I/O have had their turn.
      setImmediate(() => (this.sliceStart = undefined));
      return undefined;
    }
    if (now - this.sliceStart < SLICE_MS) return undefined;
    return new Promise<void>((resolve) => setImmediate(resolve));
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const turn = this.turnDue();
    if (turn) await turn;
    if (this.locked) await this.waitForLock();
    return this.querySync<T>(sql, params);
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    const turn = this.turnDue();
    if (turn) await turn;
    if (this.locked) await this.waitForLock();
    return this.runSync(sql, params);
  }

  private async waitForLock(): Promise<void> {
    while (this.locked) await this.lock;
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const turn = this.turnDue();
    if (turn) await turn;
    while (this.locked) await this.lock;
    this.locked = true;
    let release!: () => void;
    this.lock = new Promise<void>((r) => (release = r));
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.locked = false;
      release();
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
