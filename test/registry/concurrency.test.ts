/**
 * 200 versions of one model created by 8 parallel clients, spread over two server instances that
 * share the database (each with its own connections, as separate processes would): the model
 * must end with versions 1..200 exactly — no gap, no duplicate.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { makeRun, ok } from './helpers.js';

const CLIENTS = 8;
const VERSIONS = 200;

for (const backend of BACKENDS) {
  describe(`concurrent version creation (${backend})`, () => {
    let first: TestServer;
    let second: RunningServer;
    before(async () => {
      first = await startTestServer(backend);
      second = await startServer({ ...first.ctx.config, port: 0 });
    });
    after(async () => {
      await second?.close();
      await first?.stop();
    });

    it(`${CLIENTS} clients create ${VERSIONS} versions numbered 1..${VERSIONS}`, async () => {
      const { runId } = await makeRun(first.url);
      await ok(first.url, 'POST', 'registered-models/create', { name: 'contended' });
      const returned: number[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, client) => {
          const base = client % 2 === 0 ? first.url : second.url;
          while (next < VERSIONS) {
            next++;
            const res = await ok(base, 'POST', 'model-versions/create', {
              name: 'contended',
              source: `runs:/${runId}/model`,
              tags: [{ key: 'client', value: String(client) }],
            });
            returned.push(Number(res.model_version.version));
          }
        }),
      );
      assert.equal(returned.length, VERSIONS);
      const expected = Array.from({ length: VERSIONS }, (_, i) => i + 1);
      assert.deepEqual(
        [...returned].sort((a, b) => a - b),
        expected,
      );

      const stored: number[] = [];
      let token: string | undefined;
      do {
        const page = await ok(first.url, 'GET', 'model-versions/search', {
          filter: "name = 'contended'",
          order_by: 'version_number ASC',
          max_results: 64,
          ...(token ? { page_token: token } : {}),
        });
        stored.push(...page.model_versions.map((v: { version: string }) => Number(v.version)));
        token = page.next_page_token;
      } while (token);
      assert.deepEqual(stored, expected);
      const again = await ok(second.url, 'POST', 'model-versions/create', {
        name: 'contended',
        source: `runs:/${runId}/m`,
      });
      assert.equal(again.model_version.version, String(VERSIONS + 1));
    });
  });
}
