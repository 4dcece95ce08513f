/**
 * @module The one error type of the advisories module, with stable codes.
 */
import type { CsafIssue } from './types.ts';

export const ADVISORY_ERRORS = {
  /** The input cannot make an advisory (no vulnerabilities, no description, bad version…). */
  BAD_INPUT: 'BAD_INPUT',
  /** The document built or revised fails `validateCsaf`; `issues` says why. */
  INVALID_ADVISORY: 'INVALID_ADVISORY',
  /** A revision dated before the latest one would break the sorted revision history (6.1.14). */
  REVISION_DATE_ORDER: 'REVISION_DATE_ORDER',
} as const;
export type AdvisoryErrorCode = keyof typeof ADVISORY_ERRORS;

/** Thrown by the builder and by `reviseAdvisory`; never returns a document that does not validate. */
export class AdvisoryError extends Error {
  readonly code: AdvisoryErrorCode;
  readonly issues: readonly CsafIssue[];
  constructor(code: AdvisoryErrorCode, message: string, issues: readonly CsafIssue[] = []) {
    super(message);
    this.name = 'AdvisoryError';
    this.code = code;
    this.issues = issues;
  }
}
