/**
 * Stage 1 of the request pipeline: refuses what must not reach a handler, before any work. The
 * browser protections (Host, Origin, form posts, security headers) can be turned off with
 * `--disable-security-middleware` for deployments whose proxy does this; the connection limits
 * and body limits always apply.
 */
import type { FastifyInstance } from 'fastify';
import type { NetworkConfig } from '../config/network-config.js';
import { capConnectionsPerClient } from './connection-guard.js';
import { registerCrossOriginGuard } from './cross-origin.js';
import { registerFormPostGuard } from './form-posts.js';
import { registerHostGuard } from './host-guard.js';
import { registerSecurityHeaders } from './security-headers.js';

export async function registerNetworkGuard(
  app: FastifyInstance,
  network: NetworkConfig,
  listenHost: string,
): Promise<void> {
  capConnectionsPerClient(app.server, network.maxConnectionsPerClient, app.log);
  if (network.disableSecurityMiddleware) return;
  registerHostGuard(app, { allowedHosts: network.allowedHosts, listenHost });
  await registerCrossOriginGuard(app, network);
  registerFormPostGuard(app);
  registerSecurityHeaders(app);
}
