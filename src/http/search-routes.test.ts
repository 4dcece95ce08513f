import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { sharedData } from '../../test/support/paths.ts';
import { testBackends } from '../../test/support/stores.ts';
import { xmllint } from '../../test/support/xmllint.ts';
import { openTestApp, type TestApp } from './testing.ts';

const unescape = (s: string) => s.replace(/&amp;/g, '&');

for (const backend of testBackends()) {
  describe(`${backend}: search page and API`, () => {
    let t: TestApp;
    before(async () => {
      t = await openTestApp(backend);
    });
    after(() => t.close());
    const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers });

    test('X1520-6.9 X1520-B.4.1: words give ranked results with a total, facets with counts, sort and a next-page cursor', async () => {
      const r = await get('/search?q=buffer+overflow');
      assert.equal(r.statusCode, 200);
      const total = Number(/<h2 id="results-h">([\d,]+) records?<\/h2>/.exec(r.body)?.[1].replace(/,/g, ''));
      assert.ok(total > 25, `total ${total}`);
      assert.equal((r.body.match(/<li class="hit">/g) ?? []).length, 25);
      assert.match(r.body, /<section class="facet" aria-labelledby="f-vendor"><h3 id="f-vendor">Vendor<\/h3>/);
      assert.match(r.body, /<span class="count">\d+<\/span>/);
      assert.match(r.body, /<option value="relevance" selected>Relevance<\/option>/);
      const next = /<a rel="next" href="([^"]+)">/.exec(r.body)?.[1];
      assert.ok(next, 'a next page link');
      const page2 = await get(unescape(next));
      assert.equal(page2.statusCode, 200);
      const ids1 = [...r.body.matchAll(/<h3><a href="\/cve\/(CVE-[\d-]+)"/g)].map((m) => m[1]);
      const ids2 = [...page2.body.matchAll(/<h3><a href="\/cve\/(CVE-[\d-]+)"/g)].map((m) => m[1]);
      assert.ok(ids2.length > 0);
      assert.equal(ids1.filter((id) => ids2.includes(id)).length, 0, 'pages do not overlap');
      assert.match(page2.body, /<a href="\/search\?q=buffer\+overflow">First page<\/a>/);
    });

    test('past 1,000 hits the facets are estimates and say so (API facetSample, page "≈"); facets=exact counts every hit', async () => {
      const est = (await get('/api/v1/search?limit=5')).json();
      assert.equal(est.total, 3002);
      assert.equal(est.facetSample.of, 3002);
      assert.ok(est.facetSample.size > 700 && est.facetSample.size < 1300, `sample ${est.facetSample.size}`);
      const exact = (await get('/api/v1/search?limit=5&facets=exact')).json();
      assert.equal(exact.facetSample, undefined);
      assert.deepEqual(exact.items, est.items);
      const sum = (f: { count: number }[]) => f.reduce((a, x) => a + x.count, 0);
      assert.equal(sum(exact.facets.state), 3002);
      assert.ok(Math.abs(sum(est.facets.state) - 3002) <= est.facets.state.length);
      const small = (await get('/api/v1/search?q=remote&limit=5')).json();
      assert.ok(small.total <= 1000);
      assert.equal(small.facetSample, undefined);
      assert.deepEqual(small.facets, (await get('/api/v1/search?q=remote&limit=5&facets=exact')).json().facets);
      const page = await get('/search');
      assert.match(page.body, /Counts are estimates \(≈\) from [\d,]+ of the 3,002 results/);
      assert.match(page.body, /<span class="count">≈ [\d,]+<\/span>/);
      assert.doesNotMatch((await get('/search?q=remote')).body, /≈/);
    });

    test("NVD endpoint: cvssV3Severity reads CVSS v3.0 metrics as well as v3.1", async () => {
      const critical = (await t.store.search.search({ limit: 2000, cvssVersion: '3.0', severities: ['CRITICAL'] })).items.map((h) => h.cveId);
      const only30 = [];
      for (const id of critical) {
        const rec = JSON.parse((await t.store.getRecord(id))!.json);
        const containers = [rec.containers.cna, ...(rec.containers.adp ?? [])];
        if (!containers.some((c: { metrics?: { cvssV3_1?: unknown }[] }) => c.metrics?.some((m) => m.cvssV3_1))) only30.push(id);
      }
      assert.ok(only30.length > 0, 'the sample has records scored CRITICAL in CVSS v3.0 only');
      const body = (await get('/rest/json/cves/2.0?cvssV3Severity=CRITICAL&resultsPerPage=2000')).json();
      const got = new Set(body.vulnerabilities.map((v: { cve: { id: string } }) => v.cve.id));
      for (const id of only30) assert.ok(got.has(id), `${id} (v3.0 CRITICAL) is in cvssV3Severity=CRITICAL`);
      // docs/api.md says so wherever it speaks of the filter.
      const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
      const claims = doc.match(/`cvssV3Severity` reads .{0,40}/g) ?? [];
      assert.ok(claims.length >= 2, claims.join(' | '));
      for (const claim of claims) assert.match(claim, /reads CVSS v3\.0 and v3\.1 metrics alike/, claim);
    });

    test('facet links add a filter and the active filter links remove it, without JavaScript', async () => {
      const r = await get('/search?q=overflow');
      const add = /<section class="facet" aria-labelledby="f-severity">.*?<a href="([^"]+)"><span class="check" aria-hidden="true">☐<\/span> (\w+) <span class="count">(\d+)<\/span>/s.exec(r.body);
      assert.ok(add, 'a severity facet link');
      const [, href, value, count] = add;
      assert.match(unescape(href), new RegExp(`^/search\\?q=overflow&severity=${value}$`));
      const filtered = await get(unescape(href));
      assert.match(filtered.body, new RegExp(`<h2 id="results-h">${Number(count).toLocaleString('en')} records?</h2>`));
      assert.match(filtered.body, new RegExp(`aria-label="Remove filter severity ${value}">severity: ${value}`));
      const remove = new RegExp(`<a href="([^"]+)" aria-current="true" class="active"><span class="check" aria-hidden="true">☑</span> ${value} `).exec(filtered.body);
      assert.ok(remove, 'the selected facet value links to its removal');
      assert.equal(unescape(remove[1]), '/search?q=overflow');
    });

    test('the query syntax filters (vendor:, kev:yes, year:, state:) give the same result as parameters', async () => {
      const a = (await get('/api/v1/search?q=kev:yes%20year:2024&limit=100')).json();
      const b = (await get('/api/v1/search?kev=yes&year=2024&limit=100')).json();
      assert.ok(a.total > 0);
      assert.equal(a.total, b.total);
      assert.deepEqual(a.items.map((i: { cveId: string }) => i.cveId).sort(), b.items.map((i: { cveId: string }) => i.cveId).sort());
      assert.ok(a.items.every((i: { kev: boolean; cveId: string }) => i.kev && i.cveId.startsWith('CVE-2024-')));
      const rejected = (await get('/api/v1/search?q=state:rejected&limit=5')).json();
      assert.ok(rejected.items.every((i: { state: string }) => i.state === 'REJECTED'));
    });

    test('X1520-10.1 X1520-10.2: a CVE name in the search box goes to its record; "you searched X; the CVE name is Y"', async () => {
      const r = await get('/search?q=2024-4810');
      assert.equal(r.statusCode, 301);
      assert.equal(r.headers.location, '/cve/CVE-2024-4810?q=2024-4810');
      // With filters the page stays a search and says which name was meant; the exact name ranks first.
      const withFilter = await get('/search?q=can-1999-0006&state=PUBLISHED');
      assert.equal(withFilter.statusCode, 200);
      assert.match(withFilter.body, /You searched <code>can-1999-0006<\/code>; the CVE name is <a href="\/cve\/CVE-1999-0006"><strong>CVE-1999-0006<\/strong><\/a>/);
      assert.match(withFilter.body, /<li class="hit"><h3><a href="\/cve\/CVE-1999-0006" class="mono">CVE-1999-0006<\/a> <span class="badge ok">exact name match<\/span>/);
    });

    test('a query that cannot be parsed is shown with the mistake marked, and the API answers 400 with its position', async () => {
      const r = await get(`/search?q=${encodeURIComponent('vendor:apache "remote code')}`);
      assert.equal(r.statusCode, 400);
      assert.match(r.body, /<div class="problem" role="alert"><h2>The query could not be read<\/h2><p>unterminated quote[^<]*\(at character 15\)<\/p>/);
      assert.match(r.body, /<code>vendor:apache <mark>&quot;remote<\/mark> code<\/code>/);
      const typo = await get('/search?q=vendr:apache');
      assert.equal(typo.statusCode, 400);
      assert.match(typo.body, /vendor/);
      const api = await get(`/api/v1/search?q=${encodeURIComponent('kev:maybe')}`);
      assert.equal(api.statusCode, 400);
      assert.equal(api.json().error, 'QUERY_SYNTAX');
      assert.equal(api.json().details.position, 0);
    });

    test('X1520-6.10 X1520-9.1: GET /api/v1/search answers JSON with items, facets, total, cursor and the content date', async () => {
      const r = await get('/api/v1/search?q=overflow&limit=3');
      assert.equal(r.statusCode, 200);
      const j = r.json();
      assert.equal(j.items.length, 3);
      assert.ok(j.total >= 3);
      assert.ok(j.nextCursor);
      assert.ok(Array.isArray(j.facets.vendor));
      assert.match(j.items[0].cveId, /^CVE-\d{4}-\d{4,}$/);
      assert.equal(j.items[0].url, `/cve/${j.items[0].cveId}`);
      assert.match(j.contentDate, /^2025-01-24T/);
      assert.equal(j.outOfDate, false);
      assert.equal(r.headers['access-control-allow-origin'], '*');
      const next = (await get(`/api/v1/search?q=overflow&limit=3&cursor=${encodeURIComponent(j.nextCursor)}`)).json();
      assert.notEqual(next.items[0].cveId, j.items[0].cveId);
      assert.equal((await get('/api/v1/search?limit=5000')).statusCode, 400);
      // facets=no: the same page and total, without the facet counts (a cheaper answer).
      const bare = (await get('/api/v1/search?q=overflow&limit=3&facets=no')).json();
      assert.equal(bare.facets, undefined);
      assert.equal(bare.total, j.total);
      assert.deepEqual(bare.items.map((h: { cveId: string }) => h.cveId), j.items.map((h: { cveId: string }) => h.cveId));
      assert.equal((await get('/api/v1/search?q=overflow&facets=maybe')).statusCode, 400);
    });

    test('X1520-B.4.3: search results as CSV (format=csv or Accept: text/csv) and Atom, and as /search.json|.xml|.txt', async () => {
      const csv = await get('/api/v1/search?q=overflow&limit=5&format=csv');
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      const lines = csv.body.trim().split('\r\n');
      assert.match(lines[0], /^cveId,state,/);
      assert.equal(lines.length, 6);
      assert.match(lines[1], /^CVE-\d{4}-\d+,/);
      assert.match(lines[1], /CVE content as of 2025-01-24/);
      const accept = await get('/api/v1/search?q=overflow&limit=2', { accept: 'text/csv' });
      assert.match(String(accept.headers['content-type']), /^text\/csv/);
      const atom = await get('/api/v1/search?q=overflow&limit=5&format=atom');
      assert.match(String(atom.headers['content-type']), /^application\/atom\+xml/);
      assert.equal((atom.body.match(/<entry>/g) ?? []).length, 5);
      assert.match(atom.body, /<subtitle>CVE content as of 2025-01-24/);
      assert.ok(xmllint(atom.body).ok);
      const json = (await get('/search.json?q=overflow&limit=4')).json();
      assert.equal(json.items.length, 4);
      assert.ok(json.total >= 4);
      const xml = await get('/search.xml?q=overflow&limit=4');
      const lint = xmllint(xml.body, { schema: sharedData('mitre-xml', 'cve_1.0.xsd') });
      assert.ok(lint.ok, lint.messages);
      const txt = await get('/search.txt?q=overflow&limit=4');
      assert.equal(txt.body.trim().split('\n').length, 2 + 1 + 4 - 1 + 1);
      const negotiated = await get('/search?q=overflow&limit=2', { accept: 'application/json' });
      assert.equal(negotiated.json().items.length, 2);
      assert.ok(String((await get('/search?q=overflow')).headers.link).includes('</search.json?q=overflow>; rel="alternate"'));
    });
  });
}
