/**
 * Vultron Case State (CS): the six events of a vulnerability's life, each either not yet
 * happened (lowercase) or happened (uppercase, with the instant it became true).
 * Source: Vultron docs/topics/process_models/cs/ (transitions.md, model_definition.md, δ^cs).
 *
 * Rules enforced (all from δ^cs):
 * - flags only go forward; each is set once;
 * - the vendor fix path is causal: F needs V, D needs F (vfd → Vfd → VFd → VFD);
 * - "exploit publication is tantamount to public awareness" (…pX… only leads to …PX…):
 *   recording X while p also records P at the same instant;
 * - "vendors are presumed to know at least as much as the public" (v..P.. only leads
 *   to V..P..): once P is set with v, the only next event is V, so X or A are refused
 *   until the vendor is made aware (notifying the vendor is the coordinator's next job).
 *
 * Embargo coupling (em/early_termination.md): embargoes SHALL end when the vulnerability
 * or an exploit becomes public (P, X) and SHOULD end when attacks are observed (A); no
 * embargo may be proposed or accepted once P, X or A holds (em/negotiating.md).
 */
import { DisclosureError } from './errors.ts';
import type { EmbargoStateName } from './embargo-state.ts';
import type { Instant } from './time.ts';
import { instantMs } from './time.ts';

/** The six CS flags in Vultron's order. */
export const CASE_FLAGS = ['V', 'F', 'D', 'P', 'X', 'A'] as const;
/** One CS flag. */
export type CaseFlag = (typeof CASE_FLAGS)[number];

/** What each flag means, for people. */
export const CASE_FLAG_NAMES: Readonly<Record<CaseFlag, string>> = {
  V: 'vendor aware', F: 'fix ready', D: 'fix deployed', P: 'public aware', X: 'exploit public', A: 'attacks observed',
};

/** The flags that are true, each with the instant it became true. */
export type CaseStateFlags = Readonly<Partial<Record<CaseFlag, Instant>>>;

/** Why an embargo must end early. */
export const EMBARGO_EXIT_REASONS = {
  P: 'public-aware',
  X: 'exploit-public',
  A: 'attacks-observed',
} as const;
/** An early-exit reason. */
export type EmbargoExitReason = (typeof EMBARGO_EXIT_REASONS)[keyof typeof EMBARGO_EXIT_REASONS];

/** Returned when a CS event ends an active embargo early. */
export interface EmbargoMustExitEffect {
  readonly kind: 'embargo-must-exit';
  readonly reason: EmbargoExitReason;
  readonly flag: 'P' | 'X' | 'A';
  readonly at: Instant;
  /** `SHALL` for P and X, `SHOULD` for A (Vultron em/early_termination.md). */
  readonly requirement: 'SHALL' | 'SHOULD';
}

/** The result of recording a CS event. */
export interface CaseStateChange {
  readonly flags: CaseStateFlags;
  /** Flags newly set, in the order they were set (X may bring P with it). */
  readonly set: readonly CaseFlag[];
  readonly effects: readonly EmbargoMustExitEffect[];
}

/**
 * The Vultron case-state name: one letter per flag, uppercase when true.
 *
 * @example
 * caseStateName({ V: '2025-01-02T00:00:00.000Z', F: '2025-02-01T00:00:00.000Z' }) // 'VFdpxa'
 */
export function caseStateName(flags: CaseStateFlags): string {
  return CASE_FLAGS.map((f) => (flags[f] !== undefined ? f : f.toLowerCase())).join('');
}

/** Parses a Vultron state name (`VFdpxa`) into which flags are true; `undefined` if malformed. */
export function parseCaseStateName(name: string): ReadonlySet<CaseFlag> | undefined {
  if (name.length !== 6) return undefined;
  const set = new Set<CaseFlag>();
  for (let i = 0; i < 6; i++) {
    const flag = CASE_FLAGS[i];
    if (name[i] === flag) set.add(flag);
    else if (name[i] !== flag.toLowerCase()) return undefined;
  }
  return set;
}

const PREREQUISITE: Readonly<Partial<Record<CaseFlag, CaseFlag>>> = { F: 'V', D: 'F' };

/** Why `flag` cannot be recorded now, or `undefined` if it can. */
function blockReason(flags: CaseStateFlags, flag: CaseFlag): string | undefined {
  if (flags[flag] !== undefined) return 'already set';
  const pre = PREREQUISITE[flag];
  if (pre !== undefined && flags[pre] === undefined) {
    return `${CASE_FLAG_NAMES[flag]} (${flag}) needs ${CASE_FLAG_NAMES[pre]} (${pre}) first: the vendor fix path is V → F → D`;
  }
  if (flags.V === undefined && flags.P !== undefined && flag !== 'V') {
    return `the public is aware but the vendor is not: the next event must be vendor aware (V), since v..P.. only leads to V..P..`;
  }
  return undefined;
}

/** The flags that could be recorded next (X counts as allowed while p: it brings P along). */
export function allowedCaseStateEvents(flags: CaseStateFlags): readonly CaseFlag[] {
  return CASE_FLAGS.filter((f) => blockReason(flags, f) === undefined);
}

/**
 * Records that `flag` became true at `at`. Throws `FLAG_ALREADY_SET` or
 * `CASE_STATE_ORDER` for a move δ^cs lacks, or when `at` predates the prerequisite's
 * date. When the embargo is active (or under revision) and P, X or A becomes true, the
 * result carries an `embargo-must-exit` effect with the reason.
 *
 * @example
 * recordCaseStateEvent({ V: t0 }, 'X', t1, 'active')
 * // { flags: { V: t0, X: t1, P: t1 }, set: ['X', 'P'], effects: [{ kind: 'embargo-must-exit', reason: 'exploit-public', … }] }
 */
export function recordCaseStateEvent(flags: CaseStateFlags, flag: CaseFlag, at: Instant, embargo: EmbargoStateName = 'none'): CaseStateChange {
  const atMs = instantMs(at);
  const reason = blockReason(flags, flag);
  if (reason !== undefined) {
    const code = flags[flag] !== undefined ? 'FLAG_ALREADY_SET' : 'CASE_STATE_ORDER';
    throw new DisclosureError(code, `cannot move case from "${caseStateName(flags)}" by ${flag}: ${reason}`, { machine: 'case', from: caseStateName(flags), flag });
  }
  const pre = PREREQUISITE[flag];
  const preAt = pre === undefined ? undefined : flags[pre];
  if (preAt !== undefined && atMs < instantMs(preAt)) {
    throw new DisclosureError('CASE_STATE_ORDER', `${CASE_FLAG_NAMES[flag]} (${flag}) cannot be dated ${at}, before ${CASE_FLAG_NAMES[pre!]} (${pre}) at ${preAt}`, { flag, at, prerequisite: pre, prerequisiteAt: preAt });
  }
  const set: CaseFlag[] = [flag];
  const next: Partial<Record<CaseFlag, Instant>> = { ...flags, [flag]: at };
  if (flag === 'X' && next.P === undefined) {
    next.P = at;
    set.push('P');
  }
  const effects: EmbargoMustExitEffect[] = [];
  if (embargo === 'active' || embargo === 'revise') {
    // One effect, for the first reason in set order: X (with P) reports exploit-public.
    const trigger = set.find((f): f is 'P' | 'X' | 'A' => f === 'P' || f === 'X' || f === 'A');
    if (trigger !== undefined) {
      effects.push({ kind: 'embargo-must-exit', reason: EMBARGO_EXIT_REASONS[trigger], flag: trigger, at, requirement: trigger === 'A' ? 'SHOULD' : 'SHALL' });
    }
  }
  return { flags: next, set, effects };
}

/**
 * Whether an embargo may be proposed or accepted in this case state (Vultron
 * em/negotiating.md): never once P, X or A holds (MUST NOT); after D it is discouraged
 * (SHOULD NOT), reported as `discouraged` so a caller can warn.
 */
export function embargoNegotiable(flags: CaseStateFlags): { readonly allowed: boolean; readonly discouraged: boolean; readonly reason?: string } {
  for (const f of ['P', 'X', 'A'] as const) {
    if (flags[f] !== undefined) return { allowed: false, discouraged: true, reason: `${CASE_FLAG_NAMES[f]} (${f}): no new embargo once ${f} holds` };
  }
  if (flags.D !== undefined) return { allowed: true, discouraged: true, reason: 'fix deployed (D): an embargo should not be needed any more' };
  return { allowed: true, discouraged: false };
}
