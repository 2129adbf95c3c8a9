/**
 * How the run logger cuts its queue into log-batch requests: within MLflow's limits (one tag kept
 * free for the receipt), params never beside metrics, and tags alone in flight.
 */
import type { Param, RunTag } from '../entities/tracking.js';
import type { SpoolMetric } from './spool.js';

export type QueuedRecord =
  { kind: 'metric'; metric: SpoolMetric } | { kind: 'param'; param: Param } | { kind: 'tag'; tag: RunTag };

export interface Batch {
  id: number;
  slot: number;
  metrics: SpoolMetric[];
  params: Param[];
  tags: RunTag[];
}

/** Batch limits: MLflow's, with one tag kept free for the receipt. */
const MAX_METRICS = 1000;
const MAX_PARAMS = 100;
const MAX_TAGS = 99;
export const MAX_TOTAL = 999;
const MAX_BYTES = 900_000;

const recordSize = (r: QueuedRecord): number =>
  r.kind === 'metric'
    ? r.metric.key.length + 80
    : r.kind === 'param'
      ? r.param.key.length + r.param.value.length + 40
      : r.tag.key.length + r.tag.value.length + 40;

/** Whether the next batch taken from `queue` might carry a tag (then it must be sent alone). */
export function nextBatchHasTags(queue: readonly QueuedRecord[]): boolean {
  let n = 0;
  for (const r of queue) {
    if (r.kind === 'tag') return true;
    if (++n >= MAX_TOTAL) return false;
  }
  return false;
}

/** Moves the longest prefix of `queue` that fits in one request into `batch`; returns its length. */
export function fillBatch(batch: Batch, queue: readonly QueuedRecord[]): number {
  let bytes = 200;
  let taken = 0;
  for (const r of queue) {
    const size = recordSize(r);
    if (taken >= MAX_TOTAL || bytes + size > MAX_BYTES) break;
    // Params never share a request with metrics: a param the server refuses (changed value)
    // fails its whole request, and that must not take metrics down with it.
    if ((r.kind === 'param' && batch.metrics.length > 0) || (r.kind === 'metric' && batch.params.length > 0))
      break;
    if (r.kind === 'metric') {
      if (batch.metrics.length >= MAX_METRICS) break;
      batch.metrics.push(r.metric);
    } else if (r.kind === 'param') {
      if (batch.params.length >= MAX_PARAMS) break;
      batch.params.push(r.param);
    } else {
      if (batch.tags.length >= MAX_TAGS) break;
      batch.tags.push(r.tag);
    }
    bytes += size;
    taken++;
  }
  return taken;
}
