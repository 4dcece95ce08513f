import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { sharedData } from '../../test/support/paths.ts';
import { testBackends } from '../../test/support/stores.ts';
import { xmllint } from '../../test/support/xmllint.ts';
import { openTestApp, type TestApp } from './testing.ts';

const XSD = sharedData('mitre-xml', 'cve_1.0.xsd');
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;

for (const backend of testBackends()) {
  describe(`${backend}: records by name, formats and lists`, () => {
    let t: TestApp;
    before(async () => {
      t = await openTestApp(backend);
    });
    after(() => t.close());
    const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers });

    test('X1520-A.4.1.1 X1520-B.3.1: /cve/CVE-… in .html, .json, .xml and .txt, each naming the others in Link: rel=alternate', async () => {
      const stored = await t.store.getRecord('CVE-1999-0006');
      const expected: Record<string, RegExp> = { html: /^text\/html/, json: /^application\/json/, xml: /^application\/xml/, txt: /^text\/plain/ };
      for (const [ext, type] of Object.entries(expected)) {
        const r = await get(`/cve/CVE-1999-0006.${ext}`);
        assert.equal(r.statusCode, 200, ext);
        assert.match(String(r.headers['content-type']), type, ext);
        const link = String(r.headers.link);
        for (const other of Object.keys(expected)) assert.ok(link.includes(`</cve/CVE-1999-0006.${other}>; rel="alternate"`), `${ext} links ${other}`);
        assert.ok(r.body.includes('CVE-1999-0006'), `${ext} names the record (X1520-6.10)`);
      }
      const json = await get('/cve/CVE-1999-0006.json');
      assert.equal(json.body, stored?.json, 'the stored record, byte for byte');
      const xml = await get('/cve/CVE-1999-0006.xml');
      const lint = xmllint(xml.body, { schema: XSD });
      assert.ok(lint.ok, lint.messages);
      assert.match(xml.body, /<item type="CVE" name="CVE-1999-0006" seq="1999-0006">/);
      const txt = await get('/cve/CVE-1999-0006.txt');
      assert.equal(txt.body.split('\n')[0], 'CVE-1999-0006');
    });

    test('X1520-9.1: every format of a record states the content date and source', async () => {
      const html = await get('/cve/CVE-1999-0006');
      assert.match(html.body, /data-content-date>CVE content as of 2025-01-24 \d\d:\d\dZ \(source sample\)/);
      const json = await get('/cve/CVE-1999-0006.json');
      assert.match(String(json.headers['x-cve-content-date']), /^2025-01-24T/);
      assert.match((await get('/cve/CVE-1999-0006.xml')).body, /<!-- CVE content as of 2025-01-24 \d\d:\d\dZ \(source sample\)/);
      assert.match((await get('/cve/CVE-1999-0006.txt')).body, /^CVE content as of 2025-01-24 \d\d:\d\dZ \(source sample\)$/m);
    });

    test('content negotiation on Accept, with Vary: Accept; 406 when nothing offered fits', async () => {
      const cases: [string, RegExp][] = [
        ['application/json', /^application\/json/],
        ['text/plain', /^text\/plain/],
        ['application/xml;q=0.9, text/html;q=0.5', /^application\/xml/],
        ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', /^text\/html/],
        ['*/*', /^text\/html/],
      ];
      for (const [accept, type] of cases) {
        const r = await get('/cve/CVE-1999-0006', { accept });
        assert.equal(r.statusCode, 200, accept);
        assert.match(String(r.headers['content-type']), type, accept);
        assert.equal(r.headers.vary, 'Accept');
      }
      const none = await get('/cve/CVE-1999-0006', { accept: 'image/png' });
      assert.equal(none.statusCode, 406);
      assert.match(none.body, /available as text\/html, application\/json, application\/xml and text\/plain/);
      const data = await get('/cve/CVE-1999-0006', { accept: 'application/pdf, text/csv' });
      assert.equal(data.statusCode, 406);
      assert.equal(data.json().error, 'NOT_ACCEPTABLE');
    });

    test('X1520-10.1 X1520-10.2: other syntaxes with an extension answer 301 to the canonical URL with the same extension', async () => {
      for (const [input, target] of [
        ['can-1999-0006.xml', '/cve/CVE-1999-0006.xml'],
        ['1999-0006.txt', '/cve/CVE-1999-0006.txt'],
        ['CVE%201999%200006.html', '/cve/CVE-1999-0006.html'],
      ]) {
        const r = await get(`/cve/${input}`);
        assert.equal(r.statusCode, 301, input);
        assert.equal(r.headers.location, target);
      }
      const unknown = await get('/cve/CVE-2098-99999.json');
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().error, 'CVE_RECORD_NOT_FOUND');
      const invalid = await get('/cve/CVE-2020-01234.xml');
      assert.equal(invalid.statusCode, 404);
      assert.equal(invalid.json().error, 'NOT_A_CVE_NAME');
      assert.match(invalid.json().message, /leading zero/);
    });

    test('X1520-A.4.1.2: the CGI template /cgi-bin/cvename.cgi?name=… accepts GET and answers 301 to the record', async () => {
      const r = await get('/cgi-bin/cvename.cgi?name=CAN-1999-0067');
      assert.equal(r.statusCode, 301);
      assert.equal(r.headers.location, '/cve/CVE-1999-0067?q=CAN-1999-0067');
      const canonical = await get('/cgi-bin/cvename.cgi?name=CVE-1999-0006');
      assert.equal(canonical.headers.location, '/cve/CVE-1999-0006');
      const bad = await get('/cgi-bin/cvename.cgi?name=CVE-99-1');
      assert.equal(bad.statusCode, 404);
      assert.match(bad.body, /Not found/);
    });

    test('X1520-B.4.2: the record page shows the CNA and ADP containers readably: decoded CVSS, SSVC, CWE names, affected table with CPEs, tagged references, timeline', async () => {
      const r = await get('/cve/CVE-1999-0006');
      assert.equal(r.statusCode, 200);
      const b = r.body;
      assert.match(b, /<h2 id="desc">Description<\/h2><p lang="en" class="prose">Buffer overflow in POP servers/);
      assert.match(b, /<strong>CVSS 3\.1<\/strong> <span class="sev sev-critical">9\.8 CRITICAL<\/span> <span class="muted">from ADP CISA-ADP<\/span>/);
      assert.match(b, /<summary>Vector decoded \(8 metrics\)<\/summary>/);
      assert.match(b, /<td>Attack Vector <span class="muted mono">AV<\/span><\/td><td>Network <span class="muted mono">N<\/span><\/td>/);
      assert.match(b, /<strong>SSVC decision points<\/strong>/);
      assert.match(b, /<dt>Exploitation<\/dt><dd>none<\/dd>/);
      assert.match(b, /<a href="\/search\?cwe=CWE-125">CWE-125<\/a>: Out-of-bounds Read/);
      assert.match(b, /<table class="affected"><caption>Affected products and versions \(ADP CISA-ADP\)<\/caption>/);
      assert.match(b, /<span class="mono">cpe:2\.3:a:qualcomm:qpopper:2\.4:\*:\*:\*:\*:\*:\*:\*<\/span>/);
      assert.match(b, /<span class="tag">vendor-advisory<\/span>/);
      assert.doesNotMatch(b, /<span class="tag">x_refsource/, 'internal x_ tags are not shown');
      assert.match(b, /<h2 id="dates">Timeline<\/h2><ol class="timeline">/);
      assert.match(b, /Record published/);
      assert.match(b, /<h2 id="adp\d">Added by CISA-ADP: CISA ADP Vulnrichment<\/h2>/);
      // Only http(s) references are links; the ftp: one is shown as text.
      assert.match(b, /<span class="unsafe-url">19980801-01-I<\/span>/);
      assert.match(b, /<a href="http:\/\/www\.securityfocus\.com\/bid\/133" rel="noopener noreferrer nofollow">133<\/a>/);
    });

    test('the record page shows the KEV badge and catalog entry for a known exploited record', async () => {
      const kev = (await t.store.search.search({ kev: true, limit: 1, sort: 'id' })).items[0];
      assert.ok(kev, 'a KEV record in the sample');
      const r = await get(`/cve/${kev.cveId}`);
      assert.match(r.body, /<a class="badge bad" href="#kev" title="CISA Known Exploited Vulnerabilities catalog">KEV: known exploited, added \d{4}-\d\d-\d\d<\/a>/);
      assert.match(r.body, /<h2 id="kev">Known exploited \(CISA KEV\)<\/h2>/);
      assert.match(r.body, /<dt>Required action<\/dt>/);
    });

    test('X1520-7.7 X1520-7.8: a rejected record says so first, with the reason and a link to each replacement, in every format', async () => {
      const r = await get('/cve/CVE-2099-0002');
      const b = r.body;
      const main = b.slice(b.indexOf('<main'));
      const rejectedAt = main.indexOf('<h2 id="rej">This CVE name is rejected');
      assert.ok(rejectedAt > 0);
      assert.equal(main.slice(0, rejectedAt).includes('<h2'), false, 'nothing comes before the rejection notice');
      assert.match(main, /<strong>Reason:<\/strong>/);
      assert.match(main, /Use instead: <a href="\/cve\/CVE-2099-0001">CVE-2099-0001<\/a> <span class="muted">\(replaced by\)<\/span>/);
      assert.doesNotMatch(main, /<h2 id="desc">/, 'no description section as if it were a live record');
      assert.match((await get('/cve/CVE-2099-0002.txt')).body, /REJECTED: do not use CVE-2099-0002\. Use instead: CVE-2099-0001/);
      assert.match((await get('/cve/CVE-2099-0002.xml')).body, /\*\* REJECT \*\*/);
      const api = await get('/api/v1/cve/CVE-2099-0002');
      assert.deepEqual(api.json().replacedBy, ['CVE-2099-0001']);
      // The replacement's page says which rejected names point to it.
      assert.match((await get('/cve/CVE-2099-0001')).body, /Rejected names that point here: <a href="\/cve\/CVE-2099-0002">CVE-2099-0002<\/a>/);
    });

    test('X1520-7.7: the change history page lists versions and shows the fields changed between two', async () => {
      let id: string | undefined;
      for (const h of (await t.store.search.search({ limit: 400, sort: 'id' })).items) {
        if ((await t.store.listVersions(h.cveId)).length >= 2) {
          id = h.cveId;
          break;
        }
      }
      assert.ok(id, 'a record with two versions');
      const page = await get(`/cve/${id}`);
      assert.match(page.body, new RegExp(`<a href="/cve/${id}/history">Changes between versions</a>`));
      const h = await get(`/cve/${id}/history`);
      assert.equal(h.statusCode, 200);
      assert.match(h.body, /<h2 id="diff">Changes from version 1 to 2<\/h2>/);
      assert.match(h.body, /<table class="diff">/);
      assert.match(h.body, /<td class="mono">\/[^<]+<\/td><td>(added|removed|changed)<\/td>/);
      const picked = await get(`/cve/${id}/history?from=2&to=1`);
      assert.match(picked.body, /Changes from version 2 to 1/);
      assert.equal((await get(`/cve/${id}/history?from=1&to=9`)).statusCode, 404);
      assert.equal((await get(`/cve/${id!.toLowerCase()}/history`)).statusCode, 301);
    });

    test('X1520-B.3.2 X1520-A.4.1.1: per-year lists in four formats, the CVE name first on each row', async () => {
      const stats = await t.store.search.stats();
      const y1999 = stats.byYear.find((y) => y.year === 1999)?.count;
      assert.ok(y1999);
      const page = await get('/cve/year/1999');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<th scope="row"><a class="mono" href="\/cve\/CVE-1999-0006">CVE-1999-0006<\/a><\/th>/);
      assert.match(page.body, new RegExp(`${y1999} records\\.`));
      const json = (await get('/cve/year/1999.json')).json();
      assert.equal(json.count, y1999);
      assert.equal(json.items.length, y1999);
      assert.ok(json.items.every((i: { cveId: string }) => i.cveId.startsWith('CVE-1999-')));
      assert.match(json.contentStatement, /^CVE content as of 2025-01-24/);
      const txt = (await get('/cve/year/1999.txt')).body.split('\n');
      assert.equal(txt[0], 'CVE names of 1999');
      assert.match(txt[1], /^CVE content as of/);
      assert.ok(txt.slice(3).filter(Boolean).every((l) => /^CVE-1999-\d{4,}  /.test(l)));
      const xml = await get('/cve/year/1999.xml');
      const lint = xmllint(xml.body, { schema: XSD });
      assert.ok(lint.ok, lint.messages);
      assert.equal((xml.body.match(/<item /g) ?? []).length, y1999);
      const accept = await get('/cve/year/1999', { accept: 'application/json' });
      assert.equal(accept.json().count, y1999);
      const empty = await get('/cve/year/1998.xml');
      assert.equal(empty.statusCode, 404);
      assert.equal(empty.json().error, 'NO_RECORDS');
      assert.equal((await get('/cve/year/1998.json')).json().count, 0);
      assert.equal((await get('/cve/year/19999')).statusCode, 400);
    });

    test('X1520-7.7: the list of rejected names, newest first, in four formats with the names to use instead', async () => {
      const page = await get('/cve/rejected');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<h1>Rejected CVE names<\/h1>/);
      assert.match(page.body, /href="\/cve\/CVE-2099-0002"/);
      assert.match((await get('/cve/rejected.txt')).body, /^CVE-2099-0002  REJECTED  use CVE-2099-0001/m);
      const json = (await get('/cve/rejected.json')).json();
      assert.ok(json.items.every((i: { state: string }) => i.state === 'REJECTED'));
      assert.deepEqual(json.items.find((i: { cveId: string }) => i.cveId === 'CVE-2099-0002').replacedBy, ['CVE-2099-0001']);
      const lint = xmllint((await get('/cve/rejected.xml')).body, { schema: XSD });
      assert.ok(lint.ok, lint.messages);
    });

    test('hostile record: markup escaped in every format, javascript: and data: URLs shown never linked, bidi overrides shown, huge fields clipped on the page', async () => {
      const r = await get('/cve/CVE-2099-0001');
      assert.equal(r.statusCode, 200);
      const b = r.body;
      assert.doesNotMatch(b, /<script>(?!<\/script>)/i);
      assert.doesNotMatch(b, /<img src=x/i);
      assert.doesNotMatch(b, /href="(?:javascript|data):/i);
      assert.doesNotMatch(b, /<[a-z]+[^>]*\son[a-z]+=/i, 'no element carries an event handler');
      assert.match(b, /&lt;img src=x onerror=alert\(1\)&gt;/);
      assert.match(b, /<span class="unsafe-url">&lt;script&gt;x&lt;\/script&gt;<\/span> <span class="muted mono url">javascript:alert\(document\.cookie\)<\/span>/);
      assert.match(b, /<span class="unsafe-url">data:text\/html,&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/span>/);
      assert.doesNotMatch(b, BIDI, 'right-to-left overrides are never sent raw');
      assert.match(b, /invoice&lt;U\+202E&gt;gpj\.exe/);
      assert.ok(b.length < 300_000, `page size ${b.length}: 50 KB fields clipped`);
      assert.match(b, /more characters in the JSON record/);
      assert.doesNotMatch(String(r.headers['content-security-policy']), /unsafe-inline|unsafe-eval|\*/);
      // Text for people shows bidi overrides; XML is data and carries the text as written.
      assert.doesNotMatch((await get('/cve/CVE-2099-0001.txt')).body, BIDI);
      assert.doesNotMatch((await get('/cve/CVE-2099-0001.xml')).body, /<script>/);
      // Plain text is sent as text/plain with nosniff: markup in it is only text.
      const txt = await get('/cve/CVE-2099-0001.txt');
      assert.equal(txt.headers['x-content-type-options'], 'nosniff');
      assert.match(String(txt.headers['content-type']), /^text\/plain/);
      const lint = xmllint((await get('/cve/CVE-2099-0001.xml')).body, { schema: XSD });
      assert.ok(lint.ok, lint.messages);
    });
  });
}
