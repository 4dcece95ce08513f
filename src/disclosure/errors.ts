/**
 * The disclosure service's error type. Codes are stable; `src/http/disclosure-api.ts`
 * maps them to statuses with one table. `CASE_NOT_FOUND` is what anyone who may not see a
 * case gets, so an existing case of someone else answers exactly like a missing one.
 */

export const DISCLOSURE_SERVICE_ERROR_CODES = {
  UNAUTHENTICATED: 'a valid token is needed',
  CASE_NOT_FOUND: 'no such case',
  REPORT_NOT_FOUND: 'no such report',
  FILE_NOT_FOUND: 'no such file',
  LINK_NOT_VALID: 'this link is not valid or has expired',
  FORBIDDEN: 'you may not do this on this case',
  CASE_CONFLICT: 'the case changed since you read it; read it again',
  INVALID_REPORT: 'the report is not valid',
  ATTACHMENT_REFUSED: 'an attachment was refused',
  CHALLENGE_FAILED: 'the anti-spam check failed',
  RATE_LIMITED: 'too many reports from your address; try again later',
  INVALID_REQUEST: 'the request is not valid',
  INVALID_CONFIG: 'the disclosure configuration is not valid',
  KEY_UNAVAILABLE: 'a stored text is sealed with a key this server does not have',
  CNA_NOT_CONFIGURED: 'no CNA is configured for this team: set CVEKIT_CNA_ORG to the short name of a CNA organisation of this cvekit',
  CNA_REFUSED: 'the CNA service refused the request',
  DRAFT_NOT_FOUND: 'no such draft on this case',
  DRAFT_INVALID: 'the draft is not valid',
  PUBLICATION_BLOCKED: 'the embargo is still active',
  ADVISORY_NOT_FOUND: 'no such advisory',
} as const;

export type DisclosureServiceErrorCode = keyof typeof DISCLOSURE_SERVICE_ERROR_CODES;

export class DisclosureServiceError extends Error {
  override readonly name = 'DisclosureServiceError';
  readonly code: DisclosureServiceErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: DisclosureServiceErrorCode, message?: string, details: Readonly<Record<string, unknown>> = {}) {
    super(message ?? DISCLOSURE_SERVICE_ERROR_CODES[code]);
    this.code = code;
    this.details = details;
  }
}
