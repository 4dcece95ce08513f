/**
 * @module The SQLite floor of a full import: what SQLite alone costs to store what the
 * import stores, with no JavaScript per row. The rows of an imported store (records,
 * versions, derived rows, and the full text the bulk load stages) are copied in C
 * (`INSERT … SELECT` from the attached store) into a fresh store in bulk-load mode, 1,000
 * records a transaction as the import commits them, with the store's own settings (16 KiB
 * pages, WAL, `synchronous = NORMAL`, its cache); then the store's own build
 * (`finishBulkLoad`: the indexes, the full-text fill) and a checkpoint. No import can store
 * the same rows in less time on this machine, whatever its parsing and validation cost.
 *
 * The rows are copied in name order, which B-trees take more cheaply than the input's
 * order, so the floor is if anything low. The staged full text is computed beforehand (not
 * timed) from each stored record with the import's own code (`summaryRows`).
 */
import { rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { summarizeRecord } from '../../src/cve/index.ts';
import type { CveRecordJson } from '../../src/cve/index.ts';
import { openStore, summaryRows } from '../../src/store/index.ts';
import { startBulkLoad } from '../../src/store/sqlite/bulk-load.ts';

export interface SqliteFloor {
  /** Copying the rows, 1,000 records a transaction. */
  readonly loadMs: number;
  /** The store's bulk build (indexes and full text) and the final checkpoint. */
  readonly buildMs: number;
  readonly totalMs: number;
  /** CPU of this process during the timed part. */
  readonly cpuMs: number;
}

const BATCH = 1000;
/** The tables an import writes, in the order it writes them. */
const TABLES = ['records', 'record_versions', 'record_affected', 'record_cwes', 'record_metrics', 'record_replacements'] as const;

/** Removes an SQLite file and its WAL and shared-memory files. */
export function removeSqlite(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

/** The full text the bulk load stages for each current record of `source`, into a scratch file (not timed). */
function stageText(source: string, scratch: string): void {
  removeSqlite(scratch);
  const src = new DatabaseSync(source, { readOnly: true });
  const out = new DatabaseSync(scratch);
  out.exec('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF');
  out.exec('CREATE TABLE stage (rowid INTEGER PRIMARY KEY, title TEXT, products TEXT, description TEXT, keywords TEXT, refs TEXT)');
  const insert = out.prepare('INSERT INTO stage (rowid, title, products, description, keywords, refs) VALUES (?, ?, ?, ?, ?, ?)');
  out.exec('BEGIN');
  const rows = src.prepare('SELECT r.id_key, r.cve_id, v.json FROM records r JOIN record_versions v ON v.cve_id = r.cve_id AND v.version = r.version').iterate();
  for (const row of rows as Iterable<{ id_key: number; cve_id: string; json: string }>) {
    const { fts } = summaryRows(row.cve_id, summarizeRecord(JSON.parse(row.json) as CveRecordJson)).derived;
    insert.run(row.id_key, fts.title, fts.products, fts.description, fts.keywords, fts.refs);
  }
  out.exec('COMMIT');
  out.close();
  src.close();
}

const columns = (db: DatabaseSync, schema: string, table: string): string[] =>
  (db.prepare(`PRAGMA ${schema}.table_info(${table})`).all() as { name: string }[]).map((r) => r.name);

/** Measure the floor for the store at `source` (an imported SQLite file); `scratch` is a path prefix for the files it makes and removes. */
export async function sqliteFloor(source: string, scratch: string): Promise<SqliteFloor> {
  const staged = `${scratch}-stage.db`;
  const target = `${scratch}.db`;
  stageText(source, staged);
  removeSqlite(target);
  const store = await openStore(`sqlite:${target}`);
  await store.migrate();
  await store.close();

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const db = new DatabaseSync(target);
  // The store's own settings (SqliteStore's constructor).
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 16384');
  db.exec(`ATTACH '${source.replaceAll("'", "''")}' AS src`);
  db.exec(`ATTACH '${staged.replaceAll("'", "''")}' AS staged`);
  db.exec('BEGIN IMMEDIATE');
  startBulkLoad(db, 'sqlite-floor', new Date().toISOString());
  db.exec('COMMIT');
  const copies = TABLES.map((t) => {
    const mine = columns(db, 'main', t);
    const theirs = new Set(columns(db, 'src', t));
    const c = mine.filter((x) => theirs.has(x)).join(', ');
    const rows = t === 'record_versions' ? 'src.record_versions x JOIN src.records r ON r.cve_id = x.cve_id' : t === 'records' ? 'src.records x' : `src.${t} x JOIN src.records r ON r.cve_id = x.cve_id`;
    const key = t === 'records' ? 'x.id_key' : 'r.id_key';
    return db.prepare(`INSERT INTO main.${t} (${c}) SELECT ${c.split(', ').map((x) => `x.${x}`).join(', ')} FROM ${rows} WHERE ${key} >= ? AND ${key} <= ?`);
  });
  const stage = db.prepare('INSERT INTO main.bulk_fts_stage (rowid, title, products, description, keywords, refs) SELECT rowid, title, products, description, keywords, refs FROM staged.stage WHERE rowid >= ? AND rowid <= ?');
  const keys = (db.prepare('SELECT id_key FROM src.records ORDER BY id_key').all() as { id_key: number }[]).map((r) => r.id_key);
  for (let i = 0; i < keys.length; i += BATCH) {
    const lo = keys[i];
    const hi = keys[Math.min(i + BATCH, keys.length) - 1];
    db.exec('BEGIN IMMEDIATE');
    for (const copy of copies) copy.run(lo, hi);
    stage.run(lo, hi);
    db.exec('COMMIT');
  }
  db.exec('DETACH src');
  db.exec('DETACH staged');
  db.close();
  const loadMs = performance.now() - t0;

  const t1 = performance.now();
  const built = await openStore(`sqlite:${target}`);
  if (!(await built.pendingBulkLoad())) throw new Error('sqlite floor: the copy left no bulk load to build');
  if (!(await built.finishBulkLoad({ jobId: 'sqlite-floor' }))) throw new Error('sqlite floor: the build did not run');
  await built.close();
  const buildMs = performance.now() - t1;
  const cpu = process.cpuUsage(cpu0);
  removeSqlite(target);
  removeSqlite(staged);
  return { loadMs, buildMs, totalMs: loadMs + buildMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}
