/**
 * A metric history is rows of `metrics` (points stored before migration 011) and chunks of
 * `metric_chunks` taken together (src/store/sql/tracking/history-read.ts). Against brute force
 * on every database: whatever mix of rows, overlapping chunks and repeated points a history is
 * made of, every read — whole, a step range, pages of any size from any point — gives its points
 * once each, in history order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CHUNK_COLUMNS,
  chunkPoints,
  chunkRow,
  comparePoints,
  type HistoryPoint,
  MAX_CHUNK_POINTS,
  MAX_CHUNK_SPAN,
  unpackChunk,
} from '../../src/store/sql/tracking/history-chunks.js';
import {
  type HistoryColumns,
  historyStepBounds,
  readHistory,
  readHistoryColumns,
  stepBefore,
} from '../../src/store/sql/tracking/history-read.js';
import { historyOrderPage, smallest } from '../../src/store/sql/tracking/metric-history.js';
import { BACKENDS } from '../helpers/backends.js';
import { prng } from '../helpers/prng.js';
import { openStore, type SqlStoreFixture } from './store-fixture.js';

const KEY = 'loss';
const show = (p: HistoryPoint): string => `${p.step}@${p.ts}=${p.nan ? 'NaN' : p.value}`;

/** Sorted in history order, each point once. */
function unique(points: readonly HistoryPoint[]): HistoryPoint[] {
  const sorted = [...points].sort(comparePoints);
  return sorted.filter((p, i) => !i || comparePoints(sorted[i - 1]!, p) !== 0);
}

/** A random point; values are multiples of 1/8 (exact in every database's DOUBLE). */
function randomPoint(rand: () => number, steps: number): HistoryPoint {
  const nan = rand() < 0.05;
  const big = rand() < 0.05 ? (rand() < 0.5 ? Number.MAX_VALUE : -Number.MAX_VALUE) : undefined;
  return {
    step: Math.floor(rand() * steps) - 20,
    ts: 1_000 + Math.floor(rand() * 50),
    value: nan ? 0 : (big ?? Math.floor((rand() - 0.5) * 800) / 8),
    nan,
  };
}

describe('history chunks', () => {
  it('are sorted, hold each point once, and split at the span and size limits', () => {
    const p = (step: number, ts = 1, value = 0, nan = false): HistoryPoint => ({ step, ts, value, nan });
    const points = [p(5), p(3, 2), p(3, 1), p(5), p(3, 1, 0, true), p(3 + MAX_CHUNK_SPAN + 1)];
    const made = chunkPoints(points);
    assert.deepEqual(
      made.map((c) => [c.firstStep, c.lastStep, c.points]),
      [
        [3, 5, 4],
        [3 + MAX_CHUNK_SPAN + 1, 3 + MAX_CHUNK_SPAN + 1, 1],
      ],
    );
    assert.deepEqual(unpackChunk(made[0]!.pts).map(show), ['3@1=0', '3@1=NaN', '3@2=0', '5@1=0']);
    const many = Array.from({ length: MAX_CHUNK_POINTS * 2 + 1 }, (_, i) => p(0, i));
    assert.deepEqual(
      chunkPoints(many).map((c) => c.points),
      [MAX_CHUNK_POINTS, MAX_CHUNK_POINTS, 1],
    );
    const extremes = [p(-(2 ** 52), 2 ** 52, Number.MAX_VALUE), p(2 ** 52, 0, -Number.MAX_VALUE)];
    const packed = chunkPoints(extremes.slice());
    assert.deepEqual(
      packed.flatMap((c) => unpackChunk(c.pts)),
      extremes,
    );
  });
});

describe('a page of a history out of step order', () => {
  it('is the k smallest points in order, whatever k and however many are equal', () => {
    const rand = prng(13);
    for (let t = 0; t < 2000; t++) {
      const n = Math.floor(rand() * 60);
      const spread = 1 + Math.floor(rand() * 30);
      const items = Array.from({ length: n }, () => Math.floor(rand() * spread));
      const k = Math.floor(rand() * (n + 3));
      const byValue = (a: number, b: number): number => a - b;
      assert.deepEqual(
        smallest([...items], k, byValue),
        [...items].sort(byValue).slice(0, k),
        `${items} k=${k}`,
      );
    }
  });
});

/** get-history's order: timestamp, step, value, NaN flag. */
const byTime = (a: HistoryPoint, b: HistoryPoint): number =>
  a.ts - b.ts || a.step - b.step || a.value - b.value || Number(a.nan) - Number(b.nan);

function columnsOf(points: readonly HistoryPoint[]): HistoryColumns {
  return {
    length: points.length,
    step: Float64Array.from(points, (p) => p.step),
    ts: Float64Array.from(points, (p) => p.ts),
    value: Float64Array.from(points, (p) => p.value),
    nan: Uint8Array.from(points, (p) => (p.nan ? 1 : 0)),
  };
}

describe('pages in time order of a history read as columns', () => {
  it('are the points after the cursor in (timestamp, step, value) order, each once, however many are stored twice', () => {
    const rand = prng(14);
    for (let t = 0; t < 300; t++) {
      const stored = Array.from({ length: Math.floor(rand() * 200) }, () => randomPoint(rand, 40));
      for (let i = 0, n = stored.length; i < n; i++) if (rand() < 0.3) stored.push({ ...stored[i]! });
      const expected = [...stored].sort(byTime).filter((p, i, all) => !i || byTime(all[i - 1]!, p) !== 0);
      const columns = columnsOf(stored.sort(() => rand() - 0.5));
      const limit = 1 + Math.floor(rand() * 30);
      const paged: HistoryPoint[] = [];
      for (;;) {
        const page = historyOrderPage(columns, paged[paged.length - 1], limit);
        paged.push(...page);
        if (page.length < limit) break;
      }
      assert.deepEqual(paged.map(show), expected.map(show), `pages of ${limit}`);
      assert.deepEqual(
        historyOrderPage(columns, undefined, undefined).map(show),
        expected.map(show),
        'whole',
      );
    }
  });
});

for (const backend of BACKENDS) {
  describe(`history reads of rows and chunks together (${backend})`, () => {
    let f: SqlStoreFixture;
    let nextPk = 1_000_000;

    before(async () => {
      f = await openStore(backend);
    });
    after(async () => {
      await f?.close();
    });

    /** Stores `rows` as rows and each of `writes` as the chunks one write makes; returns the run handle. */
    async function store(rows: readonly HistoryPoint[], writes: readonly HistoryPoint[][]): Promise<number> {
      const runPk = nextPk++;
      for (const r of unique(rows)) {
        await f.db.run(
          'INSERT INTO metrics (run_pk, metric_key, ts, step, metric_value, is_nan) VALUES (?, ?, ?, ?, ?, ?)',
          [runPk, KEY, r.ts, r.step, r.value, r.nan ? 1 : 0],
        );
      }
      for (const w of writes) {
        for (const c of chunkPoints([...w])) {
          await f.db.run(
            `INSERT INTO metric_chunks (${CHUNK_COLUMNS.join(', ')}) VALUES (${CHUNK_COLUMNS.map(() => '?').join(', ')})`,
            chunkRow(runPk, KEY, c),
          );
        }
      }
      return runPk;
    }

    /** Every read of the history against `all`, its points. */
    async function checkReads(
      rand: () => number,
      runPk: number,
      all: readonly HistoryPoint[],
    ): Promise<void> {
      const expected = unique(all);
      const read = (q = {}): Promise<HistoryPoint[]> => readHistory(f.db, f.db.dialect, runPk, KEY, q);
      assert.deepEqual((await read()).map(show), expected.map(show), 'whole');
      const columns = await readHistoryColumns(f.db, f.db.dialect, runPk, KEY);
      const fromColumns = Array.from({ length: columns.length }, (_, i) => ({
        step: columns.step[i]!,
        ts: columns.ts[i]!,
        value: columns.value[i]!,
        nan: columns.nan[i] !== 0,
      }));
      assert.deepEqual(unique(fromColumns).map(show), expected.map(show), 'as columns');
      const steps = expected.map((p) => p.step);
      assert.deepEqual(await historyStepBounds(f.db, runPk, KEY), [Math.min(...steps), Math.max(...steps)]);
      for (let i = 0; i < 6; i++) {
        const lo = steps[Math.floor(rand() * steps.length)]! - Math.floor(rand() * 3);
        const hi = lo + Math.floor(rand() * 400);
        const inRange = expected.filter((p) => p.step >= lo && p.step <= hi);
        assert.deepEqual((await read({ lo, hi })).map(show), inRange.map(show), `[${lo}, ${hi}]`);
        // Paged with any page size: the pages together are the range.
        const limit = 1 + Math.floor(rand() * 40);
        const paged: HistoryPoint[] = [];
        for (;;) {
          const page = await read({ lo, hi, limit, after: paged[paged.length - 1] });
          assert.ok(page.length <= limit);
          paged.push(...page);
          if (page.length < limit) break;
        }
        assert.deepEqual(paged.map(show), inRange.map(show), `[${lo}, ${hi}] in pages of ${limit}`);
        const below = expected.filter((p) => p.step < lo).map((p) => p.step);
        assert.equal(await stepBefore(f.db, runPk, KEY, lo), below.length ? Math.max(...below) : undefined);
      }
      const pages: HistoryPoint[] = [];
      for (;;) {
        const page = await read({ limit: 97, after: pages[pages.length - 1] });
        pages.push(...page);
        if (page.length < 97) break;
      }
      assert.deepEqual(pages.map(show), expected.map(show), 'whole, in pages');
    }

    it('random histories of rows, overlapping chunks and repeated points', async () => {
      const rand = prng(11);
      for (let h = 0; h < 8; h++) {
        const steps = 50 + Math.floor(rand() * 3000);
        const all = Array.from({ length: 300 + Math.floor(rand() * 1500) }, () => randomPoint(rand, steps));
        const rows: HistoryPoint[] = [];
        const writes: HistoryPoint[][] = [];
        for (const p of all) {
          const where = rand();
          if (where < 0.3) rows.push(p);
          else if (where < 0.35 || !writes.length) writes.push([p]);
          else writes[Math.floor(rand() * writes.length)]!.push(p);
          // Some points stored twice: sent again in another write, or once as a row and once in a chunk.
          if (rand() < 0.1) writes[Math.floor(rand() * writes.length)]!.push({ ...p });
        }
        await checkReads(rand, await store(rows, writes), all);
      }
    });

    it('a history of many one-point chunks (one per log-metric call) reads in pages across chunk pages', async () => {
      const rand = prng(12);
      const all = Array.from({ length: 1500 }, (_, i) => ({
        step: i,
        ts: 5_000 + i,
        value: i / 8,
        nan: false,
      }));
      const runPk = await store(
        all.filter((_, i) => i % 7 === 0),
        all.filter((_, i) => i % 7 !== 0).map((p) => [p]),
      );
      await checkReads(rand, runPk, all);
    });

    it('a read of a history with nothing stored finds nothing', async () => {
      const runPk = await store([], []);
      assert.deepEqual(await readHistory(f.db, f.db.dialect, runPk, KEY, { limit: 5 }), []);
      assert.equal(await historyStepBounds(f.db, runPk, KEY), undefined);
      assert.equal(await stepBefore(f.db, runPk, KEY, 10), undefined);
    });
  });
}
