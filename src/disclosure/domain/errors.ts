/**
 * The one error type of the disclosure domain. Codes are stable (UPPER_SNAKE) so
 * `http/` can map them to statuses once; `details` carries the data behind the message.
 */

/** Every code a disclosure-domain function can throw, with its default message. */
export const DISCLOSURE_ERROR_CODES = {
  ILLEGAL_TRANSITION: 'that move is not allowed from the current state',
  CASE_STATE_ORDER: 'that case-state event cannot happen yet',
  FLAG_ALREADY_SET: 'that case-state flag is already set',
  EMBARGO_NOT_ALLOWED: 'no embargo can be proposed or accepted in this case state',
  EMBARGO_OUT_OF_BOUNDS: 'the proposed embargo end is outside the policy bounds',
  SHORTEST_WINS: 'the shortest pending embargo proposal must be accepted first',
  PROPOSAL_NOT_FOUND: 'no such pending embargo proposal',
  REPORT_NOT_FOUND: 'no such report on this case',
  PARTICIPANT_NOT_FOUND: 'no such participant on this case',
  VULNERABILITY_NOT_FOUND: 'no such vulnerability on this case',
  DUPLICATE_ID: 'an item with that id already exists on this case',
  NOT_A_VENDOR: 'that participant is not a vendor',
  NOT_PERMITTED: 'that actor may not do this',
  ESCALATION_STATE: 'the escalation is not in a state that allows this',
  TIME_WENT_BACKWARDS: 'a command cannot be dated before the last event of the case',
  INVALID_INSTANT: 'not an ISO 8601 UTC instant',
  INVALID_TIME_ZONE: 'not an IANA time zone known to this runtime',
  INVALID_POLICY: 'the policy values are inconsistent',
  INVALID_ARGUMENT: 'an argument is out of range',
} as const;

/** A code from {@link DISCLOSURE_ERROR_CODES}. */
export type DisclosureErrorCode = keyof typeof DISCLOSURE_ERROR_CODES;

/**
 * Thrown for every rejected command or illegal input of the disclosure domain.
 *
 * @example
 * try { transitionReport('closed', 'validate') }
 * catch (e) { if (e instanceof DisclosureError && e.code === 'ILLEGAL_TRANSITION') … }
 */
export class DisclosureError extends Error {
  override readonly name = 'DisclosureError';
  readonly code: DisclosureErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: DisclosureErrorCode, message?: string, details: Readonly<Record<string, unknown>> = {}) {
    super(message ?? DISCLOSURE_ERROR_CODES[code]);
    this.code = code;
    this.details = details;
  }
}
