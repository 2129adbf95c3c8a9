/**
 * The world of the deny matrix: one admin-owned experiment, run, logged model, registered model
 * with a version, webhook and artifacts; users holding each permission on them (directly or via
 * a group); and the eleven callers the matrix tries.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN, basic, call, type Credential, type Reply } from './helpers.js';
import type { TestServer } from '../helpers/server.js';

export const CALLERS = [
  'anonymous',
  'no-grant',
  'READ',
  'USE',
  'EDIT',
  'MANAGE',
  'group',
  'admin',
  'read-token',
  'expired-token',
  'revoked-token',
] as const;
export type Caller = (typeof CALLERS)[number];

/** User names holding each grant (the `group` user gets MANAGE through group `team` only). */
export const USERS = {
  'no-grant': 'nogrant',
  READ: 'reader',
  USE: 'user-use',
  EDIT: 'editor',
  MANAGE: 'manager',
  group: 'grouped',
} as const;
export const PASSWORD = 'matrix-password-1';

export interface World {
  server: TestServer;
  admin: Credential;
  creds: Record<Caller, Credential>;
  /** Owner user name behind each caller (tokens belong to `manager`). */
  owner: Record<Caller, string>;
  experimentId: string;
  experimentName: string;
  runId: string;
  loggedModelId: string;
  model: string;
  webhookId: string;
  receiver: Server;
  receiverUrl: string;
  seq(): number;
  /** Calls as admin and fails loudly unless it answers 200. */
  asAdmin(method: string, path: string, payload?: Record<string, unknown>): Promise<Reply>;
  freshExperiment(): Promise<string>;
  freshRun(experimentId?: string): Promise<string>;
  freshModel(): Promise<string>;
}

async function ok(r: Promise<Reply>, what: string): Promise<Reply> {
  const reply = await r;
  if (reply.status !== 200) throw new Error(`setup ${what} answered ${reply.status}: ${reply.text}`);
  return reply;
}

export async function buildWorld(server: TestServer): Promise<World> {
  const admin = basic(ADMIN.username, ADMIN.password);
  const asAdmin = (method: string, path: string, payload?: Record<string, unknown>) =>
    ok(call(server.url, admin, method, path, payload), `${method} ${path}`);
  let n = 0;
  const seq = () => ++n;

  for (const username of Object.values(USERS))
    await asAdmin('POST', 'users/create', { username, password: PASSWORD });
  await asAdmin('POST', 'groups/create', { name: 'team' });
  await asAdmin('POST', 'groups/add-member', { name: 'team', username: USERS.group });

  const grantAll = async (kind: 'experiments' | 'registered-models', field: string, id: string) => {
    const grants: [string, string][] = [
      [USERS.READ, 'READ'],
      [USERS.USE, 'USE'],
      [USERS.EDIT, 'EDIT'],
      [USERS.MANAGE, 'MANAGE'],
    ];
    for (const [username, permission] of grants)
      await asAdmin('POST', `${kind}/permissions/create`, { [field]: id, username, permission });
    await asAdmin('POST', `${kind}/permissions/create`, {
      [field]: id,
      group_name: 'team',
      permission: 'MANAGE',
    });
  };
  const freshExperiment = async () => {
    const id = String(
      (await asAdmin('POST', 'experiments/create', { name: `exp-${seq()}` })).json.experiment_id,
    );
    await grantAll('experiments', 'experiment_id', id);
    return id;
  };
  const freshRun = async (experimentId?: string) => {
    const r = await asAdmin('POST', 'runs/create', { experiment_id: experimentId ?? world.experimentId });
    return String((r.json.run as { info: { run_id: string } }).info.run_id);
  };
  const freshModel = async () => {
    const name = `model-${seq()}`;
    await asAdmin('POST', 'registered-models/create', { name });
    await grantAll('registered-models', 'name', name);
    return name;
  };

  const receiver = createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const world = { experimentId: '' } as World;
  const experimentId = await freshExperiment();
  world.experimentId = experimentId;
  const experimentName = String(
    (
      (await asAdmin('GET', 'experiments/get', { experiment_id: experimentId })).json.experiment as {
        name: string;
      }
    ).name,
  );
  const runId = await freshRun(experimentId);
  await asAdmin('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 1, timestamp: 1, step: 0 });
  const lm = await asAdmin('POST', 'logged-models', { experiment_id: experimentId, name: 'lm' });
  const loggedModelId = String((lm.json.model as { info: { model_id: string } }).info.model_id);
  const put = (path: string) =>
    ok(
      call(server.url, admin, 'PUT', `/api/2.0/mlflow-artifacts/artifacts/${path}`, undefined, {
        data: 'artifact',
        type: 'application/octet-stream',
      }),
      `PUT ${path}`,
    );
  await put(`${experimentId}/${runId}/artifacts/file.txt`);
  await put(`${experimentId}/${runId}/artifacts/model/MLmodel`);
  await put(`${experimentId}/models/${loggedModelId}/artifacts/file.txt`);
  const model = await freshModel();
  await asAdmin('POST', 'model-versions/create', {
    name: model,
    source: `runs:/${runId}/model`,
    run_id: runId,
  });
  await asAdmin('POST', 'registered-models/alias', { name: model, alias: 'champion', version: '1' });
  const hook = await asAdmin('POST', 'webhooks/create', {
    name: 'hook',
    url: receiverUrl,
    events: ['registered_model_tag.deleted'],
    model_name: model,
  });
  const webhookId = String((hook.json.webhook as { webhook_id: string }).webhook_id);

  // Tokens of the MANAGE user: read-only, expired and revoked.
  const token = async (name: string, scope: string) =>
    (await asAdmin('POST', 'tokens/create', { name, scope, username: USERS.MANAGE })).json;
  const readToken = String((await token('read', 'read')).secret);
  const revoked = await token('revoked', 'write');
  await asAdmin('POST', 'tokens/revoke', { token_id: (revoked.token as { token_id: string }).token_id });
  const expiredSecret = await expiredToken(server);

  const creds: Record<Caller, Credential> = {
    anonymous: null,
    'no-grant': basic(USERS['no-grant'], PASSWORD),
    READ: basic(USERS.READ, PASSWORD),
    USE: basic(USERS.USE, PASSWORD),
    EDIT: basic(USERS.EDIT, PASSWORD),
    MANAGE: basic(USERS.MANAGE, PASSWORD),
    group: basic(USERS.group, PASSWORD),
    admin,
    'read-token': { bearer: readToken },
    'expired-token': { bearer: expiredSecret },
    'revoked-token': { bearer: String(revoked.secret) },
  };
  const owner = {
    ...USERS,
    anonymous: USERS.MANAGE,
    admin: ADMIN.username,
    'read-token': USERS.MANAGE,
    'expired-token': USERS.MANAGE,
    'revoked-token': USERS.MANAGE,
  } as Record<Caller, string>;
  return Object.assign(world, {
    server,
    admin,
    creds,
    owner,
    experimentId,
    experimentName,
    runId,
    loggedModelId,
    model,
    webhookId,
    receiver,
    receiverUrl,
    seq,
    asAdmin,
    freshExperiment,
    freshRun,
    freshModel,
  });
}

/** A token of the MANAGE user whose expiry has passed (written through the store: the API refuses it). */
async function expiredToken(server: TestServer): Promise<string> {
  const { generateToken } = await import('../../src/auth/tokens.js');
  const auth = server.ctx.auth!;
  const user = (await auth.store.getUser(USERS.MANAGE))!;
  const t = generateToken();
  await auth.store.createToken({
    tokenId: t.tokenId,
    userId: user.id,
    name: 'expired',
    tokenHash: t.hash,
    scope: 'write',
    expiryTime: Date.now() - 1000,
  });
  return t.secret;
}
