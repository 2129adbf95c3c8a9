/** What the request pipeline learns about a request, kept on it for the later stages. */
import type { Principal } from '../auth/principal.js';
import type { Decision, Target } from '../auth/access-control.js';
import type { Fields } from './endpoint.js';

export interface RequestState {
  /** Decoded API fields (JSON body or query string), set before authorization runs. */
  fields?: Fields;
  /** Who is calling; null when anonymous or when access control is off. */
  principal: Principal | null;
  /** The authorization decision, when access control is on. */
  decision?: Decision;
  /** The resources of a refused request (for the audit log). */
  deniedOn?: Target[];
}

declare module 'fastify' {
  interface FastifyRequest {
    cairn: RequestState;
  }
}
