/**
 * Per-address flood control for the report form: a fixed window per key, in memory (per
 * process; several processes each apply the limit, so the effective limit is N × processes,
 * which still stops a flood). Old windows are swept as keys come in.
 */
export class WindowLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #hits = new Map<string, { start: number; count: number }>();

  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Counts one hit for `key` at `nowMs`; false once the window's limit is reached. */
  take(key: string, nowMs: number): boolean {
    if (this.#hits.size > 10_000) for (const [k, v] of this.#hits) if (nowMs - v.start >= this.#windowMs) this.#hits.delete(k);
    const w = this.#hits.get(key);
    if (!w || nowMs - w.start >= this.#windowMs) {
      this.#hits.set(key, { start: nowMs, count: 1 });
      return this.#limit >= 1;
    }
    if (w.count >= this.#limit) return false;
    w.count++;
    return true;
  }
}
