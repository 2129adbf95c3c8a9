/** Scatter plot (SVG) of any two columns across the compared runs. */
import { useWidth } from '../../app/hooks';
import type { RunRow } from '../runs/columns';
import { display, numericValues, rawValue, ticks } from './compare-data';

const HEIGHT = 340;
const PAD = { top: 16, bottom: 44, left: 64, right: 20 };

export function ScatterPlot({
  rows,
  x,
  y,
  xLabel,
  yLabel,
}: {
  rows: RunRow[];
  x: string;
  y: string;
  xLabel: string;
  yLabel: string;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const xs = numericValues(rows, x);
  const ys = numericValues(rows, y);
  if (!xs || !ys) {
    return (
      <div ref={ref} className="muted" data-testid="scatter-plot">
        Both columns must be numeric to plot them ({!xs ? xLabel : yLabel} has text values).
      </div>
    );
  }
  const pts = rows
    .map((r, i) => ({ r, x: xs[i], y: ys[i] }))
    .filter((p): p is { r: RunRow; x: number; y: number } => p.x !== undefined && p.y !== undefined);
  const range = (vals: number[]): [number, number] => {
    if (!vals.length) return [0, 1];
    let lo = Math.min(...vals);
    let hi = Math.max(...vals);
    if (lo === hi) {
      lo -= Math.abs(lo) * 0.1 || 1;
      hi += Math.abs(hi) * 0.1 || 1;
    }
    const pad = (hi - lo) * 0.06;
    return [lo - pad, hi + pad];
  };
  const [x0, x1] = range(pts.map((p) => p.x));
  const [y0, y1] = range(pts.map((p) => p.y));
  const w = Math.max(0, width - PAD.left - PAD.right);
  const h = HEIGHT - PAD.top - PAD.bottom;
  const sx = (v: number) => PAD.left + ((v - x0) / (x1 - x0)) * w;
  const sy = (v: number) => PAD.top + h - ((v - y0) / (y1 - y0)) * h;
  return (
    <div ref={ref} data-testid="scatter-plot" data-points={pts.length}>
      {width > 0 && (
        <svg width={width} height={HEIGHT} className="plot-svg">
          {ticks(x0, x1).map((t) => (
            <g key={`x${t}`} transform={`translate(${sx(t)},0)`}>
              <line y1={PAD.top} y2={PAD.top + h} stroke="var(--grid)" />
              <text y={PAD.top + h + 16} textAnchor="middle" className="tick">
                {display(t)}
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
          <text x={PAD.left + w / 2} y={HEIGHT - 6} textAnchor="middle" className="axis-title">
            {xLabel}
          </text>
          <text
            transform={`translate(14,${PAD.top + h / 2}) rotate(-90)`}
            textAnchor="middle"
            className="axis-title"
          >
            {yLabel}
          </text>
          {pts.map((p) => (
            <circle
              key={p.r.id}
              cx={sx(p.x)}
              cy={sy(p.y)}
              r={5.5}
              fill="var(--accent)"
              fillOpacity={0.75}
              stroke="var(--panel)"
              data-run-id={p.r.id}
            >
              <title>{`${p.r.run.info.run_name}\n${xLabel}: ${display(rawValue(p.r, x))}\n${yLabel}: ${display(rawValue(p.r, y))}`}</title>
            </circle>
          ))}
        </svg>
      )}
    </div>
  );
}
