/**
 * Turns the credentials of a request into a principal: HTTP Basic (user + password), a bearer
 * Cairn token, a bearer OIDC JWT, or the web UI's session cookie. Verified credentials are cached
 * for a few seconds (keyed by a hash of the credential, never the credential itself) so that
 * scrypt does not run on every request. Failed password logins are throttled per user name and
 * client address.
 */
import { createHash } from 'node:crypto';
import { MlflowError } from '../errors.js';
import type { AuthStore, TokenRecord, UserRecord } from '../store/auth-store.js';
import { verifyPassword } from './passwords.js';
import type { CredentialKind, Principal } from './principal.js';
import {
  authenticationProviderFor,
  authorizationSchemes,
  type ExternalIdentity,
} from './provider-registry.js';
import { LoginRateLimiter } from './rate-limit.js';
import { hashToken, looksLikeCairnToken } from './tokens.js';
import { TtlCache } from './ttl-cache.js';

/** Verifies an SSO bearer token; resolves the identity or throws UNAUTHENTICATED. */
export interface BearerVerifier {
  verify(jwt: string): Promise<{ username: string; groups: string[] }>;
}

export interface AuthenticatorOptions {
  cacheTtlMs: number;
  limiter: LoginRateLimiter;
  oidc?: BearerVerifier;
}

/** 429 with the seconds the caller should wait (sent as `Retry-After`). */
export class TooManyLoginAttempts extends MlflowError {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many failed login attempts. Try again later.', 'REQUEST_LIMIT_EXCEEDED');
  }
}

export const unauthenticated = (message = 'You are not authenticated. Provide valid credentials.') =>
  new MlflowError(message, 'UNAUTHENTICATED');

interface Cached {
  principal: Principal;
  /** Token expiry: a cached token stops working at its expiry, not at the cache's. */
  validUntil: number;
}

export class Authenticator {
  private readonly cache: TtlCache<Cached>;
  /** Verifications under way, by cache key: concurrent requests with one credential share one. */
  private readonly inFlight = new Map<string, Promise<Principal>>();
  /** Bumped by `invalidate()`: a verification that began before it is not cached. */
  private generation = 0;

  constructor(
    private readonly store: AuthStore,
    private readonly opts: AuthenticatorOptions,
  ) {
    this.cache = new TtlCache<Cached>(opts.cacheTtlMs, 10_000);
  }

  /** Forgets every cached credential (after a password, admin flag, token or group change). */
  invalidate(): void {
    this.generation++;
    this.inFlight.clear();
    this.cache.clear();
  }

  /** The principal for an `Authorization` header value; null when there is none. */
  async fromAuthorization(header: string | undefined, client: string): Promise<Principal | null> {
    if (!header) return null;
    const space = header.indexOf(' ');
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    if (scheme === 'basic') return this.basic(value, client);
    if (scheme === 'bearer') return this.bearer(value);
    const provider = authenticationProviderFor(scheme);
    if (!provider) {
      throw unauthenticated(`Unsupported authorization scheme: use ${authorizationSchemes().join(', ')}.`);
    }
    if (!value) throw unauthenticated('Empty credentials.');
    return this.external(`provider:${scheme}`, value, 'provider', async () => {
      const identity = await provider.authenticate(value, { clientAddress: client }).catch(() => null);
      if (!identity?.username) throw unauthenticated('Invalid credentials.');
      return identity;
    });
  }

  /** The principal of a web session (its secret is a token created by the login endpoint). */
  async fromSession(secret: string): Promise<Principal> {
    return this.cachedToken(secret, 'session');
  }

  private cacheKey(kind: string, secret: string): string {
    return createHash('sha256').update(`${kind}\u0000${secret}`).digest('base64');
  }

  private fromCache(key: string): Principal | undefined {
    const hit = this.cache.get(key);
    return hit && hit.validUntil > Date.now() ? hit.principal : undefined;
  }

  /**
   * The cached principal of `key`, or the one `verify` finds (then cached). When the cache entry
   * of a busy client expires, its concurrent requests wait for one verification instead of each
   * running scrypt (or a token lookup, or a JWT check) at once.
   */
  private async verified(key: string, verify: () => Promise<Cached>): Promise<Principal> {
    const hit = this.fromCache(key);
    if (hit) return hit;
    let pending = this.inFlight.get(key);
    if (!pending) {
      const generation = this.generation;
      pending = verify().then((found) => {
        if (generation === this.generation) this.cache.set(key, found);
        return found.principal;
      });
      const mine = pending;
      const settled = (): void => {
        if (this.inFlight.get(key) === mine) this.inFlight.delete(key);
      };
      pending.then(settled, settled);
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async basic(encoded: string, client: string): Promise<Principal> {
    return this.verified(this.cacheKey('basic', encoded), async () => {
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) throw unauthenticated('Malformed Basic credentials.');
      const principal = await this.login(decoded.slice(0, colon), decoded.slice(colon + 1), client, 'basic');
      return { principal, validUntil: Number.POSITIVE_INFINITY };
    });
  }

  /**
   * Checks a user name and password (throttled per name and client address). Used by Basic
   * credentials and by the web UI's login endpoint.
   */
  async login(
    username: string,
    password: string,
    client: string,
    via: CredentialKind = 'session',
  ): Promise<Principal> {
    const wait = this.opts.limiter.retryAfter(username, client);
    if (wait > 0) throw new TooManyLoginAttempts(wait);
    const user = await this.store.getUser(username);
    // Hash even for an unknown user so the response time does not tell which names exist.
    const ok = user?.passwordHash
      ? await verifyPassword(password, user.passwordHash)
      : (await verifyPassword(password, DUMMY_HASH), false);
    if (!user || !ok) {
      this.opts.limiter.recordFailure(username, client);
      throw unauthenticated('Invalid username or password.');
    }
    this.opts.limiter.recordSuccess(username, client);
    return this.principalOf(user, via, 'admin');
  }

  private async bearer(value: string): Promise<Principal> {
    if (!value) throw unauthenticated('Empty bearer token.');
    const oidc = this.opts.oidc;
    if (looksLikeCairnToken(value) || !oidc) return this.cachedToken(value, 'token');
    return this.external('oidc', value, 'oidc', () => oidc.verify(value));
  }

  /**
   * The principal of an identity vouched for by someone else (an OIDC provider, a plugin's
   * authentication provider): the local SSO user, with the identity's groups added to Cairn's.
   */
  private async external(
    kind: string,
    credential: string,
    via: CredentialKind,
    verify: () => Promise<ExternalIdentity>,
  ): Promise<Principal> {
    return this.verified(this.cacheKey(kind, credential), async () => {
      const identity = await verify();
      const user = await this.ssoUser(identity.username);
      const principal: Principal = {
        userId: user.id,
        username: identity.username,
        isAdmin: user.isAdmin,
        groups: [...new Set([...(identity.groups ?? []), ...(await this.store.groupsOf(user.id))])].sort(),
        via,
        scope: 'admin',
      };
      return { principal, validUntil: Number.POSITIVE_INFINITY };
    });
  }

  /**
   * The local user of an SSO identity, created without a password on first sight so that grants
   * (and the creator's MANAGE) can name it.
   */
  private async ssoUser(username: string): Promise<UserRecord> {
    const existing = await this.store.getUser(username);
    if (existing) return existing;
    try {
      return await this.store.createUser(username, null, false);
    } catch (err) {
      const raced = await this.store.getUser(username);
      if (raced) return raced;
      throw err;
    }
  }

  private async cachedToken(secret: string, via: CredentialKind): Promise<Principal> {
    return this.verified(this.cacheKey(via, secret), async () => {
      const token = await this.store.findTokenByHash(hashToken(secret));
      if (!token || !usable(token)) throw unauthenticated('Invalid, expired or revoked token.');
      if ((via === 'session') !== (token.name === SESSION_TOKEN_NAME))
        throw unauthenticated('Invalid, expired or revoked token.');
      const user = await this.store.getUserById(token.userId);
      if (!user) throw unauthenticated('Invalid, expired or revoked token.');
      const principal = await this.principalOf(user, via, token.scope);
      return { principal, validUntil: token.expiryTime ?? Number.POSITIVE_INFINITY };
    });
  }

  private async principalOf(
    user: UserRecord,
    via: CredentialKind,
    scope: Principal['scope'],
  ): Promise<Principal> {
    return {
      userId: user.id,
      username: user.username,
      isAdmin: user.isAdmin,
      groups: await this.store.groupsOf(user.id),
      via,
      scope,
    };
  }
}

/** Web sessions are tokens with this reserved name (listed with the user's tokens, revocable). */
export const SESSION_TOKEN_NAME = 'web session';

export const usable = (t: TokenRecord, now = Date.now()): boolean =>
  t.revokedTime === null && (t.expiryTime === null || t.expiryTime > now);

// A valid hash of a random password, verified against for unknown users (constant work).
const DUMMY_HASH = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$' + Buffer.alloc(64, 7).toString('base64');
