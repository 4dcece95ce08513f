/**
 * Browser tests in Chromium (playwright-core, Debian's /usr/bin/chromium): search, filters,
 * the record page, a rejected name's replacement link, reading without JavaScript, a phone
 * screen, keyboard and landmarks. Screenshots go to test-artifacts/browser/.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { openTestApp, type TestApp } from '../../src/http/testing.ts';
import { REPO_ROOT } from '../support/paths.ts';
import { testBackends } from '../support/stores.ts';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'browser');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function launch(options: { javaScriptEnabled?: boolean; width?: number; height?: number } = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cvekit-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CVEKIT_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    offline: false,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Only the app itself answers: any other host is refused (no internet in tests). */
async function localOnly(context: BrowserContext, origin: string): Promise<string[]> {
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin)) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return blocked;
}

for (const backend of testBackends()) {
  describe(`${backend}: the site in Chromium`, () => {
    let t: TestApp;
    let origin: string;
    let browser: Awaited<ReturnType<typeof launch>>;
    let blocked: string[];
    const cspErrors: string[] = [];
    const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${backend}-${name}.png`), fullPage: true });
    const open = async (path: string) => {
      const page = await browser.context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
      });
      await page.goto(`${origin}${path}`);
      return page;
    };

    before(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      t = await openTestApp(backend);
      origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
      browser = await launch();
      blocked = await localOnly(browser.context, origin);
    });
    after(async () => {
      await browser?.close();
      await t?.close();
    });

    test('X1520-B.4.1: search from the home page, results with a total, then a facet filter added and removed', async () => {
      const page = await open('/');
      await shot(page, 'home');
      await page.fill('#home-q', 'buffer overflow');
      await page.press('#home-q', 'Enter');
      await page.waitForURL(/\/search\?q=buffer\+overflow/);
      const heading = await page.textContent('#results-h');
      assert.match(heading ?? '', /^[\d,]+ records?$/);
      assert.ok((await page.locator('li.hit').count()) > 0);
      await shot(page, 'search');
      const facet = page.locator('section.facet[aria-labelledby="f-severity"] a').first();
      const value = (await facet.textContent())?.trim().split(/\s+/)[1];
      await facet.click();
      await page.waitForURL(/severity=/);
      assert.equal(await page.locator('a.chip').count(), 1);
      assert.match((await page.locator('a.chip').textContent()) ?? '', new RegExp(`severity: ${value}`));
      await shot(page, 'search-filtered');
      await page.locator('a.chip').click();
      await page.waitForURL((u) => !u.search.includes('severity='));
      assert.equal(await page.locator('a.chip').count(), 0);
      // With JavaScript the sort menu applies itself (progressive enhancement).
      await page.selectOption('#sort', 'published');
      await page.waitForURL(/sort=published/);
      await page.close();
    });

    test('X1520-B.4.2 X1520-6.10: the record page shows the name, decoded CVSS on demand and the sections in order', async () => {
      const page = await open('/cve/CVE-1999-0006');
      assert.equal(await page.locator('h1 .mono').textContent(), 'CVE-1999-0006');
      const details = page.locator('details', { hasText: 'Vector decoded' }).first();
      assert.equal(await details.locator('table').isVisible(), false);
      await details.locator('summary').click();
      assert.equal(await details.locator('table').isVisible(), true);
      assert.ok(await page.getByRole('cell', { name: /Attack Vector/ }).first().isVisible());
      await shot(page, 'record');
      await page.close();
    });

    test('X1520-7.7 X1520-7.8: an old-syntax name of a rejected record redirects to it, which says so first and links its replacement', async () => {
      const page = await open('/cve/can-2099-0002');
      assert.match(page.url(), /\/cve\/CVE-2099-0002\?q=can-2099-0002$/);
      assert.match((await page.locator('p.notice').first().textContent()) ?? '', /You searched can-2099-0002; the CVE name is CVE-2099-0002/);
      const alert = page.getByRole('alert');
      assert.match((await alert.locator('h2').textContent()) ?? '', /This CVE name is rejected/);
      await shot(page, 'rejected');
      const link = alert.locator('.use-instead a').first();
      const target = await link.textContent();
      await link.click();
      await page.waitForURL(new RegExp(`/cve/${target}$`));
      assert.equal(await page.locator('h1 .mono').textContent(), target);
      // A real rejected record of the sample: the notice and its replacement link.
      await page.goto(`${origin}/cve/2024-4810`);
      assert.match((await page.getByRole('alert').locator('.use-instead').textContent()) ?? '', /Use instead: CVE-\d{4}-\d+/);
      await shot(page, 'rejected-real');
      await page.close();
    });

    test('keyboard and screen readers: lang, landmarks, a skip link first, labelled search fields', async () => {
      const page = await open('/search?q=overflow');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      for (const role of ['banner', 'main', 'contentinfo', 'search', 'navigation']) assert.ok((await page.getByRole(role as 'main').count()) > 0, role);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
      await page.keyboard.press('Enter');
      // The fragment navigation lands after the key press returns (seen under load).
      await page.waitForURL(/#main$/, { timeout: 10_000 });
      assert.match(page.url(), /#main$/);
      assert.ok(await page.getByLabel('Search by CVE name or words').isVisible());
      assert.ok(await page.getByLabel('CVE name, words or filters').isVisible());
      assert.ok(await page.getByLabel('Sort by').isVisible());
      // "/" focuses the search box.
      await page.locator('h1').click();
      await page.keyboard.press('/');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'q');
      await page.close();
    });

    test('X1520-B.3.1: readable and usable with JavaScript disabled: search, filter, sort with the Apply button, record page', async () => {
      const noJs = await launch({ javaScriptEnabled: false });
      try {
        await localOnly(noJs.context, origin);
        const page = await noJs.context.newPage();
        await page.goto(`${origin}/`);
        await page.fill('#q', 'overflow');
        await page.press('#q', 'Enter');
        await page.waitForURL(/\/search\?q=overflow/);
        assert.ok((await page.locator('li.hit').count()) > 0);
        await page.locator('section.facet[aria-labelledby="f-state"] a').first().click();
        await page.waitForURL(/state=/);
        await page.selectOption('#sort', 'id');
        assert.doesNotMatch(page.url(), /sort=id/, 'no script: the menu waits for Apply');
        await page.getByRole('button', { name: 'Apply' }).click();
        await page.waitForURL(/sort=id/);
        assert.match(page.url(), /state=/, 'the filter stays');
        await page.screenshot({ path: join(ARTIFACTS, `${backend}-nojs-search.png`), fullPage: true });
        await page.goto(`${origin}/cve/CVE-1999-0006`);
        assert.ok(await page.getByRole('heading', { name: 'Description' }).isVisible());
        assert.match((await page.locator('footer').textContent()) ?? '', /CVE content as of 2025-01-24/);
        await page.screenshot({ path: join(ARTIFACTS, `${backend}-nojs-record.png`), fullPage: true });
      } finally {
        await noJs.close();
      }
    });

    test('on a phone (375 px wide) nothing scrolls sideways: home, search, record', async () => {
      const phone = await launch({ width: 375, height: 812 });
      try {
        await localOnly(phone.context, origin);
        const page = await phone.context.newPage();
        for (const [name, path] of [['home', '/'], ['search', '/search?q=overflow'], ['record', '/cve/CVE-1999-0006'], ['hostile', '/cve/CVE-2099-0001']]) {
          await page.goto(`${origin}${path}`);
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(width <= 375, `${name}: page is ${width} px wide`);
          await page.screenshot({ path: join(ARTIFACTS, `${backend}-phone-${name}.png`), fullPage: name !== 'hostile' });
        }
        // The facets come after the results on a phone.
        await page.goto(`${origin}/search?q=overflow`);
        const results = await page.locator('section.results').boundingBox();
        const facets = await page.locator('aside.facets').boundingBox();
        assert.ok(results && facets && facets.y > results.y);
      } finally {
        await phone.close();
      }
    });

    test('hostile record: no script runs, no dialog opens, javascript: URLs are not links; nothing was loaded from elsewhere and the CSP was never violated', async () => {
      const page = await browser.context.newPage();
      let dialogs = 0;
      page.on('dialog', async (d) => {
        dialogs++;
        await d.dismiss();
      });
      await page.goto(`${origin}/cve/CVE-2099-0001`);
      assert.equal(await page.locator('a[href^="javascript:"], a[href^="data:"]').count(), 0);
      assert.ok((await page.locator('.unsafe-url').count()) >= 2);
      await page.locator('.unsafe-url').first().click();
      assert.equal(dialogs, 0);
      assert.equal(page.url(), `${origin}/cve/CVE-2099-0001`);
      await page.close();
      assert.deepEqual(blocked, []);
      assert.deepEqual(cspErrors, []);
    });
  });
}
