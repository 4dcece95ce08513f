/**
 * Crash safety of `cvekit sync --source nvd`: a real child process syncs from a local
 * imitation of the NVD CVE API 2.0 (three 120-day windows, small pages, a little latency) and
 * is killed with SIGKILL at random moments, several times. After each kill the saved cursor
 * says exactly what is stored (the records before its window, plus its startIndex: no page
 * half-stored, none stored ahead of the cursor); the final run resumes and every record is
 * stored exactly once. Each answer marks its records with the request number, so a page
 * stored twice would leave a second version: the version count proves no window or page was
 * read into the store twice, the record count that none was lost.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../src/store/index.ts';
import { sharedData } from '../support/paths.ts';
import { runCvekit, type RunResult, rng } from '../support/kill.ts';
import { createTestDb, testBackends } from '../support/stores.ts';

const DAY = 86_400_000;
const RECORDS = 600;
const PAGE = 20;
const KILLS = 4;
const LATENCY_MS = 25;
const CURSOR_KEY = 'sync:nvd:cves';

const seed = Number(process.env.CVEKIT_CRASH_SEED ?? Date.now() % 100000);
const now = Date.now();
// Whole seconds, so the child's windows (since + k × 120 days) fall on whole seconds too.
const since = new Date(Math.floor((now - 300 * DAY) / 1000) * 1000).toISOString();
const sinceMs = Date.parse(since);
const template = JSON.parse(readFileSync(sharedData('nvd', 'cves.jsonl'), 'utf8').split('\n')[0]) as Record<string, unknown>;
/** Spread over the 300 days, each at a time ending in 777 ms: never on a window boundary. */
const records = Array.from({ length: RECORDS }, (_, i) => ({
  id: `CVE-2024-${20000 + i}`,
  t: sinceMs + Math.floor(((now - DAY - sinceMs) * (i + 0.5)) / RECORDS / 1000) * 1000 + 777,
}));
const nvdTime = (t: number) => new Date(t).toISOString().slice(0, -1);

let served = 0;
const windows = new Set<string>();
const server = createServer((req, res) => {
  const q = new URL(req.url ?? '/', 'http://x').searchParams;
  const s = Date.parse(`${q.get('lastModStartDate')}`);
  const e = Date.parse(`${q.get('lastModEndDate')}`);
  if (!(s <= e) || e - s > 120 * DAY) {
    res.writeHead(404, { message: 'lastModStartDate and lastModEndDate are required, within 120 days' }).end();
    return;
  }
  windows.add(`${new Date(s).toISOString()}..${new Date(e).toISOString()}`);
  const start = Number(q.get('startIndex') ?? 0);
  const hits = records.filter((r) => r.t >= s && r.t <= e);
  const n = ++served;
  const page = hits.slice(start, start + PAGE);
  const body = JSON.stringify({
    resultsPerPage: PAGE,
    startIndex: start,
    totalResults: hits.length,
    format: 'NVD_CVE',
    version: '2.0',
    timestamp: nvdTime(Date.now()),
    vulnerabilities: page.map((r) => ({ cve: { ...template, id: r.id, lastModified: nvdTime(r.t), evaluatorComment: `served by request ${n}` } })),
  });
  setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body), LATENCY_MS);
});
let baseUrl = '';
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rest/json/cves/2.0`;
});
after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));

/** Run the sync; with `kill`, SIGKILL it once the store holds that many NVD records, or after `afterMs`. */
function runSync(db: string, kill?: { readonly atRecords?: number; readonly afterMs: number }): Promise<RunResult> {
  const args = ['sync', '--source', 'nvd', '--api-key', 'k-crash', '--since', since, '--base-url', baseUrl, '--db', db, '--json'];
  return runCvekit(args, db, kill && { atCount: kill.atRecords, afterMs: kill.afterMs, count: (s) => s.enrich.counts().then((c) => c.nvdRecords), polls: 6000, pollMs: 5 });
}

for (const backend of testBackends()) {
  describe(`${backend}: kill -9 during cvekit sync --source nvd`, () => {
    test(`no window lost or stored twice across SIGKILLs and resumes (seed ${seed})`, async (t) => {
      const random = rng(seed);
      windows.clear();
      const { db, cleanup } = await createTestDb(backend);
      try {
        const kills: string[] = [];
        for (let i = 0; i < KILLS; i++) {
          // The first kill lands at a random moment of start-up; the others once a random,
          // growing share of the records is stored, i.e. mid-window, mid-page.
          const atRecords = i === 0 ? undefined : Math.round(RECORDS * (0.1 + 0.25 * (i - 1) + random() * 0.2));
          const afterMs = i === 0 ? Math.round(100 + random() * 600) : 120_000;
          const r = await runSync(db, { atRecords, afterMs });
          kills.push(r.signal === 'SIGKILL' ? `killed ${atRecords === undefined ? `after ${afterMs} ms` : `at ≥${atRecords} records`}` : `finished first (exit ${r.code}: ${r.stderr.slice(0, 300)})`);
          const store = await openStore(db);
          try {
            await store.migrate();
            const c = await store.enrich.counts();
            assert.equal(c.nvdVersions, c.nvdRecords, `after kill ${i + 1}: no record stored twice (${kills.join(', ')})`);
            const saved = await store.getMeta(CURSOR_KEY);
            if (saved === undefined) {
              assert.equal(c.nvdRecords, 0, 'records are only stored with the cursor after them');
              continue;
            }
            const cursor = JSON.parse(saved) as { windowStart: string; startIndex: number; done: boolean };
            // What the cursor says is stored: every record before its window, and its window's first startIndex.
            kills[i] += ` (cursor ${cursor.windowStart.slice(0, 10)} +${cursor.startIndex}, ${c.nvdRecords} stored)`;
            const expected = cursor.done ? RECORDS : records.filter((r) => r.t < Date.parse(cursor.windowStart)).length + cursor.startIndex;
            assert.equal(c.nvdRecords, expected, `after kill ${i + 1}: the store holds exactly what the cursor says (${saved})`);
          } finally {
            await store.close();
          }
        }
        assert.ok(kills.filter((k) => k.startsWith('killed at')).length >= 2, `kills landed mid-sync: ${kills.join(', ')}`);
        t.diagnostic(kills.join(', '));
        const final = await runSync(db);
        assert.equal(final.code, 0, `final run failed: ${final.stderr}\n${kills.join(', ')}`);
        const report = JSON.parse(final.stdout) as { resumed: boolean; cursor: { done: boolean; until: string } };
        assert.equal(report.cursor.done, true);
        const store = await openStore(db);
        try {
          const c = await store.enrich.counts();
          assert.equal(c.nvdRecords, RECORDS, `no record lost (${kills.join(', ')})`);
          assert.equal(c.nvdVersions, RECORDS, `no page stored twice (${kills.join(', ')})`);
          // The windows asked for chain from --since to the first run's end, none longer than 120 days.
          const spans = [...windows].map((w) => w.split('..').map(Date.parse) as [number, number]).sort((a, b) => a[0] - b[0]);
          assert.equal(spans[0][0], sinceMs);
          for (let k = 1; k < spans.length; k++) assert.equal(spans[k][0], spans[k - 1][1], 'consecutive windows');
          assert.ok(spans.length >= 3 && spans.every(([s, e]) => e - s <= 120 * DAY));
          assert.equal(spans.at(-1)?.[1], Date.parse(report.cursor.until));
          const last = await store.enrich.getNvdRecord(records[RECORDS - 1].id as never);
          assert.equal(last?.lastModified, new Date(records[RECORDS - 1].t).toISOString());
        } finally {
          await store.close();
        }
        if (backend === 'sqlite') {
          const { DatabaseSync } = await import('node:sqlite');
          const raw = new DatabaseSync(db.slice('sqlite:'.length));
          assert.equal((raw.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
          raw.close();
        }
      } finally {
        await cleanup();
      }
    });
  });
}
