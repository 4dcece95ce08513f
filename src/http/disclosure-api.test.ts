import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';
import { DisclosureService, disclosureConfig, solveChallenge } from '../disclosure/index.ts';
import { disclosureApi } from './disclosure-api.ts';

const TEAM_TOKEN = 'team-token-0123456789abcdefghijklmnopqrstuvwxyz';
const CANARY = 'CANARY-Quokka-7731';
const HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>';
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>';

for (const backend of testBackends()) {
  describe(`${backend}: disclosure HTTP`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    let clock = new Date('2025-06-02T08:00:00.000Z');
    const tokens: Record<string, string | undefined> = {};
    let caseId = '';
    let otherCaseId = '';
    let fileId = '';
    let reportId = '';
    let finderToken = '';

    const call = (method: 'GET' | 'POST', url: string, role?: string, payload?: object) =>
      app.inject({ method, url, headers: tokens[role ?? ''] ? { authorization: `Bearer ${tokens[role!]}` } : {}, ...(payload ? { payload } : {}) });

    async function submit(fields: Record<string, unknown>) {
      const ch = (await app.inject({ method: 'GET', url: '/api/v1/reports/challenge' })).json() as { nonce: string; bits: number };
      return app.inject({ method: 'POST', url: '/api/v1/reports', payload: { ...fields, challenge: { nonce: ch.nonce, counter: solveChallenge(ch.nonce, ch.bits) } } });
    }

    before(async () => {
      t = await openTestStore(backend);
      const config = disclosureConfig({ teamToken: TEAM_TOKEN, powBits: 6, minAnswerMs: 0, challengeSecret: 's', capabilityDays: 30 });
      const service = new DisclosureService({ store: t.store, config, now: () => clock });
      app = Fastify();
      await app.register(disclosureApi, { store: t.store, service, scheduler: false });
      await app.ready();
      tokens.team = TEAM_TOKEN;
      const team = (method: 'GET' | 'POST', url: string, payload?: object) => call(method, url, 'team', payload);

      const a = await submit({
        product: `${CANARY} ${HOSTILE}`, version: HOSTILE, description: `overflow ${HOSTILE}`, impact: HOSTILE, proofOfConcept: HOSTILE,
        finderName: HOSTILE, finderContact: 'ada@example.test', credit: 'named',
        attachments: [{ name: 'x.svg', mediaType: 'image/svg+xml', data: Buffer.from(SVG).toString('base64') }, { name: 'p.html', mediaType: 'text/html', data: Buffer.from(HOSTILE).toString('base64') }],
      });
      assert.equal(a.statusCode, 201, a.body);
      ({ reportId, token: finderToken } = a.json() as { reportId: string; token: string });
      tokens.finderOn = finderToken;
      const c = await team('POST', `/api/v1/reports/${reportId}/triage`, { title: `${CANARY} case` });
      assert.equal(c.statusCode, 201, c.body);
      caseId = (c.json() as { id: string }).id;
      await team('POST', '/api/v1/vendors', { id: 'quokka', name: `${CANARY} Inc`, contacts: [{ email: 'psirt@quokka.test' }], products: [CANARY] });
      tokens.vendorOn = ((await team('POST', `/api/v1/cases/${caseId}/vendors`, { vendorId: 'quokka' })).json() as { token: string }).token;
      tokens.coordinator = ((await team('POST', `/api/v1/cases/${caseId}/participants`, { kind: 'coordinator', name: 'CERT', contact: 'cert@coord.test' })).json() as { token: string }).token;
      await team('POST', `/api/v1/cases/${caseId}/commands`, { command: { type: 'add-vulnerability', vulnerability: { id: 'v1', title: `${CANARY} overflow` } } });
      await team('POST', `/api/v1/cases/${caseId}/commands`, { command: { type: 'reserve-cve', vulnerabilityId: 'v1', cveId: 'CVE-2025-99991' } });
      await team('POST', `/api/v1/cases/${caseId}/messages`, { text: `${CANARY} hello vendor` });
      fileId = ((await team('GET', `/api/v1/reports/${reportId}`)).json() as { files: { id: string; name: string }[] }).files.find((f) => f.name === 'x.svg')!.id;

      const b = (await submit({ product: 'Other', description: 'other flaw', finderContact: 'bob@example.test' })).json() as { reportId: string; token: string };
      tokens.finderOther = b.token;
      otherCaseId = ((await team('POST', `/api/v1/reports/${b.reportId}/triage`, { title: 'other case' })).json() as { id: string }).id;
      await team('POST', '/api/v1/vendors', { id: 'wombat', name: 'Wombat', contacts: [{ email: 'psirt@wombat.test' }], products: ['Other'] });
      tokens.vendorOther = ((await team('POST', `/api/v1/cases/${otherCaseId}/vendors`, { vendorId: 'wombat' })).json() as { token: string }).token;
    });
    after(async () => {
      await app.close();
      await t.cleanup();
    });

    it('walks every case route as every role: right status, and no leak where it is forbidden', async () => {
      const routes: [('GET' | 'POST'), (id: string) => string, object?][] = [
        ['GET', (id) => `/api/v1/cases/${id}`],
        ['GET', (id) => `/api/v1/cases/${id}/timeline`],
        ['GET', (id) => `/api/v1/cases/${id}/messages`],
        ['GET', (id) => `/api/v1/cases/${id}/audit`],
        ['POST', (id) => `/api/v1/cases/${id}/messages`, { text: 'hi' }],
        ['POST', (id) => `/api/v1/cases/${id}/commands`, { command: { type: 'change-title', title: 'x' } }],
        ['POST', (id) => `/api/v1/cases/${id}/embargo`, { action: 'propose-default' }],
        ['POST', (id) => `/api/v1/cases/${id}/flags`, { flag: 'F' }],
        ['POST', (id) => `/api/v1/cases/${id}/participants`, { kind: 'vendor', name: 'n' }],
        ['POST', (id) => `/api/v1/cases/${id}/vendors`, { vendorId: 'wombat' }],
      ];
      // Expected status per role and route index (team writes are skipped to keep the case unchanged for other roles).
      const expected: Record<string, (i: number) => number> = {
        anonymous: () => 401,
        finderOther: () => 404,
        vendorOther: () => 404,
        vendorOn: (i) => [200, 200, 200, 403, 201, 403, 200, 403, 403, 403][i],
        coordinator: (i) => [200, 200, 200, 403, 201, 403, 200, 200, 403, 403][i],
        finderOn: (i) => [200, 200, 200, 403, 201, 403, 200, 403, 403, 403][i],
      };
      for (const [role, statusOf] of Object.entries(expected)) {
        for (const [i, [method, url, body]] of routes.entries()) {
          const res = await call(method, url(caseId), role, body ?? (method === 'POST' ? {} : undefined));
          assert.equal(res.statusCode, statusOf(i), `${role} ${method} ${url(caseId)}: ${res.body}`);
          if (res.statusCode === 401 || res.statusCode === 404) {
            assert.ok(!res.body.includes(CANARY) && !res.body.includes('CVE-2025-99991') && !res.body.includes(caseId), `${role} ${url(caseId)} leaks`);
            const missing = await call(method, url('case_doesnotexist'), role, body ?? (method === 'POST' ? {} : undefined));
            assert.equal(res.statusCode, missing.statusCode, `${role} ${url(caseId)} answers like a missing case`);
            assert.equal(res.body, missing.body, `${role} ${url(caseId)} body equals a missing case's`);
          }
        }
        const list = await call('GET', '/api/v1/cases', role);
        if (role === 'anonymous') assert.equal(list.statusCode, 401);
        else if (role === 'finderOther' || role === 'vendorOther') assert.ok(!list.body.includes(CANARY) && !list.body.includes(caseId), `${role} list leaks`);
        else assert.ok(list.body.includes(caseId) && !list.body.includes(otherCaseId), `${role} sees its case only`);
        for (const url of [`/api/v1/files/${fileId}`, `/api/v1/reports/${reportId}`, '/api/v1/reports', '/api/v1/vendors']) {
          const res = await call('GET', url, role);
          if (['finderOn', 'vendorOn', 'coordinator'].includes(role) && url.startsWith('/api/v1/files/')) assert.equal(res.statusCode, 200, `${role} ${url}`);
          else {
            assert.ok([401, 403, 404].includes(res.statusCode), `${role} ${url}: ${res.statusCode}`);
            assert.ok(!res.body.includes(CANARY), `${role} ${url} leaks`);
          }
        }
      }
      const seen = (await call('GET', `/api/v1/cases/${caseId}/messages`, 'team')).json() as { messages: { text: string }[] };
      assert.ok(seen.messages.length >= 4);
      const vendorView = await call('GET', `/api/v1/cases/${caseId}`, 'vendorOn');
      assert.ok(!vendorView.body.includes('ada@example.test'), 'the finder contact is for the team only');
    });

    it('capability links: valid ones open their case, guessed and expired ones answer the same 404', async () => {
      const page = await app.inject({ method: 'GET', url: `/report/${finderToken}` });
      assert.equal(page.statusCode, 200);
      assert.match(page.headers['content-type'] as string, /text\/html/);
      assert.equal(page.headers['cache-control'], 'no-store');
      assert.equal(page.headers['referrer-policy'], 'no-referrer');
      assert.ok(!page.body.includes(HOSTILE) && !page.body.includes('<script>alert') && page.body.includes('&lt;script&gt;alert('), 'text is escaped');
      const guessed = await app.inject({ method: 'GET', url: `/report/${'A'.repeat(43)}` });
      assert.equal(guessed.statusCode, 404);
      assert.ok(!guessed.body.includes(CANARY));
      const reply = await app.inject({ method: 'POST', url: `/report/${tokens.vendorOn}/messages`, payload: 'text=' + encodeURIComponent(`<b>${HOSTILE}</b>`), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(reply.statusCode, 303);
      const vendorPage = await app.inject({ method: 'GET', url: `/report/${tokens.vendorOn}` });
      assert.ok(vendorPage.body.includes('&lt;b&gt;&lt;script&gt;') && !vendorPage.body.includes('<b><script>'));
      clock = new Date(clock.getTime() + 31 * 86_400_000);
      const expired = await app.inject({ method: 'GET', url: `/report/${finderToken}` });
      assert.equal(expired.statusCode, guessed.statusCode);
      assert.equal(expired.body, guessed.body);
      clock = new Date(clock.getTime() - 31 * 86_400_000);
    });

    it('serves hostile attachments only as downloads', async () => {
      const res = await call('GET', `/api/v1/files/${fileId}`, 'team');
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/octet-stream');
      assert.match(res.headers['content-disposition'] as string, /^attachment; filename="x\.svg"/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.match(res.headers['content-security-policy'] as string, /sandbox/);
      assert.equal(res.body, SVG);
      const viaLink = await app.inject({ method: 'GET', url: `/report/${finderToken}/files/${fileId}` });
      assert.equal(viaLink.headers['content-type'], 'application/octet-stream');
      const otherFinder = await app.inject({ method: 'GET', url: `/report/${tokens.finderOther}/files/${fileId}` });
      assert.equal(otherFinder.statusCode, 404);
    });

    it('refuses bad reports: malformed, oversize, archives, missing challenge', async () => {
      const malformed = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: '{"product":', headers: { 'content-type': 'application/json' } });
      assert.equal(malformed.statusCode, 400);
      const noChallenge = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: { product: 'p', description: 'd', finderContact: 'a@b.test' } });
      assert.equal(noChallenge.statusCode, 400);
      assert.equal((noChallenge.json() as { error: string }).error, 'CHALLENGE_FAILED');
      const zip = await submit({ product: 'p', description: 'd', finderContact: 'a@b.test', attachments: [{ name: 'bomb.zip', mediaType: 'application/zip', data: Buffer.from([0x50, 0x4b, 3, 4, 0, 0]).toString('base64') }] });
      assert.equal(zip.statusCode, 400);
      assert.equal((zip.json() as { error: string }).error, 'ATTACHMENT_REFUSED');
      const huge = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: JSON.stringify({ product: 'p', description: 'x'.repeat(17 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } });
      assert.equal(huge.statusCode, 413);
      const bad = await submit({ product: '', description: HOSTILE, finderContact: HOSTILE });
      assert.equal(bad.statusCode, 400);
      assert.equal((bad.json() as { error: string }).error, 'INVALID_REPORT');
    });

    it('the form works without JavaScript: question answered, multipart upload, redirect to the private page', async () => {
      const form = await app.inject({ method: 'GET', url: '/report' });
      assert.equal(form.statusCode, 200);
      const nonce = /name="nonce" value="([^"]+)"/.exec(form.body)![1];
      const [x, y] = /What is (\d+) plus (\d+)\?/.exec(form.body)!.slice(1).map(Number);
      const boundary = '----cvekit';
      const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
      const body = part('product', 'Form product') + part('description', `Found via the form ${HOSTILE}`) + part('finderContact', 'form@example.test') + part('nonce', nonce) + part('counter', '') + part('answer', String(x + y))
        + `--${boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="page.html"\r\nContent-Type: text/html\r\n\r\n${HOSTILE}\r\n--${boundary}--\r\n`;
      const res = await app.inject({ method: 'POST', url: '/report', payload: body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
      assert.equal(res.statusCode, 303, res.body);
      assert.match(res.headers.location as string, /^\/report\/[A-Za-z0-9_-]{43}\?new=1$/);
      const mine = await app.inject({ method: 'GET', url: res.headers.location as string });
      assert.ok(mine.body.includes('Bookmark this page') && mine.body.includes('page.html'));
      const wrong = await app.inject({ method: 'POST', url: '/report', payload: 'product=a&description=b&finderContact=c%40d.test&nonce=' + encodeURIComponent(nonce) + '&answer=0', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(wrong.statusCode, 400);
      assert.ok(wrong.body.includes('The report was not sent'));
    });
  });
}
