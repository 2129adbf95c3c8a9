/**
 * The one client for requests the server makes on its own (webhook deliveries today). It refuses
 * targets that are not public internet addresses unless the operator allowed them, checks the
 * address actually connected to (so a name that resolves to a public address at validation time
 * and to 127.0.0.1 at delivery time — DNS rebinding — is still refused), never follows redirects
 * and reads at most a few KiB of any answer before closing the connection. Clients that talk to
 * one server the user named (`cairn import --from`) use {@link guardedAgent}: the same checks on
 * every connection of a keep-alive agent, the named host allowed by the caller's policy.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequestArgs,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { parseAllowedHost } from '../config/allowed-hosts.js';

/** Bytes of a response body read at most; the connection is closed after that. */
export const MAX_RESPONSE_BYTES = 4096;

export interface OutgoingHttpPolicy {
  /**
   * Hosts that may be reached although they are not public: host names (exact, case-insensitive),
   * IP addresses or CIDR ranges (`10.0.0.0/8`, `fd00::/8`). Empty: public addresses only.
   */
  allowedHosts: readonly string[];
}

export interface OutgoingResponse {
  status: number;
  /** At most {@link MAX_RESPONSE_BYTES} bytes of the body, decoded as UTF-8. */
  bodyPrefix: string;
  /** The address the request went to, and whether it is a public one. */
  remoteAddress: string;
  remoteIsPublic: boolean;
}

/** Thrown when the target is refused by the policy; no connection was made. */
export class OutgoingTargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutgoingTargetRefused';
  }
}

type Parsed = ReturnType<typeof ipaddr.parse>;

interface CompiledPolicy {
  names: Set<string>;
  ranges: [Parsed, number][];
}

const stripBrackets = (host: string): string => host.replace(/^\[(.*)\]$/, '$1');

function compile(policy: OutgoingHttpPolicy): CompiledPolicy {
  const names = new Set<string>();
  const ranges: [Parsed, number][] = [];
  for (const raw of policy.allowedHosts) {
    const entry = parseAllowedHost(raw);
    if (entry.includes('/')) ranges.push(ipaddr.parseCIDR(entry));
    else if (isIP(entry)) {
      const addr = ipaddr.process(entry);
      ranges.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
    } else names.add(entry);
  }
  return { names, ranges };
}

/** True for addresses on the public internet (ipaddr.js's `unicast` range). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

function addressAllowed(address: string, policy: CompiledPolicy): boolean {
  if (!ipaddr.isValid(address)) return false;
  const addr = ipaddr.process(address);
  if (addr.range() === 'unicast') return true;
  return policy.ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}

/**
 * A DNS lookup that fails when any resolved address is refused, so the socket can only connect
 * to an address that passed the check.
 */
function guardedLookup(policy: CompiledPolicy, hostAllowed: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const named = hostAllowed || policy.names.has(hostname.toLowerCase());
      const refused = named ? [] : addresses.filter((a) => !addressAllowed(a.address, policy));
      if (refused.length || addresses.length === 0) {
        return callback(
          new OutgoingTargetRefused(
            `'${hostname}' resolves to a non-public address; add it to --webhook-allowed-hosts to allow it`,
          ),
          '',
          0,
        );
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/**
 * POSTs `body` to `url` under `policy`. Resolves with the status and the first bytes of the
 * answer (the rest is never read: the socket is destroyed); rejects on refusal, network error or
 * timeout. Redirects are answers like any other: never followed.
 */
export function postBounded(
  url: string,
  policy: OutgoingHttpPolicy,
  options: PostOptions,
): Promise<OutgoingResponse> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new OutgoingTargetRefused(`'${url}' is not a valid URL`));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return Promise.reject(new OutgoingTargetRefused(`only http:// and https:// targets are supported`));
  }
  const compiled = compile(policy);
  const host = stripBrackets(target.hostname.toLowerCase());
  const hostAllowed = compiled.names.has(host);
  if (isIP(host) && !hostAllowed && !addressAllowed(host, compiled)) {
    return Promise.reject(
      new OutgoingTargetRefused(
        `${host} is not a public address; add it to --webhook-allowed-hosts to allow it`,
      ),
    );
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const requestOptions: RequestOptions = {
    method: 'POST',
    headers: { ...options.headers, 'Content-Length': String(Buffer.byteLength(options.body)) },
    lookup: guardedLookup(compiled, hostAllowed),
    // A fresh connection per request: a pooled socket would skip the address check.
    agent: false,
    timeout: options.timeoutMs,
  };
  return new Promise<OutgoingResponse>((resolve, reject) => {
    const deadline = setTimeout(
      () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const finish = (fn: () => void): void => {
      clearTimeout(deadline);
      fn();
    };
    const req = send(target, requestOptions, (res: IncomingMessage) => {
      const remoteAddress = res.socket.remoteAddress ?? '';
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        finish(() =>
          resolve({
            status: res.statusCode ?? 0,
            bodyPrefix: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8'),
            remoteAddress,
            remoteIsPublic: isPublicAddress(remoteAddress),
          }),
        );
        // Whatever else the receiver wants to send is never read.
        req.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_RESPONSE_BYTES) done();
      });
      res.on('end', done);
      res.on('error', done);
    });
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        // Second line of defence: the peer of the connected socket must pass too.
        const peer = socket.remoteAddress ?? '';
        if (!hostAllowed && !addressAllowed(peer, compiled)) {
          req.destroy(new OutgoingTargetRefused(`connected address ${peer} is not public`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', (err) => finish(() => reject(err)));
    req.end(options.body);
  });
}

export interface GuardedAgentOptions {
  keepAlive?: boolean;
  maxSockets?: number;
}

/**
 * An HTTP(S) agent whose every connection passes the policy: host names resolve only to allowed
 * addresses, IP literals must be allowed, and the peer of each connected socket is checked again.
 * Pooled sockets were checked when they connected. Redirects are answers like any other: the
 * client using the agent decides, and Node's client never follows them.
 */
export function guardedAgent(
  protocol: string,
  policy: OutgoingHttpPolicy,
  options: GuardedAgentOptions = {},
): HttpAgent {
  const compiled = compile(policy);
  const agentOptions = {
    keepAlive: options.keepAlive ?? true,
    maxSockets: options.maxSockets ?? 16,
    keepAliveMsecs: 1000,
    lookup: guardedLookup(compiled, false),
  };
  const agent = protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (
    args: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined => {
    const host = stripBrackets(String(args.hostname ?? args.host ?? '').toLowerCase());
    const named = compiled.names.has(host);
    if (isIP(host) && !named && !addressAllowed(host, compiled)) {
      callback?.(
        new OutgoingTargetRefused(`${host} is not a public address and not the named server`),
        null!,
      );
      return undefined;
    }
    const socket = create(args, callback) as Socket | null | undefined;
    socket?.once('connect', () => {
      const peer = socket.remoteAddress ?? '';
      if (!named && !addressAllowed(peer, compiled)) {
        socket.destroy(new OutgoingTargetRefused(`connected address ${peer} is not public`));
      }
    });
    return socket;
  };
  return agent;
}
