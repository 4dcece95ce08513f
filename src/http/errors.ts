/**
 * @module One error type that carries its HTTP status and a stable code, mapped once by
 * the app's error handler into `{ error, message, details? }` (CVE Services' body shape).
 */

export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly code: string;
  readonly details?: Readonly<Record<string, unknown>>;
  constructor(status: number, code: string, message: string, details?: Readonly<Record<string, unknown>>) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export function errorBody(error: string, message: string, details?: Readonly<Record<string, unknown>>): ErrorBody {
  return details ? { error, message, details } : { error, message };
}
