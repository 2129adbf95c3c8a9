/**
 * The uPlot options of a metric panel: scales, series, group bands and axes. One definition for
 * the panel of the app (MetricChart, which adds the cursor and its interaction) and for the chart
 * a charts link draws before the app has started (early-plot.ts), so that the app's chart looks
 * exactly like the one it takes over.
 */
import uPlot from 'uplot';
import { formatNumber } from '../../app/format';
import { cssVar } from '../../app/theme';
import {
  formatRelativeSeconds,
  linearTickLabels,
  logTickLabels,
  yAxisSize,
  type ChartRun,
  type GroupSeries,
  type XMode,
} from './chart-data';

/** Height of a panel's plot, px. */
export const PLOT_HEIGHT = 240;

export interface PanelPlot {
  width: number;
  xMode: XMode;
  log: boolean;
  /** The runs drawn, in drawing order (pinned last); ignored when `groups` is given. */
  runs: ChartRun[];
  /** One mean line with a min–max band per group, instead of the runs. */
  groups: GroupSeries[] | null;
  /** The fixed y range ("ignore outliers"), read at each redraw; null: fit the values. */
  yRange(): [number, number] | null;
  /** The plot's element: the y ticks, axis size and range drawn are kept on it for tests and assistive tools. */
  el: HTMLElement;
}

export function panelPlotOptions(p: PanelPlot): uPlot.Options {
  const { el, log, xMode, groups } = p;
  const axisColor = cssVar('--text-2');
  const gridColor = cssVar('--grid');
  const axis: uPlot.Axis = {
    stroke: axisColor,
    grid: { stroke: gridColor, width: 1 },
    ticks: { stroke: gridColor, width: 1 },
    font: '11px system-ui, sans-serif',
  };
  return {
    width: p.width,
    height: PLOT_HEIGHT,
    legend: { show: false },
    scales: {
      x: { time: xMode === 'wall' },
      y: log
        ? { distr: 3 }
        : {
            // Outliers ignored: the 2nd–98th percentile band; otherwise uPlot's own fit.
            range: (_u, min, max) => p.yRange() ?? uPlot.rangeNum(min, max, 0.1, true),
          },
    },
    series: [
      {},
      // uPlot shows point markers by itself only where points are sparse (e.g. a single step).
      ...(groups
        ? groups.flatMap((g) => [
            { label: g.run.name, stroke: g.run.color, width: 2, spanGaps: true },
            {
              label: `${g.run.name} max`,
              stroke: 'transparent',
              width: 0,
              spanGaps: true,
              points: { show: false },
            },
            {
              label: `${g.run.name} min`,
              stroke: 'transparent',
              width: 0,
              spanGaps: true,
              points: { show: false },
            },
          ])
        : p.runs.map((r) => ({
            label: r.name,
            stroke: r.color,
            fill: undefined,
            width: r.pinned ? 3.5 : 1.5,
            spanGaps: true,
          }))),
    ],
    // Each group's band fills between its max and min series.
    bands: groups?.map((g, i) => ({
      series: [2 + i * 3, 3 + i * 3] as [number, number],
      // Palette colours are #rrggbb: 38 is about 22 % opacity.
      fill: `${g.run.color}38`,
    })),
    axes: [
      xMode === 'relative'
        ? { ...axis, values: (_u: uPlot, vals: number[]) => vals.map(formatRelativeSeconds) }
        : axis,
      {
        ...axis,
        size: (_u: uPlot, labels: string[]) => {
          const size = yAxisSize(labels);
          el.dataset.yAxisSize = String(size);
          return size;
        },
        values: (_u: uPlot, vals: number[], _axis: number, _space: number, incr: number) => {
          const labels = log ? logTickLabels(vals, formatNumber) : linearTickLabels(vals, incr, formatNumber);
          // The labels are drawn on the canvas; kept here too for tests and assistive tools.
          el.dataset.yTicks = labels.filter(Boolean).join('|');
          return labels;
        },
      },
    ],
    hooks: {
      // The y range drawn, kept on the element for tests and assistive tools.
      setScale: [
        (u, key) => {
          if (key === 'y') el.dataset.yRange = `${u.scales.y.min ?? ''},${u.scales.y.max ?? ''}`;
        },
      ],
    },
  };
}
