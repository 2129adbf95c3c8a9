/**
 * One metric of several runs, drawn with uPlot. Long histories arrive downsampled (per-bucket
 * first/min/max/last); dragging a range zooms (every panel of the view together) and re-fetches
 * that step range at full resolution; double-click zooms out. The crosshair is shared by all
 * panels. While a run is RUNNING the data refreshes every 1.5 s.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { errorMessage, isAbort } from '../../api/client';
import { getSampledHistory } from '../../api/tracking';
import type { HistoryColumns } from '../../api/history-columns';
import { formatNumber, formatTime } from '../../app/format';
import { useInterval, useWidth } from '../../app/hooks';
import { useIsDark } from '../../app/theme';
import {
  alignSeries,
  buildSeries,
  formatRelativeSeconds,
  alignGroups,
  groupSeries,
  robustRange,
  nearestIndex,
  pointsPerRun,
  type ChartRun,
  type XMode,
} from './chart-data';
import { takeEarlyHistory } from './early-charts';
import { infiniteNote, tipValue } from './infinite-points';
import { claimEarlyPlot, type EarlyPlot } from './early-plot';
import { panelPlotOptions, PLOT_HEIGHT as HEIGHT } from './plot-options';

interface Props {
  metricKey: string;
  runs: ChartRun[];
  xMode: XMode;
  log: boolean;
  smoothing: number;
  live: boolean;
  /** Runs hidden from the legend: still fetched (so showing them again is instant), not drawn. */
  hidden?: ReadonlySet<string>;
  /** The x range shown, shared by the panels of a view (null: everything). */
  zoom: [number, number] | null;
  onZoom(range: [number, number] | null): void;
  /** Fit the y axis to the 2nd–98th percentile of the values, so a few spikes do not flatten the rest. */
  ignoreOutliers?: boolean;
  /** Draw one mean line with a min–max band per group of runs (`ChartRun.group`). */
  grouped?: boolean;
}

/** Panels with this cursor sync key share one crosshair. */
const SYNC_KEY = 'cairn-charts';

/** The tooltip lists at most this many runs (highest values first). */
const TIP_ROWS = 12;

interface Hover {
  left: number;
  top: number;
  x: number;
  rows: { run: ChartRun; value: number | null; step: number }[];
}

export function MetricChart(props: Props) {
  const {
    metricKey,
    runs: allRuns,
    xMode,
    log,
    smoothing,
    live,
    hidden,
    zoom,
    ignoreOutliers,
    grouped,
  } = props;
  const setZoom = props.onZoom;
  const onZoomRef = useRef(setZoom);
  onZoomRef.current = setZoom;
  const hovered = useRef(false);
  const [points, setPoints] = useState<HistoryColumns[] | null>(null);
  const [error, setError] = useState<string>();
  const [hover, setHover] = useState<Hover | null>(null);
  const [wrapRef, width] = useWidth<HTMLDivElement>();
  const plotEl = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const dark = useIsDark();
  const runIds = allRuns.map((r) => r.id).join(',');
  const hiddenKey = [...(hidden ?? [])].join(',');
  // Pinned runs are drawn last, so on top of the others.
  const runs = useMemo(
    () =>
      allRuns
        .filter((r) => !hidden?.has(r.id))
        .sort((a, b) => Number(Boolean(a.pinned)) - Number(Boolean(b.pinned))),
    [allRuns, hiddenKey],
  );
  // What the plot's structure depends on (its series, their colours and widths)…
  const plotKey =
    runs.map((r) => `${r.id}:${r.color}:${r.group ?? ''}:${r.pinned ? 1 : 0}`).join('|') + String(grouped);
  // …and what the series also carry: a run's name arriving after its points (a charts link
  // draws the runs under their ids until the run search answers) only updates the data.
  const runsKey = `${plotKey}|${runs.map((r) => `${r.name}:${r.startTime}`).join('|')}`;
  // Zoomed step ranges are fetched at full resolution; time axes zoom within the loaded data.
  const stepZoom = xMode === 'step' ? zoom : null;

  // A charts link's first panel may have been drawn before the app started (early-plot.ts): it is
  // shown in this panel's place until the panel's own plot is drawn, so the chart stays on screen.
  const early = useRef<EarlyPlot | null>(null);
  const [showsEarly, setShowsEarly] = useState(false);
  const dropEarly = () => {
    early.current?.dispose();
    early.current = null;
    setShowsEarly(false);
  };
  useLayoutEffect(() => {
    const body = wrapRef.current;
    const plot = body && claimEarlyPlot(metricKey);
    if (!body || !plot) return;
    body.append(plot.el);
    plot.setWidth(body.clientWidth);
    early.current = plot;
    setShowsEarly(true);
    return () => {
      plot.dispose();
      early.current = null;
    };
  }, []);
  useEffect(() => {
    if (error) dropEarly();
  }, [error]);

  const fetchRef = useRef(0);
  const load = (signal?: AbortSignal) => {
    const ticket = ++fetchRef.current;
    const args = {
      runIds: runIds.split(','),
      key: metricKey,
      maxPoints: pointsPerRun(allRuns.length),
      startStep: stepZoom ? Math.floor(stepZoom[0]) : undefined,
      endStep: stepZoom ? Math.ceil(stepZoom[1]) : undefined,
    };
    // The answer asked for while the app was starting (a charts link), else a new request.
    const early = takeEarlyHistory(args, signal)?.catch(() => getSampledHistory(args, signal));
    return (early ?? getSampledHistory(args, signal)).then(
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

  // The drawn values depend on the runs' ids in drawing order (and their start times on the
  // relative time axis), not on their names: a name that arrives after the points (a charts link
  // draws the runs under their ids until the run search answers) neither rebuilds nor redraws them.
  const valuesKey = runs.map((r) => (xMode === 'relative' ? `${r.id}@${r.startTime}` : r.id)).join(',');
  const built = useMemo(
    () => (points ? buildSeries(points, runs, xMode, smoothing, log) : []),
    [points, valuesKey, xMode, smoothing, log],
  );
  // The same series carrying the runs as they are now (names for the tooltip and the groups).
  const series = useMemo(
    () => built.map((s, i) => (s.run === runs[i] ? s : { ...s, run: runs[i]! })),
    [built, runsKey],
  );
  const groups = useMemo(() => (grouped ? groupSeries(series) : null), [series, grouped]);
  const infinite = useMemo(() => infiniteNote(built), [built]);
  const groupsKey = groups?.map((g) => g.run.name).join('|') ?? '';
  const data = useMemo(() => (groups ? alignGroups(groups) : alignSeries(built)), [built, groups]);
  const seriesRef = useRef(series);
  // Hover reads the drawn lines: the runs, or the groups' means.
  seriesRef.current = groups ?? series;
  const yRange = useMemo(
    () => (ignoreOutliers && !log ? robustRange(built) : null),
    [ignoreOutliers, log, built],
  );
  const yRangeRef = useRef(yRange);
  yRangeRef.current = yRange;

  // (Re)create the plot when its structure changes; data updates go through setData below. It is
  // first created with its first points: uPlot fits the y axis to the labels it is created with.
  const loaded = points !== null;
  useEffect(() => {
    const el = plotEl.current;
    if (!el || width <= 0 || !loaded) return;
    const base = panelPlotOptions({
      width,
      xMode,
      log,
      runs,
      groups,
      yRange: () => yRangeRef.current,
      el,
    });
    const opts: uPlot.Options = {
      ...base,
      cursor: {
        sync: { key: SYNC_KEY, setSeries: false },
        drag: { x: true, y: false, setScale: false },
        bind: {
          dblclick: () => () => {
            onZoomRef.current(null);
            return null;
          },
        },
      },
      hooks: {
        ...base.hooks,
        setSelect: [
          (u) => {
            if (u.select.width < 3) return;
            const min = u.posToVal(u.select.left, 'x');
            const max = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            onZoomRef.current([min, max]);
          },
        ],
        setCursor: [
          (u) => {
            const left = u.cursor.left ?? -1;
            // Synced panels follow the crosshair; only the one under the pointer shows a tooltip.
            if (!hovered.current || left < 0 || u.cursor.idx === null || u.cursor.idx === undefined) {
              setHover(null);
              return;
            }
            const x = u.posToVal(left, 'x');
            const rows = seriesRef.current.map((s) => {
              // Past either end of a run's history there is no value to show for it.
              const inside = s.xs.length > 0 && x >= s.xs[0]! && x <= s.xs[s.xs.length - 1]!;
              const i = inside ? nearestIndex(s.xs, x) : -1;
              return { run: s.run, value: i < 0 ? null : tipValue(s, i), step: i < 0 ? NaN : s.steps[i]! };
            });
            // Highest value first; runs without a value here last.
            rows.sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity));
            setHover({ left, top: u.cursor.top ?? 0, x, rows });
          },
        ],
      },
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    el.dataset.ready = '1';
    el.dataset.groups = groups?.map((g) => g.run.name).join('|') ?? '';
    // The runs drawn, in drawing order (pinned last), and the pinned ones; for tests and assistive tools.
    el.dataset.drawn = groups ? '' : runs.map((r) => r.id).join(',');
    el.dataset.pinned = runs
      .filter((r) => r.pinned)
      .map((r) => r.id)
      .join(',');
    return () => {
      u.destroy();
      plot.current = null;
    };
  }, [width > 0, loaded, xMode, log, plotKey, groupsKey, dark]);

  useEffect(() => {
    plot.current?.setSize({ width, height: HEIGHT });
  }, [width]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(data, zoom === null);
    if (zoom) u.setScale('x', { min: zoom[0], max: zoom[1] });

    if (plotEl.current) plotEl.current.dataset.points = String(data[0].length);
    // The early plot goes in the same task as this one is drawn (uPlot draws in a microtask).
    if (points !== null) dropEarly();
  }, [data, zoom, yRange]);

  const nPoints = data[0].length;
  const xLabel = xMode === 'step' ? 'Step' : xMode === 'wall' ? 'Time' : 'Relative time';
  const fmtX = (x: number) =>
    xMode === 'step'
      ? String(Math.round(x))
      : xMode === 'wall'
        ? formatTime(x * 1000)
        : formatRelativeSeconds(x);

  return (
    <div
      className="chart-panel panel"
      data-testid="metric-chart"
      data-metric={metricKey}
      data-max-points={pointsPerRun(allRuns.length)}
    >
      <div className="chart-head">
        <strong className="mono">{metricKey}</strong>
        <span className="muted small">
          {xLabel}
          {zoom ? ` ${fmtX(zoom[0])} – ${fmtX(zoom[1])}` : ''}
        </span>
        <span style={{ flex: 1 }} />
        {infinite && (
          <span className="muted small" data-testid="infinite-note">
            {infinite}
          </span>
        )}
        {zoom && (
          <button className="small ghost" onClick={() => setZoom(null)} data-testid="reset-zoom">
            Reset zoom
          </button>
        )}
      </div>
      <div
        ref={wrapRef}
        className="chart-body"
        onMouseEnter={() => (hovered.current = true)}
        onMouseLeave={() => {
          hovered.current = false;
          setHover(null);
        }}
      >
        {error && <div className="error">{error}</div>}
        {points === null && !error && !showsEarly && (
          <div className="chart-loading muted small">Loading history…</div>
        )}
        {points !== null && nPoints === 0 && (
          <div className="chart-loading muted small">No points in this range.</div>
        )}
        <div ref={plotEl} data-testid="chart-canvas" />
        {hover && (
          <div
            className="chart-tip popover"
            style={{
              ...(hover.left > width / 2 ? { right: width - hover.left + 16 } : { left: hover.left + 16 }),
              top: Math.min(hover.top, HEIGHT - 60),
            }}
            data-testid="chart-tooltip"
          >
            <div className="muted small">
              {xLabel}: {fmtX(hover.x)}
            </div>
            {hover.rows.slice(0, TIP_ROWS).map((r) => (
              <div key={r.run.id} className="row small" data-testid="tip-row">
                <span className="swatch" style={{ background: r.run.color }} />
                <span className="tip-name">{r.run.name}</span>
                <span className="mono">{r.value === null ? '—' : formatNumber(r.value)}</span>
              </div>
            ))}
            {hover.rows.length > TIP_ROWS && (
              <div className="muted small">+ {hover.rows.length - TIP_ROWS} more runs</div>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
