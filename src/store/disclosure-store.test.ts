import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from './open.ts';
import type { Store } from './types.ts';
import type { DisclosureCaseRow } from './disclosure-types.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';

const T0 = '2025-03-01T10:00:00.000Z';
const caseRow = (id: string, revision: number, snapshot = '{}'): DisclosureCaseRow => ({ id, revision, createdAt: T0, updatedAt: T0, open: true, snapshot });

for (const backend of testBackends()) {
  describe(`${backend}: disclosure store`, () => {
    let t: TestStore;
    let s: Store;
    before(async () => {
      t = await openTestStore(backend);
      s = t.store;
    });
    after(() => t.cleanup());

    it('saves a case only at the revision the writer read (no lost update)', async () => {
      await s.disclosure.createCase(caseRow('c1', 1), [{ caseId: 'c1', seq: 1, at: T0, actor: 'team', type: 'case-opened', data: '{}' }]);
      const ok = await s.disclosure.saveCase(caseRow('c1', 2, '{"a":1}'), 1, [{ caseId: 'c1', seq: 2, at: T0, actor: 'team', type: 'note', data: '{}' }]);
      const stale = await s.disclosure.saveCase(caseRow('c1', 2, '{"b":1}'), 1, [{ caseId: 'c1', seq: 2, at: T0, actor: 'other', type: 'note', data: '{}' }]);
      assert.equal(ok, true);
      assert.equal(stale, false);
      assert.equal((await s.disclosure.getCase('c1'))?.snapshot, '{"a":1}');
      assert.deepEqual((await s.disclosure.listCaseEvents('c1')).map((e) => [e.seq, e.actor]), [[1, 'team'], [2, 'team']]);
    });

    it('racing savers of one case: exactly one wins', async () => {
      await s.disclosure.createCase(caseRow('c2', 1), []);
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => s.disclosure.saveCase(caseRow('c2', 2, `{"w":${i}}`), 1, [])));
      assert.equal(results.filter(Boolean).length, 1);
    });

    it('keeps files as bytes with their hash, and side writes in one transaction', async () => {
      const bytes = new Uint8Array([0, 1, 2, 255]);
      await s.disclosure.insertReport({ id: 'r1', receivedAt: T0, status: 'open', body: 'opaque' }, {
        files: [{ id: 'f1', reportId: 'r1', name: 'poc.bin', mediaType: 'application/octet-stream', size: 4, sha256: 'x', uploadedBy: 'finder', createdAt: T0, bytes }],
        tokens: [{ hash: 'h1', kind: 'finder', reportId: 'r1', createdAt: T0, expiresAt: '2026-01-01T00:00:00.000Z', revoked: false }],
        audit: [{ at: T0, actor: 'anonymous', action: 'report.submit', reportId: 'r1' }],
      });
      assert.deepEqual((await s.disclosure.getFile('f1'))?.bytes, bytes);
      assert.equal((await s.disclosure.listFiles({ reportIds: ['r1'] })).length, 1);
      assert.equal((await s.disclosure.findToken('h1'))?.reportId, 'r1');
      assert.equal((await s.disclosure.listReports({ untriaged: true })).length, 1);
      await assert.rejects(s.disclosure.insertReport({ id: 'r1', receivedAt: T0, status: 'open', body: 'dup' }, { audit: [{ at: T0, actor: 'x', action: 'dup', reportId: 'r1' }] }));
      assert.equal((await s.disclosure.listAudit({ reportId: 'r1' })).length, 1, 'the failed insert left no audit entry');
    });

    it('refuses to change or delete audit entries', async () => {
      await s.disclosure.appendAudit([{ at: T0, actor: 'team', action: 'case.read', caseId: 'c1' }]);
      const other = await openStore(t.db);
      try {
        const sql = 'DELETE FROM disclosure_audit';
        if (backend === 'sqlite') {
          const { DatabaseSync } = await import('node:sqlite');
          const db = new DatabaseSync(t.db.slice('sqlite:'.length));
          assert.throws(() => db.exec(sql), /append-only/);
          assert.throws(() => db.exec("UPDATE disclosure_audit SET actor = 'x'"), /append-only/);
          db.close();
        } else {
          const pg = (await import('pg')).default;
          const c = new pg.Client({ connectionString: t.db });
          await c.connect();
          await assert.rejects(c.query(sql), /append-only/);
          await c.end();
        }
      } finally {
        await other.close();
      }
    });

    it('claims a job key once across store instances; enqueue with a claim queues once', async () => {
      const other = await openStore(t.db);
      try {
        const claims = await Promise.all([s, other, s, other].map((st, i) => st.disclosure.claimJob('job-1', `p${i}`, T0)));
        assert.equal(claims.filter(Boolean).length, 1);
        const item = { key: 'mail-1', channel: 'mail' as const, payload: '{}', createdAt: T0 };
        const queued = await Promise.all([s, other].map((st) => st.disclosure.enqueue([item], { key: 'rem-1', owner: 'x', at: T0 })));
        assert.deepEqual(queued.sort(), [false, true]);
        assert.equal((await s.disclosure.listOutbox()).filter((o) => o.key === 'mail-1').length, 1);
      } finally {
        await other.close();
      }
    });

    it('leases a queue item to one worker, logs attempts, retries and gives up', async () => {
      const other = await openStore(t.db);
      try {
        await s.disclosure.enqueue([{ key: 'w-1', channel: 'webhook', payload: '{}', createdAt: T0 }]);
        const [a, b] = await Promise.all([s.disclosure.leaseOutbox(T0, '2025-03-01T10:01:00.000Z', 10), other.disclosure.leaseOutbox(T0, '2025-03-01T10:01:00.000Z', 10)]);
        const got = [...a, ...b].filter((o) => o.key === 'w-1');
        assert.equal(got.length, 1);
        await s.disclosure.finishOutbox(got[0].id, { ok: false, at: T0, detail: 'refused', retryAt: '2025-03-01T10:05:00.000Z' });
        assert.equal((await s.disclosure.leaseOutbox('2025-03-01T10:02:00.000Z', '2025-03-01T10:03:00.000Z', 10)).filter((o) => o.key === 'w-1').length, 0);
        const again = (await s.disclosure.leaseOutbox('2025-03-01T10:05:00.000Z', '2025-03-01T10:06:00.000Z', 10)).filter((o) => o.key === 'w-1');
        assert.equal(again.length, 1);
        await s.disclosure.finishOutbox(again[0].id, { ok: true, at: '2025-03-01T10:05:01.000Z', detail: '200' });
        const log = await s.disclosure.listDeliveryLog(again[0].id);
        assert.deepEqual(log.map((l) => [l.attempt, l.ok]), [[1, false], [2, true]]);
        assert.equal((await s.disclosure.listOutbox({ status: 'sent' })).some((o) => o.key === 'w-1'), true);
      } finally {
        await other.close();
      }
    });
  });
}
