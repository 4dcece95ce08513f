/**
 * @module One PostgreSQL transaction on a pooled client, retried from the start on a
 * deadlock or serialization failure; shared by the store and its sub-stores. A callback
 * that throws {@link RollbackWith} rolls back and returns its value.
 */
import type pg from 'pg';
import type { PoolClient } from 'pg';

const MAX_ATTEMPTS = 8;

/**
 * Thrown inside {@link withTransaction}'s callback to roll the transaction back and make
 * `value` its result (a refusal found half-way, after some writes: nothing of them stays).
 */
export class RollbackWith<T> extends Error {
  readonly value: T;
  constructor(value: T) {
    super('transaction rolled back by its caller');
    this.value = value;
  }
}

/** deadlock_detected, serialization_failure */
const RETRYABLE = new Set(['40P01', '40001']);

export async function withTransaction<T>(pool: pg.Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      if (err instanceof RollbackWith) return err.value as T;
      const code = (err as { code?: string }).code;
      if (attempt < MAX_ATTEMPTS && code !== undefined && RETRYABLE.has(code)) {
        await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
        continue;
      }
      throw err;
    } finally {
      c.release();
    }
  }
}
