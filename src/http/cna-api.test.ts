/**
 * CNA API behaviour on every store (spec ../shared/docs/cve-services-api.md; sections and
 * CVE Services error codes in the test names): bad input, authentication, reservation,
 * the state machine, records, paging, CORS and headers.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../../test/support/stores.ts';
import { headersOf, sampleContainer, startCna } from '../../test/support/cna.ts';
import type { CnaHarness, Creds } from '../../test/support/cna.ts';
import { recordWrite } from '../../test/support/stores.ts';

const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const json = (r: { body: string }) => JSON.parse(r.body) as Record<string, any>;

for (const backend of testBackends()) {
  describe(`${backend}: CNA API`, () => {
    let h: CnaHarness;
    let alice: Creds; // ADMIN of acme
    let bob: Creds; // plain user of acme
    let other: Creds; // user of another CNA
    const year = new Date().getUTCFullYear();

    before(async () => {
      h = await startCna(backend, { limiter: { maxPerUser: 5, maxPerIp: 1000 } });
      await h.org('acme', ['CNA'], 20);
      await h.org('other', ['CNA'], 20);
      alice = await h.user('acme', 'alice@acme.example', true);
      bob = await h.user('acme', 'bob@acme.example');
      other = await h.user('other', 'olga@other.example');
    });
    after(() => h.cleanup());

    const reserve = async (c: Creds, amount = 1, extra = '') => {
      const r = await h.req('POST', `/api/cve-id?amount=${amount}&cve_year=${year}&short_name=${c.org}${extra}`, c);
      assert.equal(r.statusCode, 200, r.body);
      return json(r).cve_ids.map((x: { cve_id: string }) => x.cve_id) as string[];
    };

    it('§4.1 health-check answers 200 with an empty body, no auth', async () => {
      const r = await h.req('GET', '/api/health-check');
      assert.equal(r.statusCode, 200);
      assert.equal(r.body, '');
    });

    it('§1.2 every answer has Cache-Control: no-store and CORS; preflight echoes the requested headers', async () => {
      const r = await h.req('GET', '/api/org/acme', alice);
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.equal(r.headers['access-control-allow-origin'], '*');
      const e = await h.req('GET', '/api/org/acme');
      assert.equal(e.headers['cache-control'], 'no-store');
      const p = await h.req('OPTIONS', '/api/cve/CVE-2025-0001/cna', undefined, undefined, { origin: 'https://vulnogram.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'cve-api-org,cve-api-user,cve-api-key,content-type' });
      assert.equal(p.statusCode, 204);
      assert.equal(p.headers['access-control-allow-headers'], 'cve-api-org,cve-api-user,cve-api-key,content-type');
      assert.match(String(p.headers['access-control-allow-methods']), /PUT/);
    });

    it('§1.1 NOT_FOUND for unknown routes', async () => {
      const r = await h.req('GET', '/api/no-such-route', alice);
      assert.equal(r.statusCode, 404);
      assert.deepEqual(json(r), { error: 'NOT_FOUND', message: '404: resource not found' });
    });

    it('§2.1 BAD_REQUEST names the first missing header, in the order ORG, USER, KEY', async () => {
      let r = await h.req('GET', '/api/org/acme');
      assert.equal(r.statusCode, 400);
      assert.deepEqual(json(r), { error: 'BAD_REQUEST', message: 'CVE-API-ORG header field required.' });
      r = await h.req('GET', '/api/org/acme', undefined, undefined, { 'CVE-API-ORG': 'acme', 'CVE-API-KEY': 'x' });
      assert.equal(json(r).message, 'CVE-API-USER header field required.');
      r = await h.req('GET', '/api/org/acme', undefined, undefined, { 'CVE-API-ORG': 'acme', 'CVE-API-USER': 'alice@acme.example' });
      assert.equal(json(r).message, 'CVE-API-KEY header field required.');
    });

    it('§2.1 UNAUTHORIZED: unknown org, unknown user, wrong key all get the same 401 body', async () => {
      const bodies = [];
      for (const c of [{ ...alice, org: 'nope' }, { ...alice, user: 'nobody@acme.example' }, { ...alice, key: `${alice.key}x` }, { ...alice, user: other.user }]) {
        const r = await h.req('GET', '/api/org/acme', c);
        assert.equal(r.statusCode, 401);
        bodies.push(r.body);
      }
      assert.equal(new Set(bodies).size, 1);
      assert.deepEqual(JSON.parse(bodies[0]), { error: 'UNAUTHORIZED', message: 'Unauthorized' });
    });

    it('§2.1 a deactivated user is refused (401), and works again when reactivated', async () => {
      const dee = await h.user('acme', 'dee@acme.example');
      assert.equal((await h.req('GET', '/api/org/acme', dee)).statusCode, 200);
      const off = await h.req('PUT', '/api/org/acme/user/dee@acme.example?active=false', alice);
      assert.equal(off.statusCode, 200);
      assert.equal(json(off).updated.active, false);
      assert.equal((await h.req('GET', '/api/org/acme', dee)).statusCode, 401);
      await h.req('PUT', '/api/org/acme/user/dee@acme.example?active=true', alice);
      assert.equal((await h.req('GET', '/api/org/acme', dee)).statusCode, 200);
    });

    it('§8 TOO_MANY_REQUESTS: repeated wrong keys for one org+user are rate-limited, even with the right key afterwards', async () => {
      const eve = await h.user('acme', 'eve@acme.example');
      for (let i = 0; i < 5; i++) assert.equal((await h.req('GET', '/api/org/acme', { ...eve, key: `guess-${i}` })).statusCode, 401);
      const r = await h.req('GET', '/api/org/acme', eve);
      assert.equal(r.statusCode, 429);
      assert.deepEqual(json(r), { error: 'TOO_MANY_REQUESTS', message: 'Too many requests. Please try again later.' });
      // Another user of the same org is not affected.
      assert.equal((await h.req('GET', '/api/org/acme', bob)).statusCode, 200);
    });

    it('§4.4.3 reset_secret: the new key works at once and the old one stops working', async () => {
      const fay = await h.user('acme', 'fay@acme.example');
      const r = await h.req('PUT', '/api/org/acme/user/fay@acme.example/reset_secret', fay);
      assert.equal(r.statusCode, 200);
      const key = json(r)['API-secret'] as string;
      assert.ok(key.length >= 36);
      assert.equal((await h.req('GET', '/api/org/acme', fay)).statusCode, 401);
      assert.equal((await h.req('GET', '/api/org/acme', { ...fay, key })).statusCode, 200);
    });

    it('§5 reserve: priority, sequential, non-sequential; strict timestamps; CVE-API-REMAINING-QUOTA', async () => {
      const r = await h.req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=acme`, alice);
      assert.equal(r.statusCode, 200);
      const b = json(r);
      assert.match(b.cve_ids[0].cve_id, new RegExp(`^CVE-${year}-\\d{4}$`));
      assert.equal(b.cve_ids[0].cve_year, String(year));
      assert.match(b.cve_ids[0].reserved, TS);
      assert.deepEqual(b.cve_ids[0].requested_by, { cna: 'acme', user: 'alice@acme.example' });
      assert.equal(r.headers['cve-api-remaining-quota'], String(b.meta.remaining_quota));
      const seq = await reserve(bob, 3, '&batch_type=SEQUENTIAL');
      const nums = seq.map((x) => Number(x.split('-')[2]));
      assert.deepEqual(nums, [nums[0], nums[0] + 1, nums[0] + 2]);
      const non = await reserve(bob, 2, '&batch_type=non-sequential');
      assert.equal(new Set(non).size, 2);
    });

    it('§5 NO_BATCH_TYPE, INVALID_AMOUNT, INVALID_BATCH_TYPE, OVER_NONSEQUENTIAL_MAX_AMOUNT, BAD_INPUT for unknown parameters', async () => {
      const cases: [string, number, string][] = [
        [`amount=2&cve_year=${year}&short_name=acme`, 400, 'NO_BATCH_TYPE'],
        [`amount=0&cve_year=${year}&short_name=acme`, 400, 'INVALID_AMOUNT'],
        [`amount=2&cve_year=${year}&short_name=acme&batch_type=random`, 400, 'INVALID_BATCH_TYPE'],
        [`amount=11&cve_year=${year}&short_name=acme&batch_type=nonsequential`, 403, 'OVER_NONSEQUENTIAL_MAX_AMOUNT'],
        [`amount=1&cve_year=${year}&short_name=acme&colour=red`, 400, 'BAD_INPUT'],
        [`amount=x&cve_year=${year}&short_name=acme`, 400, 'BAD_INPUT'],
        [`cve_year=${year}&short_name=acme`, 400, 'BAD_INPUT'],
        [`amount=1&cve_year=${year}&short_name=<script>`, 400, 'BAD_INPUT'],
      ];
      for (const [q, status, code] of cases) {
        const r = await h.req('POST', `/api/cve-id?${q}`, alice);
        assert.equal(r.statusCode, status, q);
        assert.equal(json(r).error, code, q);
      }
      const bad = json(await h.req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=acme&colour=red`, alice));
      assert.deepEqual(bad.details, [{ msg: "'colour' is not a valid parameter name.", param: 'colour', location: 'query' }]);
    });

    it('§5 invalid years: BAD_INPUT for non-4-digit years, CANNOT_RESERVE_FOR_YEAR outside the open range', async () => {
      for (const y of ['99', '20255', 'abcd', '']) {
        const r = await h.req('POST', `/api/cve-id?amount=1&cve_year=${y}&short_name=acme`, alice);
        assert.equal(r.statusCode, 400, y);
        assert.equal(json(r).error, 'BAD_INPUT');
      }
      for (const y of ['1998', String(year + 5)]) {
        const r = await h.req('POST', `/api/cve-id?amount=1&cve_year=${y}&short_name=acme`, alice);
        assert.equal(r.statusCode, 403, y);
        assert.equal(json(r).error, 'CANNOT_RESERVE_FOR_YEAR');
        assert.ok(r.headers['cve-api-remaining-quota'] !== undefined);
      }
      // The Secretariat opens a year (§4.2.5); a second time is YEAR_RANGE_EXISTS.
      const open = await h.req('POST', `/api/cve-id-range/${year + 5}`, h.sec);
      assert.equal(open.statusCode, 200);
      assert.equal((await h.req('POST', `/api/cve-id?amount=1&cve_year=${year + 5}&short_name=acme`, alice)).statusCode, 200);
      const again = await h.req('POST', `/api/cve-id-range/${year + 5}`, h.sec);
      assert.equal(again.statusCode, 400);
      assert.equal(json(again).error, 'YEAR_RANGE_EXISTS');
    });

    it('§5 ORG_CANNOT_RESERVE_FOR_OTHER and ORG_DNE (403) for another or unknown short_name; the Secretariat may reserve for others', async () => {
      let r = await h.req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=other`, alice);
      assert.equal(r.statusCode, 403);
      assert.equal(json(r).error, 'ORG_CANNOT_RESERVE_FOR_OTHER');
      r = await h.req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=nope`, h.sec);
      assert.equal(r.statusCode, 403);
      assert.equal(json(r).error, 'ORG_DNE');
      r = await h.req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=other`, h.sec);
      assert.equal(r.statusCode, 200);
      assert.equal(json(r).cve_ids[0].owning_cna, 'other');
      assert.equal(json(r).cve_ids[0].requested_by.cna, 'mitre');
    });

    it('§5 EXCEEDED_ID_QUOTA with details; 206 RESERVED_PARTIAL_AMOUNT is never needed while the pool has room', async () => {
      await h.org('tiny', ['CNA'], 3);
      const t = await h.user('tiny', 'tim@tiny.example');
      await reserve(t, 2, '&batch_type=sequential');
      const r = await h.req('POST', `/api/cve-id?amount=2&cve_year=${year}&short_name=tiny&batch_type=sequential`, t);
      assert.equal(r.statusCode, 403);
      assert.deepEqual(json(r).details, { id_quota: 3, total_reserved: 2, available: 1 });
      const q = json(await h.req('GET', '/api/org/tiny/id_quota', t));
      assert.deepEqual(q, { id_quota: 3, total_reserved: 2, available: 1 });
    });

    it('§4.2.3 show: full view for the owner, redacted for others and anonymous; CVE_ID_NOT_FOUND; BAD_INPUT for a bad ID', async () => {
      const [id] = await reserve(alice);
      const full = json(await h.req('GET', `/api/cve-id/${id}`, bob));
      assert.equal(full.requested_by.user, 'alice@acme.example');
      assert.match(full.time.modified, TS);
      assert.deepEqual(json(await h.req('GET', `/api/cve-id/${id}`, other)), { cve_id: id, cve_year: String(year), state: 'RESERVED', owning_cna: '[REDACTED]' });
      assert.deepEqual(json(await h.req('GET', `/api/cve-id/${id}`)), { cve_id: id, cve_year: String(year), state: 'RESERVED', owning_cna: '[REDACTED]' });
      const nf = await h.req('GET', `/api/cve-id/CVE-${year}-9999999`, alice);
      assert.equal(nf.statusCode, 404);
      assert.equal(json(nf).error, 'CVE_ID_NOT_FOUND');
      const bad = await h.req('GET', '/api/cve-id/CVE-25-1', alice);
      assert.equal(bad.statusCode, 400);
      assert.equal(json(bad).error, 'BAD_INPUT');
    });

    it('§4.2.4 ORG_DOES_NOT_OWN_ID for IDs of another org and for unknown IDs', async () => {
      const [theirs] = await reserve(other);
      for (const id of [theirs, `CVE-${year}-9999998`]) {
        const r = await h.req('PUT', `/api/cve-id/${id}?state=REJECTED`, alice);
        assert.equal(r.statusCode, 403);
        assert.equal(json(r).error, 'ORG_DOES_NOT_OWN_ID');
        const p = await h.req('POST', `/api/cve/${id}/cna`, alice, { cnaContainer: sampleContainer() });
        assert.equal(p.statusCode, 403);
        assert.equal(json(p).error, 'ORG_DOES_NOT_OWN_ID');
      }
    });

    it('§6 state machine: reject and undo-reject with any-case state; CANNOT_CHANGE_CVE_ID_WITH_RECORD; PUBLISHED refused', async () => {
      const [id] = await reserve(alice);
      let r = await h.req('PUT', `/api/cve-id/${id}?state=rejected`, bob);
      assert.equal(r.statusCode, 200);
      assert.equal(json(r).updated.state, 'REJECTED');
      assert.equal(json(r).updated.requested_by.user, 'alice@acme.example');
      r = await h.req('PUT', `/api/cve-id/${id}?state=Reserved`, bob);
      assert.equal(json(r).updated.state, 'RESERVED');
      r = await h.req('PUT', `/api/cve-id/${id}?state=published`, bob);
      assert.equal(r.statusCode, 400);
      assert.equal(json(r).error, 'BAD_INPUT');
      assert.equal((await h.req('POST', `/api/cve/${id}/cna`, bob, { cnaContainer: sampleContainer() })).statusCode, 200);
      r = await h.req('PUT', `/api/cve-id/${id}?state=rejected`, bob);
      assert.equal(r.statusCode, 403);
      assert.equal(json(r).error, 'CANNOT_CHANGE_CVE_ID_WITH_RECORD');
    });

    it('§6 TRANSITION_STATE_RESERVED_NO_QUOTA when un-rejecting with no quota left', async () => {
      await h.org('full', ['CNA'], 1);
      const f = await h.user('full', 'fred@full.example');
      const [a] = await reserve(f);
      await h.req('PUT', `/api/cve-id/${a}?state=REJECTED`, f);
      await reserve(f);
      const r = await h.req('PUT', `/api/cve-id/${a}?state=RESERVED`, f);
      assert.equal(r.statusCode, 403);
      assert.equal(json(r).error, 'TRANSITION_STATE_RESERVED_NO_QUOTA');
    });

    it('§4.2.4 transfer with ?org=: the new owner sees it, ORG_DNE (404) for an unknown org', async () => {
      const [id] = await reserve(alice);
      let r = await h.req('PUT', `/api/cve-id/${id}?org=nope`, alice);
      assert.equal(r.statusCode, 404);
      assert.equal(json(r).error, 'ORG_DNE');
      r = await h.req('PUT', `/api/cve-id/${id}?org=other`, alice);
      assert.equal(r.statusCode, 200);
      assert.equal(json(r).updated.owning_cna, 'other');
      assert.equal(json(await h.req('GET', `/api/cve-id/${id}`, other)).requested_by.user, 'alice@acme.example');
      const listed = json(await h.req('GET', '/api/cve-id', other)).cve_ids.find((x: { cve_id: string }) => x.cve_id === id);
      assert.equal(listed.requested_by.user, 'REDACTED');
    });

    it('§4.3.2 publish: server-set providerMetadata and cveMetadata, CVE_RECORD_EXISTS 403 on a second POST, the record in the repository as cna:acme', async () => {
      const [id] = await reserve(alice);
      const sent = { ...sampleContainer(), providerMetadata: { orgId: '11111111-1111-4111-8111-111111111111', shortName: 'forged' } };
      const r = await h.req('POST', `/api/cve/${id}/cna`, bob, { cnaContainer: sent });
      assert.equal(r.statusCode, 200, r.body);
      const rec = json(r).created;
      const org = json(await h.req('GET', '/api/org/acme', alice));
      assert.equal(rec.containers.cna.providerMetadata.orgId, org.UUID);
      assert.equal(rec.containers.cna.providerMetadata.shortName, 'acme');
      assert.match(org.UUID, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(rec.cveMetadata.state, 'PUBLISHED');
      assert.match(rec.cveMetadata.dateReserved, TS);
      assert.equal(rec.containers.cna.x_generator.engine, 'test');
      const again = await h.req('POST', `/api/cve/${id}/cna`, bob, { cnaContainer: sampleContainer() });
      assert.equal(again.statusCode, 403);
      assert.equal(json(again).error, 'CVE_RECORD_EXISTS');
      assert.equal(json(await h.req('GET', `/api/cve/${id}`)).cveMetadata.cveId, id);
      const stored = await h.store.getRecord(id as never);
      assert.equal(stored?.source, 'cna:acme');
      assert.equal(stored?.state, 'PUBLISHED');
      // An upstream import cannot silently replace the CNA's record (issue 5 §1).
      const upstream = JSON.parse(JSON.stringify(rec));
      upstream.cveMetadata.dateUpdated = '2099-01-01T00:00:00.000Z';
      upstream.containers.cna.title = 'upstream';
      const out = await h.store.writeBatch([recordWrite(upstream, { source: 'cvelistV5' })]);
      assert.equal(out.outcomes[0], 'protected');
      assert.equal((await h.store.getRecord(id as never))?.source, 'cna:acme');
    });

    it('§4.3.3 update: PUT replaces the container; CVE_RECORD_DNE 403 when there is no record; 404 CVE_RECORD_DNE on GET', async () => {
      const [id] = await reserve(alice);
      let r = await h.req('PUT', `/api/cve/${id}/cna`, alice, { cnaContainer: sampleContainer() });
      assert.equal(r.statusCode, 403);
      assert.equal(json(r).error, 'CVE_RECORD_DNE');
      r = await h.req('GET', `/api/cve/${id}`);
      assert.equal(r.statusCode, 404);
      assert.deepEqual(json(r), { error: 'CVE_RECORD_DNE', message: 'The cve record for the cve id does not exist.' });
      await h.req('POST', `/api/cve/${id}/cna`, alice, { cnaContainer: sampleContainer('v1') });
      r = await h.req('PUT', `/api/cve/${id}/cna`, alice, { cnaContainer: sampleContainer('v2') });
      assert.equal(r.statusCode, 200);
      assert.equal(json(r).updated.containers.cna.title, 'v2');
      assert.equal((await h.store.listVersions(id as never)).length, 2);
    });

    it('§4.3.4–4.3.5 reject: CVE_RECORD_EXISTS is 400 on POST, CVE_RECORD_DNE 400 on PUT; PUBLISHED→REJECTED drops ADP; re-publish', async () => {
      const [id, id2] = await reserve(alice, 2, '&batch_type=sequential');
      let r = await h.req('PUT', `/api/cve/${id2}/reject`, alice, { cnaContainer: { rejectedReasons: [{ lang: 'en', value: 'Not used.' }] } });
      assert.equal(r.statusCode, 400);
      assert.equal(json(r).error, 'CVE_RECORD_DNE');
      await h.req('POST', `/api/cve/${id}/cna`, alice, { cnaContainer: sampleContainer() });
      r = await h.req('POST', `/api/cve/${id}/reject`, alice, { cnaContainer: { rejectedReasons: [{ lang: 'en', value: 'Duplicate.' }] } });
      assert.equal(r.statusCode, 400);
      assert.equal(json(r).error, 'CVE_RECORD_EXISTS');
      r = await h.req('PUT', `/api/cve/${id}/reject`, alice, { cnaContainer: { rejectedReasons: [{ lang: 'en', value: 'Duplicate.' }], replacedBy: [id2] } });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(json(r).updated.cveMetadata.state, 'REJECTED');
      assert.match(json(r).updated.cveMetadata.dateRejected, TS);
      assert.equal(json(await h.req('GET', `/api/cve-id/${id}`, alice)).state, 'REJECTED');
      assert.equal((await h.store.getRecord(id as never))?.state, 'REJECTED');
      r = await h.req('PUT', `/api/cve/${id}/cna`, alice, { cnaContainer: sampleContainer() });
      assert.equal(json(r).updated.cveMetadata.state, 'PUBLISHED');
      assert.equal(json(r).updated.cveMetadata.dateRejected, undefined);
      r = await h.req('POST', `/api/cve/${id2}/reject`, alice, { cnaContainer: { rejectedReasons: [{ lang: 'en', value: 'Not used.' }] } });
      assert.equal(r.statusCode, 200);
      assert.equal(json(r).created.cveMetadata.state, 'REJECTED');
    });

    it('§4.3.2 INVALID_JSON_SCHEMA names the failing field; BAD_INPUT for repeated English descriptions and future datePublic', async () => {
      const [id] = await reserve(alice);
      const c = sampleContainer();
      delete c.affected;
      let r = await h.req('POST', `/api/cve/${id}/cna`, alice, { cnaContainer: c });
      assert.equal(r.statusCode, 400);
      assert.equal(json(r).error, 'INVALID_JSON_SCHEMA');
      assert.match(json(r).message, /affected/);
      assert.ok(json(r).details.errors.some((e: { message: string }) => e.message.includes('affected')));
      r = await h.req('POST', `/api/cve/${id}/cna`, alice, { cnaContainer: { ...sampleContainer(), references: [{ url: 'not a url' }] } });
      assert.equal(json(r).error, 'INVALID_JSON_SCHEMA');
      assert.match(json(r).message, /\/cnaContainer\/references\/0\/url/);
      r = await h.req('POST', `/api/cve/${id}/cna`, alice, { cnaContainer: { ...sampleContainer(), bogus: 1 } });
      assert.match(json(r).message, /bogus/);
      r = await h.req('POST', `/api/cve/${id}/cna`, alice, { cnaContainer: sampleContainer(), extra: 1 });
      assert.equal(json(r).error, 'INVALID_JSON_SCHEMA');
      // Strings are trimmed first (§1.2), so a blank description fails the schema, naming it.
      r = await h.req('POST', `/api/cve/${id}/cna`, alice, { cnaContainer: { ...sampleContainer(), descriptions: [{ lang: 'en', value: '   ' }] } });
      assert.equal(json(r).error, 'INVALID_JSON_SCHEMA');
      assert.match(json(r).message, /\/cnaContainer\/descriptions\/0\/value/);
      r = await h.req('POST', `/api/cve/${id}/cna`, alice, { cnaContainer: { ...sampleContainer(), descriptions: [{ lang: 'en', value: 'One.' }, { lang: 'en', value: 'Two.' }] } });
      assert.equal(json(r).error, 'BAD_INPUT');
      r = await h.req('POST', `/api/cve/${id}/cna`, alice, { cnaContainer: { ...sampleContainer(), datePublic: '2999-01-01T00:00:00.000Z' } });
      assert.equal(json(r).error, 'BAD_INPUT');
      assert.match(json(r).details[0].msg, /future/);
      r = await h.req('POST', `/api/cve/${id}/cna`, alice, { cnaContainer: { ...sampleContainer(), cpeApplicability: [{ nodes: [{ operator: 'OR', cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:example:widget:1.0:*:*:*:*:*:*:*' }] }] }] } });
      assert.equal(r.statusCode, 200, r.body);
    });

    it('§1.2 INVALID_JSON_SYNTAX for malformed JSON; empty bodies (with or without the JSON type) are accepted', async () => {
      const [id] = await reserve(alice);
      let r = await h.req('POST', `/api/cve/${id}/cna`, alice, '{"cnaContainer": ', { 'content-type': 'application/json' });
      assert.equal(r.statusCode, 400);
      assert.equal(json(r).error, 'INVALID_JSON_SYNTAX');
      r = await h.req('PUT', `/api/cve-id/${id}?state=REJECTED`, alice, '', { 'content-type': 'application/json' });
      assert.equal(r.statusCode, 200);
      r = await h.req('PUT', `/api/cve-id/${id}?state=RESERVED`, alice);
      assert.equal(r.statusCode, 200);
      r = await h.req('POST', `/api/cve/${id}/cna`, alice, '', { 'content-type': 'application/json' });
      assert.equal(r.statusCode, 400);
      assert.equal(json(r).error, 'INVALID_JSON_SCHEMA');
      r = await h.req('POST', '/api/org/acme/user', alice, '', { 'content-type': 'application/json' });
      assert.equal(json(r).error, 'BAD_INPUT');
    });

    it('§1.2 RECORD_TOO_LARGE (413) above 3.8 MB; a 3 MB record body is parsed', async () => {
      const [id] = await reserve(alice);
      const big = { cnaContainer: { ...sampleContainer(), x_padding: 'x'.repeat(4 * 1024 * 1024) } };
      const r = await h.req('POST', `/api/cve/${id}/cna`, alice, big);
      assert.equal(r.statusCode, 413);
      assert.deepEqual(json(r), { error: 'RECORD_TOO_LARGE', message: 'Records must be less than 3.8MB.' });
      const ok = await h.req('POST', `/api/cve/${id}/cna`, alice, { cnaContainer: { ...sampleContainer(), x_padding: 'x'.repeat(3 * 1024 * 1024) } });
      assert.equal(ok.statusCode, 200);
    });

    it('§4.3.6 ADP: ADP_ONLY for a CNA, BAD_ADP_FORMAT, one container per ADP org (replaced), CVE_RECORD_REJECTED', async () => {
      await h.org('adpo', ['ADP']);
      const adp = await h.user('adpo', 'ann@adp.example');
      const [id, rid] = await reserve(alice, 2, '&batch_type=sequential');
      await h.req('POST', `/api/cve/${id}/cna`, alice, { cnaContainer: sampleContainer() });
      let r = await h.req('PUT', `/api/cve/${id}/adp`, alice, { adpContainer: { title: 'x' } });
      assert.equal(json(r).error, 'ADP_ONLY');
      r = await h.req('PUT', `/api/cve/${id}/adp`, adp, { title: 'x' });
      assert.equal(json(r).error, 'BAD_ADP_FORMAT');
      r = await h.req('PUT', `/api/cve/${id}/adp`, adp, { adpContainer: { title: 'first' } });
      assert.equal(r.statusCode, 200, r.body);
      r = await h.req('PUT', `/api/cve/${id}/adp`, adp, { adpContainer: { title: 'second' } });
      assert.equal(json(r).updated.containers.adp.length, 1);
      assert.equal(json(r).updated.containers.adp[0].title, 'second');
      r = await h.req('PUT', `/api/cve/${id}/adp`, adp, { adpContainer: { title: 1 } });
      assert.equal(json(r).error, 'BAD_ADP_JSON');
      await h.req('POST', `/api/cve/${rid}/reject`, alice, { cnaContainer: { rejectedReasons: [{ lang: 'en', value: 'No.' }] } });
      r = await h.req('PUT', `/api/cve/${rid}/adp`, adp, { adpContainer: { title: 'x' } });
      assert.equal(json(r).error, 'CVE_RECORD_REJECTED');
      const listed = json(await h.req('GET', '/api/cve?adp_short_name=adpo', h.sec)).cveRecords;
      assert.deepEqual(listed.map((x: { cveMetadata: { cveId: string } }) => x.cveMetadata.cveId), [id]);
    });

    it('§4.3.7 Secretariat full record: CVEID_MISMATCH, CVE_UNSUPPORTED_RECORD_STATE, stored as sent', async () => {
      const [id] = await reserve(alice);
      const orgId = json(await h.req('GET', '/api/org/acme', alice)).UUID;
      const rec = { dataType: 'CVE_RECORD', dataVersion: '5.1', cveMetadata: { cveId: id, assignerOrgId: orgId, state: 'PUBLISHED' }, containers: { cna: { ...sampleContainer(), providerMetadata: { orgId } } } };
      let r = await h.req('POST', `/api/cve/CVE-${year}-9999997`, h.sec, rec);
      assert.equal(json(r).error, 'CVEID_MISMATCH');
      r = await h.req('POST', `/api/cve/${id}`, h.sec, { ...rec, cveMetadata: { ...rec.cveMetadata, state: 'RESERVED' } });
      assert.equal(json(r).error, 'CVE_UNSUPPORTED_RECORD_STATE');
      r = await h.req('PUT', `/api/cve/${id}`, h.sec, rec);
      assert.equal(r.statusCode, 403);
      assert.equal(json(r).error, 'CVE_RECORD_DNE');
      r = await h.req('POST', `/api/cve/${id}`, h.sec, rec);
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(json(r).created, rec);
      r = await h.req('POST', `/api/cve/${id}`, h.sec, rec);
      assert.equal(r.statusCode, 400);
      assert.equal(json(r).error, 'CVE_RECORD_EXISTS');
    });

    it('§4.3.8–4.3.10 GET /cve, /cve_cursor (both directions), /cve_count; BAD_USAGE_CNA_MODIFIED', async () => {
      const all = json(await h.req('GET', '/api/cve', h.sec)).cveRecords as { cveMetadata: { cveId: string } }[];
      assert.ok(all.length >= 3);
      const count = json(await h.req('GET', '/api/cve?count_only=true', h.sec)).totalCount;
      assert.equal(count, all.length);
      assert.equal(json(await h.req('GET', '/api/cve_count', bob)).totalCount, all.length);
      const seen: string[] = [];
      let next: string | null = null;
      let first = true;
      let lastPage: Record<string, any> = {};
      while (first || next) {
        first = false;
        lastPage = json(await h.req('GET', `/api/cve_cursor?limit=2${next ? `&next_page=${next}` : ''}`, h.sec));
        seen.push(...lastPage.cveRecords.map((x: { cveMetadata: { cveId: string } }) => x.cveMetadata.cveId));
        next = lastPage.hasNext ? lastPage.next : null;
      }
      assert.deepEqual([...seen].sort(), all.map((x) => x.cveMetadata.cveId).sort());
      assert.equal(new Set(seen).size, seen.length);
      if (lastPage.hasPrevious) {
        const back = json(await h.req('GET', `/api/cve_cursor?limit=2&previous_page=${lastPage.previous}`, h.sec));
        assert.equal(back.cveRecords.length, 2);
      }
      const r = await h.req('GET', '/api/cve?cna_modified=true', h.sec);
      assert.equal(json(r).error, 'BAD_USAGE_CNA_MODIFIED');
      const since = json(await h.req('GET', '/api/cve?cna_modified=true&time_modified.gt=2000-01-01T00:00:00Z', h.sec)).cveRecords;
      assert.equal(since.length, all.length);
    });

    it('§4.2.2 list: own org only (the Secretariat sees all), filters by state, year and time_reserved, strict timestamps', async () => {
      const mine = json(await h.req('GET', '/api/cve-id', bob)).cve_ids as { owning_cna: string; state: string; reserved: string; time: { modified: string } }[];
      assert.ok(mine.length > 0 && mine.every((x) => x.owning_cna === 'acme'));
      assert.ok(mine.every((x) => TS.test(x.reserved) && TS.test(x.time.modified)));
      const all = json(await h.req('GET', '/api/cve-id', h.sec)).cve_ids as { owning_cna: string }[];
      assert.ok(all.some((x) => x.owning_cna === 'other'));
      const rejected = json(await h.req('GET', '/api/cve-id?state=rejected', bob)).cve_ids as { state: string }[];
      assert.ok(rejected.every((x) => x.state === 'REJECTED'));
      assert.deepEqual(json(await h.req('GET', `/api/cve-id?cve_id_year=${year - 3}`, bob)).cve_ids, []);
      assert.deepEqual(json(await h.req('GET', '/api/cve-id?time_reserved.lt=2000-01-31T00:00:00', bob)).cve_ids, []);
      assert.equal(json(await h.req('GET', '/api/cve-id?time_reserved.gt=2000-01-31T00:00:00%2B02:00', bob)).cve_ids.length, mine.length);
      const bad = await h.req('GET', '/api/cve-id?time_reserved.lt=yesterday', bob);
      assert.equal(json(bad).error, 'BAD_INPUT');
    });

    it('§4.5 users: create with secret, USER_EXISTS, NOT_ORG_ADMIN_OR_SECRETARIAT, name-only self update, NOT_ALLOWED_TO_SELF_DEMOTE, USER_DNE', async () => {
      let r = await h.req('POST', '/api/org/acme/user', alice, { username: 'gil@acme.example', name: { first: 'Gil', last: 'G' }, authority: { active_roles: ['admin'] } });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(json(r).created.secret.length >= 36, true);
      assert.deepEqual(json(r).created.authority.active_roles, ['ADMIN']);
      r = await h.req('POST', '/api/org/acme/user', alice, { username: 'gil@acme.example' });
      assert.equal(json(r).error, 'USER_EXISTS');
      r = await h.req('POST', '/api/org/acme/user', bob, { username: 'hal@acme.example' });
      assert.equal(json(r).error, 'NOT_ORG_ADMIN_OR_SECRETARIAT');
      r = await h.req('POST', '/api/org/acme/user', alice, { username: 'x', uuid: 'abc' });
      assert.equal(json(r).error, 'UUID_PROVIDED');
      r = await h.req('PUT', '/api/org/acme/user/bob@acme.example?name.first=Robert', bob);
      assert.equal(json(r).updated.name.first, 'Robert');
      r = await h.req('PUT', '/api/org/acme/user/bob@acme.example?active_roles.add=ADMIN', bob);
      assert.equal(json(r).error, 'NOT_ORG_ADMIN_OR_SECRETARIAT_UPDATE');
      r = await h.req('PUT', '/api/org/acme/user/alice@acme.example?active_roles.remove=ADMIN', alice);
      assert.equal(json(r).error, 'NOT_ALLOWED_TO_SELF_DEMOTE');
      r = await h.req('PUT', '/api/org/acme/user/gil@acme.example?org_short_name=other', alice);
      assert.equal(json(r).error, 'NOT_ALLOWED_TO_CHANGE_ORGANIZATION');
      r = await h.req('GET', '/api/org/acme/user/nobody@acme.example', alice);
      assert.equal(r.statusCode, 404);
      assert.equal(json(r).error, 'USER_DNE');
      r = await h.req('GET', '/api/org/nope/users', alice);
      assert.equal(json(r).error, 'ORG_DNE_PARAM');
      r = await h.req('PUT', '/api/org/acme/user/bob@acme.example', alice);
      assert.match(json(r).message, /No updates/);
    });

    it('§4.4 orgs: create (v4 UUID, defaults), ORG_EXISTS, update with repeated role parameters, DUPLICATE_SHORTNAME', async () => {
      let r = await h.req('POST', '/api/org', h.sec, { short_name: 'newco', name: 'New Co', authority: { active_roles: ['cna', 'adp'] }, policies: { id_quota: 5 } });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(json(r).created.authority.active_roles, ['CNA', 'ADP']);
      r = await h.req('POST', '/api/org', h.sec, { short_name: 'newco', name: 'Again' });
      assert.equal(json(r).error, 'ORG_EXISTS');
      r = await h.req('POST', '/api/org', h.sec, { short_name: 'q', name: 'Q' });
      assert.equal(json(r).error, 'BAD_INPUT');
      r = await h.req('PUT', '/api/org/newco?id_quota=7&active_roles.add=BULK_DOWNLOAD&active_roles.remove=ADP&name=Renamed', h.sec);
      assert.deepEqual(json(r).updated.authority.active_roles, ['CNA', 'BULK_DOWNLOAD']);
      assert.equal(json(r).updated.policies.id_quota, 7);
      r = await h.req('PUT', '/api/org/newco?new_short_name=acme', h.sec);
      assert.equal(json(r).error, 'DUPLICATE_SHORTNAME');
      r = await h.req('PUT', '/api/org/newco?id_quota=100001', h.sec);
      assert.equal(json(r).error, 'BAD_INPUT');
      const byUuid = json(await h.req('GET', `/api/org/${json(await h.req('GET', '/api/org/acme', alice)).UUID}`, alice));
      assert.equal(byUuid.short_name, 'acme');
      r = await h.req('GET', '/api/org/other', alice);
      assert.equal(json(r).error, 'NOT_SAME_ORG_OR_SECRETARIAT');
    });

    it('§7 paging: nextPage walks every page and ends with null (page size 500 shrunk to 2 here)', async () => {
      const small = await startCnaSmall(backend);
      try {
        await small.org('pg', ['CNA'], 50);
        const u = await small.user('pg', 'pat@pg.example');
        await small.req('POST', `/api/cve-id?amount=5&cve_year=${year}&short_name=pg&batch_type=sequential`, u);
        const seen: string[] = [];
        let page: number | null = 1;
        while (page !== null) {
          const b = json(await small.req('GET', `/api/cve-id?page=${page}`, u));
          seen.push(...b.cve_ids.map((x: { cve_id: string }) => x.cve_id));
          assert.equal(b.itemsPerPage, 2);
          page = b.nextPage;
        }
        assert.equal(seen.length, 5);
        assert.equal(new Set(seen).size, 5);
      } finally {
        await small.cleanup();
      }
    });

    it('§1.4 header injection: CR/LF in header values never reaches the API or its answers', async () => {
      await h.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (h.app.server.address() as AddressInfo).port;
      const raw = (text: string) =>
        new Promise<string>((resolve) => {
          const s = connect(port, '127.0.0.1', () => s.write(text));
          let out = '';
          s.on('data', (d) => (out += d));
          s.on('close', () => resolve(out));
          s.on('error', () => resolve(out));
        });
      const k = headersOf(alice);
      const lfInValue = await raw(`GET /api/org/acme HTTP/1.1\r\nHost: x\r\nCVE-API-ORG: ${k['CVE-API-ORG']}\r\nCVE-API-USER: ${k['CVE-API-USER']}\rX-Injected: 1\r\nCVE-API-KEY: ${k['CVE-API-KEY']}\r\nConnection: close\r\n\r\n`);
      assert.match(lfInValue, /^HTTP\/1\.1 400/);
      assert.doesNotMatch(lfInValue, /x-injected/i);
      // Encoded CR/LF in a query value is data: refused, and not echoed into any header.
      const q = await raw(`POST /api/cve-id?amount=1&cve_year=${year}&short_name=acme%0d%0aX-Injected:%201 HTTP/1.1\r\nHost: x\r\nCVE-API-ORG: acme\r\nCVE-API-USER: ${alice.user}\r\nCVE-API-KEY: ${alice.key}\r\nConnection: close\r\n\r\n`);
      assert.match(q, /^HTTP\/1\.1 403/);
      assert.doesNotMatch(q.split('\r\n\r\n')[0], /x-injected/i);
      assert.match(q, /ORG_CANNOT_RESERVE_FOR_OTHER/);
    });

    it('audit: every change is logged with who, when, org, action, target and before/after', async () => {
      const entries = await h.store.cna.listAudit({});
      const actions = new Set(entries.map((e) => e.action));
      for (const a of ['org.create', 'user.create', 'user.update', 'user.reset-secret', 'cve-id.reserve', 'cve-id.rejected', 'cve-id.reserved', 'cve-id.transfer', 'record.publish', 'record.publish.update', 'record.reject', 'record.reject.update', 'record.adp.add', 'record.adp.replace', 'org.update', 'cve-id-range.create']) {
        assert.ok(actions.has(a), a);
      }
      const pub = entries.find((e) => e.action === 'record.publish.update');
      assert.ok(pub && pub.before && pub.after && TS.test(pub.at) && pub.actorUser !== '');
      assert.ok(!JSON.stringify(entries).includes('scrypt$'), 'no key hashes in the audit log');
    });
  });
}

async function startCnaSmall(backend: Parameters<typeof startCna>[0]) {
  return startCna(backend, { pageSize: 2 });
}
