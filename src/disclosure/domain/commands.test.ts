import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CaseCommand, CommandContext } from './commands.ts';
import { applyCommand, applyCommands, openCase, vendorStatuses } from './commands.ts';
import { caseStateName } from './case-state.ts';
import type { DisclosureErrorCode } from './errors.ts';
import type { Case } from './model.ts';
import { computeEmbargoEnd, embargoPolicy } from './policy.ts';

const policy = embargoPolicy({ timeZone: 'Europe/Copenhagen' });
const T0 = '2025-01-06T09:00:00.000Z';
const at = (day: number) => new Date(Date.parse(T0) + day * 86_400_000).toISOString();
const ctx = (day: number, actor = 'psirt'): CommandContext => ({ actor, at: at(day), policy });

const REPORT = {
  id: 'r1', product: 'ACME httpd', version: '2.4.0', description: 'Stack overflow in the header parser', impact: 'Remote code execution',
  proofOfConcept: 'curl -H "X: $(python -c ...)"', finder: { name: 'Ada', contact: 'ada@example.org', credit: 'named' as const },
  isPublic: false, isExploited: false, vendorContacted: true, vendorContactedAt: '2025-01-01T00:00:00.000Z',
};

function run(c: Case, ...steps: readonly (readonly [CaseCommand, CommandContext])[]): Case {
  return applyCommands(c, steps).case;
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Case with a report, a vendor (notified) and a vulnerability, at day 0. */
function baseCase(): Case {
  return run(openCase({ id: 'case-1', title: 'httpd overflow', actor: 'psirt', at: T0 }).case,
    [{ type: 'receive-report', report: REPORT }, ctx(0, 'finder-ada')],
    [{ type: 'add-participant', participant: { id: 'ada', kind: 'finder', name: 'Ada', roles: ['finder', 'reporter'] } }, ctx(0)],
    [{ type: 'add-participant', participant: { id: 'acme', kind: 'vendor', name: 'ACME', roles: ['vendor'], contact: 'psirt@acme.example' } }, ctx(0)],
    [{ type: 'notify-vendor', participantId: 'acme' }, ctx(0)],
    [{ type: 'add-vulnerability', vulnerability: { id: 'v1', title: 'Header parser overflow' } }, ctx(0)]);
}

function withActiveEmbargo(): Case {
  return run(baseCase(), [{ type: 'propose-default-embargo', proposalId: 'default' }, ctx(1)], [{ type: 'accept-embargo' }, ctx(1, 'acme')]);
}

describe('case commands', () => {
  it('opens a case with its first event', () => {
    const r = openCase({ id: 'case-1', title: 'httpd overflow', actor: 'psirt', at: T0 });
    assert.deepEqual(r.events, [{ seq: 1, at: T0, actor: 'psirt', type: 'case-opened', title: 'httpd overflow' }]);
    assert.equal(r.case.embargo.state, 'none');
    assert.equal(caseStateName(r.case.caseState), 'vfdpxa');
  });

  it('runs the whole flow, appending one numbered timeline', () => {
    let c = withActiveEmbargo();
    c = run(c,
      [{ type: 'triage-report', reportId: 'r1', action: 'validate' }, ctx(2)],
      [{ type: 'triage-report', reportId: 'r1', action: 'accept' }, ctx(2)],
      [{ type: 'acknowledge-vendor', participantId: 'acme' }, ctx(3, 'acme')],
      [{ type: 'set-vendor-status', vulnerabilityId: 'v1', vendorId: 'acme', status: 'affected', statement: 'Fix in 2.4.1' }, ctx(10, 'acme')],
      [{ type: 'reserve-cve', vulnerabilityId: 'v1', cveId: 'cve-2025-1234' }, ctx(11)],
      [{ type: 'record-case-state', flag: 'F' }, ctx(40, 'acme')],
      [{ type: 'attach-file', fileId: 'f1', name: 'poc.py', mediaType: 'text/x-python', size: 2048 }, ctx(41)],
      [{ type: 'post-message', messageId: 'm1', visibility: 'participants' }, ctx(41)],
      [{ type: 'end-embargo', reason: 'expired' }, { ...ctx(95), at: c.embargo.endsAt! }],
      [{ type: 'record-case-state', flag: 'P' }, { ...ctx(95), at: c.embargo.endsAt! }],
      [{ type: 'triage-report', reportId: 'r1', action: 'close' }, ctx(100)]);
    assert.deepEqual(c.events.map((e) => e.seq), c.events.map((_, i) => i + 1));
    assert.deepEqual(c.events.map((e) => e.type), [
      'case-opened', 'report-received', 'participant-added', 'participant-added', 'vendor-notified', 'case-state-changed', 'vulnerability-added',
      'embargo-proposed', 'embargo-accepted', 'report-transitioned', 'report-transitioned', 'vendor-acknowledged', 'vendor-status-set', 'cve-reserved',
      'case-state-changed', 'file-attached', 'message-posted', 'embargo-exited', 'case-state-changed', 'report-transitioned',
    ]);
    assert.equal(caseStateName(c.caseState), 'VFdPxa');
    assert.equal(c.caseState.V, T0);
    assert.equal(c.embargo.exitReason, 'expired');
    assert.equal(c.vulnerabilities[0].cveId, 'CVE-2025-1234');
    assert.equal(c.reports[0].state, 'closed');
    assert.equal(c.version, 19); // openCase and 18 commands; notify-vendor made two events
    assert.deepEqual(vendorStatuses(c, 'acme').map((s) => [s.vulnerability.id, s.status, s.statement]), [['v1', 'affected', 'Fix in 2.4.1']]);
    assert.deepEqual(vendorStatuses(c, 'other').map((s) => s.status), ['unknown']);
    assert.equal(c.participants.find((p) => p.id === 'acme')?.vendor?.acknowledgedAt, at(3));
  });

  it('never changes its input', () => {
    const c = deepFreeze(baseCase());
    const before = JSON.stringify(c);
    const r = applyCommand(c, { type: 'triage-report', reportId: 'r1', action: 'validate' }, ctx(1));
    assert.equal(JSON.stringify(c), before);
    assert.equal(r.case.reports[0].state, 'valid');
    assert.deepEqual(r.events, [{ seq: c.events.length + 1, at: at(1), actor: 'psirt', type: 'report-transitioned', reportId: 'r1', action: 'validate', from: 'received', to: 'valid' }]);
  });

  for (const [flag, reason] of [['P', 'public-aware'], ['X', 'exploit-public'], ['A', 'attacks-observed']] as const) {
    it(`ends the active embargo when ${flag} becomes true (${reason})`, () => {
      const c = withActiveEmbargo();
      const r = applyCommand(c, { type: 'record-case-state', flag, flagAt: at(19) }, ctx(20));
      assert.equal(r.case.embargo.state, 'exited');
      assert.equal(r.case.embargo.exitReason, reason);
      assert.equal(r.case.embargo.exitedAt, at(20));
      assert.deepEqual(r.effects, [{ kind: 'embargo-must-exit', reason, flag, at: at(19), requirement: flag === 'A' ? 'SHOULD' : 'SHALL' }]);
      assert.deepEqual(r.events.at(-1), { seq: c.events.length + r.events.length, at: at(20), actor: 'psirt', type: 'embargo-exited', reason, endsAt: c.embargo.endsAt });
      assert.throws(() => applyCommand(r.case, { type: 'propose-embargo', proposalId: 'again', endsAt: computeEmbargoEnd(at(20), 60, policy) }, ctx(20)), { code: 'EMBARGO_NOT_ALLOWED' });
    });
  }

  it('voids pending proposals when the flaw goes public before any is accepted', () => {
    const c = run(baseCase(), [{ type: 'propose-default-embargo', proposalId: 'a' }, ctx(1)], [{ type: 'propose-embargo', proposalId: 'b', endsAt: computeEmbargoEnd(at(1), 70, policy) }, ctx(1, 'ada')]);
    const r = applyCommand(c, { type: 'record-case-state', flag: 'X' }, ctx(2));
    assert.deepEqual(r.events.map((e) => e.type), ['case-state-changed', 'case-state-changed', 'embargo-rejected', 'embargo-rejected']);
    assert.equal(r.case.embargo.state, 'none');
    assert.deepEqual(r.effects, []);
    assert.throws(() => applyCommand(r.case, { type: 'propose-default-embargo', proposalId: 'c' }, ctx(3)), { code: 'EMBARGO_NOT_ALLOWED', message: /case state "VfdPXa"/ });
  });

  it('shortest wins through commands, and the longer proposal becomes a revision', () => {
    const c = run(baseCase(),
      [{ type: 'propose-default-embargo', proposalId: 'team' }, ctx(1)],
      [{ type: 'propose-embargo', proposalId: 'finder', endsAt: computeEmbargoEnd(at(1), 65, policy) }, ctx(1, 'ada')],
      [{ type: 'accept-embargo' }, ctx(2, 'acme')]);
    assert.equal(c.embargo.state, 'revise');
    assert.equal(c.embargo.endsAt, computeEmbargoEnd(at(1), 65, policy));
    assert.deepEqual(c.events.at(-1), { seq: c.events.length, at: at(2), actor: 'acme', type: 'embargo-accepted', proposalId: 'finder', endsAt: c.embargo.endsAt });
    assert.deepEqual(c.embargo.pending.map((p) => [p.id, p.proposedBy]), [['team', 'psirt']]);
  });

  it('escalates to a coordinator who must consent, then joins the case', () => {
    const coord = { id: 'cert', kind: 'coordinator', name: 'National CERT', roles: ['coordinator'] } as const;
    const offered = applyCommand(baseCase(), { type: 'offer-escalation', to: coord }, ctx(15, 'system')).case;
    assert.equal(offered.escalation?.state, 'offered');
    assert.equal(offered.participants.some((p) => p.id === 'cert'), false);
    assert.throws(() => applyCommand(offered, { type: 'answer-escalation', accepted: true }, ctx(16, 'psirt')), { code: 'NOT_PERMITTED' });
    assert.throws(() => applyCommand(offered, { type: 'offer-escalation', to: coord }, ctx(16)), { code: 'ESCALATION_STATE' });
    const r = applyCommand(offered, { type: 'answer-escalation', accepted: true }, ctx(16, 'cert'));
    assert.deepEqual(r.events.map((e) => e.type), ['escalation-answered', 'participant-added']);
    assert.equal(r.case.escalation?.state, 'accepted');
    assert.equal(r.case.participants.find((p) => p.id === 'cert')?.joinedAt, at(16));
    const declined = applyCommand(offered, { type: 'answer-escalation', accepted: false }, ctx(16, 'cert')).case;
    assert.equal(declined.participants.some((p) => p.id === 'cert'), false);
    assert.throws(() => applyCommand(declined, { type: 'answer-escalation', accepted: true }, ctx(17, 'cert')), { code: 'ESCALATION_STATE' });
  });

  const REJECTED: readonly [string, () => Case, CaseCommand, DisclosureErrorCode, RegExp?][] = [
    ['closing a valid report', () => run(baseCase(), [{ type: 'triage-report', reportId: 'r1', action: 'validate' }, ctx(1)]), { type: 'triage-report', reportId: 'r1', action: 'close' }, 'ILLEGAL_TRANSITION', /^cannot move report from "valid" to "closed"/],
    ['an unknown report', baseCase, { type: 'triage-report', reportId: 'nope', action: 'validate' }, 'REPORT_NOT_FOUND'],
    ['a second report with the same id', baseCase, { type: 'receive-report', report: REPORT }, 'DUPLICATE_ID'],
    ['a report without description', baseCase, { type: 'receive-report', report: { ...REPORT, id: 'r2', description: '  ' } }, 'INVALID_ARGUMENT'],
    ['notifying a finder as vendor', baseCase, { type: 'notify-vendor', participantId: 'ada' }, 'NOT_A_VENDOR'],
    ['notifying an unknown participant', baseCase, { type: 'notify-vendor', participantId: 'ghost' }, 'PARTICIPANT_NOT_FOUND'],
    ['notifying a vendor twice', baseCase, { type: 'notify-vendor', participantId: 'acme' }, 'ILLEGAL_TRANSITION'],
    ['acknowledging before notification', () => run(baseCase(), [{ type: 'add-participant', participant: { id: 'b', kind: 'vendor', name: 'B', roles: ['vendor'] } }, ctx(1)]), { type: 'acknowledge-vendor', participantId: 'b' }, 'ILLEGAL_TRANSITION'],
    ['a status for an unknown vulnerability', baseCase, { type: 'set-vendor-status', vulnerabilityId: 'v9', vendorId: 'acme', status: 'fixed' }, 'VULNERABILITY_NOT_FOUND'],
    ['a status that does not exist', baseCase, { type: 'set-vendor-status', vulnerabilityId: 'v1', vendorId: 'acme', status: 'patched' as 'fixed' }, 'INVALID_ARGUMENT'],
    ['accepting with nothing proposed', baseCase, { type: 'accept-embargo' }, 'ILLEGAL_TRANSITION', /^cannot move embargo from "none" to "active"/],
    ['a 30-day embargo under a 60–90 policy', baseCase, { type: 'propose-embargo', proposalId: 'p', endsAt: computeEmbargoEnd(at(1), 30, policy) }, 'EMBARGO_OUT_OF_BOUNDS'],
    ['ending an embargo early that does not exist', baseCase, { type: 'end-embargo', reason: 'agreed-early' }, 'ILLEGAL_TRANSITION'],
    ['expiring an embargo before its end', withActiveEmbargo, { type: 'end-embargo', reason: 'expired' }, 'ILLEGAL_TRANSITION'],
    ['fix deployed before fix ready', baseCase, { type: 'record-case-state', flag: 'D' }, 'CASE_STATE_ORDER'],
    ['vendor aware twice', baseCase, { type: 'record-case-state', flag: 'V' }, 'FLAG_ALREADY_SET'],
    ['a flag dated in the future', baseCase, { type: 'record-case-state', flag: 'P', flagAt: at(30) }, 'INVALID_ARGUMENT'],
    ['a malformed CVE ID', baseCase, { type: 'reserve-cve', vulnerabilityId: 'v1', cveId: 'CVE-25-1' }, 'INVALID_ARGUMENT'],
    ['a second CVE ID for one vulnerability', () => run(baseCase(), [{ type: 'reserve-cve', vulnerabilityId: 'v1', cveId: 'CVE-2025-1234' }, ctx(1)]), { type: 'reserve-cve', vulnerabilityId: 'v1', cveId: 'CVE-2025-9999' }, 'ILLEGAL_TRANSITION'],
    ['escalating to a vendor', baseCase, { type: 'offer-escalation', to: { id: 'x', kind: 'vendor', name: 'X', roles: ['vendor'] } }, 'INVALID_ARGUMENT'],
    ['answering an escalation never offered', baseCase, { type: 'answer-escalation', accepted: true }, 'ESCALATION_STATE'],
    ['an empty title', baseCase, { type: 'change-title', title: '' }, 'INVALID_ARGUMENT'],
    ['a negative file size', baseCase, { type: 'attach-file', fileId: 'f', name: 'a.txt', mediaType: 'text/plain', size: -1 }, 'INVALID_ARGUMENT'],
  ];
  for (const [what, make, command, code, message] of REJECTED) {
    it(`rejects ${what} with ${code}`, () => {
      const c = make();
      const before = JSON.stringify(c);
      assert.throws(() => applyCommand(c, command, ctx(5)), message === undefined ? { name: 'DisclosureError', code } : { name: 'DisclosureError', code, message });
      assert.equal(JSON.stringify(c), before);
    });
  }

  it('rejects commands dated before the last event', () => {
    assert.throws(() => applyCommand(withActiveEmbargo(), { type: 'post-message', messageId: 'm', visibility: 'internal' }, ctx(0)), { code: 'TIME_WENT_BACKWARDS' });
    assert.throws(() => applyCommand(baseCase(), { type: 'post-message', messageId: 'm', visibility: 'internal' }, { ...ctx(1), at: 'tomorrow' }), { code: 'INVALID_INSTANT' });
  });

  it('records a title change only when it changes', () => {
    const c = baseCase();
    assert.equal(applyCommand(c, { type: 'change-title', title: c.title }, ctx(1)).case, c);
    assert.deepEqual(applyCommand(c, { type: 'change-title', title: 'New' }, ctx(1)).events.map((e) => e.type), ['title-changed']);
  });
});
