/** The SQL access-control store on every backend: users, tokens, groups, grants and the audit log. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { upgradeSchema } from '../../src/store/sql/migrations.js';
import type { SqlDatabase } from '../../src/store/sql/database.js';
import { SqlAuthStore } from '../../src/store/sql/sql-auth-store.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/backends.js';
import { MlflowError } from '../../src/errors.js';

const code = (err: unknown) => (err instanceof MlflowError ? err.errorCode : String(err));

for (const backend of BACKENDS) {
  describe(`SqlAuthStore on ${backend}`, () => {
    let tmp: string;
    let testDb: TestDatabase;
    let db: SqlDatabase;
    let store: SqlAuthStore;

    before(async () => {
      tmp = await mkdtemp(join(tmpdir(), 'cairn-auth-store-'));
      testDb = await createTestDatabase(backend, tmp);
      db = openDatabase(testDb.uri);
      await upgradeSchema(db);
      store = new SqlAuthStore(db);
    });
    after(async () => {
      await db.close();
      await testDb.drop();
      await rm(tmp, { recursive: true, force: true });
    });

    it('creates, reads, updates and deletes users; names are unique and case-sensitive', async () => {
      const alice = await store.createUser('alice', 'hash-a', false);
      const bob = await store.createUser('Alice', null, true);
      assert.notEqual(alice.id, bob.id);
      await assert.rejects(
        store.createUser('alice', 'x', false),
        (e) => code(e) === 'RESOURCE_ALREADY_EXISTS',
      );
      assert.equal((await store.getUser('alice'))?.passwordHash, 'hash-a');
      assert.equal((await store.getUser('Alice'))?.isAdmin, true);
      await store.updatePassword('alice', 'hash-b');
      await store.updateAdmin('alice', true);
      const again = await store.getUserById(alice.id);
      assert.deepEqual([again?.passwordHash, again?.isAdmin], ['hash-b', true]);
      assert.equal(await store.countAdmins(), 2);
      assert.deepEqual(
        (await store.listUsers()).map((u) => u.username),
        ['Alice', 'alice'],
      );
      await assert.rejects(store.updatePassword('nobody', 'h'), (e) => code(e) === 'RESOURCE_DOES_NOT_EXIST');
      await store.deleteUser('Alice');
      assert.equal(await store.getUser('Alice'), null);
      await assert.rejects(store.deleteUser('Alice'), (e) => code(e) === 'RESOURCE_DOES_NOT_EXIST');
    });

    it('keeps tokens as hashes with scope, expiry and revocation', async () => {
      const u = await store.createUser('tok-user', 'h', false);
      const t = await store.createToken({
        tokenId: 'tid1',
        userId: u.id,
        name: 'ci',
        tokenHash: 'a'.repeat(64),
        scope: 'read',
        expiryTime: 4_000_000_000_000,
      });
      assert.deepEqual(
        [t.username, t.scope, t.expiryTime, t.revokedTime],
        ['tok-user', 'read', 4_000_000_000_000, null],
      );
      assert.equal((await store.findTokenByHash('a'.repeat(64)))?.tokenId, 'tid1');
      assert.equal(await store.findTokenByHash('b'.repeat(64)), null);
      await store.revokeToken('tid1');
      assert.ok((await store.getToken('tid1'))?.revokedTime);
      assert.equal((await store.listTokens(u.id)).length, 1);
      await assert.rejects(store.revokeToken('nope'), (e) => code(e) === 'RESOURCE_DOES_NOT_EXIST');
      await store.deleteUser('tok-user');
      assert.equal(await store.getToken('tid1'), null);
    });

    it('manages groups and members', async () => {
      await store.createUser('g1', 'h', false);
      await store.createUser('g2', 'h', false);
      const g = await store.createGroup('team');
      await assert.rejects(store.createGroup('team'), (e) => code(e) === 'RESOURCE_ALREADY_EXISTS');
      await store.addMember('team', 'g2');
      await store.addMember('team', 'g1');
      await store.addMember('team', 'g1');
      assert.deepEqual((await store.getGroup('team'))?.members, ['g1', 'g2']);
      const g1 = (await store.getUser('g1'))!;
      assert.deepEqual(await store.groupsOf(g1.id), ['team']);
      await store.removeMember('team', 'g1');
      assert.deepEqual(await store.groupsOf(g1.id), []);
      await assert.rejects(store.removeMember('team', 'g1'), (e) => code(e) === 'RESOURCE_DOES_NOT_EXIST');
      assert.equal(g.name, 'team');
      assert.deepEqual(
        (await store.listGroups()).map((x) => x.name),
        ['team'],
      );
    });

    it('stores grants for users and groups and finds those that apply to a user', async () => {
      const u = await store.createUser('granted', 'h', false);
      await store.createGroup('readers');
      await store.addMember('readers', 'granted');
      const base = { resourceKind: 'experiment' as const, resourceId: '7' };
      await store.createGrant({ ...base, subjectKind: 'user', subject: 'granted', permission: 'EDIT' });
      await assert.rejects(
        store.createGrant({ ...base, subjectKind: 'user', subject: 'granted', permission: 'READ' }),
        (e) => code(e) === 'RESOURCE_ALREADY_EXISTS',
      );
      await store.createGrant({ ...base, subjectKind: 'group', subject: 'readers', permission: 'MANAGE' });
      await store.createGrant({
        resourceKind: 'registered_model',
        resourceId: 'm',
        subjectKind: 'group',
        subject: 'readers',
        permission: 'READ',
      });
      const mine = await store.grantsFor(u.id, ['readers']);
      assert.equal(mine.length, 3);
      assert.deepEqual(
        (await store.grantsOfUser(u.id)).map((g) => [g.resourceId, g.permission]),
        [['7', 'EDIT']],
      );
      await store.updateGrant({ ...base, subjectKind: 'user', subject: 'granted', permission: 'READ' });
      assert.equal((await store.getGrant('experiment', '7', 'user', 'granted'))?.permission, 'READ');
      assert.deepEqual(
        (await store.grantsOn('experiment', '7')).map((g) => `${g.subjectKind}:${g.subject}:${g.permission}`),
        ['user:granted:READ', 'group:readers:MANAGE'],
      );
      await store.putGrant({ ...base, subjectKind: 'user', subject: 'granted', permission: 'MANAGE' });
      assert.equal((await store.getGrant('experiment', '7', 'user', 'granted'))?.permission, 'MANAGE');
      await store.renameResource('registered_model', 'm', 'm2');
      assert.equal((await store.grantsOn('registered_model', 'm2')).length, 1);
      await store.deleteGrant('experiment', '7', 'user', 'granted');
      await assert.rejects(
        store.deleteGrant('experiment', '7', 'user', 'granted'),
        (e) => code(e) === 'RESOURCE_DOES_NOT_EXIST',
      );
      await store.deleteGrantsOn('registered_model', 'm2');
      assert.equal((await store.grantsOn('registered_model', 'm2')).length, 0);
      await store.deleteGroup('readers');
      assert.equal((await store.grantsFor(u.id, ['readers'])).length, 0);
    });

    it('appends audit records and pages them newest first by user, resource and time', async () => {
      const rec = (i: number, username: string) => ({
        eventId: `e${String(i).padStart(4, '0')}`,
        time: 1000 + i,
        username,
        method: 'POST',
        route: 'runs/log-metric',
        resourceKind: 'experiment',
        resourceId: String(i % 2),
        status: 200,
        client: '127.0.0.1',
      });
      await store.appendAudit(Array.from({ length: 25 }, (_, i) => rec(i, i < 20 ? 'a' : 'b')));
      const first = await store.searchAudit({ username: 'a', maxResults: 8 });
      assert.deepEqual(
        first.records.map((r) => r.time),
        [1019, 1018, 1017, 1016, 1015, 1014, 1013, 1012],
      );
      const all = [...first.records];
      let token = first.nextPageToken;
      while (token) {
        const page = await store.searchAudit({ username: 'a', maxResults: 8, pageToken: token });
        all.push(...page.records);
        token = page.nextPageToken;
      }
      assert.equal(all.length, 20);
      assert.equal(new Set(all.map((r) => r.eventId)).size, 20);
      const ranged = await store.searchAudit({
        resourceKind: 'experiment',
        resourceId: '1',
        startTime: 1005,
        endTime: 1010,
        maxResults: 100,
      });
      assert.deepEqual(
        ranged.records.map((r) => r.time),
        [1009, 1007, 1005],
      );
      await assert.rejects(
        store.searchAudit({ maxResults: 5, pageToken: 'garbage' }),
        (e) => code(e) === 'INVALID_PARAMETER_VALUE',
      );
    });
  });
}
