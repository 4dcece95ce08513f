/**
 * Reservation (spec §5): the numbering plan, and races for the last IDs of a quota on
 * every store: many parallel requests through two app instances on one database, and
 * (SQLite) several processes on one file. No ID is handed out twice; the quota holds.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openStore } from '../store/index.ts';
import { defaultYearRange, planAllocation } from '../store/cna-rows.ts';
import { cnaApp, headersOf, startCna } from '../../test/support/cna.ts';
import type { CnaHarness } from '../../test/support/cna.ts';
import { testBackends } from '../../test/support/stores.ts';

const run = promisify(execFile);
const year = new Date().getUTCFullYear();

describe('§5 allocation plan', () => {
  const range = defaultYearRange(2025);
  it('priority gives 1, 2, … then falls through to the general block', () => {
    assert.deepEqual(planAllocation(range, 'priority', 1, [], Math.random).numbers, [1]);
    assert.deepEqual(planAllocation({ ...range, priorityTop: 20_000 }, 'priority', 1, [], Math.random).numbers, [20_001]);
  });
  it('sequential gives consecutive numbers from 20001, all or nothing (YEAR_RANGE_FULL)', () => {
    const p = planAllocation(range, 'sequential', 3, [], Math.random);
    assert.deepEqual(p.numbers, [20_001, 20_002, 20_003]);
    assert.equal(p.range.generalTop, 20_003);
    const full = planAllocation({ ...range, generalTop: range.generalEnd - 1 }, 'sequential', 2, [], Math.random);
    assert.deepEqual(full.numbers, []);
  });
  it('non-sequential tops the pool up to max(3·amount, 100) and draws distinct IDs; short at the end of the block (206)', () => {
    const p = planAllocation(range, 'nonsequential', 10, [], Math.random);
    assert.equal(new Set(p.numbers).size, 10);
    assert.equal(p.numbers.length + p.newPool.length, 100);
    assert.ok(p.numbers.every((n) => n > 20_000 && n <= 20_100));
    const end = planAllocation({ ...range, generalTop: range.generalEnd - 2 }, 'nonsequential', 5, [], Math.random);
    assert.equal(end.numbers.length, 2);
    assert.equal(end.short, true);
  });
});

for (const backend of testBackends()) {
  describe(`${backend}: §5 concurrent reservations for the last IDs of a quota`, () => {
    let h: CnaHarness;
    before(async () => {
      h = await startCna(backend);
    });
    after(() => h.cleanup());

    it('80 parallel requests through two app instances on one database: exactly the quota is handed out, no ID twice (EXCEEDED_ID_QUOTA for the rest)', async () => {
      await h.org('race', ['CNA'], 25);
      const u = await h.user('race', 'rita@race.example');
      const store2 = await openStore(h.db);
      const app2 = await cnaApp(store2);
      try {
        const apps = [h.app, app2];
        const batches = ['', '&batch_type=sequential', '&batch_type=nonsequential'];
        const results = await Promise.all(
          Array.from({ length: 80 }, (_, i) =>
            apps[i % 2].inject({ method: 'POST', url: `/api/cve-id?amount=${1 + (i % 3)}&cve_year=${year}&short_name=race${batches[i % 3]}`, headers: headersOf(u) }),
          ),
        );
        const ids: string[] = [];
        for (const r of results) {
          if (r.statusCode === 200) ids.push(...JSON.parse(r.body).cve_ids.map((x: { cve_id: string }) => x.cve_id));
          else {
            assert.equal(r.statusCode, 403, r.body);
            assert.equal(JSON.parse(r.body).error, 'EXCEEDED_ID_QUOTA');
          }
        }
        assert.equal(new Set(ids).size, ids.length, 'no ID handed out twice');
        assert.ok(ids.length <= 25, `quota exceeded: ${ids.length}`);
        assert.ok(ids.length >= 23, `the quota should be (nearly) used up, got ${ids.length}`);
        const org = await h.store.cna.getOrg('race');
        assert.equal(await h.store.cna.countReserved(org!.uuid), ids.length);
        // The last ID: 30 racers for 1 remaining (or none).
        const left = 25 - ids.length;
        const last = await Promise.all(Array.from({ length: 30 }, (_, i) => apps[i % 2].inject({ method: 'POST', url: `/api/cve-id?amount=1&cve_year=${year}&short_name=race`, headers: headersOf(u) })));
        assert.equal(last.filter((r) => r.statusCode === 200).length, left);
        assert.equal(await h.store.cna.countReserved(org!.uuid), 25);
      } finally {
        await app2.close();
        await store2.close();
      }
    });

    it('four processes racing on one database never exceed the quota or share an ID', async () => {
      await h.org('procs', ['CNA'], 30);
      await h.user('procs', 'pia@procs.example');
      const worker = join(import.meta.dirname, '../../test/support/cna-reserve-worker.ts');
      const outs = await Promise.all(
        Array.from({ length: 4 }, () => run(process.execPath, [worker, h.db, 'procs', 'pia@procs.example', '15', String(year)], { env: process.env })),
      );
      const got = outs.flatMap((o) => (JSON.parse(o.stdout) as { got: string[] }).got);
      const refused = outs.flatMap((o) => (JSON.parse(o.stdout) as { refused: string[] }).refused);
      assert.equal(got.length, 30);
      assert.equal(new Set(got).size, 30);
      assert.deepEqual([...new Set(refused)], ['EXCEEDED_ID_QUOTA']);
    });

    it('IDs reserved upstream: one taken by another org refuses the whole insert, and nothing of it stays (IDs, year counters, audit)', async () => {
      await h.org('upa', ['CNA'], 100);
      await h.org('upb', ['CNA'], 100);
      const a = (await h.store.cna.getOrg('upa'))!.uuid;
      const b = (await h.store.cna.getOrg('upb'))!.uuid;
      const y = year + 3;
      const at = new Date().toISOString();
      const id = (owner: string, n: number) => ({
        cveId: `CVE-${y}-${n}`, year: y, number: n, state: 'RESERVED' as const, owningOrg: owner, requestedByOrg: owner, requestedByUser: '',
        reserved: at, created: at, modified: at, rev: 1,
      });
      const audit = (org: string) => ({ at, actorOrg: org, actorUser: '', org, action: 'cve-id.upstream', target: `CVE-${y}` });
      assert.equal(await h.store.cna.insertCveIds([id(a, 1500)], audit(a)), 'ok');
      const range = await h.store.cna.getYearRange(y);
      const auditBefore = (await h.store.cna.listAudit({ org: b })).length;
      // 90000 first: its year counter moves and its row is written before the conflict on 1500.
      assert.equal(await h.store.cna.insertCveIds([id(b, 90000), id(b, 1500)], audit(b)), 'conflict');
      assert.equal(await h.store.cna.getCveId(`CVE-${y}-90000`), undefined);
      assert.equal((await h.store.cna.getCveId(`CVE-${y}-1500`))?.owningOrg, a);
      assert.deepEqual(await h.store.cna.getYearRange(y), range);
      assert.equal((await h.store.cna.listAudit({ org: b })).length, auditBefore);
      // The store still works after the rollback: the same insert without the taken ID goes in.
      assert.equal(await h.store.cna.insertCveIds([id(b, 90000)], audit(b)), 'ok');
      assert.equal((await h.store.cna.getCveId(`CVE-${y}-90000`))?.owningOrg, b);
      assert.notDeepEqual(await h.store.cna.getYearRange(y), range);
    });
  });
}
