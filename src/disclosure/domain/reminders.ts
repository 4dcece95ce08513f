/**
 * Clocks of a case: which reminders and escalations are due at `now`. Pure: the
 * scheduler passes the case and the time, sends what comes back, and remembers each
 * reminder's `key` so it is sent once (the key depends only on the case facts the clock
 * runs from, never on `now`).
 *
 * Days are calendar days in the team's zone, at the same local wall time (see
 * `addLocalDays`), so "5 days" stays 5 days across a DST change. Weekends: a reminder
 * that waits on someone (acknowledgement, stale case, escalation) falling on a Saturday or
 * Sunday moves forward to Monday at the same local time; a warning before a deadline
 * (embargo end, missing statement) moves back to Friday, so it still comes first.
 */
import { embargoInForce } from './embargo-state.ts';
import { DisclosureError } from './errors.ts';
import type { Case, CaseEvent, ParticipantInput } from './model.ts';
import type { Instant } from './time.ts';
import { addCivilDays, addLocalDays, assertTimeZone, instantFromWallTime, instantMs, zonedWallTime } from './time.ts';

/** When reminders fall due. */
export interface ReminderPolicy {
  readonly timeZone: string;
  /** Remind when a notified vendor has not acknowledged after this many days (VINCE-like default 5). */
  readonly vendorAckDays: number;
  /** Remind when nothing happened on an open case for this many days; repeats. */
  readonly staleDays: number;
  /** Warn this many days before the embargo ends (each once). */
  readonly embargoWarningDays: readonly number[];
  /** Remind a vendor without a statement this many days before the embargo ends. */
  readonly statementDaysBefore: number;
  /** The vendor-response deadline: after this many days without acknowledgement the case is offered to `coordinator`. */
  readonly escalationDays: number;
  /** Coordinator or CNA of last resort; no escalation without one. */
  readonly coordinator?: ParticipantInput;
  /** Move weekend due times as described in the module comment. */
  readonly weekendShift: boolean;
}

/** Defaults: 5, 14, [7, 1], 7, 15 days, weekend shift on. */
export const DEFAULT_REMINDER_POLICY = {
  vendorAckDays: 5,
  staleDays: 14,
  embargoWarningDays: [7, 1],
  statementDaysBefore: 7,
  escalationDays: 15,
  weekendShift: true,
} as const;

/** A checked reminder policy from a zone and overrides; throws `INVALID_POLICY`. */
export function reminderPolicy(input: Partial<ReminderPolicy> & { readonly timeZone: string }): ReminderPolicy {
  assertTimeZone(input.timeZone);
  const policy: ReminderPolicy = { ...DEFAULT_REMINDER_POLICY, ...input };
  const days = [policy.vendorAckDays, policy.staleDays, policy.statementDaysBefore, policy.escalationDays, ...policy.embargoWarningDays];
  if (!days.every((n) => Number.isInteger(n) && n >= 1 && n <= 3650)) {
    throw new DisclosureError('INVALID_POLICY', 'reminder days must be whole numbers from 1 to 3650', { days });
  }
  if (policy.escalationDays < policy.vendorAckDays) {
    throw new DisclosureError('INVALID_POLICY', `escalationDays (${policy.escalationDays}) must not come before vendorAckDays (${policy.vendorAckDays})`, {});
  }
  return policy;
}

/** The kinds of reminder. */
export const REMINDER_KINDS = ['vendor-not-acknowledged', 'case-stale', 'embargo-ending', 'vendor-statement-missing', 'escalate'] as const;
/** A reminder kind. */
export type ReminderKind = (typeof REMINDER_KINDS)[number];

interface ReminderBase {
  /** Stable idempotency key: the same facts give the same key on every call. */
  readonly key: string;
  readonly caseId: string;
  readonly dueAt: Instant;
}

/** A reminder, or the escalation effect, by `kind`. */
export type Reminder = ReminderBase & (
  | { readonly kind: 'vendor-not-acknowledged'; readonly vendorId: string; readonly notifiedAt: Instant }
  | { readonly kind: 'case-stale'; readonly lastUpdatedAt: Instant; readonly cycle: number }
  | { readonly kind: 'embargo-ending'; readonly endsAt: Instant; readonly daysBefore: number }
  | { readonly kind: 'vendor-statement-missing'; readonly vendorId: string; readonly vulnerabilityIds: readonly string[]; readonly endsAt: Instant }
  | {
    readonly kind: 'escalate';
    /** Offer the case to this coordinator or CNA (then apply `offer-escalation`). */
    readonly to: ParticipantInput;
    readonly vendorIds: readonly string[];
    /** The timeline to hand over if the coordinator accepts. */
    readonly history: readonly CaseEvent[];
  }
);

type Shift = 'forward' | 'backward';

function shiftWeekend(instant: Instant, direction: Shift, policy: ReminderPolicy): Instant {
  if (!policy.weekendShift) return instant;
  const w = zonedWallTime(instant, policy.timeZone);
  if (w.weekday < 6) return instant;
  const date = direction === 'forward' ? addCivilDays(w, 8 - w.weekday) : addCivilDays(w, 5 - w.weekday);
  return instantFromWallTime({ ...date, hour: w.hour, minute: w.minute, second: w.second }, policy.timeZone);
}

function dueAfter(from: Instant, days: number, direction: Shift, policy: ReminderPolicy): Instant {
  return shiftWeekend(addLocalDays(from, days, policy.timeZone), direction, policy);
}

function caseOpen(c: Case): boolean {
  return c.reports.length === 0 || c.reports.some((r) => r.state !== 'closed');
}

/**
 * Every reminder the case's current facts imply, due or not: the stale-case reminder is
 * the latest cycle due at `now`, or the next one. Sorted by due time, then key.
 */
export function plannedReminders(c: Case, now: Instant, policy: ReminderPolicy): readonly Reminder[] {
  const nowMs = instantMs(now);
  const out: Reminder[] = [];
  if (!caseOpen(c)) return out;
  const vendors = c.participants.filter((p) => p.kind === 'vendor' || p.roles.includes('vendor'));

  const unacknowledged = vendors.filter((v) => v.vendor?.notifiedAt !== undefined && v.vendor.acknowledgedAt === undefined);
  for (const v of unacknowledged) {
    const notifiedAt = v.vendor!.notifiedAt!;
    out.push({ kind: 'vendor-not-acknowledged', key: `${c.id}:vendor-not-acknowledged:${v.id}:${notifiedAt}`, caseId: c.id, dueAt: dueAfter(notifiedAt, policy.vendorAckDays, 'forward', policy), vendorId: v.id, notifiedAt });
  }

  if (policy.coordinator !== undefined && c.escalation === undefined && unacknowledged.length > 0) {
    const deadlines = unacknowledged.map((v) => ({ id: v.id, notifiedAt: v.vendor!.notifiedAt!, dueAt: dueAfter(v.vendor!.notifiedAt!, policy.escalationDays, 'forward', policy) }));
    deadlines.sort((a, b) => instantMs(a.dueAt) - instantMs(b.dueAt) || (a.id < b.id ? -1 : 1));
    const first = deadlines[0];
    const overdue = deadlines.filter((d) => instantMs(d.dueAt) <= Math.max(nowMs, instantMs(first.dueAt))).map((d) => d.id);
    out.push({ kind: 'escalate', key: `${c.id}:escalate:${policy.coordinator.id}:${first.id}:${first.notifiedAt}`, caseId: c.id, dueAt: first.dueAt, to: policy.coordinator, vendorIds: overdue, history: c.events });
  }

  // Stale: cycle k is due k × staleDays after the last update; report the latest one due.
  let cycle = 1;
  let staleDue = dueAfter(c.updatedAt, policy.staleDays, 'forward', policy);
  for (;;) {
    const next = dueAfter(c.updatedAt, policy.staleDays * (cycle + 1), 'forward', policy);
    if (instantMs(next) > nowMs) break;
    cycle += 1;
    staleDue = next;
  }
  out.push({ kind: 'case-stale', key: `${c.id}:case-stale:${c.updatedAt}:${cycle}`, caseId: c.id, dueAt: staleDue, lastUpdatedAt: c.updatedAt, cycle });

  const endsAt = c.embargo.endsAt;
  if (embargoInForce(c.embargo) && endsAt !== undefined && nowMs < instantMs(endsAt)) {
    // Only the most urgent warning already due is kept: a 7-day warning is not sent
    // after the 1-day one has come due (an embargo agreed or revised late).
    const warnings = [...new Set(policy.embargoWarningDays)].sort((a, b) => b - a)
      .map((days) => ({ days, dueAt: dueAfter(endsAt, -days, 'backward', policy) }));
    const dueNow = warnings.filter((w) => instantMs(w.dueAt) <= nowMs);
    const mostUrgent = dueNow.at(-1);
    for (const w of warnings) {
      if (instantMs(w.dueAt) <= nowMs && w !== mostUrgent) continue;
      out.push({ kind: 'embargo-ending', key: `${c.id}:embargo-ending:${endsAt}:${w.days}d`, caseId: c.id, dueAt: w.dueAt, endsAt, daysBefore: w.days });
    }
    const statementDue = dueAfter(endsAt, -policy.statementDaysBefore, 'backward', policy);
    for (const v of vendors) {
      if (v.vendor?.notifiedAt === undefined) continue;
      const missing = c.vulnerabilities.filter((vuln) => (vuln.vendors[v.id]?.statement ?? '').trim() === '').map((vuln) => vuln.id);
      if (missing.length === 0) continue;
      out.push({ kind: 'vendor-statement-missing', key: `${c.id}:vendor-statement-missing:${v.id}:${endsAt}`, caseId: c.id, dueAt: statementDue, vendorId: v.id, vulnerabilityIds: missing, endsAt });
    }
  }
  return out.sort((a, b) => instantMs(a.dueAt) - instantMs(b.dueAt) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The reminders due at `now` (due time at or before it). A scheduler sends each and
 * stores its key; calling again later returns the same keys until the facts change.
 *
 * @example
 * for (const r of dueReminders(c, now, policy)) if (!sent.has(r.key)) { send(r); sent.add(r.key) }
 */
export function dueReminders(c: Case, now: Instant, policy: ReminderPolicy): readonly Reminder[] {
  const nowMs = instantMs(now);
  return plannedReminders(c, now, policy).filter((r) => instantMs(r.dueAt) <= nowMs);
}

/** When the scheduler should look at this case again: the earliest reminder not yet due. */
export function nextReminderAt(c: Case, now: Instant, policy: ReminderPolicy): Instant | undefined {
  const nowMs = instantMs(now);
  return plannedReminders(c, now, policy).find((r) => instantMs(r.dueAt) > nowMs)?.dueAt;
}
