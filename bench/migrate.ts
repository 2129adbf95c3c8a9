/**
 * `cairn import` throughput and memory: a Cairn export of R runs × 10 metrics × 1,000 steps
 * (plus 5 params and 3 tags per run) is generated, then imported into a fresh SQLite store by a
 * child process that reports its time and peak RSS. Two sizes (R/4 and R) show whether memory
 * grows with the number of runs. BENCH_MIGRATE_RUNS sets R (default 10,000, the target size;
 * the recorded result says which size was really measured).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ExperimentRecord, MetricPoint, RunRecord } from '../src/entities/migration.js';
import { exportDump } from '../src/migrate/dump-writer.js';
import type { MigrationSource } from '../src/migrate/source.js';
import { machineLine } from './machine.js';

const RUNS = Number(process.env.BENCH_MIGRATE_RUNS ?? 10_000);
const KEYS = 10;
const STEPS = 1000;

/** A generated source: nothing is held in memory beyond one batch. */
function syntheticSource(runs: number): MigrationSource {
  const exp: ExperimentRecord = {
    experimentId: '1',
    name: 'bench-import',
    artifactLocation: '',
    lifecycleStage: 'active',
    creationTime: 1_700_000_000_000,
    lastUpdateTime: 1_700_000_000_000,
    tags: [],
  };
  return {
    label: 'synthetic',
    totals: () => Promise.resolve({ runs }),
    async *experiments() {
      yield exp;
    },
    async *runs() {
      for (let i = 0; i < runs; i++) {
        const runId = i.toString(16).padStart(32, '0');
        const run: RunRecord = {
          runId,
          experimentId: '1',
          name: `run-${i}`,
          userId: 'bench',
          status: 'FINISHED',
          startTime: 1_700_000_000_000 + i,
          endTime: 1_700_000_100_000 + i,
          lifecycleStage: 'active',
          deletedTime: null,
          artifactUri: '',
          params: Array.from({ length: 5 }, (_, p) => ({ key: `p${p}`, value: String(i % (p + 2)) })),
          tags: Array.from({ length: 3 }, (_, t) => ({ key: `t${t}`, value: `v${i % 7}` })),
          datasets: [],
          modelInputs: [],
          modelOutputs: [],
        };
        yield run;
      }
    },
    async *metrics(run: RunRecord) {
      const seed = parseInt(run.runId.slice(-6), 16);
      for (let k = 0; k < KEYS; k++) {
        const batch: MetricPoint[] = [];
        for (let step = 0; step < STEPS; step++) {
          batch.push({
            key: `m${k}`,
            value: Math.sin(seed + step * (k + 1)),
            timestamp: 1_700_000_000_000 + step,
            step,
          });
        }
        yield batch;
      }
    },
    async *artifacts() {},
    async *loggedModels() {},
    async *loggedModelArtifacts() {},
    async *registeredModels() {},
    close: () => Promise.resolve(),
  };
}

interface Measured {
  runs: number;
  points: number;
  seconds: number;
  peakRssMb: number;
  exportSeconds: number;
}

async function measure(runs: number): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-migrate-'));
  try {
    const t0 = performance.now();
    await exportDump(syntheticSource(runs), join(dir, 'export'));
    const exportSeconds = (performance.now() - t0) / 1000;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/_migrate-import.ts',
        join(dir, 'export'),
        `sqlite:///${join(dir, 'target.db')}`,
        join(dir, 'art'),
      ],
      { maxBuffer: 1 << 20 },
    );
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as Measured & { failures: number };
    if (r.failures || r.runs !== runs || r.points !== runs * KEYS * STEPS) {
      throw new Error(`import incomplete: ${stdout}`);
    }
    return { ...r, exportSeconds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<string> {
  const sizes = [Math.max(1, Math.round(RUNS / 4)), RUNS];
  const results: Measured[] = [];
  for (const n of sizes) {
    process.stderr.write(`import of ${n} runs × ${KEYS} metrics × ${STEPS} steps…\n`);
    results.push(await measure(n));
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const rows = results.map(
    (r) =>
      `| ${fmt(r.runs)} runs × ${KEYS} × ${fmt(STEPS)} | ${fmt(r.points)} | ${r.seconds.toFixed(1)} s | **${fmt(r.points / r.seconds)}** points/s (${fmt(r.runs / r.seconds)} runs/s) | ${r.peakRssMb.toFixed(0)} MB | ${r.exportSeconds.toFixed(1)} s |`,
  );
  const [small, large] = results as [Measured, Measured];
  const partial =
    RUNS < 10_000
      ? `\n\n**Measured size: ${fmt(RUNS)} runs, not the 10,000-run target** (BENCH_MIGRATE_RUNS=${RUNS}); the 10,000-run figure was not measured on this shared machine and is not extrapolated here.`
      : '';
  return [
    '## Import (cairn import)',
    '',
    machineLine(),
    '',
    `A generated Cairn export (one experiment; per run 5 params, 3 tags, ${KEYS} metrics × ${fmt(STEPS)} steps) imported into a fresh SQLite store by \`runImport\` in a child process (one transaction per run). Time is the import only; peak RSS is the kernel VmHWM of the importing process. The machine is shared with other work: times are noisy, compare the two rows of one run.${partial}`,
    '',
    '| size | metric points | import time | rate | peak RSS | export (generate + write) |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Peak RSS ratio large/small: **${(large.peakRssMb / small.peakRssMb).toFixed(2)}×** for ${(large.runs / small.runs).toFixed(0)}× the runs (memory does not grow with the number of runs when this stays near 1).`,
  ].join('\n');
}
