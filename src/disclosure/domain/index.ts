/**
 * @module The pure domain of coordinated disclosure: CERT/CC Vultron's report (RM),
 * embargo (EM) and case-state (CS) machines, team embargo policy with zone-aware end
 * times, reminder clocks, and the case model with its event-sourced commands. No I/O,
 * no clock reads: every instant is passed in.
 */
export { DisclosureError, DISCLOSURE_ERROR_CODES } from './errors.ts';
export type { DisclosureErrorCode } from './errors.ts';

export { instantMs, toInstant, addMs, compareInstants, assertTimeZone, zonedWallTime, instantFromWallTime, addCivilDays, civilWeekday, addLocalDays, formatOffset, formatZoned } from './time.ts';
export type { Instant, CivilDate, WallTime, ZonedWallTime } from './time.ts';

export { REPORT_STATES, REPORT_ACTIONS, REPORT_TRANSITIONS, REPORT_STATE_SETS, allowedReportActions, transitionReport } from './report-state.ts';
export type { ReportState, ReportAction } from './report-state.ts';

export { EMBARGO_STATES, EMBARGO_ACTIONS, EMBARGO_TRANSITIONS, NO_EMBARGO, transitionEmbargo, winningProposal, proposeEmbargo, acceptEmbargo, rejectEmbargo, terminateEmbargo, embargoInForce } from './embargo-state.ts';
export type { EmbargoStateName, EmbargoAction, EmbargoProposal, Embargo, EmbargoEndReason } from './embargo-state.ts';

export { CASE_FLAGS, CASE_FLAG_NAMES, EMBARGO_EXIT_REASONS, caseStateName, parseCaseStateName, allowedCaseStateEvents, recordCaseStateEvent, embargoNegotiable } from './case-state.ts';
export type { CaseFlag, CaseStateFlags, EmbargoExitReason, EmbargoMustExitEffect, CaseStateChange } from './case-state.ts';

export { WEEKEND_RULES, EMBARGO_PRESETS, DEFAULT_EMBARGO_BOUNDS, END_OF_DAY, embargoPolicy, applyWeekendRule, computeEmbargoEnd, embargoBounds, checkEmbargoEnd } from './policy.ts';
export type { WeekendRule, TimeOfDay, EmbargoPolicy, EmbargoPresetName, EmbargoPolicyInput, EmbargoBounds } from './policy.ts';

export { PARTICIPANT_KINDS, PARTICIPANT_ROLES, CREDIT_PREFERENCES, VENDOR_STATUSES, SYSTEM_ACTOR } from './model.ts';
export type { ParticipantKind, ParticipantRole, CreditPreference, VendorStatus, FinderInfo, Report, ReportInput, VendorContact, Participant, ParticipantInput, VendorStatement, Vulnerability, VulnerabilityInput, Escalation, Case, Actor, EventBase, CaseEventBody, CaseEvent, CaseEventType } from './model.ts';

export { openCase, applyCommand, applyCommands, vendorStatuses } from './commands.ts';
export type { CaseCommand, CommandContext, CaseEffect, CommandResult, OpenCaseInput } from './commands.ts';

export { DEFAULT_REMINDER_POLICY, REMINDER_KINDS, reminderPolicy, plannedReminders, dueReminders, nextReminderAt } from './reminders.ts';
export type { ReminderPolicy, ReminderKind, Reminder } from './reminders.ts';
