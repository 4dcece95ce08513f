import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/index.ts';
import { openTestStore, realRecordLines, recordWrite, testBackends } from '../../test/support/stores.ts';
import { loadSample } from '../ingest/index.ts';
import { buildApp } from './app.ts';

const NOW = new Date('2025-02-01T00:00:00Z');

/** A real record turned hostile: markup and script in every text a page shows. */
function hostileRecord(): string {
  const rec = JSON.parse(realRecordLines(1)[0]);
  rec.cveMetadata.cveId = 'CVE-2099-0001';
  rec.containers.cna.title = '<img src=x onerror=alert(1)>';
  rec.containers.cna.descriptions = [{ lang: 'en', value: '<script>alert("x")</script> \u202Egnp.exe' }];
  rec.containers.cna.references = [
    { url: 'javascript:alert(1)', name: 'click me' },
    { url: 'data:text/html,<script>alert(2)</script>' },
    { url: 'https://example.org/a"onmouseover="alert(3)' },
  ];
  rec.containers.cna.affected = [{ vendor: '<b>v</b>', product: '"><svg onload=alert(4)>', versions: [{ version: '1', status: 'affected' }] }];
  return JSON.stringify(rec);
}

for (const backend of testBackends()) {
  describe(`${backend}: pages and API`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let app: FastifyInstance;
    before(async () => {
      ({ store, cleanup } = await openTestStore(backend));
      await loadSample(store);
      await store.writeBatch([recordWrite(hostileRecord(), { source: 'test' })]);
      app = await buildApp({ store, now: () => NOW });
    });
    after(async () => {
      await app.close();
      await cleanup();
    });

    test('X1520-10.2: /cve/can-1999-0006 answers 301 to the canonical /cve/CVE-1999-0006', async () => {
      const r = await app.inject('/cve/can-1999-0006');
      assert.equal(r.statusCode, 301);
      assert.equal(r.headers.location, '/cve/CVE-1999-0006?q=can-1999-0006');
    });

    test('X1520-10.1: bare 1999-0006 and other syntaxes redirect to the canonical name', async () => {
      for (const input of ['1999-0006', 'cve-1999-0006', 'CVE%201999%200006', 'CVE%E2%80%931999%E2%80%930006', '%EF%BC%A3%EF%BC%B6%EF%BC%A5-1999-0006']) {
        const r = await app.inject(`/cve/${input}`);
        assert.equal(r.statusCode, 301, input);
        assert.match(String(r.headers.location), /^\/cve\/CVE-1999-0006\?q=/, input);
      }
    });

    test('X1520-6.9 X1520-B.4.2: the record page shows the CVE name, says what was searched, and states the content date (X1520-9.1)', async () => {
      const r = await app.inject('/cve/CVE-1999-0006?q=can-1999-0006');
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /<h1><span class="mono">CVE-1999-0006<\/span>/);
      assert.match(r.body, /You searched <code>can-1999-0006<\/code>; the CVE name is <strong>CVE-1999-0006<\/strong>/);
      assert.match(r.body, /CVE content as of 2025-01-24 \d\d:\d\dZ \(source sample\)/);
      // Provenance (issue 7): what each source says, side by side.
      assert.match(r.body, /<h2 id="sources-h">Sources<\/h2>/);
      assert.equal(r.headers['content-security-policy']?.toString().includes("default-src 'none'"), true);
    });

    test('X1520-9.2: content older than three months is marked out of date', async () => {
      const late = await buildApp({ store, now: () => new Date('2025-06-01T00:00:00Z') });
      try {
        const r = await late.inject('/');
        assert.match(r.body, /out of date/);
        const s = await late.inject('/api/v1/status');
        assert.equal(s.json().outOfDate, true);
      } finally {
        await late.close();
      }
      const fresh = await app.inject('/api/v1/status');
      assert.equal(fresh.json().outOfDate, false);
    });

    test('X1520-7.7 X1520-7.8: a rejected record says so at the top and links its replacement', async () => {
      const r = await app.inject('/cve/CVE-2024-4810');
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /This CVE name is rejected/);
      const target = /Use instead: <a href="\/cve\/(CVE-\d{4}-\d+)">/.exec(r.body)?.[1];
      assert.ok(target, 'a replacement link');
      const api = await app.inject('/api/v1/cve/CVE-2024-4810');
      assert.deepEqual(api.json().replacements.map((x: { target: string }) => x.target).includes(target), true);
    });

    test('X1520-A.4.1.1: /cve/CVE-….json is the stored CVE JSON 5 record, unchanged', async () => {
      const r = await app.inject('/cve/CVE-1999-0006.json');
      assert.equal(r.statusCode, 200);
      const stored = await store.getRecord('CVE-1999-0006');
      assert.deepEqual(r.json(), JSON.parse(stored?.json ?? 'null'));
      const redirected = await app.inject('/cve/can-1999-0006.json');
      assert.equal(redirected.statusCode, 301);
      assert.equal(redirected.headers.location, '/cve/CVE-1999-0006.json');
    });

    test('unknown and invalid names get 404 with the reason', async () => {
      const unknown = await app.inject('/cve/CVE-2098-99999');
      assert.equal(unknown.statusCode, 404);
      assert.match(unknown.body, /well-formed CVE name but is not in this repository/);
      const invalid = await app.inject('/cve/CVE-2020-01234');
      assert.equal(invalid.statusCode, 404);
      assert.match(invalid.body, /leading zero/);
      const api = await app.inject('/api/v1/cve/CVE-2020-01234');
      assert.equal(api.statusCode, 400);
      assert.equal(api.json().error, 'INVALID_CVE_ID');
      const api404 = await app.inject('/api/v1/cve/2098-99999');
      assert.equal(api404.statusCode, 404);
      assert.equal(api404.json().error, 'CVE_RECORD_NOT_FOUND');
      assert.equal(api404.json().details.cveId, 'CVE-2098-99999');
    });

    test('hostile record content is escaped; javascript: and data: URLs are shown, never links', async () => {
      const r = await app.inject('/cve/CVE-2099-0001');
      assert.equal(r.statusCode, 200);
      assert.doesNotMatch(r.body, /<script>alert/);
      assert.doesNotMatch(r.body, /<img src=x/);
      assert.doesNotMatch(r.body, /<svg onload/);
      assert.doesNotMatch(r.body, /href="javascript:/i);
      assert.doesNotMatch(r.body, /href="data:/i);
      assert.doesNotMatch(r.body, /"onmouseover="/);
      assert.match(r.body, /&lt;script&gt;alert/);
      assert.match(r.body, /<span class="unsafe-url">click me<\/span>/);
    });

    test('X1520-6.9: the search box takes a CVE name in any syntax, or pasted text with CVE names in it', async () => {
      const one = await app.inject('/search?q=CAN-1999-0006');
      assert.equal(one.statusCode, 301);
      assert.equal(one.headers.location, '/cve/CVE-1999-0006?q=CAN-1999-0006');
      const text = await app.inject(`/search?q=${encodeURIComponent('Fixes CVE-2024-4810 and cve-1999-0006, see CAN-1999-0068.')}`);
      assert.equal(text.statusCode, 200);
      for (const id of ['CVE-2024-4810', 'CVE-1999-0006', 'CVE-1999-0068']) assert.match(text.body, new RegExp(`href="/cve/${id}"`));
      const words = await app.inject('/search?q=log4j');
      assert.equal(words.statusCode, 200);
      assert.match(words.body, /<h2 id="results-h">[\d,]+ records?<\/h2>/);
    });

    test('X1520-8.1 X1520-8.2 X1520-8.3 X1520-8.4: /docs/cve explains CVE, finding by name, getting names, with an index entry "CVE"', async () => {
      const r = await app.inject('/docs/cve');
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /CVE compatibility/);
      assert.match(r.body, /Finding a record by CVE name/);
      assert.match(r.body, /Getting the CVE names of an item/);
      assert.match(r.body, /<h2 id="index">Index<\/h2>\s*<ul><li><a href="#cve">CVE<\/a>/);
    });

    test('history: versions and a typed diff between two versions', async () => {
      // The sample loads older versions first, so some records have two.
      const rec = realRecordLines().map((l) => JSON.parse(l).cveMetadata.cveId as string);
      let withTwo: string | undefined;
      for (const id of rec) {
        if ((await store.listVersions(id)).length === 2) {
          withTwo = id;
          break;
        }
      }
      assert.ok(withTwo, 'a sample record with two versions');
      const v = await app.inject(`/api/v1/cve/${withTwo}/versions`);
      assert.equal(v.json().versions.length, 2);
      const d = await app.inject(`/api/v1/cve/${withTwo}/diff?from=1&to=2`);
      assert.equal(d.statusCode, 200);
      assert.ok(d.json().changes.length > 0);
      assert.ok(d.json().changes.every((c: { path: string; kind: string }) => c.path.startsWith('/') && ['added', 'removed', 'changed'].includes(c.kind)));
      const bad = await app.inject(`/api/v1/cve/${withTwo}/diff?from=1&to=9`);
      assert.equal(bad.statusCode, 404);
      assert.equal(bad.json().error, 'VERSION_NOT_FOUND');
      const invalid = await app.inject(`/api/v1/cve/${withTwo}/diff?from=x&to=2`);
      assert.equal(invalid.statusCode, 400);
    });

    test('unknown routes: JSON 404 under /api, a page elsewhere', async () => {
      const api = await app.inject('/api/v1/nothing');
      assert.equal(api.statusCode, 404);
      assert.equal(api.json().error, 'NOT_FOUND');
      const pageR = await app.inject('/nothing');
      assert.equal(pageR.statusCode, 404);
      assert.match(String(pageR.headers['content-type']), /text\/html/);
    });
  });
}
