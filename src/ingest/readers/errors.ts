/**
 * @module Reader error codes: per-item ones arrive as `RawError` events, fatal ones are thrown as `InputError`.
 */

/** Codes of `RawError` events (one part of the input is bad, the rest goes on). */
export const ITEM_ERROR_CODES = {
  BAD_UTF8: 'BAD_UTF8',
  RECORD_TOO_LARGE: 'RECORD_TOO_LARGE',
  JSON_TRUNCATED: 'JSON_TRUNCATED',
  JSON_TRAILING_DATA: 'JSON_TRAILING_DATA',
  ZIP_SLIP: 'ZIP_SLIP',
  ZIP_BOMB: 'ZIP_BOMB',
  ZIP_CORRUPT: 'ZIP_CORRUPT',
  ZIP_UNSUPPORTED: 'ZIP_UNSUPPORTED',
  ZIP_NESTED_TOO_DEEP: 'ZIP_NESTED_TOO_DEEP',
  RECORD_MISSING: 'RECORD_MISSING',
  READ_FAILED: 'READ_FAILED',
} as const;
export type ItemErrorCode = (typeof ITEM_ERROR_CODES)[keyof typeof ITEM_ERROR_CODES];

/** Codes of thrown `InputError`s (the input cannot be read on). */
export const INPUT_ERROR_CODES = {
  NOT_FOUND: 'INPUT_NOT_FOUND',
  UNKNOWN_FORMAT: 'INPUT_UNKNOWN_FORMAT',
  GZIP_CORRUPT: 'GZIP_CORRUPT',
  ZIP_CORRUPT: 'ZIP_CORRUPT',
  ZIP_BOMB: 'ZIP_BOMB',
  HTTP_FAILED: 'HTTP_FAILED',
  DELTA_LOG_INVALID: 'DELTA_LOG_INVALID',
  DELTA_LOG_NO_BASE: 'DELTA_LOG_NO_BASE',
  CHANGED: 'INPUT_CHANGED',
  NOT_REPEATABLE: 'INPUT_NOT_REPEATABLE',
} as const;
export type InputErrorCode = (typeof INPUT_ERROR_CODES)[keyof typeof INPUT_ERROR_CODES];

/** A fatal problem with a whole input; its message names the input and the reason. */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly code: InputErrorCode;
  readonly input: string;
  constructor(code: InputErrorCode, input: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.input = input;
  }
}
