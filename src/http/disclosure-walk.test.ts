/**
 * Confidentiality walk (issue 6 §6, X.1520 embargo): every route the app really serves —
 * read from Fastify's `onRoute` hook (`routeTable`), so new pages and routes are walked
 * without anyone listing them — as every role: anonymous, the finder and the vendor of
 * ANOTHER case, the finder and vendor of the case, the team by token and by web session.
 *
 * Outsiders must not be able to tell that the case exists: each of their answers (status,
 * type, redirect, body) is compared with the answer to the same request made before the
 * case was created (its ids, CVE name and advisory id then stood for nothing), so a leaked
 * title, product, file, reserved CVE name, count or error shows as a difference.
 * Participants' answers outside their case equal an anonymous caller's, and no team-only
 * route shows them anything of the case. No route answers 5xx to anyone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { CnaService, SYSTEM_ACTOR } from '../cna/index.ts';
import { solveChallenge } from '../disclosure/index.ts';
import { testBackends } from '../../test/support/stores.ts';
import { routeTable } from './disclosure-web.ts';
import { openTestApp, type TestApp } from './testing.ts';

const TEAM_TOKEN = 'team-token-walk-0123456789abcdefghijklmnopqrstuvwxyz';
const CANARY = 'CANARY-Pangolin-4417';
const ENV = { CVEKIT_TEAM_TOKEN: TEAM_TOKEN, CVEKIT_CNA_ORG: 'walkpsirt', CVEKIT_POW_BITS: '4', CVEKIT_PUBLIC_URL: 'http://127.0.0.1', CVEKIT_PUBLISHER_NAME: 'Walk PSIRT' };

/** What the case's ids stand for before it exists (same shapes). */
const PLACEHOLDER = { caseId: 'case_AAAAAAAAAAAAAAAAAAAAAAAA'.slice(0, 21), reportId: 'rep_BBBBBBBBBBBBBBBB', fileId: 'file_CCCCCCCCCCCCCCCC', cveId: 'CVE-2025-0999', advisoryId: 'CVEKIT-SA-2025-0000ABCD' };
type Ids = typeof PLACEHOLDER;

type Role = 'anonymous' | 'finderOther' | 'vendorOther' | 'finderOn' | 'vendorOn' | 'team' | 'teamSession';
const OUTSIDERS: readonly Role[] = ['anonymous', 'finderOther', 'vendorOther'];
const DISCLOSURE_PATH = /^\/(?:api\/v1\/(?:cases|reports|files|vendors|webhooks)|report|team)(?:\/|$)/;

interface Answer {
  readonly status: number;
  readonly text: string;
}

for (const backend of testBackends()) {
  describe(`${backend}: confidentiality walk over the app's route table`, () => {
    let t: TestApp;
    const clock = new Date('2025-02-03T10:00:00.000Z');
    const saved: Record<string, string | undefined> = {};
    const tokens: Partial<Record<Role, string>> = { team: TEAM_TOKEN };
    let session = { cookie: '', csrf: '' };
    let ids: Ids = PLACEHOLDER;
    const baseline = new Map<string, Answer>();

    const inject = (o: InjectOptions) => t.app.inject({ remoteAddress: '203.0.113.9', ...o });
    const api = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
      const r = await inject({ method, url, headers: { authorization: `Bearer ${TEAM_TOKEN}` }, ...(payload ? { payload } : {}) });
      assert.ok(r.statusCode < 300, `${method} ${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
      return r.json() as Record<string, unknown>;
    };
    const submit = async (fields: Record<string, unknown>) => {
      const ch = (await inject({ method: 'GET', url: '/api/v1/reports/challenge' })).json() as { nonce: string; bits: number };
      const r = await inject({ method: 'POST', url: '/api/v1/reports', payload: { ...fields, challenge: { nonce: ch.nonce, counter: solveChallenge(ch.nonce, ch.bits) } } });
      assert.equal(r.statusCode, 201, r.body);
      return r.json() as { reportId: string; token: string };
    };

    /** The routes to walk: every method and URL of the table (HEAD and OPTIONS aside), params filled for `ids` and the role. */
    const requests = (role: Role, v: Ids): { method: string; url: string; key: string }[] => {
      const out: { method: string; url: string; key: string }[] = [];
      const seen = new Set<string>();
      for (const r of routeTable(t.app)) {
        if (r.method === 'HEAD' || r.method === 'OPTIONS' || r.url.includes('*')) continue;
        const k = `${r.method} ${r.url}`;
        if (seen.has(k)) continue;
        seen.add(k);
        const url = r.url.replace(/:([A-Za-z]+)/g, (_m, p: string) => {
          if (p === 'token') return tokens[role] && !['team', 'teamSession'].includes(role) ? tokens[role]! : 'Z'.repeat(43);
          if (p === 'vid' || p === 'vulnerabilityId') return 'v1';
          if (p === 'reportId') return v.reportId;
          if (p === 'fileId') return v.fileId;
          if (p === 'year') return '2025';
          if (p === 'identifier' || p === 'shortname') return 'walkpsirt';
          if (p === 'username' || p === 'user') return 'ada';
          if (p === 'id' && /\/(?:cases)\//.test(r.url)) return v.caseId;
          if (p === 'id' && /\/reports\//.test(r.url)) return v.reportId;
          if (p === 'id' && /\/files\//.test(r.url)) return v.fileId;
          if (p === 'id' && r.url.startsWith('/advisories/')) return v.advisoryId;
          return v.cveId; // /cve/:name, /api/cve-id/:id, /cna/ids/:id, /api/v1/cve/:name …
        });
        out.push({ method: r.method, url, key: k });
        // Search, feeds and lists also asked about the case's words and names.
        if (r.method === 'GET' && !r.url.includes(':')) out.push({ method: r.method, url: `${url}?q=${encodeURIComponent(CANARY)}&keywordSearch=${encodeURIComponent(CANARY)}&names=${v.cveId}&product=${encodeURIComponent(CANARY)}`, key: `${k}?q` });
      }
      return out;
    };

    const call = async (role: Role, method: string, url: string): Promise<Answer & { raw: string }> => {
      const headers: Record<string, string> = {};
      if (tokens[role] && role !== 'teamSession') headers.authorization = `Bearer ${tokens[role]}`;
      if (role === 'teamSession') headers.cookie = session.cookie;
      const form = url.startsWith('/team') || url.startsWith('/cna') || url.startsWith('/report');
      let payload: string | undefined;
      if (method !== 'GET') {
        if (form) {
          headers['content-type'] = 'application/x-www-form-urlencoded';
          payload = role === 'teamSession' ? `_csrf=${encodeURIComponent(session.csrf)}` : '_csrf=forged';
        } else {
          headers['content-type'] = 'application/json';
          payload = '{}';
        }
      }
      const r = await inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
      const type = String(r.headers['content-type'] ?? '');
      const location = String(r.headers.location ?? '');
      return { status: r.statusCode, raw: r.body, text: `${r.statusCode} ${type} ${location}\n${r.body}` };
    };

    /** Volatile parts (challenge nonces and questions, CSRF tokens) and the case's ids as placeholders. */
    const normalize = (text: string, v: Ids): string => {
      let s = text;
      for (const k of Object.keys(v) as (keyof Ids)[]) s = s.split(v[k]).join(PLACEHOLDER[k]);
      return s.replace(/What is \d+ plus \d+\?/g, 'What is N plus N?').replace(/[A-Za-z0-9_.-]{30,}/g, (m) => (Object.values(PLACEHOLDER).includes(m) ? m : 'TOKEN'));
    };

    before(async () => {
      for (const [k, v] of Object.entries(ENV)) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
      t = await openTestApp(backend, { now: () => clock });
      const cna = new CnaService(t.store);
      await cna.createOrg(SYSTEM_ACTOR, { shortName: 'walkpsirt', name: 'Walk PSIRT', roles: ['CNA'], idQuota: 10 });
      const key = (await cna.createUser(SYSTEM_ACTOR, 'walkpsirt', { username: 'ada', roles: ['ADMIN'] })).secret;
      // A team web session, as a browser gets it.
      const form = await inject({ method: 'GET', url: '/team/login' });
      const pre = /cvekit_team_pre=([^;]+)/.exec(String(form.headers['set-cookie']))![1];
      const signIn = await inject({ method: 'POST', url: '/team/login', headers: { cookie: `cvekit_team_pre=${pre}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${pre}&username=ada&key=${encodeURIComponent(key)}` });
      assert.equal(signIn.statusCode, 303, signIn.body);
      session.cookie = `cvekit_team=${/cvekit_team=([^;]+)/.exec(String(signIn.headers['set-cookie']))![1]}`;
      const home = await inject({ method: 'GET', url: '/team', headers: { cookie: session.cookie } });
      session = { ...session, csrf: /name="_csrf" value="([^"]+)"/.exec(home.body)![1] };

      // Another case, with its own finder and vendor: outsiders to the case under test.
      const other = await submit({ product: 'Other product', description: 'another flaw entirely', finderContact: 'other@example.test' });
      tokens.finderOther = other.token;
      const otherCase = (await api('POST', `/api/v1/reports/${other.reportId}/triage`, { title: 'Another case' })).id as string;
      await api('POST', '/api/v1/vendors', { id: 'wombat', name: 'Wombat', contacts: [{ email: 'psirt@wombat.test' }], products: ['Other product'] });
      tokens.vendorOther = (await api('POST', `/api/v1/cases/${otherCase}/vendors`, { vendorId: 'wombat' })).token as string;

      // The baseline: every outsider request before the case exists.
      for (const role of OUTSIDERS) {
        for (const q of requests(role, PLACEHOLDER)) baseline.set(`${role} ${q.method} ${normalize(q.url, PLACEHOLDER)}`, { status: 0, text: normalize((await call(role, q.method, q.url)).text, PLACEHOLDER) });
      }

      // The case under test: canary title, product, vendor and file; a reserved CVE; drafts; scheduled.
      const mine = await submit({
        product: `${CANARY} router`, version: '1.0', description: `Stack overflow in the ${CANARY} router.`, finderContact: 'finder@example.test', finderName: 'Ada',
        attachments: [{ name: `${CANARY}-poc.txt`, mediaType: 'text/plain', data: Buffer.from('poc').toString('base64') }],
      });
      tokens.finderOn = mine.token;
      const caseId = (await api('POST', `/api/v1/reports/${mine.reportId}/triage`, { title: `${CANARY} case` })).id as string;
      await api('POST', '/api/v1/vendors', { id: 'pangolin', name: `${CANARY} Networks`, contacts: [{ email: 'psirt@pangolin.test' }], products: [`${CANARY} router`] });
      tokens.vendorOn = (await api('POST', `/api/v1/cases/${caseId}/vendors`, { vendorId: 'pangolin' })).token as string;
      await api('POST', `/api/v1/cases/${caseId}/commands`, { command: { type: 'add-vulnerability', vulnerability: { id: 'v1', title: `${CANARY} overflow` } } });
      await api('POST', `/api/v1/cases/${caseId}/commands`, { command: { type: 'set-vendor-status', vulnerabilityId: 'v1', vendorId: 'vendor-pangolin', status: 'affected' } });
      await api('POST', `/api/v1/cases/${caseId}/embargo`, { action: 'propose-default', proposalId: 'p1' });
      await api('POST', `/api/v1/cases/${caseId}/embargo`, { action: 'accept', proposalId: 'p1' });
      const cveId = (await api('POST', `/api/v1/cases/${caseId}/cves`, { vulnerabilityId: 'v1' })).cveId as string;
      await api('PUT', `/api/v1/cases/${caseId}/cves/v1/draft`, { cwe: { id: 'CWE-121' }, references: [{ url: 'https://pangolin.test/sa' }] });
      const advisoryId = (((await api('POST', `/api/v1/cases/${caseId}/advisory`, { summary: CANARY })).advisory as { csaf: { document: { tracking: { id: string } } } }).csaf.document.tracking.id);
      await api('POST', `/api/v1/cases/${caseId}/publication`, { action: 'schedule' });
      await api('POST', `/api/v1/cases/${caseId}/messages`, { text: `${CANARY} message` });
      const report = await api('GET', `/api/v1/reports/${mine.reportId}`);
      ids = { caseId, reportId: mine.reportId, fileId: (report.files as { id: string }[])[0].id, cveId, advisoryId };
      for (const [k, v] of Object.entries(ids)) assert.equal(v.length, PLACEHOLDER[k as keyof Ids].length, `${k} placeholder has the real shape (${v})`);
      assert.equal(await t.store.getRecord(PLACEHOLDER.cveId), undefined, 'the placeholder CVE name is not a public record');
    });
    after(async () => {
      await t?.close();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    it('the route table holds every route, the team pages and the late case routes included', () => {
      const urls = new Set(routeTable(t.app).map((r) => `${r.method} ${r.url}`));
      for (const u of ['GET /team/cases/:id', 'POST /team/cases/:id/cves', 'GET /api/v1/cases/:id/drafts', 'POST /api/v1/cases/:id/cves', 'PUT /api/v1/cases/:id/cves/:vulnerabilityId/draft',
        'POST /api/v1/cases/:id/advisory', 'POST /api/v1/cases/:id/publication', 'GET /search', 'GET /feeds/new.atom', 'GET /api/v1/export', 'GET /cve/:name', 'GET /advisories/:id']) {
        assert.ok(urls.has(u), `${u} is walked`);
      }
      assert.ok(urls.size > 120, `${urls.size} routes`);
    });

    it('outsiders (anonymous, finder and vendor of another case) get exactly the answers they got before the case existed', async () => {
      let n = 0;
      for (const role of OUTSIDERS) {
        for (const q of requests(role, ids)) {
          const a = await call(role, q.method, q.url);
          assert.ok(a.status < 500, `${role} ${q.method} ${q.url}: ${a.status} ${a.raw.slice(0, 200)}`);
          const was = baseline.get(`${role} ${q.method} ${normalize(q.url, ids)}`);
          assert.ok(was, `${role} ${q.key} has a baseline`);
          // The CNA API tells anyone an ID's state and owner, as CVE Services does (docs/disclosure.md §7): nothing of the case.
          if (q.key === 'GET /api/cve-id/:id') {
            for (const s of [CANARY, ids.caseId, ids.reportId, ids.fileId]) assert.ok(!a.raw.includes(s), `${role} ${q.url} shows ${s}`);
            continue;
          }
          assert.equal(normalize(a.text, ids), was.text, `${role} ${q.method} ${q.url} answers differently now that the case exists`);
          n++;
        }
      }
      assert.ok(n > 3 * 150, `${n} answers compared`);
    });

    it('participants see their case, and elsewhere exactly what an anonymous caller sees; team-only routes show them nothing of the case', async () => {
      const markers = [CANARY, ids.caseId, ids.reportId, ids.fileId, ids.cveId, ids.advisoryId];
      for (const role of ['finderOn', 'vendorOn'] as const) {
        for (const q of requests(role, ids)) {
          const a = await call(role, q.method, q.url);
          assert.ok(a.status < 500, `${role} ${q.method} ${q.url}: ${a.status} ${a.raw.slice(0, 200)}`);
          const path = q.url.split('?')[0];
          if (!DISCLOSURE_PATH.test(path)) {
            if (q.key === 'GET /api/cve-id/:id') continue;
            const anon = await call('anonymous', q.method, q.url);
            assert.equal(normalize(a.text, ids), normalize(anon.text, ids), `${role} ${q.method} ${q.url} differs from anonymous`);
            continue;
          }
          // Their own case, report, files and private page.
          const own = /^\/api\/v1\/cases(?:\/[^/]+(?:\/(?:timeline|messages|commands|embargo|flags))?)?$/.test(path) || /^\/api\/v1\/files\//.test(path) || path.startsWith('/report/');
          if (own) continue;
          for (const s of markers) {
            if (q.url.includes(s)) continue;
            assert.ok(!a.raw.includes(s), `${role} ${q.method} ${q.url} (${a.status}) shows ${s}`);
          }
        }
      }
    });

    it('the team, by token and by web session, reaches every route without a server error; its pages show the case', async () => {
      for (const role of ['team', 'teamSession'] as const) {
        const all = requests(role, ids);
        // Reads first, then writes (with empty bodies: refused or harmless), signing out last.
        const ordered = [...all.filter((q) => q.method === 'GET'), ...all.filter((q) => q.method !== 'GET' && !q.url.endsWith('/logout')), ...all.filter((q) => q.url.endsWith('/logout'))];
        for (const q of ordered) {
          const a = await call(role, q.method, q.url);
          assert.ok(a.status < 500, `${role} ${q.method} ${q.url}: ${a.status} ${a.raw.slice(0, 300)}`);
        }
      }
      // The session was signed out by the walk; the case page now sends to the sign-in page.
      const gone = await call('teamSession', 'GET', `/team/cases/${ids.caseId}`);
      assert.equal(gone.status, 303);
      const viaToken = await call('team', 'GET', `/api/v1/cases/${ids.caseId}`);
      assert.ok(viaToken.raw.includes(CANARY) && viaToken.raw.includes(ids.cveId));
    });

    it('the team pages were walked signed in: they showed the case, and the reads are in its audit log', async () => {
      const audit = (await inject({ method: 'GET', url: `/api/v1/cases/${ids.caseId}/audit`, headers: { authorization: `Bearer ${TEAM_TOKEN}` } })).json() as { audit: { actor: string; action: string }[] };
      const web = audit.audit.filter((x) => x.actor === 'team:walkpsirt/ada');
      for (const action of ['case.read', 'message.list', 'case.drafts-read', 'case.audit-read']) assert.ok(web.some((x) => x.action === action), `web session ${action} audited`);
    });
  });
}
