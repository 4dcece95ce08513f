/**
 * @module The disclosure sub-store on SQLite (see `../disclosure-types.ts`). Every change
 * is one `BEGIN IMMEDIATE` transaction on the store's connection; claims and revisions
 * are checked under that write lock, so several processes on one file stay consistent.
 * @internal
 */
import type { DatabaseSync } from 'node:sqlite';
import { SqliteConnection } from './connection.ts';
import type {
  DisclosureAuditEntry,
  DisclosureAuditInput,
  DisclosureCaseRow,
  DisclosureCaseSideWrites,
  DisclosureChannel,
  DisclosureDeliveryLogEntry,
  DisclosureDeliveryResult,
  DisclosureDocumentKind,
  DisclosureDocumentRow,
  DisclosurePublicAdvisoryRow,
  DisclosureEventRow,
  DisclosureFileInfo,
  DisclosureFileRow,
  DisclosureMessageRow,
  DisclosureOutboxInput,
  DisclosureOutboxItem,
  DisclosureReportRow,
  DisclosureStore,
  DisclosureTokenRow,
  DisclosureVendorRow,
  DisclosureWebhookRow,
} from '../disclosure-types.ts';
import { auditRow, caseRow, deliveryLogRow, eventRow, fileInfo, messageRow, outboxRow, reportRow, tokenRow, vendorRow, webhookRow } from '../disclosure-rows.ts';
import type { Row } from '../disclosure-rows.ts';
import { documentRow, publicAdvisoryRow } from '../disclosure-rows.ts';

type Param = null | number | bigint | string | Uint8Array;

const n = (v: string | undefined): string | null => v ?? null;

export class SqliteDisclosureStore implements DisclosureStore {
  readonly #db: DatabaseSync;
  readonly #checkWritable: () => void;
  readonly #c: SqliteConnection;

  constructor(db: DatabaseSync, checkWritable: () => void) {
    this.#db = db;
    this.#checkWritable = checkWritable;
    this.#c = new SqliteConnection(db, checkWritable);
  }


  #side(side: DisclosureCaseSideWrites | undefined): void {
    if (!side) return;
    for (const r of side.reports ?? []) this.#c.run('UPDATE disclosure_reports SET case_id = ?, status = ? WHERE id = ?', r.caseId, r.status, r.id);
    for (const t of side.tokens ?? []) {
      this.#c.run(
        'INSERT INTO disclosure_tokens (hash, kind, report_id, case_id, participant_id, created_at, expires_at, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        t.hash, t.kind, n(t.reportId), n(t.caseId), n(t.participantId), t.createdAt, t.expiresAt, t.revoked ? 1 : 0,
      );
    }
    for (const f of side.files ?? []) {
      this.#c.run(
        'INSERT INTO disclosure_files (id, report_id, case_id, name, media_type, size, sha256, uploaded_by, created_at, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        f.id, n(f.reportId), n(f.caseId), f.name, f.mediaType, f.size, f.sha256, f.uploadedBy, f.createdAt, f.bytes,
      );
    }
    for (const m of side.messages ?? []) this.#insertMessage(m);
    for (const o of side.outbox ?? []) this.#insertOutbox(o);
    for (const a of side.audit ?? []) this.#insertAudit(a);
  }

  #insertMessage(m: DisclosureMessageRow): void {
    this.#c.run(
      'INSERT INTO disclosure_messages (id, case_id, report_id, parent_id, author, visibility, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      m.id, n(m.caseId), n(m.reportId), n(m.parentId), m.author, m.visibility, m.body, m.createdAt,
    );
  }
  #insertOutbox(o: DisclosureOutboxInput): void {
    this.#c.run(
      'INSERT INTO disclosure_outbox (key, channel, payload, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
      o.key, o.channel, o.payload, o.createdAt, o.createdAt,
    );
  }
  #insertAudit(a: DisclosureAuditInput): void {
    this.#c.run('INSERT INTO disclosure_audit (at, actor, action, case_id, report_id, detail) VALUES (?, ?, ?, ?, ?, ?)', a.at, a.actor, a.action, n(a.caseId), n(a.reportId), n(a.detail));
  }
  #insertEvents(events: readonly DisclosureEventRow[]): void {
    for (const e of events) this.#c.run('INSERT INTO disclosure_case_events (case_id, seq, at, actor, type, data) VALUES (?, ?, ?, ?, ?, ?)', e.caseId, e.seq, e.at, e.actor, e.type, e.data);
  }

  async insertReport(report: DisclosureReportRow, side: DisclosureCaseSideWrites): Promise<void> {
    this.#c.tx(() => {
      this.#c.run('INSERT INTO disclosure_reports (id, received_at, case_id, status, body) VALUES (?, ?, ?, ?, ?)', report.id, report.receivedAt, n(report.caseId), report.status, report.body);
      this.#side(side);
    });
  }

  async getReport(id: string): Promise<DisclosureReportRow | undefined> {
    const r = this.#c.get('SELECT * FROM disclosure_reports WHERE id = ?', id);
    return r && reportRow(r);
  }

  async listReports(filter: { status?: 'open' | 'closed'; caseId?: string; untriaged?: boolean } = {}): Promise<DisclosureReportRow[]> {
    const where: string[] = [];
    const params: Param[] = [];
    if (filter.status) { where.push('status = ?'); params.push(filter.status); }
    if (filter.caseId !== undefined) { where.push('case_id = ?'); params.push(filter.caseId); }
    if (filter.untriaged) where.push('case_id IS NULL');
    return this.#c.all(`SELECT * FROM disclosure_reports${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at, id`, ...params).map(reportRow);
  }

  async createCase(row: DisclosureCaseRow, events: readonly DisclosureEventRow[], side?: DisclosureCaseSideWrites): Promise<void> {
    this.#c.tx(() => {
      this.#c.run('INSERT INTO disclosure_cases (id, revision, created_at, updated_at, open, snapshot) VALUES (?, ?, ?, ?, ?, ?)', row.id, row.revision, row.createdAt, row.updatedAt, row.open ? 1 : 0, row.snapshot);
      this.#insertEvents(events);
      this.#side(side);
    });
  }

  async getCase(id: string): Promise<DisclosureCaseRow | undefined> {
    const r = this.#c.get('SELECT * FROM disclosure_cases WHERE id = ?', id);
    return r && caseRow(r);
  }

  async listCases(filter: { open?: boolean; ids?: readonly string[] } = {}): Promise<DisclosureCaseRow[]> {
    const where: string[] = [];
    const params: Param[] = [];
    if (filter.open !== undefined) { where.push('open = ?'); params.push(filter.open ? 1 : 0); }
    if (filter.ids !== undefined) {
      if (filter.ids.length === 0) return [];
      where.push(`id IN (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(filter.ids));
    }
    return this.#c.all(`SELECT * FROM disclosure_cases${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`, ...params).map(caseRow);
  }

  async saveCase(row: DisclosureCaseRow, expectedRevision: number, events: readonly DisclosureEventRow[], side?: DisclosureCaseSideWrites): Promise<boolean> {
    return this.#c.tx(() => {
      const changed = this.#c.run(
        'UPDATE disclosure_cases SET revision = ?, updated_at = ?, open = ?, snapshot = ? WHERE id = ? AND revision = ?',
        row.revision, row.updatedAt, row.open ? 1 : 0, row.snapshot, row.id, expectedRevision,
      );
      if (changed !== 1) return false;
      this.#insertEvents(events);
      this.#side(side);
      return true;
    });
  }

  async listCaseEvents(caseId: string): Promise<DisclosureEventRow[]> {
    return this.#c.all('SELECT * FROM disclosure_case_events WHERE case_id = ? ORDER BY seq', caseId).map(eventRow);
  }

  async findToken(hash: string): Promise<DisclosureTokenRow | undefined> {
    const r = this.#c.get('SELECT * FROM disclosure_tokens WHERE hash = ?', hash);
    return r && tokenRow(r);
  }

  async listTokens(filter: { caseId?: string; reportId?: string }): Promise<DisclosureTokenRow[]> {
    if (filter.caseId !== undefined) return this.#c.all('SELECT * FROM disclosure_tokens WHERE case_id = ? ORDER BY created_at', filter.caseId).map(tokenRow);
    if (filter.reportId !== undefined) return this.#c.all('SELECT * FROM disclosure_tokens WHERE report_id = ? ORDER BY created_at', filter.reportId).map(tokenRow);
    return [];
  }

  async revokeToken(hash: string): Promise<void> {
    this.#c.tx(() => this.#c.run('UPDATE disclosure_tokens SET revoked = 1 WHERE hash = ?', hash));
  }

  async getFile(id: string): Promise<DisclosureFileRow | undefined> {
    const r = this.#c.get('SELECT * FROM disclosure_files WHERE id = ?', id);
    return r && { ...fileInfo(r), bytes: new Uint8Array(r.bytes as Uint8Array) };
  }

  async listFiles(filter: { caseId?: string; reportIds?: readonly string[] }): Promise<DisclosureFileInfo[]> {
    return this.#c.all(
      `SELECT id, report_id, case_id, name, media_type, size, sha256, uploaded_by, created_at FROM disclosure_files
       WHERE case_id = ? OR report_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, id`,
      filter.caseId ?? null, JSON.stringify(filter.reportIds ?? []),
    ).map(fileInfo);
  }

  async addMessage(message: DisclosureMessageRow, side?: DisclosureCaseSideWrites): Promise<void> {
    this.#c.tx(() => {
      this.#insertMessage(message);
      this.#side(side);
    });
  }

  async listMessages(filter: { caseId?: string; reportIds?: readonly string[] }): Promise<DisclosureMessageRow[]> {
    return this.#c.all(
      'SELECT * FROM disclosure_messages WHERE case_id = ? OR report_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, id',
      filter.caseId ?? null, JSON.stringify(filter.reportIds ?? []),
    ).map(messageRow);
  }

  async appendAudit(entries: readonly DisclosureAuditInput[]): Promise<void> {
    if (entries.length === 0) return;
    this.#c.tx(() => { for (const a of entries) this.#insertAudit(a); });
  }

  async listAudit(filter: { caseId?: string; reportId?: string } = {}): Promise<DisclosureAuditEntry[]> {
    if (filter.caseId !== undefined) return this.#c.all('SELECT * FROM disclosure_audit WHERE case_id = ? ORDER BY id', filter.caseId).map(auditRow);
    if (filter.reportId !== undefined) return this.#c.all('SELECT * FROM disclosure_audit WHERE report_id = ? ORDER BY id', filter.reportId).map(auditRow);
    return this.#c.all('SELECT * FROM disclosure_audit ORDER BY id').map(auditRow);
  }

  async putVendor(v: DisclosureVendorRow): Promise<void> {
    this.#c.tx(() => this.#c.run(
      'INSERT INTO disclosure_vendors (id, name, contacts, products, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, contacts = excluded.contacts, products = excluded.products',
      v.id, v.name, JSON.stringify(v.contacts), JSON.stringify(v.products), v.createdAt,
    ));
  }

  async getVendor(id: string): Promise<DisclosureVendorRow | undefined> {
    const r = this.#c.get('SELECT * FROM disclosure_vendors WHERE id = ?', id);
    return r && vendorRow(r);
  }

  async listVendors(): Promise<DisclosureVendorRow[]> {
    return this.#c.all('SELECT * FROM disclosure_vendors ORDER BY name, id').map(vendorRow);
  }

  async addWebhook(h: DisclosureWebhookRow): Promise<void> {
    this.#c.tx(() => this.#c.run('INSERT INTO disclosure_webhooks (id, url, secret, vendor_id, created_at) VALUES (?, ?, ?, ?, ?)', h.id, h.url, h.secret, n(h.vendorId), h.createdAt));
  }

  async listWebhooks(filter: { vendorId?: string | null } = {}): Promise<DisclosureWebhookRow[]> {
    if (filter.vendorId === null) return this.#c.all('SELECT * FROM disclosure_webhooks WHERE vendor_id IS NULL ORDER BY id').map(webhookRow);
    if (filter.vendorId !== undefined) return this.#c.all('SELECT * FROM disclosure_webhooks WHERE vendor_id = ? ORDER BY id', filter.vendorId).map(webhookRow);
    return this.#c.all('SELECT * FROM disclosure_webhooks ORDER BY id').map(webhookRow);
  }

  async getWebhook(id: string): Promise<DisclosureWebhookRow | undefined> {
    const r = this.#c.get('SELECT * FROM disclosure_webhooks WHERE id = ?', id);
    return r && webhookRow(r);
  }

  async enqueue(items: readonly DisclosureOutboxInput[], claim?: { key: string; owner: string; at: string }): Promise<boolean> {
    return this.#c.tx(() => {
      if (claim && this.#c.run('INSERT INTO disclosure_jobs (key, owner, claimed_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING', claim.key, claim.owner, claim.at) !== 1) return false;
      for (const o of items) this.#insertOutbox(o);
      return true;
    });
  }

  async claimJob(key: string, owner: string, at: string): Promise<boolean> {
    return this.#c.tx(() => this.#c.run('INSERT INTO disclosure_jobs (key, owner, claimed_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING', key, owner, at) === 1);
  }

  async leaseOutbox(now: string, leaseUntil: string, limit: number): Promise<DisclosureOutboxItem[]> {
    return this.#c.tx(() => {
      const rows = this.#c.all(
        `SELECT * FROM disclosure_outbox WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at, id LIMIT ?`,
        now, now, limit,
      );
      for (const r of rows) this.#c.run('UPDATE disclosure_outbox SET lease_until = ? WHERE id = ?', leaseUntil, Number(r.id));
      return rows.map(outboxRow);
    });
  }

  async finishOutbox(id: number, result: DisclosureDeliveryResult): Promise<void> {
    this.#c.tx(() => {
      const attempt = Number(this.#c.get('SELECT attempts FROM disclosure_outbox WHERE id = ?', id)?.attempts ?? 0) + 1;
      this.#c.run('INSERT INTO disclosure_delivery_log (outbox_id, attempt, at, ok, detail) VALUES (?, ?, ?, ?, ?)', id, attempt, result.at, result.ok ? 1 : 0, result.detail);
      if (result.ok) {
        this.#c.run("UPDATE disclosure_outbox SET status = 'sent', attempts = ?, done_at = ?, lease_until = NULL WHERE id = ?", attempt, result.at, id);
      } else if (result.retryAt !== undefined) {
        this.#c.run('UPDATE disclosure_outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, lease_until = NULL WHERE id = ?', attempt, result.retryAt, result.detail, id);
      } else {
        this.#c.run("UPDATE disclosure_outbox SET status = 'dead', attempts = ?, last_error = ?, done_at = ?, lease_until = NULL WHERE id = ?", attempt, result.detail, result.at, id);
      }
    });
  }

  async listOutbox(filter: { status?: DisclosureOutboxItem['status']; channel?: DisclosureChannel } = {}): Promise<DisclosureOutboxItem[]> {
    return this.#c.all(
      'SELECT * FROM disclosure_outbox WHERE (? IS NULL OR status = ?) AND (? IS NULL OR channel = ?) ORDER BY id',
      n(filter.status), n(filter.status), n(filter.channel), n(filter.channel),
    ).map(outboxRow);
  }

  async listDeliveryLog(outboxId?: number): Promise<DisclosureDeliveryLogEntry[]> {
    const rows = outboxId === undefined
      ? this.#c.all('SELECT * FROM disclosure_delivery_log ORDER BY id')
      : this.#c.all('SELECT * FROM disclosure_delivery_log WHERE outbox_id = ? ORDER BY id', outboxId);
    return rows.map(deliveryLogRow);
  }

  async putDocument(row: DisclosureDocumentRow, expectedRevision: number, side?: DisclosureCaseSideWrites): Promise<boolean> {
    return this.#c.tx(() => {
      const changed = expectedRevision === 0
        ? this.#c.run(
          'INSERT INTO disclosure_documents (case_id, kind, doc_key, revision, updated_at, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, kind, doc_key) DO NOTHING',
          row.caseId, row.kind, row.key, row.revision, row.updatedAt, row.body,
        )
        : this.#c.run(
          'UPDATE disclosure_documents SET revision = ?, updated_at = ?, body = ? WHERE case_id = ? AND kind = ? AND doc_key = ? AND revision = ?',
          row.revision, row.updatedAt, row.body, row.caseId, row.kind, row.key, expectedRevision,
        );
      if (changed !== 1) return false;
      this.#side(side);
      return true;
    });
  }

  async getDocument(caseId: string, kind: DisclosureDocumentKind, key: string): Promise<DisclosureDocumentRow | undefined> {
    const r = this.#c.get('SELECT * FROM disclosure_documents WHERE case_id = ? AND kind = ? AND doc_key = ?', caseId, kind, key);
    return r && documentRow(r);
  }

  async listDocuments(caseId: string, kind?: DisclosureDocumentKind): Promise<DisclosureDocumentRow[]> {
    return this.#c.all('SELECT * FROM disclosure_documents WHERE case_id = ? AND (? IS NULL OR kind = ?) ORDER BY kind, doc_key', caseId, n(kind), n(kind)).map(documentRow);
  }

  async putPublicAdvisory(a: DisclosurePublicAdvisoryRow): Promise<void> {
    this.#c.tx(() => this.#c.run(
      `INSERT INTO disclosure_public_advisories (id, case_id, version, title, cve_ids, initial_release, current_release, csaf) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, title = excluded.title, cve_ids = excluded.cve_ids, current_release = excluded.current_release, csaf = excluded.csaf`,
      a.id, a.caseId, a.version, a.title, JSON.stringify(a.cveIds), a.initialRelease, a.currentRelease, a.csaf,
    ));
  }

  async getPublicAdvisory(id: string): Promise<DisclosurePublicAdvisoryRow | undefined> {
    const r = this.#c.get('SELECT * FROM disclosure_public_advisories WHERE id = ?', id);
    return r && publicAdvisoryRow(r);
  }

  async listPublicAdvisories(): Promise<DisclosurePublicAdvisoryRow[]> {
    return this.#c.all('SELECT * FROM disclosure_public_advisories ORDER BY current_release DESC, id').map(publicAdvisoryRow);
  }
}
