/** Splits `[entity.]key` into an entity type and a key, shared by the filter and order-by parsers. */
import { invalidParam } from '../errors.js';
import type { EntityType } from './ast.js';
import type { Segment } from './tokenizer.js';
import type { KindRules } from './search-rules.js';

export interface RawIdentifier {
  /** The entity prefix as written, or undefined for a bare key. */
  entity: string | undefined;
  /** The key with quotes removed, aliases not yet applied. */
  key: string;
}

/**
 * A bare name is a key of its own (`name`, `` `Run Name` ``); otherwise the first segment is the
 * entity and the rest the key: one quoted segment (`` tags.`a.b c` ``) or dotted bare words
 * (`tags.mlflow.runName`).
 */
export function splitIdentifier(segments: readonly Segment[], raw: string): RawIdentifier {
  if (segments.length === 1) {
    const key = segments[0]!.text;
    if (key === '') throw invalidParam(`Invalid identifier ${raw}: the key is empty`);
    return { entity: undefined, key };
  }
  const entity = segments[0]!.text;
  const rest = segments.slice(1);
  let key: string;
  if (rest.length === 1) {
    key = rest[0]!.text;
  } else if (rest.every((s) => !s.quoted)) {
    key = rest.map((s) => s.text).join('.');
  } else {
    throw invalidParam(
      `Invalid identifier ${raw}: quote the whole key, e.g. ${entity}.\`${rest.map((s) => s.text).join('.')}\``,
    );
  }
  if (key === '') throw invalidParam(`Invalid identifier ${raw}: the key is empty`);
  return { entity, key };
}

/** Resolves the entity prefix with the filter rules of a kind; bare keys are attributes. */
export function resolveEntity(rules: KindRules, entity: string | undefined): EntityType {
  if (entity === undefined) return 'attribute';
  const type = Object.hasOwn(rules.entities, entity) ? rules.entities[entity] : undefined;
  if (type === undefined) {
    throw invalidParam(`Invalid entity type '${entity}'. Valid values are ${rules.entityList}`);
  }
  return type;
}
