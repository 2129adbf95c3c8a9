/** Display formatting shared by every page. */

export function formatTime(ms: number | undefined): string {
  if (!ms) return '—';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatRelative(ms: number | undefined, now = Date.now()): string {
  if (!ms) return '—';
  const s = Math.round((now - ms) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 86400 * 30) return `${Math.floor(s / 86400)} d ago`;
  return formatTime(ms).slice(0, 10);
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || ms < 0 || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m - h * 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Run duration: end − start, or now − start while the run is still going. */
export function runDuration(
  start: number | undefined,
  end: number | undefined,
  status: string,
): number | undefined {
  if (!start) return undefined;
  if (end) return end - start;
  return status === 'RUNNING' ? Date.now() - start : undefined;
}

/**
 * How ±Infinity comes back from the server: SQL stores cannot hold an infinity, so MLflow stores
 * and returns the largest double in its place (and the UI reads it back as an infinity).
 */
export const MAX_FLOAT = 1.7976931348623157e308;

/** A metric value as a number: the API's "NaN" and "Infinity" strings and ±MAX_FLOAT read as NaN and ±Infinity. */
export function toNumber(v: number | string | undefined): number {
  if (v === undefined) return NaN;
  const n = typeof v === 'number' ? v : Number(v);
  return Math.abs(n) >= MAX_FLOAT ? n * Infinity : n;
}

export function formatNumber(v: number | string | undefined): string {
  const n = toNumber(v);
  if (Number.isNaN(n)) return v === undefined ? '—' : 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '−∞';
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  const a = Math.abs(n);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return n.toExponential(4);
  return String(Number(n.toPrecision(6)));
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Basename of a source path or URI, for compact table cells. */
export function shortSource(name: string | undefined): string {
  if (!name) return '';
  const trimmed = name.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || trimmed;
}
