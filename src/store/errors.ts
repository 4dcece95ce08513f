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
