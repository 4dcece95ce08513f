/**
 * Vultron Embargo Management (EM): one embargo per case (Vultron: "A CVD case SHALL NOT
 * have more than one active embargo at a time"). Table from docs/topics/process_models/em/index.md, δ^em:
 *
 *   N → p P;  P → p P | r N | a A;  A → p R | t X;  R → p R | a A | r A | t X;  X → ε
 *
 * Several parties may propose at once (P → pP, R → pR). Shortest wins
 * (em/defaults.md): accepting always activates the pending proposal with the earliest
 * end, and any longer one stays pending as a proposed revision, so the state becomes
 * Revise rather than Active. Rejecting removes one proposal; the state falls back
 * (P → N, R → A) only when no proposal is left. A rejected revision keeps the old end,
 * and termination is possible while a revision is pending.
 */
import type { EmbargoExitReason } from './case-state.ts';
import { DisclosureError } from './errors.ts';
import type { EmbargoPolicy } from './policy.ts';
import { checkEmbargoEnd } from './policy.ts';
import type { Instant } from './time.ts';
import { instantMs } from './time.ts';

/** The EM states. */
export const EMBARGO_STATES = ['none', 'proposed', 'active', 'revise', 'exited'] as const;
/** An EM state. */
export type EmbargoStateName = (typeof EMBARGO_STATES)[number];

/** The EM actions Σ^em. */
export const EMBARGO_ACTIONS = ['propose', 'reject', 'accept', 'terminate'] as const;
/** An EM action. */
export type EmbargoAction = (typeof EMBARGO_ACTIONS)[number];

/** δ^em as Vultron defines it (one pending proposal at a time). */
export const EMBARGO_TRANSITIONS: Readonly<Record<EmbargoStateName, Readonly<Partial<Record<EmbargoAction, EmbargoStateName>>>>> = {
  none: { propose: 'proposed' },
  proposed: { propose: 'proposed', reject: 'none', accept: 'active' },
  active: { propose: 'revise', terminate: 'exited' },
  revise: { propose: 'revise', accept: 'active', reject: 'active', terminate: 'exited' },
  exited: {},
};

/** Why an embargo ended. */
export type EmbargoEndReason = 'expired' | 'agreed-early' | EmbargoExitReason;

/** One proposed embargo end, initial or revision. */
export interface EmbargoProposal {
  readonly id: string;
  /** Participant id of the proposer. */
  readonly proposedBy: string;
  readonly proposedAt: Instant;
  readonly endsAt: Instant;
  /** Asks for the policy's grace days past the maximum (a fix is near). */
  readonly withGrace: boolean;
}

/** The embargo of a case. */
export interface Embargo {
  readonly state: EmbargoStateName;
  /** When the negotiation began (first proposal): the start bounds are measured from. */
  readonly startsAt?: Instant;
  /** The agreed end, while active or under revision, and kept after exit. */
  readonly endsAt?: Instant;
  readonly acceptedAt?: Instant;
  /** Proposals neither accepted nor rejected, in the order made. */
  readonly pending: readonly EmbargoProposal[];
  readonly exitedAt?: Instant;
  readonly exitReason?: EmbargoEndReason;
}

/** A case without an embargo. */
export const NO_EMBARGO: Embargo = { state: 'none', pending: [] };

const ACTION_TARGET_LABEL: Readonly<Record<EmbargoAction, string>> = {
  propose: 'proposed', reject: 'none', accept: 'active', terminate: 'exited',
};

/**
 * The state δ^em gives; throws `ILLEGAL_TRANSITION` for a move it lacks.
 *
 * @example
 * transitionEmbargo('active', 'propose') // 'revise'
 * transitionEmbargo('exited', 'propose') // throws: cannot move embargo from "exited" to "proposed" (propose)
 */
export function transitionEmbargo(state: EmbargoStateName, action: EmbargoAction): EmbargoStateName {
  const next = EMBARGO_TRANSITIONS[state][action];
  if (next === undefined) {
    const allowed = EMBARGO_ACTIONS.filter((a) => EMBARGO_TRANSITIONS[state][a] !== undefined);
    throw new DisclosureError('ILLEGAL_TRANSITION',
      `cannot move embargo from "${state}" to "${ACTION_TARGET_LABEL[action]}" (${action}); allowed: ${allowed.join(', ') || 'none, exited is final'}`,
      { machine: 'embargo', from: state, action });
  }
  return next;
}

/**
 * Shortest wins: the proposal with the earliest end; ties go to the earlier proposal,
 * then the smaller id, so every caller picks the same one.
 */
export function winningProposal(pending: readonly EmbargoProposal[]): EmbargoProposal | undefined {
  return [...pending].sort((a, b) =>
    instantMs(a.endsAt) - instantMs(b.endsAt) || instantMs(a.proposedAt) - instantMs(b.proposedAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
}

/**
 * Adds a proposal (N/P → P, A/R → R). Its end must lie within the policy bounds measured
 * from the negotiation's start (`EMBARGO_OUT_OF_BOUNDS`) and after the proposal itself;
 * a revision must differ from the agreed end.
 */
export function proposeEmbargo(embargo: Embargo, proposal: EmbargoProposal, policy: EmbargoPolicy): Embargo {
  const state = transitionEmbargo(embargo.state, 'propose');
  if (embargo.pending.some((p) => p.id === proposal.id)) throw new DisclosureError('DUPLICATE_ID', `embargo proposal "${proposal.id}" already exists`, { id: proposal.id });
  const startsAt = embargo.state === 'none' ? proposal.proposedAt : embargo.startsAt ?? proposal.proposedAt;
  if (instantMs(proposal.endsAt) <= instantMs(proposal.proposedAt)) {
    throw new DisclosureError('EMBARGO_OUT_OF_BOUNDS', `embargo end ${proposal.endsAt} is not after the proposal (${proposal.proposedAt})`, { endsAt: proposal.endsAt });
  }
  checkEmbargoEnd(startsAt, proposal.endsAt, policy, proposal.withGrace);
  if (embargo.endsAt !== undefined && state === 'revise' && instantMs(embargo.endsAt) === instantMs(proposal.endsAt)) {
    throw new DisclosureError('ILLEGAL_TRANSITION', `a revision must change the end; the embargo already ends at ${embargo.endsAt}`, { machine: 'embargo', endsAt: proposal.endsAt });
  }
  return { ...embargo, state, startsAt, pending: [...embargo.pending, proposal] };
}

/**
 * Accepts the shortest pending proposal (P → A, R → A). A `proposalId`, if given, must
 * name that proposal (`SHORTEST_WINS` otherwise). Longer proposals stay pending as
 * revisions, leaving the embargo in Revise.
 */
export function acceptEmbargo(embargo: Embargo, at: Instant, proposalId?: string): Embargo {
  transitionEmbargo(embargo.state, 'accept');
  if (proposalId !== undefined && !embargo.pending.some((p) => p.id === proposalId)) {
    throw new DisclosureError('PROPOSAL_NOT_FOUND', `no pending embargo proposal "${proposalId}"`, { id: proposalId });
  }
  const winner = winningProposal(embargo.pending);
  if (winner === undefined) throw new DisclosureError('PROPOSAL_NOT_FOUND', 'no pending embargo proposal to accept');
  if (proposalId !== undefined && proposalId !== winner.id) {
    throw new DisclosureError('SHORTEST_WINS', `shortest wins: proposal "${winner.id}" ends first (${winner.endsAt}) and must be accepted before "${proposalId}", which then stays pending as a revision`, { winner: winner.id, requested: proposalId });
  }
  const pending = embargo.pending.filter((p) => p.id !== winner.id);
  return {
    ...embargo,
    state: pending.length > 0 ? 'revise' : 'active',
    endsAt: winner.endsAt,
    acceptedAt: embargo.acceptedAt ?? at,
    pending,
  };
}

/** Rejects (or withdraws) one pending proposal: P → N and R → A once none is left. */
export function rejectEmbargo(embargo: Embargo, proposalId: string): Embargo {
  const fallback = transitionEmbargo(embargo.state, 'reject');
  if (!embargo.pending.some((p) => p.id === proposalId)) {
    throw new DisclosureError('PROPOSAL_NOT_FOUND', `no pending embargo proposal "${proposalId}"`, { id: proposalId });
  }
  const pending = embargo.pending.filter((p) => p.id !== proposalId);
  if (pending.length > 0) return { ...embargo, pending };
  if (fallback === 'none') return NO_EMBARGO;
  return { ...embargo, state: fallback, pending };
}

/**
 * Ends an active embargo (A/R → X), dropping pending revisions. `expired` needs `at` at
 * or after the agreed end; any other reason is an early termination.
 */
export function terminateEmbargo(embargo: Embargo, at: Instant, reason: EmbargoEndReason): Embargo {
  const state = transitionEmbargo(embargo.state, 'terminate');
  if (reason === 'expired' && embargo.endsAt !== undefined && instantMs(at) < instantMs(embargo.endsAt)) {
    throw new DisclosureError('ILLEGAL_TRANSITION', `embargo has not expired: it ends at ${embargo.endsAt}, not before ${at}`, { machine: 'embargo', endsAt: embargo.endsAt, at });
  }
  return { ...embargo, state, pending: [], exitedAt: at, exitReason: reason };
}

/** Whether the embargo binds participants now (Vultron: only active embargoes impose obligations). */
export function embargoInForce(embargo: Embargo): boolean {
  return embargo.state === 'active' || embargo.state === 'revise';
}
