/**
 * Access control from the command line: `cairn server --auth` with the first admin from the
 * environment and the exposure warning; `cairn users|tokens|permissions|audit|login` against it;
 * the SDK sending credentials found in the environment and in ~/.mlflow/credentials.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startServerProcess, type ServerProcess } from '../server/cli-process.js';
import { authorizationHeaders, parseCredentialsFile } from '../../src/client/credentials.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'cairn.js');

function cairn(args: string[], env: Record<string, string>, input?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, env: { ...process.env, ...env }, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input ?? '');
  });
}

async function stop(p: ServerProcess): Promise<void> {
  p.child.kill('SIGTERM');
  await p.exited;
}

describe('cairn server --auth and the access-control commands', () => {
  let dir: string;
  let server: ServerProcess;
  let env: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-auth-cli-'));
    server = await startServerProcess(
      [
        '--auth',
        '--backend-store-uri',
        `sqlite:///${join(dir, 'auth.db')}`,
        '--artifacts-destination',
        join(dir, 'a'),
      ],
      dir,
      { CAIRN_ADMIN_USERNAME: 'boss', CAIRN_ADMIN_PASSWORD: 'boss-password-1' },
    );
    env = {
      CAIRN_TRACKING_URI: server.url,
      CAIRN_TRACKING_USERNAME: 'boss',
      CAIRN_TRACKING_PASSWORD: 'boss-password-1',
      MLFLOW_TRACKING_CREDENTIALS_FILE: join(dir, 'credentials'),
      HOME: dir,
    };
  });
  after(async () => {
    await stop(server);
    await rm(dir, { recursive: true, force: true });
  });

  it('announces access control and never prints the admin password', () => {
    assert.match(server.stdout(), /Access control:\s+on \(default permission READ\)/);
    assert.ok(!server.stdout().includes('boss-password-1') && !server.stderr().includes('boss-password-1'));
  });

  it('creates users, grants, tokens and reads the audit log', async () => {
    const created = await cairn(['users', 'create', 'ann'], env, 'ann-password-1\n');
    assert.equal(created.code, 0, created.stderr);
    const list = await cairn(['users', 'list'], env);
    assert.match(list.stdout, /ann/);
    assert.match(list.stdout, /boss\s+yes/);
    const ann = { ...env, CAIRN_TRACKING_USERNAME: 'ann', CAIRN_TRACKING_PASSWORD: 'ann-password-1' };
    const exp = await cairn(['experiments', 'create', 'ann-exp'], ann);
    assert.equal(exp.code, 0, exp.stderr);
    const id = /(\d+)/.exec(exp.stdout)![1]!;
    const grant = await cairn(
      ['permissions', 'grant', '--experiment-id', id, '--user', 'boss', '--permission', 'READ'],
      ann,
    );
    assert.equal(grant.code, 0, grant.stderr);
    const again = await cairn(
      ['permissions', 'grant', '--experiment-id', id, '--user', 'boss', '--permission', 'EDIT'],
      ann,
    );
    assert.equal(again.code, 0, again.stderr);
    const perms = await cairn(['permissions', 'list', '--experiment-id', id], ann);
    assert.match(perms.stdout, /ann\s+MANAGE/);
    assert.match(perms.stdout, /boss\s+EDIT/);
    const token = await cairn(['tokens', 'create', 'ci', '--scope', 'read'], ann);
    assert.equal(token.code, 0, token.stderr);
    const secret = token.stdout.trim();
    assert.match(secret, /^cairn_/);
    // The token alone (MLflow's variable) signs in; a read token cannot write.
    const viaToken = { CAIRN_TRACKING_URI: server.url, MLFLOW_TRACKING_TOKEN: secret, HOME: dir };
    const search = await cairn(['experiments', 'list'], viaToken);
    assert.equal(search.code, 0, search.stderr);
    const refused = await cairn(['experiments', 'create', 'nope'], viaToken);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /read-only|403|PERMISSION_DENIED/i);
    const audit = await cairn(['audit', '--user', 'ann'], env);
    assert.equal(audit.code, 0, audit.stderr);
    assert.match(audit.stdout, /experiments\/create/);
    const denied = await cairn(['users', 'list'], ann);
    assert.notEqual(denied.code, 0);
  });

  it('cairn login stores a token in the credentials file that the SDK then sends', async () => {
    const login = await cairn(
      ['login', '--username', 'boss'],
      {
        CAIRN_TRACKING_URI: server.url,
        MLFLOW_TRACKING_CREDENTIALS_FILE: join(dir, 'credentials'),
        HOME: dir,
      },
      'boss-password-1\n',
    );
    assert.equal(login.code, 0, login.stderr);
    const file = join(dir, 'credentials');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const values = parseCredentialsFile(await readFile(file, 'utf8'));
    assert.match(values.mlflow_tracking_token!, /^cairn_/);
    const headers = authorizationHeaders({ MLFLOW_TRACKING_CREDENTIALS_FILE: file });
    assert.equal(headers.Authorization, `Bearer ${values.mlflow_tracking_token}`);
    const fromFile = await cairn(['users', 'list'], {
      CAIRN_TRACKING_URI: server.url,
      MLFLOW_TRACKING_CREDENTIALS_FILE: file,
      HOME: dir,
    });
    assert.equal(fromFile.code, 0, fromFile.stderr);
  });

  it('prefers a user name and password over a token, as MLflow does', () => {
    const both = authorizationHeaders({
      MLFLOW_TRACKING_USERNAME: 'u',
      MLFLOW_TRACKING_PASSWORD: 'p',
      MLFLOW_TRACKING_TOKEN: 't',
      MLFLOW_TRACKING_CREDENTIALS_FILE: '/nonexistent',
    });
    assert.equal(both.Authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.deepEqual(authorizationHeaders({ MLFLOW_TRACKING_CREDENTIALS_FILE: '/nonexistent' }), {});
  });
});

describe('cairn server without --auth', () => {
  it('warns when listening beyond loopback, and not on 127.0.0.1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-auth-cli-'));
    const args = [
      '--backend-store-uri',
      `sqlite:///${join(dir, 'open.db')}`,
      '--artifacts-destination',
      join(dir, 'a'),
    ];
    const exposed = await startServerProcess(['-h', '0.0.0.0', ...args], dir);
    const local = await startServerProcess(args, dir);
    try {
      await new Promise((r) => setTimeout(r, 200));
      assert.match(exposed.stderr(), /WARNING: listening on 0\.0\.0\.0 without access control/);
      assert.match(exposed.stdout(), /Access control:\s+off/);
      assert.doesNotMatch(local.stderr(), /WARNING/);
      const r = await fetch(`${local.url}/api/2.0/mlflow/experiments/search`);
      assert.equal(r.status, 200);
    } finally {
      await stop(exposed);
      await stop(local);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
