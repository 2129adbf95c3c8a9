/** Chooses which params, metrics and tags are shown as runs table columns. */
import { useEffect, useRef, useState } from 'react';
import { isSystemTag } from '../../app/tags';

interface Props {
  keys: { metrics: string[]; params: string[]; tags: string[] };
  chosen: string[];
  onChange(ids: string[]): void;
}

export function ColumnPicker({ keys, chosen, onChange }: Props) {
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState('');
  const [showSystem, setShowSystem] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => box.current && !box.current.contains(e.target as Node) && setOpen(false);
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);

  const set = new Set(chosen);
  const toggle = (id: string) => onChange(set.has(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const match = (k: string) => k.toLowerCase().includes(q.toLowerCase());
  const systemCount = keys.tags.filter(isSystemTag).length;
  const groups: [string, string, string[]][] = [
    ['Metrics', 'metric', keys.metrics],
    ['Parameters', 'param', keys.params],
    ['Tags', 'tag', showSystem ? keys.tags : keys.tags.filter((k) => !isSystemTag(k))],
  ];
  // Enter adds the first key matching the search that is not shown yet (pick a metric by name).
  const addFirstMatch = () => {
    for (const [, kind, list] of groups) {
      const k = list.find((key) => match(key) && !set.has(`${kind}:${key}`));
      if (k !== undefined) return toggle(`${kind}:${k}`);
    }
  };
  return (
    <div style={{ position: 'relative' }} ref={box}>
      <button onClick={() => setOpen(!open)} data-testid="column-picker">
        Columns <span className="pill">{chosen.length}</span>
      </button>
      {open && (
        <div className="popover picker" data-testid="column-picker-menu">
          <div style={{ padding: 10, borderBottom: '1px solid var(--border)' }} className="row">
            <input
              type="search"
              placeholder="Find a key"
              value={q}
              onChange={(e) => setQ(e.target.value)}
              onKeyDown={(e) => e.key === 'Enter' && q && addFirstMatch()}
              style={{ flex: 1 }}
              autoFocus
              data-testid="column-search"
            />
            <button className="small ghost" onClick={() => onChange([])}>
              Clear
            </button>
          </div>
          <div className="list">
            {groups.map(([label, kind, list]) => {
              const shown = list.filter(match);
              if (!shown.length) return null;
              return (
                <div key={kind}>
                  <div className="group">{label}</div>
                  {shown.map((k) => {
                    const id = `${kind}:${k}`;
                    return (
                      <label key={id} className="check">
                        <input
                          type="checkbox"
                          checked={set.has(id)}
                          onChange={() => toggle(id)}
                          data-column-option={id}
                        />
                        <span className="ellipsis mono small">{k}</span>
                      </label>
                    );
                  })}
                </div>
              );
            })}
            {systemCount > 0 && (
              <label className="check small muted" style={{ marginTop: 6 }}>
                <input
                  type="checkbox"
                  checked={showSystem}
                  onChange={() => setShowSystem(!showSystem)}
                  data-testid="show-system-tag-columns"
                />
                Show {systemCount} system tags (mlflow.*, cairn.*)
              </label>
            )}
            {!keys.metrics.length && !keys.params.length && !keys.tags.length && (
              <p className="muted small">No params, metrics or tags logged yet.</p>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
