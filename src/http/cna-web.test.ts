/**
 * The CNA workbench (issue 5 §3) on every store, driven like a browser without JavaScript:
 * sign-in, CSRF, lockout, reservation, the editor (validation in words, drafts, preview,
 * publish to the public record page), reject with replacement, undo-reject, users and keys,
 * the audit log, and what another org or an anonymous visitor may see.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { CnaService, SYSTEM_ACTOR } from '../cna/index.ts';
import type { Store } from '../store/index.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import { buildApp } from './app.ts';
import { Browser, csrfOf } from '../../test/support/form-browser.ts';

const text = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

for (const backend of testBackends()) {
  describe(`${backend}: CNA workbench`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let app: FastifyInstance;
    let service: CnaService;
    const keys: Record<string, string> = {};
    const year = new Date().getUTCFullYear();

    before(async () => {
      const t = await openTestStore(backend);
      store = t.store;
      cleanup = t.cleanup;
      await store.importCwe([
        { id: 'CWE-79', name: "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')", type: 'weakness' },
        { id: 'CWE-89', name: "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')", type: 'weakness' },
      ], 'test');
      service = new CnaService(store);
      await service.createOrg(SYSTEM_ACTOR, { shortName: 'acme', name: 'Acme', roles: ['CNA'], idQuota: 20 });
      await service.createOrg(SYSTEM_ACTOR, { shortName: 'other', name: 'Other', roles: ['CNA'], idQuota: 20 });
      for (const [org, user, admin] of [['acme', 'alice', true], ['acme', 'bob', false], ['other', 'olga', true]] as const) {
        keys[user] = (await service.createUser(SYSTEM_ACTOR, org, { username: `${user}@${org}.example`, roles: admin ? ['ADMIN'] : [] })).secret;
      }
      app = await buildApp({ store, rateLimit: false });
    });
    after(async () => {
      await app.close();
      await cleanup();
    });

    const alice = async () => {
      const b = new Browser(app);
      const r = await b.signIn('acme', 'alice@acme.example', keys.alice);
      assert.equal(r.statusCode, 303, r.body);
      return b;
    };
    const reserveOne = async (b: Browser): Promise<string> => {
      const r = await b.post('/cna/reserve', { amount: '1', year: String(year), batch_type: 'sequential' });
      assert.equal(r.statusCode, 303, r.body);
      const id = /CVE-\d{4}-\d+/.exec(decodeURIComponent(String(r.headers.location)))?.[0];
      assert.ok(id, String(r.headers.location));
      return id;
    };

    it('anonymous visitors are sent to sign-in; JSON endpoints answer 401', async () => {
      const b = new Browser(app);
      const r = await b.get('/cna/ids/CVE-2025-0001/edit');
      assert.equal(r.statusCode, 303);
      assert.equal(r.headers.location, '/cna/login?next=%2Fcna%2Fids%2FCVE-2025-0001%2Fedit');
      assert.equal((await b.get('/cna/audit')).statusCode, 303);
      const api = await b.req('POST', '/cna/api/validate', { fields: '{}' });
      assert.equal(api.statusCode, 401);
    });

    it('sign-in sets an HttpOnly SameSite=Lax session cookie (Secure only over https); logout ends the session', async () => {
      const b = new Browser(app);
      const token = csrfOf((await b.get('/cna/login')).body);
      const r = await b.req('POST', '/cna/login', { _csrf: token, org: 'acme', username: 'bob@acme.example', key: keys.bob, next: '/cna' });
      assert.equal(r.statusCode, 303);
      const cookie = [r.headers['set-cookie']].flat().map(String).find((c) => c.startsWith('cvekit_cna='));
      assert.match(String(cookie), /HttpOnly; SameSite=Lax/);
      assert.doesNotMatch(String(cookie), /Secure/);
      const home = await b.get('/cna');
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /CVE IDs of acme/);
      assert.equal(home.headers['cache-control'], 'no-store');
      assert.match(String(home.headers['content-security-policy']), /script-src 'self'/);
      const out = await b.post('/cna/logout', {});
      assert.equal(out.statusCode, 303);
      assert.equal((await b.get('/cna')).statusCode, 303);
    });

    it('a POST without the CSRF token (or with another session\'s) is refused with 403', async () => {
      const b = await alice();
      const r = await b.req('POST', '/cna/reserve', { amount: '1', year: String(year), batch_type: 'sequential' });
      assert.equal(r.statusCode, 403);
      assert.match(text(r.body), /CSRF/);
      const other = await alice();
      const foreign = csrfOf((await other.get('/cna')).body);
      assert.equal((await b.req('POST', '/cna/reserve', { _csrf: foreign, amount: '1', year: String(year) })).statusCode, 403);
      const login = await new Browser(app).req('POST', '/cna/login', { org: 'acme', username: 'alice@acme.example', key: keys.alice });
      assert.equal(login.statusCode, 403, 'sign-in without its form token');
    });

    it('locks the account after 5 failed sign-ins, even with the right key then', async () => {
      const b = new Browser(app);
      for (let i = 0; i < 5; i++) assert.equal((await b.signIn('other', 'olga@other.example', 'wrong')).statusCode, 401);
      const r = await b.signIn('other', 'olga@other.example', keys.olga);
      assert.equal(r.statusCode, 429);
      assert.match(text(r.body), /locked/);
    });

    it('reserves IDs (sequential block), lists them by state and year with the quota', async () => {
      const b = await alice();
      const r = await b.post('/cna/reserve', { amount: '3', year: String(year), batch_type: 'sequential' });
      assert.equal(r.statusCode, 303);
      const page = await b.get(String(r.headers.location));
      assert.match(text(page.body), /Reserved CVE-\d{4}-\d+, CVE-/);
      assert.match(text(page.body), /17 of 20 IDs available/);
      const filtered = await b.get(`/cna?state=RESERVED&year=${year}`);
      assert.match(text(filtered.body), /3 IDs in state RESERVED for \d{4}/);
    });

    it('editor: validation names the field in words, drafts are saved and restored, preview shows the public page', async () => {
      const b = await alice();
      const id = await reserveOne(b);
      const edit = `/cna/ids/${id}/edit`;
      const bad = await b.post(edit, { source: 'form', action: 'validate', title: 'Broken', 'desc.0.lang': 'en', 'desc.0.value': 'Something', 'aff.0.vendor': 'Acme', 'aff.0.product': 'Widget', 'ref.0.url': 'not a url' }, edit);
      assert.equal(bad.statusCode, 200);
      assert.match(text(bad.body), /Reference 1 URL must match format "uri"/);
      const fields = {
        source: 'form', title: 'SQL injection in Widget login', 'desc.0.lang': 'en', 'desc.0.value': 'Widget before 2.4.1 lets remote attackers run SQL through the login form.',
        'aff.0.vendor': 'Acme', 'aff.0.product': 'Widget', 'aff.0.defaultStatus': 'unaffected', 'aff.0.v.0.version': '2.0', 'aff.0.v.0.rangeKind': '<', 'aff.0.v.0.rangeEnd': '2.4.1', 'aff.0.v.0.status': 'affected', 'aff.0.v.0.versionType': 'semver',
        'cwe.0.id': 'CWE-89', 'cwe.0.description': 'CWE-89 SQL Injection', 'cvss.vector': 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
        'ref.0.url': 'https://acme.example/advisories/1', 'ref.0.tags': 'vendor-advisory, patch', 'credit.0.value': 'Eve Finder', 'credit.0.type': 'finder',
        'tl.0.time': '2025-01-10T00:00:00Z', 'tl.0.value': 'Reported',
      };
      const saved = await b.post(edit, { ...fields, action: 'save' }, edit);
      assert.equal(saved.statusCode, 303);
      const restored = await b.get(edit);
      assert.match(restored.body, /value="SQL injection in Widget login"/);
      assert.match(restored.body, /value="2.4.1"/);
      assert.match(text(restored.body), /Score 9\.8 CRITICAL \(CVSS 3\.1\)/);
      assert.match(restored.body, /&quot;lessThan&quot;: &quot;2.4.1&quot;/, 'the JSON view shows the same record');
      const cwe = await b.post(edit, { ...fields, action: 'cwe', cweQuery: 'sql' }, edit);
      assert.match(text(cwe.body), /CWE-89 Improper Neutralization of Special Elements used in an SQL Command/);
      const preview = await b.post(edit, { ...fields, action: 'preview' }, edit);
      assert.match(text(preview.body), /Preview of the public record page/);
      assert.match(text(preview.body), /Widget before 2\.4\.1/);
      const api = await b.req('POST', '/cna/api/validate', { _csrf: csrfOf(restored.body), x: '1' });
      assert.equal(api.statusCode, 400, 'urlencoded without fields is a bad request');
      const json = await app.inject({ method: 'POST', url: '/cna/api/validate', headers: { cookie: `cvekit_cna=${b.cookies.get('cvekit_cna')}`, 'x-csrf-token': csrfOf(restored.body), 'content-type': 'application/json' }, payload: { cnaContainer: { descriptions: [] } } });
      const out = JSON.parse(json.body);
      assert.equal(out.ok, false);
      assert.ok(out.problems.some((p: { text: string }) => /^(Description|The record|Affected product|Reference)/.test(p.text)), json.body);
      const score = await app.inject({ method: 'POST', url: '/cna/api/cvss', headers: { cookie: `cvekit_cna=${b.cookies.get('cvekit_cna')}`, 'x-csrf-token': csrfOf(restored.body), 'content-type': 'application/json' }, payload: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' } });
      assert.deepEqual(JSON.parse(score.body), { ok: true, version: '3.1', score: 7.5, severity: 'HIGH' });
    });

    it('publish puts the record on its public page with source cna:acme; update, reject with replacement, audit', async () => {
      const b = await alice();
      const id = await reserveOne(b);
      const replacement = await reserveOne(b);
      const edit = `/cna/ids/${id}/edit`;
      const fields = { source: 'form', title: 'XSS in Gadget', 'desc.0.lang': 'en', 'desc.0.value': 'Gadget 1.0 reflects the q parameter.', 'aff.0.vendor': 'Acme', 'aff.0.product': 'Gadget', 'aff.0.v.0.version': '1.0', 'aff.0.v.0.status': 'affected', 'ref.0.url': 'https://acme.example/a/2', 'cwe.0.id': 'CWE-79' };
      const pub = await b.post(edit, { ...fields, action: 'publish' }, edit);
      assert.equal(pub.statusCode, 303, text(pub.body));
      assert.equal(pub.headers.location, `/cna/ids/${id}?done=published`);
      const publicPage = await app.inject({ url: `/cve/${id}` });
      assert.equal(publicPage.statusCode, 200);
      assert.match(text(publicPage.body), /XSS in Gadget/);
      assert.match(publicPage.body, /cna:acme/);
      const upd = await b.post(edit, { ...fields, title: 'XSS in Gadget search', action: 'publish' }, edit);
      assert.equal(upd.statusCode, 303);
      assert.match(text((await app.inject({ url: `/cve/${id}` })).body), /XSS in Gadget search/);
      const rej = await b.post(`/cna/ids/${id}/reject`, { reason: 'Duplicate of another ID.', replacedBy: replacement }, `/cna/ids/${id}`);
      assert.equal(rej.statusCode, 303);
      const rejected = await app.inject({ url: `/cve/${id}` });
      assert.match(text(rejected.body), /Duplicate of another ID/);
      assert.match(rejected.body, new RegExp(replacement));
      const audit = await b.get('/cna/audit');
      assert.equal(audit.statusCode, 200);
      const t = text(audit.body);
      assert.match(t, new RegExp(`record\\.reject\\.update ${id}`));
      assert.match(t, /alice@acme\.example \(acme\)/);
      assert.match(t, /XSS in Gadget → XSS in Gadget search/);
    });

    it('reject without a record and undo-reject', async () => {
      const b = await alice();
      const id = await reserveOne(b);
      assert.equal((await b.post(`/cna/ids/${id}/reject-id`, {}, `/cna/ids/${id}`)).statusCode, 303);
      assert.match(text((await b.get(`/cna/ids/${id}`)).body), new RegExp(`${id} REJECTED`));
      assert.equal((await b.post(`/cna/ids/${id}/undo-reject`, {}, `/cna/ids/${id}`)).statusCode, 303);
      assert.match(text((await b.get(`/cna/ids/${id}?done=undone`)).body), /ID is RESERVED again/);
    });

    it('an org admin creates users, sees a key once, deactivates and resets keys; plain users may not', async () => {
      const b = await alice();
      const created = await b.post('/cna/users', { username: 'carol@acme.example' }, '/cna/users');
      assert.equal(created.statusCode, 200);
      const key = /<code class="key">([^<]+)<\/code>/.exec(created.body)?.[1];
      assert.ok(key);
      const carol = new Browser(app);
      assert.equal((await carol.signIn('acme', 'carol@acme.example', key)).statusCode, 303);
      assert.equal((await carol.get('/cna/users')).statusCode, 403);
      assert.equal((await carol.get('/cna/audit')).statusCode, 403);
      assert.equal((await b.post('/cna/users/carol%40acme.example/active', { active: 'false' }, '/cna/users')).statusCode, 303);
      assert.equal((await carol.get('/cna')).statusCode, 303, 'a deactivated user\'s session ends');
      const reset = await b.post('/cna/users/bob%40acme.example/reset-key', {}, '/cna/users');
      assert.match(reset.body, /shown once/);
      const old = await new Browser(app).signIn('acme', 'bob@acme.example', keys.bob);
      assert.equal(old.statusCode, 401);
      keys.bob = /<code class="key">([^<]+)<\/code>/.exec(reset.body)?.[1] ?? '';
    });

    it('another org sees none of acme\'s IDs, drafts or audit entries', async () => {
      const a = await alice();
      const id = await reserveOne(a);
      await a.post(`/cna/ids/${id}/edit`, { source: 'form', action: 'save', title: 'secret draft' }, `/cna/ids/${id}/edit`);
      const o = new Browser(app);
      // olga is locked out by the lockout test: a second admin of `other` signs in instead.
      const oscar = (await service.createUser(SYSTEM_ACTOR, 'other', { username: 'oscar@other.example', roles: ['ADMIN'] })).secret;
      assert.equal((await o.signIn('other', 'oscar@other.example', oscar)).statusCode, 303);
      const list = await o.get('/cna');
      assert.doesNotMatch(list.body, /\/cna\/ids\/CVE-/);
      assert.match(text(list.body), /0 IDs/);
      assert.equal((await o.get(`/cna/ids/${id}`)).statusCode, 404);
      const ed = await o.get(`/cna/ids/${id}/edit`);
      assert.equal(ed.statusCode, 404);
      assert.doesNotMatch(ed.body, /secret draft/);
      assert.equal((await o.post(`/cna/ids/${id}/edit`, { source: 'form', action: 'save', title: 'overwrite' }, '/cna')).statusCode, 404);
      // The site footer names the repository's content source; the log itself is in <main>.
      const audit = (await o.get('/cna/audit')).body.split('<main')[1].split('</main>')[0];
      assert.match(audit, /user\.create/);
      assert.doesNotMatch(audit, /acme/);
      assert.doesNotMatch(audit, new RegExp(id));
    });
  });
}
