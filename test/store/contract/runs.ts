import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  UNKNOWN_RUN,
  openRunsStore,
  rejectsWith,
  type NewRun,
  type StoreFixture,
  type OpenTrackingStore,
} from './fixture.js';

export function runsContract(label: string, open: OpenTrackingStore): void {
  describe(`runs store (${label})`, () => {
    let f: StoreFixture;
    let exp: string;
    let newRun: NewRun;
    before(async () => {
      ({ f, exp, newRun } = await openRunsStore(open));
    });
    after(async () => {
      await f?.close();
    });

    it('creates a run with a 32-hex id, artifact uri and run-name tag', async () => {
      const run = await newRun('first', [{ key: 'team', value: 'ml' }]);
      assert.match(run.info.run_id, /^[0-9a-f]{32}$/);
      assert.equal(run.info.run_uuid, run.info.run_id);
      assert.equal(run.info.artifact_uri, `mlflow-artifacts:/${exp}/${run.info.run_id}/artifacts`);
      assert.equal(run.info.status, 'RUNNING');
      assert.equal(run.info.user_id, 'alice');
      assert.equal(run.info.start_time, 1000);
      assert.equal(run.info.end_time, undefined);
      assert.equal(run.info.lifecycle_stage, 'active');
      assert.deepEqual(run.data.tags, [
        { key: 'team', value: 'ml' },
        { key: 'mlflow.runName', value: 'first' },
      ]);
      assert.deepEqual(run.inputs, {});
      const got = await f.store.getRun(run.info.run_id);
      assert.deepEqual(got.info, run.info);
      assert.deepEqual(got.outputs, {});
    });

    it('takes the run name from the mlflow.runName tag when no name is given', async () => {
      const run = await f.store.createRun({
        experimentId: exp,
        userId: '',
        runName: '',
        startTime: 0,
        tags: [{ key: 'mlflow.runName', value: 'from-tag' }],
      });
      assert.equal(run.info.run_name, 'from-tag');
      assert.equal(run.info.start_time, 0);
    });

    it('stores long values on every database (8000-char tags, long run names and user ids)', async () => {
      const longName = 'n'.repeat(5000);
      const run = await f.store.createRun({
        experimentId: exp,
        userId: 'u'.repeat(1000),
        runName: 'short',
        startTime: 0,
        tags: [],
      });
      const id = run.info.run_id;
      await f.store.logBatch(
        id,
        [],
        [{ key: 'k'.repeat(250), value: 'p'.repeat(6000) }],
        [
          { key: 'mlflow.runName', value: longName },
          { key: 'big', value: 't'.repeat(8000) },
        ],
      );
      const got = await f.store.getRun(id);
      assert.equal(got.info.run_name, longName);
      assert.equal(got.info.user_id.length, 1000);
      assert.equal(got.data.params?.[0]?.value.length, 6000);
      assert.equal(got.data.tags?.find((t) => t.key === 'big')?.value.length, 8000);
    });

    it('refuses unknown experiments and unknown runs', async () => {
      await rejectsWith(
        f.store.createRun({ experimentId: '987654321', userId: '', runName: 'x', startTime: 0, tags: [] }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await rejectsWith(
        f.store.getRun(UNKNOWN_RUN),
        'RESOURCE_DOES_NOT_EXIST',
        /Run with id=0123456789abcdef0123456789abcdef not found/,
      );
      await rejectsWith(f.store.updateRun(UNKNOWN_RUN, { status: 'FINISHED' }), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(f.store.deleteRun(UNKNOWN_RUN), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(f.store.restoreRun(UNKNOWN_RUN), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(
        f.store.logBatch(UNKNOWN_RUN, [], [{ key: 'a', value: 'b' }], []),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await rejectsWith(f.store.deleteTag(UNKNOWN_RUN, 'k'), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(f.store.logInputs(UNKNOWN_RUN, [], []), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(f.store.logOutputs(UNKNOWN_RUN, []), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('updates status, end time and name (keeping the tag in sync)', async () => {
      const run = await newRun('before');
      const info = await f.store.updateRun(run.info.run_id, { status: 'FINISHED', endTime: 5000 });
      assert.equal(info.status, 'FINISHED');
      assert.equal(info.end_time, 5000);
      const renamed = await f.store.updateRun(run.info.run_id, { runName: 'after' });
      assert.equal(renamed.run_name, 'after');
      assert.equal(renamed.status, 'FINISHED');
      const got = await f.store.getRun(run.info.run_id);
      assert.deepEqual(got.data.tags, [{ key: 'mlflow.runName', value: 'after' }]);
    });

    it('deletes and restores runs idempotently; deleted runs refuse writes', async () => {
      const run = await newRun('doomed');
      const id = run.info.run_id;
      await f.store.deleteRun(id);
      await f.store.deleteRun(id);
      assert.equal((await f.store.getRun(id)).info.lifecycle_stage, 'deleted');
      const inactive = /must be in the 'active' state/;
      await rejectsWith(
        f.store.logBatch(id, [{ key: 'm', value: 1, timestamp: 1, step: 0 }], [], []),
        'INVALID_PARAMETER_VALUE',
        inactive,
      );
      await rejectsWith(f.store.logBatch(id, [], [{ key: 'p', value: '1' }], []), 'INVALID_PARAMETER_VALUE');
      await rejectsWith(f.store.logBatch(id, [], [], [{ key: 't', value: '1' }]), 'INVALID_PARAMETER_VALUE');
      await rejectsWith(f.store.updateRun(id, { status: 'FAILED' }), 'INVALID_PARAMETER_VALUE');
      await rejectsWith(f.store.deleteTag(id, 'mlflow.runName'), 'INVALID_PARAMETER_VALUE');
      await rejectsWith(f.store.logInputs(id, [], [{ model_id: 'm-1' }]), 'INVALID_PARAMETER_VALUE');
      await f.store.restoreRun(id);
      await f.store.restoreRun(id);
      assert.equal((await f.store.getRun(id)).info.lifecycle_stage, 'active');
      await f.store.logBatch(id, [], [{ key: 'p', value: '1' }], []);
    });

    it('keeps params write-once: same value is a no-op, another value an error', async () => {
      const run = await newRun('params');
      const id = run.info.run_id;
      await f.store.logBatch(
        id,
        [],
        [
          { key: 'alpha', value: '0.5' },
          { key: 'beta', value: '' },
        ],
        [],
      );
      await f.store.logBatch(id, [], [{ key: 'alpha', value: '0.5' }], []);
      const err = await rejectsWith(
        f.store.logBatch(id, [], [{ key: 'alpha', value: '0.9' }], []),
        'INVALID_PARAMETER_VALUE',
      );
      assert.equal(
        err.message,
        `Changing param values is not allowed. Param with key='alpha' was already logged with value='0.5' for run ID='${id}'. Attempted logging new value '0.9'.`,
      );
      await rejectsWith(
        f.store.logBatch(
          id,
          [],
          [
            { key: 'dup', value: '1' },
            { key: 'dup', value: '2' },
          ],
          [],
        ),
        'INVALID_PARAMETER_VALUE',
      );
      assert.deepEqual((await f.store.getRun(id)).data.params, [
        { key: 'alpha', value: '0.5' },
        { key: 'beta', value: '' },
      ]);
    });

    it('upserts tags last-wins, keeps first-set order, renames via mlflow.runName, deletes tags', async () => {
      const run = await newRun('tags');
      const id = run.info.run_id;
      await f.store.logBatch(
        id,
        [],
        [],
        [
          { key: 'b', value: '1' },
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ],
      );
      await f.store.logBatch(
        id,
        [],
        [],
        [
          { key: 'mlflow.runName', value: 'tags-renamed' },
          { key: 'a', value: '3' },
        ],
      );
      const got = await f.store.getRun(id);
      assert.equal(got.info.run_name, 'tags-renamed');
      assert.deepEqual(got.data.tags, [
        { key: 'mlflow.runName', value: 'tags-renamed' },
        { key: 'b', value: '2' },
        { key: 'a', value: '3' },
      ]);
      await f.store.deleteTag(id, 'b');
      await rejectsWith(
        f.store.deleteTag(id, 'b'),
        'RESOURCE_DOES_NOT_EXIST',
        /No tag with name: b in run with id/,
      );
      assert.deepEqual(
        (await f.store.getRun(id)).data.tags?.map((t) => t.key),
        ['mlflow.runName', 'a'],
      );
    });

    it('lists metrics, params and tags in the order they were first logged', async () => {
      const run = await newRun('order');
      const id = run.info.run_id;
      for (const key of ['zeta', 'alpha', 'mid']) {
        await f.store.logBatch(
          id,
          [{ key, value: 1, timestamp: 1, step: 0 }],
          [{ key, value: 'v' }],
          [{ key, value: 'v' }],
        );
      }
      await f.store.logBatch(
        id,
        [{ key: 'zeta', value: 2, timestamp: 2, step: 1 }],
        [],
        [{ key: 'zeta', value: 'w' }],
      );
      const got = await f.store.getRun(id);
      assert.deepEqual(
        got.data.metrics?.map((m) => m.key),
        ['zeta', 'alpha', 'mid'],
      );
      assert.deepEqual(
        got.data.params?.map((m) => m.key),
        ['zeta', 'alpha', 'mid'],
      );
      assert.deepEqual(
        got.data.tags?.map((m) => m.key),
        ['mlflow.runName', 'zeta', 'alpha', 'mid'],
      );
      assert.equal(got.data.metrics?.[0]?.value, 2);
    });

    it('logs dataset inputs once per dataset, model inputs and outputs', async () => {
      const run = await newRun('inputs');
      const id = run.info.run_id;
      const ds = {
        name: 'ds',
        digest: 'abc123',
        source_type: 'local',
        source: '{"uri": "file:///x"}',
        schema: '{}',
        profile: '{"rows": 1}',
      };
      await f.store.logInputs(
        id,
        [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: ds }],
        [],
      );
      await f.store.logInputs(
        id,
        [{ tags: [{ key: 'mlflow.data.context', value: 'eval' }], dataset: ds }],
        [],
      );
      await f.store.logInputs(
        id,
        [{ dataset: { name: 'ds2', digest: 'def', source_type: 'http', source: 'u' } }],
        [{ model_id: 'm-a' }],
      );
      await f.store.logOutputs(id, [{ model_id: 'm-b', step: 3 }]);
      await f.store.logOutputs(id, [{ model_id: 'm-b', step: 3 }]);
      const got = await f.store.getRun(id);
      assert.deepEqual(got.inputs, {
        dataset_inputs: [
          { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: ds },
          { dataset: { name: 'ds2', digest: 'def', source_type: 'http', source: 'u' } },
        ],
        model_inputs: [{ model_id: 'm-a' }],
      });
      assert.deepEqual(got.outputs, { model_outputs: [{ model_id: 'm-b', step: 3 }] });
      // A second run of the same experiment reuses the dataset.
      const other = await newRun('inputs-2');
      await f.store.logInputs(other.info.run_id, [{ dataset: ds }], []);
      assert.deepEqual((await f.store.getRun(other.info.run_id)).inputs.dataset_inputs, [{ dataset: ds }]);
    });
  });
}
