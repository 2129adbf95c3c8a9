/** get-history-sampled with format=columns: the same points as the default answer, as columns per run. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { assertError, assertOk } from './helpers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DOUBLE_MAX = 1.7976931348623157e308;

/** The points of a columnar answer, in the default answer's shape and order. */
function seriesPoints(series: Json[]): Json[] {
  const points: Json[] = [];
  for (const s of series) {
    assert.equal(s.timestamps.length, s.steps.length, `timestamps of ${s.run_id}`);
    assert.equal(s.values.length, s.steps.length, `values of ${s.run_id}`);
    assert.ok(s.steps.length > 0, `series of ${s.run_id} is not empty`);
    for (let i = 0; i < s.steps.length; i++)
      points.push({
        key: s.key,
        value: s.values[i],
        timestamp: s.timestamps[i],
        step: s.steps[i],
        run_id: s.run_id,
      });
  }
  return points;
}

for (const backend of BACKENDS) {
  describe(`get-history-sampled as columns (${backend})`, { timeout: 120_000 }, () => {
    let server: TestServer;
    const call = (method: string, path: string, payload?: Record<string, unknown>) =>
      api<Json>(server.url, method, path, payload);
    const run = async (name: string): Promise<string> =>
      (await call('POST', 'runs/create', { experiment_id: '0', run_name: name })).json.run.info.run_id;
    let long: string; // 600 steps of `m` with NaN and ±Infinity among them
    let short: string; // 30 steps of `m`
    let other: string; // no `m` at all

    before(async () => {
      server = await startTestServer(backend);
      [long, short, other] = [await run('long'), await run('short'), await run('other')];
      const special = (s: number): number | string =>
        s % 97 === 5 ? 'NaN' : s % 89 === 7 ? 'Infinity' : s % 83 === 11 ? '-Infinity' : Math.sin(s / 7) * s;
      const metrics = Array.from({ length: 600 }, (_, s) => ({
        key: 'm',
        value: special(s),
        timestamp: 1_700_000_000_000 + s * 13,
        step: s,
      }));
      assertOk(await call('POST', 'runs/log-batch', { run_id: long, metrics }));
      const few = Array.from({ length: 30 }, (_, s) => ({
        key: 'm',
        value: 1 / (s + 1),
        timestamp: 5 + s,
        step: s * 3,
      }));
      assertOk(await call('POST', 'runs/log-batch', { run_id: short, metrics: few }));
      assertOk(
        await call('POST', 'runs/log-metric', { run_id: other, key: 'n', value: 1, timestamp: 1, step: 0 }),
      );
    });
    after(async () => {
      await server.stop();
    });

    const cases: [string, Record<string, unknown>][] = [
      ['whole histories', {}],
      ['sampled (max_points 20)', { max_points: 20 }],
      ['a step range', { start_step: 40, end_step: 300 }],
      ['a sampled step range', { start_step: 1, end_step: 599, max_points: 7 }],
      ['a range beyond the short run', { start_step: 100, end_step: 200, max_points: 3 }],
    ];
    for (const [name, extra] of cases) {
      test(`${name}: the same points, order and encoding as the default answer`, async () => {
        const query = { run_ids: [other, short, long], metric_key: 'm', ...extra };
        const points = await call('GET', 'metrics/get-history-sampled', query);
        const columns = await call('GET', 'metrics/get-history-sampled', { ...query, format: 'columns' });
        assertOk(points);
        assertOk(columns);
        assert.deepEqual(Object.keys(columns.json), ['series'], 'a columnar answer holds only series');
        assert.ok(points.json.metrics.length > 0, 'the case has points');
        assert.deepEqual(seriesPoints(columns.json.series), points.json.metrics, 'point for point');
        const runsInOrder = [...new Set(points.json.metrics.map((m: Json) => m.run_id))];
        assert.deepEqual(
          columns.json.series.map((s: Json) => s.run_id),
          runsInOrder,
          'one series per run with points, in the order asked; none for the run without the metric',
        );
        assert.ok(
          columns.text.length < points.text.length,
          `columns ${columns.text.length} bytes, points ${points.text.length} bytes`,
        );
        const explicit = await call('GET', 'metrics/get-history-sampled', { ...query, format: 'points' });
        assert.equal(explicit.text, points.text, 'format=points is the default answer');
      });
    }

    test('non-finite values are encoded as in the default answer', async () => {
      const res = await call('GET', 'metrics/get-history-sampled', {
        run_ids: [long],
        metric_key: 'm',
        format: 'columns',
      });
      assertOk(res);
      const [series] = res.json.series;
      assert.equal(series.steps.length, 600, 'whole history');
      assert.equal(series.values[5], 'NaN');
      assert.equal(series.values[7], DOUBLE_MAX);
      assert.equal(series.values[11], -DOUBLE_MAX);
      assert.equal(series.timestamps[599], 1_700_000_000_000 + 599 * 13);
    });

    test('only runs without the metric: no series', async () => {
      const res = await call('GET', 'metrics/get-history-sampled', {
        run_ids: [other],
        metric_key: 'm',
        format: 'columns',
      });
      assertOk(res);
      assert.deepEqual(res.json, { series: [] });
    });

    test('an unknown format is INVALID_PARAMETER_VALUE', async () => {
      assertError(
        await call('GET', 'metrics/get-history-sampled', { run_ids: [long], metric_key: 'm', format: 'csv' }),
        400,
        'INVALID_PARAMETER_VALUE',
        'format',
      );
    });
  });
}
