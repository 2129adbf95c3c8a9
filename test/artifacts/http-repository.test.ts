/**
 * The client-side proxy repository (what the SDK uses) against a real server's proxy. Only the
 * `mlflow-artifacts` routes are used, which never touch the tracking store: one database (SQLite).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HttpArtifactRepository } from '../../src/artifacts/http-repository.js';
import { artifactRepositoryFor } from '../../src/artifacts/repository-registry.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { describeRepositoryContract, expectCode, readAll } from './repository-contract.js';
import { Readable } from 'node:stream';

let server: TestServer;
let counter = 0;

before(async () => {
  server = await startTestServer('sqlite');
});
after(async () => {
  await server?.stop();
});

describeRepositoryContract(
  'http proxy client (mlflow-artifacts:/ + tracking URI)',
  async () =>
    new HttpArtifactRepository(`mlflow-artifacts:/contract/${++counter}`, { trackingUri: server.url }),
);
describeRepositoryContract('http proxy client (http URI)', async () =>
  artifactRepositoryFor(`${server.url}/api/2.0/mlflow-artifacts/artifacts/contract-http/${++counter}`),
);

describe('http proxy client specifics', () => {
  it('resolves mlflow-artifacts://host:port/ URIs to that host', async () => {
    const host = new URL(server.url).host;
    const repo = new HttpArtifactRepository(`mlflow-artifacts://${host}/hosted`, {
      trackingUri: 'http://unused:1',
    });
    await repo.write('a.txt', Readable.from([Buffer.from('A')]));
    assert.equal((await readAll(await repo.openRead('a.txt'))).toString(), 'A');
  });

  it('reports the server error codes, e.g. 503 when the server does not serve artifacts', async () => {
    const noServe = await startTestServer('sqlite', { serveArtifacts: false });
    try {
      const repo = new HttpArtifactRepository('mlflow-artifacts:/x', { trackingUri: noServe.url });
      await expectCode(repo.list(), 'TEMPORARILY_UNAVAILABLE');
    } finally {
      await noServe.stop();
    }
  });
});
