/** Compare runs: params, metrics, tags and datasets side by side, parallel coordinates and a scatter plot. */
import { useMemo, type ReactNode } from 'react';
import { useAsync } from '../../app/hooks';
import { Link, useQuery, useSetQuery } from '../../app/router';
import { formatDuration, formatTime, runDuration } from '../../app/format';
import { getExperiment, getRun } from '../../api/tracking';
import { EmptyState, ErrorBox, Loading, StatusBadge } from '../../components/States';
import { LoggedImagesSection } from '../images/LoggedImagesSection';
import { toRow, type RunRow } from '../runs/columns';
import {
  compareColumns,
  compareDatasetNames,
  compareTagKeys,
  datasetCell,
  display,
  rawValue,
} from './compare-data';
import { ParallelCoordinates } from './ParallelCoordinates';
import { ScatterPlot } from './ScatterPlot';

export function ComparePage() {
  const query = useQuery();
  const setQuery = useSetQuery();
  const ids = (query.get('runs') ?? '').split(',').filter(Boolean);
  const onlyDiff = query.get('diff') === '1';
  const systemTags = query.get('systags') === '1';
  const runs = useAsync(
    (signal) => Promise.all(ids.map((id) => getRun(id, signal).then(toRow))),
    [ids.join(',')],
  );
  const rows = runs.data ?? [];
  const columns = useMemo(() => compareColumns(rows), [rows]);
  const params = columns.filter((c) => c.id.startsWith('param:'));
  const metrics = columns.filter((c) => c.id.startsWith('metric:'));
  const expIds = [...new Set(rows.map((r) => r.run.info.experiment_id))];
  const expNames = useAsync(
    (signal) => Promise.all(expIds.map((e) => getExperiment(e, signal).then((x) => x.name))),
    [expIds.join(',')],
  );

  if (!ids.length) {
    return (
      <EmptyState title="Nothing to compare">
        <p>
          Select two or more runs in an <Link to="/experiments">experiment</Link>’s table and press Compare.
        </p>
      </EmptyState>
    );
  }
  if (runs.error) return <ErrorBox message={runs.error} onRetry={runs.reload} />;
  if (!runs.data) return <Loading label="Loading runs…" />;

  const pcParams = (
    query.get('pc') ??
    params
      .slice(0, 4)
      .map((c) => c.id)
      .join(',')
  )
    .split(',')
    .filter((id) => columns.some((c) => c.id === id));
  const pcMetric = query.get('pm') ?? metrics[0]?.id ?? '';
  const pcColumns = [...pcParams, ...(pcMetric ? [pcMetric] : [])]
    .map((id) => columns.find((c) => c.id === id)!)
    .filter(Boolean);
  const sx = query.get('sx') ?? params[0]?.id ?? columns[0]?.id ?? '';
  const sy = query.get('sy') ?? metrics[0]?.id ?? columns[1]?.id ?? '';
  const label = (id: string) => columns.find((c) => c.id === id)?.label ?? id;
  const tagKeys = compareTagKeys(rows, systemTags);
  const datasetNames = compareDatasetNames(rows);

  return (
    <div data-testid="compare-page">
      <div className="crumbs">
        <Link to="/experiments">Experiments</Link> /{' '}
        {expIds.map((e, i) => (
          <Link key={e} to={`/experiments/${e}`}>
            {expNames.data?.[i] ?? `Experiment ${e}`}{' '}
          </Link>
        ))}
      </div>
      <div className="page-head">
        <h1>Comparing {rows.length} runs</h1>
        <span className="grow" />
        <label className="check">
          <input
            type="checkbox"
            checked={onlyDiff}
            onChange={() => setQuery({ diff: onlyDiff ? null : '1' })}
            data-testid="only-diff"
          />
          Only differences
        </label>
      </div>
      <div className="panel section" style={{ overflow: 'auto' }}>
        <table className="data compare-table" data-testid="compare-table">
          <thead>
            <tr>
              <th />
              {rows.map((r) => (
                <th key={r.id} className="run-col">
                  <Link to={`/runs/${r.id}`}>{r.run.info.run_name || r.id.slice(0, 8)}</Link>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <SectionRow title="Run" span={rows.length} />
            <ValueRow
              label="Status"
              rows={rows}
              onlyDiff={onlyDiff}
              get={(r) => r.run.info.status}
              render={(v) => <StatusBadge status={v} />}
            />
            <ValueRow
              label="Started"
              rows={rows}
              onlyDiff={onlyDiff}
              get={(r) => formatTime(r.run.info.start_time)}
            />
            <ValueRow
              label="Duration"
              rows={rows}
              onlyDiff={onlyDiff}
              get={(r) =>
                formatDuration(runDuration(r.run.info.start_time, r.run.info.end_time, r.run.info.status))
              }
            />
            <SectionRow title={`Parameters (${params.length})`} span={rows.length} />
            {params.map((c) => (
              <ValueRow
                key={c.id}
                label={c.id.slice(6)}
                rows={rows}
                onlyDiff={onlyDiff}
                get={(r) => display(rawValue(r, c.id))}
                testId="param-row"
              />
            ))}
            <SectionRow title={`Metrics (${metrics.length})`} span={rows.length} />
            {metrics.map((c) => (
              <ValueRow
                key={c.id}
                label={c.id.slice(7)}
                rows={rows}
                onlyDiff={onlyDiff}
                get={(r) => display(rawValue(r, c.id))}
                num
                testId="metric-row"
              />
            ))}
            <SectionRow title={`Tags (${tagKeys.keys.length})`} span={rows.length}>
              {(tagKeys.hiddenSystem > 0 || systemTags) && (
                <label className="check small" style={{ fontWeight: 400 }}>
                  <input
                    type="checkbox"
                    checked={systemTags}
                    onChange={() => setQuery({ systags: systemTags ? null : '1' })}
                    data-testid="compare-system-tags"
                  />
                  System tags (mlflow.*, cairn.*)
                </label>
              )}
            </SectionRow>
            {tagKeys.keys.map((k) => (
              <ValueRow
                key={k}
                label={k}
                rows={rows}
                onlyDiff={onlyDiff}
                get={(r) => r.tags.get(k) ?? '—'}
                testId="tag-row"
              />
            ))}
            <SectionRow title={`Datasets (${datasetNames.length})`} span={rows.length} />
            {datasetNames.map((name) => (
              <ValueRow
                key={name}
                label={name}
                rows={rows}
                onlyDiff={onlyDiff}
                get={(r) => datasetCell(r, name)}
                testId="dataset-row"
              />
            ))}
          </tbody>
        </table>
      </div>

      <div className="grid2">
        <div className="panel pad">
          <h2>Parallel coordinates</h2>
          <div className="toolbar">
            <span className="muted small">Parameters</span>
            {params.map((c) => {
              const on = pcParams.includes(c.id);
              return (
                <button
                  key={c.id}
                  className={`small ${on ? 'primary' : ''}`}
                  onClick={() =>
                    setQuery({
                      pc: (on ? pcParams.filter((p) => p !== c.id) : [...pcParams, c.id]).join(',') || 'none',
                    })
                  }
                >
                  {c.id.slice(6)}
                </button>
              );
            })}
            <span className="muted small">Metric</span>
            <select
              value={pcMetric}
              onChange={(e) => setQuery({ pm: e.target.value })}
              data-testid="pc-metric"
            >
              {metrics.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.id.slice(7)}
                </option>
              ))}
            </select>
          </div>
          <ParallelCoordinates rows={rows} columns={pcColumns} colorBy={pcMetric} />
        </div>
        <div className="panel pad">
          <h2>Scatter plot</h2>
          <div className="toolbar">
            <span className="muted small">X</span>
            <ColumnSelect
              value={sx}
              columns={columns}
              onChange={(v) => setQuery({ sx: v })}
              testId="scatter-x"
            />
            <span className="muted small">Y</span>
            <ColumnSelect
              value={sy}
              columns={columns}
              onChange={(v) => setQuery({ sy: v })}
              testId="scatter-y"
            />
          </div>
          {sx && sy ? (
            <ScatterPlot rows={rows} x={sx} y={sy} xLabel={label(sx)} yLabel={label(sy)} />
          ) : (
            <p className="muted">Nothing to plot.</p>
          )}
        </div>
      </div>
      <LoggedImagesSection
        runs={rows.map((r) => ({ id: r.id, name: r.run.info.run_name || r.id.slice(0, 8) }))}
        title="Images"
      />
    </div>
  );
}

function ColumnSelect({
  value,
  columns,
  onChange,
  testId,
}: {
  value: string;
  columns: { id: string; label: string }[];
  onChange(v: string): void;
  testId: string;
}) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
      {columns.map((c) => (
        <option key={c.id} value={c.id}>
          {c.label}
        </option>
      ))}
    </select>
  );
}

function SectionRow({ title, span, children }: { title: string; span: number; children?: ReactNode }) {
  return (
    <tr>
      <td colSpan={span + 1} style={{ background: 'var(--panel-2)' }}>
        <div className="row" style={{ gap: 16 }}>
          <h3 style={{ margin: 0 }}>{title}</h3>
          {children}
        </div>
      </td>
    </tr>
  );
}

interface ValueRowProps {
  label: string;
  rows: RunRow[];
  onlyDiff: boolean;
  get(r: RunRow): string;
  render?(v: string): ReactNode;
  num?: boolean;
  testId?: string;
}

function ValueRow({ label, rows, onlyDiff, get, render, num, testId }: ValueRowProps) {
  const values = rows.map(get);
  const differs = values.some((v) => v !== values[0]);
  if (onlyDiff && !differs) return null;
  return (
    <tr data-testid={testId} data-key={label} data-differs={differs ? '1' : '0'}>
      <td className="mono small">{label}</td>
      {values.map((v, i) => (
        <td key={rows[i]!.id} className={`${num ? 'num' : ''} ${differs ? 'diff' : ''}`}>
          {render ? render(v) : v}
        </td>
      ))}
    </tr>
  );
}
