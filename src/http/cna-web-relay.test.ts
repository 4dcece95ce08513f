/**
 * The workbench's upstream relay end to end (issue 5 §4), on every store: an org admin sets
 * the upstream on /cna/upstream (the key never shown again), reservations from the workbench
 * are upstream's IDs; with upstream down the workbench queues the reservation and the
 * dashboard shows it waiting (in words), while the same server's API answers 503 for the same
 * org; when upstream is back the worker applies it once and the list is empty again.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { CnaRelay, CnaService, SYSTEM_ACTOR } from '../cna/index.ts';
import type { Store } from '../store/index.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import { buildApp } from './app.ts';
import { Browser } from '../../test/support/form-browser.ts';

const KEY_HEX = randomBytes(32).toString('hex');
process.env.CVEKIT_SECRET_KEY = KEY_HEX;


const text = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

for (const backend of testBackends()) {
  describe(`${backend}: the workbench relays to an upstream cvekit`, () => {
    let up: { store: Store; cleanup(): Promise<void> };
    let local: { store: Store; cleanup(): Promise<void> };
    let upApp: FastifyInstance | undefined;
    let port = 0;
    let app: FastifyInstance;
    let service: CnaService;
    let b: Browser;
    let upKey = '';
    let aliceKey = '';
    const year = new Date().getUTCFullYear();

    const startUpstream = async () => {
      upApp = await buildApp({ store: up.store, rateLimit: false });
      await upApp.listen({ host: '127.0.0.1', port });
      port = (upApp.server.address() as AddressInfo).port;
    };

    before(async () => {
      up = await openTestStore(backend);
      local = await openTestStore(backend);
      const upService = new CnaService(up.store);
      await upService.createOrg(SYSTEM_ACTOR, { shortName: 'acme-up', name: 'Acme upstream', roles: ['CNA'], idQuota: 50 });
      upKey = (await upService.createUser(SYSTEM_ACTOR, 'acme-up', { username: 'relay@acme.example' })).secret;
      await startUpstream();
      service = new CnaService(local.store);
      await service.createOrg(SYSTEM_ACTOR, { shortName: 'acme', name: 'Acme', roles: ['CNA'], idQuota: 20 });
      aliceKey = (await service.createUser(SYSTEM_ACTOR, 'acme', { username: 'alice@acme.example', roles: ['ADMIN'] })).secret;
      app = await buildApp({ store: local.store, rateLimit: false });
      await app.ready();
      b = new Browser(app);
      const token = /name="_csrf" value="([^"]+)"/.exec((await b.req('GET', '/cna/login')).body)?.[1] ?? '';
      assert.equal((await b.req('POST', '/cna/login', { _csrf: token, org: 'acme', username: 'alice@acme.example', key: aliceKey, next: '/cna' })).statusCode, 303);
    });
    after(async () => {
      await app.close();
      await upApp?.close();
      await up.cleanup();
      await local.cleanup();
    });

    it('an admin sets the upstream; the page shows it without the key', async () => {
      const r = await b.post('/cna/upstream', { url: `http://127.0.0.1:${port}/api`, org: 'acme-up', user: 'relay@acme.example', key: upKey }, '/cna/upstream');
      assert.equal(r.statusCode, 303, r.body);
      const page = (await b.req('GET', '/cna/upstream?done=upstream')).body;
      assert.match(text(page), /Upstream saved/);
      assert.ok(page.includes(`http://127.0.0.1:${port}/api/`));
      assert.equal(page.includes(upKey), false, 'the upstream key is never shown');
    });

    it('a reservation from the workbench is upstream\'s ID, stored here', async () => {
      const r = await b.post('/cna/reserve', { amount: '1', year: String(year), batch_type: 'sequential' });
      assert.equal(r.statusCode, 303, r.body);
      const id = /CVE-\d{4}-\d+/.exec(decodeURIComponent(String(r.headers.location)))?.[0] ?? '';
      assert.ok(await up.store.cna.getCveId(id), `${id} reserved upstream`);
      assert.equal((await local.store.cna.getCveId(id))?.state, 'RESERVED');
    });

    it('upstream down: the workbench queues and shows it waiting; this server\'s API answers 503 for the org; when upstream is back the worker applies it once', async () => {
      const org = (await local.store.cna.getOrg('acme'))!;
      const before = (await local.store.cna.listCveIds({ owningOrg: org.uuid, offset: 0, limit: 100 })).total;
      await upApp?.close();
      upApp = undefined;
      const r = await b.post('/cna/reserve', { amount: '1', year: String(year), batch_type: 'sequential' });
      assert.equal(r.headers.location, '/cna?done=queued');
      const dash = text((await b.req('GET', '/cna?done=queued')).body);
      assert.match(dash, /The upstream could not be reached: the operation is queued and will be retried/);
      assert.match(dash, /Waiting for upstream .* Reserve queued 0/);

      const api = await app.inject({ method: 'POST', url: `/api/cve-id?amount=1&cve_year=${year}&short_name=acme`, headers: { 'CVE-API-ORG': 'acme', 'CVE-API-USER': 'alice@acme.example', 'CVE-API-KEY': aliceKey } });
      assert.equal(api.statusCode, 503, api.body);
      assert.equal((api.json() as { error: string }).error, 'UPSTREAM_UNAVAILABLE');
      assert.equal((await local.store.cna.listCveIds({ owningOrg: org.uuid, offset: 0, limit: 100 })).total, before, 'nothing stored here yet');

      await startUpstream();
      // The worker every server process runs (here driven directly, as if its next round were due).
      const worker = new CnaRelay(service, { secretKey: Buffer.from(KEY_HEX, 'hex'), now: () => new Date(Date.now() + 60_000) });
      await worker.runDue('test-worker', 100);
      assert.equal((await local.store.cna.listCveIds({ owningOrg: org.uuid, offset: 0, limit: 100 })).total, before + 1, 'applied once');
      assert.equal((await local.store.cna.listOutbox(org.uuid, { pendingOnly: true, limit: 10 })).length, 0);
      assert.doesNotMatch(text((await b.req('GET', '/cna')).body), /Waiting for upstream .* queued/);
    });
  });
}
