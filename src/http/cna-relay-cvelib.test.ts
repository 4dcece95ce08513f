/**
 * The official client through the relay (issue 5 §4, §6): Debian's `cve` (python3-cvelib)
 * against a cvekit whose org relays to a second cvekit on 127.0.0.1. Reserve (single,
 * sequential, non-sequential), publish, publish again (upstream's 403 CVE_RECORD_EXISTS
 * passed through, so cvelib falls back to PUT), reject with a record, reject without one and
 * undo: every change lands upstream and here. With upstream stopped, `cve reserve` fails
 * with the 503's message and nothing is stored.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { CnaRelay, CnaService, SYSTEM_ACTOR } from '../cna/index.ts';
import type { Store } from '../store/index.ts';
import { sampleContainer } from '../../test/support/cna.ts';
import type { Creds } from '../../test/support/cna.ts';
import { ensureCvelib, runCve } from '../../test/support/cvelib.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import { buildApp } from './app.ts';
import { cnaApi } from './cna-api.ts';

const KEY = randomBytes(32);
const year = new Date().getUTCFullYear();

for (const backend of testBackends()) {
  describe(`${backend}: the cve CLI through a relaying cvekit`, () => {
    let up: { store: Store; cleanup(): Promise<void> };
    let local: { store: Store; cleanup(): Promise<void> };
    let upApp: FastifyInstance | undefined;
    let upPort = 0;
    let app: FastifyInstance;
    let bin: string;
    let url: string;
    let alice: Creds;
    let dir: string;
    const cve = async (args: string[]) => {
      const r = await runCve(bin, url, alice, args);
      assert.equal(r.code, 0, `cve ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /Traceback/);
      return r.stdout;
    };
    const startUpstream = async () => {
      upApp = await buildApp({ store: up.store, rateLimit: false });
      await upApp.listen({ host: '127.0.0.1', port: upPort });
      upPort = (upApp.server.address() as AddressInfo).port;
    };
    const both = async (id: string) => [(await up.store.cna.getCveId(id))?.state, (await local.store.cna.getCveId(id))?.state];

    before(async () => {
      bin = await ensureCvelib();
      up = await openTestStore(backend);
      local = await openTestStore(backend);
      const upService = new CnaService(up.store);
      await upService.createOrg(SYSTEM_ACTOR, { shortName: 'acme-up', name: 'Acme upstream', roles: ['CNA'], idQuota: 50 });
      const upKey = (await upService.createUser(SYSTEM_ACTOR, 'acme-up', { username: 'relay@acme.example' })).secret;
      await startUpstream();
      const service = new CnaService(local.store);
      await service.createOrg(SYSTEM_ACTOR, { shortName: 'acme', name: 'Acme', roles: ['CNA'], idQuota: 30 });
      alice = { org: 'acme', user: 'alice@acme.example', key: (await service.createUser(SYSTEM_ACTOR, 'acme', { username: 'alice@acme.example', roles: ['ADMIN'] })).secret };
      const org = (await local.store.cna.getOrg('acme'))!;
      const relay = new CnaRelay(service, { secretKey: KEY });
      await relay.configure({ org, user: (await local.store.cna.getUser(org.uuid, 'alice@acme.example'))! }, { url: `http://127.0.0.1:${upPort}/api/`, org: 'acme-up', user: 'relay@acme.example', key: upKey });
      app = Fastify();
      await app.register(cnaApi, { prefix: '/api', store: local.store, service, relay });
      await app.listen({ host: '127.0.0.1', port: 0 });
      url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/`;
      dir = mkdtempSync(join(tmpdir(), 'cvekit-relay-cvelib-'));
    });
    after(async () => {
      await app.close();
      await upApp?.close();
      await up.cleanup();
      await local.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('reserve (single, sequential, non-sequential): upstream\'s IDs, here too', async () => {
      const one = await cve(['reserve', '-y', String(year)]);
      const seq = await cve(['reserve', '3', '-y', String(year)]);
      const non = await cve(['reserve', '2', '-r', '-y', String(year)]);
      const ids = [one, seq, non].flatMap((o) => o.match(new RegExp(`CVE-${year}-\\d+`, 'g')) ?? []);
      assert.equal(new Set(ids).size, 6, ids.join(' '));
      for (const id of ids) assert.deepEqual(await both(id), ['RESERVED', 'RESERVED'], id);
      assert.match(await cve(['quota']), /24/);
    });

    it('publish, publish again (upstream\'s 403 CVE_RECORD_EXISTS → cvelib falls back to PUT), reject with a record, reject and undo without one', async () => {
      const ids = (await local.store.cna.listCveIds({ state: 'RESERVED', offset: 0, limit: 10 })).items.map((i) => i.cveId);
      const file = join(dir, 'cna.json');
      writeFileSync(file, JSON.stringify({ ...sampleContainer('Through the relay'), x_generator: undefined }));
      assert.match(await cve(['publish', ids[0], '-f', file]), /PUBLISHED/);
      writeFileSync(file, JSON.stringify({ ...sampleContainer('Through the relay, updated'), x_generator: undefined }));
      await cve(['publish', ids[0], '-f', file]);
      for (const s of [up.store, local.store]) assert.match((await s.cna.getRecord(ids[0]))!.json, /Through the relay, updated/);
      const rej = join(dir, 'rej.json');
      writeFileSync(rej, JSON.stringify({ rejectedReasons: [{ lang: 'en', value: 'Withdrawn by the CNA.' }] }));
      assert.match(await cve(['reject', ids[1], '-f', rej]), /REJECTED/);
      assert.deepEqual(await both(ids[1]), ['REJECTED', 'REJECTED']);
      assert.match(await cve(['reject', ids[2]]), /REJECTED/);
      assert.deepEqual(await both(ids[2]), ['REJECTED', 'REJECTED']);
      assert.match(await cve(['undo-reject', ids[2]]), /RESERVED/);
      assert.deepEqual(await both(ids[2]), ['RESERVED', 'RESERVED']);
    });

    it('upstream stopped: cve reserve fails with the 503 message; nothing stored here', async () => {
      const before = (await local.store.cna.listCveIds({ offset: 0, limit: 100 })).total;
      await upApp?.close();
      upApp = undefined;
      const r = await runCve(bin, url, alice, ['reserve', '-y', String(year)]);
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /could not be reached/);
      assert.doesNotMatch(r.stderr, /Traceback/);
      assert.equal((await local.store.cna.listCveIds({ offset: 0, limit: 100 })).total, before);
    });
  });
}
