/**
 * Opening a charts link (`/experiments/1?view=charts&sel=a,b&metrics=loss`) starts its slow parts
 * while the app itself is still downloading and starting (the entry module calls this before it
 * loads the app): the charts code is fetched, and the sampled histories of the first panels are
 * asked for, because the link already names the runs and the metrics. Without this the history
 * requests wait for the app's code, the page to render, the charts code to arrive and the panels
 * to mount. A panel takes its early answer once (later refreshes and zooms fetch as usual); an
 * answer nobody took is dropped after a few seconds.
 */
import { getSampledHistory, type SampledHistoryArgs } from '../../api/tracking';
import type { HistoryColumns } from '../../api/history-columns';
import { pointsPerRun } from './chart-data';

/** Panels fetched early: those on the first screen. */
const FIRST_PANELS = 2;
/** An early answer is kept this long for its panel. */
const KEEP_MS = 15_000;

const early = new Map<string, Promise<HistoryColumns[]>>();

const keyOf = (runIds: string[], metricKey: string, maxPoints: number): string =>
  `${[...runIds].sort().join(',')}\n${metricKey}\n${maxPoints}`;

const list = (value: string | null): string[] => (value ?? '').split(',').filter(Boolean);

/**
 * Called once when the app starts, with the address it was opened at. For a charts link whose
 * first panel can be drawn before the app (early-plot.ts), a promise that settles once that panel
 * has been drawn or will not be.
 */
export function startChartsEarly(location: { pathname: string; search: string }): Promise<void> | undefined {
  if (!/^\/experiments\/[^/]+\/?$/.test(location.pathname)) return;
  const query = new URLSearchParams(location.search);
  if (query.get('view') !== 'charts') return;
  const runIds = [...new Set(list(query.get('sel')))];
  const linePanels = list(query.get('metrics')).filter((k) => !k.startsWith('system/'));
  const metrics = linePanels.slice(0, FIRST_PANELS);
  // Bar and scatter panels read the runs' last values, not histories.
  const histories = !query.get('panel') && runIds.length > 0;
  // The first panel is drawn here, before the app, unless it needs what only the app knows (the
  // runs' params or tags to group them, their start times for the relative time axis).
  const drawFirst =
    histories && metrics.length && !query.get('group') && query.get('x') !== 'relative'
      ? import('./early-plot')
      : null;
  // Otherwise the charts code is fetched now; a failed download shows when the page imports it.
  if (!drawFirst) import('./ChartsView').catch(() => undefined);
  if (!histories) return;
  const maxPoints = pointsPerRun(runIds.length);
  let firstDrawn: Promise<void> | undefined;
  for (const metricKey of metrics) {
    const key = keyOf(runIds, metricKey, maxPoints);
    const answer = getSampledHistory({ runIds, key: metricKey, maxPoints });
    // A failed early request is not reported: the panel then asks again and shows its own error.
    answer.catch(() => early.delete(key));
    early.set(key, answer);
    setTimeout(() => early.delete(key), KEEP_MS);
    if (metricKey === metrics[0])
      firstDrawn = drawFirst?.then((plot) =>
        plot.drawEarlyPlot({
          experimentId: decodeURIComponent(location.pathname.split('/')[2]!),
          metricKey,
          metrics: linePanels,
          runIds,
          pinned: new Set(list(query.get('pin'))),
          xMode: query.get('x') === 'wall' ? 'wall' : 'step',
          log: query.get('log') === '1',
          smoothing: Math.min(0.99, Math.max(0, Number(query.get('smooth') ?? 0) || 0)),
          ignoreOutliers: query.get('outliers') === 'ignore',
          filter: query.get('filter') ?? '',
          deleted: query.get('lifecycle') === 'deleted',
          answer,
        }),
      );
  }
  // Not drawn early is no error: the panel draws (or reports) it.
  return firstDrawn?.catch(() => undefined);
}

/**
 * The early answer for exactly these arguments (whole range), once; undefined when there is none.
 * If the panel gives up (its signal aborts) before the answer arrives, the answer is kept for the
 * next asker.
 */
export function takeEarlyHistory(
  args: SampledHistoryArgs,
  signal?: AbortSignal,
): Promise<HistoryColumns[]> | undefined {
  if (args.startStep !== undefined || args.endStep !== undefined) return undefined;
  const key = keyOf(args.runIds, args.key, args.maxPoints);
  const answer = early.get(key);
  if (!answer) return undefined;
  early.delete(key);
  let settled = false;
  answer.then(
    () => (settled = true),
    () => (settled = true),
  );
  signal?.addEventListener('abort', () => settled || early.set(key, answer), { once: true });
  return answer;
}
