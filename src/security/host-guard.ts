/**
 * Allowed `Host` headers. A page on another site whose name the attacker points at 127.0.0.1 (DNS
 * rebinding) reaches the server with that foreign name in `Host`; refusing unknown names closes
 * that door. The default accepts what a local or private-network deployment is reached by:
 * localhost, the listen address, this machine's name and loopback / private / link-local address
 * literals (never names that merely start like one, such as `10.example.com`).
 */
import { BlockList, isIP } from 'node:net';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { MlflowError } from '../errors.js';
import { sendGuardError } from './guard-reply.js';

/** Probes from load balancers often use a bare IP: they stay reachable whatever `Host` says. */
const PROBE_PATHS = new Set(['/health', '/version', '/ready']);

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['127.0.0.0', 8],
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['169.254.0.0', 16],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** The name part of a Host header: without port, without IPv6 brackets, lower case. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

function isPrivateAddress(name: string): boolean {
  const kind = isIP(name);
  if (kind === 0) return false;
  return PRIVATE.check(name, kind === 4 ? 'ipv4' : 'ipv6');
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\*/g, '.*')}$`);
}

/**
 * A matcher for Host headers. `patterns` may use `*` wildcards and match either the whole header
 * (`name:port`) or the name alone; undefined selects the default described above.
 */
export function hostMatcher(patterns: string[] | undefined, listenHost: string): (header: string) => boolean {
  if (patterns?.includes('*')) return () => true;
  if (patterns) {
    const res = patterns.map(globToRegExp);
    return (header) => {
      const h = header.trim().toLowerCase();
      const name = hostName(h);
      return res.some((re) => re.test(h) || re.test(name));
    };
  }
  const names = new Set(['localhost', hostname().toLowerCase(), hostName(listenHost)]);
  names.delete('0.0.0.0');
  names.delete('::');
  return (header) => {
    const name = hostName(header);
    return names.has(name) || name.endsWith('.localhost') || isPrivateAddress(name);
  };
}

export function registerHostGuard(
  app: FastifyInstance,
  opts: { allowedHosts?: string[]; listenHost: string },
): void {
  const allowed = hostMatcher(opts.allowedHosts, opts.listenHost);
  // Clients send the same Host header request after request: the last verdict is kept.
  let lastAllowedHost: string | undefined;
  app.addHook('onRequest', (request, reply, done) => {
    const host = request.headers.host ?? '';
    if (host === lastAllowedHost || isProbe(request.url)) return done();
    if (allowed(host)) {
      lastAllowedHost = host;
      return done();
    }
    request.log.warn({ host: host.slice(0, 200) }, 'refused a request with an unknown Host header');
    sendGuardError(
      reply,
      new MlflowError(
        `Invalid Host header '${host.slice(0, 200)}': this server is not known by that name ` +
          '(possible DNS rebinding). Add the name to --allowed-hosts if it is yours.',
        'PERMISSION_DENIED',
      ),
    );
  });
}

function isProbe(url: string): boolean {
  const q = url.indexOf('?');
  return PROBE_PATHS.has(q < 0 ? url : url.slice(0, q));
}
