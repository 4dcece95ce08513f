/**
 * The enrichment store's batch writes (set-based on both backends): every outcome of NVD and
 * legacy writes in batches larger than one multi-row statement and with a remainder, on
 * SQLite and PostgreSQL alike, and `bulkImport` leaving the store as it was.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CveId } from '../cve/index.ts';
import type { LegacyEntryWrite, NvdRecordWrite } from '../store/index.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import { sha256 } from './store-import.ts';

const id = (n: number) => `CVE-1999-${String(1000 + n).padStart(4, '0')}` as CveId;

function legacy(n: number, text = `entry ${n}`, release?: string): LegacyEntryWrite {
  const json = JSON.stringify({ name: id(n), text });
  return { cveId: id(n), format: 'cve-1.0-xml', originalName: `CAN-1999-${1000 + n}`, status: 'Candidate', rejected: false, reserved: n % 7 === 0, disputed: false, replacedBy: n % 5 === 0 ? [id(n + 1)] : [], json, hash: sha256(json), ...(release ? { release } : {}), origin: `allitems.xml line ${n}` };
}

function nvd(n: number, lastModified: string, text = 'a'): NvdRecordWrite {
  const json = JSON.stringify({ id: id(n), lastModified, text });
  return { cveId: id(n), format: 'api-2.0', json, hash: sha256(json), lastModified, published: '1999-01-01T00:00:00.000Z', vulnStatus: 'Analyzed', origin: `page ${n}` };
}

for (const backend of testBackends()) {
  describe(`${backend}: enrichment batch writes`, () => {
    test('legacy entries: added, unchanged (last seen and release touched), updated, in batches of 250', async () => {
      const t = await openTestStore(backend);
      try {
        const s = t.store.enrich;
        const first = await s.bulkImport(() => s.writeLegacyEntries(Array.from({ length: 250 }, (_, i) => legacy(i))));
        assert.deepEqual(new Set(first), new Set(['added']));
        assert.equal(first.length, 250);
        const [before] = await s.getLegacyEntries(id(3));
        const mixed = Array.from({ length: 260 }, (_, i) => (i % 3 === 0 ? legacy(i, `changed ${i}`) : legacy(i, undefined, '2024.01.01')));
        const out = await s.writeLegacyEntries(mixed);
        out.forEach((o, i) => assert.equal(o, i >= 250 ? 'added' : i % 3 === 0 ? 'updated' : 'unchanged', `entry ${i}`));
        const [changed] = await s.getLegacyEntries(id(3));
        assert.equal(JSON.parse(changed.json).text, 'changed 3');
        assert.equal(changed.firstSeen, before.firstSeen);
        const [same] = await s.getLegacyEntries(id(4));
        assert.equal(same.release, '2024.01.01', 'an unchanged entry takes the release it was seen in');
        assert.ok(same.lastSeen >= before.lastSeen);
        const [r5] = await s.getLegacyEntries(id(5));
        assert.deepEqual(r5.replacedBy, [id(6)]);
        assert.equal(r5.origin, 'allitems.xml line 5');
        assert.equal((await s.counts()).legacyEntries, 260);
      } finally {
        await t.cleanup();
      }
    });

    test('NVD records: added, unchanged, updated (newer), older (history only), in batches of 230', async () => {
      const t = await openTestStore(backend);
      try {
        const s = t.store.enrich;
        const T1 = '2024-01-01T00:00:00.000Z';
        const first = await s.writeNvdRecords(Array.from({ length: 230 }, (_, i) => nvd(i, T1)), { key: 'bench:cursor', value: '1' });
        assert.equal(first.filter((o) => o === 'added').length, 230);
        assert.equal(await t.store.getMeta('bench:cursor'), '1');
        const mixed = Array.from({ length: 240 }, (_, i) => {
          if (i >= 230) return nvd(i, T1);
          if (i % 3 === 0) return nvd(i, T1);
          if (i % 3 === 1) return nvd(i, '2024-06-01T00:00:00.000Z', 'newer');
          return nvd(i, '2023-06-01T00:00:00.000Z', 'older');
        });
        const out = await s.bulkImport(() => s.writeNvdRecords(mixed));
        out.forEach((o, i) => assert.equal(o, i >= 230 ? 'added' : (['unchanged', 'updated', 'older'] as const)[i % 3], `record ${i}`));
        const newer = await s.getNvdRecord(id(1));
        assert.equal(newer?.version, 2);
        assert.equal(JSON.parse(newer?.json ?? '{}').text, 'newer');
        const kept = await s.getNvdRecord(id(2));
        assert.equal(kept?.version, 1, 'an older version does not become current');
        assert.deepEqual((await s.listNvdVersions(id(2))).map((v) => [v.version, v.current]), [[1, true], [2, false]]);
        const c = await s.counts();
        assert.equal(c.nvdRecords, 240);
        assert.equal(c.nvdVersions, 240 + 2 * Math.ceil(230 / 3) - 1);
        // The same batch again: nothing new.
        assert.deepEqual(new Set(await s.writeNvdRecords(mixed)), new Set(['unchanged']));
      } finally {
        await t.cleanup();
      }
    });
  });
}
