/**
 * Behaviour every tracking store must show, whatever keeps its data: one line runs it against a
 * store (`describeTrackingStoreContract('my store', () => openMyStore())`), as
 * test/store/sql-tracking-store.test.ts does for the SQL store on each database.
 */
import { experimentsContract } from './experiments.js';
import type { OpenTrackingStore } from './fixture.js';
import { logBatchContract } from './log-batch.js';
import { loggedModelsContract } from './logged-models.js';
import { metricsContract } from './metrics.js';
import { runsContract } from './runs.js';
import { searchRunsContract } from './search-runs.js';

export type { OpenTrackingStore, StoreFixture } from './fixture.js';

export function describeTrackingStoreContract(label: string, open: OpenTrackingStore): void {
  experimentsContract(label, open);
  runsContract(label, open);
  logBatchContract(label, open);
  metricsContract(label, open);
  searchRunsContract(label, open);
  loggedModelsContract(label, open);
}
