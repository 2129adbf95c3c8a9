/**
 * Points at ±Infinity: a chart leaves them out of its lines and its y axis (an axis reaching
 * 1.8e308 would flatten every real value into one line), and says they are there instead — in a
 * note on the panel and as ∞ in the tooltip at their x, as MLflow's charts mark them.
 */
import type { RunSeries } from './chart-data';

/** Point `i` of a series as the tooltip shows it: its drawn value, or ±Infinity where it is infinite. */
export function tipValue(s: RunSeries, i: number): number | null {
  const inf = s.infinite?.[i];
  return inf ? inf * Infinity : (s.ys[i] ?? null);
}

/** The panel's note when some of its points are infinite ("Not drawn: values at ∞ and −∞"). */
export function infiniteNote(series: RunSeries[]): string | undefined {
  let positive = false;
  let negative = false;
  for (const s of series) {
    if (!s.infinite) continue;
    for (const v of s.infinite) {
      if (v > 0) positive = true;
      else if (v < 0) negative = true;
    }
  }
  if (!positive && !negative) return undefined;
  return `Not drawn: values at ${[positive && '∞', negative && '−∞'].filter(Boolean).join(' and ')}`;
}
