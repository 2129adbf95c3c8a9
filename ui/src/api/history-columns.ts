/**
 * A metric's sampled history as columns, one entry per run: what the charts draw from. Built where
 * the answer is parsed (in the history worker, see history-fetch.ts), so that the page's main
 * thread receives a few typed arrays instead of decoding, parsing and walking tens of thousands of
 * point objects.
 */
import type { HistoryPoint } from './types';

/** One run's points of one metric, in the order the server sent them. */
export interface HistoryColumns {
  runId: string;
  steps: Float64Array;
  timestamps: Float64Array;
  /** Values as numbers: the API's "NaN" and "Infinity" strings become NaN and ±Infinity. */
  values: Float64Array;
}

export function toHistoryColumns(points: HistoryPoint[]): HistoryColumns[] {
  const counts = new Map<string, number>();
  for (const p of points) counts.set(p.run_id, (counts.get(p.run_id) ?? 0) + 1);
  const runs = new Map<string, { columns: HistoryColumns; filled: number }>();
  for (const [runId, n] of counts)
    runs.set(runId, {
      columns: {
        runId,
        steps: new Float64Array(n),
        timestamps: new Float64Array(n),
        values: new Float64Array(n),
      },
      filled: 0,
    });
  for (const p of points) {
    const run = runs.get(p.run_id)!;
    const i = run.filled++;
    run.columns.steps[i] = p.step;
    run.columns.timestamps[i] = p.timestamp;
    run.columns.values[i] = typeof p.value === 'number' ? p.value : Number(p.value);
  }
  return [...runs.values()].map((r) => r.columns);
}

/** One series of a columnar `get-history-sampled` answer (`format=columns`). */
interface HistorySeries {
  run_id: string;
  steps: number[];
  timestamps: number[];
  /** Numbers, or the string "NaN". */
  values: (number | string)[];
}

/** Columns from the series of a columnar answer: straight into typed arrays, no object per point. */
export function seriesColumns(series: HistorySeries[]): HistoryColumns[] {
  const runs = new Map<string, HistorySeries[]>();
  for (const s of series) {
    const parts = runs.get(s.run_id);
    if (parts) parts.push(s);
    else runs.set(s.run_id, [s]);
  }
  return [...runs].map(([runId, parts]) => {
    const n = parts.reduce((sum, s) => sum + s.steps.length, 0);
    const columns = {
      runId,
      steps: new Float64Array(n),
      timestamps: new Float64Array(n),
      values: new Float64Array(n),
    };
    let at = 0;
    for (const s of parts) {
      columns.steps.set(s.steps, at);
      columns.timestamps.set(s.timestamps, at);
      // A typed array converts each element as Number() does: "NaN" becomes NaN.
      columns.values.set(s.values as number[], at);
      at += s.steps.length;
    }
    return columns;
  });
}

/**
 * The columns of a `get-history-sampled` answer's text: columnar (`series`) or a list of points
 * (`metrics`, from a server without the columnar form). None when it is not JSON.
 */
export function parseHistoryColumns(text: string): HistoryColumns[] {
  let answer: { series?: HistorySeries[]; metrics?: HistoryPoint[] } = {};
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    // Not JSON: no points, as the API client reads such an answer.
  }
  return answer.series ? seriesColumns(answer.series) : toHistoryColumns(answer.metrics ?? []);
}

/** The buffers of some columns, to hand them to another thread without copying. */
export function columnBuffers(columns: HistoryColumns[]): ArrayBuffer[] {
  return columns.flatMap((c) => [c.steps.buffer, c.timestamps.buffer, c.values.buffer] as ArrayBuffer[]);
}
