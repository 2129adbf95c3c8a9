/**
 * Run search ordered by a param or tag (the index walk of search-runs-by-value.ts and the generic
 * path's sort) against an order computed here from the logged values: numeric order when every
 * value of the key in the experiment is a number, text order otherwise, ties by start_time DESC
 * then run id, runs without a value last; pages joined equal the unpaged result. Also migration
 * 007 filling the sort keys of rows written before it, on every database of the matrix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS, createTestDatabase } from '../helpers/backends.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { openStore, type SqlStoreFixture } from './store-fixture.js';
import { upgradeSchema } from '../../src/store/sql/migrations.js';
import { MIGRATIONS } from '../../src/store/sql/migrations/index.js';
import { sortNumber, sortText } from '../../src/store/sql/tracking/sort-keys.js';
import type { SearchRunsQuery } from '../../src/store/tracking-store.js';
import { parseOrderByList, parseSearchFilter } from '../../src/search/index.js';

/** A runs query as a client writes it: filter and order-by as text (the service parses them). */
type RunsQueryText = Omit<SearchRunsQuery, 'filter' | 'orderBy'> & { filter?: string; orderBy?: string[] };

interface Logged {
  id: string;
  start: number;
  values: Record<string, string>;
  /** Latest value of the metric `score` (NaN sorts with the missing ones). */
  score?: number;
  deleted?: boolean;
}

// Values of `units` are all numbers (numeric order differs from text order: 128 < 32 as text).
const UNITS = ['128', '256', '32', '512', '64', '1e2', '-3.5', '.5', '5.', '0032', '64', undefined];
// `mixed` has text among numbers: text order.
const MIXED = ['10', '9', 'abc', 'a', 'a ', 'B', '', '9', undefined, 'abc', '-1', undefined];
const GROUPS = ['b', 'a', 'c', 'a', undefined, 'b', 'a', 'c', 'b', undefined, 'a', 'a'];
// `score` (a metric) has ties, NaN, negative values and runs without it.
const SCORES = [0.5, -1, 0.5, NaN, undefined, 2, 0.5, -1, 7, undefined, 0.25];

const cmp = (a: number | string, b: number | string): number => (a < b ? -1 : a > b ? 1 : 0);
const byDefault = (a: Logged, b: Logged): number => b.start - a.start || cmp(a.id, b.id);

/** The expected order of `runs` by one key: numeric when every value (deleted runs too) is a number. */
function expectedOrder(all: Logged[], runs: Logged[], key: string, ascending: boolean): string[] {
  const numeric = all.every((r) => r.values[key] === undefined || sortNumber(r.values[key]!) !== null);
  const sortKey = (r: Logged): number | string =>
    numeric ? sortNumber(r.values[key]!)! : sortText(r.values[key]!)!;
  const withValue = runs
    .filter((r) => r.values[key] !== undefined)
    .sort((a, b) => (ascending ? 1 : -1) * cmp(sortKey(a), sortKey(b)) || byDefault(a, b));
  const without = runs.filter((r) => r.values[key] === undefined).sort(byDefault);
  return [...withValue, ...without].map((r) => r.id);
}

/** The expected order of `runs` by the metric `score`: NaN and missing last, in the default order. */
function expectedScoreOrder(runs: Logged[], ascending: boolean): string[] {
  const has = (r: Logged): boolean => r.score !== undefined && !Number.isNaN(r.score);
  const withValue = runs
    .filter(has)
    .sort((a, b) => (ascending ? 1 : -1) * (a.score! - b.score!) || byDefault(a, b));
  return [...withValue, ...runs.filter((r) => !has(r)).sort(byDefault)].map((r) => r.id);
}

/**
 * The expected order of `runs` by several keys (`params.units ASC`, `metrics.score DESC`,
 * `attributes.start_time ASC` ...): each param or tag numeric when every value of it in `all` is
 * a number, missing values (and NaN) last in either direction, then start_time DESC and run id
 * ASC unless the order names them.
 */
function expectedMultiOrder(all: Logged[], runs: Logged[], orderBy: string[]): string[] {
  const keys = orderBy.map((o) => {
    const [name, dir] = o.split(' ') as [string, string];
    const [entity, key] = name.split('.') as [string, string];
    return { entity, key, ascending: dir === 'ASC' };
  });
  const named = (key: string): boolean => keys.some((k) => k.entity === 'attributes' && k.key === key);
  const missingLast = (
    a: number | string | undefined,
    b: number | string | undefined,
    asc: boolean,
  ): number =>
    a === undefined ? (b === undefined ? 0 : 1) : b === undefined ? -1 : (asc ? 1 : -1) * cmp(a, b);
  const terms = keys.map(({ entity, key, ascending }) => {
    if (entity === 'attributes') {
      const v = (r: Logged): number | string => (key === 'start_time' ? r.start : r.id);
      return (a: Logged, b: Logged): number => (ascending ? 1 : -1) * cmp(v(a), v(b));
    }
    if (entity === 'metrics') {
      const v = (r: Logged): number | undefined =>
        r.score === undefined || Number.isNaN(r.score) ? undefined : r.score;
      return (a: Logged, b: Logged): number => missingLast(v(a), v(b), ascending);
    }
    const numeric = all.every((r) => r.values[key] === undefined || sortNumber(r.values[key]!) !== null);
    const v = (r: Logged): number | string | undefined =>
      r.values[key] === undefined
        ? undefined
        : numeric
          ? sortNumber(r.values[key]!)!
          : sortText(r.values[key]!)!;
    return (a: Logged, b: Logged): number => missingLast(v(a), v(b), ascending);
  });
  if (!named('start_time')) terms.push((a, b) => b.start - a.start);
  if (!named('run_id')) terms.push((a, b) => cmp(a.id, b.id));
  return [...runs]
    .sort((a, b) => {
      for (const t of terms) {
        const c = t(a, b);
        if (c) return c;
      }
      return 0;
    })
    .map((r) => r.id);
}

for (const backend of BACKENDS) {
  describe(`run search ordered by a param or tag (${backend})`, () => {
    let f: SqlStoreFixture;
    let exp: string;
    let otherExp: string;
    const runs: Logged[] = [];
    const others: Logged[] = [];

    const log = async (experimentId: string, i: number, into: Logged[]): Promise<void> => {
      // Start times repeat, so ties fall to the run id.
      const start = 1000 + (i % 5) * 10;
      const run = await f.store.createRun({
        experimentId,
        userId: 'u',
        runName: 'r',
        startTime: start,
        tags: [],
      });
      const values: Record<string, string> = {};
      const units = UNITS[i % UNITS.length];
      const mixed = MIXED[i % MIXED.length];
      const group = GROUPS[i % GROUPS.length];
      if (units !== undefined) values.units = units;
      if (mixed !== undefined) values.mixed = mixed;
      if (group !== undefined) values.grp = group;
      const score = SCORES[i % SCORES.length];
      await f.store.logBatch(
        run.info.run_id,
        score === undefined ? [] : [{ key: 'score', value: score, timestamp: 1, step: 0 }],
        Object.entries(values)
          .filter(([k]) => k !== 'grp')
          .map(([key, value]) => ({ key, value })),
        group === undefined ? [] : [{ key: 'grp', value: group }],
      );
      into.push({ id: run.info.run_id, start, values, score });
    };

    before(async () => {
      f = await openStore(backend);
      exp = await f.store.createExperiment('order-values', undefined, []);
      otherExp = await f.store.createExperiment('order-values-other', undefined, []);
      for (let i = 0; i < 26; i++) await log(exp, i, runs);
      for (let i = 0; i < 7; i++) await log(otherExp, i + 3, others);
      // A deleted run still counts for the numeric rule, but is not listed.
      const gone = runs[4]!;
      await f.store.deleteRun(gone.id);
      gone.deleted = true;
    });
    after(async () => {
      await f?.close();
    });

    const active = (): Logged[] => runs.filter((r) => !r.deleted);

    const search = (q: RunsQueryText) =>
      f.store.searchRuns({
        ...q,
        filter: parseSearchFilter('runs', q.filter),
        orderBy: parseOrderByList('runs', q.orderBy),
      });

    const ids = async (q: Omit<RunsQueryText, 'viewType' | 'maxResults'>, maxResults = 1000) =>
      (await search({ viewType: 'ACTIVE_ONLY', maxResults, ...q })).items.map((r) => r.info.run_id);

    const paged = async (q: Omit<RunsQueryText, 'viewType' | 'maxResults'>, size: number) => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await search({
          viewType: 'ACTIVE_ONLY',
          maxResults: size,
          ...q,
          pageToken: token,
        });
        assert.ok(page.items.length <= size);
        seen.push(...page.items.map((r) => r.info.run_id));
        token = page.next_page_token;
        assert.ok(++pages <= 60, 'paging terminates');
      } while (token);
      return seen;
    };

    it('orders numeric params numerically, others as text, ties by start time then run id, missing last', async () => {
      for (const [entity, key] of [
        ['params', 'units'],
        ['params', 'mixed'],
        ['tags', 'grp'],
      ] as const) {
        for (const ascending of [true, false]) {
          const orderBy = [`${entity}.${key} ${ascending ? 'ASC' : 'DESC'}`];
          const want = expectedOrder(runs, active(), key, ascending);
          assert.deepEqual(await ids({ experimentIds: [exp], orderBy }), want, orderBy[0]);
          for (const size of [1, 2, 3, 5, 7]) {
            assert.deepEqual(
              await paged({ experimentIds: [exp], orderBy }, size),
              want,
              `${orderBy[0]} size=${size}`,
            );
          }
        }
      }
      // Spot checks of the reference itself: 32 < 64 < 128 numerically; 'a' < 'a ' < 'abc' as text.
      const units = (await ids({ experimentIds: [exp], orderBy: ['params.units ASC'] })).map(
        (id) => runs.find((r) => r.id === id)!.values.units,
      );
      const distinct = (xs: (string | undefined)[]): (string | undefined)[] => [...new Set(xs)];
      assert.deepEqual(distinct(units).slice(0, 3), ['-3.5', '.5', '5.']);
      assert.ok(units.indexOf('64') < units.indexOf('1e2') && units.indexOf('1e2') < units.indexOf('128'));
      const mixed = (await ids({ experimentIds: [exp], orderBy: ['params.mixed ASC'] })).map(
        (id) => runs.find((r) => r.id === id)!.values.mixed,
      );
      assert.deepEqual(distinct(mixed), ['', '-1', '10', '9', 'B', 'a', 'a ', 'abc', undefined]);
    });

    it('applies filters and view types to the ordered walk, with and without a clause on the ordering key', async () => {
      const cases: { filter: string; keep: (r: Logged) => boolean }[] = [
        { filter: "tags.grp = 'a'", keep: (r) => r.values.grp === 'a' },
        {
          filter: "params.units != '64'",
          keep: (r) => r.values.units !== undefined && r.values.units !== '64',
        },
        { filter: 'attributes.start_time >= 1020', keep: (r) => r.start >= 1020 },
        // The first value in either direction has no matching run: the walk goes on past it.
        {
          filter: "params.units != '512' AND params.units != '-3.5' AND tags.grp != 'c'",
          keep: (r) =>
            !['512', '-3.5'].includes(r.values.units!) &&
            r.values.units !== undefined &&
            r.values.grp !== undefined &&
            r.values.grp !== 'c',
        },
      ];
      for (const c of cases) {
        for (const orderBy of [['params.units DESC'], ['params.units ASC'], ['tags.grp DESC']]) {
          const key = orderBy[0]!.split(' ')[0]!.split('.')[1]!;
          const want = expectedOrder(runs, active().filter(c.keep), key, orderBy[0]!.endsWith('ASC'));
          const q = { experimentIds: [exp], filter: c.filter, orderBy };
          assert.deepEqual(await ids(q), want, `${c.filter} ${orderBy[0]}`);
          for (const size of [2, 4])
            assert.deepEqual(await paged(q, size), want, `${c.filter} ${orderBy[0]} ${size}`);
        }
      }
      const deleted = await search({
        experimentIds: [exp],
        viewType: 'DELETED_ONLY',
        maxResults: 10,
        orderBy: ['params.units ASC'],
      });
      assert.deepEqual(
        deleted.items.map((r) => r.info.run_id),
        [runs[4]!.id],
      );
    });

    it('sorts the same way on the generic path: several order keys, several experiments', async () => {
      // params.units, then start_time ASC (instead of the default DESC) for ties.
      const numeric = (r: Logged): number => sortNumber(r.values.units!)!;
      const withUnits = active().filter((r) => r.values.units !== undefined);
      const want = [
        ...withUnits.sort((a, b) => numeric(a) - numeric(b) || a.start - b.start || cmp(a.id, b.id)),
        ...active()
          .filter((r) => r.values.units === undefined)
          .sort((a, b) => a.start - b.start || cmp(a.id, b.id)),
      ].map((r) => r.id);
      const q = { experimentIds: [exp], orderBy: ['params.units ASC', 'attributes.start_time ASC'] };
      assert.deepEqual(await ids(q), want);
      assert.deepEqual(await paged(q, 3), want);

      const both = [...runs, ...others];
      const bothActive = both.filter((r) => !r.deleted);
      for (const orderBy of [['params.units DESC'], ['params.mixed ASC'], ['tags.grp ASC']]) {
        const key = orderBy[0]!.split(' ')[0]!.split('.')[1]!;
        const want2 = expectedOrder(both, bothActive, key, orderBy[0]!.endsWith('ASC'));
        const q2 = { experimentIds: [exp, otherExp], orderBy };
        assert.deepEqual(await ids(q2), want2, orderBy[0]);
        assert.deepEqual(await paged(q2, 4), want2, orderBy[0]);
      }
    });

    it('orders by one metric from its index: ties by start time then run id, NaN and missing last, filtered too', async () => {
      for (const ascending of [true, false]) {
        const orderBy = [`metrics.score ${ascending ? 'ASC' : 'DESC'}`];
        const want = expectedScoreOrder(active(), ascending);
        assert.deepEqual(await ids({ experimentIds: [exp], orderBy }), want, orderBy[0]);
        for (const size of [1, 2, 3, 5, 7])
          assert.deepEqual(
            await paged({ experimentIds: [exp], orderBy }, size),
            want,
            `${orderBy[0]} ${size}`,
          );
        // A clause on the metric drops the runs without it; one on something else keeps them.
        for (const c of [
          { filter: 'metrics.score >= 0.5', keep: (r: Logged) => r.score !== undefined && r.score >= 0.5 },
          { filter: "tags.grp = 'a'", keep: (r: Logged) => r.values.grp === 'a' },
        ]) {
          const wantFiltered = expectedScoreOrder(active().filter(c.keep), ascending);
          const q = { experimentIds: [exp], filter: c.filter, orderBy };
          assert.deepEqual(await ids(q), wantFiltered, `${c.filter} ${orderBy[0]}`);
          assert.deepEqual(await paged(q, 2), wantFiltered, `${c.filter} ${orderBy[0]} paged`);
        }
      }
    });

    /** Every page of `size` runs, read with the previous page's token. */
    const pages = async (q: Omit<RunsQueryText, 'maxResults'>, size: number): Promise<string[][]> => {
      const out: string[][] = [];
      let token: string | undefined;
      do {
        const page = await search({ ...q, maxResults: size, pageToken: token });
        out.push(page.items.map((r) => r.info.run_id));
        token = page.next_page_token;
        assert.ok(out.length <= 60, 'paging terminates');
      } while (token);
      return out;
    };

    /** The full result and every page of each size equal the reference order and its slices. */
    const checkPaged = async (q: Omit<RunsQueryText, 'maxResults'>, want: string[], label: string) => {
      assert.deepEqual(
        (await search({ ...q, maxResults: 1000 })).items.map((r) => r.info.run_id),
        want,
        `${label}: one page`,
      );
      for (const size of [1, 2, 3, 5, 7]) {
        const got = await pages(q, size);
        got.forEach((page, i) =>
          assert.deepEqual(
            page,
            want.slice(i * size, (i + 1) * size),
            `${label}: page ${i + 1} of size ${size}`,
          ),
        );
        assert.equal(got.flat().length, want.length, `${label}: size ${size} returns every run once`);
      }
    };

    it('orders by two and three keys led by a param, tag or metric: every page is its slice of the full sort', async () => {
      const orders = [
        ['params.units ASC', 'metrics.score DESC'],
        ['params.units DESC', 'params.mixed ASC'],
        ['params.mixed DESC', 'tags.grp ASC'],
        ['tags.grp ASC', 'params.units DESC'],
        ['tags.grp DESC', 'metrics.score ASC', 'params.mixed DESC'],
        ['metrics.score ASC', 'params.mixed ASC'],
        ['metrics.score DESC', 'tags.grp DESC', 'params.units ASC'],
        ['tags.grp ASC', 'attributes.start_time ASC'],
        ['tags.grp ASC', 'attributes.run_id DESC'],
        ['params.mixed ASC', 'attributes.start_time DESC', 'metrics.score DESC'],
      ];
      for (const orderBy of orders) {
        const want = expectedMultiOrder(runs, active(), orderBy);
        assert.equal(want.length, active().length);
        await checkPaged(
          { experimentIds: [exp], viewType: 'ACTIVE_ONLY', orderBy },
          want,
          orderBy.join(', '),
        );
      }
      // Spot check of the reference: grp ties ordered by units descending, numerically (512 before 64).
      const order = expectedMultiOrder(runs, active(), ['tags.grp ASC', 'params.units DESC']);
      const of = (id: string): Logged => runs.find((r) => r.id === id)!;
      const firstGroup = order.map(of).filter((r) => r.values.grp === 'a');
      assert.deepEqual(
        firstGroup.map((r) => r.values.units),
        [...firstGroup.map((r) => r.values.units)].sort((a, b) =>
          a === undefined ? (b === undefined ? 0 : 1) : b === undefined ? -1 : Number(b) - Number(a),
        ),
      );
      assert.equal(of(order[0]!).values.grp, 'a');
    });

    it('applies filters, view types and several experiments to orders of several keys', async () => {
      const cases: { filter?: string; keep: (r: Logged) => boolean; orderBy: string[] }[] = [
        // A clause on the first key leaves out the runs without it.
        {
          filter: "params.units != '64'",
          keep: (r) => r.values.units !== undefined && r.values.units !== '64',
          orderBy: ['params.units DESC', 'metrics.score ASC'],
        },
        {
          filter: "tags.grp = 'a'",
          keep: (r) => r.values.grp === 'a',
          orderBy: ['metrics.score DESC', 'params.mixed ASC'],
        },
        {
          filter: 'metrics.score >= 0.5',
          keep: (r) => r.score !== undefined && r.score >= 0.5,
          orderBy: ['metrics.score ASC', 'tags.grp DESC'],
        },
        {
          filter: 'attributes.start_time >= 1020',
          keep: (r) => r.start >= 1020,
          orderBy: ['tags.grp DESC', 'params.units ASC'],
        },
      ];
      for (const c of cases) {
        const want = expectedMultiOrder(runs, active().filter(c.keep), c.orderBy);
        const label = `${c.filter} ${c.orderBy.join(', ')}`;
        await checkPaged(
          { experimentIds: [exp], viewType: 'ACTIVE_ONLY', filter: c.filter, orderBy: c.orderBy },
          want,
          label,
        );
      }
      const orderBy = ['params.units ASC', 'metrics.score DESC'];
      await checkPaged(
        { experimentIds: [exp], viewType: 'ALL', orderBy },
        expectedMultiOrder(runs, runs, orderBy),
        'ALL',
      );
      await checkPaged(
        { experimentIds: [exp], viewType: 'DELETED_ONLY', orderBy },
        [runs[4]!.id],
        'DELETED_ONLY',
      );
      // Two experiments take the generic path: the same order.
      const both = [...runs, ...others];
      for (const order of [orderBy, ['tags.grp DESC', 'params.mixed ASC']]) {
        await checkPaged(
          { experimentIds: [exp, otherExp], viewType: 'ACTIVE_ONLY', orderBy: order },
          expectedMultiOrder(
            both,
            both.filter((r) => !r.deleted),
            order,
          ),
          `two experiments ${order.join(', ')}`,
        );
      }
    });

    it('treats trailing start_time DESC (and run_id ASC) as the default tie-break they are', async () => {
      for (const head of ['params.units ASC', 'tags.grp DESC', 'metrics.score DESC']) {
        const alone = await paged({ experimentIds: [exp], orderBy: [head] }, 3);
        assert.equal(alone.length, active().length, `${head}: every active run`);
        for (const tail of [['start_time DESC'], ['attributes.start_time DESC', 'attributes.run_id ASC']]) {
          const orderBy = [head, ...tail];
          assert.deepEqual(await ids({ experimentIds: [exp], orderBy }), alone, orderBy.join(', '));
          assert.deepEqual(
            await paged({ experimentIds: [exp], orderBy }, 4),
            alone,
            `${orderBy.join(', ')} paged`,
          );
        }
      }
      // start_time ASC is a different order: ties of `units` newest last.
      const units = (id: string): number | null => {
        const v = runs.find((r) => r.id === id)?.values.units;
        return v === undefined ? null : sortNumber(v);
      };
      const asc = await ids({ experimentIds: [exp], orderBy: ['params.units ASC', 'start_time ASC'] });
      const desc = await ids({ experimentIds: [exp], orderBy: ['params.units ASC', 'start_time DESC'] });
      assert.deepEqual(asc.map(units), desc.map(units), 'same numbers in the same order');
      assert.notDeepEqual(asc, desc, 'ties in the other direction');
    });

    it('switches to text order once a value of the key is not a number; an open page token keeps its order', async () => {
      const e = await f.store.createExperiment('order-values-switch', undefined, []);
      const mine: Logged[] = [];
      for (const [i, v] of ['128', '32', '64', '256', '8'].entries()) {
        const run = await f.store.createRun({
          experimentId: e,
          userId: 'u',
          runName: 'r',
          startTime: 100 + i,
          tags: [],
        });
        await f.store.logBatch(run.info.run_id, [], [{ key: 'size', value: v }], []);
        mine.push({ id: run.info.run_id, start: 100 + i, values: { size: v } });
      }
      const name = (id: string): string | undefined => mine.find((r) => r.id === id)?.values.size;
      const first = await search({
        experimentIds: [e],
        viewType: 'ACTIVE_ONLY',
        maxResults: 2,
        orderBy: ['params.size ASC'],
      });
      assert.deepEqual(
        first.items.map((r) => name(r.info.run_id)),
        ['8', '32'],
      );

      const run = await f.store.createRun({
        experimentId: e,
        userId: 'u',
        runName: 'r',
        startTime: 200,
        tags: [],
      });
      await f.store.logBatch(run.info.run_id, [], [{ key: 'size', value: 'large' }], []);
      mine.push({ id: run.info.run_id, start: 200, values: { size: 'large' } });

      // The token goes on in numeric order; the new text value has no number, so it comes last.
      const rest = await search({
        experimentIds: [e],
        viewType: 'ACTIVE_ONLY',
        maxResults: 10,
        orderBy: ['params.size ASC'],
        pageToken: first.next_page_token,
      });
      assert.deepEqual(
        rest.items.map((r) => name(r.info.run_id)),
        ['64', '128', '256', 'large'],
      );
      // A new search sorts as text.
      const fresh = await ids({ experimentIds: [e], orderBy: ['params.size ASC'] });
      assert.deepEqual(fresh.map(name), ['128', '256', '32', '64', '8', 'large']);
    });

    it('keeps the sort keys of a tag up to date when it is set again', async () => {
      const e = await f.store.createExperiment('order-values-retag', undefined, []);
      const a = await f.store.createRun({
        experimentId: e,
        userId: 'u',
        runName: 'a',
        startTime: 1,
        tags: [{ key: 'rank', value: '9' }],
      });
      const b = await f.store.createRun({
        experimentId: e,
        userId: 'u',
        runName: 'b',
        startTime: 2,
        tags: [{ key: 'rank', value: '10' }],
      });
      assert.deepEqual(await ids({ experimentIds: [e], orderBy: ['tags.rank ASC'] }), [
        a.info.run_id,
        b.info.run_id,
      ]);
      await f.store.logBatch(a.info.run_id, [], [], [{ key: 'rank', value: '11' }]);
      assert.deepEqual(await ids({ experimentIds: [e], orderBy: ['tags.rank ASC'] }), [
        b.info.run_id,
        a.info.run_id,
      ]);
      await f.store.deleteTag(b.info.run_id, 'rank');
      assert.deepEqual(await ids({ experimentIds: [e], orderBy: ['tags.rank DESC'] }), [
        a.info.run_id,
        b.info.run_id,
      ]);
    });
  });

  describe(`migration 007 on rows written before it (${backend})`, () => {
    it('fills experiment, start time and sort keys with the rule the write path uses', async () => {
      // A database of this kind at the schema before 007, written to directly.
      const dir = await mkdtemp(join(tmpdir(), 'cairn-m007-'));
      const target = await createTestDatabase(backend, dir);
      const old = openDatabase(target.uri);
      try {
        await upgradeSchema(
          old,
          MIGRATIONS.filter((m) => m.version < 7),
        );
        await old.run(
          `INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES ('m', 'x', 'active', 1, 1)`,
        );
        const [{ id }] = (await old.query(`SELECT MAX(experiment_id) AS id FROM experiments`)) as [
          { id: unknown },
        ];
        const values = [
          '128',
          '-0.5',
          '+3',
          '.5',
          '5.',
          '0032',
          '1e5',
          '1E-05',
          '1e99',
          '1e100',
          'NaN',
          'nan',
          'inf',
          'Infinity',
          '0x10',
          ' 5',
          '5 ',
          '5\n',
          '1,000',
          '',
          'abc',
          '1.2.3',
          '--1',
          '\u0661\u0662',
          '1'.repeat(40),
          '1'.repeat(41),
          `é${'x'.repeat(260)}`,
          `${'😀'.repeat(251)}`,
          'e5',
          '.',
          '-',
        ];
        for (const [i, v] of values.entries()) {
          const run = `r${String(i).padStart(31, '0')}`;
          await old.run(
            `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, lifecycle_stage, artifact_uri) VALUES (?, ?, 'n', 'u', 'RUNNING', ?, 'active', 'a')`,
            [run, Number(id), 5000 + i],
          );
          await old.run(`INSERT INTO params (run_uuid, param_key, param_value, pos) VALUES (?, 'k', ?, 0)`, [
            run,
            v,
          ]);
          await old.run(`INSERT INTO tags (run_uuid, tag_key, tag_value, pos) VALUES (?, 'k', ?, 0)`, [
            run,
            v,
          ]);
        }
        await old.run(`INSERT INTO tags (run_uuid, tag_key, tag_value, pos) VALUES (?, 'none', NULL, 0)`, [
          `r${'0'.repeat(31)}`,
        ]);
        const applied = await upgradeSchema(old);
        assert.ok(applied.some((m) => m.version === 7));
        for (const table of ['params', 'tags']) {
          const key = table === 'params' ? 'param_key' : 'tag_key';
          const rows = await old.query(
            `SELECT run_uuid, experiment_id, start_time, sort_text, sort_num FROM ${table} WHERE ${key} = 'k' ORDER BY run_uuid`,
          );
          assert.equal(rows.length, values.length);
          rows.forEach((r, i) => {
            const v = values[i]!;
            const text = Buffer.isBuffer(r.sort_text) ? r.sort_text.toString('utf8') : r.sort_text;
            assert.equal(Number(r.experiment_id), Number(id), `${table} experiment`);
            assert.equal(Number(r.start_time), 5000 + i, `${table} start time`);
            assert.equal(text, sortText(v), `${table} sort_text of ${JSON.stringify(v)}`);
            assert.equal(
              r.sort_num === null ? null : Number(r.sort_num),
              sortNumber(v),
              `${table} sort_num of ${JSON.stringify(v)}`,
            );
          });
        }
        const [none] = await old.query(`SELECT sort_text, sort_num FROM tags WHERE tag_key = 'none'`);
        assert.deepEqual([none?.sort_text, none?.sort_num], [null, null]);
        // The write path's rule, checked on a few values here so that the comparison above means something.
        assert.deepEqual(['128', '1e99', '1e100', '5\n', '\u0661', '1'.repeat(41), '.'].map(sortNumber), [
          128,
          1e99,
          null,
          null,
          null,
          null,
          null,
        ]);
        assert.equal([...sortText(`${'😀'.repeat(251)}`)!].length, 250);
      } finally {
        await old.close();
        await target.drop();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
