/**
 * @module Which stored columns and rows a record's current JSON decides, by table and column
 * name, as both backends store them: what `db check` compares and `db copy --rederive` writes.
 * @internal
 */
import type { DerivedRows } from './rows.ts';

/** The `records` columns a record's current JSON decides (not `kev`: the KEV catalog adds to it). */
export const SUMMARY_COLUMNS = [
  'state', 'data_version', 'date_published', 'date_reserved', 'date_rejected', 'date_public', 'assigner_org_id',
  'assigner_short_name', 'title', 'description', 'cvss_score', 'cvss_severity', 'kev_adp', 'has_fix',
] as const;

/** `records` column → `SummaryColumns` field (`date_published` → `datePublished`). */
export const CAMEL = Object.fromEntries(SUMMARY_COLUMNS.map((c) => [c, c.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase())])) as Record<(typeof SUMMARY_COLUMNS)[number], string>;

/** The index tables: their columns after `cve_id`, how `summaryRows` gives them, their JSON column. */
export const INDEX_TABLES = {
  record_affected: {
    columns: ['ord', 'source', 'vendor', 'product', 'vendor_lc', 'product_lc', 'package_name', 'collection_url', 'default_status', 'cpes'],
    rows: (d: DerivedRows) => d.affected.map((a, i) => [i, a.source, a.vendor, a.product, a.vendorLc, a.productLc, a.packageName, a.collectionUrl, a.defaultStatus, a.cpes]),
    json: 'cpes',
  },
  record_cwes: { columns: ['cwe_id'], rows: (d: DerivedRows) => d.cwes.map((c) => [c]), json: undefined },
  record_metrics: {
    columns: ['ord', 'source', 'cvss_version', 'score', 'severity', 'vector'],
    rows: (d: DerivedRows) => d.metrics.map((m, i) => [i, m.source, m.cvssVersion, m.score, m.severity, m.vector]),
    json: undefined,
  },
  record_replacements: {
    columns: ['kind', 'target', 'origin'],
    rows: (d: DerivedRows) => d.replacements.map((r) => [r.kind, r.target, r.origin]),
    json: undefined,
  },
} as const;
export type IndexTable = keyof typeof INDEX_TABLES;
