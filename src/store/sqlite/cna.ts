/**
 * @module The CNA sub-store on SQLite. Every change is one `BEGIN IMMEDIATE`
 * transaction run synchronously, so within a process nothing interleaves, and across
 * connections and processes the database write lock serialises reservations: the quota
 * count, the year's counters and the new rows are read and written under one lock.
 */
import type { DatabaseSync } from 'node:sqlite';
import { SqliteConnection } from './connection.ts';
import { StoreError } from '../errors.ts';
import { adpOrgsText, advanceRange, auditFromRow, cveIdFromRow, defaultYearRange, draftFromRow, formatCveId, jsonOrNull, orgFromRow, outboxFromRow, planAllocation, recordFromRow, sessionFromRow, upstreamFromRow, userFromRow } from '../cna-rows.ts';
import type {
  CnaAuditEntry,
  CnaAuditInput,
  CnaCveId,
  CnaDraft,
  CnaIdFilter,
  CnaIdSave,
  CnaOrg,
  CnaOutboxInput,
  CnaOutboxItem,
  CnaPage,
  CnaPageRequest,
  CnaRecord,
  CnaRecordCursor,
  CnaRecordFilter,
  CnaReserveInput,
  CnaReserveResult,
  CnaSaveResult,
  CnaSession,
  CnaStore,
  CnaUpstream,
  CnaUser,
  CnaYearRange,
} from '../cna-types.ts';

type Param = null | number | string;
type Row = Record<string, unknown>;

const isUnique = (err: unknown): boolean => /UNIQUE constraint failed/.test(String((err as Error)?.message));

export class SqliteCnaStore implements CnaStore {
  readonly #db: DatabaseSync;
  readonly #readonly: boolean;
  readonly #c: SqliteConnection;

  constructor(db: DatabaseSync, opts: { readonly readonly?: boolean } = {}) {
    this.#db = db;
    this.#readonly = opts.readonly === true;
    this.#c = new SqliteConnection(db, () => {
      if (this.#readonly) throw new StoreError('READ_ONLY', 'the store is open read-only');
    });
  }


  #audit(a: CnaAuditInput): void {
    this.#c.run(
      'INSERT INTO cna_audit (at, actor_org, actor_user, org, action, target, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      a.at, a.actorOrg, a.actorUser, a.org, a.action, a.target, jsonOrNull(a.before), jsonOrNull(a.after),
    );
  }

  // --- orgs ---

  async createOrg(org: CnaOrg, audit: CnaAuditInput): Promise<'ok' | 'duplicate'> {
    try {
      return this.#c.tx(() => {
        this.#c.run(
          'INSERT INTO cna_orgs (uuid, short_name, name, roles, id_quota, created, modified, rev) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          org.uuid, org.shortName, org.name, JSON.stringify(org.roles), org.idQuota, org.created, org.modified, org.rev,
        );
        this.#audit(audit);
        return 'ok' as const;
      });
    } catch (err) {
      if (isUnique(err)) return 'duplicate';
      throw err;
    }
  }

  async getOrg(shortName: string): Promise<CnaOrg | undefined> {
    const r = this.#c.get('SELECT * FROM cna_orgs WHERE short_name = ?', shortName);
    return r && orgFromRow(r);
  }

  async getOrgByUuid(uuid: string): Promise<CnaOrg | undefined> {
    const r = this.#c.get('SELECT * FROM cna_orgs WHERE uuid = ?', uuid);
    return r && orgFromRow(r);
  }

  async listOrgs(page: CnaPageRequest): Promise<CnaPage<CnaOrg>> {
    const total = Number(this.#c.get('SELECT count(*) AS n FROM cna_orgs')?.n ?? 0);
    const items = this.#c.all('SELECT * FROM cna_orgs ORDER BY short_name LIMIT ? OFFSET ?', page.limit, page.offset).map(orgFromRow);
    return { items, total };
  }

  async saveOrg(org: CnaOrg, expectRev: number, audit: CnaAuditInput): Promise<CnaSaveResult> {
    try {
      return this.#c.tx(() => {
        const changed = this.#c.run(
          'UPDATE cna_orgs SET short_name = ?, name = ?, roles = ?, id_quota = ?, modified = ?, rev = ? WHERE uuid = ? AND rev = ?',
          org.shortName, org.name, JSON.stringify(org.roles), org.idQuota, org.modified, expectRev + 1, org.uuid, expectRev,
        );
        if (changed !== 1) return 'conflict' as const;
        this.#audit(audit);
        return 'ok' as const;
      });
    } catch (err) {
      if (isUnique(err)) return 'duplicate';
      throw err;
    }
  }

  async countReserved(orgUuid: string): Promise<number> {
    return Number(this.#c.get("SELECT count(*) AS n FROM cna_cve_ids WHERE owning_org = ? AND state = 'RESERVED'", orgUuid)?.n ?? 0);
  }

  // --- users ---

  async createUser(user: CnaUser, audit: CnaAuditInput): Promise<'ok' | 'duplicate'> {
    try {
      return this.#c.tx(() => {
        this.#c.run(
          `INSERT INTO cna_users (uuid, org_uuid, username, name_first, name_last, name_middle, name_suffix, roles, active, secret_hash, created, modified, rev)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          user.uuid, user.orgUuid, user.username, user.name.first, user.name.last, user.name.middle, user.name.suffix,
          JSON.stringify(user.roles), user.active ? 1 : 0, user.secretHash, user.created, user.modified, user.rev,
        );
        this.#audit(audit);
        return 'ok' as const;
      });
    } catch (err) {
      if (isUnique(err)) return 'duplicate';
      throw err;
    }
  }

  async getUser(orgUuid: string, username: string): Promise<CnaUser | undefined> {
    const r = this.#c.get('SELECT * FROM cna_users WHERE org_uuid = ? AND username = ?', orgUuid, username);
    return r && userFromRow(r);
  }

  async getUserByUuid(uuid: string): Promise<CnaUser | undefined> {
    const r = this.#c.get('SELECT * FROM cna_users WHERE uuid = ?', uuid);
    return r && userFromRow(r);
  }

  async listUsers(orgUuid: string | undefined, page: CnaPageRequest): Promise<CnaPage<CnaUser>> {
    const where = orgUuid === undefined ? '' : 'WHERE org_uuid = ?';
    const p: Param[] = orgUuid === undefined ? [] : [orgUuid];
    const total = Number(this.#c.get(`SELECT count(*) AS n FROM cna_users ${where}`, ...p)?.n ?? 0);
    const items = this.#c.all(`SELECT * FROM cna_users ${where} ORDER BY username, org_uuid LIMIT ? OFFSET ?`, ...p, page.limit, page.offset).map(userFromRow);
    return { items, total };
  }

  async countUsers(orgUuid: string): Promise<number> {
    return Number(this.#c.get('SELECT count(*) AS n FROM cna_users WHERE org_uuid = ?', orgUuid)?.n ?? 0);
  }

  async saveUser(user: CnaUser, expectRev: number, audit: CnaAuditInput): Promise<CnaSaveResult> {
    try {
      return this.#c.tx(() => {
        const changed = this.#c.run(
          `UPDATE cna_users SET org_uuid = ?, username = ?, name_first = ?, name_last = ?, name_middle = ?, name_suffix = ?,
             roles = ?, active = ?, secret_hash = ?, modified = ?, rev = ? WHERE uuid = ? AND rev = ?`,
          user.orgUuid, user.username, user.name.first, user.name.last, user.name.middle, user.name.suffix,
          JSON.stringify(user.roles), user.active ? 1 : 0, user.secretHash, user.modified, expectRev + 1, user.uuid, expectRev,
        );
        if (changed !== 1) return 'conflict' as const;
        this.#audit(audit);
        return 'ok' as const;
      });
    } catch (err) {
      if (isUnique(err)) return 'duplicate';
      throw err;
    }
  }

  // --- CVE IDs ---

  async reserve(input: CnaReserveInput, audit: Omit<CnaAuditInput, 'target' | 'after'>): Promise<CnaReserveResult> {
    return this.#c.tx((): CnaReserveResult => {
      const orgRow = this.#c.get('SELECT id_quota FROM cna_orgs WHERE uuid = ?', input.targetOrg);
      if (!orgRow) return { kind: 'org-missing' };
      const idQuota = Number(orgRow.id_quota);
      const totalReserved = Number(this.#c.get("SELECT count(*) AS n FROM cna_cve_ids WHERE owning_org = ? AND state = 'RESERVED'", input.targetOrg)?.n ?? 0);
      const available = idQuota - totalReserved;
      if (input.amount > available) return { kind: 'quota', idQuota, totalReserved, available };
      let range = this.#rangeRow(input.year);
      if (!range) {
        if (!input.autoRange) return { kind: 'no-range', remaining: available };
        range = defaultYearRange(input.year);
        this.#insertRange(range);
      }
      const pool = input.batch === 'nonsequential'
        ? this.#c.all("SELECT number FROM cna_cve_ids WHERE year = ? AND state = 'AVAILABLE' ORDER BY number", input.year).map((r) => Number(r.number))
        : [];
      const plan = planAllocation(range, input.batch, input.amount, pool, input.random ?? Math.random);
      if (plan.numbers.length === 0) return { kind: 'range-full', remaining: available };
      this.#c.run(
        'UPDATE cna_year_ranges SET priority_top = ?, general_top = ? WHERE year = ?',
        plan.range.priorityTop, plan.range.generalTop, input.year,
      );
      for (const num of plan.newPool) {
        this.#c.run(
          "INSERT INTO cna_cve_ids (cve_id, year, number, state, owning_org, requested_by_org, requested_by_user, reserved, created, modified) VALUES (?, ?, ?, 'AVAILABLE', '', '', '', '', ?, ?)",
          formatCveId(input.year, num), input.year, num, input.now, input.now,
        );
      }
      const poolSet = new Set(pool);
      const ids: CnaCveId[] = [];
      for (const num of plan.numbers) {
        const id: CnaCveId = {
          cveId: formatCveId(input.year, num), year: input.year, number: num, state: 'RESERVED', owningOrg: input.targetOrg,
          requestedByOrg: input.requesterOrg, requestedByUser: input.requesterUser, reserved: input.now, created: input.now, modified: input.now, rev: 1,
        };
        if (poolSet.has(num)) {
          const changed = this.#c.run(
            "UPDATE cna_cve_ids SET state = 'RESERVED', owning_org = ?, requested_by_org = ?, requested_by_user = ?, reserved = ?, created = ?, modified = ?, rev = 1 WHERE cve_id = ? AND state = 'AVAILABLE'",
            id.owningOrg, id.requestedByOrg, id.requestedByUser, id.reserved, id.created, id.modified, id.cveId,
          );
          if (changed !== 1) throw new Error(`pool ID ${id.cveId} was taken inside the lock`);
        } else {
          this.#c.run(
            'INSERT INTO cna_cve_ids (cve_id, year, number, state, owning_org, requested_by_org, requested_by_user, reserved, created, modified, rev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)',
            id.cveId, id.year, id.number, id.state, id.owningOrg, id.requestedByOrg, id.requestedByUser, id.reserved, id.created, id.modified,
          );
        }
        ids.push(id);
      }
      this.#audit({ ...audit, target: ids.length === 1 ? ids[0].cveId : `${ids[0].cveId}..${ids[ids.length - 1].cveId}`, after: { cveIds: ids.map((i) => i.cveId), batch: input.batch } });
      return { kind: 'ok', ids, remaining: available - ids.length, partial: plan.short };
    });
  }

  #rangeRow(year: number): CnaYearRange | undefined {
    const r = this.#c.get('SELECT * FROM cna_year_ranges WHERE year = ?', year);
    return r && { year, priorityTop: Number(r.priority_top), priorityEnd: Number(r.priority_end), generalTop: Number(r.general_top), generalEnd: Number(r.general_end) };
  }

  #insertRange(r: CnaYearRange): void {
    this.#c.run('INSERT INTO cna_year_ranges (year, priority_top, priority_end, general_top, general_end) VALUES (?, ?, ?, ?, ?)', r.year, r.priorityTop, r.priorityEnd, r.generalTop, r.generalEnd);
  }

  async getCveId(cveId: string): Promise<CnaCveId | undefined> {
    const r = this.#c.get('SELECT * FROM cna_cve_ids WHERE cve_id = ?', cveId);
    return r && cveIdFromRow(r);
  }

  async listCveIds(f: CnaIdFilter): Promise<CnaPage<CnaCveId>> {
    const where = ["i.state <> 'AVAILABLE'"];
    const p: Param[] = [];
    if (f.owningOrg !== undefined) where.push('i.owning_org = ?'), p.push(f.owningOrg);
    if (f.state) where.push('i.state = ?'), p.push(f.state);
    if (f.year !== undefined) where.push('i.year = ?'), p.push(f.year);
    if (f.reservedLt) where.push('i.reserved < ?'), p.push(f.reservedLt);
    if (f.reservedGt) where.push('i.reserved > ?'), p.push(f.reservedGt);
    if (f.modifiedLt) where.push('i.modified < ?'), p.push(f.modifiedLt);
    if (f.modifiedGt) where.push('i.modified > ?'), p.push(f.modifiedGt);
    const w = where.join(' AND ');
    const total = Number(this.#c.get(`SELECT count(*) AS n FROM cna_cve_ids i WHERE ${w}`, ...p)?.n ?? 0);
    const items = this.#c.all(
      `SELECT i.* FROM cna_cve_ids i LEFT JOIN cna_orgs o ON o.uuid = i.owning_org WHERE ${w} ORDER BY o.short_name, i.year, i.number LIMIT ? OFFSET ?`,
      ...p, f.limit, f.offset,
    ).map(cveIdFromRow);
    return { items, total };
  }

  async saveCveId(c: CnaIdSave): Promise<CnaSaveResult | 'no-quota'> {
    return this.#c.tx((): CnaSaveResult | 'no-quota' => {
      if (c.needQuotaOf !== undefined) {
        const quota = Number(this.#c.get('SELECT id_quota FROM cna_orgs WHERE uuid = ?', c.needQuotaOf)?.id_quota ?? 0);
        const reserved = Number(this.#c.get("SELECT count(*) AS n FROM cna_cve_ids WHERE owning_org = ? AND state = 'RESERVED'", c.needQuotaOf)?.n ?? 0);
        if (quota - reserved <= 0) return 'no-quota';
      }
      const id = c.id;
      const changed = this.#c.run(
        'UPDATE cna_cve_ids SET state = ?, owning_org = ?, requested_by_org = ?, requested_by_user = ?, reserved = ?, modified = ?, rev = ? WHERE cve_id = ? AND rev = ?',
        id.state, id.owningOrg, id.requestedByOrg, id.requestedByUser, id.reserved, id.modified, c.expectRev + 1, id.cveId, c.expectRev,
      );
      if (changed !== 1) return 'conflict';
      if (c.record) {
        const r = c.record;
        this.#c.run(
          `INSERT INTO cna_records (cve_id, state, json, assigner_org, adp_orgs, cna_date_updated, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (cve_id) DO UPDATE SET state = excluded.state, json = excluded.json, assigner_org = excluded.assigner_org,
             adp_orgs = excluded.adp_orgs, cna_date_updated = excluded.cna_date_updated, modified = excluded.modified`,
          r.cveId, r.state, r.json, r.assignerOrg, adpOrgsText(r.adpOrgs), r.cnaDateUpdated, r.created, r.modified,
        );        // The repository write comes after this transaction; until it is done the record is marked.
        this.#c.run('INSERT INTO cna_repo_pending (cve_id, modified) VALUES (?, ?) ON CONFLICT (cve_id) DO UPDATE SET modified = excluded.modified', r.cveId, r.modified);
      }
      this.#audit(c.audit);
      return 'ok';
    });
  }

  async createYearRange(range: CnaYearRange, audit: CnaAuditInput): Promise<'ok' | 'exists'> {
    return this.#c.tx(() => {
      if (this.#rangeRow(range.year)) return 'exists' as const;
      this.#insertRange(range);
      this.#audit(audit);
      return 'ok' as const;
    });
  }

  async getYearRange(year: number): Promise<CnaYearRange | undefined> {
    return this.#rangeRow(year);
  }

  // --- records ---

  async getRecord(cveId: string): Promise<CnaRecord | undefined> {
    const r = this.#c.get('SELECT * FROM cna_records WHERE cve_id = ?', cveId);
    return r && recordFromRow(r);
  }

  #recordWhere(f: CnaRecordFilter): { sql: string; p: Param[] } {
    const where: string[] = ['1 = 1'];
    const p: Param[] = [];
    if (f.state) where.push('r.state = ?'), p.push(f.state);
    if (f.assignerOrg) where.push('r.assigner_org = ?'), p.push(f.assignerOrg);
    if (f.adpOrg) where.push("instr(r.adp_orgs, ?) > 0"), p.push(`,${f.adpOrg},`);
    const col = f.cnaModified ? 'r.cna_date_updated' : 'r.modified';
    if (f.modifiedLt) where.push(`${col} < ?`), p.push(f.modifiedLt);
    if (f.modifiedGt) where.push(`${col} > ?`), p.push(f.modifiedGt);
    return { sql: where.join(' AND '), p };
  }

  async listRecords(f: CnaRecordFilter, page: CnaPageRequest): Promise<CnaPage<CnaRecord>> {
    const { sql, p } = this.#recordWhere(f);
    const total = Number(this.#c.get(`SELECT count(*) AS n FROM cna_records r WHERE ${sql}`, ...p)?.n ?? 0);
    const items = this.#c.all(
      `SELECT r.* FROM cna_records r JOIN cna_cve_ids i ON i.cve_id = r.cve_id WHERE ${sql} ORDER BY i.year, i.number LIMIT ? OFFSET ?`,
      ...p, page.limit, page.offset,
    ).map(recordFromRow);
    return { items, total };
  }

  async countRecords(f: CnaRecordFilter): Promise<number> {
    const { sql, p } = this.#recordWhere(f);
    return Number(this.#c.get(`SELECT count(*) AS n FROM cna_records r WHERE ${sql}`, ...p)?.n ?? 0);
  }

  async cursorRecords(f: CnaRecordFilter, cursor: CnaRecordCursor | undefined, limit: number): Promise<{ items: CnaRecord[]; hasMore: boolean }> {
    const { sql, p } = this.#recordWhere(f);
    const back = cursor?.direction === 'before';
    const pos = cursor ? ` AND (r.created, r.cve_id) ${back ? '<' : '>'} (?, ?)` : '';
    const rows = this.#c.all(
      `SELECT r.* FROM cna_records r WHERE ${sql}${pos} ORDER BY r.created ${back ? 'DESC' : 'ASC'}, r.cve_id ${back ? 'DESC' : 'ASC'} LIMIT ?`,
      ...p, ...(cursor ? [cursor.created, cursor.cveId] : []), limit + 1,
    ).map(recordFromRow);
    const hasMore = rows.length > limit;
    const items = rows.slice(0, limit);
    return { items: back ? items.reverse() : items, hasMore };
  }

  // --- audit ---

  async listAudit(f: { readonly org?: string; readonly target?: string; readonly afterId?: number; readonly limit?: number }): Promise<CnaAuditEntry[]> {
    const where = ['id > ?'];
    const p: Param[] = [f.afterId ?? 0];
    if (f.org !== undefined) where.push('org = ?'), p.push(f.org);
    if (f.target !== undefined) where.push('target = ?'), p.push(f.target);
    return this.#c.all(`SELECT * FROM cna_audit WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, ...p, f.limit ?? 1000).map(auditFromRow);
  }

  async listAuditDesc(f: { readonly org?: string; readonly beforeId?: number; readonly limit: number }): Promise<CnaAuditEntry[]> {
    const where = ['id < ?'];
    const p: Param[] = [f.beforeId ?? Number.MAX_SAFE_INTEGER];
    if (f.org !== undefined) where.push('org = ?'), p.push(f.org);
    return this.#c.all(`SELECT * FROM cna_audit WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`, ...p, f.limit).map(auditFromRow);
  }

  // --- workbench sessions and drafts ---

  async createSession(x: CnaSession): Promise<void> {
    this.#c.tx(() => this.#c.run('INSERT INTO cna_sessions (id_hash, user_uuid, org_uuid, csrf, created, expires) VALUES (?, ?, ?, ?, ?, ?)', x.idHash, x.userUuid, x.orgUuid, x.csrf, x.created, x.expires));
  }

  async getSession(idHash: string): Promise<CnaSession | undefined> {
    const r = this.#c.get('SELECT * FROM cna_sessions WHERE id_hash = ?', idHash);
    return r && sessionFromRow(r);
  }

  async deleteSession(idHash: string): Promise<void> {
    this.#c.tx(() => this.#c.run('DELETE FROM cna_sessions WHERE id_hash = ?', idHash));
  }

  async purgeSessions(now: string): Promise<number> {
    return this.#c.tx(() => this.#c.run('DELETE FROM cna_sessions WHERE expires < ?', now));
  }

  async saveDraft(d: CnaDraft): Promise<void> {
    this.#c.tx(() => this.#c.run(
      `INSERT INTO cna_drafts (cve_id, org_uuid, json, updated, updated_by) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (cve_id) DO UPDATE SET org_uuid = excluded.org_uuid, json = excluded.json, updated = excluded.updated, updated_by = excluded.updated_by`,
      d.cveId, d.orgUuid, d.json, d.updated, d.updatedBy,
    ));
  }

  async getDraft(cveId: string): Promise<CnaDraft | undefined> {
    const r = this.#c.get('SELECT * FROM cna_drafts WHERE cve_id = ?', cveId);
    return r && draftFromRow(r);
  }

  async deleteDraft(cveId: string): Promise<void> {
    this.#c.tx(() => this.#c.run('DELETE FROM cna_drafts WHERE cve_id = ?', cveId));
  }

  async listDrafts(orgUuid: string): Promise<CnaDraft[]> {
    return this.#c.all('SELECT * FROM cna_drafts WHERE org_uuid = ? ORDER BY cve_id', orgUuid).map(draftFromRow);
  }

  async searchCwes(text: string, limit: number): Promise<{ id: string; name: string }[]> {
    const like = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.#c.all(
      `SELECT id, name FROM cwe_entries WHERE lower(id) LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\'
       ORDER BY (type <> 'weakness'), length(id), id LIMIT ?`,
      like, like, limit,
    ).map((r) => ({ id: String(r.id), name: String(r.name) }));
  }

  // --- upstream relay ---

  async setUpstream(u: CnaUpstream, audit: CnaAuditInput): Promise<void> {
    this.#c.tx(() => {
      this.#c.run(
        `INSERT INTO cna_upstreams (org_uuid, url, upstream_org, upstream_user, key_sealed, updated) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (org_uuid) DO UPDATE SET url = excluded.url, upstream_org = excluded.upstream_org, upstream_user = excluded.upstream_user,
           key_sealed = excluded.key_sealed, updated = excluded.updated`,
        u.orgUuid, u.url, u.upstreamOrg, u.upstreamUser, u.keySealed, u.updated,
      );
      this.#audit(audit);
    });
  }

  async getUpstream(orgUuid: string): Promise<CnaUpstream | undefined> {
    const r = this.#c.get('SELECT * FROM cna_upstreams WHERE org_uuid = ?', orgUuid);
    return r && upstreamFromRow(r);
  }

  async deleteUpstream(orgUuid: string, audit: CnaAuditInput): Promise<void> {
    this.#c.tx(() => {
      if (this.#c.run('DELETE FROM cna_upstreams WHERE org_uuid = ?', orgUuid) > 0) this.#audit(audit);
    });
  }

  async enqueue(i: CnaOutboxInput, nextAt: string): Promise<number> {
    return this.#c.tx(() => {
      const r = this.#c.get(
        'INSERT INTO cna_outbox (org_uuid, op, cve_id, payload, actor_user, next_at, created) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
        i.orgUuid, i.op, i.cveId, i.payload, i.actorUser, nextAt, i.created,
      );
      return Number(r?.id);
    });
  }

  async claimOutbox(now: string, owner: string, leaseUntil: string, limit: number): Promise<CnaOutboxItem[]> {
    // One write transaction: another process claims only after this one committed its leases.
    return this.#c.tx(() => this.#c.all(
      `UPDATE cna_outbox SET lease_owner = ?, lease_until = ? WHERE id IN (
         SELECT id FROM cna_outbox WHERE state = 'pending' AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?)
       RETURNING *`,
      owner, leaseUntil, now, now, limit,
    ).map(outboxFromRow).sort((a, b) => a.id - b.id));
  }

  async finishOutbox(id: number, owner: string, r: { readonly done: true; readonly at: string; readonly failed?: string } | { readonly done: false; readonly error: string; readonly nextAt: string }): Promise<boolean> {
    return this.#c.tx(() => (r.done
      ? this.#c.run("UPDATE cna_outbox SET state = ?, attempts = attempts + 1, last_error = ?, finished = ?, lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?", r.failed === undefined ? 'done' : 'failed', r.failed ?? null, r.at, id, owner)
      : this.#c.run('UPDATE cna_outbox SET attempts = attempts + 1, last_error = ?, next_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?', r.error, r.nextAt, id, owner)) === 1);
  }

  async getOutbox(id: number): Promise<CnaOutboxItem | undefined> {
    const r = this.#c.get('SELECT * FROM cna_outbox WHERE id = ?', id);
    return r && outboxFromRow(r);
  }

  async listOutbox(orgUuid: string, opts: { readonly pendingOnly?: boolean; readonly limit: number }): Promise<CnaOutboxItem[]> {
    const w = opts.pendingOnly ? " AND state = 'pending'" : '';
    return this.#c.all(`SELECT * FROM cna_outbox WHERE org_uuid = ?${w} ORDER BY id DESC LIMIT ?`, orgUuid, opts.limit).map(outboxFromRow);
  }

  async insertCveIds(ids: readonly CnaCveId[], audit: CnaAuditInput): Promise<'ok' | 'conflict'> {
    const conflict = new Error('conflict');
    try {
      return this.#c.tx(() => {
      for (const id of ids) {
        const cur = this.#c.get('SELECT state, owning_org FROM cna_cve_ids WHERE cve_id = ?', id.cveId);
        if (cur && !(cur.state === 'AVAILABLE' || (cur.state === 'RESERVED' && cur.owning_org === id.owningOrg))) throw conflict;
        this.#c.run(
          `INSERT INTO cna_cve_ids (cve_id, year, number, state, owning_org, requested_by_org, requested_by_user, reserved, created, modified, rev) VALUES (?, ?, ?, 'RESERVED', ?, ?, ?, ?, ?, ?, 1)
           ON CONFLICT (cve_id) DO UPDATE SET state = 'RESERVED', owning_org = excluded.owning_org, requested_by_org = excluded.requested_by_org,
             requested_by_user = excluded.requested_by_user, reserved = excluded.reserved, modified = excluded.modified, rev = cna_cve_ids.rev + 1`,
          id.cveId, id.year, id.number, id.owningOrg, id.requestedByOrg, id.requestedByUser, id.reserved, id.created, id.modified,
        );
      }
      // Move the years' counters past these numbers, in the same transaction.
      for (const year of new Set(ids.map((i) => i.year))) {
        let range = this.#rangeRow(year);
        if (!range) {
          range = defaultYearRange(year);
          this.#insertRange(range);
        }
        const next = advanceRange(range, ids.filter((i) => i.year === year).map((i) => i.number));
        this.#c.run('UPDATE cna_year_ranges SET priority_top = ?, general_top = ? WHERE year = ?', next.priorityTop, next.generalTop, year);
      }
      this.#audit(audit);
      return 'ok' as const;
      });
    } catch (err) {
      if (err === conflict) return 'conflict';
      throw err;
    }
  }

  // --- failure counters ---

  async addFailures(keys: readonly string[], delta: number, now: string, windowStart: string): Promise<number[]> {
    return this.#c.tx(() => keys.map((key) => Number(this.#c.get(
      `INSERT INTO cna_failures (key, count, window_start) VALUES (?, max(?, 0), ?)
       ON CONFLICT (key) DO UPDATE SET
         count = max(CASE WHEN cna_failures.window_start < ? THEN 0 ELSE cna_failures.count END + ?, 0),
         window_start = CASE WHEN cna_failures.window_start < ? THEN excluded.window_start ELSE cna_failures.window_start END
       RETURNING count`,
      key, delta, now, windowStart, delta, windowStart,
    )?.count ?? 0)));
  }

  async getFailures(keys: readonly string[], windowStart: string): Promise<number[]> {
    return keys.map((key) => Number(this.#c.get('SELECT count FROM cna_failures WHERE key = ? AND window_start >= ?', key, windowStart)?.count ?? 0));
  }

  async clearFailures(key: string): Promise<void> {
    this.#c.tx(() => this.#c.run('DELETE FROM cna_failures WHERE key = ?', key));
  }

  async purgeFailures(windowStart: string): Promise<number> {
    return this.#c.tx(() => this.#c.run('DELETE FROM cna_failures WHERE window_start < ?', windowStart));
  }

  // --- repository writes still to do ---

  async listRepoPending(limit: number): Promise<{ cveId: string; modified: string }[]> {
    return this.#c.all('SELECT cve_id, modified FROM cna_repo_pending ORDER BY cve_id LIMIT ?', limit).map((r) => ({ cveId: String(r.cve_id), modified: String(r.modified) }));
  }

  async clearRepoPending(cveId: string, modified: string): Promise<void> {
    this.#c.tx(() => this.#c.run('DELETE FROM cna_repo_pending WHERE cve_id = ? AND modified = ?', cveId, modified));
  }
}
