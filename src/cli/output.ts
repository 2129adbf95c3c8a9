/**
 * Shared CLI output helpers: aligned tables, JSON output and a byte progress bar.
 *
 * Stable API used by every command group:
 *   printTable(rows, columns, options?)   aligned text table on stdout
 *   printJson(value)                      pretty JSON on stdout (for `--json`)
 *   printKeyValues(pairs)                 "key: value" block for `get`/`describe` commands
 *   createProgressBar(label, totalBytes)  progress bar on stderr (drawn only when stderr is a TTY)
 *   formatBytes / formatTimestamp / formatDuration   cell formatters
 */
import type { Writable } from 'node:stream';

/** A column: a row key, or a key with a header, a formatter and an optional width cap. */
export type Column<Row = Record<string, unknown>> =
  | string
  | {
      key: string;
      header?: string;
      /** Turns the row into the cell text; defaults to `String(row[key] ?? '')`. */
      format?: (row: Row) => string;
      align?: 'left' | 'right';
      /** Longer cells are cut with an ellipsis so one long value does not break the layout. */
      maxWidth?: number;
    };

export interface TableOptions {
  out?: Writable;
  /** Printed instead of an empty table (e.g. "No runs found."). */
  emptyMessage?: string;
}

interface NormalizedColumn<Row> {
  header: string;
  format: (row: Row) => string;
  align: 'left' | 'right';
  maxWidth: number;
}

function normalize<Row>(column: Column<Row>): NormalizedColumn<Row> {
  if (typeof column === 'string') {
    return { header: column, format: (row) => cellText(row, column), align: 'left', maxWidth: Infinity };
  }
  const key = column.key;
  return {
    header: column.header ?? key,
    format: column.format ?? ((row) => cellText(row, key)),
    align: column.align ?? 'left',
    maxWidth: column.maxWidth ?? Infinity,
  };
}

function cellText(row: unknown, key: string): string {
  const value = (row as Record<string, unknown>)[key];
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function truncate(text: string, width: number): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ');
  if (oneLine.length <= width) return oneLine;
  return width <= 1 ? oneLine.slice(0, width) : `${oneLine.slice(0, width - 1)}…`;
}

/** Renders rows as an aligned table (header, dashes, rows) and returns the text. */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cols = columns.map((c) => normalize(c));
  const cells = rows.map((row) => cols.map((c) => truncate(c.format(row), c.maxWidth)));
  const widths = cols.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => (cols[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [
    line(cols.map((c) => c.header)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map((r) => line(r)),
  ];
  return `${out.join('\n')}\n`;
}

export function printTable<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  options: TableOptions = {},
): void {
  const out = options.out ?? process.stdout;
  if (rows.length === 0 && options.emptyMessage !== undefined) {
    out.write(`${options.emptyMessage}\n`);
    return;
  }
  out.write(renderTable(rows, columns));
}

export function printJson(value: unknown, out: Writable = process.stdout): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints `key: value` lines with the keys aligned; nested objects are printed as JSON. */
export function printKeyValues(
  pairs: Record<string, unknown> | [string, unknown][],
  out: Writable = process.stdout,
): void {
  const entries = Array.isArray(pairs) ? pairs : Object.entries(pairs);
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  for (const [key, value] of entries) {
    const text =
      value === undefined || value === null
        ? ''
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
    out.write(`${`${key}:`.padEnd(width + 1)} ${text}\n`);
  }
}

export function formatBytes(bytes: number | undefined | null): string {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes)) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Milliseconds since the epoch → `YYYY-MM-DD HH:MM:SS` (UTC); empty for missing values. */
export function formatTimestamp(ms: number | string | undefined | null): string {
  if (ms === undefined || ms === null || ms === '') return '';
  const n = Number(ms);
  if (!Number.isFinite(n) || n <= 0) return '';
  return new Date(n).toISOString().replace('T', ' ').slice(0, 19);
}

export function formatDuration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${Math.round(s % 60)}s`;
  return `${Math.floor(m / 60)}h${m % 60}m`;
}

export interface ProgressBar {
  /** Sets the number of bytes done so far. */
  update(doneBytes: number): void;
  /** Adds bytes to the count done. */
  tick(deltaBytes: number): void;
  /** Grows the total (e.g. when more files are discovered). */
  addTotal(bytes: number): void;
  /** Draws the final state and moves to the next line. */
  done(): void;
}

export interface ProgressBarOptions {
  /** Where to draw; defaults to stderr so stdout stays machine-readable. */
  stream?: NodeJS.WriteStream | Writable;
  /** Draw even when the stream is not a TTY (tests); default: only on a TTY. */
  force?: boolean;
  /** Minimum milliseconds between redraws. */
  intervalMs?: number;
}

/**
 * A byte progress bar on stderr. On a non-TTY stream it draws nothing (logs and pipes stay clean);
 * the caller can still use it unconditionally.
 */
export function createProgressBar(
  label: string,
  totalBytes: number,
  options: ProgressBarOptions = {},
): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const isTty = Boolean((stream as NodeJS.WriteStream).isTTY);
  const enabled = options.force ?? isTty;
  const intervalMs = options.intervalMs ?? 100;
  const started = Date.now();
  let total = totalBytes;
  let done = 0;
  let lastDraw = 0;
  let finished = false;

  const draw = (final: boolean): void => {
    if (!enabled) return;
    const now = Date.now();
    if (!final && now - lastDraw < intervalMs) return;
    lastDraw = now;
    const columns = (stream as NodeJS.WriteStream).columns ?? 80;
    const fraction = total > 0 ? Math.min(1, done / total) : final ? 1 : 0;
    const elapsed = (now - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const stats = ` ${(fraction * 100).toFixed(0).padStart(3)}% ${formatBytes(done)}/${formatBytes(total)} ${formatBytes(rate)}/s`;
    const barWidth = Math.max(10, Math.min(40, columns - label.length - stats.length - 4));
    const filled = Math.round(fraction * barWidth);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`;
    const text = `${label} ${bar}${stats}`;
    stream.write(isTty ? `\r${text}\x1b[K${final ? '\n' : ''}` : `${text}\n`);
  };

  return {
    update(doneBytes) {
      done = doneBytes;
      draw(false);
    },
    tick(deltaBytes) {
      done += deltaBytes;
      draw(false);
    },
    addTotal(bytes) {
      total += bytes;
    },
    done() {
      if (finished) return;
      finished = true;
      draw(true);
    },
  };
}
