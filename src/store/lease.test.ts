/**
 * `swapMeta` (compare and set across processes) and the leases made of it, on both stores:
 * one holder at a time, a refusal that names the holder, expiry, the immediate takeover of a
 * killed holder's lease on this host, renewal, and a lease lost to another process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { openTestStore, testBackends, type TestStore } from '../../test/support/stores.ts';
import { acquireLease, LeaseHeldError, type LeaseHolder } from './lease.ts';
import { openStore } from './open.ts';
import type { Store } from './types.ts';

const holderText = (h: Partial<LeaseHolder>): string =>
  JSON.stringify({ id: 'other', host: 'elsewhere.example', pid: 4242, what: 'cvekit sync --from /x', since: '2026-01-01T00:00:00.000Z', expiresAt: '2999-01-01T00:00:00.000Z', ...h });

for (const backend of testBackends()) {
  describe(`${backend}: swapMeta and leases`, () => {
    let t: TestStore;
    let s: Store;
    let other: Store;
    before(async () => {
      t = await openTestStore(backend);
      s = t.store;
      other = await openStore(t.db);
    });
    after(async () => {
      await other.close();
      await t.cleanup();
    });

    it('swapMeta sets, replaces and removes a value only while it holds what the caller expects', async () => {
      assert.equal(await s.swapMeta('k', undefined, 'a'), true);
      assert.equal(await s.swapMeta('k', undefined, 'b'), false, 'present: not absent');
      assert.equal(await s.swapMeta('k', 'x', 'b'), false);
      assert.equal(await s.getMeta('k'), 'a');
      assert.equal(await s.swapMeta('k', 'a', 'b'), true);
      assert.equal(await s.swapMeta('k', 'b', undefined), true);
      assert.equal(await s.getMeta('k'), undefined);
      assert.equal(await s.swapMeta('k', 'b', undefined), false);
    });

    it('racing swaps from two store instances: exactly one wins', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? s : other).swapMeta('race', undefined, `w${i}`)));
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal(await s.getMeta('race'), `w${winner}`);
      const again = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? s : other).swapMeta('race', `w${winner}`, `v${i}`)));
      assert.equal(again.filter(Boolean).length, 1);
    });

    it('one holder at a time; the refusal names the holder; released, it can be taken again', async () => {
      const lease = await acquireLease(s, 'sync:test', { what: 'cvekit sync --from /srv/releases' });
      assert.equal(lease.holder.host, hostname());
      assert.equal(lease.holder.pid, process.pid);
      await assert.rejects(acquireLease(other, 'sync:test', { what: 'a second sync' }), (err: unknown) => {
        assert.ok(err instanceof LeaseHeldError);
        assert.equal(err.holder.what, 'cvekit sync --from /srv/releases');
        assert.match(err.message, new RegExp(`^already running: cvekit sync --from /srv/releases \\(host ${hostname().replace(/\./g, '\\.')}, pid ${process.pid}, since \\d{4}-.*\\); its lease sync:test lasts until \\d{4}-`));
        return true;
      });
      await lease.release();
      assert.equal(await s.getMeta('lease:sync:test'), undefined);
      const next = await acquireLease(other, 'sync:test');
      await next.release();
    });

    it('an expired lease is taken; a live one on another host is not; one whose process on this host is gone is taken at once', async () => {
      await s.setMeta('lease:a', holderText({ expiresAt: '2020-01-01T00:00:00.000Z' }));
      const expired = await acquireLease(s, 'a');
      await expired.release();

      await s.setMeta('lease:b', holderText({}));
      await assert.rejects(acquireLease(s, 'b'), /already running: cvekit sync --from \/x \(host elsewhere\.example, pid 4242/);

      const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      await s.setMeta('lease:c', holderText({ host: hostname(), pid: Number(gone.stdout) }));
      const killed = await acquireLease(s, 'c');
      assert.equal(killed.holder.pid, process.pid);
      await killed.release();

      await s.setMeta('lease:d', '{not json');
      const corrupt = await acquireLease(s, 'd');
      await corrupt.release();
    });

    it('a held lease is renewed before it runs out; taken by another process, it is lost and its release leaves the other alone', async () => {
      const lease = await acquireLease(s, 'renewed', { ttlMs: 1500 });
      const first = lease.holder.expiresAt;
      await sleep(1200);
      assert.ok(lease.holder.expiresAt > first, `renewed: ${first} → ${lease.holder.expiresAt}`);
      assert.equal(JSON.parse((await s.getMeta('lease:renewed')) as string).expiresAt, lease.holder.expiresAt);
      await assert.rejects(acquireLease(other, 'renewed'), LeaseHeldError);
      // Another process takes it over (as after this one stalled past its expiry).
      const theirs = holderText({ id: 'theirs' });
      await s.setMeta('lease:renewed', theirs);
      for (let i = 0; i < 40 && !lease.lost; i++) await sleep(100);
      assert.equal(lease.lost, true);
      await lease.release();
      assert.equal(await s.getMeta('lease:renewed'), theirs);
    });
  });
}
