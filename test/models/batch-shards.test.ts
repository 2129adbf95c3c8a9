import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parse as parseYaml } from 'yaml';
import { predictOnKubernetes } from '../../src/models/batch/kubernetes-shards.js';
import { expandInputs } from '../../src/models/batch/shard-input.js';
import { planShard } from '../../src/models/batch/shards.js';
import { batchPredict } from '../../src/models/batch/predict.js';
import { loadModelFromDir, type Model } from '../../src/models/model.js';
import { kubectlCli } from '../../src/projects/backends/kubernetes.js';
import { startMoto, useMotoEnvironment, type MotoServer } from '../artifacts/moto.js';
import { saveThreeInputModel } from './helpers/onnx-builder.js';
import { writeParquet } from './helpers/parquet-writer.js';

const execFileP = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'bin', 'cairn.js');
let tmp: string;
let modelDir: string;
let model: Model;
let moto: MotoServer;
const N = 2501;
const xs = Array.from({ length: N }, (_, i) => [(i % 89) / 8, i % 23, (i % 7) - 3] as const);
const csvText = `x1,x2,x3\n${xs.map((r) => r.join(',')).join('\n')}\n`;
const cols = { x1: xs.map((r) => r[0]), x2: xs.map((r) => r[1]), x3: xs.map((r) => r[2]) };

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cairn-batch-shards-'));
  modelDir = join(tmp, 'model');
  await saveThreeInputModel(modelDir);
  model = await loadModelFromDir(modelDir);
  moto = await startMoto();
  useMotoEnvironment(moto.endpoint);
  await moto.createBucket('data');
});
after(async () => {
  await model.close();
  await moto?.stop();
  await rm(tmp, { recursive: true, force: true });
});

/** Runs the shard entry point as `shards` processes at once, as the pods of an Indexed Job would. */
async function runShards(
  inputs: string[],
  output: string,
  shards: number,
  extra: string[] = [],
): Promise<void> {
  await Promise.all(
    Array.from({ length: shards }, (_, i) =>
      execFileP(
        process.execPath,
        [
          CLI,
          'models',
          'predict-shard',
          '-m',
          modelDir,
          ...inputs.flatMap((x) => ['-i', x]),
          '-o',
          output,
          '--shards',
          String(shards),
          '--shard-index',
          String(i),
          '--chunk-size',
          '97',
          ...extra,
        ],
        { env: process.env },
      ),
    ),
  );
}

/** The single-process output of the files, one after the other. */
async function singleOutput(files: string[], format: 'jsonl' | 'csv'): Promise<string> {
  let text = '';
  for (const [k, f] of files.entries()) {
    const out = join(tmp, `single-${k}.${format}`);
    await batchPredict(model, { inputPath: f, outputPath: out, outputFormat: format });
    const t = await readFile(out, 'utf8');
    text += format === 'csv' && k > 0 ? t.slice(t.indexOf('\n') + 1) : t;
  }
  return text;
}

/** Parts 0..shards-1 joined (CSV: one header), and the rows each part holds. */
async function joinParts(read: (name: string) => Promise<string>, shards: number, format: 'jsonl' | 'csv') {
  let text = '';
  const rows: number[] = [];
  for (let i = 0; i < shards; i++) {
    let t = await read(`part-${String(i).padStart(5, '0')}.${format}`);
    if (format === 'csv' && i > 0) t = t.slice(t.indexOf('\n') + 1);
    rows.push(t.split('\n').filter(Boolean).length - (format === 'csv' && i === 0 ? 1 : 0));
    text += t;
  }
  return { text, rows };
}

/** Replaces the stand-in kubectl's Job status at once (a rename), so that a `get job` racing the
 * test never reads a half-written file. */
async function setJobStatus(dir: string, json: string): Promise<void> {
  await writeFile(join(dir, 'status.json.tmp'), json);
  await rename(join(dir, 'status.json.tmp'), join(dir, 'status.json'));
}

describe('sharded batch prediction', () => {
  it('local processes over local files: the parts in order are the single-process output, row for row', async () => {
    const csv = join(tmp, 'one.csv');
    await writeFile(csv, csvText);
    const parquet = join(tmp, 'one.parquet');
    await writeParquet(parquet, cols, 700);
    const folder = join(tmp, 'many');
    await mkdir(folder);
    const files: string[] = [];
    for (let k = 0; k < 5; k++) {
      const f = join(folder, `in-${k}.jsonl`);
      const part = xs.slice(k * 500, (k + 1) * 500 + (k === 4 ? 1 : 0));
      await writeFile(f, part.map(([x1, x2, x3]) => JSON.stringify({ x1, x2, x3 })).join('\n') + '\n');
      files.push(f);
    }
    // Files that are not input: a partial file and a marker.
    await writeFile(join(folder, '.in-9.jsonl.partial'), 'garbage');
    await writeFile(join(folder, '_SUCCESS'), '');
    const cases: { inputs: string[]; singles: string[]; format: 'jsonl' | 'csv'; shards: number }[] = [
      { inputs: [csv], singles: [csv], format: 'csv', shards: 3 }, // byte ranges of one CSV
      { inputs: [parquet], singles: [parquet], format: 'jsonl', shards: 2 }, // row ranges of one Parquet file
      { inputs: [folder], singles: files, format: 'jsonl', shards: 3 }, // whole files of a folder
    ];
    for (const [k, c] of cases.entries()) {
      const out = join(tmp, `parts-${k}`);
      await runShards(c.inputs, out, c.shards, ['--output-format', c.format]);
      const { text, rows } = await joinParts((name) => readFile(join(out, name), 'utf8'), c.shards, c.format);
      assert.equal(text, await singleOutput(c.singles, c.format), `case ${k}`);
      assert.equal(
        rows.reduce((a, b) => a + b),
        N,
      );
      assert.ok(
        rows.filter((r) => r > 0).length >= Math.min(c.shards, 3),
        `work is spread: ${rows.join(',')}`,
      );
    }
  });

  it('local processes over S3 (moto): CSV byte ranges and Parquet row ranges in, parts uploaded under a prefix', async () => {
    const put = (key: string, body: Buffer | string) =>
      moto.client.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: body }));
    const csv = join(tmp, 's3.csv');
    await writeFile(csv, csvText);
    await put('in/table.csv', csvText);
    const parquet = join(tmp, 's3.parquet');
    await writeParquet(parquet, cols, 600);
    await put('in/table.parquet', await readFile(parquet));
    const get = async (key: string): Promise<string> => {
      const r = await moto.client.send(new GetObjectCommand({ Bucket: 'data', Key: key }));
      return r.Body!.transformToString();
    };
    await runShards(['s3://data/in/table.csv'], 's3://data/out-csv/', 3);
    const a = await joinParts((name) => get(`out-csv/${name}`), 3, 'jsonl');
    assert.equal(a.text, await singleOutput([csv], 'jsonl'));
    await runShards(['s3://data/in/table.parquet'], 's3://data/out-pq', 2, ['--output-format', 'csv']);
    const b = await joinParts((name) => get(`out-pq/${name}`), 2, 'csv');
    assert.equal(b.text, await singleOutput([parquet], 'csv'));
    assert.ok(b.rows.every((r) => r > 0));
  });

  it('refuses a shard index out of range and a JSON document split into shards', async () => {
    const json = join(tmp, 'doc.json');
    await writeFile(json, JSON.stringify([{ x1: 1, x2: 2, x3: 3 }]));
    await assert.rejects(
      planShard(await expandInputs([json]), 'json', 2, 0),
      /JSON document cannot be split into shards/,
    );
    await assert.rejects(
      execFileP(process.execPath, [
        CLI,
        'models',
        'predict-shard',
        '-m',
        modelDir,
        '-i',
        json,
        '-o',
        join(tmp, 'never'),
        '--shards',
        '2',
        '--shard-index',
        '2',
      ]),
      (e: { stderr: string }) => /--shard-index must be between 0 and 1/.test(e.stderr),
    );
  });

  it('kubernetes: renders an Indexed Job, follows it until every shard succeeded, and shows pod logs on failure', async () => {
    const dir = await mkdtemp(join(tmp, 'kube-'));
    // A stand-in for kubectl (no cluster here): records its calls and the applied manifest, and
    // answers `get job` from a status file the test writes.
    const kubectl = join(dir, 'kubectl');
    await writeFile(
      kubectl,
      `#!/bin/bash
echo "$*" >> "${dir}/calls"
case " $* " in
  *" apply "*) cat > "${dir}/applied.yaml"; echo job.batch/x ;;
  *" get job "*) cat "${dir}/status.json" ;;
  *" logs "*) echo "[pod/x-1/cairn-predict] cairn: BAD_REQUEST: Malformed CSV at line 7" ;;
  *) exit 3 ;;
esac
`,
    );
    await chmod(kubectl, 0o755);
    const template = join(dir, 'job.yaml');
    await writeFile(
      template,
      `apiVersion: batch/v1
kind: Job
metadata: {name: placeholder, namespace: ml}
spec:
  backoffLimit: 2
  template:
    spec:
      containers:
        - name: cairn-predict
          envFrom: [{secretRef: {name: s3-credentials}}]
`,
    );
    await setJobStatus(dir, '{"spec":{"completions":3},"status":{"active":3}}');
    const lines: string[] = [];
    const opts = {
      modelUri: 'models:/fraud@champion',
      inputs: ['s3://data/in/'],
      output: 's3://data/out/',
      outputFormat: 'jsonl' as const,
      shards: 3,
      parallelism: 2,
      chunkSize: 5000,
      params: '{"t": "it\'s"}',
      image: 'registry.local/cairn:1',
      jobTemplatePath: template,
      kubectl: kubectlCli('dev', kubectl),
      trackingUri: 'http://tracking:5000',
      pollIntervalMs: 20,
      log: (l: string) => lines.push(l),
    };
    const running = predictOnKubernetes(opts);
    // The Job reports one shard done, then all three.
    await new Promise((r) => setTimeout(r, 150));
    await setJobStatus(dir, '{"spec":{"completions":3},"status":{"succeeded":1,"active":2}}');
    await new Promise((r) => setTimeout(r, 150));
    let settled = false;
    void running.finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(settled, false, 'one succeeded pod of three is not the end of the Job');
    await setJobStatus(dir, '{"spec":{"completions":3},"status":{"succeeded":3}}');
    const { job, status } = await running;
    assert.equal(status, 'FINISHED');
    assert.equal(job.namespace, 'ml');
    const manifest = parseYaml(await readFile(join(dir, 'applied.yaml'), 'utf8')) as {
      metadata: { name: string };
      spec: {
        completionMode: string;
        completions: number;
        parallelism: number;
        backoffLimit: number;
        template: {
          spec: {
            restartPolicy: string;
            containers: { image: string; command: string[]; env: unknown[]; envFrom: unknown[] }[];
          };
        };
      };
    };
    assert.match(manifest.metadata.name, /^cairn-predict-[0-9a-f]{8}$/);
    assert.equal(manifest.spec.completionMode, 'Indexed');
    assert.equal(manifest.spec.completions, 3);
    assert.equal(manifest.spec.parallelism, 2);
    assert.equal(manifest.spec.backoffLimit, 2);
    const c = manifest.spec.template.spec.containers[0]!;
    assert.equal(c.image, 'registry.local/cairn:1');
    assert.deepEqual(c.envFrom, [{ secretRef: { name: 's3-credentials' } }]);
    assert.deepEqual(c.env, [
      { name: 'MLFLOW_TRACKING_URI', value: 'http://tracking:5000' },
      { name: 'MLFLOW_S3_ENDPOINT_URL', value: moto.endpoint },
    ]);
    assert.equal(c.command[0], 'bash');
    assert.equal(
      c.command[2],
      `exec cairn models predict-shard -m models:/fraud@champion -i s3://data/in/ -o s3://data/out/ --output-format jsonl --shards 3 --chunk-size 5000 --params '{"t": "it'\\''s"}' --shard-index "$JOB_COMPLETION_INDEX"`,
    );
    // The pod command, run by a shell as a pod would, reaches the shard entry point with its index.
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(
      join(bin, 'cairn'),
      `#!/bin/bash\nprintf '%s\\n' "$@" > "${dir}/argv-$JOB_COMPLETION_INDEX"\n`,
    );
    await chmod(join(bin, 'cairn'), 0o755);
    await execFileP('bash', ['-c', c.command[2]!], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, JOB_COMPLETION_INDEX: '2' },
    });
    const argv = (await readFile(join(dir, 'argv-2'), 'utf8')).trimEnd().split('\n');
    assert.deepEqual(argv.slice(-4), ['--params', `{"t": "it's"}`, '--shard-index', '2']);
    assert.match(lines.join('\n'), /Submitted Job ml\/cairn-predict-\w+: 3 shards/);

    // A failed Job: the pods' last log lines are shown and the call fails.
    await setJobStatus(
      dir,
      '{"spec":{"completions":3},"status":{"failed":1,"conditions":[{"type":"Failed","status":"True"}]}}',
    );
    lines.length = 0;
    await assert.rejects(
      predictOnKubernetes(opts),
      /Job ml\/cairn-predict-\w+ failed: at least one shard did not finish/,
    );
    assert.match(lines.join('\n'), /Malformed CSV at line 7/);
    const calls = await readFile(join(dir, 'calls'), 'utf8');
    assert.match(
      calls,
      /--context dev logs -n ml -l batch\.kubernetes\.io\/job-name=cairn-predict-\w+ --all-containers --prefix --tail=20/,
    );
    assert.match(calls, /^--context dev apply -f - -o name$/m);

    // Relative local paths cannot be read by a pod.
    await assert.rejects(predictOnKubernetes({ ...opts, modelUri: './model' }), /relative local path/);
  });
});
