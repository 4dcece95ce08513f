/**
 * @module Vendor security advisories as CSAF 2.0 documents: validation (the OASIS JSON schema and
 * the mandatory tests of §6.1), building from advisory input or CVE JSON 5 records, revisions, and
 * HTML and plain-text renderings. Pure: no store access.
 */
export type * from './types.ts';
export { CSAF_DOCUMENT_STATUSES, CSAF_PRODUCT_STATUSES } from './types.ts';
export { validateCsaf, parseCsafJson, IMPLEMENTED_MANDATORY_TESTS } from './validate.ts';
export type { ValidateCsafOptions, ParsedCsaf } from './validate.ts';
export type { CweCatalog } from './cwe.ts';
export { AdvisoryError, ADVISORY_ERRORS } from './errors.ts';
export type { AdvisoryErrorCode } from './errors.ts';
export { buildCsafAdvisory } from './build.ts';
export type { AdvisoryInput, VulnerabilityInput, RemediationInput, CreditInput, BuildOptions } from './build.ts';
export { fromCveRecord } from './from-cve.ts';
export type { FromCveRecordOptions } from './from-cve.ts';
export { reviseAdvisory } from './revise.ts';
export type { AdvisoryChange } from './revise.ts';
export { advisoryToHtml, advisoryToText } from './render.ts';
