/** Name and id clashes with data already in the target: reported and skipped, never overwritten. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DumpSource } from '../../src/migrate/dump-source.js';
import { exportDump } from '../../src/migrate/dump-writer.js';
import { runImport } from '../../src/migrate/importer.js';
import { BACKENDS } from '../helpers/backends.js';
import { newInstallation, ok, seed, type Installation, type Json } from './fixtures.js';

describe(`clashes with existing data (${BACKENDS[0]})`, () => {
  let src: Installation;
  let dst: Installation;
  let dir: string;

  before(async () => {
    src = await newInstallation(BACKENDS[0]!);
    dst = await newInstallation(BACKENDS[0]!);
    await seed(await src.start());
    await src.stopServer();
    dir = join(src.tmpDir, 'export');
    const stores = await src.stores();
    await exportDump(stores.source, dir).finally(() => stores.close());
  });
  after(async () => {
    await src?.destroy();
    await dst?.destroy();
  });

  test('clashing experiments and models are reported, skipped and left as they were', async () => {
    const base = await dst.start();
    // Id 1 goes to another name, and the name of source experiment 1 gets id 2.
    await ok(base, 'POST', 'experiments/create', { name: 'someone-else' });
    await ok(base, 'POST', 'experiments/create', { name: 'mig-alpha' });
    await ok(base, 'POST', 'registered-models/create', { name: 'mig-model', description: 'ours' });
    await dst.stopServer();

    const stores = await dst.stores();
    const source = await DumpSource.open(dir);
    const report = await runImport(source, stores.target).finally(() => stores.close());
    const text = report.format();
    assert.match(text, /clash: id 1 is taken here by experiment 'someone-else'/);
    assert.match(text, /clash: id 2 is taken here by experiment 'mig-alpha'/);
    assert.match(text, /clash: a different registered model of this name exists here/);
    assert.equal(report.count('experiments'), 1); // mig-gone (id 3) has no clash
    assert.equal(report.skipped('experiments'), 3); // two clashes + the default experiment
    assert.equal(report.count('registered models'), 1); // the prompt

    const after = await dst.start();
    const ours = (await ok(after, 'GET', 'registered-models/get', { name: 'mig-model' }))
      .registered_model as Json;
    assert.equal(ours.description, 'ours');
    assert.equal(ours.latest_versions, undefined);
    const runs = await ok(after, 'POST', 'runs/search', { experiment_ids: ['1', '2'], run_view_type: 'ALL' });
    assert.deepEqual(runs.runs ?? [], []);
    const e1 = (await ok(after, 'GET', 'experiments/get', { experiment_id: '1' })).experiment as Json;
    assert.equal(e1.name, 'someone-else');
  });
});
