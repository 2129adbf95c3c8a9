/**
 * Local-path sources: accepted only with a run whose (local) artifact directory contains them,
 * so a client cannot register arbitrary server files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { failsInvalid, makeRun, ok } from './helpers.js';

for (const backend of BACKENDS) {
  describe(`local model version sources (${backend})`, () => {
    let s: TestServer;
    let root: string;
    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'cairn-local-root-'));
      s = await startTestServer(backend, { serveArtifacts: false, defaultArtifactRoot: root });
    });
    after(async () => {
      await s?.stop();
      await rm(root, { recursive: true, force: true });
    });

    it('accepts paths inside the run artifact directory only', async () => {
      const run = await makeRun(s.url);
      assert.ok(run.artifactUri.startsWith(root), run.artifactUri);
      await ok(s.url, 'POST', 'registered-models/create', { name: 'local' });
      const inside = `${run.artifactUri}/model`;
      const v = await ok(s.url, 'POST', 'model-versions/create', {
        name: 'local',
        source: inside,
        run_id: run.runId,
      });
      assert.equal(v.model_version.source, inside);
      assert.equal(v.model_version.run_id, run.runId);
      const asUrl = pathToFileURL(inside).href;
      await ok(s.url, 'POST', 'model-versions/create', { name: 'local', source: asUrl, run_id: run.runId });
      await failsInvalid(s.url, 'POST', 'model-versions/create', { name: 'local', source: inside }, /run_id/);
      await failsInvalid(s.url, 'POST', 'model-versions/create', {
        name: 'local',
        source: `${run.artifactUri}/../../secret`,
        run_id: run.runId,
      });
      await failsInvalid(
        s.url,
        'POST',
        'model-versions/create',
        { name: 'local', source: join(root, 'elsewhere'), run_id: run.runId },
        /contained within/,
      );
      const other = await makeRun(s.url);
      await failsInvalid(s.url, 'POST', 'model-versions/create', {
        name: 'local',
        source: `${other.artifactUri}/model`,
        run_id: run.runId,
      });
      const dl = await ok(s.url, 'GET', 'model-versions/get-download-uri', { name: 'local', version: '1' });
      assert.equal(dl.artifact_uri, inside);
    });
  });
}
