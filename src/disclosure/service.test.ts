import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../store/index.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';
import { startTestSmtp } from '../../test/support/smtp.ts';
import { DisclosureScheduler, DisclosureService, DisclosureServiceError, deliverOutbox, disclosureConfig, signWebhook, smtpSender, solveChallenge, verifyWebhook } from './index.ts';
import type { DisclosureConfig, Principal, ReportSubmission } from './index.ts';

const TEAM_TOKEN = 'team-token-0123456789abcdefghijklmnopqrstuvwxyz';
const TEAM: Principal = { kind: 'team', name: 'team' };
const CANARY = 'CANARY-Zephyr-Router-9931';
const REPORT_KEY = randomBytes(32).toString('hex');

function config(over: Partial<Parameters<typeof disclosureConfig>[0]> = {}): DisclosureConfig {
  return disclosureConfig({ teamToken: TEAM_TOKEN, powBits: 8, minAnswerMs: 0, reportKey: REPORT_KEY, teamEmail: 'psirt@team.test', timeZone: 'Europe/Copenhagen', challengeSecret: 'test-secret', ...over });
}

const report = (over: Partial<ReportSubmission> = {}): ReportSubmission => ({
  product: `${CANARY} firmware`, version: '1.2', description: `Stack overflow in the ${CANARY} web UI login form allows RCE (see CVE-2024-3400).`,
  impact: 'remote code execution', proofOfConcept: 'curl -d "user=$(python -c print(\'A\'*5000))" http://router/login', finderContact: 'finder@example.test', finderName: 'Ada', credit: 'named', ...over,
});

async function submit(s: DisclosureService, sub: ReportSubmission = report(), ip = '192.0.2.1') {
  const ch = s.challenge();
  return s.submitReport(sub, { nonce: ch.nonce, counter: solveChallenge(ch.nonce, ch.bits) }, { ip });
}

for (const backend of testBackends()) {
  describe(`${backend}: disclosure service`, () => {
    let t: TestStore;
    let clock = new Date('2025-03-03T09:00:00.000Z');
    const now = () => clock;
    let s: DisclosureService;
    before(async () => {
      t = await openTestStore(backend);
      s = new DisclosureService({ store: t.store, config: config(), now });
    });
    after(() => t.cleanup());

    it('takes a report, seals it at rest, and opens it only with its link', async () => {
      const r = await submit(s);
      assert.match(r.token, /^[A-Za-z0-9_-]{43}$/);
      const raw = await t.store.disclosure.getReport(r.reportId);
      assert.ok(raw && raw.body.startsWith('enc:v1:') && !raw.body.includes(CANARY), 'the body is ciphertext');
      const v = await s.capabilityView(r.token);
      assert.equal((v.report as { product: string }).product, `${CANARY} firmware`);
      await assert.rejects(s.capabilityView(r.token.slice(0, -1) + (r.token.endsWith('A') ? 'B' : 'A')), { code: 'LINK_NOT_VALID' });
      assert.deepEqual(await s.authenticate(r.token), { kind: 'finder', reportId: r.reportId });
      const queued = await t.store.disclosure.listOutbox({ channel: 'mail' });
      assert.ok(queued.some((m) => JSON.parse(m.payload).to.includes('finder@example.test')));
      assert.ok(queued.every((m) => !m.payload.includes(CANARY)), 'mails carry no report content');
    });

    it('refuses a reused, forged or unsolved challenge and floods from one address', async () => {
      const ch = s.challenge();
      const counter = solveChallenge(ch.nonce, ch.bits);
      await s.submitReport(report(), { nonce: ch.nonce, counter }, { ip: '192.0.2.50' });
      await assert.rejects(s.submitReport(report(), { nonce: ch.nonce, counter }, { ip: '192.0.2.50' }), /already used/);
      const forged = ch.nonce.replace(/\.[^.]+$/, '.AAAAAAAAAAAAAAAAAAAAAA');
      await assert.rejects(s.submitReport(report(), { nonce: forged, counter }, { ip: '192.0.2.50' }), /forged/);
      const ch2 = s.challenge();
      await assert.rejects(s.submitReport(report(), { nonce: ch2.nonce }, { ip: '192.0.2.50' }), { code: 'CHALLENGE_FAILED' });
      const [a, b] = ch2.question.match(/\d+/g)!.map(Number);
      await s.submitReport(report(), { nonce: ch2.nonce, answer: String(a + b) }, { ip: '192.0.2.50' });
      const limited = new DisclosureService({ store: t.store, config: config({ reportsPerHour: 2 }), now });
      await submit(limited, report(), '198.51.100.7');
      await submit(limited, report(), '198.51.100.7');
      await assert.rejects(submit(limited, report(), '198.51.100.7'), { code: 'RATE_LIMITED' });
      await submit(limited, report(), '198.51.100.8');
    });

    it('refuses malformed reports and hostile attachments', async () => {
      await assert.rejects(submit(s, report({ product: '', finderContact: 'not-mail' })), (e: DisclosureServiceError) => e.code === 'INVALID_REPORT' && 'product' in (e.details.problems as object) && 'finderContact' in (e.details.problems as object));
      await assert.rejects(submit(s, report({ description: 'x'.repeat(20_001) })), { code: 'INVALID_REPORT' });
      await assert.rejects(submit(s, report({ isPublic: 'maybe' })), { code: 'INVALID_REPORT' });
      const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]);
      await assert.rejects(submit(s, report({ attachments: [{ name: 'poc.txt', mediaType: 'text/plain', bytes: zip }] })), (e: DisclosureServiceError) => e.details.reason === 'archive');
      const gz = new Uint8Array([0x1f, 0x8b, 8, 0]);
      await assert.rejects(submit(s, report({ attachments: [{ name: 'a.bin', mediaType: 'application/octet-stream', bytes: gz }] })), (e: DisclosureServiceError) => e.details.reason === 'archive');
      const big = new Uint8Array(5 * 1024 * 1024 + 1).fill(65);
      await assert.rejects(submit(s, report({ attachments: [{ name: 'big.txt', mediaType: 'text/plain', bytes: big }] })), (e: DisclosureServiceError) => e.details.reason === 'too-large');
      const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
      const ok = await submit(s, report({ attachments: [{ name: '../../etc/evil.svg', mediaType: 'image/svg+xml', bytes: svg }] }));
      const files = (await s.capabilityView(ok.token)).files as { id: string; name: string; sha256: string }[];
      assert.equal(files[0].name, 'evil.svg');
      assert.deepEqual((await s.getFile({ kind: 'finder', reportId: ok.reportId }, files[0].id)).bytes, svg);
    });

    it('triages into a case, adds a vendor from the directory, and keeps each role to its rights', async () => {
      const r = await submit(s);
      const r2 = await submit(s, report({ description: `Same ${CANARY} login overflow, found with a fuzzer. CVE-2024-3400` }));
      const hints = (await s.getReport(TEAM, r2.reportId)) as { hints: { similar: { reportId: string }[]; cveIds: string[] } };
      assert.ok(hints.hints.similar.some((h) => h.reportId === r.reportId));
      assert.deepEqual(hints.hints.cveIds, ['CVE-2024-3400']);
      const c = (await s.triageReport(TEAM, r.reportId, { title: `${CANARY} login RCE` })) as { id: string };
      await s.triageReport(TEAM, r2.reportId, { caseId: c.id });
      await s.putVendor(TEAM, { id: 'zephyr', name: 'Zephyr Networks', contacts: [{ email: 'psirt@zephyr.test' }], products: [`${CANARY} firmware`] });
      const v = await s.addParticipant(TEAM, c.id, { kind: 'vendor', vendorId: 'zephyr', notify: true });
      assert.ok(v.token);
      const vendor = await s.authenticate(v.token!);
      assert.deepEqual(vendor, { kind: 'participant', caseId: c.id, participantId: 'vendor-zephyr' });
      await s.command(vendor, c.id, { type: 'acknowledge-vendor', participantId: 'vendor-zephyr' });
      await assert.rejects(s.command(vendor, c.id, { type: 'record-case-state', flag: 'P' }), { code: 'FORBIDDEN' });
      await assert.rejects(s.command({ kind: 'finder', reportId: r.reportId }, c.id, { type: 'add-vulnerability', vulnerability: { id: 'v', title: 't' } }), { code: 'FORBIDDEN' });
      await s.command(TEAM, c.id, { type: 'add-vulnerability', vulnerability: { id: 'v1', title: 'Login overflow' } });
      await s.command(vendor, c.id, { type: 'set-vendor-status', vulnerabilityId: 'v1', vendorId: 'vendor-zephyr', status: 'affected', statement: 'Fix in 1.3' });
      clock = new Date(clock.getTime() + 60_000);
      await s.command(TEAM, c.id, { type: 'propose-default-embargo', proposalId: 'p1' });
      await s.command(vendor, c.id, { type: 'accept-embargo' });
      const seen = (await s.getCase(vendor, c.id)) as { embargo: { state: string; endsAtLocal: string }; reports: { finder: Record<string, unknown> }[] };
      assert.equal(seen.embargo.state, 'active');
      assert.match(seen.embargo.endsAtLocal, /23:59:59/);
      assert.equal(seen.reports[0].finder.contact, undefined, 'vendors do not see the finder contact');
      await s.postMessage(TEAM, { caseId: c.id }, { text: 'internal: vendor slow', visibility: 'internal' });
      await s.postMessage(vendor, { caseId: c.id }, { text: 'We are on it' });
      assert.deepEqual((await s.listMessages(vendor, c.id)).map((m) => m.text), ['We are on it']);
      assert.equal((await s.listMessages(TEAM, c.id)).length, 2);
      await assert.rejects(s.postMessage(vendor, { caseId: c.id }, { text: 'x', visibility: 'internal' }), { code: 'FORBIDDEN' });
      // A finder of another report, a participant of another case, anonymous: the case does not exist for them.
      const stranger = await submit(s);
      for (const p of [{ kind: 'finder', reportId: stranger.reportId }, { kind: 'participant', caseId: 'case_other', participantId: 'vendor-zephyr' }] as Principal[]) {
        await assert.rejects(s.getCase(p, c.id), { code: 'CASE_NOT_FOUND', message: 'no such case' });
        await assert.rejects(s.getCase(p, 'case_missing'), { code: 'CASE_NOT_FOUND', message: 'no such case' });
      }
      await assert.rejects(s.getCase({ kind: 'anonymous' }, c.id), { code: 'UNAUTHENTICATED' });
      const audit = await t.store.disclosure.listAudit({ caseId: c.id });
      assert.ok(audit.some((a) => a.action === 'case.read' && a.actor === `participant:${c.id}/vendor-zephyr`));
      assert.ok(audit.some((a) => a.action === 'case.command:accept-embargo'));
    });

    it('loses no update when many edit one case at once', async () => {
      const c = (await s.createCase(TEAM, 'concurrency')) as { id: string };
      await Promise.all(Array.from({ length: 12 }, (_, i) => s.command(TEAM, c.id, { type: 'add-vulnerability', vulnerability: { id: `v${i}`, title: `flaw ${i}` } })));
      const after = (await s.getCase(TEAM, c.id)) as { vulnerabilities: unknown[]; revision: number };
      assert.equal(after.vulnerabilities.length, 12);
      assert.equal(after.revision, 13);
      assert.equal((await t.store.disclosure.listCaseEvents(c.id)).length, 13);
      await assert.rejects(s.command(TEAM, c.id, { type: 'change-title', title: 'stale' }, 5), { code: 'CASE_CONFLICT' });
    });

    it('queues mail while the SMTP server is down and delivers it when it is back', async () => {
      const smtp = await startTestSmtp();
      const store = await openStore(t.db);
      try {
        await smtp.stop();
        const sender = smtpSender(smtp.url, { timeoutMs: 2000 });
        const before = (await store.disclosure.listOutbox({ status: 'pending', channel: 'mail' })).length;
        assert.ok(before > 0);
        const d1 = await deliverOutbox({ store, now, mailFrom: 'cvekit@team.test', sendMail: sender.send });
        assert.equal(d1.sent, 0);
        assert.ok(d1.failed > 0);
        assert.equal((await store.disclosure.listOutbox({ status: 'pending', channel: 'mail' })).length, before, 'nothing lost');
        await smtp.start();
        clock = new Date(clock.getTime() + 3600_000);
        let sent = 0;
        for (let i = 0; i < 10 && (await store.disclosure.listOutbox({ status: 'pending', channel: 'mail' })).length > 0; i++) sent += (await deliverOutbox({ store, now, mailFrom: 'cvekit@team.test', sendMail: sender.send })).sent;
        assert.equal(sent, before);
        assert.equal(smtp.received.length, before);
        assert.ok(smtp.received.some((m) => m.to.includes('finder@example.test') && /\/report\/[A-Za-z0-9_-]{43}/.test(m.raw.replace(/=\r?\n/g, ''))));
        assert.ok(smtp.received.every((m) => !m.raw.includes(CANARY)));
        const log = await store.disclosure.listDeliveryLog();
        assert.ok(log.some((l) => !l.ok) && log.some((l) => l.ok));
        sender.close();
      } finally {
        await smtp.stop();
        await store.close();
      }
    });

    it('delivers signed webhooks, retries a failing receiver and logs every attempt', async () => {
      const got: { sig: string | undefined; body: string }[] = [];
      let fail = true;
      const server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          got.push({ sig: req.headers['x-cvekit-signature'] as string | undefined, body });
          res.statusCode = fail ? 503 : 204;
          res.end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      try {
        const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
        const hook = await s.addWebhook(TEAM, { url });
        const c = (await s.createCase(TEAM, `${CANARY} hooks`)) as { id: string };
        const d1 = await deliverOutbox({ store: t.store, now, mailFrom: 'x@team.test' });
        assert.ok(d1.failed >= 1);
        fail = false;
        clock = new Date(clock.getTime() + 3600_000);
        await deliverOutbox({ store: t.store, now, mailFrom: 'x@team.test' });
        const ok = got.at(-1)!;
        assert.deepEqual(verifyWebhook(hook.secret, ok.sig, ok.body, { nowSec: clock.getTime() / 1000 }).ok, true);
        assert.equal(JSON.parse(ok.body).caseId, c.id);
        assert.ok(!ok.body.includes(CANARY), 'webhooks carry ids, not content');
        assert.equal(verifyWebhook(hook.secret, ok.sig, ok.body, { nowSec: clock.getTime() / 1000 + 3600 }).ok, false, 'a replay an hour later is refused');
        const item = (await t.store.disclosure.listOutbox({ channel: 'webhook' })).find((o) => o.status === 'sent');
        assert.ok(item);
        const log = await t.store.disclosure.listDeliveryLog(item.id);
        assert.deepEqual(log.map((l) => [l.ok, l.detail]), [[false, 'HTTP 503'], [true, 'HTTP 204']]);
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
      }
    });

    it('two schedulers on one database send each reminder exactly once', async () => {
      const smtp = await startTestSmtp();
      const storeA = await openStore(t.db);
      const storeB = await openStore(t.db);
      try {
        // Deliver what earlier tests queued, so only reminders remain to count.
        const sender = smtpSender(smtp.url);
        await deliverOutbox({ store: storeA, now, mailFrom: 'x@team.test', sendMail: sender.send, batch: 1000 });
        smtp.received.length = 0;
        const cfg = config();
        const a = new DisclosureService({ store: storeA, config: cfg, now });
        const b = new DisclosureService({ store: storeB, config: cfg, now });
        const c = (await a.createCase(TEAM, 'reminders')) as { id: string };
        await a.addParticipant(TEAM, c.id, { kind: 'vendor', name: 'Slow Vendor', contact: 'slow@vendor.test', notify: true });
        await deliverOutbox({ store: storeA, now, mailFrom: 'x@team.test', sendMail: sender.send });
        smtp.received.length = 0;
        clock = new Date(clock.getTime() + 20 * 86_400_000);
        const sa = new DisclosureScheduler({ service: a, now, sendMail: sender.send });
        const sb = new DisclosureScheduler({ service: b, now, sendMail: sender.send });
        const results = await Promise.all([sa.tick(), sb.tick(), sa.tick(), sb.tick()]);
        const again = await Promise.all([sa.tick(), sb.tick()]);
        const reminders = results.concat(again).reduce((n, r) => n + r.reminders, 0);
        const keys = (await storeA.disclosure.listOutbox({ channel: 'mail' })).filter((o) => o.key.startsWith(`reminder:${c.id}:`)).map((o) => o.key);
        assert.equal(new Set(keys).size, keys.length);
        const allKeys = (await storeA.disclosure.listOutbox({ channel: 'mail' })).filter((o) => o.key.startsWith('reminder:')).map((o) => o.key);
        assert.equal(reminders, allKeys.length, 'every claimed reminder queued once');
        assert.equal(smtp.received.length, allKeys.length, 'and delivered once');
        assert.ok(keys.some((k) => k.includes(':vendor-not-acknowledged:')));
        const mails = smtp.received.filter((m) => m.raw.includes(c.id));
        assert.equal(mails.length, keys.length, 'each reminder delivered exactly once');
        assert.ok(mails.some((m) => m.to.includes('slow@vendor.test')));
        sender.close();
      } finally {
        await smtp.stop();
        await storeA.close();
        await storeB.close();
      }
    });
  });
}

describe('signed webhooks', () => {
  const secret = 'whsec-test';
  const body = '{"event":"case.event","caseId":"case_1"}';
  it('accepts a fresh genuine signature and rejects replays and forgeries', () => {
    const t = 1_750_000_000;
    const sig = signWebhook(secret, body, t);
    assert.match(sig, /^t=1750000000,v1=[0-9a-f]{64}$/);
    assert.deepEqual(verifyWebhook(secret, sig, body, { nowSec: t + 10 }), { ok: true, timestamp: t });
    assert.deepEqual(verifyWebhook(secret, sig, body, { nowSec: t + 301 }), { ok: false, reason: 'stale' });
    assert.deepEqual(verifyWebhook(secret, sig, body + ' ', { nowSec: t }), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(verifyWebhook('other', sig, body, { nowSec: t }), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(verifyWebhook(secret, sig.replace('t=1750000000', 't=1750000100'), body, { nowSec: t + 100 }), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(verifyWebhook(secret, 'v1=abc', body, { nowSec: t }), { ok: false, reason: 'malformed' });
    assert.deepEqual(verifyWebhook(secret, undefined, body, { nowSec: t }), { ok: false, reason: 'malformed' });
  });
});
