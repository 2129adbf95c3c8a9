/**
 * Spools left behind by processes that ended before the server was reachable again are replayed
 * when the SDK next logs to the same server: the first run logger of a process for a (spool
 * folder, server) pair starts one background replay, exactly as `cairn sync` does it (each spool
 * locked while it is sent, entries checked against their receipts). Spools of other servers and of
 * live processes are left alone. A failed replay leaves the spools for the next start or `cairn sync`.
 */
import { syncSpools, type SyncReport } from './sync.js';
import type { TrackingClient } from './tracking-client.js';

const started = new Map<string, Promise<SyncReport>>();

/**
 * Replays the leftover spools in `dir` recorded for `client`'s server, once per process; later
 * calls return the first call's outcome. Never rejects: an error is reported in the result.
 */
export function replayLeftoverSpools(client: TrackingClient, dir: string): Promise<SyncReport> {
  const key = `${dir}\n${client.trackingUri}`;
  let replay = started.get(key);
  if (!replay) {
    replay = syncSpools({ dir, client }).catch((err: unknown): SyncReport => ({
      spools: [],
      error: err instanceof Error ? err.message : String(err),
    }));
    started.set(key, replay);
  }
  return replay;
}
