/**
 * Replays spool files left behind by processes that ended while the server was unreachable
 * (used by `cairn sync`). Spools owned by a live process are skipped: that process replays them.
 */
import { Spool, defaultSpoolDir } from './spool.js';
import { deleteWriterReceipts, replaySpool } from './delivery.js';
import { TrackingClient } from './tracking-client.js';

export interface SpoolSummary {
  file: string;
  runId: string;
  trackingUri: string;
  pendingEntries: number;
  pendingRecords: number;
  rejected: number;
  lockedBy?: number;
  /** Set when the file cannot be read; it is left alone. */
  error?: string;
}

export interface SyncReport {
  /** Set when the spool folder itself could not be read. */
  error?: string;
  spools: (SpoolSummary & {
    delivered: number;
    skippedAsDelivered: number;
    rejectedNow: number;
    error?: string;
    removed: boolean;
    /** Receipt tags deleted from the run after its end was delivered. */
    receiptsDeleted: boolean;
  })[];
}

/** The outcome counts of a spool that was skipped (unreadable or in use): nothing happened to it. */
const UNTOUCHED = {
  delivered: 0,
  skippedAsDelivered: 0,
  rejectedNow: 0,
  removed: false,
  receiptsDeleted: false,
} as const;

/** Summaries of the spool files in `dir` (nothing is sent). */
export function listSpools(dir = defaultSpoolDir()): SpoolSummary[] {
  return Spool.list(dir).map(({ file, lockedBy }): SpoolSummary => {
    let spool: Spool;
    try {
      spool = Spool.load(file);
    } catch (err) {
      // e.g. a header torn by a crash: nothing in it was ever acknowledged as spooled.
      const error = `unreadable spool: ${err instanceof Error ? err.message : String(err)}`;
      return {
        file,
        runId: '',
        trackingUri: '',
        pendingEntries: 0,
        pendingRecords: 0,
        rejected: 0,
        lockedBy,
        error,
      };
    }
    return {
      file,
      runId: spool.header.run_id,
      trackingUri: spool.header.tracking_uri,
      pendingEntries: spool.pending.length,
      pendingRecords: spool.pendingRecords,
      rejected: spool.rejected,
      lockedBy,
    };
  });
}

export interface SyncOptions {
  dir?: string;
  /** Send every spool here instead of to the server it was recorded for. */
  trackingUri?: string;
  runId?: string;
  /** Only the spools recorded for this server, sent through this client (an SDK at start). */
  client?: TrackingClient;
}

/**
 * Sends every pending spool entry to its server (or to `trackingUri` when given), in order,
 * exactly once; fully delivered spool files are deleted. A spool is locked while it is replayed,
 * so a concurrent `cairn sync` or SDK process leaves it alone.
 */
export async function syncSpools(options: SyncOptions = {}): Promise<SyncReport> {
  const report: SyncReport = { spools: [] };
  const clients = new Map<string, TrackingClient>();
  if (options.client) clients.set(options.client.trackingUri, options.client);
  try {
    for (const summary of listSpools(options.dir)) {
      if (options.runId && summary.runId !== options.runId) continue;
      if (options.client && !sameServer(summary.trackingUri, options.client.trackingUri)) continue;
      if (summary.error) {
        report.spools.push({ ...summary, ...UNTOUCHED });
        continue;
      }
      if (summary.lockedBy !== undefined) {
        report.spools.push({ ...summary, ...UNTOUCHED, error: `in use by process ${summary.lockedBy}` });
        continue;
      }
      const uri = options.trackingUri ?? summary.trackingUri;
      let client = clients.get(uri);
      if (!client) {
        client = new TrackingClient(uri, { retry: { maxAttempts: 3 } });
        clients.set(uri, client);
      }
      const spool = Spool.load(summary.file);
      try {
        spool.lock();
      } catch (err) {
        // Taken by another process since it was listed: that process replays it.
        report.spools.push({
          ...summary,
          ...UNTOUCHED,
          error: err instanceof Error ? err.message : String(err),
        });
        continue;
      }
      try {
        const result = await replaySpool(client, spool);
        // Once the run's end is delivered with nothing pending, the receipts have done their job.
        let receiptsError: string | undefined;
        let receiptsDeleted = false;
        if (result.ended && !result.interrupted && spool.pending.length === 0) {
          const left = await deleteWriterReceipts(client, summary.runId, spool.header.writer).catch(
            (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
          );
          receiptsDeleted = !left;
          receiptsError = left?.message;
        }
        const removed = !result.interrupted && spool.removeIfDone();
        report.spools.push({
          ...summary,
          delivered: result.delivered,
          skippedAsDelivered: result.skippedAsDelivered,
          rejectedNow: result.rejected.length,
          error: result.interrupted?.message ?? receiptsError,
          removed,
          receiptsDeleted,
          pendingEntries: spool.pending.length,
          pendingRecords: spool.pendingRecords,
          rejected: spool.rejected,
        });
      } finally {
        spool.unlock();
      }
    }
  } finally {
    for (const c of clients.values()) if (c !== options.client) c.close();
  }
  return report;
}

/** Whether two tracking URIs name the same server (trailing slashes aside). */
function sameServer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}
