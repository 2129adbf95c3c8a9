/** Prompt versions in the registry (see src/entities/prompts.ts for how MLflow 3 stores them). */
import { hasPromptTag, PROMPT_PLACEHOLDER_SOURCE } from '../entities/prompts.js';
import type { TagRecord } from '../store/registry-store.js';

/**
 * A new version is a prompt version when it carries the placeholder source and the prompt tag
 * and its registered model is a prompt. Exactly then the source names no files and is not
 * checked; every other source goes through the usual validation.
 */
export function isPromptVersion(
  source: string,
  versionTags: readonly TagRecord[] | undefined,
  modelTags: readonly TagRecord[],
): boolean {
  return source === PROMPT_PLACEHOLDER_SOURCE && hasPromptTag(versionTags) && hasPromptTag(modelTags);
}
