/** Who is calling: the result of authentication, passed to authorization and the handlers. */
import type { TokenScope } from '../entities/auth.js';

export type CredentialKind = 'basic' | 'token' | 'session' | 'oidc';

export interface Principal {
  /** Store id of the user; null for an SSO identity that has no local user row. */
  userId: number | null;
  username: string;
  isAdmin: boolean;
  groups: string[];
  via: CredentialKind;
  /**
   * What the credential may do: a `read` token only reads, a `write` token never acts as admin.
   * Passwords, sessions and SSO tokens carry the user's full rights (`admin`).
   */
  scope: TokenScope;
}

/** Admin rights need an admin user and a credential that carries them. */
export const actsAsAdmin = (p: Principal): boolean => p.isAdmin && p.scope === 'admin';
