import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Metric } from '../../../src/entities/tracking.js';
import { UNKNOWN_RUN, rejectsWith, type StoreFixture, type OpenTrackingStore } from './fixture.js';

const point = (key: string, value: number, timestamp: number, step: number): Metric => ({
  key,
  value,
  timestamp,
  step,
});

export function metricsContract(label: string, open: OpenTrackingStore): void {
  describe(`metrics store (${label})`, () => {
    let f: StoreFixture;
    let exp: string;
    let runId: string;
    before(async () => {
      f = await open();
      exp = await f.store.createExperiment('metrics', undefined, []);
      runId = (
        await f.store.createRun({ experimentId: exp, userId: '', runName: 'm', startTime: 0, tags: [] })
      ).info.run_id;
    });
    after(async () => {
      await f?.close();
    });
    const log = (...metrics: Metric[]) => f.store.logBatch(runId, metrics, [], []);
    const latest = async (key: string) =>
      (await f.store.getRun(runId)).data.metrics?.find((m) => m.key === key);

    it('reports the greatest (step, timestamp, value) as the latest value', async () => {
      await log(point('latest', 10, 1600000001000, 2));
      await log(point('latest', 20, 1600000002000, 1)); // later timestamp, lower step: loses
      await log(point('latest', 5, 1600000001000, 2)); // same step/timestamp, lower value: loses
      assert.deepEqual(await latest('latest'), point('latest', 10, 1600000001000, 2));
      await log(point('ts_only', 1, 3000, 0), point('ts_only', 2, 2500, 0));
      assert.deepEqual(await latest('ts_only'), point('ts_only', 1, 3000, 0));
      await log(point('neg', 1, 100, -5));
      assert.deepEqual(await latest('neg'), point('neg', 1, 100, -5));
      // Within one batch and across batches alike.
      await log(point('ties', 1, 100, 3), point('ties', 7, 100, 3), point('ties', 4, 100, 3));
      assert.equal((await latest('ties'))?.value, 7);
    });

    it('orders history by (timestamp, step, value)', async () => {
      const page = await f.store.getMetricHistory(runId, 'latest', undefined);
      assert.deepEqual(page.items, [
        point('latest', 5, 1600000001000, 2),
        point('latest', 10, 1600000001000, 2),
        point('latest', 20, 1600000002000, 1),
      ]);
      assert.equal(page.next_page_token, undefined);
    });

    it('stores NaN with a flag and ±Infinity as ±MAX_VALUE', async () => {
      await log(point('nan', NaN, 60, 0), point('inf', Infinity, 70, 0), point('ninf', -Infinity, 80, 0));
      const nan = await latest('nan');
      assert.ok(nan && Number.isNaN(nan.value));
      assert.equal((await latest('inf'))?.value, 1.7976931348623157e308);
      assert.equal((await latest('ninf'))?.value, -1.7976931348623157e308);
      const hist = await f.store.getMetricHistory(runId, 'nan', 10);
      assert.equal(hist.items.length, 1);
      assert.ok(Number.isNaN(hist.items[0]!.value));
      // A NaN at a later step becomes the latest value; a number at the same step does not lose to it.
      await log(point('nan2', 1, 1, 0), point('nan2', NaN, 2, 1));
      assert.ok(Number.isNaN((await latest('nan2'))!.value));
    });

    it('pages history with tokens; no max means everything; duplicates collapse', async () => {
      const pts = Array.from({ length: 25 }, (_, i) => point('paged', i, 1000 + (i % 5), i));
      await log(...pts);
      await log(pts[0]!); // an identical point is stored once
      const all = await f.store.getMetricHistory(runId, 'paged', undefined);
      assert.equal(all.items.length, 25);
      const expected = [...pts].sort((a, b) => a.timestamp - b.timestamp || a.step - b.step);
      assert.deepEqual(all.items, expected);
      const seen: Metric[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await f.store.getMetricHistory(runId, 'paged', 7, token);
        seen.push(...page.items);
        token = page.next_page_token;
        pages++;
      } while (token);
      assert.equal(pages, 4);
      assert.deepEqual(seen, expected);
      const exact = await f.store.getMetricHistory(runId, 'paged', 25);
      assert.equal(exact.next_page_token, undefined);
    });

    it('pages history across points that differ only in value, or only in being NaN, every page size', async () => {
      // Same timestamp and step, several values and a NaN: page ends fall between such points.
      const pts: Metric[] = [];
      for (let ts = 0; ts < 3; ts++) {
        for (const step of [0, 1]) {
          for (const value of [-2.5, 0, 0.1, 7]) pts.push(point('value_ties', value, 5000 + ts, step));
          pts.push(point('value_ties', NaN, 5000 + ts, step));
        }
      }
      await log(...pts);
      const whole = (await f.store.getMetricHistory(runId, 'value_ties', undefined)).items;
      assert.equal(whole.length, pts.length);
      for (const size of [1, 2, 3, 4, 5, 7]) {
        const seen: Metric[] = [];
        let token: string | undefined;
        do {
          const page = await f.store.getMetricHistory(runId, 'value_ties', size, token);
          seen.push(...page.items);
          token = page.next_page_token;
        } while (token);
        assert.deepEqual(seen, whole, `pages of ${size}`);
      }
    });

    it('answers unknown keys with nothing and unknown runs / bad tokens with errors', async () => {
      assert.deepEqual((await f.store.getMetricHistory(runId, 'nope', 10)).items, []);
      await rejectsWith(f.store.getMetricHistory(UNKNOWN_RUN, 'acc', 10), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(
        f.store.getMetricHistory(runId, 'paged', 2, 'garbage!'),
        'INVALID_PARAMETER_VALUE',
        /page token/,
      );
      await rejectsWith(
        f.store.getMetricHistory(runId, 'paged', 2, Buffer.from('{"offset":1}').toString('base64')),
        'INVALID_PARAMETER_VALUE',
      );
    });

    it('samples bulk intervals at evenly spaced steps including first and last', async () => {
      const run2 = (
        await f.store.createRun({ experimentId: exp, userId: '', runName: 'b', startTime: 0, tags: [] })
      ).info.run_id;
      await f.store.logBatch(
        run2,
        Array.from({ length: 1000 }, (_, i) => point('many', i, 300, i)),
        [],
        [],
      );
      const sampled = await f.store.getMetricHistoryBulkInterval([run2], 'many', 5);
      assert.deepEqual(
        sampled.map((m) => m.step),
        [0, 200, 400, 600, 800, 999],
      );
      assert.ok(sampled.every((m) => m.run_id === run2 && m.value === m.step && m.key === 'many'));
      const range = await f.store.getMetricHistoryBulkInterval([run2], 'many', 100, 10, 15);
      assert.deepEqual(
        range.map((m) => m.step),
        [10, 11, 12, 13, 14, 15],
      );
      // Two runs: run order kept, the run lacking the key contributes nothing.
      const both = await f.store.getMetricHistoryBulkInterval([runId, run2], 'paged', 100);
      assert.equal(both.length, 25);
      assert.ok(both.every((m) => m.run_id === runId));
      await rejectsWith(
        f.store.getMetricHistoryBulkInterval([run2], 'many', 5, 10),
        'INVALID_PARAMETER_VALUE',
        /both must be specified/,
      );
      await rejectsWith(
        f.store.getMetricHistoryBulkInterval([run2], 'many', 5, 20, 10),
        'INVALID_PARAMETER_VALUE',
      );
      await rejectsWith(
        f.store.getMetricHistoryBulkInterval([run2, UNKNOWN_RUN], 'many', 5),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    it('downsamples long histories per bucket keeping spikes (min/max/first/last)', async () => {
      const run3 = (
        await f.store.createRun({ experimentId: exp, userId: '', runName: 's', startTime: 0, tags: [] })
      ).info.run_id;
      const n = 20000;
      const pts: Metric[] = [];
      for (let i = 0; i < n; i++) {
        let v = Math.sin(i / 500);
        if (i === 12345) v = 1000; // a spike
        if (i === 777) v = -1000; // a dip
        pts.push(point('noisy', v, 5000 + i, i));
      }
      for (let i = 0; i < n; i += 1000) await f.store.logBatch(run3, pts.slice(i, i + 1000), [], []);
      const sampled = await f.store.getSampledMetricHistory({ runIds: [run3], key: 'noisy', maxPoints: 100 });
      assert.ok(sampled.length <= 400 && sampled.length >= 100, `got ${sampled.length} points`);
      assert.ok(
        sampled.some((m) => m.step === 12345 && m.value === 1000),
        'spike kept',
      );
      assert.ok(
        sampled.some((m) => m.step === 777 && m.value === -1000),
        'dip kept',
      );
      assert.equal(sampled[0]!.step, 0);
      assert.equal(sampled[sampled.length - 1]!.step, n - 1);
      for (let i = 1; i < sampled.length; i++) assert.ok(sampled[i]!.step >= sampled[i - 1]!.step);
      assert.ok(sampled.every((m) => m.run_id === run3));
      // A window of steps: only points inside it.
      const windowed = await f.store.getSampledMetricHistory({
        runIds: [run3],
        key: 'noisy',
        maxPoints: 10,
        startStep: 12000,
        endStep: 12999,
      });
      assert.ok(windowed.every((m) => m.step >= 12000 && m.step <= 12999));
      assert.ok(windowed.some((m) => m.value === 1000));
      assert.ok(windowed.length <= 40);
      // Short histories come back whole.
      const whole = await f.store.getSampledMetricHistory({
        runIds: [run3, runId],
        key: 'paged',
        maxPoints: 100,
      });
      assert.equal(whole.length, 25);
      await rejectsWith(
        f.store.getSampledMetricHistory({ runIds: [UNKNOWN_RUN], key: 'noisy', maxPoints: 10 }),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });
  });
}
