/**
 * From case to CVE to advisory over HTTP, on the whole app with the sample: a reserved ID
 * is visible nowhere public (pages, search, feeds, APIs) until the embargo ends; then the
 * record is public with source `cna:<org>`, and the advisory under /advisories.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { validateCsaf } from '../advisories/index.ts';
import type { CsafDocument } from '../advisories/index.ts';
import { CnaService, SYSTEM_ACTOR } from '../cna/index.ts';
import { CasePublisher, DisclosureScheduler, DisclosureService, disclosureConfigFromEnv, solveChallenge } from '../disclosure/index.ts';
import { testBackends } from '../../test/support/stores.ts';
import { openTestApp } from './testing.ts';
import type { TestApp } from './testing.ts';

const TEAM_TOKEN = 'team-token-http-0123456789abcdefghijklmnopqrstuvwxyz';
const ENV = { CVEKIT_TEAM_TOKEN: TEAM_TOKEN, CVEKIT_CNA_ORG: 'otterpsirt', CVEKIT_POW_BITS: '4', CVEKIT_PUBLIC_URL: 'https://psirt.otter.test', CVEKIT_PUBLISHER_NAME: 'Otter PSIRT' };

for (const backend of testBackends()) {
  describe(`${backend}: case to CVE to advisory over HTTP`, () => {
    let t: TestApp;
    let clock = new Date('2025-02-03T10:00:00.000Z');
    const saved: Record<string, string | undefined> = {};
    const team = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
      t.app.inject({ method, url, headers: { authorization: `Bearer ${TEAM_TOKEN}` }, ...(payload ? { payload } : {}) });
    let caseId = '';
    let cveId = '';

    before(async () => {
      for (const [k, v] of Object.entries(ENV)) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
      t = await openTestApp(backend, { now: () => clock });
      await new CnaService(t.store).createOrg(SYSTEM_ACTOR, { shortName: 'otterpsirt', name: 'Otter PSIRT', roles: ['CNA'], idQuota: 50 });
      const ch = (await t.app.inject({ method: 'GET', url: '/api/v1/reports/challenge' })).json() as { nonce: string; bits: number };
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/reports', payload: {
        product: 'Otter NAS', version: '7.1', description: 'Path traversal in the Otter NAS file share API reads any file.', impact: 'information disclosure',
        finderName: 'Hedy Lamarr', finderContact: 'hedy@example.test', credit: 'named', challenge: { nonce: ch.nonce, counter: solveChallenge(ch.nonce, ch.bits) },
      } });
      assert.equal(r.statusCode, 201, r.body);
      const triaged = await team('POST', `/api/v1/reports/${(r.json() as { reportId: string }).reportId}/triage`, { title: 'Otter NAS traversal' });
      caseId = (triaged.json() as { id: string }).id;
      await team('POST', '/api/v1/vendors', { id: 'otter', name: 'Otter Systems', contacts: [{ email: 'psirt@otter.test' }], products: ['Otter NAS'] });
      assert.equal((await team('POST', `/api/v1/cases/${caseId}/vendors`, { vendorId: 'otter' })).statusCode, 201);
      await team('POST', `/api/v1/cases/${caseId}/commands`, { command: { type: 'add-vulnerability', vulnerability: { id: 'v1', title: 'File share API path traversal' } } });
      await team('POST', `/api/v1/cases/${caseId}/embargo`, { action: 'propose-default', proposalId: 'p1' });
      assert.equal((await team('POST', `/api/v1/cases/${caseId}/embargo`, { action: 'accept', proposalId: 'p1' })).statusCode, 200);
    });
    after(async () => {
      await t.close();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    it('reserves through the CNA; the ID is visible nowhere public', async () => {
      const anon = await t.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/cves`, payload: { vulnerabilityId: 'v1' } });
      assert.equal(anon.statusCode, 401);
      const r = await team('POST', `/api/v1/cases/${caseId}/cves`, { vulnerabilityId: 'v1' });
      assert.equal(r.statusCode, 201, r.body);
      cveId = (r.json() as { cveId: string }).cveId;
      assert.match(cveId, /^CVE-2025-\d+$/);
      const year = cveId.slice(4, 8);
      const routes = [
        `/cve/${cveId}`, `/cve/${cveId}/history`, `/api/v1/cve/${cveId}`, `/api/v1/cve/${cveId}/versions`, `/search?q=${cveId}`, `/api/v1/search?q=${cveId}`,
        `/api/v1/search?q=Otter`, `/search?q=Otter+NAS`, `/feeds/new.atom`, `/feeds/updated.atom`, `/cve/year/${year}`, `/api/v1/resolve?names=${cveId}`,
        `/rest/json/cves/2.0?cveId=${cveId}`, '/api/v1/stats', '/advisories', `/api/cve/${cveId}`, `/api/cve-id/${cveId}`,
      ];
      // A route that names the ID answers exactly as for a name never reserved (an echo of the
      // asked-for name is no leak); the others must not mention it at all.
      const control = 'CVE-2025-8888777';
      for (const url of routes) {
        const res = await t.app.inject({ method: 'GET', url });
        assert.ok(!res.body.includes('file share API') && !res.body.includes('Hedy') && !res.body.includes('Otter Systems'), `${url} shows nothing of the case`);
        if (url.includes(cveId) && url.includes('search')) {
          // Full text may match other records' words (VMSA-2025-0001); the reserved name itself is no hit.
          assert.ok(!res.body.includes(`"cveId":"${cveId}"`) && !res.body.includes(`href="/cve/${cveId}"`), `${url}: no hit for ${cveId}`);
        } else if (url.includes(cveId)) {
          const other = await t.app.inject({ method: 'GET', url: url.replaceAll(cveId, control) });
          if (url === `/api/cve-id/${cveId}`) {
            // CVE Services answers anyone with an ID's state and owner (spec §4.2.3); nothing about the case.
            assert.ok(!/Otter NAS|case/i.test(res.body), res.body);
            continue;
          }
          assert.equal(res.statusCode, other.statusCode, `${url}: same status as a name never reserved`);
          assert.equal(res.body.replaceAll(cveId, 'X').replace(/"[0-9a-f-]{36}"/g, ''), other.body.replaceAll(control, 'X').replace(/"[0-9a-f-]{36}"/g, ''), `${url}: same answer as a name never reserved`);
        } else {
          assert.ok(!res.body.includes(cveId), `${url} does not show ${cveId} (status ${res.statusCode})`);
        }
      }
      assert.equal((await t.app.inject({ method: 'GET', url: `/cve/${cveId}` })).statusCode, 404);
    });

    it('drafts with messages in words, refuses early publication, and publishes at the end', async () => {
      const bad = await team('PUT', `/api/v1/cases/${caseId}/cves/v1/draft`, {});
      assert.equal(bad.statusCode, 200);
      assert.match(JSON.stringify((bad.json() as { check: object }).check), /no reference: add at least one URL/);
      const good = await team('PUT', `/api/v1/cases/${caseId}/cves/v1/draft`, {
        cwe: { id: 'CWE-22' }, cvss: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N'], references: [{ url: 'https://psirt.otter.test/sa/1' }],
        versions: [{ version: '7.0', lessThan: '7.2', status: 'affected', versionType: 'semver' }], remediations: [{ category: 'vendor_fix', details: 'Update to 7.2.' }],
      });
      assert.deepEqual((good.json() as { check: object }).check, { ok: true, issues: [] });
      const adv = await team('POST', `/api/v1/cases/${caseId}/advisory`, { summary: 'Path traversal in Otter NAS.' });
      assert.equal(adv.statusCode, 200, adv.body);
      assert.equal((await team('POST', `/api/v1/cases/${caseId}/publication`, { action: 'schedule' })).statusCode, 200);
      const early = await team('POST', `/api/v1/cases/${caseId}/publication`, { action: 'publish-now' });
      assert.equal(early.statusCode, 409);
      assert.equal((early.json() as { error: string }).error, 'PUBLICATION_BLOCKED');
      assert.equal((await t.app.inject({ method: 'GET', url: `/cve/${cveId}` })).statusCode, 404);

      clock = new Date(clock.getTime() + 92 * 86_400_000);
      const now = () => clock;
      const service = new DisclosureService({ store: t.store, config: disclosureConfigFromEnv(), now });
      const tick = await new DisclosureScheduler({ service, publisher: new CasePublisher({ service, cna: new CnaService(t.store, { now }) }), now, sendMail: async () => undefined }).tick();
      assert.equal(tick.published, 1);

      const page = await t.app.inject({ method: 'GET', url: `/cve/${cveId}` });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /cna:otterpsirt/);
      assert.match(page.body, /Hedy Lamarr/);
      const search = await t.app.inject({ method: 'GET', url: `/api/v1/search?q=${encodeURIComponent('Otter NAS')}` });
      assert.match(search.body, new RegExp(cveId));
      const index = await t.app.inject({ method: 'GET', url: '/advisories' });
      assert.match(index.body, new RegExp(`<a href="/cve/${cveId}">${cveId}</a>`));
      const id = /href="\/advisories\/([^"]+)"/.exec(index.body)![1];
      const html = await t.app.inject({ method: 'GET', url: `/advisories/${id}` });
      assert.equal(html.statusCode, 200);
      assert.match(html.body, new RegExp(cveId));
      const json = await t.app.inject({ method: 'GET', url: `/advisories/${id}.json` });
      const csaf = json.json() as CsafDocument;
      assert.deepEqual(validateCsaf(csaf).errors, []);
      assert.equal(csaf.document.tracking.status, 'final');
      const text = await t.app.inject({ method: 'GET', url: `/advisories/${id}.txt` });
      assert.match(text.headers['content-type'] as string, /text\/plain/);
      assert.match(text.body, new RegExp(cveId));
      assert.equal((await t.app.inject({ method: 'GET', url: '/advisories/CVEKIT-SA-2025-NOPE' })).statusCode, 404);
      assert.equal((await t.app.inject({ method: 'GET', url: '/advisories/CVEKIT-SA-2025-NOPE.json' })).statusCode, 404);
    });
  });
}
