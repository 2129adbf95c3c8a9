import type { Migration } from '../migrations.js';
import { trackingSchema } from './001-tracking.js';
import { registrySchema } from './002-registry.js';
import { searchStatistics } from './003-search-statistics.js';
import { authSchema } from './004-auth.js';
import { webhookOutbox } from './005-webhook-outbox.js';
import { metricSummaries } from './006-metric-summaries.js';
import { valueSortKeys } from './007-value-sort-keys.js';
import { metricSummaryPoints } from './008-metric-summary-points.js';
import { metricSummaryPacked } from './009-metric-summary-packed.js';
import { metricHistoryStepOrder } from './010-metric-history-step-order.js';
import { metricChunks } from './011-metric-chunks.js';
import { noPadText } from './012-no-pad-text.js';

/** Every schema migration, in version order. Add a new file and one line here for a change. */
export const MIGRATIONS: Migration[] = [
  trackingSchema,
  registrySchema,
  searchStatistics,
  authSchema,
  webhookOutbox,
  metricSummaries,
  valueSortKeys,
  metricSummaryPoints,
  metricSummaryPacked,
  metricHistoryStepOrder,
  metricChunks,
  noPadText,
];
