/**
 * Row mapping and bulk loading for the registry tables: a page of models or versions is completed
 * with a fixed number of queries (tags, aliases, versions), never one query per item.
 */
import type { ModelVersionStage, ModelVersionStatus } from '../../../entities/registry.js';
import type {
  AliasRecord,
  ModelVersionRecord,
  RegisteredModelRecord,
  TagRecord,
} from '../../registry-store.js';
import type { Row, SqlExecutor, SqlValue } from '../database.js';
import { queryIn as queryInChunks } from '../tracking/common.js';
import { modelNotFound, versionNotFound } from './errors.js';

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export const MODEL_COLUMNS = ['name', 'creation_time', 'last_updated_time', 'description', 'user_id'];
export const VERSION_COLUMNS = [
  'name',
  'version',
  'creation_time',
  'last_updated_time',
  'description',
  'user_id',
  'current_stage',
  'source',
  'storage_location',
  'run_id',
  'run_link',
  'model_id',
  'status',
  'status_message',
];

export function versionFromRow(r: Row): ModelVersionRecord {
  return {
    name: String(r.name),
    version: Number(r.version),
    creationTime: Number(r.creation_time),
    lastUpdatedTime: Number(r.last_updated_time),
    description: str(r.description),
    userId: str(r.user_id),
    stage: String(r.current_stage) as ModelVersionStage,
    source: String(r.source),
    storageLocation: str(r.storage_location),
    runId: str(r.run_id),
    runLink: str(r.run_link),
    modelId: str(r.model_id),
    status: String(r.status) as ModelVersionStatus,
    statusMessage: str(r.status_message),
    tags: [],
    aliases: [],
  };
}

export function modelFromRow(r: Row): RegisteredModelRecord {
  return {
    name: String(r.name),
    creationTime: Number(r.creation_time),
    lastUpdatedTime: Number(r.last_updated_time),
    description: str(r.description),
    userId: str(r.user_id),
    tags: [],
    aliases: [],
    latestVersions: [],
  };
}

/** `... IN (?)` over many names, 500 per statement. */
const queryIn = (
  ex: SqlExecutor,
  sqlFor: (placeholders: string) => string,
  values: SqlValue[],
): Promise<Row[]> => queryInChunks(ex, sqlFor, values, 500);

const tagFromRow = (r: Row): TagRecord => ({ key: String(r.key), value: String(r.value ?? '') });

/** The alias rows (name, alias, version) of the given models. */
const aliasRowsOf = (ex: SqlExecutor, q: (n: string) => string, names: string[]): Promise<Row[]> =>
  queryIn(
    ex,
    (p) =>
      `SELECT ${q('name')}, ${q('alias')}, ${q('version')} FROM ${q('registered_model_aliases')} WHERE ${q('name')} IN (${p})`,
    names,
  );

const byKey = (a: TagRecord, b: TagRecord): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The newest version of every stage, ordered by the stage's first appearance when the versions
 * are walked in ascending order (the order MLflow reports them in).
 */
export function latestPerStage(versions: ModelVersionRecord[]): ModelVersionRecord[] {
  const byStage = new Map<string, ModelVersionRecord>();
  for (const v of [...versions].sort((a, b) => a.version - b.version)) byStage.set(v.stage, v);
  return [...byStage.values()];
}

/** Fills tags and aliases of the given versions (in place). */
export async function completeVersions(
  ex: SqlExecutor,
  q: (n: string) => string,
  versions: ModelVersionRecord[],
): Promise<ModelVersionRecord[]> {
  if (versions.length === 0) return versions;
  const names = [...new Set(versions.map((v) => v.name))];
  const index = new Map(versions.map((v) => [`${v.name}\u0000${v.version}`, v]));
  const tagRows = await queryIn(
    ex,
    (p) =>
      `SELECT ${q('name')}, ${q('version')}, ${q('key')}, ${q('value')} FROM ${q('model_version_tags')} WHERE ${q('name')} IN (${p})`,
    names,
  );
  for (const r of tagRows) {
    index.get(`${String(r.name)}\u0000${Number(r.version)}`)?.tags.push(tagFromRow(r));
  }
  for (const r of await aliasRowsOf(ex, q, names)) {
    index.get(`${String(r.name)}\u0000${Number(r.version)}`)?.aliases.push(String(r.alias));
  }
  for (const v of versions) {
    v.tags.sort(byKey);
    v.aliases.sort();
  }
  return versions;
}

/** Fills tags, aliases and latest versions of the given models (in place). */
export async function completeModels(
  ex: SqlExecutor,
  q: (n: string) => string,
  models: RegisteredModelRecord[],
): Promise<RegisteredModelRecord[]> {
  if (models.length === 0) return models;
  const index = new Map(models.map((m) => [m.name, m]));
  const names = [...index.keys()];
  const tagRows = await queryIn(
    ex,
    (p) =>
      `SELECT ${q('name')}, ${q('key')}, ${q('value')} FROM ${q('registered_model_tags')} WHERE ${q('name')} IN (${p})`,
    names,
  );
  for (const r of tagRows) {
    index.get(String(r.name))?.tags.push(tagFromRow(r));
  }
  for (const r of await aliasRowsOf(ex, q, names)) {
    index.get(String(r.name))?.aliases.push({ alias: String(r.alias), version: Number(r.version) });
  }
  // Latest version per (model, stage) in one grouped query joined back to the full rows; the
  // smallest version of each group orders the stages as MLflow reports them.
  const cols = VERSION_COLUMNS.map((c) => `mv.${q(c)}`).join(', ');
  const latestRows = await queryIn(
    ex,
    (p) =>
      `SELECT ${cols}, g.${q('first_version')} FROM (SELECT ${q('name')}, ${q('current_stage')}, MAX(${q('version')}) AS ${q('latest')}, MIN(${q('version')}) AS ${q('first_version')} FROM ${q('model_versions')} WHERE ${q('name')} IN (${p}) GROUP BY ${q('name')}, ${q('current_stage')}) g JOIN ${q('model_versions')} mv ON mv.${q('name')} = g.${q('name')} AND mv.${q('version')} = g.${q('latest')}`,
    names,
  );
  const firstOf = new Map<ModelVersionRecord, number>();
  for (const r of latestRows) {
    const v = versionFromRow(r);
    firstOf.set(v, Number(r.first_version));
    index.get(v.name)?.latestVersions.push(v);
  }
  for (const m of models) m.latestVersions.sort((a, b) => firstOf.get(a)! - firstOf.get(b)!);
  for (const m of models) {
    m.tags.sort(byKey);
    m.aliases.sort((a: AliasRecord, b: AliasRecord) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0));
  }
  return models;
}

type Quote = (n: string) => string;

/** One registered model without its tags, aliases and latest versions; 404 when absent. */
export async function modelRow(ex: SqlExecutor, q: Quote, name: string): Promise<RegisteredModelRecord> {
  const rows = await ex.query(
    `SELECT ${MODEL_COLUMNS.map(q).join(', ')} FROM ${q('registered_models')} WHERE ${q('name')} = ?`,
    [name],
  );
  if (!rows[0]) throw modelNotFound(name);
  return modelFromRow(rows[0]);
}

/** One model version without its tags and aliases; 404 when absent. */
export async function versionRow(
  ex: SqlExecutor,
  q: Quote,
  name: string,
  version: number,
): Promise<ModelVersionRecord> {
  const rows = await ex.query(
    `SELECT ${VERSION_COLUMNS.map(q).join(', ')} FROM ${q('model_versions')} WHERE ${q('name')} = ? AND ${q('version')} = ?`,
    [name, version],
  );
  if (!rows[0]) throw versionNotFound(name, version);
  return versionFromRow(rows[0]);
}

export async function fullModel(ex: SqlExecutor, q: Quote, name: string): Promise<RegisteredModelRecord> {
  const model = await modelRow(ex, q, name);
  await completeModels(ex, q, [model]);
  return model;
}

export async function fullVersion(
  ex: SqlExecutor,
  q: Quote,
  name: string,
  version: number,
): Promise<ModelVersionRecord> {
  const v = await versionRow(ex, q, name, version);
  await completeVersions(ex, q, [v]);
  return v;
}

/** Marks a registered model as changed at `time` (a version of it was changed). */
export async function touchModel(ex: SqlExecutor, q: Quote, name: string, time: number): Promise<void> {
  await ex.run(`UPDATE ${q('registered_models')} SET ${q('last_updated_time')} = ? WHERE ${q('name')} = ?`, [
    time,
    name,
  ]);
}
