/**
 * `cairn models predict --workers N` against one process, on a model whose own work per row
 * matters: a small neural network (ONNX, 3 inputs, two dense ReLU layers of 128 units, ~17,000
 * multiply-adds per row) over a CSV file. It runs the compiled CLI (`dist/`, as an installed
 * package does: run `npm run build` first), since from the sources every worker process would
 * compile Cairn again at start. Runs `--workers 1` and `--workers 2` in the order
 * 1, 2, 2, 1 on the same file, so that a change in the machine's load during the runs hits both
 * alike, and reports for each the whole command's wall time, the CPU time of the command and its
 * worker processes (user + system, from /usr/bin/time: the parent's rusage includes its waited-for
 * children), and the CPU time all processes of the machine used meanwhile (/proc/stat), since the
 * machine is shared: a wall-time ratio means little when the cores were busy with other work.
 *
 * `CAIRN_BENCH_BASELINE=/path/to/other/dist/src/cli/main.js` also runs another build (e.g. a
 * checkout of an earlier commit, built) with 2 workers between those runs (order 1, 2, baseline 2,
 * baseline 2, 2, 1), so that a change is compared in one run on the same machine load.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModel } from '../src/models/save.js';
import { mlpModel, writeThreeInputCsv } from '../test/models/helpers/onnx-builder.js';
import { machineLine, machineTicks } from './machine.js';
import { compiledCli } from './compiled-cli.js';

const ROWS = 3_000_000;
const HIDDEN = 128;

const loadAverage = async (): Promise<string> =>
  (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');

/** CPU seconds (user + system) of a process so far, and its child processes' ids (/proc). */
async function processCpu(pid: number): Promise<{ cpu: number; children: number[] } | undefined> {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8'))
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    return { cpu: (Number(fields[11]) + Number(fields[12])) / 100, children };
  } catch {
    return undefined;
  }
}

/**
 * Samples, every 100 ms, the CPU time of the command (`root`'s child) and of each of its worker
 * processes; the last sample of each is at most 100 ms short of its total.
 */
function watchTree(root: number): { stop(): { parent: number; workers: number[] } } {
  let parent = 0;
  const workers = new Map<number, number>();
  const timer = setInterval(() => {
    void (async () => {
      const top = await processCpu(root);
      for (const cmd of top?.children ?? []) {
        const c = await processCpu(cmd);
        if (!c) continue;
        parent = Math.max(parent, c.cpu);
        for (const w of c.children) {
          const wc = await processCpu(w);
          if (wc) workers.set(w, Math.max(workers.get(w) ?? 0, wc.cpu));
        }
      }
    })();
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      return { parent, workers: [...workers.values()] };
    },
  };
}

interface Run {
  /** 'this' or 'baseline' (CAIRN_BENCH_BASELINE). */
  build: string;
  workers: number;
  /** Sampled CPU seconds of the command's own process and of each worker process. */
  parentCpu: number;
  workerCpu: number[];
  wallSeconds: number;
  cpuSeconds: number;
  machineBusySeconds: number;
  startupSeconds?: number;
  load: string;
}

async function predict(
  cli: string,
  build: string,
  modelDir: string,
  input: string,
  output: string,
  workers: number,
): Promise<Run> {
  const before = await machineTicks();
  const started = performance.now();
  const child = spawn(
    '/usr/bin/time',
    [
      '-f',
      'cpu %U %S',
      process.execPath,
      cli,
      'models',
      'predict',
      '-m',
      modelDir,
      '-i',
      input,
      '-o',
      output,
      '--workers',
      String(workers),
      '--no-progress',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const tree = watchTree(child.pid!);
  const [code] = (await once(child, 'exit')) as [number];
  const sampled = tree.stop();
  const wallSeconds = (performance.now() - started) / 1000;
  const after = await machineTicks();
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(err);
  if (code !== 0 || !cpu) throw new Error(`models predict --workers ${workers} failed: ${err}`);
  const startup = /workers took ([\d.]+) s/.exec(err);
  return {
    build,
    workers,
    parentCpu: sampled.parent,
    workerCpu: sampled.workers,
    wallSeconds,
    cpuSeconds: Number(cpu[1]) + Number(cpu[2]),
    machineBusySeconds: (after.total - after.idle - (before.total - before.idle)) / 100,
    ...(startup ? { startupSeconds: Number(startup[1]) } : {}),
    load: await loadAverage(),
  };
}

const f = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function run(): Promise<string> {
  const CLI = await compiledCli();
  const tmp = await mkdtemp(join(tmpdir(), 'cairn-bench-batch-workers-'));
  try {
    const modelDir = join(tmp, 'model');
    await saveModel(modelDir, {
      flavor: 'onnx',
      onnxBytes: mlpModel(HIDDEN),
      inputExample: [{ x1: 1.5, x2: 2.5, x3: 3.5 }],
    });
    const input = join(tmp, 'in.csv');
    await writeThreeInputCsv(input, ROWS);
    const loadBefore = await loadAverage();
    const baseline = process.env.CAIRN_BENCH_BASELINE;
    const plan: [string, string, number][] = baseline
      ? [
          [CLI, 'this', 1],
          [CLI, 'this', 2],
          [baseline, 'baseline', 2],
          [baseline, 'baseline', 2],
          [CLI, 'this', 2],
          [CLI, 'this', 1],
        ]
      : [
          [CLI, 'this', 1],
          [CLI, 'this', 2],
          [CLI, 'this', 2],
          [CLI, 'this', 1],
        ];
    const runs: Run[] = [];
    const outputs: Buffer[] = [];
    for (const [i, [cli, build, workers]] of plan.entries()) {
      const out = join(tmp, `out-${i}.jsonl`);
      runs.push(await predict(cli, build, modelDir, input, out, workers));
      outputs.push(await readFile(out));
      await rm(out);
    }
    const identical = outputs.every((o) => o.equals(outputs[0]!));
    const mean = (w: number, pick: (r: Run) => number, build = 'this'): number => {
      const of = runs.filter((r) => r.workers === w && r.build === build);
      return of.reduce((s, r) => s + pick(r), 0) / of.length;
    };
    const wall1 = mean(1, (r) => r.wallSeconds);
    const wall2 = mean(2, (r) => r.wallSeconds);
    // The longest path through the work on free cores: the command's own CPU plus its busiest
    // worker's (the workers run side by side), against one process doing everything.
    const path1 = mean(1, (r) => r.cpuSeconds);
    const path2 = mean(2, (r) => r.parentCpu + Math.max(...r.workerCpu));
    const rows = runs.map(
      (r, i) =>
        `| ${i + 1} | ${r.build} | ${r.workers} | ${f(r.wallSeconds, 2)} s | ${f(ROWS / r.wallSeconds)} | ${f(r.cpuSeconds, 2)} s (${f((r.cpuSeconds / ROWS) * 1e6, 2)} µs/row) | ${r.workers > 1 ? `${f(r.parentCpu, 1)} s; workers ${r.workerCpu.map((c) => `${f(c, 1)} s`).join(', ')}` : `${f(r.parentCpu, 1)} s`} | ${r.startupSeconds !== undefined ? `${f(r.startupSeconds, 2)} s` : '—'} | ${f(r.machineBusySeconds, 1)} s of ${f(r.wallSeconds * cpus().length, 1)} s | ${r.load} |`,
    );
    return [
      '## Batch prediction on several cores',
      '',
      `Machine: ${machineLine()}. Load average before the runs: ${loadBefore}; after: ${await loadAverage()}.`,
      '',
      `\`cairn models predict -i in.csv -o out.jsonl --workers N\` (the compiled CLI, \`dist/\`), ${f(ROWS)}-row CSV`,
      `(${f(outputs[0]!.length / 1e6, 1)} MB of JSON Lines out), model: ONNX network of 3 inputs → ${HIDDEN} → ${HIDDEN} → 1 (ReLU), ~${f(HIDDEN * HIDDEN + 5 * HIDDEN)} multiply-adds per row,`,
      `onnxruntime with one intra-op thread (the default), so one process uses one core. Order: ${plan.map(([, build, w]) => (build === 'this' ? `${w}` : `${build} ${w}`)).join(', ')} workers.`,
      '"CPU" is user + system time of the command and its worker processes; "machine busy" is the CPU time all',
      'processes of the machine used during the run, against the wall time × cores available: what is not ours',
      'belonged to other work on the shared machine.',
      '',
      "| run | build | workers | wall (whole command) | rows/s | CPU (all processes) | CPU of the command's process; of each worker | workers ready after | machine busy | load average after |",
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      `Mean wall time: ${f(wall1, 2)} s with 1 worker, ${f(wall2, 2)} s with 2: **${f(wall1 / wall2, 2)}×** the 1-worker rate. Output identical in all runs: ${identical ? 'yes' : '**NO**'}.`,
      `CPU on the longest path (the command's process plus its busiest worker, which run side by side; with 1 worker all of it):`,
      `${f(path1, 2)} s with 1 worker, ${f(path2, 2)} s with 2: **${f(path1 / path2, 2)}×**, what 2 free cores would give; the 2-worker runs spend`,
      `${f(mean(2, (r) => r.cpuSeconds) - path1, 2)} s more CPU in all (a second process starting and loading the model, parts written and joined).`,
      ...(baseline
        ? [
            `Baseline build (${baseline}), 2 workers: wall ${f(
              mean(2, (r) => r.wallSeconds, 'baseline'),
              2,
            )} s, CPU on the longest path`,
            `${f(
              mean(2, (r) => r.parentCpu + Math.max(...r.workerCpu), 'baseline'),
              2,
            )} s (**${f(path1 / mean(2, (r) => r.parentCpu + Math.max(...r.workerCpu), 'baseline'), 2)}×** against this build's 1 worker),`,
            `its command's process ${f(
              mean(2, (r) => r.parentCpu, 'baseline'),
              2,
            )} s of CPU against ${f(
              mean(2, (r) => r.parentCpu),
              2,
            )} s for this build.`,
          ]
        : []),
      '',
    ].join('\n');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
