/**
 * Store-level search harness: `store.search.search` (the API's default query: page of 25,
 * total, the ten facets) against the raw full-text query on the same database, the seven
 * queries of http.bench.ts, alternating, wall and CPU time. For quick iterations.
 *   node bench/search-store.ts sqlite:/tmp/x.db [reps]
 *   node bench/search-store.ts postgres://… [reps]
 * With SEARCH_PG_PID=<postmaster pid> (a local server) the CPU also counts the server's
 * processes (/proc, Linux), so PostgreSQL's work is measured as SQLite's is.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { parseQuery } from '../src/search/query.ts';
import { FACETS } from '../src/store/search-types.ts';
import type { SearchQuery } from '../src/store/search-types.ts';

const url = process.argv[2];
const reps = Number(process.argv[3] ?? 10);
const only = process.argv[4];
const CASES = [
  { q: 'buffer overflow', words: ['buffer', 'overflow'] },
  { q: '"remote code execution"', phrase: 'remote code execution' },
  { q: 'sql injection vendor:microsoft', words: ['sql', 'injection'] },
  { q: 'remote kev:yes', words: ['remote'] },
  { q: 'scripting cwe:79', words: ['scripting'] },
  { q: 'denial service year:2020..2022', words: ['denial', 'service'] },
  { q: 'linux kernel sort:published', words: ['linux', 'kernel'] },
].filter((c) => !only || c.q.includes(only));

// Other source trees to compare with (each its own `src/`), in turn with this one.
const roots = ['..', ...(process.env.SEARCH_COMPARE ?? '').split(',').filter(Boolean)];
const stores = await Promise.all(
  roots.map(async (r) => {
    const { openStore } = (await import(r === '..' ? '../src/store/index.ts' : `${r}/src/store/index.ts`)) as typeof import('../src/store/index.ts');
    return openStore(url, { readonly: true });
  }),
);
let raw: (c: (typeof CASES)[number]) => Promise<number>;
let close: () => Promise<void>;
if (url.startsWith('sqlite:')) {
  const db = new DatabaseSync(url.slice(7), { readOnly: true });
  const stmt = db.prepare('SELECT rowid, bm25(record_fts, 10.0, 5.0, 2.0, 3.0, 1.0) AS s FROM record_fts WHERE record_fts MATCH ?1 ORDER BY s LIMIT 25');
  raw = async (c) => stmt.all(c.phrase !== undefined ? `"${c.phrase}"` : c.words!.map((w) => `"${w}"`).join(' AND ')).length;
  close = async () => db.close();
} else {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const sql = `SELECT cve_id, ts_rank('{0.1, 0.2, 0.4, 1.0}'::float4[], document, q, 1) AS s
    FROM record_fts, to_tsquery('english', $1) AS q WHERE document @@ q ORDER BY s DESC LIMIT 25`;
  raw = async (c) => (await client.query({ name: `raw-${c.q}`, text: sql, values: [c.phrase !== undefined ? c.phrase.split(/\s+/).join(' <-> ') : c.words!.join(' & ')] })).rowCount ?? 0;
  close = async () => client.end();
}
// The CPU time (ms) of the PostgreSQL server's processes (the children of its postmaster)
// since `since`, a snapshot by pid: a connection that ended in between is left out.
const pgPid = process.env.SEARCH_PG_PID;
const serverTicks = (): Map<string, number> => {
  const out = new Map<string, number>();
  if (!pgPid) return out;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ');
      if (f[1] === pgPid) out.set(d, Number(f[11]) + Number(f[12]));
    } catch {
      // The process ended.
    }
  }
  return out;
};
const serverCpu = (since: Map<string, number>): number => {
  let ticks = 0;
  for (const [pid, t] of serverTicks()) ticks += t - (since.get(pid) ?? 0);
  return ticks * 10;
};
const pct = (l: number[], p: number): number => [...l].sort((a, b) => a - b)[Math.min(l.length - 1, Math.ceil((p / 100) * l.length) - 1)];
for (const c of CASES) {
  const parsed = parseQuery(c.q);
  const hasText = parsed.words?.length || parsed.phrases?.length || parsed.cveIds?.length;
  const q: SearchQuery = { ...parsed, limit: 25, facets: FACETS, ...(!parsed.sort && { sort: hasText ? 'relevance' : 'published' }) };
  const nf: SearchQuery = { ...q };
  delete (nf as { facets?: unknown }).facets;
  const runs: [string, () => Promise<unknown>][] = [['raw', () => raw(c)]];
  stores.forEach((s, i) => runs.push([`app${i}`, () => s.search.search(q)], [`nf${i}`, () => s.search.search(nf)]));
  const totals = new Set<string>();
  for (let i = 0; i < 2; i++) for (const [k, f] of runs) { const r = (await f()) as { total?: number; items?: { cveId: string }[]; facets?: unknown }; if (k.startsWith('app')) totals.add(JSON.stringify([r.total, r.items?.map((x) => x.cveId), r.facets])); }
  const wall: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (let i = 0; i < reps; i++) {
    for (const [k, f] of runs) {
      const u = process.cpuUsage();
      const sc = serverTicks();
      const s = performance.now();
      await f();
      (wall[k] ??= []).push(performance.now() - s);
      const d = process.cpuUsage(u);
      (cpu[k] ??= []).push((d.user + d.system) / 1000 + serverCpu(sc));
    }
  }
  // The mean CPU too: the server's is counted in 10 ms ticks.
  const mean = (l: number[]): number => l.reduce((a, b) => a + b, 0) / l.length;
  const cell = (k: string): string =>
    `${k} ${pct(wall[k], 50).toFixed(0)}/${pct(wall[k], 95).toFixed(0)} cpu ${pct(cpu[k], 50).toFixed(0)} (mean ${mean(cpu[k]).toFixed(1)})${k === 'raw' ? '' : ` = ${(pct(wall[k], 95) / pct(wall.raw, 95)).toFixed(2)}x p95, ${(pct(cpu[k], 50) / pct(cpu.raw, 50)).toFixed(2)}x cpu, ${(mean(cpu[k]) / mean(cpu.raw)).toFixed(2)}x mean cpu`}`;
  console.log(`${c.q} ${totals.size === 1 ? 'same answers' : 'ANSWERS DIFFER'}\n  ${runs.map(([k]) => cell(k)).join('\n  ')}`);
}
console.log(`load ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
await close();
for (const s of stores) await s.close();
