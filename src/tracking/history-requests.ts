/** Argument rules of the metric-history reads (bulk, bulk-interval and sampled). */
import { invalidParam } from '../errors.js';
import { LIMITS } from './validation.js';

export function checkRunIdCount(runIds: string[], what: string): void {
  if (!runIds.length) throw invalidParam(`Missing value for required parameter 'run_ids'.`);
  if (runIds.length > LIMITS.bulkIntervalRunsMax) {
    throw invalidParam(
      `${what} request must specify at most ${LIMITS.bulkIntervalRunsMax} run_ids. Received ${runIds.length} run_ids.`,
    );
  }
}

/** A page size for get-history: absent means the whole history; otherwise 1..25,000 (larger is capped). */
export function historyPageSize(maxResults: number | undefined): number | undefined {
  if (maxResults === undefined) return undefined;
  if (maxResults <= 0) {
    throw invalidParam(`Invalid value ${maxResults} for parameter 'max_results': it must be positive.`);
  }
  return Math.min(maxResults, LIMITS.historyPageMax);
}

/** Bulk-interval: both steps or neither, start ≤ end, and 1..2500 points (default 2500). */
export function bulkIntervalLimit(
  maxResults: number | undefined,
  startStep?: number,
  endStep?: number,
): number {
  if ((startStep === undefined) !== (endStep === undefined)) {
    throw invalidParam('If either start step or end step are specified, both must be specified.');
  }
  if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
    throw invalidParam(
      `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
    );
  }
  const max = maxResults ?? LIMITS.bulkIntervalMaxResults;
  if (max < 1 || max > LIMITS.bulkIntervalMaxResults) {
    throw invalidParam(`max_results must be between 1 and ${LIMITS.bulkIntervalMaxResults}.`);
  }
  return max;
}

/** Sampled histories: 1..10,000 buckets (default 1000) over an optional step range. */
export function sampledPoints(maxPoints: number | undefined, startStep?: number, endStep?: number): number {
  const points = maxPoints ?? 1000;
  if (points < 1 || points > LIMITS.sampledMaxPoints) {
    throw invalidParam(`max_points must be between 1 and ${LIMITS.sampledMaxPoints}.`);
  }
  if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
    throw invalidParam(`start_step (${startStep}) must not be greater than end_step (${endStep}).`);
  }
  return points;
}

/** The UI's bulk history: up to 25,000 points per run. */
export function bulkHistoryLimit(maxResults: number | undefined): number {
  const max = Math.min(maxResults ?? LIMITS.bulkHistoryMax, LIMITS.bulkHistoryMax);
  if (max < 1) throw invalidParam(`max_results must be between 1 and ${LIMITS.bulkHistoryMax}.`);
  return max;
}
