/**
 * Searches return only what the caller may read, never 403, and paging stays exact: every
 * readable item once, nothing else. Permissions combine as the highest of a user's own and their
 * groups' grants. On every database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, basic, call, startAuthServer } from './helpers.js';
import { BACKENDS } from '../helpers/backends.js';
import type { TestServer } from '../helpers/server.js';

for (const backend of BACKENDS) {
  describe(`filtered searches on ${backend}`, () => {
    let server: TestServer;
    const admin = basic(ADMIN.username, ADMIN.password);
    const reader = basic('reader', 'reader-password');
    const readableExperiments: string[] = [];
    const readableModels: string[] = [];
    const allExperiments: string[] = [];

    before(async () => {
      server = await startAuthServer(backend, { defaultPermission: 'NO_PERMISSIONS' });
      await call(server.url, admin, 'POST', 'users/create', {
        username: 'reader',
        password: 'reader-password',
      });
      await call(server.url, admin, 'POST', 'groups/create', { name: 'editors' });
      await call(server.url, admin, 'POST', 'groups/add-member', { name: 'editors', username: 'reader' });
      for (let i = 0; i < 23; i++) {
        const id = String(
          (await call(server.url, admin, 'POST', 'experiments/create', { name: `e${i}` })).json.experiment_id,
        );
        allExperiments.push(id);
        const name = `m${String(i).padStart(2, '0')}`;
        await call(server.url, admin, 'POST', 'registered-models/create', { name });
        if (i % 3 === 1) {
          readableExperiments.push(id);
          await call(server.url, admin, 'POST', 'experiments/permissions/create', {
            experiment_id: id,
            username: 'reader',
            permission: 'READ',
          });
        }
        if (i % 4 === 2) {
          readableModels.push(name);
          await call(server.url, admin, 'POST', 'registered-models/permissions/create', {
            name,
            group_name: 'editors',
            permission: 'READ',
          });
        }
      }
    });
    after(async () => server.stop());

    async function pages(method: string, path: string, listField: string, idField: string, max: number) {
      const seen: string[] = [];
      let token: string | undefined;
      let count = 0;
      do {
        const r = await call(server.url, reader, method, path, {
          max_results: max,
          ...(token ? { page_token: token } : {}),
        });
        assert.equal(r.status, 200, r.text);
        const items = (r.json[listField] ?? []) as Record<string, unknown>[];
        assert.ok(items.length <= max);
        seen.push(...items.map((x) => String(x[idField])));
        token = r.json.next_page_token as string | undefined;
        assert.ok(++count < 50, 'paging does not end');
      } while (token);
      return seen;
    }

    it('pages experiments/search over exactly the readable experiments', async () => {
      for (const max of [1, 3, 7, 100]) {
        const seen = await pages('POST', 'experiments/search', 'experiments', 'experiment_id', max);
        assert.deepEqual([...seen].sort(), [...readableExperiments].sort(), `max_results=${max}`);
      }
    });

    it('pages registered-models/search over the models granted to the group', async () => {
      for (const max of [1, 2, 5]) {
        const seen = await pages('GET', 'registered-models/search', 'registered_models', 'name', max);
        assert.deepEqual(seen.sort(), [...readableModels].sort(), `max_results=${max}`);
      }
    });

    it('drops unreadable experiments from runs/search instead of refusing', async () => {
      const readable = readableExperiments[0]!;
      const hidden = allExperiments.find((e) => !readableExperiments.includes(e))!;
      for (const id of [readable, hidden])
        await call(server.url, admin, 'POST', 'runs/create', { experiment_id: id });
      const r = await call(server.url, reader, 'POST', 'runs/search', { experiment_ids: [readable, hidden] });
      assert.equal(r.status, 200);
      const runs = r.json.runs as { info: { experiment_id: string } }[];
      assert.deepEqual(
        runs.map((x) => x.info.experiment_id),
        [readable],
      );
      const none = await call(server.url, reader, 'POST', 'runs/search', { experiment_ids: [hidden] });
      assert.deepEqual([none.status, none.json], [200, {}]);
    });

    it('gives the highest of own and group grants', async () => {
      const id = readableExperiments[1]!;
      // Own grant READ; the group's EDIT wins.
      const tag = () =>
        call(server.url, reader, 'POST', 'experiments/set-experiment-tag', {
          experiment_id: id,
          key: 'k',
          value: 'v',
        });
      assert.equal((await tag()).status, 403);
      await call(server.url, admin, 'POST', 'experiments/permissions/create', {
        experiment_id: id,
        group_name: 'editors',
        permission: 'EDIT',
      });
      assert.equal((await tag()).status, 200);
    });
  });
}
