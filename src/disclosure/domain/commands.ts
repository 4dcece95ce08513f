/**
 * Commands on a case, event-sourced style: `applyCommand` checks a command against the
 * case and returns the new case, the events appended to its timeline, and the effects a
 * caller must carry out (notify, publish). It never mutates its input and never reads a
 * clock: `at` comes with the context. Illegal commands throw `DisclosureError`.
 *
 * Couplings between the machines, each from Vultron:
 * - notifying the first vendor records V (vendor aware) if not yet set;
 * - an embargo can be proposed or accepted only while P, X and A are all false;
 * - P, X or A becoming true while the embargo is active or under revision ends it
 *   (`embargo-exited` with the reason, plus an `embargo-must-exit` effect to announce);
 *   pending proposals of a merely proposed embargo are rejected for the same reason.
 * A finder's "already public" or "exploited" claim is kept on the report, not recorded
 * as P or A: the team confirms it with `record-case-state`.
 */
import { normalizeCveId } from '../../cve/index.ts';
import type { CaseFlag, CaseStateFlags, EmbargoMustExitEffect } from './case-state.ts';
import { caseStateName, embargoNegotiable, recordCaseStateEvent } from './case-state.ts';
import type { Embargo, EmbargoProposal } from './embargo-state.ts';
import { NO_EMBARGO, acceptEmbargo, embargoInForce, proposeEmbargo, rejectEmbargo, terminateEmbargo } from './embargo-state.ts';
import { DisclosureError } from './errors.ts';
import type { Actor, Case, CaseEvent, CaseEventBody, Participant, ParticipantInput, Report, ReportInput, VendorStatus, Vulnerability, VulnerabilityInput } from './model.ts';
import { VENDOR_STATUSES } from './model.ts';
import type { EmbargoPolicy } from './policy.ts';
import { computeEmbargoEnd } from './policy.ts';
import type { ReportAction } from './report-state.ts';
import { transitionReport } from './report-state.ts';
import type { Instant } from './time.ts';
import { instantMs } from './time.ts';

/** Every command a case accepts, by `type`. */
export type CaseCommand =
  | { readonly type: 'change-title'; readonly title: string }
  | { readonly type: 'receive-report'; readonly report: ReportInput }
  | { readonly type: 'triage-report'; readonly reportId: string; readonly action: ReportAction }
  | { readonly type: 'add-participant'; readonly participant: ParticipantInput }
  | { readonly type: 'notify-vendor'; readonly participantId: string }
  | { readonly type: 'acknowledge-vendor'; readonly participantId: string }
  | { readonly type: 'add-vulnerability'; readonly vulnerability: VulnerabilityInput }
  | { readonly type: 'set-vendor-status'; readonly vulnerabilityId: string; readonly vendorId: string; readonly status: VendorStatus; readonly statement?: string }
  | { readonly type: 'propose-embargo'; readonly proposalId: string; readonly endsAt: Instant; readonly withGrace?: boolean; readonly proposedBy?: string }
  | { readonly type: 'propose-default-embargo'; readonly proposalId: string; readonly proposedBy?: string }
  | { readonly type: 'accept-embargo'; readonly proposalId?: string }
  | { readonly type: 'reject-embargo'; readonly proposalId: string }
  | { readonly type: 'end-embargo'; readonly reason: 'expired' | 'agreed-early' }
  | { readonly type: 'record-case-state'; readonly flag: CaseFlag; readonly flagAt?: Instant }
  | { readonly type: 'post-message'; readonly messageId: string; readonly visibility: 'participants' | 'internal' }
  | { readonly type: 'attach-file'; readonly fileId: string; readonly name: string; readonly mediaType: string; readonly size: number }
  | { readonly type: 'reserve-cve'; readonly vulnerabilityId: string; readonly cveId: string }
  | { readonly type: 'offer-escalation'; readonly to: ParticipantInput }
  | { readonly type: 'answer-escalation'; readonly accepted: boolean };

/** Who acts, when, under which policy. */
export interface CommandContext {
  readonly actor: Actor;
  readonly at: Instant;
  readonly policy: EmbargoPolicy;
}

/** Effects the caller carries out after storing the result. */
export type CaseEffect = EmbargoMustExitEffect;

/** What a command produced. */
export interface CommandResult {
  readonly case: Case;
  /** The events appended, also found at the end of `case.events`. */
  readonly events: readonly CaseEvent[];
  readonly effects: readonly CaseEffect[];
}

/** Input to {@link openCase}. */
export interface OpenCaseInput {
  readonly id: string;
  readonly title: string;
  readonly actor: Actor;
  readonly at: Instant;
}

/**
 * A new, empty case with its `case-opened` event.
 *
 * @example
 * const { case: c } = openCase({ id: 'case-1', title: 'Router RCE', actor: 'psirt', at: '2025-01-03T09:00:00.000Z' })
 */
export function openCase(input: OpenCaseInput): CommandResult {
  instantMs(input.at);
  requireText('title', input.title);
  const event: CaseEvent = { seq: 1, at: input.at, actor: input.actor, type: 'case-opened', title: input.title };
  const c: Case = {
    id: input.id, title: input.title, createdAt: input.at, updatedAt: input.at, version: 1,
    reports: [], vulnerabilities: [], participants: [], embargo: NO_EMBARGO, caseState: {}, events: [event],
  };
  return { case: c, events: [event], effects: [] };
}

/** A working copy of a case while one command is applied. */
interface Draft {
  c: Case;
  readonly events: CaseEventBody[];
  readonly effects: CaseEffect[];
  readonly ctx: CommandContext;
}

/**
 * Applies one command; one that changes nothing (same title) returns the case as it was.
 * Throws `DisclosureError` (`ILLEGAL_TRANSITION`, `*_NOT_FOUND`,
 * `EMBARGO_NOT_ALLOWED`, `TIME_WENT_BACKWARDS`, …) and leaves the case untouched when
 * the command is not allowed.
 *
 * @example
 * const r = applyCommand(c, { type: 'triage-report', reportId: 'r1', action: 'validate' }, { actor: 'psirt', at, policy })
 * r.events // [{ seq: 3, type: 'report-transitioned', from: 'received', to: 'valid', … }]
 */
export function applyCommand(c: Case, command: CaseCommand, ctx: CommandContext): CommandResult {
  const atMs = instantMs(ctx.at);
  if (atMs < instantMs(c.updatedAt)) {
    throw new DisclosureError('TIME_WENT_BACKWARDS', `command at ${ctx.at} is before the case's last event at ${c.updatedAt}`, { at: ctx.at, updatedAt: c.updatedAt });
  }
  const d: Draft = { c, events: [], effects: [], ctx };
  HANDLERS[command.type](d, command as never);
  if (d.events.length === 0) return { case: c, events: [], effects: [] };
  const start = c.events.length;
  const events = d.events.map((body, i): CaseEvent => ({ seq: start + i + 1, at: ctx.at, actor: ctx.actor, ...body }));
  const next: Case = { ...d.c, updatedAt: ctx.at, version: c.version + 1, events: [...c.events, ...events] };
  return { case: next, events, effects: d.effects };
}

/** Applies commands in order; stops at the first error. */
export function applyCommands(c: Case, commands: readonly (readonly [CaseCommand, CommandContext])[]): CommandResult {
  let current = c;
  const events: CaseEvent[] = [];
  const effects: CaseEffect[] = [];
  for (const [command, ctx] of commands) {
    const r = applyCommand(current, command, ctx);
    current = r.case;
    events.push(...r.events);
    effects.push(...r.effects);
  }
  return { case: current, events, effects };
}

type Handler<T extends CaseCommand['type']> = (d: Draft, command: Extract<CaseCommand, { type: T }>) => void;

const HANDLERS: { readonly [T in CaseCommand['type']]: Handler<T> } = {
  'change-title': (d, cmd) => {
    requireText('title', cmd.title);
    if (cmd.title === d.c.title) return;
    d.events.push({ type: 'title-changed', from: d.c.title, to: cmd.title });
    d.c = { ...d.c, title: cmd.title };
  },

  'receive-report': (d, cmd) => {
    const r = cmd.report;
    requireNew('report', d.c.reports, r.id);
    for (const f of ['product', 'description'] as const) requireText(f, r[f]);
    if (r.vendorContactedAt !== undefined) instantMs(r.vendorContactedAt);
    const report: Report = { ...r, receivedAt: d.ctx.at, state: 'received', stateChangedAt: d.ctx.at };
    d.events.push({ type: 'report-received', reportId: r.id });
    d.c = { ...d.c, reports: [...d.c.reports, report] };
  },

  'triage-report': (d, cmd) => {
    const report = find(d.c.reports, cmd.reportId, 'REPORT_NOT_FOUND', 'report');
    const to = transitionReport(report.state, cmd.action);
    d.events.push({ type: 'report-transitioned', reportId: report.id, action: cmd.action, from: report.state, to });
    d.c = { ...d.c, reports: replace(d.c.reports, { ...report, state: to, stateChangedAt: d.ctx.at }) };
  },

  'add-participant': (d, cmd) => {
    const p = cmd.participant;
    requireNew('participant', d.c.participants, p.id);
    requireText('name', p.name);
    d.events.push({ type: 'participant-added', participantId: p.id, kind: p.kind, roles: p.roles });
    d.c = { ...d.c, participants: [...d.c.participants, { ...p, joinedAt: d.ctx.at }] };
  },

  'notify-vendor': (d, cmd) => {
    const vendor = requireVendor(d.c, cmd.participantId);
    if (vendor.vendor?.notifiedAt !== undefined) {
      throw new DisclosureError('ILLEGAL_TRANSITION', `vendor "${vendor.id}" was already notified at ${vendor.vendor.notifiedAt}`, { participantId: vendor.id });
    }
    d.events.push({ type: 'vendor-notified', participantId: vendor.id });
    d.c = { ...d.c, participants: replace(d.c.participants, { ...vendor, vendor: { ...vendor.vendor, notifiedAt: d.ctx.at } }) };
    if (d.c.caseState.V === undefined) recordFlag(d, 'V', d.ctx.at);
  },

  'acknowledge-vendor': (d, cmd) => {
    const vendor = requireVendor(d.c, cmd.participantId);
    if (vendor.vendor?.notifiedAt === undefined) {
      throw new DisclosureError('ILLEGAL_TRANSITION', `vendor "${vendor.id}" cannot acknowledge before being notified`, { participantId: vendor.id });
    }
    if (vendor.vendor.acknowledgedAt !== undefined) {
      throw new DisclosureError('ILLEGAL_TRANSITION', `vendor "${vendor.id}" already acknowledged at ${vendor.vendor.acknowledgedAt}`, { participantId: vendor.id });
    }
    d.events.push({ type: 'vendor-acknowledged', participantId: vendor.id });
    d.c = { ...d.c, participants: replace(d.c.participants, { ...vendor, vendor: { ...vendor.vendor, acknowledgedAt: d.ctx.at } }) };
  },

  'add-vulnerability': (d, cmd) => {
    const v = cmd.vulnerability;
    requireNew('vulnerability', d.c.vulnerabilities, v.id);
    requireText('title', v.title);
    d.events.push({ type: 'vulnerability-added', vulnerabilityId: v.id });
    d.c = { ...d.c, vulnerabilities: [...d.c.vulnerabilities, { ...v, vendors: {} }] };
  },

  'set-vendor-status': (d, cmd) => {
    const vuln = find(d.c.vulnerabilities, cmd.vulnerabilityId, 'VULNERABILITY_NOT_FOUND', 'vulnerability');
    requireVendor(d.c, cmd.vendorId);
    if (!(VENDOR_STATUSES as readonly string[]).includes(cmd.status)) {
      throw new DisclosureError('INVALID_ARGUMENT', `vendor status must be one of ${VENDOR_STATUSES.join(', ')}`, { status: cmd.status });
    }
    const statement = cmd.statement?.trim() === '' ? undefined : cmd.statement;
    d.events.push({ type: 'vendor-status-set', vulnerabilityId: vuln.id, vendorId: cmd.vendorId, status: cmd.status, ...(statement === undefined ? {} : { statement }) });
    const entry = { status: cmd.status, updatedAt: d.ctx.at, ...(statement === undefined ? {} : { statement }) };
    d.c = { ...d.c, vulnerabilities: replace(d.c.vulnerabilities, { ...vuln, vendors: { ...vuln.vendors, [cmd.vendorId]: entry } }) };
  },

  'propose-embargo': (d, cmd) => {
    propose(d, { id: cmd.proposalId, proposedBy: cmd.proposedBy ?? d.ctx.actor, proposedAt: d.ctx.at, endsAt: cmd.endsAt, withGrace: cmd.withGrace ?? false });
  },

  'propose-default-embargo': (d, cmd) => {
    // Vultron em/defaults.md: a published default "SHALL be treated as an initial embargo proposal".
    const start = d.c.embargo.state === 'none' ? d.ctx.at : d.c.embargo.startsAt ?? d.ctx.at;
    const endsAt = computeEmbargoEnd(start, d.ctx.policy.defaultDays, d.ctx.policy);
    propose(d, { id: cmd.proposalId, proposedBy: cmd.proposedBy ?? d.ctx.actor, proposedAt: d.ctx.at, endsAt, withGrace: false });
  },

  'accept-embargo': (d, cmd) => {
    requireNegotiable(d.c.caseState, 'accept');
    const before = d.c.embargo;
    const after = acceptEmbargo(before, d.ctx.at, cmd.proposalId);
    const accepted = before.pending.find((p) => !after.pending.some((q) => q.id === p.id))!;
    d.events.push({ type: 'embargo-accepted', proposalId: accepted.id, endsAt: accepted.endsAt });
    d.c = { ...d.c, embargo: after };
  },

  'reject-embargo': (d, cmd) => {
    d.c = { ...d.c, embargo: rejectEmbargo(d.c.embargo, cmd.proposalId) };
    d.events.push({ type: 'embargo-rejected', proposalId: cmd.proposalId });
  },

  'end-embargo': (d, cmd) => {
    const embargo = terminateEmbargo(d.c.embargo, d.ctx.at, cmd.reason);
    d.events.push({ type: 'embargo-exited', reason: cmd.reason, ...(embargo.endsAt === undefined ? {} : { endsAt: embargo.endsAt }) });
    d.c = { ...d.c, embargo };
  },

  'record-case-state': (d, cmd) => {
    const flagAt = cmd.flagAt ?? d.ctx.at;
    if (instantMs(flagAt) > instantMs(d.ctx.at)) {
      throw new DisclosureError('INVALID_ARGUMENT', `a flag cannot become true in the future (${flagAt} > ${d.ctx.at})`, { flagAt });
    }
    recordFlag(d, cmd.flag, flagAt);
  },

  'post-message': (d, cmd) => {
    d.events.push({ type: 'message-posted', messageId: cmd.messageId, visibility: cmd.visibility });
  },

  'attach-file': (d, cmd) => {
    requireText('name', cmd.name);
    if (!Number.isSafeInteger(cmd.size) || cmd.size < 0) throw new DisclosureError('INVALID_ARGUMENT', `file size must be a whole number of bytes, got ${cmd.size}`, { size: cmd.size });
    d.events.push({ type: 'file-attached', fileId: cmd.fileId, name: cmd.name, mediaType: cmd.mediaType, size: cmd.size });
  },

  'reserve-cve': (d, cmd) => {
    const vuln = find(d.c.vulnerabilities, cmd.vulnerabilityId, 'VULNERABILITY_NOT_FOUND', 'vulnerability');
    const cveId = normalizeCveId(cmd.cveId);
    if (cveId === undefined) throw new DisclosureError('INVALID_ARGUMENT', `not a CVE ID: "${cmd.cveId.slice(0, 40)}"`, { cveId: cmd.cveId });
    if (vuln.cveId !== undefined) throw new DisclosureError('ILLEGAL_TRANSITION', `vulnerability "${vuln.id}" already has ${vuln.cveId}`, { vulnerabilityId: vuln.id, cveId: vuln.cveId });
    const taken = d.c.vulnerabilities.find((v) => v.cveId === cveId);
    if (taken !== undefined) throw new DisclosureError('DUPLICATE_ID', `${cveId} is already assigned to vulnerability "${taken.id}"`, { cveId });
    d.events.push({ type: 'cve-reserved', vulnerabilityId: vuln.id, cveId });
    d.c = { ...d.c, vulnerabilities: replace(d.c.vulnerabilities, { ...vuln, cveId }) };
  },

  'offer-escalation': (d, cmd) => {
    if (d.c.escalation?.state === 'offered' || d.c.escalation?.state === 'accepted') {
      throw new DisclosureError('ESCALATION_STATE', `the case was already offered to "${d.c.escalation.to.id}" (${d.c.escalation.state})`, { state: d.c.escalation.state });
    }
    if (!['coordinator', 'cna'].includes(cmd.to.kind)) throw new DisclosureError('INVALID_ARGUMENT', `escalation goes to a coordinator or CNA, not a ${cmd.to.kind}`, { kind: cmd.to.kind });
    if (d.c.participants.some((p) => p.id === cmd.to.id)) throw new DisclosureError('DUPLICATE_ID', `"${cmd.to.id}" is already on the case`, { id: cmd.to.id });
    d.events.push({ type: 'escalation-offered', to: cmd.to.id });
    d.c = { ...d.c, escalation: { state: 'offered', to: cmd.to, offeredAt: d.ctx.at } };
  },

  'answer-escalation': (d, cmd) => {
    const esc = d.c.escalation;
    if (esc?.state !== 'offered') throw new DisclosureError('ESCALATION_STATE', 'no escalation offer is open', { state: esc?.state ?? 'none' });
    if (d.ctx.actor !== esc.to.id) throw new DisclosureError('NOT_PERMITTED', `only "${esc.to.id}" can answer its escalation offer`, { actor: d.ctx.actor });
    d.events.push({ type: 'escalation-answered', to: esc.to.id, accepted: cmd.accepted });
    d.c = { ...d.c, escalation: { ...esc, state: cmd.accepted ? 'accepted' : 'declined', answeredAt: d.ctx.at } };
    if (cmd.accepted) {
      const roles = esc.to.roles.includes('coordinator') ? esc.to.roles : [...esc.to.roles, 'coordinator' as const];
      const p: Participant = { ...esc.to, roles, joinedAt: d.ctx.at };
      d.events.push({ type: 'participant-added', participantId: p.id, kind: p.kind, roles: p.roles });
      d.c = { ...d.c, participants: [...d.c.participants, p] };
    }
  },
};

function propose(d: Draft, proposal: EmbargoProposal): void {
  requireNegotiable(d.c.caseState, 'propose');
  const embargo = proposeEmbargo(d.c.embargo, proposal, d.ctx.policy);
  d.events.push({ type: 'embargo-proposed', proposalId: proposal.id, endsAt: proposal.endsAt, withGrace: proposal.withGrace });
  d.c = { ...d.c, embargo };
}

function recordFlag(d: Draft, flag: CaseFlag, flagAt: Instant): void {
  const from = caseStateName(d.c.caseState);
  const change = recordCaseStateEvent(d.c.caseState, flag, flagAt, d.c.embargo.state);
  const to = caseStateName(change.flags);
  for (const f of change.set) d.events.push({ type: 'case-state-changed', flag: f, flagAt, from, to });
  d.c = { ...d.c, caseState: change.flags };
  for (const effect of change.effects) {
    if (!embargoInForce(d.c.embargo)) continue;
    const embargo = terminateEmbargo(d.c.embargo, d.ctx.at, effect.reason);
    d.events.push({ type: 'embargo-exited', reason: effect.reason, ...(embargo.endsAt === undefined ? {} : { endsAt: embargo.endsAt }) });
    d.c = { ...d.c, embargo };
    d.effects.push(effect);
  }
  const trigger = change.set.find((f): f is 'P' | 'X' | 'A' => f === 'P' || f === 'X' || f === 'A');
  if (d.c.embargo.state === 'proposed' && trigger !== undefined) {
    // Vultron em/negotiating.md: no embargo may be accepted once P, X or A holds.
    const reason = ({ P: 'public-aware', X: 'exploit-public', A: 'attacks-observed' } as const)[trigger];
    let embargo: Embargo = d.c.embargo;
    for (const p of embargo.pending) {
      embargo = rejectEmbargo(embargo, p.id);
      d.events.push({ type: 'embargo-rejected', proposalId: p.id, reason });
    }
    d.c = { ...d.c, embargo };
  }
}

function requireNegotiable(flags: CaseStateFlags, verb: 'propose' | 'accept'): void {
  const verdict = embargoNegotiable(flags);
  if (!verdict.allowed) throw new DisclosureError('EMBARGO_NOT_ALLOWED', `cannot ${verb} an embargo in case state "${caseStateName(flags)}": ${verdict.reason}`, { caseState: caseStateName(flags) });
}

function requireVendor(c: Case, id: string): Participant {
  const p = find(c.participants, id, 'PARTICIPANT_NOT_FOUND', 'participant');
  if (p.kind !== 'vendor' && !p.roles.includes('vendor')) throw new DisclosureError('NOT_A_VENDOR', `participant "${id}" is a ${p.kind}, not a vendor`, { participantId: id });
  return p;
}

function requireText(field: string, value: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new DisclosureError('INVALID_ARGUMENT', `${field} must not be empty`, { field });
}

function requireNew(what: string, items: readonly { readonly id: string }[], id: string): void {
  requireText(`${what} id`, id);
  if (items.some((i) => i.id === id)) throw new DisclosureError('DUPLICATE_ID', `${what} "${id}" already exists on this case`, { id });
}

function find<T extends { readonly id: string }>(items: readonly T[], id: string, code: 'REPORT_NOT_FOUND' | 'PARTICIPANT_NOT_FOUND' | 'VULNERABILITY_NOT_FOUND', what: string): T {
  const item = items.find((i) => i.id === id);
  if (item === undefined) throw new DisclosureError(code, `no ${what} "${id}" on this case`, { id });
  return item;
}

function replace<T extends { readonly id: string }>(items: readonly T[], item: T): readonly T[] {
  return items.map((i) => (i.id === item.id ? item : i));
}

/** The vulnerabilities of a case as a vendor sees them: its status (default `unknown`) and statement. */
export function vendorStatuses(c: Case, vendorId: string): readonly { readonly vulnerability: Vulnerability; readonly status: VendorStatus; readonly statement?: string }[] {
  return c.vulnerabilities.map((v) => {
    const s = v.vendors[vendorId];
    return { vulnerability: v, status: s?.status ?? 'unknown', ...(s?.statement === undefined ? {} : { statement: s.statement }) };
  });
}
