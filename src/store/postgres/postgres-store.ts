/**
 * @module The PostgreSQL store: a `pg` Pool, set-based statements.
 *
 * A batch is a handful of statements whatever its size: each takes whole columns as
 * arrays (`unnest`), so 1,000 records cost ~15 round trips, not thousands.
 *
 * Several processes may write at once. Every writer of a CVE first holds that CVE's
 * `records` row lock (existing rows: `SELECT … FOR UPDATE` in id order; new rows: the
 * inserted row itself, `ON CONFLICT DO NOTHING` waits for a concurrent inserter), and
 * only then reads the current version and numbers the new one; so there is no lost
 * update and no duplicate version number. A deadlock or serialization failure (rare:
 * overlapping batches that also create new CVEs) rolls back and the batch is retried.
 */
import { join } from 'node:path';
import pg from 'pg';
import { withTransaction } from './transaction.ts';
import type { PoolClient, QueryResultRow } from 'pg';
import type { CveId, RecordState } from '../../cve/index.ts';
import { StoreError } from '../errors.ts';
import { PostgresDisclosureStore } from './disclosure.ts';
import { PostgresCnaStore } from './cna.ts';
import { PostgresEnrichStore } from './enrich.ts';
import { cweEntry, jobInfo, kevEntry, mergeSource, quarantineItem, sourceInfo, sourceKind, sourceParams, storedRecord, versionInfo } from '../mapping.ts';
import type { Row } from '../mapping.ts';
import { checkDistinct, currentRow, decide, jobCounts, noNul, nowIso, sourceDeltas, withoutNul, writeDerivedRows } from '../rows.ts';
import type { CurrentRow, CurrentState, DerivedRows, FtsDoc } from '../rows.ts';
import { readMigrations } from '../migrations.ts';
import type { SearchStore } from '../search-types.ts';
import { PostgresSearch } from './search.ts';
import { postgresTables } from './tables.ts';
import type { TableAccess } from '../table-types.ts';
import { batchLoader } from './batch-loader.ts';
import type {
  BulkLoadInfo,
  FinishBulkLoadOptions,
  BatchResult,
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

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');
/** Advisory lock keys (transaction scoped). */
const LOCK_MIGRATE = 0x6376_6b01;
const LOCK_KEV = 0x6376_6b02;
/** deadlock_detected, serialization_failure: safe to retry the whole transaction. */
/**
 * `getRecord` statements running at once; the look-ups asked for meanwhile wait and share the
 * next one. Two keep the server busy without queueing on the pool (measured on 2 cores with
 * 32 clients: mean 5 names a statement, half the server CPU per record of one statement each).
 */
const RECORD_QUERIES_IN_FLIGHT = 2;

type Queryable = Pick<PoolClient, 'query'>;

const str = (v: unknown): string => v as string;

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** `postgres://user:secret@host/db` → `postgres://user@host/db`. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}

export interface PostgresStoreOptions {
  readonly readonly?: boolean;
  readonly maxConnections?: number;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly disclosure: PostgresDisclosureStore;
  readonly cna: PostgresCnaStore;
  readonly enrich: PostgresEnrichStore;
  readonly tables: TableAccess;
  readonly #pool: pg.Pool;
  readonly #readonly: boolean;
  /** Full text, filters, facets, stats, feeds and exports (issue 4). */
  readonly search: SearchStore;
  /** `getRecord` under load: concurrent look-ups share statements (see batch-loader.ts). */
  readonly #records = batchLoader<CveId, StoredRecord>((ids) => this.#fetchRecords(ids), RECORD_QUERIES_IN_FLIGHT);

  constructor(url: string, opts: PostgresStoreOptions = {}) {
    this.location = describePostgresUrl(url);
    this.#readonly = opts.readonly === true;
    this.#pool = new pg.Pool({
      connectionString: url,
      max: opts.maxConnections ?? 10,
      ...(this.#readonly ? { options: '-c default_transaction_read_only=on' } : {}),
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.#pool.on('error', () => undefined);
    this.disclosure = new PostgresDisclosureStore(this.#pool, () => this.#checkWritable());
    this.search = new PostgresSearch(this.#pool);
    this.cna = new PostgresCnaStore(this.#pool, { readonly: this.#readonly });
    this.enrich = new PostgresEnrichStore(this.#pool, { readonly: this.#readonly });
    this.tables = postgresTables(this.#pool, () => this.#checkWritable());
  }

  /** Check the server is reachable (openStore calls this). */
  async connect(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  #checkWritable(): void {
    if (this.#readonly) throw new StoreError('READ_ONLY', `${this.location} is open read-only`);
  }

  async #q<R extends QueryResultRow = Row>(sql: string, params: unknown[] = [], on: Queryable = this.#pool): Promise<R[]> {
    return (await on.query<R>(sql, params)).rows;
  }

  /**
   * A hot read as a named statement: parsed and planned once per connection, then only
   * bound and executed (the record lookups run once per request).
   */
  async #named<R extends QueryResultRow = Row>(name: string, text: string, values: unknown[]): Promise<R[]> {
    return (await this.#pool.query<R>({ name, text, values })).rows;
  }

  /** One transaction; retried from the start on deadlock or serialization failure. */
  async #tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    this.#checkWritable();
    return withTransaction(this.#pool, fn);
  }

  async migrate(): Promise<MigrationResult> {
    const migrations = readMigrations(MIGRATIONS_DIR);
    return this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [LOCK_MIGRATE]);
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)');
      const done = new Set((await this.#q('SELECT version FROM schema_migrations', [], c)).map((r) => Number(r.version)));
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        try {
          await c.query(m.sql);
        } catch (err) {
          throw new StoreError('MIGRATION_FAILED', `migration ${m.name} failed: ${(err as Error).message}`, { migration: m.name });
        }
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, nowIso()]);
        applied.push(m.name);
      }
      const [{ v }] = await this.#q('SELECT coalesce(max(version), 0)::int AS v FROM schema_migrations', [], c);
      return { applied, current: Number(v) };
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  // --- records -------------------------------------------------------------

  async writeBatch(given: readonly RecordWrite[], checkpoint?: JobCheckpoint): Promise<BatchResult> {
    checkDistinct(given);
    const writes = given.map(withoutNul);
    const rows = writes.map(currentRow);
    const derived = writes.map(writeDerivedRows);
    return this.#tx(async (c) => {
      const now = nowIso();
      const ids = writes.map((w) => w.cveId);
      const index = new Map(ids.map((id, i) => [id, i]));
      const outcomes: WriteOutcome[] = new Array<WriteOutcome>(writes.length);
      const versions = new Array<number>(writes.length);

      // 1. Lock the rows of CVEs that exist, in id order (no deadlock between batches).
      const existing = new Set(
        (await this.#q('SELECT cve_id FROM records WHERE cve_id = ANY($1::text[]) ORDER BY cve_id FOR UPDATE', [ids], c)).map((r) => str(r.cve_id)),
      );
      // 2. Insert the new ones as version 1; a concurrent inserter of the same CVE makes
      //    ours do nothing (after it commits), and that CVE is then locked and decided below.
      const fresh = rows.filter((r) => !existing.has(r.cveId));
      const toLock: string[] = [];
      if (fresh.length > 0) {
        const inserted = new Set((await insertRecords(c, fresh, now)).map((r) => str(r.cve_id)));
        for (const r of fresh) {
          const i = index.get(r.cveId) as number;
          if (inserted.has(r.cveId)) {
            outcomes[i] = 'added';
            versions[i] = 1;
          } else {
            toLock.push(r.cveId);
          }
        }
      }
      if (toLock.length > 0) {
        toLock.sort();
        await c.query('SELECT cve_id FROM records WHERE cve_id = ANY($1::text[]) ORDER BY cve_id FOR UPDATE', [toLock]);
        for (const id of toLock) existing.add(id);
      }
      // 3. With the locks held, read the current state (a fresh snapshot) and decide.
      const updated: number[] = [];
      const historyOnly: number[] = [];
      if (existing.size > 0) {
        const ex = [...existing];
        const states = await this.#q(
          `SELECT r.cve_id, r.version, r.last_version, r.hash, r.date_updated, r.source,
             (SELECT v.version FROM record_versions v WHERE v.cve_id = w.cve_id AND v.hash = w.hash) AS same
           FROM unnest($1::text[], $2::text[]) AS w (cve_id, hash) JOIN records r ON r.cve_id = w.cve_id`,
          [ex, ex.map((id) => writes[index.get(id) as number].hash)],
          c,
        );
        for (const s of states) {
          const i = index.get(str(s.cve_id)) as number;
          const state: CurrentState = {
            version: Number(s.version),
            lastVersion: Number(s.last_version),
            hash: str(s.hash),
            dateUpdated: str(s.date_updated),
            source: str(s.source),
            sameHashVersion: s.same === null ? null : Number(s.same),
          };
          const o = decide(writes[i], state);
          outcomes[i] = o;
          if (o === 'unchanged') continue;
          versions[i] = state.lastVersion + 1;
          (o === 'updated' ? updated : historyOnly).push(i);
        }
      }
      // 4. New versions, then the current pointers and derived rows.
      const stored = writes.map((_, i) => i).filter((i) => outcomes[i] !== 'unchanged');
      if (stored.length > 0) {
        // One parameter per value: long JSON texts travel as they are (no array-literal escaping).
        for (const part of chunks(stored, VERSION_CASTS.length)) {
          await c.query(
            `INSERT INTO record_versions (cve_id, version, hash, json, date_updated, source, origin, arrived_at)
             VALUES ${placeholders(part.length, VERSION_CASTS)}`,
            part.flatMap((i) => {
              const w = writes[i];
              return [w.cveId, versions[i], w.hash, w.json, w.dateUpdated, w.source, w.origin ?? null, now];
            }),
          );
        }
      }
      if (historyOnly.length > 0) {
        await c.query(
          `UPDATE records r SET last_version = u.version FROM unnest($1::text[], $2::int[]) AS u (cve_id, version) WHERE r.cve_id = u.cve_id`,
          [historyOnly.map((i) => writes[i].cveId), historyOnly.map((i) => versions[i])],
        );
      }
      if (updated.length > 0) {
        await updateRecords(
          c,
          updated.map((i) => rows[i]),
          updated.map((i) => versions[i]),
          now,
        );
        const upIds = updated.map((i) => writes[i].cveId);
        await c.query(
          `WITH a AS (DELETE FROM record_affected WHERE cve_id = ANY($1::text[])),
                b AS (DELETE FROM record_cwes WHERE cve_id = ANY($1::text[])),
                m AS (DELETE FROM record_metrics WHERE cve_id = ANY($1::text[])),
                x AS (DELETE FROM record_replacements WHERE cve_id = ANY($1::text[]))
           DELETE FROM record_fts WHERE cve_id = ANY($1::text[])`,
          [upIds],
        );
      }
      const current = writes.map((_, i) => i).filter((i) => outcomes[i] === 'added' || outcomes[i] === 'updated');
      if (current.length > 0) {
        await insertDerived(
          c,
          current.map((i) => writes[i].cveId),
          current.map((i) => derived[i]),
        );
      }
      // 5. Source statistics, quarantine and the job checkpoint, in the same transaction.
      for (const [source, d] of sourceDeltas(writes, outcomes)) {
        await c.query({
          name: 'cvekit_source_stats',
          text: `INSERT INTO sources (id, kind, content_date, counts) VALUES ($1, $2, $3, $4::jsonb)
                 ON CONFLICT (id) DO UPDATE SET content_date = greatest(sources.content_date, excluded.content_date),
                   counts = cvekit_add_counts(sources.counts, excluded.counts)`,
          values: [source, sourceKind(source), d.contentDate, JSON.stringify(d.counts)],
        });
      }
      if (checkpoint) {
        const q = checkpoint.quarantine ?? [];
        if (q.length > 0) await insertQuarantine(c, q, now);
        const r = await c.query({
          name: 'cvekit_checkpoint',
          text: "UPDATE import_jobs SET position = $2, counts = $3::jsonb, updated_at = $4, status = 'running' WHERE id = $1",
          values: [checkpoint.jobId, checkpoint.position, JSON.stringify(jobCounts(checkpoint, writes, outcomes)), now],
        });
        if (r.rowCount !== 1) throw new StoreError('NOT_FOUND', `checkpoint for unknown job ${checkpoint.jobId}`, { jobId: checkpoint.jobId });
      }
      return { outcomes };
    });
  }

  async getRecord(cveId: CveId): Promise<StoredRecord | undefined> {
    return this.#records.load(cveId);
  }

  /** The current records of many names in one statement (`getRecord` batches through it). */
  async #fetchRecords(ids: CveId[]): Promise<Map<CveId, StoredRecord>> {
    // One name: `= $1` (an array parameter and `= ANY` cost the server about twice as much).
    const rows =
      ids.length === 1
        ? await this.#named('cvekit_get_record', `${RECORD_SELECT} WHERE r.cve_id = $1`, ids)
        : await this.#named('cvekit_get_records', `${RECORD_SELECT} WHERE r.cve_id = ANY($1::text[])`, [ids]);
    const out = new Map<CveId, StoredRecord>();
    for (const r of rows) out.set(str(r.cve_id), storedRecord(r));
    return out;
  }

  async getCurrentHashes(cveIds: readonly CveId[]): Promise<Map<CveId, string>> {
    const out = new Map<CveId, string>();
    if (cveIds.length === 0) return out;
    for (const r of await this.#q('SELECT cve_id, hash FROM records WHERE cve_id = ANY($1::text[])', [cveIds])) out.set(str(r.cve_id), str(r.hash));
    return out;
  }

  async listVersions(cveId: CveId): Promise<VersionInfo[]> {
    return (
      await this.#q(
        `SELECT v.cve_id, v.version, v.hash, v.date_updated, v.source, v.origin, v.arrived_at, (v.version = r.version) AS current
         FROM record_versions v JOIN records r ON r.cve_id = v.cve_id WHERE v.cve_id = $1 ORDER BY v.version`,
        [cveId],
      )
    ).map(versionInfo);
  }

  async getVersion(cveId: CveId, version: number): Promise<StoredVersion | undefined> {
    const [r] = await this.#q(
      `SELECT v.cve_id, v.version, v.hash, v.date_updated, v.source, v.origin, v.arrived_at, (v.version = r.version) AS current, v.json
       FROM record_versions v JOIN records r ON r.cve_id = v.cve_id WHERE v.cve_id = $1 AND v.version = $2`,
      [cveId, version],
    );
    return r ? { ...versionInfo(r), json: str(r.json) } : undefined;
  }

  async findReplacing(target: CveId): Promise<CveId[]> {
    return (
      await this.#q(
        `SELECT r.cve_id FROM records r WHERE r.cve_id IN (SELECT x.cve_id FROM record_replacements x WHERE x.target = $1) ORDER BY r.id_key`,
        [target],
      )
    ).map((r) => str(r.cve_id));
  }

  async counts(): Promise<RecordCounts> {
    const byState: Record<string, number> = {};
    let total = 0;
    for (const r of await this.#q('SELECT state, count(*)::int AS n FROM records GROUP BY state ORDER BY state')) {
      byState[str(r.state)] = Number(r.n);
      total += Number(r.n);
    }
    const [v] = await this.#q('SELECT count(*)::int AS n FROM record_versions');
    const [q] = await this.#q("SELECT count(*)::int AS n FROM quarantine WHERE status = 'open'");
    return { total, byState, versions: Number(v.n), quarantined: Number(q.n) };
  }

  async *iterateCurrent(opts: { readonly batchSize?: number; readonly source?: string } = {}): AsyncIterable<{ cveId: CveId; hash: string; state: RecordState }> {
    const size = Math.max(1, opts.batchSize ?? 1000);
    let after = -1;
    for (;;) {
      const rows =
        opts.source === undefined
          ? await this.#q('SELECT cve_id, hash, state, id_key FROM records WHERE id_key > $1 ORDER BY id_key LIMIT $2', [after, size])
          : await this.#q('SELECT cve_id, hash, state, id_key FROM records WHERE source = $1 AND id_key > $2 ORDER BY id_key LIMIT $3', [
              opts.source,
              after,
              size,
            ]);
      for (const r of rows) yield { cveId: str(r.cve_id), hash: str(r.hash), state: r.state as RecordState };
      if (rows.length < size) return;
      after = Number(rows[rows.length - 1].id_key);
    }
  }

  // --- sources ---------------------------------------------------------------

  async upsertSource(source: Partial<SourceInfo> & { readonly id: string; readonly kind: string }): Promise<void> {
    await this.#tx(async (c) => {
      await c.query("INSERT INTO sources (id, kind, counts) VALUES ($1, $2, '{}') ON CONFLICT (id) DO NOTHING", [source.id, source.kind]);
      const [old] = await this.#q('SELECT * FROM sources WHERE id = $1 FOR UPDATE', [source.id], c);
      const merged = mergeSource(sourceInfo(old), source);
      await c.query(
        `UPDATE sources SET kind = $2, description = $3, location = $4, last_sync_at = $5, content_date = $6, release = $7,
           "commit" = $8, next_sync_at = $9, last_error = $10, counts = $11::jsonb WHERE id = $1`,
        sourceParams(merged),
      );
    });
  }

  async getSource(id: string): Promise<SourceInfo | undefined> {
    const [r] = await this.#q('SELECT * FROM sources WHERE id = $1', [id]);
    return r ? sourceInfo(r) : undefined;
  }

  async listSources(): Promise<SourceInfo[]> {
    return (await this.#q('SELECT * FROM sources ORDER BY id')).map(sourceInfo);
  }

  // --- quarantine ------------------------------------------------------------

  async addQuarantine(item: QuarantineInput): Promise<number> {
    this.#checkWritable();
    const [id] = await insertQuarantine(this.#pool, [item], nowIso());
    return id;
  }

  async listQuarantine(filter: QuarantineFilter = {}): Promise<QuarantineItem[]> {
    return (
      await this.#q(
        `SELECT id, source, position, cve_id, code, path, message, size, status, created_at FROM quarantine
         WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR source = $2) AND id > $3 ORDER BY id LIMIT $4`,
        [filter.status ?? null, filter.source ?? null, filter.afterId ?? 0, filter.limit ?? null],
      )
    ).map(quarantineItem);
  }

  async getQuarantine(id: number): Promise<(QuarantineItem & { readonly raw: Uint8Array }) | undefined> {
    const [r] = await this.#q('SELECT * FROM quarantine WHERE id = $1', [id]);
    return r ? { ...quarantineItem(r), raw: new Uint8Array(r.raw as Buffer) } : undefined;
  }

  async setQuarantineStatus(id: number, status: QuarantineItem['status']): Promise<void> {
    this.#checkWritable();
    const r = await this.#pool.query('UPDATE quarantine SET status = $2 WHERE id = $1', [id, status]);
    if (r.rowCount !== 1) throw new StoreError('NOT_FOUND', `no quarantine item ${id}`, { id });
  }

  // --- jobs --------------------------------------------------------------------

  async startJob(key: string, kind: string): Promise<JobInfo> {
    this.#checkWritable();
    const now = nowIso();
    const [r] = await this.#q(
      `INSERT INTO import_jobs (id, key, kind, status, position, counts, started_at, updated_at)
       VALUES ($1, $2, $3, 'running', NULL, '{}', $4, $4)
       ON CONFLICT (key) WHERE status <> 'done' DO UPDATE SET status = 'running', updated_at = excluded.updated_at
       RETURNING *`,
      [crypto.randomUUID(), key, kind, now],
    );
    return jobInfo(r);
  }

  async getJob(key: string): Promise<JobInfo | undefined> {
    const [r] = await this.#q("SELECT * FROM import_jobs WHERE key = $1 ORDER BY (status <> 'done') DESC, started_at DESC LIMIT 1", [key]);
    return r ? jobInfo(r) : undefined;
  }

  /** PostgreSQL has no bulk path: its `writeBatch` is set-based already (`JobCheckpoint.bulkLoad` is ignored). */
  async pendingBulkLoad(): Promise<BulkLoadInfo | undefined> {
    return undefined;
  }

  async finishBulkLoad(_opts?: FinishBulkLoadOptions): Promise<boolean> {
    return false;
  }

  async finishJob(id: string, status: 'done' | 'failed', counts: Readonly<Record<string, number>>, error?: string): Promise<void> {
    this.#checkWritable();
    const r = await this.#pool.query('UPDATE import_jobs SET status = $2, counts = $3::jsonb, error = $4, updated_at = $5 WHERE id = $1', [
      id,
      status,
      JSON.stringify(counts),
      error ?? null,
      nowIso(),
    ]);
    if (r.rowCount !== 1) throw new StoreError('NOT_FOUND', `no import job ${id}`, { id });
  }

  // --- meta ------------------------------------------------------------------------

  async getMeta(key: string): Promise<string | undefined> {
    const [r] = await this.#q('SELECT value FROM meta WHERE key = $1', [key]);
    return r ? str(r.value) : undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.#checkWritable();
    await this.#pool.query(
      'INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      [key, value, nowIso()],
    );
  }

  async swapMeta(key: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    this.#checkWritable();
    // One statement each: the row's lock (or the key's uniqueness) decides between racers.
    let r: { rowCount: number | null };
    if (expected === undefined && next === undefined) return (await this.getMeta(key)) === undefined;
    if (expected === undefined) {
      r = await this.#pool.query('INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING', [key, next, nowIso()]);
    } else if (next === undefined) {
      r = await this.#pool.query('DELETE FROM meta WHERE key = $1 AND value = $2', [key, expected]);
    } else {
      r = await this.#pool.query('UPDATE meta SET value = $3, updated_at = $4 WHERE key = $1 AND value = $2', [key, expected, next, nowIso()]);
    }
    return (r.rowCount ?? 0) === 1;
  }

  // --- KEV and CWE -------------------------------------------------------------

  async importKev(catalog: KevCatalog): Promise<KevImportResult> {
    return this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEV]);
      const total = catalog.entries.length;
      const [known] = await this.#q('SELECT 1 FROM kev_catalogs WHERE catalog_version = $1', [catalog.catalogVersion], c);
      const [latest] = await this.#q('SELECT date_released FROM kev_catalogs ORDER BY date_released DESC LIMIT 1', [], c);
      if (known || (latest && str(latest.date_released) > catalog.dateReleased)) return { added: 0, removed: 0, unchanged: total, total };
      const before = new Set((await this.#q('SELECT cve_id FROM kev_entries', [], c)).map((r) => str(r.cve_id)));
      const after = new Set(catalog.entries.map((e) => e.cveId));
      const added = [...after].filter((id) => !before.has(id)).sort();
      const removed = [...before].filter((id) => !after.has(id)).sort();
      const byId = new Map(catalog.entries.map((e) => [e.cveId, e]));
      const entries = [...byId.values()];
      await c.query('DELETE FROM kev_entries');
      await c.query(
        `INSERT INTO kev_entries (cve_id, vendor_project, product, vulnerability_name, date_added, short_description,
           required_action, due_date, known_ransomware_campaign_use, notes, cwes, catalog_version)
         SELECT u.*, $12 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[]) AS u`,
        [
          entries.map((e) => e.cveId),
          entries.map((e) => e.vendorProject),
          entries.map((e) => e.product),
          entries.map((e) => e.vulnerabilityName),
          entries.map((e) => e.dateAdded),
          entries.map((e) => e.shortDescription),
          entries.map((e) => e.requiredAction),
          entries.map((e) => e.dueDate),
          entries.map((e) => e.knownRansomwareCampaignUse),
          entries.map((e) => e.notes),
          entries.map((e) => JSON.stringify(e.cwes)),
          catalog.catalogVersion,
        ],
      );
      const changes = [...added.map((id) => [id, 'added'] as const), ...removed.map((id) => [id, 'removed'] as const)];
      if (changes.length > 0) {
        await c.query(
          'INSERT INTO kev_history (cve_id, change, catalog_version, at) SELECT u.cve_id, u.change, $3, $4 FROM unnest($1::text[], $2::text[]) AS u (cve_id, change)',
          [changes.map((x) => x[0]), changes.map((x) => x[1]), catalog.catalogVersion, catalog.dateReleased],
        );
      }
      // Lock in id order first: writers lock records rows in the same order.
      const touched = [...added, ...removed].sort();
      if (touched.length > 0) await c.query('SELECT cve_id FROM records WHERE cve_id = ANY($1::text[]) ORDER BY cve_id FOR UPDATE', [touched]);
      if (added.length > 0) await c.query('UPDATE records SET kev = true WHERE cve_id = ANY($1::text[]) AND NOT kev', [added]);
      if (removed.length > 0) await c.query('UPDATE records SET kev = kev_adp WHERE cve_id = ANY($1::text[])', [removed]);
      await c.query('INSERT INTO kev_catalogs (catalog_version, date_released, count, imported_at) VALUES ($1, $2, $3, $4)', [
        catalog.catalogVersion,
        catalog.dateReleased,
        total,
        nowIso(),
      ]);
      return { added: added.length, removed: removed.length, unchanged: total - added.length, total };
    });
  }

  async getKev(cveId: CveId): Promise<KevEntry | undefined> {
    const [r] = await this.#q('SELECT * FROM kev_entries WHERE cve_id = $1', [cveId]);
    return r ? kevEntry(r) : undefined;
  }

  async kevHistory(cveId?: CveId): Promise<KevChange[]> {
    const rows = await this.#q('SELECT cve_id, change, catalog_version, at FROM kev_history WHERE $1::text IS NULL OR cve_id = $1 ORDER BY id', [
      cveId ?? null,
    ]);
    return rows.map((r) => ({ cveId: str(r.cve_id), change: r.change as KevChange['change'], catalogVersion: str(r.catalog_version), at: str(r.at) }));
  }

  async importCwe(entries: readonly CweEntry[], version: string): Promise<number> {
    const byId = new Map(entries.map((e) => [e.id, e]));
    const list = [...byId.values()];
    await this.#tx(async (c) => {
      await c.query(
        `INSERT INTO cwe_entries (id, name, type, abstraction, status, description, catalog_version)
         SELECT u.*, $7 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type, abstraction = excluded.abstraction,
           status = excluded.status, description = excluded.description, catalog_version = excluded.catalog_version`,
        [
          list.map((e) => e.id),
          list.map((e) => e.name),
          list.map((e) => e.type),
          list.map((e) => e.abstraction ?? null),
          list.map((e) => e.status ?? null),
          list.map((e) => e.description ?? null),
          version,
        ],
      );
    });
    return entries.length;
  }

  async getCwe(id: string): Promise<CweEntry | undefined> {
    const [r] = await this.#q('SELECT * FROM cwe_entries WHERE id = $1', [id]);
    return r ? cweEntry(r) : undefined;
  }

  async getCwes(ids: readonly string[]): Promise<Map<string, CweEntry>> {
    const out = new Map<string, CweEntry>();
    if (ids.length === 0) return out;
    for (const r of await this.#q('SELECT * FROM cwe_entries WHERE id = ANY($1::text[])', [ids])) out.set(str(r.id), cweEntry(r));
    return out;
  }
}

// --- set-based statements ----------------------------------------------------------

/** At most this many parameters per statement (the protocol allows 65,535). */
const MAX_PARAMS = 60_000;

/** `($1::text, $2::int), ($3::text, $4::int)…`: `rows` tuples of `casts.length` parameters from `$start`. */
function placeholders(rows: number, casts: readonly string[], start = 1): string {
  const out: string[] = [];
  let n = start;
  for (let r = 0; r < rows; r++) out.push(`(${casts.map((cast) => `$${n++}${cast ? `::${cast}` : ''}`).join(', ')})`);
  return out.join(', ');
}

/** Split so that each part fits one statement's parameter limit. */
function chunks<T>(items: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMS / columns));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const VERSION_CASTS = ['', '', '', '', '', '', '', ''];

const RECORD_SELECT = `SELECT r.cve_id, r.state, v.json, r.hash, r.version, v.date_updated, r.source, r.arrived_at
  FROM records r JOIN record_versions v ON v.cve_id = r.cve_id AND v.version = r.version`;

const RECORD_COLUMNS = `cve_id, id_key, year, state, data_version, hash, date_updated, date_published, date_reserved, date_rejected,
  date_public, assigner_org_id, assigner_short_name, title, description, cvss_score, cvss_severity, kev_adp, source, has_fix`;
const RECORD_CASTS = ['text', 'bigint', 'int', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'float8', 'text', 'bool', 'text', 'bool'];

function recordValues(r: CurrentRow): unknown[] {
  return [
    r.cveId, r.idKey, r.year, r.state, r.dataVersion, r.hash, r.dateUpdated, r.datePublished, r.dateReserved, r.dateRejected,
    r.datePublic, r.assignerOrgId, r.assignerShortName, r.title, r.description, r.cvssScore, r.cvssSeverity, r.kevAdp, r.source,
    r.hasFix,
  ];
}

/**
 * Insert new CVEs as version 1 (in id order); returns the ids actually inserted. No
 * conflict target: `id_key` is unique too, and only arbiter indexes wait for a concurrent
 * inserter of the same CVE and skip; a named target left `id_key` to fail instead.
 */
async function insertRecords(c: Queryable, rows: readonly CurrentRow[], now: string): Promise<Row[]> {
  const sorted = [...rows].sort((a, b) => a.idKey - b.idKey);
  const out: Row[] = [];
  for (const part of chunks(sorted, RECORD_CASTS.length)) {
    const nowParam = part.length * RECORD_CASTS.length + 1;
    const r = await c.query(
      `INSERT INTO records (cve_id, id_key, year, state, data_version, version, last_version, hash, date_updated,
         date_published, date_reserved, date_rejected, date_public, assigner_org_id, assigner_short_name, title,
         description, cvss_score, cvss_severity, kev, kev_adp, source, arrived_at, has_fix)
       SELECT u.cve_id, u.id_key, u.year, u.state, u.data_version, 1, 1, u.hash, u.date_updated, u.date_published,
         u.date_reserved, u.date_rejected, u.date_public, u.assigner_org_id, u.assigner_short_name, u.title,
         u.description, u.cvss_score, u.cvss_severity,
         u.kev_adp OR EXISTS (SELECT 1 FROM kev_entries k WHERE k.cve_id = u.cve_id), u.kev_adp, u.source, $${nowParam}::text, u.has_fix
       FROM (VALUES ${placeholders(part.length, RECORD_CASTS)}) AS u (${RECORD_COLUMNS})
       ORDER BY u.id_key
       ON CONFLICT DO NOTHING
       RETURNING cve_id`,
      [...part.flatMap(recordValues), now],
    );
    out.push(...(r.rows as Row[]));
  }
  return out;
}

async function updateRecords(c: Queryable, rows: readonly CurrentRow[], versions: readonly number[], now: string): Promise<void> {
  const casts = [...RECORD_CASTS, 'int'];
  const items = rows.map((r, i) => [...recordValues(r), versions[i]]);
  for (const part of chunks(items, casts.length)) {
    await c.query(
      `UPDATE records r SET state = u.state, data_version = u.data_version, version = u.version, last_version = u.version,
         hash = u.hash, date_updated = u.date_updated, date_published = u.date_published, date_reserved = u.date_reserved,
         date_rejected = u.date_rejected, date_public = u.date_public, assigner_org_id = u.assigner_org_id,
         assigner_short_name = u.assigner_short_name, title = u.title, description = u.description,
         cvss_score = u.cvss_score, cvss_severity = u.cvss_severity,
         kev = u.kev_adp OR EXISTS (SELECT 1 FROM kev_entries k WHERE k.cve_id = u.cve_id), kev_adp = u.kev_adp,
         source = u.source, arrived_at = $${part.length * casts.length + 1}::text, has_fix = u.has_fix
       FROM (VALUES ${placeholders(part.length, casts)}) AS u (${RECORD_COLUMNS}, version)
       WHERE r.cve_id = u.cve_id`,
      [...part.flat(), now],
    );
  }
}

/** All derived rows of many records in one statement (data-modifying CTEs). */
async function insertDerived(c: Queryable, ids: readonly string[], derived: readonly DerivedRows[]): Promise<void> {
  const aff = { id: [] as string[], ord: [] as number[], source: [] as string[], vendor: [] as string[], product: [] as string[], vlc: [] as string[], plc: [] as string[], pkg: [] as (string | null)[], url: [] as (string | null)[], status: [] as (string | null)[], cpes: [] as string[] };
  const cwe = { id: [] as string[], cwe: [] as string[] };
  const met = { id: [] as string[], ord: [] as number[], source: [] as string[], version: [] as string[], score: [] as number[], severity: [] as string[], vector: [] as string[] };
  const rep = { id: [] as string[], kind: [] as string[], target: [] as string[], origin: [] as string[] };
  derived.forEach((d, i) => {
    const id = ids[i];
    d.affected.forEach((a, ord) => {
      aff.id.push(id);
      aff.ord.push(ord);
      aff.source.push(a.source);
      aff.vendor.push(a.vendor);
      aff.product.push(a.product);
      aff.vlc.push(a.vendorLc);
      aff.plc.push(a.productLc);
      aff.pkg.push(a.packageName);
      aff.url.push(a.collectionUrl);
      aff.status.push(a.defaultStatus);
      aff.cpes.push(a.cpes);
    });
    for (const x of d.cwes) {
      cwe.id.push(id);
      cwe.cwe.push(x);
    }
    d.metrics.forEach((m, ord) => {
      met.id.push(id);
      met.ord.push(ord);
      met.source.push(m.source);
      met.version.push(m.cvssVersion);
      met.score.push(m.score);
      met.severity.push(m.severity);
      met.vector.push(m.vector);
    });
    for (const x of d.replacements) {
      rep.id.push(id);
      rep.kind.push(x.kind);
      rep.target.push(x.target);
      rep.origin.push(x.origin);
    }
  });
  await c.query({
    name: 'cvekit_insert_derived',
    text: `WITH
      a AS (INSERT INTO record_affected (cve_id, ord, source, vendor, product, vendor_lc, product_lc, package_name, collection_url, default_status, cpes)
            SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[])),
      w AS (INSERT INTO record_cwes (cve_id, cwe_id) SELECT * FROM unnest($12::text[], $13::text[])),
      m AS (INSERT INTO record_metrics (cve_id, ord, source, cvss_version, score, severity, vector)
            SELECT * FROM unnest($14::text[], $15::int[], $16::text[], $17::text[], $18::float8[], $19::text[], $20::text[])),
      x AS (INSERT INTO record_replacements (cve_id, kind, target, origin) SELECT * FROM unnest($21::text[], $22::text[], $23::text[], $24::text[]))
      SELECT 1`,
    values: [
      aff.id, aff.ord, aff.source, aff.vendor, aff.product, aff.vlc, aff.plc, aff.pkg, aff.url, aff.status, aff.cpes,
      cwe.id, cwe.cwe,
      met.id, met.ord, met.source, met.version, met.score, met.severity, met.vector,
      rep.id, rep.kind, rep.target, rep.origin,
    ],
  });
  await insertFullText(c, derived.map((d, i) => [ids[i], d.fts]));
}

const FTS_CASTS = ['', '', '', '', '', ''];

/**
 * Full-text rows (`record_fts`) for records: long texts, so one parameter per value. Texts
 * with NUL (a record's text derived again from its JSON, `db copy`) get U+FFFD there.
 */
export async function insertFullText(c: Queryable, docs: readonly (readonly [string, FtsDoc])[]): Promise<void> {
  const values = docs.map(([id, d]) => [id, noNul(d.title), noNul(d.products), noNul(d.description), noNul(d.keywords), noNul(d.refs)]);
  for (const part of chunks(values, FTS_CASTS.length)) {
    await c.query(
      `INSERT INTO record_fts (cve_id, document)
       SELECT u.cve_id,
         setweight(to_tsvector('english', u.title), 'A') ||
         setweight(to_tsvector('english', u.products), 'B') ||
         setweight(to_tsvector('english', u.description), 'C') ||
         setweight(to_tsvector('english', u.keywords || ' ' || u.refs), 'D')
       FROM (VALUES ${placeholders(part.length, FTS_CASTS)}) AS u (cve_id, title, products, description, keywords, refs)`,
      part.flat(),
    );
  }
}

async function insertQuarantine(c: Queryable, items: readonly QuarantineInput[], now: string): Promise<number[]> {
  const r = await c.query(
    `INSERT INTO quarantine (source, position, cve_id, code, path, message, raw, size, status, created_at)
     SELECT u.source, u.position, u.cve_id, u.code, u.path, u.message, u.raw, u.size, 'open', $9
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[], $8::int[])
       WITH ORDINALITY AS u (source, position, cve_id, code, path, message, raw, size, n)
     ORDER BY u.n
     RETURNING id`,
    [
      items.map((q) => q.source),
      items.map((q) => q.position),
      items.map((q) => q.cveId ?? null),
      items.map((q) => q.code),
      items.map((q) => q.path ?? null),
      items.map((q) => q.message),
      items.map((q) => toBuffer(q.raw)),
      items.map((q) => q.raw.byteLength),
      now,
    ],
  );
  return r.rows.map((x) => Number(x.id));
}
