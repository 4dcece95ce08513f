/**
 * X1520-6.13 / 9.1 on every page: each HTML page the app serves states the date of the CVE
 * content it was built against — the public pages, and also the CNA workbench, the team
 * pages, the finder's pages and the published advisories. The pages are found from the
 * app's own route table (`routeTable`), so a new page is checked without anyone listing it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../../test/support/stores.ts';
import { routeTable } from './disclosure-web.ts';
import { openTestApp, type TestApp } from './testing.ts';

const LINE = /data-content-date>CVE content as of 2025-01-24 \d\d:\d\dZ \(source sample\)/;
/** Values for the path parameters: real ones where a page needs them to exist. */
const PARAMS: Record<string, string> = { name: 'CVE-1999-0006', id: 'CVE-1999-0006', year: '2000', cveId: 'CVE-1999-0006', token: 'Z'.repeat(43) };

for (const backend of testBackends()) {
  describe(`${backend}: the content date on every page`, () => {
    let t: TestApp;
    before(async () => {
      t = await openTestApp(backend);
    });
    after(() => t.close());

    it('X1520-6.13 X1520-9.1: every HTML answer to a GET of every route states the content date and its source', async () => {
      const urls = [...new Set(routeTable(t.app).filter((r) => r.method === 'GET').map((r) => r.url))]
        .filter((u) => !u.includes('*') && !u.startsWith('/api/') && !u.includes('/assets/'))
        .map((u) => u.replace(/:([A-Za-z]+)/g, (_m, name: string) => PARAMS[name] ?? 'x'));
      const html: string[] = [];
      for (const url of urls) {
        const r = await t.app.inject({ method: 'GET', url });
        assert.ok(r.statusCode < 500, `${url}: ${r.statusCode}`);
        if (!String(r.headers['content-type']).startsWith('text/html')) continue;
        html.push(url);
        assert.match(r.body, LINE, `${url} (${r.statusCode}) states the content date`);
      }
      // The walk reached the parts that draw their own pages, not only the public ones.
      for (const part of ['/team/login', '/cna/login', '/report', '/advisories', '/cve/CVE-1999-0006', '/']) assert.ok(html.includes(part), `${part} was walked: ${html.join(' ')}`);
    });
  });
}
