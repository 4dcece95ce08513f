/**
 * @module The enrichment sub-store on SQLite: each write is one `BEGIN IMMEDIATE`
 * transaction run synchronously, so nothing interleaves within a process and the database
 * write lock serialises writers across processes.
 */
import type { DatabaseSync } from 'node:sqlite';
import { SqliteConnection } from './connection.ts';
import { MultiInsert, type InsertShape } from './multi-insert.ts';
import type { CveId, RecordState } from '../../cve/index.ts';
import { StoreError } from '../errors.ts';
import { nowIso } from '../rows.ts';
import { epssPoint, planNvdWrites, legacyFromRow, mappingIssueFromRow, nvdRecordFromRow, nvdVersionFromRow } from '../enrich-rows.ts';
import type {
  EnrichCounts,
  EnrichStore,
  EpssPoint,
  EpssScoreWrite,
  KnownRecord,
  LegacyEntryWrite,
  LegacyWriteOutcome,
  MappingIssue,
  MappingIssueFilter,
  MappingIssueInput,
  NvdChangeWrite,
  NvdCpeWrite,
  NvdRecordWrite,
  NvdVersionInfo,
  NvdWriteOutcome,
  StoredLegacyEntry,
  StoredNvdRecord,
} from '../enrich-types.ts';

type Param = null | number | string;
type Row = Record<string, unknown>;
const CHUNK = 500;
/** Page cache during a bulk import (KiB): inserts in key order need few pages. */
const BULK_CACHE_KIB = 8192;
const NVD_VERSION_INSERT: InsertShape = {
  head: 'INSERT INTO nvd_record_versions (cve_id, version, hash, format, json, last_modified, published, vuln_status, source_identifier, origin, arrived_at)',
  width: 11,
};
const NVD_RECORD_UPSERT: InsertShape = {
  head: 'INSERT INTO nvd_records (cve_id, version, last_version, hash, last_modified, published, vuln_status, source_identifier, arrived_at)',
  width: 9,
  tail: ` ON CONFLICT (cve_id) DO UPDATE SET version = excluded.version, last_version = excluded.last_version, hash = excluded.hash, last_modified = excluded.last_modified,
    published = excluded.published, vuln_status = excluded.vuln_status, source_identifier = excluded.source_identifier, arrived_at = excluded.arrived_at`,
};
const LEGACY_UPSERT: InsertShape = {
  head: 'INSERT INTO legacy_entries (cve_id, format, original_name, status, phase, rejected, reserved, disputed, replaced_by, hash, json, release, origin, first_seen, last_seen)',
  width: 15,
  tail: ` ON CONFLICT (cve_id, format) DO UPDATE SET original_name = excluded.original_name, status = excluded.status, phase = excluded.phase, rejected = excluded.rejected,
    reserved = excluded.reserved, disputed = excluded.disputed, replaced_by = excluded.replaced_by, hash = excluded.hash, json = excluded.json,
    release = excluded.release, origin = excluded.origin, last_seen = excluded.last_seen`,
};

export class SqliteEnrichStore implements EnrichStore {
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


  async bulkImport<T>(run: () => Promise<T>): Promise<T> {
    const before = (this.#db.prepare('PRAGMA cache_size').get() as { cache_size: number }).cache_size;
    this.#db.exec(`PRAGMA cache_size = -${BULK_CACHE_KIB}`);
    try {
      return await run();
    } finally {
      this.#db.exec(`PRAGMA cache_size = ${Number(before)}`);
    }
  }

  // --- NVD ---

  async writeNvdRecords(writes: readonly NvdRecordWrite[], meta?: { readonly key: string; readonly value: string }): Promise<NvdWriteOutcome[]> {
    // Set-based like the PostgreSQL store: lookups per 500 names, multi-row inserts.
    return this.#c.tx(() => {
      const at = nowIso();
      const current = new Map<string, Row>();
      const known = new Set<string>();
      for (let i = 0; i < writes.length; i += CHUNK) {
        const part = writes.slice(i, i + CHUNK);
        for (const r of this.#c.all('SELECT r.cve_id, r.last_version, r.last_modified FROM json_each(?) AS w JOIN nvd_records r ON r.cve_id = w.value', JSON.stringify(part.map((w) => w.cveId)))) {
          current.set(String(r.cve_id), r);
        }
        const again = part.filter((w) => current.has(w.cveId));
        if (again.length === 0) continue;
        const pairs = JSON.stringify(again.map((w) => [w.cveId, w.hash]));
        for (const r of this.#c.all('SELECT v.cve_id, v.hash FROM json_each(?) AS w JOIN nvd_record_versions v ON v.cve_id = w.value ->> 0 AND v.hash = w.value ->> 1', pairs)) {
          known.add(`${r.cve_id} ${r.hash}`);
        }
      }
      const plan = planNvdWrites(writes, current, known);
      for (const o of plan.older) this.#c.run('UPDATE nvd_records SET last_version = ? WHERE cve_id = ?', o.version, o.cveId);
      this.#insertRows(
        NVD_VERSION_INSERT,
        plan.versions.map(({ w, version }) => [w.cveId, version, w.hash, w.format, w.json, w.lastModified, w.published, w.vulnStatus ?? null, w.sourceIdentifier ?? null, w.origin ?? null, at]),
      );
      this.#insertRows(
        NVD_RECORD_UPSERT,
        plan.currents.map(({ w, version }) => [w.cveId, version, version, w.hash, w.lastModified, w.published, w.vulnStatus ?? null, w.sourceIdentifier ?? null, at]),
      );
      if (meta) this.#setMeta(meta.key, meta.value, at);
      return plan.outcomes;
    });
  }

  /** `rows` of `shape` as multi-row statements. */
  #insertRows(shape: InsertShape, rows: readonly Param[][]): void {
    const m = new MultiInsert((sql) => this.#c.stmt(sql));
    for (const row of rows) m.add(shape, ...row);
    m.flush();
  }

  #setMeta(key: string, value: string, at: string): void {
    this.#c.run('INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', key, value, at);
  }

  async getNvdRecord(cveId: CveId): Promise<StoredNvdRecord | undefined> {
    const r = this.#c.get('SELECT v.*, 1 AS current FROM nvd_records r JOIN nvd_record_versions v ON v.cve_id = r.cve_id AND v.version = r.version WHERE r.cve_id = ?', cveId);
    return r && nvdRecordFromRow(r);
  }

  async getNvdVersion(cveId: CveId, version: number): Promise<StoredNvdRecord | undefined> {
    const r = this.#c.get(
      'SELECT v.*, (r.version = v.version) AS current FROM nvd_record_versions v JOIN nvd_records r ON r.cve_id = v.cve_id WHERE v.cve_id = ? AND v.version = ?',
      cveId, version,
    );
    return r && nvdRecordFromRow(r);
  }

  async listNvdVersions(cveId: CveId): Promise<NvdVersionInfo[]> {
    return this.#c.all(
      `SELECT v.cve_id, v.version, v.hash, v.last_modified, v.vuln_status, v.origin, v.arrived_at, (r.version = v.version) AS current
       FROM nvd_record_versions v JOIN nvd_records r ON r.cve_id = v.cve_id WHERE v.cve_id = ? ORDER BY v.version`,
      cveId,
    ).map(nvdVersionFromRow);
  }

  async writeNvdChanges(changes: readonly NvdChangeWrite[]): Promise<number> {
    return this.#c.tx(() => {
      let added = 0;
      for (const c of changes) {
        added += this.#c.run(
          'INSERT INTO nvd_changes (cve_change_id, cve_id, event_name, created, source_identifier, json) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (cve_change_id) DO NOTHING',
          c.cveChangeId, c.cveId, c.eventName, c.created, c.sourceIdentifier ?? null, c.json,
        );
      }
      return added;
    });
  }

  async listNvdChanges(cveId: CveId): Promise<NvdChangeWrite[]> {
    return this.#c.all('SELECT * FROM nvd_changes WHERE cve_id = ? ORDER BY created, cve_change_id', cveId).map((r) => ({
      cveChangeId: String(r.cve_change_id),
      cveId: String(r.cve_id) as CveId,
      eventName: String(r.event_name),
      created: String(r.created),
      ...(r.source_identifier == null ? {} : { sourceIdentifier: String(r.source_identifier) }),
      json: String(r.json),
    }));
  }

  async writeNvdCpe(items: readonly NvdCpeWrite[]): Promise<number> {
    return this.#c.tx(() => {
      let changed = 0;
      for (const c of items) {
        changed += this.#c.run(
          `INSERT INTO nvd_cpe (kind, key, name, last_modified, hash, json) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (kind, key) DO UPDATE SET name = excluded.name, last_modified = excluded.last_modified, hash = excluded.hash, json = excluded.json
           WHERE nvd_cpe.hash <> excluded.hash`,
          c.kind, c.key, c.name, c.lastModified ?? null, c.hash, c.json,
        );
      }
      return changed;
    });
  }

  async getNvdCpe(kind: NvdCpeWrite['kind'], key: string): Promise<NvdCpeWrite | undefined> {
    const r = this.#c.get('SELECT * FROM nvd_cpe WHERE kind = ? AND key = ?', kind, key);
    if (!r) return undefined;
    return { kind, key, name: String(r.name), ...(r.last_modified == null ? {} : { lastModified: String(r.last_modified) }), hash: String(r.hash), json: String(r.json) };
  }

  // --- EPSS ---

  async writeEpssScores(scores: readonly EpssScoreWrite[], scoreDate: string, modelVersion: string): Promise<number> {
    return this.#c.tx(() => {
      let changed = 0;
      for (const s of scores) {
        changed += this.#c.run(
          `INSERT INTO epss_scores (cve_id, score_date, model_version, epss, percentile) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (cve_id, score_date) DO UPDATE SET model_version = excluded.model_version, epss = excluded.epss, percentile = excluded.percentile
           WHERE epss_scores.epss <> excluded.epss OR epss_scores.percentile <> excluded.percentile OR epss_scores.model_version <> excluded.model_version`,
          s.cveId, scoreDate, modelVersion, s.epss, s.percentile,
        );
      }
      return changed;
    });
  }

  async epssHistory(cveId: CveId): Promise<EpssPoint[]> {
    return this.#c.all('SELECT * FROM epss_scores WHERE cve_id = ? ORDER BY score_date', cveId).map(epssPoint);
  }

  // --- legacy ---

  async writeLegacyEntries(entries: readonly LegacyEntryWrite[]): Promise<LegacyWriteOutcome[]> {
    if (entries.length === 0) return [];
    // Set-based: one lookup per 500 names, multi-row inserts, one touch of the unchanged;
    // a statement per entry was most of the import's SQLite time.
    return this.#c.tx(() => {
      const at = nowIso();
      const existing = new Map<string, string>();
      for (let i = 0; i < entries.length; i += CHUNK) {
        const keys = JSON.stringify(entries.slice(i, i + CHUNK).map((e) => [e.cveId, e.format]));
        for (const r of this.#c.all('SELECT l.cve_id, l.format, l.hash FROM json_each(?) AS w JOIN legacy_entries l ON l.cve_id = w.value ->> 0 AND l.format = w.value ->> 1', keys)) {
          existing.set(`${r.cve_id} ${r.format}`, String(r.hash));
        }
      }
      const outcomes: LegacyWriteOutcome[] = [];
      const seen = new Set<string>();
      const write: LegacyEntryWrite[] = [];
      const touch: [string, string, string | null][] = [];
      for (const e of entries) {
        const key = `${e.cveId} ${e.format}`;
        const old = existing.get(key);
        if (old === e.hash || seen.has(key)) {
          outcomes.push('unchanged');
          touch.push([e.cveId, e.format, e.release ?? null]);
          continue;
        }
        seen.add(key);
        outcomes.push(old === undefined ? 'added' : 'updated');
        write.push(e);
      }
      for (let i = 0; i < touch.length; i += CHUNK) {
        this.#c.run(
          `UPDATE legacy_entries SET last_seen = ?, release = coalesce(w.value ->> 2, legacy_entries.release)
           FROM json_each(?) AS w WHERE legacy_entries.cve_id = w.value ->> 0 AND legacy_entries.format = w.value ->> 1`,
          at, JSON.stringify(touch.slice(i, i + CHUNK)),
        );
      }
      const params = (e: LegacyEntryWrite): Param[] => [
        e.cveId, e.format, e.originalName, e.status ?? null, e.phase ?? null, e.rejected ? 1 : 0, e.reserved ? 1 : 0, e.disputed ? 1 : 0,
        JSON.stringify(e.replacedBy), e.hash, e.json, e.release ?? null, e.origin ?? null, at, at,
      ];
      this.#insertRows(LEGACY_UPSERT, write.map(params));
      return outcomes;
    });
  }

  async getLegacyEntries(cveId: CveId): Promise<StoredLegacyEntry[]> {
    return this.#c.all('SELECT * FROM legacy_entries WHERE cve_id = ? ORDER BY format', cveId).map(legacyFromRow);
  }

  // --- mapping ---

  async knownRecords(cveIds: readonly CveId[]): Promise<Map<CveId, KnownRecord>> {
    const out = new Map<CveId, KnownRecord>();
    const ids = [...new Set(cveIds)];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      const list = JSON.stringify(part);
      for (const r of this.#c.all('SELECT cve_id, state FROM records WHERE cve_id IN (SELECT value FROM json_each(?))', list)) {
        out.set(String(r.cve_id) as CveId, { state: String(r.state) as RecordState, replacedBy: [] });
      }
      for (const r of this.#c.all('SELECT cve_id, target FROM record_replacements WHERE cve_id IN (SELECT value FROM json_each(?)) ORDER BY cve_id, target', list)) {
        const k = out.get(String(r.cve_id) as CveId);
        if (k) (k.replacedBy as CveId[]).push(String(r.target) as CveId);
      }
    }
    return out;
  }

  async recordMappingIssues(issues: readonly MappingIssueInput[], at: string): Promise<void> {
    if (issues.length === 0) return;
    this.#c.tx(() => {
      for (const m of issues) {
        this.#c.run(
          `INSERT INTO mapping_issues (source, record, cve_id, kind, detail, status, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, 'open', ?, ?)
           ON CONFLICT (source, cve_id, kind) DO UPDATE SET record = excluded.record, detail = excluded.detail, status = 'open', last_seen = excluded.last_seen`,
          m.source, m.record, m.cveId, m.kind, m.detail, at, at,
        );
      }
    });
  }

  async clearMappingIssues(source: string, cveIds: readonly CveId[]): Promise<void> {
    if (cveIds.length === 0) return;
    this.#c.tx(() => {
      for (let i = 0; i < cveIds.length; i += CHUNK) {
        this.#c.run("UPDATE mapping_issues SET status = 'resolved' WHERE source = ? AND status = 'open' AND cve_id IN (SELECT value FROM json_each(?))", source, JSON.stringify(cveIds.slice(i, i + CHUNK)));
      }
    });
  }

  async resolveMappingIssues(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    this.#c.tx(() => {
      for (const id of ids) this.#c.run("UPDATE mapping_issues SET status = 'resolved' WHERE id = ?", id);
    });
  }

  async listMappingIssues(filter: MappingIssueFilter = {}): Promise<{ items: MappingIssue[]; total: number }> {
    const where: string[] = [];
    const params: Param[] = [];
    if (filter.source) where.push('source = ?'), params.push(filter.source);
    if (filter.kind) where.push('kind = ?'), params.push(filter.kind);
    if (filter.status) where.push('status = ?'), params.push(filter.status);
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number(this.#db.prepare(`SELECT count(*) AS n FROM mapping_issues ${cond}`).get(...params)?.n ?? 0);
    const page = [...where, ...(filter.afterId !== undefined ? ['id > ?'] : [])];
    const pageParams = [...params, ...(filter.afterId !== undefined ? [filter.afterId] : []), filter.limit ?? 100];
    const items = (this.#db.prepare(`SELECT * FROM mapping_issues ${page.length ? `WHERE ${page.join(' AND ')}` : ''} ORDER BY id LIMIT ?`).all(...pageParams) as Row[]).map(mappingIssueFromRow);
    return { items, total };
  }

  async mappingIssuesFor(cveId: CveId): Promise<MappingIssue[]> {
    return this.#c.all('SELECT * FROM mapping_issues WHERE cve_id = ? ORDER BY id', cveId).map(mappingIssueFromRow);
  }

  async counts(): Promise<EnrichCounts> {
    const n = (sql: string): number => Number(this.#c.get(sql)?.n ?? 0);
    return {
      nvdRecords: n('SELECT count(*) AS n FROM nvd_records'),
      nvdVersions: n('SELECT count(*) AS n FROM nvd_record_versions'),
      nvdChanges: n('SELECT count(*) AS n FROM nvd_changes'),
      cpe: n("SELECT count(*) AS n FROM nvd_cpe WHERE kind = 'cpe'"),
      cpeMatch: n("SELECT count(*) AS n FROM nvd_cpe WHERE kind = 'cpe-match'"),
      epssCves: n('SELECT count(DISTINCT cve_id) AS n FROM epss_scores'),
      epssScores: n('SELECT count(*) AS n FROM epss_scores'),
      legacyEntries: n('SELECT count(*) AS n FROM legacy_entries'),
      mappingIssuesOpen: n("SELECT count(*) AS n FROM mapping_issues WHERE status = 'open'"),
    };
  }
}
