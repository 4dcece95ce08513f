/**
 * NVD, EPSS and legacy imports from http(s) URLs go through the CVE List reader's client
 * (src/ingest/readers/http.ts): a local fixture server answers with scripted 5xx, resets,
 * stalls and bodies cut short; the import ends with exactly what a file import stores, and
 * when the attempts run out nothing of the failed input is written (the body is saved whole
 * before it is parsed) and the source's status keeps the error without advancing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startFixtureServer, type FixtureServer } from '../../test/support/http-fixtures.ts';
import { openTestStore, testBackends, type TestStore } from '../../test/support/stores.ts';
import type { CveId } from '../cve/index.ts';
import { importEpss, importLegacy, importNvd } from './store-import.ts';
import type { EnrichImportOptions } from './store-import.ts';
import { FIXTURES_DIR, MITRE_XML_DIR, NVD_DIR } from './test-data.ts';

const FAST: EnrichImportOptions['http'] = { stallTimeoutMs: 300, headersTimeoutMs: 600, backoffMs: 5, maxBackoffMs: 50, attempts: 5 };
const lines = readFileSync(join(NVD_DIR, 'cves.jsonl'), 'utf8').trim().split('\n');
// Two bad lines among the 60 real records: reported by line, the others kept.
const withBad = [...lines.slice(0, 20), '{"id":"CVE-2024-0001",', ...lines.slice(20, 40), 'not json at all', ...lines.slice(40)];
const jsonl = gzipSync(`${withBad.join('\n')}\n`);
const epss = readFileSync(join(FIXTURES_DIR, 'epss-sample.csv'));
const xml = readFileSync(join(MITRE_XML_DIR, 'allitems-cvrf-year-1999.xml'));

for (const backend of testBackends()) {
  describe(`${backend}: enrichment imports from URLs retry like the CVE List reader`, () => {
    let srv: FixtureServer;
    before(async () => {
      srv = await startFixtureServer();
    });
    after(() => srv.close());

    const fresh = async (t: { after(fn: () => Promise<void>): void }): Promise<TestStore> => {
      const s = await openTestStore(backend);
      t.after(() => s.cleanup());
      return s;
    };

    it('NVD cves.jsonl.gz through a 500, a reset mid-body and a stall: every good record once, bad lines by number', async (t) => {
      const { store } = await fresh(t);
      srv.route('/cves.jsonl.gz', {
        body: jsonl,
        script: [{ status: 500 }, { cutAfter: Math.floor(jsonl.length / 3) }, { stallAfter: Math.floor(jsonl.length / 2) }, { status: 503, headers: { 'retry-after': '0' } }],
      });
      const before = srv.requests.length;
      const r = await importNvd(store, srv.url('/cves.jsonl.gz'), { http: FAST });
      const seen = srv.requests.slice(before);
      assert.deepEqual(seen.map((q) => q.status), [500, 'cut', 'stalled', 503, 206]);
      // Resumed by Range at the byte reached, not read again from the start.
      assert.match(String(seen[4].headers.range), /^bytes=\d+-$/);
      assert.equal(r.format, 'NVD_CVE_JSONL');
      assert.equal(r.counts.read, 60);
      assert.equal(r.counts.skipped, 2);
      assert.deepEqual(r.issues.map((i) => [i.line, i.code]), [[21, 'RECORD_MALFORMED'], [42, 'RECORD_MALFORMED']]);
      const c = await store.enrich.counts();
      assert.equal(c.nvdRecords, new Set(lines.map((l) => JSON.parse(l).id)).size);
      assert.equal(c.nvdVersions, 60, 'each good line stored once');
      const rec = await store.enrich.getNvdRecord(JSON.parse(lines[59]).id as CveId);
      assert.ok(rec?.origin?.endsWith('/cves.jsonl.gz line 62'), rec?.origin);
      const src = await store.getSource('nvd');
      assert.equal(src?.lastError ?? '', '');
      assert.equal(src?.location, srv.url('/cves.jsonl.gz'));
    });

    it('EPSS and legacy XML through resets and a stalled answer', async (t) => {
      const { store } = await fresh(t);
      srv.route('/epss.csv.gz', { body: gzipSync(epss), script: [{ cutAfter: 40 }, { stallHeaders: true }] });
      srv.route('/allitems-cvrf.xml', { body: xml, script: [{ status: 502 }, { cutAfter: 700_000 }, { cutAfter: 10 }] });
      const e = await importEpss(store, srv.url('/epss.csv.gz'), { http: FAST });
      const direct = await importEpss((await fresh(t)).store, gzipSync(epss));
      assert.deepEqual(e.counts, direct.counts);
      const l = await importLegacy(store, srv.url('/allitems-cvrf.xml'), { http: FAST });
      const lDirect = await importLegacy((await fresh(t)).store, xml);
      assert.deepEqual(l.counts, lDirect.counts);
      assert.equal(l.format, 'cvrf-1.1');
      assert.ok(l.counts.added > 1000);
    });

    it('attempts exhausted: nothing of the input written, the error kept, the status not advanced', async (t) => {
      const { store } = await fresh(t);
      srv.route('/down.jsonl', { body: jsonl, script: Array.from({ length: 5 }, () => ({ status: 503 })) });
      await assert.rejects(importNvd(store, srv.url('/down.jsonl'), { http: FAST }), /after 5 attempts: HTTP 503/);
      // Half the body, then nothing more: with batches of 5, a streamed import would have stored
      // records already; the download is whole before anything is parsed, so nothing is.
      srv.route('/cut.jsonl', { body: jsonl, script: [{ cutAfter: Math.floor(jsonl.length / 2) }, ...Array.from({ length: 5 }, () => ({ cutAfter: 0 }))] });
      await assert.rejects(importNvd(store, srv.url('/cut.jsonl'), { http: FAST, batchSize: 5 }), /failed after 5 attempts/);
      srv.route('/missing.csv', { body: 'x', script: [{ status: 404 }] });
      await assert.rejects(importEpss(store, srv.url('/missing.csv'), { http: FAST }), /HTTP 404/);
      assert.equal((await store.enrich.counts()).nvdVersions, 0);
      const src = await store.getSource('nvd');
      assert.match(src?.lastError ?? '', /cut\.jsonl failed after 5 attempts/);
      assert.equal(src?.lastSyncAt, undefined);
      assert.equal(src?.contentDate, undefined);
      assert.match((await store.getSource('epss'))?.lastError ?? '', /HTTP 404/);
    });
  });
}
