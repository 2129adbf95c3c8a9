/**
 * `cairn permissions`, `cairn tokens`, `cairn audit` and `cairn login`: grants on experiments and
 * registered models, personal access tokens, the audit log, and storing a token for this machine.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command, Option } from 'commander';
import { credentialsFilePath } from '../client/credentials.js';
import { getTrackingUri } from '../client/fluent.js';
import { HttpTransport } from '../client/http.js';
import { trackingSubcommand, withTrackingUri, type TrackingCliOptions } from './cli-client.js';
import { formatTimestamp, printJson, printTable } from './output.js';
import { readSecret, withAuthApi, type Json } from './auth-client.js';

type Opts = TrackingCliOptions & Record<string, string | boolean | undefined>;

const PERMISSION_CHOICES = ['READ', 'USE', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'];

/** `--experiment-id` or `--model`, and `--user` or `--group`, as the auth API's fields. */
function grantFields(opts: Opts): Json {
  const fields: Json = {};
  if (!!opts.experimentId === !!opts.model)
    throw new Error('give exactly one of --experiment-id or --model.');
  if (!!opts.user === !!opts.group) throw new Error('give exactly one of --user or --group.');
  if (opts.experimentId) fields.experiment_id = opts.experimentId;
  if (opts.model) fields.name = opts.model;
  if (opts.user) fields.username = opts.user;
  if (opts.group) fields.group_name = opts.group;
  return fields;
}
const prefixOf = (opts: Opts) => (opts.experimentId ? 'experiments' : 'registered-models');

function withTarget(cmd: Command, subject = true): Command {
  cmd.option('--experiment-id <id>', 'the experiment').option('--model <name>', 'the registered model');
  if (subject) cmd.option('--user <username>', 'a user').option('--group <name>', 'a group');
  return cmd;
}

export function permissionsCommand(): Command {
  const perms = new Command('permissions').description(
    'Grant READ, USE, EDIT, MANAGE or NO_PERMISSIONS on an experiment or registered model (needs MANAGE on it).',
  );
  withTarget(
    trackingSubcommand(perms, 'grant', 'Grant (or change) a permission.', [
      'cairn permissions grant --experiment-id 12 --user bob --permission EDIT',
      'cairn permissions grant --model churn --group data-science --permission READ',
    ]),
  )
    .addOption(new Option('--permission <permission>').choices(PERMISSION_CHOICES).makeOptionMandatory())
    .action(async (opts: Opts) => {
      const fields = { ...grantFields(opts), permission: opts.permission };
      await withAuthApi(opts, async (call) => {
        try {
          await call('POST', `${prefixOf(opts)}/permissions/create`, fields);
        } catch (err) {
          if ((err as { errorCode?: string }).errorCode !== 'RESOURCE_ALREADY_EXISTS') throw err;
          await call('PATCH', `${prefixOf(opts)}/permissions/update`, fields);
        }
      });
      process.stdout.write(`Granted ${String(opts.permission)}.\n`);
    });
  withTarget(
    trackingSubcommand(perms, 'revoke', 'Remove a grant (the default permission applies again).', [
      'cairn permissions revoke --experiment-id 12 --user bob',
    ]),
  ).action(async (opts: Opts) => {
    await withAuthApi(opts, (call) =>
      call('DELETE', `${prefixOf(opts)}/permissions/delete`, grantFields(opts)),
    );
    process.stdout.write('Revoked.\n');
  });
  withTarget(
    trackingSubcommand(perms, 'list', 'List the grants on an experiment or model.', [
      'cairn permissions list --experiment-id 12',
      'cairn permissions list --model churn --json',
    ]),
    false,
  )
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      if (!!opts.experimentId === !!opts.model)
        throw new Error('give exactly one of --experiment-id or --model.');
      const fields = opts.experimentId ? { experiment_id: opts.experimentId } : { name: opts.model };
      const r = await withAuthApi(opts, (call) => call('GET', `${prefixOf(opts)}/permissions/list`, fields));
      const rows = (r.permissions ?? []) as Json[];
      if (opts.json) return printJson(rows);
      printTable(rows, [
        {
          key: 'subject',
          header: 'User or group',
          format: (g) => String(g.username ?? `group:${String(g.group_name)}`),
        },
        { key: 'permission', header: 'Permission' },
      ]);
    });
  return perms;
}

export function tokensCommand(): Command {
  const tokens = new Command('tokens').description(
    'Personal access tokens: use one as MLFLOW_TRACKING_TOKEN / CAIRN_TRACKING_TOKEN (Authorization: Bearer).',
  );
  trackingSubcommand(tokens, 'create', 'Create a token; its secret is printed once and never again.', [
    'cairn tokens create ci-pipeline --scope write --expires-in-days 90',
    'cairn tokens create dashboards --scope read',
  ])
    .argument('<name>')
    .addOption(
      new Option('--scope <scope>', 'what it may do').choices(['read', 'write', 'admin']).default('write'),
    )
    .option('--expires-in-days <days>', 'expiry (default: never)')
    .option('--user <username>', 'create it for another user (admins only)')
    .action(async (name: string, opts: Opts) => {
      const fields: Json = { name, scope: opts.scope };
      if (opts.expiresInDays) fields.expires_in_days = Number(opts.expiresInDays);
      if (opts.user) fields.username = opts.user;
      const r = await withAuthApi(opts, (call) => call('POST', 'tokens/create', fields));
      process.stdout.write(`${String(r.secret)}\n`);
      process.stderr.write('Store this token now: it cannot be shown again.\n');
    });
  trackingSubcommand(tokens, 'list', 'List your tokens (admins: --user or --all).', [
    'cairn tokens list',
    'cairn tokens list --all',
  ])
    .option('--user <username>', "another user's tokens (admins only)")
    .option('--all', 'every token (admins only)')
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const fields: Json = {};
      if (opts.user) fields.username = opts.user;
      if (opts.all) fields.all = 'true';
      const rows = ((await withAuthApi(opts, (call) => call('GET', 'tokens/list', fields))).tokens ??
        []) as Json[];
      if (opts.json) return printJson(rows);
      printTable(rows, [
        { key: 'token_id', header: 'Id' },
        { key: 'name', header: 'Name' },
        { key: 'username', header: 'User' },
        { key: 'scope', header: 'Scope' },
        {
          key: 'expiry_time',
          header: 'Expires',
          format: (t) => (t.expiry_time ? formatTimestamp(Number(t.expiry_time)) : 'never'),
        },
        {
          key: 'revoked_time',
          header: 'Revoked',
          format: (t) => (t.revoked_time ? formatTimestamp(Number(t.revoked_time)) : ''),
        },
      ]);
    });
  trackingSubcommand(
    tokens,
    'revoke',
    'Revoke a token by id (yours, or any as admin).',
    'cairn tokens revoke 3f2a9c0d1e4b5a6f',
  )
    .argument('<token_id>')
    .action(async (tokenId: string, opts: Opts) => {
      await withAuthApi(opts, (call) => call('POST', 'tokens/revoke', { token_id: tokenId }));
      process.stdout.write(`Revoked token ${tokenId}.\n`);
    });
  return tokens;
}

export function auditCommand(): Command {
  return withTrackingUri(
    new Command('audit')
      .description('Query the audit log of state-changing requests (admins only), newest first.')
      .option('--user <username>', 'only requests by this user')
      .option('--experiment-id <id>', 'only requests on this experiment')
      .option('--model <name>', 'only requests on this registered model')
      .option('--since <time>', 'from this time (ISO 8601 or epoch ms)')
      .option('--until <time>', 'up to this time (ISO 8601 or epoch ms)')
      .option('--max-results <n>', 'records to show', '100')
      .option('--json', 'print JSON')
      .addHelpText(
        'after',
        `
Examples:
  $ cairn audit --user bob --since 2026-12-01
  $ cairn audit --experiment-id 12 --since 2026-12-01T00:00:00Z --until 2026-12-02T00:00:00Z`,
      ),
  ).action(async (opts: Opts) => {
    const time = (v: string | boolean | undefined) => {
      if (typeof v !== 'string') return undefined;
      const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
      if (Number.isNaN(ms)) throw new Error(`not a time: '${v}'`);
      return ms;
    };
    const fields: Json = { max_results: opts.maxResults };
    if (opts.user) fields.username = opts.user;
    if (opts.experimentId)
      Object.assign(fields, { resource_kind: 'experiment', resource_id: opts.experimentId });
    if (opts.model) Object.assign(fields, { resource_kind: 'registered_model', resource_id: opts.model });
    if (opts.since) fields.start_time = time(opts.since);
    if (opts.until) fields.end_time = time(opts.until);
    const rows = ((await withAuthApi(opts, (call) => call('GET', 'audit/search', fields))).records ??
      []) as Json[];
    if (opts.json) return printJson(rows);
    printTable(rows, [
      { key: 'time', header: 'Time', format: (r) => formatTimestamp(Number(r.time)) },
      { key: 'username', header: 'User' },
      { key: 'method', header: 'Method' },
      { key: 'route', header: 'Route' },
      {
        key: 'resource_id',
        header: 'Resource',
        format: (r) => (r.resource_id ? `${String(r.resource_kind)} ${String(r.resource_id)}` : ''),
      },
      { key: 'status', header: 'Status' },
    ]);
  });
}

/** Writes `mlflow_tracking_token` into the `[mlflow]` section, keeping the file's other lines. */
async function storeToken(secret: string): Promise<string> {
  const path = credentialsFilePath();
  const text = await readFile(path, 'utf8').catch(() => '');
  const lines = text ? text.split(/\r?\n/) : [];
  let section = lines.findIndex((l) => l.trim() === '[mlflow]');
  if (section < 0) {
    lines.push('[mlflow]');
    section = lines.length - 1;
  }
  let end = lines.findIndex((l, i) => i > section && /^\s*\[/.test(l));
  if (end < 0) end = lines.length;
  const kept = lines.filter(
    (l, i) => !(i > section && i < end && /^\s*mlflow_tracking_token\s*[=:]/.test(l)),
  );
  kept.splice(section + 1, 0, `mlflow_tracking_token = ${secret}`);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${kept.join('\n').replace(/\n*$/, '')}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

export function loginCommand(): Command {
  return withTrackingUri(
    new Command('login')
      .description(
        'Sign in with a user name and password and store a personal access token for this machine.',
      )
      .requiredOption('--username <username>', 'your user name')
      .option('--token-name <name>', 'name of the stored token', 'cairn login')
      .option('--expires-in-days <days>', 'token lifetime in days', '90')
      .addHelpText(
        'after',
        `
The password is read from CAIRN_TRACKING_PASSWORD or standard input. The token is written to
~/.mlflow/credentials (mode 600) as mlflow_tracking_token; the Cairn SDK and CLI send it.

Example:
  $ cairn login --tracking-uri https://cairn.example.com --username alice`,
      ),
  ).action(async (opts: Opts) => {
    const password = await readSecret('Password: ', 'CAIRN_TRACKING_PASSWORD');
    const basic = Buffer.from(`${String(opts.username)}:${password}`).toString('base64');
    const http = new HttpTransport(opts.trackingUri ?? getTrackingUri(), {
      retry: { maxAttempts: 1 },
      headers: { Authorization: `Basic ${basic}` },
    });
    try {
      const r = await http.json<Json>('POST', 'tokens/create', {
        body: { name: opts.tokenName, scope: 'admin', expires_in_days: Number(opts.expiresInDays) },
      });
      const path = await storeToken(String(r.secret));
      process.stdout.write(`Signed in as ${String(opts.username)}; token stored in ${path}.\n`);
    } finally {
      http.close();
    }
  });
}
