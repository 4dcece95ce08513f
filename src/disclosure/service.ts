/**
 * The disclosure service: intake, triage into cases, participants, commands, messages,
 * files, audit and the notifications they cause. The pure rules are in `domain/`; this
 * file adds who may do what, persistence and the outbox.
 *
 * Authorization is one check, {@link DisclosureService.access}: the team sees every
 * case; a participant (finder, vendor, coordinator) sees only the case its capability
 * token belongs to. Anyone else gets `CASE_NOT_FOUND`, the very answer for a case that
 * does not exist, so existence never leaks. Every read of and change to a case is written
 * to the append-only audit log.
 *
 * Concurrency: a change reads the case, applies its commands and saves at the revision it
 * read; if another writer saved first, it reads again and applies the same commands to the
 * new state (they are checked again there), so no update is lost. A caller that passes
 * `expectedRevision` gets `CASE_CONFLICT` instead of the retry.
 */
import type { Store } from '../store/index.ts';
import type { DisclosureAuditInput, DisclosureCaseRow, DisclosureCaseSideWrites, DisclosureEventRow, DisclosureFileRow, DisclosureMessageRow, DisclosureOutboxInput, DisclosureReportRow, DisclosureVendorRow } from '../store/index.ts';
import { extractCveIds } from '../cve/index.ts';
import { applyCommand, formatZoned, caseStateName, openCase } from './domain/index.ts';
import type { Case, CaseCommand, CaseEvent, Participant, ParticipantInput, ParticipantKind, ParticipantRole, Report, ReportInput } from './domain/index.ts';
import type { DisclosureConfig } from './config.ts';
import { hashToken, issueChallenge, newId, newToken, sha256Hex, verifyChallenge } from './crypto.ts';
import type { Challenge } from './crypto.ts';
import { DisclosureServiceError } from './errors.ts';
import { checkAttachments, checkSubmission, dedupHints } from './intake.ts';
import type { DedupHint, ReportSubmission } from './intake.ts';
import { WindowLimiter } from './rate-limit.ts';

/** Who is asking. */
export type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'team'; readonly name: string }
  | { readonly kind: 'finder'; readonly reportId: string }
  | { readonly kind: 'participant'; readonly caseId: string; readonly participantId: string };

/** A principal's part in one case. */
export type CaseRole = 'team' | 'vendor' | 'coordinator' | 'finder';

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** What a finder stores besides the checked fields. */
interface StoredReportBody extends Omit<ReportInput, 'id'> {
  readonly fileIds: readonly string[];
}

export interface MessageView {
  readonly id: string;
  readonly parentId?: string;
  readonly author: string;
  readonly authorName: string;
  readonly visibility: 'participants' | 'internal';
  readonly text: string;
  readonly createdAt: string;
}

/** Commands each non-team role may send, with a check on its own id. */
const ROLE_COMMANDS: Readonly<Record<Exclude<CaseRole, 'team'>, ReadonlySet<CaseCommand['type']>>> = {
  finder: new Set(['propose-embargo', 'propose-default-embargo', 'accept-embargo', 'reject-embargo']),
  vendor: new Set(['acknowledge-vendor', 'set-vendor-status', 'propose-embargo', 'propose-default-embargo', 'accept-embargo', 'reject-embargo']),
  coordinator: new Set(['set-vendor-status', 'add-vulnerability', 'propose-embargo', 'propose-default-embargo', 'accept-embargo', 'reject-embargo', 'end-embargo', 'record-case-state', 'answer-escalation']),
};
/** Commands that only the service itself issues (they come with stored rows). */
const INTERNAL_COMMANDS: ReadonlySet<CaseCommand['type']> = new Set(['receive-report', 'add-participant', 'post-message', 'attach-file', 'offer-escalation']);

const MAX_RETRIES = 10;

export interface DisclosureServiceOptions {
  readonly store: Store;
  readonly config: DisclosureConfig;
  readonly now?: () => Date;
}

export class DisclosureService {
  readonly store: Store;
  readonly config: DisclosureConfig;
  readonly #now: () => Date;
  readonly #limiter: WindowLimiter;

  constructor(opts: DisclosureServiceOptions) {
    this.store = opts.store;
    this.config = opts.config;
    this.#now = opts.now ?? (() => new Date());
    this.#limiter = new WindowLimiter(opts.config.reportsPerHour, 3600_000);
  }

  now(): string {
    return this.#now().toISOString();
  }

  get #d() {
    return this.store.disclosure;
  }

  #seal(value: unknown): string {
    return this.config.codec.seal(JSON.stringify(value));
  }
  #open<T>(text: string): T {
    return JSON.parse(this.config.codec.open(text)) as T;
  }

  // --- authentication -------------------------------------------------------------------

  /**
   * The principal a bearer token stands for: the team token, or a live capability.
   * Anything else is anonymous (never an error: routes decide what anonymous gets).
   */
  async authenticate(token: string | undefined): Promise<Principal> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 200) return ANONYMOUS;
    const hash = hashToken(token);
    if (this.config.teamTokenHash !== undefined && hash === this.config.teamTokenHash) return { kind: 'team', name: 'team' };
    const row = await this.#d.findToken(hash);
    if (!row || row.revoked || row.expiresAt <= this.now()) return ANONYMOUS;
    if (row.kind === 'finder' && row.reportId) return { kind: 'finder', reportId: row.reportId };
    if (row.kind === 'participant' && row.caseId && row.participantId) return { kind: 'participant', caseId: row.caseId, participantId: row.participantId };
    return ANONYMOUS;
  }

  /** A capability link's principal, or `LINK_NOT_VALID` (same answer for guessed, expired and revoked links). */
  async capability(token: string): Promise<Exclude<Principal, { kind: 'anonymous' } | { kind: 'team' }>> {
    const p = await this.authenticate(token);
    if (p.kind === 'finder' || p.kind === 'participant') return p;
    throw new DisclosureServiceError('LINK_NOT_VALID');
  }

  #actor(p: Principal): string {
    switch (p.kind) {
      case 'team': return `team:${p.name}`;
      case 'finder': return `finder:${p.reportId}`;
      case 'participant': return `participant:${p.caseId}/${p.participantId}`;
      default: return 'anonymous';
    }
  }

  #audit(p: Principal, action: string, ids: { caseId?: string; reportId?: string }, detail?: string): DisclosureAuditInput {
    return { at: this.now(), actor: this.#actor(p), action, ...ids, ...(detail === undefined ? {} : { detail }) };
  }

  // --- intake ---------------------------------------------------------------------------

  /** A fresh challenge for the report form. */
  challenge(): Challenge {
    return issueChallenge(this.config.challengeSecret, this.config.powBits, this.#now().getTime());
  }

  /**
   * Takes a report from anyone: rate limit per address, challenge (work or answer, used
   * once), field and attachment checks; stores it with its files and the finder's
   * capability, and queues the notices. The token is returned once and never stored.
   */
  async submitReport(
    submission: ReportSubmission,
    challenge: { readonly nonce: string; readonly counter?: string; readonly answer?: string },
    meta: { readonly ip: string },
  ): Promise<{ readonly reportId: string; readonly token: string; readonly url: string; readonly expiresAt: string }> {
    const nowMs = this.#now().getTime();
    const verdict = verifyChallenge(this.config.challengeSecret, challenge, { bits: this.config.powBits, nowMs, maxAgeMs: this.config.challengeMaxAgeMs, minAnswerMs: this.config.minAnswerMs });
    if (!verdict.ok) throw new DisclosureServiceError('CHALLENGE_FAILED', `the anti-spam check failed: ${verdict.reason}`);
    const report = checkSubmission(submission);
    const files = checkAttachments(submission.attachments ?? [], this.config.attachments);
    if (!this.#limiter.take(meta.ip, nowMs)) throw new DisclosureServiceError('RATE_LIMITED');
    if (!(await this.#d.claimJob(`challenge:${sha256Hex(challenge.nonce)}`, 'intake', this.now()))) {
      throw new DisclosureServiceError('CHALLENGE_FAILED', 'the anti-spam check failed: this challenge was already used; reload the form');
    }
    const at = this.now();
    const reportId = newId('rep');
    const token = newToken();
    const expiresAt = new Date(nowMs + this.config.capabilityDays * 86_400_000).toISOString();
    const fileRows: DisclosureFileRow[] = files.map((f) => ({
      id: newId('file'), reportId, name: f.name, mediaType: f.mediaType, size: f.bytes.byteLength, sha256: sha256Hex(f.bytes), uploadedBy: `finder:${reportId}`, createdAt: at, bytes: f.bytes,
    }));
    const body: StoredReportBody = { ...report, fileIds: fileRows.map((f) => f.id) };
    const url = `${this.config.publicUrl}/report/${token}`;
    const outbox: DisclosureOutboxInput[] = [
      this.#mail([report.finder.contact], 'Your vulnerability report was received',
        `Thank you for your report (${reportId}).\n\nFollow it and talk to the team on this private page:\n${url}\n\nKeep this link to yourself: anyone who has it can read the report. We will never ask you to reply by e-mail.`),
      ...(this.config.teamEmail ? [this.#mail([this.config.teamEmail], 'New vulnerability report', `A new report (${reportId}) was received. Review it with the team API: GET /api/v1/reports/${reportId}`)] : []),
      ...(await this.#teamHooks('report.received', { reportId })),
    ];
    await this.#d.insertReport({ id: reportId, receivedAt: at, status: 'open', body: this.#seal(body) }, {
      files: fileRows,
      tokens: [{ hash: hashToken(token), kind: 'finder', reportId, createdAt: at, expiresAt, revoked: false }],
      outbox,
      audit: [{ at, actor: 'anonymous', action: 'report.submit', reportId, detail: `${fileRows.length} file(s), challenge by ${verdict.via}` }],
    });
    return { reportId, token, url, expiresAt };
  }

  #reportBody(row: DisclosureReportRow): StoredReportBody {
    return this.#open<StoredReportBody>(row.body);
  }

  /**
   * Untriaged or all reports (team only); with `similar`, each with the number of similar
   * open reports (the deduplication hints of `getReport`, counted in one pass: the inbox).
   */
  async listReports(p: Principal, filter: { readonly untriaged?: boolean; readonly similar?: boolean } = {}): Promise<object[]> {
    this.#requireTeam(p);
    const rows = await this.#d.listReports(filter.untriaged ? { untriaged: true } : {});
    await this.#d.appendAudit([this.#audit(p, 'report.list', {})]);
    const open = filter.similar ? (await this.#d.listReports({ status: 'open' })).map((r) => {
      const b = this.#reportBody(r);
      return { id: r.id, ...(r.caseId ? { caseId: r.caseId } : {}), product: b.product, text: [b.product, b.description, b.impact, b.proofOfConcept ?? ''].join('\n') };
    }) : [];
    return rows.map((r) => {
      const b = this.#reportBody(r);
      const similar = filter.similar ? { similar: dedupHints(open.find((o) => o.id === r.id) ?? { id: r.id, product: b.product, text: [b.product, b.description, b.impact, b.proofOfConcept ?? ''].join('\n') }, open).length } : {};
      return { id: r.id, receivedAt: r.receivedAt, status: r.status, ...(r.caseId ? { caseId: r.caseId } : {}), product: b.product, version: b.version, ...similar };
    });
  }

  /** One report with its files, deduplication hints and the CVE names it mentions (team only). */
  async getReport(p: Principal, reportId: string): Promise<object> {
    this.#requireTeam(p);
    const row = await this.#d.getReport(reportId);
    if (!row) throw new DisclosureServiceError('REPORT_NOT_FOUND');
    const body = this.#reportBody(row);
    const others = (await this.#d.listReports({ status: 'open' })).map((r) => {
      const b = this.#reportBody(r);
      return { id: r.id, ...(r.caseId ? { caseId: r.caseId } : {}), product: b.product, text: [b.product, b.description, b.impact, b.proofOfConcept ?? ''].join('\n') };
    });
    const text = [body.product, body.description, body.impact, body.proofOfConcept ?? ''].join('\n');
    const hints: DedupHint[] = dedupHints({ id: row.id, product: body.product, text }, others);
    const cveIds = extractCveIds(text);
    const known = (await Promise.all(cveIds.map(async (id) => ((await this.store.getRecord(id)) ? id : undefined)))).filter((x): x is string => x !== undefined);
    await this.#d.appendAudit([this.#audit(p, 'report.read', { reportId, ...(row.caseId ? { caseId: row.caseId } : {}) })]);
    return {
      id: row.id, receivedAt: row.receivedAt, status: row.status, ...(row.caseId ? { caseId: row.caseId } : {}),
      report: body, files: await this.#d.listFiles({ reportIds: [row.id] }),
      hints: { similar: hints, cveIds, publishedCveIds: known },
    };
  }

  /**
   * Triage: the report joins an existing case or opens a new one; the finder becomes a
   * participant (`finder-<reportId>`), its files enter the timeline.
   */
  async triageReport(p: Principal, reportId: string, target: { readonly caseId?: string; readonly title?: string }): Promise<object> {
    this.#requireTeam(p);
    const row = await this.#d.getReport(reportId);
    if (!row) throw new DisclosureServiceError('REPORT_NOT_FOUND');
    if (row.caseId) throw new DisclosureServiceError('INVALID_REQUEST', `report ${reportId} is already on a case`);
    const body = this.#reportBody(row);
    const files = await this.#d.listFiles({ reportIds: [reportId] });
    const { fileIds: _ignored, ...fields } = body;
    const commands: CaseCommand[] = [
      { type: 'receive-report', report: { ...fields, id: reportId } },
      { type: 'add-participant', participant: { id: `finder-${reportId}`, kind: 'finder', name: body.finder.name ?? 'Finder', roles: ['finder', 'reporter'], contact: body.finder.contact } },
      ...files.map((f): CaseCommand => ({ type: 'attach-file', fileId: f.id, name: f.name, mediaType: f.mediaType, size: f.size })),
    ];
    if (target.caseId === undefined) {
      const title = typeof target.title === 'string' && target.title.trim() !== '' ? target.title.trim().slice(0, 300) : `${body.product} ${body.version}`.trim();
      const c = await this.createCase(p, title, commands, { reports: [{ id: reportId, caseId: '', status: 'open' }] });
      return c;
    }
    const c = await this.#change(p, target.caseId, () => commands, { side: (c) => ({ reports: [{ id: reportId, caseId: c.id, status: 'open' }] }), action: 'case.triage' });
    return this.#view(c, 'team');
  }

  /** Opens a case (team only), optionally with first commands and side writes. */
  async createCase(p: Principal, title: string, commands: readonly CaseCommand[] = [], side: DisclosureCaseSideWrites = {}): Promise<object> {
    this.#requireTeam(p);
    const id = newId('case');
    const at = this.now();
    const ctx = { actor: this.#actor(p), at, policy: this.config.embargo };
    let c = openCase({ id, title: typeof title === 'string' ? title.slice(0, 300) : '', actor: ctx.actor, at }).case;
    for (const cmd of commands) c = applyCommand(c, cmd, ctx).case;
    await this.#d.createCase(this.#row(c), this.#eventRows(c, c.events), {
      ...side,
      reports: (side.reports ?? []).map((r) => ({ ...r, caseId: id })),
      audit: [...(side.audit ?? []), this.#audit(p, 'case.create', { caseId: id })],
      outbox: [...(side.outbox ?? []), ...(await this.#teamHooks('case.opened', { caseId: id }))],
    });
    return this.#view(c, 'team');
  }

  #row(c: Case): DisclosureCaseRow {
    const open = c.reports.length === 0 || c.reports.some((r) => r.state !== 'closed');
    return { id: c.id, revision: c.version, createdAt: c.createdAt, updatedAt: c.updatedAt, open, snapshot: this.#seal(c) };
  }

  #eventRows(c: Case, events: readonly CaseEvent[]): DisclosureEventRow[] {
    return events.map((e) => ({ caseId: c.id, seq: e.seq, at: e.at, actor: e.actor, type: e.type, data: this.#seal(e) }));
  }

  // --- access ---------------------------------------------------------------------------

  #requireTeam(p: Principal): void {
    if (p.kind === 'team') return;
    if (p.kind === 'anonymous') throw new DisclosureServiceError('UNAUTHENTICATED');
    throw new DisclosureServiceError('FORBIDDEN', 'only the team may do this');
  }

  /** The case row and its snapshot, read without checks (the scheduler's view). */
  async #load(caseId: string): Promise<{ row: DisclosureCaseRow; c: Case } | undefined> {
    const row = typeof caseId === 'string' && caseId.length <= 100 ? await this.#d.getCase(caseId) : undefined;
    return row && { row, c: this.#open<Case>(row.snapshot) };
  }

  /** Which participant a principal is on a case, if any. */
  async #participantId(p: Principal, caseId: string): Promise<string | undefined> {
    if (p.kind === 'participant') return p.caseId === caseId ? p.participantId : undefined;
    if (p.kind === 'finder') {
      const r = await this.#d.getReport(p.reportId);
      return r?.caseId === caseId ? `finder-${p.reportId}` : undefined;
    }
    return undefined;
  }

  /**
   * The one authorization check: the case and the principal's role on it, or
   * `CASE_NOT_FOUND` whether the case is missing or merely someone else's.
   */
  async access(p: Principal, caseId: string): Promise<{ readonly c: Case; readonly row: DisclosureCaseRow; readonly role: CaseRole; readonly self?: Participant; readonly offered?: boolean }> {
    if (p.kind === 'anonymous') throw new DisclosureServiceError('UNAUTHENTICATED');
    const loaded = await this.#load(caseId);
    if (p.kind === 'team') {
      if (!loaded) throw new DisclosureServiceError('CASE_NOT_FOUND');
      return { ...loaded, role: 'team' };
    }
    const pid = await this.#participantId(p, caseId);
    if (!loaded || pid === undefined) throw new DisclosureServiceError('CASE_NOT_FOUND');
    const self = loaded.c.participants.find((x) => x.id === pid);
    if (!self) {
      // A coordinator offered the case may answer the offer and see no more.
      if (loaded.c.escalation?.state === 'offered' && loaded.c.escalation.to.id === pid) return { ...loaded, role: 'coordinator', offered: true };
      throw new DisclosureServiceError('CASE_NOT_FOUND');
    }
    return { ...loaded, role: roleOf(self.kind), self };
  }

  // --- cases ----------------------------------------------------------------------------

  /** Cases the principal is on (the team: all). */
  async listCases(p: Principal, filter: { readonly open?: boolean } = {}): Promise<object[]> {
    if (p.kind === 'anonymous') throw new DisclosureServiceError('UNAUTHENTICATED');
    let rows: DisclosureCaseRow[];
    if (p.kind === 'team') rows = await this.#d.listCases(filter.open === undefined ? {} : { open: filter.open });
    else {
      const id = p.kind === 'participant' ? p.caseId : (await this.#d.getReport(p.reportId))?.caseId;
      rows = id === undefined ? [] : await this.#d.listCases({ ids: [id], ...(filter.open === undefined ? {} : { open: filter.open }) });
    }
    const out: object[] = [];
    for (const row of rows) {
      try {
        const a = await this.access(p, row.id);
        if (a.offered) continue;
        const c = a.c;
        out.push({ id: c.id, title: c.title, updatedAt: c.updatedAt, revision: c.version, open: row.open, embargo: c.embargo.state, caseState: caseStateName(c.caseState) });
      } catch (err) {
        if (!(err instanceof DisclosureServiceError && err.code === 'CASE_NOT_FOUND')) throw err;
      }
    }
    await this.#d.appendAudit([this.#audit(p, 'case.list', {}, `${out.length} case(s)`)]);
    return out;
  }

  /** A case as the principal may see it (audited). */
  async getCase(p: Principal, caseId: string): Promise<object> {
    const a = await this.access(p, caseId);
    await this.#d.appendAudit([this.#audit(p, 'case.read', { caseId })]);
    if (a.offered) return offeredView(a.c);
    return this.#view(a.c, a.role, a.self?.id);
  }

  /** The timeline as the principal may see it (audited). */
  async timeline(p: Principal, caseId: string): Promise<object[]> {
    const a = await this.access(p, caseId);
    if (a.offered) throw new DisclosureServiceError('FORBIDDEN', 'answer the escalation offer first');
    await this.#d.appendAudit([this.#audit(p, 'case.timeline', { caseId })]);
    const events = (await this.#d.listCaseEvents(caseId)).map((e) => this.#open<CaseEvent>(e.data));
    return a.role === 'team' ? events : events.filter(visibleToParticipants);
  }

  /** The audit log of a case (team only). */
  async auditLog(p: Principal, caseId: string): Promise<object[]> {
    await this.access(p, caseId);
    this.#requireTeam(p);
    await this.#d.appendAudit([this.#audit(p, 'case.audit-read', { caseId })]);
    return this.#d.listAudit({ caseId });
  }

  /**
   * Applies one command as the principal, within its role's rights. Returns the case as
   * that principal sees it afterwards.
   */
  async command(p: Principal, caseId: string, command: CaseCommand, expectedRevision?: number): Promise<object> {
    if (command === null || typeof command !== 'object' || typeof command.type !== 'string') throw new DisclosureServiceError('INVALID_REQUEST', 'a command needs a type');
    if (INTERNAL_COMMANDS.has(command.type)) throw new DisclosureServiceError('INVALID_REQUEST', `use the dedicated route for ${command.type}`);
    let role: CaseRole = 'team';
    let selfId: string | undefined;
    const c = await this.#change(p, caseId, (_c, a) => {
      role = a.role;
      selfId = a.self?.id;
      if (a.offered && command.type !== 'answer-escalation') throw new DisclosureServiceError('FORBIDDEN', 'answer the escalation offer first');
      if (a.role !== 'team') {
        if (!ROLE_COMMANDS[a.role].has(command.type)) throw new DisclosureServiceError('FORBIDDEN', `a ${a.role} may not ${command.type}`);
        const own = a.self?.id ?? (p.kind === 'participant' ? p.participantId : undefined);
        if (command.type === 'acknowledge-vendor' && command.participantId !== own) throw new DisclosureServiceError('FORBIDDEN', 'a vendor acknowledges for itself');
        if (command.type === 'set-vendor-status' && a.role === 'vendor' && command.vendorId !== own) throw new DisclosureServiceError('FORBIDDEN', 'a vendor sets its own status');
        if ((command.type === 'propose-embargo' || command.type === 'propose-default-embargo') && command.proposedBy !== undefined && command.proposedBy !== own) throw new DisclosureServiceError('FORBIDDEN', 'propose in your own name');
      }
      return [command];
    }, {
      expectedRevision,
      action: `case.command:${command.type}`,
      // The team hears how an escalation offer was answered (a declined one leaves the case with it).
      ...(command.type === 'answer-escalation' && this.config.teamEmail
        ? { side: (c: Case) => ({ outbox: [this.#mail([this.config.teamEmail!], `Case ${c.id}: escalation ${command.accepted ? 'accepted' : 'declined'}`, `${c.escalation?.to.name ?? 'The coordinator'} ${command.accepted ? 'accepted to coordinate' : 'declined to coordinate'} case ${c.id}.`)] }) }
        : {}),
    });
    // A coordinator that declined is no longer on the case: its answer is all it gets back.
    if (command.type === 'answer-escalation' && !command.accepted && role !== 'team') return { id: c.id, escalation: { state: 'declined' }, role: 'coordinator' };
    const after = await this.access(p, c.id);
    if (after.offered) return offeredView(after.c);
    return this.#view(c, role, selfId);
  }

  /**
   * Adds a participant (team only). Vendors may come from the directory (`vendorId`:
   * name and contacts from there). With a contact, the participant gets a capability
   * token (returned once) and, with `notify`, a mail with the link; vendors are then
   * recorded as notified.
   */
  async addParticipant(p: Principal, caseId: string, input: {
    readonly kind: ParticipantKind; readonly name?: string; readonly contact?: string; readonly roles?: readonly ParticipantRole[]; readonly vendorId?: string; readonly notify?: boolean;
  }): Promise<{ readonly participant: Participant; readonly token?: string; readonly url?: string }> {
    // Access first: a stranger learns "no such case", never "only the team".
    await this.access(p, caseId);
    this.#requireTeam(p);
    let name = input.name;
    let contact = input.contact;
    let id = newId(input.kind);
    if (input.vendorId !== undefined) {
      const v = await this.#d.getVendor(input.vendorId);
      if (!v) throw new DisclosureServiceError('INVALID_REQUEST', `no vendor "${String(input.vendorId).slice(0, 60)}" in the directory`);
      name ??= v.name;
      contact ??= v.contacts[0]?.email;
      id = `vendor-${v.id}`;
    }
    if (typeof name !== 'string' || name.trim() === '') throw new DisclosureServiceError('INVALID_REQUEST', 'a participant needs a name');
    if (contact !== undefined && (typeof contact !== 'string' || !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(contact) || contact.length > 320)) throw new DisclosureServiceError('INVALID_REQUEST', 'contact must be an e-mail address');
    const roles = input.roles ?? [input.kind === 'cna' ? 'cna' : input.kind === 'finder' ? 'finder' : input.kind];
    const token = contact !== undefined ? newToken() : undefined;
    const url = token && `${this.config.publicUrl}/report/${token}`;
    const at = this.now();
    const isVendor = input.kind === 'vendor';
    const c = await this.#change(p, caseId, () => [
      { type: 'add-participant', participant: { id, kind: input.kind, name: name!.trim().slice(0, 200), roles, ...(contact === undefined ? {} : { contact }) } },
      ...(isVendor && input.notify ? [{ type: 'notify-vendor', participantId: id } as const] : []),
    ], {
      action: 'case.participant-add',
      side: (c) => ({
        tokens: token ? [this.#participantToken(token, c.id, id, at)] : [],
        outbox: input.notify && contact && url ? [this.#mail([contact], 'You are invited to a coordinated vulnerability disclosure case',
          `You were added to a confidential vulnerability disclosure case (${c.id}).\n\nRead it and answer on this private page:\n${url}\n\nKeep this link to yourself; replies go through that page, never by e-mail.`)] : [],
      }),
    });
    const participant = c.participants.find((x) => x.id === id)!;
    return { participant, ...(token ? { token, url } : {}) };
  }

  /**
   * Reads, applies and saves with retries (see the module comment). `build` runs on each
   * fresh read, after the access check.
   */
  async #change(
    p: Principal,
    caseId: string,
    build: (c: Case, a: Awaited<ReturnType<DisclosureService['access']>>) => readonly CaseCommand[],
    opts: { readonly expectedRevision?: number; readonly action: string; readonly side?: (c: Case, events: readonly CaseEvent[]) => DisclosureCaseSideWrites },
  ): Promise<Case> {
    for (let attempt = 0; ; attempt++) {
      const a = await this.access(p, caseId);
      if (opts.expectedRevision !== undefined && a.c.version !== opts.expectedRevision) {
        throw new DisclosureServiceError('CASE_CONFLICT', undefined, { revision: a.c.version });
      }
      const commands = build(a.c, a);
      const nowIso = this.now();
      const at = nowIso < a.c.updatedAt ? a.c.updatedAt : nowIso;
      const ctx = { actor: a.self?.id ?? (p.kind === 'participant' ? p.participantId : this.#actor(p)), at, policy: this.config.embargo };
      let c = a.c;
      const events: CaseEvent[] = [];
      for (const cmd of commands) {
        const r = applyCommand(c, cmd, ctx);
        c = r.case;
        events.push(...r.events);
      }
      if (events.length === 0) return c;
      const extra = opts.side?.(c, events) ?? {};
      // The reports table mirrors each report's case and whether it is still open (dedup hints, lists).
      const reportRows = c.reports.map((r) => ({ id: r.id, caseId: c.id, status: r.state === 'closed' || r.state === 'invalid' ? 'closed' as const : 'open' as const }));
      const side: DisclosureCaseSideWrites = {
        ...extra,
        reports: reportRows,
        audit: [...(extra.audit ?? []), this.#audit(p, opts.action, { caseId: c.id }, events.map((e) => e.type).join(','))],
        outbox: [...(extra.outbox ?? []), ...(await this.#eventHooks(c, events))],
      };
      if (await this.#d.saveCase(this.#row(c), a.c.version, this.#eventRows(c, events), side)) return c;
      if (opts.expectedRevision !== undefined) throw new DisclosureServiceError('CASE_CONFLICT');
      if (attempt >= MAX_RETRIES) throw new DisclosureServiceError('CASE_CONFLICT', 'the case is changing too fast; try again');
      await new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));
    }
  }

  /** The stored form of a participant's private link (its hash), valid `capabilityDays`. */
  #participantToken(token: string, caseId: string, participantId: string, at: string) {
    const expiresAt = new Date(this.#now().getTime() + this.config.capabilityDays * 86_400_000).toISOString();
    return { hash: hashToken(token), kind: 'participant' as const, caseId, participantId, createdAt: at, expiresAt, revoked: false };
  }

  /**
   * Used by the scheduler: offer the case to the coordinator of last resort. In the same
   * transaction the coordinator gets a private link (a capability for this case only) by
   * mail, where it accepts or declines; until it accepts it sees the offer and nothing
   * else. The team is told too.
   */
  async offerEscalation(caseId: string, to: ParticipantInput): Promise<Case> {
    const token = to.contact !== undefined ? newToken() : undefined;
    const url = token && `${this.config.publicUrl}/report/${token}`;
    const at = this.now();
    return this.#change({ kind: 'team', name: 'system' }, caseId, () => [{ type: 'offer-escalation', to }], {
      action: 'system.command:offer-escalation',
      side: (c) => ({
        tokens: token ? [this.#participantToken(token, c.id, to.id, at)] : [],
        outbox: [
          ...(to.contact && url ? [this.#mail([to.contact], 'A vulnerability disclosure case is offered to you for coordination',
            `The vendor of a confidential vulnerability disclosure case (${c.id}) has not answered within the deadline, and the case is offered to you as coordinator of last resort.\n\nAccept or decline it on this private page:\n${url}\n\nUntil you accept you see only the offer. Keep this link to yourself; replies go through that page, never by e-mail.`)] : []),
          ...(this.config.teamEmail ? [this.#mail([this.config.teamEmail], `Case ${c.id} offered to ${to.name}`, `No vendor acknowledged case ${c.id} within the deadline; it is now offered to ${to.name} for coordination.`)] : []),
        ],
      }),
    });
  }

  /** Used by the scheduler: a command as the system, with retries. */
  async systemCommand(caseId: string, command: CaseCommand): Promise<Case> {
    return this.#change({ kind: 'team', name: 'system' }, caseId, () => [command], { action: `system.command:${command.type}` });
  }

  /** Open cases, unchecked (scheduler only). */
  async openCases(): Promise<Case[]> {
    return (await this.#d.listCases({ open: true })).map((r) => this.#open<Case>(r.snapshot));
  }

  // --- messages and files -----------------------------------------------------------------------

  /**
   * Posts a message on a case (or, for a finder whose report is not yet on a case, on the
   * report). Internal notes are for the team only. Participants are told by mail that
   * there is news, without the text: they read it through their link.
   */
  async postMessage(p: Principal, target: { readonly caseId?: string; readonly reportId?: string }, input: { readonly text: string; readonly parentId?: string; readonly visibility?: 'participants' | 'internal' }): Promise<MessageView> {
    const text = typeof input.text === 'string' ? input.text.replace(/\r\n?/g, '\n').trim() : '';
    if (text === '' || text.length > 20_000) throw new DisclosureServiceError('INVALID_REQUEST', 'a message needs 1 to 20000 characters');
    const visibility = input.visibility ?? 'participants';
    if (visibility !== 'participants' && visibility !== 'internal') throw new DisclosureServiceError('INVALID_REQUEST', 'visibility is participants or internal');
    if (visibility === 'internal' && p.kind !== 'team') throw new DisclosureServiceError('FORBIDDEN', 'only the team writes internal notes');
    const id = newId('msg');
    const at = this.now();
    const parentId = typeof input.parentId === 'string' && input.parentId !== '' ? input.parentId : undefined;
    if (target.caseId === undefined) {
      // Before triage: the finder and the team talk on the report.
      const reportId = target.reportId;
      if (reportId === undefined) throw new DisclosureServiceError('INVALID_REQUEST', 'a message needs a case or a report');
      if (!(p.kind === 'team' || (p.kind === 'finder' && p.reportId === reportId))) throw new DisclosureServiceError('REPORT_NOT_FOUND');
      const report = await this.#d.getReport(reportId);
      if (!report) throw new DisclosureServiceError('REPORT_NOT_FOUND');
      const authorName = p.kind === 'team' ? 'Team' : (this.#reportBody(report).finder.name ?? 'Finder');
      const row: DisclosureMessageRow = { id, reportId, ...(parentId ? { parentId } : {}), author: this.#actor(p), visibility, body: this.#seal({ authorName, text }), createdAt: at };
      const to = p.kind === 'team' ? (visibility === 'participants' ? [this.#reportBody(report).finder.contact] : []) : (this.config.teamEmail ? [this.config.teamEmail] : []);
      await this.#d.addMessage(row, { audit: [this.#audit(p, 'message.post', { reportId })], outbox: to.length ? [this.#newsMail(to, reportId)] : [] });
      return { id, ...(parentId ? { parentId } : {}), author: row.author, authorName, visibility, text, createdAt: at };
    }
    let view: MessageView | undefined;
    await this.#change(p, target.caseId, (c, a) => {
      if (a.offered) throw new DisclosureServiceError('FORBIDDEN', 'answer the escalation offer first');
      const authorName = a.role === 'team' ? 'Team' : a.self?.name ?? 'Participant';
      view = { id, ...(parentId ? { parentId } : {}), author: a.self?.id ?? this.#actor(p), authorName, visibility, text, createdAt: at };
      void c;
      return [{ type: 'post-message', messageId: id, visibility }];
    }, {
      action: 'message.post',
      side: (c) => {
        const v = view!;
        const to = visibility === 'internal' ? [] : c.participants.filter((x) => x.contact && x.id !== v.author).map((x) => x.contact!);
        if (p.kind !== 'team' && this.config.teamEmail) to.push(this.config.teamEmail);
        return {
          messages: [{ id, caseId: c.id, ...(parentId ? { parentId } : {}), author: v.author, visibility, body: this.#seal({ authorName: v.authorName, text }), createdAt: at }],
          outbox: to.length ? [this.#newsMail([...new Set(to)], c.id)] : [],
        };
      },
    });
    return view!;
  }

  /** Messages the principal may read on a case (internal notes only for the team). */
  async listMessages(p: Principal, caseId: string): Promise<MessageView[]> {
    const a = await this.access(p, caseId);
    if (a.offered) throw new DisclosureServiceError('FORBIDDEN', 'answer the escalation offer first');
    await this.#d.appendAudit([this.#audit(p, 'message.list', { caseId })]);
    const rows = await this.#d.listMessages({ caseId, reportIds: a.c.reports.map((r) => r.id) });
    return rows.filter((m) => a.role === 'team' || m.visibility === 'participants').map((m) => this.#messageView(m));
  }

  #messageView(m: DisclosureMessageRow): MessageView {
    const b = this.#open<{ authorName: string; text: string }>(m.body);
    return { id: m.id, ...(m.parentId ? { parentId: m.parentId } : {}), author: m.author, authorName: b.authorName, visibility: m.visibility, text: b.text, createdAt: m.createdAt };
  }

  /** A file, if the principal may see its case or report (`FILE_NOT_FOUND` otherwise, always the same). */
  async getFile(p: Principal, fileId: string): Promise<DisclosureFileRow> {
    const f = typeof fileId === 'string' && fileId.length <= 100 ? await this.#d.getFile(fileId) : undefined;
    if (!f) throw new DisclosureServiceError('FILE_NOT_FOUND');
    const report = f.reportId ? await this.#d.getReport(f.reportId) : undefined;
    const caseId = f.caseId ?? report?.caseId;
    let allowed = p.kind === 'team' || (p.kind === 'finder' && p.reportId === f.reportId);
    if (!allowed && caseId !== undefined && p.kind !== 'anonymous') {
      try {
        allowed = !(await this.access(p, caseId)).offered;
      } catch (err) {
        if (!(err instanceof DisclosureServiceError)) throw err;
      }
    }
    if (!allowed) throw new DisclosureServiceError('FILE_NOT_FOUND');
    await this.#d.appendAudit([this.#audit(p, 'file.read', { ...(caseId ? { caseId } : {}), ...(f.reportId ? { reportId: f.reportId } : {}) }, f.id)]);
    return f;
  }

  /**
   * What a capability link opens: the finder's report (before and after triage) or the
   * participant's case, with the messages and files it may see.
   */
  async capabilityView(token: string): Promise<{ readonly principal: Principal; readonly report?: object; readonly case?: Record<string, unknown>; readonly messages: readonly MessageView[]; readonly files: readonly object[] }> {
    const p = await this.capability(token);
    if (p.kind === 'finder') {
      const row = await this.#d.getReport(p.reportId);
      if (!row) throw new DisclosureServiceError('LINK_NOT_VALID');
      const body = this.#reportBody(row);
      const files = await this.#d.listFiles({ reportIds: [row.id] });
      if (row.caseId) {
        const a = await this.access(p, row.caseId);
        const messages = await this.listMessages(p, row.caseId);
        await this.#d.appendAudit([this.#audit(p, 'case.read', { caseId: row.caseId, reportId: row.id }, 'capability page')]);
        const report = a.c.reports.find((r) => r.id === row.id);
        return { principal: p, report: { id: row.id, receivedAt: row.receivedAt, state: report?.state ?? 'received', ...body }, case: this.#view(a.c, 'finder', a.self?.id), messages, files };
      }
      const messages = (await this.#d.listMessages({ reportIds: [row.id] })).filter((m) => m.visibility === 'participants').map((m) => this.#messageView(m));
      await this.#d.appendAudit([this.#audit(p, 'report.read', { reportId: row.id }, 'capability page')]);
      return { principal: p, report: { id: row.id, receivedAt: row.receivedAt, state: 'received', ...body }, messages, files };
    }
    if (p.kind !== 'participant') throw new DisclosureServiceError('LINK_NOT_VALID');
    const a = await this.access(p, p.caseId).catch((err: unknown) => {
      if (err instanceof DisclosureServiceError && err.code === 'CASE_NOT_FOUND') throw new DisclosureServiceError('LINK_NOT_VALID');
      throw err;
    });
    await this.#d.appendAudit([this.#audit(p, 'case.read', { caseId: p.caseId }, 'capability page')]);
    if (a.offered) return { principal: p, case: offeredView(a.c), messages: [], files: [] };
    const files = await this.#d.listFiles({ caseId: p.caseId, reportIds: a.c.reports.map((r) => r.id) });
    return { principal: p, case: this.#view(a.c, a.role, a.self?.id), messages: await this.listMessages(p, p.caseId), files };
  }

  // --- directory ---------------------------------------------------------------------------------

  async putVendor(p: Principal, input: { readonly id?: string; readonly name: string; readonly contacts: readonly { readonly name?: string; readonly email: string }[]; readonly products: readonly string[] }): Promise<DisclosureVendorRow> {
    this.#requireTeam(p);
    const id = input.id ?? newId('vnd').toLowerCase();
    if (!/^[a-z0-9_-]{1,60}$/i.test(id)) throw new DisclosureServiceError('INVALID_REQUEST', 'vendor id: letters, digits, _ and -');
    const v: DisclosureVendorRow = { id, name: input.name, contacts: input.contacts, products: input.products, createdAt: this.now() };
    await this.#d.putVendor(v);
    return v;
  }

  async listVendors(p: Principal, product?: string): Promise<DisclosureVendorRow[]> {
    this.#requireTeam(p);
    const all = await this.#d.listVendors();
    if (product === undefined) return all;
    const key = product.toLowerCase();
    return all.filter((v) => v.products.some((x) => x.toLowerCase().includes(key)) || v.name.toLowerCase().includes(key));
  }

  async addWebhook(p: Principal, input: { readonly url: string; readonly vendorId?: string }): Promise<{ readonly id: string; readonly secret: string }> {
    this.#requireTeam(p);
    let u: URL;
    try { u = new URL(input.url); } catch { throw new DisclosureServiceError('INVALID_REQUEST', 'webhook url must be an http(s) URL'); }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new DisclosureServiceError('INVALID_REQUEST', 'webhook url must be an http(s) URL');
    const id = newId('hook');
    const secret = newToken();
    await this.#d.addWebhook({ id, url: u.href, secret, ...(input.vendorId ? { vendorId: input.vendorId } : {}), createdAt: this.now() });
    return { id, secret };
  }

  // --- notifications --------------------------------------------------------------------------------

  #mail(to: readonly string[], subject: string, text: string, key?: string): DisclosureOutboxInput {
    return { key: key ?? newId('mail'), channel: 'mail', payload: JSON.stringify({ to, subject: `[cvekit] ${subject}`, text }), createdAt: this.now() };
  }

  #newsMail(to: readonly string[], ref: string): DisclosureOutboxInput {
    return this.#mail(to, `News on ${ref}`, `There is a new message on a vulnerability disclosure case you take part in (${ref}).\n\nRead and answer it on the private page whose link we sent you when you joined. We never take replies by e-mail.`);
  }

  /** A reminder's mail, queued once per reminder key by the scheduler. */
  reminderMail(to: readonly string[], caseId: string, what: string, key: string): DisclosureOutboxInput {
    return this.#mail(to, `Reminder on ${caseId}`, `${what}\n\nCase ${caseId}. Open it with your private link or the team API.`, key);
  }

  async #teamHooks(event: string, data: Record<string, unknown>): Promise<DisclosureOutboxInput[]> {
    const hooks = await this.#d.listWebhooks({ vendorId: null });
    return hooks.map((h) => this.#hook(h.id, event, data));
  }

  #hook(webhookId: string, event: string, data: Record<string, unknown>): DisclosureOutboxInput {
    const deliveryId = newId('dlv');
    return { key: deliveryId, channel: 'webhook', payload: JSON.stringify({ webhookId, event, body: JSON.stringify({ id: deliveryId, event, at: this.now(), ...data }) }), createdAt: this.now() };
  }

  /** Webhook deliveries for new events: the team's hooks get every event, a directory vendor's hooks those it may see. Ids and types only, never content. */
  async #eventHooks(c: Case, events: readonly CaseEvent[]): Promise<DisclosureOutboxInput[]> {
    const hooks = await this.#d.listWebhooks();
    if (hooks.length === 0) return [];
    const out: DisclosureOutboxInput[] = [];
    for (const h of hooks) {
      const visible = h.vendorId === undefined ? events : c.participants.some((x) => x.id === `vendor-${h.vendorId}`) ? events.filter(visibleToParticipants) : [];
      for (const e of visible) out.push(this.#hook(h.id, 'case.event', { caseId: c.id, seq: e.seq, type: e.type }));
    }
    return out;
  }

  // --- views -------------------------------------------------------------------------------------

  #view(c: Case, role: CaseRole, selfId?: string): Record<string, unknown> {
    const tz = this.config.embargo.timeZone;
    const embargo = {
      ...c.embargo,
      ...(c.embargo.endsAt ? { endsAtLocal: formatZoned(c.embargo.endsAt, tz) } : {}),
      pending: c.embargo.pending.map((x) => ({ ...x, endsAtLocal: formatZoned(x.endsAt, tz) })),
      timeZone: tz,
    };
    const base = { id: c.id, title: c.title, createdAt: c.createdAt, updatedAt: c.updatedAt, revision: c.version, caseState: c.caseState, caseStateName: caseStateName(c.caseState), embargo };
    if (role === 'team') return { ...base, reports: c.reports, participants: c.participants, vulnerabilities: c.vulnerabilities, ...(c.escalation ? { escalation: c.escalation } : {}), timeline: c.events };
    const reports = c.reports.map((r) => redactReport(r, role === 'finder' && selfId === `finder-${r.id}`));
    const vulnerabilities = c.vulnerabilities.map((v) => ({ ...v, vendors: role === 'vendor' ? (selfId && v.vendors[selfId] ? { [selfId]: v.vendors[selfId] } : {}) : v.vendors }));
    return {
      ...base, you: selfId, role,
      reports, vulnerabilities,
      participants: c.participants.map((x) => ({ id: x.id, kind: x.kind, name: x.kind === 'finder' && c.reports.some((r) => `finder-${r.id}` === x.id && r.finder.credit !== 'named') && x.id !== selfId ? 'Finder' : x.name, roles: x.roles, ...(x.vendor ? { vendor: x.vendor } : {}) })),
      timeline: c.events.filter(visibleToParticipants),
    };
  }
}

function roleOf(kind: ParticipantKind): CaseRole {
  return kind === 'cna' ? 'coordinator' : kind;
}

function visibleToParticipants(e: CaseEvent): boolean {
  return !(e.type === 'message-posted' && e.visibility === 'internal') && e.type !== 'note';
}

/** A report as another participant sees it: no contact, and the finder's name only when credit is `named`. */
function redactReport(r: Report, own: boolean): Record<string, unknown> {
  if (own) return { ...r };
  const { finder, ...rest } = r;
  return { ...rest, finder: { credit: finder.credit, ...(finder.credit === 'named' ? { name: finder.creditName ?? finder.name ?? 'Finder' } : {}) } };
}

function offeredView(c: Case): Record<string, unknown> {
  return { id: c.id, escalation: { state: c.escalation?.state, offeredAt: c.escalation?.offeredAt }, role: 'coordinator', offered: true };
}

