/**
 * The frame of an SVG scatter plot: grid lines and tick labels of both axes (a numeric x axis, or
 * one column per category), the plot border and the axis titles. The compare page's scatter and
 * the charts' param scatter draw their points inside it with the scales of `scatterScales`.
 */
import type { ReactNode } from 'react';
import { display, ticks } from './compare-data';

export interface PlotPad {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The values' range with 6 % room on each side (a single value gets ±10 % first). */
export function paddedRange(values: number[]): [number, number] {
  if (!values.length) return [0, 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= Math.abs(lo) * 0.1 || 1;
    hi += Math.abs(hi) * 0.1 || 1;
  }
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

export interface ScatterScales {
  /** Plot area size inside the padding. */
  w: number;
  h: number;
  /** Pixel x of a number on a numeric axis. */
  sx(v: number): number;
  sy(v: number): number;
  /** Width of one category's column (categorical x axis). */
  band: number;
  /** Pixel x of the centre of category `i`'s column. */
  column(i: number): number;
}

export function scatterScales(
  width: number,
  height: number,
  pad: PlotPad,
  [x0, x1]: [number, number],
  [y0, y1]: [number, number],
  categories = 0,
): ScatterScales {
  const w = Math.max(0, width - pad.left - pad.right);
  const h = height - pad.top - pad.bottom;
  const band = categories ? w / categories : w;
  return {
    w,
    h,
    sx: (v) => pad.left + ((v - x0) / (x1 - x0)) * w,
    sy: (v) => pad.top + h - ((v - y0) / (y1 - y0)) * h,
    band,
    column: (i) => pad.left + band * (i + 0.5),
  };
}

export function ScatterFrame({
  width,
  height,
  pad,
  xRange,
  yRange,
  categories,
  xTitle,
  yTitle,
  children,
}: {
  width: number;
  height: number;
  pad: PlotPad;
  xRange: [number, number];
  yRange: [number, number];
  /** Category names of a categorical x axis, in column order (absent: numeric). */
  categories?: string[];
  xTitle: string;
  yTitle?: string;
  /** The points. */
  children: ReactNode;
}) {
  const s = scatterScales(width, height, pad, xRange, yRange, categories?.length);
  const xTicks = categories
    ? categories.map((c, i) => ({
        key: `c${c}`,
        at: s.column(i),
        label: c.length > 14 ? `${c.slice(0, 13)}…` : c,
      }))
    : ticks(xRange[0], xRange[1]).map((t) => ({ key: `x${t}`, at: s.sx(t), label: display(t) }));
  return (
    <svg width={width} height={height} className="plot-svg">
      {xTicks.map((t) => (
        <g key={t.key} transform={`translate(${t.at},0)`}>
          <line y1={pad.top} y2={pad.top + s.h} stroke="var(--grid)" />
          <text y={pad.top + s.h + 16} textAnchor="middle" className="tick" data-testid="x-tick">
            {t.label}
          </text>
        </g>
      ))}
      {ticks(yRange[0], yRange[1]).map((t) => (
        <g key={`y${t}`} transform={`translate(0,${s.sy(t)})`}>
          <line x1={pad.left} x2={pad.left + s.w} stroke="var(--grid)" />
          <text x={pad.left - 8} dy="0.32em" textAnchor="end" className="tick">
            {display(t)}
          </text>
        </g>
      ))}
      <rect x={pad.left} y={pad.top} width={s.w} height={s.h} fill="none" stroke="var(--border-strong)" />
      <text x={pad.left + s.w / 2} y={height - 5} textAnchor="middle" className="axis-title">
        {xTitle}
      </text>
      {yTitle && (
        <text
          transform={`translate(14,${pad.top + s.h / 2}) rotate(-90)`}
          textAnchor="middle"
          className="axis-title"
        >
          {yTitle}
        </text>
      )}
      {children}
    </svg>
  );
}
