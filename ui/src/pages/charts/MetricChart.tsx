/**
 * One metric of several runs, drawn with uPlot. Long histories arrive downsampled (per-bucket
 * first/min/max/last); dragging a range zooms and re-fetches that step range at full resolution;
 * double-click zooms out. While a run is RUNNING the data refreshes every 1.5 s.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { errorMessage, isAbort } from '../../api/client';
import { getSampledHistory } from '../../api/tracking';
import type { HistoryPoint } from '../../api/types';
import { formatNumber, formatTime } from '../../app/format';
import { useInterval, useWidth } from '../../app/hooks';
import { cssVar, useIsDark } from '../../app/theme';
import {
  alignSeries,
  buildSeries,
  formatRelativeSeconds,
  nearestIndex,
  type ChartRun,
  type XMode,
} from './chart-data';

export const MAX_POINTS = 1000;
const HEIGHT = 240;

interface Props {
  metricKey: string;
  runs: ChartRun[];
  xMode: XMode;
  log: boolean;
  smoothing: number;
  live: boolean;
}

interface Hover {
  left: number;
  top: number;
  x: number;
  rows: { run: ChartRun; value: number | null; step: number }[];
}

export function MetricChart({ metricKey, runs, xMode, log, smoothing, live }: Props) {
  const [points, setPoints] = useState<HistoryPoint[] | null>(null);
  const [error, setError] = useState<string>();
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  const [hover, setHover] = useState<Hover | null>(null);
  const [wrapRef, width] = useWidth<HTMLDivElement>();
  const plotEl = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const dark = useIsDark();
  const runIds = runs.map((r) => r.id).join(',');
  const runsKey = runs.map((r) => `${r.id}:${r.name}:${r.color}`).join('|');
  // Zoomed step ranges are fetched at full resolution; time axes zoom within the loaded data.
  const stepZoom = xMode === 'step' ? zoom : null;

  const fetchRef = useRef(0);
  const load = (signal?: AbortSignal) => {
    const ticket = ++fetchRef.current;
    return getSampledHistory(
      {
        runIds: runIds.split(','),
        key: metricKey,
        maxPoints: MAX_POINTS,
        startStep: stepZoom ? Math.floor(stepZoom[0]) : undefined,
        endStep: stepZoom ? Math.ceil(stepZoom[1]) : undefined,
      },
      signal,
    ).then(
      (pts) => {
        if (ticket !== fetchRef.current) return;
        setPoints(pts);
        setError(undefined);
      },
      (e: unknown) => {
        if (!isAbort(e) && ticket === fetchRef.current) setError(errorMessage(e));
      },
    );
  };

  useEffect(() => {
    const ctl = new AbortController();
    void load(ctl.signal);
    return () => ctl.abort();
    // load reads the current props; re-run when what it fetches changes.
  }, [runIds, metricKey, stepZoom?.[0], stepZoom?.[1]]);

  useInterval(() => void load(), 1500, live);

  const series = useMemo(
    () => (points ? buildSeries(points, runs, xMode, smoothing, log) : []),
    [points, runsKey, xMode, smoothing, log],
  );
  const data = useMemo(() => alignSeries(series), [series]);
  const seriesRef = useRef(series);
  seriesRef.current = series;
  const zoomRef = useRef(zoom);
  zoomRef.current = zoom;

  // (Re)create the plot when its structure changes; data updates go through setData below.
  useEffect(() => {
    const el = plotEl.current;
    if (!el || width <= 0) return;
    const axisColor = cssVar('--text-2');
    const gridColor = cssVar('--grid');
    const axis: uPlot.Axis = {
      stroke: axisColor,
      grid: { stroke: gridColor, width: 1 },
      ticks: { stroke: gridColor, width: 1 },
      font: '11px system-ui, sans-serif',
    };
    const opts: uPlot.Options = {
      width,
      height: HEIGHT,
      legend: { show: false },
      scales: {
        x: { time: xMode === 'wall' },
        y: log ? { distr: 3 } : {},
      },
      series: [
        {},
        // uPlot shows point markers by itself only where points are sparse (e.g. a single step).
        ...runs.map((r) => ({ label: r.name, stroke: r.color, fill: undefined, width: 1.5, spanGaps: true })),
      ],
      axes: [
        xMode === 'relative'
          ? { ...axis, values: (_u: uPlot, vals: number[]) => vals.map(formatRelativeSeconds) }
          : axis,
        { ...axis, size: 60, values: (_u: uPlot, vals: number[]) => vals.map((v) => formatNumber(v)) },
      ],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        bind: {
          dblclick: () => () => {
            setZoom(null);
            return null;
          },
        },
      },
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 3) return;
            const min = u.posToVal(u.select.left, 'x');
            const max = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            setZoom([min, max]);
          },
        ],
        setCursor: [
          (u) => {
            const left = u.cursor.left ?? -1;
            if (left < 0 || u.cursor.idx === null || u.cursor.idx === undefined) {
              setHover(null);
              return;
            }
            const x = u.posToVal(left, 'x');
            const rows = seriesRef.current.map((s) => {
              // Past either end of a run's history there is no value to show for it.
              const inside = s.xs.length > 0 && x >= s.xs[0]! && x <= s.xs[s.xs.length - 1]!;
              const i = inside ? nearestIndex(s.xs, x) : -1;
              return { run: s.run, value: i < 0 ? null : s.ys[i]!, step: i < 0 ? NaN : s.steps[i]! };
            });
            setHover({ left, top: u.cursor.top ?? 0, x, rows });
          },
        ],
      },
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    el.dataset.ready = '1';
    return () => {
      u.destroy();
      plot.current = null;
    };
  }, [width > 0, xMode, log, runsKey, dark]);

  useEffect(() => {
    plot.current?.setSize({ width, height: HEIGHT });
  }, [width]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(data, zoom === null);
    if (zoom) u.setScale('x', { min: zoom[0], max: zoom[1] });
    if (plotEl.current) plotEl.current.dataset.points = String(data[0].length);
  }, [data, zoom]);

  const nPoints = data[0].length;
  const xLabel = xMode === 'step' ? 'Step' : xMode === 'wall' ? 'Time' : 'Relative time';
  const fmtX = (x: number) =>
    xMode === 'step'
      ? String(Math.round(x))
      : xMode === 'wall'
        ? formatTime(x * 1000)
        : formatRelativeSeconds(x);

  return (
    <div className="chart-panel panel" data-testid="metric-chart" data-metric={metricKey}>
      <div className="chart-head">
        <strong className="mono">{metricKey}</strong>
        <span className="muted small">
          {xLabel}
          {zoom ? ` ${fmtX(zoom[0])} – ${fmtX(zoom[1])}` : ''}
        </span>
        <span style={{ flex: 1 }} />
        {zoom && (
          <button className="small ghost" onClick={() => setZoom(null)} data-testid="reset-zoom">
            Reset zoom
          </button>
        )}
      </div>
      <div ref={wrapRef} className="chart-body" onMouseLeave={() => setHover(null)}>
        {error && <div className="error">{error}</div>}
        {points === null && !error && <div className="chart-loading muted small">Loading history…</div>}
        {points !== null && nPoints === 0 && (
          <div className="chart-loading muted small">No points in this range.</div>
        )}
        <div ref={plotEl} data-testid="chart-canvas" />
        {hover && (
          <div
            className="chart-tip popover"
            style={{
              left: hover.left > width - 240 ? hover.left - 230 : hover.left + 16,
              top: Math.min(hover.top, HEIGHT - 60),
            }}
            data-testid="chart-tooltip"
          >
            <div className="muted small">
              {xLabel}: {fmtX(hover.x)}
            </div>
            {hover.rows.map((r) => (
              <div key={r.run.id} className="row small">
                <span className="swatch" style={{ background: r.run.color }} />
                <span className="ellipsis" style={{ flex: 1, maxWidth: 130 }}>
                  {r.run.name}
                </span>
                <span className="mono">{r.value === null ? '—' : formatNumber(r.value)}</span>
              </div>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
