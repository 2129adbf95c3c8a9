/**
 * MLflow's scoping of registry searches between models and prompts: a search returns ordinary
 * models (or their versions) unless its filter asks for prompts (`tags.mlflow.prompt.is_prompt =
 * 'true'` or `!= 'false'`). Models carry no prompt tag at all, so `is_prompt != 'true'` — which
 * MLflow 3 clients add to every model search — cannot be a plain tag comparison (that would need
 * the tag to exist); it becomes "not a prompt": an anti-join on the prompt tag.
 */
import { IS_PROMPT_TAG } from '../../../entities/prompts.js';
import type { Filter } from '../../../search/ast.js';
import type { Dialect, SqlValue } from '../database.js';

export function queriesPrompts(filter: Filter): boolean {
  const clause = filter.find((c) => c.type === 'tag' && c.key === IS_PROMPT_TAG);
  if (!clause || typeof clause.value !== 'string') return false;
  const value = clause.value.toLowerCase();
  return (clause.comparator === '=' && value === 'true') || (clause.comparator === '!=' && value === 'false');
}

/**
 * Splits a filter into the clauses to compile and whether prompts must be excluded. When prompts
 * are not asked for, clauses on the prompt tag are dropped (they only restate "not a prompt").
 */
export function promptScope(filter: Filter): { clauses: Filter; excludePrompts: boolean } {
  if (queriesPrompts(filter)) return { clauses: filter, excludePrompts: false };
  return {
    clauses: filter.filter((c) => !(c.type === 'tag' && c.key === IS_PROMPT_TAG)),
    excludePrompts: true,
  };
}

/** "Not a prompt": the registered model of the row has no `is_prompt = 'true'` tag. */
export function notPromptSql(d: Dialect, alias: string, params: SqlValue[]): string {
  const q = d.id;
  params.push(IS_PROMPT_TAG);
  return `NOT EXISTS (SELECT 1 FROM ${q('registered_model_tags')} p WHERE p.${q('name')} = ${alias}.${q('name')} AND p.${q('key')} = ? AND LOWER(p.${q('value')}) = 'true')`;
}
