/**
 * @module Coordinated disclosure over HTTP: the public report form (server-rendered,
 * works without JavaScript), `POST /api/v1/reports`, the capability page
 * `/report/{token}` for finders and participants, and the authenticated case API
 * (`/api/v1/reports…`, `/api/v1/cases…`, `/api/v1/vendors`, `/api/v1/webhooks`), with the
 * case-to-CVE routes (`…/cves`, `…/cves/{vulnerability}/draft`, `…/drafts`, `…/advisory`,
 * `…/publication`) through `CasePublisher`, whose publications the scheduler also runs.
 *
 * Who is asking is decided by one pluggable function (`authenticate`, default: a Bearer
 * team token from `CVEKIT_TEAM_TOKEN` or a participant's capability token); what they
 * may see is decided by the service. Errors map to statuses by one table; a case that
 * exists but is not the caller's answers exactly like one that does not exist.
 */
import { randomBytes } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/index.ts';
import { CnaRelay, CnaService, parseSecretKey } from '../cna/index.ts';
import { CasePublisher, DisclosureError, DisclosureScheduler, DisclosureService, DisclosureServiceError, disclosureConfigFromEnv, formatZoned, smtpSender, ANONYMOUS } from '../disclosure/index.ts';
import type { AttachmentInput, CaseCommand, CveDraftInput, DisclosureConfig, MessageView, Principal, ReportSubmission } from '../disclosure/index.ts';
import { html, page, raw } from '../web/index.ts';
import type { SafeHtml } from '../web/index.ts';
import { contentFrame, statusSource } from './context.ts';
import { errorBody } from './errors.ts';
import type { RepositoryStatus } from '../ingest/index.ts';

/** Resolves the caller of a request; swap it for org users later. */
export type Authenticate = (req: FastifyRequest, service: DisclosureService) => Promise<Principal>;

export interface DisclosureApiOptions {
  readonly store: Store;
  readonly now?: () => Date;
  /** Default: read from the environment (`disclosureConfigFromEnv`). */
  readonly config?: DisclosureConfig;
  /** Default: a service over `store` with `config`. */
  readonly service?: DisclosureService;
  readonly authenticate?: Authenticate;
  /** Run the reminder scheduler in this process (default true; stopped when the app closes). */
  readonly scheduler?: boolean;
  /** Reserves and publishes the cases' CVE IDs; default a `CnaService` over `store` with the same clock. */
  readonly cna?: CnaService;
  /** Default: a `CasePublisher` over the service and `cna`. */
  readonly publisher?: CasePublisher;
  /** The repository status for the pages' content date; default a cache over `store` (the app shares its own). */
  readonly status?: () => Promise<RepositoryStatus>;
}

/** A Bearer token: the team's or a capability. */
export const bearerAuthenticate: Authenticate = async (req, service) => {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !h.startsWith('Bearer ')) return ANONYMOUS;
  return service.authenticate(h.slice('Bearer '.length).trim());
};

/** Every service and domain error code and its status. */
const STATUS: Readonly<Record<string, number>> = {
  UNAUTHENTICATED: 401, CASE_NOT_FOUND: 404, REPORT_NOT_FOUND: 404, FILE_NOT_FOUND: 404, LINK_NOT_VALID: 404,
  FORBIDDEN: 403, NOT_PERMITTED: 403, CASE_CONFLICT: 409, INVALID_REPORT: 400, ATTACHMENT_REFUSED: 400, CHALLENGE_FAILED: 400,
  RATE_LIMITED: 429, INVALID_REQUEST: 400, INVALID_CONFIG: 500, KEY_UNAVAILABLE: 500,
  ILLEGAL_TRANSITION: 409, CASE_STATE_ORDER: 409, FLAG_ALREADY_SET: 409, EMBARGO_NOT_ALLOWED: 409, EMBARGO_OUT_OF_BOUNDS: 400, SHORTEST_WINS: 409,
  PROPOSAL_NOT_FOUND: 404, PARTICIPANT_NOT_FOUND: 404, VULNERABILITY_NOT_FOUND: 404, DUPLICATE_ID: 409, ESCALATION_STATE: 409,
  TIME_WENT_BACKWARDS: 409, INVALID_INSTANT: 400, INVALID_TIME_ZONE: 400, INVALID_POLICY: 400, INVALID_ARGUMENT: 400,
  CNA_NOT_CONFIGURED: 409, CNA_REFUSED: 409, DRAFT_NOT_FOUND: 404, DRAFT_INVALID: 400, PUBLICATION_BLOCKED: 409, ADVISORY_NOT_FOUND: 404,
};

const REPORT_BODY_LIMIT = 16 * 1024 * 1024;
const PAGE_CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const DOWNLOAD_CSP = "default-src 'none'; sandbox";

/** The form's script: finds the proof-of-work counter, then submits. Without it the question is answered instead. */
const POW_SCRIPT = `'use strict';
document.addEventListener('DOMContentLoaded', function () {
  var form = document.querySelector('form[data-pow]');
  if (!form || !window.crypto || !crypto.subtle) return;
  var nonce = form.querySelector('input[name=nonce]').value, bits = Number(form.getAttribute('data-pow'));
  var status = form.querySelector('[data-pow-status]');
  var q = form.querySelector('[data-question]');
  if (q) q.hidden = true;
  function zeros(buf) { var b = new Uint8Array(buf), n = 0; for (var i = 0; i < b.length; i++) { if (b[i] === 0) { n += 8; continue; } return n + Math.clz32(b[i]) - 24; } return n; }
  var enc = new TextEncoder(), done = false;
  form.addEventListener('submit', async function (ev) {
    if (done) return;
    ev.preventDefault();
    if (status) status.textContent = 'Checking you are not a robot…';
    for (var i = 0; ; i++) {
      var c = i.toString(36);
      if (zeros(await crypto.subtle.digest('SHA-256', enc.encode(nonce + c))) >= bits) { form.querySelector('input[name=counter]').value = c; break; }
    }
    done = true;
    form.submit();
  });
});
`;

export async function disclosureApi(app: FastifyInstance, opts: DisclosureApiOptions): Promise<void> {
  const config = opts.config ?? opts.service?.config ?? disclosureConfigFromEnv();
  const service = opts.service ?? new DisclosureService({ store: opts.store, config, ...(opts.now ? { now: opts.now } : {}) });
  const authenticate = opts.authenticate ?? bearerAuthenticate;
  const who = (req: FastifyRequest) => authenticate(req, service);
  const cna = opts.cna ?? new CnaService(opts.store, opts.now ? { now: opts.now } : {});
  const repositoryStatusNow = opts.status ?? statusSource(opts.store, opts.now);
  // Reservations go through the CNA org's upstream when it has one (the relay needs the server key to unseal it).
  const relay = new CnaRelay(cna, { secretKey: parseSecretKey(process.env.CVEKIT_SECRET_KEY), ...(opts.now ? { now: opts.now } : {}) });
  const publisher = opts.publisher ?? new CasePublisher({ service, cna, relay });

  if (opts.scheduler ?? true) {
    const smtp = config.smtpUrl ? smtpSender(config.smtpUrl) : undefined;
    const scheduler = new DisclosureScheduler({ service, publisher, ...(smtp ? { sendMail: smtp.send } : {}), onError: (err) => app.log.error({ err }, 'disclosure scheduler') });
    scheduler.start();
    app.addHook('onClose', async () => {
      await scheduler.stop();
      smtp?.close();
    });
  }

  if (!app.hasContentTypeParser('multipart/form-data')) {
    await app.register(multipart, { limits: { fileSize: config.attachments.maxFileBytes, files: config.attachments.maxFiles, fields: 30, fieldSize: 64 * 1024, parts: 40 } });
  }
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  }

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setErrorHandler(async (err, req, reply) => {
    const { status, body } = toError(err);
    if (status >= 500) req.log.error({ err }, 'disclosure request failed');
    if (req.url.startsWith('/api/')) return reply.code(status).type('application/json; charset=utf-8').send(body);
    return sendPage(reply, status === 404 ? 'Not found' : 'Error', html`<h1>${status === 404 ? 'Not found' : 'Error'}</h1><p>${body.message}</p>`, status);
  });

  // --- public form ------------------------------------------------------------------------

  app.get('/assets/disclosure-pow.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(POW_SCRIPT));

  app.get('/report', async (_req, reply) => sendPage(reply, 'Report a vulnerability', formBody(service.challenge(), {}, [])));

  app.post('/report', { bodyLimit: REPORT_BODY_LIMIT }, async (req, reply) => {
    let fields: Record<string, string> = {};
    try {
      const read = await readSubmission(req);
      fields = read.fields;
      const r = await service.submitReport(read.submission, read.challenge, { ip: req.ip });
      return reply.redirect(`/report/${r.token}?new=1`, 303);
    } catch (err) {
      const { status, body } = toError(err);
      if (status >= 500) throw err;
      return sendPage(reply, 'Report a vulnerability', formBody(service.challenge(), fields, [body.message]), status);
    }
  });

  app.get('/api/v1/reports/challenge', async () => service.challenge());

  app.post('/api/v1/reports', { bodyLimit: REPORT_BODY_LIMIT }, async (req, reply) => {
    const read = await readSubmission(req);
    const r = await service.submitReport(read.submission, read.challenge, { ip: req.ip });
    return reply.code(201).send({ reportId: r.reportId, token: r.token, url: r.url, expiresAt: r.expiresAt });
  });

  // --- capability page --------------------------------------------------------------------------

  app.get<{ Params: { token: string }; Querystring: { new?: string } }>('/report/:token', async (req, reply) => {
    const v = await service.capabilityView(req.params.token);
    return sendPage(reply, 'Your case', capabilityBody(req.params.token, v, req.query.new === '1', config), 200, true);
  });

  app.post<{ Params: { token: string }; Body: Record<string, string> }>('/report/:token/messages', async (req, reply) => {
    const p = await service.capability(req.params.token).catch(() => undefined);
    if (!p) return sendPage(reply, 'Not found', linkNotValidBody(), 404);
    const text = typeof req.body?.text === 'string' ? req.body.text : '';
    const parentId = typeof req.body?.parentId === 'string' ? req.body.parentId : undefined;
    const caseId = p.kind === 'participant' ? p.caseId : (await service.store.disclosure.getReport(p.reportId))?.caseId;
    await service.postMessage(p, caseId ? { caseId } : { reportId: p.kind === 'finder' ? p.reportId : '' }, { text, ...(parentId ? { parentId } : {}) });
    return reply.redirect(`/report/${req.params.token}#messages`, 303);
  });

  // A coordinator of last resort answers the offer of a case (see `offerEscalation`).
  app.post<{ Params: { token: string }; Body: Record<string, string> }>('/report/:token/escalation', async (req, reply) => {
    const p = await service.capability(req.params.token).catch(() => undefined);
    if (!p || p.kind !== 'participant') return sendPage(reply, 'Not found', linkNotValidBody(), 404);
    const answer = typeof req.body?.answer === 'string' ? req.body.answer : '';
    if (answer !== 'accept' && answer !== 'decline') {
      return sendPage(reply, 'Error', html`<h1>Error</h1><p>Answer the offer with <em>Accept</em> or <em>Decline</em>.</p><p><a href="/report/${req.params.token}">Back to the offer</a></p>`, 400);
    }
    await service.command(p, p.caseId, { type: 'answer-escalation', accepted: answer === 'accept' });
    if (answer === 'accept') return reply.redirect(`/report/${req.params.token}`, 303);
    return sendPage(reply, 'Offer declined', html`<h1>Offer declined</h1><p>You declined to coordinate case ${p.caseId}. The team is told; this link no longer opens the case.</p>`);
  });

  app.get<{ Params: { token: string; fileId: string } }>('/report/:token/files/:fileId', async (req, reply) => {
    const p = await service.capability(req.params.token).catch(() => undefined);
    if (!p) return sendPage(reply, 'Not found', linkNotValidBody(), 404);
    return sendFile(reply, await service.getFile(p, req.params.fileId));
  });

  // --- team and participant API ---------------------------------------------------------------------

  type IdParams = { Params: { id: string } };

  app.get<{ Querystring: { untriaged?: string } }>('/api/v1/reports', async (req) => ({ reports: await service.listReports(await who(req), { untriaged: req.query.untriaged === 'true' }) }));
  app.get<IdParams>('/api/v1/reports/:id', async (req) => service.getReport(await who(req), req.params.id));
  app.post<IdParams & { Body: { caseId?: string; title?: string } }>('/api/v1/reports/:id/triage', async (req, reply) => {
    const b = objectBody(req.body);
    return reply.code(201).send(await service.triageReport(await who(req), req.params.id, { ...(typeof b.caseId === 'string' ? { caseId: b.caseId } : {}), ...(typeof b.title === 'string' ? { title: b.title } : {}) }));
  });
  app.post<IdParams>('/api/v1/reports/:id/messages', async (req, reply) => {
    const b = objectBody(req.body);
    return reply.code(201).send(await service.postMessage(await who(req), { reportId: req.params.id }, { text: String(b.text ?? ''), ...(b.visibility ? { visibility: b.visibility as 'participants' } : {}) }));
  });

  app.get<{ Querystring: { open?: string } }>('/api/v1/cases', async (req) => ({ cases: await service.listCases(await who(req), req.query.open === undefined ? {} : { open: req.query.open === 'true' }) }));
  app.post('/api/v1/cases', async (req, reply) => reply.code(201).send(await service.createCase(await who(req), String(objectBody(req.body).title ?? ''))));
  app.get<IdParams>('/api/v1/cases/:id', async (req) => service.getCase(await who(req), req.params.id));
  app.get<IdParams>('/api/v1/cases/:id/timeline', async (req) => ({ timeline: await service.timeline(await who(req), req.params.id) }));
  app.get<IdParams>('/api/v1/cases/:id/audit', async (req) => ({ audit: await service.auditLog(await who(req), req.params.id) }));

  /** Any domain command the caller's role allows, optionally at a known revision. */
  app.post<IdParams>('/api/v1/cases/:id/commands', async (req) => {
    const b = objectBody(req.body);
    const rev = b.expectedRevision;
    if (rev !== undefined && !Number.isSafeInteger(rev)) throw new DisclosureServiceError('INVALID_REQUEST', 'expectedRevision must be a whole number');
    return service.command(await who(req), req.params.id, b.command as CaseCommand, rev as number | undefined);
  });

  app.post<IdParams>('/api/v1/cases/:id/participants', async (req, reply) => {
    const b = objectBody(req.body);
    const r = await service.addParticipant(await who(req), req.params.id, {
      kind: b.kind as 'vendor', ...(typeof b.name === 'string' ? { name: b.name } : {}), ...(typeof b.contact === 'string' ? { contact: b.contact } : {}),
      ...(Array.isArray(b.roles) ? { roles: b.roles as [] } : {}), ...(typeof b.vendorId === 'string' ? { vendorId: b.vendorId } : {}), notify: b.notify === true,
    });
    return reply.code(201).send(r);
  });

  /** Shortcut: a vendor from the directory, notified at once. */
  app.post<IdParams>('/api/v1/cases/:id/vendors', async (req, reply) => {
    const b = objectBody(req.body);
    return reply.code(201).send(await service.addParticipant(await who(req), req.params.id, { kind: 'vendor', vendorId: String(b.vendorId ?? ''), notify: b.notify !== false }));
  });

  app.post<IdParams>('/api/v1/cases/:id/embargo', async (req) => {
    const b = objectBody(req.body);
    const proposalId = typeof b.proposalId === 'string' ? b.proposalId : `prop_${randomBytes(9).toString('base64url')}`;
    const command: CaseCommand | undefined = ({
      propose: { type: 'propose-embargo', proposalId, endsAt: String(b.endsAt ?? ''), withGrace: b.withGrace === true },
      'propose-default': { type: 'propose-default-embargo', proposalId },
      accept: { type: 'accept-embargo', ...(typeof b.proposalId === 'string' ? { proposalId: b.proposalId } : {}) },
      reject: { type: 'reject-embargo', proposalId },
      end: { type: 'end-embargo', reason: b.reason === 'expired' ? 'expired' : 'agreed-early' },
    } as Record<string, CaseCommand>)[String(b.action)];
    if (!command) throw new DisclosureServiceError('INVALID_REQUEST', 'action is one of propose, propose-default, accept, reject, end');
    return service.command(await who(req), req.params.id, command);
  });

  app.post<IdParams>('/api/v1/cases/:id/flags', async (req) => {
    const b = objectBody(req.body);
    return service.command(await who(req), req.params.id, { type: 'record-case-state', flag: String(b.flag) as 'P', ...(typeof b.at === 'string' ? { flagAt: b.at } : {}) });
  });

  // --- from case to CVE to advisory (team only) ------------------------------------------------------

  /** Reserve a CVE ID for a vulnerability through this cvekit's CNA (CVEKIT_CNA_ORG). */
  app.post<IdParams>('/api/v1/cases/:id/cves', async (req, reply) => {
    const b = objectBody(req.body);
    return reply.code(201).send(await publisher.reserveCve(await who(req), req.params.id, String(b.vulnerabilityId ?? '')));
  });
  /** Draft (or redraft) the CVE record of a vulnerability: stored with the case, checked in words. */
  app.put<{ Params: { id: string; vulnerabilityId: string } }>('/api/v1/cases/:id/cves/:vulnerabilityId/draft', async (req) =>
    publisher.draftCveRecord(await who(req), req.params.id, req.params.vulnerabilityId, objectBody(req.body) as CveDraftInput));
  app.get<IdParams>('/api/v1/cases/:id/drafts', async (req) => publisher.listDrafts(await who(req), req.params.id));
  /** Draft or redraft the advisory (a new draft version with a revision entry). */
  app.post<IdParams>('/api/v1/cases/:id/advisory', async (req) => {
    const b = objectBody(req.body);
    return publisher.draftAdvisory(await who(req), req.params.id, { ...(typeof b.title === 'string' ? { title: b.title } : {}), ...(typeof b.summary === 'string' ? { summary: b.summary } : {}), ...(typeof b.revision === 'string' ? { revision: b.revision } : {}) });
  });
  /** A new public version of the published advisory. */
  app.post<IdParams>('/api/v1/cases/:id/advisory/revisions', async (req, reply) => {
    const b = objectBody(req.body);
    return reply.code(201).send(await publisher.reviseAdvisory(await who(req), req.params.id, { summary: String(b.summary ?? '') }));
  });
  /** `schedule` (publish when the embargo ends) or `publish-now` (after an early end; `force` while the embargo is active). */
  app.post<IdParams>('/api/v1/cases/:id/publication', async (req) => {
    const b = objectBody(req.body);
    if (b.action === 'schedule') return publisher.schedulePublication(await who(req), req.params.id);
    if (b.action === 'publish-now') return publisher.publishNow(await who(req), req.params.id, { force: b.force === true });
    throw new DisclosureServiceError('INVALID_REQUEST', 'action is schedule or publish-now');
  });

  app.get<IdParams>('/api/v1/cases/:id/messages', async (req) => ({ messages: await service.listMessages(await who(req), req.params.id) }));
  app.post<IdParams>('/api/v1/cases/:id/messages', async (req, reply) => {
    const b = objectBody(req.body);
    return reply.code(201).send(await service.postMessage(await who(req), { caseId: req.params.id }, {
      text: String(b.text ?? ''), ...(typeof b.parentId === 'string' ? { parentId: b.parentId } : {}), ...(b.visibility === 'internal' || b.visibility === 'participants' ? { visibility: b.visibility } : {}),
    }));
  });

  app.get<IdParams>('/api/v1/files/:id', async (req, reply) => sendFile(reply, await service.getFile(await who(req), req.params.id)));

  app.get<{ Querystring: { product?: string } }>('/api/v1/vendors', async (req) => ({ vendors: await service.listVendors(await who(req), req.query.product) }));
  app.post('/api/v1/vendors', async (req, reply) => {
    const b = objectBody(req.body);
    const contacts = Array.isArray(b.contacts) ? (b.contacts as { name?: string; email: string }[]).filter((c) => c && typeof c.email === 'string').map((c) => ({ ...(typeof c.name === 'string' ? { name: c.name } : {}), email: c.email })) : [];
    const products = Array.isArray(b.products) ? (b.products as unknown[]).filter((x): x is string => typeof x === 'string') : [];
    if (typeof b.name !== 'string' || b.name.trim() === '') throw new DisclosureServiceError('INVALID_REQUEST', 'a vendor needs a name');
    return reply.code(201).send(await service.putVendor(await who(req), { ...(typeof b.id === 'string' ? { id: b.id } : {}), name: b.name, contacts, products }));
  });
  app.post('/api/v1/webhooks', async (req, reply) => {
    const b = objectBody(req.body);
    return reply.code(201).send(await service.addWebhook(await who(req), { url: String(b.url ?? ''), ...(typeof b.vendorId === 'string' ? { vendorId: b.vendorId } : {}) }));
  });

  async function sendPage(reply: FastifyReply, title: string, body: SafeHtml, code = 200, noindex = false) {
    if (noindex) reply.header('x-robots-tag', 'noindex, nofollow');
    return reply.code(code).type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP)
      .send(page({ title, ...contentFrame(await repositoryStatusNow()) }, body));
  }
}

function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new DisclosureServiceError('INVALID_REQUEST', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

function toError(err: unknown): { status: number; body: ReturnType<typeof errorBody> } {
  if (err instanceof DisclosureServiceError || err instanceof DisclosureError) {
    const status = STATUS[err.code] ?? 400;
    // Not-found answers carry no details: the same bytes whether the thing exists or not.
    const quiet = status === 404 || status === 401;
    return { status, body: errorBody(err.code, err.message, quiet || Object.keys(err.details).length === 0 ? undefined : err.details) };
  }
  const e = err as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (e.code === 'FST_REQ_FILE_TOO_LARGE' || e.code === 'FST_FILES_LIMIT' || e.code === 'FST_PARTS_LIMIT' || e.code === 'FST_FIELDS_LIMIT') {
    return { status: 413, body: errorBody('ATTACHMENT_REFUSED', `the upload exceeds the limits: ${e.message ?? ''}`) };
  }
  const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
  if (status === 413) return { status, body: errorBody('PAYLOAD_TOO_LARGE', 'the request body is too large') };
  if (status < 500) return { status, body: errorBody('INVALID_REQUEST', e.message ?? 'bad request') };
  return { status: 500, body: errorBody('INTERNAL', 'internal error') };
}

/** Reads a report from JSON (attachments as base64), a urlencoded form or multipart. */
async function readSubmission(req: FastifyRequest): Promise<{ submission: ReportSubmission; challenge: { nonce: string; counter?: string; answer?: string }; fields: Record<string, string> }> {
  const fields: Record<string, string> = {};
  const attachments: AttachmentInput[] = [];
  let json: Record<string, unknown> | undefined;
  if (req.isMultipart()) {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        // A file input left empty sends an empty part with no name.
        if (bytes.byteLength === 0 && !part.filename) continue;
        attachments.push({ name: part.filename, mediaType: part.mimetype, bytes: new Uint8Array(bytes) });
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
  } else {
    const body = objectBody(req.body);
    if (typeof body.challenge === 'object' || Array.isArray(body.attachments)) json = body;
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') fields[k] = v;
  }
  if (json) {
    const list = Array.isArray(json.attachments) ? json.attachments : [];
    for (const a of list as { name?: unknown; mediaType?: unknown; data?: unknown }[]) {
      if (!a || typeof a.name !== 'string' || typeof a.data !== 'string') throw new DisclosureServiceError('INVALID_REPORT', 'each attachment needs a name and base64 data');
      if (!/^[A-Za-z0-9+/=\s]*$/.test(a.data)) throw new DisclosureServiceError('INVALID_REPORT', `attachment "${a.name.slice(0, 60)}" is not base64`);
      attachments.push({ name: a.name, mediaType: typeof a.mediaType === 'string' ? a.mediaType : 'application/octet-stream', bytes: new Uint8Array(Buffer.from(a.data, 'base64')) });
    }
  }
  const src: Record<string, unknown> = json ?? fields;
  const ch = (json?.challenge ?? fields) as Record<string, unknown>;
  const submission: ReportSubmission = {
    product: src.product, version: src.version, description: src.description, impact: src.impact, proofOfConcept: src.proofOfConcept,
    finderName: src.finderName, finderContact: src.finderContact, credit: src.credit, creditName: src.creditName,
    isPublic: src.isPublic, isExploited: src.isExploited, vendorContacted: src.vendorContacted, vendorContactedAt: src.vendorContactedAt,
    attachments,
  };
  const challenge = {
    nonce: typeof ch.nonce === 'string' ? ch.nonce : '',
    ...(typeof ch.counter === 'string' ? { counter: ch.counter } : {}),
    ...(typeof ch.answer === 'string' ? { answer: ch.answer } : {}),
  };
  return { submission, challenge, fields };
}

function sendFile(reply: FastifyReply, f: { name: string; size: number; sha256: string; bytes: Uint8Array }) {
  const ascii = f.name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return reply
    .code(200)
    // Never the declared type: an HTML or SVG file must not render in the browser.
    .type('application/octet-stream')
    .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(f.name)}`)
    .header('content-security-policy', DOWNLOAD_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-sha256', f.sha256)
    .send(Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength));
}

// --- pages ---------------------------------------------------------------------------------

function formBody(ch: { nonce: string; bits: number; question: string }, v: Record<string, string>, errors: readonly string[]): SafeHtml {
  const text = (name: string, label: string, opts: { required?: boolean; type?: string; hint?: string } = {}) => html`<p><label for="${name}">${label}${opts.required ? ' (required)' : ''}</label><br>
<input id="${name}" name="${name}" type="${opts.type ?? 'text'}" value="${v[name] ?? ''}"${opts.required ? raw(' required') : ''}>${opts.hint ? html`<br><small class="muted">${opts.hint}</small>` : ''}</p>`;
  const area = (name: string, label: string, required = false) => html`<p><label for="${name}">${label}${required ? ' (required)' : ''}</label><br>
<textarea id="${name}" name="${name}" rows="6" cols="80"${required ? raw(' required') : ''}>${v[name] ?? ''}</textarea></p>`;
  const check = (name: string, label: string) => html`<p><label><input type="checkbox" name="${name}" value="true"${v[name] === 'true' ? raw(' checked') : ''}> ${label}</label></p>`;
  const credit = v.credit ?? 'named';
  return html`<h1>Report a vulnerability</h1>
<p>Your report is confidential: only our security team and, once it is coordinated, the affected vendors see it. After sending you get a private link to follow the case and talk to us.</p>
${errors.length ? html`<div class="rejected" role="alert"><p><strong>The report was not sent:</strong></p><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
<form method="post" action="/report" enctype="multipart/form-data" data-pow="${ch.bits}">
${text('product', 'Product', { required: true })}
${text('version', 'Version(s)')}
${area('description', 'Description of the flaw', true)}
${area('impact', 'Impact')}
${area('proofOfConcept', 'Proof of concept / steps to reproduce')}
<p><label for="attachments">Attachments (up to 5 files, 5 MiB each; no archives)</label><br><input id="attachments" name="attachments" type="file" multiple></p>
${text('finderName', 'Your name')}
${text('finderContact', 'Your e-mail', { required: true, type: 'email', hint: 'We send your private link here and tell you when there is news.' })}
<p><label for="credit">Credit</label><br><select id="credit" name="credit">
${(['named', 'anonymous', 'none'] as const).map((c) => html`<option value="${c}"${credit === c ? raw(' selected') : ''}>${{ named: 'Credit me by name', anonymous: 'Credit an anonymous finder', none: 'No credit' }[c]}</option>`)}
</select></p>
${text('creditName', 'Name to credit, if different')}
${check('isPublic', 'The flaw is already public')}
${check('isExploited', 'The flaw is exploited in the wild')}
${check('vendorContacted', 'I already contacted the vendor')}
${text('vendorContactedAt', 'When (YYYY-MM-DD)', { type: 'date' })}
<input type="hidden" name="nonce" value="${ch.nonce}">
<input type="hidden" name="counter" value="">
<p data-question><label for="answer">Anti-spam question: ${ch.question}</label><br><input id="answer" name="answer" inputmode="numeric" autocomplete="off"><br>
<small class="muted">With JavaScript on, your browser solves a small puzzle instead and you can leave this empty.</small></p>
<p><button type="submit">Send report</button> <span data-pow-status class="muted" aria-live="polite"></span></p>
</form>
<script src="/assets/disclosure-pow.js"></script>`;
}

/** The offer to a coordinator of last resort: what it is, and the two answers (the API's `answer-escalation`). */
function offerBody(token: string, c: { id: string; escalation?: { offeredAt?: string } }, tz: string): SafeHtml {
  return html`<h2>Coordination offer</h2>
<p>Case ${c.id} is offered to you for coordination${c.escalation?.offeredAt ? html` (since ${formatZoned(c.escalation.offeredAt, tz)})` : ''}: no vendor acknowledged it within the deadline. Until you accept, you see only this offer.</p>
<form method="post" action="/report/${token}/escalation"><p><button type="submit" name="answer" value="accept">Accept and open the case</button> <button type="submit" name="answer" value="decline">Decline</button></p></form>`;
}

function linkNotValidBody(): SafeHtml {
  return html`<h1>Not found</h1><p>This link is not valid or has expired.</p>`;
}

function capabilityBody(token: string, v: Awaited<ReturnType<DisclosureService['capabilityView']>>, fresh: boolean, config: DisclosureConfig): SafeHtml {
  const tz = config.embargo.timeZone;
  const r = v.report as (Record<string, unknown> & { id: string; state: string; product: string; version: string; description: string; impact: string; proofOfConcept?: string; receivedAt: string }) | undefined;
  const c = v.case as (Record<string, unknown> & { id: string; title?: string; caseStateName?: string; embargo?: { state: string; endsAt?: string; pending?: { endsAt: string }[] }; offered?: boolean; role?: string; participants?: { name: string; kind: string }[] }) | undefined;
  const messages = v.messages;
  const files = v.files as { id: string; name: string; size: number }[];
  return html`${fresh ? html`<div class="rejected" role="status"><p><strong>Your report was received.</strong> Bookmark this page: its address is your private link to the case. Anyone with it can read the report, so keep it to yourself.</p></div>` : ''}
<h1>${c?.title ?? (r ? `Report on ${r.product}` : 'Your case')}</h1>
${r ? html`<h2>Your report</h2><table>
<tr><th>Received</th><td>${formatZoned(r.receivedAt, tz)}</td></tr>
<tr><th>Status</th><td>${r.state}</td></tr>
<tr><th>Product</th><td>${r.product} ${r.version}</td></tr>
<tr><th>Description</th><td>${r.description}</td></tr>
${r.impact ? html`<tr><th>Impact</th><td>${r.impact}</td></tr>` : ''}
${r.proofOfConcept ? html`<tr><th>Proof of concept</th><td><pre>${r.proofOfConcept}</pre></td></tr>` : ''}
</table>` : ''}
${c && !c.offered ? html`<h2>Case</h2><table>
<tr><th>Case state</th><td>${c.caseStateName ?? ''}</td></tr>
<tr><th>Embargo</th><td>${c.embargo?.state ?? 'none'}${c.embargo?.endsAt ? html`, ends ${formatZoned(c.embargo.endsAt, tz)}` : ''}</td></tr>
<tr><th>Participants</th><td>${(c.participants ?? []).map((p, i) => html`${i ? ', ' : ''}${p.name} (${p.kind})`)}</td></tr>
</table>` : ''}
${c?.offered ? offerBody(token, c as { id: string; escalation?: { offeredAt?: string } }, tz) : ''}
${files.length ? html`<h2>Files</h2><ul>${files.map((f) => html`<li><a href="/report/${token}/files/${f.id}" download>${f.name}</a> <span class="muted">(${f.size} bytes)</span></li>`)}</ul>` : ''}
<h2 id="messages">Messages</h2>
${messages.length ? html`<ol>${messages.map((m: MessageView) => html`<li id="${m.id}"><p><strong>${m.authorName}</strong> <span class="muted">${formatZoned(m.createdAt, tz)}</span>${m.parentId ? html` <span class="muted">in reply to <a href="#${m.parentId}">a message</a></span>` : ''}</p><p>${m.text}</p></li>`)}</ol>` : html`<p class="muted">No messages yet.</p>`}
${c?.offered ? '' : html`<form method="post" action="/report/${token}/messages"><p><label for="text">Write to the team</label><br><textarea id="text" name="text" rows="5" cols="80" required></textarea></p><p><button type="submit">Send</button></p></form>`}`;
}
