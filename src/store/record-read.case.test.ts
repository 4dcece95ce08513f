/**
 * The record read path under concurrency, on each backend in `CVEKIT_TEST_STORES`:
 * `getRecord` look-ups that run at the same time (PostgreSQL shares statements between
 * them) answer each name with its own record, never a stale one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CveRecordJson } from '../cve/index.ts';
import { openTestStore, realRecordLines, recordWrite, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';
import { batchLoader } from './postgres/batch-loader.ts';

for (const backend of testBackends()) {
  describe(`${backend}: getRecord under concurrency`, () => {
    let t: TestStore;
    let lines: string[];
    before(async () => {
      t = await openTestStore(backend);
      lines = realRecordLines(300);
      await t.store.writeBatch(lines.map((l) => recordWrite(l)));
    });
    after(() => t.cleanup());

    it('answers 600 concurrent look-ups (duplicates and unknown names among them) each with its own record', async () => {
      const ids = lines.map((l) => (JSON.parse(l) as CveRecordJson).cveMetadata.cveId);
      const asked = [...ids, ...ids.slice(0, 150), 'CVE-1999-99999999', 'CVE-2099-0001', ...ids.slice(150).reverse()];
      const got = await Promise.all(asked.map((id) => t.store.getRecord(id)));
      const byId = new Map(lines.map((l) => [(JSON.parse(l) as CveRecordJson).cveMetadata.cveId, l]));
      got.forEach((r, i) => {
        const want = byId.get(asked[i]);
        if (want === undefined) assert.equal(r, undefined, asked[i]);
        else {
          assert.equal(r?.cveId, asked[i]);
          assert.equal(r?.json, want, `${asked[i]}: the stored JSON, byte for byte`);
        }
      });
    });

    it('a look-up asked for after a write sees the write, even while other look-ups are running', async () => {
      const id = (JSON.parse(lines[0]) as CveRecordJson).cveMetadata.cveId;
      const record = JSON.parse(lines[0]) as CveRecordJson;
      const running = Promise.all(lines.map((l) => t.store.getRecord((JSON.parse(l) as CveRecordJson).cveMetadata.cveId)));
      const changed = { ...record, cveMetadata: { ...record.cveMetadata, dateUpdated: '2099-01-01T00:00:00.000Z' } };
      await t.store.writeBatch([recordWrite(changed)]);
      const after = await t.store.getRecord(id);
      assert.equal(after?.json, JSON.stringify(changed));
      assert.equal(after?.version, 2);
      await running;
    });
  });
}

describe('batchLoader', () => {
  it('runs at most maxInFlight fetches, puts the keys asked for meanwhile in the next one, and answers each key', async () => {
    const calls: string[][] = [];
    let running = 0;
    let most = 0;
    const loader = batchLoader<string, string>(async (keys) => {
      calls.push(keys);
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return new Map(keys.filter((k) => k !== 'missing').map((k) => [k, k.toUpperCase()]));
    }, 2);
    const first = await loader.load('a');
    assert.equal(first, 'A');
    assert.deepEqual(calls, [['a']], 'alone: one fetch of one key');
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    const got = await Promise.all([...keys, 'k1', 'missing'].map((k) => loader.load(k)));
    assert.deepEqual(got, [...keys.map((k) => k.toUpperCase()), 'K1', undefined]);
    assert.ok(most <= 2, `at most 2 fetches at once, saw ${most}`);
    const later = calls.slice(1);
    assert.equal(later.length, 1, 'keys asked for in the same turn share one fetch');
    assert.equal(new Set(later.flat()).size, later.flat().length, 'a key appears once per fetch');
  });

  it('splits more than maxKeys keys over several fetches and passes a failure to every key of its fetch', async () => {
    const sizes: number[] = [];
    const loader = batchLoader<number, number>(async (keys) => {
      sizes.push(keys.length);
      if (keys.includes(7)) throw new Error('boom');
      return new Map(keys.map((k) => [k, k * 2]));
    }, 1, 4);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => loader.load(i)));
    assert.deepEqual(sizes, [4, 4, 2]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed')),
      [0, 2, 4, 6, 'failed', 'failed', 'failed', 'failed', 16, 18],
    );
  });
});
