/**
 * @module The store: one interface, SQLite and PostgreSQL behind it.
 */
export type * from './types.ts';
export type * from './disclosure-types.ts';
export type * from './search-types.ts';
export { SEARCH_SORTS, FACETS } from './search-types.ts';
export type * from './cna-types.ts';
export type * from './enrich-types.ts';
export type * from './table-types.ts';
export { copyStore } from './copy.ts';
export { checkStore } from './check.ts';
export type { CheckOptions, CheckProblem, CheckProblemKind, CheckReport } from './check.ts';
export { acquireLease, LeaseHeldError } from './lease.ts';
export type { Lease, LeaseHolder, LeaseOptions } from './lease.ts';
export type { CopyProgress, CopyResult } from './copy.ts';
export { MAPPING_ISSUE_KINDS } from './enrich-types.ts';
export { openStore } from './open.ts';
export type { OpenStoreOptions } from './open.ts';
export { StoreError, STORE_ERROR_CODES } from './errors.ts';
export type { StoreErrorCode } from './errors.ts';
export { summaryRows } from './rows.ts';
export { stopWorker } from './stop-worker.ts';
export { processRunning } from './process-running.ts';
export type { DerivedRows, FtsDoc, SummaryRows } from './rows.ts';
