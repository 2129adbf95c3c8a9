/**
 * `cairn import --from http://…`: everything of a second Cairn server, read through its REST API
 * with the vetted outgoing client (redirects to another host are not followed).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpSource } from '../../src/migrate/http-source.js';
import { runImport } from '../../src/migrate/importer.js';
import { BACKENDS } from '../helpers/backends.js';
import { newInstallation, seed, snapshot, type Installation, type Json } from './fixtures.js';

const withoutDefaultTimes = (s: Json): Json => ({
  ...s,
  experiments: s.experiments.map((e: Json) =>
    e.experiment_id === '0' ? { ...e, creation_time: 0, last_update_time: 0 } : e,
  ),
});

describe(`import from a tracking server over HTTP (${BACKENDS.join(', ')})`, () => {
  let src: Installation;
  let dst: Installation;

  before(async () => {
    src = await newInstallation(BACKENDS[0]!);
    dst = await newInstallation(BACKENDS[BACKENDS.length - 1]!);
  });
  after(async () => {
    await src?.destroy();
    await dst?.destroy();
  });

  test('every entity, metric point and artifact arrives; a second import skips everything', async () => {
    const url = await src.start();
    await seed(url);
    const expected = await snapshot(url);

    const stores = await dst.stores();
    try {
      const source = await HttpSource.open(url);
      const report = await runImport(source, stores.target).finally(() => source.close());
      assert.deepEqual(report.failures, []);
      assert.equal(report.count('runs'), expected.runs.length);
      assert.equal(report.count('metric points'), expected.points);
      assert.equal(report.count('artifact files'), 3);
      assert.equal(report.count('logged models'), 1);
      assert.equal(report.count('logged model metric points'), 2);
      assert.equal(report.count('model versions'), 3);

      const again = await HttpSource.open(url);
      const second = await runImport(again, stores.target).finally(() => again.close());
      assert.equal(second.count('runs'), 0);
      assert.equal(second.skipped('runs'), expected.runs.length);
    } finally {
      await stores.close();
    }
    const actual = await snapshot(await dst.start());
    assert.deepEqual(withoutDefaultTimes(actual), withoutDefaultTimes(expected));
  });

  test('a URL that is not a tracking server is a clear error', async () => {
    await assert.rejects(HttpSource.open('http://127.0.0.1:9/'), (err: Error) => {
      assert.doesNotMatch(err.message, /\n\s+at /);
      return true;
    });
  });

  test('a redirect to another host is not followed: the import stops with a clear error', async () => {
    let hits = 0;
    const listen = async (server: Server, host: string): Promise<string> => {
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      return `http://${host}:${(server.address() as AddressInfo).port}`;
    };
    const elsewhere = createServer((req, res) => {
      hits++;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"experiments": []}');
    });
    const target = await listen(elsewhere, '127.0.0.2');
    const redirector = createServer((req, res) => {
      res.writeHead(302, { Location: `${target}${req.url ?? '/'}` }).end();
    });
    const from = await listen(redirector, '127.0.0.1');
    try {
      await assert.rejects(HttpSource.open(from), (err: Error) => {
        assert.match(err.message, /302/);
        assert.match(err.message, /redirects are not followed/);
        assert.doesNotMatch(err.message, /\n\s+at /);
        return true;
      });
      assert.equal(hits, 0);
    } finally {
      redirector.close();
      elsewhere.close();
    }
  });
});
