/**
 * The prompt registry as MLflow 3's Python client drives it, replayed request by request (derived
 * from `MlflowClient.register_prompt`, `load_prompt`, `search_prompts`, `set_prompt_alias` and
 * the REST store: GET requests carry their fields as query parameters, None fields are omitted),
 * plus the registered-model search every MLflow 3 client sends (`is_prompt != 'true'`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fails, failsInvalid, makeRun, ok, type Json } from './helpers.js';

const IS_PROMPT = 'mlflow.prompt.is_prompt';
const TEXT = 'mlflow.prompt.text';
// Exactly what the client appends (mlflow/prompt/registry_utils.py: add_prompt_filter_string).
const NOT_PROMPT = "tag.`mlflow.prompt.is_prompt` != 'true'";
const ONLY_PROMPTS = "tag.`mlflow.prompt.is_prompt` = 'true'";

/** The requests of `mlflow.genai.register_prompt(name, template, commit_message, tags)`. */
async function registerPrompt(
  url: string,
  name: string,
  template: string,
  commitMessage: string,
  tags: Record<string, string> = {},
): Promise<Json> {
  const existing = await fetch(
    `${url}/api/2.0/mlflow/registered-models/get?name=${encodeURIComponent(name)}`,
  );
  if (existing.status === 404) {
    assert.equal(((await existing.json()) as Json).error_code, 'RESOURCE_DOES_NOT_EXIST');
    await ok(url, 'POST', 'registered-models/create', {
      name,
      tags: [
        { key: IS_PROMPT, value: 'true' },
        ...Object.entries(tags).map(([key, value]) => ({ key, value })),
      ],
      description: commitMessage,
    });
  } else {
    assert.equal(existing.status, 200);
    for (const [key, value] of Object.entries(tags)) {
      await ok(url, 'POST', 'registered-models/set-tag', { name, key, value });
    }
  }
  const versionTags = { ...tags, [IS_PROMPT]: 'true', [TEXT]: template };
  const mv = await ok(url, 'POST', 'model-versions/create', {
    name,
    source: 'dummy-source',
    tags: Object.entries(versionTags).map(([key, value]) => ({ key, value })),
    description: commitMessage,
  });
  await ok(url, 'GET', 'registered-models/get', { name });
  return mv.model_version as Json;
}

const tagValue = (tags: { key: string; value: string }[] | undefined, key: string): string | undefined =>
  tags?.find((t) => t.key === key)?.value;

for (const backend of BACKENDS) {
  describe(`prompt registry as MLflow 3 clients use it (${backend})`, () => {
    let s: TestServer;
    let url: string;
    before(async () => {
      s = await startTestServer(backend);
      url = s.url;
    });
    after(async () => s?.stop());

    it('register_prompt creates a prompt and versions with the placeholder source', async () => {
      const v1 = await registerPrompt(url, 'greeting', 'Hello {{name}}!', 'first draft', { author: 'alice' });
      assert.equal(v1.version, '1');
      assert.equal(v1.source, 'dummy-source');
      assert.equal(tagValue(v1.tags, TEXT), 'Hello {{name}}!');
      assert.equal(v1.description, 'first draft');
      const v2 = await registerPrompt(url, 'greeting', 'Hi {{name}}, welcome.', 'friendlier');
      assert.equal(v2.version, '2');
    });

    it('load_prompt by version and by alias; aliases move', async () => {
      const byVersion = await ok(url, 'GET', 'model-versions/get', { name: 'greeting', version: '1' });
      assert.equal(tagValue(byVersion.model_version.tags, TEXT), 'Hello {{name}}!');

      await ok(url, 'POST', 'registered-models/alias', {
        name: 'greeting',
        alias: 'production',
        version: '1',
      });
      let byAlias = await ok(url, 'GET', 'registered-models/alias', {
        name: 'greeting',
        alias: 'production',
      });
      assert.equal(byAlias.model_version.version, '1');
      assert.deepEqual(byAlias.model_version.aliases, ['production']);
      await ok(url, 'POST', 'registered-models/alias', {
        name: 'greeting',
        alias: 'production',
        version: '2',
      });
      byAlias = await ok(url, 'GET', 'registered-models/alias', { name: 'greeting', alias: 'production' });
      assert.equal(tagValue(byAlias.model_version.tags, TEXT), 'Hi {{name}}, welcome.');
      await ok(url, 'DELETE', 'registered-models/alias', { name: 'greeting', alias: 'production' });
      await fails(
        url,
        'GET',
        'registered-models/alias',
        { name: 'greeting', alias: 'production' },
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    it('model searches of MLflow 3 clients find models without the prompt tag, and no prompts', async () => {
      const { runId } = await makeRun(url);
      await ok(url, 'POST', 'registered-models/create', { name: 'classifier' });
      await ok(url, 'POST', 'registered-models/create', {
        name: 'tagged-false',
        tags: [{ key: IS_PROMPT, value: 'false' }],
      });
      await ok(url, 'POST', 'model-versions/create', {
        name: 'classifier',
        source: `runs:/${runId}/model`,
        run_id: runId,
      });

      const names = (res: Json): string[] =>
        ((res.registered_models ?? []) as Json[]).map((m) => m.name as string);
      // search_registered_models(): the client always sends the prompt exclusion.
      const models = await ok(url, 'GET', 'registered-models/search', {
        filter: NOT_PROMPT,
        max_results: 100,
      });
      assert.deepEqual(names(models), ['classifier', 'tagged-false']);
      // Combined with another clause, as `search_registered_models("name LIKE 'c%'")` sends it.
      const combined = await ok(url, 'GET', 'registered-models/search', {
        filter: `name LIKE 'c%' AND ${NOT_PROMPT}`,
        max_results: 100,
      });
      assert.deepEqual(names(combined), ['classifier']);
      // Without any prompt clause, prompts stay out of model searches too (MLflow's default).
      assert.deepEqual(names(await ok(url, 'GET', 'registered-models/search', {})), [
        'classifier',
        'tagged-false',
      ]);
      // search_prompts(): only prompts.
      const prompts = await ok(url, 'GET', 'registered-models/search', {
        filter: ONLY_PROMPTS,
        max_results: 1000,
      });
      assert.deepEqual(names(prompts), ['greeting']);
      const pluralPrefix = await ok(url, 'GET', 'registered-models/search', {
        filter: "tags.`mlflow.prompt.is_prompt` != 'true'",
      });
      assert.deepEqual(names(pluralPrefix), ['classifier', 'tagged-false']);
      const notFalse = await ok(url, 'GET', 'registered-models/search', {
        filter: "tags.`mlflow.prompt.is_prompt` != 'false'",
      });
      assert.deepEqual(names(notFalse), ['greeting']);
      const promptsByName = await ok(url, 'GET', 'registered-models/search', {
        filter: `${ONLY_PROMPTS} AND name LIKE 'gree%'`,
      });
      assert.deepEqual(names(promptsByName), ['greeting']);

      // Model-version searches follow the same scoping.
      const versions = (res: Json): string[] =>
        ((res.model_versions ?? []) as Json[]).map((v) => `${v.name as string}/${v.version as string}`);
      assert.deepEqual(versions(await ok(url, 'GET', 'model-versions/search', { filter: NOT_PROMPT })), [
        'classifier/1',
      ]);
      assert.deepEqual(
        versions(await ok(url, 'GET', 'model-versions/search', { filter: ONLY_PROMPTS })).sort(),
        ['greeting/1', 'greeting/2'],
      );
    });

    it('the placeholder source is accepted only for prompt versions', async () => {
      await ok(url, 'POST', 'registered-models/create', { name: 'plain-model' });
      // A prompt-tagged version of an ordinary model: the source is validated as usual.
      await failsInvalid(
        url,
        'POST',
        'model-versions/create',
        { name: 'plain-model', source: 'dummy-source', tags: [{ key: IS_PROMPT, value: 'true' }] },
        /Invalid model version source/,
      );
      // A prompt version needs the prompt tag on the version too.
      await failsInvalid(
        url,
        'POST',
        'model-versions/create',
        { name: 'greeting', source: 'dummy-source' },
        /Invalid model version source/,
      );
      // Any other local-looking source on a prompt is still refused.
      await failsInvalid(
        url,
        'POST',
        'model-versions/create',
        { name: 'greeting', source: '/etc/passwd', tags: [{ key: IS_PROMPT, value: 'true' }] },
        /Invalid model version source/,
      );
    });
  });
}
