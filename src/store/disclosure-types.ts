/**
 * @module The disclosure sub-store: reports, cases (event log plus snapshot), capability
 * tokens, attachments, messages, an append-only audit log, the product directory, the
 * outbound mail and webhook queue with its delivery log, and scheduler job claims.
 * `Store.disclosure` is one of these on both backends (`sqlite/disclosure.ts`,
 * `postgres/disclosure.ts`); the rules live in `src/disclosure/`.
 *
 * Texts marked *opaque* are whatever the service hands over (JSON, possibly encrypted
 * with AES-256-GCM, see `src/disclosure/crypto.ts`); the store never looks inside, so
 * nothing about a report or case is in a plain column except ids, times and states.
 *
 * Concurrency: a case row carries `revision`; `saveCase` writes only when the row still
 * has the revision the caller read (optimistic concurrency) and returns `false` on a
 * conflict, so the caller re-reads and applies its command to the new state. Event rows
 * are keyed `(case_id, seq)`, so two writers can never both append the same position.
 * Job claims are keyed by `key` (INSERT … ON CONFLICT DO NOTHING): of several app
 * processes on one PostgreSQL exactly one wins a claim. Queue items are leased
 * (`lease_until`), so one delivery attempt runs at a time per item.
 */

export interface DisclosureReportRow {
  readonly id: string;
  readonly receivedAt: string;
  /** The case the report was triaged into, if any. */
  readonly caseId?: string;
  /** `open` until the report is closed or marked invalid (for dedup hints and lists). */
  readonly status: 'open' | 'closed';
  /** Opaque: the report as submitted. */
  readonly body: string;
}

export interface DisclosureCaseRow {
  readonly id: string;
  /** Equals the domain case's `version`; bumped by every save. */
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly open: boolean;
  /** Opaque: the domain `Case` snapshot. */
  readonly snapshot: string;
}

export interface DisclosureEventRow {
  readonly caseId: string;
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly type: string;
  /** Opaque: the whole event. */
  readonly data: string;
}

/** A capability: the sha256 of a 256-bit random token and what it opens. */
export interface DisclosureTokenRow {
  readonly hash: string;
  readonly kind: 'finder' | 'participant';
  readonly reportId?: string;
  readonly caseId?: string;
  readonly participantId?: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revoked: boolean;
}

export interface DisclosureFileInfo {
  readonly id: string;
  readonly reportId?: string;
  readonly caseId?: string;
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  /** sha256 (hex) of the bytes as stored. */
  readonly sha256: string;
  readonly uploadedBy: string;
  readonly createdAt: string;
}

export interface DisclosureFileRow extends DisclosureFileInfo {
  readonly bytes: Uint8Array;
}

export interface DisclosureMessageRow {
  readonly id: string;
  readonly caseId?: string;
  readonly reportId?: string;
  /** The message this one answers (threads). */
  readonly parentId?: string;
  readonly author: string;
  /** `internal` notes are for the team only. */
  readonly visibility: 'participants' | 'internal';
  /** Opaque: `{ authorName, text }`. */
  readonly body: string;
  readonly createdAt: string;
}

export interface DisclosureAuditInput {
  readonly at: string;
  /** `team:<name>`, `participant:<case>/<id>`, `finder:<report>`, `system`, `anonymous`. */
  readonly actor: string;
  /** e.g. `case.read`, `case.command:add-participant`, `report.submit`, `file.read`. */
  readonly action: string;
  readonly caseId?: string;
  readonly reportId?: string;
  readonly detail?: string;
}

export interface DisclosureAuditEntry extends DisclosureAuditInput {
  readonly id: number;
}

export interface DisclosureVendorRow {
  readonly id: string;
  readonly name: string;
  /** Where to reach the vendor's PSIRT. */
  readonly contacts: readonly { readonly name?: string; readonly email: string }[];
  readonly products: readonly string[];
  readonly createdAt: string;
}

export interface DisclosureWebhookRow {
  readonly id: string;
  readonly url: string;
  /** HMAC key; never shown after creation. */
  readonly secret: string;
  /** Vendor the hook belongs to, or none for the team's own hooks. */
  readonly vendorId?: string;
  readonly createdAt: string;
}

export type DisclosureChannel = 'mail' | 'webhook';

export interface DisclosureOutboxInput {
  /** Idempotency key: enqueuing the same key twice stores it once. */
  readonly key: string;
  readonly channel: DisclosureChannel;
  /** JSON: a mail (`to`, `subject`, `text`) or a webhook (`webhookId`, `event`, `body`). */
  readonly payload: string;
  readonly createdAt: string;
}

export interface DisclosureOutboxItem extends DisclosureOutboxInput {
  readonly id: number;
  readonly status: 'pending' | 'sent' | 'dead';
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly lastError?: string;
  readonly doneAt?: string;
}

export interface DisclosureDeliveryLogEntry {
  readonly id: number;
  readonly outboxId: number;
  readonly attempt: number;
  readonly at: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** What a delivery attempt came to. `retryAt` absent on failure means give up (`dead`). */
export type DisclosureDeliveryResult =
  | { readonly ok: true; readonly at: string; readonly detail: string }
  | { readonly ok: false; readonly at: string; readonly detail: string; readonly retryAt?: string };

/** What a case document is: a CVE record draft (one per vulnerability), the advisory, the publication plan. */
export type DisclosureDocumentKind = 'cve-draft' | 'advisory' | 'publication';

/** A document kept with a case; `body` is opaque like the case snapshot. */
export interface DisclosureDocumentRow {
  readonly caseId: string;
  readonly kind: DisclosureDocumentKind;
  /** The vulnerability id for a CVE draft, `main` otherwise. */
  readonly key: string;
  /** 1 for a new document, +1 on every save (optimistic concurrency as for cases). */
  readonly revision: number;
  readonly updatedAt: string;
  /** Opaque. */
  readonly body: string;
}

/** A published advisory: public by design, written only at publication. */
export interface DisclosurePublicAdvisoryRow {
  /** The CSAF tracking id, also the URL (`/advisories/{id}`). */
  readonly id: string;
  readonly caseId: string;
  readonly version: string;
  readonly title: string;
  /** Every CVE name the advisory covers (X1520-6.10). */
  readonly cveIds: readonly string[];
  readonly initialRelease: string;
  readonly currentRelease: string;
  /** The CSAF 2.0 document as JSON text. */
  readonly csaf: string;
}

/** Writes that go in the same transaction as a case save. */
export interface DisclosureCaseSideWrites {
  readonly reports?: readonly { readonly id: string; readonly caseId: string; readonly status: 'open' | 'closed' }[];
  readonly tokens?: readonly DisclosureTokenRow[];
  readonly messages?: readonly DisclosureMessageRow[];
  readonly files?: readonly DisclosureFileRow[];
  readonly outbox?: readonly DisclosureOutboxInput[];
  readonly audit?: readonly DisclosureAuditInput[];
}

export interface DisclosureStore {
  // --- reports ---------------------------------------------------------------
  /** A new report with its files, the finder's capability, audit and notifications, in one transaction. */
  insertReport(report: DisclosureReportRow, side: DisclosureCaseSideWrites): Promise<void>;
  getReport(id: string): Promise<DisclosureReportRow | undefined>;
  listReports(filter?: { readonly status?: 'open' | 'closed'; readonly caseId?: string; readonly untriaged?: boolean }): Promise<DisclosureReportRow[]>;

  // --- cases -----------------------------------------------------------------
  /** A new case (revision = its version) with its events and side writes. */
  createCase(row: DisclosureCaseRow, events: readonly DisclosureEventRow[], side?: DisclosureCaseSideWrites): Promise<void>;
  getCase(id: string): Promise<DisclosureCaseRow | undefined>;
  listCases(filter?: { readonly open?: boolean; readonly ids?: readonly string[] }): Promise<DisclosureCaseRow[]>;
  /**
   * Replace the snapshot and append `events` when the stored revision is still
   * `expectedRevision`; all or nothing with the side writes. `false`: someone else saved first.
   */
  saveCase(row: DisclosureCaseRow, expectedRevision: number, events: readonly DisclosureEventRow[], side?: DisclosureCaseSideWrites): Promise<boolean>;
  listCaseEvents(caseId: string): Promise<DisclosureEventRow[]>;

  // --- capabilities ------------------------------------------------------------
  findToken(hash: string): Promise<DisclosureTokenRow | undefined>;
  listTokens(filter: { readonly caseId?: string; readonly reportId?: string }): Promise<DisclosureTokenRow[]>;
  revokeToken(hash: string): Promise<void>;

  // --- files and messages ------------------------------------------------------
  getFile(id: string): Promise<DisclosureFileRow | undefined>;
  listFiles(filter: { readonly caseId?: string; readonly reportIds?: readonly string[] }): Promise<DisclosureFileInfo[]>;
  addMessage(message: DisclosureMessageRow, side?: DisclosureCaseSideWrites): Promise<void>;
  listMessages(filter: { readonly caseId?: string; readonly reportIds?: readonly string[] }): Promise<DisclosureMessageRow[]>;

  // --- audit (append-only: the tables refuse UPDATE and DELETE) ----------------
  appendAudit(entries: readonly DisclosureAuditInput[]): Promise<void>;
  listAudit(filter?: { readonly caseId?: string; readonly reportId?: string }): Promise<DisclosureAuditEntry[]>;

  // --- product directory and webhooks -----------------------------------------------
  putVendor(vendor: DisclosureVendorRow): Promise<void>;
  getVendor(id: string): Promise<DisclosureVendorRow | undefined>;
  listVendors(): Promise<DisclosureVendorRow[]>;
  addWebhook(hook: DisclosureWebhookRow): Promise<void>;
  listWebhooks(filter?: { readonly vendorId?: string | null }): Promise<DisclosureWebhookRow[]>;
  getWebhook(id: string): Promise<DisclosureWebhookRow | undefined>;

  // --- outbound queue, job claims -------------------------------------------------------
  /**
   * Queue items (a repeated key is skipped). With `claim`, first claim that job key; if
   * another process already holds it, nothing is queued and the answer is `false`.
   */
  enqueue(items: readonly DisclosureOutboxInput[], claim?: { readonly key: string; readonly owner: string; readonly at: string }): Promise<boolean>;
  /** Claim a job key once, forever: `true` for the one caller that got it. */
  claimJob(key: string, owner: string, at: string): Promise<boolean>;
  /** Pending items due at `now`, leased to the caller until `leaseUntil` (no one else gets them meanwhile). */
  leaseOutbox(now: string, leaseUntil: string, limit: number): Promise<DisclosureOutboxItem[]>;
  /** Record an attempt (delivery log) and its outcome: sent, retry later, or dead. */
  finishOutbox(id: number, result: DisclosureDeliveryResult): Promise<void>;
  listOutbox(filter?: { readonly status?: DisclosureOutboxItem['status']; readonly channel?: DisclosureChannel }): Promise<DisclosureOutboxItem[]>;
  listDeliveryLog(outboxId?: number): Promise<DisclosureDeliveryLogEntry[]>;

  // --- documents with a case, published advisories (migration 302) ---------------------
  /**
   * Write a case document if its stored revision is still `expectedRevision` (0: it must
   * not exist yet), with side writes in the same transaction. `false`: someone saved first.
   */
  putDocument(row: DisclosureDocumentRow, expectedRevision: number, side?: DisclosureCaseSideWrites): Promise<boolean>;
  getDocument(caseId: string, kind: DisclosureDocumentKind, key: string): Promise<DisclosureDocumentRow | undefined>;
  listDocuments(caseId: string, kind?: DisclosureDocumentKind): Promise<DisclosureDocumentRow[]>;
  /** Insert or replace a published advisory (a new version replaces the row). */
  putPublicAdvisory(row: DisclosurePublicAdvisoryRow): Promise<void>;
  getPublicAdvisory(id: string): Promise<DisclosurePublicAdvisoryRow | undefined>;
  /** Newest release first. */
  listPublicAdvisories(): Promise<DisclosurePublicAdvisoryRow[]>;
}
