/** A one-line description of the machine and date, for recorded benchmark results. */
import { readdir, readFile } from 'node:fs/promises';
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

/**
 * User + system CPU seconds used so far by every process whose command name is one of `names`
 * (e.g. the `postgres` server and its backends, or `mariadbd`): the database server's share of a
 * workload, taken as a difference over a phase. Processes that end during the phase drop out, and
 * other clients of the same server count too, so compare phases run back to back.
 */
export async function processesCpuSeconds(names: readonly string[]): Promise<number> {
  let total = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (open < 0 || !names.includes(stat.slice(open + 1, close))) continue;
    const fields = stat.slice(close + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return total;
}

/** Percentile of an unsorted list of numbers (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}
