/**
 * Scatter panel of one metric (each run's last value) against a param: a numeric x axis when every
 * value of the param is a number, one column per value otherwise (values in name order, points
 * spread a little sideways so that equal values stay visible).
 */
import { useWidth } from '../../app/hooks';
import { formatNumber, toNumber } from '../../app/format';
import { paddedRange, ScatterFrame, scatterScales } from '../compare/ScatterFrame';
import type { RunRow } from '../runs/columns';
import type { ChartRun } from './chart-data';

const HEIGHT = 260;
const PAD = { top: 12, bottom: 40, left: 60, right: 16 };

interface Point {
  run: ChartRun;
  raw: string;
  y: number;
}

/** Points with both values; whether the param's values are all numbers. */
export function scatterPoints(
  runs: ChartRun[],
  rows: RunRow[],
  metricKey: string,
  param: string,
  hidden: ReadonlySet<string>,
): { points: Point[]; numeric: boolean } {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const points: Point[] = [];
  for (const run of runs) {
    if (hidden.has(run.id)) continue;
    const row = byId.get(run.id);
    const raw = row?.params.get(param);
    const y = toNumber(row?.metrics.get(metricKey));
    if (raw === undefined || !Number.isFinite(y)) continue;
    points.push({ run, raw, y });
  }
  const numeric =
    points.length > 0 && points.every((p) => p.raw.trim() !== '' && Number.isFinite(Number(p.raw)));
  return { points, numeric };
}

export function ParamScatter({
  metricKey,
  param,
  runs,
  rows,
  hidden,
}: {
  metricKey: string;
  param: string;
  runs: ChartRun[];
  rows: RunRow[];
  hidden: ReadonlySet<string>;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const { points, numeric } = scatterPoints(runs, rows, metricKey, param, hidden);
  const categories = numeric ? [] : [...new Set(points.map((p) => p.raw))].sort((a, b) => a.localeCompare(b));
  const yRange = paddedRange(points.map((p) => p.y));
  const xRange: [number, number] = numeric ? paddedRange(points.map((p) => Number(p.raw))) : [0, 1];
  const scales = scatterScales(width, HEIGHT, PAD, xRange, yRange, categories.length);
  // Categorical: the column's centre, spread by a stable offset per point within the column.
  const sx = (p: Point, i: number) =>
    numeric
      ? scales.sx(Number(p.raw))
      : scales.column(categories.indexOf(p.raw)) + (((i * 37) % 11) - 5) * Math.min(3, scales.band / 40);
  return (
    <div className="chart-panel panel" data-testid="param-scatter" data-metric={metricKey}>
      <div className="chart-head">
        <strong className="mono">{metricKey}</strong>
        <span className="muted small">
          last value against params.{param}
          {numeric ? '' : ' (categories)'}
        </span>
      </div>
      <div
        ref={ref}
        data-points={points.length}
        data-axis={numeric ? 'numeric' : 'categorical'}
        data-testid="scatter-area"
      >
        {points.length === 0 ? (
          <p className="muted small">
            No run has both a value of {metricKey} and of params.{param}.
          </p>
        ) : (
          width > 0 && (
            <ScatterFrame
              width={width}
              height={HEIGHT}
              pad={PAD}
              xRange={xRange}
              yRange={yRange}
              categories={numeric ? undefined : categories}
              xTitle={`params.${param}`}
            >
              {points.map((p, i) => (
                <circle
                  key={p.run.id}
                  cx={sx(p, i)}
                  cy={scales.sy(p.y)}
                  r={5}
                  fill={p.run.color}
                  fillOpacity={0.8}
                  stroke="var(--panel)"
                  data-run-id={p.run.id}
                  data-testid="scatter-point"
                >
                  <title>{`${p.run.name}\nparams.${param}: ${p.raw}\n${metricKey}: ${formatNumber(p.y)}`}</title>
                </circle>
              ))}
            </ScatterFrame>
          )
        )}
      </div>
    </div>
  );
}
