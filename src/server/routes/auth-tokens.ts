/**
 * Personal access tokens (`tokens/create|list|revoke`: owners manage their own, admins any)
 * and the audit log query (`audit/search`, admins). A token's secret is in the create answer
 * only; the store keeps its hash.
 */
import { invalidParam, notFound } from '../../errors.js';
import { TOKEN_SCOPES, type TokenScope } from '../../entities/auth.js';
import { permissionDenied } from '../../auth/access-control.js';
import { actsAsAdmin, type Principal } from '../../auth/principal.js';
import { generateToken } from '../../auth/tokens.js';
import type { AuditRecord, TokenRecord } from '../../store/auth-store.js';
import { optEnum, optInt, optText, reqText } from '../decode.js';
import { endpoint, type ApiCall, type Endpoint } from '../endpoint.js';
import { authOf } from './auth-users.js';

const SCOPE_RANK: Record<TokenScope, number> = { read: 0, write: 1, admin: 2 };
const DAY_MS = 24 * 60 * 60 * 1000;

const wireToken = (t: TokenRecord): Record<string, unknown> => ({
  token_id: t.tokenId,
  name: t.name,
  username: t.username,
  scope: t.scope,
  creation_time: t.creationTime,
  ...(t.expiryTime !== null ? { expiry_time: t.expiryTime } : {}),
  ...(t.revokedTime !== null ? { revoked_time: t.revokedTime } : {}),
});

const wireAudit = (r: AuditRecord): Record<string, unknown> => ({
  event_id: r.eventId,
  time: r.time,
  username: r.username,
  method: r.method,
  route: r.route,
  resource_kind: r.resourceKind,
  resource_id: r.resourceId,
  status: r.status,
  client: r.client,
});

const principalOf = (call: ApiCall): Principal => call.request.cairn.principal!;

/** The user a token call acts for: the caller, or another user when an admin names one. */
async function ownerFor(call: ApiCall) {
  const auth = authOf(call);
  const p = principalOf(call);
  const name = optText(call.fields, 'username') ?? p.username;
  if (name !== p.username && !actsAsAdmin(p))
    throw permissionDenied('Only administrators manage the tokens of others.');
  const user = await auth.store.getUser(name);
  if (!user) throw notFound(`User with username=${name} not found`);
  return user;
}

export const authTokenEndpoints: Endpoint[] = [
  endpoint('POST', 'tokens/create', async (call) => {
    const auth = authOf(call);
    const p = principalOf(call);
    const owner = await ownerFor(call);
    const name = reqText(call.fields, 'name');
    if (name.length > 256) throw invalidParam('Token name must be at most 256 characters.');
    const scope = optEnum(call.fields, 'scope', TOKEN_SCOPES) ?? 'write';
    // A token never carries more than the credential that created it.
    if (SCOPE_RANK[scope] > SCOPE_RANK[p.scope])
      throw permissionDenied(`A ${p.scope} token cannot create a ${scope} token.`);
    const days = optInt(call.fields, 'expires_in_days');
    if (days !== undefined && (days < 1 || days > 3650))
      throw invalidParam("'expires_in_days' must be between 1 and 3650.");
    const token = generateToken();
    const record = await auth.store.createToken({
      tokenId: token.tokenId,
      userId: owner.id,
      name,
      tokenHash: token.hash,
      scope,
      expiryTime: days === undefined ? null : Date.now() + days * DAY_MS,
    });
    return { token: wireToken(record), secret: token.secret };
  }),
  endpoint('GET', 'tokens/list', async (call) => {
    const auth = authOf(call);
    const p = principalOf(call);
    const all =
      optText(call.fields, 'username') === undefined && actsAsAdmin(p) && call.fields.all === 'true';
    const tokens = all
      ? await auth.store.listTokens()
      : await auth.store.listTokens((await ownerFor(call)).id);
    return tokens.length ? { tokens: tokens.map(wireToken) } : {};
  }),
  endpoint('POST', 'tokens/revoke', async (call) => {
    const auth = authOf(call);
    const p = principalOf(call);
    const id = reqText(call.fields, 'token_id');
    const token = await auth.store.getToken(id);
    // Someone else's token is reported as missing, so ids of others cannot be probed.
    if (!token || (token.username !== p.username && !actsAsAdmin(p))) throw notFound(`Token ${id} not found`);
    await auth.store.revokeToken(id);
    auth.invalidate();
    return {};
  }),
  endpoint('GET', 'audit/search', async (call) => {
    const maxResults = optInt(call.fields, 'max_results') ?? 100;
    if (maxResults < 1 || maxResults > 1000) throw invalidParam("'max_results' must be between 1 and 1000.");
    const page = await authOf(call).store.searchAudit({
      username: optText(call.fields, 'username'),
      resourceKind: optText(call.fields, 'resource_kind'),
      resourceId: optText(call.fields, 'resource_id'),
      startTime: optInt(call.fields, 'start_time'),
      endTime: optInt(call.fields, 'end_time'),
      maxResults,
      pageToken: optText(call.fields, 'page_token'),
    });
    const out: Record<string, unknown> = {};
    if (page.records.length) out.records = page.records.map(wireAudit);
    if (page.nextPageToken) out.next_page_token = page.nextPageToken;
    return out;
  }),
];
