/**
 * @module The store's one error type: a stable code plus the data that explains it.
 */

export const STORE_ERROR_CODES = [
  'BAD_DB_URL',
  'BATCH_DUPLICATE_ID',
  'BAD_CVE_ID',
  'READ_ONLY',
  'MIGRATION_FAILED',
  'NOT_FOUND',
  /** A search whose values are out of range (limit, dates, scores, too many terms): HTTP 400. */
  'BAD_QUERY',
  /** A search cursor that is damaged or belongs to another query or sort: HTTP 400. */
  'BAD_CURSOR',
  /** Full text asked for while a bulk load's full-text index is still to be built: HTTP 503. */
  'INDEX_BUILDING',
  /** `cvekit db copy` into a store that already holds data. */
  'NOT_EMPTY',
  /** `cvekit db copy` between stores whose tables or columns differ (different cvekit versions). */
  'SCHEMA_MISMATCH',
  /** `cvekit db backup` whose copy failed its integrity check. */
  'BACKUP_FAILED',
] as const;
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: StoreErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}
