/** Parallel coordinates (SVG): one axis per chosen column, one line per run colored by the metric. */
import { useState } from 'react';
import { useWidth } from '../../app/hooks';
import type { RunRow } from '../runs/columns';
import { display, numericValues, ramp, rawValue, ticks } from './compare-data';

const HEIGHT = 340;
const PAD = { top: 34, bottom: 26, left: 50, right: 70 };

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
  const axes = columns.map((c) => buildAxis(rows, c.id, c.label));
  const colorAxis = colorBy ? axes.find((a) => a.id === colorBy) : axes[axes.length - 1];
  const plotW = Math.max(0, width - PAD.left - PAD.right);
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const xAt = (i: number) => PAD.left + (axes.length === 1 ? plotW / 2 : (plotW * i) / (axes.length - 1));
  const yAt = (p: number) => PAD.top + plotH * (1 - p);

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
            return (
              <polyline
                key={r.id}
                points={pts.join(' ')}
                fill="none"
                stroke={c === undefined ? 'var(--text-3)' : ramp(c)}
                strokeWidth={hover === ri ? 3.5 : 1.8}
                strokeOpacity={hover === null || hover === ri ? 0.9 : 0.2}
                onMouseEnter={() => setHover(ri)}
                onMouseLeave={() => setHover(null)}
                data-run-id={r.id}
              >
                <title>{`${r.run.info.run_name}\n${axes.map((a) => `${a.label}: ${display(rawValue(r, a.id))}`).join('\n')}`}</title>
              </polyline>
            );
          })}
          {axes.map((a, ai) => (
            <g key={a.id} transform={`translate(${xAt(ai)},0)`}>
              <line y1={PAD.top} y2={PAD.top + plotH} stroke="var(--border-strong)" strokeWidth={1.5} />
              <text y={PAD.top - 14} textAnchor="middle" className="axis-title">
                {a.label}
              </text>
              {a.tickLabels.map((t, i) => (
                <g key={i} transform={`translate(0,${yAt(t.at)})`}>
                  <line x2={-4} stroke="var(--border-strong)" />
                  <text x={-7} dy="0.32em" textAnchor="end" className="tick">
                    {t.text.length > 10 ? `${t.text.slice(0, 9)}…` : t.text}
                  </text>
                </g>
              ))}
            </g>
          ))}
        </svg>
      )}
      {axes.length < 2 && <p className="muted">Choose at least one parameter and a metric.</p>}
    </div>
  );
}
