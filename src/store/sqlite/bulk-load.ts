/**
 * @module Bulk load on SQLite: the first import into a store without records loads
 * `records` and the derived tables without their secondary indexes and stages the full
 * text in a plain table, then builds the indexes (sorted builds) and fills the FTS5
 * index in one pass. Every step is inside a store transaction:
 *
 * - the batch that starts the load drops the indexes, creates the staging table and
 *   records the state (meta key `store:bulk-load`: the job, the dropped indexes' SQL);
 * - every write while the state is there (from any connection) stages its full text;
 * - the build creates the indexes, fills `record_fts`, drops the staging table and the
 *   state, all in one transaction: a crash rolls it back and the next call redoes it.
 *
 * While the state is there, searches that need the full-text index refuse
 * (`INDEX_BUILDING`); everything else reads the tables, which are complete.
 * @internal
 */
import { hostname } from 'node:os';
import type { DatabaseSync } from 'node:sqlite';
import { StoreError } from '../errors.ts';
import { processRunning } from '../process-running.ts';
import { quoteIdent } from '../table-access.ts';
import type { SearchQuery, SearchStore } from '../search-types.ts';
import type { BulkLoadInfo } from '../types.ts';

const STATE_KEY = 'store:bulk-load';
/** The tables whose secondary indexes a bulk load builds at its end. */
const TABLES = ['records', 'record_affected', 'record_cwes', 'record_metrics', 'record_replacements'];
export const STAGE_TABLE = 'bulk_fts_stage';
/**
 * FTS5 settings for the one-pass fill: a 16 MiB in-memory hash before each segment is
 * written (default 1 MiB), so far fewer level-0 segments to merge. Reset afterwards.
 */
const BUILD_HASHSIZE = 16 * 1024 * 1024;
const DEFAULT_HASHSIZE = 1024 * 1024;
/** A bulk load recorded by another host counts as abandoned after this long without a checkpoint. */
const STALE_MS = 10 * 60_000;

export interface BulkState extends BulkLoadInfo {
  readonly indexes: readonly { readonly name: string; readonly sql: string }[];
}

/** The pending bulk load, if any (no `meta` table yet: none). */
export function bulkState(db: DatabaseSync): BulkState | undefined {
  const has = db.prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!has) return undefined;
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(STATE_KEY);
  return row ? (JSON.parse(String(row.value)) as BulkState) : undefined;
}

/** Start a bulk load; inside the transaction of the batch that is the first to write records. */
export function startBulkLoad(db: DatabaseSync, jobId: string, now: string): void {
  const marks = TABLES.map(() => '?').join(', ');
  const indexes = db
    .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${marks}) ORDER BY tbl_name, name`)
    .all(...TABLES)
    .map((r) => ({ name: String(r.name), sql: String(r.sql) }));
  const state: BulkState = { jobId, startedAt: now, host: hostname(), pid: process.pid, indexes };
  db.prepare('INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?)').run(STATE_KEY, JSON.stringify(state), now);
  for (const ix of indexes) db.exec(`DROP INDEX ${quoteIdent(ix.name)}`);
  db.exec(`CREATE TABLE ${STAGE_TABLE} (rowid INTEGER PRIMARY KEY, title TEXT, products TEXT, description TEXT, keywords TEXT, refs TEXT)`);
}

/**
 * The job's batch continues the load from this process (a resumed import runs in a new
 * one): record it as the loader, so other processes leave the build to it. In the batch's
 * transaction; a no-op when it already is.
 */
export function claimBulkLoad(db: DatabaseSync, state: BulkState, jobId: string, now: string): void {
  if (state.jobId !== jobId || (state.pid === process.pid && state.host === hostname())) return;
  const next: BulkState = { ...state, host: hostname(), pid: process.pid };
  db.prepare('UPDATE meta SET value = ?, updated_at = ? WHERE key = ?').run(JSON.stringify(next), now, STATE_KEY);
}

/**
 * Whether another process on this host is loading this bulk load now (its process
 * exists). A load recorded by another host is taken as running while its job
 * checkpointed in the last `STALE_MS`; one without a loader (older state) as gone.
 */
export function loaderRunning(db: DatabaseSync, state: BulkState): boolean {
  if (state.pid === undefined || state.host === undefined) return false;
  if (state.host !== hostname()) {
    const row = db.prepare('SELECT updated_at FROM import_jobs WHERE id = ?').get(state.jobId);
    return row !== undefined && Date.now() - Date.parse(String(row.updated_at)) < STALE_MS;
  }
  if (state.pid === process.pid) return false;
  return processRunning(state.pid);
}

/** Build what the bulk load left out; inside a write transaction. False when none was pending. */
export function buildBulkLoad(db: DatabaseSync): boolean {
  const state = bulkState(db);
  if (!state) return false;
  const exists = db.prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'index' AND name = ?");
  for (const ix of state.indexes) if (!exists.get(ix.name)) db.exec(ix.sql);
  // FTS5 takes its settings as literals only (a bound value is an error); these are constants.
  db.exec(`INSERT INTO record_fts (record_fts, rank) VALUES ('hashsize', ${BUILD_HASHSIZE})`);
  db.exec(`INSERT INTO record_fts (rowid, title, products, description, keywords, refs)
           SELECT rowid, title, products, description, keywords, refs FROM ${STAGE_TABLE} ORDER BY rowid`);
  db.exec(`INSERT INTO record_fts (record_fts, rank) VALUES ('hashsize', ${DEFAULT_HASHSIZE})`);
  db.exec(`DROP TABLE ${STAGE_TABLE}`);
  db.prepare('DELETE FROM meta WHERE key = ?').run(STATE_KEY);
  return true;
}

/** Whether a search needs the full-text index (words, phrases, exclusions or CVE names in text). */
function needsFullText(q: SearchQuery): boolean {
  return (q.words?.length ?? 0) > 0 || (q.phrases?.length ?? 0) > 0 || (q.excluded?.length ?? 0) > 0 || (q.cveIds?.length ?? 0) > 0;
}

/** `search` that refuses full-text queries while a bulk load is pending; the rest reads the complete tables. */
export function guardSearch(search: SearchStore, pending: () => BulkLoadInfo | undefined): SearchStore {
  return {
    search: async (q) => {
      const p = needsFullText(q) ? pending() : undefined;
      if (p) {
        throw new StoreError('INDEX_BUILDING', 'the full-text index is being built after a bulk import; retry when the import has finished', {
          jobId: p.jobId,
          since: p.startedAt,
        });
      }
      return search.search(q);
    },
    stats: (opts) => search.stats(opts),
    changes: (q) => search.changes(q),
    exportCurrent: (filter, opts) => search.exportCurrent(filter, opts),
    getStates: (ids) => search.getStates(ids),
  };
}
