/**
 * @module Failed sign-ins, counted per key (org+user, client IP) in a sliding window; a
 * key over its limit is refused (429) before its API key is even checked. In memory, per
 * process: enough to make guessing keys slow; a proxy can add a shared limit.
 */

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
