import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CaseCommand } from './commands.ts';
import { applyCommand, openCase } from './commands.ts';
import type { Case, ParticipantInput } from './model.ts';
import { embargoPolicy } from './policy.ts';
import type { Reminder, ReminderKind, ReminderPolicy } from './reminders.ts';
import { dueReminders, nextReminderAt, plannedReminders, reminderPolicy } from './reminders.ts';
import { addMs, formatZoned } from './time.ts';

const CPH = 'Europe/Copenhagen';
const NYC = 'America/New_York';
const COORDINATOR: ParticipantInput = { id: 'cert', kind: 'coordinator', name: 'National CERT', roles: ['coordinator'] };

/** A case with one vendor, built through commands; each step is [at, command]. */
function build(timeZone: string, steps: readonly (readonly [string, CaseCommand])[]): Case {
  const policy = embargoPolicy({ timeZone });
  let c = openCase({ id: 'case-1', title: 'Router RCE', actor: 'psirt', at: steps[0][0] }).case;
  for (const [at, command] of steps) c = applyCommand(c, command, { actor: 'psirt', at, policy }).case;
  return c;
}

const VENDOR = { type: 'add-participant', participant: { id: 'acme', kind: 'vendor', name: 'ACME', roles: ['vendor'] } } as const;
const NOTIFY = { type: 'notify-vendor', participantId: 'acme' } as const;
const VULN = { type: 'add-vulnerability', vulnerability: { id: 'v1', title: 'Stack overflow in httpd' } } as const;

function only(rs: readonly Reminder[], kind: ReminderKind): readonly Reminder[] {
  return rs.filter((r) => r.kind === kind);
}

function dueAtOf(c: Case, kind: ReminderKind, policy: ReminderPolicy, now: string): string | undefined {
  return only(plannedReminders(c, now, policy), kind)[0]?.dueAt;
}

describe('dueReminders: vendor acknowledgement and escalation', () => {
  // Tuesday 2025-03-25 10:00 CET. +5 days is Sunday 30 March, the day clocks go forward.
  const notified = '2025-03-25T09:00:00.000Z';
  const c = build(CPH, [[notified, VENDOR], [notified, NOTIFY]]);
  const policy = reminderPolicy({ timeZone: CPH, coordinator: COORDINATOR });

  it('is due 5 local days later, moved off the weekend to Monday at the same wall time (CEST by then)', () => {
    const due = dueAtOf(c, 'vendor-not-acknowledged', policy, notified);
    assert.equal(due, '2025-03-31T08:00:00.000Z');
    assert.equal(formatZoned(due!, CPH), '2025-03-31 10:00:00 CEST (UTC+02:00)');
    assert.deepEqual(only(dueReminders(c, '2025-03-31T07:59:59.999Z', policy), 'vendor-not-acknowledged'), []);
    const [r] = only(dueReminders(c, '2025-03-31T08:00:00.000Z', policy), 'vendor-not-acknowledged');
    assert.deepEqual(r, { kind: 'vendor-not-acknowledged', key: `case-1:vendor-not-acknowledged:acme:${notified}`, caseId: 'case-1', dueAt: '2025-03-31T08:00:00.000Z', vendorId: 'acme', notifiedAt: notified });
  });

  it('without the weekend shift is due on the Sunday, 10:00 CEST, 119 hours later', () => {
    const noShift = reminderPolicy({ timeZone: CPH, weekendShift: false });
    assert.equal(dueAtOf(c, 'vendor-not-acknowledged', noShift, notified), '2025-03-30T08:00:00.000Z');
  });

  it('takes a configured N', () => {
    assert.equal(dueAtOf(c, 'vendor-not-acknowledged', reminderPolicy({ timeZone: CPH, vendorAckDays: 2 }), notified), '2025-03-27T09:00:00.000Z');
  });

  it('offers the case to the coordinator after the vendor-response deadline, with the history', () => {
    // +15 days: Thursday 2025-04-09 10:00 CEST.
    assert.deepEqual(only(dueReminders(c, '2025-04-09T07:59:59.000Z', policy), 'escalate'), []);
    const [r] = only(dueReminders(c, '2025-04-09T08:00:00.000Z', policy), 'escalate');
    assert.ok(r !== undefined && r.kind === 'escalate');
    assert.equal(r.key, `case-1:escalate:cert:acme:${notified}`);
    assert.deepEqual(r.to, COORDINATOR);
    assert.deepEqual(r.vendorIds, ['acme']);
    assert.deepEqual(r.history, c.events);
    assert.deepEqual(r.history.map((e) => e.type), ['case-opened', 'participant-added', 'vendor-notified', 'case-state-changed']);
  });

  it('no escalation without a coordinator, after an offer, or once the vendor answered', () => {
    const late = '2025-05-01T00:00:00.000Z';
    assert.deepEqual(only(dueReminders(c, late, reminderPolicy({ timeZone: CPH })), 'escalate'), []);
    const policyCtx = { actor: 'psirt', at: '2025-04-09T08:00:00.000Z', policy: embargoPolicy({ timeZone: CPH }) };
    const offered = applyCommand(c, { type: 'offer-escalation', to: COORDINATOR }, policyCtx).case;
    assert.deepEqual(only(dueReminders(offered, late, policy), 'escalate'), []);
    const acked = applyCommand(c, { type: 'acknowledge-vendor', participantId: 'acme' }, policyCtx).case;
    assert.deepEqual(only(dueReminders(acked, late, policy), 'escalate'), []);
    assert.deepEqual(only(dueReminders(acked, late, policy), 'vendor-not-acknowledged'), []);
  });

  it('handles 29 February: notified Monday 2024-02-26, due Monday 2024-03-04 (Saturday 2 March moved)', () => {
    const leap = build(NYC, [['2024-02-26T14:00:00.000Z', VENDOR], ['2024-02-26T14:00:00.000Z', NOTIFY]]);
    const due = dueAtOf(leap, 'vendor-not-acknowledged', reminderPolicy({ timeZone: NYC }), '2024-02-26T14:00:00.000Z');
    assert.equal(formatZoned(due!, NYC), '2024-03-04 09:00:00 EST (UTC-05:00)');
    const plain = build(NYC, [['2023-02-27T14:00:00.000Z', VENDOR], ['2023-02-27T14:00:00.000Z', NOTIFY]]);
    assert.equal(formatZoned(dueAtOf(plain, 'vendor-not-acknowledged', reminderPolicy({ timeZone: NYC }), '2023-02-27T14:00:00.000Z')!, NYC), '2023-03-06 09:00:00 EST (UTC-05:00)');
  });
});

describe('dueReminders: stale case', () => {
  // Friday 2025-10-17 16:00 CEST; clocks go back on 26 October.
  const friday = '2025-10-17T14:00:00.000Z';
  const c = build(CPH, [[friday, VULN]]);
  const policy = reminderPolicy({ timeZone: CPH });

  it('is due 14 local days after the last update, same wall time in CET, and repeats', () => {
    assert.equal(c.updatedAt, friday);
    const first = dueAtOf(c, 'case-stale', policy, friday);
    assert.equal(formatZoned(first!, CPH), '2025-10-31 16:00:00 CET (UTC+01:00)');
    assert.deepEqual(only(dueReminders(c, addMs(first!, -1), policy), 'case-stale'), []);
    const [r1] = only(dueReminders(c, first!, policy), 'case-stale');
    assert.deepEqual(r1, { kind: 'case-stale', key: `case-1:case-stale:${friday}:1`, caseId: 'case-1', dueAt: first, lastUpdatedAt: friday, cycle: 1 });
    const [r2] = only(dueReminders(c, '2025-11-20T00:00:00.000Z', policy), 'case-stale');
    assert.equal(r2.key, `case-1:case-stale:${friday}:2`);
    assert.equal(formatZoned(r2.dueAt, CPH), '2025-11-14 16:00:00 CET (UTC+01:00)');
  });

  it('restarts after any update and stops when every report is closed', () => {
    const ctx = { actor: 'psirt', policy: embargoPolicy({ timeZone: CPH }) };
    const updated = applyCommand(c, { type: 'post-message', messageId: 'm1', visibility: 'internal' }, { ...ctx, at: '2025-10-30T09:00:00.000Z' }).case;
    assert.deepEqual(only(dueReminders(updated, '2025-10-31T15:00:00.000Z', policy), 'case-stale'), []);
    let closed = applyCommand(c, { type: 'receive-report', report: report('r1') }, { ...ctx, at: friday }).case;
    for (const action of ['invalidate', 'close'] as const) closed = applyCommand(closed, { type: 'triage-report', reportId: 'r1', action }, { ...ctx, at: friday }).case;
    assert.deepEqual(dueReminders(closed, '2026-01-01T00:00:00.000Z', policy), []);
  });
});

function report(id: string) {
  return {
    id, product: 'httpd', version: '2.4', description: 'overflow', impact: 'RCE',
    finder: { contact: 'finder@example.org', credit: 'named' as const }, isPublic: false, isExploited: false, vendorContacted: false,
  };
}

describe('dueReminders: embargo end and vendor statements (New York, across the March change)', () => {
  // Tuesday 2024-12-10 10:00 EST; the default 90-day embargo ends Monday 2025-03-10 23:59:59 EDT.
  const start = '2024-12-10T15:00:00.000Z';
  const c = build(NYC, [
    [start, VENDOR], [start, NOTIFY], [start, VULN],
    [start, { type: 'propose-default-embargo', proposalId: 'default' }],
    [start, { type: 'accept-embargo' }],
    [start, { type: 'acknowledge-vendor', participantId: 'acme' }],
  ]);
  const policy = reminderPolicy({ timeZone: NYC });

  it('agrees the end', () => {
    assert.equal(formatZoned(c.embargo.endsAt!, NYC), '2025-03-10 23:59:59 EDT (UTC-04:00)');
  });

  it('warns 7 days before (Monday, still EST) and 1 day before (Sunday, moved back to Friday)', () => {
    const ending = only(plannedReminders(c, start, policy), 'embargo-ending');
    assert.deepEqual(ending.map((r) => [formatZoned(r.dueAt, NYC), r.key]), [
      ['2025-03-03 23:59:59 EST (UTC-05:00)', `case-1:embargo-ending:${c.embargo.endsAt}:7d`],
      ['2025-03-07 23:59:59 EST (UTC-05:00)', `case-1:embargo-ending:${c.embargo.endsAt}:1d`],
    ]);
    assert.deepEqual(only(dueReminders(c, '2025-03-04T04:59:58.000Z', policy), 'embargo-ending'), []);
    assert.deepEqual(only(dueReminders(c, '2025-03-04T04:59:59.000Z', policy), 'embargo-ending').map((r) => r.kind === 'embargo-ending' && r.daysBefore), [7]);
  });

  it('keeps only the most urgent warning due, and none once the embargo has ended', () => {
    assert.deepEqual(only(dueReminders(c, '2025-03-09T12:00:00.000Z', policy), 'embargo-ending').map((r) => r.kind === 'embargo-ending' && r.daysBefore), [1]);
    assert.deepEqual(only(dueReminders(c, c.embargo.endsAt!, policy), 'embargo-ending'), []);
  });

  it('reminds a vendor without a statement 7 days before the end, until it gives one', () => {
    const [r] = only(dueReminders(c, '2025-03-04T04:59:59.000Z', policy), 'vendor-statement-missing');
    assert.deepEqual(r, { kind: 'vendor-statement-missing', key: `case-1:vendor-statement-missing:acme:${c.embargo.endsAt}`, caseId: 'case-1', dueAt: '2025-03-04T04:59:59.000Z', vendorId: 'acme', vulnerabilityIds: ['v1'], endsAt: c.embargo.endsAt });
    const withStatement = applyCommand(c, { type: 'set-vendor-status', vulnerabilityId: 'v1', vendorId: 'acme', status: 'affected', statement: 'Fixed in 2.4.1' },
      { actor: 'acme', at: '2025-03-01T00:00:00.000Z', policy: embargoPolicy({ timeZone: NYC }) }).case;
    assert.deepEqual(only(dueReminders(withStatement, '2025-03-04T04:59:59.000Z', policy), 'vendor-statement-missing'), []);
  });

  it('gives new keys when the embargo end is revised', () => {
    const ctx = { actor: 'psirt', at: '2025-01-10T15:00:00.000Z', policy: embargoPolicy({ timeZone: NYC }) };
    let revised = applyCommand(c, { type: 'propose-embargo', proposalId: 'shorter', endsAt: '2025-02-28T04:59:59.000Z' }, ctx).case;
    revised = applyCommand(revised, { type: 'accept-embargo' }, ctx).case;
    const keys = only(plannedReminders(revised, ctx.at, policy), 'embargo-ending').map((r) => r.key);
    assert.deepEqual(keys, ['case-1:embargo-ending:2025-02-28T04:59:59.000Z:7d', 'case-1:embargo-ending:2025-02-28T04:59:59.000Z:1d']);
  });

  it('tells when to look again', () => {
    assert.equal(nextReminderAt(c, '2025-03-04T05:00:00.000Z', policy), '2025-03-08T04:59:59.000Z');
  });
});

describe('dueReminders: idempotency', () => {
  it('returns the same keys on every call, whatever the now', () => {
    const c = build(CPH, [['2025-01-06T09:00:00.000Z', VENDOR], ['2025-01-06T09:00:00.000Z', NOTIFY], ['2025-01-06T09:00:00.000Z', VULN],
      ['2025-01-06T09:00:00.000Z', { type: 'propose-default-embargo', proposalId: 'p' }], ['2025-01-06T09:00:00.000Z', { type: 'accept-embargo' }]]);
    const policy = reminderPolicy({ timeZone: CPH, coordinator: COORDINATOR });
    const sent = new Map<string, string>();
    for (let t = Date.parse('2025-01-06T09:00:00.000Z'); t < Date.parse('2025-04-10T00:00:00.000Z'); t += 3_600_000) {
      for (const r of dueReminders(c, new Date(t).toISOString(), policy)) {
        if (!sent.has(r.key)) sent.set(r.key, new Date(t).toISOString());
      }
    }
    const again = dueReminders(c, '2025-04-09T23:00:00.000Z', policy).map((r) => r.key);
    assert.deepEqual(dueReminders(c, '2025-04-09T23:00:00.000Z', policy).map((r) => r.key), again);
    assert.deepEqual([...sent.keys()].map((k) => k.split(':')[1]).sort(), [
      'case-stale', 'case-stale', 'case-stale', 'case-stale', 'case-stale', 'case-stale',
      'embargo-ending', 'embargo-ending', 'escalate', 'vendor-not-acknowledged', 'vendor-statement-missing',
    ]);
    // Each key first came due within an hour of its due time.
    for (const [key, firstSeen] of sent) {
      const r = plannedReminders(c, firstSeen, policy).find((x) => x.key === key)!;
      assert.ok(Date.parse(firstSeen) - Date.parse(r.dueAt) < 3_600_000, key);
    }
  });

  it('rejects a bad policy', () => {
    assert.throws(() => reminderPolicy({ timeZone: CPH, vendorAckDays: 0 }), { code: 'INVALID_POLICY' });
    assert.throws(() => reminderPolicy({ timeZone: CPH, escalationDays: 3 }), { code: 'INVALID_POLICY' });
    assert.throws(() => reminderPolicy({ timeZone: 'Nowhere/Town' }), { code: 'INVALID_TIME_ZONE' });
  });
});
