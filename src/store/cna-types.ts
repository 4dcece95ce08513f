/**
 * @module The CNA sub-store: organisations, users, CVE IDs and their reservation, the CNA's
 * own CVE records, and an append-only audit log. `Store.cna` is one of these on both
 * backends (`sqlite/cna.ts`, `postgres/cna.ts`); the domain rules live in `src/cna/`.
 *
 * Concurrency: every change is one transaction with its audit entries. Rows carry a
 * `rev` counter; `save*` methods write only when the row still has the `rev` the caller
 * read (optimistic concurrency), so a caller re-reads and decides again on `'conflict'`.
 * Reservation runs wholly inside the store, under the target org's lock and the year's
 * lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL `SELECT … FOR UPDATE`), so racing callers
 * never hand out one ID twice and never exceed a quota.
 */

export type CnaOrgRole = 'SECRETARIAT' | 'CNA' | 'ADP' | 'BULK_DOWNLOAD' | 'ROOT_CNA';
export type CnaUserRole = 'ADMIN';
/** AVAILABLE is internal: a placeholder in the non-sequential pool, never shown. */
export type CnaIdState = 'AVAILABLE' | 'RESERVED' | 'PUBLISHED' | 'REJECTED';
export type CnaBatch = 'priority' | 'sequential' | 'nonsequential';

export interface CnaOrg {
  /** v4 UUID (the schema's `uuidType` needs version 4, variant 8–b). */
  readonly uuid: string;
  readonly shortName: string;
  readonly name: string;
  readonly roles: readonly CnaOrgRole[];
  readonly idQuota: number;
  readonly created: string;
  readonly modified: string;
  readonly rev: number;
}

export interface CnaUserName {
  readonly first: string;
  readonly last: string;
  readonly middle: string;
  readonly suffix: string;
}

export interface CnaUser {
  readonly uuid: string;
  readonly orgUuid: string;
  readonly username: string;
  readonly name: CnaUserName;
  readonly roles: readonly CnaUserRole[];
  readonly active: boolean;
  /** `scrypt$N$r$p$salt$hash` (never the key itself). */
  readonly secretHash: string;
  readonly created: string;
  readonly modified: string;
  readonly rev: number;
}

export interface CnaCveId {
  readonly cveId: string;
  readonly year: number;
  readonly number: number;
  readonly state: CnaIdState;
  /** Org UUIDs and user UUID; empty strings only for AVAILABLE placeholders. */
  readonly owningOrg: string;
  readonly requestedByOrg: string;
  readonly requestedByUser: string;
  readonly reserved: string;
  readonly created: string;
  readonly modified: string;
  readonly rev: number;
}

/** A CNA's own CVE record: the JSON exactly as served by `GET /api/cve/:id`. */
export interface CnaRecord {
  readonly cveId: string;
  readonly state: 'PUBLISHED' | 'REJECTED';
  readonly json: string;
  readonly assignerOrg: string;
  /** ADP container org UUIDs, for `adp_short_name` filters. */
  readonly adpOrgs: readonly string[];
  /** `containers.cna.providerMetadata.dateUpdated`, for `cna_modified`. */
  readonly cnaDateUpdated: string;
  readonly created: string;
  readonly modified: string;
}

export interface CnaAuditInput {
  readonly at: string;
  /** Who: org UUID and user UUID ('' for the command line). */
  readonly actorOrg: string;
  readonly actorUser: string;
  /** Which org the change concerns (owner of the ID, the org itself, the user's org). */
  readonly org: string;
  /** e.g. `org.create`, `user.update`, `cve-id.reserve`, `record.publish`. */
  readonly action: string;
  /** CVE ID, org short name, or `org/username`. */
  readonly target: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface CnaAuditEntry extends CnaAuditInput {
  readonly id: number;
}

export interface CnaPage<T> {
  readonly items: readonly T[];
  readonly total: number;
}

export interface CnaPageRequest {
  readonly offset: number;
  readonly limit: number;
}

export interface CnaIdFilter extends CnaPageRequest {
  /** Only these owning orgs (UUIDs); undefined = all. */
  readonly owningOrg?: string;
  readonly state?: 'RESERVED' | 'PUBLISHED' | 'REJECTED';
  readonly year?: number;
  /** ISO `…Z` bounds, strict comparisons. */
  readonly reservedLt?: string;
  readonly reservedGt?: string;
  readonly modifiedLt?: string;
  readonly modifiedGt?: string;
}

export interface CnaRecordFilter {
  readonly state?: 'PUBLISHED' | 'REJECTED';
  readonly assignerOrg?: string;
  readonly adpOrg?: string;
  /** Bounds on the record's modification time, or on the CNA container's when `cnaModified`. */
  readonly modifiedLt?: string;
  readonly modifiedGt?: string;
  readonly cnaModified?: boolean;
}

/** Cursor position: records are ordered by (created, cveId). */
export interface CnaRecordCursor {
  readonly created: string;
  readonly cveId: string;
  /** 'after' reads forward from the position, 'before' backward. */
  readonly direction: 'after' | 'before';
}

export interface CnaReserveInput {
  readonly targetOrg: string;
  readonly requesterOrg: string;
  readonly requesterUser: string;
  readonly year: number;
  readonly amount: number;
  readonly batch: CnaBatch;
  /** Create the year's range on first use (years the Secretariat pre-opens). */
  readonly autoRange: boolean;
  readonly now: string;
  /** Chooses pool IDs for non-sequential batches; `Math.random` by default. */
  readonly random?: () => number;
}

export type CnaReserveResult =
  | { readonly kind: 'ok'; readonly ids: readonly CnaCveId[]; readonly remaining: number; readonly partial: boolean }
  | { readonly kind: 'org-missing' }
  | { readonly kind: 'quota'; readonly idQuota: number; readonly totalReserved: number; readonly available: number }
  | { readonly kind: 'no-range'; readonly remaining: number }
  | { readonly kind: 'range-full'; readonly remaining: number };

export interface CnaYearRange {
  readonly year: number;
  readonly priorityTop: number;
  readonly priorityEnd: number;
  readonly generalTop: number;
  readonly generalEnd: number;
}

export type CnaSaveResult = 'ok' | 'conflict' | 'duplicate';

export interface CnaIdSave {
  /** The new row; written only if the stored row still has `expectRev`. */
  readonly id: CnaCveId;
  readonly expectRev: number;
  /** A new or replaced record, saved in the same transaction. */
  readonly record?: CnaRecord;
  /** Refuse ('no-quota') unless this org has fewer RESERVED IDs than its quota (checked under its lock). */
  readonly needQuotaOf?: string;
  readonly audit: CnaAuditInput;
}

/** A workbench sign-in (issue 5 §3): the cookie holds a random token, the store its SHA-256. */
export interface CnaSession {
  readonly idHash: string;
  readonly userUuid: string;
  readonly orgUuid: string;
  /** The synchronizer token every POST of this session must carry. */
  readonly csrf: string;
  readonly created: string;
  readonly expires: string;
}

/** A CNA container being edited in the workbench, saved before it is published. */
export interface CnaDraft {
  readonly cveId: string;
  readonly orgUuid: string;
  /** The `cnaContainer` JSON as last saved. */
  readonly json: string;
  readonly updated: string;
  /** Username of who saved it. */
  readonly updatedBy: string;
}

/** An org's upstream CVE Services endpoint (issue 5 §4); the key only sealed. */
export interface CnaUpstream {
  readonly orgUuid: string;
  /** Base URL ending in `/api/`. */
  readonly url: string;
  readonly upstreamOrg: string;
  readonly upstreamUser: string;
  /** `v1.<iv>.<tag>.<ciphertext>` (AES-256-GCM, base64url), see `src/cna/seal.ts`. */
  readonly keySealed: string;
  readonly updated: string;
}

/** `failed`: upstream refused it (a 4xx answer): shown, not retried. */
export type CnaOutboxState = 'pending' | 'done' | 'failed';

export interface CnaOutboxInput {
  readonly orgUuid: string;
  /** `reserve`, `publish`, `update`, `reject`, `reject.update`, `reject-id`, `undo-reject`. */
  readonly op: string;
  readonly cveId: string;
  readonly payload: string;
  /** The user who asked (UUID), to act as them when the operation finally goes through. */
  readonly actorUser: string;
  readonly created: string;
}

export interface CnaOutboxItem extends CnaOutboxInput {
  readonly id: number;
  readonly state: CnaOutboxState;
  readonly attempts: number;
  readonly lastError?: string;
  readonly nextAt: string;
  readonly finished?: string;
}

export interface CnaStore {
  // --- orgs ---
  /** 'duplicate' when the short name is taken. */
  createOrg(org: CnaOrg, audit: CnaAuditInput): Promise<'ok' | 'duplicate'>;
  getOrg(shortName: string): Promise<CnaOrg | undefined>;
  getOrgByUuid(uuid: string): Promise<CnaOrg | undefined>;
  /** Sorted by short name. */
  listOrgs(page: CnaPageRequest): Promise<CnaPage<CnaOrg>>;
  /** Write `org` if its stored rev is `expectRev`; 'duplicate' if a new short name is taken. */
  saveOrg(org: CnaOrg, expectRev: number, audit: CnaAuditInput): Promise<CnaSaveResult>;
  /** RESERVED IDs owned by the org, all years. */
  countReserved(orgUuid: string): Promise<number>;

  // --- users ---
  /** 'duplicate' when the username exists in that org. */
  createUser(user: CnaUser, audit: CnaAuditInput): Promise<'ok' | 'duplicate'>;
  getUser(orgUuid: string, username: string): Promise<CnaUser | undefined>;
  getUserByUuid(uuid: string): Promise<CnaUser | undefined>;
  /** An org's users sorted by username; all users when orgUuid is undefined. */
  listUsers(orgUuid: string | undefined, page: CnaPageRequest): Promise<CnaPage<CnaUser>>;
  countUsers(orgUuid: string): Promise<number>;
  saveUser(user: CnaUser, expectRev: number, audit: CnaAuditInput): Promise<CnaSaveResult>;

  // --- CVE IDs ---
  reserve(input: CnaReserveInput, audit: Omit<CnaAuditInput, 'target' | 'after'>): Promise<CnaReserveResult>;
  getCveId(cveId: string): Promise<CnaCveId | undefined>;
  /** Visible IDs (never AVAILABLE), sorted by owner short name, year, number. */
  listCveIds(filter: CnaIdFilter): Promise<CnaPage<CnaCveId>>;
  saveCveId(change: CnaIdSave): Promise<CnaSaveResult | 'no-quota'>;
  /** 'exists' if the year already has a range. */
  createYearRange(range: CnaYearRange, audit: CnaAuditInput): Promise<'ok' | 'exists'>;
  getYearRange(year: number): Promise<CnaYearRange | undefined>;

  // --- records ---
  getRecord(cveId: string): Promise<CnaRecord | undefined>;
  /** Sorted by cveId (year, number). */
  listRecords(filter: CnaRecordFilter, page: CnaPageRequest): Promise<CnaPage<CnaRecord>>;
  countRecords(filter: CnaRecordFilter): Promise<number>;
  /** Up to `limit` records from the cursor (or the start), in (created, cveId) order. */
  cursorRecords(filter: CnaRecordFilter, cursor: CnaRecordCursor | undefined, limit: number): Promise<{ readonly items: readonly CnaRecord[]; readonly hasMore: boolean }>;

  // --- audit ---
  listAudit(filter: { readonly org?: string; readonly target?: string; readonly afterId?: number; readonly limit?: number }): Promise<CnaAuditEntry[]>;
  /** Newest first, for the workbench: at most `limit` entries with id below `beforeId`. */
  listAuditDesc(filter: { readonly org?: string; readonly beforeId?: number; readonly limit: number }): Promise<CnaAuditEntry[]>;

  // --- workbench sessions and drafts (migration 202) ---
  createSession(s: CnaSession): Promise<void>;
  getSession(idHash: string): Promise<CnaSession | undefined>;
  deleteSession(idHash: string): Promise<void>;
  /** Sessions expired before `now` are removed. */
  purgeSessions(now: string): Promise<number>;
  saveDraft(d: CnaDraft): Promise<void>;
  getDraft(cveId: string): Promise<CnaDraft | undefined>;
  deleteDraft(cveId: string): Promise<void>;
  listDrafts(orgUuid: string): Promise<CnaDraft[]>;
  /** CWE entries whose id or name contains `text` (case-insensitive), weaknesses first. */
  searchCwes(text: string, limit: number): Promise<{ id: string; name: string }[]>;

  // --- upstream relay ---
  setUpstream(u: CnaUpstream, audit: CnaAuditInput): Promise<void>;
  getUpstream(orgUuid: string): Promise<CnaUpstream | undefined>;
  deleteUpstream(orgUuid: string, audit: CnaAuditInput): Promise<void>;
  enqueue(item: CnaOutboxInput, nextAt: string): Promise<number>;
  /**
   * Claim up to `limit` due pending items (next_at ≤ now, no live lease) for `owner` until
   * `leaseUntil`: several processes may run workers; each item goes to one at a time.
   */
  claimOutbox(now: string, owner: string, leaseUntil: string, limit: number): Promise<CnaOutboxItem[]>;
  /** Done, or failed again (attempts + 1, error, next try). Only the lease holder may finish. */
  finishOutbox(id: number, owner: string, result: { readonly done: true; readonly at: string; readonly failed?: string } | { readonly done: false; readonly error: string; readonly nextAt: string }): Promise<boolean>;
  getOutbox(id: number): Promise<CnaOutboxItem | undefined>;
  listOutbox(orgUuid: string, opts: { readonly pendingOnly?: boolean; readonly limit: number }): Promise<CnaOutboxItem[]>;
  /** Put IDs reserved upstream into the local store as RESERVED (insert, or take over an AVAILABLE placeholder). */
  insertCveIds(ids: readonly CnaCveId[], audit: CnaAuditInput): Promise<'ok' | 'conflict'>;

  // --- failure counters (sign-in and API key limits, shared by all processes on the store) ---
  /**
   * Add `delta` to each key's count, atomically per key across processes, and return the
   * counts after (in `keys` order). A count whose window started before `windowStart` first
   * restarts at 0 with its window starting `now`; counts never go below 0.
   */
  addFailures(keys: readonly string[], delta: number, now: string, windowStart: string): Promise<number[]>;
  /** The keys' counts (0 for a key without one or whose window started before `windowStart`). */
  getFailures(keys: readonly string[], windowStart: string): Promise<number[]>;
  clearFailures(key: string): Promise<void>;
  /** Delete the counters whose window started before `windowStart`; how many. */
  purgeFailures(windowStart: string): Promise<number>;

  // --- repository writes still to do (a row is written with every record change) ---
  listRepoPending(limit: number): Promise<{ cveId: string; modified: string }[]>;
  /** Remove the mark if the record has not changed since (`modified`). */
  clearRepoPending(cveId: string, modified: string): Promise<void>;
}
