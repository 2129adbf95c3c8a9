import type { Metric, RunTag } from '../../../entities/tracking.js';
import type { Row } from '../database.js';
import type { StoreContext } from './common.js';
import { activeRunRow } from './runs.js';
import { type BatchWrite, writeBatch } from './log-batch.js';
import { storeMetrics } from '../../../observability/metrics.js';

interface Pending extends BatchWrite {
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Group commit for SQLite, whose single writer makes every commit a serial step: logBatch calls
 * that arrive while a transaction is being prepared or committed are written together in the next
 * transaction; a failing call (a changed param, a deleted run) is rolled back alone (a SAVEPOINT
 * around calls with params, which are validated while being written; other calls fail before
 * writing anything). An unexpected database error aborts and rejects the whole group. A call resolves only after the COMMIT that holds its writes, so every
 * acknowledged write is durable (WAL: a committed transaction survives a process crash).
 * PostgreSQL and MySQL commit concurrent calls in parallel connections instead.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private inFlight = 0;

  private wakeIdle(): void {
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  constructor(private readonly ctx: StoreContext) {}

  /** Resolves once every queued call has been committed (or rejected). */
  async idle(): Promise<void> {
    if (!this.queue.length && !this.running && !this.scheduled && !this.inFlight) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  write(w: BatchWrite): Promise<void> {
    if (!this.ctx.db.dialect.singleWriter) {
      this.inFlight++;
      return this.ctx.db
        .transaction((tx) => writeBatch(this.ctx, tx, w))
        .finally(() => {
          if (--this.inFlight === 0 && !this.queue.length && !this.running) this.wakeIdle();
        });
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...w, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // setImmediate lets the calls of the current I/O turn join the group.
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    this.running = true;
    try {
      while (this.queue.length) {
        const group = this.queue;
        this.queue = [];
        await this.commit(group);
      }
    } finally {
      this.running = false;
      if (this.queue.length) this.schedule();
      else if (!this.inFlight) this.wakeIdle();
    }
  }

  private async commit(group: Pending[]): Promise<void> {
    storeMetrics.groupCommitSize.observe(group.length);
    const failures = new Map<Pending, unknown>();
    try {
      await this.ctx.db.transaction(async (tx) => {
        if (group.length === 1) {
          await writeBatch(this.ctx, tx, group[0]!);
          return;
        }
        // Nothing else writes while this transaction holds SQLite's lock, so a run's state read
        // once stays true for the whole group.
        const runs = new Map<string, Row | Error>();
        // Calls without params cannot fail once their run is known to be active: their metrics
        // and tags are merged per run into one multi-row write (in call order, so tags keep
        // last-wins), flushed before any params call of the same run to keep the call order.
        const merged = new Map<string, { run: Row; metrics: Metric[]; tags: RunTag[] }>();
        const flush = async (runId: string): Promise<void> => {
          const m = merged.get(runId);
          if (!m) return;
          merged.delete(runId);
          await writeBatch(this.ctx, tx, { runId, metrics: m.metrics, params: [], tags: m.tags }, m.run);
        };
        for (const item of group) {
          let run = runs.get(item.runId);
          if (run === undefined) {
            run = await activeRunRow(tx, item.runId).catch((err: Error) => err);
            runs.set(item.runId, run);
          }
          if (run instanceof Error) {
            failures.set(item, run);
            continue;
          }
          if (!item.params.length) {
            const m = merged.get(item.runId) ?? { run, metrics: [], tags: [] };
            m.metrics.push(...item.metrics);
            m.tags.push(...item.tags);
            merged.set(item.runId, m);
            continue;
          }
          // Params are validated while being written: a savepoint undoes a failing call alone.
          await flush(item.runId);
          await tx.run('SAVEPOINT cairn_batch');
          try {
            await writeBatch(this.ctx, tx, item, run);
            await tx.run('RELEASE SAVEPOINT cairn_batch');
          } catch (err) {
            await tx.run('ROLLBACK TO SAVEPOINT cairn_batch');
            await tx.run('RELEASE SAVEPOINT cairn_batch');
            failures.set(item, err);
          }
        }
        for (const runId of [...merged.keys()]) await flush(runId);
      });
    } catch (err) {
      for (const item of group) item.reject(err);
      return;
    }
    for (const item of group) {
      if (failures.has(item)) item.reject(failures.get(item));
      else item.resolve();
    }
  }
}
