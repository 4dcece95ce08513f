/**
 * The upstream relay (issue 5 §4) against a second cvekit server on 127.0.0.1, on every
 * store: reserve and publish go upstream first, local IDs are upstream's; upstream down →
 * queued → retried with backoff when it is back; two workers never run one item twice;
 * a refusal is shown, not queued. And the repository write after a record change is
 * recoverable (issue 5 robustness): failing it leaves a pending mark that the resync
 * writes, once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../http/app.ts';
import type { Store } from '../store/index.ts';
import { sampleContainer } from '../../test/support/cna.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import { CnaError, CnaRelay, CnaService, SYSTEM_ACTOR, seal, unseal } from './index.ts';
import type { Actor } from './index.ts';

const KEY = randomBytes(32);

for (const backend of testBackends()) {
  describe(`${backend}: upstream relay`, () => {
    let up: { store: Store; cleanup(): Promise<void> };
    let local: { store: Store; cleanup(): Promise<void> };
    let upApp: FastifyInstance | undefined;
    let port = 0;
    let upService: CnaService;
    let service: CnaService;
    let relay: CnaRelay;
    let alice: Actor;
    let clock = Date.now();
    const year = new Date().getUTCFullYear();

    const startUpstream = async () => {
      upApp = await buildApp({ store: up.store, rateLimit: false });
      await upApp.listen({ host: '127.0.0.1', port });
      port = (upApp.server.address() as AddressInfo).port;
    };
    const stopUpstream = async () => {
      await upApp?.close();
      upApp = undefined;
    };

    before(async () => {
      up = await openTestStore(backend);
      local = await openTestStore(backend);
      upService = new CnaService(up.store);
      await upService.createOrg(SYSTEM_ACTOR, { shortName: 'acme-up', name: 'Acme upstream', roles: ['CNA'], idQuota: 50 });
      const upKey = (await upService.createUser(SYSTEM_ACTOR, 'acme-up', { username: 'relay@acme.example' })).secret;
      await startUpstream();
      service = new CnaService(local.store);
      await service.createOrg(SYSTEM_ACTOR, { shortName: 'acme', name: 'Acme', roles: ['CNA'], idQuota: 50 });
      await service.createUser(SYSTEM_ACTOR, 'acme', { username: 'alice@acme.example', roles: ['ADMIN'] });
      const org = (await local.store.cna.getOrg('acme'))!;
      alice = { org, user: (await local.store.cna.getUser(org.uuid, 'alice@acme.example'))! };
      relay = new CnaRelay(service, { secretKey: KEY, now: () => new Date(clock), baseDelayMs: 1000, timeoutMs: 20_000 });
      await relay.configure(alice, { url: `http://127.0.0.1:${port}/api`, org: 'acme-up', user: 'relay@acme.example', key: upKey });
    });
    after(async () => {
      await stopUpstream();
      await up.cleanup();
      await local.cleanup();
    });

    it('stores the key sealed (AES-256-GCM, bound to the org), never in the audit', async () => {
      const u = (await local.store.cna.getUpstream(alice.org.uuid))!;
      assert.match(u.keySealed, /^v1\.[0-9a-f]{8}\./);
      assert.equal(u.url, `http://127.0.0.1:${port}/api/`);
      assert.throws(() => unseal(KEY, u.keySealed, 'another-org'));
      assert.equal(unseal(KEY, seal(KEY, 'k', 'o'), 'o'), 'k');
      const audit = JSON.stringify(await local.store.cna.listAudit({ org: alice.org.uuid }));
      assert.match(audit, /upstream\.set/);
      assert.doesNotMatch(audit, new RegExp(unseal(KEY, u.keySealed, alice.org.uuid)));
    });

    it('reserve goes upstream first; the local IDs are the ones upstream handed out', async () => {
      const r = await relay.reserve(alice, { amount: 2, year, shortName: 'acme', batchType: 'sequential' });
      assert.equal(r.kind, 'done');
      const ids = r.kind === 'done' ? r.value : [];
      assert.equal(ids.length, 2);
      const upOrg = (await up.store.cna.getOrg('acme-up'))!;
      for (const id of ids) {
        assert.equal((await up.store.cna.getCveId(id))?.owningOrg, upOrg.uuid);
        const mine = await local.store.cna.getCveId(id);
        assert.equal(mine?.state, 'RESERVED');
        assert.equal(mine?.owningOrg, alice.org.uuid);
      }
    });

    it('publish goes upstream first, then into the local store and repository', async () => {
      const [id] = (await local.store.cna.listCveIds({ owningOrg: alice.org.uuid, state: 'RESERVED', offset: 0, limit: 1 })).items;
      const r = await relay.submitCna(alice, id.cveId, { cnaContainer: sampleContainer('Relayed') }, 'published', 'create');
      assert.equal(r.kind, 'done');
      assert.equal((await up.store.cna.getRecord(id.cveId))?.state, 'PUBLISHED');
      assert.equal((await local.store.cna.getRecord(id.cveId))?.state, 'PUBLISHED');
      assert.equal((await local.store.getRecord(id.cveId as never))?.source, 'cna:acme');
    });

    it('a refusal upstream (4xx) is shown and nothing is stored or queued', async () => {
      const [id] = (await local.store.cna.listCveIds({ owningOrg: alice.org.uuid, state: 'PUBLISHED', offset: 0, limit: 1 })).items;
      await assert.rejects(relay.submitCna(alice, id.cveId, { cnaContainer: sampleContainer('Again') }, 'published', 'create'), (e: unknown) => e instanceof CnaError && e.code === 'UPSTREAM_REFUSED' && /CVE_RECORD_EXISTS/.test(e.message));
      assert.equal((await local.store.cna.listOutbox(alice.org.uuid, { pendingOnly: true, limit: 10 })).length, 0);
    });

    it('upstream down: queued (not stored locally), retried with backoff, applied once when upstream is back', async () => {
      const published = (await local.store.cna.listCveIds({ owningOrg: alice.org.uuid, state: 'PUBLISHED', offset: 0, limit: 1 })).items[0].cveId;
      await stopUpstream();
      const before = (await local.store.cna.listCveIds({ owningOrg: alice.org.uuid, offset: 0, limit: 100 })).total;
      const r = await relay.reserve(alice, { amount: 1, year, shortName: 'acme' });
      assert.equal(r.kind, 'queued');
      assert.match(r.kind === 'queued' ? r.error : '', /could not be reached/);
      const u = await relay.submitCna(alice, published, { cnaContainer: sampleContainer('Relayed, updated') }, 'published', 'update');
      assert.equal(u.kind, 'queued');
      assert.equal((await local.store.cna.listCveIds({ owningOrg: alice.org.uuid, offset: 0, limit: 100 })).total, before);
      assert.doesNotMatch((await local.store.cna.getRecord(published))!.json, /updated/);

      // Not due yet: nothing is claimed.
      assert.equal(await relay.runDue('w1'), 0);
      clock += 2_000;
      assert.equal(await relay.runDue('w1'), 0, 'still down: all fail again');
      // Ops only: a dropped keep-alive connection may also queue a `sync` (the reservation could have been sent).
      const ops = async (pendingOnly: boolean) => (await local.store.cna.listOutbox(alice.org.uuid, { pendingOnly, limit: 10 })).filter((o) => o.op !== 'sync');
      let pending = await ops(true);
      assert.equal(pending.length, 2);
      for (const p of pending) {
        assert.equal(p.attempts, 1);
        assert.match(p.lastError ?? '', /could not be reached/);
        assert.equal(Date.parse(p.nextAt) - clock >= 1_000, true, 'backoff doubles');
      }
      await startUpstream();
      clock += 60_000;
      // Two workers (as two processes would) race for the same items: each runs once.
      const other = new CnaRelay(service, { secretKey: KEY, now: () => new Date(clock) });
      const syncs = (await local.store.cna.listOutbox(alice.org.uuid, { pendingOnly: true, limit: 10 })).length - 2;
      const [a, b] = await Promise.all([relay.runDue('w1'), other.runDue('w2')]);
      assert.equal(a + b, 2 + syncs);
      pending = await local.store.cna.listOutbox(alice.org.uuid, { pendingOnly: true, limit: 10 });
      assert.equal(pending.length, 0);
      const all = await ops(false);
      assert.ok(all.slice(0, 2).every((o) => o.state === 'done' && o.attempts === 2), JSON.stringify(all));
      assert.equal((await local.store.cna.listCveIds({ owningOrg: alice.org.uuid, offset: 0, limit: 100 })).total, before + 1);
      const upOrg = (await up.store.cna.getOrg('acme-up'))!;
      assert.equal(await up.store.cna.countReserved(upOrg.uuid), 2, 'upstream reserved exactly one more (one left from the first test, one published)');
      assert.match((await up.store.cna.getRecord(published))!.json, /Relayed, updated/);
      assert.match((await local.store.cna.getRecord(published))!.json, /Relayed, updated/);
    });
  });

  describe(`${backend}: repository write after a record change`, () => {
    let t: { store: Store; cleanup(): Promise<void> };
    before(async () => {
      t = await openTestStore(backend);
    });
    after(() => t.cleanup());

    it('a failed second step leaves the record pending; the resync writes it once (idempotent by hash)', async () => {
      let failing = true;
      const flaky = new Proxy(t.store, {
        get(target, p) {
          if (p === 'writeBatch' && failing) return async () => { throw new Error('disk full'); };
          const v = Reflect.get(target, p, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const errors: string[] = [];
      const service = new CnaService(flaky, { onRepositoryError: (err, id) => errors.push(`${id}: ${(err as Error).message}`) });
      await service.createOrg(SYSTEM_ACTOR, { shortName: 'acme', name: 'Acme', roles: ['CNA'], idQuota: 5 });
      await service.createUser(SYSTEM_ACTOR, 'acme', { username: 'alice@acme.example' });
      const org = (await t.store.cna.getOrg('acme'))!;
      const a: Actor = { org, user: (await t.store.cna.getUser(org.uuid, 'alice@acme.example'))! };
      const [id] = (await service.reserve(a, { amount: 1, year: new Date().getUTCFullYear(), shortName: 'acme' })).ids.map((x) => String(x.cve_id));
      const record = await service.submitCna(a, id, { cnaContainer: sampleContainer('Pending') }, 'published', 'create');
      assert.equal(record.cveMetadata.state, 'PUBLISHED', 'the CNA change itself succeeded');
      assert.deepEqual(errors, [`${id}: disk full`]);
      assert.equal(await t.store.getRecord(id as never), undefined);
      assert.deepEqual((await t.store.cna.listRepoPending(10)).map((p) => p.cveId), [id]);

      assert.deepEqual(await service.resyncRepository(), { checked: 1, written: 0, failed: 1 }, 'still failing: stays pending');
      assert.equal((await t.store.cna.listRepoPending(10)).length, 1);
      failing = false;
      assert.deepEqual(await service.resyncRepository(), { checked: 1, written: 1, failed: 0 });
      const stored = await t.store.getRecord(id as never);
      assert.equal(stored?.source, 'cna:acme');
      assert.equal(stored?.json, (await t.store.cna.getRecord(id))?.json);
      assert.equal((await t.store.cna.listRepoPending(10)).length, 0);
      assert.deepEqual(await service.resyncRepository({ all: true }), { checked: 1, written: 0, failed: 0 }, 'nothing to do twice');
      assert.equal((await t.store.listVersions(id as never)).length, 1);
    });
  });
}
