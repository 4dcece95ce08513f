/**
 * The PSIRT's team pages (`/team…`): sign-in as a user of the CNA org with lockout, the
 * session cookie's flags, CSRF on every form, sign-out, deactivated users, escaping of
 * hostile report text on every page, and the audit of what the pages read and change.
 * (The whole flow in a browser is test/browser/disclosure-flow.browser.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { CnaService, SYSTEM_ACTOR } from '../cna/index.ts';
import { DisclosureService, disclosureConfig, solveChallenge } from '../disclosure/index.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';
import { cnaWeb } from './cna-web.ts';
import { disclosureWeb, routeTable } from './disclosure-web.ts';

const HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

for (const backend of testBackends()) {
  describe(`${backend}: team pages`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    let service: DisclosureService;
    let cna: CnaService;
    let key = '';
    let reportId = '';
    const clock = new Date('2025-06-02T08:00:00.000Z');
    const TEAM = { kind: 'team', name: 'team' } as const;

    const loginForm = async () => {
      const r = await app.inject({ method: 'GET', url: '/team/login' });
      return /cvekit_team_pre=([^;]+)/.exec(String(r.headers['set-cookie']))![1];
    };
    const signIn = async (username: string, secret: string, ip = '192.0.2.1') => {
      const pre = await loginForm();
      return app.inject({ method: 'POST', url: '/team/login', remoteAddress: ip, headers: { ...FORM, cookie: `cvekit_team_pre=${pre}` }, payload: `_csrf=${pre}&username=${encodeURIComponent(username)}&key=${encodeURIComponent(secret)}&next=${encodeURIComponent('/team/cases')}` });
    };
    const sessionOf = async (username = 'ada', secret = key) => {
      const r = await signIn(username, secret);
      assert.equal(r.statusCode, 303, r.body);
      const cookie = `cvekit_team=${/cvekit_team=([^;]+)/.exec(String(r.headers['set-cookie']))![1]}`;
      const home = await app.inject({ method: 'GET', url: '/team', headers: { cookie } });
      return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(home.body)![1], home };
    };

    before(async () => {
      t = await openTestStore(backend);
      const config = disclosureConfig({ teamToken: 'team-token-0123456789abcdefghijklmnopqrstuvwxyz', powBits: 4, minAnswerMs: 0, challengeSecret: 's', cnaOrg: 'webpsirt' });
      service = new DisclosureService({ store: t.store, config, now: () => clock });
      cna = new CnaService(t.store);
      await cna.createOrg(SYSTEM_ACTOR, { shortName: 'webpsirt', name: 'Web PSIRT', roles: ['CNA'], idQuota: 5 });
      await cna.createOrg(SYSTEM_ACTOR, { shortName: 'elsewhere', name: 'Another CNA', roles: ['CNA'], idQuota: 5 });
      key = (await cna.createUser(SYSTEM_ACTOR, 'webpsirt', { username: 'ada' })).secret;
      await cna.createUser(SYSTEM_ACTOR, 'webpsirt', { username: 'locked' });
      await cna.createUser(SYSTEM_ACTOR, 'elsewhere', { username: 'mallory' });
      app = Fastify();
      await app.register(disclosureWeb, { store: t.store, service, cna, now: () => clock });
      app.get('/after', async () => 'x');
      await app.ready();
      const ch = service.challenge();
      reportId = (await service.submitReport({ product: `Otter ${HOSTILE}`, version: HOSTILE, description: `flaw ${HOSTILE}`, impact: HOSTILE, finderName: HOSTILE, finderContact: 'f@example.test', credit: 'named' },
        { nonce: ch.nonce, counter: solveChallenge(ch.nonce, ch.bits) }, { ip: '198.51.100.1' })).reportId;
      const ch2 = service.challenge();
      await service.submitReport({ product: `Otter ${HOSTILE}`, version: '2', description: `flaw ${HOSTILE} again`, impact: HOSTILE, finderContact: 'g@example.test', credit: 'none' },
        { nonce: ch2.nonce, counter: solveChallenge(ch2.nonce, ch2.bits) }, { ip: '198.51.100.2' });
    });
    after(async () => {
      await app.close();
      await t.cleanup();
    });

    it('records the route table of routes added after it, itself included', () => {
      const urls = routeTable(app).map((r) => `${r.method} ${r.url}`);
      assert.ok(urls.includes('GET /team/cases/:id') && urls.includes('GET /after'));
    });

    it('sends strangers to the sign-in page and refuses their forms', async () => {
      const page = await app.inject({ method: 'GET', url: `/team/reports/${reportId}` });
      assert.equal(page.statusCode, 303);
      assert.equal(page.headers.location, `/team/login?next=${encodeURIComponent(`/team/reports/${reportId}`)}`);
      const post = await app.inject({ method: 'POST', url: `/team/reports/${reportId}/triage`, headers: FORM, payload: 'title=x' });
      assert.equal(post.statusCode, 401);
      assert.ok(!post.body.includes('Otter'));
      // A finder's capability token is no team session.
      const asBearer = await app.inject({ method: 'GET', url: '/team', headers: { authorization: 'Bearer team-token-0123456789abcdefghijklmnopqrstuvwxyz' } });
      assert.equal(asBearer.statusCode, 303);
    });

    it('signs in users of the CNA org only, with a HttpOnly, SameSite=Strict cookie scoped to /team, and a safe next page', async () => {
      const ok = await signIn('ada', key);
      assert.equal(ok.statusCode, 303);
      assert.equal(ok.headers.location, '/team/cases');
      const cookie = [ok.headers['set-cookie']].flat().find((c) => String(c).startsWith('cvekit_team='))!;
      assert.match(String(cookie), /; Path=\/team; HttpOnly; SameSite=Strict; Max-Age=28800$/);
      const other = await signIn('mallory', await cna.resetSecret(SYSTEM_ACTOR, 'elsewhere', 'mallory'));
      assert.equal(other.statusCode, 401, 'a user of another org is no team member');
      const pre = await loginForm();
      const evil = await app.inject({ method: 'POST', url: '/team/login', remoteAddress: '192.0.2.50', headers: { ...FORM, cookie: `cvekit_team_pre=${pre}` }, payload: `_csrf=${pre}&username=ada&key=${encodeURIComponent(key)}&next=${encodeURIComponent('//evil.test/x')}` });
      assert.equal(evil.headers.location, '/team');
      const noPre = await app.inject({ method: 'POST', url: '/team/login', headers: FORM, payload: `_csrf=x&username=ada&key=${encodeURIComponent(key)}` });
      assert.equal(noPre.statusCode, 403, 'sign-in CSRF (double submit)');
    });

    it('locks an account after 5 failed sign-ins, even for the right key', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await signIn('locked', 'wrong-key', `192.0.2.${10 + i}`)).statusCode, 401);
      const blocked = await signIn('locked', 'wrong-key', '192.0.2.99');
      assert.equal(blocked.statusCode, 429);
      assert.match(blocked.body, /locked for 15 minutes/);
    });

    it('escapes hostile report text on the inbox, report and case pages', async () => {
      const s = await sessionOf();
      const report = await app.inject({ method: 'GET', url: `/team/reports/${reportId}`, headers: { cookie: s.cookie } });
      const triage = await app.inject({ method: 'POST', url: `/team/reports/${reportId}/triage`, headers: { ...FORM, cookie: s.cookie }, payload: `_csrf=${s.csrf}&title=${encodeURIComponent(`Case ${HOSTILE}`)}` });
      assert.equal(triage.statusCode, 303);
      const casePage = await app.inject({ method: 'GET', url: triage.headers.location as string, headers: { cookie: s.cookie } });
      assert.equal((s.home.body.match(/1 possible duplicate\(s\)/g) ?? []).length, 2, 'the inbox counts each report\'s similar open reports');
      assert.match(report.body, /same product/);
      for (const [name, body] of [['inbox', s.home.body], ['report', report.body], ['case', casePage.body]] as const) {
        assert.ok(!body.includes('<script>alert') && !body.includes('<img src=x'), `${name} page escapes`);
        assert.ok(body.includes('&lt;script&gt;alert('), `${name} page shows the text`);
      }
      assert.match(String(casePage.headers['content-security-policy']), /script-src 'self'/);
      assert.equal(casePage.headers['cache-control'], 'no-store');
      // A flash is one of the page's own texts, never what a link says.
      const spoof = await app.inject({ method: 'GET', url: `${(triage.headers.location as string).split('?')[0]}?done=${encodeURIComponent('Send your key to evil.test')}`, headers: { cookie: s.cookie } });
      assert.ok(!spoof.body.includes('evil.test'));
    });

    it('refuses a form without the session CSRF token, and changes nothing', async () => {
      const s = await sessionOf();
      const c = (await service.listCases(TEAM))[0] as { id: string; revision: number };
      const forged = await app.inject({ method: 'POST', url: `/team/cases/${c.id}/vulnerabilities`, headers: { ...FORM, cookie: s.cookie }, payload: '_csrf=forged&id=v9&title=Forged' });
      assert.equal(forged.statusCode, 403);
      assert.match(forged.body, /CSRF/);
      assert.equal(((await service.getCase(TEAM, c.id)) as { revision: number }).revision, c.revision);
      const ok = await app.inject({ method: 'POST', url: `/team/cases/${c.id}/vulnerabilities`, headers: { ...FORM, cookie: s.cookie }, payload: `_csrf=${s.csrf}&id=v9&title=Real` });
      assert.equal(ok.statusCode, 303);
      // The live check is JSON and takes the token as a header.
      const check = await app.inject({ method: 'POST', url: `/team/cases/${c.id}/cves/v9/check`, headers: { ...FORM, cookie: s.cookie, 'x-csrf-token': s.csrf }, payload: 'cwe=CWE-22' });
      assert.equal(check.statusCode, 200);
      const j = check.json() as { check: { ok: boolean; issues: { message: string }[] } };
      assert.equal(j.check.ok, false);
      assert.match(j.check.issues[0].message, /reserve a CVE ID/);
      const noToken = await app.inject({ method: 'POST', url: `/team/cases/${c.id}/cves/v9/check`, headers: { ...FORM, cookie: s.cookie }, payload: 'cwe=CWE-22' });
      assert.equal(noToken.statusCode, 403);
    });

    it('writes what the pages read and change to the case audit log under the member name', async () => {
      const s = await sessionOf();
      const c = (await service.listCases(TEAM))[0] as { id: string };
      await app.inject({ method: 'GET', url: `/team/cases/${c.id}`, headers: { cookie: s.cookie } });
      await app.inject({ method: 'POST', url: `/team/cases/${c.id}/messages`, headers: { ...FORM, cookie: s.cookie }, payload: `_csrf=${s.csrf}&text=note&internal=true` });
      const audit = (await service.auditLog(TEAM, c.id)) as { actor: string; action: string }[];
      const mine = audit.filter((a) => a.actor === 'team:webpsirt/ada').map((a) => a.action);
      for (const action of ['case.read', 'message.list', 'case.drafts-read', 'message.post', 'case.command:add-vulnerability']) assert.ok(mine.includes(action), `${action} audited`);
    });

    it('signs out: the session is deleted server-side, the old cookie opens nothing; a deactivated user loses the session', async () => {
      const s = await sessionOf();
      const out = await app.inject({ method: 'POST', url: '/team/logout', headers: { ...FORM, cookie: s.cookie }, payload: `_csrf=${s.csrf}` });
      assert.equal(out.statusCode, 303);
      assert.match(String(out.headers['set-cookie']), /cvekit_team=; .*Max-Age=0/);
      assert.equal((await app.inject({ method: 'GET', url: '/team', headers: { cookie: s.cookie } })).statusCode, 303);
      const s2 = await sessionOf();
      await cna.updateUser(SYSTEM_ACTOR, 'webpsirt', 'ada', { active: false });
      assert.equal((await app.inject({ method: 'GET', url: '/team', headers: { cookie: s2.cookie } })).statusCode, 303);
    });
  });
}

for (const backend of testBackends()) {
  describe(`${backend}: team pages of a team that is no CNA (signed in with the team token)`, () => {
    const TOKEN = 'team-token-nocna-0123456789abcdefghijklmnopqrstuvwxyz';
    let t: TestStore;
    const apps: FastifyInstance[] = [];
    const clock = new Date('2025-06-02T08:00:00.000Z');

    /** The team pages with this disclosure configuration (no CNA org unless given). */
    const appWith = async (input: { teamToken?: string; cnaOrg?: string }): Promise<FastifyInstance> => {
      const config = disclosureConfig({ powBits: 4, minAnswerMs: 0, challengeSecret: 's', ...input });
      const app = Fastify();
      await app.register(disclosureWeb, { store: t.store, service: new DisclosureService({ store: t.store, config, now: () => clock }), now: () => clock });
      await app.ready();
      apps.push(app);
      return app;
    };
    const signIn = async (app: FastifyInstance, token: string, ip = '192.0.2.1') => {
      const form = await app.inject({ method: 'GET', url: '/team/login' });
      const pre = /cvekit_team_pre=([^;]+)/.exec(String(form.headers['set-cookie']))![1];
      return app.inject({ method: 'POST', url: '/team/login', remoteAddress: ip, headers: { ...FORM, cookie: `cvekit_team_pre=${pre}` }, payload: `_csrf=${pre}&token=${encodeURIComponent(token)}&next=${encodeURIComponent('/team/cases')}` });
    };
    const cookieOf = (r: { headers: Record<string, unknown> }) => `cvekit_team=${/cvekit_team=([^;]+)/.exec(String(r.headers['set-cookie']))![1]}`;

    before(async () => {
      t = await openTestStore(backend);
    });
    after(async () => {
      for (const app of apps) await app.close();
      await t.cleanup();
    });

    it('offers the token form, signs the team in with it, and its forms work as the team (audited as team)', async () => {
      const app = await appWith({ teamToken: TOKEN });
      const form = await app.inject({ method: 'GET', url: '/team/login' });
      assert.match(form.body, /name="token" type="password"/);
      assert.ok(!form.body.includes('name="username"'));
      const wrong = await signIn(app, `${TOKEN}x`);
      assert.equal(wrong.statusCode, 401);
      assert.match(wrong.body, /Wrong team token/);
      assert.ok(![wrong.headers['set-cookie']].flat().some((c) => String(c).startsWith('cvekit_team=')), 'no session for a wrong token');
      const ok = await signIn(app, TOKEN);
      assert.equal(ok.statusCode, 303, ok.body);
      assert.equal(ok.headers.location, '/team/cases');
      assert.match(String([ok.headers['set-cookie']].flat().find((c) => String(c).startsWith('cvekit_team='))), /; Path=\/team; HttpOnly; SameSite=Strict; Max-Age=28800$/);
      const cookie = cookieOf(ok);
      const finder = new DisclosureService({ store: t.store, config: disclosureConfig({ powBits: 4, minAnswerMs: 0, challengeSecret: 's' }), now: () => clock });
      const ch = finder.challenge();
      const { reportId } = await finder.submitReport({ product: 'Heron', version: '1', description: 'a flaw', impact: 'bad', finderContact: 'f@example.test', credit: 'none' },
        { nonce: ch.nonce, counter: solveChallenge(ch.nonce, ch.bits) }, { ip: '198.51.100.1' });
      const home = await app.inject({ method: 'GET', url: '/team', headers: { cookie } });
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /Signed in as team\./);
      assert.match(home.body, new RegExp(reportId), 'the inbox shows the report');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)![1];
      const made = await app.inject({ method: 'POST', url: `/team/reports/${reportId}/triage`, headers: { ...FORM, cookie }, payload: `_csrf=${csrf}&title=${encodeURIComponent('Token team case')}` });
      assert.equal(made.statusCode, 303, made.body);
      const caseUrl = String(made.headers.location).split('?')[0];
      const page = await app.inject({ method: 'GET', url: caseUrl, headers: { cookie } });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Token team case/);
      const noCsrf = await app.inject({ method: 'POST', url: `${caseUrl}/messages`, headers: { ...FORM, cookie }, payload: 'text=forged' });
      assert.equal(noCsrf.statusCode, 403, 'CSRF holds for token sessions too');
      const audit = await app.inject({ method: 'GET', url: `${caseUrl}/audit`, headers: { cookie } });
      assert.match(audit.body, /team:team/);
      const out = await app.inject({ method: 'POST', url: '/team/logout', headers: { ...FORM, cookie }, payload: `_csrf=${csrf}` });
      assert.equal(out.statusCode, 303);
      assert.equal((await app.inject({ method: 'GET', url: '/team', headers: { cookie } })).statusCode, 303, 'signed out');
    });

    it('a team-token session opens nothing in the CNA workbench, even with its cookie renamed', async () => {
      const app = await appWith({ teamToken: TOKEN });
      const value = cookieOf(await signIn(app, TOKEN)).split('=')[1];
      const both = Fastify();
      await both.register(disclosureWeb, { store: t.store, service: new DisclosureService({ store: t.store, config: disclosureConfig({ teamToken: TOKEN, powBits: 4, minAnswerMs: 0, challengeSecret: 's' }), now: () => clock }), now: () => clock });
      await both.register(cnaWeb, { store: t.store, worker: false });
      await both.ready();
      apps.push(both);
      assert.equal((await both.inject({ method: 'GET', url: '/team', headers: { cookie: `cvekit_team=${value}` } })).statusCode, 200, 'the session itself stands');
      for (const cookie of [`cvekit_team=${value}`, `cvekit_cna=${value}`]) {
        const page = await both.inject({ method: 'GET', url: '/cna', headers: { cookie } });
        assert.equal(page.statusCode, 303, cookie);
        assert.match(String(page.headers.location), /^\/cna\/login/);
        const api = await both.inject({ method: 'GET', url: '/cna/api/cwe?q=79', headers: { cookie } });
        assert.equal(api.statusCode, 401, `${cookie}: ${api.body}`);
        assert.match(api.body, /UNAUTHORIZED/);
      }
    });

    it('blocks an address after 5 wrong tokens, but a stranger cannot lock the team out', async () => {
      const app = await appWith({ teamToken: TOKEN });
      for (let i = 0; i < 5; i++) assert.equal((await signIn(app, 'wrong-token', '198.51.100.7')).statusCode, 401);
      const blocked = await signIn(app, TOKEN, '198.51.100.7');
      assert.equal(blocked.statusCode, 429, 'even the right token from that address');
      assert.match(blocked.body, /from this address/);
      assert.equal((await signIn(app, TOKEN, '192.0.2.44')).statusCode, 303, 'the team, from another address, still signs in');
    });

    it('a new team token ends the sessions of the old one', async () => {
      const first = await appWith({ teamToken: TOKEN });
      const cookie = cookieOf(await signIn(first, TOKEN));
      assert.equal((await first.inject({ method: 'GET', url: '/team', headers: { cookie } })).statusCode, 200);
      const rotated = await appWith({ teamToken: `${TOKEN}-rotated` });
      const old = await rotated.inject({ method: 'GET', url: '/team', headers: { cookie } });
      assert.equal(old.statusCode, 303);
      assert.match(String(old.headers.location), /^\/team\/login/);
      assert.equal((await signIn(rotated, TOKEN)).statusCode, 401, 'the old token no longer signs in');
      // With a CNA org the team is its users: the token form is gone, and a token session no longer stands.
      const cna = await appWith({ teamToken: TOKEN, cnaOrg: 'somepsirt' });
      assert.ok(!(await cna.inject({ method: 'GET', url: '/team/login' })).body.includes('name="token"'));
      assert.equal((await cna.inject({ method: 'GET', url: '/team', headers: { cookie } })).statusCode, 303);
    });

    it('without a CNA org or a team token, the sign-in page says what to set and signs no one in', async () => {
      const app = await appWith({});
      const form = await app.inject({ method: 'GET', url: '/team/login' });
      assert.match(form.body, /CVEKIT_CNA_ORG.*CVEKIT_TEAM_TOKEN/s);
      assert.ok(!form.body.includes('<form method="post" action="/team/login"'));
      const tried = await signIn(app, TOKEN);
      assert.equal(tried.statusCode, 409);
      assert.match(tried.body, /needs CVEKIT_CNA_ORG or CVEKIT_TEAM_TOKEN/);
    });
  });
}
