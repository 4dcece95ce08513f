/**
 * Case model of coordinated disclosure: reports, cases, vulnerabilities with per-vendor
 * status, participants, and the append-only timeline. Plain frozen-shape data (readonly
 * fields, `type` tags), safe to store as JSON.
 */
import type { CaseFlag, CaseStateFlags, EmbargoExitReason } from './case-state.ts';
import type { Embargo, EmbargoEndReason } from './embargo-state.ts';
import type { ReportAction, ReportState } from './report-state.ts';
import type { Instant } from './time.ts';

/** What kind of party a participant is. */
export const PARTICIPANT_KINDS = ['finder', 'vendor', 'coordinator', 'cna'] as const;
/** A participant kind. */
export type ParticipantKind = (typeof PARTICIPANT_KINDS)[number];

/**
 * Roles a participant plays in the case (Vultron CVD roles plus the CNA and the owner of
 * the case). One party may hold several: a vendor that is also a CNA.
 */
export const PARTICIPANT_ROLES = ['finder', 'reporter', 'vendor', 'deployer', 'coordinator', 'cna', 'case-owner'] as const;
/** A participant role. */
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

/** How the finder wants to be credited. */
export const CREDIT_PREFERENCES = ['named', 'anonymous', 'none'] as const;
/** A credit preference. */
export type CreditPreference = (typeof CREDIT_PREFERENCES)[number];

/** A vendor's status for one vulnerability. */
export const VENDOR_STATUSES = ['unknown', 'affected', 'not-affected', 'fixed'] as const;
/** A vendor status. */
export type VendorStatus = (typeof VENDOR_STATUSES)[number];

/** Who wrote a report and how to credit them. */
export interface FinderInfo {
  readonly name?: string;
  readonly contact: string;
  readonly credit: CreditPreference;
  /** The name to print when `credit` is `named`, if it differs from `name`. */
  readonly creditName?: string;
}

/** One report of a flaw, as received (Vultron RM state per report, the team's view). */
export interface Report {
  readonly id: string;
  readonly receivedAt: Instant;
  readonly state: ReportState;
  readonly stateChangedAt: Instant;
  readonly product: string;
  readonly version: string;
  readonly description: string;
  readonly impact: string;
  readonly proofOfConcept?: string;
  readonly finder: FinderInfo;
  /** The finder says the flaw is already public. */
  readonly isPublic: boolean;
  /** The finder says the flaw is exploited in the wild. */
  readonly isExploited: boolean;
  readonly vendorContacted: boolean;
  readonly vendorContactedAt?: Instant;
}

/** The report fields a finder supplies; the domain adds id, state and times. */
export type ReportInput = Omit<Report, 'receivedAt' | 'state' | 'stateChangedAt'>;

/** Vendor-side facts about a participant that is a vendor. */
export interface VendorContact {
  readonly notifiedAt?: Instant;
  readonly acknowledgedAt?: Instant;
}

/** A party on the case. */
export interface Participant {
  readonly id: string;
  readonly kind: ParticipantKind;
  readonly name: string;
  readonly roles: readonly ParticipantRole[];
  readonly contact?: string;
  readonly joinedAt: Instant;
  /** Set for vendors once notified. */
  readonly vendor?: VendorContact;
}

/** The participant fields a command supplies. */
export type ParticipantInput = Omit<Participant, 'joinedAt' | 'vendor'>;

/** One vendor's status and statement for one vulnerability. */
export interface VendorStatement {
  readonly status: VendorStatus;
  readonly statement?: string;
  readonly updatedAt: Instant;
}

/** A vulnerability of the case; each vendor has its own status for it. */
export interface Vulnerability {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly cveId?: string;
  /** Keyed by vendor participant id. A vendor without an entry is `unknown`. */
  readonly vendors: Readonly<Record<string, VendorStatement>>;
}

/** The vulnerability fields a command supplies. */
export type VulnerabilityInput = Omit<Vulnerability, 'vendors' | 'cveId'>;

/** Escalation to a coordinator or CNA of last resort when a vendor does not respond. */
export interface Escalation {
  readonly state: 'offered' | 'accepted' | 'declined';
  /** The coordinator or CNA the case was offered to; added as a participant only on acceptance. */
  readonly to: ParticipantInput;
  readonly offeredAt: Instant;
  readonly answeredAt?: Instant;
}

/** A coordinated-disclosure case. */
export interface Case {
  readonly id: string;
  readonly title: string;
  readonly createdAt: Instant;
  /** The time of the last event (a reminder clock starts here). */
  readonly updatedAt: Instant;
  /** Number of commands applied; for optimistic concurrency in the store. */
  readonly version: number;
  readonly reports: readonly Report[];
  readonly vulnerabilities: readonly Vulnerability[];
  readonly participants: readonly Participant[];
  readonly embargo: Embargo;
  readonly caseState: CaseStateFlags;
  readonly escalation?: Escalation;
  /** Append-only timeline. */
  readonly events: readonly CaseEvent[];
}

/** Who did something: a participant id, a team user id, or `system` (the scheduler). */
export type Actor = string;
/** The actor of automatic changes. */
export const SYSTEM_ACTOR: Actor = 'system';

/** Fields every timeline event has. */
export interface EventBase {
  /** 1-based position in the timeline. */
  readonly seq: number;
  readonly at: Instant;
  readonly actor: Actor;
}

/** Every kind of timeline event, by its `type`. */
export type CaseEventBody =
  | { readonly type: 'case-opened'; readonly title: string }
  | { readonly type: 'title-changed'; readonly from: string; readonly to: string }
  | { readonly type: 'report-received'; readonly reportId: string }
  | { readonly type: 'report-transitioned'; readonly reportId: string; readonly action: ReportAction; readonly from: ReportState; readonly to: ReportState }
  | { readonly type: 'participant-added'; readonly participantId: string; readonly kind: ParticipantKind; readonly roles: readonly ParticipantRole[] }
  | { readonly type: 'vendor-notified'; readonly participantId: string }
  | { readonly type: 'vendor-acknowledged'; readonly participantId: string }
  | { readonly type: 'vulnerability-added'; readonly vulnerabilityId: string }
  | { readonly type: 'vendor-status-set'; readonly vulnerabilityId: string; readonly vendorId: string; readonly status: VendorStatus; readonly statement?: string }
  | { readonly type: 'embargo-proposed'; readonly proposalId: string; readonly endsAt: Instant; readonly withGrace: boolean }
  | { readonly type: 'embargo-accepted'; readonly proposalId: string; readonly endsAt: Instant }
  | { readonly type: 'embargo-rejected'; readonly proposalId: string; readonly reason?: EmbargoExitReason }
  | { readonly type: 'embargo-exited'; readonly reason: EmbargoEndReason; readonly endsAt?: Instant }
  | { readonly type: 'case-state-changed'; readonly flag: CaseFlag; readonly flagAt: Instant; readonly from: string; readonly to: string }
  | { readonly type: 'message-posted'; readonly messageId: string; readonly visibility: 'participants' | 'internal' }
  | { readonly type: 'file-attached'; readonly fileId: string; readonly name: string; readonly mediaType: string; readonly size: number }
  | { readonly type: 'cve-reserved'; readonly vulnerabilityId: string; readonly cveId: string }
  | { readonly type: 'note'; readonly text: string }
  | { readonly type: 'escalation-offered'; readonly to: string }
  | { readonly type: 'escalation-answered'; readonly to: string; readonly accepted: boolean };

/** One entry of the timeline. */
export type CaseEvent = EventBase & CaseEventBody;
/** The `type` of a timeline event. */
export type CaseEventType = CaseEventBody['type'];
