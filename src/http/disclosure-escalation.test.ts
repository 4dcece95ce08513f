/**
 * The coordinator of last resort (`CVEKIT_ESCALATE_TO`), end to end on every store: after
 * the vendor-response deadline the scheduler offers the case, the coordinator gets a
 * private link by mail (a real SMTP server), sees only the offer on that page, and accepts
 * or declines there (or through the API); the team hears the answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';
import { startTestSmtp, type TestSmtp } from '../../test/support/smtp.ts';
import { DisclosureScheduler, DisclosureService, disclosureConfig, smtpSender } from '../disclosure/index.ts';
import type { Principal } from '../disclosure/index.ts';
import { parseEscalateTo } from '../disclosure/config.ts';
import { disclosureApi } from './disclosure-api.ts';

const TEAM: Principal = { kind: 'team', name: 'team' };
const CANARY = 'CANARY-Escalated-Kettle-4410';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('CVEKIT_ESCALATE_TO', () => {
  it('"Name <address>" and a bare address give a stable coordinator; anything else is refused', () => {
    assert.deepEqual(parseEscalateTo('National CERT <cert@coord.test>'), {
      id: 'coordinator-cert-coord-test', kind: 'coordinator', name: 'National CERT', contact: 'cert@coord.test', roles: ['coordinator'],
    });
    assert.equal(parseEscalateTo(' cert@coord.test ').name, 'cert@coord.test');
    for (const bad of ['National CERT', 'CERT <not-an-address>', '<a@b.c> trailing', `${'x'.repeat(201)} <a@b.test>`]) {
      assert.throws(() => parseEscalateTo(bad), { code: 'INVALID_CONFIG' }, bad);
    }
  });
});

for (const backend of testBackends()) {
  describe(`${backend}: escalation to the coordinator of last resort`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    let smtp: TestSmtp;
    let service: DisclosureService;
    let scheduler: DisclosureScheduler;
    let sender: ReturnType<typeof smtpSender>;
    let clock = new Date('2025-09-01T08:00:00.000Z');
    const now = () => clock;

    before(async () => {
      t = await openTestStore(backend);
      smtp = await startTestSmtp();
      sender = smtpSender(smtp.url);
      const config = disclosureConfig({ powBits: 6, challengeSecret: 's', teamEmail: 'psirt@team.test', escalateTo: 'National CERT <cert@coord.test>', publicUrl: 'https://psirt.example' });
      service = new DisclosureService({ store: t.store, config, now });
      scheduler = new DisclosureScheduler({ service, now, sendMail: sender.send });
      app = Fastify();
      await app.register(disclosureApi, { store: t.store, service, scheduler: false });
      await app.ready();
    });
    after(async () => {
      sender.close();
      await app.close();
      await smtp.stop();
      await t.cleanup();
    });

    /** A case whose notified vendor never acknowledges; 20 days on, the scheduler's tick. Returns the coordinator's link token. */
    async function escalatedCase(title: string): Promise<{ caseId: string; token: string }> {
      const c = (await service.createCase(TEAM, title)) as { id: string };
      await service.addParticipant(TEAM, c.id, { kind: 'vendor', name: 'Silent Vendor', contact: 'silent@vendor.test', notify: true });
      await scheduler.tick();
      smtp.received.length = 0;
      clock = new Date(clock.getTime() + 20 * 86_400_000);
      const r = await scheduler.tick();
      assert.ok(r.escalations >= 1, JSON.stringify(r));
      const offer = smtp.received.find((m) => m.to.includes('cert@coord.test'));
      assert.ok(offer, `the coordinator got a mail: ${JSON.stringify(smtp.received.map((m) => m.to))}`);
      const body = offer.raw.replace(/=\r?\n/g, '');
      assert.ok(!body.includes(CANARY), 'the mail carries no case content');
      const token = /https:\/\/psirt\.example\/report\/([A-Za-z0-9_-]{43})/.exec(body)?.[1];
      assert.ok(token, 'the mail holds the private link');
      assert.ok(smtp.received.some((m) => m.to.includes('psirt@team.test') && m.raw.includes(c.id) && /offered to National CERT/.test(m.raw)), 'the team is told');
      smtp.received.length = 0;
      return { caseId: c.id, token };
    }

    it('the offer by mail, the offer page without the case, then Accept opens the case', async () => {
      const { caseId, token } = await escalatedCase(`${CANARY} accepted`);
      const offer = await app.inject({ method: 'GET', url: `/report/${token}` });
      assert.equal(offer.statusCode, 200);
      assert.match(offer.body, /Coordination offer/);
      assert.match(offer.body, new RegExp(`action="/report/${token}/escalation"`));
      assert.ok(!offer.body.includes(CANARY) && !offer.body.includes('Silent Vendor'), 'only the offer is shown before it is accepted');
      // The API agrees: the offer, nothing else, and no other command.
      const view = await app.inject({ method: 'GET', url: `/api/v1/cases/${caseId}`, headers: { authorization: `Bearer ${token}` } });
      assert.equal(view.statusCode, 200);
      assert.deepEqual((view.json() as { offered?: boolean }).offered, true);
      assert.ok(!view.body.includes(CANARY));
      const early = await app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/commands`, headers: { authorization: `Bearer ${token}` }, payload: { command: { type: 'record-case-state', flag: 'F' } } });
      assert.equal(early.statusCode, 403);

      const bogus = await app.inject({ method: 'POST', url: `/report/${token}/escalation`, headers: FORM, payload: 'answer=maybe' });
      assert.equal(bogus.statusCode, 400);
      assert.match(bogus.body, /Accept/);
      const accepted = await app.inject({ method: 'POST', url: `/report/${token}/escalation`, headers: FORM, payload: 'answer=accept' });
      assert.equal(accepted.statusCode, 303);
      assert.equal(accepted.headers.location, `/report/${token}`);
      const page = await app.inject({ method: 'GET', url: `/report/${token}` });
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes(CANARY) && page.body.includes('Silent Vendor') && page.body.includes('National CERT'), 'the whole case once accepted');
      assert.ok(!page.body.includes('Coordination offer'));
      const team = (await service.getCase(TEAM, caseId)) as { escalation?: { state: string }; participants: { id: string; roles: string[] }[] };
      assert.equal(team.escalation?.state, 'accepted');
      assert.deepEqual(team.participants.find((p) => p.id === 'coordinator-cert-coord-test')?.roles, ['coordinator']);
      // Answered once only.
      const again = await app.inject({ method: 'POST', url: `/report/${token}/escalation`, headers: FORM, payload: 'answer=decline' });
      assert.equal(again.statusCode, 409);
      await scheduler.tick();
      assert.ok(smtp.received.some((m) => m.to.includes('psirt@team.test') && /escalation accepted/.test(m.raw)), 'the team hears the answer');
    });

    it('Decline through the API answers (no 404 for the decliner), and the link no longer opens the case', async () => {
      const { caseId, token } = await escalatedCase(`${CANARY} declined`);
      const declined = await app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/commands`, headers: { authorization: `Bearer ${token}` }, payload: { command: { type: 'answer-escalation', accepted: false } } });
      assert.equal(declined.statusCode, 200, declined.body);
      assert.deepEqual(declined.json(), { id: caseId, escalation: { state: 'declined' }, role: 'coordinator' });
      const page = await app.inject({ method: 'GET', url: `/report/${token}` });
      assert.equal(page.statusCode, 404);
      assert.ok(!page.body.includes(CANARY));
      const team = (await service.getCase(TEAM, caseId)) as { escalation?: { state: string } };
      assert.equal(team.escalation?.state, 'declined');
      await scheduler.tick();
      assert.ok(smtp.received.some((m) => m.to.includes('psirt@team.test') && /escalation declined/.test(m.raw)));
    });

    it('an offer lost to a crash before its save is made on the next tick, and racing schedulers offer once', async () => {
      const c = (await service.createCase(TEAM, `${CANARY} crash`)) as { id: string };
      await service.addParticipant(TEAM, c.id, { kind: 'vendor', name: 'Silent Vendor', contact: 'silent@vendor.test', notify: true });
      await scheduler.tick();
      clock = new Date(clock.getTime() + 20 * 86_400_000);
      smtp.received.length = 0;
      // A process that dies as it saves the offer: nothing of it is stored.
      const bind = <T extends object>(o: T, override: Partial<Record<string | symbol, unknown>>): T =>
        new Proxy(o, { get: (target, prop) => (prop in override ? override[prop] : ((v) => (typeof v === 'function' ? v.bind(target) : v))(Reflect.get(target, prop))) });
      const dying = bind(t.store, { disclosure: bind(t.store.disclosure, { saveCase: async () => { throw new Error('killed while saving'); } }) });
      const config = service.config;
      const crashed = new DisclosureScheduler({ service: new DisclosureService({ store: dying, config, now }), now, sendMail: sender.send });
      await assert.rejects(crashed.tick(), /killed while saving/);
      assert.equal(((await service.getCase(TEAM, c.id)) as { escalation?: unknown }).escalation, undefined);
      // Two live processes tick at once: one offer, one mail.
      const a = new DisclosureScheduler({ service: new DisclosureService({ store: t.store, config, now }), now, sendMail: sender.send });
      const b = new DisclosureScheduler({ service: new DisclosureService({ store: t.store, config, now }), now, sendMail: sender.send });
      const [ra, rb] = await Promise.all([a.tick(), b.tick()]);
      assert.equal(ra.escalations + rb.escalations, 1, JSON.stringify([ra, rb]));
      assert.equal(((await service.getCase(TEAM, c.id)) as { escalation?: { state: string } }).escalation?.state, 'offered');
      await scheduler.tick();
      const offers = smtp.received.filter((m) => m.to.includes('cert@coord.test'));
      assert.equal(offers.length, 1, `one offer mail, got ${offers.length}`);
      assert.equal((await scheduler.tick()).escalations, 0, 'never offered again');
    });

    it('Decline on the page says so', async () => {
      const { token } = await escalatedCase(`${CANARY} declined on the page`);
      const declined = await app.inject({ method: 'POST', url: `/report/${token}/escalation`, headers: FORM, payload: 'answer=decline' });
      assert.equal(declined.statusCode, 200);
      assert.match(declined.body, /Offer declined/);
      assert.ok(!declined.body.includes(CANARY));
      assert.equal((await app.inject({ method: 'GET', url: `/report/${token}` })).statusCode, 404);
    });
  });
}
