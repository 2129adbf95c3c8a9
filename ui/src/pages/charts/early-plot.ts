/**
 * The first panel of a charts link drawn before the app has started. Starting React and the pages
 * takes a few hundred milliseconds of the page's main thread, most of it after the first panel's
 * history has arrived (early-charts.ts asks for it at once); so the entry draws that history
 * itself, with the panel's own plot options (plot-options.ts), on a still copy of the app's charts
 * page (early-page.ts), where the app's panel will be. When the app's panel for the metric mounts
 * it takes the drawn plot into its place and keeps it on screen until its own plot (from the same
 * answer, not a second request) has been drawn, then removes it: no blank frame in between. If no panel takes the plot
 * (the address changed, or the app shows something else) the early page goes within seconds.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { HistoryColumns } from '../../api/history-columns';
import { alignSeries, buildSeries, PALETTE, robustRange, type ChartRun, type XMode } from './chart-data';
import { earlyPage } from './early-page';
import { panelPlotOptions, PLOT_HEIGHT } from './plot-options';

/** The early page is removed this long after drawing if no panel took its plot. */
const UNCLAIMED_MS = 4_000;

export interface EarlyPlotArgs {
  experimentId: string;
  /** The first panel's metric, and those of all the link's line panels (it first). */
  metricKey: string;
  metrics: string[];
  /** The charted runs in the link's order (their colours follow it). */
  runIds: string[];
  pinned: ReadonlySet<string>;
  xMode: XMode;
  log: boolean;
  smoothing: number;
  ignoreOutliers: boolean;
  /** The runs page's filter and deleted-runs view (its filter row shows them). */
  filter: string;
  deleted: boolean;
  answer: Promise<HistoryColumns[]>;
}

/** A drawn early plot, taken by the app's panel. */
export interface EarlyPlot {
  /** The element holding the plot; the panel places it over its own plot. */
  el: HTMLElement;
  /** Fits the plot to the panel's width. */
  setWidth(width: number): void;
  /** Removes the plot (once the panel's own plot is drawn, or when the panel goes). */
  dispose(): void;
}

let drawn: { metricKey: string; plot: EarlyPlot; page: HTMLElement } | null = null;
/** The metrics of the line panels the app's charts view shows; null before it has rendered. */
let appMetrics: readonly string[] | null = null;

/**
 * Draws the panel once its history has arrived, unless the app's panel for the metric is already
 * on the page (it then draws the same answer itself). Errors are left to the app's panel.
 */
export async function drawEarlyPlot(args: EarlyPlotArgs): Promise<void> {
  const linkRuns: ChartRun[] = args.runIds.map((id, i) => ({
    id,
    name: id.slice(0, 8),
    color: PALETTE[i % PALETTE.length]!,
    startTime: 0,
    pinned: args.pinned.has(id),
  }));
  // The page is built and laid out while the history is on its way (hidden, so that it neither
  // shows nor takes a click until the plot is drawn on it): laying it out takes a few tens of
  // milliseconds, which would otherwise lie between the answer and the drawn chart.
  const { page, body } = earlyPage({
    experimentId: args.experimentId,
    metrics: args.metrics,
    // The legend lists pinned runs first (ChartLegend.tsx).
    runs: [...linkRuns.filter((r) => r.pinned), ...linkRuns.filter((r) => !r.pinned)],
    xMode: args.xMode,
    log: args.log,
    ignoreOutliers: args.ignoreOutliers,
    smoothing: args.smoothing,
    filter: args.filter,
    deleted: args.deleted,
  });
  page.style.visibility = 'hidden';
  document.body.append(page);
  const width = body.clientWidth;

  let columns: HistoryColumns[];
  try {
    columns = await args.answer;
  } catch {
    page.remove();
    return;
  }
  // The app got there first: its panel draws the same answer (or it shows no such panel).
  const panel = `[data-testid=metric-chart][data-metric="${CSS.escape(args.metricKey)}"]`;
  if (drawn || document.querySelector(panel) || (appMetrics && !appMetrics.includes(args.metricKey))) {
    page.remove();
    return;
  }
  // Pinned runs are drawn last, so on top of the others (as in the app's panel).
  const runs = [...linkRuns].sort((a, b) => Number(a.pinned) - Number(b.pinned));
  const series = buildSeries(columns, runs, args.xMode, args.smoothing, args.log);
  const data = alignSeries(series);
  if (!data[0].length) {
    page.remove();
    return;
  }
  const yRange = args.ignoreOutliers && !args.log ? robustRange(series) : null;

  page.style.visibility = '';
  const holder = document.createElement('div');
  holder.className = 'early-plot';
  holder.dataset.testid = 'early-chart-canvas';
  body.append(holder);
  const options = panelPlotOptions({
    // As laid out above (a window resized since is fitted by the panel that takes the plot).
    width,
    xMode: args.xMode,
    log: args.log,
    runs,
    groups: null,
    yRange: () => yRange,
    el: holder,
  });
  const u = new uPlot({ ...options, cursor: { show: false } }, data, holder);
  holder.dataset.points = String(data[0].length);
  holder.dataset.drawn = runs.map((r) => r.id).join(',');

  const address = location.pathname + location.search;
  const dispose = () => {
    u.destroy();
    holder.remove();
    page.remove();
    if (drawn?.page === page) drawn = null;
    clearInterval(watch);
  };
  // Until a panel takes it: gone when the address changes (Back, or the app went elsewhere) and
  // after a few seconds at most.
  const since = Date.now();
  const watch = setInterval(() => {
    if (drawn?.page !== page) clearInterval(watch);
    else if (location.pathname + location.search !== address || Date.now() - since > UNCLAIMED_MS) dispose();
  }, 100);
  const plot: EarlyPlot = {
    el: holder,
    setWidth: (width) => width > 0 && width !== u.width && u.setSize({ width, height: PLOT_HEIGHT }),
    dispose,
  };
  drawn = { metricKey: args.metricKey, plot, page };
}

/**
 * The early plot of this metric, for its panel to place over its own until that is drawn; the
 * early page it was drawn on is removed. Null when there is none (any later panel draws alone).
 */
export function claimEarlyPlot(metricKey: string): EarlyPlot | null {
  if (!drawn || drawn.metricKey !== metricKey) return null;
  const { plot, page } = drawn;
  drawn = null;
  page.remove();
  return plot;
}

/**
 * Called by the app's charts view with the metrics of the line panels it shows: an early plot of
 * another metric is removed (no panel will take it), and none is drawn for one after this.
 */
export function showingLinePanels(metrics: readonly string[]): void {
  appMetrics = metrics;
  if (drawn && !metrics.includes(drawn.metricKey)) drawn.plot.dispose();
}
