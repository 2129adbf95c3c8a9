import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rejectsWith, type StoreFixture, type OpenTrackingStore } from './fixture.js';
import { parseOrderByField, parseSearchFilter } from '../../../src/search/index.js';

const UNKNOWN_MODEL = 'm-0123456789abcdef0123456789abcdef';

export function loggedModelsContract(label: string, open: OpenTrackingStore): void {
  describe(`logged models store (${label})`, () => {
    let f: StoreFixture;
    let exp: string;
    let exp2: string;
    let runId: string;
    before(async () => {
      f = await open();
      exp = await f.store.createExperiment('models', undefined, []);
      exp2 = await f.store.createExperiment('models-2', undefined, []);
      runId = (
        await f.store.createRun({ experimentId: exp, userId: '', runName: 'r', startTime: 0, tags: [] })
      ).info.run_id;
    });
    after(async () => {
      await f?.close();
    });
    const create = (name: string, extra: Partial<Parameters<typeof f.store.createLoggedModel>[0]> = {}) =>
      f.store.createLoggedModel({ experimentId: exp, name, params: [], tags: [], ...extra });

    it('creates pending models with m- ids and artifact uris under the experiment', async () => {
      const m = await create('golden', {
        modelType: 'sklearn',
        sourceRunId: runId,
        params: [{ key: 'alpha', value: '0.5' }],
        tags: [{ key: 'stage', value: 'candidate' }],
      });
      assert.match(m.info.model_id, /^m-[0-9a-f]{32}$/);
      assert.equal(m.info.artifact_uri, `mlflow-artifacts:/${exp}/models/${m.info.model_id}/artifacts`);
      assert.equal(m.info.status, 'LOGGED_MODEL_PENDING');
      assert.equal(m.info.experiment_id, exp);
      assert.equal(m.info.model_type, 'sklearn');
      assert.equal(m.info.source_run_id, runId);
      assert.deepEqual(m.info.tags, [{ key: 'stage', value: 'candidate' }]);
      assert.deepEqual(m.data, { params: [{ key: 'alpha', value: '0.5' }] });
      assert.deepEqual(await f.store.getLoggedModel(m.info.model_id), m);
      const minimal = await create('minimal');
      assert.equal(minimal.info.model_type, '');
      assert.equal(minimal.info.source_run_id, '');
      assert.deepEqual(minimal.data, {});
      await rejectsWith(
        f.store.createLoggedModel({ experimentId: '987654321', name: 'x', params: [], tags: [] }),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    it('answers unknown models with RESOURCE_DOES_NOT_EXIST', async () => {
      const notFound = /Logged model with ID 'm-0123456789abcdef0123456789abcdef' not found\./;
      await rejectsWith(f.store.getLoggedModel(UNKNOWN_MODEL), 'RESOURCE_DOES_NOT_EXIST', notFound);
      await rejectsWith(f.store.getLoggedModel('not-a-model'), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(
        f.store.finalizeLoggedModel(UNKNOWN_MODEL, 'LOGGED_MODEL_READY'),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await rejectsWith(
        f.store.setLoggedModelTags(UNKNOWN_MODEL, [{ key: 'k', value: 'v' }]),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await rejectsWith(f.store.deleteLoggedModel(UNKNOWN_MODEL), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(
        f.store.logLoggedModelParams(UNKNOWN_MODEL, [{ key: 'a', value: 'b' }]),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await rejectsWith(f.store.deleteLoggedModelTag(UNKNOWN_MODEL, 'k'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('finalizes, tags, logs params write-once and deletes', async () => {
      const m = await create('lifecycle', { params: [{ key: 'alpha', value: '0.5' }] });
      const id = m.info.model_id;
      const ready = await f.store.finalizeLoggedModel(id, 'LOGGED_MODEL_READY');
      assert.equal(ready.info.status, 'LOGGED_MODEL_READY');
      await f.store.setLoggedModelTags(id, [
        { key: 'k2', value: 'v2' },
        { key: 'stage', value: 'final' },
      ]);
      await f.store.setLoggedModelTags(id, [{ key: 'k2', value: 'v3' }]);
      await f.store.deleteLoggedModelTag(id, 'stage');
      await rejectsWith(
        f.store.deleteLoggedModelTag(id, 'stage'),
        'RESOURCE_DOES_NOT_EXIST',
        /No tag with key 'stage'/,
      );
      await f.store.logLoggedModelParams(id, [
        { key: 'beta', value: '1' },
        { key: 'alpha', value: '0.5' },
      ]);
      await rejectsWith(
        f.store.logLoggedModelParams(id, [{ key: 'alpha', value: '0.9' }]),
        'INVALID_PARAMETER_VALUE',
      );
      const got = await f.store.getLoggedModel(id);
      assert.deepEqual(got.info.tags, [{ key: 'k2', value: 'v3' }]);
      assert.deepEqual(got.data.params, [
        { key: 'alpha', value: '0.5' },
        { key: 'beta', value: '1' },
      ]);
      await f.store.deleteLoggedModel(id);
      await rejectsWith(f.store.getLoggedModel(id), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(f.store.deleteLoggedModel(id), 'RESOURCE_DOES_NOT_EXIST');
    });

    it("lists metrics logged with a model_id in the model's data and outputs on the run", async () => {
      const m = await create('with-metrics');
      const id = m.info.model_id;
      await f.store.logBatch(
        runId,
        [
          {
            key: 'model_acc',
            value: 0.75,
            timestamp: 1600000004000,
            step: 0,
            model_id: id,
            dataset_name: 'ds',
            dataset_digest: 'abc',
          },
          { key: 'model_acc', value: 0.8, timestamp: 1600000005000, step: 1, model_id: id },
        ],
        [],
        [],
      );
      await f.store.logOutputs(runId, [{ model_id: id, step: 1 }]);
      const got = await f.store.getLoggedModel(id);
      assert.deepEqual(got.data.metrics, [
        {
          key: 'model_acc',
          value: 0.75,
          timestamp: 1600000004000,
          step: 0,
          dataset_name: 'ds',
          dataset_digest: 'abc',
          model_id: id,
          run_id: runId,
        },
        { key: 'model_acc', value: 0.8, timestamp: 1600000005000, step: 1, model_id: id, run_id: runId },
      ]);
      const run = await f.store.getRun(runId);
      assert.deepEqual(run.outputs, { model_outputs: [{ model_id: id, step: 1 }] });
      // Run data keeps reporting the metric as a run metric too.
      assert.equal(run.data.metrics?.find((x) => x.key === 'model_acc')?.value, 0.8);
    });

    it('searches by experiment, filter, datasets, order and pages', async () => {
      const s = await f.store.createExperiment('models-search', undefined, []);
      let created = 1_700_000_000_000;
      const mk = async (name: string, params: Record<string, string>, acc?: number, exp = s) => {
        const m = await f.store.createLoggedModel({
          experimentId: exp,
          name,
          creationTime: (created += 1000),
          params: Object.entries(params).map(([key, value]) => ({ key, value })),
          tags: [{ key: 'family', value: name.split('-')[0]! }],
        });
        assert.equal(m.info.creation_timestamp_ms, created);
        if (acc !== undefined) {
          await f.store.logBatch(
            runId,
            [
              {
                key: 'acc',
                value: acc,
                timestamp: 1,
                step: 0,
                model_id: m.info.model_id,
                dataset_name: 'eval',
              },
            ],
            [],
            [],
          );
        }
        return m.info.model_id;
      };
      const a = await mk('tree-a', { depth: '3' }, 0.7);
      const b = await mk('tree-b', { depth: '5' }, 0.9);
      const c = await mk('net-c', { depth: '3' });
      await f.store.finalizeLoggedModel(b, 'LOGGED_MODEL_READY');
      const other = await mk('net-other', {}, undefined, exp2);

      const ids = async (q: Partial<Parameters<typeof f.store.searchLoggedModels>[0]>) =>
        (await f.store.searchLoggedModels({ experimentIds: [s], maxResults: 50, ...q })).items.map(
          (m) => m.info.model_id,
        );
      assert.deepEqual(await ids({}), [c, b, a]);
      assert.deepEqual(new Set(await ids({ experimentIds: [s, exp2] })), new Set([a, b, c, other]));
      assert.deepEqual(await ids({ filter: parseSearchFilter('logged_models', "name = 'tree-a'") }), [a]);
      assert.deepEqual(await ids({ filter: parseSearchFilter('logged_models', "name LIKE 'tree-%'") }), [
        b,
        a,
      ]);
      assert.deepEqual(await ids({ filter: parseSearchFilter('logged_models', "params.depth = '3'") }), [
        c,
        a,
      ]);
      assert.deepEqual(await ids({ filter: parseSearchFilter('logged_models', "tags.family = 'net'") }), [c]);
      assert.deepEqual(await ids({ filter: parseSearchFilter('logged_models', "status = 'READY'") }), [b]);
      assert.deepEqual(
        await ids({ filter: parseSearchFilter('logged_models', "status = 'LOGGED_MODEL_PENDING'") }),
        [c, a],
      );
      assert.deepEqual(await ids({ filter: parseSearchFilter('logged_models', 'metrics.acc > 0.8') }), [b]);
      assert.deepEqual(await ids({ datasets: [{ dataset_name: 'eval' }] }), [b, a]);
      assert.deepEqual(await ids({ datasets: [{ dataset_name: 'other' }] }), []);
      assert.deepEqual(await ids({ orderBy: [parseOrderByField('logged_models', 'metrics.acc', false)] }), [
        b,
        a,
        c,
      ]);
      assert.deepEqual(await ids({ orderBy: [parseOrderByField('logged_models', 'metrics.acc', true)] }), [
        a,
        b,
        c,
      ]);
      assert.deepEqual(await ids({ orderBy: [parseOrderByField('logged_models', 'name', true)] }), [c, a, b]);
      assert.deepEqual(await ids({ orderBy: [parseOrderByField('logged_models', 'creation_time', true)] }), [
        a,
        b,
        c,
      ]);

      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await f.store.searchLoggedModels({
          experimentIds: [s],
          maxResults: 1,
          pageToken: token,
        });
        seen.push(...page.items.map((m) => m.info.model_id));
        token = page.next_page_token;
      } while (token);
      assert.deepEqual(seen, [c, b, a]);
    });
  });
}
