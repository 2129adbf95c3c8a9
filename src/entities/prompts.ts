/**
 * MLflow 3 keeps prompts in the model registry: a prompt is a registered model tagged
 * `mlflow.prompt.is_prompt = true`, each prompt version a model version with the same tag, the
 * template in `mlflow.prompt.text` and a placeholder source (prompts have no files).
 */
export const IS_PROMPT_TAG = 'mlflow.prompt.is_prompt';
export const PROMPT_TEXT_TAG = 'mlflow.prompt.text';
export const PROMPT_PLACEHOLDER_SOURCE = 'dummy-source';

/** True when the tags mark a prompt (MLflow compares the value case-insensitively). */
export function hasPromptTag(tags: readonly { key: string; value: string }[] | undefined): boolean {
  return (tags ?? []).some((t) => t.key === IS_PROMPT_TAG && t.value.toLowerCase() === 'true');
}
