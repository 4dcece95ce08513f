/**
 * Role × route matrix (spec §2.2): every CNA API route, called by every kind of caller,
 * answers the expected status. Callers: the Secretariat, a CNA's ADMIN and plain user,
 * an ADP, a BULK_DOWNLOAD org, another CNA's ADMIN, and anonymous (no headers: 400).
 * Each cell gets fresh objects, so one cell's change never decides another's answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Actor } from '../cna/index.ts';
import { sampleContainer, startCna } from '../../test/support/cna.ts';
import type { CnaHarness, Creds } from '../../test/support/cna.ts';
import { testBackends } from '../../test/support/stores.ts';

const ROLES = ['SECRETARIAT', 'CNA ADMIN', 'CNA user', 'ADP', 'BULK_DOWNLOAD', 'other CNA', 'anonymous'] as const;
type Role = (typeof ROLES)[number];

interface Cell {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: string;
  readonly body?: unknown;
}

interface Route {
  readonly name: string;
  /** Expected status per role, in ROLES order. */
  readonly expect: readonly number[];
  readonly make: () => Promise<Cell>;
}

const year = new Date().getUTCFullYear();

for (const backend of testBackends()) {
  describe(`${backend}: §2.2 role × route matrix`, () => {
    let h: CnaHarness;
    let creds: Record<Exclude<Role, 'anonymous'>, Creds>;
    let acmeActor: Actor;
    let n = 0;
    const fresh = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

    before(async () => {
      h = await startCna(backend);
      await h.org('acme', ['CNA'], 10_000);
      await h.org('other', ['CNA'], 100);
      await h.org('adpo', ['ADP']);
      await h.org('bulk', ['BULK_DOWNLOAD']);
      creds = {
        SECRETARIAT: h.sec,
        'CNA ADMIN': await h.user('acme', 'admin@acme.example', true),
        'CNA user': await h.user('acme', 'user@acme.example'),
        ADP: await h.user('adpo', 'admin@adp.example', true),
        BULK_DOWNLOAD: await h.user('bulk', 'admin@bulk.example', true),
        'other CNA': await h.user('other', 'admin@other.example', true),
      };
      await h.user('acme', 'dummy@acme.example');
      const org = (await h.store.cna.getOrg('acme'))!;
      acmeActor = { org, user: (await h.store.cna.getUser(org.uuid, 'admin@acme.example'))! };
    });
    after(() => h.cleanup());

    const reserved = async () => String((await h.service.reserve(acmeActor, { amount: 1, year, shortName: 'acme' })).ids[0].cve_id);
    const published = async () => {
      const id = await reserved();
      await h.service.submitCna(acmeActor, id, { cnaContainer: sampleContainer() }, 'published', 'create');
      return id;
    };
    const fullRecord = (id: string) => ({
      dataType: 'CVE_RECORD', dataVersion: '5.1',
      cveMetadata: { cveId: id, assignerOrgId: acmeActor.org.uuid, state: 'PUBLISHED' },
      containers: { cna: { ...sampleContainer(), providerMetadata: { orgId: acmeActor.org.uuid } } },
    });
    const rejected = { cnaContainer: { rejectedReasons: [{ lang: 'en', value: 'Not used.' }] } };

    //                  SEC  CNA-A CNA-u ADP  BULK other anon
    const ALL_200 = [200, 200, 200, 200, 200, 200, 200];
    const AUTHED = [200, 200, 200, 200, 200, 200, 400];
    const CNA_OWN = [200, 200, 200, 403, 403, 403, 400];
    const SEC_ONLY = [200, 403, 403, 403, 403, 403, 400];
    const SEC_BULK = [200, 403, 403, 403, 200, 403, 400];

    const routes: Route[] = [
      { name: 'GET /health-check', expect: ALL_200, make: async () => ({ method: 'GET', url: '/api/health-check' }) },
      { name: 'GET /cve-id/:id', expect: ALL_200, make: async () => ({ method: 'GET', url: `/api/cve-id/${await reserved()}` }) },
      { name: 'GET /cve-id', expect: AUTHED, make: async () => ({ method: 'GET', url: '/api/cve-id' }) },
      { name: 'POST /cve-id (short_name=acme)', expect: CNA_OWN, make: async () => ({ method: 'POST', url: `/api/cve-id?amount=1&cve_year=${year}&short_name=acme` }) },
      { name: 'PUT /cve-id/:id?state=REJECTED', expect: CNA_OWN, make: async () => ({ method: 'PUT', url: `/api/cve-id/${await reserved()}?state=REJECTED` }) },
      { name: 'PUT /cve-id/:id?org=other', expect: CNA_OWN, make: async () => ({ method: 'PUT', url: `/api/cve-id/${await reserved()}?org=other` }) },
      { name: 'POST /cve-id-range/:year', expect: SEC_ONLY, make: async () => ({ method: 'POST', url: `/api/cve-id-range/${2100 + n++}` }) },
      { name: 'GET /cve/:id', expect: ALL_200, make: async () => ({ method: 'GET', url: `/api/cve/${await published()}` }) },
      { name: 'POST /cve/:id/cna', expect: CNA_OWN, make: async () => ({ method: 'POST', url: `/api/cve/${await reserved()}/cna`, body: { cnaContainer: sampleContainer() } }) },
      { name: 'PUT /cve/:id/cna', expect: CNA_OWN, make: async () => ({ method: 'PUT', url: `/api/cve/${await published()}/cna`, body: { cnaContainer: sampleContainer('v2') } }) },
      { name: 'POST /cve/:id/reject', expect: CNA_OWN, make: async () => ({ method: 'POST', url: `/api/cve/${await reserved()}/reject`, body: rejected }) },
      { name: 'PUT /cve/:id/reject', expect: CNA_OWN, make: async () => ({ method: 'PUT', url: `/api/cve/${await published()}/reject`, body: rejected }) },
      { name: 'PUT /cve/:id/adp', expect: [200, 403, 403, 200, 403, 403, 400], make: async () => ({ method: 'PUT', url: `/api/cve/${await published()}/adp`, body: { adpContainer: { title: 'ADP view' } } }) },
      { name: 'POST /cve/:id (full record)', expect: SEC_ONLY, make: async () => { const id = await reserved(); return { method: 'POST', url: `/api/cve/${id}`, body: fullRecord(id) }; } },
      { name: 'PUT /cve/:id (full record)', expect: SEC_ONLY, make: async () => { const id = await published(); return { method: 'PUT', url: `/api/cve/${id}`, body: fullRecord(id) }; } },
      { name: 'GET /cve', expect: SEC_BULK, make: async () => ({ method: 'GET', url: '/api/cve' }) },
      { name: 'GET /cve_cursor', expect: SEC_BULK, make: async () => ({ method: 'GET', url: '/api/cve_cursor' }) },
      { name: 'GET /cve_count', expect: AUTHED, make: async () => ({ method: 'GET', url: '/api/cve_count' }) },
      { name: 'GET /org', expect: SEC_ONLY, make: async () => ({ method: 'GET', url: '/api/org' }) },
      { name: 'POST /org', expect: SEC_ONLY, make: async () => ({ method: 'POST', url: '/api/org', body: { short_name: `o${fresh()}`, name: 'New org' } }) },
      { name: 'GET /org/acme', expect: CNA_OWN, make: async () => ({ method: 'GET', url: '/api/org/acme' }) },
      { name: 'PUT /org/acme?name=…', expect: SEC_ONLY, make: async () => ({ method: 'PUT', url: '/api/org/acme?name=Acme%20Corp' }) },
      { name: 'GET /org/acme/id_quota', expect: CNA_OWN, make: async () => ({ method: 'GET', url: '/api/org/acme/id_quota' }) },
      { name: 'GET /org/acme/users', expect: CNA_OWN, make: async () => ({ method: 'GET', url: '/api/org/acme/users' }) },
      { name: 'POST /org/acme/user', expect: [200, 200, 403, 403, 403, 403, 400], make: async () => ({ method: 'POST', url: '/api/org/acme/user', body: { username: `u${fresh()}@acme.example` } }) },
      { name: 'GET /org/acme/user/:u', expect: CNA_OWN, make: async () => ({ method: 'GET', url: '/api/org/acme/user/dummy@acme.example' }) },
      { name: 'PUT /org/acme/user/(the plain user)?name.first=…', expect: CNA_OWN, make: async () => ({ method: 'PUT', url: '/api/org/acme/user/user@acme.example?name.first=Pat' }) },
      { name: 'PUT /org/acme/user/(another user)?active_roles.add=ADMIN', expect: [200, 200, 403, 403, 403, 403, 400], make: async () => { const u = `m${fresh()}@acme.example`; await h.user('acme', u); return { method: 'PUT', url: `/api/org/acme/user/${u}?active_roles.add=ADMIN` }; } },
      { name: 'PUT /org/acme/user/(another user)/reset_secret', expect: [200, 200, 403, 403, 403, 403, 400], make: async () => ({ method: 'PUT', url: '/api/org/acme/user/dummy@acme.example/reset_secret' }) },
      { name: 'GET /users', expect: SEC_ONLY, make: async () => ({ method: 'GET', url: '/api/users' }) },
    ];

    it('every route × every role answers the expected status', async () => {
      const failures: string[] = [];
      const rows: string[] = [];
      for (const route of routes) {
        const got: number[] = [];
        for (const role of ROLES) {
          const cell = await route.make();
          const r = await h.req(cell.method, cell.url, role === 'anonymous' ? undefined : creds[role], cell.body);
          got.push(r.statusCode);
          const want = route.expect[ROLES.indexOf(role)];
          if (r.statusCode !== want) failures.push(`${route.name} as ${role}: ${r.statusCode} (want ${want}) ${r.body.slice(0, 160)}`);
          if (r.statusCode >= 400) assert.ok(typeof JSON.parse(r.body).error === 'string', `${route.name} as ${role}: error body without "error"`);
        }
        rows.push(`${route.name.padEnd(58)} ${got.join('  ')}`);
      }
      if (process.env.CVEKIT_PRINT_MATRIX) console.log(`${''.padEnd(58)} ${ROLES.join(' | ')}\n${rows.join('\n')}`);
      assert.deepEqual(failures, []);
    });
  });
}
