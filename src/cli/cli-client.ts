/** Shared pieces of the tracking CLI commands: the `--tracking-uri` option and a client for it. */
import { Option, type Command } from 'commander';
import { TrackingClient } from '../client/tracking-client.js';
import { getTrackingUri } from '../client/fluent.js';

export interface TrackingCliOptions {
  trackingUri?: string;
  json?: boolean;
}

/** Adds `--tracking-uri` (default: env CAIRN_TRACKING_URI / MLFLOW_TRACKING_URI, else http://127.0.0.1:5000). */
export function withTrackingUri(command: Command): Command {
  return command.addOption(
    new Option('--tracking-uri <uri>', 'tracking server URL (env CAIRN_TRACKING_URI or MLFLOW_TRACKING_URI)'),
  );
}

/** Runs `fn` with a client for the chosen server and closes its connections afterwards. */
export async function withClient<T>(
  options: TrackingCliOptions,
  fn: (client: TrackingClient) => Promise<T>,
): Promise<T> {
  const client = new TrackingClient(options.trackingUri ?? getTrackingUri(), { retry: { maxAttempts: 3 } });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Parses a positive integer option value. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new Error(`expected a positive integer, got '${value}'`);
  return n;
}
