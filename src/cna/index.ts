/**
 * @module The CNA service (issue 5): organisations, users, API keys, CVE ID reservation,
 * publishing, rejection and ADP containers with CVE Services' rules and error codes.
 * The HTTP API (`src/http/cna-api.ts`), the `cvekit cna` commands and the web workbench
 * all go through `CnaService`.
 */
export { CNA_ERRORS, CnaError, badInput } from './errors.ts';
export type { CnaErrorCode, ParamProblem } from './errors.ts';
export { generateApiKey, hashApiKey, verifyApiKey } from './keys.ts';
export { isoMs, parseQueryTime } from './time.ts';
export { FailureLimiter, SharedLimiter } from './limiter.ts';
export type { FailureCounters, LimiterOptions, SharedLimiterOptions } from './limiter.ts';
export { orgView, userView, cveIdView, redactedCveIdView } from './views.ts';
export type { IdNames, IdViewOptions } from './views.ts';
export { checkContainer, checkFullRecord, buildPublishedRecord, buildRejectedRecord, mergeAdpContainer, repositoryWrite, trimStrings } from './records.ts';
export type { SchemaProblem, ContainerKind } from './records.ts';
export {
  CnaService,
  SYSTEM_ACTOR,
  ORG_ROLES,
  USER_ROLES,
  MAX_ID_QUOTA,
  MAX_NONSEQUENTIAL,
  USERNAME,
  SHORT_NAME,
  isSecretariat,
  requireCna,
  pathCveId,
} from './service.ts';
export type { Actor, AuthenticateOptions, BatchType, CnaServiceOptions, OrgChanges, OrgInput, ReserveOutcome, ReserveParams, UserChanges, UserInput } from './service.ts';
export { CnaRelay } from './relay.ts';
export type { RelayCallOptions, RelayOptions, RelayOutcome, UpstreamInput } from './relay.ts';
export { parseSecretKey, seal, unseal } from './seal.ts';
