/**
 * @module CSV export rows (RFC 4180): one row per record, spreadsheet formula injection
 * defused.
 */
import type { RecordSummary } from '../cve/index.ts';
import type { ContentDate } from './content-date.ts';
import { contentAsOfLine } from './content-date.ts';
import { highestMetric } from './highest-metric.ts';
import { visibleText } from './escape.ts';

/** The columns of {@link toCsvRow}, in order; the CVE name first (X1520-6.10). */
export const CSV_COLUMNS = [
  'cveId',
  'state',
  'datePublished',
  'dateUpdated',
  'dateReserved',
  'dateRejected',
  'assigner',
  'title',
  'description',
  'vendors',
  'products',
  'cwes',
  'cvssVersion',
  'cvssScore',
  'cvssSeverity',
  'kev',
  'replacedBy',
  'contentAsOf',
] as const;
/** One of {@link CSV_COLUMNS}. */
export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** Separator inside one cell holding several values (vendors, products, CWEs, replacements). */
const LIST_SEPARATOR = '; ';

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
 * leading `'` (OWASP "CSV Injection"); every other value is unchanged.
 */
export function defuseCsvCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** RFC 4180 §2.6–2.7: quote a field holding `"`, `,`, CR or LF, doubling its quotes. */
function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * One CSV line from cells: control characters removed and bidirectional overrides shown
 * ({@link visibleText}), formula injection defused, RFC 4180 quoting, CRLF at the end.
 */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map((c) => quote(defuseCsvCell(visibleText(c)))).join(',')}\r\n`;
}

/** The header line: {@link CSV_COLUMNS}, CRLF at the end. */
export function csvHeader(): string {
  return csvLine(CSV_COLUMNS);
}

function unique(values: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const v of values) {
    const t = v.trim();
    if (t !== '' && t.toLowerCase() !== 'n/a') out.add(t);
  }
  return [...out];
}

/**
 * The raw cell values of a record, in {@link CSV_COLUMNS} order: `cvssVersion`,
 * `cvssScore`, `cvssSeverity` from the newest CVSS version present (highest score among
 * several), `kev` `yes`/`no`, `replacedBy` the names to use instead of a rejected one
 * (X1520-7.8), `contentAsOf` the content date line (X1520-9.1) when `ctx` is given.
 */
export function toCsvCells(summary: RecordSummary, ctx?: ContentDate): string[] {
  const best = highestMetric(summary.metrics);
  const d = summary.dates;
  const row: Record<CsvColumn, string> = {
    cveId: summary.cveId,
    state: summary.state,
    datePublished: d.published ?? '',
    dateUpdated: d.updated ?? '',
    dateReserved: d.reserved ?? '',
    dateRejected: d.rejected ?? '',
    assigner: summary.assignerShortName ?? summary.assignerOrgId,
    title: summary.title ?? '',
    description: summary.description,
    vendors: unique(summary.affected.map((a) => a.vendor)).join(LIST_SEPARATOR),
    products: unique(summary.affected.map((a) => a.product || a.packageName || '')).join(LIST_SEPARATOR),
    cwes: summary.cweIds.join(LIST_SEPARATOR),
    cvssVersion: best?.version ?? '',
    cvssScore: best !== undefined ? best.baseScore.toFixed(1) : '',
    cvssSeverity: best?.baseSeverity ?? '',
    kev: summary.kev !== undefined ? 'yes' : 'no',
    replacedBy: unique(summary.replacements.map((r) => r.target)).join(LIST_SEPARATOR),
    contentAsOf: ctx !== undefined ? contentAsOfLine(ctx) : '',
  };
  return CSV_COLUMNS.map((c) => row[c]);
}

/**
 * One record as an RFC 4180 CSV line ending with CRLF (see {@link toCsvCells}); pass the
 * content date so every row states it (X1520-9.1).
 *
 * @example
 * csvHeader() + toCsvRow(summary, ctx) // 'cveId,state,…\r\nCVE-2021-44228,PUBLISHED,…\r\n'
 */
export function toCsvRow(summary: RecordSummary, ctx?: ContentDate): string {
  return csvLine(toCsvCells(summary, ctx));
}
