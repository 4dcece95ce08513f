/**
 * Vultron Report Management (RM): the life of one report as the receiving team sees it.
 * Table from Vultron's RM DFA (docs/topics/process_models/rm/index.md, δ^rm):
 *
 *   S → r R;  R → v V | i I;  I → v V | c C;  V → a A | d D;  A → d D | c C;  D → a A | c C;  C → ε
 *
 * There is no "any → closed": Vultron says "Participants MUST NOT close cases or reports
 * from the Valid state" (prioritize first, even if V → D → C happens in a second), and a
 * Received report is validated or invalidated before it can be closed. Invalid reports may
 * be revalidated (I → V); Accepted and Deferred may alternate. The placeholder Start
 * state is not stored: a report exists from `received` on.
 */
import { DisclosureError } from './errors.ts';

/** The RM states a stored report can be in. */
export const REPORT_STATES = ['received', 'invalid', 'valid', 'accepted', 'deferred', 'closed'] as const;
/** An RM state. */
export type ReportState = (typeof REPORT_STATES)[number];

/** The RM actions (Σ^rm without `receive`, which creates the report). */
export const REPORT_ACTIONS = ['validate', 'invalidate', 'accept', 'defer', 'close'] as const;
/** An RM action. */
export type ReportAction = (typeof REPORT_ACTIONS)[number];

/** δ^rm: for each state, the actions allowed and where they lead. */
export const REPORT_TRANSITIONS: Readonly<Record<ReportState, Readonly<Partial<Record<ReportAction, ReportState>>>>> = {
  received: { validate: 'valid', invalidate: 'invalid' },
  invalid: { validate: 'valid', close: 'closed' },
  valid: { accept: 'accepted', defer: 'deferred' },
  accepted: { defer: 'deferred', close: 'closed' },
  deferred: { accept: 'accepted', close: 'closed' },
  closed: {},
};

/** Vultron's RM state subsets, for queries ("open reports", "active reports"). */
export const REPORT_STATE_SETS = {
  open: ['received', 'invalid', 'valid', 'deferred', 'accepted'],
  validYetUnclosed: ['valid', 'deferred', 'accepted'],
  active: ['received', 'valid', 'accepted'],
  inactive: ['invalid', 'deferred', 'closed'],
} as const satisfies Record<string, readonly ReportState[]>;

/** The actions allowed from a state, in table order. */
export function allowedReportActions(state: ReportState): readonly ReportAction[] {
  return REPORT_ACTIONS.filter((a) => REPORT_TRANSITIONS[state][a] !== undefined);
}

/**
 * The state an action leads to; throws `ILLEGAL_TRANSITION` for a move δ^rm lacks.
 *
 * @example
 * transitionReport('received', 'validate') // 'valid'
 * transitionReport('closed', 'validate')   // throws: cannot move report from "closed" to "valid" (validate)
 */
export function transitionReport(state: ReportState, action: ReportAction): ReportState {
  const next = REPORT_TRANSITIONS[state][action];
  if (next === undefined) {
    const target = ACTION_TARGET[action];
    throw new DisclosureError('ILLEGAL_TRANSITION',
      `cannot move report from "${state}" to "${target}" (${action}); allowed: ${allowedReportActions(state).join(', ') || 'none, closed is final'}`,
      { machine: 'report', from: state, to: target, action });
  }
  return next;
}

const ACTION_TARGET: Readonly<Record<ReportAction, ReportState>> = {
  validate: 'valid', invalidate: 'invalid', accept: 'accepted', defer: 'deferred', close: 'closed',
};
