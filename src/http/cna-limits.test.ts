/**
 * Failed key checks are limited across processes (issue 5 §1, §3): two CNA API instances,
 * each with its own store connection, on one database (as two app processes would be)
 * share the counters in `cna_failures`: failures add up, a lockout holds on both, parallel
 * guesses racing through both get exactly the limit's number of key checks, a good key
 * gives its attempt back, and the window expires (purge deletes the rows).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { SharedLimiter } from '../cna/index.ts';
import type { LimiterOptions } from '../cna/index.ts';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { cnaApp, headersOf, startCna } from '../../test/support/cna.ts';
import type { CnaHarness, Creds } from '../../test/support/cna.ts';
import { testBackends } from '../../test/support/stores.ts';

interface Pair {
  readonly h: CnaHarness;
  readonly second: Store;
  readonly b: FastifyInstance;
  /** Request on instance A (0) or B (1). */
  req(on: 0 | 1, url: string, c: Creds): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

async function pair(backend: Parameters<typeof startCna>[0], limiter: LimiterOptions): Promise<Pair> {
  const h = await startCna(backend, { limiter });
  const second = await openStore(h.db);
  const b = await cnaApp(second, { limiter });
  return {
    h, second, b,
    req: (on, url, c) => (on === 0 ? h.app : b).inject({ method: 'GET', url, headers: headersOf(c) }),
    async close() {
      await b.close();
      await second.close();
      await h.cleanup();
    },
  };
}

const wrong = (c: Creds, n: number): Creds => ({ ...c, key: `wrong-key-${n}-${'x'.repeat(40)}` });

for (const backend of testBackends()) {
  describe(`${backend}: failure limits shared by two app instances on one store`, () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    let p: Pair;
    let alice: Creds;
    before(async () => {
      p = await pair(backend, { maxPerUser: 5, maxPerIp: 1000, now: () => clock });
      await p.h.org('acme', ['CNA'], 10);
      alice = await p.h.user('acme', 'alice@acme.example');
    });
    after(() => p.close());

    it('failures on A and on B add up: 3 + 2 lock the user on both, even with the right key', async () => {
      for (const [i, on] of [0, 1, 0, 1, 0].entries()) assert.equal((await p.req(on as 0 | 1, '/api/org/acme', wrong(alice, i))).statusCode, 401);
      for (const on of [0, 1] as const) {
        const r = await p.req(on, '/api/org/acme', alice);
        assert.equal(r.statusCode, 429, `instance ${on}`);
        assert.equal((r.json() as { error: string }).error, 'TOO_MANY_REQUESTS');
      }
    });

    it('the window expires: the right key works again on both, and purge deletes the old counters', async () => {
      clock += 15 * 60_000 + 1;
      assert.equal((await p.req(1, '/api/org/acme', alice)).statusCode, 200);
      assert.equal((await p.req(0, '/api/org/acme', alice)).statusCode, 200);
      const limiter = new SharedLimiter(p.second.cna, { kind: 'api', now: () => clock + 15 * 60_000 + 1 });
      assert.ok((await limiter.purge()) >= 1, 'the address counter of the old window is gone');
    });

    it('parallel wrong keys racing through both instances: exactly 5 key checks run (401), every other attempt is 429', async () => {
      const bob = await p.h.user('acme', 'bob@acme.example');
      const rs = await Promise.all(Array.from({ length: 24 }, (_, i) => p.req((i % 2) as 0 | 1, '/api/org/acme', wrong(bob, i))));
      const codes = rs.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 401).length, 5, codes.join(' '));
      assert.equal(codes.filter((c) => c === 429).length, 19, codes.join(' '));
      assert.equal((await p.req(0, '/api/org/acme', bob)).statusCode, 429);
    });
  });

  describe(`${backend}: a good key gives its attempt back; the address limit is shared too`, () => {
    let p: Pair;
    before(async () => {
      p = await pair(backend, { maxPerUser: 4, maxPerIp: 9 });
      await p.h.org('acme', ['CNA'], 10);
    });
    after(() => p.close());

    it('good keys never count against the address; a good key clears its user\'s count; wrong keys on A and B add up for the address', async () => {
      const users = await Promise.all(['u1@acme.example', 'u2@acme.example', 'u3@acme.example', 'u4@acme.example'].map((u) => p.h.user('acme', u)));
      // Each first request per instance runs the slow check: charged, then given back (else 8 ≥ 9 - 1 soon).
      for (const u of users) for (const on of [0, 1] as const) assert.equal((await p.req(on, '/api/org/acme', u)).statusCode, 200);
      const carol = await p.h.user('acme', 'carol@acme.example');
      // 3 failures, a good key (checked afresh in A: clears carol's count), 3 more: never locked (limit 4).
      for (let i = 0; i < 3; i++) assert.equal((await p.req((i % 2) as 0 | 1, '/api/org/acme', wrong(carol, i))).statusCode, 401);
      assert.equal((await p.req(0, '/api/org/acme', carol)).statusCode, 200);
      for (let i = 3; i < 6; i++) assert.equal((await p.req((i % 2) as 0 | 1, '/api/org/acme', wrong(carol, i))).statusCode, 401);
      assert.equal((await p.req(1, '/api/org/acme', carol)).statusCode, 200, 'B checks it afresh: 3 < 4');
      // Six failures from 127.0.0.1 so far; three more by another user make nine: the address is locked for all, on both.
      for (let i = 6; i < 9; i++) assert.equal((await p.req((i % 2) as 0 | 1, '/api/org/acme', wrong(users[1], i))).statusCode, 401);
      for (const on of [0, 1] as const) assert.equal((await p.req(on, '/api/org/acme', users[3])).statusCode, 429);
    });
  });
}
