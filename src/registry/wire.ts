/** Registry records to their wire shape: versions as strings, empty lists and unset fields omitted. */
import type { ModelVersion, RegisteredModel } from '../entities/registry.js';
import type { ModelVersionRecord, RegisteredModelRecord } from '../store/registry-store.js';

/**
 * `withAliases: false` is for search results, which (as in MLflow) do not list aliases; single
 * version reads do.
 */
export function toWireModelVersion(v: ModelVersionRecord, withAliases = true): ModelVersion {
  const out: ModelVersion = {
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.creationTime,
    last_updated_timestamp: v.lastUpdatedTime,
    current_stage: v.stage,
    description: v.description ?? '',
    source: v.source,
    run_id: v.runId ?? '',
    status: v.status,
    run_link: v.runLink ?? '',
  };
  if (v.userId) out.user_id = v.userId;
  if (v.statusMessage) out.status_message = v.statusMessage;
  if (v.tags.length) out.tags = v.tags.map((t) => ({ key: t.key, value: t.value }));
  if (withAliases && v.aliases.length) out.aliases = [...v.aliases];
  return out;
}

export function toWireRegisteredModel(m: RegisteredModelRecord): RegisteredModel {
  const out: RegisteredModel = {
    name: m.name,
    creation_timestamp: m.creationTime,
    last_updated_timestamp: m.lastUpdatedTime,
  };
  if (m.userId) out.user_id = m.userId;
  if (m.description !== null) out.description = m.description;
  if (m.latestVersions.length)
    out.latest_versions = m.latestVersions.map((v) => toWireModelVersion(v, false));
  if (m.tags.length) out.tags = m.tags.map((t) => ({ key: t.key, value: t.value }));
  if (m.aliases.length) out.aliases = m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) }));
  return out;
}
