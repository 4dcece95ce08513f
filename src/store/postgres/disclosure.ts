/**
 * @module The disclosure sub-store on PostgreSQL (see `../disclosure-types.ts`). Every
 * change is one transaction; a case save is `UPDATE … WHERE revision = $expected` (the
 * row lock makes a concurrent saver wait, then find the revision moved and lose), job
 * claims are `INSERT … ON CONFLICT DO NOTHING`, and queue leases take rows with
 * `FOR UPDATE SKIP LOCKED`, so several app processes on one database never run a job twice.
 * @internal
 */
import type pg from 'pg';
import type { PoolClient } from 'pg';
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
import { withTransaction } from './transaction.ts';

type Queryable = Pick<PoolClient, 'query'>;

const n = (v: string | undefined): string | null => v ?? null;

export class PostgresDisclosureStore implements DisclosureStore {
  readonly #pool: pg.Pool;
  readonly #checkWritable: () => void;

  constructor(pool: pg.Pool, checkWritable: () => void) {
    this.#pool = pool;
    this.#checkWritable = checkWritable;
  }

  async #q(sql: string, params: unknown[] = [], on: Queryable = this.#pool): Promise<Row[]> {
    return (await on.query(sql, params)).rows as Row[];
  }
  async #n(sql: string, params: unknown[], on: Queryable): Promise<number> {
    return (await on.query(sql, params)).rowCount ?? 0;
  }
  async #tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    this.#checkWritable();
    return withTransaction(this.#pool, fn);
  }

  async #side(c: Queryable, side: DisclosureCaseSideWrites | undefined): Promise<void> {
    if (!side) return;
    for (const r of side.reports ?? []) await c.query('UPDATE disclosure_reports SET case_id = $1, status = $2 WHERE id = $3', [r.caseId, r.status, r.id]);
    for (const t of side.tokens ?? []) {
      await c.query(
        'INSERT INTO disclosure_tokens (hash, kind, report_id, case_id, participant_id, created_at, expires_at, revoked) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [t.hash, t.kind, n(t.reportId), n(t.caseId), n(t.participantId), t.createdAt, t.expiresAt, t.revoked],
      );
    }
    for (const f of side.files ?? []) {
      await c.query(
        'INSERT INTO disclosure_files (id, report_id, case_id, name, media_type, size, sha256, uploaded_by, created_at, bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
        [f.id, n(f.reportId), n(f.caseId), f.name, f.mediaType, f.size, f.sha256, f.uploadedBy, f.createdAt, Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength)],
      );
    }
    for (const m of side.messages ?? []) await this.#insertMessage(c, m);
    for (const o of side.outbox ?? []) await this.#insertOutbox(c, o);
    for (const a of side.audit ?? []) await this.#insertAudit(c, a);
  }

  async #insertMessage(c: Queryable, m: DisclosureMessageRow): Promise<void> {
    await c.query(
      'INSERT INTO disclosure_messages (id, case_id, report_id, parent_id, author, visibility, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [m.id, n(m.caseId), n(m.reportId), n(m.parentId), m.author, m.visibility, m.body, m.createdAt],
    );
  }
  async #insertOutbox(c: Queryable, o: DisclosureOutboxInput): Promise<void> {
    await c.query(
      'INSERT INTO disclosure_outbox (key, channel, payload, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (key) DO NOTHING',
      [o.key, o.channel, o.payload, o.createdAt],
    );
  }
  async #insertAudit(c: Queryable, a: DisclosureAuditInput): Promise<void> {
    await c.query('INSERT INTO disclosure_audit (at, actor, action, case_id, report_id, detail) VALUES ($1, $2, $3, $4, $5, $6)', [a.at, a.actor, a.action, n(a.caseId), n(a.reportId), n(a.detail)]);
  }
  async #insertEvents(c: Queryable, events: readonly DisclosureEventRow[]): Promise<void> {
    if (events.length === 0) return;
    await c.query(
      'INSERT INTO disclosure_case_events (case_id, seq, at, actor, type, data) SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])',
      [events.map((e) => e.caseId), events.map((e) => e.seq), events.map((e) => e.at), events.map((e) => e.actor), events.map((e) => e.type), events.map((e) => e.data)],
    );
  }

  async insertReport(report: DisclosureReportRow, side: DisclosureCaseSideWrites): Promise<void> {
    await this.#tx(async (c) => {
      await c.query('INSERT INTO disclosure_reports (id, received_at, case_id, status, body) VALUES ($1, $2, $3, $4, $5)', [report.id, report.receivedAt, n(report.caseId), report.status, report.body]);
      await this.#side(c, side);
    });
  }

  async getReport(id: string): Promise<DisclosureReportRow | undefined> {
    const [r] = await this.#q('SELECT * FROM disclosure_reports WHERE id = $1', [id]);
    return r && reportRow(r);
  }

  async listReports(filter: { status?: 'open' | 'closed'; caseId?: string; untriaged?: boolean } = {}): Promise<DisclosureReportRow[]> {
    return (await this.#q(
      `SELECT * FROM disclosure_reports WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR case_id = $2) AND (NOT $3 OR case_id IS NULL) ORDER BY received_at, id`,
      [n(filter.status), n(filter.caseId), filter.untriaged === true],
    )).map(reportRow);
  }

  async createCase(row: DisclosureCaseRow, events: readonly DisclosureEventRow[], side?: DisclosureCaseSideWrites): Promise<void> {
    await this.#tx(async (c) => {
      await c.query('INSERT INTO disclosure_cases (id, revision, created_at, updated_at, open, snapshot) VALUES ($1, $2, $3, $4, $5, $6)', [row.id, row.revision, row.createdAt, row.updatedAt, row.open, row.snapshot]);
      await this.#insertEvents(c, events);
      await this.#side(c, side);
    });
  }

  async getCase(id: string): Promise<DisclosureCaseRow | undefined> {
    const [r] = await this.#q('SELECT * FROM disclosure_cases WHERE id = $1', [id]);
    return r && caseRow(r);
  }

  async listCases(filter: { open?: boolean; ids?: readonly string[] } = {}): Promise<DisclosureCaseRow[]> {
    if (filter.ids !== undefined && filter.ids.length === 0) return [];
    return (await this.#q(
      'SELECT * FROM disclosure_cases WHERE ($1::boolean IS NULL OR open = $1) AND ($2::text[] IS NULL OR id = ANY($2::text[])) ORDER BY created_at, id',
      [filter.open ?? null, filter.ids === undefined ? null : [...filter.ids]],
    )).map(caseRow);
  }

  async saveCase(row: DisclosureCaseRow, expectedRevision: number, events: readonly DisclosureEventRow[], side?: DisclosureCaseSideWrites): Promise<boolean> {
    return this.#tx(async (c) => {
      const changed = await this.#n(
        'UPDATE disclosure_cases SET revision = $1, updated_at = $2, open = $3, snapshot = $4 WHERE id = $5 AND revision = $6',
        [row.revision, row.updatedAt, row.open, row.snapshot, row.id, expectedRevision], c,
      );
      if (changed !== 1) return false;
      await this.#insertEvents(c, events);
      await this.#side(c, side);
      return true;
    });
  }

  async listCaseEvents(caseId: string): Promise<DisclosureEventRow[]> {
    return (await this.#q('SELECT * FROM disclosure_case_events WHERE case_id = $1 ORDER BY seq', [caseId])).map(eventRow);
  }

  async findToken(hash: string): Promise<DisclosureTokenRow | undefined> {
    const [r] = await this.#q('SELECT * FROM disclosure_tokens WHERE hash = $1', [hash]);
    return r && tokenRow(r);
  }

  async listTokens(filter: { caseId?: string; reportId?: string }): Promise<DisclosureTokenRow[]> {
    if (filter.caseId !== undefined) return (await this.#q('SELECT * FROM disclosure_tokens WHERE case_id = $1 ORDER BY created_at', [filter.caseId])).map(tokenRow);
    if (filter.reportId !== undefined) return (await this.#q('SELECT * FROM disclosure_tokens WHERE report_id = $1 ORDER BY created_at', [filter.reportId])).map(tokenRow);
    return [];
  }

  async revokeToken(hash: string): Promise<void> {
    await this.#tx(async (c) => { await c.query('UPDATE disclosure_tokens SET revoked = true WHERE hash = $1', [hash]); });
  }

  async getFile(id: string): Promise<DisclosureFileRow | undefined> {
    const [r] = await this.#q('SELECT * FROM disclosure_files WHERE id = $1', [id]);
    return r && { ...fileInfo(r), bytes: new Uint8Array(r.bytes as Buffer) };
  }

  async listFiles(filter: { caseId?: string; reportIds?: readonly string[] }): Promise<DisclosureFileInfo[]> {
    return (await this.#q(
      `SELECT id, report_id, case_id, name, media_type, size, sha256, uploaded_by, created_at FROM disclosure_files
       WHERE case_id = $1 OR report_id = ANY($2::text[]) ORDER BY created_at, id`,
      [filter.caseId ?? null, [...(filter.reportIds ?? [])]],
    )).map(fileInfo);
  }

  async addMessage(message: DisclosureMessageRow, side?: DisclosureCaseSideWrites): Promise<void> {
    await this.#tx(async (c) => {
      await this.#insertMessage(c, message);
      await this.#side(c, side);
    });
  }

  async listMessages(filter: { caseId?: string; reportIds?: readonly string[] }): Promise<DisclosureMessageRow[]> {
    return (await this.#q(
      'SELECT * FROM disclosure_messages WHERE case_id = $1 OR report_id = ANY($2::text[]) ORDER BY created_at, id',
      [filter.caseId ?? null, [...(filter.reportIds ?? [])]],
    )).map(messageRow);
  }

  async appendAudit(entries: readonly DisclosureAuditInput[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#tx(async (c) => { for (const a of entries) await this.#insertAudit(c, a); });
  }

  async listAudit(filter: { caseId?: string; reportId?: string } = {}): Promise<DisclosureAuditEntry[]> {
    return (await this.#q(
      'SELECT * FROM disclosure_audit WHERE ($1::text IS NULL OR case_id = $1) AND ($2::text IS NULL OR report_id = $2) ORDER BY id',
      [filter.caseId ?? null, filter.reportId ?? null],
    )).map(auditRow);
  }

  async putVendor(v: DisclosureVendorRow): Promise<void> {
    await this.#tx(async (c) => {
      await c.query(
        'INSERT INTO disclosure_vendors (id, name, contacts, products, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET name = excluded.name, contacts = excluded.contacts, products = excluded.products',
        [v.id, v.name, JSON.stringify(v.contacts), JSON.stringify(v.products), v.createdAt],
      );
    });
  }

  async getVendor(id: string): Promise<DisclosureVendorRow | undefined> {
    const [r] = await this.#q('SELECT * FROM disclosure_vendors WHERE id = $1', [id]);
    return r && vendorRow(r);
  }

  async listVendors(): Promise<DisclosureVendorRow[]> {
    return (await this.#q('SELECT * FROM disclosure_vendors ORDER BY name, id')).map(vendorRow);
  }

  async addWebhook(h: DisclosureWebhookRow): Promise<void> {
    await this.#tx(async (c) => {
      await c.query('INSERT INTO disclosure_webhooks (id, url, secret, vendor_id, created_at) VALUES ($1, $2, $3, $4, $5)', [h.id, h.url, h.secret, n(h.vendorId), h.createdAt]);
    });
  }

  async listWebhooks(filter: { vendorId?: string | null } = {}): Promise<DisclosureWebhookRow[]> {
    if (filter.vendorId === null) return (await this.#q('SELECT * FROM disclosure_webhooks WHERE vendor_id IS NULL ORDER BY id')).map(webhookRow);
    if (filter.vendorId !== undefined) return (await this.#q('SELECT * FROM disclosure_webhooks WHERE vendor_id = $1 ORDER BY id', [filter.vendorId])).map(webhookRow);
    return (await this.#q('SELECT * FROM disclosure_webhooks ORDER BY id')).map(webhookRow);
  }

  async getWebhook(id: string): Promise<DisclosureWebhookRow | undefined> {
    const [r] = await this.#q('SELECT * FROM disclosure_webhooks WHERE id = $1', [id]);
    return r && webhookRow(r);
  }

  async enqueue(items: readonly DisclosureOutboxInput[], claim?: { key: string; owner: string; at: string }): Promise<boolean> {
    return this.#tx(async (c) => {
      if (claim && (await this.#n('INSERT INTO disclosure_jobs (key, owner, claimed_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING', [claim.key, claim.owner, claim.at], c)) !== 1) return false;
      for (const o of items) await this.#insertOutbox(c, o);
      return true;
    });
  }

  async claimJob(key: string, owner: string, at: string): Promise<boolean> {
    return (await this.#n('INSERT INTO disclosure_jobs (key, owner, claimed_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING', [key, owner, at], this.#pool)) === 1;
  }

  async leaseOutbox(now: string, leaseUntil: string, limit: number): Promise<DisclosureOutboxItem[]> {
    this.#checkWritable();
    return (await this.#q(
      `UPDATE disclosure_outbox SET lease_until = $2 WHERE id IN (
         SELECT id FROM disclosure_outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
         ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now, leaseUntil, limit],
    )).map(outboxRow).sort((a, b) => (a.nextAttemptAt < b.nextAttemptAt ? -1 : a.nextAttemptAt > b.nextAttemptAt ? 1 : a.id - b.id));
  }

  async finishOutbox(id: number, result: DisclosureDeliveryResult): Promise<void> {
    await this.#tx(async (c) => {
      const [row] = await this.#q('SELECT attempts FROM disclosure_outbox WHERE id = $1 FOR UPDATE', [id], c);
      const attempt = Number(row?.attempts ?? 0) + 1;
      await c.query('INSERT INTO disclosure_delivery_log (outbox_id, attempt, at, ok, detail) VALUES ($1, $2, $3, $4, $5)', [id, attempt, result.at, result.ok, result.detail]);
      if (result.ok) {
        await c.query("UPDATE disclosure_outbox SET status = 'sent', attempts = $1, done_at = $2, lease_until = NULL WHERE id = $3", [attempt, result.at, id]);
      } else if (result.retryAt !== undefined) {
        await c.query('UPDATE disclosure_outbox SET attempts = $1, next_attempt_at = $2, last_error = $3, lease_until = NULL WHERE id = $4', [attempt, result.retryAt, result.detail, id]);
      } else {
        await c.query("UPDATE disclosure_outbox SET status = 'dead', attempts = $1, last_error = $2, done_at = $3, lease_until = NULL WHERE id = $4", [attempt, result.detail, result.at, id]);
      }
    });
  }

  async listOutbox(filter: { status?: DisclosureOutboxItem['status']; channel?: DisclosureChannel } = {}): Promise<DisclosureOutboxItem[]> {
    return (await this.#q(
      'SELECT * FROM disclosure_outbox WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR channel = $2) ORDER BY id',
      [n(filter.status), n(filter.channel)],
    )).map(outboxRow);
  }

  async listDeliveryLog(outboxId?: number): Promise<DisclosureDeliveryLogEntry[]> {
    return (await this.#q('SELECT * FROM disclosure_delivery_log WHERE ($1::bigint IS NULL OR outbox_id = $1) ORDER BY id', [outboxId ?? null])).map(deliveryLogRow);
  }

  async putDocument(row: DisclosureDocumentRow, expectedRevision: number, side?: DisclosureCaseSideWrites): Promise<boolean> {
    return this.#tx(async (c) => {
      const changed = expectedRevision === 0
        ? await this.#n(
          'INSERT INTO disclosure_documents (case_id, kind, doc_key, revision, updated_at, body) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id, kind, doc_key) DO NOTHING',
          [row.caseId, row.kind, row.key, row.revision, row.updatedAt, row.body], c,
        )
        : await this.#n(
          'UPDATE disclosure_documents SET revision = $1, updated_at = $2, body = $3 WHERE case_id = $4 AND kind = $5 AND doc_key = $6 AND revision = $7',
          [row.revision, row.updatedAt, row.body, row.caseId, row.kind, row.key, expectedRevision], c,
        );
      if (changed !== 1) return false;
      await this.#side(c, side);
      return true;
    });
  }

  async getDocument(caseId: string, kind: DisclosureDocumentKind, key: string): Promise<DisclosureDocumentRow | undefined> {
    const [r] = await this.#q('SELECT * FROM disclosure_documents WHERE case_id = $1 AND kind = $2 AND doc_key = $3', [caseId, kind, key]);
    return r && documentRow(r);
  }

  async listDocuments(caseId: string, kind?: DisclosureDocumentKind): Promise<DisclosureDocumentRow[]> {
    return (await this.#q('SELECT * FROM disclosure_documents WHERE case_id = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY kind, doc_key', [caseId, n(kind)])).map(documentRow);
  }

  async putPublicAdvisory(a: DisclosurePublicAdvisoryRow): Promise<void> {
    await this.#tx(async (c) => {
      await c.query(
        `INSERT INTO disclosure_public_advisories (id, case_id, version, title, cve_ids, initial_release, current_release, csaf) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, title = excluded.title, cve_ids = excluded.cve_ids, current_release = excluded.current_release, csaf = excluded.csaf`,
        [a.id, a.caseId, a.version, a.title, JSON.stringify(a.cveIds), a.initialRelease, a.currentRelease, a.csaf],
      );
    });
  }

  async getPublicAdvisory(id: string): Promise<DisclosurePublicAdvisoryRow | undefined> {
    const [r] = await this.#q('SELECT * FROM disclosure_public_advisories WHERE id = $1', [id]);
    return r && publicAdvisoryRow(r);
  }

  async listPublicAdvisories(): Promise<DisclosurePublicAdvisoryRow[]> {
    return (await this.#q('SELECT * FROM disclosure_public_advisories ORDER BY current_release DESC, id')).map(publicAdvisoryRow);
  }
}
