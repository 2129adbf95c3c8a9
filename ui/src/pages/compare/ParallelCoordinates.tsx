/**
 * Parallel coordinates (SVG): one axis per chosen column, one line per run coloured by the metric
 * (with a colour legend). Dragging along an axis brushes a range: runs outside every brushed range
 * fade; a click on the axis clears its range.
 */
import { useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { useWidth } from '../../app/hooks';
import { useIsDark } from '../../app/theme';
import type { RunRow } from '../runs/columns';
import { display, numericValues, ramp, rampGradient, rawValue, ticks } from './compare-data';

const HEIGHT = 340;
const PAD = { top: 48, bottom: 26, left: 50, right: 70 };
/** Axis titles alternate between two rows so neighbours do not overlap. */
const TITLE_ROWS = [PAD.top - 12, PAD.top - 28];
const CHAR_PX = 7.2;

interface Axis {
  id: string;
  label: string;
  /** Position in [0, 1] (0 = bottom) for each run; undefined when the run lacks the value. */
  pos: (number | undefined)[];
  tickLabels: { at: number; text: string }[];
}

function buildAxis(rows: RunRow[], id: string, label: string): Axis {
  const nums = numericValues(rows, id);
  if (nums) {
    const present = nums.filter((n): n is number => n !== undefined);
    const min = Math.min(...present);
    const max = Math.max(...present);
    const span = max - min || 1;
    const pos = nums.map((n) => (n === undefined ? undefined : max === min ? 0.5 : (n - min) / span));
    const tickLabels = present.length
      ? ticks(min, max, 4).map((t) => ({ at: max === min ? 0.5 : (t - min) / span, text: display(t) }))
      : [];
    return { id, label, pos, tickLabels };
  }
  const cats = [
    ...new Set(
      rows
        .map((r) => rawValue(r, id))
        .filter((v) => v !== undefined)
        .map(String),
    ),
  ].sort();
  const at = (c: string) => (cats.length === 1 ? 0.5 : cats.indexOf(c) / (cats.length - 1));
  const pos = rows.map((r) => {
    const v = rawValue(r, id);
    return v === undefined ? undefined : at(String(v));
  });
  return { id, label, pos, tickLabels: cats.slice(0, 12).map((c) => ({ at: at(c), text: c })) };
}

export function ParallelCoordinates({
  rows,
  columns,
  colorBy,
}: {
  rows: RunRow[];
  columns: { id: string; label: string }[];
  colorBy?: string;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const [brushes, setBrushes] = useState<Record<string, [number, number]>>({});
  const drag = useRef<{ id: string; from: number } | null>(null);
  const dark = useIsDark();
  const axes = columns.map((c) => buildAxis(rows, c.id, c.label));
  const colorAxis = colorBy ? axes.find((a) => a.id === colorBy) : axes[axes.length - 1];
  const plotW = Math.max(0, width - PAD.left - PAD.right);
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const xAt = (i: number) => PAD.left + (axes.length === 1 ? plotW / 2 : (plotW * i) / (axes.length - 1));
  const yAt = (p: number) => PAD.top + plotH * (1 - p);
  // A position on the axes (0 = bottom); within 3 px of an end it snaps there, so ranges can include the ends.
  const posAt = (clientY: number, svg: SVGSVGElement) => {
    const p = 1 - (clientY - svg.getBoundingClientRect().top - PAD.top) / plotH;
    const snap = 3 / plotH;
    return p >= 1 - snap ? 1 : p <= snap ? 0 : p;
  };
  // Two rows of titles: each title may use about twice the spacing between axes.
  const titleChars = Math.max(
    6,
    Math.floor(((axes.length > 1 ? plotW / (axes.length - 1) : plotW) * 2 - 20) / CHAR_PX),
  );

  const active = axes.filter((a) => brushes[a.id]);
  const inRange = rows.map((_r, ri) =>
    active.every((a) => {
      const p = a.pos[ri];
      const [lo, hi] = brushes[a.id]!;
      return p !== undefined && p >= lo && p <= hi;
    }),
  );
  const shown = inRange.filter(Boolean).length;

  const startBrush = (e: ReactPointerEvent<SVGRectElement>, id: string) => {
    const svg = e.currentTarget.ownerSVGElement!;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { id, from: posAt(e.clientY, svg) };
  };
  const moveBrush = (e: ReactPointerEvent<SVGRectElement>) => {
    const d = drag.current;
    if (!d) return;
    const to = posAt(e.clientY, e.currentTarget.ownerSVGElement!);
    setBrushes((b) => ({ ...b, [d.id]: [Math.min(d.from, to), Math.max(d.from, to)] }));
  };
  const endBrush = (e: ReactPointerEvent<SVGRectElement>) => {
    const d = drag.current;
    drag.current = null;
    if (!d) return;
    const to = posAt(e.clientY, e.currentTarget.ownerSVGElement!);
    // A click (no real drag) clears the axis' range.
    if (Math.abs(to - d.from) * plotH < 4)
      setBrushes((b) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== d.id)));
  };

  const colorValues = colorAxis ? numericValues(rows, colorAxis.id) : null;
  const colorPresent = (colorValues ?? []).filter((v): v is number => v !== undefined);

  return (
    <div ref={ref} data-testid="parallel-coordinates">
      {width > 0 && axes.length >= 2 && (
        <svg width={width} height={HEIGHT} className="plot-svg">
          {rows.map((r, ri) => {
            const pts: string[] = [];
            axes.forEach((a, ai) => {
              const p = a.pos[ri];
              if (p !== undefined) pts.push(`${xAt(ai)},${yAt(p)}`);
            });
            const c = colorAxis?.pos[ri];
            const out = !inRange[ri];
            return (
              <polyline
                key={r.id}
                points={pts.join(' ')}
                fill="none"
                stroke={out || c === undefined ? 'var(--text-3)' : ramp(c, dark)}
                strokeWidth={hover === ri ? 3.5 : 1.8}
                strokeOpacity={out ? 0.15 : hover === null || hover === ri ? 0.9 : 0.25}
                onMouseEnter={() => setHover(ri)}
                onMouseLeave={() => setHover(null)}
                data-run-id={r.id}
                data-out={out ? '1' : '0'}
              >
                <title>{`${r.run.info.run_name}\n${axes.map((a) => `${a.label}: ${display(rawValue(r, a.id))}`).join('\n')}`}</title>
              </polyline>
            );
          })}
          {axes.map((a, ai) => {
            const brush = brushes[a.id];
            const title = a.label.length > titleChars ? `${a.label.slice(0, titleChars - 1)}…` : a.label;
            return (
              <g key={a.id} transform={`translate(${xAt(ai)},0)`} data-testid="pc-axis" data-axis={a.id}>
                <line y1={PAD.top} y2={PAD.top + plotH} stroke="var(--border-strong)" strokeWidth={1.5} />
                <text
                  y={TITLE_ROWS[ai % 2]}
                  textAnchor="middle"
                  className="axis-title"
                  data-testid="pc-title"
                >
                  <title>{a.label}</title>
                  {title}
                </text>
                {a.tickLabels.map((t, i) => (
                  <g key={i} transform={`translate(0,${yAt(t.at)})`}>
                    <line x2={-4} stroke="var(--border-strong)" />
                    <text x={-7} dy="0.32em" textAnchor="end" className="tick">
                      {t.text.length > 10 ? `${t.text.slice(0, 9)}…` : t.text}
                    </text>
                  </g>
                ))}
                {brush && (
                  <rect
                    x={-7}
                    width={14}
                    y={yAt(brush[1])}
                    height={Math.max(1, yAt(brush[0]) - yAt(brush[1]))}
                    className="pc-brush"
                    data-testid="pc-brush"
                  />
                )}
                <rect
                  x={-12}
                  width={24}
                  y={PAD.top}
                  height={plotH}
                  fill="transparent"
                  style={{ cursor: 'crosshair' }}
                  onPointerDown={(e) => startBrush(e, a.id)}
                  onPointerMove={moveBrush}
                  onPointerUp={endBrush}
                  data-testid="pc-brush-area"
                >
                  <title>{`Drag to keep runs in a range of ${a.label}; click to clear`}</title>
                </rect>
              </g>
            );
          })}
        </svg>
      )}
      {axes.length >= 2 && (
        <div className="row small pc-foot">
          {colorAxis && colorPresent.length > 0 && (
            <span className="row" style={{ gap: 6 }} data-testid="pc-color-legend">
              <span className="muted">Colour: {colorAxis.label}</span>
              <span className="mono">{display(Math.min(...colorPresent))}</span>
              <span className="pc-ramp" style={{ background: rampGradient(dark) }} />
              <span className="mono">{display(Math.max(...colorPresent))}</span>
            </span>
          )}
          <span style={{ flex: 1 }} />
          {active.length > 0 ? (
            <>
              <span data-testid="pc-in-range">
                {shown} of {rows.length} runs in range
              </span>
              <button className="small ghost" onClick={() => setBrushes({})} data-testid="pc-clear">
                Clear ranges
              </button>
            </>
          ) : (
            <span className="muted">Drag along an axis to filter a range.</span>
          )}
        </div>
      )}
      {axes.length < 2 && <p className="muted">Choose at least one parameter and a metric.</p>}
    </div>
  );
}
