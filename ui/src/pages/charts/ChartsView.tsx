/** Charts of the selected runs (or the first runs shown): one panel per metric, optionally grouped by a param or tag, settings in the URL. */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useAsync } from '../../app/hooks';
import { useQuery, useSetQuery } from '../../app/router';
import { getRun, runsByIds } from '../../api/tracking';
import { GroupBySelect } from '../../components/GroupBySelect';
import { EmptyState, ErrorBox } from '../../components/States';
import { toRow, type RunRow } from '../runs/columns';
import { type ChartRun, type XMode } from './chart-data';
import { chartRuns, groupChoices, groupLegend } from './run-groups';
import { ChartLegend } from './ChartLegend';
import { ChartRunPicker } from './ChartRunPicker';
import { showingLinePanels } from './early-plot';
import { LastValueBars } from './LastValueBars';
import { MetricChart } from './MetricChart';
import { ParamScatter } from './ParamScatter';

const DEFAULT_RUNS = 10;

function placeholderRow(id: string): RunRow {
  return toRow({
    info: {
      run_id: id,
      run_uuid: id,
      run_name: '',
      experiment_id: '',
      user_id: '',
      status: 'SCHEDULED',
      start_time: 0,
      artifact_uri: '',
      lifecycle_stage: 'active',
    },
    data: {},
    inputs: {},
  });
}

/**
 * Selected runs that are not among the loaded rows: those of the page's experiments by a few
 * searches (100 ids each), any others (a link to runs of another experiment) one by one.
 */
async function fetchRuns(experimentIds: string[], ids: string[], signal: AbortSignal): Promise<RunRow[]> {
  if (!ids.length) return [];
  // Only plain ids go into a search filter; anything else is looked up on its own.
  const plain = ids.filter((id) => /^[\w-]+$/.test(id));
  const found = experimentIds.length
    ? await runsByIds({ experimentIds, runIds: plain, viewType: 'ALL' }, signal)
    : [];
  const foundIds = new Set(found.map((r) => r.info.run_id));
  const rest = await Promise.all(ids.filter((id) => !foundIds.has(id)).map((id) => getRun(id, signal)));
  return [...found, ...rest].map(toRow);
}

export function ChartsView({
  experimentIds,
  rows,
  selected,
  rowsLoading,
  onSelect,
}: {
  /** The experiments of the page (selected runs outside its loaded rows are searched there first). */
  experimentIds: string[];
  rows: RunRow[];
  selected: string[];
  rowsLoading: boolean;
  /** Chooses the charted runs (the page's selection). */
  onSelect(ids: string[]): void;
}) {
  const query = useQuery();
  const setQuery = useSetQuery();
  const xParam = query.get('x');
  const xMode: XMode = xParam === 'wall' || xParam === 'relative' ? xParam : 'step';
  const log = query.get('log') === '1';
  const smoothing = Math.min(0.99, Math.max(0, Number(query.get('smooth') ?? 0) || 0));
  const chosenMetrics = (query.get('metrics') ?? '').split(',').filter(Boolean);

  // Selected runs that are not among the loaded rows (e.g. from a shared link) are fetched. While
  // the table's first page is still loading, selected runs are charted right away under their ids
  // (histories need only the ids), and get their names when the page arrives.
  const byId = useMemo(() => new Map(rows.map((r) => [r.id, r])), [rows]);
  // They are charted under their ids until they arrive too, so that the panels fetch the whole
  // selection once instead of again when the names come.
  const missing = rowsLoading ? [] : selected.filter((id) => !byId.has(id));
  const extra = useAsync(
    (signal) => fetchRuns(experimentIds, missing, signal),
    [experimentIds.join(','), missing.join(',')],
  );
  const chartRows: RunRow[] = useMemo(() => {
    if (!selected.length) return rows.slice(0, DEFAULT_RUNS);
    const extraById = new Map((extra.data ?? []).map((r) => [r.id, r]));
    const waiting = rowsLoading || extra.loading;
    return selected
      .map((id) => byId.get(id) ?? extraById.get(id) ?? (waiting ? placeholderRow(id) : undefined))
      .filter((r): r is RunRow => Boolean(r));
  }, [rows, selected.join(','), byId, extra.data, extra.loading, rowsLoading]);

  const choices = useMemo(() => groupChoices(chartRows), [chartRows]);
  const groupParam = query.get('group');
  const groupBy = groupParam && choices.includes(groupParam) ? groupParam : null;
  const pinParam = query.get('pin') ?? '';
  const pinned = useMemo(() => new Set(pinParam.split(',').filter(Boolean)), [pinParam]);
  const runs: ChartRun[] = chartRuns(chartRows, groupBy).map((r) =>
    pinned.has(r.id) && !groupBy ? { ...r, pinned: true } : r,
  );
  const togglePin = (id: string) =>
    setQuery((current) => {
      const next = new Set((current.get('pin') ?? '').split(',').filter(Boolean));
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return { pin: [...next].join(',') || null };
    });
  const paramChoices = choices.filter((c) => c.startsWith('param:')).map((c) => c.slice('param:'.length));
  const scatterParamQuery = query.get('sp');
  const scatterParam =
    scatterParamQuery && paramChoices.includes(scatterParamQuery) ? scatterParamQuery : paramChoices[0];
  const live = chartRows.some((r) => r.run.info.status === 'RUNNING');
  const allMetrics = useMemo(() => {
    const s = new Set<string>();
    for (const r of chartRows) for (const k of r.metrics.keys()) s.add(k);
    return [...s].sort();
  }, [chartRows]);
  const metrics = chosenMetrics.length ? chosenMetrics : allMetrics;
  // Until the charted runs are known (a charts link), the link's metrics stand for theirs in the
  // metrics row, so that the row is there from the start and the panels below it do not move.
  const choosable = allMetrics.length || !(rowsLoading || extra.loading) ? allMetrics : chosenMetrics;

  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  // Hiding a group's legend entry hides its runs.
  const hiddenRuns = useMemo(
    () => (groupBy ? new Set(runs.filter((r) => hidden.has(`group:${r.group}`)).map((r) => r.id)) : hidden),
    [hidden, groupBy, runs.map((r) => `${r.id}:${r.group}`).join(',')],
  );
  const ignoreOutliers = query.get('outliers') === 'ignore';
  const panelKind = query.get('panel');
  const bars = panelKind === 'bars';
  const scatter = panelKind === 'scatter' && Boolean(scatterParam);
  // One zoom for every panel; it resets when the x axis changes meaning.
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  useEffect(() => setZoom(null), [xMode]);
  // A first panel drawn before the app started waits for its panel, unless there is none to come.
  const lineMetrics = runs.length && !bars && !scatter ? metrics.filter((k) => !k.startsWith('system/')) : [];
  useEffect(() => {
    showingLinePanels(lineMetrics);
    return () => showingLinePanels([]);
  }, [lineMetrics.join(',')]);
  const [smoothText, setSmoothText] = useState(String(smoothing));
  useEffect(() => setSmoothText(String(smoothing)), [smoothing]);

  return (
    <div data-testid="charts-view">
      <div className="toolbar panel chart-settings">
        <ChartRunPicker rows={rows} charted={chartRows.map((r) => r.id)} onChange={onSelect} />
        <span className="muted small" data-testid="charted-count">
          {selected.length ? `${runs.length} selected runs` : `First ${runs.length} runs`}
        </span>
        <div className="seg" data-testid="panel-kind">
          <button className={bars || scatter ? '' : 'on'} onClick={() => setQuery({ panel: null })}>
            Lines
          </button>
          <button
            className={bars ? 'on' : ''}
            onClick={() => setQuery({ panel: 'bars' })}
            data-testid="panel-bars"
          >
            Last values
          </button>
          <button
            className={scatter ? 'on' : ''}
            onClick={() => setQuery({ panel: 'scatter' })}
            disabled={!paramChoices.length}
            title={
              paramChoices.length ? 'Last value of each metric against a param' : 'These runs have no params'
            }
            data-testid="panel-scatter"
          >
            Scatter
          </button>
        </div>
        {scatter && (
          <label className="check">
            against params.
            <select
              value={scatterParam}
              onChange={(e) => setQuery({ sp: e.target.value })}
              data-testid="scatter-param"
            >
              {paramChoices.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
        )}
        <span className="muted small">X axis</span>
        <div className="seg" data-testid="x-axis">
          {(['step', 'wall', 'relative'] as const).map((m) => (
            <button
              key={m}
              className={xMode === m ? 'on' : ''}
              onClick={() => setQuery({ x: m === 'step' ? null : m })}
            >
              {m === 'step' ? 'Step' : m === 'wall' ? 'Wall time' : 'Relative time'}
            </button>
          ))}
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={log}
            onChange={() => setQuery({ log: log ? null : '1' })}
            data-testid="log-scale"
          />
          Log scale
        </label>
        <GroupBySelect
          value={groupBy}
          choices={choices}
          onChange={(next) => {
            setHidden(new Set());
            setQuery({ group: next, gfold: null });
          }}
        />
        <label className="check" title="Fit the y axis to the 2nd–98th percentile of the values">
          <input
            type="checkbox"
            checked={ignoreOutliers}
            disabled={log}
            onChange={() => setQuery({ outliers: ignoreOutliers ? null : 'ignore' })}
            data-testid="ignore-outliers"
          />
          Ignore outliers
        </label>
        <label className="check">
          Smoothing
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothText}
            onChange={(e) => setSmoothText(e.target.value)}
            onPointerUp={() => setQuery({ smooth: Number(smoothText) > 0 ? smoothText : null })}
            onKeyUp={() => setQuery({ smooth: Number(smoothText) > 0 ? smoothText : null })}
            data-testid="smoothing"
          />
          <span className="mono small" style={{ width: 32 }}>
            {Number(smoothText).toFixed(2)}
          </span>
        </label>
      </div>
      <ChartLegend
        runs={groupBy ? groupLegend(runs) : runs}
        hidden={hidden}
        onToggle={(id) =>
          setHidden((old) => {
            const next = new Set(old);
            if (next.has(id)) next.delete(id);
            else next.add(id);
            return next;
          })
        }
        onShowAll={() => setHidden(new Set())}
        pinned={groupBy ? undefined : pinned}
        onPin={groupBy ? undefined : togglePin}
      />
      {choosable.length > 0 && (
        <div className="row metric-choices">
          <span className="muted small">Metrics</span>
          {choosable.map((k) => {
            const on = metrics.includes(k);
            return (
              <button
                key={k}
                className={`small ${on ? 'primary' : ''}`}
                onClick={() => {
                  const next = on ? metrics.filter((m) => m !== k) : [...metrics, k];
                  setQuery({ metrics: next.length === choosable.length ? null : next.join(',') || null });
                }}
              >
                {k}
              </button>
            );
          })}
        </div>
      )}
      {extra.error && <ErrorBox message={extra.error} />}
      {runs.length === 0 ? (
        <div className="panel">
          <EmptyState title="No runs to chart">
            <p>Select runs in the table, or log metrics from a run to see them here.</p>
          </EmptyState>
        </div>
      ) : metrics.length === 0 ? (
        <div className="panel">
          <EmptyState title="These runs have no metrics yet">
            <p>
              Log one with <code>mlflow.log_metric("loss", value, step=step)</code>; charts appear as soon as
              points arrive.
            </p>
          </EmptyState>
        </div>
      ) : (
        [
          { title: '', keys: metrics.filter((k) => !k.startsWith('system/')) },
          { title: 'System metrics', keys: metrics.filter((k) => k.startsWith('system/')) },
        ]
          .filter((section) => section.keys.length > 0)
          .map((section) => (
            <section key={section.title} data-testid={section.title ? 'system-metrics' : 'metrics'}>
              {section.title && <h2 className="section-title">{section.title}</h2>}
              <div className="grid2">
                {section.keys.map((k) =>
                  scatter ? (
                    <ParamScatter
                      key={k}
                      metricKey={k}
                      param={scatterParam!}
                      runs={runs}
                      rows={chartRows}
                      hidden={hiddenRuns}
                    />
                  ) : bars ? (
                    <LastValueBars key={k} metricKey={k} runs={runs} rows={chartRows} hidden={hiddenRuns} />
                  ) : (
                    <LazyPanel key={k}>
                      <MetricChart
                        metricKey={k}
                        runs={runs}
                        xMode={xMode}
                        log={log}
                        smoothing={smoothing}
                        live={live}
                        hidden={hiddenRuns}
                        grouped={Boolean(groupBy)}
                        zoom={zoom}
                        onZoom={setZoom}
                        ignoreOutliers={ignoreOutliers}
                      />
                    </LazyPanel>
                  ),
                )}
              </div>
            </section>
          ))
      )}
    </div>
  );
}

/** Mounts a chart only once it scrolls near the viewport, so 100 metrics do not fetch at once. */
function LazyPanel({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [shown, setShown] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || shown) return;
    const io = new IntersectionObserver(
      (entries) => entries.some((e) => e.isIntersecting) && setShown(true),
      {
        rootMargin: '300px',
      },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [shown]);
  return (
    <div ref={ref} className="lazy-panel">
      {shown ? children : null}
    </div>
  );
}
