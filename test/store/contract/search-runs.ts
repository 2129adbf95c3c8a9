import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Run, ViewType } from '../../../src/entities/tracking.js';
import { rejectsWith, type StoreFixture, type OpenTrackingStore } from './fixture.js';
import { parseOrderByList, parseSearchFilter } from '../../../src/search/index.js';

interface Spec {
  name: string;
  start: number;
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
  user?: string;
  status?: 'FINISHED';
  end?: number;
  dataset?: { name: string; digest: string; context?: string };
}

const SPECS: Spec[] = [
  {
    name: 'run-a',
    start: 1000,
    metrics: { acc: 0.1, 'f1 score': 0.05, extra: 7 },
    params: { lr: '0.01', model: 'CNN' },
    tags: { group: 'even' },
    dataset: { name: 'train-ds', digest: 'aaa', context: 'training' },
  },
  {
    name: 'run-b',
    start: 2000,
    metrics: { acc: 0.9, 'f1 score': 0.45 },
    params: { lr: '0.1', model: 'rnn' },
    tags: { group: 'odd' },
    user: 'bob',
    status: 'FINISHED',
    end: 9000,
    dataset: { name: 'eval-ds', digest: 'bbb', context: 'eval' },
  },
  {
    name: 'run-c',
    start: 3000,
    metrics: { acc: 0.5, 'f1 score': NaN },
    params: { lr: '0.001' },
    tags: { group: 'even' },
  },
  { name: 'run-d', start: 3000, metrics: {}, params: {}, tags: {} },
];

export function searchRunsContract(label: string, open: OpenTrackingStore): void {
  describe(`searchRuns (${label})`, () => {
    let f: StoreFixture;
    let exp: string;
    let otherExp: string;
    const ids: Record<string, string> = {};
    let deletedId: string;

    before(async () => {
      f = await open();
      exp = await f.store.createExperiment('search', undefined, []);
      otherExp = await f.store.createExperiment('search-other', undefined, []);
      for (const s of SPECS) {
        const run = await f.store.createRun({
          experimentId: exp,
          userId: s.user ?? 'alice',
          runName: s.name,
          startTime: s.start,
          tags: [],
        });
        const id = run.info.run_id;
        ids[s.name] = id;
        await f.store.logBatch(
          id,
          Object.entries(s.metrics).map(([key, value]) => ({ key, value, timestamp: 100, step: 0 })),
          Object.entries(s.params).map(([key, value]) => ({ key, value })),
          Object.entries(s.tags).map(([key, value]) => ({ key, value })),
        );
        if (s.status) await f.store.updateRun(id, { status: s.status, endTime: s.end });
        if (s.dataset) {
          await f.store.logInputs(
            id,
            [
              {
                tags: s.dataset.context ? [{ key: 'mlflow.data.context', value: s.dataset.context }] : [],
                dataset: {
                  name: s.dataset.name,
                  digest: s.dataset.digest,
                  source_type: 'local',
                  source: 's',
                },
              },
            ],
            [],
          );
        }
      }
      const del = await f.store.createRun({
        experimentId: exp,
        userId: 'alice',
        runName: 'run-deleted',
        startTime: 500,
        tags: [],
      });
      deletedId = del.info.run_id;
      await f.store.logBatch(deletedId, [{ key: 'acc', value: 0.99, timestamp: 1, step: 0 }], [], []);
      await f.store.deleteRun(deletedId);
      await f.store.createRun({
        experimentId: otherExp,
        userId: 'alice',
        runName: 'run-other',
        startTime: 99999,
        tags: [],
      });
    });
    after(async () => {
      await f?.close();
    });

    const names = (runs: Run[]): string[] => runs.map((r) => r.info.run_name);
    const search = async (
      filter?: string,
      orderBy?: string[],
      viewType: ViewType = 'ACTIVE_ONLY',
      experimentIds = [exp],
    ) =>
      names(
        (
          await f.store.searchRuns({
            experimentIds,
            filter: parseSearchFilter('runs', filter),
            orderBy: parseOrderByList('runs', orderBy),
            viewType,
            maxResults: 100,
          })
        ).items,
      );
    const set = async (filter: string) => new Set(await search(filter));

    it('orders by start_time DESC then run_id ASC by default', async () => {
      const got = await search();
      assert.equal(got.length, 4);
      const [c, d] = [ids['run-c']!, ids['run-d']!].sort();
      const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
      assert.deepEqual(got, [byId[c!], byId[d!], 'run-b', 'run-a']);
    });

    it('filters on metrics with every numeric comparator (NaN matches only !=)', async () => {
      assert.deepEqual(await set('metrics.acc > 0.4'), new Set(['run-b', 'run-c']));
      assert.deepEqual(await set('metrics.acc >= 0.5'), new Set(['run-b', 'run-c']));
      assert.deepEqual(await set('metrics.acc < 0.5'), new Set(['run-a']));
      assert.deepEqual(await set('metrics.acc <= 0.5'), new Set(['run-a', 'run-c']));
      assert.deepEqual(await set('metrics.acc = 0.9'), new Set(['run-b']));
      assert.deepEqual(await set('metrics.acc != 0.9'), new Set(['run-a', 'run-c']));
      assert.deepEqual(await set('metrics.`f1 score` > 0'), new Set(['run-a', 'run-b']));
      assert.deepEqual(await set('metrics."f1 score" != 0.45'), new Set(['run-a', 'run-c']));
      assert.deepEqual(await set('metric.extra = 7'), new Set(['run-a']));
      assert.deepEqual(await set('metrics.missing > 0'), new Set());
    });

    it('filters on params and tags with = != LIKE ILIKE', async () => {
      assert.deepEqual(await set("params.lr = '0.1'"), new Set(['run-b']));
      assert.deepEqual(await set("params.lr != '0.1'"), new Set(['run-a', 'run-c']));
      assert.deepEqual(await set("params.model LIKE 'c%'"), new Set());
      assert.deepEqual(await set("params.model LIKE 'C%'"), new Set(['run-a']));
      assert.deepEqual(await set("params.model ILIKE 'c%'"), new Set(['run-a']));
      assert.deepEqual(await set("param.lr LIKE '0.0_'"), new Set(['run-a']));
      assert.deepEqual(await set("tags.group = 'even'"), new Set(['run-a', 'run-c']));
      assert.deepEqual(await set("tags.group != 'even'"), new Set(['run-b']));
      assert.deepEqual(await set("tags.group LIKE '%dd'"), new Set(['run-b']));
      assert.deepEqual(await set("tag.group ILIKE 'EVEN'"), new Set(['run-a', 'run-c']));
      assert.deepEqual(await set("tags.`mlflow.runName` = 'run-d'"), new Set(['run-d']));
    });

    it('filters on attributes', async () => {
      assert.deepEqual(await set(`attributes.run_id = '${ids['run-a']}'`), new Set(['run-a']));
      assert.deepEqual(
        await set(`run_id IN ('${ids['run-a']}', '${ids['run-b']}')`),
        new Set(['run-a', 'run-b']),
      );
      assert.deepEqual(
        await set(`run_id NOT IN ('${ids['run-a']}', '${ids['run-b']}')`),
        new Set(['run-c', 'run-d']),
      );
      assert.deepEqual(await set(`run_id IN ('${ids['run-a']!.toUpperCase()}')`), new Set());
      assert.deepEqual(await set("attributes.run_name = 'run-b'"), new Set(['run-b']));
      assert.deepEqual(await set("`Run name` LIKE 'run-_'"), new Set(['run-a', 'run-b', 'run-c', 'run-d']));
      assert.deepEqual(await set("attributes.status = 'FINISHED'"), new Set(['run-b']));
      assert.deepEqual(await set("status != 'FINISHED'"), new Set(['run-a', 'run-c', 'run-d']));
      assert.deepEqual(await set("user_id = 'bob'"), new Set(['run-b']));
      assert.deepEqual(await set(`artifact_uri LIKE '%${ids['run-c']}%'`), new Set(['run-c']));
      assert.deepEqual(await set('start_time >= 2000'), new Set(['run-b', 'run-c', 'run-d']));
      assert.deepEqual(await set('created < 2000'), new Set(['run-a']));
      assert.deepEqual(await set('end_time > 0'), new Set(['run-b']));
      assert.deepEqual(
        await set("metrics.acc > 0 AND params.lr = '0.01' AND tags.group = 'even' AND start_time = 1000"),
        new Set(['run-a']),
      );
    });

    it('filters on datasets name, digest and context', async () => {
      assert.deepEqual(await set("datasets.name = 'train-ds'"), new Set(['run-a']));
      assert.deepEqual(await set("dataset.digest = 'bbb'"), new Set(['run-b']));
      assert.deepEqual(await set("datasets.context = 'eval'"), new Set(['run-b']));
      assert.deepEqual(await set("datasets.name LIKE '%-ds'"), new Set(['run-a', 'run-b']));
      assert.deepEqual(await set("datasets.name IN ('eval-ds', 'x')"), new Set(['run-b']));
      assert.deepEqual(await set("datasets.name != 'train-ds'"), new Set(['run-b']));
    });

    it('orders by metrics, params, tags and attributes with missing values and NaN last', async () => {
      assert.deepEqual(await search(undefined, ['metrics.acc DESC']), ['run-b', 'run-c', 'run-a', 'run-d']);
      assert.deepEqual(await search(undefined, ['metrics.acc ASC']), ['run-a', 'run-c', 'run-b', 'run-d']);
      assert.deepEqual(
        await search(undefined, ['metrics.`f1 score` ASC']),
        ['run-a', 'run-b', 'run-c', 'run-d'].slice(0, 2).concat(await nanAndMissing()),
      );
      assert.deepEqual((await search(undefined, ['metrics.`f1 score` DESC'])).slice(0, 2), [
        'run-b',
        'run-a',
      ]);
      assert.deepEqual(await search(undefined, ['params.lr ASC']), ['run-c', 'run-a', 'run-b', 'run-d']);
      assert.deepEqual(await search(undefined, ['params.lr DESC']), ['run-b', 'run-a', 'run-c', 'run-d']);
      assert.deepEqual(await search(undefined, ['tags.group ASC', 'metrics.acc DESC']), [
        'run-c',
        'run-a',
        'run-b',
        'run-d',
      ]);
      assert.deepEqual(await search(undefined, ['attributes.run_name DESC']), [
        'run-d',
        'run-c',
        'run-b',
        'run-a',
      ]);
      assert.deepEqual(await search(undefined, ['start_time ASC']).then((r) => r.slice(0, 2)), [
        'run-a',
        'run-b',
      ]);
      assert.deepEqual((await search(undefined, ['end_time DESC']))[0], 'run-b');
      assert.deepEqual((await search(undefined, ['end_time ASC']))[0], 'run-b');
      assert.deepEqual(await search(undefined, ['user_id DESC', 'run_name ASC']), [
        'run-b',
        'run-a',
        'run-c',
        'run-d',
      ]);
    });
    // NaN and missing are both last; between them the start_time DESC, run_id ASC tie-break decides.
    const nanAndMissing = async (): Promise<string[]> =>
      (await search()).filter((n) => n === 'run-c' || n === 'run-d');

    it('applies view types and experiment ids', async () => {
      assert.deepEqual(await search(undefined, undefined, 'DELETED_ONLY'), ['run-deleted']);
      assert.equal((await search(undefined, undefined, 'ALL')).length, 5);
      assert.deepEqual(await search('metrics.acc > 0.95', undefined, 'ALL'), ['run-deleted']);
      assert.equal((await search(undefined, undefined, 'ACTIVE_ONLY', [exp, otherExp])).length, 5);
      assert.deepEqual(await search(undefined, undefined, 'ACTIVE_ONLY', ['987654321']), []);
      assert.deepEqual(await search(undefined, undefined, 'ACTIVE_ONLY', ['not-a-number']), []);
      assert.deepEqual(await search(undefined, undefined, 'ACTIVE_ONLY', []), []);
    });

    it('returns full runs: latest metrics, params, tags and inputs', async () => {
      const page = await f.store.searchRuns({
        experimentIds: [exp],
        filter: parseSearchFilter('runs', "attributes.run_name = 'run-a'"),
        viewType: 'ACTIVE_ONLY',
        maxResults: 10,
      });
      const run = page.items[0]!;
      assert.deepEqual(run, await f.store.getRun(ids['run-a']!));
      assert.equal(run.data.metrics?.length, 3);
      assert.equal(run.inputs.dataset_inputs?.[0]?.dataset.name, 'train-ds');
    });

    it('gives every run of a page its own values, each kind in the order logged, not by key', async () => {
      const own = await f.store.createExperiment('search-own-values', undefined, []);
      const made: string[] = [];
      for (const i of [0, 1, 2]) {
        const run = await f.store.createRun({
          experimentId: own,
          userId: 'alice',
          runName: `own-${i}`,
          startTime: 100 - i,
          tags: [],
        });
        const id = run.info.run_id;
        made.push(id);
        // Two batches, the later keys sorting first, so that logged order differs from key order.
        await f.store.logBatch(
          id,
          [{ key: 'zz', value: i, timestamp: 10, step: 1 }],
          [{ key: 'p-z', value: `z${i}` }],
          [{ key: 't-z', value: `tz${i}` }],
        );
        await f.store.logBatch(id, [{ key: 'nan', value: NaN, timestamp: 11, step: 2 }], [], []);
        await f.store.logBatch(
          id,
          [{ key: 'aa', value: -(i + 1), timestamp: 12, step: 3 }],
          [{ key: 'p-a', value: `a${i}` }],
          [{ key: 't-a', value: `ta${i}` }],
        );
      }
      await f.store.logInputs(made[0]!, [], [{ model_id: 'in-0' }, { model_id: 'in-0b' }]);
      await f.store.logOutputs(made[1]!, [{ model_id: 'out-1', step: 4 }]);
      const ds = { name: 'own-ds', digest: 'd2', source_type: 'local', source: 's' };
      await f.store.logInputs(made[2]!, [{ tags: [{ key: 'k', value: 'v' }], dataset: ds }], []);

      const items: Run[] = [];
      let token: string | undefined;
      do {
        const page = await f.store.searchRuns({
          experimentIds: [own],
          viewType: 'ACTIVE_ONLY',
          maxResults: 2,
          pageToken: token,
        });
        items.push(...page.items);
        token = page.next_page_token;
      } while (token);
      assert.deepEqual(
        items.map((r) => r.info.run_id),
        made,
      );
      items.forEach((run, i) => {
        assert.deepEqual(run.data.params, [
          { key: 'p-z', value: `z${i}` },
          { key: 'p-a', value: `a${i}` },
        ]);
        assert.deepEqual(run.data.tags, [
          { key: 'mlflow.runName', value: `own-${i}` },
          { key: 't-z', value: `tz${i}` },
          { key: 't-a', value: `ta${i}` },
        ]);
        const metrics = run.data.metrics!;
        assert.deepEqual(
          metrics.map((m) => [m.key, m.timestamp, m.step]),
          [
            ['zz', 10, 1],
            ['nan', 11, 2],
            ['aa', 12, 3],
          ],
        );
        assert.equal(metrics[0]!.value, i);
        assert.ok(Number.isNaN(metrics[1]!.value));
        assert.equal(metrics[2]!.value, -(i + 1));
      });
      assert.deepEqual(items[0]!.inputs, { model_inputs: [{ model_id: 'in-0' }, { model_id: 'in-0b' }] });
      assert.deepEqual(items[0]!.outputs, {});
      assert.deepEqual(items[1]!.inputs, {});
      assert.deepEqual(items[1]!.outputs, { model_outputs: [{ model_id: 'out-1', step: 4 }] });
      assert.deepEqual(items[2]!.inputs, {
        dataset_inputs: [{ tags: [{ key: 'k', value: 'v' }], dataset: ds }],
      });
      for (const run of items) assert.deepEqual(run, await f.store.getRun(run.info.run_id));
    });

    it('pages with tokens until the end', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await f.store.searchRuns({
          experimentIds: [exp],
          viewType: 'ALL',
          maxResults: 2,
          orderBy: parseOrderByList('runs', ['metrics.acc DESC']),
          pageToken: token,
        });
        seen.push(...names(page.items));
        token = page.next_page_token;
        pages++;
      } while (token);
      assert.equal(pages, 3);
      assert.deepEqual(seen, ['run-deleted', 'run-b', 'run-c', 'run-a', 'run-d']);
      await rejectsWith(
        f.store.searchRuns({ experimentIds: [exp], viewType: 'ALL', maxResults: 2, pageToken: 'xyz!' }),
        'INVALID_PARAMETER_VALUE',
      );
    });

    it('pages every order consistently with the unpaged result (keyset and offset tokens)', async () => {
      const pagingExp = await f.store.createExperiment('paging', undefined, []);
      const scores = [0.5, 0.1, NaN, 0.5, undefined, 0.9, 0.5, undefined, 0.1, NaN, 0.3];
      for (let i = 0; i < 23; i++) {
        const run = await f.store.createRun({
          experimentId: pagingExp,
          userId: 'u',
          runName: `p-${i}`,
          startTime: 1 + (i % 3),
          tags: [],
        });
        const score = scores[i % scores.length];
        await f.store.logBatch(
          run.info.run_id,
          score === undefined ? [] : [{ key: 'score', value: score, timestamp: 1, step: 0 }],
          [{ key: 'lr', value: String(i % 4) }],
          [],
        );
      }
      const orders = [
        [],
        ['metrics.score DESC'],
        ['metrics.score ASC'],
        ['metrics.score DESC', 'params.lr ASC'],
        ['params.lr ASC'],
      ];
      for (const filter of [undefined, 'metrics.score >= 0.3', "params.lr != '1'"]) {
        for (const orderBy of orders) {
          const q = {
            experimentIds: [pagingExp],
            filter: parseSearchFilter('runs', filter),
            orderBy: parseOrderByList('runs', orderBy),
            viewType: 'ACTIVE_ONLY' as const,
          };
          const whole = (await f.store.searchRuns({ ...q, maxResults: 1000 })).items.map(
            (r) => r.info.run_id,
          );
          for (const size of [1, 2, 5, 7]) {
            const seen: string[] = [];
            let token: string | undefined;
            let pages = 0;
            do {
              const page = await f.store.searchRuns({ ...q, maxResults: size, pageToken: token });
              assert.ok(page.items.length <= size);
              seen.push(...page.items.map((r) => r.info.run_id));
              token = page.next_page_token;
              assert.ok(++pages <= 30, 'paging terminates');
            } while (token);
            assert.deepEqual(seen, whole, `filter=${filter} order=${orderBy.join(',')} size=${size}`);
          }
        }
      }
    });

    it('rejects bad filters and order-by clauses', async () => {
      await rejectsWith(search('metrics.acc > 0 OR metrics.acc < 0'), 'INVALID_PARAMETER_VALUE');
      await rejectsWith(search('params.lr = 0.1'), 'INVALID_PARAMETER_VALUE');
      await rejectsWith(search("foo.bar = 'x'"), 'INVALID_PARAMETER_VALUE');
      await rejectsWith(search("params.lr > '0'"), 'INVALID_PARAMETER_VALUE');
      await rejectsWith(search(undefined, ['attributes.bogus ASC']), 'INVALID_PARAMETER_VALUE');
      await rejectsWith(search(undefined, ['metrics.acc sideways']), 'INVALID_PARAMETER_VALUE');
    });
  });
}
