/** The run filter: MLflow search grammar, with autocomplete of the keys seen in the loaded runs. */
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';

interface Props {
  value: string;
  keys: string[];
  /** Marks the field invalid (the page shows the message below the toolbar). */
  error?: string;
  onSubmit(filter: string): void;
}

/** The identifier being typed at the caret, if any (not inside a quoted value). */
function tokenAt(text: string, caret: number): { start: number; token: string } | null {
  const before = text.slice(0, caret);
  const quotes = (before.match(/'/g) ?? []).length;
  if (quotes % 2 === 1) return null;
  const m = /[A-Za-z_.`"\-0-9]*$/.exec(before);
  if (!m || !m[0]) return null;
  return { start: caret - m[0].length, token: m[0] };
}

export function FilterBox({ value, keys, error, onSubmit }: Props) {
  const [text, setText] = useState(value);
  const [caret, setCaret] = useState(0);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  /** Where the caret goes once an accepted suggestion is in the field; `accepted` counts them. */
  const caretAfterAccept = useRef<number | null>(null);
  const [accepted, setAccepted] = useState(0);
  useEffect(() => setText(value), [value]);
  // Placed as soon as the accepted text is rendered, before the next key is handled: placed later
  // (a frame later, on a busy machine), it moved the caret back into what had been typed since.
  useLayoutEffect(() => {
    const pos = caretAfterAccept.current;
    if (pos === null) return;
    caretAfterAccept.current = null;
    input.current?.setSelectionRange(pos, pos);
    setCaret(pos);
  }, [accepted]);

  const tok = tokenAt(text, caret);
  const needle = tok?.token.toLowerCase().replace(/[`"]/g, '') ?? '';
  const suggestions =
    open && tok
      ? keys
          .filter((k) => {
            const plain = k.toLowerCase().replace(/`/g, '');
            return (
              plain !== needle &&
              (plain.startsWith(needle) || plain.split('.').slice(1).join('.').startsWith(needle))
            );
          })
          .slice(0, 12)
      : [];

  const accept = (key: string) => {
    if (!tok) return;
    const next = `${text.slice(0, tok.start)}${key} ${text.slice(caret)}`;
    caretAfterAccept.current = tok.start + key.length + 1;
    setAccepted((n) => n + 1);
    setText(next);
    setOpen(false);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (suggestions.length) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const d = e.key === 'ArrowDown' ? 1 : -1;
        setActive((a) => (a + d + suggestions.length) % suggestions.length);
        return;
      }
      if (e.key === 'Tab' || (e.key === 'Enter' && active >= 0)) {
        e.preventDefault();
        accept(suggestions[Math.min(active, suggestions.length - 1)]!);
        return;
      }
      if (e.key === 'Escape') {
        setOpen(false);
        return;
      }
    }
    if (e.key === 'Enter') {
      e.preventDefault();
      setOpen(false);
      onSubmit(text.trim());
    }
  };

  return (
    <div className="filter-wrap">
      <div className="row">
        <input
          ref={input}
          type="search"
          value={text}
          placeholder="Filter runs, e.g. metrics.loss < 0.5 AND params.optimizer = 'adam'"
          spellCheck={false}
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart ?? e.target.value.length);
            setOpen(true);
            setActive(0);
            if (!e.target.value && value) onSubmit('');
          }}
          onKeyDown={onKeyDown}
          onClick={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          data-testid="run-filter"
          aria-label="Filter runs"
          aria-invalid={Boolean(error)}
        />
        <button onClick={() => onSubmit(text.trim())} data-testid="apply-filter">
          Search
        </button>
      </div>
      {suggestions.length > 0 && (
        <div className="popover suggest" role="listbox" data-testid="filter-suggestions">
          {suggestions.map((s, i) => (
            <div
              key={s}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'on' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                accept(s);
              }}
            >
              {s}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
