/** Input rules of the model registry (names, versions, stages, tags, aliases). */
import { invalidParam } from '../errors.js';
import { MODEL_VERSION_STAGES, type ModelVersionStage } from '../entities/registry.js';
import type { TagRecord } from '../store/registry-store.js';

export const MAX_MODEL_NAME_LENGTH = 256;
export const MAX_TAG_KEY_LENGTH = 250;
export const MAX_TAG_VALUE_LENGTH = 5000;
export const MAX_ALIAS_LENGTH = 255;
export const MAX_DESCRIPTION_LENGTH = 100_000;
export const ACTIVE_STAGES: readonly ModelVersionStage[] = ['Staging', 'Production'];

export function validateModelName(name: string, field = 'name'): string {
  if (!name) throw invalidParam(`Missing value for required parameter '${field}'.`);
  if (name.length > MAX_MODEL_NAME_LENGTH) {
    throw invalidParam(`'${field}' exceeds the maximum length of ${MAX_MODEL_NAME_LENGTH} characters`);
  }
  return name;
}

/** A version number given as an integer or a string holding one. */
export function parseVersion(value: string | number): number {
  const text = String(value).trim();
  if (!/^\d{1,9}$/.test(text)) {
    throw invalidParam(`Parameter 'version' must be an integer, got '${String(value)}'.`);
  }
  return Number(text);
}

/** A stage name in any case, returned in its canonical spelling. */
export function parseStage(value: string): ModelVersionStage {
  const found = MODEL_VERSION_STAGES.find((s) => s.toLowerCase() === value.trim().toLowerCase());
  if (!found) {
    throw invalidParam(
      `Invalid Model Version stage: ${value}. Value must be one of ${MODEL_VERSION_STAGES.join(', ')}.`,
    );
  }
  return found;
}

export function validateTag(tag: TagRecord): TagRecord {
  if (!tag.key) throw invalidParam(`Missing value for required parameter 'key'.`);
  if (tag.key.length > MAX_TAG_KEY_LENGTH) {
    throw invalidParam(`'key' exceeds the maximum length of ${MAX_TAG_KEY_LENGTH} characters`);
  }
  if (tag.value.length > MAX_TAG_VALUE_LENGTH) {
    throw invalidParam(
      `'value' of tag '${tag.key}' exceeds the maximum length of ${MAX_TAG_VALUE_LENGTH} characters (got ${tag.value.length}).`,
    );
  }
  return tag;
}

export function validateDescription(description: string | undefined): string | undefined {
  if (description !== undefined && description.length > MAX_DESCRIPTION_LENGTH) {
    throw invalidParam(`'description' exceeds the maximum length of ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  return description;
}

export function validateAlias(alias: string): string {
  if (!alias) throw invalidParam(`Missing value for required parameter 'alias'.`);
  if (alias.length > MAX_ALIAS_LENGTH) {
    throw invalidParam(
      `Alias name '${alias.slice(0, 50)}...' exceeds the maximum length of ${MAX_ALIAS_LENGTH} characters.`,
    );
  }
  if (!/^[\w-]+$/.test(alias)) {
    throw invalidParam(
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  if (alias.toLowerCase() === 'latest')
    throw invalidParam(`'latest' alias name (case insensitive) is reserved.`);
  if (/^[vV]\d+$/.test(alias)) throw invalidParam(`Version alias name '${alias}' is reserved.`);
  return alias;
}
