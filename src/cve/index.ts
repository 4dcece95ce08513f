/**
 * @module The CVE domain: names in every syntax, CVE JSON 5 records, validation,
 * replacements, diffs. Pure: no I/O.
 */
export type * from './types.ts';
export { RECORD_STATES, CVSS_VERSIONS, REPLACEMENT_KINDS } from './types.ts';
export { parseCveId, normalizeCveId, notACveName, extractCveIds, compareCveIds, cveIdYear, findCveIdMatches } from './cve-id.ts';
export type { CveIdParse, CveIdMatch } from './cve-id.ts';
export { summarizeRecord, recordDateUpdated, normalizeRecordDate } from './record.ts';
export { findReplacements } from './replacements.ts';
export { validateRecord, checkEnvelope } from './validate.ts';
export type { ValidationIssue, ValidationResult, ValidateOptions } from './validate.ts';
export { diffRecords } from './diff.ts';
export type { FieldChange } from './diff.ts';
export { hashRecordBytes, hashRecordJson } from './hash.ts';
export { CveIdSet } from './cve-id-set.ts';
