/**
 * @module Enrichment and legacy sources, parsed into plain typed records ready to store: NVD
 * (CVE API 2.0 answers, 2.0 and 1.1 feeds, change history, CPE, CPE match) and its sync
 * planner, FIRST's EPSS scores, MITRE's legacy `allitems.xml`, CVRF and CSV. Streaming
 * throughout; per-record problems are `RecordIssue`s, broken documents `EnrichError`s.
 */
export { EnrichError, ENRICH_ERROR_CODES, RECORD_ISSUE_CODES, ENRICH_SOURCES } from './errors.ts';
export type { EnrichErrorCode, RecordIssue, RecordIssueCode, EnrichSource } from './errors.ts';
export type { ByteInput, ByteLimits } from './input.ts';
export { toIsoDate, isCpe23 } from './fields.ts';
export { readNvd, parseNvd, NVD_VULN_STATUSES, NVD_CVSS_VERSIONS } from './nvd.ts';
export type {
  NvdEvent,
  NvdDocument,
  NvdReadOptions,
  NvdEnvelope,
  NvdCounts,
  NvdCveRecord,
  NvdVulnStatus,
  NvdCvssVersion,
  NvdSeverity,
  NvdMetric,
  NvdWeakness,
  NvdConfiguration,
  NvdNode,
  NvdCpeMatch,
  NvdReference,
  NvdKev,
  NvdLangString,
  NvdChangeEvent,
  NvdChangeDetail,
  NvdCpeProduct,
  NvdCpeMatchString,
} from './nvd.ts';
export {
  syncNvdCves,
  fetchNvdPage,
  startNvdSync,
  resumeOrNext,
  parseNvdCursor,
  advanceCursor,
  cursorWindow,
  planWindows,
  nvdPageUrl,
  RateLimiter,
  NvdClientError,
  systemClock,
  NVD_CVE_API_URL,
  NVD_MAX_WINDOW_DAYS,
  NVD_PAGE_SIZE,
  NVD_RATE_LIMITS,
  NVD_CLIENT_ERROR_CODES,
} from './nvd-client.ts';
export type { NvdSyncCursor, NvdWindow, NvdClock, NvdClientOptions, NvdSyncPage, NvdRetryInfo, NvdClientErrorCode } from './nvd-client.ts';
export { readEpss, parseEpss, parseEpssComment } from './epss.ts';
export type { EpssEvent, EpssHeader, EpssScore, EpssOptions } from './epss.ts';
export { LEGACY_FORMATS, LEGACY_STATUSES, LEGACY_VOTE_KINDS, legacyMarkers, legacyReplacements } from './legacy.ts';
export type { LegacyEntry, LegacyFormat, LegacyStatus, LegacyVote, LegacyVoteKind, LegacyReference, LegacyComment, LegacyMarkers, LegacyDocumentInfo } from './legacy.ts';
export { readLegacyXml } from './legacy-xml.ts';
export type { LegacyEvent, LegacyCounts, LegacyXmlOptions } from './legacy-xml.ts';
export { readCvrf } from './cvrf.ts';
export { readLegacyCsv } from './legacy-csv.ts';
export type { LegacyCsvOptions } from './legacy-csv.ts';
export type { XmlLimits } from './xml.ts';
// Into the repository (issue 7): imports, NVD sync, mapping checks, the merged view with provenance.
export { importNvd, importEpss, importLegacy, detectLegacyFormat, ENRICH_SOURCE_IDS } from './store-import.ts';
export type { EnrichImportOptions, EnrichImportSummary } from './store-import.ts';
export { syncNvd, NvdSyncError, NVD_CURSOR_KEY } from './store-sync.ts';
export type { NvdSyncOptions, NvdSyncReport } from './store-sync.ts';
export { mappingIssueOf, recheckMappingIssues, MappingChecker } from './mapping.ts';
export type { MappingSubject } from './mapping.ts';
export { mergeSources } from './merge.ts';
export type { MergedView, MergeInput, Claim, Field, Provenance, CvssValue, AffectedValue, KevValue, LegacyView } from './merge.ts';
export { loadMergedView, readStoredNvd } from './view.ts';
