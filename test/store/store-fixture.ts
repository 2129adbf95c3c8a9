/** Opens a fresh, migrated SqlTrackingStore on a new database of the given backend. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { upgradeSchema } from '../../src/store/sql/migrations.js';
import type { SqlDatabase } from '../../src/store/sql/database.js';
import { SqlTrackingStore } from '../../src/store/sql/sql-tracking-store.js';
import { createTestDatabase, type BackendKind } from '../helpers/backends.js';
import { MlflowError } from '../../src/errors.js';

export interface StoreFixture {
  store: SqlTrackingStore;
  db: SqlDatabase;
  uri: string;
  close(): Promise<void>;
}

export async function openStore(
  backend: BackendKind,
  artifactRoot = 'mlflow-artifacts:/',
): Promise<StoreFixture> {
  const tmpDir = await mkdtemp(join(tmpdir(), 'cairn-store-'));
  const testDb = await createTestDatabase(backend, tmpDir);
  const db = openDatabase(testDb.uri);
  await upgradeSchema(db);
  const store = new SqlTrackingStore(db, { defaultArtifactRoot: artifactRoot });
  await store.init();
  return {
    store,
    db,
    uri: testDb.uri,
    close: async () => {
      await store.close();
      await db.close();
      await testDb.drop();
      await rm(tmpDir, { recursive: true, force: true });
    },
  };
}

/** A well-formed run id that names no run. */
export const UNKNOWN_RUN = '0123456789abcdef0123456789abcdef';

export type NewRun = (
  name?: string,
  tags?: { key: string; value: string }[],
  startTime?: number,
) => ReturnType<SqlTrackingStore['createRun']>;

/**
 * A fresh store with one experiment (`runs`) and `newRun(name, tags, startTime)`, which creates a
 * run of user `alice` in it.
 */
export async function openRunsStore(
  backend: BackendKind,
): Promise<{ f: StoreFixture; exp: string; newRun: NewRun }> {
  const f = await openStore(backend);
  const exp = await f.store.createExperiment('runs', undefined, []);
  const newRun: NewRun = (name = 'run', tags = [], startTime = 1000) =>
    f.store.createRun({ experimentId: exp, userId: 'alice', runName: name, startTime, tags });
  return { f, exp, newRun };
}

/** Asserts that `promise` rejects with an MlflowError of the given code (and message pattern). */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<MlflowError> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof MlflowError)) throw new Error(`expected MlflowError ${code}, got ${String(err)}`);
    if (err.errorCode !== code) throw new Error(`expected ${code}, got ${err.errorCode}: ${err.message}`);
    if (message && !message.test(err.message))
      throw new Error(`message '${err.message}' does not match ${message}`);
    return err;
  }
  throw new Error(`expected rejection with ${code}, but it resolved`);
}
