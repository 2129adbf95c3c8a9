/**
 * Choosing the charted runs from the charts view: a searchable list of the loaded runs with
 * checkboxes. Ticking a run while none is selected starts from the runs charted by default.
 */
import { useEffect, useRef, useState } from 'react';
import type { RunRow } from '../runs/columns';

/** At most this many matching runs are listed (type to narrow). */
const LIST_LIMIT = 300;

export function ChartRunPicker({
  rows,
  charted,
  onChange,
}: {
  /** The loaded runs to choose from. */
  rows: RunRow[];
  /** Ids of the runs charted now (the selection, or the default first runs). */
  charted: string[];
  onChange(ids: string[]): void;
}) {
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState('');
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', esc);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', esc);
    };
  }, [open]);

  const chosen = new Set(charted);
  const needle = q.trim().toLowerCase();
  const name = (r: RunRow) => r.run.info.run_name || r.id.slice(0, 8);
  const matching = needle
    ? rows.filter((r) => name(r).toLowerCase().includes(needle) || r.id.startsWith(needle))
    : rows;
  const toggle = (id: string) => {
    const next = chosen.has(id) ? charted.filter((x) => x !== id) : [...charted, id];
    onChange(next);
  };
  return (
    <div ref={box} style={{ position: 'relative' }}>
      <button
        className="small"
        onClick={() => setOpen(!open)}
        aria-expanded={open}
        data-testid="chart-run-picker"
      >
        Choose runs ({charted.length})
      </button>
      {open && (
        <div className="popover run-picker" data-testid="run-picker-panel">
          <input
            type="search"
            autoFocus
            placeholder={`Find among ${rows.length} loaded runs`}
            value={q}
            onChange={(e) => setQ(e.target.value)}
            aria-label="Find a run to chart"
            data-testid="run-picker-search"
            style={{ width: '100%' }}
          />
          <div className="row small" style={{ gap: 8, marginTop: 6 }}>
            <button
              className="small ghost"
              onClick={() =>
                onChange(
                  [...new Set([...charted, ...matching.slice(0, 1000).map((r) => r.id)])].slice(0, 1000),
                )
              }
              data-testid="run-picker-all"
            >
              Add {needle ? 'matching' : 'all'} ({Math.min(matching.length, 1000)})
            </button>
            <button className="small ghost" onClick={() => onChange([])} data-testid="run-picker-clear">
              Clear
            </button>
          </div>
          <div className="run-picker-list">
            {matching.slice(0, LIST_LIMIT).map((r) => (
              <label key={r.id} className="small" data-testid="run-picker-item" data-run-id={r.id}>
                <input type="checkbox" checked={chosen.has(r.id)} onChange={() => toggle(r.id)} />
                <span className="ellipsis" title={name(r)}>
                  {name(r)}
                </span>
              </label>
            ))}
            {matching.length > LIST_LIMIT && (
              <div className="muted small">+ {matching.length - LIST_LIMIT} more — type to narrow</div>
            )}
            {!matching.length && <div className="muted small">No loaded run matches “{q}”.</div>}
          </div>
        </div>
      )}
    </div>
  );
}
