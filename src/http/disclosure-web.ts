/**
 * @module The PSIRT's web pages for coordinated disclosure (`/team…`): sign-in, inbox and
 * triage, case list, case page and every team step of the case (participants and vendors,
 * vendor statuses, embargo, case-state flags, vulnerabilities, CVE reservation, the CVE
 * record draft with a live check, the advisory draft and preview, publication, messages and
 * internal notes, timeline, audit log), and the vendor directory.
 *
 * Who: the users of the CNA organisation `CVEKIT_CNA_ORG` (the PSIRT's own CNA), signed in
 * with their username and API key (`CnaService.authenticate`). A team that is no CNA (no
 * `CVEKIT_CNA_ORG`) signs in with the team token `CVEKIT_TEAM_TOKEN` instead, as the API
 * takes it: the principal is then `team`, and a new token ends every such session (5 failed
 * tries from one address in 15 minutes block that address; there is no account to lock,
 * so a stranger cannot lock the team out). The session is stored in the
 * CNA store's session table (only its hash), in a cookie `cvekit_team` (`HttpOnly;
 * SameSite=Strict; Path=/team`, `Secure` over https), 8 hours; a synchronizer CSRF token on
 * every POST; 5 failed sign-ins per user (50 per address) in 15 minutes lock the account.
 * Everything goes through `DisclosureService` and `CasePublisher` as the principal
 * `team:<org>/<user>`, so every read and change lands in the case's append-only audit log.
 *
 * `disclosureWeb` also records the application's route table (`routeTable(app)`) through
 * Fastify's `onRoute` hook when registered before the other routes, so tests can walk
 * every route the app really serves.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { advisoryToHtml } from '../advisories/index.ts';
import { CnaRelay, CnaService, FailureLimiter, isoMs, parseSecretKey } from '../cna/index.ts';
import { CasePublisher, DisclosureError, DisclosureService, DisclosureServiceError, disclosureConfigFromEnv, hashToken, instantFromWallTime, caseStateName } from '../disclosure/index.ts';
import type { Case, CaseCommand, CveDraftInput, DisclosureConfig, DraftVersion, MessageView, Principal } from '../disclosure/index.ts';
import type { DisclosureVendorRow, Store } from '../store/index.ts';
import { html, page } from '../web/index.ts';
import type { SafeHtml } from '../web/index.ts';
import {
  TEAM_CSS, TEAM_SCRIPT, advisoryPreviewBody, auditBody, caseBody, caseListBody, draftBody, errorPageBody, inboxBody, reportBody, signInBody, teamNav, vendorsBody,
} from '../web/disclosure/team-pages.ts';
import type { DraftFormValues, ReportDetail, TeamViewer } from '../web/disclosure/team-pages.ts';
import { contentFrame, statusSource } from './context.ts';
import { readCookies, setCookie, type CookieScope } from './cookies.ts';
import type { RepositoryStatus } from '../ingest/index.ts';

export interface DisclosureWebOptions {
  readonly store: Store;
  readonly now?: () => Date;
  readonly config?: DisclosureConfig;
  readonly service?: DisclosureService;
  readonly cna?: CnaService;
  readonly publisher?: CasePublisher;
  readonly sessionHours?: number;
  readonly limiter?: { readonly maxPerUser?: number; readonly maxPerIp?: number; readonly windowMs?: number };
  /** The repository status for the pages' content date; default a cache over `store` (the app shares its own). */
  readonly status?: () => Promise<RepositoryStatus>;
}

const COOKIE = 'cvekit_team';
const PRE_COOKIE = 'cvekit_team_pre';
const CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const DOWNLOAD_CSP = "default-src 'none'; sandbox";
const ID = /^[A-Za-z0-9_-]{1,100}$/;

type Body = Record<string, string | undefined>;

interface TeamCtx {
  readonly principal: Principal;
  readonly viewer: TeamViewer;
  readonly sessionHash: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    team?: TeamCtx;
  }
}

/** Every route the app registered after `disclosureWeb`, with its method(s) and URL. */
const TABLES = new WeakMap<object, { method: string; url: string }[]>();

/** The route table recorded by `disclosureWeb` (empty when it was registered after other routes). */
export function routeTable(app: FastifyInstance): readonly { readonly method: string; readonly url: string }[] {
  return TABLES.get(app) ?? [];
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const sameText = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const SCOPE: CookieScope = { path: '/team', sameSite: 'Strict' };
const cookies = readCookies;


/**
 * A session signed in with the team token has this user, and as its org the token's hash
 * prefix: a session of an earlier token is refused. No CNA user has this id (theirs are UUIDs).
 */
const TOKEN_USER = 'team-token';
const tokenOrg = (tokenHash: string): string => `team-token:${tokenHash.slice(0, 16)}`;

/** Where to go after sign-in: a team path only. */
const safeNext = (next: string | undefined): string => (next && /^\/team(?:\/[A-Za-z0-9\-_/.?=&%]*)?$/.test(next) && !next.startsWith('//') ? next : '/team');

/** Status of each service error on a page. */
function statusOf(err: unknown): number {
  if (err instanceof DisclosureServiceError || err instanceof DisclosureError) {
    const code = err.code as string;
    if (code.endsWith('NOT_FOUND') || code === 'LINK_NOT_VALID') return 404;
    if (code === 'UNAUTHENTICATED') return 401;
    if (code === 'FORBIDDEN' || code === 'NOT_PERMITTED') return 403;
    if (code === 'RATE_LIMITED') return 429;
    if (['CASE_CONFLICT', 'CNA_NOT_CONFIGURED', 'CNA_REFUSED', 'PUBLICATION_BLOCKED', 'ILLEGAL_TRANSITION', 'FLAG_ALREADY_SET', 'CASE_STATE_ORDER', 'EMBARGO_NOT_ALLOWED', 'SHORTEST_WINS', 'DUPLICATE_ID', 'ESCALATION_STATE', 'TIME_WENT_BACKWARDS'].includes(code)) return 409;
    if (code === 'INVALID_CONFIG' || code === 'KEY_UNAVAILABLE') return 500;
    return 400;
  }
  return 500;
}

/**
 * Registers the team pages. Register it before the other routes (it runs in the app's own
 * context only to add the `onRoute` recorder; the pages themselves are encapsulated).
 */
export async function disclosureWeb(app: FastifyInstance, opts: DisclosureWebOptions): Promise<void> {
  const table: { method: string; url: string }[] = [];
  TABLES.set(app, table);
  app.addHook('onRoute', (r: RouteOptions) => {
    for (const method of [r.method].flat()) table.push({ method: String(method), url: r.url });
  });
  await app.register(teamPages, opts);
}
// Runs in the parent's context (like fastify-plugin), so `onRoute` sees every later route.
(disclosureWeb as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

async function teamPages(app: FastifyInstance, opts: DisclosureWebOptions): Promise<void> {
  const { store } = opts;
  const config = opts.config ?? opts.service?.config ?? disclosureConfigFromEnv();
  const service = opts.service ?? new DisclosureService({ store, config, ...(opts.now ? { now: opts.now } : {}) });
  const cna = opts.cna ?? new CnaService(store, opts.now ? { now: opts.now } : {});
  const publisher = opts.publisher ?? new CasePublisher({ service, cna, relay: new CnaRelay(cna, { secretKey: parseSecretKey(process.env.CVEKIT_SECRET_KEY), ...(opts.now ? { now: opts.now } : {}) }) });
  const limiter = new FailureLimiter({ maxPerUser: 5, maxPerIp: 50, ...opts.limiter });
  const sessionMs = (opts.sessionHours ?? 8) * 3600_000;
  const tz = config.embargo.timeZone;

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 512 * 1024 }, (_req, body, done) => {
    const out: Body = {};
    for (const [k, v] of new URLSearchParams(String(body))) out[k] = v;
    done(null, out);
  });

  const status = opts.status ?? statusSource(store, opts.now);
  const send = async (reply: FastifyReply, title: string, body: SafeHtml, viewer?: TeamViewer, code = 200): Promise<FastifyReply> =>
    reply.code(code).type('text/html; charset=utf-8')
      .header('content-security-policy', CSP).header('cache-control', 'no-store').header('x-frame-options', 'DENY')
      .header('x-robots-tag', 'noindex, nofollow').header('referrer-policy', 'no-referrer')
      .send(page({ title: `${title} · PSIRT`, ...contentFrame(await status()) }, html`${teamNav(viewer)}${body}`));

  app.setErrorHandler(async (err, req, reply) => {
    const code = statusOf(err) === 500 && (err as { statusCode?: number }).statusCode && (err as { statusCode: number }).statusCode < 500 ? (err as { statusCode: number }).statusCode : statusOf(err);
    if (code >= 500) req.log.error({ err }, 'team page failed');
    // Not-found answers are the same for a missing case and another's: no details.
    const message = code === 404 ? 'There is no such page, case or report.' : code >= 500 ? 'Something went wrong on the server.' : (err as Error).message;
    if (req.headers['x-csrf-token'] !== undefined || req.url.endsWith('/check')) return reply.code(code).header('cache-control', 'no-store').send({ error: (err as { code?: string }).code ?? 'ERROR', message });
    const back = /^\/team\/cases\/[A-Za-z0-9_-]+/.exec(req.url)?.[0];
    return send(reply, 'Error', errorPageBody(message, back), req.team?.viewer, code);
  });

  // --- sessions and CSRF -------------------------------------------------------------------------

  const teamOrg = async () => (config.cnaOrg ? store.cna.getOrg(config.cnaOrg) : undefined);
  /** The team token signs in when there is no CNA org whose users are the team. */
  const tokenHash = config.cnaOrg === undefined ? config.teamTokenHash : undefined;

  /** The signed-in name of a live session, if it still stands (user active, token unchanged). */
  const sessionName = async (session: { userUuid: string; orgUuid: string }): Promise<string | undefined> => {
    if (session.userUuid === TOKEN_USER) return tokenHash !== undefined && session.orgUuid === tokenOrg(tokenHash) ? 'team' : undefined;
    const org = await teamOrg();
    const user = org && (await store.cna.getUserByUuid(session.userUuid));
    return org && user && user.active && user.orgUuid === org.uuid && session.orgUuid === org.uuid ? `${org.shortName}/${user.username}` : undefined;
  };

  app.addHook('preHandler', async (req, reply) => {
    const path = req.url.split('?')[0];
    if (!path.startsWith('/team') || path.startsWith('/team/assets/') || path === '/team/login') return;
    const token = cookies(req).get(COOKIE);
    const hash = token ? sha256(token) : '';
    const session = token ? await store.cna.getSession(hash) : undefined;
    const name = session && session.expires > isoMs(new Date()) ? await sessionName(session) : undefined;
    if (!session || name === undefined) {
      if (req.method === 'GET' && !path.endsWith('/check')) return reply.redirect(`/team/login?next=${encodeURIComponent(req.url.slice(0, 300))}`, 303);
      throw new DisclosureServiceError('UNAUTHENTICATED', 'sign in first');
    }
    req.team = { principal: { kind: 'team', name }, viewer: { name, csrf: session.csrf }, sessionHash: hash };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const sent = String((req.body as Body | undefined)?._csrf ?? req.headers['x-csrf-token'] ?? '');
      if (!sameText(sent, session.csrf)) throw new DisclosureServiceError('FORBIDDEN', 'the form expired (CSRF check): reload the page and try again');
    }
  });

  const ctx = (req: FastifyRequest): TeamCtx => req.team as TeamCtx;
  const who = (req: FastifyRequest) => ctx(req).principal;
  const body = (req: FastifyRequest): Body => {
    const b = req.body;
    return b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Body) : {};
  };
  const field = (b: Body, name: string, max = 20_000): string => {
    const v = b[name];
    return typeof v === 'string' ? v.slice(0, max) : '';
  };
  const caseId = (raw: string): string => {
    if (!ID.test(raw)) throw new DisclosureServiceError('CASE_NOT_FOUND');
    return raw;
  };
  const back = (reply: FastifyReply, id: string, done: string, anchor = '') => reply.redirect(`/team/cases/${id}?done=${encodeURIComponent(done)}${anchor}`, 303);

  // --- assets and sign-in ------------------------------------------------------------------------

  app.get('/team/assets/team.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(TEAM_CSS));
  app.get('/team/assets/team.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(TEAM_SCRIPT));

  const signInPage = async (req: FastifyRequest, reply: FastifyReply, o: { error?: string; username?: string; next?: string }, code = 200) => {
    // Sign-in CSRF: a pre-session token in a cookie and in the form (double submit).
    const pre = randomBytes(24).toString('base64url');
    setCookie(req, reply, SCOPE, PRE_COOKIE, pre, 3600);
    const method = config.cnaOrg !== undefined ? 'user' : tokenHash !== undefined ? 'token' : 'none';
    return send(reply, 'Sign in', signInBody({ csrf: pre, next: safeNext(o.next), method, ...(config.cnaOrg ? { org: config.cnaOrg } : {}), ...(o.username ? { username: o.username } : {}), ...(o.error ? { error: o.error } : {}) }), undefined, code);
  };

  app.get<{ Querystring: { next?: string } }>('/team/login', async (req, reply) => signInPage(req, reply, { next: req.query.next }));

  app.post('/team/login', async (req, reply) => {
    const b = body(req);
    const pre = cookies(req).get(PRE_COOKIE) ?? '';
    const username = field(b, 'username', 128).trim();
    const next = field(b, 'next', 300);
    if (!pre || !sameText(field(b, '_csrf', 100), pre)) return signInPage(req, reply, { error: 'The sign-in form expired (CSRF check). Please try again.', username, next }, 403);
    const startSession = async (userUuid: string, orgUuid: string) => {
      const token = randomBytes(32).toString('base64url');
      const now = Date.now();
      await store.cna.createSession({ idHash: sha256(token), userUuid, orgUuid, csrf: randomBytes(24).toString('base64url'), created: isoMs(new Date(now)), expires: isoMs(new Date(now + sessionMs)) });
      setCookie(req, reply, SCOPE, COOKIE, token, Math.floor(sessionMs / 1000));
      setCookie(req, reply, SCOPE, PRE_COOKIE, '', 0);
      return reply.redirect(safeNext(next), 303);
    };
    const org = config.cnaOrg;
    if (org === undefined) {
      if (tokenHash === undefined) return signInPage(req, reply, { error: 'Team sign-in needs CVEKIT_CNA_ORG or CVEKIT_TEAM_TOKEN.', next }, 409);
      // No account to lock: the address is the key, so a stranger cannot lock the team out.
      const whoKey = `team-token@${req.ip}`;
      if (limiter.blocked(whoKey, req.ip)) return signInPage(req, reply, { error: 'Too many failed sign-ins from this address: try again in 15 minutes.', next }, 429);
      if (!sameText(hashToken(field(b, 'token', 512)), tokenHash)) {
        limiter.fail(whoKey, req.ip);
        return signInPage(req, reply, { error: 'Wrong team token.', next }, 401);
      }
      limiter.succeed(whoKey);
      return startSession(TOKEN_USER, tokenOrg(tokenHash));
    }
    const whoKey = `${org}/${username}`;
    if (limiter.blocked(whoKey, req.ip)) return signInPage(req, reply, { error: 'Too many failed sign-ins: this account is locked for 15 minutes.', username, next }, 429);
    const actor = await cna.authenticate(org, username, field(b, 'key', 512));
    if (!actor) {
      limiter.fail(whoKey, req.ip);
      return signInPage(req, reply, { error: 'Wrong username or API key (or the user is deactivated).', username, next }, 401);
    }
    limiter.succeed(whoKey);
    return startSession(actor.user.uuid, actor.org.uuid);
  });

  app.post('/team/logout', async (req, reply) => {
    await store.cna.deleteSession(ctx(req).sessionHash);
    setCookie(req, reply, SCOPE, COOKIE, '', 0);
    return reply.redirect('/team/login', 303);
  });

  // --- inbox, reports, cases ---------------------------------------------------------------------

  app.get('/team', async (req, reply) => {
    const p = who(req);
    const rows = ((await service.listReports(p, { untriaged: true, similar: true })) as { id: string; receivedAt: string; product: string; version: string; similar: number }[]).slice(0, 500);
    return send(reply, 'Inbox', inboxBody(ctx(req).viewer, rows, tz), ctx(req).viewer);
  });

  app.get<{ Params: { id: string } }>('/team/reports/:id', async (req, reply) => {
    if (!ID.test(req.params.id)) throw new DisclosureServiceError('REPORT_NOT_FOUND');
    const p = who(req);
    const r = (await service.getReport(p, req.params.id)) as ReportDetail;
    const cases = (await service.listCases(p, { open: true })) as { id: string; title: string }[];
    return send(reply, `Report ${r.id}`, reportBody(ctx(req).viewer, r, cases, tz), ctx(req).viewer);
  });

  app.post<{ Params: { id: string } }>('/team/reports/:id/triage', async (req, reply) => {
    if (!ID.test(req.params.id)) throw new DisclosureServiceError('REPORT_NOT_FOUND');
    const b = body(req);
    const target = b.caseId ? { caseId: caseId(field(b, 'caseId', 100)) } : { title: field(b, 'title', 300).trim() };
    const c = (await service.triageReport(who(req), req.params.id, target)) as { id: string };
    return back(reply, c.id, b.caseId ? 'The report joined the case.' : 'A new case was opened for the report.');
  });

  app.get('/team/cases', async (req, reply) => {
    const cases = (await service.listCases(who(req))) as { id: string; title: string; updatedAt: string; open: boolean; embargo: string; caseState: string }[];
    return send(reply, 'Cases', caseListBody(cases, tz), ctx(req).viewer);
  });

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/team/cases/:id', async (req, reply) => {
    const p = who(req);
    const id = caseId(req.params.id);
    const view = (await service.getCase(p, id)) as { timeline: Case['events'] } & Omit<Case, 'events' | 'version'> & { revision: number };
    const c: Case = { ...view, version: view.revision, events: view.timeline } as unknown as Case;
    const [messages, files, vendors, drafts] = await Promise.all([
      service.listMessages(p, id),
      store.disclosure.listFiles({ caseId: id, reportIds: c.reports.map((r) => r.id) }),
      service.listVendors(p),
      publisher.listDrafts(p, id),
    ]);
    const adv = drafts.advisory;
    const done = typeof req.query.done === 'string' ? doneText(req.query.done) : undefined;
    return send(reply, c.title, caseBody(ctx(req).viewer, {
      c, caseStateName: caseStateName(c.caseState), messages: messages as MessageView[], files, vendors, drafts: drafts.drafts, tz, defaultDays: config.embargo.defaultDays,
      ...(drafts.plan ? { plan: drafts.plan } : {}),
      ...(adv ? { advisory: { id: adv.csaf.document.tracking.id, version: adv.csaf.document.tracking.version, status: adv.csaf.document.tracking.status, check: adv.check, ...(adv.publishedAt ? { publishedAt: adv.publishedAt } : {}) } } : {}),
    }, done ? { done } : {}), ctx(req).viewer);
  });

  app.get<{ Params: { id: string } }>('/team/cases/:id/audit', async (req, reply) => {
    const id = caseId(req.params.id);
    const c = (await service.getCase(who(req), id)) as { title: string };
    const rows = (await service.auditLog(who(req), id)) as { at: string; actor: string; action: string; detail?: string; reportId?: string }[];
    return send(reply, 'Audit log', auditBody(id, c.title, rows, tz), ctx(req).viewer);
  });

  // --- case steps --------------------------------------------------------------------------------

  const command = async (req: FastifyRequest<{ Params: { id: string } }>, cmd: CaseCommand) => service.command(who(req), caseId(req.params.id), cmd);

  app.post<{ Params: { id: string; reportId: string } }>('/team/cases/:id/reports/:reportId/state', async (req, reply) => {
    const action = field(body(req), 'action', 20) as 'validate';
    await command(req, { type: 'triage-report', reportId: req.params.reportId.slice(0, 100), action });
    return back(reply, req.params.id, `Report ${action}d.`);
  });

  app.post<{ Params: { id: string } }>('/team/cases/:id/participants', async (req, reply) => {
    const b = body(req);
    const notify = b.notify === 'true';
    if (b.vendorId) {
      await service.addParticipant(who(req), caseId(req.params.id), { kind: 'vendor', vendorId: field(b, 'vendorId', 100), notify });
    } else {
      const kind = field(b, 'kind', 20) as 'vendor';
      if (!['finder', 'vendor', 'coordinator', 'cna'].includes(kind)) throw new DisclosureServiceError('INVALID_REQUEST', 'kind is finder, vendor, coordinator or cna');
      const contact = field(b, 'contact', 320).trim();
      await service.addParticipant(who(req), caseId(req.params.id), { kind, name: field(b, 'name', 200), ...(contact ? { contact } : {}), notify });
    }
    return back(reply, req.params.id, 'Participant added.');
  });

  app.post<{ Params: { id: string } }>('/team/cases/:id/vulnerabilities', async (req, reply) => {
    const b = body(req);
    const description = field(b, 'description', 4000).trim();
    await command(req, { type: 'add-vulnerability', vulnerability: { id: field(b, 'id', 40).trim(), title: field(b, 'title', 300).trim(), ...(description ? { description } : {}) } });
    return back(reply, req.params.id, 'Vulnerability added.');
  });

  app.post<{ Params: { id: string } }>('/team/cases/:id/vendor-status', async (req, reply) => {
    const b = body(req);
    const statement = field(b, 'statement', 2000).trim();
    await command(req, { type: 'set-vendor-status', vulnerabilityId: field(b, 'vulnerabilityId', 100), vendorId: field(b, 'vendorId', 100), status: field(b, 'status', 20) as 'affected', ...(statement ? { statement } : {}) });
    return back(reply, req.params.id, 'Vendor status set.');
  });

  app.post<{ Params: { id: string } }>('/team/cases/:id/embargo', async (req, reply) => {
    const b = body(req);
    const proposalId = b.proposalId ? field(b, 'proposalId', 100) : `prop_${randomBytes(9).toString('base64url')}`;
    let cmd: CaseCommand;
    switch (b.action) {
      case 'propose-default': cmd = { type: 'propose-default-embargo', proposalId }; break;
      case 'propose': cmd = { type: 'propose-embargo', proposalId, endsAt: wallInstant(field(b, 'date', 20), field(b, 'time', 10) || '23:59', tz), withGrace: b.withGrace === 'true' }; break;
      case 'accept': cmd = { type: 'accept-embargo', ...(b.proposalId ? { proposalId } : {}) }; break;
      case 'reject': cmd = { type: 'reject-embargo', proposalId }; break;
      case 'end': cmd = { type: 'end-embargo', reason: 'agreed-early' }; break;
      default: throw new DisclosureServiceError('INVALID_REQUEST', 'action is one of propose, propose-default, accept, reject, end');
    }
    await command(req, cmd);
    return back(reply, req.params.id, ({ 'propose-default': 'Default embargo proposed.', propose: 'Embargo proposed.', accept: 'Embargo accepted.', reject: 'Proposal rejected.', end: 'Embargo ended.' } as Record<string, string>)[b.action]);
  });

  app.post<{ Params: { id: string } }>('/team/cases/:id/flags', async (req, reply) => {
    const b = body(req);
    const date = field(b, 'date', 20);
    await command(req, { type: 'record-case-state', flag: field(b, 'flag', 2) as 'F', ...(date ? { flagAt: wallInstant(date, '12:00', tz) } : {}) });
    return back(reply, req.params.id, 'Case state recorded.');
  });

  app.post<{ Params: { id: string } }>('/team/cases/:id/cves', async (req, reply) => {
    const r = await publisher.reserveCve(who(req), caseId(req.params.id), field(body(req), 'vulnerabilityId', 100));
    return back(reply, req.params.id, `Reserved ${r.cveId}.`);
  });

  const draftPage = async (req: FastifyRequest<{ Params: { id: string; vid: string } }>, reply: FastifyReply, o: { values?: DraftFormValues; check?: Awaited<ReturnType<CasePublisher['checkCveDraft']>>; error?: string; saved?: boolean; code?: number }) => {
    const p = who(req);
    const id = caseId(req.params.id);
    const c = (await service.getCase(p, id)) as Case;
    const vuln = c.vulnerabilities.find((x) => x.id === req.params.vid);
    if (!vuln) throw new DisclosureServiceError('DRAFT_NOT_FOUND', `no vulnerability "${req.params.vid.slice(0, 60)}" on this case`);
    if (!vuln.cveId) throw new DisclosureServiceError('INVALID_REQUEST', `reserve a CVE ID for vulnerability "${vuln.id}" first`);
    const stored = o.values ? undefined : await publisher.cveDraft(p, id, vuln.id);
    const values = o.values ?? formValues(stored?.input ?? {});
    const check = o.check ?? (o.error ? undefined : await publisher.checkCveDraft(p, id, vuln.id, stored?.input ?? {}));
    return send(reply, `Draft ${vuln.cveId}`, draftBody(ctx(req).viewer, {
      caseId: id, caseTitle: c.title, vulnerabilityId: vuln.id, cveId: vuln.cveId, values,
      ...(check ? { check: check.check, record: check.record } : {}), ...(o.error ? { error: o.error } : {}), ...(o.saved ? { saved: true } : {}),
    }), ctx(req).viewer, o.code ?? 200);
  };

  app.get<{ Params: { id: string; vid: string }; Querystring: { saved?: string } }>('/team/cases/:id/cves/:vid/draft', async (req, reply) => draftPage(req, reply, { saved: req.query.saved === '1' }));

  app.post<{ Params: { id: string; vid: string } }>('/team/cases/:id/cves/:vid/draft', async (req, reply) => {
    const values = formFields(body(req));
    let input: CveDraftInput;
    try {
      input = draftInput(values);
      await publisher.draftCveRecord(who(req), caseId(req.params.id), req.params.vid, input);
    } catch (err) {
      const code = statusOf(err);
      if (code !== 400) throw err;
      return draftPage(req, reply, { values, error: (err as Error).message, code });
    }
    return reply.redirect(`/team/cases/${req.params.id}/cves/${encodeURIComponent(req.params.vid)}/draft?saved=1`, 303);
  });

  /** The live check: the draft as typed, checked without saving (JSON). */
  app.post<{ Params: { id: string; vid: string } }>('/team/cases/:id/cves/:vid/check', async (req, reply) => {
    try {
      const r = await publisher.checkCveDraft(who(req), caseId(req.params.id), req.params.vid, draftInput(formFields(body(req))));
      return reply.header('cache-control', 'no-store').send({ check: r.check });
    } catch (err) {
      if (statusOf(err) !== 400) throw err;
      return reply.code(200).header('cache-control', 'no-store').send({ check: { ok: false, issues: [{ path: '/', message: (err as Error).message }] } });
    }
  });

  app.get<{ Params: { id: string } }>('/team/cases/:id/advisory', async (req, reply) => {
    const id = caseId(req.params.id);
    const c = (await service.getCase(who(req), id)) as { title: string };
    const d = await publisher.listDrafts(who(req), id);
    if (!d.advisory) throw new DisclosureServiceError('ADVISORY_NOT_FOUND', 'no advisory draft yet');
    const t = d.advisory.csaf.document.tracking;
    return send(reply, `Advisory preview ${t.id}`, advisoryPreviewBody(id, c.title, advisoryToHtml(d.advisory.csaf), t.version, t.status), ctx(req).viewer);
  });

  /** The draft CSAF 2.0 document itself (a download: drafts are never public). */
  app.get<{ Params: { id: string } }>('/team/cases/:id/advisory.json', async (req, reply) => {
    const d = await publisher.listDrafts(who(req), caseId(req.params.id));
    if (!d.advisory) throw new DisclosureServiceError('ADVISORY_NOT_FOUND', 'no advisory draft yet');
    const t = d.advisory.csaf.document.tracking;
    return reply.type('application/json; charset=utf-8').header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${t.id.replace(/[^A-Za-z0-9._-]/g, '_')}-${t.version}-draft.json"`)
      .send(JSON.stringify(d.advisory.csaf, null, 2));
  });

  app.post<{ Params: { id: string } }>('/team/cases/:id/advisory', async (req, reply) => {
    const b = body(req);
    const title = field(b, 'title', 300).trim();
    const summary = field(b, 'summary', 20_000).trim();
    const r = await publisher.draftAdvisory(who(req), caseId(req.params.id), { ...(title ? { title } : {}), ...(summary ? { summary } : {}) });
    return back(reply, req.params.id, `Advisory drafted (version ${r.advisory.csaf.document.tracking.version}${r.check.ok ? ', valid' : `, ${r.check.issues.length} issue(s)`}).`);
  });

  app.post<{ Params: { id: string } }>('/team/cases/:id/publication', async (req, reply) => {
    const b = body(req);
    if (b.action === 'schedule') {
      const r = await publisher.schedulePublication(who(req), caseId(req.params.id));
      return back(reply, req.params.id, `Publication scheduled for the embargo end, ${r.endsAtLocal}.`);
    }
    if (b.action === 'publish-now') {
      await publisher.publishNow(who(req), caseId(req.params.id), { force: b.force === 'true' });
      return back(reply, req.params.id, 'Published.');
    }
    throw new DisclosureServiceError('INVALID_REQUEST', 'action is schedule or publish-now');
  });

  app.post<{ Params: { id: string } }>('/team/cases/:id/messages', async (req, reply) => {
    const b = body(req);
    const parentId = field(b, 'parentId', 100);
    const m = await service.postMessage(who(req), { caseId: caseId(req.params.id) }, { text: field(b, 'text'), ...(parentId ? { parentId } : {}), visibility: b.internal === 'true' ? 'internal' : 'participants' });
    return back(reply, req.params.id, m.visibility === 'internal' ? 'Internal note posted.' : 'Message posted.', `#${m.id}`);
  });

  app.get<{ Params: { id: string } }>('/team/files/:id', async (req, reply) => {
    const f = await service.getFile(who(req), req.params.id);
    const ascii = f.name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
    return reply.code(200).type('application/octet-stream')
      .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(f.name)}`)
      .header('content-security-policy', DOWNLOAD_CSP).header('x-content-type-options', 'nosniff').header('cache-control', 'no-store')
      .send(Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength));
  });

  // --- directory ---------------------------------------------------------------------------------

  app.get<{ Querystring: { done?: string } }>('/team/vendors', async (req, reply) => {
    const vendors: DisclosureVendorRow[] = await service.listVendors(who(req));
    return send(reply, 'Vendors', vendorsBody(ctx(req).viewer, vendors, req.query.done === '1' ? 'Vendor saved.' : undefined), ctx(req).viewer);
  });

  app.post('/team/vendors', async (req, reply) => {
    const b = body(req);
    const name = field(b, 'name', 200).trim();
    if (!name) throw new DisclosureServiceError('INVALID_REQUEST', 'a vendor needs a name');
    const email = field(b, 'email', 320).trim();
    if (!/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(email)) throw new DisclosureServiceError('INVALID_REQUEST', 'the PSIRT e-mail is not an e-mail address');
    const products = field(b, 'products', 4000).split(',').map((x) => x.trim()).filter((x) => x !== '').slice(0, 100);
    await service.putVendor(who(req), { ...(b.id ? { id: field(b, 'id', 60).trim() } : {}), name, contacts: [{ email }], products });
    return reply.redirect('/team/vendors?done=1', 303);
  });

}

/** Flash texts a redirect may name (only these: a link cannot make the page say anything else). */
const DONE = new Map<string, string>();
for (const t of ['The report joined the case.', 'A new case was opened for the report.', 'Participant added.', 'Vulnerability added.', 'Vendor status set.', 'Default embargo proposed.', 'Embargo proposed.', 'Embargo accepted.', 'Proposal rejected.', 'Embargo ended.',
  'Case state recorded.', 'Message posted.', 'Internal note posted.', 'Published.', 'Report validated.', 'Report invalidated.', 'Report accepted.', 'Report deferred.', 'Report closed.']) DONE.set(t, t);
const DYNAMIC_DONE = [/^Reserved CVE-\d{4}-\d{4,19}\.$/, /^Advisory drafted \(version \d+\.\d+\.\d+(, valid|, \d+ issue\(s\))\)\.$/, /^Publication scheduled for the embargo end, [0-9: A-Za-z()+\-_/]{10,60}\.$/];
const doneText = (k: string): string | undefined => DONE.get(k) ?? (k.length < 200 && DYNAMIC_DONE.some((r) => r.test(k)) ? k : undefined);

/** A date and time typed in the team's zone, as an instant. */
function wallInstant(date: string, time: string, tz: string): string {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!d || !t) throw new DisclosureServiceError('INVALID_REQUEST', 'give the date as YYYY-MM-DD and the time as HH:MM');
  return instantFromWallTime({ year: Number(d[1]), month: Number(d[2]), day: Number(d[3]), hour: Number(t[1]), minute: Number(t[2]), second: t[3] ? Number(t[3]) : (t[1] === '23' && t[2] === '59' ? 59 : 0) }, tz);
}

function formFields(b: Body): DraftFormValues {
  const g = (k: string, max = 20_000) => (typeof b[k] === 'string' ? b[k]!.slice(0, max) : '');
  return { title: g('title', 300), description: g('description'), vendor: g('vendor', 200), product: g('product', 200), versions: g('versions', 8000), cwe: g('cwe', 20), cvss: g('cvss', 1000), references: g('references', 20_000), remediations: g('remediations', 20_000) };
}

const lines = (s: string) => s.split(/\r?\n/).map((x) => x.trim()).filter((x) => x !== '');

/** The draft form's text fields as `CveDraftInput` (empty fields: the case data). */
function draftInput(f: DraftFormValues): CveDraftInput {
  const versions: DraftVersion[] = lines(f.versions).map((l) => {
    const m = /^(\S+)(?:\s*<\s*(\S+))?$/.exec(l);
    if (!m) throw new DisclosureServiceError('INVALID_REQUEST', `versions: "${l.slice(0, 60)}" is neither "3.4" nor "3.0 < 3.5"`);
    return m[2] ? { version: m[1], lessThan: m[2], status: 'affected', versionType: 'semver' } : { version: m[1], status: 'affected' };
  });
  const references = lines(f.references).map((l) => {
    const [url, ...name] = l.split(/\s+/);
    return { url, ...(name.length ? { name: name.join(' ') } : {}) };
  });
  const cwe = f.cwe.trim().toUpperCase();
  return {
    ...(f.title.trim() ? { title: f.title.trim() } : {}), ...(f.description.trim() ? { description: f.description.trim() } : {}),
    ...(f.vendor.trim() ? { vendor: f.vendor.trim() } : {}), ...(f.product.trim() ? { product: f.product.trim() } : {}),
    ...(versions.length ? { versions } : {}), ...(cwe ? { cwe: { id: cwe } } : {}),
    ...(lines(f.cvss).length ? { cvss: lines(f.cvss) } : {}), ...(references.length ? { references } : {}),
    ...(lines(f.remediations).length ? { remediations: lines(f.remediations).map((details) => ({ category: 'vendor_fix' as const, details })) } : {}),
  };
}

/** A stored draft's input back into the form's text fields. */
function formValues(i: CveDraftInput): DraftFormValues {
  return {
    title: i.title ?? '', description: i.description ?? '', vendor: i.vendor ?? '', product: i.product ?? '',
    versions: (i.versions ?? []).map((v) => (v.lessThan ? `${v.version} < ${v.lessThan}` : v.version)).join('\n'),
    cwe: i.cwe?.id ?? '', cvss: (i.cvss ?? []).join('\n'),
    references: (i.references ?? []).map((r) => (r.name ? `${r.url} ${r.name}` : r.url)).join('\n'),
    remediations: (i.remediations ?? []).map((r) => r.details).join('\n'),
  };
}
