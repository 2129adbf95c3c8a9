/**
 * Whether a metric history's timestamps follow its steps: no point has a higher step and a lower
 * timestamp than another. Histories are stored and read in step order (history-read.ts);
 * get-history pages in (timestamp, step, value) order, which for such a history is the same
 * sequence, so it reads pages in step order instead of sorting the history (metric-history.ts).
 *
 * Kept per run and key in `latest_metrics.in_step_order` by every writer, in the same
 * transaction as the points, from the stored latest point L — the greatest in (step, timestamp)
 * order — and the points written: while the flag holds, L also has the highest timestamp, so new
 * points keep it exactly when they are in step order among themselves and the first of them is at
 * or after L in both step and timestamp. Points of one write that are in step order among
 * themselves but start behind L (a batch re-sent after it was stored, as clients do when an
 * answer was lost; a gap filled in) are checked against the history itself: the writer reads it
 * from the stored point before the first of them on, after writing them, under its lock on L
 * (`inStepOrderFrom`, at most `WINDOW_POINTS` points), and the flag stays if the points there are
 * in step order. Anything else (one point logged behind L, points out of step order) clears it,
 * for good: the history is then sorted when read — the same answer, slower.
 *
 * Where the decision is made: one point (a log-metric call, a batch's one value of a key) is
 * compared with L by the upsert of `latest_metrics` itself, which sees the row as it is at that
 * moment, whatever other writers did (`STEP_ORDER_ON_CONFLICT`); no lock is taken for it. Several
 * points are compared by the writer with L read under a lock (`readLatest`, or the same statement
 * on PostgreSQL), as the upsert only sees the latest of them.
 *
 * Stored values: 0 not in step order; anything else in step order. Written values say how the
 * writer decided: 0 not in step order; 1 checked against the locked row; 2 in step order among
 * themselves, with no row there to read (should another writer create the history first, the
 * upsert meets its row without having compared the points with it, and stores 0); 3 one point,
 * for the upsert to decide.
 */
import type { CombineColumn, Dialect } from '../database.js';
import type { Exec } from './common.js';
import { readHistory, stepBefore } from './history-read.js';

export const NOT_IN_STEP_ORDER = 0;
export const IN_STEP_ORDER = 1;
export const IN_STEP_ORDER_NEW = 2;
export const ONE_POINT = 3;

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

  get count(): number {
    return this.steps.length;
  }

  /** Whether the writer must read the stored latest point under a lock to decide the flag. */
  get needsStored(): boolean {
    return this.count > 1 && this.ordered;
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
  if (points.count === 1) return ONE_POINT;
  if (!points.ordered) return NOT_IN_STEP_ORDER;
  if (!stored) return IN_STEP_ORDER_NEW;
  if (stored.inStepOrder === NOT_IN_STEP_ORDER) return NOT_IN_STEP_ORDER;
  return points.firstStep >= stored.step && points.firstTs >= stored.ts ? IN_STEP_ORDER : NOT_IN_STEP_ORDER;
}

/**
 * Whether `stepOrderFlag` clears the flag of a history in step order only because the points,
 * in step order among themselves, start behind the stored latest point: the history may still
 * be in step order, which `inStepOrderFrom` tells.
 */
export function startsBehindLatest(points: StepOrder, stored: StoredLatest | undefined): boolean {
  return (
    !!stored &&
    stored.inStepOrder !== NOT_IN_STEP_ORDER &&
    points.needsStored &&
    stepOrderFlag(points, stored) === NOT_IN_STEP_ORDER
  );
}

/** Most points `inStepOrderFrom` reads; a longer stretch counts as out of step order. */
export const WINDOW_POINTS = 10_000;

/**
 * Whether a history that was in step order still is after a write whose points begin at step
 * `firstStep`: its points from the greatest stored step below `firstStep` on (all the write's
 * points, and the stored point just before them) have timestamps that follow their steps. The
 * history before that stretch is unchanged, so this holds for the whole history. Read inside
 * the writing transaction, after its points were written and its lock on the latest point taken.
 */
export async function inStepOrderFrom(
  ex: Exec,
  dialect: Dialect,
  runPk: number,
  key: string,
  firstStep: number,
): Promise<boolean> {
  const lo = (await stepBefore(ex, runPk, key, firstStep)) ?? firstStep;
  const points = await readHistory(ex, dialect, runPk, key, { lo, limit: WINDOW_POINTS + 1 });
  if (points.length > WINDOW_POINTS) return false;
  for (let i = 1; i < points.length; i++) if (points[i]!.ts < points[i - 1]!.ts) return false;
  return true;
}

/** What the writer knows before reading the stored row: 0, `ONE_POINT`, or 1 to be checked. */
export const pointsFlag = (points: StepOrder): number =>
  points.count === 1 ? ONE_POINT : points.ordered ? IN_STEP_ORDER : NOT_IN_STEP_ORDER;

/**
 * `stepOrderFlag` in SQL, for a writer that reads the stored row in the same statement: `written`
 * names the written points' `flag` (`pointsFlag`), `first_step` and `first_ts`; `stored` the
 * stored row's `run_uuid`, `step`, `ts` and `in_step_order` (`run_uuid` NULL when there is none).
 */
export function stepOrderFlagSql(written: (c: string) => string, stored: (c: string) => string): string {
  return `CASE WHEN ${written('flag')} <> ${IN_STEP_ORDER} THEN ${written('flag')}
    WHEN ${stored('run_uuid')} IS NULL THEN ${IN_STEP_ORDER_NEW}
    WHEN ${stored('in_step_order')} <> ${NOT_IN_STEP_ORDER} AND ${written('first_step')} >= ${stored('step')} AND ${written('first_ts')} >= ${stored('ts')} THEN ${IN_STEP_ORDER}
    ELSE ${NOT_IN_STEP_ORDER} END`;
}

/**
 * The flag an upsert stores over an existing row (see `UpsertOptions.always`): one point is
 * compared with the row; a flag written as for a new history becomes 0; a decided one is kept.
 */
export const STEP_ORDER_ON_CONFLICT: CombineColumn = (stored, incoming) => {
  const flag = incoming('in_step_order');
  return `CASE ${flag}
    WHEN ${ONE_POINT} THEN CASE WHEN ${stored('in_step_order')} <> ${NOT_IN_STEP_ORDER} AND ${incoming('step')} >= ${stored('step')} AND ${incoming('ts')} >= ${stored('ts')} THEN ${IN_STEP_ORDER} ELSE ${NOT_IN_STEP_ORDER} END
    WHEN ${IN_STEP_ORDER_NEW} THEN ${NOT_IN_STEP_ORDER}
    ELSE ${flag} END`;
};

/** The step order of the points a write gives each (run, key) history (no string built per point). */
export class HistoryOrders {
  private readonly byRun = new Map<string, Map<string, StepOrder>>();

  add(runId: string, key: string, step: number, ts: number): void {
    let keys = this.byRun.get(runId);
    if (!keys) this.byRun.set(runId, (keys = new Map()));
    let order = keys.get(key);
    if (!order) keys.set(key, (order = new StepOrder()));
    order.add(step, ts);
  }

  get(runId: string, key: string): StepOrder | undefined {
    return this.byRun.get(runId)?.get(key);
  }

  /** The histories whose stored latest point the writer must read (`StepOrder.needsStored`). */
  needingStored(): { runId: string; key: string }[] {
    const out: { runId: string; key: string }[] = [];
    for (const [runId, keys] of this.byRun) {
      for (const [key, order] of keys) if (order.needsStored) out.push({ runId, key });
    }
    return out;
  }
}

/** The key of a (run, key) history in the maps the writers keep. */
export const historyKey = (runId: string, key: string): string => `${runId}\u0000${key}`;
