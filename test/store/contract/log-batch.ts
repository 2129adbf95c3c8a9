import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Metric } from '../../../src/entities/tracking.js';
import {
  UNKNOWN_RUN,
  openRunsStore,
  rejectsWith,
  type NewRun,
  type StoreFixture,
  type OpenTrackingStore,
} from './fixture.js';

export function logBatchContract(label: string, open: OpenTrackingStore): void {
  describe(`logBatch store (${label})`, () => {
    let f: StoreFixture;
    let newRun: NewRun;
    before(async () => {
      ({ f, newRun } = await openRunsStore(open));
    });
    after(async () => {
      await f?.close();
    });

    it('writes a whole logBatch in one transaction (a failing param leaves no metrics)', async () => {
      const run = await newRun('atomic');
      const id = run.info.run_id;
      await f.store.logBatch(id, [], [{ key: 'fixed', value: 'old' }], []);
      const metrics: Metric[] = Array.from({ length: 1000 }, (_, i) => ({
        key: 'big',
        value: i,
        timestamp: 10 + i,
        step: i,
      }));
      await rejectsWith(
        f.store.logBatch(id, metrics, [{ key: 'fixed', value: 'new' }], [{ key: 'never', value: 'x' }]),
        'INVALID_PARAMETER_VALUE',
      );
      const history = await f.store.getMetricHistory(id, 'big', undefined);
      assert.equal(history.items.length, 0);
      const got = await f.store.getRun(id);
      assert.equal(got.data.metrics, undefined);
      assert.equal(
        got.data.tags?.some((t) => t.key === 'never'),
        false,
      );
      // The same batch without the conflicting param goes through whole.
      await f.store.logBatch(id, metrics, [{ key: 'fixed', value: 'old' }], [{ key: 'now', value: 'x' }]);
      assert.equal((await f.store.getMetricHistory(id, 'big', undefined)).items.length, 1000);
    });

    it("takes each key's latest value from anywhere in one call, with or without params", async () => {
      // The greatest (step, timestamp, value) of each key sits neither first nor last.
      const metrics: Metric[] = [
        { key: 'a', value: 1, timestamp: 1, step: 5 },
        { key: 'b', value: 5, timestamp: 1, step: 3 },
        { key: 'a', value: 2, timestamp: 1, step: 9 },
        { key: 'a', value: 0, timestamp: 3, step: 9 },
        { key: 'b', value: Infinity, timestamp: 1, step: 3 },
        { key: 'a', value: 4, timestamp: 3, step: 9 },
        { key: 'b', value: -1, timestamp: 0, step: 3 },
        { key: 'a', value: 8, timestamp: 9, step: 2 },
      ];
      for (const params of [[], [{ key: 'p', value: 'v' }]]) {
        const id = (await newRun(`latest-in-call-${params.length}`)).info.run_id;
        await f.store.logBatch(id, metrics, params, []);
        const latest = new Map((await f.store.getRun(id)).data.metrics?.map((m) => [m.key, m]));
        assert.deepEqual(latest.get('a'), { key: 'a', value: 4, timestamp: 3, step: 9 }, 'latest of a');
        assert.deepEqual(
          latest.get('b'),
          { key: 'b', value: Number.MAX_VALUE, timestamp: 1, step: 3 },
          'latest of b (Infinity is stored as the largest double)',
        );
        const steps = (await f.store.getMetricHistory(id, 'a', undefined)).items.map((m) => m.step);
        assert.deepEqual(
          [...steps].sort((x, y) => x - y),
          [2, 5, 9, 9, 9],
          'every point of a is kept',
        );
      }
    });

    it('keeps every point of concurrent logBatch calls and the right latest value', async () => {
      const run = await newRun('concurrent');
      const id = run.info.run_id;
      const calls = Array.from({ length: 40 }, (_, c) =>
        f.store.logBatch(
          id,
          Array.from({ length: 25 }, (_, i) => ({
            key: 'loss',
            value: c * 25 + i,
            timestamp: 1000 + c,
            step: c * 25 + i,
          })),
          [
            { key: `p${c}`, value: String(c) },
            { key: 'shared', value: 'same' },
          ],
          [{ key: 'writer', value: String(c) }],
        ),
      );
      await Promise.all(calls);
      const history = await f.store.getMetricHistory(id, 'loss', undefined);
      assert.equal(history.items.length, 1000);
      const got = await f.store.getRun(id);
      assert.deepEqual(got.data.metrics, [{ key: 'loss', value: 999, timestamp: 1039, step: 999 }]);
      assert.equal(got.data.params?.length, 41);
      assert.equal(got.data.tags?.filter((t) => t.key === 'writer').length, 1);
    });

    it('writes concurrent metric-only calls of many runs together, each run keeping its own latest values', async () => {
      const ids = await Promise.all(
        Array.from({ length: 6 }, async (_, r) => (await newRun(`many-${r}`)).info.run_id),
      );
      const special = [NaN, Infinity, -Infinity];
      await Promise.all(
        ids.flatMap((id, r) =>
          Array.from({ length: 20 }, (_, c) =>
            f.store.logBatch(
              id,
              [
                { key: 'loss', value: r * 100 + c, timestamp: 10, step: c },
                { key: 'odd', value: special[c % 3]!, timestamp: 10 + c, step: 0 },
              ],
              [],
              [],
            ),
          ),
        ),
      );
      for (const [r, id] of ids.entries()) {
        assert.equal((await f.store.getMetricHistory(id, 'loss', undefined)).items.length, 20);
        const odd = (await f.store.getMetricHistory(id, 'odd', undefined)).items.map((m) => m.value);
        assert.equal(odd.filter(Number.isNaN).length, 7);
        // Like MLflow, SQL stores keep ±Infinity as ±Number.MAX_VALUE.
        assert.equal(odd.filter((v) => v === Number.MAX_VALUE).length, 7);
        assert.equal(odd.filter((v) => v === -Number.MAX_VALUE).length, 6);
        const latest = new Map((await f.store.getRun(id)).data.metrics?.map((m) => [m.key, m]));
        assert.deepEqual(latest.get('loss'), { key: 'loss', value: r * 100 + 19, timestamp: 10, step: 19 });
        // Step 0 everywhere: the latest is the greatest timestamp (call 19: 19 % 3 = 1 → Infinity).
        assert.deepEqual(latest.get('odd'), { key: 'odd', value: Number.MAX_VALUE, timestamp: 29, step: 0 });
      }
    });

    it('isolates a failing call among concurrent ones (each call all-or-nothing)', async () => {
      const run = await newRun('isolated');
      const id = run.info.run_id;
      await f.store.logBatch(id, [], [{ key: 'fixed', value: 'old' }], []);
      const deleted = await newRun('isolated-deleted');
      await f.store.deleteRun(deleted.info.run_id);
      const results = await Promise.allSettled([
        f.store.logBatch(id, [{ key: 'ok1', value: 1, timestamp: 1, step: 0 }], [], []),
        f.store.logBatch(
          id,
          [{ key: 'bad', value: 1, timestamp: 1, step: 0 }],
          [{ key: 'fixed', value: 'new' }],
          [],
        ),
        f.store.logBatch(deleted.info.run_id, [{ key: 'bad2', value: 1, timestamp: 1, step: 0 }], [], []),
        f.store.logBatch(UNKNOWN_RUN, [{ key: 'bad3', value: 1, timestamp: 1, step: 0 }], [], []),
        f.store.logBatch(
          id,
          [{ key: 'ok2', value: 2, timestamp: 1, step: 0 }],
          [],
          [{ key: 'ok', value: 'y' }],
        ),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled'],
      );
      const codes = results.map((r) =>
        r.status === 'rejected' ? (r.reason as { errorCode: string }).errorCode : 'ok',
      );
      assert.deepEqual(codes, [
        'ok',
        'INVALID_PARAMETER_VALUE',
        'INVALID_PARAMETER_VALUE',
        'RESOURCE_DOES_NOT_EXIST',
        'ok',
      ]);
      const got = await f.store.getRun(id);
      // Concurrent calls may commit in any order on PostgreSQL/MySQL.
      assert.deepEqual(got.data.metrics?.map((m) => m.key).sort(), ['ok1', 'ok2']);
      assert.deepEqual(got.data.params, [{ key: 'fixed', value: 'old' }]);
      assert.equal((await f.store.getRun(deleted.info.run_id)).data.metrics, undefined);
    });

    it('stores a repeated point once (retried call, twice in one call, racing calls) and writes every other point', async () => {
      const a = (await newRun('repeat-a')).info.run_id;
      const b = (await newRun('repeat-b')).info.run_id;
      const pts = (key: string, from: number, n: number): Metric[] =>
        Array.from({ length: n }, (_, i) => ({
          key,
          value: (from + i) / 7,
          timestamp: 1000 + from + i,
          step: from + i,
        }));
      const first = [...pts('x', 0, 40), ...pts('y', 0, 40)];
      await f.store.logBatch(a, first, [], []);
      // Racing calls, gathered into one group where the store groups calls: a retry of the first
      // call, a call carrying one point twice besides new ones, and new points of another run.
      await Promise.all([
        f.store.logBatch(a, first, [], []),
        f.store.logBatch(a, [...pts('x', 40, 5), ...pts('x', 40, 1)], [], []),
        f.store.logBatch(b, pts('x', 0, 10), [], []),
        f.store.logBatch(b, pts('x', 0, 10), [], []),
      ]);
      // Later calls with new points only, and one more repeat among them.
      for (let c = 0; c < 5; c++) {
        await Promise.all([
          f.store.logBatch(a, pts('x', 45 + c * 3, 3), [], []),
          f.store.logBatch(b, pts('x', 10 + c, 1), [], []),
          f.store.logBatch(b, pts('x', 0, 1), [], []),
        ]);
      }
      const history = async (run: string, key: string): Promise<Metric[]> =>
        (await f.store.getMetricHistory(run, key, undefined)).items;
      assert.deepEqual(await history(a, 'x'), pts('x', 0, 60), 'run a, key x: every point once');
      assert.deepEqual(await history(a, 'y'), pts('y', 0, 40), 'run a, key y: every point once');
      assert.deepEqual(await history(b, 'x'), pts('x', 0, 15), 'run b: every point once');
      const latest = async (run: string): Promise<Metric | undefined> =>
        (await f.store.getRun(run)).data.metrics?.find((m) => m.key === 'x');
      assert.deepEqual(await latest(a), pts('x', 59, 1)[0], 'run a: latest x is the last point');
      assert.deepEqual(await latest(b), pts('x', 14, 1)[0], 'run b: latest x is the last point');
    });

    it('close() waits for queued writes to be committed', async () => {
      const id = (await newRun('closing')).info.run_id;
      const calls = Array.from({ length: 50 }, (_, i) =>
        f.store.logBatch(id, [{ key: 'q', value: i, timestamp: i, step: i }], [], []),
      );
      await f.store.close();
      // Everything was committed by the time close() resolved.
      assert.equal((await f.store.getMetricHistory(id, 'q', undefined)).items.length, 50);
      await Promise.all(calls);
    });

    it('applies concurrent calls whole, one after another', async () => {
      const a = (await newRun('order-a')).info.run_id;
      const b = (await newRun('order-b')).info.run_id;
      await Promise.all([
        f.store.logBatch(a, [], [], [{ key: 't', value: '1' }]),
        f.store.logBatch(a, [], [{ key: 'p', value: 'x' }], [{ key: 't', value: '2' }]),
        f.store.logBatch(b, [], [], [{ key: 't', value: '1' }]),
        f.store.logBatch(b, [], [{ key: 'p', value: 'x' }], [{ key: 't', value: '2' }]),
        f.store.logBatch(b, [{ key: 'm', value: 1, timestamp: 1, step: 0 }], [], [{ key: 't', value: '3' }]),
      ]);
      const ta = (await f.store.getRun(a)).data.tags?.find((t) => t.key === 't')?.value;
      const tb = (await f.store.getRun(b)).data.tags?.find((t) => t.key === 't')?.value;
      // Any one of the racing values, never a mix (a store with one writer applies them in call
      // order: see the SQLite checks in sql-tracking-store.test.ts).
      assert.ok(ta === '1' || ta === '2');
      assert.ok(tb === '1' || tb === '2' || tb === '3');
      assert.deepEqual((await f.store.getRun(b)).data.params, [{ key: 'p', value: 'x' }]);
    });
  });
}
