/**
 * MLflow's basic-auth user API (`users/create|get|update-password|update-admin|delete`, same
 * paths and shapes) plus Cairn's `users/list`, `users/current` and the web UI's
 * `auth/login|logout`. Mounted only when access control is on.
 */
import { invalidParam, notFound } from '../../errors.js';
import { hashPassword, validatePassword } from '../../auth/passwords.js';
import type { GrantRecord, UserRecord } from '../../store/auth-store.js';
import { optBool, reqText } from '../decode.js';
import { endpoint, type ApiCall, type Endpoint } from '../endpoint.js';
import type { AuthRuntime } from '../auth/runtime.js';
import { endSession, startSession } from '../auth/session.js';

export function authOf(call: ApiCall): AuthRuntime {
  const auth = call.ctx.auth;
  if (!auth) throw invalidParam('Access control is not enabled on this server (start it with --auth).');
  return auth;
}

/** MLflow's wire shape of a user; grants only when asked (users/get). */
export function wireUser(u: UserRecord, grants?: GrantRecord[]): Record<string, unknown> {
  const out: Record<string, unknown> = { id: u.id, username: u.username, is_admin: u.isAdmin };
  if (grants) {
    out.experiment_permissions = grants
      .filter((g) => g.resourceKind === 'experiment')
      .map((g) => ({ experiment_id: g.resourceId, user_id: u.id, permission: g.permission }));
    out.registered_model_permissions = grants
      .filter((g) => g.resourceKind === 'registered_model')
      .map((g) => ({ name: g.resourceId, user_id: u.id, permission: g.permission }));
    // MLflow 3.x clients read this list too (Cairn has no scorer resources, so it is empty).
    out.scorer_permissions = [];
  }
  return out;
}

async function requireUser(auth: AuthRuntime, username: string): Promise<UserRecord> {
  const user = await auth.store.getUser(username);
  if (!user) throw notFound(`User with username=${username} not found`);
  return user;
}

const validUsername = (username: string): string => {
  if (username.length > 256 || /[\s:]/.test(username))
    throw invalidParam('Username must be at most 256 characters, without spaces or colons.');
  return username;
};

/** Refuses to remove the last admin, which would leave nobody able to manage access. */
async function keepOneAdmin(auth: AuthRuntime, user: UserRecord): Promise<void> {
  if (user.isAdmin && (await auth.store.countAdmins()) <= 1)
    throw invalidParam(`'${user.username}' is the last administrator and cannot be removed or demoted.`);
}

export const authUserEndpoints: Endpoint[] = [
  endpoint('POST', 'users/create', async (call) => {
    const auth = authOf(call);
    const username = validUsername(reqText(call.fields, 'username'));
    const password = reqText(call.fields, 'password');
    validatePassword(password);
    const user = await auth.store.createUser(username, await hashPassword(password), false);
    return { user: wireUser(user, []) };
  }),
  endpoint('GET', 'users/get', async (call) => {
    const auth = authOf(call);
    const user = await requireUser(auth, reqText(call.fields, 'username'));
    return { user: wireUser(user, await auth.store.grantsOfUser(user.id)) };
  }),
  endpoint('PATCH', 'users/update-password', async (call) => {
    const auth = authOf(call);
    const password = reqText(call.fields, 'password');
    validatePassword(password);
    await auth.store.updatePassword(reqText(call.fields, 'username'), await hashPassword(password));
    auth.invalidate();
    return {};
  }),
  endpoint('PATCH', 'users/update-admin', async (call) => {
    const auth = authOf(call);
    const isAdmin = optBool(call.fields, 'is_admin');
    if (isAdmin === undefined) throw invalidParam("Missing value for required parameter 'is_admin'.");
    const user = await requireUser(auth, reqText(call.fields, 'username'));
    if (!isAdmin) await keepOneAdmin(auth, user);
    await auth.store.updateAdmin(user.username, isAdmin);
    auth.invalidate();
    return {};
  }),
  endpoint('DELETE', 'users/delete', async (call) => {
    const auth = authOf(call);
    const user = await requireUser(auth, reqText(call.fields, 'username'));
    await keepOneAdmin(auth, user);
    await auth.store.deleteUser(user.username);
    auth.invalidate();
    return {};
  }),
  endpoint('GET', 'users/list', async (call) => {
    const users = await authOf(call).store.listUsers();
    return users.length ? { users: users.map((u) => wireUser(u)) } : {};
  }),
  endpoint('GET', 'users/current', async (call) => {
    const p = call.request.cairn.principal!;
    return { user: { username: p.username, is_admin: p.isAdmin, groups: p.groups, auth_type: p.via } };
  }),
  endpoint('POST', 'auth/login', async (call) => {
    const auth = authOf(call);
    const principal = await auth.authenticator.login(
      reqText(call.fields, 'username'),
      reqText(call.fields, 'password'),
      call.request.ip,
    );
    call.request.cairn.principal = principal;
    const session = await startSession(call.request, call.reply, auth, principal);
    return { user: { username: principal.username, is_admin: principal.isAdmin }, ...session };
  }),
  endpoint('POST', 'auth/logout', async (call) => {
    await endSession(call.request, call.reply, authOf(call));
    return {};
  }),
];
