/**
 * @module Failed sign-ins and API key checks, counted per key (org+user, client address); a
 * key over its limit is refused (429) before its API key is even checked. `SharedLimiter`
 * keeps the counts in the store, shared by every app process on one database (the API and
 * the workbench use it); `FailureLimiter` is the older in-memory, per-process variant.
 */
import { createHash } from 'node:crypto';

export interface LimiterOptions {
  /** Failures allowed per window and key kind. */
  readonly maxPerUser?: number;
  readonly maxPerIp?: number;
  readonly windowMs?: number;
  readonly now?: () => number;
}

export class FailureLimiter {
  readonly #failures = new Map<string, number[]>();
  readonly #maxPerUser: number;
  readonly #maxPerIp: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(opts: LimiterOptions = {}) {
    this.#maxPerUser = opts.maxPerUser ?? 10;
    this.#maxPerIp = opts.maxPerIp ?? 50;
    this.#windowMs = opts.windowMs ?? 15 * 60_000;
    this.#now = opts.now ?? Date.now;
  }

  #recent(key: string): number[] {
    const cutoff = this.#now() - this.#windowMs;
    const list = (this.#failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.#failures.set(key, list);
    else this.#failures.delete(key);
    return list;
  }

  /** True when either key is over its limit. */
  blocked(user: string, ip: string): boolean {
    return this.#recent(`u:${user}`).length >= this.#maxPerUser || this.#recent(`i:${ip}`).length >= this.#maxPerIp;
  }

  fail(user: string, ip: string): void {
    const t = this.#now();
    for (const k of [`u:${user}`, `i:${ip}`]) this.#failures.set(k, [...this.#recent(k), t]);
    if (this.#failures.size > 100_000) this.#failures.clear();
  }

  /** A good key clears that user's count (not the address's). */
  succeed(user: string): void {
    this.#failures.delete(`u:${user}`);
  }
}

export interface SharedLimiterOptions extends LimiterOptions {
  /** Which limit this is (`api`, `web`): kinds count apart. */
  readonly kind: string;
}

/** The part of the CNA store the shared limiter uses. */
export interface FailureCounters {
  addFailures(keys: readonly string[], delta: number, now: string, windowStart: string): Promise<number[]>;
  getFailures(keys: readonly string[], windowStart: string): Promise<number[]>;
  clearFailures(key: string): Promise<void>;
  purgeFailures(windowStart: string): Promise<number>;
}

/**
 * Failed key checks counted in the store (`cna_failures`), so every app process on one
 * database shares the limits (issue 5 §1, §3). Per key (org+user, client address) a fixed
 * window starts with the first failure and lasts `windowMs`; then the count restarts.
 *
 * The protocol is atomic under races: `blocked` refuses a key already at its limit; an
 * attempt that will run the slow key check is `charge`d first (an atomic increment that
 * answers whether this attempt went over), so concurrent guesses in any number of
 * processes never get more checks than the limit; a good key is `refund`ed (the user's
 * count cleared, the address's attempt given back). Keys are stored as SHA-256 digests.
 *
 * @example
 * const limits = new SharedLimiter(store.cna, { kind: 'api', maxPerUser: 10 });
 * if (await limits.blocked(who, ip)) throw new CnaError('TOO_MANY_REQUESTS');
 */
export class SharedLimiter {
  readonly #store: FailureCounters;
  readonly #kind: string;
  readonly #maxPerUser: number;
  readonly #maxPerIp: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #charges = 0;

  constructor(store: FailureCounters, opts: SharedLimiterOptions) {
    this.#store = store;
    this.#kind = opts.kind;
    this.#maxPerUser = opts.maxPerUser ?? 10;
    this.#maxPerIp = opts.maxPerIp ?? 50;
    this.#windowMs = opts.windowMs ?? 15 * 60_000;
    this.#now = opts.now ?? Date.now;
  }

  #keys(user: string, ip: string): [string, string] {
    const h = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');
    return [h(`${this.#kind}\u0000u\u0000${user}`), h(`${this.#kind}\u0000i\u0000${ip}`)];
  }

  #windowStart(now: number): string {
    return new Date(now - this.#windowMs).toISOString();
  }

  /** True when the user or the address is at its limit. */
  async blocked(user: string, ip: string): Promise<boolean> {
    const [u, i] = await this.#store.getFailures(this.#keys(user, ip), this.#windowStart(this.#now()));
    return u >= this.#maxPerUser || i >= this.#maxPerIp;
  }

  /** Count one attempt (before its key is checked, or a failure found without a check); true when it went over a limit. */
  async charge(user: string, ip: string): Promise<boolean> {
    const now = this.#now();
    const [u, i] = await this.#store.addFailures(this.#keys(user, ip), 1, new Date(now).toISOString(), this.#windowStart(now));
    if (++this.#charges % 256 === 0) await this.purge();
    return u > this.#maxPerUser || i > this.#maxPerIp;
  }

  /** The key was good: clear the user's count, give the address its attempt back. */
  async refund(user: string, ip: string): Promise<void> {
    const now = this.#now();
    const [u, i] = this.#keys(user, ip);
    await this.#store.clearFailures(u);
    await this.#store.addFailures([i], -1, new Date(now).toISOString(), this.#windowStart(now));
  }

  /** Delete counters whose window is over. */
  async purge(): Promise<number> {
    return this.#store.purgeFailures(this.#windowStart(this.#now()));
  }
}
