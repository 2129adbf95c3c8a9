/**
 * Where system metrics come from. Names follow MLflow's system metrics (logged under `system/`),
 * so charts and queries written for MLflow runs work on Cairn runs too.
 */
import { execFile } from 'node:child_process';
import { statfs } from 'node:fs/promises';
import { parse } from 'node:path';
import si from 'systeminformation';

/** One reading: metric name (without the `system/` prefix) → value. */
export type Sample = Record<string, number>;

export interface SystemMetricsSource {
  readonly name: string;
  sample(): Promise<Sample>;
}

const MB = 1e6;

/** CPU utilisation, memory, disk of the root file system and network totals of this machine. */
export function hostSource(diskPath = parse(process.cwd()).root): SystemMetricsSource {
  // The first load reading covers the time since boot; take it now so samples cover their interval.
  void si.currentLoad().catch(() => undefined);
  return {
    name: 'host',
    async sample() {
      const [load, mem, disk, net] = await Promise.all([
        si.currentLoad(),
        si.mem(),
        statfs(diskPath),
        si.networkStats('*'),
      ]);
      // "Used" as the operating system reports memory pressure: total minus what is available.
      const used = mem.total - mem.available;
      const diskTotal = disk.blocks * disk.bsize;
      const diskFree = disk.bavail * disk.bsize;
      const diskUsed = diskTotal - disk.bfree * disk.bsize;
      return {
        cpu_utilization_percentage: load.currentLoad,
        system_memory_usage_megabytes: Math.trunc(used / MB),
        system_memory_usage_percentage: (used / mem.total) * 100,
        disk_usage_percentage: diskTotal > 0 ? (diskUsed / (diskUsed + diskFree)) * 100 : 0,
        disk_usage_megabytes: Math.trunc(diskUsed / MB),
        disk_available_megabytes: Math.trunc(diskFree / MB),
        network_receive_megabytes: Math.trunc(net.reduce((n, i) => n + i.rx_bytes, 0) / MB),
        network_transmit_megabytes: Math.trunc(net.reduce((n, i) => n + i.tx_bytes, 0) / MB),
      };
    },
  };
}

const GPU_QUERY = 'utilization.gpu,memory.used,memory.total,power.draw,power.limit';

function runNvidiaSmi(bin: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      bin,
      [`--query-gpu=${GPU_QUERY}`, '--format=csv,noheader,nounits'],
      { timeout: 5000 },
      (err, out) => (err ? reject(err) : resolve(out)),
    ),
  );
}

/** Parses `nvidia-smi --query-gpu=… --format=csv,noheader,nounits`: one line per GPU. */
export function parseNvidiaSmi(output: string): Sample {
  const sample: Sample = {};
  output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .forEach((line, i) => {
      const [util, memUsed, memTotal, power, powerLimit] = line.split(',').map((v) => Number(v.trim()));
      // Fields a GPU does not report come back as "[N/A]" and are left out.
      const put = (key: string, value: number | undefined) => {
        if (value !== undefined && Number.isFinite(value)) sample[`gpu_${i}_${key}`] = value;
      };
      put('utilization_percentage', util);
      put('memory_usage_megabytes', memUsed !== undefined ? (memUsed * 1024 * 1024) / MB : undefined);
      put(
        'memory_usage_percentage',
        memUsed !== undefined && memTotal ? (memUsed / memTotal) * 100 : undefined,
      );
      put('power_usage_watts', power);
      put(
        'power_usage_percentage',
        power !== undefined && powerLimit ? (power / powerLimit) * 100 : undefined,
      );
    });
  return sample;
}

/**
 * NVIDIA GPUs through `nvidia-smi`, or undefined when the command is missing or answers nothing
 * (no GPU metrics are logged then, as in MLflow).
 */
export async function nvidiaSource(bin = 'nvidia-smi'): Promise<SystemMetricsSource | undefined> {
  const first = await runNvidiaSmi(bin).catch(() => '');
  if (Object.keys(parseNvidiaSmi(first)).length === 0) return undefined;
  return { name: 'nvidia-gpu', sample: async () => parseNvidiaSmi(await runNvidiaSmi(bin)) };
}
