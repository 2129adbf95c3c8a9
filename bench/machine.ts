/** A one-line description of the machine and date, for recorded benchmark results. */
import { readFile } from 'node:fs/promises';
import os from 'node:os';

export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const mem = (os.totalmem() / 2 ** 30).toFixed(0);
  return `${new Date().toISOString().slice(0, 10)} · ${os.cpus().length} × ${cpu} · ${mem} GiB RAM · Node ${process.version} · ${os.platform()} ${os.release()}`;
}

/**
 * User + system CPU seconds a process has used, from /proc/<pid>/stat (clock ticks of 1/100 s):
 * CPU per call means something on a shared machine, where throughput depends on other work.
 */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Percentile of an unsorted list of numbers (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}
