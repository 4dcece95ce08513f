/**
 * @module Errors of the enrichment parsers: `EnrichError` stops a document (it cannot be read
 * on: bad gzip, broken XML, a hostile DOCTYPE); a `RecordIssue` concerns one record, which is
 * skipped (`severity: 'error'`) or kept (`'warning'`) while the rest of the document is read.
 */

export const ENRICH_ERROR_CODES = [
  'ENRICH_GZIP',
  'ENRICH_UTF8',
  'ENRICH_EMPTY',
  'ENRICH_TOO_LARGE',
  'ENRICH_JSON',
  'ENRICH_JSON_TRUNCATED',
  'ENRICH_JSON_VALUE_TOO_LARGE',
  'ENRICH_NOT_NVD',
  'ENRICH_XML',
  'ENRICH_XML_ENCODING',
  'ENRICH_XML_DOCTYPE',
  'ENRICH_XML_TOO_DEEP',
  'ENRICH_XML_TEXT_TOO_LARGE',
  'ENRICH_XML_RECORD_TOO_LARGE',
  'ENRICH_XML_TRUNCATED',
  'ENRICH_XML_ROOT',
  'ENRICH_CSV',
  'ENRICH_EPSS_HEADER',
  'ENRICH_LEGACY_CSV_HEADER',
] as const;
export type EnrichErrorCode = (typeof ENRICH_ERROR_CODES)[number];

/** A document that cannot be read on. `line` where known (XML, CSV). */
export class EnrichError extends Error {
  override readonly name = 'EnrichError';
  readonly code: EnrichErrorCode;
  readonly line?: number;
  constructor(code: EnrichErrorCode, message: string, line?: number) {
    super(message);
    this.code = code;
    if (line !== undefined) this.line = line;
  }
}

export const RECORD_ISSUE_CODES = [
  /** A required field is absent (or null). */
  'FIELD_MISSING',
  /** A field is present with the wrong type, shape or syntax (a CVE name, a date, a UUID, a score). */
  'FIELD_INVALID',
  /** A value outside the documented set (a new NVD status): the record is kept. */
  'FIELD_UNKNOWN_VALUE',
  /** The record is not valid JSON, or a CSV row has the wrong number of fields. */
  'RECORD_MALFORMED',
  /** One record over the size limit: skipped without being parsed. */
  'RECORD_TOO_LARGE',
] as const;
export type RecordIssueCode = (typeof RECORD_ISSUE_CODES)[number];

/** Where a record came from, for messages and for the store's provenance. */
export const ENRICH_SOURCES = ['nvd', 'epss', 'mitre-xml', 'mitre-cvrf', 'mitre-csv'] as const;
export type EnrichSource = (typeof ENRICH_SOURCES)[number];

/**
 * One record's problem: which record, which field, why.
 *
 * @example
 * { code: 'FIELD_MISSING', severity: 'error', source: 'nvd', record: 'vulnerabilities[17]',
 *   field: 'cve.id', path: 'vulnerabilities[17].cve.id', message: 'vulnerabilities[17].cve.id is missing' }
 */
export interface RecordIssue {
  readonly code: RecordIssueCode;
  /** `error`: the record was skipped; `warning`: it was kept as read. */
  readonly severity: 'error' | 'warning';
  readonly source: EnrichSource;
  /** The record: `vulnerabilities[17]`, `line 12`, `item CVE-1999-0001`. */
  readonly record: string;
  /** The CVE name (or CPE name, change id) when it could be read. */
  readonly recordId?: string;
  /** The field inside the record (`cve.metrics.cvssMetricV31[0].cvssData.baseScore`), if one. */
  readonly field?: string;
  /** `record` and `field` joined: the full path. */
  readonly path: string;
  /** The 1-based line in the file, for line-based formats (CSV, XML). */
  readonly line?: number;
  readonly message: string;
}

/**
 * A field problem found while converting one record; the parsers catch it and turn it into a
 * `RecordIssue` for that record.
 * @internal
 */
export class FieldProblem extends Error {
  override readonly name = 'FieldProblem';
  readonly code: 'FIELD_MISSING' | 'FIELD_INVALID';
  readonly field: string;
  readonly why: string;
  constructor(code: 'FIELD_MISSING' | 'FIELD_INVALID', field: string, why: string) {
    super(`${field} ${why}`);
    this.code = code;
    this.field = field;
    this.why = why;
  }
}

/** @internal */
export function joinPath(record: string, field: string | undefined): string {
  if (!field) return record;
  if (record.startsWith('line ')) return `${record}, ${field}`;
  return field.startsWith('[') ? `${record}${field}` : `${record}.${field}`;
}

/** @internal Build an issue; the message is the path then why. */
export function recordIssue(
  base: { source: EnrichSource; record: string; recordId?: string; line?: number },
  code: RecordIssueCode,
  field: string | undefined,
  why: string,
  severity: 'error' | 'warning' = code === 'FIELD_UNKNOWN_VALUE' ? 'warning' : 'error',
): RecordIssue {
  const path = joinPath(base.record, field);
  const where = base.line !== undefined && !base.record.startsWith('line ') ? `line ${base.line}: ` : '';
  const id = base.recordId ? ` (${base.recordId})` : '';
  return {
    code,
    severity,
    source: base.source,
    record: base.record,
    ...(base.recordId ? { recordId: base.recordId } : {}),
    ...(field ? { field } : {}),
    path,
    ...(base.line !== undefined ? { line: base.line } : {}),
    message: `${where}${path} ${why}${id}`,
  };
}
