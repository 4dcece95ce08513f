/**
 * @module The store: one interface, SQLite and PostgreSQL behind it.
 */
export type * from './types.ts';
export { openStore } from './open.ts';
