/** `experiments/count-runs`: exact active-run counts per experiment, its limits and errors, over real HTTP. */
import type { Json } from '../registry/helpers.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { assertError, assertOk } from './helpers.js';

for (const backend of BACKENDS) {
  describe(`experiments/count-runs (${backend})`, { timeout: 120_000 }, () => {
    let server: TestServer;
    const call = (method: string, path: string, payload?: Record<string, unknown>) =>
      api<Json>(server.url, method, path, payload);

    before(async () => {
      server = await startTestServer(backend);
    });
    after(async () => {
      await server.stop();
    });

    test('counts active runs per experiment, beyond the 2,000 the old UI paging stopped at', async () => {
      const big = (await call('POST', 'experiments/create', { name: 'big' })).json.experiment_id as string;
      const small = (await call('POST', 'experiments/create', { name: 'small' })).json
        .experiment_id as string;
      const empty = (await call('POST', 'experiments/create', { name: 'empty' })).json
        .experiment_id as string;
      const N = 2103;
      let made = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (made < N) {
            made++;
            assertOk(await call('POST', 'runs/create', { experiment_id: big }));
          }
        }),
      );
      const smallRuns: string[] = [];
      for (let i = 0; i < 3; i++)
        smallRuns.push((await call('POST', 'runs/create', { experiment_id: small })).json.run.info.run_id);
      // Deleted runs are not counted.
      assertOk(await call('POST', 'runs/delete', { run_id: smallRuns[0] }));
      const res = await call('GET', 'experiments/count-runs', {
        experiment_ids: [big, small, empty, '987654', 'not-an-id'],
      });
      assertOk(res);
      assert.deepEqual(res.json.counts, [
        { experiment_id: big, run_count: N },
        { experiment_id: small, run_count: 2 },
        { experiment_id: empty, run_count: 0 },
        { experiment_id: '987654', run_count: 0 },
        { experiment_id: 'not-an-id', run_count: 0 },
      ]);
    });

    test('asks for at least one and at most 200 experiment ids', async () => {
      assertError(await call('GET', 'experiments/count-runs'), 400, 'INVALID_PARAMETER_VALUE');
      const tooMany = Array.from({ length: 201 }, (_x, i) => String(i + 1));
      const res = await call('GET', 'experiments/count-runs', { experiment_ids: tooMany });
      assertError(res, 400, 'INVALID_PARAMETER_VALUE');
      assert.match(JSON.stringify(res.json), /at most 200 experiment_ids/);
      assertOk(await call('GET', 'experiments/count-runs', { experiment_ids: tooMany.slice(0, 200) }));
    });
  });
}
