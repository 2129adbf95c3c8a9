/**
 * Asynchronous, durable logging of metrics, params and tags for one run.
 *
 * `logMetric`/`logParam`/`setTag` only queue a record. Queued records are coalesced into
 * log-batch requests within MLflow's limits, with at most `maxInFlight` requests at a time.
 * Records of one key keep their order: metrics are ordered by the server anyway, and a batch
 * carrying tags is sent alone (tags are last-write-wins).
 *
 * When the server cannot be reached the logger goes *offline*: batches that were in flight and
 * every queued record are appended to the on-disk spool (spool.ts), new records follow them there,
 * and a background task replays the spool in order as soon as the server answers again, then
 * resumes normal sending. Exactly-once delivery is guaranteed by receipts (delivery.ts). Nothing
 * here throws because of the server: failures are reported through `status()` and `onError`.
 */
import { randomBytes } from 'node:crypto';
import type { RunStatus } from '../entities/tracking.js';
import { invalidParam } from '../errors.js';
import { validateKey } from '../tracking/validation.js';
import { TransportError } from './http.js';
import { deleteReceipts, isPermanent, replaySpool, sendBatch } from './delivery.js';
import { fillBatch, MAX_TOTAL, nextBatchHasTags, type Batch, type QueuedRecord } from './batching.js';
import { Spool, defaultSpoolDir } from './spool.js';
import type { TrackingClient } from './tracking-client.js';
import { wireDouble } from './wire.js';
import { trackUntilExit, untrack } from './exit-hook.js';
import { replayLeftoverSpools } from './leftover-spools.js';

export interface RunLoggerOptions {
  /** Concurrent log-batch requests (default 2). */
  maxInFlight?: number;
  /** Spool directory (default `CAIRN_SPOOL_DIR` or `~/.cairn/spool`). */
  spoolDir?: string;
  /** Replay spools that ended processes left for the same server (default true; see leftover-spools.ts). */
  replayLeftoverSpools?: boolean;
  /** Queued records beyond which the backlog is moved to the spool to bound memory (default 200,000). */
  maxQueuedRecords?: number;
  /**
   * Called once per batch the server refused (4xx; those records are dropped) and when the
   * run's receipt tags could not be deleted at its end (without it, a process warning is emitted).
   */
  onError?: (error: Error) => void;
}

export interface LoggerStatus {
  mode: 'online' | 'offline';
  /** Records waiting in memory. */
  queued: number;
  /** Records in requests awaiting an answer. */
  inFlight: number;
  /** Records in the on-disk spool awaiting replay. */
  spooled: number;
  /** Records the server refused (invalid input); see `lastError`. */
  rejected: number;
  spoolFile?: string;
  lastError?: string;
}

export class RunLogger {
  readonly runId: string;
  readonly writer = randomBytes(4).toString('hex');
  private readonly client: TrackingClient;
  private readonly maxInFlight: number;
  private readonly spoolDir: string;
  private readonly maxQueued: number;
  private readonly onError?: (error: Error) => void;
  private queue: QueuedRecord[] = [];
  private readonly inFlight = new Map<number, Batch>();
  private readonly failed: (Batch & { uncertain: boolean })[] = [];
  /** Id of the in-flight batch that carries tags: nothing else is sent beside it. */
  private exclusiveId: number | undefined;
  private ended = false;
  private nextId = 1;
  private mode: 'online' | 'offline' = 'online';
  private spool?: Spool;
  private pumpScheduled = false;
  private spoolTimer?: NodeJS.Timeout;
  private replayTimer?: NodeJS.Timeout;
  private replayDelay = 200;
  private replaying = false;
  private readonly params = new Map<string, string>();
  private readonly usedSlots = new Set<number>();
  private rejected = 0;
  private lastError?: string;
  private waiters: (() => void)[] = [];

  constructor(client: TrackingClient, runId: string, options: RunLoggerOptions = {}) {
    this.client = client;
    this.runId = runId;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
    this.spoolDir = options.spoolDir ?? defaultSpoolDir();
    this.maxQueued = options.maxQueuedRecords ?? 200_000;
    this.onError = options.onError;
    trackUntilExit(this);
    if (options.replayLeftoverSpools !== false) void replayLeftoverSpools(client, this.spoolDir);
  }

  logMetric(key: string, value: number, step = 0, timestamp = Date.now()): void {
    validateKey(key, 'key');
    if (typeof value !== 'number')
      throw invalidParam(`Metric '${key}' must be a number, got ${typeof value}.`);
    if (!Number.isInteger(step)) throw invalidParam(`Metric '${key}': step must be an integer, got ${step}.`);
    if (!Number.isInteger(timestamp) || timestamp < 0) {
      throw invalidParam(`Metric '${key}': timestamp must be a non-negative integer (ms), got ${timestamp}.`);
    }
    this.enqueue({ kind: 'metric', metric: { key, value: wireDouble(value), timestamp, step } });
  }

  /** Params are write-once: logging the same value again is a no-op, another value is an error. */
  logParam(key: string, value: string): void {
    validateKey(key, 'key');
    const previous = this.params.get(key);
    if (previous !== undefined) {
      if (previous === value) return;
      throw invalidParam(
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${previous}' for run ID='${this.runId}'. Attempted logging new value '${value}'.`,
      );
    }
    this.params.set(key, value);
    this.enqueue({ kind: 'param', param: { key, value } });
  }

  setTag(key: string, value: string): void {
    validateKey(key, 'key');
    this.enqueue({ kind: 'tag', tag: { key, value } });
  }

  status(): LoggerStatus {
    let inFlight = 0;
    for (const b of this.inFlight.values()) inFlight += b.metrics.length + b.params.length + b.tags.length;
    let failed = 0;
    for (const b of this.failed) failed += b.metrics.length + b.params.length + b.tags.length;
    return {
      mode: this.mode,
      queued: this.queue.length + failed,
      inFlight,
      spooled: this.spool?.pendingRecords ?? 0,
      rejected: this.rejected + (this.spool?.rejected ?? 0),
      spoolFile: this.spool?.file,
      lastError: this.lastError,
    };
  }

  /** Records not yet acknowledged by the server (queued, in flight or spooled). */
  pendingRecords(): number {
    const s = this.status();
    return s.queued + s.inFlight + s.spooled;
  }

  /**
   * Resolves once everything logged so far has been acknowledged by the server or, while the
   * server is unreachable, written to the spool. With `delivered: true` it waits for the server.
   */
  async flush(options: { delivered?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    this.pump();
    for (;;) {
      const s = this.status();
      const settled = s.queued === 0 && s.inFlight === 0;
      if (settled && (s.spooled === 0 || (!options.delivered && this.mode === 'offline'))) return;
      if (Date.now() > deadline) {
        throw new TransportError(`Timed out with ${this.pendingRecords()} records not delivered.`, false);
      }
      if (this.mode === 'offline' && this.queue.length > 0 && this.inFlight.size === 0) this.spoolQueue();
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50).unref();
      });
    }
  }

  /**
   * Flushes, then marks the run ended. When the server is unreachable the end is spooled after the
   * records and applied on replay; this never throws for an unreachable server.
   */
  async end(status: RunStatus, endTime = Date.now()): Promise<void> {
    this.ended = true;
    await this.flush();
    if (this.mode === 'online') {
      try {
        await this.client.updateRun(this.runId, { status, end_time: endTime });
        await this.deleteReceipts();
        this.close();
        return;
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        this.goOffline();
        await this.flush();
      }
    }
    this.openSpool().addEnd({ t: 'end', id: this.nextId++, status, end_time: endTime });
    this.scheduleReplay(0);
  }

  /** Stops tracking this logger once nothing is left to deliver. */
  close(): void {
    if (this.pendingRecords() > 0) return;
    untrack(this);
    if (this.replayTimer) clearTimeout(this.replayTimer);
    this.spool?.removeIfDone();
    this.spool?.unlock();
  }

  /** Exit hook: moves in-flight and queued records to the spool without waiting. */
  spoolEverythingSync(): void {
    for (const b of this.inFlight.values()) this.failed.push({ ...b, uncertain: true });
    this.inFlight.clear();
    if (this.failed.length === 0 && this.queue.length === 0) {
      this.spool?.unlock();
      return;
    }
    this.mode = 'offline';
    this.spoolQueue();
    this.spool?.unlock();
  }

  private enqueue(record: QueuedRecord): void {
    this.queue.push(record);
    if (this.mode === 'online' && this.queue.length > this.maxQueued) this.goOffline();
    if (this.mode === 'offline') {
      // Coalesce offline records into few, large spool batches (one fsync each).
      if (this.queue.length >= MAX_TOTAL) this.spoolQueue();
      else if (!this.spoolTimer) {
        this.spoolTimer = setTimeout(() => {
          this.spoolTimer = undefined;
          if (this.mode === 'offline') this.spoolQueue();
          else this.pump();
        }, 200);
        this.spoolTimer.unref();
      }
      return;
    }
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      setImmediate(() => {
        this.pumpScheduled = false;
        if (this.mode === 'offline') this.spoolQueue();
        else this.pump();
      });
    }
  }

  private pump(): void {
    while (this.mode === 'online' && this.queue.length > 0 && this.exclusiveId === undefined) {
      if (this.inFlight.size >= this.maxInFlight) return;
      // Conservative: wait for the others whenever the next batch might carry a tag.
      if (this.inFlight.size > 0 && nextBatchHasTags(this.queue)) return;
      const busy = new Set([...this.inFlight.values()].map((b) => b.slot));
      const slot = [...Array(this.maxInFlight).keys()].find((s) => !busy.has(s))!;
      const batch = this.takeBatch(slot);
      if (batch.tags.length > 0) this.exclusiveId = batch.id;
      void this.send(batch);
    }
  }

  /** Takes the longest queue prefix that fits in one log-batch request. */
  private takeBatch(slot: number): Batch {
    const batch: Batch = { id: this.nextId++, slot, metrics: [], params: [], tags: [] };
    const taken = fillBatch(batch, this.queue);
    this.queue = taken === this.queue.length ? [] : this.queue.slice(taken);
    return batch;
  }

  private async send(batch: Batch): Promise<void> {
    this.inFlight.set(batch.id, batch);
    this.usedSlots.add(batch.slot);
    try {
      await sendBatch(this.client, this.runId, this.writer, batch);
    } catch (err) {
      if (isPermanent(err)) {
        this.rejected += batch.metrics.length + batch.params.length + batch.tags.length;
        this.lastError = `${err.errorCode}: ${err.message}`;
        this.onError?.(err);
      } else {
        // Unreachable, or a server error that may or may not have applied the batch.
        const ambiguous = err instanceof TransportError ? err.ambiguous : true;
        this.lastError = err instanceof Error ? err.message : String(err);
        this.failed.push({ ...batch, uncertain: ambiguous });
        this.goOffline();
      }
    } finally {
      this.inFlight.delete(batch.id);
      if (this.exclusiveId === batch.id) this.exclusiveId = undefined;
      if (this.mode === 'offline' && this.inFlight.size === 0) this.spoolQueue();
      this.notify();
      this.pump();
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private goOffline(): void {
    if (this.mode === 'offline') return;
    this.mode = 'offline';
    if (this.inFlight.size === 0) this.spoolQueue();
    this.scheduleReplay(this.queue.length > this.maxQueued ? 0 : 250);
  }

  private openSpool(): Spool {
    this.spool ??= Spool.create(this.spoolDir, {
      run_id: this.runId,
      writer: this.writer,
      tracking_uri: this.client.trackingUri,
    });
    return this.spool;
  }

  /**
   * Moves failed batches (oldest first) and then the queue to the spool. Waits while requests are
   * in flight, because their batches are older than the queue and may still fail.
   */
  private spoolQueue(): void {
    if (this.inFlight.size > 0 || (this.failed.length === 0 && this.queue.length === 0)) return;
    const spool = this.openSpool();
    this.failed.sort((a, b) => a.id - b.id);
    for (const b of this.failed.splice(0)) spool.addBatch({ t: 'batch', ...b });
    if (this.queue.length > 0) this.usedSlots.add(0);
    while (this.queue.length > 0) spool.addBatch({ t: 'batch', uncertain: false, ...this.takeBatch(0) });
    this.notify();
  }

  private scheduleReplay(delayMs: number): void {
    if (this.replayTimer || this.replaying) return;
    this.replayTimer = setTimeout(() => {
      this.replayTimer = undefined;
      void this.replay();
    }, delayMs);
    // The exit hook spools whatever is left, so a pending replay must not keep the process alive.
    this.replayTimer.unref();
  }

  private async replay(): Promise<void> {
    this.replaying = true;
    try {
      this.spoolQueue();
      const spool = this.openSpool();
      const result = await replaySpool(this.client, spool);
      if (result.rejected.length) this.lastError = result.rejected[result.rejected.length - 1]!.error;
      if (result.interrupted) {
        this.replayDelay = Math.min(2000, Math.max(200, this.replayDelay * 2));
      } else if (spool.pending.length > 0) {
        // Entries were added (e.g. the run end) after the replay loop finished: go again.
        this.replayDelay = 0;
      } else if (this.failed.length === 0 && this.inFlight.size === 0) {
        // Spool drained and nothing older is outstanding: records still queued are the newest.
        this.replayDelay = 200;
        this.mode = 'online';
        this.spool?.removeIfDone();
        if (!this.spool || this.spool.pending.length === 0) this.spool = undefined;
        if (this.ended) {
          await this.deleteReceipts();
          this.close();
        }
      }
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.replayDelay = Math.min(2000, Math.max(200, this.replayDelay * 2));
    } finally {
      this.replaying = false;
      this.notify();
    }
    if (this.mode === 'offline') this.scheduleReplay(this.replayDelay);
    else this.pump();
  }

  /** Deletes this writer's receipts; tags that stay behind are reported, never ignored. */
  private async deleteReceipts(): Promise<void> {
    const error = await deleteReceipts(this.client, this.runId, this.writer, this.usedSlots);
    if (!error) return;
    this.lastError = error.message;
    if (this.onError) this.onError(error);
    else process.emitWarning(error.message, { code: 'CAIRN_RECEIPTS_LEFT' });
  }
}
