/**
 * @module The SQLite store: `node:sqlite` `DatabaseSync`, WAL, one file.
 *
 * SQLite is synchronous and in-process, so a batch is many small cached statements
 * inside one `BEGIN IMMEDIATE` transaction; that is faster here than building big
 * multi-row statements. Several processes may open the same file: writers queue on
 * the database lock (busy_timeout), readers never block in WAL mode.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { backup, DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';
import type { CveId, RecordState } from '../../cve/index.ts';
import { StoreError } from '../errors.ts';
import { processRunning } from '../process-running.ts';
import { SqliteDisclosureStore } from './disclosure.ts';
import { SqliteCnaStore } from './cna.ts';
import { SqliteEnrichStore } from './enrich.ts';
import { readMigrations } from '../migrations.ts';
import {
  addCounts,
  checkDistinct,
  jobCounts,
  currentRow,
  decide,
  writeDerivedRows,
  idKey,
  laterDate,
  nowIso,
  parseCounts,
  sourceDeltas,
} from '../rows.ts';
import type { CurrentRow, CurrentState } from '../rows.ts';
import { cweEntry, jobInfo, kevEntry, mergeSource, quarantineItem, sourceInfo, sourceKind, sourceParams, storedRecord, versionInfo } from '../mapping.ts';
import type {
  BatchResult,
  BulkLoadInfo,
  FinishBulkLoadOptions,
  MigrateOptions,
  CweEntry,
  JobCheckpoint,
  JobInfo,
  KevCatalog,
  KevChange,
  KevEntry,
  KevImportResult,
  MigrationResult,
  QuarantineFilter,
  QuarantineInput,
  QuarantineItem,
  RecordCounts,
  RecordWrite,
  SourceInfo,
  Store,
  StoredRecord,
  StoredVersion,
  VersionInfo,
  WriteOutcome,
} from '../types.ts';

import type { Row } from '../mapping.ts';
import type { SearchStore } from '../search-types.ts';
import { SqliteSearch } from './search.ts';
import { sqliteTables } from './tables.ts';
import type { TableAccess } from '../table-types.ts';
import { MultiInsert, type InsertShape } from './multi-insert.ts';
import { STAGE_TABLE, buildBulkLoad, bulkState, claimBulkLoad, guardSearch, loaderRunning, startBulkLoad } from './bulk-load.ts';
type Param = null | number | bigint | string | Uint8Array;

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');
const BUSY_TIMEOUT_MS = 30_000;
const PAGE_SIZE = 16_384;
/** Page cache: 32 MiB (negative: KiB); 8 MiB while a bulk load's indexes are built. */
const CACHE_SIZE = -32_768;
/**
 * A backup copies every page in one step, under one read transaction: in several steps, a
 * write by another connection between two steps (a server, an hourly sync) restarts it, and a
 * long import would keep restarting it.
 */
const BACKUP_ALL_PAGES = 0x7fff_ffff;
const BUILD_CACHE_SIZE = -8_192;

const str = (v: unknown): string => v as string;
const optStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : (v as string));

export interface SqliteStoreOptions {
  readonly readonly?: boolean;
}

/** A derived table's rows of one record, in column order (the CVE name comes first in SQL). */
interface DerivedTable {
  readonly table: string;
  readonly cols: readonly string[];
  readonly rows: readonly (readonly Param[])[];
}

/** The statements of a derived table, made once per table (not per record). */
const derivedSql = new Map<string, { readonly insert: InsertShape; readonly select: string }>();
function derivedStatements(t: DerivedTable): { readonly insert: InsertShape; readonly select: string } {
  let s = derivedSql.get(t.table);
  if (!s) {
    const cols = t.cols.join(', ');
    s = { insert: { head: `INSERT INTO ${t.table} (cve_id, ${cols})`, width: t.cols.length + 1 }, select: `SELECT ${cols} FROM ${t.table} WHERE cve_id = ?` };
    derivedSql.set(t.table, s);
  }
  return s;
}
const insertShape = (t: DerivedTable): InsertShape => derivedStatements(t).insert;
const selectSql = (t: DerivedTable): string => derivedStatements(t).select;
const VERSION_INSERT: InsertShape = { head: 'INSERT INTO record_versions (cve_id, version, hash, json, date_updated, source, origin, arrived_at)', width: 8 };
/** The current row: `kev` is the CISA ADP's flag or an entry in the KEV catalog. */
const RECORD_UPSERT: InsertShape = {
  head: `INSERT INTO records (cve_id, id_key, year, state, data_version, version, last_version, hash, date_updated,
    date_published, date_reserved, date_rejected, date_public, assigner_org_id, assigner_short_name,
    title, description, cvss_score, cvss_severity, kev, kev_adp, source, arrived_at, has_fix)`,
  width: 25,
  tuple: `(${Array.from({ length: 19 }, () => '?').join(', ')}, (? OR EXISTS (SELECT 1 FROM kev_entries WHERE cve_id = ?)), ?, ?, ?, ?)`,
  tail: ` ON CONFLICT (cve_id) DO UPDATE SET state = excluded.state, data_version = excluded.data_version,
    version = excluded.version, last_version = excluded.last_version, hash = excluded.hash,
    date_updated = excluded.date_updated, date_published = excluded.date_published,
    date_reserved = excluded.date_reserved, date_rejected = excluded.date_rejected,
    date_public = excluded.date_public, assigner_org_id = excluded.assigner_org_id,
    assigner_short_name = excluded.assigner_short_name, title = excluded.title,
    description = excluded.description, cvss_score = excluded.cvss_score,
    cvss_severity = excluded.cvss_severity, kev = excluded.kev, kev_adp = excluded.kev_adp,
    source = excluded.source, arrived_at = excluded.arrived_at, has_fix = excluded.has_fix`,
};
/** The `records` columns an update sets always (no index holds them). */
const UNINDEXED_COLUMNS = [
  'data_version', 'version', 'last_version', 'hash', 'date_reserved', 'date_rejected', 'date_public', 'assigner_org_id',
  'title', 'description', 'kev_adp', 'arrived_at',
] as const;
/** The `records` columns an index holds that an update may change: set only when they do. */
const INDEXED_COLUMNS = ['state', 'date_updated', 'date_published', 'assigner_short_name', 'cvss_score', 'cvss_severity', 'kev', 'has_fix', 'source'] as const;
/** A record's current state: what an import decides by, and the indexed values an update compares. */
const CURRENT_SELECT = `SELECT version, last_version, hash, ${INDEXED_COLUMNS.join(', ')} FROM records WHERE cve_id = ?`;
const FTS_COLUMNS = '(rowid, title, products, description, keywords, refs)';
const FTS_INSERT: InsertShape = { head: `INSERT INTO record_fts ${FTS_COLUMNS}`, width: 6 };
const STAGE_INSERT: InsertShape = { head: `INSERT INTO ${STAGE_TABLE} ${FTS_COLUMNS}`, width: 6 };

const cell = (v: unknown): unknown => (v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v);

/** The stored rows equal the new ones, as multisets (row order in SQL is not guaranteed). */
function sameRows(stored: readonly (readonly unknown[])[], fresh: readonly (readonly unknown[])[]): boolean {
  if (stored.length !== fresh.length) return false;
  const key = (r: readonly unknown[]): string => JSON.stringify(r.map(cell));
  const a = stored.map(key).sort();
  const b = fresh.map(key).sort();
  return a.every((x, i) => x === b[i]);
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdirSync spins forever under /proc
 * (`--db sqlite:/proc/x/y.db`), where this one fails with the first level it cannot make.
 */
function makeDirectory(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirectory(parent);
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly location: string;
  readonly disclosure: SqliteDisclosureStore;
  readonly cna: SqliteCnaStore;
  readonly enrich: SqliteEnrichStore;
  readonly tables: TableAccess;
  readonly #db: DatabaseSync;
  readonly #readonly: boolean;
  readonly #statements = new Map<string, StatementSync>();
  /** Full text, filters, facets, stats, feeds and exports (issue 4). */
  readonly search: SearchStore;
  readonly #search: SqliteSearch;

  /** `path` is a file path or `:memory:`. */
  constructor(path: string, opts: SqliteStoreOptions = {}) {
    this.location = `sqlite:${path}`;
    this.#readonly = opts.readonly === true;
    if (path !== ':memory:' && !this.#readonly) makeDirectory(dirname(path));
    this.#db = new DatabaseSync(path, { readOnly: this.#readonly, timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
    this.#db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // A new file gets 16 KiB pages (a no-op on an existing one): a record's JSON (~4.6 KiB
    // minified) then fits its page instead of spilling into overflow pages, which cut the
    // SQL cost of an import by 10-20 %.
    if (!this.#readonly && path !== ':memory:') this.#db.exec(`PRAGMA page_size = ${PAGE_SIZE}`);
    if (!this.#readonly && path !== ':memory:') this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('PRAGMA synchronous = NORMAL');
    // A 1,000-record batch touches ~10 MB of pages: keep them in memory until commit
    // (the default 2 MB cache spills mid-transaction), and checkpoint less often. 32 MiB,
    // not more: the cache counts in an import's peak RSS (< 300 MiB is a target), and
    // 64 MiB was measured no faster.
    this.#db.exec(`PRAGMA cache_size = ${CACHE_SIZE}`);
    this.#db.exec('PRAGMA temp_store = MEMORY');
    this.#db.exec('PRAGMA wal_autocheckpoint = 16384');
    this.#db.exec('PRAGMA foreign_keys = ON');
    if (this.#readonly) this.#db.exec('PRAGMA query_only = ON');
    this.disclosure = new SqliteDisclosureStore(this.#db, () => this.#checkWritable());
    this.#search = new SqliteSearch(this.#db, path === ':memory:' ? {} : { path, busyTimeoutMs: BUSY_TIMEOUT_MS });
    this.search = guardSearch(this.#search, () => bulkState(this.#db));
    this.cna = new SqliteCnaStore(this.#db, { readonly: this.#readonly });
    this.enrich = new SqliteEnrichStore(this.#db, { readonly: this.#readonly });
    this.tables = sqliteTables(this.#db, () => this.#checkWritable());
  }

  /**
   * SQLite's online backup into a new file beside `path`, checked (`quick_check`) and then
   * renamed to `path`: a reader never sees half a backup, and a failed one leaves nothing.
   */
  async backupTo(path: string): Promise<{ readonly pages: number; readonly bytes: number }> {
    const partial = `${path}.partial-${process.pid}`;
    // What a killed backup to the same name left (its process is gone).
    const prefix = `${basename(path)}.partial-`;
    for (const name of readdirSync(dirname(path))) {
      const pid = name.startsWith(prefix) ? Number(/^\d+/.exec(name.slice(prefix.length))?.[0]) : NaN;
      if (Number.isInteger(pid) && pid !== process.pid && !processRunning(pid)) rmSync(join(dirname(path), name), { force: true });
    }
    try {
      const pages = await backup(this.#db, partial, { rate: BACKUP_ALL_PAGES });
      // Read-write: closing the last connection then folds and removes its -wal and -shm files.
      const copy = new DatabaseSync(partial);
      try {
        const verdict = copy.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
        if (verdict.length !== 1 || verdict[0].quick_check !== 'ok') {
          throw new StoreError('BACKUP_FAILED', `the backup failed its check: ${verdict.slice(0, 3).map((v) => v.quick_check).join('; ')}`);
        }
      } finally {
        copy.close();
      }
      // It holds what the store holds (API key hashes, disclosure reports): its owner's only.
      chmodSync(partial, 0o600);
      renameSync(partial, path);
      return { pages, bytes: statSync(path).size };
    } catch (err) {
      for (const f of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) rmSync(f, { force: true });
      throw err;
    }
  }

  #stmt(sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  #all(sql: string, ...params: Param[]): Row[] {
    return this.#stmt(sql).all(...params) as Row[];
  }

  #get(sql: string, ...params: Param[]): Row | undefined {
    return this.#stmt(sql).get(...params) as Row | undefined;
  }

  #run(sql: string, ...params: Param[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#stmt(sql).run(...params);
  }

  #checkWritable(): void {
    if (this.#readonly) throw new StoreError('READ_ONLY', `${this.location} is open read-only`);
  }

  /** Run `fn` in one write transaction (BEGIN IMMEDIATE: take the write lock up front). */
  #tx<T>(fn: () => T): T {
    this.#checkWritable();
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.#db.exec('COMMIT');
      return out;
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  async migrate(opts: MigrateOptions = {}): Promise<MigrationResult> {
    this.#checkWritable();
    const migrations = readMigrations(MIGRATIONS_DIR);
    // Nothing to apply (every start but the first after an upgrade): a plain read, so a
    // command that only reads never waits for a writer's transaction (WAL readers do not).
    const applied = this.#appliedMigrations();
    if (applied && migrations.every((m) => applied.has(m.version))) {
      if (!opts.keepBulkLoad) await this.finishBulkLoad();
      return { applied: [], current: Math.max(0, ...applied) };
    }
    const result = this.#tx(() => {
      this.#db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      const done = new Set(this.#db.prepare('SELECT version FROM schema_migrations').all().map((r) => Number(r.version)));
      const applied: string[] = [];
      // A migration sees the full schema: a pending bulk load's indexes and full text first.
      if (migrations.some((m) => !done.has(m.version))) buildBulkLoad(this.#db);
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        try {
          this.#db.exec(m.sql);
        } catch (err) {
          throw new StoreError('MIGRATION_FAILED', `migration ${m.name} failed: ${(err as Error).message}`, { migration: m.name });
        }
        this.#db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, nowIso());
        applied.push(m.name);
      }
      const current = Number(this.#db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get()?.v ?? 0);
      return { applied, current };
    });
    if (!opts.keepBulkLoad) await this.finishBulkLoad();
    return result;
  }

  /** The migration versions applied, or undefined before the first migration. */
  #appliedMigrations(): Set<number> | undefined {
    const has = this.#db.prepare("SELECT 1 AS x FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").get();
    if (!has) return undefined;
    return new Set(this.#db.prepare('SELECT version FROM schema_migrations').all().map((r) => Number(r.version)));
  }

  async close(): Promise<void> {
    await this.#search.close();
    this.#statements.clear();
    if (this.#db.isOpen) this.#db.close();
  }

  // --- records -------------------------------------------------------------

  async writeBatch(writes: readonly RecordWrite[], checkpoint?: JobCheckpoint): Promise<BatchResult> {
    checkDistinct(writes);
    return this.#tx(() => {
      const now = nowIso();
      const outcomes: WriteOutcome[] = [];
      const state = bulkState(this.#db);
      let bulk = state !== undefined;
      if (state && checkpoint) claimBulkLoad(this.#db, state, checkpoint.jobId, now);
      if (!bulk && checkpoint?.bulkLoad && writes.length > 0 && !this.#get('SELECT 1 AS x FROM records LIMIT 1')) {
        startBulkLoad(this.#db, checkpoint.jobId, now);
        bulk = true;
      }
      // The batch's names are distinct: no write reads rows another one left in the buffer.
      const rows = new MultiInsert((sql) => this.#stmt(sql));
      for (const w of writes) outcomes.push(this.#writeOne(w, now, bulk, rows));
      rows.flush();
      for (const [source, d] of sourceDeltas(writes, outcomes)) {
        const row = this.#get('SELECT content_date, counts FROM sources WHERE id = ?', source);
        const counts = addCounts(parseCounts(row?.counts as string | undefined), d.counts);
        const contentDate = laterDate(row?.content_date as string | null | undefined, d.contentDate);
        if (row) {
          this.#run('UPDATE sources SET content_date = ?, counts = ? WHERE id = ?', contentDate, JSON.stringify(counts), source);
        } else {
          this.#run(
            'INSERT INTO sources (id, kind, content_date, counts) VALUES (?, ?, ?, ?)',
            source,
            sourceKind(source),
            contentDate,
            JSON.stringify(counts),
          );
        }
      }
      if (checkpoint) {
        for (const q of checkpoint.quarantine ?? []) this.#addQuarantine(q, now);
        this.#saveCheckpoint(checkpoint, jobCounts(checkpoint, writes, outcomes), now);
      }
      return { outcomes };
    });
  }

  #saveCheckpoint(c: JobCheckpoint, counts: Readonly<Record<string, number>>, now: string): void {
    const r = this.#run(
      "UPDATE import_jobs SET position = ?, counts = ?, updated_at = ?, status = 'running' WHERE id = ?",
      c.position,
      JSON.stringify(counts),
      now,
      c.jobId,
    );
    if (Number(r.changes) !== 1) throw new StoreError('NOT_FOUND', `checkpoint for unknown job ${c.jobId}`, { jobId: c.jobId });
  }

  /**
   * `bulk`: a bulk load is pending, the full text goes to its staging table (`bulk-load.ts`).
   * New rows go to `rows` (written as multi-row inserts when the batch ends); reads and
   * deletes touch this record's rows only.
   */
  #writeOne(w: RecordWrite, now: string, bulk: boolean, rows: MultiInsert): WriteOutcome {
    const cur = this.#get(CURRENT_SELECT, w.cveId);
    let state: CurrentState | undefined;
    if (cur) {
      const same =
        cur.hash === w.hash
          ? { version: cur.version }
          : this.#get('SELECT version FROM record_versions WHERE cve_id = ? AND hash = ?', w.cveId, w.hash);
      state = {
        version: Number(cur.version),
        lastVersion: Number(cur.last_version),
        hash: str(cur.hash),
        dateUpdated: str(cur.date_updated),
        source: str(cur.source),
        sameHashVersion: same ? Number(same.version) : null,
      };
    }
    const outcome = decide(w, state);
    if (outcome === 'unchanged') return outcome;
    const version = state ? state.lastVersion + 1 : 1;
    rows.add(VERSION_INSERT, w.cveId, version, w.hash, w.json, w.dateUpdated, w.source, w.origin ?? null, now);
    if (outcome === 'older' || outcome === 'protected') {
      this.#run('UPDATE records SET last_version = ? WHERE cve_id = ?', version, w.cveId);
      return outcome;
    }
    const r = currentRow(w);
    const kevAdp = r.kevAdp ? 1 : 0;
    if (cur && outcome === 'updated') this.#updateRecord(r, version, now, cur);
    else rows.add(
      RECORD_UPSERT,
      r.cveId,
      r.idKey,
      r.year,
      r.state,
      r.dataVersion,
      version,
      version,
      r.hash,
      r.dateUpdated,
      r.datePublished,
      r.dateReserved,
      r.dateRejected,
      r.datePublic,
      r.assignerOrgId,
      r.assignerShortName,
      r.title,
      r.description,
      r.cvssScore,
      r.cvssSeverity,
      kevAdp,
      r.cveId,
      kevAdp,
      r.source,
      now,
      r.hasFix ? 1 : 0,
    );
    const d = writeDerivedRows(w);
    const tables: DerivedTable[] = [
      {
        table: 'record_affected',
        cols: ['ord', 'source', 'vendor', 'product', 'vendor_lc', 'product_lc', 'package_name', 'collection_url', 'default_status', 'cpes'],
        rows: d.affected.map((a, ord) => [ord, a.source, a.vendor, a.product, a.vendorLc, a.productLc, a.packageName, a.collectionUrl, a.defaultStatus, a.cpes]),
      },
      // id_key: the text search's CWE filter probes (id_key, cwe_id) with the FTS rowid (migration 103).
      { table: 'record_cwes', cols: ['id_key', 'cwe_id'], rows: d.cwes.map((c) => [r.idKey, c]) },
      {
        table: 'record_metrics',
        cols: ['ord', 'source', 'cvss_version', 'score', 'severity', 'vector'],
        rows: d.metrics.map((m, ord) => [ord, m.source, m.cvssVersion, m.score, m.severity, m.vector]),
      },
      { table: 'record_replacements', cols: ['kind', 'target', 'origin'], rows: d.replacements.map((x) => [x.kind, x.target, x.origin]) },
    ];
    for (const t of tables) {
      // An update rewrites a table's rows only when they changed: a delta mostly changes
      // descriptions and dates, and every row and index entry rewritten is a page written
      // (2,000 updates spread over a large store dirty tens of thousands of pages).
      if (outcome === 'updated') {
        const old = this.#all(selectSql(t), w.cveId).map((r) => t.cols.map((c) => r[c]));
        if (sameRows(old, t.rows)) continue;
        this.#run(`DELETE FROM ${t.table} WHERE cve_id = ?`, w.cveId);
      }
      const shape = insertShape(t);
      for (const row of t.rows) rows.add(shape, w.cveId, ...row);
    }
    if (outcome === 'updated') {
      this.#run(bulk ? `DELETE FROM ${STAGE_TABLE} WHERE rowid = ?` : 'DELETE FROM record_fts WHERE rowid = ?', r.idKey);
    }
    rows.add(bulk ? STAGE_INSERT : FTS_INSERT, r.idKey, d.fts.title, d.fts.products, d.fts.description, d.fts.keywords, d.fts.refs);
    return outcome;
  }

  /**
   * The `records` row of an update. Columns no index holds are always set; an indexed one
   * only when its value changed, since setting a column rewrites the entry of every index
   * that holds it, changed or not: a page written each. (2,000 delta updates into 300,000
   * records: 63 instead of 109 MiB of pages for this table and its indexes.)
   */
  #updateRecord(r: CurrentRow, version: number, now: string, cur: Row): void {
    const kev = r.kevAdp || this.#get('SELECT 1 AS x FROM kev_entries WHERE cve_id = ?', r.cveId) !== undefined ? 1 : 0;
    const values: Record<(typeof INDEXED_COLUMNS)[number], Param> = {
      state: r.state,
      date_updated: r.dateUpdated,
      date_published: r.datePublished,
      assigner_short_name: r.assignerShortName,
      cvss_score: r.cvssScore,
      cvss_severity: r.cvssSeverity,
      kev,
      has_fix: r.hasFix ? 1 : 0,
      source: r.source,
    };
    const always: Record<(typeof UNINDEXED_COLUMNS)[number], Param> = {
      data_version: r.dataVersion,
      version,
      last_version: version,
      hash: r.hash,
      date_reserved: r.dateReserved,
      date_rejected: r.dateRejected,
      date_public: r.datePublic,
      assigner_org_id: r.assignerOrgId,
      title: r.title,
      description: r.description,
      kev_adp: r.kevAdp ? 1 : 0,
      arrived_at: now,
    };
    const changed = INDEXED_COLUMNS.filter((c) => (cur[c] ?? null) !== (values[c] ?? null));
    const set = [...UNINDEXED_COLUMNS, ...changed].map((c) => `${c} = ?`).join(', ');
    this.#run(`UPDATE records SET ${set} WHERE cve_id = ?`, ...UNINDEXED_COLUMNS.map((c) => always[c]), ...changed.map((c) => values[c] ?? null), r.cveId);
  }

  async pendingBulkLoad(): Promise<BulkLoadInfo | undefined> {
    const s = bulkState(this.#db);
    return s && { jobId: s.jobId, startedAt: s.startedAt, ...(s.host !== undefined && { host: s.host }), ...(s.pid !== undefined && { pid: s.pid }) };
  }

  async finishBulkLoad(opts: FinishBulkLoadOptions = {}): Promise<boolean> {
    const state = this.#readonly ? undefined : bulkState(this.#db);
    if (!state) return false;
    // Its loader builds it at its end; until then another process's writes are staged too.
    if (state.jobId !== opts.jobId && loaderRunning(this.#db, state)) return false;
    // The index builds sort in temporary files, not memory: at 300,000 records that keeps
    // ~45 MiB off the peak RSS (measured: +115 MiB with MEMORY, +71 MiB with FILE) and costs
    // no CPU. The staging table's statements are dropped with it: forget the cached ones.
    // The sorter's memory follows the page cache's size: 8 MiB during the build keeps the
    // peak RSS of a 300,000-record import off the 300 MiB target (291-298 MiB measured with
    // the 32 MiB cache); the sorts spill to the temporary files a little sooner.
    this.#db.exec('PRAGMA temp_store = FILE');
    this.#db.exec(`PRAGMA cache_size = ${BUILD_CACHE_SIZE}`);
    let done: boolean;
    try {
      done = this.#tx(() => buildBulkLoad(this.#db));
    } finally {
      this.#db.exec('PRAGMA temp_store = MEMORY');
      this.#db.exec(`PRAGMA cache_size = ${CACHE_SIZE}`);
    }
    for (const sql of this.#statements.keys()) if (sql.includes(STAGE_TABLE)) this.#statements.delete(sql);
    return done;
  }

  async getRecord(cveId: CveId): Promise<StoredRecord | undefined> {
    const r = this.#get(
      `SELECT r.cve_id, r.state, v.json, r.hash, r.version, v.date_updated, r.source, r.arrived_at
       FROM records r JOIN record_versions v ON v.cve_id = r.cve_id AND v.version = r.version
       WHERE r.cve_id = ?`,
      cveId,
    );
    return r && storedRecord(r);
  }

  async getCurrentHashes(cveIds: readonly CveId[]): Promise<Map<CveId, string>> {
    const out = new Map<CveId, string>();
    if (cveIds.length === 0) return out;
    for (const r of this.#all('SELECT cve_id, hash FROM records WHERE cve_id IN (SELECT value FROM json_each(?))', JSON.stringify(cveIds))) {
      out.set(str(r.cve_id), str(r.hash));
    }
    return out;
  }

  async listVersions(cveId: CveId): Promise<VersionInfo[]> {
    return this.#all(
      `SELECT v.cve_id, v.version, v.hash, v.date_updated, v.source, v.origin, v.arrived_at, (v.version = r.version) AS current
       FROM record_versions v JOIN records r ON r.cve_id = v.cve_id WHERE v.cve_id = ? ORDER BY v.version`,
      cveId,
    ).map(versionInfo);
  }

  async getVersion(cveId: CveId, version: number): Promise<StoredVersion | undefined> {
    const r = this.#get(
      `SELECT v.cve_id, v.version, v.hash, v.date_updated, v.source, v.origin, v.arrived_at, (v.version = r.version) AS current, v.json
       FROM record_versions v JOIN records r ON r.cve_id = v.cve_id WHERE v.cve_id = ? AND v.version = ?`,
      cveId,
      version,
    );
    return r ? { ...versionInfo(r), json: str(r.json) } : undefined;
  }

  async findReplacing(target: CveId): Promise<CveId[]> {
    return this.#all(
      `SELECT DISTINCT x.cve_id, r.id_key FROM record_replacements x JOIN records r ON r.cve_id = x.cve_id
       WHERE x.target = ? ORDER BY r.id_key`,
      target,
    ).map((r) => str(r.cve_id));
  }

  async counts(): Promise<RecordCounts> {
    const byState: Record<string, number> = {};
    let total = 0;
    for (const r of this.#all('SELECT state, count(*) AS n FROM records GROUP BY state ORDER BY state')) {
      byState[str(r.state)] = Number(r.n);
      total += Number(r.n);
    }
    const versions = Number(this.#get('SELECT count(*) AS n FROM record_versions')?.n ?? 0);
    const quarantined = Number(this.#get("SELECT count(*) AS n FROM quarantine WHERE status = 'open'")?.n ?? 0);
    return { total, byState, versions, quarantined };
  }

  async *iterateCurrent(opts: { readonly batchSize?: number; readonly source?: string } = {}): AsyncIterable<{ cveId: CveId; hash: string; state: RecordState }> {
    const size = Math.max(1, opts.batchSize ?? 1000);
    let after = -1;
    for (;;) {
      const rows =
        opts.source === undefined
          ? this.#all('SELECT cve_id, hash, state, id_key FROM records WHERE id_key > ? ORDER BY id_key LIMIT ?', after, size)
          : this.#all('SELECT cve_id, hash, state, id_key FROM records WHERE source = ? AND id_key > ? ORDER BY id_key LIMIT ?', opts.source, after, size);
      for (const r of rows) yield { cveId: str(r.cve_id), hash: str(r.hash), state: r.state as RecordState };
      if (rows.length < size) return;
      after = Number(rows[rows.length - 1].id_key);
    }
  }

  // --- sources ---------------------------------------------------------------

  async upsertSource(source: Partial<SourceInfo> & { readonly id: string; readonly kind: string }): Promise<void> {
    this.#tx(() => {
      const old = this.#get('SELECT * FROM sources WHERE id = ?', source.id);
      const merged = mergeSource(old ? sourceInfo(old) : undefined, source);
      this.#run(
        `INSERT INTO sources (id, kind, description, location, last_sync_at, content_date, release, "commit", next_sync_at, last_error, counts)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, description = excluded.description, location = excluded.location,
           last_sync_at = excluded.last_sync_at, content_date = excluded.content_date, release = excluded.release,
           "commit" = excluded."commit", next_sync_at = excluded.next_sync_at, last_error = excluded.last_error, counts = excluded.counts`,
        ...sourceParams(merged),
      );
    });
  }

  async getSource(id: string): Promise<SourceInfo | undefined> {
    const r = this.#get('SELECT * FROM sources WHERE id = ?', id);
    return r ? sourceInfo(r) : undefined;
  }

  async listSources(): Promise<SourceInfo[]> {
    return this.#all('SELECT * FROM sources ORDER BY id').map(sourceInfo);
  }

  // --- quarantine ------------------------------------------------------------

  async addQuarantine(item: QuarantineInput): Promise<number> {
    this.#checkWritable();
    return this.#addQuarantine(item, nowIso());
  }

  #addQuarantine(item: QuarantineInput, now: string): number {
    const r = this.#run(
      `INSERT INTO quarantine (source, position, cve_id, code, path, message, raw, size, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)`,
      item.source,
      item.position,
      item.cveId ?? null,
      item.code,
      item.path ?? null,
      item.message,
      item.raw,
      item.raw.byteLength,
      now,
    );
    return Number(r.lastInsertRowid);
  }

  async listQuarantine(filter: QuarantineFilter = {}): Promise<QuarantineItem[]> {
    return this.#all(
      `SELECT id, source, position, cve_id, code, path, message, size, status, created_at FROM quarantine
       WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR source = ?2) AND id > ?3 ORDER BY id LIMIT ?4`,
      filter.status ?? null,
      filter.source ?? null,
      filter.afterId ?? 0,
      filter.limit ?? -1,
    ).map(quarantineItem);
  }

  async getQuarantine(id: number): Promise<(QuarantineItem & { readonly raw: Uint8Array }) | undefined> {
    const r = this.#get('SELECT * FROM quarantine WHERE id = ?', id);
    return r ? { ...quarantineItem(r), raw: new Uint8Array(r.raw as Uint8Array) } : undefined;
  }

  async setQuarantineStatus(id: number, status: QuarantineItem['status']): Promise<void> {
    this.#checkWritable();
    const r = this.#run('UPDATE quarantine SET status = ? WHERE id = ?', status, id);
    if (Number(r.changes) !== 1) throw new StoreError('NOT_FOUND', `no quarantine item ${id}`, { id });
  }

  // --- jobs --------------------------------------------------------------------

  async startJob(key: string, kind: string): Promise<JobInfo> {
    return this.#tx(() => {
      const now = nowIso();
      const open = this.#get("SELECT * FROM import_jobs WHERE key = ? AND status <> 'done'", key);
      if (open) {
        this.#run("UPDATE import_jobs SET status = 'running', updated_at = ? WHERE id = ?", now, str(open.id));
      } else {
        this.#run(
          "INSERT INTO import_jobs (id, key, kind, status, position, counts, started_at, updated_at) VALUES (?, ?, ?, 'running', NULL, '{}', ?, ?)",
          crypto.randomUUID(),
          key,
          kind,
          now,
          now,
        );
      }
      return jobInfo(this.#get("SELECT * FROM import_jobs WHERE key = ? AND status <> 'done'", key) as Row);
    });
  }

  async getJob(key: string): Promise<JobInfo | undefined> {
    const r = this.#get("SELECT * FROM import_jobs WHERE key = ? ORDER BY (status <> 'done') DESC, started_at DESC, rowid DESC LIMIT 1", key);
    return r ? jobInfo(r) : undefined;
  }

  async finishJob(id: string, status: 'done' | 'failed', counts: Readonly<Record<string, number>>, error?: string): Promise<void> {
    this.#tx(() => {
      const r = this.#run('UPDATE import_jobs SET status = ?, counts = ?, error = ?, updated_at = ? WHERE id = ?', status, JSON.stringify(counts), error ?? null, nowIso(), id);
      if (Number(r.changes) !== 1) throw new StoreError('NOT_FOUND', `no import job ${id}`, { id });
    });
  }

  // --- meta ------------------------------------------------------------------------

  async getMeta(key: string): Promise<string | undefined> {
    return optStr(this.#get('SELECT value FROM meta WHERE key = ?', key)?.value);
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.#checkWritable();
    this.#run(
      'INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      key,
      value,
      nowIso(),
    );
  }

  async swapMeta(key: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    return this.#tx(() => {
      const current = optStr(this.#get('SELECT value FROM meta WHERE key = ?', key)?.value);
      if (current !== expected) return false;
      if (next === undefined) this.#run('DELETE FROM meta WHERE key = ?', key);
      else this.#run('INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', key, next, nowIso());
      return true;
    });
  }

  // --- KEV and CWE -------------------------------------------------------------

  async importKev(catalog: KevCatalog): Promise<KevImportResult> {
    return this.#tx(() => {
      const total = catalog.entries.length;
      const known = this.#get('SELECT 1 AS x FROM kev_catalogs WHERE catalog_version = ?', catalog.catalogVersion);
      const latest = this.#get('SELECT date_released FROM kev_catalogs ORDER BY date_released DESC LIMIT 1');
      if (known || (latest && str(latest.date_released) > catalog.dateReleased)) {
        return { added: 0, removed: 0, unchanged: total, total };
      }
      const before = new Set(this.#all('SELECT cve_id FROM kev_entries').map((r) => str(r.cve_id)));
      const after = new Set(catalog.entries.map((e) => e.cveId));
      const added = [...after].filter((id) => !before.has(id));
      const removed = [...before].filter((id) => !after.has(id));
      this.#run('DELETE FROM kev_entries');
      for (const e of catalog.entries) {
        this.#run(
          `INSERT OR REPLACE INTO kev_entries (cve_id, vendor_project, product, vulnerability_name, date_added, short_description,
             required_action, due_date, known_ransomware_campaign_use, notes, cwes, catalog_version)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          e.cveId,
          e.vendorProject,
          e.product,
          e.vulnerabilityName,
          e.dateAdded,
          e.shortDescription,
          e.requiredAction,
          e.dueDate,
          e.knownRansomwareCampaignUse,
          e.notes,
          JSON.stringify(e.cwes),
          catalog.catalogVersion,
        );
      }
      for (const id of added) {
        this.#run("INSERT INTO kev_history (cve_id, change, catalog_version, at) VALUES (?, 'added', ?, ?)", id, catalog.catalogVersion, catalog.dateReleased);
        this.#run('UPDATE records SET kev = 1 WHERE cve_id = ? AND kev = 0', id);
      }
      for (const id of removed) {
        this.#run("INSERT INTO kev_history (cve_id, change, catalog_version, at) VALUES (?, 'removed', ?, ?)", id, catalog.catalogVersion, catalog.dateReleased);
        this.#run('UPDATE records SET kev = kev_adp WHERE cve_id = ?', id);
      }
      this.#run(
        'INSERT INTO kev_catalogs (catalog_version, date_released, count, imported_at) VALUES (?, ?, ?, ?)',
        catalog.catalogVersion,
        catalog.dateReleased,
        total,
        nowIso(),
      );
      return { added: added.length, removed: removed.length, unchanged: total - added.length, total };
    });
  }

  async getKev(cveId: CveId): Promise<KevEntry | undefined> {
    const r = this.#get('SELECT * FROM kev_entries WHERE cve_id = ?', cveId);
    return r ? kevEntry(r) : undefined;
  }

  async kevHistory(cveId?: CveId): Promise<KevChange[]> {
    const rows =
      cveId === undefined
        ? this.#all('SELECT cve_id, change, catalog_version, at FROM kev_history ORDER BY id')
        : this.#all('SELECT cve_id, change, catalog_version, at FROM kev_history WHERE cve_id = ? ORDER BY id', cveId);
    return rows.map((r) => ({ cveId: str(r.cve_id), change: r.change as KevChange['change'], catalogVersion: str(r.catalog_version), at: str(r.at) }));
  }

  async importCwe(entries: readonly CweEntry[], version: string): Promise<number> {
    return this.#tx(() => {
      for (const e of entries) {
        this.#run(
          `INSERT INTO cwe_entries (id, name, type, abstraction, status, description, catalog_version) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type, abstraction = excluded.abstraction,
             status = excluded.status, description = excluded.description, catalog_version = excluded.catalog_version`,
          e.id,
          e.name,
          e.type,
          e.abstraction ?? null,
          e.status ?? null,
          e.description ?? null,
          version,
        );
      }
      return entries.length;
    });
  }

  async getCwe(id: string): Promise<CweEntry | undefined> {
    const r = this.#get('SELECT * FROM cwe_entries WHERE id = ?', id);
    return r ? cweEntry(r) : undefined;
  }

  async getCwes(ids: readonly string[]): Promise<Map<string, CweEntry>> {
    const out = new Map<string, CweEntry>();
    if (ids.length === 0) return out;
    for (const r of this.#all('SELECT * FROM cwe_entries WHERE id IN (SELECT value FROM json_each(?))', JSON.stringify(ids))) {
      out.set(str(r.id), cweEntry(r));
    }
    return out;
  }
}

