/**
 * @module The enrichment sub-store (issue 7): what other sources say about CVE names, each
 * kept as a source of its own beside the CVE JSON 5 records, never replacing them.
 *
 * - NVD: one current record per CVE name (by `lastModified`) and every version seen, unique
 *   by content hash; the CVE Change History events; CPE dictionary products and CPE match
 *   strings.
 * - EPSS: one score per CVE name and score date (model version, score, percentile): the
 *   history of a CVE's scores.
 * - MITRE's legacy formats: one entry per CVE name and format (`allitems.xml`, CVRF, CSV),
 *   with its old CAN- name, markers and replacement names.
 * - Mapping issues: a source record naming a CVE name the repository does not know, or knows
 *   as rejected with a replacement (X1520-7.5: reported to the source's owner).
 */
import type { CveId, RecordState } from '../cve/index.ts';

/** One NVD record ready to store: the NVD's `cve` object (or 1.1 `CVE_Items` element) as read. */
export interface NvdRecordWrite {
  readonly cveId: CveId;
  /** `api-2.0` or `feed-1.1`: how to read `json` back. */
  readonly format: 'api-2.0' | 'feed-1.1';
  /** The record as NVD wrote it, minified. */
  readonly json: string;
  /** sha256 (hex) of `json`: the same content is never a second version. */
  readonly hash: string;
  /** ISO 8601 UTC: orders versions; the newest is current. */
  readonly lastModified: string;
  readonly published: string;
  readonly vulnStatus?: string;
  readonly sourceIdentifier?: string;
  /** Where it came from (file, URL and page). */
  readonly origin?: string;
}

/** added: first NVD record of the name; updated: a newer version, now current; unchanged: same hash; older: kept in history only. */
export type NvdWriteOutcome = 'added' | 'updated' | 'unchanged' | 'older';

export interface NvdVersionInfo {
  readonly cveId: CveId;
  readonly version: number;
  readonly hash: string;
  readonly lastModified: string;
  readonly vulnStatus?: string;
  readonly origin?: string;
  readonly arrivedAt: string;
  readonly current: boolean;
}

export interface StoredNvdRecord extends NvdVersionInfo {
  readonly format: 'api-2.0' | 'feed-1.1';
  readonly published: string;
  readonly sourceIdentifier?: string;
  readonly json: string;
}

/** One CVE Change History event, unique by NVD's `cveChangeId`. */
export interface NvdChangeWrite {
  readonly cveChangeId: string;
  readonly cveId: CveId;
  readonly eventName: string;
  readonly created: string;
  readonly sourceIdentifier?: string;
  /** The event as mapped (`NvdChangeEvent`), JSON. */
  readonly json: string;
}

/** A CPE dictionary product (`cpe`, keyed by cpeNameId) or a CPE match string (`cpe-match`, keyed by matchCriteriaId or criteria). */
export interface NvdCpeWrite {
  readonly kind: 'cpe' | 'cpe-match';
  readonly key: string;
  readonly name: string;
  readonly lastModified?: string;
  readonly hash: string;
  readonly json: string;
}

export interface EpssScoreWrite {
  readonly cveId: CveId;
  readonly epss: number;
  readonly percentile: number;
}

export interface EpssPoint {
  readonly cveId: CveId;
  /** ISO 8601: the day the score is for. */
  readonly scoreDate: string;
  readonly modelVersion: string;
  readonly epss: number;
  readonly percentile: number;
}

/** The formats of MITRE's legacy CVE List (the `format` of `LegacyEntry.source`). */
export type LegacyFormatId = 'cve-1.0-xml' | 'cvrf-1.1' | 'allitems-csv';

export interface LegacyEntryWrite {
  readonly cveId: CveId;
  readonly format: LegacyFormatId;
  /** `CAN-1999-0001` for a candidate. */
  readonly originalName: string;
  readonly status?: string;
  readonly phase?: string;
  readonly rejected: boolean;
  readonly reserved: boolean;
  readonly disputed: boolean;
  /** Names the reject text says to use instead. */
  readonly replacedBy: readonly CveId[];
  /** The `LegacyEntry`, JSON. */
  readonly json: string;
  readonly hash: string;
  /** The file's version or date, when it says (`2023.04.16.23`). */
  readonly release?: string;
  readonly origin?: string;
}

export interface StoredLegacyEntry extends LegacyEntryWrite {
  readonly firstSeen: string;
  readonly lastSeen: string;
}

/** added / updated (another text for the same name and format) / unchanged. */
export type LegacyWriteOutcome = 'added' | 'updated' | 'unchanged';

export const MAPPING_ISSUE_KINDS = [
  /** The source names a CVE this repository does not know. */
  'unknown-cve',
  /** The repository knows the name as REJECTED with a replacement: the source should use the replacement. */
  'rejected-replaced',
  /** The repository knows the name as REJECTED (no replacement) but the source treats it as live. */
  'rejected-live',
] as const;
export type MappingIssueKind = (typeof MAPPING_ISSUE_KINDS)[number];

export interface MappingIssueInput {
  /** Source id: `nvd`, `epss`, `mitre-legacy`. */
  readonly source: string;
  /** The record in the source: `vulnerabilities[17]`, `line 12`, a URL and page. */
  readonly record: string;
  readonly cveId: CveId;
  readonly kind: MappingIssueKind;
  /** What the repository knows, in words (`REJECTED, replaced by CVE-2024-1234`). */
  readonly detail: string;
}

export interface MappingIssue extends MappingIssueInput {
  readonly id: number;
  readonly status: 'open' | 'resolved';
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface MappingIssueFilter {
  readonly source?: string;
  readonly kind?: MappingIssueKind;
  readonly status?: MappingIssue['status'];
  readonly limit?: number;
  /** Keyset paging: issues with a larger id. */
  readonly afterId?: number;
}

/** What the repository knows of a CVE name, for mapping checks. */
export interface KnownRecord {
  readonly state: RecordState;
  /** Replacement targets of the current version (replaced-by and duplicate-of). */
  readonly replacedBy: readonly CveId[];
}

export interface EnrichCounts {
  readonly nvdRecords: number;
  readonly nvdVersions: number;
  readonly nvdChanges: number;
  readonly cpe: number;
  readonly cpeMatch: number;
  readonly epssCves: number;
  readonly epssScores: number;
  readonly legacyEntries: number;
  readonly mappingIssuesOpen: number;
}

export interface EnrichStore {
  /**
   * Runs a long import (a 150 MB legacy file, a year of NVD feeds) with this process's caches
   * capped: on SQLite the connection's page cache is 8 MiB instead of the store's 64 MiB while
   * `run` runs (restored after), so the import's memory stays bounded; on PostgreSQL the cache
   * is the server's and `run` just runs.
   */
  bulkImport<T>(run: () => Promise<T>): Promise<T>;
  /**
   * Store NVD records in one transaction, with `meta` (a sync cursor) saved in the same
   * transaction, so a resumed sync neither loses nor repeats a page. Writes in one call must
   * have distinct CVE names.
   */
  writeNvdRecords(writes: readonly NvdRecordWrite[], meta?: { readonly key: string; readonly value: string }): Promise<NvdWriteOutcome[]>;
  getNvdRecord(cveId: CveId): Promise<StoredNvdRecord | undefined>;
  getNvdVersion(cveId: CveId, version: number): Promise<StoredNvdRecord | undefined>;
  listNvdVersions(cveId: CveId): Promise<NvdVersionInfo[]>;
  /** Idempotent by `cveChangeId`; returns how many were new. */
  writeNvdChanges(changes: readonly NvdChangeWrite[]): Promise<number>;
  listNvdChanges(cveId: CveId): Promise<NvdChangeWrite[]>;
  /** Insert or replace by (kind, key) when the hash differs; returns how many were added or changed. */
  writeNvdCpe(items: readonly NvdCpeWrite[]): Promise<number>;
  getNvdCpe(kind: NvdCpeWrite['kind'], key: string): Promise<NvdCpeWrite | undefined>;

  /** Scores of one day; idempotent per (CVE, score date). Returns how many were new or changed. */
  writeEpssScores(scores: readonly EpssScoreWrite[], scoreDate: string, modelVersion: string): Promise<number>;
  /** A CVE's scores, oldest first. */
  epssHistory(cveId: CveId): Promise<EpssPoint[]>;

  writeLegacyEntries(entries: readonly LegacyEntryWrite[]): Promise<LegacyWriteOutcome[]>;
  /** Every legacy format's entry for the name. */
  getLegacyEntries(cveId: CveId): Promise<StoredLegacyEntry[]>;

  /** State and replacements of known names (absent: unknown). */
  knownRecords(cveIds: readonly CveId[]): Promise<Map<CveId, KnownRecord>>;
  /** Insert, or refresh `lastSeen`/`detail`/`record` (reopening) of an issue with the same (source, CVE, kind). */
  recordMappingIssues(issues: readonly MappingIssueInput[], at: string): Promise<void>;
  /** Resolve a source's open issues about these names (the source's record now agrees with the repository). */
  clearMappingIssues(source: string, cveIds: readonly CveId[]): Promise<void>;
  /** Mark issues resolved (the repository now knows the name, or the source stopped naming it). */
  resolveMappingIssues(ids: readonly number[]): Promise<void>;
  listMappingIssues(filter?: MappingIssueFilter): Promise<{ readonly items: MappingIssue[]; readonly total: number }>;
  /** Issues about one CVE name, every source. */
  mappingIssuesFor(cveId: CveId): Promise<MappingIssue[]>;

  counts(): Promise<EnrichCounts>;
}
