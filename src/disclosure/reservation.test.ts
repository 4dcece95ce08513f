/**
 * Reserving a case's CVE ID (issue 6 §5) through the CNA org's upstream — a second cvekit
 * server on 127.0.0.1 — and its publication there, and the reservation's retry safety: an ID reserved but not recorded
 * on the case (a crash, a concurrent edit) is never orphaned.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { CnaRelay, CnaService, SYSTEM_ACTOR } from '../cna/index.ts';
import { buildApp } from '../http/app.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';
import { CasePublisher, DisclosureService, disclosureConfig, solveChallenge } from './index.ts';
import type { Principal } from './index.ts';

const TEAM: Principal = { kind: 'team', name: 'team' };
const KEY = randomBytes(32);

for (const backend of testBackends()) {
  describe(`${backend}: reserving a case's CVE ID`, () => {
    let up: TestStore;
    let local: TestStore;
    let upApp: FastifyInstance | undefined;
    let port = 0;
    const clock = new Date('2025-03-03T09:00:00.000Z');
    const now = () => clock;
    let cna: CnaService;

    const startUpstream = async () => {
      upApp = await buildApp({ store: up.store, rateLimit: false });
      await upApp.listen({ host: '127.0.0.1', port });
      port = (upApp.server.address() as AddressInfo).port;
    };

    /** A service and publisher for one CNA org of the local store. */
    const team = (org: string) => {
      const service = new DisclosureService({ store: local.store, config: disclosureConfig({ teamToken: 'team-token-0123456789abcdefghijklmnopqrstuvwxyz', powBits: 4, minAnswerMs: 0, challengeSecret: 's', cnaOrg: org }), now });
      const relay = new CnaRelay(cna, { secretKey: KEY, now, timeoutMs: 3000 });
      return { service, publisher: new CasePublisher({ service, cna, relay }) };
    };

    async function newCase(service: DisclosureService): Promise<string> {
      const ch = service.challenge();
      const r = await service.submitReport({ product: 'Heron switch', version: '4.2', description: 'Heap overflow in the Heron switch SNMP agent.', impact: 'remote code execution', finderContact: 'f@example.test', credit: 'named' },
        { nonce: ch.nonce, counter: solveChallenge(ch.nonce, ch.bits) }, { ip: `198.51.100.${Math.floor(Math.random() * 200)}` });
      const c = (await service.triageReport(TEAM, r.reportId, { title: 'Heron SNMP overflow' })) as { id: string };
      await service.command(TEAM, c.id, { type: 'add-vulnerability', vulnerability: { id: 'v1', title: 'SNMP agent heap overflow' } });
      return c.id;
    }
    const reservedCount = async (org: string) => local.store.cna.countReserved((await local.store.cna.getOrg(org))!.uuid);
    const cveOf = async (service: DisclosureService, caseId: string, vid = 'v1') => ((await service.getCase(TEAM, caseId)) as { vulnerabilities: { id: string; cveId?: string }[] }).vulnerabilities.find((v) => v.id === vid)?.cveId;

    before(async () => {
      up = await openTestStore(backend);
      local = await openTestStore(backend);
      const upService = new CnaService(up.store);
      await upService.createOrg(SYSTEM_ACTOR, { shortName: 'heron-root', name: 'Heron root CNA', roles: ['CNA'], idQuota: 50 });
      const upKey = (await upService.createUser(SYSTEM_ACTOR, 'heron-root', { username: 'relay@heron.test' })).secret;
      await startUpstream();
      cna = new CnaService(local.store, { now });
      await cna.createOrg(SYSTEM_ACTOR, { shortName: 'heronpsirt', name: 'Heron PSIRT', roles: ['CNA'], idQuota: 50 });
      await cna.createOrg(SYSTEM_ACTOR, { shortName: 'heronlocal', name: 'Heron local', roles: ['CNA'], idQuota: 50 });
      await cna.createUser(SYSTEM_ACTOR, 'heronpsirt', { username: 'admin@heron.test', roles: ['ADMIN'] });
      const org = (await local.store.cna.getOrg('heronpsirt'))!;
      const admin = { org, user: (await local.store.cna.getUser(org.uuid, 'admin@heron.test'))! };
      await new CnaRelay(cna, { secretKey: KEY, now }).configure(admin, { url: `http://127.0.0.1:${port}/api`, org: 'heron-root', user: 'relay@heron.test', key: upKey });
    });
    after(async () => {
      await upApp?.close();
      await up.cleanup();
      await local.cleanup();
    });

    it('goes through the upstream when the CNA org has one: the ID is the one upstream handed out', async () => {
      const { service, publisher } = team('heronpsirt');
      const caseId = await newCase(service);
      const r = await publisher.reserveCve(TEAM, caseId, 'v1');
      const upId = await up.store.cna.getCveId(r.cveId);
      assert.equal(upId?.state, 'RESERVED', 'reserved upstream');
      assert.equal(upId?.owningOrg, (await up.store.cna.getOrg('heron-root'))!.uuid);
      const localId = await local.store.cna.getCveId(r.cveId);
      assert.equal(localId?.state, 'RESERVED');
      assert.equal(localId?.owningOrg, (await local.store.cna.getOrg('heronpsirt'))!.uuid);
      assert.equal(await cveOf(service, caseId), r.cveId);
      const audit = await service.auditLog(TEAM, caseId) as { action: string; detail?: string }[];
      assert.ok(audit.some((a) => a.action === 'case.cve-reserve' && a.detail?.includes(`through its upstream http://127.0.0.1:${port}/api/`)));
      assert.equal(await up.store.getRecord(r.cveId), undefined, 'nothing public upstream either');
    });

    it('publishes the record through the upstream too: upstream has it PUBLISHED, and so does this cvekit', async () => {
      const { service, publisher } = team('heronpsirt');
      const caseId = await newCase(service);
      const { cveId } = await publisher.reserveCve(TEAM, caseId, 'v1');
      const draft = await publisher.draftCveRecord(TEAM, caseId, 'v1', { vendor: 'Heron', product: 'Heron switch', references: [{ url: 'https://heron.test/sa-1' }], cwe: { id: 'CWE-122' } });
      assert.deepEqual(draft.check, { ok: true, issues: [] });
      const r = await publisher.publishNow(TEAM, caseId);
      assert.deepEqual(r.cveIds, [cveId]);
      assert.equal((await up.store.cna.getCveId(cveId))?.state, 'PUBLISHED', 'published upstream');
      assert.equal((await local.store.cna.getCveId(cveId))?.state, 'PUBLISHED');
      assert.ok(await local.store.getRecord(cveId), 'public here');
    });

    it('with the upstream down: a precise refusal, nothing reserved or recorded; the next attempt works once it is back', async () => {
      const { service, publisher } = team('heronpsirt');
      const caseId = await newCase(service);
      const before = await reservedCount('heronpsirt');
      await upApp!.close();
      upApp = undefined;
      await assert.rejects(publisher.reserveCve(TEAM, caseId, 'v1'), (e: Error & { code?: string; details?: { cnaError?: string } }) => e.code === 'CNA_REFUSED' && e.details?.cnaError === 'UPSTREAM_UNAVAILABLE');
      assert.equal(await cveOf(service, caseId), undefined);
      assert.equal(await reservedCount('heronpsirt'), before);
      await startUpstream();
      const r = await publisher.reserveCve(TEAM, caseId, 'v1');
      assert.equal(await cveOf(service, caseId), r.cveId);
      assert.equal(await reservedCount('heronpsirt'), before + 1);
    });

    it('a failure after the reservation (crash before recording) orphans nothing: the retry records the same ID', async () => {
      const { service, publisher } = team('heronlocal');
      const caseId = await newCase(service);
      const before = await reservedCount('heronlocal');
      let first = '';
      await assert.rejects(publisher.reserveCve(TEAM, caseId, 'v1', { beforeRecord: async (id) => { first = id; throw new Error('process died'); } }), /process died/);
      assert.match(first, /^CVE-2025-\d+$/);
      assert.equal(await cveOf(service, caseId), undefined, 'not recorded');
      assert.equal(await reservedCount('heronlocal'), before + 1);
      const r = await publisher.reserveCve(TEAM, caseId, 'v1');
      assert.equal(r.cveId, first, 'the same ID');
      assert.equal(r.reused, true);
      assert.equal(await reservedCount('heronlocal'), before + 1, 'no second reservation');
      assert.equal(await cveOf(service, caseId), first);
      await assert.rejects(publisher.reserveCve(TEAM, caseId, 'v1'), /already has/);
    });

    it('a concurrent edit while recording (revision conflict) is retried: the ID is recorded and the other change kept', async () => {
      const { service, publisher } = team('heronlocal');
      const caseId = await newCase(service);
      const r = await publisher.reserveCve(TEAM, caseId, 'v1', { beforeRecord: async () => {
        await service.command(TEAM, caseId, { type: 'add-vulnerability', vulnerability: { id: 'v2', title: 'Second flaw' } });
      } });
      assert.equal(await cveOf(service, caseId), r.cveId);
      assert.ok(((await service.getCase(TEAM, caseId)) as { vulnerabilities: { id: string }[] }).vulnerabilities.some((v) => v.id === 'v2'), 'no lost update');
    });

    it('when another ID was recorded for the vulnerability meanwhile, the one reserved is released (REJECTED), not left dangling', async () => {
      const { service, publisher } = team('heronlocal');
      const caseId = await newCase(service);
      let ours = '';
      await assert.rejects(publisher.reserveCve(TEAM, caseId, 'v1', { beforeRecord: async (id) => {
        ours = id;
        await service.command(TEAM, caseId, { type: 'reserve-cve', vulnerabilityId: 'v1', cveId: 'CVE-2025-77777' });
      } }), (e: Error & { code?: string }) => e.code === 'CASE_CONFLICT' && e.message.includes(`${ours}, reserved for it meanwhile, was released`));
      assert.equal((await local.store.cna.getCveId(ours))?.state, 'REJECTED');
      assert.equal(await cveOf(service, caseId), 'CVE-2025-77777');
      // A new vulnerability reserves afresh; the released ID is never reused.
      await service.command(TEAM, caseId, { type: 'add-vulnerability', vulnerability: { id: 'v2', title: 'Second flaw' } });
      const r2 = await publisher.reserveCve(TEAM, caseId, 'v2');
      assert.notEqual(r2.cveId, ours);
    });
  });
}
