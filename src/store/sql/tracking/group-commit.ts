import type { Metric, RunTag } from '../../../entities/tracking.js';
import type { Row } from '../database.js';
import type { Exec, StoreContext } from './common.js';
import { activeRunRows } from './runs.js';
import { type BatchWrite, WRITE_TRANSACTION, writeBatch, writeRuns } from './log-batch.js';
import { onlyMetrics, writeMetricsWithArrays } from './array-metric-write.js';
import { writeMetricsInScript } from './script-metric-write.js';
import { storeMetrics } from '../../../observability/metrics.js';

interface Pending extends BatchWrite {
  resolve(): void;
  reject(err: unknown): void;
}

/** The answers to a group's calls (resolve or reject each), given once its commit is over. */
type Answers = (() => void)[];

function answerAll(answers: Answers): void {
  for (const answer of answers) answer();
}

/**
 * Transactions committing groups at the same time. SQLite has one writer, so one; PostgreSQL and
 * MySQL commit in parallel connections, and a few groups in flight keep them busy while the
 * next group gathers (each group's commit costs one round of fsync for all its calls).
 */
const SERVER_DATABASE_LANES = 4;

/**
 * Waiting values (metrics, params and tags) worth a lane of their own: their writing costs the
 * database several times a group's fixed cost, so parallel commits gain more than a larger group.
 */
const LANE_VALUES = 256;

export interface LaneState {
  /** Lanes committing now, and the most the database has. */
  running: number;
  lanes: number;
  /** Calls, and their values, waiting for a group. */
  waitingCalls: number;
  waitingValues: number;
  /** Calls in the groups being committed now, and their values. */
  committingCalls: number;
  committingValues: number;
}

/**
 * Calls in flight (committing or waiting) from which small calls stop opening lanes and gather
 * into the next group of a running one. Below it the database has CPU to spare and parallel
 * commits shorten the wait; from it on, a busy server gains from fewer, larger groups: a small
 * call's database cost is mostly its group's (a transaction, a commit, a statement; ~200 µs of
 * PostgreSQL CPU measured). With 16 clients the groups then hold 8 calls instead of ~6 and the
 * database spends about a quarter less CPU per call (bench/RESULTS.md, "Group-commit lanes").
 */
const GATHER_CALLS = 8;

/**
 * Whether waiting calls open another lane now rather than join the next group of a running one.
 * Another lane opens for waiting calls that carry many values (large batches gain from parallel
 * commits, not from sharing one) and for small calls behind large writes (they do not wait for a
 * 1,000-point batch); other small calls open one only while fewer than GATHER_CALLS are in flight
 * and they are at least as many as an average group being committed (a call arriving beside one
 * committing call commits beside it, so one or two clients wait no longer than before).
 */
export function opensLane(s: LaneState): boolean {
  if (s.running >= s.lanes) return false;
  if (s.running === 0 || s.waitingValues >= LANE_VALUES || s.committingValues >= LANE_VALUES) {
    return true;
  }
  if (s.waitingCalls + s.committingCalls >= GATHER_CALLS) return false;
  return s.waitingCalls * s.running >= s.committingCalls;
}

/**
 * Group commit: logBatch calls that arrive while a transaction is being prepared or committed
 * are written together in the next transaction (one commit, one multi-row statement per table for
 * all their runs). A failing call (a changed param, a deleted run) is rolled back alone (a
 * SAVEPOINT around calls with params, which are validated while being written; other calls fail
 * before writing anything). When a group's transaction fails as a whole (an unexpected database
 * error, a deadlock between instances), each of its calls is retried in a transaction of its own,
 * so one call never fails another. A call resolves only after the COMMIT that holds its writes,
 * so every acknowledged write is durable. Where the database takes array parameters, the
 * metric-only calls of a group are written by one statement (array-metric-write.ts); where it
 * takes several statements at once, in two round trips (script-metric-write.ts); a group with
 * points behind a history's latest point, as a re-sent batch has, in a transaction.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private running = 0;
  /** Values (metrics, params, tags) of the queued calls. */
  private queuedValues = 0;
  /** Calls in the groups being committed now, and their values. */
  private committing = 0;
  private committingValues = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly lanes: number;
  /** The one-round-trip writer of metric-only calls this database supports, if any. */
  private readonly writeMetricsAtOnce?: typeof writeMetricsWithArrays;

  constructor(private readonly ctx: StoreContext) {
    this.lanes = ctx.db.dialect.singleWriter ? 1 : SERVER_DATABASE_LANES;
    const { dialect, script } = ctx.db;
    if (dialect.arrayParam) this.writeMetricsAtOnce = writeMetricsWithArrays;
    else if (script) this.writeMetricsAtOnce = writeMetricsInScript;
  }

  /** Resolves once every queued call has been committed (or rejected). */
  async idle(): Promise<void> {
    if (!this.queue.length && !this.running && !this.scheduled) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Queues a call; calls that do not open a lane (opensLane) gather for the next group. */
  write(w: BatchWrite): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queuedValues += w.metrics.length + w.params.length + w.tags.length;
      // Fields named, not spread: V8 adds properties to a spread copy on a slow path (µs a call).
      this.queue.push({
        runId: w.runId,
        metrics: w.metrics,
        params: w.params,
        tags: w.tags,
        resolve,
        reject,
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.lanes) return;
    const state: LaneState = {
      running: this.running,
      lanes: this.lanes,
      waitingCalls: this.queue.length,
      waitingValues: this.queuedValues,
      committingCalls: this.committing,
      committingValues: this.committingValues,
    };
    if (!opensLane(state)) return;
    this.scheduled = true;
    // setImmediate lets the calls of the current I/O turn join the group.
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running++;
    try {
      while (this.queue.length) {
        const group = this.queue;
        const values = this.queuedValues;
        this.queue = [];
        this.queuedValues = 0;
        this.committing += group.length;
        this.committingValues += values;
        const answers: Answers = [];
        try {
          await this.commit(group, answers);
        } finally {
          this.committing -= group.length;
          this.committingValues -= values;
          if (this.answersNextGroupFirst()) setImmediate(answerAll, answers);
          else answerAll(answers);
        }
      }
    } finally {
      this.running--;
      if (this.queue.length) this.schedule();
      else if (!this.running && !this.scheduled) {
        for (const wake of this.idleWaiters.splice(0)) wake();
      }
    }
  }

  /**
   * Whether a finished group's calls are answered after the next group's statement has gone out
   * (setImmediate runs once this turn's writes are sent), so the database works while the
   * server writes the answers: with a next group waiting for a database server, while fewer
   * than GATHER_CALLS calls are in flight. From there on, answering later would leave the next
   * cohort fewer calls to gather and shrink the groups (measured); SQLite writes in this thread,
   * where it would only delay the answers.
   */
  private answersNextGroupFirst(): boolean {
    const waiting = this.queue.length;
    return this.lanes > 1 && waiting > 0 && waiting + this.committing < GATHER_CALLS;
  }

  /** Commits a group; the answer to each call goes to `answers`. */
  private async commit(group: Pending[], answers: Answers): Promise<void> {
    storeMetrics.groupCommitSize.observe(group.length);
    if (this.writeMetricsAtOnce) {
      const plain = group.filter(onlyMetrics);
      if (plain.length) await this.commitAtOnce(plain, answers);
      if (plain.length === group.length) return;
      group = group.filter((w) => !onlyMetrics(w));
    }
    await this.commitInTransaction(group, answers);
  }

  private async commitAtOnce(group: Pending[], answers: Answers): Promise<void> {
    let runs: Map<string, Row | Error> | undefined;
    try {
      runs = await this.writeMetricsAtOnce!(this.ctx, group);
    } catch (err) {
      if (group.length === 1) {
        answers.push(() => group[0]!.reject(err));
        return;
      }
      for (const item of group) await this.commitAtOnce([item], answers);
      return;
    }
    // Points behind a history's latest one (a batch re-sent): written where the history is read.
    if (!runs) return this.commitInTransaction(group, answers);
    for (const item of group) {
      const run = runs.get(item.runId);
      answers.push(run instanceof Error ? () => item.reject(run) : item.resolve);
    }
  }

  private async commitInTransaction(group: Pending[], answers: Answers): Promise<void> {
    let failures: Map<Pending, unknown>;
    try {
      failures = await this.ctx.db.transaction((tx) => this.writeGroup(tx, group), WRITE_TRANSACTION);
    } catch (err) {
      if (group.length === 1) {
        answers.push(() => group[0]!.reject(err));
        return;
      }
      for (const item of group) {
        await this.ctx.db
          .transaction((tx) => writeBatch(this.ctx, tx, item), WRITE_TRANSACTION)
          .then(
            () => answers.push(item.resolve),
            (e: unknown) => answers.push(() => item.reject(e)),
          );
      }
      return;
    }
    for (const item of group) {
      answers.push(failures.has(item) ? () => item.reject(failures.get(item)) : item.resolve);
    }
  }

  private async writeGroup(tx: Exec, group: Pending[]): Promise<Map<Pending, unknown>> {
    const failures = new Map<Pending, unknown>();
    if (group.length === 1) {
      await writeBatch(this.ctx, tx, group[0]!);
      return failures;
    }
    const runs = await activeRunRows(tx, [...new Set(group.map((g) => g.runId))]);
    // Calls without params cannot fail once their run is known to be active: their metrics and
    // tags are merged per run (in call order, so tags keep last-wins) and written for all runs at
    // once, flushed before any params call to keep the call order.
    const merged = new Map<string, { run: Row; metrics: Metric[]; tags: RunTag[] }>();
    const flush = async (): Promise<void> => {
      if (!merged.size) return;
      const writes = [...merged.values()];
      merged.clear();
      await writeRuns(this.ctx, tx, writes);
    };
    for (const item of group) {
      const run = runs.get(item.runId)!;
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
      await flush();
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
    await flush();
    return failures;
  }
}
