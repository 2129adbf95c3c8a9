/**
 * Histories are keyed in step order and get-history reads them along that key while their
 * timestamps follow their steps (src/store/sql/tracking/step-order.ts). What must hold on every
 * database: whatever order points are logged in — one by one, in batches, retried, from many
 * clients at once — get-history pages in (timestamp, step, value) order, and a history is never
 * flagged as in step order when it is not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Metric } from '../../src/entities/tracking.js';
import { BACKENDS } from '../helpers/backends.js';
import { prng } from '../helpers/prng.js';
import {
  startsBehindLatest,
  StepOrder,
  stepOrderFlag,
  WINDOW_POINTS,
} from '../../src/store/sql/tracking/step-order.js';
import { openStore, type SqlStoreFixture } from './store-fixture.js';

/** Points written as "step@ts step@ts ...", in the order given. */
const order = (points: string): StepOrder => {
  const o = new StepOrder();
  for (const p of points.split(' ')) {
    const [step, ts] = p.split('@').map(Number);
    o.add(step!, ts!);
  }
  return o;
};

describe('StepOrder and stepOrderFlag', () => {
  it('knows whether points given in any order have timestamps that follow their steps', () => {
    assert.equal(order('0@10 1@11 2@11').ordered, true);
    assert.equal(order('2@12 0@10 1@11').ordered, true, 'unsorted input, ordered points');
    assert.equal(order('0@12 1@11').ordered, false);
    assert.equal(order('1@11 0@12').ordered, false, 'unsorted input, unordered points');
    assert.equal(order('5@30 5@10 6@31').ordered, true, 'one step at several times');
    assert.equal(order('5@30 5@10 4@20').ordered, false);
    const o = order('3@7 1@9 1@5');
    assert.deepEqual([o.firstStep, o.firstTs], [1, 5]);
  });

  it('keeps the flag only for points at or after the stored latest point in step and time', () => {
    const stored = { step: 10, ts: 100, inStepOrder: 1 };
    const flag = (points: string, s = stored) => stepOrderFlag(order(points), s);
    assert.equal(flag('10@100 11@101'), 1, 'from the latest point on');
    assert.equal(flag('11@100 12@101'), 1);
    assert.equal(flag('9@200 12@201'), 0, 'an earlier step');
    assert.equal(flag('11@99 12@101'), 0, 'an earlier time');
    assert.equal(flag('11@101 12@100'), 0, 'unordered among themselves');
    assert.equal(flag('11@101 12@102', { ...stored, inStepOrder: 0 }), 0, 'cleared for good');
    assert.equal(stepOrderFlag(order('0@5 1@5'), undefined), 2, 'a new history');
    assert.equal(stepOrderFlag(order('1@5 0@6'), undefined), 0);
    assert.equal(flag('9@200'), 3, 'one point: decided by the upsert against the row it meets');
  });

  it('sends points in step order that start behind the stored latest point to be checked against the history', () => {
    const stored = { step: 10, ts: 100, inStepOrder: 1 };
    const behind = (points: string, s: typeof stored | undefined = stored) =>
      startsBehindLatest(order(points), s);
    assert.equal(behind('9@90 10@100'), true, 'a batch re-sent: it ends at the latest point');
    assert.equal(behind('9@200 12@201'), true, 'an earlier step');
    assert.equal(behind('11@99 12@101'), true, 'an earlier time');
    assert.equal(behind('10@100 11@101'), false, 'from the latest point on: kept without a check');
    assert.equal(behind('9@101 8@102'), false, 'out of step order among themselves');
    assert.equal(behind('9@90 10@100', { ...stored, inStepOrder: 0 }), false, 'already out of step order');
    assert.equal(startsBehindLatest(order('9@90 10@100'), undefined), false, 'a new history');
    assert.equal(behind('9@90'), false, 'one point: decided by the upsert');
  });
});

type Point = { step: number; ts: number; value: number };
const byHistoryOrder = (a: Point, b: Point) => a.ts - b.ts || a.step - b.step || a.value - b.value;

for (const backend of BACKENDS) {
  describe(`metric history in step order (${backend})`, () => {
    let f: SqlStoreFixture;
    let exp: string;
    before(async () => {
      f = await openStore(backend);
      exp = await f.store.createExperiment('step-order', undefined, []);
    });
    after(async () => {
      await f?.close();
    });

    const newRun = async () =>
      (await f.store.createRun({ experimentId: exp, userId: 'u', runName: 'r', startTime: 0, tags: [] })).info
        .run_id;
    const log = (runId: string, key: string, points: readonly Point[]) =>
      f.store.logBatch(
        runId,
        points.map((p) => ({ key, value: p.value, timestamp: p.ts, step: p.step })),
        [],
        [],
      );

    async function flag(runId: string, key: string): Promise<number> {
      const rows = await f.db.query(
        'SELECT in_step_order FROM latest_metrics WHERE run_uuid = ? AND metric_key = ?',
        [runId, key],
      );
      return Number(rows[0]!.in_step_order);
    }

    /** get-history, three points a page, as (step, ts, value) triples. */
    async function pagedHistory(runId: string, key: string): Promise<Point[]> {
      const out: Metric[] = [];
      let token: string | undefined;
      do {
        const page = await f.store.getMetricHistory(runId, key, 3, token);
        assert.ok(page.items.length <= 3);
        out.push(...page.items);
        token = page.next_page_token;
      } while (token);
      return out.map((m) => ({ step: m.step, ts: m.timestamp, value: m.value as number }));
    }

    /** The stored history is in step order wherever the flag says so; get-history's order is right. */
    async function check(runId: string, key: string, logged: readonly Point[], label: string) {
      const distinct = new Map(logged.map((p) => [`${p.step}/${p.ts}/${p.value}`, p]));
      const expected = [...distinct.values()].sort(byHistoryOrder);
      assert.deepEqual(await pagedHistory(runId, key), expected, `${label}: get-history order`);
      if ((await flag(runId, key)) !== 0) {
        const steps = [...expected].sort((a, b) => a.step - b.step || a.ts - b.ts || a.value - b.value);
        for (let i = 1; i < steps.length; i++) {
          assert.ok(
            steps[i]!.ts >= steps[i - 1]!.ts,
            `${label}: flagged in step order, but step ${steps[i]!.step} is older than step ${steps[i - 1]!.step}`,
          );
        }
      }
    }

    it('a training loop logging in order keeps its history in step order, one by one and in batches', async () => {
      const runId = await newRun();
      const logged: Point[] = [];
      for (let step = 0; step < 10; step++) {
        const p = { step, ts: 1000 + step, value: step / 10 };
        await log(runId, 'loss', [p]);
        logged.push(p);
      }
      // A batch given out of order whose timestamps still follow its steps, and the same step twice.
      const batch = [12, 10, 11, 13, 13].map((step, i) => ({
        step,
        ts: 1000 + step + (i === 4 ? 1 : 0),
        value: i,
      }));
      await log(runId, 'loss', batch);
      logged.push(...batch);
      await log(runId, 'loss', [batch[4]!]); // a retried call: the latest point again
      assert.equal(await flag(runId, 'loss'), 1);
      await check(runId, 'loss', logged, 'in order');
    });

    for (const [name, first, then, expectedSteps] of [
      [
        'a point logged behind the latest step',
        [
          [0, 1000],
          [1, 1001],
          [2, 1002],
        ],
        [[1, 5000]],
        [0, 1, 2, 1],
      ],
      ['a later step at an earlier time', [[0, 2000]], [[1, 1000]], [1, 0]],
      [
        'a batch whose timestamps go back as steps go up',
        [],
        [
          [1, 1000],
          [0, 2000],
        ],
        [1, 0],
      ],
    ] as const) {
      it(`${name} takes the history out of step order; get-history still pages by time`, async () => {
        const runId = await newRun();
        const points = (list: readonly (readonly [number, number])[]) =>
          list.map(([step, ts], i) => ({ step, ts, value: step * 100 + i }));
        const a = points(first);
        const b = points(then);
        if (a.length) await log(runId, 'acc', a);
        await log(runId, 'acc', b);
        assert.equal(await flag(runId, 'acc'), 0);
        const history = await pagedHistory(runId, 'acc');
        assert.deepEqual(
          history.map((p) => p.step),
          expectedSteps,
        );
        await check(runId, 'acc', [...a, ...b], name);
        // Points logged in order afterwards do not bring the flag back.
        await log(runId, 'acc', [{ step: 100, ts: 9000, value: 1 }]);
        assert.equal(await flag(runId, 'acc'), 0);
      });
    }

    const steps = (from: number, to: number, tsOffset = 1000, value = 0): Point[] =>
      Array.from({ length: to - from }, (_, i) => ({ step: from + i, ts: tsOffset + from + i, value }));

    it('a batch sent again after it was stored keeps the history in step order', async () => {
      const runId = await newRun();
      const first = steps(0, 10);
      const second = steps(10, 20);
      await log(runId, 'loss', first);
      await log(runId, 'loss', second);
      await log(runId, 'loss', second); // the client did not get the answer and sent it again
      assert.equal(await flag(runId, 'loss'), 1, 'the last batch again');
      await log(runId, 'loss', first);
      assert.equal(await flag(runId, 'loss'), 1, 'an earlier batch again');
      // Sent again with points after the latest one.
      const third = [...second.slice(5), ...steps(20, 25)];
      await log(runId, 'loss', third);
      assert.equal(await flag(runId, 'loss'), 1, 'again, with new points after the latest');
      await check(runId, 'loss', [...first, ...second, ...third], 'sent again');
    });

    it('points filling a gap keep the flag when their times fit and clear it when they do not', async () => {
      const runId = await newRun();
      const history = [
        { step: 0, ts: 1000, value: 0 },
        { step: 10, ts: 1010, value: 1 },
        { step: 20, ts: 1020, value: 2 },
      ];
      await log(runId, 'fits', history);
      const fits = [
        { step: 3, ts: 1003, value: 3 },
        { step: 5, ts: 1005, value: 4 },
        { step: 10, ts: 1010, value: 5 }, // the same step and time, another value
      ];
      await log(runId, 'fits', fits);
      assert.equal(await flag(runId, 'fits'), 1);
      await check(runId, 'fits', [...history, ...fits], 'gap filled in order');

      await log(runId, 'late', history);
      const late = [
        { step: 3, ts: 1015, value: 6 }, // after step 10 in time
        { step: 4, ts: 1016, value: 7 },
      ];
      await log(runId, 'late', late);
      assert.equal(await flag(runId, 'late'), 0);
      await check(runId, 'late', [...history, ...late], 'gap filled out of order');
      assert.deepEqual(
        (await pagedHistory(runId, 'late')).map((p) => p.step),
        [0, 10, 3, 4, 20],
      );
    });

    it(`a batch sent again behind more than ${WINDOW_POINTS} later points clears the flag`, async () => {
      const runId = await newRun();
      const batches = Array.from({ length: Math.ceil(WINDOW_POINTS / 1000) + 1 }, (_, b) =>
        steps(b * 1000, (b + 1) * 1000),
      );
      for (const b of batches) await log(runId, 'long', b);
      assert.equal(await flag(runId, 'long'), 1);
      await log(runId, 'long', batches[0]!);
      assert.equal(await flag(runId, 'long'), 0, 'the stretch to check is longer than the writer reads');
      const page = await f.store.getMetricHistory(runId, 'long', 25000);
      assert.deepEqual(
        page.items.map((m) => m.step),
        batches.flat().map((p) => p.step),
      );
    });

    it('many clients logging one history at once, in and out of order: never flagged wrongly', async () => {
      const rnd = prng(backend.length * 7919);
      for (let round = 0; round < 6; round++) {
        const runId = await newRun();
        const key = `k${round}`;
        // Even rounds: every client logs increasing steps at increasing times (in step order
        // overall only if the clients' clocks agree); odd rounds: random steps and times.
        const clients = Array.from({ length: 8 }, (_, c) =>
          Array.from({ length: 6 }, (_, i) => {
            const step = round % 2 === 0 ? i * 8 + c : Math.floor(rnd() * 40);
            const ts =
              round % 2 === 0
                ? 1000 + step * (round === 2 ? 1 : 10) + (round === 4 ? c : 0)
                : 1000 + Math.floor(rnd() * 400);
            return Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_, j) => ({
              step: step + j * 0,
              ts: ts + j,
              value: c * 1000 + i * 10 + j,
            }));
          }),
        );
        await Promise.all(
          clients.map(async (calls) => {
            for (const points of calls) await log(runId, key, points);
          }),
        );
        await check(runId, key, clients.flat(2), `round ${round}`);
      }
    });

    it('histories created by concurrent first calls are not flagged wrongly', async () => {
      const runId = await newRun();
      // Two calls at once, each the first of a new key unless the other commits first (they
      // commit side by side, in two groups): the later steps carry the earlier times. One point
      // a call (decided by the upsert) and two (decided by the writer) alternate.
      for (let i = 0; i < 16; i++) {
        const key = `new${i}`;
        const calls =
          i % 2 === 0
            ? [[{ step: 0, ts: 5000, value: 1 }], [{ step: 1, ts: 4000, value: 2 }]]
            : [
                [
                  { step: 0, ts: 5000, value: 1 },
                  { step: 1, ts: 5001, value: 2 },
                ],
                [
                  { step: 2, ts: 4000, value: 3 },
                  { step: 3, ts: 4001, value: 4 },
                ],
              ];
        const first = log(runId, key, calls[0]!);
        // The first call's group has started when the second arrives (it joins no group of it).
        await new Promise((resolve) => setImmediate(resolve));
        await Promise.all([first, log(runId, key, calls[1]!)]);
        assert.equal(await flag(runId, key), 0, key);
        await check(runId, key, calls.flat(), key);
      }
    });
  });
}
