/**
 * @module HTTP figures against the targets of issue 4 §7, on SQLite and PostgreSQL:
 * 1. `GET /cve/ID.json` throughput of the real app (random existing names, keep-alive
 *    clients) ≥ 50 % of a bare `node:http` server answering a fixed buffer of the same
 *    size at the same concurrency, measured in the same run (alternating rounds);
 * 2. `GET /api/v1/search?q=…` latency p95 ≤ 3 × the raw full-text query (FTS5 `MATCH`
 *    ordered by bm25 / `to_tsquery` ordered by `ts_rank`, LIMIT 25) for the same text,
 *    measured directly on the database, one after the other in the same loop: the default
 *    JSON answer (page, total, ten facets: exact up to 1,000 hits, past that from a
 *    sample of about 1,000) and `facets=no`;
 * 3. the NVD endpoint at `resultsPerPage=2000` streams: the server's peak live heap growth
 *    while serving a page (sampled after a full GC) stays below the size of the page's JSON
 *    (holding it twice would be twice that), and the first byte comes long before the last.
 *
 * `npm run bench -- http [--records N] [--no-postgres] [--clients C] [--seconds S] …`
 *
 * Servers run in child processes (`bench/support/http-server.ts`), the app with its rate
 * limiter off (`rateLimit: false`); everything listens on 127.0.0.1. Every load loop stops
 * by itself after a number of requests or seconds, whichever comes first. The stores of N
 * records are imported once with `importFrom` and kept under `bench/out/`
 * (`bench/support/stores.ts`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { MemReport } from './support/http-server.ts';
import { get, percentile, runLoad, type LoadResult } from './support/load.ts';
import { benchPostgres, benchSqlite } from './support/stores.ts';

const SERVER = join(import.meta.dirname, 'support', 'http-server.ts');
const TARGET_THROUGHPUT = 0.5;
const TARGET_SEARCH = 3;
const SEARCH_LIMIT = 25;

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '300000' },
    'no-postgres': { type: 'boolean', default: false },
    clients: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    'max-requests': { type: 'string', default: '200000' },
    'search-reps': { type: 'string', default: '20' },
    'search-seconds': { type: 'string', default: '30' },
    'nvd-pages': { type: 'string', default: '4' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench -- http [options]

  --records N        synthetic records in the stores (default 300000; imported once, kept in bench/out/)
  --no-postgres      SQLite only
  --clients C        concurrent keep-alive clients for the throughput phase (default 32)
  --seconds S        length of each throughput round (default 8)
  --rounds R         bare/app rounds, alternating (default 2)
  --max-requests M   most requests in one round (default 200000)
  --search-reps K    timed runs of each search query, app and raw (default 20)
  --search-seconds T most seconds spent on one search query (default 30)
  --nvd-pages P      NVD pages of 2,000 records served and measured (default 4)`);
  process.exit(0);
}
const num = (name: keyof typeof values, min: number): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name} must be a number ≥ ${min}`);
    process.exit(2);
  }
  return n;
};
const records = num('records', 100);
const clients = num('clients', 1);
const seconds = num('seconds', 0.5);
const rounds = num('rounds', 1);
const maxRequests = num('max-requests', 1);
const searchReps = num('search-reps', 1);
const searchSeconds = num('search-seconds', 1);
const nvdPages = num('nvd-pages', 1);

const MiB = 1024 * 1024;
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const loads: number[] = [];
const load = (): string => {
  const l = loadavg();
  loads.push(l[0]);
  return l.map((x) => x.toFixed(2)).join(' ');
};
const log = (msg: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

// --- servers in child processes --------------------------------------------------------

interface Child {
  readonly port: number;
  ask(cmd: string): Promise<{ report?: MemReport }>;
  stop(): Promise<void>;
}

async function startServer(args: string[], execArgv: string[] = []): Promise<Child> {
  const child: ChildProcess = fork(SERVER, args, { execArgv: [...process.execArgv, ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting: ((m: { report?: MemReport }) => void)[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench server exited ${code} before listening`)));
    child.on('message', (m: { port?: number; report?: MemReport }) => {
      if (m.port !== undefined) resolve(m.port);
      else waiting.shift()?.(m);
    });
  });
  child.removeAllListeners('exit');
  return {
    port,
    ask(cmd) {
      return new Promise((resolve) => {
        waiting.push(resolve);
        child.send({ cmd });
      });
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ cmd: 'exit' });
      });
    },
  };
}

// --- the database side: names to ask for, raw full-text queries ----------------------------

interface SearchCase {
  readonly label: string;
  /** The `q` text as users type it (query syntax). */
  readonly q: string;
  readonly words?: readonly string[];
  readonly phrase?: string;
}

/** Typical searches: words, a phrase, and the filters people add to them. */
const SEARCHES: readonly SearchCase[] = [
  { label: 'words', q: 'buffer overflow', words: ['buffer', 'overflow'] },
  { label: 'phrase', q: '"remote code execution"', phrase: 'remote code execution' },
  { label: 'words + vendor', q: 'sql injection vendor:microsoft', words: ['sql', 'injection'] },
  { label: 'word + kev:yes', q: 'remote kev:yes', words: ['remote'] },
  { label: 'word + cwe', q: 'scripting cwe:79', words: ['scripting'] },
  { label: 'words + years', q: 'denial service year:2020..2022', words: ['denial', 'service'] },
  { label: 'words, by published', q: 'linux kernel sort:published', words: ['linux', 'kernel'] },
];

interface Db {
  readonly name: string;
  /** Random names of current records. */
  sampleIds(n: number): Promise<string[]>;
  /** The raw full-text query for a case, ranked, LIMIT 25: its row count. */
  raw(c: SearchCase): Promise<number>;
  close(): Promise<void>;
}

function sqliteDb(path: string): Db {
  const db = new DatabaseSync(path, { readOnly: true });
  const stmt = db.prepare(`SELECT rowid, bm25(record_fts, 10.0, 5.0, 2.0, 3.0, 1.0) AS s FROM record_fts WHERE record_fts MATCH ?1 ORDER BY s LIMIT ${SEARCH_LIMIT}`);
  // The FTS5 expression the app builds: each word quoted, AND; a phrase quoted whole.
  const expr = (c: SearchCase): string => (c.phrase !== undefined ? `"${c.phrase}"` : (c.words ?? []).map((w) => `"${w}"`).join(' AND '));
  return {
    name: 'SQLite',
    async sampleIds(n) {
      return (db.prepare('SELECT cve_id FROM records ORDER BY random() LIMIT ?1').all(n) as { cve_id: string }[]).map((r) => r.cve_id);
    },
    async raw(c) {
      return stmt.all(expr(c)).length;
    },
    async close() {
      db.close();
    },
  };
}

async function postgresDb(url: string): Promise<Db> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const tsq = (c: SearchCase): string => (c.phrase !== undefined ? c.phrase.split(/\s+/).join(' <-> ') : (c.words ?? []).join(' & '));
  const sql = `SELECT cve_id, ts_rank('{0.1, 0.2, 0.4, 1.0}'::float4[], document, q, 1) AS s
    FROM record_fts, to_tsquery('english', $1) AS q WHERE document @@ q ORDER BY s DESC LIMIT ${SEARCH_LIMIT}`;
  return {
    name: 'PostgreSQL',
    async sampleIds(n) {
      return (await client.query<{ cve_id: string }>('SELECT cve_id FROM records ORDER BY random() LIMIT $1', [n])).rows.map((r) => r.cve_id);
    },
    async raw(c) {
      return (await client.query({ name: `raw-${c.label}`, text: sql, values: [tsq(c)] })).rowCount ?? 0;
    },
    async close() {
      await client.end();
    },
  };
}

// --- the three measurements ---------------------------------------------------------------

interface ThroughputFigures {
  readonly bodyBytes: number;
  readonly bare: LoadResult[];
  readonly app: LoadResult[];
  readonly ratio: number;
}

const sumRate = (runs: readonly LoadResult[]): number => runs.reduce((a, r) => a + r.requests, 0) / (runs.reduce((a, r) => a + r.ms, 0) / 1000);

async function throughput(dbUrl: string, ids: readonly string[]): Promise<ThroughputFigures> {
  const app = await startServer(['--db', dbUrl]);
  try {
    const path = (): string => `/cve/${ids[Math.floor(Math.random() * ids.length)]}.json`;
    // Warm-up: every sampled name once (so the rounds read from the OS and database caches,
    // as a serving instance would), JIT, and the mean answer size for the bare server.
    let next = 0;
    const warm = await runLoad({ port: app.port, clients, seconds: 60, maxRequests: ids.length, path: () => `/cve/${ids[next++ % ids.length]}.json` });
    if (warm.errors > 0) throw new Error(`app warm-up: ${warm.errors} errors (${warm.firstError})`);
    const bodyBytes = Math.round(warm.bytes / warm.requests);
    log(`app warm-up: ${fmt(warm.requests)} requests, mean body ${fmt(bodyBytes)} bytes (load ${load()})`);
    const bare = await startServer(['--bare', String(bodyBytes)]);
    const bareRuns: LoadResult[] = [];
    const appRuns: LoadResult[] = [];
    try {
      await runLoad({ port: bare.port, clients, seconds: 1, maxRequests: 5000, path: () => '/' });
      for (let i = 0; i < rounds; i++) {
        const b = await runLoad({ port: bare.port, clients, seconds, maxRequests, path: () => '/' });
        log(`bare node:http round ${i + 1}: ${fmt(b.perSecond)} req/s, p50 ${fmt(b.p50, 1)} ms, p99 ${fmt(b.p99, 1)} ms (load ${load()})`);
        const a = await runLoad({ port: app.port, clients, seconds, maxRequests, path });
        log(`app /cve/ID.json round ${i + 1}: ${fmt(a.perSecond)} req/s, p50 ${fmt(a.p50, 1)} ms, p99 ${fmt(a.p99, 1)} ms, ${a.errors} errors (load ${load()})`);
        if (a.errors > 0 || b.errors > 0) throw new Error(`errors during the load: app ${a.errors} (${a.firstError}), bare ${b.errors} (${b.firstError})`);
        bareRuns.push(b);
        appRuns.push(a);
      }
    } finally {
      await bare.stop();
    }
    return { bodyBytes, bare: bareRuns, app: appRuns, ratio: sumRate(appRuns) / sumRate(bareRuns) };
  } finally {
    await app.stop();
  }
}

interface SearchFigures {
  readonly c: SearchCase;
  readonly total: number;
  readonly rawRows: number;
  readonly runs: number;
  /** The default JSON answer: page, total and the ten facets counted over the whole result. */
  readonly app: { p50: number; p95: number };
  /** `facets=no`: page and total only. */
  readonly noFacets: { p50: number; p95: number };
  readonly raw: { p50: number; p95: number };
}

async function searchLatency(dbUrl: string, db: Db): Promise<SearchFigures[]> {
  const app = await startServer(['--db', dbUrl]);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: SearchFigures[] = [];
  try {
    for (const c of SEARCHES) {
      const path = `/api/v1/search?${new URLSearchParams({ q: c.q, limit: String(SEARCH_LIMIT) })}`;
      const pathNoFacets = `${path}&facets=no`;
      // Two untimed runs of each (statement caches, plans, pages in the OS cache).
      let total = 0;
      let rawRows = 0;
      for (let i = 0; i < 2; i++) {
        const r = await get(agent, app.port, path);
        if (r.status !== 200) throw new Error(`${path}: status ${r.status}`);
        rawRows = await db.raw(c);
      }
      {
        // The total, for the table (one more untimed call that keeps its body).
        const res = await fetch(`http://127.0.0.1:${app.port}${path}`);
        total = ((await res.json()) as { total?: number }).total ?? 0;
      }
      const appMs: number[] = [];
      const noFacetsMs: number[] = [];
      const rawMs: number[] = [];
      const deadline = performance.now() + searchSeconds * 1000;
      // Alternate raw and app, so both see the same load on the machine.
      for (let i = 0; i < searchReps && performance.now() < deadline; i++) {
        let t = performance.now();
        await db.raw(c);
        rawMs.push(performance.now() - t);
        t = performance.now();
        const r = await get(agent, app.port, path);
        appMs.push(performance.now() - t);
        t = performance.now();
        const n = await get(agent, app.port, pathNoFacets);
        noFacetsMs.push(performance.now() - t);
        if (r.status !== 200 || n.status !== 200) throw new Error(`${path}: status ${r.status}, ${n.status} without facets`);
      }
      for (const l of [appMs, noFacetsMs, rawMs]) l.sort((a, b) => a - b);
      const f: SearchFigures = {
        c,
        total,
        rawRows,
        runs: appMs.length,
        app: { p50: percentile(appMs, 50), p95: percentile(appMs, 95) },
        noFacets: { p50: percentile(noFacetsMs, 50), p95: percentile(noFacetsMs, 95) },
        raw: { p50: percentile(rawMs, 50), p95: percentile(rawMs, 95) },
      };
      log(`search ${c.label} (${c.q}): ${fmt(total)} matches; app p50 ${fmt(f.app.p50, 1)} / p95 ${fmt(f.app.p95, 1)} ms, facets=no p50 ${fmt(f.noFacets.p50, 1)} / p95 ${fmt(f.noFacets.p95, 1)} ms, raw p50 ${fmt(f.raw.p50, 1)} / p95 ${fmt(f.raw.p95, 1)} ms, ${f.runs} runs (load ${load()})`);
      out.push(f);
    }
  } finally {
    agent.destroy();
    await app.stop();
  }
  return out;
}

interface NvdPage {
  readonly startIndex: number;
  readonly bytes: number;
  readonly ttfbMs: number;
  readonly ms: number;
  /** Peak heapUsed over the baseline after a GC, garbage included (timing pass). */
  readonly heapGrowth: number;
  /** Peak heapUsed over the baseline, each sample taken after a full GC: live data only. */
  readonly liveGrowth: number;
  readonly liveSamples: number;
  readonly rssGrowth: number;
}

interface NvdFigures {
  readonly pages: NvdPage[];
  readonly maxRssGrowth: number;
}

/**
 * Each page twice: once timed (first byte, last byte) with a cheap 2 ms heap sampler, once
 * with a sampler that runs a full GC before each sample (every 20 ms), so its peak is what
 * the server holds while streaming, not garbage it has yet to collect.
 */
async function nvdStreaming(dbUrl: string): Promise<NvdFigures> {
  const app = await startServer(['--db', dbUrl], ['--expose-gc']);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Check the answer is NVD's envelope with the records, then warm up.
    const check = await fetch(`http://127.0.0.1:${app.port}/rest/json/cves/2.0?resultsPerPage=50`);
    const body = (await check.json()) as { resultsPerPage: number; totalResults: number; vulnerabilities: unknown[] };
    if (check.status !== 200 || body.vulnerabilities.length !== Math.min(50, body.totalResults)) throw new Error(`NVD endpoint: status ${check.status}, ${body.vulnerabilities?.length} items`);
    await get(agent, app.port, '/rest/json/cves/2.0?resultsPerPage=2000&startIndex=0');
    await app.ask('mem-start');
    const start = (await app.ask('mem-stop')).report as MemReport;
    const pages: NvdPage[] = [];
    for (let p = 0; p < nvdPages; p++) {
      const startIndex = p * 2000;
      const path = `/rest/json/cves/2.0?resultsPerPage=2000&startIndex=${startIndex}`;
      await app.ask('mem-start');
      const r = await get(agent, app.port, path);
      const m = (await app.ask('mem-stop')).report as MemReport;
      await app.ask('live-start');
      const again = await get(agent, app.port, path);
      const live = (await app.ask('mem-stop')).report as MemReport;
      if (r.status !== 200 || again.status !== 200) throw new Error(`NVD page ${startIndex}: status ${r.status}, ${again.status}`);
      const page: NvdPage = {
        startIndex,
        bytes: r.bytes,
        ttfbMs: r.ttfbMs,
        ms: r.ms,
        heapGrowth: m.peakHeapUsed - m.base.heapUsed,
        liveGrowth: live.peakHeapUsed - live.base.heapUsed,
        liveSamples: live.samples,
        rssGrowth: Math.max(m.peakRss - m.base.rss, live.peakRss - live.base.rss),
      };
      log(
        `NVD page startIndex=${startIndex}: ${fmt(r.bytes / MiB, 1)} MiB, first byte ${fmt(r.ttfbMs)} ms, all ${fmt(r.ms)} ms; ` +
          `peak heap +${fmt(page.heapGrowth / MiB, 1)} MiB (garbage included, ${m.samples} samples), live +${fmt(page.liveGrowth / MiB, 1)} MiB ` +
          `(${live.samples} samples after GC), RSS +${fmt(page.rssGrowth / MiB, 1)} MiB (load ${load()})`,
      );
      pages.push(page);
    }
    await app.ask('mem-start');
    const end = (await app.ask('mem-stop')).report as MemReport;
    return { pages, maxRssGrowth: (end.maxRssKiB - start.maxRssKiB) * 1024 };
  } finally {
    agent.destroy();
    await app.stop();
  }
}

// --- the run ----------------------------------------------------------------------------

interface BackendFigures {
  readonly name: string;
  readonly throughput: ThroughputFigures;
  readonly search: SearchFigures[];
  readonly nvd: NvdFigures;
}

async function measure(name: string, dbUrl: string, db: Db): Promise<BackendFigures> {
  log(`${name}: sampling names (load ${load()})`);
  const ids = await db.sampleIds(4000);
  if (ids.length === 0) throw new Error(`${name}: the store is empty`);
  const t = await throughput(dbUrl, ids);
  const s = await searchLatency(dbUrl, db);
  const n = await nvdStreaming(dbUrl);
  return { name, throughput: t, search: s, nvd: n };
}

const benchStarted = performance.now();
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, load ${load()}`);
const results: BackendFigures[] = [];
{
  const sqlite = await benchSqlite(records);
  log(`SQLite store ${sqlite.imported ? `imported in ${fmt(sqlite.importMs / 1000, 1)} s` : 'reused'}: ${sqlite.url}`);
  const db = sqliteDb(sqlite.url.slice('sqlite:'.length));
  try {
    results.push(await measure('SQLite', sqlite.url, db));
  } finally {
    await db.close();
  }
}
let pgVersion = '';
if (!values['no-postgres']) {
  const server = await benchPostgres(records);
  pgVersion = server.version;
  log(`PostgreSQL ${server.version} store ${server.imported ? `imported in ${fmt(server.importMs / 1000, 1)} s` : 'reused'}`);
  try {
    const db = await postgresDb(server.url);
    try {
      results.push(await measure(`PostgreSQL ${server.version.split(' ')[0]}`, server.url, db));
    } finally {
      await db.close();
    }
  } finally {
    await server.stop();
  }
}

// --- the table ----------------------------------------------------------------------------

const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
const rows: string[][] = [['store', 'measure', 'figure', 'baseline', 'ratio', 'target', 'verdict']];
for (const r of results) {
  const t = r.throughput;
  rows.push([
    r.name,
    `GET /cve/ID.json, ${clients} clients`,
    `${fmt(sumRate(t.app))} req/s`,
    `bare node:http ${fmt(sumRate(t.bare))} req/s (${fmt(t.bodyBytes)} B)`,
    `${fmt(t.ratio * 100, 1)} %`,
    '≥ 50 %',
    verdict(t.ratio >= TARGET_THROUGHPUT),
  ]);
  for (const s of r.search) {
    for (const [how, m] of [['', s.app], [', facets=no', s.noFacets]] as const) {
      const ratio = m.p95 / s.raw.p95;
      rows.push([
        r.name,
        `search ${s.c.label}${how} (${fmt(s.total)} hits)`,
        `p50 ${fmt(m.p50, 1)} / p95 ${fmt(m.p95, 1)} ms`,
        `raw FTS p50 ${fmt(s.raw.p50, 1)} / p95 ${fmt(s.raw.p95, 1)} ms`,
        `${fmt(ratio, 2)} ×`,
        '≤ 3 ×',
        verdict(ratio <= TARGET_SEARCH),
      ]);
    }
  }
  for (const p of r.nvd.pages) {
    const share = p.liveGrowth / p.bytes;
    rows.push([
      r.name,
      `NVD page @${p.startIndex} (${fmt(p.bytes / MiB, 1)} MiB)`,
      `live heap +${fmt(p.liveGrowth / MiB, 1)} MiB (${p.liveSamples} samples), RSS +${fmt(p.rssGrowth / MiB, 1)} MiB`,
      `first byte ${fmt(p.ttfbMs)} of ${fmt(p.ms)} ms`,
      `${fmt(share, 2)} × page`,
      '< 1 × page',
      verdict(share < 1),
    ]);
  }
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
console.log(`\nHTTP bench: ${fmt(records)} records; loopback; servers in child processes, rate limiter off${pgVersion ? `; PostgreSQL ${pgVersion}` : ''}`);
rows.forEach((row, i) => {
  console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
});
for (const r of results) console.log(`${r.name}: NVD server peak RSS grew ${fmt(r.nvd.maxRssGrowth / MiB, 1)} MiB over ${r.nvd.pages.length} pages (VmHWM)`);
console.log(`bench took ${fmt((performance.now() - benchStarted) / 1000, 1)} s; load average (1 min) from ${fmt(Math.min(...loads), 2)} to ${fmt(Math.max(...loads), 2)}, now ${load()} on ${cpus().length} cores`);
