/**
 * Exactly-once delivery of metric batches.
 *
 * Metrics are append-only on the server, so a log-batch that may have been applied must not be
 * sent again. Every batch carries a *receipt* tag `cairn.sdk.receipt.<writer>.<slot>` whose value
 * is the batch id. The server applies a log-batch in one transaction, so the receipt is written if
 * and only if the batch's metrics are. Batches on one slot are sent one after the other with
 * growing ids, hence: a batch whose fate is unknown was applied ⇔ its slot's receipt ≥ its id.
 * The receipts are deleted when a run ends with nothing pending.
 */
import type { RunTag } from '../entities/tracking.js';
import { MlflowError } from '../errors.js';
import { HttpError, TransportError } from './http.js';
import type { Spool, SpoolBatch, SpoolEntry } from './spool.js';
import type { TrackingClient } from './tracking-client.js';

export const RECEIPT_PREFIX = 'cairn.sdk.receipt.';

export function receiptKey(writer: string, slot: number): string {
  return `${RECEIPT_PREFIX}${writer}.${slot}`;
}

export function receiptTag(writer: string, slot: number, id: number): RunTag {
  return { key: receiptKey(writer, slot), value: String(id) };
}

/** The receipt values of a run, by tag key. */
export async function fetchReceipts(client: TrackingClient, runId: string): Promise<Map<string, number>> {
  const run = await client.getRun(runId);
  const out = new Map<string, number>();
  for (const tag of run.data.tags ?? []) {
    if (tag.key.startsWith(RECEIPT_PREFIX)) out.set(tag.key, Number(tag.value));
  }
  return out;
}

/** Sends one batch with its receipt. Throws TransportError (unreachable) or HttpError (refused). */
export async function sendBatch(
  client: TrackingClient,
  runId: string,
  writer: string,
  batch: Pick<SpoolBatch, 'id' | 'slot' | 'metrics' | 'params' | 'tags'>,
): Promise<void> {
  await client.http.json('POST', 'runs/log-batch', {
    body: {
      run_id: runId,
      metrics: batch.metrics,
      params: batch.params,
      tags: [...batch.tags, receiptTag(writer, batch.slot, batch.id)],
    },
    idempotent: false,
    // A batch stays queued on failure, so keep the retries short and let the spool take over.
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
  });
}

/**
 * Deletes the receipt tags of `writer`'s slots once a run has ended with nothing pending. Each
 * delete is retried by the transport; a receipt that is already gone (its only batch was refused)
 * counts as deleted. Resolves with an error naming the tags left on the run, if any.
 */
export async function deleteReceipts(
  client: TrackingClient,
  runId: string,
  writer: string,
  slots: Iterable<number>,
): Promise<MlflowError | undefined> {
  const left: string[] = [];
  let cause: unknown;
  for (const slot of slots) {
    const key = receiptKey(writer, slot);
    try {
      await client.deleteTag(runId, key);
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') continue;
      left.push(key);
      cause = err;
    }
  }
  if (left.length === 0) return undefined;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new MlflowError(
    `Run ${runId} ended, but its delivery receipt tag(s) ${left.join(', ')} could not be deleted (${reason}). ` +
      `They do not affect the run's data; TrackingClient.deleteTag(runId, key) removes them.`,
    cause instanceof MlflowError ? cause.errorCode : 'INTERNAL_ERROR',
  );
}

/**
 * Deletes every receipt tag `writer` left on a run (the slots are read from the run's tags, so a
 * spool that no longer lists its delivered batches still finds them). Used once a replayed run has
 * ended with nothing pending; resolves with an error naming the tags left, if any.
 */
export async function deleteWriterReceipts(
  client: TrackingClient,
  runId: string,
  writer: string,
): Promise<MlflowError | undefined> {
  const prefix = receiptKey(writer, 0).slice(0, -1);
  const slots = [...(await fetchReceipts(client, runId)).keys()]
    .filter((key) => key.startsWith(prefix))
    .map((key) => Number(key.slice(prefix.length)))
    .filter((slot) => Number.isInteger(slot));
  return deleteReceipts(client, runId, writer, slots);
}

/** 4xx answers are the caller's mistake and final; anything else may succeed later. */
export function isPermanent(err: unknown): err is HttpError {
  return err instanceof HttpError && err.status >= 400 && err.status < 500 && err.status !== 429;
}

export interface ReplayResult {
  delivered: number;
  skippedAsDelivered: number;
  rejected: { id: number; error: string }[];
  /** True when this replay delivered the run's end (its receipts may then be deleted). */
  ended: boolean;
  /** Set when replay stopped because the server became unreachable again. */
  interrupted?: Error;
}

/**
 * Sends a spool's pending entries in order. Entries whose earlier send may have reached the
 * server are checked against their receipt first. Stops at the first transport failure.
 */
export async function replaySpool(client: TrackingClient, spool: Spool): Promise<ReplayResult> {
  const runId = spool.header.run_id;
  const writer = spool.header.writer;
  const result: ReplayResult = { delivered: 0, skippedAsDelivered: 0, rejected: [], ended: false };
  let receipts: Map<string, number> | undefined;
  while (spool.pending.length > 0) {
    const entry: SpoolEntry = spool.pending[0]!;
    try {
      if (entry.t === 'end') {
        await client.updateRun(runId, { status: entry.status as 'FINISHED', end_time: entry.end_time });
        spool.ack(entry.id);
        result.ended = true;
        continue;
      }
      if (entry.uncertain) {
        receipts ??= await fetchReceipts(client, runId);
        if ((receipts.get(receiptKey(writer, entry.slot)) ?? -1) >= entry.id) {
          spool.ack(entry.id);
          result.skippedAsDelivered++;
          continue;
        }
      }
      spool.markAttempt(entry.id);
      await sendBatch(client, runId, writer, entry);
      receipts?.set(receiptKey(writer, entry.slot), entry.id);
      spool.ack(entry.id);
      result.delivered++;
    } catch (err) {
      if (isPermanent(err)) {
        spool.reject(entry.id, `${err.errorCode}: ${err.message}`);
        result.rejected.push({ id: entry.id, error: err.message });
        continue;
      }
      result.interrupted = err instanceof Error ? err : new Error(String(err));
      if (!(err instanceof TransportError)) receipts = undefined;
      return result;
    }
  }
  return result;
}
