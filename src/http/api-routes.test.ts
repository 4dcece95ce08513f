import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { sharedData } from '../../test/support/paths.ts';
import { testBackends } from '../../test/support/stores.ts';
import { xmllint } from '../../test/support/xmllint.ts';
import { buildApp } from './app.ts';
import { NOW, openTestApp, type TestApp } from './testing.ts';

for (const backend of testBackends()) {
  describe(`${backend}: REST API, feeds, exports and the NVD-compatible endpoint`, () => {
    let t: TestApp;
    before(async () => {
      t = await openTestApp(backend);
    });
    after(() => t.close());
    const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers });

    test('X1520-9.1 X1520-9.2: GET /api/health reads the store and states the content date; 503 without detail once the store is gone', async () => {
      const ok = await get('/api/health');
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.headers['cache-control'], 'no-store');
      const j = ok.json();
      assert.deepEqual([j.ok, j.store, j.outOfDate], [true, backend, false], 'the test clock is a day after the sample');
      assert.match(j.contentDate, /^2025-01-24/);
      assert.match(j.contentStatement, /^CVE content as of 2025-01-24/);
      // A second app on a store that is then closed: its database is gone.
      const gone = await openTestApp(backend);
      try {
        assert.equal((await gone.app.inject({ url: '/api/health' })).statusCode, 200);
        await gone.store.close();
        const down = await gone.app.inject({ url: '/api/health' });
        assert.equal(down.statusCode, 503);
        assert.equal(down.headers['retry-after'], '5');
        assert.deepEqual(down.json(), { ok: false, store: backend, error: 'STORE_UNAVAILABLE', message: 'the store did not answer within 3 s' });
      } finally {
        await gone.app.close();
        await gone.close().catch(() => undefined);
      }
    });

    test('X1520-6.9 X1520-10.1 X1520-10.2: GET /api/v1/resolve gives the canonical name, state, replacements and URL, or a 400/404 saying why', async () => {
      const ok = await get('/api/v1/resolve?id=can-1999-0006');
      assert.equal(ok.statusCode, 200);
      const j = ok.json();
      assert.deepEqual({ query: j.query, cveId: j.cveId, state: j.state, replacedBy: j.replacedBy, url: j.url }, { query: 'can-1999-0006', cveId: 'CVE-1999-0006', state: 'PUBLISHED', replacedBy: [], url: '/cve/CVE-1999-0006' });
      assert.match(j.contentDate, /^2025-01-24/);
      const rejected = (await get('/api/v1/resolve?id=2099-0002')).json();
      assert.deepEqual([rejected.state, rejected.replacedBy], ['REJECTED', ['CVE-2099-0001']]);
      const invalid = await get('/api/v1/resolve?id=CVE-2020-01234');
      assert.equal(invalid.statusCode, 400, 'a malformed name is a bad request, as on /api/v1/cve/{name}');
      assert.equal(invalid.json().error, 'NOT_A_CVE_NAME');
      assert.match(invalid.json().message, /^"CVE-2020-01234" is not a CVE name: sequence "01234" has a leading zero/);
      const unknown = await get('/api/v1/resolve?id=CVE-2098-99999');
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().error, 'CVE_RECORD_NOT_FOUND');
      assert.equal(unknown.json().details.cveId, 'CVE-2098-99999');
      assert.equal((await get('/api/v1/resolve')).statusCode, 400);
    });

    test('X1520-A.4.1 X1520-7.8: POST /api/v1/resolve takes a list or a pasted text, answers per name with reasons; 400 and 413 at the limits', async () => {
      const list = await t.app.inject({ method: 'POST', url: '/api/v1/resolve', payload: { ids: ['CAN-1999-0006', 'cve-2099-0002', 'CVE-2098-99999', 'nope'] } });
      assert.equal(list.statusCode, 200);
      const j = list.json();
      assert.deepEqual([j.count, j.found, j.unknown, j.invalid], [4, 2, 1, 1]);
      assert.deepEqual(j.results.map((r: { status: string }) => r.status), ['found', 'found', 'unknown', 'invalid']);
      assert.deepEqual(j.results[1].replacedBy, ['CVE-2099-0001']);
      assert.match(j.results[3].reason, /./);
      const text = await t.app.inject({ method: 'POST', url: '/api/v1/resolve', payload: { text: 'Fixes CVE-1999-0006 and can-2099-0002; see CVE-2021-01234.' } });
      assert.deepEqual(text.json().results.map((r: { cveId?: string; status: string }) => `${r.cveId ?? '-'}:${r.status}`), ['CVE-1999-0006:found', 'CVE-2099-0002:found', '-:invalid']);
      const plain = await t.app.inject({ method: 'POST', url: '/api/v1/resolve', headers: { 'content-type': 'text/plain' }, payload: 'see CVE-1999-0006' });
      assert.equal(plain.json().found, 1);
      const many = Array.from({ length: 10_001 }, (_, i) => `CVE-2024-${10000 + i}`);
      const tooMany = await t.app.inject({ method: 'POST', url: '/api/v1/resolve', payload: { ids: many } });
      assert.equal(tooMany.statusCode, 400);
      assert.equal(tooMany.json().error, 'BAD_REQUEST');
      const manyText = await t.app.inject({ method: 'POST', url: '/api/v1/resolve', payload: { text: many.join(' ') } });
      assert.equal(manyText.statusCode, 413);
      assert.equal(manyText.json().error, 'TOO_MANY_NAMES');
      const huge = await t.app.inject({ method: 'POST', url: '/api/v1/resolve', payload: { text: 'x'.repeat(5 * 1024 * 1024) } });
      assert.equal(huge.statusCode, 413);
      assert.equal(huge.json().error, 'PAYLOAD_TOO_LARGE');
      const wrong = await t.app.inject({ method: 'POST', url: '/api/v1/resolve', payload: { names: [] } });
      assert.equal(wrong.statusCode, 400);
      const ok10k = await t.app.inject({ method: 'POST', url: '/api/v1/resolve', payload: { ids: many.slice(0, 10_000) } });
      assert.equal(ok10k.statusCode, 200);
      assert.equal(ok10k.json().count, 10_000);
    });

    test('a malformed CVE name is said to be one once, with 400, on every /api/v1 route that takes a name', async () => {
      const once = /^"foo" is not a CVE name: expected CVE-YYYY-NNNN$/;
      for (const [url, code] of [['/api/v1/resolve?id=foo', 'NOT_A_CVE_NAME'], ['/api/v1/cve/foo', 'INVALID_CVE_ID'], ['/api/v1/cve/foo/versions', 'INVALID_CVE_ID'], ['/api/v1/cve/foo/sources', 'INVALID_CVE_ID']] as const) {
        const r = await get(url);
        assert.equal(r.statusCode, 400, url);
        assert.equal(r.json().error, code, url);
        assert.match(r.json().message, once, url);
      }
      // A record URL names a resource: 404 there, and the message says it once too.
      const page = await get('/cve/foo.json');
      assert.equal(page.statusCode, 404);
      assert.match(page.json().message, once);
      const leading = (await get('/api/v1/cve/CVE-2020-01234')).json();
      assert.match(leading.message, /^"CVE-2020-01234" is not a CVE name: sequence "01234" has a leading zero/);
    });

    test('X1520-9.1 X1520-9.3 X1520-9.5: status, sources (content date, next update) and stats answer with the content date', async () => {
      const status = (await get('/api/v1/status')).json();
      assert.match(status.contentDate, /^2025-01-24/);
      // Every JSON answer carries the statement (docs/api.md), status too.
      assert.match(status.contentStatement, /^CVE content as of 2025-01-24 \d\d:\d\dZ \(source sample\)/);
      // Known sources never read are listed with the command that reads them (X1520-9.5).
      const missing = status.notImported as { id: string; label: string; command: string }[];
      assert.ok(missing.some((k) => k.id === 'nvd'), JSON.stringify(missing));
      assert.ok(!missing.some((k) => status.sources.some((s: { kind: string }) => k.id === s.kind)), 'an imported source is not listed as missing');
      for (const k of missing) assert.match(k.command, /^cvekit /);
      const sources = (await get('/api/v1/sources')).json();
      assert.ok(sources.sources.some((s: { id: string; contentDate?: string }) => s.id === 'sample' && s.contentDate));
      assert.match(sources.contentStatement, /^CVE content as of 2025-01-24/);
      const stats = (await get('/api/v1/stats')).json();
      assert.ok(stats.byYear.length > 5);
      assert.ok(stats.byState.some((s: { value: string }) => s.value === 'REJECTED'));
      assert.ok(stats.topCwes.length > 0 && stats.topVendors.length > 0 && stats.kevByMonth.length > 0 && stats.bySeverity.length > 0);
      assert.equal(stats.outOfDate, false);
    });

    test('feeds: new, updated and rejected in Atom and RSS, filtered by the search parameters, the content date in the subtitle (X1520-9.1)', async () => {
      for (const kind of ['new', 'updated', 'rejected']) {
        const atom = await get(`/feeds/${kind}.atom?limit=10`);
        assert.equal(atom.statusCode, 200, kind);
        assert.match(String(atom.headers['content-type']), /^application\/atom\+xml/);
        assert.ok(xmllint(atom.body).ok, kind);
        assert.match(atom.body, /<subtitle>CVE content as of 2025-01-24 \d\d:\d\dZ \(source sample\)<\/subtitle>/);
        assert.match(atom.body, /<title>CVE-\d{4}-\d+/, 'entries titled with their CVE name (X1520-6.10)');
        assert.ok((atom.body.match(/<entry>/g) ?? []).length <= 10);
        const rss = await get(`/feeds/${kind}.rss?limit=10`);
        assert.match(String(rss.headers['content-type']), /^application\/rss\+xml/);
        assert.ok(xmllint(rss.body).ok, kind);
        assert.match(rss.body, /<description>[^<]*CVE content as of 2025-01-24/);
      }
      const rejected = await get('/feeds/rejected.atom');
      assert.match(rejected.body, /<title>CVE-2099-0002: REJECTED, use CVE-2099-0001<\/title>/);
      const kev = await get('/feeds/updated.atom?kev=yes&limit=50');
      const ids = [...kev.body.matchAll(/<id>[^<]*\/cve\/(CVE-[\d-]+)<\/id>/g)].map((m) => m[1]);
      assert.ok(ids.length > 0);
      for (const id of ids.slice(0, 5)) assert.ok((await t.store.search.search({ cveIds: [id], kev: true, limit: 1 })).items.some((h) => h.cveId === id));
      assert.match(kev.body, /<title>cvekit: Updated CVE records \(filtered\)<\/title>/);
    });

    test('X1520-B.4.3 X1520-9.1: /api/v1/export streams JSON Lines, CSV and cve_1.0 XML (valid against the XSD) with the content date first', async () => {
      const jsonl = await get('/api/v1/export?format=jsonl&year=1999');
      const lines = jsonl.body.trim().split('\n');
      assert.match(JSON.parse(lines[0]).cvekitExport.contentStatement, /^CVE content as of 2025-01-24/);
      const stored = await t.store.getRecord('CVE-1999-0006');
      assert.ok(lines.includes(stored!.json), 'records exported as stored');
      assert.ok(lines.slice(1).every((l) => JSON.parse(l).cveMetadata.cveId.startsWith('CVE-1999-')));
      assert.match(String(jsonl.headers['content-disposition']), /attachment; filename="cvekit-export-2025-01-24\.jsonl"/);
      const csv = await get('/api/v1/export?format=csv&q=kev:yes');
      assert.match(csv.body.split('\r\n')[1], /,yes,/);
      const xml = await get('/api/v1/export?format=xml&q=state:rejected');
      const lint = xmllint(xml.body, { schema: sharedData('mitre-xml', 'cve_1.0.xsd') });
      assert.ok(lint.ok, lint.messages);
      assert.match(xml.body, /^<\?xml[^>]*>\n<!-- CVE content as of 2025-01-24/);
      const none = await get('/api/v1/export?format=xml&year=1998');
      assert.equal(none.statusCode, 404);
      assert.equal((await get('/api/v1/export?format=pdf')).statusCode, 400);
    });

    test('NVD CVE API 2.0-compatible endpoint: envelope, paging by startIndex, filters, a single cveId', async () => {
      const r = await get('/rest/json/cves/2.0?resultsPerPage=5');
      assert.equal(r.statusCode, 200);
      const j = r.json();
      assert.deepEqual(Object.keys(j).slice(0, 7), ['resultsPerPage', 'startIndex', 'totalResults', 'format', 'version', 'timestamp', 'cveContent']);
      assert.deepEqual([j.resultsPerPage, j.startIndex, j.format, j.version], [5, 0, 'NVD_CVE', '2.0']);
      assert.ok(j.totalResults >= 3000);
      assert.equal(j.vulnerabilities.length, 5);
      assert.match(j.vulnerabilities[0].cve.id, /^CVE-/);
      const p2 = (await get('/rest/json/cves/2.0?resultsPerPage=5&startIndex=5')).json();
      const p1and2 = (await get('/rest/json/cves/2.0?resultsPerPage=10')).json();
      assert.deepEqual(
        [...j.vulnerabilities, ...p2.vulnerabilities].map((v: { cve: { id: string } }) => v.cve.id),
        p1and2.vulnerabilities.map((v: { cve: { id: string } }) => v.cve.id),
      );
      const far = (await get('/rest/json/cves/2.0?resultsPerPage=3&startIndex=2500')).json();
      assert.equal(far.vulnerabilities.length, 3);
      const one = (await get('/rest/json/cves/2.0?cveId=CVE-1999-0006')).json();
      assert.equal(one.totalResults, 1);
      assert.equal(one.vulnerabilities[0].cve.id, 'CVE-1999-0006');
      const kev = (await get('/rest/json/cves/2.0?hasKev&noRejected&resultsPerPage=20')).json();
      assert.ok(kev.totalResults > 0);
      assert.ok(kev.vulnerabilities.every((v: { cve: { cisaExploitAdd?: string; vulnStatus: string } }) => v.cve.cisaExploitAdd && v.cve.vulnStatus !== 'Rejected'));
      const dated = (await get('/rest/json/cves/2.0?pubStartDate=2024-10-01T00:00:00.000&pubEndDate=2024-12-31T23:59:59.999Z')).json();
      assert.ok(dated.totalResults > 0);
      assert.ok(dated.vulnerabilities.every((v: { cve: { published: string } }) => v.cve.published >= '2024-10-01' && v.cve.published < '2025-01-01'));
      const sev = (await get('/rest/json/cves/2.0?cvssV3Severity=CRITICAL&resultsPerPage=10')).json();
      assert.ok(sev.totalResults > 0);
      const exact = (await get('/rest/json/cves/2.0?keywordSearch=buffer%20overflow&keywordExactMatch')).json();
      const loose = (await get('/rest/json/cves/2.0?keywordSearch=buffer%20overflow')).json();
      assert.ok(exact.totalResults > 0 && exact.totalResults <= loose.totalResults);
      const cwe = (await get('/rest/json/cves/2.0?cweId=CWE-79&resultsPerPage=5')).json();
      assert.ok(cwe.vulnerabilities.every((v: { cve: { weaknesses?: { description: { value: string }[] }[] } }) => v.cve.weaknesses?.some((w) => w.description.some((d) => d.value === 'CWE-79'))));
    });

    test("NVD CVE API 2.0-compatible endpoint: NVD's refusals (404, empty body, reason in the message header)", async () => {
      const cases: [string, RegExp][] = [
        ['pubStartDate=2024-01-01T00:00:00.000', /Both pubStartDate and pubEndDate are required/],
        ['lastModStartDate=2024-01-01T00:00:00&lastModEndDate=2024-06-01T00:00:00', /must not exceed 120 consecutive days/],
        ['pubStartDate=2024-13-01T00:00:00&pubEndDate=2024-12-01T00:00:00', /Invalid ISO 8601 date\/time format/],
        ['resultsPerPage=2001', /resultsPerPage/],
        ['cvssV3Severity=SEVERE', /cvssV3Severity/],
        ['cveId=2021-44228', /Invalid cveId/],
      ];
      for (const [qs, message] of cases) {
        const r = await get(`/rest/json/cves/2.0?${qs}`);
        assert.equal(r.statusCode, 404, qs);
        assert.equal(r.body, '', qs);
        assert.match(String(r.headers.message), message, qs);
      }
      const ok120 = await get('/rest/json/cves/2.0?lastModStartDate=2024-01-01T00:00:00Z&lastModEndDate=2024-04-30T00:00:00Z&resultsPerPage=1');
      assert.equal(ok120.statusCode, 200);
    });

    test('OpenAPI document with a schema on every API route, rendered server-side at /api/docs', async () => {
      const doc = (await get('/api/openapi.json')).json();
      assert.equal(doc.openapi, '3.0.3');
      for (const path of ['/api/v1/search', '/api/v1/resolve', '/api/v1/stats', '/api/v1/sources', '/api/v1/status', '/api/v1/export', '/api/v1/cve/{name}', '/api/v1/cve/{name}/diff', '/rest/json/cves/2.0', '/feeds/new.atom', '/cve/{name}', '/cve/year/{year}']) {
        assert.ok(doc.paths[path], path);
      }
      assert.ok(doc.paths['/api/v1/resolve'].post.requestBody);
      // Every JSON answer's schema lists contentStatement, status too; resolve documents its 400.
      for (const path of ['/api/v1/status', '/api/v1/sources', '/api/v1/stats', '/api/v1/resolve']) {
        assert.ok(doc.paths[path].get.responses['200'].content['application/json'].schema.properties.contentStatement, path);
      }
      assert.ok(doc.paths['/api/v1/resolve'].get.responses['400'], 'resolve: 400 for a malformed name');
      assert.ok(doc.paths['/api/v1/search'].get.parameters.some((p: { name: string }) => p.name === 'vendor'));
      assert.ok(doc.paths['/api/v1/search'].get.responses['200']);
      const page = await get('/api/docs');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<span class="method">POST<\/span><code>\/api\/v1\/resolve<\/code>/);
      assert.doesNotMatch(page.body, /<script(?! src="\/assets\/app\.js")/, 'no other script');
      assert.doesNotMatch(page.body, /https?:\/\/[^"]*\.(?:js|css)"/, 'nothing loaded from elsewhere');
    });

    test('CORS on read-only APIs and feeds (GET, preflight), none on pages or POST', async () => {
      assert.equal((await get('/api/v1/status')).headers['access-control-allow-origin'], '*');
      assert.equal((await get('/feeds/new.atom?limit=1')).headers['access-control-allow-origin'], '*');
      assert.equal((await get('/rest/json/cves/2.0?resultsPerPage=1')).headers['access-control-allow-origin'], '*');
      const pre = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/search', headers: { origin: 'https://example.org', 'access-control-request-method': 'GET' } });
      assert.equal(pre.statusCode, 204);
      assert.equal(pre.headers['access-control-allow-methods'], 'GET, HEAD, OPTIONS');
      assert.equal((await get('/')).headers['access-control-allow-origin'], undefined);
      assert.equal((await get('/cve/CVE-1999-0006')).headers['access-control-allow-origin'], undefined);
      const post = await t.app.inject({ method: 'POST', url: '/api/v1/resolve', payload: { ids: ['CVE-1999-0006'] } });
      assert.equal(post.headers['access-control-allow-origin'], undefined);
    });

    test('rate limit per client address: 429 with Retry-After once the bucket is empty, pages not limited', async () => {
      const app = await buildApp({ store: t.store, now: () => NOW, rateLimit: { capacity: 3, refillPerSecond: 0.5 } });
      try {
        for (let i = 0; i < 3; i++) assert.equal((await app.inject('/api/v1/status')).statusCode, 200);
        const r = await app.inject('/api/v1/status');
        assert.equal(r.statusCode, 429);
        assert.equal(r.json().error, 'RATE_LIMITED');
        assert.equal(r.headers['retry-after'], '2');
        assert.equal(r.headers['ratelimit-remaining'], '0');
        assert.equal((await app.inject('/docs/cve')).statusCode, 200);
        const other = await app.inject({ url: '/api/v1/status', remoteAddress: '192.0.2.7' });
        assert.equal(other.statusCode, 200, 'another address has its own bucket');
      } finally {
        await app.close();
      }
    });

    test('behind a trusted proxy (CVEKIT_TRUST_PROXY) the forwarded client has the bucket and https its Secure cookie; anyone else forwarding is ignored', async () => {
      const limits = { capacity: 2, refillPerSecond: 0.01 };
      const viaProxy = await buildApp({ store: t.store, now: () => NOW, rateLimit: limits, trustProxy: ['loopback', '10.0.0.0/8'] });
      const oneHop = await buildApp({ store: t.store, now: () => NOW, rateLimit: limits, trustProxy: 1 });
      const direct = await buildApp({ store: t.store, now: () => NOW, rateLimit: limits });
      const from = (app: typeof direct, client: string, peer = '127.0.0.1') =>
        app.inject({ url: '/api/v1/status', remoteAddress: peer, headers: { 'x-forwarded-for': client } }).then((r) => r.statusCode);
      try {
        // Through the proxy: each client its own bucket.
        assert.deepEqual([await from(viaProxy, '198.51.100.1'), await from(viaProxy, '198.51.100.1'), await from(viaProxy, '198.51.100.1')], [200, 200, 429]);
        assert.equal(await from(viaProxy, '198.51.100.2'), 200, 'another client through the same proxy');
        assert.equal(await from(viaProxy, '198.51.100.3', '10.1.2.3'), 200, 'through another trusted proxy');
        assert.equal(await from(viaProxy, '198.51.100.1', '10.1.2.3'), 429, 'the first client, whichever proxy it comes through');
        // A peer that is not a trusted proxy cannot choose its address by a header.
        assert.deepEqual([await from(viaProxy, '203.0.113.1', '192.0.2.50'), await from(viaProxy, '203.0.113.2', '192.0.2.50'), await from(viaProxy, '203.0.113.3', '192.0.2.50')], [200, 200, 429]);
        // One trusted hop: the address the nearest proxy saw, not what the client wrote before it.
        assert.deepEqual([await from(oneHop, '6.6.6.6, 198.51.100.9'), await from(oneHop, '7.7.7.7, 198.51.100.9'), await from(oneHop, '8.8.8.8, 198.51.100.9')], [200, 200, 429]);
        assert.equal(await from(oneHop, '6.6.6.6, 198.51.100.10'), 200, 'another address seen by the proxy');
        // No trusted proxy (the default): the header changes nothing.
        assert.deepEqual([await from(direct, '203.0.113.1'), await from(direct, '203.0.113.2'), await from(direct, '203.0.113.3')], [200, 200, 429]);
        // The scheme: a sign-in page behind a TLS proxy sets a Secure cookie, and only then.
        const cookie = async (app: typeof direct) =>
          String((await app.inject({ url: '/cna/login', headers: { 'x-forwarded-proto': 'https' } })).headers['set-cookie']);
        assert.match(await cookie(viaProxy), /; Secure$/);
        assert.doesNotMatch(await cookie(direct), /Secure/);
      } finally {
        await Promise.all([viaProxy.close(), oneHop.close(), direct.close()]);
      }
    });

    test('X1520-8.1 X1520-8.4 X1520-9.3 X1520-9.4 X1520-9.5: /docs/cve says where content comes from, how it is selected and when it is next updated', async () => {
      const r = await get('/docs/cve');
      assert.match(r.body, /<h2 id="sources">Where the content comes from<\/h2>/);
      assert.match(r.body, /<h2 id="selection">How content is selected<\/h2>/);
      assert.match(r.body, /<h2 id="next">When the content is next updated<\/h2>/);
      assert.match(r.body, /No automatic update is scheduled/);
      assert.match(r.body, /<h2 id="index">Index<\/h2>\s*<ul><li><a href="#cve">CVE<\/a>/);
      await t.store.upsertSource({ id: 'sample', kind: 'sample', nextSyncAt: '2025-02-01T06:00:00.000Z' });
      const fresh = await buildApp({ store: t.store, now: () => NOW });
      try {
        assert.match((await fresh.inject('/docs/cve')).body, /The next update from the CVE List is planned for <strong><time datetime="2025-02-01T06:00:00.000Z">/);
      } finally {
        await fresh.close();
      }
    });

    test('home page: search box and server-rendered SVG charts with titles, descriptions and data tables', async () => {
      const r = await get('/');
      assert.equal(r.statusCode, 200);
      for (const id of ['ch-years', 'ch-state', 'ch-sev', 'ch-cwe', 'ch-vendor', 'ch-kev']) {
        assert.match(r.body, new RegExp(`<figure class="chart" id="${id}">\\s*<figcaption id="${id}-t">`), id);
        assert.match(r.body, new RegExp(`<svg viewBox="[^"]+" role="img" aria-labelledby="${id}-t ${id}-d"`), id);
        assert.match(r.body, new RegExp(`<desc id="${id}-d">[^<]+</desc>`), id);
      }
      assert.match(r.body, /<details class="chart-data"><summary>Table: Records per year<\/summary>/);
      assert.match(r.body, /<a href="\/cve\/year\/1999">1999<\/a>/);
      assert.match(r.body, /<form action="\/search" method="get" role="search"/);
    });
  });
}
