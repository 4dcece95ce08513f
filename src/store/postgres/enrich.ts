/**
 * @module The enrichment sub-store on PostgreSQL. Batches are set-based (`unnest` over
 * columns), so a page of 2,000 NVD records costs a handful of round trips. Writers of NVD
 * records and legacy entries take a transaction-scoped advisory lock first: version numbers
 * are read and assigned under it, so two processes never number the same version twice.
 */
import type pg from 'pg';
import { withTransaction } from './transaction.ts';
import type { PoolClient } from 'pg';
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

type Row = Record<string, unknown>;
type Queryable = Pick<PoolClient, 'query'>;

const LOCK_NVD = 0x6376_6b41;
const LOCK_LEGACY = 0x6376_6b42;

export class PostgresEnrichStore implements EnrichStore {
  readonly #pool: pg.Pool;
  readonly #readonly: boolean;

  constructor(pool: pg.Pool, opts: { readonly readonly?: boolean } = {}) {
    this.#pool = pool;
    this.#readonly = opts.readonly === true;
  }

  async #q(sql: string, params: unknown[] = [], on: Queryable = this.#pool): Promise<Row[]> {
    return (await on.query(sql, params)).rows as Row[];
  }

  async #tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    if (this.#readonly) throw new StoreError('READ_ONLY', 'the store is open read-only');
    return withTransaction(this.#pool, fn);
  }

  // --- NVD ---

  async bulkImport<T>(run: () => Promise<T>): Promise<T> {
    // The cache is the server's: nothing to cap in this process.
    return run();
  }

  async writeNvdRecords(writes: readonly NvdRecordWrite[], meta?: { readonly key: string; readonly value: string }): Promise<NvdWriteOutcome[]> {
    return this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [LOCK_NVD]);
      const at = nowIso();
      const ids = writes.map((w) => w.cveId);
      const current = new Map<string, Row>();
      for (const r of await this.#q('SELECT cve_id, last_version, last_modified FROM nvd_records WHERE cve_id = ANY($1::text[])', [ids], c)) current.set(String(r.cve_id), r);
      const known = new Set<string>();
      if (current.size > 0) {
        const rows = await this.#q(
          'SELECT v.cve_id, v.hash FROM nvd_record_versions v JOIN unnest($1::text[], $2::text[]) AS w(cve_id, hash) ON v.cve_id = w.cve_id AND v.hash = w.hash',
          [ids, writes.map((w) => w.hash)],
          c,
        );
        for (const r of rows) known.add(`${r.cve_id} ${r.hash}`);
      }
      const { outcomes, versions, currents, older } = planNvdWrites(writes, current, known);
      if (versions.length > 0) {
        const col = <T>(f: (x: { w: NvdRecordWrite; version: number }) => T): T[] => versions.map(f);
        await c.query(
          `INSERT INTO nvd_record_versions (cve_id, version, hash, format, json, last_modified, published, vuln_status, source_identifier, origin, arrived_at)
           SELECT *, $11::text FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])`,
          [
            col((x) => x.w.cveId), col((x) => x.version), col((x) => x.w.hash), col((x) => x.w.format), col((x) => x.w.json), col((x) => x.w.lastModified),
            col((x) => x.w.published), col((x) => x.w.vulnStatus ?? null), col((x) => x.w.sourceIdentifier ?? null), col((x) => x.w.origin ?? null), at,
          ],
        );
      }
      if (currents.length > 0) {
        const col = <T>(f: (x: { w: NvdRecordWrite; version: number }) => T): T[] => currents.map(f);
        await c.query(
          `INSERT INTO nvd_records (cve_id, version, last_version, hash, last_modified, published, vuln_status, source_identifier, arrived_at)
           SELECT cve_id, version, version, hash, last_modified, published, vuln_status, source_identifier, $8::text
           FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS w(cve_id, version, hash, last_modified, published, vuln_status, source_identifier)
           ON CONFLICT (cve_id) DO UPDATE SET version = excluded.version, last_version = excluded.last_version, hash = excluded.hash, last_modified = excluded.last_modified,
             published = excluded.published, vuln_status = excluded.vuln_status, source_identifier = excluded.source_identifier, arrived_at = excluded.arrived_at`,
          [col((x) => x.w.cveId), col((x) => x.version), col((x) => x.w.hash), col((x) => x.w.lastModified), col((x) => x.w.published), col((x) => x.w.vulnStatus ?? null), col((x) => x.w.sourceIdentifier ?? null), at],
        );
      }
      if (older.length > 0) {
        await c.query('UPDATE nvd_records r SET last_version = o.version FROM unnest($1::text[], $2::int[]) AS o(cve_id, version) WHERE r.cve_id = o.cve_id', [
          older.map((o) => o.cveId),
          older.map((o) => o.version),
        ]);
      }
      if (meta) {
        await c.query('INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', [meta.key, meta.value, at]);
      }
      return outcomes;
    });
  }

  async getNvdRecord(cveId: CveId): Promise<StoredNvdRecord | undefined> {
    const [r] = await this.#q('SELECT v.*, true AS current FROM nvd_records r JOIN nvd_record_versions v ON v.cve_id = r.cve_id AND v.version = r.version WHERE r.cve_id = $1', [cveId]);
    return r && nvdRecordFromRow(r);
  }

  async getNvdVersion(cveId: CveId, version: number): Promise<StoredNvdRecord | undefined> {
    const [r] = await this.#q(
      'SELECT v.*, (r.version = v.version) AS current FROM nvd_record_versions v JOIN nvd_records r ON r.cve_id = v.cve_id WHERE v.cve_id = $1 AND v.version = $2',
      [cveId, version],
    );
    return r && nvdRecordFromRow(r);
  }

  async listNvdVersions(cveId: CveId): Promise<NvdVersionInfo[]> {
    const rows = await this.#q(
      `SELECT v.cve_id, v.version, v.hash, v.last_modified, v.vuln_status, v.origin, v.arrived_at, (r.version = v.version) AS current
       FROM nvd_record_versions v JOIN nvd_records r ON r.cve_id = v.cve_id WHERE v.cve_id = $1 ORDER BY v.version`,
      [cveId],
    );
    return rows.map(nvdVersionFromRow);
  }

  async writeNvdChanges(changes: readonly NvdChangeWrite[]): Promise<number> {
    if (changes.length === 0) return 0;
    return this.#tx(async (c) => {
      const r = await c.query(
        `INSERT INTO nvd_changes (cve_change_id, cve_id, event_name, created, source_identifier, json)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) ON CONFLICT (cve_change_id) DO NOTHING`,
        [
          changes.map((x) => x.cveChangeId), changes.map((x) => x.cveId), changes.map((x) => x.eventName), changes.map((x) => x.created),
          changes.map((x) => x.sourceIdentifier ?? null), changes.map((x) => x.json),
        ],
      );
      return r.rowCount ?? 0;
    });
  }

  async listNvdChanges(cveId: CveId): Promise<NvdChangeWrite[]> {
    const rows = await this.#q('SELECT * FROM nvd_changes WHERE cve_id = $1 ORDER BY created, cve_change_id', [cveId]);
    return rows.map((r) => ({
      cveChangeId: String(r.cve_change_id),
      cveId: String(r.cve_id) as CveId,
      eventName: String(r.event_name),
      created: String(r.created),
      ...(r.source_identifier == null ? {} : { sourceIdentifier: String(r.source_identifier) }),
      json: String(r.json),
    }));
  }

  async writeNvdCpe(items: readonly NvdCpeWrite[]): Promise<number> {
    if (items.length === 0) return 0;
    // One row per key in a statement (ON CONFLICT cannot touch a row twice): the last wins.
    const byKey = new Map<string, NvdCpeWrite>();
    for (const i of items) byKey.set(`${i.kind} ${i.key}`, i);
    const list = [...byKey.values()];
    return this.#tx(async (c) => {
      const r = await c.query(
        `INSERT INTO nvd_cpe (kind, key, name, last_modified, hash, json)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         ON CONFLICT (kind, key) DO UPDATE SET name = excluded.name, last_modified = excluded.last_modified, hash = excluded.hash, json = excluded.json
         WHERE nvd_cpe.hash <> excluded.hash`,
        [list.map((x) => x.kind), list.map((x) => x.key), list.map((x) => x.name), list.map((x) => x.lastModified ?? null), list.map((x) => x.hash), list.map((x) => x.json)],
      );
      return r.rowCount ?? 0;
    });
  }

  async getNvdCpe(kind: NvdCpeWrite['kind'], key: string): Promise<NvdCpeWrite | undefined> {
    const [r] = await this.#q('SELECT * FROM nvd_cpe WHERE kind = $1 AND key = $2', [kind, key]);
    if (!r) return undefined;
    return { kind, key, name: String(r.name), ...(r.last_modified == null ? {} : { lastModified: String(r.last_modified) }), hash: String(r.hash), json: String(r.json) };
  }

  // --- EPSS ---

  async writeEpssScores(scores: readonly EpssScoreWrite[], scoreDate: string, modelVersion: string): Promise<number> {
    if (scores.length === 0) return 0;
    const byId = new Map<string, EpssScoreWrite>();
    for (const s of scores) byId.set(s.cveId, s);
    const list = [...byId.values()];
    return this.#tx(async (c) => {
      const r = await c.query(
        `INSERT INTO epss_scores (cve_id, score_date, model_version, epss, percentile)
         SELECT cve_id, $4::text, $5::text, epss, percentile FROM unnest($1::text[], $2::float8[], $3::float8[]) AS s(cve_id, epss, percentile)
         ON CONFLICT (cve_id, score_date) DO UPDATE SET model_version = excluded.model_version, epss = excluded.epss, percentile = excluded.percentile
         WHERE epss_scores.epss <> excluded.epss OR epss_scores.percentile <> excluded.percentile OR epss_scores.model_version <> excluded.model_version`,
        [list.map((s) => s.cveId), list.map((s) => s.epss), list.map((s) => s.percentile), scoreDate, modelVersion],
      );
      return r.rowCount ?? 0;
    });
  }

  async epssHistory(cveId: CveId): Promise<EpssPoint[]> {
    return (await this.#q('SELECT * FROM epss_scores WHERE cve_id = $1 ORDER BY score_date', [cveId])).map(epssPoint);
  }

  // --- legacy ---

  async writeLegacyEntries(entries: readonly LegacyEntryWrite[]): Promise<LegacyWriteOutcome[]> {
    if (entries.length === 0) return [];
    return this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [LOCK_LEGACY]);
      const at = nowIso();
      const existing = new Map<string, string>();
      const rows = await this.#q(
        'SELECT l.cve_id, l.format, l.hash FROM legacy_entries l JOIN unnest($1::text[], $2::text[]) AS w(cve_id, format) ON l.cve_id = w.cve_id AND l.format = w.format',
        [entries.map((e) => e.cveId), entries.map((e) => e.format)],
        c,
      );
      for (const r of rows) existing.set(`${r.cve_id} ${r.format}`, String(r.hash));
      const outcomes: LegacyWriteOutcome[] = [];
      const seen = new Set<string>();
      const write: LegacyEntryWrite[] = [];
      const touch: LegacyEntryWrite[] = [];
      for (const e of entries) {
        const key = `${e.cveId} ${e.format}`;
        const old = existing.get(key);
        if (old === e.hash || seen.has(key)) {
          outcomes.push('unchanged');
          touch.push(e);
          continue;
        }
        seen.add(key);
        outcomes.push(old === undefined ? 'added' : 'updated');
        write.push(e);
      }
      if (write.length > 0) {
        const col = <T>(f: (e: LegacyEntryWrite) => T): T[] => write.map(f);
        await c.query(
          `INSERT INTO legacy_entries (cve_id, format, original_name, status, phase, rejected, reserved, disputed, replaced_by, hash, json, release, origin, first_seen, last_seen)
           SELECT *, $14::text, $14::text FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::bool[], $8::bool[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
           ON CONFLICT (cve_id, format) DO UPDATE SET original_name = excluded.original_name, status = excluded.status, phase = excluded.phase, rejected = excluded.rejected,
             reserved = excluded.reserved, disputed = excluded.disputed, replaced_by = excluded.replaced_by, hash = excluded.hash, json = excluded.json,
             release = excluded.release, origin = excluded.origin, last_seen = excluded.last_seen`,
          [
            col((e) => e.cveId), col((e) => e.format), col((e) => e.originalName), col((e) => e.status ?? null), col((e) => e.phase ?? null),
            col((e) => e.rejected), col((e) => e.reserved), col((e) => e.disputed), col((e) => JSON.stringify(e.replacedBy)), col((e) => e.hash), col((e) => e.json),
            col((e) => e.release ?? null), col((e) => e.origin ?? null), at,
          ],
        );
      }
      if (touch.length > 0) {
        await c.query(
          `UPDATE legacy_entries l SET last_seen = $4, release = coalesce(t.release, l.release) FROM unnest($1::text[], $2::text[], $3::text[]) AS t(cve_id, format, release)
           WHERE l.cve_id = t.cve_id AND l.format = t.format`,
          [touch.map((e) => e.cveId), touch.map((e) => e.format), touch.map((e) => e.release ?? null), at],
        );
      }
      return outcomes;
    });
  }

  async getLegacyEntries(cveId: CveId): Promise<StoredLegacyEntry[]> {
    return (await this.#q('SELECT * FROM legacy_entries WHERE cve_id = $1 ORDER BY format', [cveId])).map(legacyFromRow);
  }

  // --- mapping ---

  async knownRecords(cveIds: readonly CveId[]): Promise<Map<CveId, KnownRecord>> {
    const out = new Map<CveId, KnownRecord>();
    if (cveIds.length === 0) return out;
    const ids = [...new Set(cveIds)];
    for (const r of await this.#q('SELECT cve_id, state FROM records WHERE cve_id = ANY($1::text[])', [ids])) {
      out.set(String(r.cve_id) as CveId, { state: String(r.state) as RecordState, replacedBy: [] });
    }
    for (const r of await this.#q('SELECT cve_id, target FROM record_replacements WHERE cve_id = ANY($1::text[]) ORDER BY cve_id, target', [ids])) {
      const k = out.get(String(r.cve_id) as CveId);
      if (k) (k.replacedBy as CveId[]).push(String(r.target) as CveId);
    }
    return out;
  }

  async recordMappingIssues(issues: readonly MappingIssueInput[], at: string): Promise<void> {
    if (issues.length === 0) return;
    const byKey = new Map<string, MappingIssueInput>();
    for (const m of issues) byKey.set(`${m.source} ${m.cveId} ${m.kind}`, m);
    const list = [...byKey.values()];
    await this.#tx(async (c) => {
      await c.query(
        `INSERT INTO mapping_issues (source, record, cve_id, kind, detail, status, first_seen, last_seen)
         SELECT source, record, cve_id, kind, detail, 'open', $6::text, $6::text FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS m(source, record, cve_id, kind, detail)
         ON CONFLICT (source, cve_id, kind) DO UPDATE SET record = excluded.record, detail = excluded.detail, status = 'open', last_seen = excluded.last_seen`,
        [list.map((m) => m.source), list.map((m) => m.record), list.map((m) => m.cveId), list.map((m) => m.kind), list.map((m) => m.detail), at],
      );
    });
  }

  async clearMappingIssues(source: string, cveIds: readonly CveId[]): Promise<void> {
    if (cveIds.length === 0) return;
    await this.#q("UPDATE mapping_issues SET status = 'resolved' WHERE source = $1 AND status = 'open' AND cve_id = ANY($2::text[])", [source, [...cveIds]]);
  }

  async resolveMappingIssues(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#tx(async (c) => {
      await c.query("UPDATE mapping_issues SET status = 'resolved' WHERE id = ANY($1::bigint[])", [ids]);
    });
  }

  async listMappingIssues(filter: MappingIssueFilter = {}): Promise<{ items: MappingIssue[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.source) add('source = ?', filter.source);
    if (filter.kind) add('kind = ?', filter.kind);
    if (filter.status) add('status = ?', filter.status);
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [t] = await this.#q(`SELECT count(*)::int AS n FROM mapping_issues ${cond}`, [...params]);
    if (filter.afterId !== undefined) add('id > ?', filter.afterId);
    params.push(filter.limit ?? 100);
    const rows = await this.#q(`SELECT * FROM mapping_issues ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT $${params.length}`, params);
    return { items: rows.map(mappingIssueFromRow), total: Number(t?.n ?? 0) };
  }

  async mappingIssuesFor(cveId: CveId): Promise<MappingIssue[]> {
    return (await this.#q('SELECT * FROM mapping_issues WHERE cve_id = $1 ORDER BY id', [cveId])).map(mappingIssueFromRow);
  }

  async counts(): Promise<EnrichCounts> {
    const [r] = await this.#q(`SELECT
      (SELECT count(*) FROM nvd_records)::int AS nvd_records,
      (SELECT count(*) FROM nvd_record_versions)::int AS nvd_versions,
      (SELECT count(*) FROM nvd_changes)::int AS nvd_changes,
      (SELECT count(*) FROM nvd_cpe WHERE kind = 'cpe')::int AS cpe,
      (SELECT count(*) FROM nvd_cpe WHERE kind = 'cpe-match')::int AS cpe_match,
      (SELECT count(DISTINCT cve_id) FROM epss_scores)::int AS epss_cves,
      (SELECT count(*) FROM epss_scores)::int AS epss_scores,
      (SELECT count(*) FROM legacy_entries)::int AS legacy_entries,
      (SELECT count(*) FROM mapping_issues WHERE status = 'open')::int AS mapping_open`);
    return {
      nvdRecords: Number(r.nvd_records),
      nvdVersions: Number(r.nvd_versions),
      nvdChanges: Number(r.nvd_changes),
      cpe: Number(r.cpe),
      cpeMatch: Number(r.cpe_match),
      epssCves: Number(r.epss_cves),
      epssScores: Number(r.epss_scores),
      legacyEntries: Number(r.legacy_entries),
      mappingIssuesOpen: Number(r.mapping_open),
    };
  }
}
