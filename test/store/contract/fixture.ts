/** What the tracking-store contract needs from a store under test, and helpers its parts share. */
import type { TrackingStore } from '../../../src/store/tracking-store.js';
import { MlflowError } from '../../../src/errors.js';

export interface StoreFixture {
  store: TrackingStore;
  /** Waits for pending writes, releases the store and removes its data. */
  close(): Promise<void>;
}

/**
 * Opens a fresh store holding only the default experiment "0", whose experiments get artifact
 * locations under `artifactRoot` (default `mlflow-artifacts:/`).
 */
export type OpenTrackingStore = (artifactRoot?: string) => Promise<StoreFixture>;

/** A well-formed run id that names no run. */
export const UNKNOWN_RUN = '0123456789abcdef0123456789abcdef';

export type NewRun = (
  name?: string,
  tags?: { key: string; value: string }[],
  startTime?: number,
) => ReturnType<TrackingStore['createRun']>;

/**
 * A fresh store with one experiment (`runs`) and `newRun(name, tags, startTime)`, which creates a
 * run of user `alice` in it.
 */
export async function openRunsStore(
  open: OpenTrackingStore,
): Promise<{ f: StoreFixture; exp: string; newRun: NewRun }> {
  const f = await open();
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
