/**
 * @module Output formats for CVE records (X1520-6.10 CVE-output, Annex B, Annex C): MITRE's
 * cve_1.0 XML, plain text, CSV, Atom and RSS feeds, and NVD CVE API 2.0 shapes. Each
 * states the date of the CVE content it was built from (X1520-9.1). Pure: no I/O; the
 * document writers return strings piece by piece so exports stream.
 */
export type { ContentDate, ContentStatus } from './content-date.ts';
export { contentAsOfLine, contentDateOf, contentFields } from './content-date.ts';
export { toXmlChars, xmlText, xmlAttr, xmlComment, visibleText, oneLine, truncate } from './escape.ts';
export {
  CVE_XML_NAMESPACE,
  CVE_XML_SCHEMA_VERSION,
  cveXmlHeader,
  cveXmlFooter,
  toCveXmlItem,
  cveXmlChunks,
  cveXmlRefSource,
  rejectedDescription,
  toAnyUri,
} from './cve-xml.ts';
export type { RecordWithSummary } from './cve-xml.ts';
export { toText, toTextListLine, textListHeader, toTextList } from './text.ts';
export type { TextOptions } from './text.ts';
export { highestMetric } from './highest-metric.ts';
export { CSV_COLUMNS, csvHeader, csvLine, toCsvCells, toCsvRow, defuseCsvCell } from './csv.ts';
export type { CsvColumn } from './csv.ts';
export { FEED_ENTRY_KINDS, feedEntryOf, atomFeed, rssFeed } from './feeds.ts';
export type { FeedEntry, FeedEntryKind, FeedOptions } from './feeds.ts';
export {
  NVD_VULN_STATUSES,
  NVD_CVSS_VERSIONS,
  NVD_METRIC_KEYS,
  NVD_SEVERITIES,
  NVD_REFERENCE_TAGS,
  toNvdCve,
  toNvdDate,
  nvdEnvelope,
  nvdPageStart,
  nvdPageItem,
  nvdPageEnd,
  nvdPageChunks,
} from './nvd.ts';
export type {
  NvdVulnStatus,
  NvdCvssVersion,
  NvdSeverity,
  NvdLangString,
  NvdCve,
  NvdCvssMetric,
  NvdMetrics,
  NvdWeakness,
  NvdCpeMatch,
  NvdNode,
  NvdConfiguration,
  NvdReference,
  NvdCveTag,
  NvdKevInput,
  NvdExtra,
  NvdEnvelope,
  NvdEnvelopeInput,
  NvdCveContent,
} from './nvd.ts';
