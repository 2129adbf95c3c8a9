/**
 * Whether a metric history's timestamps follow its steps: no point has a higher step and a lower
 * timestamp than another. The history's key is step-ordered (run, key, step, timestamp, value);
 * get-history pages in (timestamp, step, value) order, which for such a history is the same
 * sequence, so it reads the key in order instead of sorting the history (metric-history.ts).
 *
 * Kept per run and key in `latest_metrics.in_step_order` by every writer, in the same
 * transaction as the points, from the stored latest point L — the greatest in (step, timestamp)
 * order, read under a lock — and the points written: while the flag holds, L also has the
 * highest timestamp, so new points keep it exactly when they are in step order among themselves
 * and the first of them is at or after L in both step and timestamp. Anything else (a point
 * logged behind L, a batch re-sent whole after it was stored) clears it, for good: the history is
 * then sorted when read — the same answer, slower. Values: 0 not in step order, 1 in step order;
 * 2 in step order as written when no row was there to read. Should two writers create the same
 * key at once, the second meets the first one's row only at its insert and cannot have compared
 * its points with it: a conflict on a 2 stores 0 (`STEP_ORDER_ON_CONFLICT`).
 */
import type { CombineColumn } from '../database.js';

export const NOT_IN_STEP_ORDER = 0;
export const IN_STEP_ORDER = 1;
export const IN_STEP_ORDER_NEW = 2;

/** The stored latest point of a history, as the flag's rule needs it. */
export interface StoredLatest {
  step: number;
  ts: number;
  inStepOrder: number;
}

/** Collects the points one write adds to one history, in any order. */
export class StepOrder {
  /** The first point in (step, timestamp) order. */
  firstStep = Infinity;
  firstTs = Infinity;
  private steps: number[] = [];
  private stamps: number[] = [];
  private sorted = true;
  private rising = true;

  add(step: number, ts: number): void {
    const n = this.steps.length;
    if (n) {
      const prevStep = this.steps[n - 1]!;
      const prevTs = this.stamps[n - 1]!;
      if (step < prevStep || (step === prevStep && ts < prevTs)) this.sorted = false;
      else if (ts < prevTs) this.rising = false;
    }
    this.steps.push(step);
    this.stamps.push(ts);
    if (step < this.firstStep || (step === this.firstStep && ts < this.firstTs)) {
      this.firstStep = step;
      this.firstTs = ts;
    }
  }

  /** Whether the points' timestamps follow their steps. */
  get ordered(): boolean {
    if (!this.rising) return false;
    if (this.sorted) return true;
    const order = this.steps.map((_, i) => i);
    order.sort((a, b) => this.steps[a]! - this.steps[b]! || this.stamps[a]! - this.stamps[b]!);
    for (let i = 1; i < order.length; i++) {
      if (this.stamps[order[i]!]! < this.stamps[order[i - 1]!]!) return false;
    }
    return true;
  }
}

/** The flag a write stores for one history: its points, and the stored latest point if any. */
export function stepOrderFlag(points: StepOrder, stored: StoredLatest | undefined): number {
  if (!points.ordered) return NOT_IN_STEP_ORDER;
  if (!stored) return IN_STEP_ORDER_NEW;
  if (stored.inStepOrder === NOT_IN_STEP_ORDER) return NOT_IN_STEP_ORDER;
  return points.firstStep >= stored.step && points.firstTs >= stored.ts ? IN_STEP_ORDER : NOT_IN_STEP_ORDER;
}

/**
 * `stepOrderFlag` in SQL, for a writer that reads the stored row in the same statement: `written`
 * names the written points' `ordered` (0 or 1), `first_step` and `first_ts`; `stored` the stored
 * row's `run_uuid`, `step`, `ts` and `in_step_order` (`run_uuid` NULL when there is none).
 */
export function stepOrderFlagSql(written: (c: string) => string, stored: (c: string) => string): string {
  return `CASE WHEN ${written('ordered')} = 0 THEN ${NOT_IN_STEP_ORDER}
    WHEN ${stored('run_uuid')} IS NULL THEN ${IN_STEP_ORDER_NEW}
    WHEN ${stored('in_step_order')} <> ${NOT_IN_STEP_ORDER} AND ${written('first_step')} >= ${stored('step')} AND ${written('first_ts')} >= ${stored('ts')} THEN ${IN_STEP_ORDER}
    ELSE ${NOT_IN_STEP_ORDER} END`;
}

/** The flag an upsert stores over an existing row: a flag written as for a new key becomes 0. */
export const STEP_ORDER_ON_CONFLICT: CombineColumn = (_stored, incoming) =>
  `CASE WHEN ${incoming('in_step_order')} = ${IN_STEP_ORDER_NEW} THEN ${NOT_IN_STEP_ORDER} ELSE ${incoming('in_step_order')} END`;

/** The key of a (run, key) history in the maps the writers keep. */
export const historyKey = (runId: string, key: string): string => `${runId}\u0000${key}`;
