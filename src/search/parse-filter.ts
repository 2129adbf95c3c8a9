/**
 * Parses an MLflow search filter (`metrics.acc > 0.9 AND params.lr = '0.1'`) into a list of
 * clauses, checking it against the rules of one search API. Every problem is reported as an
 * INVALID_PARAMETER_VALUE MlflowError naming the offending text.
 */
import { MlflowError, invalidParam } from '../errors.js';
import type { Clause, Comparator, EntityType, Filter } from './ast.js';
import { resolveEntity, splitIdentifier } from './identifier.js';
import {
  LIST_COMPARATORS,
  NUMERIC_COMPARATORS,
  SEARCH_RULES,
  STRING_COMPARATORS,
  entityLabel,
  keyList,
  type AttributeRule,
  type KindRules,
  type SearchKind,
} from './search-rules.js';
import { ClauseReader, type RawClause, type RawValue } from './clause-reader.js';
import { FilterSyntaxError, shorten, tokenize, type Token } from './tokenizer.js';

export type { SearchKind } from './search-rules.js';

/** Longest filter accepted; beyond that the request is almost certainly not a hand-written filter. */
export const MAX_FILTER_LENGTH = 100_000;

function checkComparator(comparator: Comparator, allowed: readonly Comparator[], what: string): void {
  if (!allowed.includes(comparator)) {
    throw invalidParam(
      `Invalid comparator '${comparator}' for ${what}; expected one of ${allowed.map((c) => `'${c}'`).join(', ')}`,
    );
  }
}

function requireNumber(value: RawValue, what: string): number {
  if (value.kind === 'number') return value.value;
  throw invalidParam(`Expected numeric value type for ${what}. Found ${value.raw}`);
}

function requireString(value: RawValue, what: string): string {
  if (value.kind === 'string') return value.value;
  throw invalidParam(`Expected a quoted string value for ${what} (e.g. 'my-value'). Got value ${value.raw}`);
}

function requireStringList(value: Extract<RawValue, { kind: 'list' }>, what: string): string[] {
  return value.items.map((item) => {
    if (typeof item.value === 'string') return item.value;
    throw invalidParam(
      `Expected a list of quoted string values for ${what}. Got value ${item.raw} in ${value.raw}`,
    );
  });
}

function attributeClause(rules: KindRules, key: string, raw: RawClause): Clause {
  const rule: AttributeRule | undefined = Object.hasOwn(rules.attributes, key)
    ? rules.attributes[key]
    : undefined;
  if (rule === undefined) {
    throw invalidParam(
      `Invalid attribute key '${key}' specified. Valid keys are ${keyList(Object.keys(rules.attributes))}`,
    );
  }
  const what = `attribute '${key}'`;
  const { comparator, value } = raw;
  if (rule.valueType === 'number') {
    checkComparator(comparator, rule.comparators, `numeric ${what}`);
    if (rule.acceptsQuotedNumber && value.kind === 'string') {
      const text = value.value.trim();
      const parsed = Number(text);
      if (text === '' || !Number.isFinite(parsed)) {
        throw invalidParam(`Expected numeric value type for numeric ${what}. Found ${value.raw}`);
      }
      return { type: 'attribute', key: rule.key, comparator, value: parsed };
    }
    return { type: 'attribute', key: rule.key, comparator, value: requireNumber(value, `numeric ${what}`) };
  }
  if (!rule.comparators.includes(comparator)) {
    if (comparator === 'IN' || comparator === 'NOT IN') {
      const listKeys = Object.entries(rules.attributes)
        .filter(([, r]) => r.comparators.includes(comparator))
        .map(([k]) => k);
      const which = listKeys.length ? `only ${keyList(listKeys)} support` : 'no attribute supports';
      throw invalidParam(
        `Invalid comparator '${comparator}' for ${what}: ${which} a list of quoted string values`,
      );
    }
    checkComparator(comparator, rule.comparators, what);
  }
  if (value.kind === 'list') {
    const list = requireStringList(value, what);
    const items = rule.lowercaseListOnly ? list.filter((v) => !/[A-Z]/.test(v)) : list;
    return { type: 'attribute', key: rule.key, comparator, value: items };
  }
  return { type: 'attribute', key: rule.key, comparator, value: requireString(value, what) };
}

function buildClause(kind: SearchKind, raw: RawClause): Clause {
  const rules = SEARCH_RULES[kind];
  const segments =
    raw.identifier.kind === 'dstring'
      ? [{ text: raw.identifier.value, quoted: true }]
      : raw.identifier.segments;
  const { entity, key } = splitIdentifier(segments, raw.identifier.raw);
  const type: EntityType = resolveEntity(rules, entity);
  const { comparator, value } = raw;
  switch (type) {
    case 'attribute':
      return attributeClause(rules, key, raw);
    case 'metric':
      checkComparator(comparator, NUMERIC_COMPARATORS, `metric '${key}'`);
      return { type, key, comparator, value: requireNumber(value, 'metric') };
    case 'param':
    case 'tag': {
      const what = `${entityLabel(type)} '${key}'`;
      checkComparator(comparator, STRING_COMPARATORS, what);
      return { type, key, comparator, value: requireString(value, entityLabel(type)) };
    }
    case 'dataset': {
      if (!rules.datasetKeys.includes(key)) {
        throw invalidParam(
          `Invalid dataset key '${key}' specified. Valid keys are ${keyList(rules.datasetKeys)}`,
        );
      }
      checkComparator(comparator, LIST_COMPARATORS, `dataset '${key}'`);
      if (value.kind === 'list') {
        return { type, key, comparator, value: requireStringList(value, `dataset '${key}'`) };
      }
      return { type, key, comparator, value: requireString(value, `dataset '${key}'`) };
    }
  }
}

/**
 * Parses `filter` for the search API `kind`. An absent or blank filter matches everything (`[]`).
 * Throws MlflowError INVALID_PARAMETER_VALUE for any problem, never anything else.
 */
export function parseSearchFilter(kind: SearchKind, filter: string | undefined): Filter {
  if (filter === undefined || filter === null) return [];
  // Callers decode untyped request fields; a non-string must be refused, not crash.
  if (typeof filter !== 'string') throw invalidParam('The search filter must be a string');
  if (filter.trim() === '') return [];
  if (filter.length > MAX_FILTER_LENGTH) {
    throw invalidParam(
      `The search filter is too long (${filter.length} characters; at most ${MAX_FILTER_LENGTH})`,
    );
  }
  if (!Object.hasOwn(SEARCH_RULES, kind)) throw invalidParam(`Unknown search kind '${String(kind)}'`);
  try {
    let tokens: Token[];
    try {
      tokens = tokenize(filter);
    } catch (err) {
      if (err instanceof FilterSyntaxError) {
        throw invalidParam(`Invalid filter '${shorten(filter)}' at position ${err.pos}: ${err.message}.`);
      }
      throw err;
    }
    const raw = new ClauseReader(tokens, filter).readAll();
    return raw.map((clause) => buildClause(kind, clause));
  } catch (err) {
    if (err instanceof MlflowError) throw err;
    // Defensive: a bug here must still surface as a bad-filter answer, never as a 500.
    throw invalidParam(
      `Invalid filter '${shorten(filter)}': ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
