/**
 * The `MLmodel` file: YAML at the root of a model directory describing its flavors, signature,
 * input example and provenance. Written the way MLflow writes it (sorted keys, block style) so
 * either tool reads the other's models; keys Cairn does not know are kept as they are.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Document, Scalar, parse } from 'yaml';
import { invalidParam, notFound } from '../errors.js';
import { MLFLOW_COMPAT_VERSION, VERSION } from '../version.js';
import { signatureFromMlmodel, signatureToMlmodel, type ModelSignature } from './signature/types.js';

export const MLMODEL_FILE = 'MLmodel';

export type FlavorConf = Record<string, unknown>;

export interface SavedInputExampleInfo {
  artifact_path: string;
  type: string;
  pandas_orient?: string;
  serving_input_path?: string;
  [key: string]: unknown;
}

export interface MlModel {
  artifact_path?: string;
  run_id?: string;
  model_id?: string | null;
  utc_time_created: string;
  model_uuid: string;
  mlflow_version?: string;
  flavors: Record<string, FlavorConf>;
  signature?: ModelSignature;
  saved_input_example_info?: SavedInputExampleInfo;
  metadata?: Record<string, unknown>;
  model_size_bytes?: number;
  /** Every other key found in the file, written back unchanged. */
  extra: Record<string, unknown>;
}

const KNOWN_KEYS = new Set([
  'artifact_path',
  'run_id',
  'model_id',
  'utc_time_created',
  'model_uuid',
  'mlflow_version',
  'flavors',
  'signature',
  'saved_input_example_info',
  'metadata',
  'model_size_bytes',
]);

/** Naive UTC `YYYY-MM-DD HH:MM:SS.ffffff`, as MLflow stamps `utc_time_created`. */
export function utcTimestamp(date = new Date()): string {
  return `${date.toISOString().replace('T', ' ').slice(0, 23)}000`;
}

export function newMlModel(
  opts: Partial<Omit<MlModel, 'extra'>> & { extra?: Record<string, unknown> } = {},
): MlModel {
  return {
    utc_time_created: utcTimestamp(),
    model_uuid: randomUUID().replace(/-/g, ''),
    mlflow_version: MLFLOW_COMPAT_VERSION,
    flavors: {},
    ...opts,
    extra: { cairn_version: VERSION, ...(opts.extra ?? {}) },
  };
}

/** Parses MLmodel YAML (or an already-parsed dict, e.g. from `mlflow.log-model.history`). */
export function parseMlModel(source: string | Record<string, unknown>): MlModel {
  const raw = typeof source === 'string' ? (parse(source) as unknown) : source;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw invalidParam('MLmodel is not a YAML mapping.');
  const o = raw as Record<string, unknown>;
  const flavors = o.flavors;
  if (!flavors || typeof flavors !== 'object') throw invalidParam('MLmodel has no flavors.');
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!KNOWN_KEYS.has(k)) extra[k] = v;
  const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
  const model: MlModel = {
    utc_time_created: str(o.utc_time_created) ?? utcTimestamp(),
    model_uuid: str(o.model_uuid) ?? '',
    flavors: flavors as Record<string, FlavorConf>,
    extra,
  };
  if (o.artifact_path != null) model.artifact_path = String(o.artifact_path);
  if (o.run_id != null) model.run_id = String(o.run_id);
  if ('model_id' in o) model.model_id = o.model_id == null ? null : String(o.model_id);
  if (o.mlflow_version != null) model.mlflow_version = String(o.mlflow_version);
  if (o.signature) model.signature = signatureFromMlmodel(o.signature);
  if (o.saved_input_example_info)
    model.saved_input_example_info = o.saved_input_example_info as SavedInputExampleInfo;
  if (o.metadata && typeof o.metadata === 'object') model.metadata = o.metadata as Record<string, unknown>;
  if (typeof o.model_size_bytes === 'number') model.model_size_bytes = o.model_size_bytes;
  return model;
}

/** The model as the plain dict MLflow's `Model.to_dict()` gives (signature values are JSON strings). */
export function mlModelToDict(m: MlModel): Record<string, unknown> {
  const out: Record<string, unknown> = { ...m.extra };
  if (m.artifact_path !== undefined) out.artifact_path = m.artifact_path;
  if (m.run_id !== undefined) out.run_id = m.run_id;
  if (m.model_id !== undefined) out.model_id = m.model_id;
  out.utc_time_created = m.utc_time_created;
  out.model_uuid = m.model_uuid;
  if (m.mlflow_version !== undefined) out.mlflow_version = m.mlflow_version;
  out.flavors = m.flavors;
  if (m.signature) out.signature = signatureToMlmodel(m.signature);
  if (m.saved_input_example_info) out.saved_input_example_info = m.saved_input_example_info;
  if (m.metadata) out.metadata = m.metadata;
  if (m.model_size_bytes !== undefined) out.model_size_bytes = m.model_size_bytes;
  return out;
}

export function stringifyMlModel(m: MlModel): string {
  const doc = new Document(mlModelToDict(m), { sortMapEntries: true });
  // PyYAML would read an unquoted `2026-01-01 00:00:00.000000` as a datetime: quote it like MLflow.
  const ts = new Scalar(m.utc_time_created);
  ts.type = Scalar.QUOTE_SINGLE;
  doc.set('utc_time_created', ts);
  return doc.toString({ indentSeq: false, lineWidth: 80 });
}

export async function readMlModel(modelDir: string): Promise<MlModel> {
  let text: string;
  try {
    text = await readFile(join(modelDir, MLMODEL_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw notFound(`Could not find an "${MLMODEL_FILE}" configuration file at "${modelDir}".`);
    }
    throw err;
  }
  return parseMlModel(text);
}

export async function writeMlModel(modelDir: string, m: MlModel): Promise<void> {
  await writeFile(join(modelDir, MLMODEL_FILE), stringifyMlModel(m));
}
