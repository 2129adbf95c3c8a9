/**
 * `cairn export --to DIR`: writes any migration source (normally Cairn's own stores) as a
 * versioned dump (layout in dump-format.ts). Files are streamed and hashed as they are written;
 * the manifest, written last, lists every file with its size and sha256.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { safeArtifactPath } from '../artifacts/safe-path.js';
import { invalidParam } from '../errors.js';
import type { MetricPoint } from '../entities/migration.js';
import {
  DUMP_FORMAT,
  DUMP_VERSION,
  encodeValue,
  JsonLinesWriter,
  MANIFEST,
  paths,
  safeId,
  type DumpFileEntry,
  type DumpManifest,
} from './dump-format.js';
import { ImportReport, type Progress } from './report.js';
import type { ArtifactFile, MigrationSource } from './source.js';

async function ensureEmptyDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length) {
    throw invalidParam(`${dir} is not empty: export into a new or empty directory.`);
  }
}

/** Writes one artifact file, hashing it on the way. */
async function copyArtifact(dir: string, rel: string, file: ArtifactFile): Promise<DumpFileEntry> {
  const target = join(dir, ...rel.split('/'));
  await mkdir(dirname(target), { recursive: true });
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(await file.open(), tap, createWriteStream(target, { flags: 'wx' }));
  return { path: rel, bytes, sha256: hash.digest('hex') };
}

/** Groups a batch by key so each line of metrics.jsonl holds points of one key. */
function byKey(batch: MetricPoint[]): Map<string, [number, number, number | string][]> {
  const out = new Map<string, [number, number, number | string][]>();
  for (const p of batch) {
    let list = out.get(p.key);
    if (!list) out.set(p.key, (list = []));
    list.push([p.timestamp, p.step, encodeValue(p.value)]);
  }
  return out;
}

export async function exportDump(
  source: MigrationSource,
  dir: string,
  progress?: Progress,
): Promise<ImportReport> {
  await ensureEmptyDir(dir);
  const report = new ImportReport(false, 'exported');
  const files: DumpFileEntry[] = [];
  const experiments = await JsonLinesWriter.open(dir, paths.experiments);
  for await (const exp of source.experiments()) {
    const expId = safeId(exp.experimentId, 'experiment id');
    await experiments.write(exp);
    report.add('experiments');
    const runs = await JsonLinesWriter.open(dir, paths.runs(expId));
    for await (const run of source.runs(exp)) {
      const runId = safeId(run.runId, 'run id');
      await runs.write(run);
      let metrics: JsonLinesWriter | null = null;
      for await (const batch of source.metrics(run)) {
        metrics ??= await JsonLinesWriter.open(dir, paths.metrics(runId));
        for (const [key, points] of byKey(batch)) await metrics.write({ key, points });
        report.add('metric points', batch.length);
      }
      if (metrics) files.push(await metrics.close());
      for await (const file of source.artifacts(run)) {
        const rel = `${paths.artifacts(runId)}/${safeArtifactPath(file.path)}`;
        files.push(await copyArtifact(dir, rel, file));
        report.add('artifact files');
      }
      report.add('runs');
      progress?.update(report);
    }
    files.push(await runs.close());
    const models = await JsonLinesWriter.open(dir, paths.loggedModels(expId));
    for await (const model of source.loggedModels(exp)) {
      const modelId = safeId(model.modelId, 'logged model id');
      const metrics = model.metrics?.map((p) => ({ ...p, value: encodeValue(p.value) }));
      await models.write({ ...model, metrics });
      report.add('logged models');
      report.add('logged model metric points', metrics?.length ?? 0);
      for await (const file of source.loggedModelArtifacts(model)) {
        const rel = `${paths.modelArtifacts(modelId)}/${safeArtifactPath(file.path)}`;
        files.push(await copyArtifact(dir, rel, file));
        report.add('artifact files');
      }
    }
    files.push(await models.close());
  }
  files.push(await experiments.close());
  const registered = await JsonLinesWriter.open(dir, paths.registeredModels);
  for await (const model of source.registeredModels()) {
    await registered.write(model);
    report.add('registered models');
    report.add('model versions', model.versions.length);
  }
  files.push(await registered.close());
  const manifest: DumpManifest = {
    format: DUMP_FORMAT,
    version: DUMP_VERSION,
    created_at: new Date().toISOString(),
    source: source.label,
    counts: Object.fromEntries(report.written),
    files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
  await writeFile(join(dir, MANIFEST), JSON.stringify(manifest, null, 1) + '\n', { flag: 'wx' });
  progress?.done(report);
  return report;
}
