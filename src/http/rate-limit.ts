/**
 * @module A token bucket per client address: each request takes tokens, buckets refill at
 * a steady rate, an empty bucket answers 429 with `Retry-After`. In memory, per process.
 */

export interface RateLimitOptions {
  /** Tokens a bucket holds (the burst). */
  readonly capacity: number;
  /** Tokens added per second. */
  readonly refillPerSecond: number;
}

export interface RateLimitDecision {
  readonly ok: boolean;
  /** Tokens left after this request. */
  readonly remaining: number;
  /** Whole seconds until the request would succeed (0 when ok). */
  readonly retryAfter: number;
}

export interface RateLimiter {
  readonly options: RateLimitOptions;
  take(key: string, cost?: number): RateLimitDecision;
}

const MAX_BUCKETS = 50_000;

export function createRateLimiter(options: RateLimitOptions, clock: () => number = () => performance.now()): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refill = (b: { tokens: number; at: number }, t: number) => {
    b.tokens = Math.min(options.capacity, b.tokens + ((t - b.at) / 1000) * options.refillPerSecond);
    b.at = t;
  };
  return {
    options,
    take(key, cost = 1) {
      const t = clock();
      let b = buckets.get(key);
      if (!b) {
        // Bounded memory under many addresses: drop the buckets that are full again.
        if (buckets.size >= MAX_BUCKETS) {
          for (const [k, old] of buckets) {
            refill(old, t);
            if (old.tokens >= options.capacity) buckets.delete(k);
          }
          if (buckets.size >= MAX_BUCKETS) buckets.delete(buckets.keys().next().value as string);
        }
        b = { tokens: options.capacity, at: t };
        buckets.set(key, b);
      } else refill(b, t);
      if (b.tokens >= cost) {
        b.tokens -= cost;
        return { ok: true, remaining: Math.floor(b.tokens), retryAfter: 0 };
      }
      const wait = (cost - b.tokens) / options.refillPerSecond;
      return { ok: false, remaining: 0, retryAfter: Math.max(1, Math.ceil(wait)) };
    },
  };
}
