/**
 * Stages 2 and 3 of the request pipeline when access control is on: authentication (onRequest)
 * turns credentials into a principal, authorization (preHandler) applies the route's rule from
 * the permission table; after a successful write the creator's grant is recorded, and every
 * state-changing request leaves an audit record (onResponse).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MlflowError } from '../../errors.js';
import { TooManyLoginAttempts, unauthenticated } from '../../auth/authenticator.js';
import { DeniedOn, permissionDenied, type Target } from '../../auth/access-control.js';
import { ruleFor, tablePath } from '../../auth/route-permissions.js';
import type { RouteRule } from '../../auth/route-rules.js';
import { parseQuery } from '../body.js';
import type { AuthRuntime } from './runtime.js';
import { sessionPrincipal } from './session.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Audit columns have fixed widths: longer values are cut, never a failed write. */
const clip = (v: string | null, max: number): string | null => (v === null ? null : v.slice(0, max));

function routeKey(request: FastifyRequest): { method: string; url: string } {
  return { method: request.method, url: request.routeOptions.url ?? '' };
}

function ruleOf(request: FastifyRequest): RouteRule | undefined {
  const { method, url } = routeKey(request);
  return ruleFor(method, url);
}

/** Refusals answer MLflow's error body; a 401 to API clients also asks for Basic credentials. */
function challenge(request: FastifyRequest, reply: FastifyReply, err: MlflowError): void {
  if (err instanceof TooManyLoginAttempts) reply.header('Retry-After', String(err.retryAfterSeconds));
  // The web UI (under /ajax-api) handles 401 itself: no browser password dialog there.
  if (err.httpStatus === 401 && !request.url.startsWith('/ajax-api/'))
    reply.header('WWW-Authenticate', 'Basic realm="mlflow"');
}

/** Every route registered on an app with access control on, as registered (for the table test). */
const seenRoutes = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

export function registeredRoutes(app: FastifyInstance): { method: string; url: string }[] {
  return seenRoutes.get(app) ?? [];
}

export function registerAuthHooks(app: FastifyInstance, auth: AuthRuntime): void {
  const seen: { method: string; url: string }[] = [];
  seenRoutes.set(app, seen);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) seen.push({ method, url: route.url });
  });

  app.addHook('onRequest', async (request, reply) => {
    const rule = ruleOf(request);
    // An unknown path answers 404 later; public routes ignore credentials entirely.
    if (!request.routeOptions.url || rule?.need === 'public') return;
    try {
      const header = request.headers.authorization;
      request.cairn.principal = header
        ? await auth.authenticator.fromAuthorization(header, request.ip)
        : await sessionPrincipal(request, auth);
      // Refused before any body is read.
      if (!request.cairn.principal) throw unauthenticated();
    } catch (err) {
      if (err instanceof MlflowError) challenge(request, reply, err);
      throw err;
    }
  });

  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.url) return;
    const rule = ruleOf(request);
    try {
      if (!rule) {
        // Deny by default: a route the permission table does not know is refused.
        if (!request.cairn.principal) throw unauthenticated();
        throw permissionDenied('This route has no permission rule.');
      }
      const fields = request.cairn.fields ?? parseQuery(request.url);
      const params = (request.params ?? {}) as Record<string, string>;
      request.cairn.decision = await auth.access.decide(request.cairn.principal, rule, { fields, params });
    } catch (err) {
      if (err instanceof DeniedOn) request.cairn.deniedOn = err.targets;
      if (err instanceof MlflowError) challenge(request, reply, err);
      throw err;
    }
  });

  app.addHook('preSerialization', async (request, reply, payload) => {
    if (reply.statusCode !== 200) return payload;
    const key = `${request.method} ${tablePath(request.routeOptions.url ?? '')}`;
    const principal = request.cairn.principal;
    const fields = request.cairn.fields ?? {};
    const rule = ruleOf(request);
    if (rule?.need === 'create' && principal?.userId != null) {
      const id =
        rule.creates === 'experiment'
          ? String((payload as { experiment_id?: unknown }).experiment_id ?? '')
          : String(fields.name ?? '');
      if (id) {
        await auth.store.putGrant({
          resourceKind: rule.creates,
          resourceId: id,
          subjectKind: 'user',
          subject: principal.username,
          permission: 'MANAGE',
        });
        auth.access.invalidate();
        request.cairn.decision = { kind: 'allow', targets: [{ kind: rule.creates, id }] };
      }
    } else if (key === 'POST registered-models/rename') {
      await auth.store.renameResource('registered_model', String(fields.name), String(fields.new_name));
      auth.access.invalidate();
    } else if (key === 'DELETE registered-models/delete') {
      await auth.store.deleteGrantsOn('registered_model', String(fields.name));
      auth.access.invalidate();
    }
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    if (SAFE_METHODS.has(request.method)) return;
    const decision = request.cairn.decision;
    const target: Target | undefined =
      decision?.kind === 'allow' ? decision.targets[0] : request.cairn.deniedOn?.[0];
    const route = request.routeOptions.url
      ? tablePath(request.routeOptions.url)
      : request.url.split('?', 1)[0]!;
    // A failed login is recorded under the name it tried.
    const tried = route === 'auth/login' ? request.cairn.fields?.username : undefined;
    auth.audit.record({
      time: Date.now(),
      username: clip(request.cairn.principal?.username ?? (typeof tried === 'string' ? tried : null), 256),
      method: request.method,
      route: clip(route, 300)!,
      resourceKind: target?.kind ?? null,
      resourceId: clip(target && target.kind !== 'global' ? target.id : null, 500),
      status: reply.statusCode,
      client: clip(request.ip, 64),
    });
  });
}
