/**
 * @module One SQLite connection's cached statements and write transactions, shared by
 * the store and its sub-stores (CNA, disclosure, enrichment) so each does not keep its
 * own copy of the same helpers.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Row } from '../mapping.ts';

export type Param = null | number | bigint | string | Uint8Array;

export class SqliteConnection {
  readonly db: DatabaseSync;
  readonly #checkWritable: () => void;
  readonly #statements = new Map<string, StatementSync>();

  /** `checkWritable` throws when the store is open read-only. */
  constructor(db: DatabaseSync, checkWritable: () => void) {
    this.db = db;
    this.#checkWritable = checkWritable;
  }

  stmt(sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  all(sql: string, ...params: Param[]): Row[] {
    return this.stmt(sql).all(...params) as Row[];
  }

  get(sql: string, ...params: Param[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined;
  }

  /** Rows changed. */
  run(sql: string, ...params: Param[]): number {
    return Number(this.stmt(sql).run(...params).changes);
  }

  /** `fn` in one write transaction (BEGIN IMMEDIATE: the write lock up front). */
  tx<T>(fn: () => T): T {
    this.#checkWritable();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (err) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }
}
