/**
 * Embargo policy per team and the embargo-end computation.
 *
 * Decision: an embargo of N days
 * that starts at instant S ends at the end of a business day in the team's zone: at
 * `endOfDay` (23:59:59 by default) local time on the calendar day N days after S's local
 * date. If that day is a Saturday or Sunday the `weekend` rule applies: `next-monday`
 * (default: nobody publishes into a weekend nobody watches), `previous-friday` (never
 * longer than N days), or `keep`. Local wall times are turned into instants with the
 * zone's rules for that very day (see time.ts), so a 90-day embargo begun in CET before
 * the March change still ends at 23:59:59 CEST, one hour "earlier" in UTC.
 */
import { DisclosureError } from './errors.ts';
import type { CivilDate, Instant } from './time.ts';
import { addCivilDays, assertTimeZone, civilWeekday, instantFromWallTime, instantMs, zonedWallTime } from './time.ts';

/** What to do when an embargo would end on a Saturday or Sunday. */
export const WEEKEND_RULES = ['next-monday', 'previous-friday', 'keep'] as const;
/** A weekend rule. */
export type WeekendRule = (typeof WEEKEND_RULES)[number];

/** A local time of day. */
export interface TimeOfDay {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** A team's embargo policy. Days are calendar days in `timeZone`. */
export interface EmbargoPolicy {
  /** IANA zone the team works in, e.g. `Europe/Copenhagen`. */
  readonly timeZone: string;
  /** Proposed when nobody proposes anything else (Vultron em/defaults.md: a published default is an initial proposal). */
  readonly defaultDays: number;
  readonly minDays: number;
  readonly maxDays: number;
  /** Extra days allowed past `maxDays` when a proposal asks for grace because a fix is near (Project Zero's +30). */
  readonly graceDays: number;
  readonly endOfDay: TimeOfDay;
  readonly weekend: WeekendRule;
}

/**
 * Known policies to start from. CERT/CC (VINCE) 45 days, ZDI 120, Project Zero 90 with a
 * 30-day grace period when the vendor will ship a fix within it.
 */
export const EMBARGO_PRESETS = {
  cert: { defaultDays: 45, graceDays: 0 },
  default: { defaultDays: 90, graceDays: 0 },
  zdi: { defaultDays: 120, graceDays: 0 },
  projectZero: { defaultDays: 90, graceDays: 30 },
} as const;
/** A preset name. */
export type EmbargoPresetName = keyof typeof EMBARGO_PRESETS;

/** The default bounds (60–90 days); a preset's default widens them so it always fits. */
export const DEFAULT_EMBARGO_BOUNDS = { minDays: 60, maxDays: 90 } as const;
/** 23:59:59 local time. */
export const END_OF_DAY: TimeOfDay = { hour: 23, minute: 59, second: 59 };

/** Input to {@link embargoPolicy}: a zone, a preset, and any field to override. */
export interface EmbargoPolicyInput extends Partial<Omit<EmbargoPolicy, 'timeZone'>> {
  readonly timeZone: string;
  readonly preset?: EmbargoPresetName;
}

/**
 * A checked policy. Bounds default to 60–90 days, widened to include the preset's default
 * (`cert` gives 45–90, `zdi` 60–120); throws `INVALID_POLICY` or `INVALID_TIME_ZONE`.
 *
 * @example
 * embargoPolicy({ timeZone: 'Europe/Copenhagen' })                 // 90 days, 60–90, next-monday
 * embargoPolicy({ timeZone: 'America/New_York', preset: 'zdi' })   // 120 days, 60–120
 */
export function embargoPolicy(input: EmbargoPolicyInput): EmbargoPolicy {
  assertTimeZone(input.timeZone);
  const preset = EMBARGO_PRESETS[input.preset ?? 'default'];
  const defaultDays = input.defaultDays ?? preset.defaultDays;
  const policy: EmbargoPolicy = {
    timeZone: input.timeZone,
    defaultDays,
    minDays: input.minDays ?? Math.min(DEFAULT_EMBARGO_BOUNDS.minDays, defaultDays),
    maxDays: input.maxDays ?? Math.max(DEFAULT_EMBARGO_BOUNDS.maxDays, defaultDays),
    graceDays: input.graceDays ?? preset.graceDays,
    endOfDay: input.endOfDay ?? END_OF_DAY,
    weekend: input.weekend ?? 'next-monday',
  };
  const ints = [policy.defaultDays, policy.minDays, policy.maxDays, policy.graceDays];
  const problems: string[] = [];
  if (!ints.every((n) => Number.isInteger(n) && n >= 0 && n <= 3650)) problems.push('days must be whole numbers from 0 to 3650');
  if (!(policy.minDays <= policy.defaultDays && policy.defaultDays <= policy.maxDays)) problems.push(`need minDays ≤ defaultDays ≤ maxDays, got ${policy.minDays} ≤ ${policy.defaultDays} ≤ ${policy.maxDays}`);
  const { hour, minute, second } = policy.endOfDay;
  if (![hour, minute, second].every(Number.isInteger) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) problems.push('endOfDay must be a valid time of day');
  if (!(WEEKEND_RULES as readonly string[]).includes(policy.weekend)) problems.push(`weekend must be one of ${WEEKEND_RULES.join(', ')}`);
  if (problems.length > 0) throw new DisclosureError('INVALID_POLICY', `invalid embargo policy: ${problems.join('; ')}`, { problems });
  return policy;
}

/** Moves a Saturday or Sunday by the rule; weekdays stay. */
export function applyWeekendRule(date: CivilDate, rule: WeekendRule): CivilDate {
  const wd = civilWeekday(date);
  if (wd < 6 || rule === 'keep') return date;
  return rule === 'next-monday' ? addCivilDays(date, 8 - wd) : addCivilDays(date, 5 - wd);
}

/**
 * When an embargo of `days` days begun at `start` ends, by the policy's zone,
 * end-of-day time and weekend rule (see the module comment).
 *
 * @example
 * // 2025-01-03 10:00 CET + 90 days = Thursday 2025-04-03, 23:59:59 CEST
 * computeEmbargoEnd('2025-01-03T09:00:00.000Z', 90, policy) // '2025-04-03T21:59:59.000Z'
 */
export function computeEmbargoEnd(start: Instant, days: number, policy: Pick<EmbargoPolicy, 'timeZone' | 'endOfDay' | 'weekend'>): Instant {
  if (!Number.isInteger(days) || days < 0) throw new DisclosureError('INVALID_ARGUMENT', `embargo days must be a whole number ≥ 0, got ${days}`, { days });
  const lastDay = applyWeekendRule(addCivilDays(zonedWallTime(start, policy.timeZone), days), policy.weekend);
  return instantFromWallTime({ ...lastDay, ...policy.endOfDay }, policy.timeZone);
}

/** The earliest and latest end a proposal may have for an embargo begun at `start`. */
export interface EmbargoBounds {
  readonly earliest: Instant;
  readonly latest: Instant;
}

/**
 * Bounds for proposals: no earlier than the start of the local day `minDays` after the
 * start's local date, no later than the later of that policy's end for `maxDays` (+grace)
 * and the end of that day, so the policy's own computed end (weekend rule included) always fits.
 */
export function embargoBounds(start: Instant, policy: EmbargoPolicy, withGrace = false): EmbargoBounds {
  const startDate = zonedWallTime(start, policy.timeZone);
  const maxDays = policy.maxDays + (withGrace ? policy.graceDays : 0);
  const earliest = instantFromWallTime({ ...addCivilDays(startDate, policy.minDays), hour: 0, minute: 0, second: 0 }, policy.timeZone);
  const plain = instantFromWallTime({ ...addCivilDays(startDate, maxDays), ...policy.endOfDay }, policy.timeZone);
  const shifted = computeEmbargoEnd(start, maxDays, policy);
  return { earliest, latest: instantMs(shifted) > instantMs(plain) ? shifted : plain };
}

/** Throws `EMBARGO_OUT_OF_BOUNDS` unless `endsAt` lies within {@link embargoBounds}. */
export function checkEmbargoEnd(start: Instant, endsAt: Instant, policy: EmbargoPolicy, withGrace = false): void {
  const { earliest, latest } = embargoBounds(start, policy, withGrace);
  const end = instantMs(endsAt);
  if (end < instantMs(earliest) || end > instantMs(latest)) {
    throw new DisclosureError('EMBARGO_OUT_OF_BOUNDS',
      `embargo end ${endsAt} is outside the policy bounds ${earliest} – ${latest} (${policy.minDays}–${policy.maxDays}${withGrace && policy.graceDays > 0 ? ` +${policy.graceDays} grace` : ''} days)`,
      { endsAt, earliest, latest });
  }
}
