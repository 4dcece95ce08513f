/**
 * The CNA workbench in Chromium (playwright-core, Debian's /usr/bin/chromium): sign in,
 * reserve, fill the record form with the keyboard, see the live CVSS score and live
 * validation, find a CWE, publish, and read the public record page; no CSP violations.
 * Screenshots go to test-artifacts/browser/.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { CnaService, SYSTEM_ACTOR } from '../../src/cna/index.ts';
import { buildApp } from '../../src/http/app.ts';
import { REPO_ROOT } from '../support/paths.ts';
import { openTestStore, testBackends } from '../support/stores.ts';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'browser');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

for (const backend of testBackends()) {
  describe(`${backend}: the CNA workbench in Chromium`, () => {
    let app: FastifyInstance;
    let cleanup: () => Promise<void>;
    let origin: string;
    let context: BrowserContext;
    let dir: string;
    let key: string;
    const cspErrors: string[] = [];
    const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${backend}-cna-${name}.png`), fullPage: true });

    before(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      const t = await openTestStore(backend);
      cleanup = t.cleanup;
      await t.store.importCwe([
        { id: 'CWE-79', name: "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')", type: 'weakness' },
        { id: 'CWE-89', name: "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')", type: 'weakness' },
      ], 'test');
      const service = new CnaService(t.store);
      await service.createOrg(SYSTEM_ACTOR, { shortName: 'acme', name: 'Acme', roles: ['CNA'], idQuota: 10 });
      key = (await service.createUser(SYSTEM_ACTOR, 'acme', { username: 'alice@acme.example', roles: ['ADMIN'] })).secret;
      app = await buildApp({ store: t.store, rateLimit: false });
      origin = await app.listen({ host: '127.0.0.1', port: 0 });
      dir = mkdtempSync(join(tmpdir(), 'cvekit-chromium-'));
      context = await chromium.launchPersistentContext(dir, { executablePath: process.env.CVEKIT_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
      await context.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort()));
    });
    after(async () => {
      await context?.close();
      rmSync(dir, { recursive: true, force: true });
      await app?.close();
      await cleanup?.();
    });

    test('sign in, reserve, fill the form with live score and validation, publish, view the public page', async () => {
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
      });
      await page.goto(`${origin}/cna`);
      await page.waitForURL(/\/cna\/login/);
      await page.getByLabel('Organisation (short name)').fill('acme');
      await page.getByLabel('Username').fill('alice@acme.example');
      await page.getByLabel('API key').fill(key);
      await shot(page, 'signin');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${origin}/cna`);
      await page.getByRole('button', { name: 'Reserve' }).click();
      await page.waitForURL(/done=reserved/);
      assert.match((await page.getByRole('status').first().textContent()) ?? '', /Reserved CVE-\d{4}-\d+/);
      await shot(page, 'ids');
      const id = ((await page.locator('table tbody a').first().textContent()) ?? '').trim();
      await page.locator('table tbody a').first().click();
      await page.getByRole('link', { name: 'Write the record' }).click();
      await page.waitForURL(new RegExp(`/cna/ids/${id}/edit$`));

      // Live validation: a bad URL is named in words before anything is sent.
      await page.getByLabel('Reference 1 URL').fill('not a url');
      await page.locator('#problems li', { hasText: 'Reference 1 URL must match format "uri"' }).waitFor();
      await page.getByLabel('Title').fill('SQL injection in Widget login');
      await page.getByLabel('Description 1', { exact: true }).fill('Widget before 2.4.1 lets remote attackers run SQL through the login form.');
      await page.getByLabel('Product 1 vendor').fill('Acme');
      await page.getByLabel('Product 1 name').fill('Widget');
      await page.getByLabel('Product 1 version 1: version or range start').fill('2.0');
      await page.getByLabel('range kind').first().selectOption('<');
      await page.getByLabel('range end').first().fill('2.4.1');
      await page.getByLabel('Reference 1 URL').fill('https://acme.example/advisories/1');
      await page.getByLabel('Reference 1 tags').fill('vendor-advisory');
      // CWE picker: search by name, pick with the keyboard.
      await page.getByLabel('Find a CWE by name or number').fill('sql');
      const pick = page.locator('#cwe-results button', { hasText: 'CWE-89' });
      await pick.waitFor();
      await pick.focus();
      await page.keyboard.press('Enter');
      assert.equal(await page.getByLabel('CWE 1 ID').inputValue(), 'CWE-89');
      // CVSS calculator: choose the metrics, the vector and the score follow.
      for (const [label, value] of [['Attack Vector', 'N'], ['Attack Complexity', 'L'], ['Privileges Required', 'N'], ['User Interaction', 'N'], ['Scope', 'U'], ['Confidentiality', 'H'], ['Integrity', 'H'], ['Availability', 'H']] as const) {
        await page.locator('#cvss-calc').getByLabel(label, { exact: true }).selectOption(value);
      }
      assert.equal(await page.getByLabel('CVSS vector (3.0, 3.1 or 4.0)').inputValue(), 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
      await page.locator('#cvss-score', { hasText: 'Score 9.8 CRITICAL' }).waitFor();
      await page.locator('#problems', { hasText: 'The record is valid' }).waitFor();
      assert.match(await page.locator("#json").inputValue(), /"lessThan": "2.4.1"/, 'the JSON view follows the form');
      await shot(page, 'editor');
      await page.getByRole('button', { name: 'Preview' }).first().click();
      await page.locator('#preview').waitFor();
      await shot(page, 'preview');
      await page.getByRole('button', { name: 'Publish', exact: true }).click();
      await page.waitForURL(new RegExp(`/cna/ids/${id}\\?done=published`));
      await shot(page, 'published');
      await page.getByRole('link', { name: `/cve/${id}` }).click();
      await page.waitForURL(new RegExp(`/cve/${id}$`));
      assert.match((await page.locator('main').textContent()) ?? '', /SQL injection in Widget login/);
      assert.match((await page.locator('main').textContent()) ?? '', /cna:acme/);
      await shot(page, 'public-record');
      assert.deepEqual(cspErrors, []);
      await page.close();
    });
  });
}
