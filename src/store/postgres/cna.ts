/**
 * @module The CNA sub-store on PostgreSQL. Several app processes may share one database:
 * a reservation locks the target org's row (`SELECT … FOR UPDATE`) before it counts
 * RESERVED IDs, and the year's range row before it moves the counters, so two racing
 * reservations queue instead of both passing the quota check or taking the same number.
 * A state change that needs quota takes the same org lock. Deadlocks and serialization
 * failures roll back and the transaction is retried.
 */
import type pg from 'pg';
import { RollbackWith, withTransaction } from './transaction.ts';
import type { PoolClient } from 'pg';
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

type Row = Record<string, unknown>;
type Queryable = Pick<PoolClient, 'query'>;

const isUnique = (err: unknown): boolean => (err as { code?: string })?.code === '23505';

export class PostgresCnaStore implements CnaStore {
  readonly #pool: pg.Pool;
  readonly #readonly: boolean;

  constructor(pool: pg.Pool, opts: { readonly readonly?: boolean } = {}) {
    this.#pool = pool;
    this.#readonly = opts.readonly === true;
  }

  async #q(sql: string, params: unknown[] = [], on: Queryable = this.#pool): Promise<Row[]> {
    return (await on.query(sql, params)).rows as Row[];
  }

  async #one(sql: string, params: unknown[] = [], on: Queryable = this.#pool): Promise<Row | undefined> {
    return (await this.#q(sql, params, on))[0];
  }

  async #tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    if (this.#readonly) throw new StoreError('READ_ONLY', 'the store is open read-only');
    return withTransaction(this.#pool, fn);
  }

  async #audit(a: CnaAuditInput, c: Queryable): Promise<void> {
    await c.query(
      'INSERT INTO cna_audit (at, actor_org, actor_user, org, action, target, before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [a.at, a.actorOrg, a.actorUser, a.org, a.action, a.target, jsonOrNull(a.before), jsonOrNull(a.after)],
    );
  }

  // --- orgs ---

  async createOrg(org: CnaOrg, audit: CnaAuditInput): Promise<'ok' | 'duplicate'> {
    try {
      return await this.#tx(async (c) => {
        await c.query(
          'INSERT INTO cna_orgs (uuid, short_name, name, roles, id_quota, created, modified, rev) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
          [org.uuid, org.shortName, org.name, JSON.stringify(org.roles), org.idQuota, org.created, org.modified, org.rev],
        );
        await this.#audit(audit, c);
        return 'ok' as const;
      });
    } catch (err) {
      if (isUnique(err)) return 'duplicate';
      throw err;
    }
  }

  async getOrg(shortName: string): Promise<CnaOrg | undefined> {
    const r = await this.#one('SELECT * FROM cna_orgs WHERE short_name = $1', [shortName]);
    return r && orgFromRow(r);
  }

  async getOrgByUuid(uuid: string): Promise<CnaOrg | undefined> {
    const r = await this.#one('SELECT * FROM cna_orgs WHERE uuid = $1', [uuid]);
    return r && orgFromRow(r);
  }

  async listOrgs(page: CnaPageRequest): Promise<CnaPage<CnaOrg>> {
    const total = Number((await this.#one('SELECT count(*) AS n FROM cna_orgs'))?.n ?? 0);
    const items = (await this.#q('SELECT * FROM cna_orgs ORDER BY short_name COLLATE "C" LIMIT $1 OFFSET $2', [page.limit, page.offset])).map(orgFromRow);
    return { items, total };
  }

  async saveOrg(org: CnaOrg, expectRev: number, audit: CnaAuditInput): Promise<CnaSaveResult> {
    try {
      return await this.#tx(async (c) => {
        const r = await c.query(
          'UPDATE cna_orgs SET short_name = $1, name = $2, roles = $3, id_quota = $4, modified = $5, rev = $6 WHERE uuid = $7 AND rev = $8',
          [org.shortName, org.name, JSON.stringify(org.roles), org.idQuota, org.modified, expectRev + 1, org.uuid, expectRev],
        );
        if (r.rowCount !== 1) return 'conflict' as const;
        await this.#audit(audit, c);
        return 'ok' as const;
      });
    } catch (err) {
      if (isUnique(err)) return 'duplicate';
      throw err;
    }
  }

  async countReserved(orgUuid: string, on: Queryable = this.#pool): Promise<number> {
    return Number((await this.#one("SELECT count(*) AS n FROM cna_cve_ids WHERE owning_org = $1 AND state = 'RESERVED'", [orgUuid], on))?.n ?? 0);
  }

  // --- users ---

  async createUser(user: CnaUser, audit: CnaAuditInput): Promise<'ok' | 'duplicate'> {
    try {
      return await this.#tx(async (c) => {
        await c.query(
          `INSERT INTO cna_users (uuid, org_uuid, username, name_first, name_last, name_middle, name_suffix, roles, active, secret_hash, created, modified, rev)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [user.uuid, user.orgUuid, user.username, user.name.first, user.name.last, user.name.middle, user.name.suffix,
            JSON.stringify(user.roles), user.active ? 1 : 0, user.secretHash, user.created, user.modified, user.rev],
        );
        await this.#audit(audit, c);
        return 'ok' as const;
      });
    } catch (err) {
      if (isUnique(err)) return 'duplicate';
      throw err;
    }
  }

  async getUser(orgUuid: string, username: string): Promise<CnaUser | undefined> {
    const r = await this.#one('SELECT * FROM cna_users WHERE org_uuid = $1 AND username = $2', [orgUuid, username]);
    return r && userFromRow(r);
  }

  async getUserByUuid(uuid: string): Promise<CnaUser | undefined> {
    const r = await this.#one('SELECT * FROM cna_users WHERE uuid = $1', [uuid]);
    return r && userFromRow(r);
  }

  async listUsers(orgUuid: string | undefined, page: CnaPageRequest): Promise<CnaPage<CnaUser>> {
    const where = orgUuid === undefined ? '' : 'WHERE org_uuid = $3';
    const p: unknown[] = [page.limit, page.offset, ...(orgUuid === undefined ? [] : [orgUuid])];
    const total = Number((await this.#one(`SELECT count(*) AS n FROM cna_users ${where.replace('$3', '$1')}`, p.slice(2)))?.n ?? 0);
    const items = (await this.#q(`SELECT * FROM cna_users ${where} ORDER BY username COLLATE "C", org_uuid LIMIT $1 OFFSET $2`, p)).map(userFromRow);
    return { items, total };
  }

  async countUsers(orgUuid: string): Promise<number> {
    return Number((await this.#one('SELECT count(*) AS n FROM cna_users WHERE org_uuid = $1', [orgUuid]))?.n ?? 0);
  }

  async saveUser(user: CnaUser, expectRev: number, audit: CnaAuditInput): Promise<CnaSaveResult> {
    try {
      return await this.#tx(async (c) => {
        const r = await c.query(
          `UPDATE cna_users SET org_uuid = $1, username = $2, name_first = $3, name_last = $4, name_middle = $5, name_suffix = $6,
             roles = $7, active = $8, secret_hash = $9, modified = $10, rev = $11 WHERE uuid = $12 AND rev = $13`,
          [user.orgUuid, user.username, user.name.first, user.name.last, user.name.middle, user.name.suffix,
            JSON.stringify(user.roles), user.active ? 1 : 0, user.secretHash, user.modified, expectRev + 1, user.uuid, expectRev],
        );
        if (r.rowCount !== 1) return 'conflict' as const;
        await this.#audit(audit, c);
        return 'ok' as const;
      });
    } catch (err) {
      if (isUnique(err)) return 'duplicate';
      throw err;
    }
  }

  // --- CVE IDs ---

  async reserve(input: CnaReserveInput, audit: Omit<CnaAuditInput, 'target' | 'after'>): Promise<CnaReserveResult> {
    return this.#tx(async (c): Promise<CnaReserveResult> => {
      // The org lock serialises quota checks of one org across processes. Few round trips
      // while it is held: the count and the year lock are one statement, the writes another.
      const orgRow = await this.#one('SELECT id_quota FROM cna_orgs WHERE uuid = $1 FOR UPDATE', [input.targetOrg], c);
      if (!orgRow) return { kind: 'org-missing' };
      const idQuota = Number(orgRow.id_quota);
      // This statement's snapshot is taken after the org lock was granted, so the count sees
      // every earlier reservation of the org; the year lock serialises the counters and the pool.
      const lockYear = () => this.#one(
        `SELECT y.*, (SELECT count(*) FROM cna_cve_ids WHERE owning_org = $2 AND state = 'RESERVED') AS reserved_n
         FROM cna_year_ranges y WHERE y.year = $1 FOR UPDATE OF y`,
        [input.year, input.targetOrg], c,
      );
      let r = await lockYear();
      const totalReserved = r ? Number(r.reserved_n) : await this.countReserved(input.targetOrg, c);
      const available = idQuota - totalReserved;
      if (input.amount > available) return { kind: 'quota', idQuota, totalReserved, available };
      if (!r && input.autoRange) {
        // The year's row is made on first use.
        const d = defaultYearRange(input.year);
        await c.query(
          'INSERT INTO cna_year_ranges (year, priority_top, priority_end, general_top, general_end) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (year) DO NOTHING',
          [d.year, d.priorityTop, d.priorityEnd, d.generalTop, d.generalEnd],
        );
        r = await lockYear();
      }
      if (!r) return { kind: 'no-range', remaining: available };
      const range: CnaYearRange = { year: input.year, priorityTop: Number(r.priority_top), priorityEnd: Number(r.priority_end), generalTop: Number(r.general_top), generalEnd: Number(r.general_end) };
      const pool = input.batch === 'nonsequential'
        ? (await this.#q("SELECT number FROM cna_cve_ids WHERE year = $1 AND state = 'AVAILABLE' ORDER BY number", [input.year], c)).map((x) => Number(x.number))
        : [];
      const plan = planAllocation(range, input.batch, input.amount, pool, input.random ?? Math.random);
      if (plan.numbers.length === 0) return { kind: 'range-full', remaining: available };
      if (plan.newPool.length > 0) {
        await c.query(
          `INSERT INTO cna_cve_ids (cve_id, year, number, state, owning_org, requested_by_org, requested_by_user, reserved, created, modified)
           SELECT u.id, $1, u.num, 'AVAILABLE', '', '', '', '', $2, $2 FROM unnest($3::text[], $4::int[]) AS u(id, num)`,
          [input.year, input.now, plan.newPool.map((x) => formatCveId(input.year, x)), plan.newPool],
        );
      }
      const poolSet = new Set(pool);
      const ids: CnaCveId[] = plan.numbers.map((num) => ({
        cveId: formatCveId(input.year, num), year: input.year, number: num, state: 'RESERVED', owningOrg: input.targetOrg,
        requestedByOrg: input.requesterOrg, requestedByUser: input.requesterUser, reserved: input.now, created: input.now, modified: input.now, rev: 1,
      }));
      const fromPool = ids.filter((i) => poolSet.has(i.number));
      const fresh = ids.filter((i) => !poolSet.has(i.number));
      if (fromPool.length > 0) {
        const u = await c.query(
          `UPDATE cna_cve_ids SET state = 'RESERVED', owning_org = $1, requested_by_org = $2, requested_by_user = $3, reserved = $4, created = $4, modified = $4, rev = 1
           WHERE cve_id = ANY($5::text[]) AND state = 'AVAILABLE'`,
          [input.targetOrg, input.requesterOrg, input.requesterUser, input.now, fromPool.map((i) => i.cveId)],
        );
        if (u.rowCount !== fromPool.length) throw new Error('pool IDs were taken inside the year lock');
      }
      // The counters, the new rows and the audit entry in one statement (data-modifying CTEs).
      const a: CnaAuditInput = { ...audit, target: ids.length === 1 ? ids[0].cveId : `${ids[0].cveId}..${ids[ids.length - 1].cveId}`, after: { cveIds: ids.map((i) => i.cveId), batch: input.batch } };
      await c.query(
        `WITH r AS (UPDATE cna_year_ranges SET priority_top = $1, general_top = $2 WHERE year = $3),
              i AS (INSERT INTO cna_cve_ids (cve_id, year, number, state, owning_org, requested_by_org, requested_by_user, reserved, created, modified, rev)
                    SELECT u.id, $3, u.num, 'RESERVED', $4, $5, $6, $7, $7, $7, 1 FROM unnest($8::text[], $9::int[]) AS u(id, num))
         INSERT INTO cna_audit (at, actor_org, actor_user, org, action, target, before_json, after_json) VALUES ($10, $11, $12, $13, $14, $15, $16, $17)`,
        [
          plan.range.priorityTop, plan.range.generalTop, input.year, input.targetOrg, input.requesterOrg, input.requesterUser, input.now,
          fresh.map((i) => i.cveId), fresh.map((i) => i.number),
          a.at, a.actorOrg, a.actorUser, a.org, a.action, a.target, jsonOrNull(a.before), jsonOrNull(a.after),
        ],
      );
      return { kind: 'ok', ids, remaining: available - ids.length, partial: plan.short };
    });
  }

  async getCveId(cveId: string): Promise<CnaCveId | undefined> {
    const r = await this.#one('SELECT * FROM cna_cve_ids WHERE cve_id = $1', [cveId]);
    return r && cveIdFromRow(r);
  }

  async listCveIds(f: CnaIdFilter): Promise<CnaPage<CnaCveId>> {
    const where = ["i.state <> 'AVAILABLE'"];
    const p: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      p.push(v);
      where.push(sql.replace('?', `$${p.length}`));
    };
    if (f.owningOrg !== undefined) add('i.owning_org = ?', f.owningOrg);
    if (f.state) add('i.state = ?', f.state);
    if (f.year !== undefined) add('i.year = ?', f.year);
    if (f.reservedLt) add('i.reserved < ?', f.reservedLt);
    if (f.reservedGt) add('i.reserved > ?', f.reservedGt);
    if (f.modifiedLt) add('i.modified < ?', f.modifiedLt);
    if (f.modifiedGt) add('i.modified > ?', f.modifiedGt);
    const w = where.join(' AND ');
    const total = Number((await this.#one(`SELECT count(*) AS n FROM cna_cve_ids i WHERE ${w}`, p))?.n ?? 0);
    const items = (await this.#q(
      `SELECT i.* FROM cna_cve_ids i LEFT JOIN cna_orgs o ON o.uuid = i.owning_org WHERE ${w}
       ORDER BY o.short_name COLLATE "C", i.year, i.number LIMIT $${p.length + 1} OFFSET $${p.length + 2}`,
      [...p, f.limit, f.offset],
    )).map(cveIdFromRow);
    return { items, total };
  }

  async saveCveId(ch: CnaIdSave): Promise<CnaSaveResult | 'no-quota'> {
    return this.#tx(async (c): Promise<CnaSaveResult | 'no-quota'> => {
      if (ch.needQuotaOf !== undefined) {
        const org = await this.#one('SELECT id_quota FROM cna_orgs WHERE uuid = $1 FOR UPDATE', [ch.needQuotaOf], c);
        const reserved = await this.countReserved(ch.needQuotaOf, c);
        if (Number(org?.id_quota ?? 0) - reserved <= 0) return 'no-quota';
      }
      const id = ch.id;
      const u = await c.query(
        'UPDATE cna_cve_ids SET state = $1, owning_org = $2, requested_by_org = $3, requested_by_user = $4, reserved = $5, modified = $6, rev = $7 WHERE cve_id = $8 AND rev = $9',
        [id.state, id.owningOrg, id.requestedByOrg, id.requestedByUser, id.reserved, id.modified, ch.expectRev + 1, id.cveId, ch.expectRev],
      );
      if (u.rowCount !== 1) return 'conflict';
      if (ch.record) {
        const r = ch.record;
        await c.query(
          `INSERT INTO cna_records (cve_id, state, json, assigner_org, adp_orgs, cna_date_updated, created, modified) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (cve_id) DO UPDATE SET state = excluded.state, json = excluded.json, assigner_org = excluded.assigner_org,
             adp_orgs = excluded.adp_orgs, cna_date_updated = excluded.cna_date_updated, modified = excluded.modified`,
          [r.cveId, r.state, r.json, r.assignerOrg, adpOrgsText(r.adpOrgs), r.cnaDateUpdated, r.created, r.modified],
        );        // The repository write comes after this transaction; until it is done the record is marked.
        await c.query('INSERT INTO cna_repo_pending (cve_id, modified) VALUES ($1, $2) ON CONFLICT (cve_id) DO UPDATE SET modified = excluded.modified', [r.cveId, r.modified]);
      }
      await this.#audit(ch.audit, c);
      return 'ok';
    });
  }

  async createYearRange(range: CnaYearRange, audit: CnaAuditInput): Promise<'ok' | 'exists'> {
    return this.#tx(async (c) => {
      const r = await c.query(
        'INSERT INTO cna_year_ranges (year, priority_top, priority_end, general_top, general_end) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (year) DO NOTHING',
        [range.year, range.priorityTop, range.priorityEnd, range.generalTop, range.generalEnd],
      );
      if (r.rowCount !== 1) return 'exists' as const;
      await this.#audit(audit, c);
      return 'ok' as const;
    });
  }

  async getYearRange(year: number): Promise<CnaYearRange | undefined> {
    const r = await this.#one('SELECT * FROM cna_year_ranges WHERE year = $1', [year]);
    return r && { year, priorityTop: Number(r.priority_top), priorityEnd: Number(r.priority_end), generalTop: Number(r.general_top), generalEnd: Number(r.general_end) };
  }

  // --- records ---

  async getRecord(cveId: string): Promise<CnaRecord | undefined> {
    const r = await this.#one('SELECT * FROM cna_records WHERE cve_id = $1', [cveId]);
    return r && recordFromRow(r);
  }

  #recordWhere(f: CnaRecordFilter, p: unknown[]): string {
    const where: string[] = ['TRUE'];
    const add = (sql: string, v: unknown) => {
      p.push(v);
      where.push(sql.replace('?', `$${p.length}`));
    };
    if (f.state) add('r.state = ?', f.state);
    if (f.assignerOrg) add('r.assigner_org = ?', f.assignerOrg);
    if (f.adpOrg) add('strpos(r.adp_orgs, ?) > 0', `,${f.adpOrg},`);
    const col = f.cnaModified ? 'r.cna_date_updated' : 'r.modified';
    if (f.modifiedLt) add(`${col} < ?`, f.modifiedLt);
    if (f.modifiedGt) add(`${col} > ?`, f.modifiedGt);
    return where.join(' AND ');
  }

  async listRecords(f: CnaRecordFilter, page: CnaPageRequest): Promise<CnaPage<CnaRecord>> {
    const p: unknown[] = [];
    const w = this.#recordWhere(f, p);
    const total = Number((await this.#one(`SELECT count(*) AS n FROM cna_records r WHERE ${w}`, p))?.n ?? 0);
    const items = (await this.#q(
      `SELECT r.* FROM cna_records r JOIN cna_cve_ids i ON i.cve_id = r.cve_id WHERE ${w} ORDER BY i.year, i.number LIMIT $${p.length + 1} OFFSET $${p.length + 2}`,
      [...p, page.limit, page.offset],
    )).map(recordFromRow);
    return { items, total };
  }

  async countRecords(f: CnaRecordFilter): Promise<number> {
    const p: unknown[] = [];
    const w = this.#recordWhere(f, p);
    return Number((await this.#one(`SELECT count(*) AS n FROM cna_records r WHERE ${w}`, p))?.n ?? 0);
  }

  async cursorRecords(f: CnaRecordFilter, cursor: CnaRecordCursor | undefined, limit: number): Promise<{ items: CnaRecord[]; hasMore: boolean }> {
    const p: unknown[] = [];
    let w = this.#recordWhere(f, p);
    const back = cursor?.direction === 'before';
    if (cursor) {
      p.push(cursor.created, cursor.cveId);
      w += ` AND (r.created, r.cve_id) ${back ? '<' : '>'} ($${p.length - 1}, $${p.length})`;
    }
    const dir = back ? 'DESC' : 'ASC';
    const rows = (await this.#q(`SELECT r.* FROM cna_records r WHERE ${w} ORDER BY r.created COLLATE "C" ${dir}, r.cve_id COLLATE "C" ${dir} LIMIT $${p.length + 1}`, [...p, limit + 1])).map(recordFromRow);
    const hasMore = rows.length > limit;
    const items = rows.slice(0, limit);
    return { items: back ? items.reverse() : items, hasMore };
  }

  // --- audit ---

  async listAudit(f: { readonly org?: string; readonly target?: string; readonly afterId?: number; readonly limit?: number }): Promise<CnaAuditEntry[]> {
    const p: unknown[] = [f.afterId ?? 0];
    const where = ['id > $1'];
    if (f.org !== undefined) p.push(f.org), where.push(`org = $${p.length}`);
    if (f.target !== undefined) p.push(f.target), where.push(`target = $${p.length}`);
    p.push(f.limit ?? 1000);
    return (await this.#q(`SELECT * FROM cna_audit WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${p.length}`, p)).map(auditFromRow);
  }

  async listAuditDesc(f: { readonly org?: string; readonly beforeId?: number; readonly limit: number }): Promise<CnaAuditEntry[]> {
    const p: unknown[] = [f.beforeId ?? Number.MAX_SAFE_INTEGER];
    const where = ['id < $1'];
    if (f.org !== undefined) p.push(f.org), where.push(`org = $${p.length}`);
    p.push(f.limit);
    return (await this.#q(`SELECT * FROM cna_audit WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${p.length}`, p)).map(auditFromRow);
  }

  // --- workbench sessions and drafts ---

  #write(): void {
    if (this.#readonly) throw new StoreError('READ_ONLY', 'the store is open read-only');
  }

  async createSession(x: CnaSession): Promise<void> {
    this.#write();
    await this.#pool.query('INSERT INTO cna_sessions (id_hash, user_uuid, org_uuid, csrf, created, expires) VALUES ($1, $2, $3, $4, $5, $6)', [x.idHash, x.userUuid, x.orgUuid, x.csrf, x.created, x.expires]);
  }

  async getSession(idHash: string): Promise<CnaSession | undefined> {
    const r = await this.#one('SELECT * FROM cna_sessions WHERE id_hash = $1', [idHash]);
    return r && sessionFromRow(r);
  }

  async deleteSession(idHash: string): Promise<void> {
    this.#write();
    await this.#pool.query('DELETE FROM cna_sessions WHERE id_hash = $1', [idHash]);
  }

  async purgeSessions(now: string): Promise<number> {
    this.#write();
    return (await this.#pool.query('DELETE FROM cna_sessions WHERE expires < $1', [now])).rowCount ?? 0;
  }

  async saveDraft(d: CnaDraft): Promise<void> {
    this.#write();
    await this.#pool.query(
      `INSERT INTO cna_drafts (cve_id, org_uuid, json, updated, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (cve_id) DO UPDATE SET org_uuid = excluded.org_uuid, json = excluded.json, updated = excluded.updated, updated_by = excluded.updated_by`,
      [d.cveId, d.orgUuid, d.json, d.updated, d.updatedBy],
    );
  }

  async getDraft(cveId: string): Promise<CnaDraft | undefined> {
    const r = await this.#one('SELECT * FROM cna_drafts WHERE cve_id = $1', [cveId]);
    return r && draftFromRow(r);
  }

  async deleteDraft(cveId: string): Promise<void> {
    this.#write();
    await this.#pool.query('DELETE FROM cna_drafts WHERE cve_id = $1', [cveId]);
  }

  async listDrafts(orgUuid: string): Promise<CnaDraft[]> {
    return (await this.#q('SELECT * FROM cna_drafts WHERE org_uuid = $1 ORDER BY cve_id', [orgUuid])).map(draftFromRow);
  }

  async searchCwes(text: string, limit: number): Promise<{ id: string; name: string }[]> {
    const like = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return (await this.#q(
      `SELECT id, name FROM cwe_entries WHERE lower(id) LIKE $1 OR lower(name) LIKE $1
       ORDER BY (type <> 'weakness'), length(id), id COLLATE "C" LIMIT $2`,
      [like, limit],
    )).map((r) => ({ id: String(r.id), name: String(r.name) }));
  }

  // --- upstream relay ---

  async setUpstream(u: CnaUpstream, audit: CnaAuditInput): Promise<void> {
    await this.#tx(async (c) => {
      await c.query(
        `INSERT INTO cna_upstreams (org_uuid, url, upstream_org, upstream_user, key_sealed, updated) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (org_uuid) DO UPDATE SET url = excluded.url, upstream_org = excluded.upstream_org, upstream_user = excluded.upstream_user,
           key_sealed = excluded.key_sealed, updated = excluded.updated`,
        [u.orgUuid, u.url, u.upstreamOrg, u.upstreamUser, u.keySealed, u.updated],
      );
      await this.#audit(audit, c);
    });
  }

  async getUpstream(orgUuid: string): Promise<CnaUpstream | undefined> {
    const r = await this.#one('SELECT * FROM cna_upstreams WHERE org_uuid = $1', [orgUuid]);
    return r && upstreamFromRow(r);
  }

  async deleteUpstream(orgUuid: string, audit: CnaAuditInput): Promise<void> {
    await this.#tx(async (c) => {
      if (((await c.query('DELETE FROM cna_upstreams WHERE org_uuid = $1', [orgUuid])).rowCount ?? 0) > 0) await this.#audit(audit, c);
    });
  }

  async enqueue(i: CnaOutboxInput, nextAt: string): Promise<number> {
    this.#write();
    const r = await this.#one(
      'INSERT INTO cna_outbox (org_uuid, op, cve_id, payload, actor_user, next_at, created) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id',
      [i.orgUuid, i.op, i.cveId, i.payload, i.actorUser, nextAt, i.created],
    );
    return Number(r?.id);
  }

  async claimOutbox(now: string, owner: string, leaseUntil: string, limit: number): Promise<CnaOutboxItem[]> {
    this.#write();
    // SKIP LOCKED: concurrent workers in other processes each take different items.
    const rows = await this.#q(
      `UPDATE cna_outbox SET lease_owner = $1, lease_until = $2 WHERE id IN (
         SELECT id FROM cna_outbox WHERE state = 'pending' AND next_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
         ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [owner, leaseUntil, now, limit],
    );
    return rows.map(outboxFromRow).sort((a, b) => a.id - b.id);
  }

  async finishOutbox(id: number, owner: string, r: { readonly done: true; readonly at: string; readonly failed?: string } | { readonly done: false; readonly error: string; readonly nextAt: string }): Promise<boolean> {
    this.#write();
    const res = r.done
      ? await this.#pool.query("UPDATE cna_outbox SET state = $4, attempts = attempts + 1, last_error = $5, finished = $1, lease_owner = NULL, lease_until = NULL WHERE id = $2 AND lease_owner = $3", [r.at, id, owner, r.failed === undefined ? 'done' : 'failed', r.failed ?? null])
      : await this.#pool.query('UPDATE cna_outbox SET attempts = attempts + 1, last_error = $1, next_at = $2, lease_owner = NULL, lease_until = NULL WHERE id = $3 AND lease_owner = $4', [r.error, r.nextAt, id, owner]);
    return res.rowCount === 1;
  }

  async getOutbox(id: number): Promise<CnaOutboxItem | undefined> {
    const r = await this.#one('SELECT * FROM cna_outbox WHERE id = $1', [id]);
    return r && outboxFromRow(r);
  }

  async listOutbox(orgUuid: string, opts: { readonly pendingOnly?: boolean; readonly limit: number }): Promise<CnaOutboxItem[]> {
    const w = opts.pendingOnly ? " AND state = 'pending'" : '';
    return (await this.#q(`SELECT * FROM cna_outbox WHERE org_uuid = $1${w} ORDER BY id DESC LIMIT $2`, [orgUuid, opts.limit])).map(outboxFromRow);
  }

  async insertCveIds(ids: readonly CnaCveId[], audit: CnaAuditInput): Promise<'ok' | 'conflict'> {
    return this.#tx(async (c) => {
      // The years' locks first (as `reserve` takes them), then move their counters past these
      // numbers, so a later local reservation never hands out a number upstream already gave.
      for (const year of [...new Set(ids.map((i) => i.year))].sort()) {
        const d = defaultYearRange(year);
        await c.query(
          'INSERT INTO cna_year_ranges (year, priority_top, priority_end, general_top, general_end) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (year) DO NOTHING',
          [d.year, d.priorityTop, d.priorityEnd, d.generalTop, d.generalEnd],
        );
        const r = (await this.#one('SELECT * FROM cna_year_ranges WHERE year = $1 FOR UPDATE', [year], c)) as Row;
        const next = advanceRange(
          { year, priorityTop: Number(r.priority_top), priorityEnd: Number(r.priority_end), generalTop: Number(r.general_top), generalEnd: Number(r.general_end) },
          ids.filter((i) => i.year === year).map((i) => i.number),
        );
        await c.query('UPDATE cna_year_ranges SET priority_top = $1, general_top = $2 WHERE year = $3', [next.priorityTop, next.generalTop, year]);
      }
      for (const id of ids) {
        const cur = await this.#one('SELECT state, owning_org FROM cna_cve_ids WHERE cve_id = $1 FOR UPDATE', [id.cveId], c);
        if (cur && !(cur.state === 'AVAILABLE' || (cur.state === 'RESERVED' && cur.owning_org === id.owningOrg))) {
          // Everything above is rolled back too: the year counters keep their old values.
          throw new RollbackWith('conflict' as const);
        }
        await c.query(
          `INSERT INTO cna_cve_ids (cve_id, year, number, state, owning_org, requested_by_org, requested_by_user, reserved, created, modified, rev) VALUES ($1, $2, $3, 'RESERVED', $4, $5, $6, $7, $8, $9, 1)
           ON CONFLICT (cve_id) DO UPDATE SET state = 'RESERVED', owning_org = excluded.owning_org, requested_by_org = excluded.requested_by_org,
             requested_by_user = excluded.requested_by_user, reserved = excluded.reserved, modified = excluded.modified, rev = cna_cve_ids.rev + 1`,
          [id.cveId, id.year, id.number, id.owningOrg, id.requestedByOrg, id.requestedByUser, id.reserved, id.created, id.modified],
        );
      }
      await this.#audit(audit, c);
      return 'ok' as const;
    });
  }

  // --- failure counters ---

  async addFailures(keys: readonly string[], delta: number, now: string, windowStart: string): Promise<number[]> {
    this.#write();
    if (keys.length === 0) return [];
    // One statement: each row's upsert is atomic; keys in sorted order so concurrent calls lock alike.
    const sorted = [...new Set(keys)].sort();
    const rows = await this.#q(
      `INSERT INTO cna_failures (key, count, window_start) SELECT k, greatest($2::int, 0), $3 FROM unnest($1::text[]) AS k
       ON CONFLICT (key) DO UPDATE SET
         count = greatest(CASE WHEN cna_failures.window_start < $4 THEN 0 ELSE cna_failures.count END + $2::int, 0),
         window_start = CASE WHEN cna_failures.window_start < $4 THEN excluded.window_start ELSE cna_failures.window_start END
       RETURNING key, count`,
      [sorted, delta, now, windowStart],
    );
    const by = new Map(rows.map((r) => [String(r.key), Number(r.count)]));
    return keys.map((k) => by.get(k) ?? 0);
  }

  async getFailures(keys: readonly string[], windowStart: string): Promise<number[]> {
    if (keys.length === 0) return [];
    const rows = await this.#q('SELECT key, count FROM cna_failures WHERE key = ANY($1::text[]) AND window_start >= $2', [[...keys], windowStart]);
    const by = new Map(rows.map((r) => [String(r.key), Number(r.count)]));
    return keys.map((k) => by.get(k) ?? 0);
  }

  async clearFailures(key: string): Promise<void> {
    this.#write();
    await this.#pool.query('DELETE FROM cna_failures WHERE key = $1', [key]);
  }

  async purgeFailures(windowStart: string): Promise<number> {
    this.#write();
    return (await this.#pool.query('DELETE FROM cna_failures WHERE window_start < $1', [windowStart])).rowCount ?? 0;
  }

  // --- repository writes still to do ---

  async listRepoPending(limit: number): Promise<{ cveId: string; modified: string }[]> {
    return (await this.#q('SELECT cve_id, modified FROM cna_repo_pending ORDER BY cve_id LIMIT $1', [limit])).map((r) => ({ cveId: String(r.cve_id), modified: String(r.modified) }));
  }

  async clearRepoPending(cveId: string, modified: string): Promise<void> {
    this.#write();
    await this.#pool.query('DELETE FROM cna_repo_pending WHERE cve_id = $1 AND modified = $2', [cveId, modified]);
  }
}
