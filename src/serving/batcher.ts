/**
 * Dynamic micro-batching: concurrent requests whose inputs are row-wise (DataFrames with the same
 * columns, after enforcement) are concatenated, scored in one model call and split back. Requests
 * that arrive while the model is busy join the next batch, so batching grows with load and costs
 * no latency when idle (with the default delay of 0).
 */
import {
  DataFrame,
  Tensor,
  isDataFrame,
  isNumericArray,
  isTensor,
  isTensorDict,
  type ColumnValues,
  type ModelData,
} from '../models/data.js';

export interface BatcherOptions {
  /** Most rows scored in one model call. */
  maxSize: number;
  /** How long the first request of a batch may wait for company, in ms (0 = same event-loop turn). */
  maxDelayMs: number;
}

interface Pending {
  frame: DataFrame;
  resolve(v: ModelData): void;
  reject(e: unknown): void;
}

type Predict = (input: ModelData) => Promise<ModelData>;

function concatColumns(parts: ColumnValues[], total: number): ColumnValues {
  const first = parts[0]!;
  if (isNumericArray(first) && parts.every((p) => p.constructor === first.constructor)) {
    const Ctor = first.constructor as new (n: number) => Float64Array;
    const out = new Ctor(total);
    let off = 0;
    for (const p of parts) {
      out.set(p as Float64Array, off);
      off += p.length;
    }
    return out;
  }
  const out: unknown[] = [];
  for (const p of parts) for (let i = 0; i < p.length; i++) out.push((p as ArrayLike<unknown>)[i]);
  return out;
}

function sameColumns(a: DataFrame, b: DataFrame): boolean {
  return a.columns.length === b.columns.length && a.columns.every((c, i) => c === b.columns[i]);
}

/** Splits a batch output back into per-request results; undefined if it is not row-aligned. */
function splitOutput(out: ModelData, counts: number[], total: number): ModelData[] | undefined {
  const cut = (slice: (s: number, e: number) => ModelData): ModelData[] => {
    const parts: ModelData[] = [];
    let off = 0;
    for (const n of counts) {
      parts.push(slice(off, off + n));
      off += n;
    }
    return parts;
  };
  if (isDataFrame(out)) return out.rowCount === total ? cut((s, e) => out.slice(s, e)) : undefined;
  if (isTensor(out)) return out.shape[0] === total ? cut((s, e) => out.slice(s, e)) : undefined;
  if (isTensorDict(out)) {
    const entries = Object.entries(out);
    if (!entries.every(([, t]) => t.shape[0] === total)) return undefined;
    return cut((s, e) => Object.fromEntries(entries.map(([k, t]) => [k, (t as Tensor).slice(s, e)])));
  }
  if (Array.isArray(out) && out.length === total) return cut((s, e) => out.slice(s, e));
  if (isNumericArray(out) && out.length === total) return cut((s, e) => out.subarray(s, e));
  return undefined;
}

export class MicroBatcher {
  private queue: Pending[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  /** Sizes of the batches run, for metrics. */
  onBatch?: (requests: number, rows: number) => void;

  constructor(
    private readonly predict: Predict,
    private readonly opts: BatcherOptions,
  ) {}

  submit(frame: DataFrame): Promise<ModelData> {
    if (frame.rowCount >= this.opts.maxSize) return this.predict(frame);
    return new Promise<ModelData>((resolve, reject) => {
      if (
        this.queue.length > 0 &&
        (!sameColumns(this.queue[0]!.frame, frame) || this.queuedRows + frame.rowCount > this.opts.maxSize)
      ) {
        this.flush();
      }
      this.queue.push({ frame, resolve, reject });
      this.queuedRows += frame.rowCount;
      if (this.queuedRows >= this.opts.maxSize) this.flush();
      else if (!this.timer) {
        this.timer =
          this.opts.maxDelayMs > 0
            ? setTimeout(() => this.flush(), this.opts.maxDelayMs)
            : setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
    const batch = this.queue;
    const rows = this.queuedRows;
    this.queue = [];
    this.queuedRows = 0;
    if (batch.length === 0) return;
    void this.run(batch, rows);
  }

  private async run(batch: Pending[], total: number): Promise<void> {
    this.onBatch?.(batch.length, total);
    if (batch.length === 1) {
      const p = batch[0]!;
      this.predict(p.frame).then(p.resolve, p.reject);
      return;
    }
    const first = batch[0]!.frame;
    const data = first.columns.map((_, c) =>
      concatColumns(
        batch.map((p) => p.frame.data[c]!),
        total,
      ),
    );
    let parts: ModelData[] | undefined;
    try {
      const out = await this.predict(new DataFrame(first.columns, data, total));
      parts = splitOutput(
        out,
        batch.map((p) => p.frame.rowCount),
        total,
      );
    } catch {
      parts = undefined; // score one by one so each request gets its own answer or error
    }
    if (parts) {
      batch.forEach((p, i) => p.resolve(parts![i]));
      return;
    }
    for (const p of batch) this.predict(p.frame).then(p.resolve, p.reject);
  }
}
