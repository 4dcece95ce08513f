/**
 * The repository status every answer's `x-cve-content-date` comes from: computed once for
 * many requests at the same time, and refreshed by one query past its 5 s lifetime while
 * requests keep getting the last status (X1520-9.1: the date is still stated on each answer).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { openTestStore, realRecordLines, recordWrite, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';
import type { Store } from '../store/index.ts';
import { createContext } from './context.ts';

/** The real store, counting the `counts()` calls the status makes (the expensive part). */
function counting(store: Store): { store: Store; calls: () => number } {
  let n = 0;
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'counts') {
        return async () => {
          n++;
          return target.counts();
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store: wrapped, calls: () => n };
}

for (const backend of testBackends()) {
  describe(`${backend}: repository status for every answer (X1520-9.1)`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
      await t.store.writeBatch(realRecordLines(5).map((l) => recordWrite(l)));
    });
    after(() => t.cleanup());

    it('X1520-9.1: 64 requests at once compute the status once; past 5 s one refresh runs and requests get the last status meanwhile', async () => {
      mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
      try {
        const c = counting(t.store);
        const ctx = createContext(c.store, () => new Date('2025-01-01T00:00:00Z'));
        const first = await Promise.all(Array.from({ length: 64 }, () => ctx.status()));
        assert.equal(c.calls(), 1);
        assert.ok(first.every((s) => s === first[0] && s.counts.total === 5));
        await Promise.all(Array.from({ length: 64 }, () => ctx.status()));
        assert.equal(c.calls(), 1, 'within 5 s: the cached status');

        await t.store.writeBatch(realRecordLines(8).slice(5).map((l) => recordWrite(l)));
        mock.timers.tick(5_001);
        const stale = await Promise.all(Array.from({ length: 64 }, () => ctx.status()));
        assert.ok(stale.every((s) => s.counts.total === 5), 'answered at once with the last status');
        assert.equal(c.calls(), 2, 'one refresh for all of them');
        // The refresh lands; later requests see the new counts.
        let fresh = await ctx.status();
        for (let i = 0; i < 500 && fresh.counts.total !== 8; i++) {
          await new Promise((r) => setTimeout(r, 10));
          fresh = await ctx.status();
        }
        assert.equal(fresh.counts.total, 8);
        assert.equal(c.calls(), 2);
      } finally {
        mock.timers.reset();
      }
    });
  });
}
