/**
 * `cairn gc`: permanently removes runs and experiments that were deleted at least `olderThanMs`
 * ago, with their artifacts, in batches. What it never does (each a known failure of MLflow's
 * gc): remove a run that was restored meanwhile (the mark step re-checks the state in the
 * database, and a run being purged cannot be restored); remove a run whose artifacts a registered
 * model version still uses (its source or resolved location lies under the run, or it names the
 * run); stop at an artifact that is already gone; delete a folder that does not belong to the run
 * or experiment (a location that does not name the run id / experiment id is left in place and
 * reported). A killed collection leaves rows in `purging`, which the next one finishes first.
 */
import type {
  GarbageStore,
  GcExperimentCandidate,
  GcRunCandidate,
  ModelVersionReference,
} from '../store/garbage-store.js';

export interface GcOptions {
  /** Only items deleted at least this long ago (0: every deleted item). */
  olderThanMs: number;
  /** List what would be removed; change nothing. */
  dryRun: boolean;
  /** Runs per batch (one mark, artifact and row-removal round per batch). */
  batchSize: number;
  /** Artifact deletions in flight at once. */
  concurrency?: number;
  now?: number;
  /** Receives one line per decision. */
  log(line: string): void;
}

export interface GcReport {
  runsRemoved: string[];
  runsKept: { runId: string; reason: string }[];
  experimentsRemoved: string[];
  experimentsKept: { experimentId: string; reason: string }[];
}

/** Deletes a folder (given by URI) and everything in it; a missing folder is not an error. */
export type ArtifactFolderDeleter = (uri: string) => Promise<void>;

const trimSlash = (s: string): string => s.replace(/\/+$/, '');

function locations(v: ModelVersionReference): string[] {
  return [v.source, v.storageLocation].filter((x): x is string => Boolean(x)).map(trimSlash);
}

const under = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);

/** Why a model version keeps this run, or null. */
function runReference(run: GcRunCandidate, versions: ModelVersionReference[]): string | null {
  const root = trimSlash(run.artifactUri);
  for (const v of versions) {
    const locs = locations(v);
    if (
      v.runId === run.runId ||
      locs.some((l) => under(l, `runs:/${run.runId}`) || under(l, root) || l.includes(`/${run.runId}/`))
    ) {
      return `used by registered model '${v.name}' version ${v.version}`;
    }
  }
  return null;
}

function experimentReference(
  exp: GcExperimentCandidate,
  loggedModels: string[],
  versions: ModelVersionReference[],
): string | null {
  const root = trimSlash(exp.artifactLocation);
  for (const v of versions) {
    const locs = locations(v);
    if (
      (v.modelId && loggedModels.includes(v.modelId)) ||
      locs.some((l) => (root && under(l, root)) || loggedModels.some((m) => l.includes(m)))
    ) {
      return `used by registered model '${v.name}' version ${v.version}`;
    }
  }
  return null;
}

/** The last path segment of a URI or path. */
const lastSegment = (uri: string): string => trimSlash(uri).split('/').pop() ?? '';

/**
 * The run's own folder (`<experiment location>/<run id>`, holding `artifacts/`), or null when the
 * artifact URI does not name the run: then nothing is deleted.
 */
function runFolder(run: GcRunCandidate): string | null {
  const parts = trimSlash(run.artifactUri).split('/');
  const i = parts.lastIndexOf(run.runId);
  return i > 0 ? parts.slice(0, i + 1).join('/') : null;
}

/** The experiment's own folder (its location ends with its id), or null. */
const experimentFolder = (exp: GcExperimentCandidate): string | null =>
  exp.artifactLocation !== '' && lastSegment(exp.artifactLocation) === exp.experimentId
    ? trimSlash(exp.artifactLocation)
    : null;

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function collectGarbage(
  store: GarbageStore,
  deleteFolder: ArtifactFolderDeleter,
  opts: GcOptions,
): Promise<GcReport> {
  const cutoff = (opts.now ?? Date.now()) - opts.olderThanMs;
  const report: GcReport = { runsRemoved: [], runsKept: [], experimentsRemoved: [], experimentsKept: [] };
  const verb = opts.dryRun ? 'would remove' : 'removed';
  const concurrency = opts.concurrency ?? 4;

  const removeArtifacts = async (uri: string, folder: string | null, what: string): Promise<void> => {
    if (!folder) {
      opts.log(`left artifacts of ${what} in place: '${uri}' is not a folder of its own`);
      return;
    }
    if (!opts.dryRun) await deleteFolder(folder);
  };

  /** A run kept because a model version uses it, per experiment: it keeps its experiment too. */
  const keptRuns = new Map<string, string>();

  // ---- runs ----
  let after = '';
  for (;;) {
    const batch = await store.runCandidates(cutoff, after, opts.batchSize);
    if (batch.length === 0) break;
    after = batch[batch.length - 1]!.runId;
    const versions = await store.modelVersionReferences();
    const removable: GcRunCandidate[] = [];
    for (const run of batch) {
      const reason = run.stage === 'deleted' ? runReference(run, versions) : null;
      if (reason) {
        report.runsKept.push({ runId: run.runId, reason });
        if (!keptRuns.has(run.experimentId)) keptRuns.set(run.experimentId, run.runId);
        opts.log(`kept run ${run.runId}: ${reason}`);
      } else removable.push(run);
    }
    if (opts.dryRun) {
      for (const run of removable) {
        await removeArtifacts(run.artifactUri, runFolder(run), `run ${run.runId}`);
        report.runsRemoved.push(run.runId);
        opts.log(`${verb} run ${run.runId} (experiment ${run.experimentId}, artifacts ${run.artifactUri})`);
      }
      continue;
    }
    const marked = new Set(
      await store.markRunsPurging(
        removable.map((r) => r.runId),
        cutoff,
      ),
    );
    const purging = removable.filter((r) => marked.has(r.runId));
    await inParallel(purging, concurrency, (run) =>
      removeArtifacts(run.artifactUri, runFolder(run), `run ${run.runId}`),
    );
    await store.deleteRunRows(purging.map((r) => r.runId));
    for (const run of purging) {
      report.runsRemoved.push(run.runId);
      opts.log(`${verb} run ${run.runId} (experiment ${run.experimentId}, artifacts ${run.artifactUri})`);
    }
  }

  // ---- experiments (after their runs, so an emptied experiment goes in the same collection) ----
  let afterExp = 0;
  for (;;) {
    const batch = await store.experimentCandidates(cutoff, afterExp, opts.batchSize);
    if (batch.length === 0) break;
    afterExp = Number(batch[batch.length - 1]!.experimentId);
    const versions = await store.modelVersionReferences();
    for (const exp of batch) {
      const keep = (reason: string): void => {
        report.experimentsKept.push({ experimentId: exp.experimentId, reason });
        opts.log(`kept experiment ${exp.experimentId} ('${exp.name}'): ${reason}`);
      };
      if (exp.stage === 'deleted') {
        const blocking = await store.blockingRuns(exp.experimentId, cutoff);
        if (blocking.length) {
          keep(
            `it still has runs that are active or deleted too recently (${blocking.slice(0, 3).join(', ')})`,
          );
          continue;
        }
        const keptRun = keptRuns.get(exp.experimentId);
        if (keptRun) {
          keep(`its run ${keptRun} is kept`);
          continue;
        }
        const reason = experimentReference(exp, await store.loggedModelIds(exp.experimentId), versions);
        if (reason) {
          keep(reason);
          continue;
        }
      }
      if (opts.dryRun) {
        await removeArtifacts(exp.artifactLocation, experimentFolder(exp), `experiment ${exp.experimentId}`);
        report.experimentsRemoved.push(exp.experimentId);
        opts.log(`${verb} experiment ${exp.experimentId} ('${exp.name}')`);
        continue;
      }
      if (exp.stage === 'deleted' && !(await store.markExperimentPurging(exp.experimentId, cutoff))) {
        keep('it was restored, or runs were added, while collecting');
        continue;
      }
      await removeArtifacts(exp.artifactLocation, experimentFolder(exp), `experiment ${exp.experimentId}`);
      await store.deleteExperimentRows(exp.experimentId);
      report.experimentsRemoved.push(exp.experimentId);
      opts.log(`${verb} experiment ${exp.experimentId} ('${exp.name}')`);
    }
  }
  return report;
}

/** Parses MLflow's `--older-than` format: `30d`, `1d2h3m4s`, `90m`. */
export function parseOlderThan(text: string): number {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || text.trim() === '') {
    throw new Error(`--older-than must look like 30d, 1d2h3m4s or 90m, got '${text}'`);
  }
  const [, d, h, min, s] = m.map((x) => Number(x ?? 0));
  return (((d! * 24 + h!) * 60 + min!) * 60 + s!) * 1000;
}
