/**
 * The whole coordinated-disclosure flow in Chromium (issue 6 §8): a finder reports through
 * the public form (proof of work in the page); a PSIRT member signs in to the team pages
 * (a user of the CNA org) and, in the browser, triages, adds a vendor from the directory,
 * agrees an embargo, reserves a CVE ID through its CNA, drafts the record (live check) and
 * the advisory, talks to the finder and schedules publication; at the embargo's end (the injected clock advanced,
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
    let psirtKey = '';
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
      const cna = new CnaService(t.store);
      await cna.createOrg(SYSTEM_ACTOR, { shortName: 'lynxpsirt', name: 'Lynx PSIRT', roles: ['CNA'], idQuota: 10 });
      psirtKey = (await cna.createUser(SYSTEM_ACTOR, 'lynxpsirt', { username: 'ada', roles: ['ADMIN'] })).secret;
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

    test('report → triage → vendor → embargo → CVE → drafts → public record and advisory at the embargo end, every PSIRT step in the browser', async () => {
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

      // 2. A PSIRT member signs in (a user of the CNA org) and finds the report in the inbox.
      const psirt = await context.newPage();
      psirt.on('dialog', (d) => void d.accept());
      await psirt.goto(`${origin}/team`);
      await psirt.waitForURL(/\/team\/login\?next=/);
      await psirt.fill('#username', 'ada');
      await psirt.fill('#key', psirtKey);
      await psirt.click('main form button[type=submit]');
      await psirt.waitForURL(`${origin}/team`);
      const cookie = (await context.cookies(`${origin}/team`)).find((c) => c.name === 'cvekit_team');
      assert.ok(cookie?.httpOnly && cookie.sameSite === 'Strict' && cookie.path === '/team', 'session cookie flags');
      await shot(psirt, '3-team-inbox');
      await psirt.locator('tr', { hasText: 'Lynx Camera' }).locator('a').first().click();
      await psirt.waitForURL(/\/team\/reports\/rep_/);
      assert.match((await psirt.textContent('main')) ?? '', /Deduplication hints/);
      assert.match((await psirt.textContent('main')) ?? '', /katherine@example\.test/);
      await shot(psirt, '4-team-report');

      // 3. Triage: a new case, the report validated.
      await psirt.fill('input[name=title]', 'Lynx Camera session bypass');
      await psirt.click('button:has-text("Open a new case")');
      await psirt.waitForURL(/\/team\/cases\/case_[^/?]+\?done=/);
      const caseUrl = psirt.url().split('?')[0];
      const caseId = caseUrl.split('/').pop()!;
      assert.match((await psirt.textContent('main')) ?? '', /A new case was opened/);
      await psirt.click('section[aria-labelledby=h-reports] button:text-is("validate")');
      await psirt.waitForURL(/done=Report/);
      assert.match((await psirt.textContent('#h-reports ~ h3')) ?? '', /valid/);

      // 4. The vendor joins from the directory (added to it first), with a vulnerability and its status.
      await psirt.goto(`${origin}/team/vendors`);
      await psirt.fill('input[name=id]', 'lynx');
      await psirt.fill('input[name=name]', 'Lynx Optics');
      await psirt.fill('input[name=products]', 'Lynx Camera, Lynx Doorbell');
      await psirt.fill('input[name=email]', 'psirt@lynx.test');
      await psirt.click('button:has-text("Add to the directory")');
      await psirt.waitForURL(/\/team\/vendors\?done=1/);
      await psirt.goto(caseUrl);
      assert.match((await psirt.textContent('#vendorId')) ?? '', /Lynx Optics — makes a reported product/);
      await psirt.click('button:has-text("Add vendor")');
      await psirt.waitForURL(/done=Participant/);
      assert.match((await psirt.textContent('section[aria-labelledby=h-people]')) ?? '', /psirt@lynx\.test[\s\S]*notified/);
      await psirt.fill('section[aria-labelledby=h-vulns] input[name=title]', 'Session cookie authentication bypass');
      await psirt.click('button:has-text("Add vulnerability")');
      await psirt.waitForURL(/done=Vulnerability/);
      await psirt.selectOption('section[aria-labelledby=h-vulns] select[name=status]', 'affected');
      await psirt.fill('section[aria-labelledby=h-vulns] input[name=statement]', 'Fixed in 3.5.');
      await psirt.click('button:has-text("Set status")');
      await psirt.waitForURL(/done=Vendor/);
      assert.match((await psirt.textContent('section[aria-labelledby=h-vulns] table')) ?? '', /affected\s*Fixed in 3\.5\./);

      // 5. The embargo: the team default proposed and accepted; its end shown with its zone. Fix ready recorded.
      await psirt.click('button:has-text("Propose the team default")');
      await psirt.waitForURL(/done=Default/);
      await psirt.click('section[aria-labelledby=h-embargo] li button:has-text("Accept")');
      await psirt.waitForURL(/done=Embargo/);
      assert.equal((await psirt.textContent('[data-embargo-state]'))?.trim(), 'active');
      assert.match((await psirt.textContent('[data-embargo-end]')) ?? '', /^\d{4}-\d{2}-\d{2} 23:59:59 .*UTC[+-]\d{2}:\d{2}/);
      await psirt.selectOption('select[name=flag]', 'F');
      await psirt.click('button:has-text("Record flag")');
      await psirt.waitForURL(/done=Case/);
      assert.match((await psirt.getAttribute('[data-flag=F]', 'class')) ?? '', /on/);
      await shot(psirt, '5-team-case');

      // 6. A CVE ID through the CNA; the record drafted in the form with the live check.
      await psirt.click('button:has-text("Reserve a CVE ID")');
      await psirt.waitForURL(/done=Reserved/);
      const cveId = ((await psirt.textContent('[data-cve]')) ?? '').trim();
      assert.match(cveId, /^CVE-2025-\d{4,}$/);
      await psirt.click('a:has-text("Draft the CVE record")');
      await psirt.waitForURL(/\/cves\/v1\/draft/);
      assert.match((await psirt.textContent('[data-check]')) ?? '', /no reference/);
      await psirt.fill('#d-cwe', 'CWE-287');
      await psirt.fill('#d-cvss', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
      await psirt.fill('#d-versions', '3.0 < 3.5');
      await psirt.fill('#d-remediations', 'Update to 3.5.');
      await psirt.fill('#d-references', 'https://lynx.test/security/2025-1 Lynx advisory');
      await psirt.waitForFunction(() => /the record is valid/i.test(document.querySelector('[data-check]')?.textContent ?? ''));
      await shot(psirt, '6-team-draft');
      await psirt.click('button:has-text("Save the draft")');
      await psirt.waitForURL(/draft\?saved=1/);
      assert.match((await psirt.textContent('main')) ?? '', /Draft saved[\s\S]*The record is valid/);

      // 7. The advisory drafted and previewed; a message and an internal note; publication scheduled.
      await psirt.goto(caseUrl);
      await psirt.fill('#adv-summary', 'Authentication bypass in the Lynx Camera web console.');
      await psirt.click('button:has-text("Draft the advisory")');
      await psirt.waitForURL(/done=Advisory/);
      assert.match((await psirt.textContent('main')) ?? '', /Advisory drafted \(version 0\.1\.0, valid\)/);
      await psirt.click('a:has-text("preview")');
      await psirt.waitForURL(/\/advisory$/);
      assert.ok(((await psirt.textContent('main')) ?? '').includes(cveId));
      await shot(psirt, '7-team-advisory-preview');
      const csafDraft = await context.request.get(`${caseUrl}/advisory.json`);
      const draftDoc = (await csafDraft.json()) as { document: { tracking: { status: string; version: string } }; vulnerabilities: { cve: string }[] };
      assert.deepEqual([draftDoc.document.tracking.status, draftDoc.document.tracking.version, draftDoc.vulnerabilities.map((x) => x.cve)], ['draft', '0.1.0', [cveId]]);
      await psirt.goto(caseUrl);
      await psirt.fill('#msg-text', 'Thanks, we reproduced it. <b>not bold</b>');
      await psirt.click('section[aria-labelledby=h-msgs] > form button:has-text("Post")');
      await psirt.waitForURL(/done=Message/);
      await psirt.fill('#msg-text', 'Internal: the fix ships with 3.5.');
      await psirt.check('section[aria-labelledby=h-msgs] > form input[name=internal]');
      await psirt.click('section[aria-labelledby=h-msgs] > form button:has-text("Post")');
      await psirt.waitForURL(/done=Internal/);
      assert.equal(await psirt.locator('.msg b').count(), 0, 'message text is escaped');
      assert.equal(await psirt.locator('.msg.internal').count(), 1);
      await psirt.click('button:has-text("Schedule publication")');
      await psirt.waitForURL(/done=Publication/);
      assert.equal((await psirt.textContent('[data-plan]'))?.trim(), 'scheduled');
      assert.match((await psirt.textContent('#h-timeline ~ ol')) ?? '', new RegExp(`${cveId} reserved for v1`));
      await shot(psirt, '8-team-case-scheduled');

      // Every read and change through the pages is in the case's audit log, under the member's name.
      await psirt.click('a:has-text("Audit log")');
      await psirt.waitForURL(/\/audit$/);
      await psirt.waitForSelector('h1:has-text("Audit log")');
      const audit = (await psirt.textContent('main')) ?? '';
      for (const action of ['case.read', 'case.participant-add', 'case.cve-reserve', 'case.cve-draft', 'case.advisory-draft', 'case.publication-schedule', 'message.post', 'case.drafts-read']) {
        assert.ok(audit.includes(action), `audit has ${action}`);
      }
      assert.match(audit, /team:lynxpsirt\/ada/);

      // The finder sees the team's message, not the internal note.
      await page.goto(finderUrl);
      const finderView = (await page.textContent('main')) ?? '';
      assert.ok(finderView.includes('we reproduced it') && !finderView.includes('the fix ships with'));

      // Phone width: the case page reads without sideways scrolling.
      const phone = await context.newPage();
      await phone.setViewportSize({ width: 375, height: 740 });
      await phone.goto(caseUrl);
      assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal scroll at 375 px');
      await phone.screenshot({ path: join(ARTIFACTS, `${backend}-disclosure-9-team-case-phone.png`), fullPage: true });
      for (const url of [`${origin}/team`, `${origin}/team/cases`, `${origin}/team/vendors`, `${caseUrl}/cves/v1/draft`, `${caseUrl}/advisory`, `${caseUrl}/audit`]) {
        await phone.goto(url);
        const wide = await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1 ? ''
          : Array.from(document.querySelectorAll('main *')).filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map((e) => `${e.tagName}.${e.className}: ${(e.textContent ?? '').slice(0, 60)}`).join(' | '));
        assert.equal(wide, '', `no horizontal scroll at 375 px on ${url}`);
      }
      await phone.close();

      const embargo = { endsAt: ((await team('GET', `/api/v1/cases/${caseId}`)).embargo as { endsAt: string }).endsAt };

      // During the embargo: nothing public.
      const hidden = await context.newPage();
      await hidden.goto(`${origin}/cve/${cveId}`);
      assert.match((await hidden.textContent('h1')) ?? '', /not found/i);
      await hidden.goto(`${origin}/advisories`);
      assert.ok(!((await hidden.textContent('main')) ?? '').includes(cveId));
      await shot(hidden, '11-advisories-during-embargo');

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
      await shot(hidden, '12-record');
      await hidden.goto(`${origin}/search?q=${encodeURIComponent('Lynx Camera')}`);
      assert.ok((await hidden.locator(`a[href="/cve/${cveId}"]`).count()) > 0, 'found by search');
      await shot(hidden, '13-search');
      await hidden.goto(`${origin}/advisories`);
      const row = hidden.locator('tr', { hasText: cveId });
      assert.equal(await row.count(), 1);
      await shot(hidden, '14-advisories');
      await row.locator('a').first().click();
      await hidden.waitForURL(/\/advisories\/CVEKIT-SA-/);
      assert.ok(((await hidden.textContent('main')) ?? '').includes(cveId));
      await shot(hidden, '15-advisory');
      const phoneAdvisory = await context.newPage();
      await phoneAdvisory.setViewportSize({ width: 375, height: 740 });
      await phoneAdvisory.goto(hidden.url());
      assert.ok(await phoneAdvisory.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'the public advisory reads at 375 px');
      await phoneAdvisory.close();
      const json = await hidden.goto(`${hidden.url()}.json`);
      const csaf = (await json!.json()) as { document: { tracking: { status: string } }; vulnerabilities: { cve: string }[] };
      assert.equal(csaf.document.tracking.status, 'final');
      assert.deepEqual(csaf.vulnerabilities.map((v) => v.cve), [cveId]);

      // The finder's page still works and shows the exited embargo.
      await page.goto(finderUrl);
      assert.match((await page.textContent('main')) ?? '', /exited/);
      await shot(page, '16-finder-after');
      await psirt.goto(caseUrl);
      assert.equal((await psirt.textContent('[data-plan]'))?.trim(), 'published');
      await shot(psirt, '10-team-case-published');

      // Sign out: the session is gone server-side.
      await psirt.click('button:has-text("Sign out")');
      await psirt.waitForURL(/\/team\/login/);
      await psirt.goto(caseUrl);
      await psirt.waitForURL(/\/team\/login\?next=/);
      await page.close();
      await psirt.close();
      await hidden.close();
    });
  });
}
