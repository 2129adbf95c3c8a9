/**
 * Prompts of the registry (MLflow 3 keeps them as registered models tagged
 * `mlflow.prompt.is_prompt = true`, the template of each version in a version tag). Model
 * searches leave prompts out; these calls ask for them explicitly.
 */
import { apiGetAll } from './client';
import { nameContainsFilter, quoteFilterValue, type ModelVersion, type RegisteredModel } from './registry';
import { IS_PROMPT_TAG, PROMPT_TEXT_TAG } from '../../../src/entities/prompts.js';

const ONLY_PROMPTS = `tags.\`${IS_PROMPT_TAG}\` = 'true'`;

/** Every prompt whose name contains `text` (all pages), by name. */
export const searchPrompts = (text: string, signal?: AbortSignal): Promise<RegisteredModel[]> => {
  const byName = nameContainsFilter(text);
  return apiGetAll<RegisteredModel>(
    'registered-models/search',
    'registered_models',
    { filter: byName ? `${ONLY_PROMPTS} AND ${byName}` : ONLY_PROMPTS, max_results: 1000 },
    signal,
  );
};

/** The versions of one prompt, newest first. */
export const listPromptVersions = (name: string, signal?: AbortSignal): Promise<ModelVersion[]> =>
  apiGetAll<ModelVersion>(
    'model-versions/search',
    'model_versions',
    {
      filter: `name = ${quoteFilterValue(name)} AND ${ONLY_PROMPTS}`,
      order_by: ['version_number DESC'],
      max_results: 1000,
    },
    signal,
  );

export const promptTemplate = (v: ModelVersion): string =>
  v.tags?.find((t) => t.key === PROMPT_TEXT_TAG)?.value ?? '';

/** Tags worth showing: everything but the prompt bookkeeping. */
export const userTags = (tags: { key: string; value: string }[] | undefined) =>
  (tags ?? []).filter((t) => t.key !== IS_PROMPT_TAG && t.key !== PROMPT_TEXT_TAG);
