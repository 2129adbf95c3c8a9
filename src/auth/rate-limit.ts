/**
 * Failed-login throttling per (user name, client address): after `maxFailures` failures within
 * `windowMs` that pair is refused until the window passes. Other users, and the same user from
 * another address, are unaffected, so an attacker cannot lock a colleague out.
 */
export interface LoginLimitOptions {
  maxFailures: number;
  windowMs: number;
  /** Bound on tracked pairs so a flood of random names cannot grow memory without limit. */
  maxEntries: number;
}

export const DEFAULT_LOGIN_LIMIT: LoginLimitOptions = {
  maxFailures: 10,
  windowMs: 60_000,
  maxEntries: 10_000,
};

interface Entry {
  failures: number;
  windowStart: number;
}

export class LoginRateLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly opts: LoginLimitOptions,
    private readonly now: () => number = Date.now,
  ) {}

  private key(username: string, client: string): string {
    return `${client}\u0000${username}`;
  }

  /** Seconds until the pair may try again, or 0 when it may try now. */
  retryAfter(username: string, client: string): number {
    const e = this.entries.get(this.key(username, client));
    if (!e) return 0;
    const elapsed = this.now() - e.windowStart;
    if (elapsed >= this.opts.windowMs) {
      this.entries.delete(this.key(username, client));
      return 0;
    }
    return e.failures >= this.opts.maxFailures ? Math.ceil((this.opts.windowMs - elapsed) / 1000) : 0;
  }

  recordFailure(username: string, client: string): void {
    const key = this.key(username, client);
    const now = this.now();
    const e = this.entries.get(key);
    if (e && now - e.windowStart < this.opts.windowMs) {
      e.failures++;
      return;
    }
    if (this.entries.size >= this.opts.maxEntries) {
      // Drop the oldest entry (Map keeps insertion order).
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { failures: 1, windowStart: now });
  }

  recordSuccess(username: string, client: string): void {
    this.entries.delete(this.key(username, client));
  }
}
