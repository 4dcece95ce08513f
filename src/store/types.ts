/**
 * @module The one store interface. SQLite (`sqlite/`) and PostgreSQL (`postgres/`)
 * implement it; the same suite (`store.case.test.ts`) runs on both.
 *
 * Every method is async so both backends fit; every write that belongs together is
 * one transaction, so a crash (even `kill -9`) leaves the store consistent.
 */
import type { CveId, RecordState, RecordSummary } from '../cve/index.ts';
import type { DisclosureStore } from './disclosure-types.ts';
import type { SearchStore } from './search-types.ts';
import type { CnaStore } from './cna-types.ts';
import type { EnrichStore } from './enrich-types.ts';
import type { SummaryRows } from './rows.ts';
import type { TableAccess } from './table-types.ts';

export type StoreKind = 'sqlite' | 'postgres';

/** One record ready to store: parsed, validated, summarised, hashed. */
export interface RecordWrite {
  readonly cveId: CveId;
  /** The CVE JSON 5 record, minified (key order as published). */
  readonly json: string;
  /** sha256 (hex) of `json`: same content, same hash, no new version. */
  readonly hash: string;
  readonly summary: RecordSummary;
  /**
   * What the store derives from `summary` (its columns and index rows), when the writer
   * computed it already (an import does so on its worker thread): exactly
   * `summaryRows(cveId, summary)`; the store then uses it instead of computing it again.
   */
  readonly rows?: SummaryRows;
  /** `cveMetadata.dateUpdated` (or the newest date the record carries), ISO 8601. */
  readonly dateUpdated: string;
  /** Source id (see `SourceInfo.id`). */
  readonly source: string;
  /** Where in the input the record came from (file path, line), for history. */
  readonly origin?: string;
  /**
   * When true the write becomes current even if its dateUpdated is older than the
   * current version's (used by a CNA's own local edits, never by upstream imports).
   */
  readonly force?: boolean;
}

/**
 * What happened to one write:
 * - added: first version of a new CVE name
 * - updated: a new version that became current
 * - unchanged: this exact content is already a version of the record (no new version)
 * - older: a new version kept in history, older than the current one (not current)
 * - protected: an upstream write to a record owned locally (kept in history, not current)
 */
export type WriteOutcome = 'added' | 'updated' | 'unchanged' | 'older' | 'protected';

export interface BatchResult {
  readonly outcomes: readonly WriteOutcome[];
}

/** A resumable job's progress, saved in the same transaction as the batch it follows. */
export interface JobCheckpoint {
  readonly jobId: string;
  /** Opaque position in the input (e.g. `{"next":1200}`), JSON. */
  readonly position: string;
  /**
   * The job's totals BEFORE this batch's writes. In the same transaction the store adds
   * one per write outcome (`added`, `updated`, `unchanged`, `older`, `protected`) and one
   * `rejected` per REJECTED record that became current, and saves the sum as the job's
   * counts, so a resumed job neither loses nor double-counts.
   */
  readonly counts: Readonly<Record<string, number>>;
  /** Quarantine entries found in this batch, stored in the same transaction (no loss, no duplicates on resume). */
  readonly quarantine?: readonly QuarantineInput[];
  /**
   * The job may load in bulk mode: when this batch is the first to write into a store
   * without records, a store that has a bulk path (SQLite) drops the secondary indexes
   * and stages the full text instead of indexing it per record, and records "bulk load
   * pending" in this same transaction; `finishBulkLoad` builds what was left out.
   * Ignored by stores without a bulk path (PostgreSQL) and on a store with records.
   */
  readonly bulkLoad?: boolean;
}

/** A bulk load whose index build is still to do (see `JobCheckpoint.bulkLoad`). */
export interface BulkLoadInfo {
  /** The import job that started it. */
  readonly jobId: string;
  readonly startedAt: string;
  /** The process loading it (host name and process id), so other processes leave its build to it. */
  readonly host?: string;
  readonly pid?: number;
}

export interface FinishBulkLoadOptions {
  /**
   * The job asking: a bulk load is built at once when this is its own job, or when the
   * process loading it is gone (killed, failed, another host's and idle). While its loader
   * runs, other callers leave it alone (their writes are staged too) and get `false`.
   */
  readonly jobId?: string;
}

export interface MigrateOptions {
  /**
   * Leave a pending bulk load pending (the import that continues it does the build at
   * its end). By default `migrate` completes it (`finishBulkLoad`) unless the process
   * loading it is still running, which is what `cvekit db migrate`, `cvekit serve` and the
   * other commands rely on after a crashed or failed import.
   */
  readonly keepBulkLoad?: boolean;
}

export interface JobInfo {
  readonly id: string;
  /** Identity of the input (path, size, mtime, or URL + etag). */
  readonly key: string;
  readonly kind: string;
  readonly status: 'running' | 'done' | 'failed';
  readonly position: string | null;
  readonly counts: Readonly<Record<string, number>>;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly error?: string;
}

export interface StoredRecord {
  readonly cveId: CveId;
  readonly state: RecordState;
  readonly json: string;
  readonly hash: string;
  readonly version: number;
  readonly dateUpdated: string;
  readonly source: string;
  readonly arrivedAt: string;
}

export interface VersionInfo {
  readonly cveId: CveId;
  /** 1, 2, 3… in arrival order. */
  readonly version: number;
  readonly hash: string;
  readonly dateUpdated: string;
  readonly source: string;
  readonly origin?: string;
  readonly arrivedAt: string;
  readonly current: boolean;
}

export interface StoredVersion extends VersionInfo {
  readonly json: string;
}

export interface RecordCounts {
  readonly total: number;
  readonly byState: Readonly<Record<string, number>>;
  readonly versions: number;
  readonly quarantined: number;
}

export interface SourceInfo {
  /** e.g. `cvelistV5`, `jsonl`, `cna:acme`, `kev`, `cwe`. */
  readonly id: string;
  readonly kind: string;
  readonly description?: string;
  /** Where it was last read from (path or URL). */
  readonly location?: string;
  readonly lastSyncAt?: string;
  /** The newest `dateUpdated` (content date) seen from this source (X1520-9.1). */
  readonly contentDate?: string;
  readonly release?: string;
  readonly commit?: string;
  readonly nextSyncAt?: string;
  readonly lastError?: string;
  readonly counts: Readonly<Record<string, number>>;
}

export interface QuarantineInput {
  readonly source: string;
  /** Where: file path and line, zip entry, URL. */
  readonly position: string;
  readonly cveId?: string;
  /** Machine-readable reason code, e.g. `SCHEMA`, `JSON_SYNTAX`, `ID_MISMATCH`. */
  readonly code: string;
  /** JSON path of the problem, e.g. `/containers/cna/descriptions/0/value`. */
  readonly path?: string;
  readonly message: string;
  readonly raw: Uint8Array;
}

export interface QuarantineItem extends Omit<QuarantineInput, 'raw'> {
  readonly id: number;
  readonly createdAt: string;
  readonly status: 'open' | 'retried' | 'dismissed';
  readonly size: number;
}

export interface QuarantineFilter {
  readonly status?: QuarantineItem['status'];
  readonly source?: string;
  readonly limit?: number;
  readonly afterId?: number;
}

export interface KevEntry {
  readonly cveId: CveId;
  readonly vendorProject: string;
  readonly product: string;
  readonly vulnerabilityName: string;
  readonly dateAdded: string;
  readonly shortDescription: string;
  readonly requiredAction: string;
  readonly dueDate: string;
  readonly knownRansomwareCampaignUse: string;
  readonly notes: string;
  readonly cwes: readonly string[];
}

export interface KevCatalog {
  readonly catalogVersion: string;
  readonly dateReleased: string;
  readonly entries: readonly KevEntry[];
}

export interface KevChange {
  readonly cveId: CveId;
  readonly change: 'added' | 'removed';
  readonly catalogVersion: string;
  readonly at: string;
}

export interface KevImportResult {
  readonly added: number;
  readonly removed: number;
  readonly unchanged: number;
  readonly total: number;
}

export interface CweEntry {
  /** `CWE-79` */
  readonly id: string;
  readonly name: string;
  /** weakness | category | view */
  readonly type: string;
  readonly abstraction?: string;
  readonly status?: string;
  readonly description?: string;
}

export interface MigrationResult {
  readonly applied: readonly string[];
  readonly current: number;
}

export interface Store {
  readonly kind: StoreKind;
  /** Human description without secrets, e.g. `sqlite:./data/cvekit.db`. */
  readonly location: string;
  /** Coordinated disclosure: reports, cases, messages, audit, outbound queue (issue 6). */
  readonly disclosure: DisclosureStore;
  /** Full text, filters, facets, stats, change feeds and exports (`search-types.ts`). */
  readonly search: SearchStore;
  /** The CNA service's orgs, users, CVE IDs, records and audit log (`cna-types.ts`). */
  readonly cna: CnaStore;
  /** NVD, EPSS and MITRE legacy data beside the CVE records, and mapping issues (`enrich-types.ts`). */
  readonly enrich: EnrichStore;
  /** Every table at once: a consistent snapshot, a load into an empty store (`cvekit db copy`). */
  readonly tables: TableAccess;
  /**
   * A consistent copy of the whole store in the file `path`, taken while others read and
   * write it (SQLite's online backup); only stores kept in one file have it.
   */
  backupTo?(path: string): Promise<{ readonly pages: number; readonly bytes: number }>;

  /** Apply pending numbered migrations; safe to call on every start and from several processes. */
  migrate(opts?: MigrateOptions): Promise<MigrationResult>;
  close(): Promise<void>;

  // --- records -------------------------------------------------------------
  /**
   * Store a batch atomically: versions, current pointers, derived index rows,
   * full-text rows, the job checkpoint and the source's stats, all or nothing.
   * Writes in one batch must have distinct cveIds.
   */
  writeBatch(writes: readonly RecordWrite[], checkpoint?: JobCheckpoint): Promise<BatchResult>;
  /** The pending bulk load, if an import left one unfinished (always undefined on PostgreSQL). */
  pendingBulkLoad(): Promise<BulkLoadInfo | undefined>;
  /**
   * Complete a pending bulk load: create the indexes it dropped and fill the full-text
   * index in one pass, in one transaction (a crash rolls it back; calling again redoes
   * it). True when there was one to complete.
   */
  finishBulkLoad(opts?: FinishBulkLoadOptions): Promise<boolean>;
  getRecord(cveId: CveId): Promise<StoredRecord | undefined>;
  /** Hashes of current versions, for many ids at once (fast unchanged check). */
  getCurrentHashes(cveIds: readonly CveId[]): Promise<Map<CveId, string>>;
  listVersions(cveId: CveId): Promise<VersionInfo[]>;
  getVersion(cveId: CveId, version: number): Promise<StoredVersion | undefined>;
  /** CVE names whose current version has the given replacement target (reverse lookup). */
  findReplacing(target: CveId): Promise<CveId[]>;
  counts(): Promise<RecordCounts>;
  /** All current ids with their hashes, in id order, for reconciling against a baseline. */
  iterateCurrent(opts?: { readonly batchSize?: number; readonly source?: string }): AsyncIterable<{ cveId: CveId; hash: string; state: RecordState }>;

  // --- sources and content dates (X1520-9.1, 9.2) ---------------------------
  upsertSource(source: Partial<SourceInfo> & { readonly id: string; readonly kind: string }): Promise<void>;
  getSource(id: string): Promise<SourceInfo | undefined>;
  listSources(): Promise<SourceInfo[]>;

  // --- quarantine ------------------------------------------------------------
  addQuarantine(item: QuarantineInput): Promise<number>;
  listQuarantine(filter?: QuarantineFilter): Promise<QuarantineItem[]>;
  getQuarantine(id: number): Promise<(QuarantineItem & { readonly raw: Uint8Array }) | undefined>;
  setQuarantineStatus(id: number, status: QuarantineItem['status']): Promise<void>;

  // --- jobs (resumable imports) ------------------------------------------------
  startJob(key: string, kind: string): Promise<JobInfo>;
  getJob(key: string): Promise<JobInfo | undefined>;
  finishJob(id: string, status: 'done' | 'failed', counts: Readonly<Record<string, number>>, error?: string): Promise<void>;

  // --- small durable state (sync positions and the like) -----------------------
  /** A value saved under `key` (e.g. `sync:https://…` → JSON), or undefined. */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /**
   * Compare and set: `key` becomes `next` (undefined removes it) only while it still holds
   * `expected` (undefined: absent), atomically against other processes. True when it did.
   * What leases (`lease.ts`) are made of.
   */
  swapMeta(key: string, expected: string | undefined, next: string | undefined): Promise<boolean>;

  // --- KEV and CWE -------------------------------------------------------------
  /** Replace the KEV catalog; records added/removed entries in history. Idempotent per catalogVersion. */
  importKev(catalog: KevCatalog): Promise<KevImportResult>;
  getKev(cveId: CveId): Promise<KevEntry | undefined>;
  kevHistory(cveId?: CveId): Promise<KevChange[]>;
  importCwe(entries: readonly CweEntry[], version: string): Promise<number>;
  getCwe(id: string): Promise<CweEntry | undefined>;
  getCwes(ids: readonly string[]): Promise<Map<string, CweEntry>>;
}
