/**
 * Shared pieces of the tracking CLI commands: the `--tracking-uri` option and a client for it,
 * subcommands with help examples, `--view`, integer option parsing and `delete`/`restore` pairs.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { TrackingClient } from '../client/tracking-client.js';
import { getTrackingUri } from '../client/fluent.js';
import type { ViewType } from '../entities/tracking.js';

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

/**
 * A subcommand taking `--tracking-uri`, with its example(s) at the end of `--help`.
 * Options the caller adds come after `--tracking-uri` in the help.
 */
export function trackingSubcommand(
  parent: Command,
  name: string,
  description: string,
  examples: string | string[],
): Command {
  const list = typeof examples === 'string' ? [examples] : examples;
  const cmd = withTrackingUri(parent.command(name).description(description));
  cmd.addHelpText(
    'after',
    `\nExample${list.length > 1 ? 's' : ''}:\n${list.map((e) => `  $ ${e}`).join('\n')}`,
  );
  return cmd;
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

/** `--view` values and the lifecycle filter each stands for. */
export const VIEWS: Record<string, ViewType> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' };

/** `--view active|deleted|all` (default active); `what` names the listed objects in the help. */
export const viewOption = (what: string): Option =>
  new Option('--view <view>', `which ${what}`).choices(Object.keys(VIEWS)).default('active');

/** Parses a positive integer option value. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new Error(`expected a positive integer, got '${value}'`);
  return n;
}

/** `positiveInt` for commander option parsers: a bad value is reported as an option error. */
export function positiveIntOption(value: string): number {
  try {
    return positiveInt(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/**
 * `delete` and `restore` subcommands for one kind of object (experiments, runs): both take the
 * object's id, call the client and confirm on stdout.
 */
export function addDeleteRestoreCommands(
  group: Command,
  spec: {
    /** Singular name, e.g. `run`; the argument is `<run-id>`. */
    noun: string;
    /** An id for the help examples. */
    exampleId: string;
    deleteDescription: string;
    remove: (client: TrackingClient, id: string) => Promise<unknown>;
    restore: (client: TrackingClient, id: string) => Promise<unknown>;
  },
): void {
  const { noun } = spec;
  const actions = [
    { name: 'delete', description: spec.deleteDescription, done: 'Deleted', call: spec.remove },
    { name: 'restore', description: `Restore a deleted ${noun}.`, done: 'Restored', call: spec.restore },
  ];
  for (const action of actions) {
    trackingSubcommand(
      group,
      action.name,
      action.description,
      `cairn ${group.name()} ${action.name} ${spec.exampleId}`,
    )
      .argument(`<${noun}-id>`, `${noun} id`)
      .action(async (id: string, opts: TrackingCliOptions) => {
        await withClient(opts, (client) => action.call(client, id));
        process.stdout.write(`${action.done} ${noun} ${id}\n`);
      });
  }
}
