/** A one-line description of the machine and date, for recorded benchmark results. */
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';

export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const mem = (os.totalmem() / 2 ** 30).toFixed(0);
  return `${new Date().toISOString().slice(0, 10)} · ${os.cpus().length} × ${cpu} · ${mem} GiB RAM · Node ${process.version} · ${os.platform()} ${os.release()}`;
}

/** CPU seconds a process (or several) has used, in user space and in the kernel. */
export interface CpuTimes {
  user: number;
  system: number;
}

/** User and system fields of a /proc/<pid>/stat line (clock ticks of 1/100 s), in seconds. */
function timesFromStat(stat: string): CpuTimes {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/**
 * User and system CPU seconds a process has used, from /proc/<pid>/stat: CPU per call means
 * something on a shared machine, where throughput depends on other work.
 */
export async function cpuTimes(pid: number | string): Promise<CpuTimes> {
  return timesFromStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
}

/** User + system CPU seconds a process has used (see `cpuTimes`). */
export async function cpuSeconds(pid: number): Promise<number> {
  const t = await cpuTimes(pid);
  return t.user + t.system;
}

/**
 * CPU seconds used so far by every process whose command name is one of `names` (e.g.
 * `mariadbd`), as a map by process id: a workload's share is the difference over a phase (see
 * `cpuBetween`). Other clients of the same server count too, so compare phases run back to back.
 */
export async function processesCpuTimes(names: readonly string[]): Promise<Map<string, CpuTimes>> {
  const out = new Map<string, CpuTimes>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (open < 0 || !names.includes(stat.slice(open + 1, close))) continue;
    out.set(entry, timesFromStat(stat));
  }
  return out;
}

/**
 * CPU used between two readings (maps by process id) by the processes alive at the second: a
 * process started meanwhile counts whole; one that ended (a pool closes idle connections) counts
 * nothing, instead of taking its earlier time off the total.
 */
export function cpuBetween(before: Map<string, CpuTimes>, now: Map<string, CpuTimes>): CpuTimes {
  const total = { user: 0, system: 0 };
  for (const [pid, t] of now) {
    const b = before.get(pid);
    total.user += t.user - (b?.user ?? 0);
    total.system += t.system - (b?.system ?? 0);
  }
  return total;
}

/** The whole machine's CPU time so far, all cores, from /proc/stat (clock ticks). */
export interface MachineTicks {
  idle: number;
  total: number;
}

export async function machineTicks(): Promise<MachineTicks> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal (guest times follow, already in user/nice)
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: ticks[3]! + ticks[4]!, total: ticks.reduce((a, b) => a + b, 0) };
}

/** The share of the machine's CPU time left idle between two readings (0..1). */
export function idleShare(before: MachineTicks, after: MachineTicks): number {
  const total = after.total - before.total;
  return total > 0 ? (after.idle - before.idle) / total : NaN;
}

/** Percentile of an unsorted list of numbers (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}
