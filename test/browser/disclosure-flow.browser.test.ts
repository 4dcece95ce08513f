/**
 * The whole coordinated-disclosure flow in Chromium (issue 6 §8): a finder reports through
 * the public form (proof of work in the page), the PSIRT triages with its team token, adds
 * a vendor, agrees an embargo, reserves a CVE ID through its CNA, drafts the record and the
 * advisory and schedules publication; at the embargo's end (the injected clock advanced,
 * the scheduler ticked) the record and the advisory are public and searchable.
 * Screenshots go to test-artifacts/browser/.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CnaService, SYSTEM_ACTOR } from '../../src/cna/index.ts';
import { CasePublisher, DisclosureScheduler, DisclosureService, disclosureConfigFromEnv } from '../../src/disclosure/index.ts';
import { openTestApp, type TestApp } from '../../src/http/testing.ts';
import { REPO_ROOT } from '../support/paths.ts';
import { testBackends } from '../support/stores.ts';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'browser');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TEAM_TOKEN = 'team-token-browser-0123456789abcdefghijklmnopqrstuvwxyz';
const ENV = { CVEKIT_TEAM_TOKEN: TEAM_TOKEN, CVEKIT_CNA_ORG: 'lynxpsirt', CVEKIT_POW_BITS: '8', CVEKIT_PUBLIC_URL: 'http://127.0.0.1', CVEKIT_PUBLISHER_NAME: 'Lynx PSIRT' };

for (const backend of testBackends()) {
  describe(`${backend}: coordinated disclosure from report to publication in Chromium`, () => {
    let t: TestApp;
    let origin = '';
    let context: BrowserContext;
    let dir = '';
    let clock = new Date('2025-02-03T10:00:00.000Z');
    const saved: Record<string, string | undefined> = {};
    const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${backend}-disclosure-${name}.png`), fullPage: true });
    const team = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
      const r = await t.app.inject({ method, url, headers: { authorization: `Bearer ${TEAM_TOKEN}` }, ...(payload ? { payload } : {}) });
      assert.ok(r.statusCode < 300, `${method} ${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
      return r.json() as Record<string, unknown>;
    };

    before(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      for (const [k, v] of Object.entries(ENV)) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
      t = await openTestApp(backend, { now: () => clock });
      await new CnaService(t.store).createOrg(SYSTEM_ACTOR, { shortName: 'lynxpsirt', name: 'Lynx PSIRT', roles: ['CNA'], idQuota: 10 });
      origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
      dir = mkdtempSync(join(tmpdir(), 'cvekit-chromium-'));
      context = await chromium.launchPersistentContext(dir, { executablePath: process.env.CVEKIT_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
      await context.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort()));
    });
    after(async () => {
      await context?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      await t?.close();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    test('report → triage → vendor → embargo → CVE → drafts → public record and advisory at the embargo end', async () => {
      // 1. The finder reports through the public form; the page solves the proof of work.
      const page = await context.newPage();
      await page.goto(`${origin}/report`);
      await page.fill('#product', 'Lynx Camera');
      await page.fill('#version', '3.4');
      await page.fill('#description', 'The Lynx Camera web console accepts a crafted session cookie and logs the attacker in as admin.');
      await page.fill('#impact', 'authentication bypass');
      await page.fill('#finderName', 'Katherine Johnson');
      await page.fill('#finderContact', 'katherine@example.test');
      await shot(page, '1-report-form');
      await page.click('form[data-pow] button[type=submit]');
      await page.waitForURL(/\/report\/[A-Za-z0-9_-]{43}\?new=1/);
      assert.match((await page.textContent('main')) ?? '', /Your report was received/);
      const finderUrl = page.url().replace(/\?new=1$/, '');
      await shot(page, '2-finder-link');

      // 2. The PSIRT triages with its team token, adds the vendor, agrees the default embargo.
      const reports = (await team('GET', '/api/v1/reports?untriaged=true')).reports as { id: string; product: string }[];
      const reportId = reports.find((r) => r.product === 'Lynx Camera')!.id;
      const caseId = (await team('POST', `/api/v1/reports/${reportId}/triage`, { title: 'Lynx Camera session bypass' })).id as string;
      await team('POST', '/api/v1/vendors', { id: 'lynx', name: 'Lynx Optics', contacts: [{ email: 'psirt@lynx.test' }], products: ['Lynx Camera'] });
      await team('POST', `/api/v1/cases/${caseId}/vendors`, { vendorId: 'lynx' });
      await team('POST', `/api/v1/cases/${caseId}/commands`, { command: { type: 'add-vulnerability', vulnerability: { id: 'v1', title: 'Session cookie authentication bypass' } } });
      await team('POST', `/api/v1/cases/${caseId}/commands`, { command: { type: 'set-vendor-status', vulnerabilityId: 'v1', vendorId: 'vendor-lynx', status: 'affected', statement: 'Fixed in 3.5.' } });
      await team('POST', `/api/v1/cases/${caseId}/embargo`, { action: 'propose-default', proposalId: 'p1' });
      const embargo = (await team('POST', `/api/v1/cases/${caseId}/embargo`, { action: 'accept', proposalId: 'p1' })).embargo as { state: string; endsAt: string };
      assert.equal(embargo.state, 'active');

      // 3. A CVE ID through the CNA, the record and advisory drafts, publication scheduled.
      const cveId = (await team('POST', `/api/v1/cases/${caseId}/cves`, { vulnerabilityId: 'v1' })).cveId as string;
      const draft = await team('PUT', `/api/v1/cases/${caseId}/cves/v1/draft`, {
        cwe: { id: 'CWE-287' }, cvss: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'], references: [{ url: 'https://lynx.test/security/2025-1', name: 'Lynx advisory' }],
        versions: [{ version: '3.0', lessThan: '3.5', status: 'affected', versionType: 'semver' }], remediations: [{ category: 'vendor_fix', details: 'Update to 3.5.' }],
      });
      assert.deepEqual(draft.check, { ok: true, issues: [] });
      assert.deepEqual((await team('POST', `/api/v1/cases/${caseId}/advisory`, { summary: 'Authentication bypass in the Lynx Camera web console.' })).check, { ok: true, issues: [] });
      await team('POST', `/api/v1/cases/${caseId}/publication`, { action: 'schedule' });

      // During the embargo: nothing public.
      const hidden = await context.newPage();
      await hidden.goto(`${origin}/cve/${cveId}`);
      assert.match((await hidden.textContent('h1')) ?? '', /not found/i);
      await hidden.goto(`${origin}/advisories`);
      assert.ok(!((await hidden.textContent('main')) ?? '').includes(cveId));
      await shot(hidden, '3-advisories-during-embargo');

      // 4. The embargo ends: advance the clock past it and let the scheduler run.
      clock = new Date(Date.parse(embargo.endsAt) + 60_000);
      const now = () => clock;
      const service = new DisclosureService({ store: t.store, config: disclosureConfigFromEnv(), now });
      const tick = await new DisclosureScheduler({ service, publisher: new CasePublisher({ service, cna: new CnaService(t.store, { now }) }), now, sendMail: async () => undefined }).tick();
      assert.equal(tick.published, 1);

      // 5. Public and searchable: the record with source cna:lynxpsirt, the advisory listing the CVE.
      await hidden.goto(`${origin}/cve/${cveId}`);
      assert.equal(((await hidden.textContent('h1 .mono')) ?? '').trim(), cveId);
      const body = (await hidden.textContent('main')) ?? '';
      assert.match(body, /cna:lynxpsirt/);
      assert.match(body, /Katherine Johnson/);
      await shot(hidden, '4-record');
      await hidden.goto(`${origin}/search?q=${encodeURIComponent('Lynx Camera')}`);
      assert.ok((await hidden.locator(`a[href="/cve/${cveId}"]`).count()) > 0, 'found by search');
      await shot(hidden, '5-search');
      await hidden.goto(`${origin}/advisories`);
      const row = hidden.locator('tr', { hasText: cveId });
      assert.equal(await row.count(), 1);
      await shot(hidden, '6-advisories');
      await row.locator('a').first().click();
      await hidden.waitForURL(/\/advisories\/CVEKIT-SA-/);
      assert.ok(((await hidden.textContent('main')) ?? '').includes(cveId));
      await shot(hidden, '7-advisory');
      const json = await hidden.goto(`${hidden.url()}.json`);
      const csaf = (await json!.json()) as { document: { tracking: { status: string } }; vulnerabilities: { cve: string }[] };
      assert.equal(csaf.document.tracking.status, 'final');
      assert.deepEqual(csaf.vulnerabilities.map((v) => v.cve), [cveId]);

      // The finder's page still works and shows the exited embargo.
      await page.goto(finderUrl);
      assert.match((await page.textContent('main')) ?? '', /exited/);
      await shot(page, '8-finder-after');
      await page.close();
      await hidden.close();
    });
  });
}
