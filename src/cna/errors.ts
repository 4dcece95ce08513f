/**
 * @module CVE Services' error codes, each declared once with its HTTP status and default
 * message (spec §1.5). A few wire codes are answered with different statuses depending on
 * the endpoint (`CVE_RECORD_EXISTS` is 403 on publish, 400 on reject; cvelib depends on
 * both), so those have one entry per variant and a `wire` name.
 */

interface ErrorSpec {
  readonly status: number;
  readonly message: string;
  /** The `error` value sent, when it differs from the key. */
  readonly wire?: string;
}

export const CNA_ERRORS = {
  BAD_REQUEST: { status: 400, message: 'Bad request.' },
  UNAUTHORIZED: { status: 401, message: 'Unauthorized' },
  BAD_INPUT: { status: 400, message: 'Parameters were invalid' },
  INVALID_JSON_SYNTAX: { status: 400, message: 'The request body is not valid JSON.' },
  RECORD_TOO_LARGE: { status: 413, message: 'Records must be less than 3.8MB.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Request bodies must be JSON.' },
  INVALID_JSON_SCHEMA: { status: 400, message: 'CVE cnaContainer JSON schema validation FAILED.' },
  BAD_ADP_JSON: { status: 400, message: 'The ADP data does not comply with the JSON schema.' },
  BAD_ADP_FORMAT: { status: 400, message: 'The request body must have an adpContainer.' },
  SECRETARIAT_ONLY: { status: 403, message: 'This information can only be viewed or modified by the Secretariat.' },
  CNA_ONLY: { status: 403, message: 'This information can only be viewed or modified by a CNA or the Secretariat.' },
  ADP_ONLY: { status: 403, message: 'This action can only be performed by an ADP or the Secretariat.' },
  ORG_HAS_NO_PARTNER_ROLE: { status: 403, message: 'The organization has no partner role.' },
  NOT_ORG_ADMIN_OR_SECRETARIAT: { status: 403, message: 'This action can only be performed by an admin of the organization or the Secretariat.' },
  ORG_DOES_NOT_OWN_ID: { status: 403, message: 'The organization does not own this CVE ID.' },
  ORG_CANNOT_RESERVE_FOR_OTHER: { status: 403, message: 'Your organization cannot reserve CVE IDs for another organization.' },
  NO_BATCH_TYPE: { status: 400, message: "batch_type is required when amount is greater than 1." },
  INVALID_AMOUNT: { status: 400, message: 'amount must be greater than 0.' },
  INVALID_BATCH_TYPE: { status: 400, message: "batch_type must be 'sequential' or 'nonsequential'." },
  ORG_DNE: { status: 403, message: 'The organization designated by the short_name query parameter does not exist.' },
  ORG_DNE_404: { status: 404, wire: 'ORG_DNE', message: 'The organization does not exist.' },
  EXCEEDED_ID_QUOTA: { status: 403, message: 'The amount of CVE IDs requested exceeds the remaining quota of the organization.' },
  RESERVATION_IN_PROGRESS: { status: 403, message: 'A reservation for this organization is in progress; try again.' },
  OVER_NONSEQUENTIAL_MAX_AMOUNT: { status: 403, message: 'Non-sequential reservations are limited to 10 CVE IDs.' },
  CANNOT_RESERVE_FOR_YEAR: { status: 403, message: 'CVE IDs cannot be reserved for this year.' },
  YEAR_RANGE_FULL: { status: 403, message: 'There are no CVE IDs left in this year.' },
  RESERVED_PARTIAL_AMOUNT: { status: 206, message: 'Only part of the requested amount of CVE IDs could be reserved.' },
  CVE_ID_NOT_FOUND: { status: 404, message: 'The CVE ID was not found.' },
  CANNOT_CHANGE_CVE_ID_WITH_RECORD: { status: 403, message: 'The state of a CVE ID with a CVE record cannot be changed directly.' },
  TRANSITION_STATE_RESERVED_NO_QUOTA: { status: 403, message: 'The organization has no quota left to move this CVE ID to RESERVED.' },
  YEAR_RANGE_EXISTS: { status: 400, message: 'The CVE ID range for this year already exists.' },
  CVE_RECORD_DNE: { status: 404, message: 'The cve record for the cve id does not exist.' },
  CVE_RECORD_DNE_UPDATE: { status: 403, wire: 'CVE_RECORD_DNE', message: 'The cve record for the cve id does not exist.' },
  CVE_RECORD_DNE_REJECT: { status: 400, wire: 'CVE_RECORD_DNE', message: 'The cve record for the cve id does not exist.' },
  CVE_RECORD_EXISTS: { status: 403, message: 'The cve record for the cve id already exists.' },
  CVE_RECORD_EXISTS_REJECT: { status: 400, wire: 'CVE_RECORD_EXISTS', message: 'The cve record for the cve id already exists.' },
  CVEID_DNE: { status: 400, message: 'The CVE ID does not exist.' },
  CVEID_DNE_SECRETARIAT: { status: 403, wire: 'CVEID_DNE', message: 'The CVE ID does not exist.' },
  CVEID_ORG_DOES_NOT_MATCH: { status: 403, message: "The CVE ID is not owned by the requester's organization." },
  CVEID_MISMATCH: { status: 400, message: 'The CVE ID in the path does not match cveMetadata.cveId.' },
  CVE_UNSUPPORTED_RECORD_STATE: { status: 400, message: 'Records in state RESERVED cannot be stored.' },
  CVE_RECORD_REJECTED: { status: 403, message: 'ADP containers cannot be added to a REJECTED record.' },
  BAD_USAGE_CNA_MODIFIED: { status: 400, message: 'cna_modified needs time_modified.lt or time_modified.gt.' },
  ORG_DNE_PARAM: { status: 404, message: 'The organization designated by the shortname parameter does not exist.' },
  USER_DNE: { status: 404, message: 'The user does not exist.' },
  NOT_SAME_ORG_OR_SECRETARIAT: { status: 403, message: 'This information can only be viewed by users of the same organization or the Secretariat.' },
  NOT_SAME_USER_OR_SECRETARIAT: { status: 403, message: 'This information can only be changed by the same user, an admin of the organization or the Secretariat.' },
  NOT_ORG_ADMIN_OR_SECRETARIAT_UPDATE: { status: 403, message: 'Only an admin of the organization or the Secretariat may change this field.' },
  NOT_ALLOWED_TO_CHANGE_ORGANIZATION: { status: 403, message: "Only the Secretariat may change a user's organization." },
  NOT_ALLOWED_TO_SELF_DEMOTE: { status: 403, message: 'An admin cannot remove their own ADMIN role.' },
  DUPLICATE_USERNAME: { status: 403, message: 'The username is already used in this organization.' },
  USER_ALREADY_IN_ORG: { status: 403, message: 'The user is already in that organization.' },
  DUPLICATE_SHORTNAME: { status: 403, message: 'The short name is already used by another organization.' },
  ORG_EXISTS: { status: 400, message: 'The organization already exists.' },
  USER_EXISTS: { status: 400, message: 'The user already exists.' },
  UUID_PROVIDED: { status: 400, message: 'UUIDs are set by the server and cannot be provided.' },
  NUMBER_OF_USERS_IN_ORG_LIMIT_REACHED: { status: 400, message: 'The organization has reached its limit of 100 users.' },
  TOO_MANY_REQUESTS: { status: 429, message: 'Too many requests. Please try again later.' },
  NOT_FOUND: { status: 404, message: '404: resource not found' },
  CSRF_TOKEN_INVALID: { status: 403, message: 'The form was not accepted: its security token is missing or out of date (CSRF check). Reload the page and try again.' },
  UPSTREAM_REFUSED: { status: 502, message: 'The upstream CVE Services refused the request.' },
  UPSTREAM_AUTH_FAILED: { status: 502, message: "The upstream CVE Services did not accept this server's credentials for the organization: an org admin must set the upstream key again (/cna/upstream)." },
  UPSTREAM_UNAVAILABLE: { status: 503, message: 'The upstream CVE Services could not be reached. Nothing was changed; please try again later.' },
  UPSTREAM_ID_CONFLICT: { status: 409, message: 'Upstream reserved CVE IDs that this server has already given to another organization.' },
  UPSTREAM_MANAGED: { status: 409, message: "This organization's CVE IDs and records are managed through its upstream CVE Services; this change cannot be relayed there." },
  SERVICE_NOT_AVAILABLE: { status: 500, message: 'This service appears to not be available.' },
} as const satisfies Record<string, ErrorSpec>;

export type CnaErrorCode = keyof typeof CNA_ERRORS;

/** One BAD_INPUT detail, as express-validator words it (spec §1.5, shape 2). */
export interface ParamProblem {
  readonly msg: string;
  readonly param: string;
  readonly location: 'query' | 'params' | 'body';
}

/**
 * @example
 * throw new CnaError('CVE_ID_NOT_FOUND', { message: 'CVE-2025-0001 not found' });
 */
export class CnaError extends Error {
  override readonly name = 'CnaError';
  readonly code: CnaErrorCode;
  readonly details?: unknown;
  /** Extra top-level body keys (the 206 answer carries `cve_ids` and `meta`). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Response headers (e.g. `CVE-API-REMAINING-QUOTA`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** An upstream refusal passed through: its status and its `{ error, message, details? }` body as sent. */
  readonly passThrough?: { readonly status: number; readonly body: Readonly<Record<string, unknown>> };

  constructor(
    code: CnaErrorCode,
    opts: {
      readonly message?: string;
      readonly details?: unknown;
      readonly extra?: Readonly<Record<string, unknown>>;
      readonly headers?: Readonly<Record<string, string>>;
      readonly passThrough?: { readonly status: number; readonly body: Readonly<Record<string, unknown>> };
    } = {},
  ) {
    super(opts.message ?? CNA_ERRORS[code].message);
    this.code = code;
    this.details = opts.details;
    this.extra = opts.extra;
    this.headers = opts.headers;
    this.passThrough = opts.passThrough;
  }

  get status(): number {
    return this.passThrough?.status ?? CNA_ERRORS[this.code].status;
  }

  /** The body CVE Services sends: `{ error, message, details? }` (plus `extra`). */
  body(): Record<string, unknown> {
    if (this.passThrough) return { ...this.passThrough.body };
    const spec: ErrorSpec = CNA_ERRORS[this.code];
    return { error: spec.wire ?? this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }), ...this.extra };
  }
}

export const badInput = (problems: readonly ParamProblem[]): CnaError => new CnaError('BAD_INPUT', { details: problems });
