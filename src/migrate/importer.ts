/**
 * `cairn import`: copies everything a source holds into Cairn's stores, keeping ids. Nothing
 * present is overwritten: an entity already here (from an earlier run of the import) is skipped,
 * one whose id or name belongs to something else is a clash, reported and skipped. A run is
 * committed in one transaction after its artifact files are copied, so an interrupted import is
 * continued by running it again.
 */
import type { ArtifactRepository } from '../artifacts/artifact-repository.js';
import { safeArtifactPath } from '../artifacts/safe-path.js';
import type { ExperimentRecord, RegisteredModelData, RunRecord } from '../entities/migration.js';
import type { ImportStore } from '../store/import-store.js';
import { invalidParam } from '../errors.js';
import { ImportReport, Progress } from './report.js';
import type { ArtifactFile, MigrationSource } from './source.js';

export interface ImportTarget {
  store: ImportStore;
  /** New experiments get `<defaultArtifactRoot>/<experiment_id>` as artifact location. */
  defaultArtifactRoot: string;
  /** The artifact repository rooted at a URI of this Cairn installation. */
  artifacts(uri: string): ArtifactRepository;
}

export interface ImportOptions {
  dryRun?: boolean;
  /** Copy artifact files (default true). */
  copyArtifacts?: boolean;
  progress?: Progress;
}

const ALREADY = 'already imported';

const under = (root: string, ...parts: string[]): string => [root.replace(/\/+$/, ''), ...parts].join('/');

/** Ids become database keys and path segments: only the shapes MLflow and Cairn produce pass. */
function checkId(value: string, what: string, pattern: RegExp): void {
  if (!pattern.test(value)) throw invalidParam(`Unexpected ${what} '${value.slice(0, 80)}': not imported.`);
}
const EXPERIMENT_ID = /^\d{1,15}$/;
const ENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export async function runImport(
  source: MigrationSource,
  target: ImportTarget,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  const report = new ImportReport(opts.dryRun ?? false);
  const progress = opts.progress;
  for await (const exp of source.experiments()) {
    let location: string;
    try {
      checkId(exp.experimentId, 'experiment id', EXPERIMENT_ID);
      const presence = await target.store.experimentPresence(exp.experimentId, exp.name);
      if (presence.state === 'clash') {
        report.skip(
          'experiments',
          `${exp.experimentId} '${exp.name}'`,
          `clash: ${presence.reason} (its runs are skipped too)`,
        );
        continue;
      }
      if (presence.state === 'present') {
        location = presence.artifactLocation;
        report.skip('experiments', exp.experimentId, ALREADY);
      } else {
        location = under(target.defaultArtifactRoot, exp.experimentId);
        if (!report.dryRun) await target.store.insertExperiment(exp, location);
        report.add('experiments');
      }
    } catch (err) {
      report.fail('experiments', exp.experimentId, err);
      continue;
    }
    for await (const run of source.runs(exp)) {
      try {
        await importRun(source, target, run, location, report, opts);
      } catch (err) {
        report.fail('runs', run.runId, err);
      }
      progress?.update(report);
    }
    try {
      await importLoggedModels(source, target, exp, location, report, opts);
    } catch (err) {
      report.fail('logged models', `of experiment ${exp.experimentId}`, err);
    }
  }
  for await (const model of source.registeredModels()) {
    try {
      await importRegisteredModel(target, model, report);
    } catch (err) {
      report.fail('registered models', model.name, err);
    }
  }
  progress?.done(report);
  return report;
}

/** Copies `files` into `repo` (only counts them without one, for a dry run); returns how many. */
async function copyFiles(
  files: AsyncIterable<ArtifactFile>,
  repo: ArtifactRepository | null,
): Promise<number> {
  let n = 0;
  for await (const file of files) {
    if (repo) await repo.write(safeArtifactPath(file.path), await file.open());
    n++;
  }
  return n;
}

async function importRun(
  source: MigrationSource,
  target: ImportTarget,
  run: RunRecord,
  experimentLocation: string,
  report: ImportReport,
  opts: ImportOptions,
): Promise<void> {
  checkId(run.runId, 'run id', ENTITY_ID);
  const here = await target.store.runExperiment(run.runId);
  if (here !== null) {
    if (here === run.experimentId) report.skip('runs', run.runId, ALREADY);
    else report.skip('runs', run.runId, `clash: the run id exists here in experiment ${here}`);
    return;
  }
  const artifactUri = under(experimentLocation, run.runId, 'artifacts');
  const files =
    opts.copyArtifacts === false
      ? 0
      : await copyFiles(source.artifacts(run), report.dryRun ? null : target.artifacts(artifactUri));
  let points = 0;
  if (report.dryRun) {
    for await (const batch of source.metrics(run)) points += batch.length;
  } else {
    points = await target.store.insertRun(run, artifactUri, source.metrics(run));
  }
  report.add('runs');
  report.add('metric points', points);
  report.add('artifact files', files);
}

async function importLoggedModels(
  source: MigrationSource,
  target: ImportTarget,
  exp: ExperimentRecord,
  experimentLocation: string,
  report: ImportReport,
  opts: ImportOptions,
): Promise<void> {
  for await (const model of source.loggedModels(exp)) {
    try {
      checkId(model.modelId, 'logged model id', ENTITY_ID);
      if (await target.store.loggedModelExists(model.modelId)) {
        report.skip('logged models', model.modelId, ALREADY);
        continue;
      }
      const location = under(experimentLocation, 'models', model.modelId, 'artifacts');
      // Files first, then the row: a model whose copy was interrupted is copied again next time.
      const files =
        opts.copyArtifacts === false
          ? 0
          : await copyFiles(
              source.loggedModelArtifacts(model),
              report.dryRun ? null : target.artifacts(location),
            );
      if (!report.dryRun) await target.store.insertLoggedModel(model, location);
      report.add('logged models');
      report.add('logged model metric points', model.metrics?.length ?? 0);
      report.add('artifact files', files);
    } catch (err) {
      report.fail('logged models', model.modelId, err);
    }
  }
}

async function importRegisteredModel(
  target: ImportTarget,
  model: RegisteredModelData,
  report: ImportReport,
): Promise<void> {
  const created = await target.store.registeredModelCreationTime(model.name);
  if (created !== null && created !== model.creationTime) {
    report.skip(
      'registered models',
      model.name,
      'clash: a different registered model of this name exists here',
    );
    report.skip(
      'model versions',
      `${model.name} (${model.versions.length})`,
      'clash of their registered model',
      model.versions.length,
    );
    return;
  }
  let versions = model.versions;
  if (created !== null) {
    report.skip('registered models', model.name, ALREADY);
    const present = await target.store.modelVersionNumbers(model.name);
    versions = model.versions.filter((v) => !present.has(v.version));
    const already = model.versions.length - versions.length;
    if (already) report.skip('model versions', model.name, ALREADY, already);
  } else {
    report.add('registered models');
  }
  if (!report.dryRun && (created === null || versions.length)) {
    await target.store.insertRegisteredModel({ ...model, versions }, created === null);
  }
  report.add('model versions', versions.length);
}
