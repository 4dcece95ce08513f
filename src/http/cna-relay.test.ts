/**
 * The upstream relay through the CVE Services API (issue 5 §4): an org with an upstream gets
 * its `/api/` reservations, publications, updates, rejections and state changes done
 * upstream first — a second cvekit server on 127.0.0.1, behind a gateway that can be
 * switched to down, slow (no answer) or scripted statuses. Upstream refusals come back with
 * upstream's status and body; an unreachable upstream is 503 UPSTREAM_UNAVAILABLE with
 * Retry-After and nothing stored here. Upstream-reserved numbers move the local year
 * counters, so a local reservation never hands out a number upstream already gave.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { CnaRelay, CnaService, SYSTEM_ACTOR } from '../cna/index.ts';
import type { Actor } from '../cna/index.ts';
import type { Store } from '../store/index.ts';
import { headersOf, sampleContainer } from '../../test/support/cna.ts';
import type { Creds } from '../../test/support/cna.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import { buildApp } from './app.ts';
import { cnaApi } from './cna-api.ts';

const KEY = randomBytes(32);
const year = new Date().getUTCFullYear();

type Mode = { kind: 'pass' } | { kind: 'down' } | { kind: 'slow' } | { kind: 'swallow' } | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string };

/** A gateway on 127.0.0.1 in front of the upstream cvekit: passes requests on, or misbehaves as told. */
async function startGateway(target: () => string): Promise<{ url: string; mode: Mode; hits: number; close(): Promise<void> }> {
  const held: ServerResponse[] = [];
  const g = {
    url: '',
    mode: { kind: 'pass' } as Mode,
    hits: 0,
    async close() {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    g.hits++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const m = g.mode;
    if (m.kind === 'down') return void req.socket.destroy();
    if (m.kind === 'slow') return void held.push(res);
    if (m.kind === 'status') {
      res.writeHead(m.status, { 'content-type': 'application/json', ...m.headers });
      return void res.end(m.body ?? JSON.stringify({ error: 'SERVICE_NOT_AVAILABLE', message: 'scripted' }));
    }
    const headers: Record<string, string> = {};
    for (const h of ['cve-api-org', 'cve-api-user', 'cve-api-key', 'content-type']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
    const up = await fetch(`${target()}${req.url}`, { method: req.method, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
    const text = await up.text();
    // `swallow`: upstream did it, but its answer never comes back (the ambiguous failure).
    if (m.kind === 'swallow') return void held.push(res);
    res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
    res.end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  g.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  return g;
}

for (const backend of testBackends()) {
  describe(`${backend}: the CVE Services API relays an upstream org's changes`, () => {
    let up: { store: Store; cleanup(): Promise<void> };
    let local: { store: Store; cleanup(): Promise<void> };
    let upApp: FastifyInstance;
    let upUrl = '';
    let gateway: Awaited<ReturnType<typeof startGateway>>;
    let app: FastifyInstance;
    let relay: CnaRelay;
    let service: CnaService;
    let alice: Creds;
    let beta: Creds;
    let sec: Creds;
    let aliceActor: Actor;
    let upKey = '';

    const req = (method: 'GET' | 'POST' | 'PUT', url: string, creds: Creds, body?: unknown): Promise<LightMyRequestResponse> =>
      app.inject({ method, url, headers: { ...headersOf(creds), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
    const localIds = async () => (await local.store.cna.listCveIds({ owningOrg: aliceActor.org.uuid, offset: 0, limit: 1000 })).items.map((i) => `${i.cveId}:${i.state}`).sort();
    const outbox = async () => (await local.store.cna.listOutbox(aliceActor.org.uuid, { limit: 100 })).map((o) => o.op);

    before(async () => {
      up = await openTestStore(backend);
      local = await openTestStore(backend);
      const upService = new CnaService(up.store);
      await upService.createOrg(SYSTEM_ACTOR, { shortName: 'acme-up', name: 'Acme upstream', roles: ['CNA'], idQuota: 100 });
      upKey = (await upService.createUser(SYSTEM_ACTOR, 'acme-up', { username: 'relay@acme.example' })).secret;
      upApp = await buildApp({ store: up.store, rateLimit: false });
      await upApp.listen({ host: '127.0.0.1', port: 0 });
      upUrl = `http://127.0.0.1:${(upApp.server.address() as AddressInfo).port}`;
      gateway = await startGateway(() => upUrl);

      service = new CnaService(local.store);
      await service.createOrg(SYSTEM_ACTOR, { shortName: 'mitre', name: 'Secretariat', roles: ['SECRETARIAT', 'CNA'], idQuota: 100 });
      await service.createOrg(SYSTEM_ACTOR, { shortName: 'acme', name: 'Acme', roles: ['CNA'], idQuota: 20 });
      await service.createOrg(SYSTEM_ACTOR, { shortName: 'beta', name: 'Beta (no upstream)', roles: ['CNA'], idQuota: 100 });
      sec = { org: 'mitre', user: 'sec@mitre.example', key: (await service.createUser(SYSTEM_ACTOR, 'mitre', { username: 'sec@mitre.example', roles: ['ADMIN'] })).secret };
      alice = { org: 'acme', user: 'alice@acme.example', key: (await service.createUser(SYSTEM_ACTOR, 'acme', { username: 'alice@acme.example', roles: ['ADMIN'] })).secret };
      beta = { org: 'beta', user: 'bob@beta.example', key: (await service.createUser(SYSTEM_ACTOR, 'beta', { username: 'bob@beta.example' })).secret };
      const org = (await local.store.cna.getOrg('acme'))!;
      aliceActor = { org, user: (await local.store.cna.getUser(org.uuid, 'alice@acme.example'))! };
      // Generous: a loaded machine must not turn a slow upstream answer into a failure; the `slow` case waits it out once.
      relay = new CnaRelay(service, { secretKey: KEY, timeoutMs: 10_000 });
      await relay.configure(aliceActor, { url: gateway.url, org: 'acme-up', user: 'relay@acme.example', key: upKey });
      app = Fastify();
      await app.register(cnaApi, { prefix: '/api', store: local.store, service, relay });
      await app.ready();
    });
    after(async () => {
      await app.close();
      await gateway.close();
      await upApp.close();
      await up.cleanup();
      await local.cleanup();
    });

    it('POST /cve-id: the IDs are upstream\'s, stored here as the org\'s, with the local quota left', async () => {
      const r = await req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=acme`, alice);
      assert.equal(r.statusCode, 200, r.body);
      const body = r.json() as { cve_ids: { cve_id: string; owning_cna: string; state: string }[]; meta: { remaining_quota: number } };
      assert.equal(body.cve_ids.length, 1);
      const [id] = body.cve_ids;
      assert.equal(id.owning_cna, 'acme');
      assert.equal(id.state, 'RESERVED');
      assert.equal((await up.store.cna.getCveId(id.cve_id))?.owningOrg, (await up.store.cna.getOrg('acme-up'))!.uuid, 'reserved upstream');
      assert.equal((await local.store.cna.getCveId(id.cve_id))?.owningOrg, aliceActor.org.uuid, 'and stored here');
      assert.equal(body.meta.remaining_quota, 19);
      assert.equal(r.headers['cve-api-remaining-quota'], '19');
      const seq = await req('POST', `/api/cve-id?amount=3&cve_year=${year}&short_name=acme&batch_type=sequential`, alice);
      assert.equal(seq.statusCode, 200, seq.body);
      const nums = (seq.json() as { cve_ids: { cve_id: string }[] }).cve_ids.map((x) => Number(x.cve_id.split('-')[2]));
      assert.deepEqual(nums, [nums[0], nums[0] + 1, nums[0] + 2]);
      for (const n of nums) assert.ok(await up.store.cna.getCveId(`CVE-${year}-${n}`));
    });

    it('upstream-reserved numbers move the local year counters: a local org then gets none of them (priority, sequential, non-sequential)', async () => {
      const upstreamGave = new Set((await local.store.cna.listCveIds({ owningOrg: aliceActor.org.uuid, offset: 0, limit: 100 })).items.map((i) => i.cveId));
      assert.equal(upstreamGave.size, 4);
      // Both stores started empty, so without the counters moving `beta` would get 0001 and 20001 again.
      const one = await req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=beta`, beta);
      const block = await req('POST', `/api/cve-id?amount=3&cve_year=${year}&short_name=beta&batch_type=sequential`, beta);
      const scattered = await req('POST', `/api/cve-id?amount=5&cve_year=${year}&short_name=beta&batch_type=nonsequential`, beta);
      for (const r of [one, block, scattered]) assert.equal(r.statusCode, 200, r.body);
      const got = [one, block, scattered].flatMap((r) => (r.json() as { cve_ids: { cve_id: string }[] }).cve_ids.map((x) => x.cve_id));
      assert.equal(got.length, 9);
      for (const id of got) assert.equal(upstreamGave.has(id), false, `${id} was already given by upstream`);
      assert.equal(new Set(got).size, 9);
      const range = (await local.store.cna.getYearRange(year))!;
      const max = (prefix: (n: number) => boolean) => Math.max(...[...upstreamGave].map((i) => Number(i.split('-')[2])).filter(prefix));
      assert.ok(range.priorityTop > max((n) => n <= 20_000));
      assert.ok(range.generalTop > max((n) => n > 20_000));
    });

    it('POST /cve/:id/cna publishes upstream, then here; again: upstream\'s 403 CVE_RECORD_EXISTS comes back as sent; PUT updates both', async () => {
      const [id] = (await local.store.cna.listCveIds({ owningOrg: aliceActor.org.uuid, state: 'RESERVED', offset: 0, limit: 1 })).items;
      const r = await req('POST', `/api/cve/${id.cveId}/cna`, alice, { cnaContainer: sampleContainer('Relayed through the API') });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal((await up.store.cna.getRecord(id.cveId))?.state, 'PUBLISHED');
      assert.equal((await local.store.cna.getRecord(id.cveId))?.state, 'PUBLISHED');
      assert.equal((await local.store.getRecord(id.cveId as never))?.source, 'cna:acme');

      const again = await req('POST', `/api/cve/${id.cveId}/cna`, alice, { cnaContainer: sampleContainer('Again') });
      assert.equal(again.statusCode, 403);
      assert.equal((again.json() as { error: string }).error, 'CVE_RECORD_EXISTS');
      assert.equal(again.headers['cve-api-upstream'], 'refused');
      assert.doesNotMatch((await local.store.cna.getRecord(id.cveId))!.json, /Again/);

      const put = await req('PUT', `/api/cve/${id.cveId}/cna`, alice, { cnaContainer: sampleContainer('Relayed, updated') });
      assert.equal(put.statusCode, 200, put.body);
      assert.match((await up.store.cna.getRecord(id.cveId))!.json, /Relayed, updated/);
      assert.match((await local.store.cna.getRecord(id.cveId))!.json, /Relayed, updated/);
    });

    it('reject with a record and without one (and undo) go upstream first', async () => {
      const ids = (await local.store.cna.listCveIds({ owningOrg: aliceActor.org.uuid, state: 'RESERVED', offset: 0, limit: 2 })).items;
      const rej = await req('POST', `/api/cve/${ids[0].cveId}/reject`, alice, { cnaContainer: { rejectedReasons: [{ lang: 'en', value: 'Duplicate.' }] } });
      assert.equal(rej.statusCode, 200, rej.body);
      assert.equal((await up.store.cna.getRecord(ids[0].cveId))?.state, 'REJECTED');
      assert.equal((await local.store.cna.getRecord(ids[0].cveId))?.state, 'REJECTED');
      const s = await req('PUT', `/api/cve-id/${ids[1].cveId}?state=rejected`, alice);
      assert.equal(s.statusCode, 200, s.body);
      assert.equal((await up.store.cna.getCveId(ids[1].cveId))?.state, 'REJECTED');
      assert.equal((await local.store.cna.getCveId(ids[1].cveId))?.state, 'REJECTED');
      const undo = await req('PUT', `/api/cve-id/${ids[1].cveId}?state=RESERVED`, alice);
      assert.equal(undo.statusCode, 200, undo.body);
      assert.equal((await up.store.cna.getCveId(ids[1].cveId))?.state, 'RESERVED');
      assert.equal((await local.store.cna.getCveId(ids[1].cveId))?.state, 'RESERVED');
    });

    it('a transfer of an upstream org\'s ID, or a Secretariat full-record write to it, cannot be relayed: 409 UPSTREAM_MANAGED, nothing changed', async () => {
      const [id] = (await local.store.cna.listCveIds({ owningOrg: aliceActor.org.uuid, state: 'RESERVED', offset: 0, limit: 1 })).items;
      const t = await req('PUT', `/api/cve-id/${id.cveId}?org=beta`, sec);
      assert.equal(t.statusCode, 409, t.body);
      assert.equal((t.json() as { error: string }).error, 'UPSTREAM_MANAGED');
      assert.equal((await local.store.cna.getCveId(id.cveId))?.owningOrg, aliceActor.org.uuid);
      const published = (await local.store.cna.listCveIds({ owningOrg: aliceActor.org.uuid, state: 'PUBLISHED', offset: 0, limit: 1 })).items[0].cveId;
      const full = JSON.parse((await local.store.cna.getRecord(published))!.json) as Record<string, unknown>;
      const w = await req('PUT', `/api/cve/${published}`, sec, full);
      assert.equal(w.statusCode, 409, w.body);
      assert.equal((w.json() as { error: string }).error, 'UPSTREAM_MANAGED');
    });

    it('the local rules come first: over the local quota or another org\'s short name is refused before anything goes upstream', async () => {
      const hits = gateway.hits;
      const over = await req('POST', `/api/cve-id?amount=50&cve_year=${year}&short_name=acme&batch_type=sequential`, alice);
      assert.equal(over.statusCode, 403);
      assert.equal((over.json() as { error: string }).error, 'EXCEEDED_ID_QUOTA');
      const other = await req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=beta`, alice);
      assert.equal(other.statusCode, 403);
      const bad = await req('POST', `/api/cve/CVE-${year}-0001/cna`, alice, { cnaContainer: { ...sampleContainer(), references: [{ url: 'not a url' }] } });
      assert.equal(bad.statusCode, 400);
      assert.match((bad.json() as { message: string }).message, /references\/0\/url/);
      assert.equal(gateway.hits, hits, 'upstream was not asked');
    });

    for (const [name, mode, why] of [
      ['down (connection dropped)', { kind: 'down' }, /could not be reached/],
      ['slow (no answer within the timeout)', { kind: 'slow' }, /no answer within 10000 ms/],
      ['answering 500', { kind: 'status', status: 500 }, /upstream answered 500/],
    ] as const) {
      it(`upstream ${name}: 503 UPSTREAM_UNAVAILABLE with Retry-After, nothing stored here; only syncs from upstream are queued`, async () => {
        const before = await localIds();
        const queued = await outbox();
        const [id] = (await local.store.cna.listCveIds({ owningOrg: aliceActor.org.uuid, state: 'RESERVED', offset: 0, limit: 1 })).items;
        gateway.mode = mode;
        try {
          for (const r of await Promise.all([
            req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=acme`, alice),
            req('POST', `/api/cve/${id.cveId}/cna`, alice, { cnaContainer: sampleContainer('While upstream is away') }),
            req('PUT', `/api/cve-id/${id.cveId}?state=REJECTED`, alice),
          ])) {
            assert.equal(r.statusCode, 503, r.body);
            const body = r.json() as { error: string; message: string };
            assert.equal(body.error, 'UPSTREAM_UNAVAILABLE');
            assert.match(body.message, why);
            assert.match(body.message, /Nothing was changed here/);
            assert.equal(r.headers['retry-after'], '30');
          }
        } finally {
          gateway.mode = { kind: 'pass' };
        }
        assert.deepEqual(await localIds(), before);
        assert.equal(await local.store.cna.getRecord(id.cveId), undefined);
        // The reservation and the publication may have been done upstream (the requests were
        // sent): a sync of each is pending, nothing else (the state change is idempotent: the
        // client's retry repairs it); one pending sync covers later failures (not queued twice).
        const pending = (await local.store.cna.listOutbox(aliceActor.org.uuid, { pendingOnly: true, limit: 100 })).map((o) => `${o.op}:${o.cveId}`).sort();
        assert.deepEqual(pending, ['sync:', `sync.record:${id.cveId}`].sort());
        assert.ok((await outbox()).length <= queued.length + 2);
      });
    }

    it('upstream refusing connections (nothing was sent): 503, and no sync is queued', async () => {
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      await service.createOrg(SYSTEM_ACTOR, { shortName: 'gamma', name: 'Gamma', roles: ['CNA'], idQuota: 5 });
      const gamma: Creds = { org: 'gamma', user: 'g@gamma.example', key: (await service.createUser(SYSTEM_ACTOR, 'gamma', { username: 'g@gamma.example', roles: ['ADMIN'] })).secret };
      const org = (await local.store.cna.getOrg('gamma'))!;
      await relay.configure({ org, user: (await local.store.cna.getUser(org.uuid, 'g@gamma.example'))! }, { url: `http://127.0.0.1:${port}/api/`, org: 'gamma-up', user: 'u', key: 'k' });
      const r = await req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=gamma`, gamma);
      assert.equal(r.statusCode, 503, r.body);
      assert.match((r.json() as { message: string }).message, /ECONNREFUSED|could not be reached/);
      assert.doesNotMatch((r.json() as { message: string }).message, /outbox item/);
      assert.equal((await local.store.cna.listOutbox(org.uuid, { limit: 10 })).length, 0);
    });

    it('a reservation whose answer was lost: 503 names the queued sync; the worker then stores the IDs upstream gave, once', async () => {
      const before = new Set((await local.store.cna.listCveIds({ owningOrg: aliceActor.org.uuid, offset: 0, limit: 1000 })).items.map((i) => i.cveId));
      const upOrg = (await up.store.cna.getOrg('acme-up'))!;
      const upBefore = new Set((await up.store.cna.listCveIds({ owningOrg: upOrg.uuid, offset: 0, limit: 1000 })).items.map((i) => i.cveId));
      gateway.mode = { kind: 'swallow' };
      let r: LightMyRequestResponse;
      try {
        r = await req('POST', `/api/cve-id?amount=2&cve_year=${year + 1}&short_name=acme&batch_type=sequential`, alice);
      } finally {
        gateway.mode = { kind: 'pass' };
      }
      assert.equal(r.statusCode, 503);
      // (A sync is still pending from the cases above: this failure points at it.)
      assert.match((r.json() as { message: string }).message, /(If upstream did reserve IDs, they will be added|What upstream did will be fetched) here shortly \(outbox item \d+\)/);
      let lost: string[] = [];
      for (let i = 0; i < 200 && lost.length < 2; i++) {
        lost = (await up.store.cna.listCveIds({ owningOrg: upOrg.uuid, offset: 0, limit: 1000 })).items.map((x) => x.cveId).filter((x) => !upBefore.has(x));
        if (lost.length < 2) await new Promise((res) => setTimeout(res, 50));
      }
      assert.equal(lost.length, 2, 'upstream did reserve two');
      for (const id of lost) assert.equal(await local.store.cna.getCveId(id), undefined);
      // The worker (as every server process runs it), once the items are due.
      // (Next year's numbers: this year's sequential block is shared with `beta`, which took
      // the numbers after upstream's first block; see the UPSTREAM_ID_CONFLICT case.)
      const worker = new CnaRelay(service, { secretKey: KEY, now: () => new Date(Date.now() + 60_000) });
      await worker.runDue('test-worker', 100);
      for (const id of lost) {
        const mine = await local.store.cna.getCveId(id);
        assert.equal(mine?.state, 'RESERVED', id);
        assert.equal(mine?.owningOrg, aliceActor.org.uuid);
      }
      const after = (await local.store.cna.listCveIds({ owningOrg: aliceActor.org.uuid, offset: 0, limit: 1000 })).items.map((i) => i.cveId).filter((x) => !before.has(x));
      assert.deepEqual(after.sort(), [...lost].sort(), 'exactly the lost ones, nothing else');
      const items = await local.store.cna.listOutbox(aliceActor.org.uuid, { limit: 100 });
      assert.ok(items.every((o) => o.op.startsWith('sync') && o.state === 'done'), JSON.stringify(items));
      assert.equal((await local.store.cna.listAudit({ org: aliceActor.org.uuid })).filter((e) => e.action === 'cve-id.reserve.upstream-sync').length, 1);
      // A later local reservation by an org without upstream skips them too.
      const b = await req('POST', `/api/cve-id?amount=2&cve_year=${year + 1}&short_name=beta&batch_type=sequential`, beta);
      for (const x of (b.json() as { cve_ids: { cve_id: string }[] }).cve_ids) assert.equal(lost.includes(x.cve_id), false);
    });

    it('more local refusals before upstream: another org\'s ID, a missing or unknown batch type', async () => {
      const hits = gateway.hits;
      const [id] = (await local.store.cna.listCveIds({ owningOrg: aliceActor.org.uuid, state: 'RESERVED', offset: 0, limit: 1 })).items;
      const other = await req('POST', `/api/cve/${id.cveId}/cna`, beta, { cnaContainer: sampleContainer() });
      assert.equal(other.statusCode, 403);
      assert.equal((other.json() as { error: string }).error, 'ORG_DOES_NOT_OWN_ID');
      const state = await req('PUT', `/api/cve-id/${id.cveId}?state=REJECTED`, beta);
      assert.equal(state.statusCode, 403);
      const noBatch = await req('POST', `/api/cve-id?amount=2&cve_year=${year}&short_name=acme`, alice);
      assert.equal((noBatch.json() as { error: string }).error, 'NO_BATCH_TYPE');
      const badBatch = await req('POST', `/api/cve-id?amount=2&cve_year=${year}&short_name=acme&batch_type=random`, alice);
      assert.equal((badBatch.json() as { error: string }).error, 'INVALID_BATCH_TYPE');
      assert.equal(gateway.hits, hits, 'upstream was not asked');
    });

    it('upstream answers 200 without IDs: 502 UPSTREAM_REFUSED; upstream hands out an ID another local org holds: 409 UPSTREAM_ID_CONFLICT, nothing stored', async () => {
      const before = await localIds();
      gateway.mode = { kind: 'status', status: 200, body: '{"cve_ids":[]}' };
      try {
        const r = await req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=acme`, alice);
        assert.equal(r.statusCode, 502);
        assert.match((r.json() as { message: string }).message, /without CVE IDs/);
        const betaId = (await local.store.cna.listCveIds({ owningOrg: (await local.store.cna.getOrg('beta'))!.uuid, offset: 0, limit: 1 })).items[0].cveId;
        gateway.mode = { kind: 'status', status: 200, body: JSON.stringify({ cve_ids: [{ cve_id: betaId, reserved: new Date().toISOString() }], meta: { remaining_quota: 1 } }) };
        const c = await req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=acme`, alice);
        assert.equal(c.statusCode, 409, c.body);
        assert.equal((c.json() as { error: string }).error, 'UPSTREAM_ID_CONFLICT');
        assert.match((c.json() as { message: string }).message, new RegExp(betaId));
      } finally {
        gateway.mode = { kind: 'pass' };
      }
      assert.deepEqual(await localIds(), before);
    });

    it('upstream 429 with Retry-After: 503 carries upstream\'s Retry-After; upstream 401 (our stored key refused): 502 UPSTREAM_AUTH_FAILED', async () => {
      gateway.mode = { kind: 'status', status: 429, headers: { 'retry-after': '7' }, body: JSON.stringify({ error: 'TOO_MANY_REQUESTS', message: 'slow down' }) };
      try {
        const r = await req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=acme`, alice);
        assert.equal(r.statusCode, 503);
        assert.equal(r.headers['retry-after'], '7');
        gateway.mode = { kind: 'status', status: 401, body: JSON.stringify({ error: 'UNAUTHORIZED', message: 'Unauthorized' }) };
        const a = await req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=acme`, alice);
        assert.equal(a.statusCode, 502, 'not 401: the caller\'s own key was fine');
        assert.equal((a.json() as { error: string }).error, 'UPSTREAM_AUTH_FAILED');
        gateway.mode = { kind: 'status', status: 400, body: '<html>not json</html>' };
        const h = await req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=acme`, alice);
        assert.equal(h.statusCode, 400);
        assert.equal((h.json() as { error: string }).error, 'UPSTREAM_REFUSED', 'a refusal without an error body gets one');
      } finally {
        gateway.mode = { kind: 'pass' };
      }
    });

    it('an answer lost on the way back (upstream published, we saw a timeout): the client\'s retry converges (403 EXISTS, then PUT stores it here)', async () => {
      const [id] = (await local.store.cna.listCveIds({ owningOrg: aliceActor.org.uuid, state: 'RESERVED', offset: 0, limit: 1 })).items;
      gateway.mode = { kind: 'swallow' };
      let r: LightMyRequestResponse;
      try {
        r = await req('POST', `/api/cve/${id.cveId}/cna`, alice, { cnaContainer: sampleContainer('Lost answer') });
      } finally {
        gateway.mode = { kind: 'pass' };
      }
      assert.equal(r.statusCode, 503);
      for (let i = 0; i < 200 && !(await up.store.cna.getRecord(id.cveId)); i++) await new Promise((res) => setTimeout(res, 50));
      assert.equal((await up.store.cna.getRecord(id.cveId))?.state, 'PUBLISHED', 'upstream did publish');
      assert.equal(await local.store.cna.getRecord(id.cveId), undefined, 'not here: we never saw upstream accept');
      // What cvelib does: POST, and on 403 CVE_RECORD_EXISTS, PUT.
      const post = await req('POST', `/api/cve/${id.cveId}/cna`, alice, { cnaContainer: sampleContainer('Lost answer') });
      assert.equal(post.statusCode, 403);
      const put = await req('PUT', `/api/cve/${id.cveId}/cna`, alice, { cnaContainer: sampleContainer('Lost answer') });
      assert.equal(put.statusCode, 200, put.body);
      assert.equal((await local.store.cna.getRecord(id.cveId))?.state, 'PUBLISHED');
      assert.equal((await local.store.getRecord(id.cveId as never))?.source, 'cna:acme');
    });

    it('a publication whose answer was lost and that the client never retries: the queued sync stores upstream\'s record here', async () => {
      const [id] = (await local.store.cna.listCveIds({ owningOrg: aliceActor.org.uuid, state: 'RESERVED', offset: 0, limit: 1 })).items;
      gateway.mode = { kind: 'swallow' };
      let r: LightMyRequestResponse;
      try {
        r = await req('POST', `/api/cve/${id.cveId}/cna`, alice, { cnaContainer: sampleContainer('Never retried') });
      } finally {
        gateway.mode = { kind: 'pass' };
      }
      assert.equal(r.statusCode, 503);
      assert.match((r.json() as { message: string }).message, /If upstream did take the record, it will be stored here shortly \(outbox item \d+\)/);
      for (let i = 0; i < 200 && !(await up.store.cna.getRecord(id.cveId)); i++) await new Promise((res) => setTimeout(res, 50));
      assert.equal(await local.store.cna.getRecord(id.cveId), undefined);
      const worker = new CnaRelay(service, { secretKey: KEY, now: () => new Date(Date.now() + 60_000) });
      await worker.runDue('test-worker', 100);
      const mine = await local.store.cna.getRecord(id.cveId);
      assert.equal(mine?.state, 'PUBLISHED');
      assert.match(mine!.json, /Never retried/);
      assert.equal((await local.store.getRecord(id.cveId as never))?.source, 'cna:acme');
      const item = (await local.store.cna.listOutbox(aliceActor.org.uuid, { limit: 100 })).find((o) => o.op === 'sync.record' && o.cveId === id.cveId);
      assert.equal(item?.state, 'done');
      // Run again (as a second process might): the same record is left alone.
      const versions = (await local.store.listVersions(id.cveId as never)).length;
      await worker.runDue('test-worker', 100);
      assert.equal((await local.store.listVersions(id.cveId as never)).length, versions);
    });

    it('the workbench\'s queued publication whose first answer was lost: the retry meets CVE_RECORD_EXISTS, sends an update as cvelib would, and finishes done', async () => {
      const [id] = (await local.store.cna.listCveIds({ owningOrg: aliceActor.org.uuid, state: 'RESERVED', offset: 0, limit: 1 })).items;
      gateway.mode = { kind: 'swallow' };
      let r: Awaited<ReturnType<CnaRelay['submitCna']>>;
      try {
        r = await relay.submitCna(aliceActor, id.cveId, { cnaContainer: sampleContainer('Queued, answer lost') }, 'published', 'create');
      } finally {
        gateway.mode = { kind: 'pass' };
      }
      assert.equal(r.kind, 'queued');
      for (let i = 0; i < 200 && !(await up.store.cna.getRecord(id.cveId)); i++) await new Promise((res) => setTimeout(res, 50));
      const worker = new CnaRelay(service, { secretKey: KEY, now: () => new Date(Date.now() + 60_000) });
      await worker.runDue('test-worker', 100);
      const items = (await local.store.cna.listOutbox(aliceActor.org.uuid, { limit: 100 })).filter((o) => o.cveId === id.cveId);
      assert.deepEqual(items.map((o) => `${o.op}:${o.state}`).sort(), ['publish:done', 'sync.record:done'], JSON.stringify(items));
      assert.match((await local.store.cna.getRecord(id.cveId))!.json, /Queued, answer lost/);
      assert.match((await up.store.cna.getRecord(id.cveId))!.json, /Queued, answer lost/);
    });

    it('an org without an upstream is not affected when another org\'s upstream is down', async () => {
      gateway.mode = { kind: 'down' };
      try {
        const r = await req('POST', `/api/cve-id?amount=1&cve_year=${year}&short_name=beta`, beta);
        assert.equal(r.statusCode, 200, r.body);
      } finally {
        gateway.mode = { kind: 'pass' };
      }
    });

    it('PUT /cve/:id/adp from an ADP org with an upstream: its container goes upstream first (its own credentials), then here; refused or unreachable: nothing stored here', async () => {
      const upService = new CnaService(up.store);
      await upService.createOrg(SYSTEM_ACTOR, { shortName: 'watch-up', name: 'Watch upstream', roles: ['ADP'], idQuota: 0 });
      const watchUpKey = (await upService.createUser(SYSTEM_ACTOR, 'watch-up', { username: 'relay@watch.example' })).secret;
      await service.createOrg(SYSTEM_ACTOR, { shortName: 'watch', name: 'Watch', roles: ['ADP'], idQuota: 0 });
      const wendy: Creds = { org: 'watch', user: 'wendy@watch.example', key: (await service.createUser(SYSTEM_ACTOR, 'watch', { username: 'wendy@watch.example', roles: ['ADMIN'] })).secret };
      const watchOrg = (await local.store.cna.getOrg('watch'))!;
      await relay.configure({ org: watchOrg, user: (await local.store.cna.getUser(watchOrg.uuid, 'wendy@watch.example'))! }, { url: gateway.url, org: 'watch-up', user: 'relay@watch.example', key: watchUpKey });
      const published = (await local.store.cna.listRecords({ state: 'PUBLISHED' }, { offset: 0, limit: 50 })).items.find((r) => r.assignerOrg === aliceActor.org.uuid);
      assert.ok(published, 'a record acme published through its upstream');
      const id = published.cveId;
      assert.ok(await up.store.cna.getRecord(id), 'upstream has it too');
      const adpOf = async (store: Store) => (JSON.parse((await store.cna.getRecord(id))!.json) as { containers: { adp?: { title?: string; providerMetadata: { shortName: string } }[] } }).containers.adp ?? [];

      const ok = await req('PUT', `/api/cve/${id}/adp`, wendy, { adpContainer: { title: 'Watch note' } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual((await adpOf(up.store)).map((c) => [c.providerMetadata.shortName, c.title]), [['watch-up', 'Watch note']], 'upstream got it under the upstream org');
      assert.deepEqual((await adpOf(local.store)).map((c) => [c.providerMetadata.shortName, c.title]), [['watch', 'Watch note']], 'then this server');

      // Refused here before anything goes upstream.
      const hits = gateway.hits;
      const bad = await req('PUT', `/api/cve/${id}/adp`, wendy, { adpContainer: { title: 1 } });
      assert.equal(bad.statusCode, 400, bad.body);
      assert.equal(gateway.hits, hits);

      // Upstream unreachable: 503, and this server keeps what it had.
      gateway.mode = { kind: 'down' };
      try {
        const down = await req('PUT', `/api/cve/${id}/adp`, wendy, { adpContainer: { title: 'Not while down' } });
        assert.equal(down.statusCode, 503, down.body);
        assert.equal((down.json() as { error: string }).error, 'UPSTREAM_UNAVAILABLE');
      } finally {
        gateway.mode = { kind: 'pass' };
      }
      assert.deepEqual((await adpOf(local.store)).map((c) => c.title), ['Watch note']);

      // Upstream refuses (scripted): its status and body come back, nothing changes here.
      gateway.mode = { kind: 'status', status: 403, body: JSON.stringify({ error: 'NOT_ALLOWED', message: 'scripted refusal' }) };
      try {
        const refused = await req('PUT', `/api/cve/${id}/adp`, wendy, { adpContainer: { title: 'Refused upstream' } });
        assert.equal(refused.statusCode, 403, refused.body);
        assert.match(refused.body, /scripted refusal/);
      } finally {
        gateway.mode = { kind: 'pass' };
      }
      assert.deepEqual((await adpOf(local.store)).map((c) => c.title), ['Watch note']);
    });
  });
}
