/** `cairn server` and `cairn db upgrade` as processes: start-up output, defaults, shutdown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { api } from '../helpers/server.js';
import { redactUri } from '../../src/cli/server-command.js';
import { resolveServerConfig } from '../../src/config/resolve-server-config.js';
import { CAIRN_SCRIPT, runCairn, startServerProcess } from './cli-process.js';
import { rawRequest } from './helpers.js';

async function output(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = runCairn(args, cwd);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, out, err };
}

test('cairn server: defaults, banner, /health, clean exit on SIGTERM', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-cli-'));
  try {
    const server = await startServerProcess([], dir);
    const banner = server.stdout();
    assert.match(banner, /URL:\s+http:\/\/127\.0\.0\.1:\d+/);
    assert.match(banner, /Backend store:\s+sqlite:\/\/\/mlruns\.db/);
    assert.ok(banner.includes(`mlflow-artifacts:/ (proxied, stored in ${join(dir, 'mlartifacts')})`), banner);
    const health = await rawRequest(server.url, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.text, 'OK');
    const exp = await api(server.url, 'GET', 'experiments/get', { experiment_id: '0' });
    assert.equal(
      (exp.json.experiment as { artifact_location: string }).artifact_location,
      'mlflow-artifacts:/0',
    );
    assert.ok(
      existsSync(join(dir, 'mlruns.db')),
      'the default SQLite store is created in the working directory',
    );
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.match(server.stderr(), /shutting down/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cairn server -w 2: workers share the port and stop together', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-cli-'));
  try {
    const server = await startServerProcess(
      ['-w', '2', '--backend-store-uri', `sqlite:///${join(dir, 'w.db')}`],
      dir,
    );
    assert.match(server.stdout(), /Workers:\s+2/);
    const ids = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await api(server.url, 'POST', 'experiments/create', { name: `w-${i}` });
      assert.equal(res.status, 200, res.text);
      ids.add(res.json.experiment_id as string);
    }
    assert.equal(ids.size, 6);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cairn server: bad options are one-line errors', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-cli-'));
  try {
    const bad = await output(['server', '-p', 'http'], dir);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /Port must be an integer/);
    const store = await output(['server', '--backend-store-uri', 'oracle://x'], dir);
    assert.equal(store.code, 1);
    assert.match(store.err, /Unsupported backend store URI/);
    const help = await output(['server', '--help'], dir);
    assert.equal(help.code, 0);
    assert.match(help.out, /--backend-store-uri/);
    assert.match(help.out, /Examples:/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cairn server: a port in use is a clear error, also with workers', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-cli-'));
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = String((blocker.address() as AddressInfo).port);
  try {
    const store = ['--backend-store-uri', `sqlite:///${join(dir, 'p.db')}`];
    const single = await output(['server', '-p', port, ...store], dir);
    assert.equal(single.code, 1);
    assert.match(single.err, new RegExp(`port ${port} on 127.0.0.1 is already in use`));
    const workers = await output(['server', '-p', port, '-w', '2', ...store], dir);
    assert.equal(workers.code, 1);
    assert.match(workers.err, /failed to start/);
  } finally {
    blocker.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  'cairn db upgrade prints the applied migrations, then reports up to date',
  { timeout: 60_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-cli-'));
    try {
      const uri = `sqlite:///${join(dir, 'up.db')}`;
      const first = await output(['db', 'upgrade', uri], dir);
      assert.equal(first.code, 0, first.err);
      assert.match(first.out, /applied migration 1: /);
      assert.match(first.out, /upgraded schema from version 0 to \d+/);
      const second = await output(['db', 'upgrade', uri], dir);
      assert.equal(second.code, 0);
      assert.match(second.out, /schema is up to date/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test('the cairn binary mounts the server command', { timeout: 60_000 }, async () => {
  const bin = join(dirname(CAIRN_SCRIPT), '..', '..', '..', 'bin', 'cairn.js');
  const child = spawn(process.execPath, [bin, 'server', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0);
  for (const option of [
    '--backend-store-uri',
    '--artifacts-destination',
    '--no-serve-artifacts',
    '-w, --workers',
  ]) {
    assert.ok(out.includes(option), option);
  }
});

test('server options: CLI over CAIRN_* over MLFLOW_* over defaults', () => {
  const env = {
    MLFLOW_PORT: '7000',
    CAIRN_PORT: '7001',
    MLFLOW_SERVE_ARTIFACTS: 'false',
    MLFLOW_WORKERS: '3',
  };
  const fromEnv = resolveServerConfig({}, env);
  assert.equal(fromEnv.port, 7001);
  assert.equal(fromEnv.serveArtifacts, false);
  assert.equal(fromEnv.workers, 3);
  assert.equal(fromEnv.defaultArtifactRoot, fromEnv.artifactsDestination);
  const cli = resolveServerConfig(
    { port: '7002', serveArtifacts: true, artifactsDestination: 's3://bucket/a' },
    env,
  );
  assert.equal(cli.port, 7002);
  assert.equal(cli.defaultArtifactRoot, 'mlflow-artifacts:/');
  assert.equal(cli.artifactsDestination, 's3://bucket/a');
  const defaults = resolveServerConfig({}, {});
  assert.equal(defaults.backendStoreUri, 'sqlite:///mlruns.db');
  assert.equal(defaults.registryStoreUri, 'sqlite:///mlruns.db');
  assert.equal(defaults.host, '127.0.0.1');
  assert.equal(defaults.port, 5000);
  assert.throws(() => resolveServerConfig({ workers: '0' }, {}), /Workers/);
  assert.equal(defaults.dbPoolSize, undefined); // the store's default
  assert.equal(resolveServerConfig({ dbPoolSize: '25' }, {}).dbPoolSize, 25);
  assert.equal(resolveServerConfig({}, { CAIRN_DB_POOL_SIZE: '4' }).dbPoolSize, 4);
  assert.throws(() => resolveServerConfig({ dbPoolSize: '0' }, {}), /--db-pool-size/);
  assert.throws(() => resolveServerConfig({}, { CAIRN_DB_POOL_SIZE: 'lots' }), /--db-pool-size/);
  assert.equal(redactUri('postgresql://user:secret@db:5432/x'), 'postgresql://user:***@db:5432/x');
});

test('server options: malformed values from the environment fail at start-up, naming the setting', () => {
  assert.throws(() => resolveServerConfig({}, { CAIRN_PORT: '80a' }), /Port must be an integer/);
  assert.throws(
    () => resolveServerConfig({}, { MLFLOW_SERVE_ARTIFACTS: 'maybe' }),
    /SERVE_ARTIFACTS must be true or false/,
  );
  assert.throws(
    () => resolveServerConfig({}, { CAIRN_WEBHOOK_MAX_ATTEMPTS: 'five' }),
    /CAIRN_WEBHOOK_MAX_ATTEMPTS must be an integer/,
  );
  assert.throws(
    () => resolveServerConfig({}, { CAIRN_MODEL_VERSION_SOURCE_REGEX: '([a-z' }),
    /not a valid regular expression/,
  );
  assert.throws(
    () => resolveServerConfig({}, { MLFLOW_TRUNCATE_LONG_VALUES: 'nope' }),
    /TRUNCATE_LONG_VALUES/,
  );
  const parsed = resolveServerConfig(
    {},
    {
      CAIRN_WEBHOOK_RETRY_DELAY_MS: '40',
      MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX: '^s3://',
      MLFLOW_TRUNCATE_LONG_VALUES: 'false',
    },
  );
  assert.equal(parsed.webhooks.retryDelayMs, 40);
  assert.equal(parsed.webhooks.maxAttempts, 5);
  assert.equal(parsed.modelVersionSourcePattern, '^s3://');
  assert.equal(parsed.truncateLongValues, false);
});
