/**
 * The credential cache of the authenticator on a real SQLite auth store: when a busy client's
 * cache entry expires, its concurrent requests share one verification (one scrypt) instead of
 * each running one, and a verification that began before an invalidation is not cached.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Authenticator } from '../../src/auth/authenticator.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { DEFAULT_LOGIN_LIMIT, LoginRateLimiter } from '../../src/auth/rate-limit.js';
import type { AuthStore } from '../../src/store/auth-store.js';
import type { SqlDatabase } from '../../src/store/sql/database.js';
import { upgradeSchema } from '../../src/store/sql/migrations.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { SqlAuthStore } from '../../src/store/sql/sql-auth-store.js';

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('credential cache', () => {
  let dir: string;
  let db: SqlDatabase;
  let store: AuthStore;
  let lookups = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-credential-cache-'));
    db = openDatabase(`sqlite:///${join(dir, 'auth.db')}`);
    await upgradeSchema(db);
    const real = new SqlAuthStore(db);
    await real.createUser('ann', await hashPassword('ann-password'), false);
    // Counts user lookups: one per password verification.
    store = new Proxy(real, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop === 'getUser') lookups++;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  });
  after(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const authenticator = (): Authenticator =>
    new Authenticator(store, { cacheTtlMs: 60_000, limiter: new LoginRateLimiter(DEFAULT_LOGIN_LIMIT) });

  it('verifies a credential once for many concurrent requests', async () => {
    const auth = authenticator();
    lookups = 0;
    const principals = await Promise.all(
      Array.from({ length: 16 }, () => auth.fromAuthorization(basic('ann', 'ann-password'), '127.0.0.1')),
    );
    assert.equal(lookups, 1, 'one password verification for 16 concurrent requests');
    assert.deepEqual(new Set(principals.map((p) => p?.username)), new Set(['ann']));
    await auth.fromAuthorization(basic('ann', 'ann-password'), '127.0.0.1');
    assert.equal(lookups, 1, 'then answered from the cache');
    auth.invalidate();
    await auth.fromAuthorization(basic('ann', 'ann-password'), '127.0.0.1');
    assert.equal(lookups, 2, 'verified again after an invalidation');
  });

  it('shares a refusal too, and does not cache it', async () => {
    const auth = authenticator();
    lookups = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => auth.fromAuthorization(basic('ann', 'wrong-password'), '127.0.0.1')),
    );
    assert.equal(lookups, 1, 'one verification for 8 concurrent wrong passwords');
    assert.equal(results.filter((r) => r.status === 'rejected').length, 8, 'all 8 refused');
    await assert.rejects(auth.fromAuthorization(basic('ann', 'wrong-password'), '127.0.0.1'), /Invalid/);
    assert.equal(lookups, 2, 'a refusal is not cached');
  });

  it('does not cache a verification that began before an invalidation', async () => {
    const auth = authenticator();
    lookups = 0;
    const pending = auth.fromAuthorization(basic('ann', 'ann-password'), '127.0.0.1');
    auth.invalidate();
    assert.equal((await pending)?.username, 'ann');
    await auth.fromAuthorization(basic('ann', 'ann-password'), '127.0.0.1');
    assert.equal(lookups, 2, 'the request after the invalidation verified again');
  });
});
