import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BACKENDS } from '../helpers/backends.js';
import { openRunsStore, type StoreFixture } from './contract/fixture.js';
import { openStore } from './store-fixture.js';

/**
 * Loops over `call` (from `writers` concurrent loops, each awaiting one call at a time) until a
 * 1 ms timer has fired or BOUND_MS have passed, and reports whether the timer got its turn. A store
 * whose awaited calls settle through microtasks alone never lets the timer run.
 */
const BOUND_MS = 5000;
async function timerFiresDuring(call: (i: number) => Promise<unknown>, writers = 1): Promise<boolean> {
  let fired = false;
  const timer = setTimeout(() => (fired = true), 1);
  const start = Date.now();
  let i = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (!fired && Date.now() - start < BOUND_MS) await call(i++);
    }),
  );
  clearTimeout(timer);
  return fired;
}

// An in-process importer awaits store calls back to back; timers, sockets and a piped stdout
// must still get their turn (a starved stdout piles up in memory and never reaches the reader).
for (const backend of BACKENDS) {
  describe(`a tight loop of awaited store calls leaves the event loop its turns (${backend})`, () => {
    let f: StoreFixture;
    let runId: string;
    let exp: string;
    before(async () => {
      const opened = await openRunsStore(() => openStore(backend));
      f = opened.f;
      exp = opened.exp;
      runId = (await opened.newRun('loop')).info.run_id;
    });
    after(async () => {
      await f?.close();
    });

    it('single-metric logBatch calls, one writer', async () => {
      const log = (i: number) =>
        f.store.logBatch(runId, [{ key: 'a', value: i, timestamp: i, step: i }], [], []);
      assert.ok(await timerFiresDuring(log), `timer starved for ${BOUND_MS} ms`);
    });

    it('single-metric logBatch calls, 16 group-committed writers', async () => {
      const log = (i: number) =>
        f.store.logBatch(runId, [{ key: 'b', value: i, timestamp: i, step: i }], [], []);
      assert.ok(await timerFiresDuring(log, 16), `timer starved for ${BOUND_MS} ms`);
    });

    it('reads (getRun)', async () => {
      assert.ok(await timerFiresDuring(() => f.store.getRun(runId)), `timer starved for ${BOUND_MS} ms`);
    });

    it('transactions of their own (createRun)', async () => {
      const create = (i: number) =>
        f.store.createRun({
          experimentId: exp,
          userId: 'importer',
          runName: `r${i}`,
          startTime: i,
          tags: [],
        });
      assert.ok(await timerFiresDuring(create), `timer starved for ${BOUND_MS} ms`);
    });
  });
}
