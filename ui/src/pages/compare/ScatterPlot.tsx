/** Scatter plot (SVG) of any two columns across the compared runs. */
import { useWidth } from '../../app/hooks';
import type { RunRow } from '../runs/columns';
import { display, numericValues, rawValue } from './compare-data';
import { paddedRange, ScatterFrame, scatterScales } from './ScatterFrame';

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
  const xRange = paddedRange(pts.map((p) => p.x));
  const yRange = paddedRange(pts.map((p) => p.y));
  const { sx, sy } = scatterScales(width, HEIGHT, PAD, xRange, yRange);
  return (
    <div ref={ref} data-testid="scatter-plot" data-points={pts.length}>
      {width > 0 && (
        <ScatterFrame
          width={width}
          height={HEIGHT}
          pad={PAD}
          xRange={xRange}
          yRange={yRange}
          xTitle={xLabel}
          yTitle={yLabel}
        >
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
        </ScatterFrame>
      )}
    </div>
  );
}
