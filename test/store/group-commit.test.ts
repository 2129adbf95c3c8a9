/**
 * Group commit (src/store/sql/tracking/group-commit.ts): when waiting calls open another commit
 * lane, and, on every database, that many clients logging back to back all get their points
 * stored, in fewer groups than calls, with calls that opened no lane of their own picked up by a
 * running one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BACKENDS } from '../helpers/backends.js';
import { opensLane } from '../../src/store/sql/tracking/group-commit.js';
import { storeMetrics } from '../../src/observability/metrics.js';
import { openStore, type SqlStoreFixture } from './store-fixture.js';

describe('opensLane', () => {
  const lane = (
    running: number,
    lanes: number,
    waitingCalls: number,
    committingCalls: number,
    waitingValues = waitingCalls,
    committingValues = committingCalls,
  ) => opensLane({ running, lanes, waitingCalls, waitingValues, committingCalls, committingValues });

  it('opens a lane for a call when none is committing', () => {
    assert.equal(lane(0, 4, 1, 0), true);
    assert.equal(lane(0, 1, 1, 0), true);
    assert.equal(lane(0, 4, 20, 0), true);
  });

  it('lets a call commit beside one committing call (one or two clients wait no longer than before)', () => {
    assert.equal(lane(1, 4, 1, 1), true);
  });

  it('makes small calls join the next group while they are fewer than an average group in flight', () => {
    assert.equal(lane(1, 4, 2, 3), false);
    assert.equal(lane(2, 4, 1, 4), false);
    assert.equal(lane(1, 4, 3, 3), true);
    assert.equal(lane(2, 4, 2, 4), true);
  });

  it('makes small calls gather once 8 calls are in flight, however many wait', () => {
    assert.equal(lane(1, 4, 4, 3), true);
    assert.equal(lane(1, 4, 4, 4), false);
    assert.equal(lane(1, 4, 8, 8), false);
    assert.equal(lane(1, 4, 15, 1), false);
    assert.equal(lane(3, 4, 30, 9), false);
  });

  it('opens a lane for waiting calls that carry many values (large batches commit in parallel)', () => {
    assert.equal(lane(1, 4, 1, 8, 1000), true);
    assert.equal(lane(1, 4, 3, 8, 255), false);
    assert.equal(lane(1, 4, 3, 8, 256), true);
  });

  it('opens a lane for small calls behind large writes (they do not wait for a large batch)', () => {
    assert.equal(lane(1, 4, 8, 1, 8, 1000), true);
    assert.equal(lane(2, 4, 12, 2, 12, 256), true);
    assert.equal(lane(1, 4, 8, 8, 8, 255), false);
  });

  it('never opens more lanes than the database has', () => {
    assert.equal(lane(4, 4, 100, 4, 100_000), false);
    assert.equal(lane(1, 1, 100, 1, 100_000), false);
    assert.equal(lane(1, 1, 1, 1, 1, 1000), false);
  });
});

async function groupCommits(): Promise<{ count: number; sum: number }> {
  const { values } = await storeMetrics.groupCommitSize.get();
  const read = (name: string) => values.find((v) => v.metricName === name)?.value ?? 0;
  return {
    count: read('cairn_store_group_commit_size_count'),
    sum: read('cairn_store_group_commit_size_sum'),
  };
}

for (const backend of BACKENDS) {
  describe(`group commit (${backend})`, () => {
    let f: SqlStoreFixture;
    before(async () => {
      f = await openStore(backend);
    });
    after(async () => {
      await f?.close();
    });

    it('16 clients logging back to back: every point stored, calls grouped', async () => {
      const exp = await f.store.createExperiment('grouped', undefined, []);
      const clients = 16;
      const callsEach = 30;
      const runIds = await Promise.all(
        Array.from(
          { length: clients },
          async (_, c) =>
            (
              await f.store.createRun({
                experimentId: exp,
                userId: 'u',
                runName: `c${c}`,
                startTime: 0,
                tags: [],
              })
            ).info.run_id,
        ),
      );
      const before = await groupCommits();
      await Promise.all(
        runIds.map(async (runId) => {
          for (let step = 0; step < callsEach; step++)
            await f.store.logBatch(
              runId,
              [{ key: 'loss', value: step / 10, timestamp: 1000 + step, step }],
              [],
              [],
            );
        }),
      );
      const done = await groupCommits();
      const calls = done.sum - before.sum;
      const groups = done.count - before.count;
      assert.equal(calls, clients * callsEach, 'every call went through group commit');
      assert.ok(groups < calls, `calls were grouped (${calls} calls in ${groups} groups)`);
      for (const runId of runIds) {
        const history = await f.store.getMetricHistory(runId, 'loss', undefined);
        assert.deepEqual(
          history.items.map((m) => m.step),
          Array.from({ length: callsEach }, (_, i) => i),
          `run ${runId}: every acknowledged point is stored`,
        );
      }
    });

    it('calls to a deleted and to a missing run, grouped with calls to a live one, fail alone and write nothing', async () => {
      const exp = await f.store.createExperiment('mixed', undefined, []);
      const newRun = async (name: string) =>
        (await f.store.createRun({ experimentId: exp, userId: 'u', runName: name, startTime: 0, tags: [] }))
          .info.run_id;
      const live = await newRun('live');
      const deleted = await newRun('deleted');
      await f.store.deleteRun(deleted);
      const missing = 'f'.repeat(32);
      const point = (step: number) => [{ key: 'loss', value: step, timestamp: 1000 + step, step }];
      const settled = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          f.store.logBatch([live, deleted, missing][i % 3]!, point(i), [], []),
        ),
      );
      settled.forEach((s, i) => {
        const runId = [live, deleted, missing][i % 3]!;
        if (runId === live) assert.equal(s.status, 'fulfilled', `call ${i} to the live run`);
        else {
          assert.equal(
            s.status,
            'rejected',
            `call ${i} to ${runId === deleted ? 'the deleted' : 'a missing'} run`,
          );
          const message = String((s as PromiseRejectedResult).reason?.message);
          assert.match(message, runId === deleted ? /must be in the 'active' state/ : /not found/i);
        }
      });
      const history = await f.store.getMetricHistory(live, 'loss', undefined);
      assert.deepEqual(
        history.items.map((m) => m.step),
        [0, 3, 6, 9],
      );
      for (const table of ['metrics', 'metric_chunks']) {
        const stored = await f.db.query(
          `SELECT COUNT(*) AS n FROM ${table} m JOIN runs r ON r.run_pk = m.run_pk WHERE r.run_uuid = ?`,
          [deleted],
        );
        assert.equal(Number(stored[0]!.n), 0, `nothing written to the deleted run (${table})`);
      }
    });
  });
}
