/**
 * The charts' legend: one entry per run; clicking an entry hides or shows that run in every panel,
 * its pin button pins it (drawn thicker, on top, listed first). A long legend (hundreds of runs)
 * starts collapsed to its first entries and can be searched.
 */
import { useState } from 'react';
import { LEGEND_COLLAPSED, type ChartRun } from './chart-data';

interface Props {
  runs: ChartRun[];
  hidden: ReadonlySet<string>;
  onToggle(id: string): void;
  onShowAll(): void;
  /** Pinned runs, and how to pin or unpin one (absent: entries have no pin button, e.g. groups). */
  pinned?: ReadonlySet<string>;
  onPin?(id: string): void;
}

export function ChartLegend({ runs: given, hidden, onToggle, onShowAll, pinned, onPin }: Props) {
  const runs = pinned?.size
    ? [...given.filter((r) => pinned.has(r.id)), ...given.filter((r) => !pinned.has(r.id))]
    : given;
  const [expanded, setExpanded] = useState(false);
  const [q, setQ] = useState('');
  const long = runs.length > LEGEND_COLLAPSED;
  const needle = q.trim().toLowerCase();
  const matching = needle ? runs.filter((r) => r.name.toLowerCase().includes(needle)) : runs;
  const shown = long && !expanded && !needle ? matching.slice(0, LEGEND_COLLAPSED) : matching;
  return (
    <div className="legend-box" data-testid="chart-legend" data-runs={runs.length}>
      {long && (
        <div className="row small" style={{ gap: 8, marginBottom: 6 }}>
          <input
            type="search"
            placeholder={`Find among ${runs.length} runs`}
            value={q}
            onChange={(e) => setQ(e.target.value)}
            data-testid="legend-search"
            aria-label="Find a run in the legend"
          />
          {!needle && (
            <button
              className="small ghost"
              onClick={() => setExpanded(!expanded)}
              data-testid="legend-expand"
            >
              {expanded ? 'Show fewer' : `Show all ${runs.length} runs`}
            </button>
          )}
        </div>
      )}
      <div className="legend row">
        {shown.map((r) => {
          const off = hidden.has(r.id);
          const isPinned = pinned?.has(r.id) ?? false;
          return (
            <span key={r.id} className={`legend-entry ${isPinned ? 'pinned' : ''}`}>
              <button
                className={`legend-item small ${off ? 'off' : ''}`}
                onClick={() => onToggle(r.id)}
                title={`${r.name} — click to ${off ? 'show' : 'hide'}`}
                aria-pressed={!off}
                data-testid="legend-item"
                data-run-id={r.id}
              >
                <span className="swatch" style={{ background: r.color }} />
                {r.name}
              </button>
              {onPin && (
                <button
                  className="legend-pin small ghost"
                  onClick={() => onPin(r.id)}
                  title={isPinned ? `Unpin ${r.name}` : `Pin ${r.name}: thicker, on top, listed first`}
                  aria-label={isPinned ? `Unpin ${r.name}` : `Pin ${r.name}`}
                  aria-pressed={isPinned}
                  data-testid="legend-pin"
                  data-run-id={r.id}
                >
                  {isPinned ? '★' : '☆'}
                </button>
              )}
            </span>
          );
        })}
        {needle && !matching.length && <span className="muted small">No run matches “{q}”.</span>}
        {long && !expanded && !needle && (
          <span className="muted small" data-testid="legend-more">
            … and {runs.length - LEGEND_COLLAPSED} more
          </span>
        )}
        {hidden.size > 0 && (
          <button className="small ghost" onClick={onShowAll} data-testid="legend-show-all">
            Show {hidden.size} hidden
          </button>
        )}
      </div>
    </div>
  );
}
