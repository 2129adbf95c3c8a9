/**
 * Parses one order-by clause (`metrics.acc DESC`, `` params.`my lr` ``, `start_time asc`) for a
 * search API. Throws MlflowError INVALID_PARAMETER_VALUE for any problem, never anything else.
 */
import { MlflowError, invalidParam } from '../errors.js';
import type { EntityType, OrderBy } from './ast.js';
import { splitIdentifier } from './identifier.js';
import { SEARCH_RULES, entityLabel, keyList, type SearchKind } from './search-rules.js';
import { FilterSyntaxError, isKeyword, shorten, tokenize, type Segment, type Token } from './tokenizer.js';

function unparseable(clause: string, why: string): MlflowError {
  return invalidParam(`Invalid order_by clause '${shorten(clause)}': ${why}.`);
}

function resolveOrderEntity(kind: SearchKind, entity: string | undefined): EntityType {
  if (entity === undefined) return 'attribute';
  const rules = SEARCH_RULES[kind];
  // Order-by accepts the same prefixes as filters for runs; other APIs list theirs.
  const type = Object.hasOwn(rules.entities, entity) ? rules.entities[entity] : undefined;
  if (type === undefined) {
    throw invalidParam(`Invalid order_by entity type '${entity}'. Valid values are ${rules.entityList}`);
  }
  if (!rules.orderEntities.includes(type)) {
    const allowed = rules.orderEntities.map(entityLabel).join(', ');
    throw invalidParam(
      `Invalid order_by entity: ${entityLabel(type)} (this search can order by: ${allowed})`,
    );
  }
  return type;
}

/** Resolves an already-split field name (`metrics.acc`, `creation_time`) for `kind`. */
function resolveField(
  kind: SearchKind,
  segments: readonly Segment[],
  raw: string,
): { type: EntityType; key: string } {
  const { entity, key } = splitIdentifier(segments, raw);
  const type = resolveOrderEntity(kind, entity);
  if (type !== 'attribute') return { type, key };
  const attributes = SEARCH_RULES[kind].orderAttributes;
  const canonical = Object.hasOwn(attributes, key) ? attributes[key] : undefined;
  if (canonical === undefined) {
    const label = kind === 'runs' ? 'attribute key' : 'order by key';
    throw invalidParam(
      `Invalid ${label} '${key}' specified. Valid keys are ${keyList(Object.keys(attributes))}`,
    );
  }
  return { type, key: canonical };
}

/**
 * Parses `"<identifier> [ASC|DESC]"` (direction case-insensitive, ascending by default).
 * Keys with spaces or dots go in backticks or double quotes.
 */
export function parseOrderBy(kind: SearchKind, clause: string): OrderBy {
  if (typeof clause !== 'string') throw invalidParam('An order_by clause must be a string');
  if (!Object.hasOwn(SEARCH_RULES, kind)) throw invalidParam(`Unknown search kind '${String(kind)}'`);
  try {
    let tokens: Token[];
    try {
      tokens = tokenize(clause);
    } catch (err) {
      if (err instanceof FilterSyntaxError)
        throw unparseable(clause, `${err.message} (at position ${err.pos})`);
      throw err;
    }
    const [first, direction, extra] = tokens;
    if (first === undefined) throw unparseable(clause, 'it is empty');
    if (first.kind !== 'ident' && first.kind !== 'dstring') {
      throw unparseable(clause, `expected a field name such as metrics.acc, got '${shorten(first.raw, 60)}'`);
    }
    if (extra !== undefined) {
      throw unparseable(clause, `unexpected '${shorten(extra.raw, 60)}'; expected "<field> [ASC|DESC]"`);
    }
    let ascending = true;
    if (direction !== undefined) {
      if (isKeyword(direction, 'DESC')) ascending = false;
      else if (!isKeyword(direction, 'ASC')) {
        throw invalidParam(
          `Invalid ordering key in order_by clause '${shorten(clause)}': expected ASC or DESC, got '${shorten(direction.raw, 60)}'.`,
        );
      }
    }
    const segments = first.kind === 'dstring' ? [{ text: first.value, quoted: true }] : first.segments;
    const { type, key } = resolveField(kind, segments, first.raw);
    return { type, key, ascending };
  } catch (err) {
    if (err instanceof MlflowError) throw err;
    throw unparseable(clause, err instanceof Error ? err.message : String(err));
  }
}

/** Parses a list of order-by clauses (absent = none). */
export function parseOrderByList(kind: SearchKind, clauses: readonly string[] | undefined): OrderBy[] {
  return (clauses ?? []).map((clause) => parseOrderBy(kind, clause));
}

/**
 * Resolves a structured order-by field as logged-model search sends it (`{field_name, ascending}`):
 * `metrics.<key>` or an attribute name.
 */
export function parseOrderByField(kind: SearchKind, fieldName: string, ascending = true): OrderBy {
  if (typeof fieldName !== 'string' || fieldName.trim() === '') {
    throw invalidParam('`field_name` in the `order_by` clause must be specified.');
  }
  const trimmed = fieldName.trim();
  const dot = trimmed.indexOf('.');
  // The key after the prefix is taken verbatim: structured fields need no quoting.
  if (dot > 0) {
    const entity = trimmed.slice(0, dot);
    const key = trimmed.slice(dot + 1);
    if (key === '') throw invalidParam(`Invalid order by field name: ${trimmed}: the key is empty.`);
    const type = resolveOrderEntity(kind, entity);
    if (type !== 'attribute') return { type, key, ascending };
    return { ...resolveField(kind, [{ text: key, quoted: true }], trimmed), ascending };
  }
  return { ...resolveField(kind, [{ text: trimmed, quoted: true }], trimmed), ascending };
}
