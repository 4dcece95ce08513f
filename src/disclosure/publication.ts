/**
 * From case to CVE to advisory (issue 6 §5): reserve a CVE ID for a vulnerability through
 * this cvekit's CNA service, draft its CVE record (CNA container) from the case, draft the
 * vendor advisory (CSAF 2.0), schedule publication at the embargo's end, and publish in one
 * step: records through `CnaService` (so they reach the public repository, search and
 * feeds as source `cna:<org>`), the advisory under `/advisories/{id}`, the finder credited
 * per their credit preference, participants told.
 *
 * Confidentiality: a reserved ID is RESERVED in CVE Services terms, known to the CNA org;
 * no record exists in the public repository until publication. Drafts are case documents,
 * sealed like the case itself. Only publication writes anything public.
 *
 * Once: the publication plan is a case document saved at a revision; of several schedulers
 * (or a scheduler and a "publish now"), only the one whose save moves the plan from
 * `scheduled` to `publishing` goes on. Every later step is idempotent (a record that
 * already exists counts as published, the public advisory row is an upsert), and the
 * notices are queued under the job claim `publish:<case>`, so they go out once. A plan left
 * `publishing` by a crash is taken over after {@link STALE_PUBLISHING_MS}.
 */
import { createHash } from 'node:crypto';
import { buildCsafAdvisory, fromCveRecord, reviseAdvisory, validateCsaf } from '../advisories/index.ts';
import type { CsafDocument, CsafIssue, RemediationInput } from '../advisories/index.ts';
import { CnaError, CnaRelay, CnaService, SYSTEM_ACTOR } from '../cna/index.ts';
import type { Actor as CnaActor } from '../cna/index.ts';
import { normalizeCveId, validateRecord } from '../cve/index.ts';
import type { CveRecordJson, ValidationIssue } from '../cve/index.ts';
import { scoreCvss } from '../cvss/index.ts';
import type { DisclosureDocumentKind, DisclosureDocumentRow, DisclosureOutboxInput } from '../store/index.ts';
import { DisclosureError, embargoInForce, formatZoned } from './domain/index.ts';
import type { Case, Vulnerability } from './domain/index.ts';
import { DisclosureServiceError } from './errors.ts';
import { newId } from './crypto.ts';
import type { DisclosureService, Principal } from './service.ts';

/** A plan left `publishing` this long (a crashed process) may be taken over. */
export const STALE_PUBLISHING_MS = 10 * 60_000;
const PLACEHOLDER_ORG = '00000000-0000-4000-8000-000000000000';
const MAIN = 'main';

type Json = Record<string, unknown>;

/** One affected version as in CVE JSON 5 (`versions[]`). */
export interface DraftVersion {
  readonly version: string;
  readonly status: 'affected' | 'unaffected' | 'unknown';
  readonly lessThan?: string;
  readonly lessThanOrEqual?: string;
  readonly versionType?: string;
}

/** What the team adds to or overrides in the case data when drafting a CVE record. */
export interface CveDraftInput {
  readonly title?: string;
  readonly description?: string;
  /** Default: the vendors marked affected or fixed for the vulnerability, else every vendor on the case. */
  readonly vendor?: string;
  /** Default: the first report's product. */
  readonly product?: string;
  /** Default: the first report's version, affected. */
  readonly versions?: readonly DraftVersion[];
  /** e.g. `{ id: 'CWE-121' }`; the name is looked up in the CWE catalog when left out. */
  readonly cwe?: { readonly id: string; readonly name?: string };
  /** CVSS vectors (2.0, 3.0, 3.1, 4.0); scores are computed. */
  readonly cvss?: readonly string[];
  readonly references?: readonly { readonly url: string; readonly name?: string }[];
  /** Fixes and workarounds for the advisory. */
  readonly remediations?: readonly RemediationInput[];
}

/** A CVE record draft as kept with the case. */
export interface CveDraft {
  readonly vulnerabilityId: string;
  readonly cveId: string;
  readonly input: CveDraftInput;
  /** The CNA container (without `providerMetadata`, which the CNA service adds). */
  readonly container: Json;
  readonly updatedAt: string;
  readonly publishedAt?: string;
}

/** The advisory as kept with the case: the CSAF document (status `draft` until publication). */
export interface AdvisoryDraft {
  readonly csaf: CsafDocument;
  readonly updatedAt: string;
  readonly publishedAt?: string;
}

/** The publication plan of a case. */
export interface PublicationPlan {
  readonly state: 'scheduled' | 'publishing' | 'published';
  readonly scheduledAt?: string;
  /** Who took it to `publishing`, and when. */
  readonly owner?: string;
  readonly startedAt?: string;
  readonly publishedAt?: string;
  readonly forced?: boolean;
  readonly cveIds?: readonly string[];
  readonly advisoryId?: string;
}

/** A validation result in words (CVE JSON 5 schema issues and our hints, or CSAF issues). */
export interface DraftCheck {
  readonly ok: boolean;
  readonly issues: readonly { readonly path: string; readonly message: string }[];
}

export interface CasePublisherOptions {
  readonly service: DisclosureService;
  /** The CNA service of this cvekit; without it (or without `config.cnaOrg`) reservation is refused. */
  readonly cna?: CnaService;
  /**
   * The upstream relay over `cna` (with the server key that unseals upstream keys). When the
   * CNA org has an upstream configured, reservations go through it; default: a relay
   * without a key, which reserves locally when no upstream is set and refuses otherwise.
   */
  readonly relay?: CnaRelay;
}

/**
 * A reservation in progress, kept as a case document (`publication`, key
 * `reservation:<vulnerability>`) before the CNA is asked: once the CNA answered, the ID is
 * written here first, so if recording it on the case then fails (a concurrent edit, a
 * crash) the next attempt records this ID instead of reserving another one.
 */
interface ReservationIntent {
  readonly vulnerabilityId: string;
  readonly state: 'reserving' | 'reserved' | 'recorded' | 'released';
  readonly cveId?: string;
  readonly via?: string;
  readonly startedAt: string;
  readonly reservedAt?: string;
}

/** What one publication did. */
export interface PublicationResult {
  readonly caseId: string;
  readonly cveIds: readonly string[];
  readonly advisoryId?: string;
  readonly publishedAt: string;
}

export class CasePublisher {
  readonly #s: DisclosureService;
  readonly #cna: CnaService | undefined;
  readonly #relay: CnaRelay | undefined;

  constructor(o: CasePublisherOptions) {
    this.#s = o.service;
    this.#cna = o.cna;
    this.#relay = o.relay ?? (o.cna ? new CnaRelay(o.cna) : undefined);
  }

  get #d() {
    return this.#s.store.disclosure;
  }

  #seal(v: unknown): string {
    return this.#s.config.codec.seal(JSON.stringify(v));
  }
  #open<T>(text: string): T {
    return JSON.parse(this.#s.config.codec.open(text)) as T;
  }

  async #team(p: Principal, caseId: string): Promise<Case> {
    // Access first: a stranger learns "no such case", never "only the team".
    const a = await this.#s.access(p, caseId);
    if (p.kind !== 'team') throw new DisclosureServiceError('FORBIDDEN', 'only the team may do this');
    return a.c;
  }

  async #audit(p: Principal, caseId: string, action: string, detail?: string): Promise<void> {
    const actor = p.kind === 'team' ? `team:${p.name}` : 'system';
    await this.#d.appendAudit([{ at: this.#s.now(), actor, action, caseId, ...(detail === undefined ? {} : { detail }) }]);
  }

  /** The CNA org and an actor in its name; `CNA_NOT_CONFIGURED` in words otherwise. */
  async #cnaActor(): Promise<{ actor: CnaActor; cna: CnaService }> {
    const short = this.#s.config.cnaOrg;
    if (short === undefined || this.#cna === undefined) throw new DisclosureServiceError('CNA_NOT_CONFIGURED');
    const org = await this.#s.store.cna.getOrg(short);
    if (!org) throw new DisclosureServiceError('CNA_NOT_CONFIGURED', `CVEKIT_CNA_ORG is "${short.slice(0, 40)}", but this cvekit has no CNA organisation of that short name; create it (cvekit cna org create --short-name … --role CNA) or fix the setting`);
    if (!org.roles.includes('CNA') && !org.roles.includes('SECRETARIAT')) throw new DisclosureServiceError('CNA_NOT_CONFIGURED', `the organisation "${short.slice(0, 40)}" (CVEKIT_CNA_ORG) has no CNA role`);
    // Acts as the org itself; the CNA audit log shows the org with the user `cvekit-disclosure`.
    const actor: CnaActor = { org, user: { ...SYSTEM_ACTOR.user, orgUuid: org.uuid, username: 'cvekit-disclosure' } };
    return { actor, cna: this.#cna };
  }

  // --- reservation --------------------------------------------------------------------------

  /**
   * Reserves one CVE ID for a vulnerability of the case through the CNA service (or, when
   * the CNA org has an upstream, through the relay: the upstream hands out the ID) and
   * records it on the case (`cve-reserved`). Team only. The ID is RESERVED: nothing is public.
   *
   * Retry-safe: the intent is saved with the case before the CNA is asked and the ID right
   * after it answers, so a failure to record it on the case (a concurrent edit, a crash)
   * never orphans it: calling again records the same ID and reserves nothing new.
   */
  async reserveCve(p: Principal, caseId: string, vulnerabilityId: string, hooks: { readonly beforeRecord?: (cveId: string) => Promise<void> } = {}): Promise<{ readonly cveId: string; readonly case: object; readonly reused?: boolean }> {
    const c = await this.#team(p, caseId);
    const vuln = c.vulnerabilities.find((v) => v.id === vulnerabilityId);
    if (!vuln) throw new DisclosureServiceError('INVALID_REQUEST', `no vulnerability "${String(vulnerabilityId).slice(0, 60)}" on this case`);
    if (vuln.cveId !== undefined) throw new DisclosureServiceError('INVALID_REQUEST', `vulnerability "${vuln.id}" already has ${vuln.cveId}`);
    const key = `reservation:${vuln.id}`;
    let row = await this.#d.getDocument(caseId, 'publication', key);
    let intent = row && this.#open<ReservationIntent>(row.body);
    let reused = true;
    if (intent?.cveId === undefined || intent.state === 'released') {
      reused = false;
      const { actor } = await this.#cnaActor();
      const relay = this.#relay!;
      // The intent first: two concurrent reservations for one vulnerability cannot both pass.
      const startedAt = this.#s.now();
      if (!row || !intent || intent.state !== 'reserving' || Date.parse(startedAt) - Date.parse(intent.startedAt) > STALE_PUBLISHING_MS) {
        row = await this.#put(caseId, 'publication', key, { vulnerabilityId: vuln.id, state: 'reserving', startedAt } satisfies ReservationIntent, row);
      } else {
        throw new DisclosureServiceError('CASE_CONFLICT', `a CVE ID for vulnerability "${vuln.id}" is being reserved right now; reload in a moment`);
      }
      let ids: readonly string[];
      let via = `CNA ${actor.org.shortName}`;
      try {
        const upstream = await relay.upstreamOf(actor.org.uuid);
        if (upstream) via = `CNA ${actor.org.shortName} through its upstream ${upstream.url}`;
        // Never queued: the case needs the ID now (UPSTREAM_UNAVAILABLE when the upstream is down).
        const r = await relay.reserveNow(actor, { amount: 1, year: new Date(this.#s.now()).getUTCFullYear(), shortName: actor.org.shortName });
        ids = r.ids.map((x) => String(x.cve_id));
        if (ids.length === 0) throw new DisclosureServiceError('CNA_REFUSED', 'the CNA service answered without a CVE ID');
      } catch (err) {
        // Nothing was reserved: drop the intent so the next attempt starts afresh.
        await this.#d.putDocument({ ...row, revision: row.revision + 1, updatedAt: this.#s.now(), body: this.#seal({ vulnerabilityId: vuln.id, state: 'reserving', startedAt: new Date(0).toISOString() } satisfies ReservationIntent) }, row.revision);
        throw err instanceof DisclosureServiceError ? err : cnaRefused(err);
      }
      const cveId = String(ids[0]);
      intent = { vulnerabilityId: vuln.id, state: 'reserved', cveId, via, startedAt, reservedAt: this.#s.now() };
      row = await this.#put(caseId, 'publication', key, intent, row);
    }
    const cveId = intent.cveId!;
    await hooks.beforeRecord?.(cveId);
    let view: object;
    try {
      view = await this.#s.command(p, caseId, { type: 'reserve-cve', vulnerabilityId: vuln.id, cveId });
    } catch (err) {
      // Someone recorded another ID for the vulnerability meanwhile: ours would stay RESERVED
      // for nothing, so it is released (REJECTED, as CVE Services does with unused IDs).
      if (err instanceof DisclosureError && (err.code === 'ILLEGAL_TRANSITION' || err.code === 'DUPLICATE_ID')) {
        const { actor } = await this.#cnaActor();
        await this.#relay!.changeState(actor, cveId, 'REJECTED').catch(() => undefined);
        await this.#put(caseId, 'publication', key, { ...intent, state: 'released' } satisfies ReservationIntent, row).catch(() => undefined);
        await this.#audit(p, caseId, 'case.cve-release', `${cveId} for ${vuln.id}: ${err.message}`);
        throw new DisclosureServiceError('CASE_CONFLICT', `${err.message}; ${cveId}, reserved for it meanwhile, was released (REJECTED)`);
      }
      throw err;
    }
    await this.#put(caseId, 'publication', key, { ...intent, state: 'recorded' } satisfies ReservationIntent, row).catch(() => undefined);
    await this.#audit(p, caseId, 'case.cve-reserve', `${cveId} for ${vuln.id} through ${intent.via ?? 'the CNA'}${reused ? ' (reserved by an earlier attempt)' : ''}`);
    return { cveId, case: view, ...(reused ? { reused } : {}) };
  }

  /** Checks a CVE record draft without saving it (the draft form's live check). Team only. */
  async checkCveDraft(p: Principal, caseId: string, vulnerabilityId: string, input: CveDraftInput = {}): Promise<{ readonly record: CveRecordJson; readonly check: DraftCheck }> {
    const c = await this.#team(p, caseId);
    checkDraftInput(input);
    const vuln = c.vulnerabilities.find((v) => v.id === vulnerabilityId);
    if (!vuln) throw new DisclosureServiceError('DRAFT_NOT_FOUND', `no vulnerability "${String(vulnerabilityId).slice(0, 60)}" on this case`);
    if (vuln.cveId === undefined) throw new DisclosureServiceError('INVALID_REQUEST', `reserve a CVE ID for vulnerability "${vuln.id}" first`);
    const draft: CveDraft = { vulnerabilityId: vuln.id, cveId: vuln.cveId, input, container: buildContainer(c, vuln, input), updatedAt: this.#s.now() };
    const record = await this.#preview(draft);
    await this.#audit(p, caseId, 'case.cve-check', vuln.cveId);
    return { record, check: checkRecord(record, draft) };
  }

  /** The stored CVE draft of one vulnerability, if any (team only; not audited: callers read the case too). */
  async cveDraft(p: Principal, caseId: string, vulnerabilityId: string): Promise<CveDraft | undefined> {
    await this.#team(p, caseId);
    const row = await this.#d.getDocument(caseId, 'cve-draft', String(vulnerabilityId).slice(0, 100));
    return row && this.#open<CveDraft>(row.body);
  }

  // --- CVE record drafts ----------------------------------------------------------------------

  /**
   * Drafts (or redrafts) the CVE record of a vulnerability with a reserved ID from the case
   * data and `input`; stores it with the case, valid or not, and returns the check in words.
   */
  async draftCveRecord(p: Principal, caseId: string, vulnerabilityId: string, input: CveDraftInput = {}): Promise<{ readonly draft: CveDraft; readonly record: CveRecordJson; readonly check: DraftCheck }> {
    const c = await this.#team(p, caseId);
    checkDraftInput(input);
    const vuln = c.vulnerabilities.find((v) => v.id === vulnerabilityId);
    if (!vuln) throw new DisclosureServiceError('DRAFT_NOT_FOUND', `no vulnerability "${String(vulnerabilityId).slice(0, 60)}" on this case`);
    if (vuln.cveId === undefined) throw new DisclosureServiceError('INVALID_REQUEST', `reserve a CVE ID for vulnerability "${vuln.id}" first`);
    const existing = await this.#d.getDocument(caseId, 'cve-draft', vuln.id);
    const previous = existing && this.#open<CveDraft>(existing.body);
    if (previous?.publishedAt) throw new DisclosureServiceError('INVALID_REQUEST', `${vuln.cveId} is published; change it through the CNA API`);
    const draft: CveDraft = { vulnerabilityId: vuln.id, cveId: vuln.cveId, input, container: buildContainer(c, vuln, input), updatedAt: this.#s.now() };
    await this.#put(caseId, 'cve-draft', vuln.id, draft, existing);
    await this.#audit(p, caseId, 'case.cve-draft', `${vuln.cveId}`);
    const record = await this.#preview(draft);
    return { draft, record, check: checkRecord(record, draft) };
  }

  /** The CVE drafts of a case with their checks (team only). */
  async listDrafts(p: Principal, caseId: string): Promise<{ readonly drafts: readonly (CveDraft & { readonly check: DraftCheck })[]; readonly advisory?: AdvisoryDraft & { readonly check: DraftCheck }; readonly plan?: PublicationPlan }> {
    await this.#team(p, caseId);
    await this.#audit(p, caseId, 'case.drafts-read');
    const drafts = await this.#drafts(caseId);
    const out = [];
    for (const d of drafts) out.push({ ...d, check: checkRecord(await this.#preview(d), d) });
    const adv = await this.#advisory(caseId);
    const plan = await this.#plan(caseId);
    return { drafts: out, ...(adv ? { advisory: { ...adv.doc, check: csafCheck(adv.doc.csaf) } } : {}), ...(plan ? { plan: plan.plan } : {}) };
  }

  async #drafts(caseId: string): Promise<CveDraft[]> {
    return (await this.#d.listDocuments(caseId, 'cve-draft')).map((r) => this.#open<CveDraft>(r.body));
  }

  async #advisory(caseId: string): Promise<{ doc: AdvisoryDraft; row: DisclosureDocumentRow } | undefined> {
    const row = await this.#d.getDocument(caseId, 'advisory', MAIN);
    return row && { doc: this.#open<AdvisoryDraft>(row.body), row };
  }

  async #plan(caseId: string): Promise<{ plan: PublicationPlan; row: DisclosureDocumentRow } | undefined> {
    const row = await this.#d.getDocument(caseId, 'publication', MAIN);
    return row && { plan: this.#open<PublicationPlan>(row.body), row };
  }

  async #put(caseId: string, kind: DisclosureDocumentKind, key: string, body: unknown, existing: DisclosureDocumentRow | undefined, side?: Parameters<DisclosureService['store']['disclosure']['putDocument']>[2]): Promise<DisclosureDocumentRow> {
    const row: DisclosureDocumentRow = { caseId, kind, key, revision: (existing?.revision ?? 0) + 1, updatedAt: this.#s.now(), body: this.#seal(body) };
    if (!(await this.#d.putDocument(row, existing?.revision ?? 0, side))) throw new DisclosureServiceError('CASE_CONFLICT', 'the draft changed since it was read; try again');
    return row;
  }

  /** The record as the CNA service will build it (state PUBLISHED), for checks and the advisory. */
  async #preview(d: CveDraft, datePublished?: string): Promise<CveRecordJson> {
    const short = this.#s.config.cnaOrg;
    const org = short === undefined ? undefined : await this.#s.store.cna.getOrg(short);
    const orgId = org?.uuid ?? PLACEHOLDER_ORG;
    return {
      dataType: 'CVE_RECORD', dataVersion: '5.1',
      cveMetadata: { cveId: d.cveId, assignerOrgId: orgId, ...(short ? { assignerShortName: short } : {}), state: 'PUBLISHED', ...(datePublished ? { datePublished } : {}) },
      containers: { cna: { ...d.container, providerMetadata: { orgId, ...(short ? { shortName: short } : {}) } } },
    } as unknown as CveRecordJson;
  }

  // --- the advisory ---------------------------------------------------------------------------

  /**
   * Drafts the vendor advisory from the case's CVE drafts (every vulnerability with a CVE
   * ID needs one), or revises it: a new draft version with a revision entry
   * (`reviseAdvisory`). Valid CSAF 2.0 or `DRAFT_INVALID` with the issues.
   */
  async draftAdvisory(p: Principal, caseId: string, input: { readonly title?: string; readonly summary?: string; readonly revision?: string } = {}): Promise<{ readonly advisory: AdvisoryDraft; readonly check: DraftCheck }> {
    const c = await this.#team(p, caseId);
    if (input.title !== undefined && (typeof input.title !== 'string' || input.title.length > 300)) throw new DisclosureServiceError('INVALID_REQUEST', 'title: up to 300 characters');
    if (input.summary !== undefined && (typeof input.summary !== 'string' || input.summary.length > 20_000)) throw new DisclosureServiceError('INVALID_REQUEST', 'summary: up to 20000 characters');
    const drafts = await this.#drafts(caseId);
    const missing = c.vulnerabilities.filter((v) => v.cveId !== undefined && !drafts.some((d) => d.vulnerabilityId === v.id));
    if (drafts.length === 0) throw new DisclosureServiceError('INVALID_REQUEST', 'draft a CVE record first: the advisory is built from the CVE drafts');
    if (missing.length > 0) throw new DisclosureServiceError('INVALID_REQUEST', `draft the CVE record of ${missing.map((v) => v.cveId).join(', ')} first: the advisory covers every CVE of the case`);
    const now = this.#s.now();
    const fresh = await this.#buildAdvisory(c, drafts, { ...input, date: now });
    const existing = await this.#advisory(caseId);
    if (existing?.doc.publishedAt) throw new DisclosureServiceError('INVALID_REQUEST', 'the advisory is published; publish a revision with POST …/advisory/revisions');
    let csaf = fresh;
    if (existing) {
      csaf = advisoryStep(() => reviseAdvisory(existing.doc.csaf, {
        date: now, summary: input.revision ?? 'Draft updated.',
        edit: (old) => ({ ...fresh, document: { ...fresh.document, tracking: old.document.tracking } }),
      }));
    }
    const doc: AdvisoryDraft = { csaf, updatedAt: now };
    await this.#put(caseId, 'advisory', MAIN, doc, existing?.row);
    await this.#audit(p, caseId, 'case.advisory-draft', csaf.document.tracking.version);
    return { advisory: doc, check: csafCheck(csaf) };
  }

  async #buildAdvisory(c: Case, drafts: readonly CveDraft[], o: { title?: string; summary?: string; date: string }): Promise<CsafDocument> {
    const records = await Promise.all(drafts.map((d) => this.#preview(d)));
    const remediations = Object.fromEntries(drafts.map((d) => [d.cveId, d.input.remediations ?? []]));
    const id = advisoryId(c.id, o.date);
    try {
      const input = fromCveRecord(records, {
        publisher: { name: this.#s.config.publisherName, namespace: this.#s.config.publicUrl },
        tracking: { id, status: 'draft', date: o.date, version: '0.1.0', ...(o.title ? { title: o.title } : {}) },
        ...(o.summary ? { summary: o.summary } : {}),
        remediations,
      });
      return buildCsafAdvisory({ ...input, tracking: { ...input.tracking, revisionHistory: [{ date: o.date, number: '0.1.0', summary: 'First draft.' }] } });
    } catch (err) {
      throw advisoryFailure(err);
    }
  }

  /**
   * A new public version of a published advisory (e.g. fixed versions added): the revision
   * is appended and the public page replaced.
   */
  async reviseAdvisory(p: Principal, caseId: string, change: { readonly summary: string; readonly remediations?: Readonly<Record<string, readonly RemediationInput[]>> }): Promise<AdvisoryDraft> {
    await this.#team(p, caseId);
    if (typeof change.summary !== 'string' || change.summary.trim() === '' || change.summary.length > 2000) throw new DisclosureServiceError('INVALID_REQUEST', 'a revision needs a summary of 1 to 2000 characters');
    const existing = await this.#advisory(caseId);
    if (!existing?.doc.publishedAt) throw new DisclosureServiceError('INVALID_REQUEST', 'the advisory is not published yet; change the draft instead');
    const now = this.#s.now();
    const csaf = advisoryStep(() => reviseAdvisory(existing.doc.csaf, { date: now, summary: change.summary.trim(), bump: 'minor' }));
    const doc: AdvisoryDraft = { ...existing.doc, csaf, updatedAt: now };
    await this.#put(caseId, 'advisory', MAIN, doc, existing.row);
    await this.#d.putPublicAdvisory(publicRow(caseId, csaf));
    await this.#audit(p, caseId, 'case.advisory-revise', csaf.document.tracking.version);
    return doc;
  }

  // --- publication ------------------------------------------------------------------------------

  /**
   * Schedules publication at the embargo's end: needs an embargo in force, and a valid
   * draft for every reserved CVE ID. The scheduler publishes when the end passes.
   */
  async schedulePublication(p: Principal, caseId: string): Promise<PublicationPlan & { readonly endsAt: string; readonly endsAtLocal: string }> {
    const c = await this.#team(p, caseId);
    if (!embargoInForce(c.embargo) || c.embargo.endsAt === undefined) throw new DisclosureServiceError('INVALID_REQUEST', 'no embargo is in force: agree an embargo first, or publish now');
    await this.#readyToPublish(c);
    const existing = await this.#plan(caseId);
    if (existing && existing.plan.state !== 'scheduled') throw new DisclosureServiceError('INVALID_REQUEST', `publication is already ${existing.plan.state}`);
    const plan: PublicationPlan = { state: 'scheduled', scheduledAt: this.#s.now() };
    if (!existing) await this.#put(caseId, 'publication', MAIN, plan, undefined);
    await this.#audit(p, caseId, 'case.publication-schedule', c.embargo.endsAt);
    return { ...(existing?.plan ?? plan), endsAt: c.embargo.endsAt, endsAtLocal: formatZoned(c.embargo.endsAt, this.#s.config.embargo.timeZone) };
  }

  /** Every reserved CVE has a valid draft, and the advisory (if any) is valid; `DRAFT_INVALID` in words otherwise. */
  async #readyToPublish(c: Case): Promise<{ drafts: CveDraft[] }> {
    const drafts = await this.#drafts(c.id);
    const problems: { path: string; message: string }[] = [];
    for (const v of c.vulnerabilities) {
      if (v.cveId === undefined) continue;
      const d = drafts.find((x) => x.vulnerabilityId === v.id);
      if (!d) {
        problems.push({ path: v.cveId, message: 'no CVE record drafted' });
        continue;
      }
      for (const i of checkRecord(await this.#preview(d), d).issues) problems.push({ path: `${v.cveId}${i.path}`, message: i.message });
    }
    if (drafts.length === 0) problems.push({ path: '', message: 'nothing to publish: reserve a CVE ID and draft its record first' });
    const adv = await this.#advisory(c.id);
    if (adv) for (const i of csafCheck(adv.doc.csaf).issues) problems.push({ path: `advisory${i.path}`, message: i.message });
    if (problems.length > 0) {
      throw new DisclosureServiceError('DRAFT_INVALID', `not ready to publish: ${problems.slice(0, 5).map((x) => `${x.path || 'case'}: ${x.message}`).join('; ')}`, { issues: problems.slice(0, 20) });
    }
    return { drafts };
  }

  /**
   * Publishes now: after the embargo ended early (P, X or A recorded, or agreed), or with
   * `force` while it is still active (the team's decision, recorded as an agreed early end).
   */
  async publishNow(p: Principal, caseId: string, opts: { readonly force?: boolean } = {}): Promise<PublicationResult> {
    let c = await this.#team(p, caseId);
    await this.#readyToPublish(c);
    if (embargoInForce(c.embargo)) {
      const endsAt = c.embargo.endsAt;
      if (endsAt === undefined || endsAt > this.#s.now()) {
        if (opts.force !== true) {
          throw new DisclosureServiceError('PUBLICATION_BLOCKED', `the embargo is active until ${endsAt ? formatZoned(endsAt, this.#s.config.embargo.timeZone) : 'its end'}; nothing is published before then unless the team forces early publication`);
        }
      }
      const reason = endsAt !== undefined && endsAt <= this.#s.now() ? 'expired' : 'agreed-early';
      await this.#s.command(p, caseId, { type: 'end-embargo', reason });
      c = (await this.#s.access(p, caseId)).c;
    }
    const r = await this.#publish(c, `team:${p.kind === 'team' ? p.name : 'team'}`, opts.force === true);
    if (!r) throw new DisclosureServiceError('INVALID_REQUEST', 'the case is already published or being published');
    return r;
  }

  /**
   * The scheduler's part: every open case whose publication is scheduled and whose embargo
   * end has passed is published, once.
   */
  async publishDue(now: string, owner: string): Promise<PublicationResult[]> {
    const out: PublicationResult[] = [];
    for (const c of await this.#s.openCases()) {
      const plan = await this.#plan(c.id);
      if (!plan) continue;
      const stale = plan.plan.state === 'publishing' && plan.plan.startedAt !== undefined && Date.parse(plan.plan.startedAt) + STALE_PUBLISHING_MS <= Date.parse(now);
      if (plan.plan.state !== 'scheduled' && !stale) continue;
      const endsAt = c.embargo.endsAt;
      const due = embargoInForce(c.embargo) ? endsAt !== undefined && endsAt <= now : stale;
      if (!due) continue;
      try {
        await this.#readyToPublish(c);
      } catch (err) {
        if (!(err instanceof DisclosureServiceError && err.code === 'DRAFT_INVALID')) throw err;
        // A draft was broken after scheduling: publish nothing, tell the team once per plan revision.
        const to = this.#s.config.teamEmail ? [this.#s.config.teamEmail] : [];
        await this.#d.enqueue(to.length === 0 ? [] : [{
          key: `publish-blocked:${c.id}:${plan.row.revision}`, channel: 'mail', createdAt: now,
          payload: JSON.stringify({ to, subject: `[cvekit] Publication of ${c.id} is blocked`, text: `The embargo of case ${c.id} has ended, but its drafts are not valid, so nothing was published.\n\nFix them (GET /api/v1/cases/${c.id}/drafts shows the problems), then publish with POST /api/v1/cases/${c.id}/publication {"action": "publish-now"}.` }),
        }], { key: `publish-blocked:${c.id}:${plan.row.revision}`, owner, at: now });
        continue;
      }
      let current = c;
      if (embargoInForce(c.embargo)) {
        try {
          current = await this.#s.systemCommand(c.id, { type: 'end-embargo', reason: 'expired' });
        } catch (err) {
          // Another process ended it first: read the case as it is now.
          if (!(err instanceof Error && 'code' in err && (err as { code: string }).code === 'ILLEGAL_TRANSITION')) throw err;
          current = (await this.#s.access({ kind: 'team', name: 'system' }, c.id)).c;
        }
      }
      const r = await this.#publish(current, owner, false);
      if (r) out.push(r);
    }
    return out;
  }

  /** Takes the plan to `publishing` (one winner), publishes, tells, marks it published. `undefined`: someone else has it. */
  async #publish(c: Case, owner: string, forced: boolean): Promise<PublicationResult | undefined> {
    const now = this.#s.now();
    const existing = await this.#plan(c.id);
    if (existing) {
      const stale = existing.plan.state === 'publishing' && existing.plan.startedAt !== undefined && Date.parse(existing.plan.startedAt) + STALE_PUBLISHING_MS <= Date.parse(now);
      if (existing.plan.state !== 'scheduled' && !stale) return undefined;
    }
    const claimed: PublicationPlan = { ...(existing?.plan ?? {}), state: 'publishing', owner, startedAt: now, forced };
    const claimRow: DisclosureDocumentRow = { caseId: c.id, kind: 'publication', key: MAIN, revision: (existing?.row.revision ?? 0) + 1, updatedAt: now, body: this.#seal(claimed) };
    if (!(await this.#d.putDocument(claimRow, existing?.row.revision ?? 0))) return undefined;

    const { actor } = await this.#cnaActor();
    const cveIds: string[] = [];
    for (const row of await this.#d.listDocuments(c.id, 'cve-draft')) {
      const d = this.#open<CveDraft>(row.body);
      cveIds.push(d.cveId);
      if (d.publishedAt) continue;
      const container = { ...d.container, datePublic: now };
      try {
        // Through the owner's upstream when it has one (never queued: a failure leaves the plan `publishing`, taken over later).
        await this.#relay!.submitCna(actor, d.cveId, { cnaContainer: container }, 'published', 'create', { queue: false });
      } catch (err) {
        // Published by an earlier, interrupted run: the record is there, which is the goal.
        if (!(err instanceof CnaError && err.code === 'CVE_RECORD_EXISTS')) throw cnaRefused(err);
      }
      await this.#d.putDocument({ ...row, revision: row.revision + 1, updatedAt: now, body: this.#seal({ ...d, publishedAt: now }) }, row.revision);
    }

    let advisoryIdText: string | undefined;
    const adv = await this.#advisory(c.id);
    if (adv) {
      let csaf = adv.doc.csaf;
      if (!adv.doc.publishedAt) {
        csaf = advisoryStep(() => reviseAdvisory(adv.doc.csaf, { date: now, summary: 'Initial public release.', status: 'final' }));
        await this.#d.putDocument({ ...adv.row, revision: adv.row.revision + 1, updatedAt: now, body: this.#seal({ csaf, updatedAt: now, publishedAt: now } satisfies AdvisoryDraft) }, adv.row.revision);
      }
      await this.#d.putPublicAdvisory(publicRow(c.id, csaf));
      advisoryIdText = csaf.document.tracking.id;
    }

    const done: PublicationPlan = { ...claimed, state: 'published', publishedAt: now, cveIds, ...(advisoryIdText ? { advisoryId: advisoryIdText } : {}) };
    const latest = await this.#d.getDocument(c.id, 'publication', MAIN);
    await this.#d.putDocument({ ...claimRow, revision: (latest?.revision ?? claimRow.revision) + 1, updatedAt: now, body: this.#seal(done) }, latest?.revision ?? claimRow.revision);
    const result: PublicationResult = { caseId: c.id, cveIds, ...(advisoryIdText ? { advisoryId: advisoryIdText } : {}), publishedAt: now };
    await this.#d.enqueue([...this.#notices(c, cveIds, advisoryIdText, now), ...(await this.#teamHooks(c, result))], { key: `publish:${c.id}`, owner, at: now });
    await this.#d.appendAudit([{ at: now, actor: owner.startsWith('team:') ? owner : 'system', action: 'case.publish', caseId: c.id, detail: `${cveIds.join(',')}${advisoryIdText ? ` advisory ${advisoryIdText}` : ''}${forced ? ' (forced early)' : ''}` }]);
    return result;
  }

  /** Mails to every participant with a contact (and the team), and the team's webhooks: public facts only. */
  #notices(c: Case, cveIds: readonly string[], advisory: string | undefined, now: string): DisclosureOutboxInput[] {
    const base = this.#s.config.publicUrl;
    const lines = [
      'The embargo on a vulnerability disclosure case you take part in is over, and the results are public:',
      '',
      ...cveIds.map((id) => `${id}: ${base}/cve/${id}`),
      ...(advisory ? [`Advisory ${advisory}: ${base}/advisories/${encodeURIComponent(advisory)}`] : []),
      '',
      'Thank you for your part in coordinating it.',
    ];
    const to = [...new Set([...c.participants.filter((x) => x.contact).map((x) => x.contact!), ...(this.#s.config.teamEmail ? [this.#s.config.teamEmail] : [])])];
    const mails: DisclosureOutboxInput[] = to.length === 0 ? [] : [{
      key: `publish-mail:${c.id}`, channel: 'mail', createdAt: now,
      payload: JSON.stringify({ to, subject: `[cvekit] Published: ${cveIds.join(', ')}`, text: lines.join('\n') }),
    }];
    return mails;
  }

  /** Webhook notices for the team's hooks (queued by the caller with the same claim). */
  async #teamHooks(c: Case, r: PublicationResult): Promise<DisclosureOutboxInput[]> {
    const hooks = await this.#d.listWebhooks({ vendorId: null });
    return hooks.map((h) => {
      const id = newId('dlv');
      return { key: id, channel: 'webhook' as const, createdAt: r.publishedAt, payload: JSON.stringify({ webhookId: h.id, event: 'case.published', body: JSON.stringify({ id, event: 'case.published', at: r.publishedAt, caseId: c.id, cveIds: r.cveIds, ...(r.advisoryId ? { advisoryId: r.advisoryId } : {}) }) }) };
    });
  }

  // --- public reads -----------------------------------------------------------------------------

  /** Published advisories, newest first (public). */
  async publicAdvisories(): Promise<{ readonly id: string; readonly title: string; readonly version: string; readonly cveIds: readonly string[]; readonly initialRelease: string; readonly currentRelease: string }[]> {
    return (await this.#d.listPublicAdvisories()).map(({ id, title, version, cveIds, initialRelease, currentRelease }) => ({ id, title, version, cveIds, initialRelease, currentRelease }));
  }

  /** One published advisory's CSAF document, or `ADVISORY_NOT_FOUND` (drafts never show). */
  async publicAdvisory(id: string): Promise<CsafDocument> {
    const row = typeof id === 'string' && id.length <= 200 ? await this.#d.getPublicAdvisory(id) : undefined;
    if (!row) throw new DisclosureServiceError('ADVISORY_NOT_FOUND');
    return JSON.parse(row.csaf) as CsafDocument;
  }
}

// --- pure helpers ---------------------------------------------------------------------------------

/** The advisory's public id: a year and a digest of the case id, so the URL says nothing about the case. */
export function advisoryId(caseId: string, date: string): string {
  return `CVEKIT-SA-${date.slice(0, 4)}-${createHash('sha256').update(caseId).digest('hex').slice(0, 8).toUpperCase()}`;
}

function publicRow(caseId: string, csaf: CsafDocument) {
  const t = csaf.document.tracking;
  const cveIds = [...new Set((csaf.vulnerabilities ?? []).map((v) => v.cve).filter((x): x is string => typeof x === 'string'))];
  return { id: t.id, caseId, version: t.version, title: csaf.document.title, cveIds, initialRelease: t.initial_release_date, currentRelease: t.current_release_date, csaf: JSON.stringify(csaf) };
}

function str(v: unknown, field: string, max: number): void {
  if (v !== undefined && (typeof v !== 'string' || v.length > max)) throw new DisclosureServiceError('INVALID_REQUEST', `${field} must be text of at most ${max} characters`);
}

/** Shape checks of the team's input, in words (the schema check comes after). */
function checkDraftInput(i: CveDraftInput): void {
  if (i === null || typeof i !== 'object') throw new DisclosureServiceError('INVALID_REQUEST', 'the draft must be an object');
  str(i.title, 'title', 300);
  str(i.description, 'description', 20_000);
  str(i.vendor, 'vendor', 200);
  str(i.product, 'product', 200);
  if (i.versions !== undefined && (!Array.isArray(i.versions) || i.versions.length > 100 || i.versions.some((v) => !v || typeof v.version !== 'string' || !['affected', 'unaffected', 'unknown'].includes(v.status)))) {
    throw new DisclosureServiceError('INVALID_REQUEST', 'versions: up to 100 entries, each with a version text and a status (affected, unaffected or unknown)');
  }
  if (i.cwe !== undefined && (!i.cwe || typeof i.cwe.id !== 'string' || !/^CWE-[1-9][0-9]*$/.test(i.cwe.id))) throw new DisclosureServiceError('INVALID_REQUEST', 'cwe.id must look like CWE-121');
  if (i.cvss !== undefined && (!Array.isArray(i.cvss) || i.cvss.length > 4 || i.cvss.some((v) => typeof v !== 'string'))) throw new DisclosureServiceError('INVALID_REQUEST', 'cvss: up to 4 vector strings');
  for (const v of i.cvss ?? []) {
    const s = scoreCvss(v);
    if (!s.ok) throw new DisclosureServiceError('INVALID_REQUEST', `cvss "${v.slice(0, 80)}": ${s.reason}`);
  }
  if (i.references !== undefined && (!Array.isArray(i.references) || i.references.length > 100 || i.references.some((r) => !r || typeof r.url !== 'string'))) throw new DisclosureServiceError('INVALID_REQUEST', 'references: up to 100 entries, each with a url');
  if (i.remediations !== undefined && (!Array.isArray(i.remediations) || i.remediations.some((r) => !r || typeof r.details !== 'string'))) throw new DisclosureServiceError('INVALID_REQUEST', 'remediations: each needs details');
}

/** The CNA container from the case and the team's input. */
export function buildContainer(c: Case, v: Vulnerability, input: CveDraftInput): Json {
  const report = c.reports[0];
  const vendors = c.participants.filter((x) => x.kind === 'vendor' || x.roles.includes('vendor'));
  const involved = vendors.filter((x) => ['affected', 'fixed'].includes(v.vendors[x.id]?.status ?? ''));
  const vendorNames = input.vendor !== undefined ? [input.vendor] : (involved.length > 0 ? involved : vendors).map((x) => x.name);
  const product = input.product ?? report?.product;
  const versions = input.versions ?? (report?.version ? [{ version: report.version, status: 'affected' as const }] : []);
  const affected = vendorNames.map((vendor) => ({ vendor, ...(product ? { product } : {}), ...(versions.length > 0 ? { versions } : { defaultStatus: 'affected' }) }));
  const description = input.description ?? v.description ?? report?.description ?? '';
  const metrics = (input.cvss ?? []).flatMap((vector) => {
    const s = scoreCvss(vector);
    if (!s.ok) return [];
    const key = ({ '2.0': 'cvssV2_0', '3.0': 'cvssV3_0', '3.1': 'cvssV3_1', '4.0': 'cvssV4_0' } as const)[s.version];
    return [{ [key]: { version: s.version, vectorString: vector, baseScore: s.baseScore, ...(s.version === '2.0' ? {} : { baseSeverity: s.baseSeverity }) } }];
  });
  // Credit as the finder asked (issue 6 §1): by name, anonymously, or not at all.
  const credits = c.reports.flatMap((r) => {
    if (r.finder.credit === 'none') return [];
    const value = r.finder.credit === 'named' ? (r.finder.creditName ?? r.finder.name ?? '').trim() : 'an anonymous researcher';
    return value === '' ? [] : [{ lang: 'en', value, type: 'finder' }];
  });
  const uniqueCredits = credits.filter((x, i) => credits.findIndex((y) => y.value === x.value) === i);
  return {
    ...(input.title ?? v.title ? { title: input.title ?? v.title } : {}),
    descriptions: [{ lang: 'en', value: description }],
    affected,
    ...(input.cwe ? { problemTypes: [{ descriptions: [{ lang: 'en', type: 'CWE', cweId: input.cwe.id, description: input.cwe.name ? `${input.cwe.id} ${input.cwe.name}` : input.cwe.id }] }] } : {}),
    ...(metrics.length > 0 ? { metrics } : {}),
    references: (input.references ?? []).map((r) => ({ url: r.url, ...(r.name ? { name: r.name } : {}) })),
    ...(uniqueCredits.length > 0 ? { credits: uniqueCredits } : {}),
  };
}

/** The record checked against CVE JSON 5 (`validateRecord`), with hints in words first. */
export function checkRecord(record: CveRecordJson, d: CveDraft): DraftCheck {
  const hints: { path: string; message: string }[] = [];
  const cna = record.containers.cna as unknown as Json;
  if (!String((cna.descriptions as { value?: string }[] | undefined)?.[0]?.value ?? '').trim()) hints.push({ path: '/containers/cna/descriptions/0/value', message: 'the description is empty: describe the vulnerability' });
  if (((cna.references as unknown[] | undefined) ?? []).length === 0) hints.push({ path: '/containers/cna/references', message: 'no reference: add at least one URL (the vendor advisory, a fix)' });
  if (((cna.affected as unknown[] | undefined) ?? []).length === 0) hints.push({ path: '/containers/cna/affected', message: 'no affected product: add a vendor to the case or give the vendor and product' });
  if (normalizeCveId(d.cveId) === undefined) hints.push({ path: '/cveMetadata/cveId', message: `"${d.cveId}" is not a CVE ID` });
  const r = validateRecord(record);
  const seen = new Set(hints.map((h) => h.path));
  const issues = [...hints, ...r.issues.filter((i: ValidationIssue) => !seen.has(i.path)).map((i) => ({ path: i.path, message: i.message }))];
  return { ok: issues.length === 0, issues };
}

function csafCheck(doc: CsafDocument): DraftCheck {
  const r = validateCsaf(doc);
  return { ok: r.ok, issues: r.errors.map((e: CsafIssue) => ({ path: e.path, message: e.test ? `${e.message} (CSAF test ${e.test})` : e.message })) };
}

function advisoryStep(fn: () => CsafDocument): CsafDocument {
  try {
    return fn();
  } catch (err) {
    throw advisoryFailure(err);
  }
}

function advisoryFailure(err: unknown): Error {
  const e = err as { name?: string; code?: string; message?: string; issues?: unknown; details?: unknown };
  if (e?.name === 'AdvisoryError') {
    return new DisclosureServiceError('DRAFT_INVALID', `the advisory cannot be built: ${e.message ?? ''}`, e.issues ? { issues: e.issues } : {});
  }
  return err as Error;
}

function cnaRefused(err: unknown): Error {
  if (err instanceof CnaError) return new DisclosureServiceError('CNA_REFUSED', `the CNA service refused: ${err.message}`, { cnaError: err.code });
  return err as Error;
}
