import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { CveId } from '../cve/index.ts';
import { main } from '../cli/main.ts';
import { buildApp } from '../http/app.ts';
import type { Store } from '../store/index.ts';
import { openTestStore, realRecordLines, recordWrite, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';
import { EnrichError } from './errors.ts';
import { importEpss, importLegacy, importNvd } from './store-import.ts';
import { NVD_CURSOR_KEY, syncNvd } from './store-sync.ts';
import { NvdClientError } from './nvd-client.ts';
import type { NvdClock } from './nvd-client.ts';
import { loadMergedView } from './view.ts';
import { provenanceSection } from '../web/provenance.ts';
import { FIXTURES_DIR, MITRE_XML_DIR, NVD_DIR } from './test-data.ts';

const API = join(NVD_DIR, 'vuls-data-update', 'api');
const FEED = join(NVD_DIR, 'vuls-data-update', 'feed');
const id = (s: string) => s as CveId;
const nvdLines = (): Record<string, unknown>[] => readFileSync(join(NVD_DIR, 'cves.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const page = (cves: readonly unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ resultsPerPage: cves.length, startIndex: 0, totalResults: cves.length, format: 'NVD_CVE', version: '2.0', timestamp: '2025-06-01T00:00:00.000', ...extra, vulnerabilities: cves.map((cve) => ({ cve })) });
const bytes = (text: string) => Buffer.from(text, 'utf8');

/** A real CVE JSON 5 record by name, from the shared sample. */
function realRecord(name: string): string {
  const line = realRecordLines().find((l) => l.includes(`"cveId":"${name}"`));
  if (!line) throw new Error(`no ${name} in the sample`);
  return line;
}

function io() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WriteStream,
      stdin: process.stdin,
      env: { ...process.env } as NodeJS.ProcessEnv,
    },
    out: () => out,
    err: () => err,
  };
}

/** Virtual time: sleeping advances it at once, so backoff and rate limits cost nothing real. */
function virtualClock(start: number): NvdClock & { t: number } {
  const c = {
    t: start,
    now: () => c.t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      c.t += ms;
    },
  };
  return c;
}

/**
 * A local imitation of the NVD CVE API 2.0: lastMod windows (refused over 120 days, with
 * NVD's `message` header and a 404), paging by startIndex/resultsPerPage, and scripted
 * failures per request number (403 as when over the rate limit, 500/503, a cut body).
 */
async function nvdServer(records: readonly Record<string, unknown>[]) {
  const requests: { start: string; end: string; startIndex: number; status: number; apiKey?: string }[] = [];
  const script = new Map<number, number | 'cut'>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const start = url.searchParams.get('lastModStartDate') ?? '';
    const end = url.searchParams.get('lastModEndDate') ?? '';
    const startIndex = Number(url.searchParams.get('startIndex') ?? 0);
    const perPage = Number(url.searchParams.get('resultsPerPage') ?? 2000);
    const n = requests.length + 1;
    const scripted = script.get(n);
    const log = (status: number) => requests.push({ start, end, startIndex, status, ...(req.headers.apikey ? { apiKey: String(req.headers.apikey) } : {}) });
    if (typeof scripted === 'number') {
      log(scripted);
      res.writeHead(scripted, scripted === 403 ? { message: 'Rate limit exceeded' } : {}).end();
      return;
    }
    const s = Date.parse(start);
    const e = Date.parse(end);
    if (!(s <= e) || e - s > 120 * 86_400_000) {
      log(404);
      res.writeHead(404, { message: 'The lastModStartDate and lastModEndDate range must not exceed 120 days' }).end();
      return;
    }
    const hits = records.filter((r) => {
      const t = Date.parse(`${r.lastModified}Z`);
      return t >= s && t <= e;
    });
    const body = page(hits.slice(startIndex, startIndex + perPage), { resultsPerPage: perPage, startIndex, totalResults: hits.length });
    log(200);
    if (scripted === 'cut') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.write(body.slice(0, 100));
      res.socket?.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rest/json/cves/2.0`;
  return { url, requests, script, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

for (const backend of testBackends()) {
  describe(`${backend}: enrichment into the repository`, () => {
    let t: TestStore;
    let s: Store;
    let dir: string;
    before(async () => {
      t = await openTestStore(backend);
      s = t.store;
      dir = mkdtempSync(join(tmpdir(), 'cvekit-enrich-'));
      // The CVE List records the NVD samples and the mapping checks need.
      const names = ['CVE-2021-38859', 'CVE-2023-45632', 'CVE-2023-46009', 'CVE-2024-2957', 'CVE-1999-0006', 'CVE-1999-0013'];
      await s.writeBatch(names.map((n) => recordWrite(realRecord(n), { source: 'cvelistV5' })));
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await t.cleanup();
    });

    it('imports an NVD API 2.0 answer: records, statuses, idempotent, source status', async () => {
      const r = await importNvd(s, join(NVD_DIR, 'vunnel', 'full-page.json'));
      assert.equal(r.counts.read, 38);
      assert.equal(r.counts.added, 38);
      const again = await importNvd(s, join(NVD_DIR, 'vunnel', 'full-page.json'));
      assert.equal(again.counts.unchanged, 38, 'the same content is never a second version');
      const rec = await s.enrich.getNvdRecord(id('CVE-2021-38859'));
      assert.ok(rec?.vulnStatus);
      assert.equal((await s.enrich.listNvdVersions(id('CVE-2021-38859'))).length, 1);
      const src = await s.getSource('nvd');
      assert.equal(src?.counts.records, 38);
      assert.ok(src?.contentDate && src.lastSyncAt);
      assert.equal(src?.lastError, undefined);
      // 35 of the 38 names are not in this repository: reported, the 3 known ones are not.
      const issues = await s.enrich.listMappingIssues({ source: 'nvd', kind: 'unknown-cve', limit: 1000 });
      assert.equal(issues.total, 35);
      assert.ok(!issues.items.some((i) => i.cveId === 'CVE-2021-38859'));
    });

    it('keeps NVD versions by lastModified: a newer one becomes current, an older one history only', async () => {
      const [base] = nvdLines().filter((c) => c.id === 'CVE-2023-45632');
      const newer = { ...base, lastModified: '2030-01-01T00:00:00.000', vulnStatus: 'Modified' };
      const older = { ...base, lastModified: '2000-01-01T00:00:00.000', vulnStatus: 'Received' };
      assert.equal((await importNvd(s, bytes(page([newer])))).counts.updated + (await s.enrich.listNvdVersions(id('CVE-2023-45632'))).length >= 1, true);
      const r = await importNvd(s, bytes(page([older])));
      assert.equal(r.counts.older, 1);
      const cur = await s.enrich.getNvdRecord(id('CVE-2023-45632'));
      assert.equal(cur?.vulnStatus, 'Modified');
      const versions = await s.enrich.listNvdVersions(id('CVE-2023-45632'));
      assert.equal(versions.filter((v) => v.current).length, 1);
      assert.ok(versions.some((v) => v.vulnStatus === 'Received' && !v.current));
    });

    it('imports NVD 2.0 and 1.1 feeds (gzip too), change history, CPE and CPE match', async () => {
      const f2 = readFileSync(join(FEED, 'cve', 'v2', 'nvdcve-2.0-2021.json'));
      const r2 = await importNvd(s, gzipSync(f2));
      assert.ok(r2.counts.read > 0 && r2.counts.skipped === 0);
      const f1 = join(FEED, 'cve', 'v1', 'nvdcve-1.1-2021.json');
      const r1 = await importNvd(s, f1);
      assert.ok(r1.counts.read > 0);
      const h = await importNvd(s, join(API, 'cvehistory', '3_items', '0-3.json'));
      assert.ok(h.counts.changes > 0, 'change events stored');
      const again = await importNvd(s, join(API, 'cvehistory', '3_items', '0-3.json'));
      assert.equal(again.counts.changes, 0, 'change events are unique by cveChangeId');
      const cpe = await importNvd(s, join(API, 'cpe', '3_items', '0-3.json'));
      assert.equal(cpe.counts.cpe, 3);
      const cm = await importNvd(s, join(API, 'cpematch', '3_items', '0-3.json'));
      assert.equal(cm.counts.cpeMatch, 3);
      const c = await s.enrich.counts();
      assert.ok(c.cpe >= 3 && c.cpeMatch >= 3 && c.nvdChanges > 0);
    });

    it('reports an NVD record naming a name the CVE List rejected with a replacement', async () => {
      const [base] = nvdLines();
      await importNvd(s, bytes(page([{ ...base, id: 'CVE-2024-2957', vulnStatus: 'Analyzed' }])));
      const [issue] = (await s.enrich.mappingIssuesFor(id('CVE-2024-2957'))).filter((i) => i.source === 'nvd');
      assert.equal(issue?.kind, 'rejected-replaced');
      assert.match(issue.detail, /use CVE-\d{4}-\d+ instead/);
      // NVD agreeing that it is rejected is no issue.
      await importNvd(s, bytes(page([{ ...base, id: 'CVE-2024-2957', vulnStatus: 'Rejected', lastModified: '2031-01-01T00:00:00.000' }])));
      const out = io();
      assert.equal(await main(['mapping-issues', '--source', 'nvd', '--json', '--db', t.db], out.io), 0);
      const report = JSON.parse(out.out());
      assert.ok(!report.sources.nvd.issues.some((i: { cveId: string }) => i.cveId === 'CVE-2024-2957'), 'resolved by the recheck');
      assert.match(report.sources.nvd.owner, /NVD/);
    });

    it('refuses a truncated feed, records the error on the source, and a rerun recovers', async () => {
      const full = readFileSync(join(NVD_DIR, 'vunnel', 'full-page.json'));
      await assert.rejects(importNvd(s, full.subarray(0, Math.floor(full.length / 2))), (e: unknown) => e instanceof EnrichError && /TRUNCATED|JSON/.test(e.code));
      assert.match((await s.getSource('nvd'))?.lastError ?? '', /full|truncat|end/i);
      await importNvd(s, full);
      assert.equal((await s.getSource('nvd'))?.lastError, undefined);
    });

    it('keeps EPSS history per score date, idempotent per day', async () => {
      const csv = readFileSync(join(FIXTURES_DIR, 'epss-sample.csv'), 'utf8');
      const r = await importEpss(s, bytes(csv));
      assert.ok(r.counts.scores > 0);
      assert.equal((await importEpss(s, gzipSync(bytes(csv)))).counts.changed, 0);
      const nextDay = csv.replace(/score_date:2025-03-20/, 'score_date:2025-03-21').replace(/0\.94358/, '0.95');
      await importEpss(s, bytes(nextDay));
      const h = await s.enrich.epssHistory(id('CVE-2021-44228'));
      assert.deepEqual(h.map((p) => [p.scoreDate.slice(0, 10), p.epss]), [['2025-03-20', 0.94358], ['2025-03-21', 0.95]]);
      const src = await s.getSource('epss');
      assert.equal(src?.contentDate?.slice(0, 10), '2025-03-21');
      assert.equal(src?.release, 'v2025.03.14');
    });

    it('imports the real CVRF 1999 file and allitems.xml excerpt as a source of their own', async () => {
      const r = await importLegacy(s, join(MITRE_XML_DIR, 'allitems-cvrf-year-1999.xml'));
      assert.equal(r.format, 'cvrf-1.1');
      assert.equal(r.counts.read, 1579);
      assert.equal(r.counts.skipped, 0);
      assert.ok(r.counts.rejected > 0 && r.counts.withReplacement > 0);
      assert.equal((await s.getSource('mitre-legacy'))?.release, '2023.04.16.23');
      const x = await importLegacy(s, gzipSync(readFileSync(join(MITRE_XML_DIR, 'allitems-excerpt.vuls-data-update.xml'))));
      assert.equal(x.format, 'cve-1.0-xml');
      const [e] = (await s.enrich.getLegacyEntries(id('CVE-1999-0001'))).filter((l) => l.format === 'cve-1.0-xml');
      assert.equal(e.originalName, 'CAN-1999-0001');
      assert.equal(e.status, 'Candidate');
      const csv = await importLegacy(s, join(FIXTURES_DIR, 'allitems.csv'));
      assert.equal(csv.format, 'allitems-csv');
      assert.equal((await importLegacy(s, join(MITRE_XML_DIR, 'allitems-cvrf-year-1999.xml'))).counts.unchanged, 1579);
    });

    it('shows a legacy REJECT naming a replacement, never overriding the CVE JSON 5 record', async () => {
      const before = await s.getRecord(id('CVE-1999-0006'));
      const versions = (await s.listVersions(id('CVE-1999-0006'))).length;
      const xml = `<?xml version="1.0"?>
<cve xmlns="http://cve.mitre.org/cve/downloads/1.0">
<item type="CAN" name="CAN-1999-0006" seq="1999-0006">
<status>Candidate</status><phase date="20050101">Modified</phase>
<desc>** REJECT ** DO NOT USE THIS CANDIDATE NUMBER. ConsultIDs: CVE-1999-0013. Reason: a duplicate. &lt;script&gt;alert(1)&lt;/script&gt;</desc>
<refs/><votes/><comments/>
</item></cve>`;
      const r = await importLegacy(s, bytes(xml));
      assert.equal(r.counts.added, 1);
      const after = await s.getRecord(id('CVE-1999-0006'));
      assert.equal(after?.hash, before?.hash);
      assert.equal((await s.listVersions(id('CVE-1999-0006'))).length, versions);
      const view = await loadMergedView(s, id('CVE-1999-0006'));
      assert.equal(view.inCveList, true);
      assert.equal(view.status.chosen?.label, 'CVE List');
      assert.equal(view.status.chosen?.value, before?.state);
      assert.equal(view.description.chosen?.source, 'cna');
      const legacy = view.legacy.find((l) => l.format === 'cve-1.0-xml');
      assert.equal(legacy?.originalName, 'CAN-1999-0006');
      assert.deepEqual(legacy?.replacedBy, ['CVE-1999-0013']);
      assert.ok(legacy?.markers.rejected);
      const fragment = provenanceSection(view).value;
      assert.match(fragment, /CAN-1999-0006/);
      assert.match(fragment, /href="\/cve\/CVE-1999-0013"/);
      assert.ok(!fragment.includes('<script>'), 'legacy text is escaped');
    });

    it('refuses hostile XML through the import command (XXE, billion laughs) and stores nothing', async () => {
      const secret = join(dir, 'secret.txt');
      writeFileSync(secret, 'TOP-SECRET');
      const xxe = join(dir, 'xxe.xml');
      writeFileSync(xxe, `<?xml version="1.0"?><!DOCTYPE cve [<!ENTITY x SYSTEM "file://${secret}">]><cve xmlns="http://cve.mitre.org/cve/downloads/1.0"><item type="CAN" name="CAN-2099-0001"><desc>&x;</desc></item></cve>`);
      const lol = join(dir, 'lol.xml');
      const ents = ['<!ENTITY l0 "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`)].join('');
      writeFileSync(lol, `<?xml version="1.0"?><!DOCTYPE cve [${ents}]><cve><item name="CVE-2099-0002"><desc>&l9;</desc></item></cve>`);
      for (const file of [xxe, lol]) {
        const out = io();
        assert.equal(await main(['legacy', 'import', file, '--db', t.db], out.io), 1);
        assert.match(out.err(), /DOCTYPE|DTD|entit/i);
        assert.ok(!out.err().includes('TOP-SECRET'));
      }
      assert.equal((await s.enrich.getLegacyEntries(id('CVE-2099-0001'))).length, 0);
      assert.match((await s.getSource('mitre-legacy'))?.lastError ?? '', /DOCTYPE|DTD|entit/i);
    });

    it('serves the merged view and the mapping issues over HTTP', async () => {
      const app = await buildApp({ store: s, rateLimit: false });
      try {
        const res = await app.inject({ url: '/api/v1/cve/CVE-2021-38859/sources' });
        assert.equal(res.statusCode, 200);
        const view = res.json();
        assert.equal(view.inCveList, true);
        const labels = view.cvss.claims.map((c: { source: string }) => c.source);
        assert.ok(labels.includes('nvd'), 'NVD says');
        assert.ok(labels.includes('cna') || labels.some((l: string) => l.startsWith('adp:')), 'CNA or ADP says');
        assert.ok(view.cvss.rule && view.status.chosen.label === 'CVE List');
        const unknown = await app.inject({ url: '/api/v1/cve/CVE-2099-9999/sources' });
        assert.equal(unknown.statusCode, 404);
        assert.equal(unknown.json().error, 'CVE_ID_NOT_FOUND');
        assert.equal((await app.inject({ url: '/api/v1/cve/not-a-cve/sources' })).statusCode, 400);
        const p1 = (await app.inject({ url: '/api/v1/mapping-issues?source=nvd&limit=10' })).json();
        assert.equal(p1.items.length, 10);
        const p2 = (await app.inject({ url: `/api/v1/mapping-issues?source=nvd&limit=10&after=${p1.next}` })).json();
        assert.ok(p2.items[0].id > p1.items[9].id);
        assert.equal((await app.inject({ url: '/api/v1/mapping-issues?kind=bogus' })).statusCode, 400);
      } finally {
        await app.close();
      }
    });

    it('cvekit status shows each enrichment source with content date, last sync and errors', async () => {
      const out = io();
      assert.equal(await main(['status', '--json', '--db', t.db], out.io), 0);
      const status = JSON.parse(out.out());
      const ids = (status.sources ?? status.status?.sources ?? []).map((x: { id: string }) => x.id);
      for (const want of ['nvd', 'epss', 'mitre-legacy']) assert.ok(ids.includes(want), `${want} in status`);
    });
  });

  describe(`${backend}: NVD sync against a local imitation of the CVE API 2.0`, () => {
    let t: TestStore;
    let records: Record<string, unknown>[];
    const T0 = Date.parse('2024-12-01T00:00:00Z');
    before(async () => {
      t = await openTestStore(backend);
      // The 60 real NVD objects spread over 120 days from 2024-12-05, every 2 days.
      records = nvdLines().map((c, i) => ({ ...c, lastModified: new Date(T0 + 4 * 86_400_000 + i * 2 * 86_400_000).toISOString().replace('Z', '') }));
    });
    after(() => t.cleanup());

    it('pages, honours the limits, retries 403/5xx/cut bodies, resumes after a stop, loses no window', async () => {
      const srv = await nvdServer(records);
      try {
        const clock = virtualClock(Date.parse('2025-06-01T00:00:00Z'));
        const now = () => new Date(clock.t);
        srv.script.set(2, 403);
        srv.script.set(3, 503);
        srv.script.set(4, 'cut');
        const stop = new AbortController();
        let pagesSeen = 0;
        const common = { baseUrl: srv.url, clock, now, resultsPerPage: 10, backoffBaseMs: 1000, random: () => 0.5 };
        await assert.rejects(
          syncNvd(t.store, {
            ...common,
            since: '2024-12-01T00:00:00Z',
            signal: stop.signal,
            onPage: () => {
              if (++pagesSeen === 3) stop.abort(new Error('killed'));
            },
          }),
          (e: unknown) => e instanceof NvdClientError && e.code === 'NVD_ABORTED',
        );
        const saved = JSON.parse((await t.store.getMeta(NVD_CURSOR_KEY)) ?? '{}');
        assert.equal(saved.startIndex, 30, 'the cursor after the third stored page');
        assert.match((await t.store.getSource('nvd'))?.lastError ?? '', /aborted/);
        const before = srv.requests.length;
        const r = await syncNvd(t.store, { ...common, apiKey: 'k-123' });
        assert.equal(r.resumed, true);
        assert.equal(srv.requests[before].startIndex, 30, 'resumed at the first page not stored');
        assert.equal(srv.requests[before].apiKey, 'k-123');
        // Every request respected the 120-day rule (none answered 404), and every record arrived.
        assert.ok(srv.requests.every((q) => q.status !== 404));
        const c = await t.store.enrich.counts();
        assert.equal(c.nvdRecords, new Set(records.map((x) => x.id)).size);
        assert.ok(r.cursor.done);
        // Without a key: never more than 5 requests in any 30 s of (virtual) time.
        const srcAfter = await t.store.getSource('nvd');
        assert.equal(srcAfter?.lastError, undefined);
        assert.ok(srcAfter?.contentDate);

        // Downtime: 200 days later, the next run reads every window since the last `until`.
        const later: Record<string, unknown>[] = records.map((x, i) => ({ ...x, lastModified: new Date(Date.parse('2025-06-10T00:00:00Z') + i * 3 * 86_400_000).toISOString().replace('Z', '') }));
        const srv2 = await nvdServer(later);
        try {
          clock.t = Date.parse('2025-12-31T00:00:00Z');
          const r2 = await syncNvd(t.store, { ...common, baseUrl: srv2.url });
          // A record on the instant two windows share is read twice (NVD's ranges include both ends): stored once.
          assert.ok(r2.counts.read >= later.length);
          for (const x of later) {
            const newest = later.filter((y) => y.id === x.id).map((y) => String(y.lastModified)).sort().at(-1);
            assert.equal((await t.store.enrich.getNvdRecord(id(String(x.id))))?.lastModified.replace('Z', ''), newest?.replace('Z', ''));
          }
          const windows = new Set(srv2.requests.map((q) => `${q.start}..${q.end}`));
          assert.ok(windows.size >= 2, 'more than one 120-day window');
          assert.ok(srv2.requests.every((q) => q.status === 200));
        } finally {
          await srv2.close();
        }
      } finally {
        await srv.close();
      }
    });

    it('keeps under 5 requests per 30 s without a key', async () => {
      const t2 = await openTestStore(backend);
      const srv = await nvdServer(records);
      try {
        const clock = virtualClock(Date.parse('2025-06-01T00:00:00Z'));
        const times: number[] = [];
        const fetchTimed: typeof fetch = (input, init) => {
          times.push(clock.t);
          return fetch(input, init);
        };
        await syncNvd(t2.store, { baseUrl: srv.url, clock, now: () => new Date(clock.t), resultsPerPage: 5, since: '2024-12-01T00:00:00Z', fetch: fetchTimed });
        assert.ok(times.length > 5);
        for (let i = 5; i < times.length; i++) assert.ok(times[i] - times[i - 5] >= 30_000, `request ${i} came too soon`);
      } finally {
        await srv.close();
        await t2.cleanup();
      }
    });

    it('cvekit sync --source nvd without a start point explains what to do', async () => {
      const t3 = await openTestStore(backend);
      try {
        const out = io();
        assert.equal(await main(['sync', '--source', 'nvd', '--base-url', 'http://127.0.0.1:9/', '--db', t3.db], out.io), 1);
        assert.match(out.err(), /nvd import|--since/);
      } finally {
        await t3.cleanup();
      }
    });
  });
}
