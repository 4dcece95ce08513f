/**
 * @module Open a store from its URL: `sqlite:PATH`, `sqlite::memory:` or `postgres://…`.
 * Only connects; callers run `migrate()`.
 */
import { StoreError } from './errors.ts';
import type { Store } from './types.ts';

export interface OpenStoreOptions {
  /** Open for reading only: SQLite `query_only`, PostgreSQL read-only transactions. */
  readonly readonly?: boolean;
}

/**
 * @example
 * const store = await openStore('sqlite:./data/cvekit.db');
 * await store.migrate();
 */
export async function openStore(db: string, opts: OpenStoreOptions = {}): Promise<Store> {
  if (db.startsWith('sqlite:')) {
    const path = db.slice('sqlite:'.length);
    if (path === '') throw new StoreError('BAD_DB_URL', 'sqlite: needs a path (sqlite:./data/cvekit.db or sqlite::memory:)');
    const { SqliteStore } = await import('./sqlite/sqlite-store.ts');
    return new SqliteStore(path, opts);
  }
  if (/^postgres(ql)?:\/\//.test(db)) {
    const { PostgresStore } = await import('./postgres/postgres-store.ts');
    const store = new PostgresStore(db, opts);
    await store.connect();
    return store;
  }
  throw new StoreError('BAD_DB_URL', `store must be sqlite:PATH or postgres://…, got "${db.slice(0, 40)}…"`);
}
