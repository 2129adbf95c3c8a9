/**
 * Scatter panel of one metric (each run's last value) against a param: a numeric x axis when every
 * value of the param is a number, one column per value otherwise (values in name order, points
 * spread a little sideways so that equal values stay visible).
 */
import { useWidth } from '../../app/hooks';
import { formatNumber, toNumber } from '../../app/format';
import { display, ticks } from '../compare/compare-data';
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

function padRange(lo: number, hi: number): [number, number] {
  if (lo === hi) {
    const d = Math.abs(lo) * 0.1 || 1;
    return [lo - d, hi + d];
  }
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
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
  const w = Math.max(0, width - PAD.left - PAD.right);
  const h = HEIGHT - PAD.top - PAD.bottom;
  const [y0, y1] = padRange(Math.min(...points.map((p) => p.y)), Math.max(...points.map((p) => p.y)));
  const [x0, x1] = numeric
    ? padRange(Math.min(...points.map((p) => Number(p.raw))), Math.max(...points.map((p) => Number(p.raw))))
    : [0, 1];
  const band = categories.length ? w / categories.length : w;
  const sy = (v: number) => PAD.top + h - ((v - y0) / (y1 - y0)) * h;
  // Categorical: the band's centre, spread by a stable offset per point within the band.
  const sx = (p: Point, i: number) =>
    numeric
      ? PAD.left + ((Number(p.raw) - x0) / (x1 - x0)) * w
      : PAD.left + band * (categories.indexOf(p.raw) + 0.5) + (((i * 37) % 11) - 5) * Math.min(3, band / 40);
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
            <svg width={width} height={HEIGHT} className="plot-svg">
              {numeric
                ? ticks(x0, x1).map((t) => (
                    <g key={`x${t}`} transform={`translate(${PAD.left + ((t - x0) / (x1 - x0)) * w},0)`}>
                      <line y1={PAD.top} y2={PAD.top + h} stroke="var(--grid)" />
                      <text y={PAD.top + h + 16} textAnchor="middle" className="tick" data-testid="x-tick">
                        {display(t)}
                      </text>
                    </g>
                  ))
                : categories.map((c, i) => (
                    <g key={`c${c}`} transform={`translate(${PAD.left + band * (i + 0.5)},0)`}>
                      <line y1={PAD.top} y2={PAD.top + h} stroke="var(--grid)" />
                      <text y={PAD.top + h + 16} textAnchor="middle" className="tick" data-testid="x-tick">
                        {c.length > 14 ? `${c.slice(0, 13)}…` : c}
                      </text>
                    </g>
                  ))}
              {ticks(y0, y1).map((t) => (
                <g key={`y${t}`} transform={`translate(0,${sy(t)})`}>
                  <line x1={PAD.left} x2={PAD.left + w} stroke="var(--grid)" />
                  <text x={PAD.left - 8} dy="0.32em" textAnchor="end" className="tick">
                    {display(t)}
                  </text>
                </g>
              ))}
              <rect x={PAD.left} y={PAD.top} width={w} height={h} fill="none" stroke="var(--border-strong)" />
              <text x={PAD.left + w / 2} y={HEIGHT - 4} textAnchor="middle" className="axis-title">
                params.{param}
              </text>
              {points.map((p, i) => (
                <circle
                  key={p.run.id}
                  cx={sx(p, i)}
                  cy={sy(p.y)}
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
            </svg>
          )
        )}
      </div>
    </div>
  );
}
