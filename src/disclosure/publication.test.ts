import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { validateCsaf } from '../advisories/index.ts';
import { CnaService, SYSTEM_ACTOR } from '../cna/index.ts';
import { openStore } from '../store/index.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';
import { CasePublisher, DisclosureScheduler, DisclosureService, disclosureConfig, solveChallenge } from './index.ts';
import type { DisclosureConfig, Principal, ReportSubmission } from './index.ts';

const TEAM: Principal = { kind: 'team', name: 'team' };
const CANARY = 'CANARY-Heron-Switch-5521';

function config(over: Partial<Parameters<typeof disclosureConfig>[0]> = {}): DisclosureConfig {
  return disclosureConfig({ teamToken: 'team-token-0123456789abcdefghijklmnopqrstuvwxyz', powBits: 4, minAnswerMs: 0, challengeSecret: 's', teamEmail: 'psirt@team.test', cnaOrg: 'heronpsirt', publisherName: 'Heron PSIRT', publicUrl: 'https://psirt.heron.test', ...over });
}

const report = (over: Partial<ReportSubmission> = {}): ReportSubmission => ({
  product: `${CANARY} firmware`, version: '4.2', description: `Heap overflow in the ${CANARY} SNMP agent lets a remote attacker run code.`,
  impact: 'remote code execution', finderContact: 'finder@example.test', finderName: 'Grace Hopper', credit: 'named', ...over,
});

const DRAFT = {
  cwe: { id: 'CWE-122' },
  cvss: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
  references: [{ url: 'https://psirt.heron.test/advisories/heron-2025-01', name: 'Heron advisory' }],
  versions: [{ version: '4.0', lessThan: '4.3', status: 'affected' as const, versionType: 'semver' }],
  remediations: [{ category: 'vendor_fix' as const, details: 'Update to 4.3.' }],
};

for (const backend of testBackends()) {
  describe(`${backend}: from case to CVE to advisory`, () => {
    let t: TestStore;
    let clock = new Date('2025-03-03T09:00:00.000Z');
    const now = () => clock;
    let s: DisclosureService;
    let pub: CasePublisher;
    let cna: CnaService;

    before(async () => {
      t = await openTestStore(backend);
      cna = new CnaService(t.store, { now });
      await cna.createOrg(SYSTEM_ACTOR, { shortName: 'heronpsirt', name: 'Heron PSIRT', roles: ['CNA'], idQuota: 100 });
      s = new DisclosureService({ store: t.store, config: config(), now });
      pub = new CasePublisher({ service: s, cna });
    });
    after(() => t.cleanup());

    /** A triaged case with a vendor (affected), a vulnerability and an active embargo of the default 90 days. */
    async function caseWithEmbargo(credit: 'named' | 'anonymous' | 'none' = 'named'): Promise<string> {
      const ch = s.challenge();
      const r = await s.submitReport(report({ credit }), { nonce: ch.nonce, counter: solveChallenge(ch.nonce, ch.bits) }, { ip: `192.0.2.${Math.floor(Math.random() * 200)}` });
      const c = (await s.triageReport(TEAM, r.reportId, { title: `${CANARY} SNMP overflow` })) as { id: string };
      await s.putVendor(TEAM, { id: 'heron', name: 'Heron Networks', contacts: [{ email: 'psirt@heron.test' }], products: [`${CANARY} firmware`] });
      await s.addParticipant(TEAM, c.id, { kind: 'vendor', vendorId: 'heron', notify: true });
      await s.command(TEAM, c.id, { type: 'add-vulnerability', vulnerability: { id: 'v1', title: 'SNMP agent heap overflow' } });
      await s.command(TEAM, c.id, { type: 'set-vendor-status', vulnerabilityId: 'v1', vendorId: 'vendor-heron', status: 'affected' });
      await s.command(TEAM, c.id, { type: 'propose-default-embargo', proposalId: 'p1' });
      await s.command(TEAM, c.id, { type: 'accept-embargo', proposalId: 'p1' });
      return c.id;
    }

    it('reserves a CVE ID from a case through the CNA: RESERVED, on the case, nothing in the public repository', async () => {
      const caseId = await caseWithEmbargo();
      const r = await pub.reserveCve(TEAM, caseId, 'v1');
      assert.match(r.cveId, /^CVE-2025-\d{4,}$/);
      const id = await t.store.cna.getCveId(r.cveId);
      assert.equal(id?.state, 'RESERVED');
      assert.equal(await t.store.getRecord(r.cveId), undefined, 'no public record');
      assert.equal(await t.store.cna.getRecord(r.cveId), undefined);
      const c = (await s.getCase(TEAM, caseId)) as { vulnerabilities: { cveId?: string }[] };
      assert.equal(c.vulnerabilities[0].cveId, r.cveId);
      await assert.rejects(pub.reserveCve(TEAM, caseId, 'v1'), /already has/);
      await assert.rejects(pub.reserveCve({ kind: 'anonymous' }, caseId, 'v1'), { code: 'UNAUTHENTICATED' });
      await assert.rejects(pub.reserveCve({ kind: 'participant', caseId: 'other', participantId: 'x' }, caseId, 'v1'), { code: 'CASE_NOT_FOUND' });
    });

    it('refuses reservation with a clear error when no CNA is configured', async () => {
      const caseId = await caseWithEmbargo();
      const none = new CasePublisher({ service: new DisclosureService({ store: t.store, config: config({ cnaOrg: '' }), now }), cna });
      await assert.rejects(none.reserveCve(TEAM, caseId, 'v1'), (e: Error & { code?: string }) => e.code === 'CNA_NOT_CONFIGURED' && /CVEKIT_CNA_ORG/.test(e.message));
      const wrong = new CasePublisher({ service: new DisclosureService({ store: t.store, config: config({ cnaOrg: 'nosuchorg' }), now }), cna });
      await assert.rejects(wrong.reserveCve(TEAM, caseId, 'v1'), (e: Error & { code?: string }) => e.code === 'CNA_NOT_CONFIGURED' && /nosuchorg/.test(e.message));
      const noService = new CasePublisher({ service: s });
      await assert.rejects(noService.reserveCve(TEAM, caseId, 'v1'), { code: 'CNA_NOT_CONFIGURED' });
    });

    it('drafts the record from the case, with validation messages in words', async () => {
      const caseId = await caseWithEmbargo();
      const { cveId } = await pub.reserveCve(TEAM, caseId, 'v1');
      const bare = await pub.draftCveRecord(TEAM, caseId, 'v1', { description: ' ' });
      assert.equal(bare.check.ok, false);
      const messages = bare.check.issues.map((i) => `${i.path}: ${i.message}`);
      assert.ok(messages.some((m) => /references: no reference: add at least one URL/.test(m)), messages.join('\n'));
      assert.ok(messages.some((m) => /description is empty/.test(m)), messages.join('\n'));
      await assert.rejects(pub.draftCveRecord(TEAM, caseId, 'v1', { cvss: ['CVSS:3.1/AV:Q'] }), /cvss/);
      await assert.rejects(pub.schedulePublication(TEAM, caseId), (e: Error & { code?: string }) => e.code === 'DRAFT_INVALID' && /no reference/.test(e.message));
      const good = await pub.draftCveRecord(TEAM, caseId, 'v1', DRAFT);
      assert.deepEqual(good.check, { ok: true, issues: [] });
      const cnaC = good.record.containers.cna as unknown as Record<string, unknown>;
      assert.equal(good.record.cveMetadata.cveId, cveId);
      assert.deepEqual(cnaC.credits, [{ lang: 'en', value: 'Grace Hopper', type: 'finder' }]);
      assert.equal((cnaC.affected as { vendor: string; product: string }[])[0].vendor, 'Heron Networks');
      assert.equal((cnaC.affected as { vendor: string; product: string }[])[0].product, `${CANARY} firmware`);
      assert.equal(((cnaC.metrics as Record<string, { baseScore: number }>[])[0].cvssV3_1).baseScore, 9.8);
      const stored = await t.store.disclosure.getDocument(caseId, 'cve-draft', 'v1');
      assert.ok(stored);
    });

    it('credits the finder as asked: anonymously or not at all', async () => {
      for (const [credit, expected] of [['anonymous', [{ lang: 'en', value: 'an anonymous researcher', type: 'finder' }]], ['none', undefined]] as const) {
        const caseId = await caseWithEmbargo(credit);
        await pub.reserveCve(TEAM, caseId, 'v1');
        const d = await pub.draftCveRecord(TEAM, caseId, 'v1', DRAFT);
        assert.deepEqual((d.record.containers.cna as unknown as { credits?: unknown }).credits, expected);
        assert.ok(!JSON.stringify(d.record).includes('Grace Hopper'));
      }
    });

    it('drafts a valid CSAF advisory listing every CVE of the case, with revisions', async () => {
      const caseId = await caseWithEmbargo();
      await s.command(TEAM, caseId, { type: 'add-vulnerability', vulnerability: { id: 'v2', title: 'SNMP agent auth bypass', description: 'Community string check can be skipped.' } });
      const a = await pub.reserveCve(TEAM, caseId, 'v1');
      const b = await pub.reserveCve(TEAM, caseId, 'v2');
      await pub.draftCveRecord(TEAM, caseId, 'v1', DRAFT);
      await assert.rejects(pub.draftAdvisory(TEAM, caseId), new RegExp(`draft the CVE record of ${b.cveId}`));
      await pub.draftCveRecord(TEAM, caseId, 'v2', { ...DRAFT, cwe: { id: 'CWE-287' } });
      const first = await pub.draftAdvisory(TEAM, caseId, { summary: 'Two flaws in the SNMP agent.' });
      assert.deepEqual(first.check, { ok: true, issues: [] });
      assert.deepEqual(validateCsaf(first.advisory.csaf).errors, []);
      assert.deepEqual(first.advisory.csaf.vulnerabilities?.map((v) => v.cve).sort(), [a.cveId, b.cveId].sort());
      assert.equal(first.advisory.csaf.document.tracking.status, 'draft');
      clock = new Date(clock.getTime() + 3600_000);
      const second = await pub.draftAdvisory(TEAM, caseId, { summary: 'Two flaws; fixed in 4.3.', revision: 'Summary reworded.' });
      assert.equal(second.check.ok, true, JSON.stringify(second.check.issues));
      assert.deepEqual(second.advisory.csaf.document.tracking.revision_history.map((r) => r.number), ['0.1.0', '0.2.0']);
      const ack = JSON.stringify(second.advisory.csaf.vulnerabilities?.[0]);
      assert.match(ack, /Grace Hopper/);
    });

    it('publishes at the embargo end exactly once with two schedulers, and tells participants', async () => {
      const caseId = await caseWithEmbargo();
      const { cveId } = await pub.reserveCve(TEAM, caseId, 'v1');
      await pub.draftCveRecord(TEAM, caseId, 'v1', DRAFT);
      await pub.draftAdvisory(TEAM, caseId);
      const plan = await pub.schedulePublication(TEAM, caseId);
      assert.equal(plan.state, 'scheduled');
      // A second process on the same database, with its own services and scheduler.
      const store2 = await openStore(t.db);
      try {
        const s2 = new DisclosureService({ store: store2, config: config(), now });
        const pub2 = new CasePublisher({ service: s2, cna: new CnaService(store2, { now }) });
        const sa = new DisclosureScheduler({ service: s, publisher: pub, now, sendMail: async () => undefined });
        const sb = new DisclosureScheduler({ service: s2, publisher: pub2, now, sendMail: async () => undefined });
        // Before the end: nothing.
        await Promise.all([sa.tick(), sb.tick()]);
        assert.equal(await t.store.getRecord(cveId), undefined);
        await assert.rejects(pub.publishNow(TEAM, caseId), (e: Error & { code?: string }) => e.code === 'PUBLICATION_BLOCKED' && /active until/.test(e.message));
        assert.equal(await t.store.getRecord(cveId), undefined);
        clock = new Date(clock.getTime() + 92 * 86_400_000);
        const results = await Promise.all([sa.tick(), sb.tick(), sa.tick(), sb.tick()]);
        assert.equal(results.reduce((n, r) => n + (r.published ?? 0), 0), 1, 'published once');
        const rec = await t.store.getRecord(cveId);
        assert.equal(rec?.source, 'cna:heronpsirt');
        assert.equal((await t.store.cna.getCveId(cveId))?.state, 'PUBLISHED');
        const audit = (await t.store.disclosure.listAudit({ caseId })).filter((x) => x.action === 'case.publish');
        assert.equal(audit.length, 1);
        const mails = (await t.store.disclosure.listOutbox({ channel: 'mail' })).filter((m) => m.key === `publish-mail:${caseId}`);
        assert.equal(mails.length, 1);
        const mail = JSON.parse(mails[0].payload) as { to: string[]; text: string };
        assert.ok(mail.to.includes('finder@example.test') && mail.to.includes('psirt@heron.test'));
        assert.match(mail.text, new RegExp(`/cve/${cveId}`));
        const list = await pub.publicAdvisories();
        const adv = list.find((x) => x.cveIds.includes(cveId));
        assert.ok(adv, 'advisory listed with its CVE');
        const csaf = await pub.publicAdvisory(adv.id);
        assert.equal(csaf.document.tracking.status, 'final');
        assert.equal(csaf.document.tracking.version, '1.0.0');
        assert.deepEqual(validateCsaf(csaf).errors, []);
        const c = (await s.getCase(TEAM, caseId)) as { embargo: { state: string } };
        assert.equal(c.embargo.state, 'exited');
        // A later revision of the published advisory.
        clock = new Date(clock.getTime() + 86_400_000);
        const revised = await pub.reviseAdvisory(TEAM, caseId, { summary: 'Workaround added.' });
        assert.equal(revised.csaf.document.tracking.version, '1.1.0');
        assert.equal((await pub.publicAdvisory(adv.id)).document.tracking.revision_history.length, 2);
      } finally {
        await store2.close();
      }
    });

    it('publishes nothing when a draft broke after scheduling, tells the team once, and publishes when fixed', async () => {
      const caseId = await caseWithEmbargo();
      const { cveId } = await pub.reserveCve(TEAM, caseId, 'v1');
      await pub.draftCveRecord(TEAM, caseId, 'v1', DRAFT);
      await pub.schedulePublication(TEAM, caseId);
      await pub.draftCveRecord(TEAM, caseId, 'v1', { ...DRAFT, references: [] });
      clock = new Date(clock.getTime() + 92 * 86_400_000);
      {
        const sched = new DisclosureScheduler({ service: s, publisher: pub, now, sendMail: async () => undefined });
        assert.equal((await sched.tick()).published, 0);
        assert.equal((await sched.tick()).published, 0);
        assert.equal(await t.store.getRecord(cveId), undefined);
        const blocked = (await t.store.disclosure.listOutbox({ channel: 'mail' })).filter((m) => m.key.startsWith(`publish-blocked:${caseId}:`));
        assert.equal(blocked.length, 1);
        assert.match(JSON.parse(blocked[0].payload).text, /not valid/);
        await pub.draftCveRecord(TEAM, caseId, 'v1', DRAFT);
        const r = await pub.publishNow(TEAM, caseId);
        assert.deepEqual(r.cveIds, [cveId]);
        assert.ok(await t.store.getRecord(cveId));
      }
    });

    it('publishes early only when forced, or after the embargo ended early (P, X or A)', async () => {
      const forcedCase = await caseWithEmbargo();
      const f = await pub.reserveCve(TEAM, forcedCase, 'v1');
      await pub.draftCveRecord(TEAM, forcedCase, 'v1', DRAFT);
      await assert.rejects(pub.publishNow(TEAM, forcedCase), { code: 'PUBLICATION_BLOCKED' });
      const r = await pub.publishNow(TEAM, forcedCase, { force: true });
      assert.deepEqual(r.cveIds, [f.cveId]);
      assert.equal((await t.store.getRecord(f.cveId))?.source, 'cna:heronpsirt');
      const timeline = (await s.timeline(TEAM, forcedCase)) as { type: string; reason?: string }[];
      assert.ok(timeline.some((e) => e.type === 'embargo-exited' && e.reason === 'agreed-early'));
      await assert.rejects(pub.publishNow(TEAM, forcedCase, { force: true }), /already published/);

      const leaked = await caseWithEmbargo();
      const l = await pub.reserveCve(TEAM, leaked, 'v1');
      await pub.draftCveRecord(TEAM, leaked, 'v1', DRAFT);
      await s.command(TEAM, leaked, { type: 'record-case-state', flag: 'P' });
      await pub.publishNow(TEAM, leaked);
      assert.ok(await t.store.getRecord(l.cveId));
    });
  });
}
