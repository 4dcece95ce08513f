/**
 * Resolving CVE names, one and in bulk, on each backend: canonical names from any syntax
 * (X1520-10.1, 10.2), rejected names with their replacements (X1520-7.7, 7.8), URL
 * templates (X1520-A.4.1.1), unknown and invalid names with reasons.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestStore, recordWrite, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';
import { resolveMany, resolveName, ResolveError } from './resolve.ts';

function record(cveId: string, rejected?: { replacedBy: string[] }) {
  const org = '00000000-0000-4000-8000-000000000001';
  const date = '2024-01-01T00:00:00.000Z';
  const cna = rejected
    ? { providerMetadata: { orgId: org, dateUpdated: date }, rejectedReasons: [{ lang: 'en', value: 'Duplicate.' }], replacedBy: rejected.replacedBy }
    : {
        providerMetadata: { orgId: org, dateUpdated: date },
        descriptions: [{ lang: 'en', value: `A flaw (${cveId}).` }],
        affected: [{ vendor: 'Acme', product: 'widget', versions: [{ version: '1.0', status: 'affected' }] }],
        references: [{ url: 'https://example.com/a' }],
      };
  return JSON.stringify({
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: { cveId, assignerOrgId: org, state: rejected ? 'REJECTED' : 'PUBLISHED', ...(rejected ? { dateRejected: date } : { datePublished: date }), dateUpdated: date },
    containers: { cna },
  });
}

for (const backend of testBackends()) {
  describe(`${backend}: resolve`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
      await t.store.writeBatch(
        [
          record('CVE-1999-0067'),
          record('CVE-2021-44228'),
          record('CVE-2024-1234567'),
          record('CVE-2024-0002', { replacedBy: ['CVE-2024-1234567', 'CVE-2021-44228'] }),
        ].map((j) => recordWrite(j)),
      );
    });
    after(() => t.cleanup());

    it('X1520-10.2 X1520-A.4.1.1: CAN-1999-0067 resolves to CVE-1999-0067 and its URL', async () => {
      assert.deepEqual(await resolveName(t.store, 'CAN-1999-0067'), {
        found: true,
        query: 'CAN-1999-0067',
        cveId: 'CVE-1999-0067',
        state: 'PUBLISHED',
        replacedBy: [],
        url: '/cve/CVE-1999-0067',
      });
      const abs = await resolveName(t.store, '1999-0067', { baseUrl: 'https://cve.example.org/' });
      assert.ok(abs.found && abs.url === 'https://cve.example.org/cve/CVE-1999-0067');
    });

    for (const input of ['2021-44228', 'cve 2021 44228', 'CVE–2021–44228', 'ＣＶＥ－２０２１－４４２２８', 'CVE%2D2021%2D44228', ' cve-2021-44228 ']) {
      it(`X1520-10.1: ${JSON.stringify(input)} resolves to CVE-2021-44228`, async () => {
        const r = await resolveName(t.store, input);
        assert.ok(r.found);
        assert.equal(r.cveId, 'CVE-2021-44228');
        assert.equal(r.query, input);
      });
    }

    it('X1520-7.7 X1520-7.8: a rejected name gives its state and replacements in CVE-name order', async () => {
      const r = await resolveName(t.store, 'can-2024-0002');
      assert.ok(r.found);
      assert.equal(r.state, 'REJECTED');
      assert.deepEqual(r.replacedBy, ['CVE-2021-44228', 'CVE-2024-1234567']);
    });

    it('not a CVE name: the reason; well-formed but unknown: said so', async () => {
      const bad = await resolveName(t.store, 'CVE-2021-01234');
      assert.ok(!bad.found);
      assert.equal(bad.code, 'NOT_A_CVE_NAME');
      assert.match(bad.reason, /leading zero/);
      const junk = await resolveName(t.store, "'; DROP TABLE records; --");
      assert.ok(!junk.found && junk.code === 'NOT_A_CVE_NAME');
      const unknown = await resolveName(t.store, '2023-9999');
      assert.ok(!unknown.found);
      assert.equal(unknown.code, 'UNKNOWN_CVE_NAME');
      assert.equal(unknown.cveId, 'CVE-2023-9999');
      assert.match(unknown.reason, /well-formed CVE name, but there is no record of it here/);
    });

    it('bulk list: one answer per input, in order, with counts', async () => {
      const r = await resolveMany(t.store, ['CAN-1999-0067', 'nope', '2023-9999', 'cve-2024-0002', 'CVE-1999-0067']);
      assert.deepEqual(
        r.items.map((i) => [i.query, i.found, i.found ? i.cveId : i.code]),
        [
          ['CAN-1999-0067', true, 'CVE-1999-0067'],
          ['nope', false, 'NOT_A_CVE_NAME'],
          ['2023-9999', false, 'UNKNOWN_CVE_NAME'],
          ['cve-2024-0002', true, 'CVE-2024-0002'],
          ['CVE-1999-0067', true, 'CVE-1999-0067'],
        ],
      );
      assert.deepEqual([r.found, r.unknown, r.invalid], [3, 1, 1]);
    });

    it('bulk text: every CVE name in a pasted advisory, once, in order; malformed ones listed as invalid', async () => {
      const text = 'Fixes can-1999-0067 and CVE–2021–44228 (see also CVE-2021-44228, CVE-2021-01234 and CVE-2030-1111).';
      const r = await resolveMany(t.store, text);
      assert.deepEqual(
        r.items.map((i) => [i.query, i.found ? i.cveId : i.code]),
        [
          ['can-1999-0067', 'CVE-1999-0067'],
          ['CVE–2021–44228', 'CVE-2021-44228'],
          ['CVE-2021-01234', 'NOT_A_CVE_NAME'],
          ['CVE-2030-1111', 'UNKNOWN_CVE_NAME'],
        ],
      );
    });

    it('bulk: 10,000 names in a few batched reads; more is a clear error', async () => {
      const names = Array.from({ length: 10_000 }, (_, i) => (i % 2 ? `CVE-2024-${1_000_000 + i}` : '2021-44228'));
      let calls = 0;
      const counting = { search: { ...t.store.search, getStates: (ids: readonly string[]) => (calls++, t.store.search.getStates(ids)) } };
      const r = await resolveMany(counting, names);
      assert.equal(r.items.length, 10_000);
      assert.equal(r.found, 5000);
      assert.ok(calls <= 6, `${calls} store reads`);
      await assert.rejects(resolveMany(t.store, [...names, 'x']), (e: unknown) => e instanceof ResolveError && e.code === 'TOO_MANY_NAMES');
    });
  });
}
