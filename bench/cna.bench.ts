/**
 * @module `npm run bench -- cna` (or `node bench/cna.bench.ts`): CVE ID reservation
 * throughput with 32 concurrent clients over loopback HTTP, as a ratio to
 * `GET /api/health-check` throughput in the same run (issue 5 §6). Each reservation is a
 * real `POST /api/cve-id?amount=1` with the three `CVE-API-*` headers: authentication,
 * the quota check under the org lock, the year counter, the audit entry, one commit.
 *
 * Options: --db URL (default a fresh SQLite file), --postgres (a throw-away embedded
 * PostgreSQL server, the tests' settings: fsync off), --seconds N per phase (default 5),
 * --clients N (default 32). Prints the load average before and after (the machine may be shared).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { CnaService, SYSTEM_ACTOR } from '../src/cna/index.ts';
import { cnaApi } from '../src/http/cna-api.ts';
import { openStore } from '../src/store/index.ts';
import { startTestPostgres } from '../test/support/postgres.ts';

const { values } = parseArgs({ options: { db: { type: 'string' }, postgres: { type: 'boolean', default: false }, seconds: { type: 'string' }, clients: { type: 'string' } } });
const seconds = Number(values.seconds ?? 5);
const clients = Number(values.clients ?? 32);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`load average before: ${load()}`);
const server = values.postgres && !values.db ? await startTestPostgres() : undefined;
if (server) console.log(`PostgreSQL ${server.version} (embedded, fsync off)`);
const dir = values.db || server ? undefined : mkdtempSync(join(tmpdir(), 'cvekit-cna-bench-'));
const db = values.db ?? server?.url ?? `sqlite:${join(dir as string, 'bench.db')}`;

const store = await openStore(db);
await store.migrate();
const service = new CnaService(store);
const short = `bench${Date.now().toString(36)}`;
await service.createOrg(SYSTEM_ACTOR, { shortName: short, name: 'Bench CNA', roles: ['CNA'], idQuota: 100_000 });
const { secret } = await service.createUser(SYSTEM_ACTOR, short, { username: 'bench@bench.example' });
const app = Fastify({ logger: false });
await app.register(cnaApi, { prefix: '/api', store, service });
await app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api`;
const headers = { 'CVE-API-ORG': short, 'CVE-API-USER': 'bench@bench.example', 'CVE-API-KEY': secret };
const year = new Date().getUTCFullYear();

async function phase(name: string, request: () => Promise<Response>, expect: number): Promise<number> {
  const until = Date.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < until) {
        const r = await request();
        await r.arrayBuffer();
        if (r.status === expect) done++;
        else failed++;
      }
    }),
  );
  const rate = done / ((performance.now() - started) / 1000);
  console.log(`${name.padEnd(34)} ${rate.toFixed(0).padStart(7)} req/s  (${done} ok, ${failed} failed, ${clients} clients, ${seconds} s)`);
  if (failed > 0) throw new Error(`${name}: ${failed} requests failed`);
  return rate;
}

try {
  // Warm up: JIT, connection pool, the key check cache.
  await phase('warm-up (health-check)', () => fetch(`${base}/health-check`), 200).catch(() => 0);
  // One slow scrypt check of the key; later requests hit the per-process cache of checked keys.
  await phase('warm-up (GET /api/org/:short)', () => fetch(`${base}/org/${short}`, { headers }), 200).catch(() => 0);
  const health = await phase('GET /api/health-check', () => fetch(`${base}/health-check`), 200);
  const reserve = await phase('POST /api/cve-id (amount=1)', () => fetch(`${base}/cve-id?amount=1&cve_year=${year}&short_name=${short}`, { method: 'POST', headers }), 200);
  const org = await store.cna.getOrg(short);
  const reserved = await store.cna.countReserved(org!.uuid);
  const ids = await store.cna.listCveIds({ owningOrg: org!.uuid, offset: 0, limit: 1_000_000 });
  if (new Set(ids.items.map((i) => i.cveId)).size !== reserved) throw new Error('duplicate IDs handed out');
  console.log(`store ${store.kind}; reservation / health-check throughput: ${(reserve / health).toFixed(3)} (${reserved} IDs reserved, all distinct)`);
  console.log(`load average after: ${load()}`);
} finally {
  await app.close();
  await store.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
