/**
 * @module The CNA workbench (issue 5 §3) under `/cna/`, a Fastify plugin: sign-in with org,
 * username and API key into a server-side session (cookie `HttpOnly; SameSite=Lax`,
 * `Secure` over https), a synchronizer CSRF token on every POST, lockout after repeated
 * failures; reservation, the org's IDs, the record editor with server-side validation in
 * words, drafts, preview, publish/update/reject/undo-reject, users and keys, the audit log
 * and the upstream relay settings. Changes go through `CnaService` (through `CnaRelay`
 * when the org has an upstream), so the rules and the audit are the API's. A small
 * in-process worker retries the relay's outbox and writes pending records into the
 * repository (on start and every few seconds).
 *
 * @example
 * await app.register(cnaWeb, { store });
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CnaError, CnaRelay, CnaService, SharedLimiter, buildPublishedRecord, checkContainer, isSecretariat, isoMs, parseSecretKey, pathCveId } from '../cna/index.ts';
import type { Actor, LimiterOptions } from '../cna/index.ts';
import { diffRecords, summarizeRecord, validateRecord } from '../cve/index.ts';
import type { CveRecordJson } from '../cve/index.ts';
import { describeCvss, scoreCvss } from '../cvss/index.ts';
import type { RepositoryStatus } from '../ingest/index.ts';
import type { CnaCveId, CnaOrg, CnaSession, Store } from '../store/index.ts';
import { html, page, recordBody } from '../web/index.ts';
import type { SafeHtml } from '../web/index.ts';
import { containerOf, inWords, modelFromFields, modelOf } from '../web/cna/form.ts';
import type { Container, CvssFacts } from '../web/cna/form.ts';
import { auditBody, dashboardBody, editorBody, flashBox, HEAD, idBody, nav, signInBody, upstreamBody, usersBody } from '../web/cna/pages.ts';
import type { AuditRow, Problem, Viewer } from '../web/cna/pages.ts';
import { CSP, contentFrame, statusSource } from './context.ts';
import { readCookies, setCookie, type CookieScope } from './cookies.ts';

export interface CnaWebOptions {
  readonly store: Store;
  readonly service?: CnaService;
  readonly relay?: CnaRelay;
  /** The server key for sealing upstream keys; default `CVEKIT_SECRET_KEY`. */
  readonly secretKey?: Buffer;
  /** Failed sign-ins: default 5 per org+user and 50 per address in 15 minutes. */
  readonly limiter?: LimiterOptions;
  /** The outbox and repository worker; `false` turns it off (tests drive it). */
  readonly worker?: { readonly intervalMs?: number } | false;
  readonly sessionHours?: number;
  /** The repository status for the pages' content date; default a cache over `store` (the app shares its own). */
  readonly status?: () => Promise<RepositoryStatus>;
}

const COOKIE = 'cvekit_cna';
const PRE_COOKIE = 'cvekit_cna_pre';
const PAGE_SIZE = 50;
const ASSETS = new URL('../web/cna/assets/', import.meta.url);

type Body = Record<string, string>;

interface Ctx {
  readonly actor: Actor;
  readonly session: CnaSession;
  readonly viewer: Viewer;
}

declare module 'fastify' {
  interface FastifyRequest {
    cna?: Ctx;
  }
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const sameText = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const SCOPE: CookieScope = { path: '/cna', sameSite: 'Lax' };
const cookies = readCookies;


function cvssFacts(vector: string): CvssFacts | undefined {
  const r = scoreCvss(vector);
  if (!r.ok) return undefined;
  const x = r as unknown as { version: string; baseScore?: number; score: number; baseSeverity?: string; severity: string };
  return { version: x.version, baseScore: x.baseScore ?? x.score, baseSeverity: String(x.baseSeverity ?? x.severity).toUpperCase() };
}

/** Where a signed-in user may be sent after sign-in: a workbench path only. */
const safeNext = (next: string | undefined): string => (next && /^\/cna(?:\/[A-Za-z0-9\-_/.?=&%]*)?$/.test(next) && !next.startsWith('//') ? next : '/cna');

const DONE: Record<string, string> = {
  reserved: 'Reserved',
  published: 'Published: the record is on its public page.',
  rejected: 'Rejected.',
  undone: 'The rejection was undone: the ID is RESERVED again.',
  draft: 'Draft saved.',
  queued: 'The upstream could not be reached: the operation is queued and will be retried.',
  upstream: 'Upstream saved.',
  'upstream-removed': 'Upstream removed.',
};

export async function cnaWeb(app: FastifyInstance, opts: CnaWebOptions): Promise<void> {
  const { store } = opts;
  const service = opts.service ?? new CnaService(store);
  const relay = opts.relay ?? new CnaRelay(service, { secretKey: opts.secretKey ?? parseSecretKey(process.env.CVEKIT_SECRET_KEY) });
  const limiter = new SharedLimiter(store.cna, { kind: 'web', maxPerUser: 5, maxPerIp: 50, ...opts.limiter });
  const sessionMs = (opts.sessionHours ?? 8) * 3600_000;
  const assets = {
    js: readFileSync(new URL('workbench.js', ASSETS), 'utf8'),
    css: readFileSync(new URL('workbench.css', ASSETS), 'utf8'),
  };

  for (const type of ['application/x-www-form-urlencoded', 'application/json']) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
  }
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4 * 1024 * 1024 }, (_req, body, done) => {
    const out: Body = {};
    for (const [k, v] of new URLSearchParams(String(body))) out[k] = v;
    done(null, out);
  });
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 4 * 1024 * 1024 }, (_req, body, done) => {
    try {
      done(null, String(body) ? JSON.parse(String(body)) : {});
    } catch {
      done(new CnaError('INVALID_JSON_SYNTAX'), undefined);
    }
  });

  // --- the page frame ---------------------------------------------------------------
  const status = opts.status ?? statusSource(store);
  const send = async (reply: FastifyReply, title: string, body: SafeHtml, viewer?: Viewer, code = 200): Promise<FastifyReply> => {
    const s = await status();
    return reply
      .code(code)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', CSP)
      .header('cache-control', 'no-store')
      .header('x-frame-options', 'DENY')
      .send(page({ title: `${title} · CNA workbench`, ...contentFrame(s) }, html`${HEAD}${nav(viewer)}${body}`));
  };

  app.setErrorHandler(async (err, req, reply) => {
    const e = err instanceof CnaError ? err : undefined;
    const fst = err as { statusCode?: number };
    const code = e ? e.status : fst.statusCode && fst.statusCode >= 400 && fst.statusCode < 500 ? fst.statusCode : 500;
    if (code >= 500 && !e) req.log.error({ err }, 'workbench request failed');
    const message = code >= 500 && !e ? 'Something went wrong on the server.' : (err as Error).message;
    if (req.url.startsWith('/cna/api/')) return reply.code(code).header('cache-control', 'no-store').send({ error: e?.code ?? 'ERROR', message });
    return send(reply, 'Error', html`<h1>Could not do that</h1><div class="flash error" role="alert">${message}</div><p><a href="/cna">Back to the workbench</a></p>`, req.cna?.viewer, code);
  });

  // --- sessions and CSRF --------------------------------------------------------------
  app.addHook('preHandler', async (req, reply) => {
    const path = req.url.split('?')[0];
    if (!path.startsWith('/cna') || path.startsWith('/cna/assets/') || path === '/cna/login') return;
    const token = cookies(req).get(COOKIE);
    const session = token ? await store.cna.getSession(sha256(token)) : undefined;
    const now = isoMs(new Date());
    let actor: Actor | undefined;
    if (session && session.expires > now) {
      const user = await store.cna.getUserByUuid(session.userUuid);
      const org = user && (await store.cna.getOrgByUuid(user.orgUuid));
      if (user && org && user.active && org.uuid === session.orgUuid) actor = { org, user };
    }
    if (!session || !actor) {
      if (req.method === 'GET' && !path.startsWith('/cna/api/')) return reply.redirect(`/cna/login?next=${encodeURIComponent(req.url)}`, 303);
      throw new CnaError('UNAUTHORIZED', { message: 'Sign in to the CNA workbench first.' });
    }
    const viewer: Viewer = { org: actor.org.shortName, username: actor.user.username, admin: actor.user.roles.includes('ADMIN'), secretariat: isSecretariat(actor), csrf: session.csrf };
    req.cna = { actor, session, viewer };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const sent = String((req.body as Body | undefined)?._csrf ?? req.headers['x-csrf-token'] ?? '');
      if (!sameText(sent, session.csrf)) throw new CnaError('CSRF_TOKEN_INVALID');
    }
  });

  const ctx = (req: FastifyRequest): Ctx => req.cna as Ctx;
  const requireAdmin = (c: Ctx): void => {
    if (!c.viewer.admin && !c.viewer.secretariat) throw new CnaError('NOT_ORG_ADMIN_OR_SECRETARIAT');
  };
  /** The ID if this org owns it (the Secretariat sees all); anything else is "not found". */
  const ownedId = async (c: Ctx, raw: string): Promise<CnaCveId> => {
    let cveId: string;
    try {
      cveId = pathCveId(raw);
    } catch {
      throw new CnaError('CVE_ID_NOT_FOUND', { message: 'There is no such CVE ID in your organisation.' });
    }
    const id = await store.cna.getCveId(cveId);
    if (!id || id.state === 'AVAILABLE' || (!c.viewer.secretariat && id.owningOrg !== c.actor.org.uuid)) throw new CnaError('CVE_ID_NOT_FOUND', { message: `${cveId} is not an ID of your organisation.` });
    return id;
  };

  // --- assets and sign-in -------------------------------------------------------------
  app.get('/cna/assets/workbench.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(assets.js));
  app.get('/cna/assets/workbench.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(assets.css));

  const signInPage = async (req: FastifyRequest, reply: FastifyReply, o: { error?: string; org?: string; username?: string; next?: string }, code = 200) => {
    // Sign-in CSRF: a pre-session token in a cookie and in the form (double submit).
    const pre = randomBytes(24).toString('base64url');
    setCookie(req, reply, SCOPE, PRE_COOKIE, pre, 3600);
    return send(reply, 'Sign in', signInBody({ ...o, csrf: pre }), undefined, code);
  };

  app.get<{ Querystring: { next?: string } }>('/cna/login', async (req, reply) => signInPage(req, reply, { next: safeNext(req.query.next) }));

  app.post<{ Body: Body }>('/cna/login', async (req, reply) => {
    const b = req.body ?? {};
    const pre = cookies(req).get(PRE_COOKIE) ?? '';
    const org = String(b.org ?? '').trim();
    const username = String(b.username ?? '').trim();
    const next = safeNext(b.next);
    if (!pre || !sameText(String(b._csrf ?? ''), pre)) return signInPage(req, reply, { error: 'The sign-in form expired (CSRF check). Please try again.', org, username, next }, 403);
    const who = `${org}/${username}`;
    const locked = () => signInPage(req, reply, { error: 'Too many failed sign-ins: this account is locked for 15 minutes.', org, username, next }, 429);
    if (await limiter.blocked(who, req.ip)) return locked();
    // The attempt is charged in the store before the key check (shared by all processes, atomic).
    let charged = false;
    let over = false;
    const actor = await service.authenticate(org, username, String(b.key ?? ''), {
      beforeKeyCheck: async () => {
        charged = true;
        if (await limiter.charge(who, req.ip)) throw new CnaError('TOO_MANY_REQUESTS');
      },
    }).catch((err: unknown) => {
      // Also for a request that joined another's check of the same key.
      if (!(err instanceof CnaError && err.code === 'TOO_MANY_REQUESTS')) throw err;
      over = true;
      return undefined;
    });
    if (over) return locked();
    if (!actor) {
      if (!charged) await limiter.charge(who, req.ip);
      return signInPage(req, reply, { error: 'Wrong organisation, username or API key (or the user is deactivated).', org, username, next }, 401);
    }
    if (charged) await limiter.refund(who, req.ip);
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    await store.cna.createSession({ idHash: sha256(token), userUuid: actor.user.uuid, orgUuid: actor.org.uuid, csrf: randomBytes(24).toString('base64url'), created: isoMs(new Date(now)), expires: isoMs(new Date(now + sessionMs)) });
    setCookie(req, reply, SCOPE, COOKIE, token, Math.floor(sessionMs / 1000));
    setCookie(req, reply, SCOPE, PRE_COOKIE, '', 0);
    return reply.redirect(next, 303);
  });

  app.post('/cna/logout', async (req, reply) => {
    await store.cna.deleteSession(ctx(req).session.idHash);
    setCookie(req, reply, SCOPE, COOKIE, '', 0);
    return reply.redirect('/cna/login', 303);
  });

  // --- IDs ----------------------------------------------------------------------------
  app.get<{ Querystring: Record<string, string | undefined> }>('/cna', async (req, reply) => {
    const c = ctx(req);
    const a = c.actor;
    const state = ['RESERVED', 'PUBLISHED', 'REJECTED'].includes(String(req.query.state)) ? (req.query.state as 'RESERVED') : undefined;
    const year = /^\d{4}$/.test(req.query.year ?? '') ? Number(req.query.year) : undefined;
    const pageNo = Math.max(1, Math.min(10_000, Number.parseInt(req.query.page ?? '1', 10) || 1));
    const filter = { ...(state ? { state } : {}), ...(year ? { year } : {}) };
    const list = await store.cna.listCveIds({ owningOrg: a.org.uuid, ...filter, offset: (pageNo - 1) * PAGE_SIZE, limit: PAGE_SIZE });
    const counts = [];
    for (const s of ['RESERVED', 'PUBLISHED', 'REJECTED'] as const) counts.push({ state: s, n: (await store.cna.listCveIds({ owningOrg: a.org.uuid, state: s, ...(year ? { year } : {}), offset: 0, limit: 1 })).total });
    const drafts = new Set((await store.cna.listDrafts(a.org.uuid)).map((d) => d.cveId));
    const outbox = await store.cna.listOutbox(a.org.uuid, { limit: 20 });
    const upstream = await relay.upstreamOf(a.org.uuid);
    const done = req.query.done && DONE[req.query.done] ? `${DONE[req.query.done]}${req.query.ids ? ` ${req.query.ids.replace(/[^A-Z0-9\-, ]/g, '')}` : ''}` : undefined;
    const body = dashboardBody({
      viewer: c.viewer,
      quota: await service.quota(a, a.org.shortName),
      ids: list.items.map((i) => ({ cveId: i.cveId, state: i.state, year: i.year, reserved: i.reserved, owner: a.org.shortName, draft: drafts.has(i.cveId) })),
      total: list.total,
      counts,
      filter: { ...filter, page: pageNo },
      pageSize: PAGE_SIZE,
      year: new Date().getUTCFullYear(),
      outbox: outbox.filter((o) => o.state !== 'done'),
      ...(upstream ? { upstream: upstream.url } : {}),
    });
    return send(reply, 'CVE IDs', html`${flashBox(done ? { kind: req.query.done === 'queued' ? 'warn' : 'ok', text: done } : undefined)}${body}`, c.viewer);
  });

  app.post<{ Body: Body }>('/cna/reserve', async (req, reply) => {
    const c = ctx(req);
    const amount = Number.parseInt(req.body.amount ?? '1', 10);
    const year = Number.parseInt(req.body.year ?? '', 10);
    if (!Number.isInteger(year)) throw new CnaError('CANNOT_RESERVE_FOR_YEAR', { message: 'Give the year as four digits.' });
    const batch = req.body.batch_type === 'nonsequential' ? 'nonsequential' : 'sequential';
    const r = await relay.reserve(c.actor, { amount, year, shortName: c.actor.org.shortName, ...(amount > 1 ? { batchType: batch } : {}) });
    if (r.kind === 'queued') return reply.redirect(`/cna?done=queued`, 303);
    return reply.redirect(`/cna?done=reserved&ids=${encodeURIComponent(r.value.join(', '))}`, 303);
  });

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/cna/ids/:id', async (req, reply) => {
    const c = ctx(req);
    const id = await ownedId(c, req.params.id);
    const rec = await store.cna.getRecord(id.cveId);
    const draft = await store.cna.getDraft(id.cveId);
    const reason = rec?.state === 'REJECTED' ? (JSON.parse(rec.json) as CveRecordJson).containers.cna.rejectedReasons?.[0]?.value : undefined;
    const done = req.query.done && DONE[req.query.done];
    return send(reply, id.cveId, html`${flashBox(done ? { kind: req.query.done === 'queued' ? 'warn' : 'ok', text: done } : undefined)}${idBody({
      viewer: c.viewer, cveId: id.cveId, state: id.state, reserved: id.reserved, hasRecord: rec !== undefined,
      ...(draft ? { draftSaved: `${draft.updated.replace('T', ' ').slice(0, 16)} by ${draft.updatedBy}` } : {}),
      ...(reason ? { rejectedReason: reason } : {}),
    })}`, c.viewer);
  });

  // --- the editor -----------------------------------------------------------------------
  const startingContainer = async (cveId: string): Promise<{ container: Container; published: boolean; draftSaved?: string }> => {
    const rec = await store.cna.getRecord(cveId);
    const published = rec?.state === 'PUBLISHED';
    const draft = await store.cna.getDraft(cveId);
    if (draft) return { container: JSON.parse(draft.json) as Container, published, draftSaved: `${draft.updated.replace('T', ' ').slice(0, 16)} by ${draft.updatedBy}` };
    if (published) {
      const { providerMetadata: _p, ...cna } = (JSON.parse(rec.json) as CveRecordJson).containers.cna as unknown as Container;
      return { container: cna, published };
    }
    return { container: { descriptions: [], affected: [], references: [] }, published };
  };

  const problemsOf = (container: Container, id: CnaCveId, org: CnaOrg): Problem[] => {
    try {
      checkContainer(container, 'published', new Date());
    } catch (err) {
      if (!(err instanceof CnaError)) throw err;
      const list = ((err.details as { errors?: { instancePath: string; message: string }[] } | undefined)?.errors ?? []).map((e) => ({ path: e.instancePath, text: inWords(e.instancePath, e.message) }));
      return list.length ? dedupe(list) : [{ path: '', text: err.message }];
    }
    const record = buildPublishedRecord({ id, owner: org, requester: org, container, now: isoMs(new Date()) });
    const v = validateRecord(record, { formats: true });
    return dedupe(v.issues.map((i) => ({ path: i.path, text: inWords(i.path, i.message) })));
  };

  const editorPage = async (req: FastifyRequest, reply: FastifyReply, id: CnaCveId, o: { container: Container; json?: string; problems?: Problem[]; validated?: boolean; cweQuery?: string; preview?: boolean; draftSaved?: string; flash?: { kind: 'ok' | 'error' | 'warn'; text: string } }, code = 200) => {
    const c = ctx(req);
    const model = modelOf(o.container);
    const facts = model.cvssVector ? cvssFacts(model.cvssVector) : undefined;
    const cvss = !model.cvssVector ? undefined : facts ? { score: facts.baseScore, severity: facts.baseSeverity, version: facts.version } : { error: `The CVSS vector is not valid${describeCvss(model.cvssVector) ? '' : ''}.` };
    let preview: SafeHtml | undefined;
    if (o.preview) {
      try {
        const record = buildPublishedRecord({ id, owner: c.actor.org, requester: c.actor.org, container: o.container, now: isoMs(new Date()) });
        const summary = summarizeRecord(record);
        const cwes = await store.getCwes(summary.cweIds);
        preview = recordBody({ summary, record, versions: [], cwes, replacing: [] });
      } catch {
        preview = html`<p>The preview needs a record that can be read; fix the problems above first.</p>`;
      }
    }
    const published = (await store.cna.getRecord(id.cveId))?.state === 'PUBLISHED';
    return send(reply, `Edit ${id.cveId}`, html`${flashBox(o.flash)}${editorBody({
      viewer: c.viewer, cveId: id.cveId, model, json: o.json ?? JSON.stringify(o.container, null, 2), problems: o.problems ?? [], validated: o.validated ?? false, published,
      ...(cvss ? { cvss } : {}),
      ...(o.cweQuery ? { cweQuery: o.cweQuery, cweResults: await store.cna.searchCwes(o.cweQuery, 25) } : {}),
      ...(preview ? { preview } : {}),
      ...(o.draftSaved ? { draftSaved: o.draftSaved } : {}),
    })}`, c.viewer, code);
  };

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/cna/ids/:id/edit', async (req, reply) => {
    const c = ctx(req);
    const id = await ownedId(c, req.params.id);
    const start = await startingContainer(id.cveId);
    return editorPage(req, reply, id, { container: start.container, ...(start.draftSaved ? { draftSaved: start.draftSaved } : {}), ...(req.query.done === 'draft' ? { flash: { kind: 'ok', text: DONE.draft } } : {}) });
  });

  app.post<{ Params: { id: string }; Body: Body }>('/cna/ids/:id/edit', async (req, reply) => {
    const c = ctx(req);
    const id = await ownedId(c, req.params.id);
    const b = req.body ?? {};
    const start = await startingContainer(id.cveId);
    let container: Container;
    let json: string | undefined;
    if (b.source === 'json') {
      json = String(b.json ?? '');
      try {
        const parsed = JSON.parse(json) as unknown;
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the CNA container must be a JSON object');
        container = parsed as Container;
      } catch (err) {
        return editorPage(req, reply, id, { container: start.container, json, problems: [{ path: '', text: `JSON view: not valid JSON (${(err as Error).message})` }] }, 400);
      }
    } else container = containerOf(modelFromFields(new Map(Object.entries(b))), start.container, cvssFacts);
    const action = b.action ?? 'validate';
    if (action === 'cwe') return editorPage(req, reply, id, { container, cweQuery: String(b.cweQuery ?? '').slice(0, 100) });
    if (action === 'save') {
      await store.cna.saveDraft({ cveId: id.cveId, orgUuid: id.owningOrg, json: JSON.stringify(container), updated: isoMs(new Date()), updatedBy: c.actor.user.username });
      return reply.redirect(`/cna/ids/${id.cveId}/edit?done=draft`, 303);
    }
    const problems = problemsOf(container, id, c.actor.org);
    if (action === 'preview') return editorPage(req, reply, id, { container, ...(json ? { json } : {}), problems, validated: true, preview: true });
    if (action !== 'publish' || problems.length) return editorPage(req, reply, id, { container, ...(json ? { json } : {}), problems, validated: true }, problems.length && action === 'publish' ? 400 : 200);
    const existing = await store.cna.getRecord(id.cveId);
    try {
      const r = await relay.submitCna(c.actor, id.cveId, { cnaContainer: container }, 'published', existing?.state === 'PUBLISHED' ? 'update' : 'create');
      if (r.kind === 'queued') {
        await store.cna.saveDraft({ cveId: id.cveId, orgUuid: id.owningOrg, json: JSON.stringify(container), updated: isoMs(new Date()), updatedBy: c.actor.user.username });
        return reply.redirect(`/cna/ids/${id.cveId}?done=queued`, 303);
      }
      await store.cna.deleteDraft(id.cveId);
      return reply.redirect(`/cna/ids/${id.cveId}?done=published`, 303);
    } catch (err) {
      if (!(err instanceof CnaError)) throw err;
      const list = ((err.details as { errors?: { instancePath: string; message: string }[] } | undefined)?.errors ?? []).map((e) => ({ path: e.instancePath, text: inWords(e.instancePath, e.message) }));
      return editorPage(req, reply, id, { container, ...(json ? { json } : {}), problems: list.length ? list : [{ path: '', text: err.message }] }, err.status >= 400 && err.status < 600 ? err.status : 400);
    }
  });

  // --- reject and undo ----------------------------------------------------------------
  app.post<{ Params: { id: string }; Body: Body }>('/cna/ids/:id/reject', async (req, reply) => {
    const c = ctx(req);
    const id = await ownedId(c, req.params.id);
    const reason = String(req.body.reason ?? '').trim();
    if (!reason) throw new CnaError('INVALID_JSON_SCHEMA', { message: 'Rejection reason must not be empty.' });
    const replacedBy = String(req.body.replacedBy ?? '').split(/[\s,]+/).filter(Boolean).map((x) => x.toUpperCase());
    const body = { cnaContainer: { rejectedReasons: [{ lang: 'en', value: reason }], ...(replacedBy.length ? { replacedBy } : {}) } };
    const existing = await store.cna.getRecord(id.cveId);
    const r = await relay.submitCna(c.actor, id.cveId, body, 'rejected', existing ? 'update' : 'create');
    return reply.redirect(`/cna/ids/${id.cveId}?done=${r.kind === 'queued' ? 'queued' : 'rejected'}`, 303);
  });

  for (const [path, state, done] of [['reject-id', 'REJECTED', 'rejected'], ['undo-reject', 'RESERVED', 'undone']] as const) {
    app.post<{ Params: { id: string } }>(`/cna/ids/:id/${path}`, async (req, reply) => {
      const c = ctx(req);
      const id = await ownedId(c, req.params.id);
      const r = await relay.changeState(c.actor, id.cveId, state);
      return reply.redirect(`/cna/ids/${id.cveId}?done=${r.kind === 'queued' ? 'queued' : done}`, 303);
    });
  }

  // --- users and keys -----------------------------------------------------------------
  const usersPage = async (req: FastifyRequest, reply: FastifyReply, shownKey?: { username: string; key: string }) => {
    const c = ctx(req);
    requireAdmin(c);
    const users = await service.listOrgUsers(c.actor, c.actor.org.shortName, { offset: 0, limit: 100 });
    return send(reply, 'Users', usersBody(c.viewer, users.items.map((u) => ({ username: u.username, admin: u.roles.includes('ADMIN'), active: u.active, created: u.created })), shownKey), c.viewer);
  };
  app.get('/cna/users', async (req, reply) => usersPage(req, reply));
  app.post<{ Body: Body }>('/cna/users', async (req, reply) => {
    const c = ctx(req);
    requireAdmin(c);
    const username = String(req.body.username ?? '').trim();
    const r = await service.createUser(c.actor, c.actor.org.shortName, { username, roles: req.body.admin ? ['ADMIN'] : [] });
    return usersPage(req, reply, { username, key: r.secret });
  });
  app.post<{ Params: { user: string }; Body: Body }>('/cna/users/:user/active', async (req, reply) => {
    const c = ctx(req);
    requireAdmin(c);
    await service.updateUser(c.actor, c.actor.org.shortName, req.params.user, { active: req.body.active === 'true' });
    return reply.redirect('/cna/users', 303);
  });
  app.post<{ Params: { user: string } }>('/cna/users/:user/reset-key', async (req, reply) => {
    const c = ctx(req);
    requireAdmin(c);
    const key = await service.resetSecret(c.actor, c.actor.org.shortName, req.params.user);
    return usersPage(req, reply, { username: req.params.user, key });
  });

  // --- audit ----------------------------------------------------------------------------
  app.get<{ Querystring: { before?: string } }>('/cna/audit', async (req, reply) => {
    const c = ctx(req);
    requireAdmin(c);
    const before = /^\d{1,15}$/.test(req.query.before ?? '') ? Number(req.query.before) : undefined;
    const entries = await store.cna.listAuditDesc({ ...(c.viewer.secretariat ? {} : { org: c.actor.org.uuid }), ...(before ? { beforeId: before } : {}), limit: 50 });
    const users = new Map<string, string>();
    const orgs = new Map<string, string>();
    const orgName = async (u: string) => {
      if (!u) return 'command line';
      if (!orgs.has(u)) orgs.set(u, (await store.cna.getOrgByUuid(u))?.shortName ?? u);
      return orgs.get(u) as string;
    };
    const userName = async (u: string) => {
      if (!u) return 'command line';
      if (!users.has(u)) users.set(u, (await store.cna.getUserByUuid(u))?.username ?? u);
      return users.get(u) as string;
    };
    const text = (v: unknown) => {
      const s = typeof v === 'string' ? v : JSON.stringify(v);
      return s === undefined ? '' : s.length > 200 ? `${s.slice(0, 200)}…` : s;
    };
    const rows: AuditRow[] = [];
    for (const e of entries) {
      let changes: AuditRow['changes'] = [];
      if (e.before !== undefined || e.after !== undefined) {
        try {
          changes = diffRecords(e.before ?? {}, e.after ?? {}).map((ch) => ({ path: ch.path, kind: ch.kind, ...(ch.old !== undefined ? { old: text(ch.old) } : {}), ...(ch.new !== undefined ? { new: text(ch.new) } : {}) }));
        } catch {
          changes = [{ path: '', kind: 'changed', old: text(e.before), new: text(e.after) }];
        }
      }
      rows.push({ id: e.id, at: e.at, who: `${await userName(e.actorUser)} (${await orgName(e.actorOrg)})`, org: await orgName(e.org), action: e.action, target: e.target, changes });
    }
    return send(reply, 'Audit log', auditBody(c.viewer, rows, entries.length === 50 ? entries[entries.length - 1].id : undefined), c.viewer);
  });

  // --- upstream relay settings --------------------------------------------------------------
  app.get<{ Querystring: { done?: string } }>('/cna/upstream', async (req, reply) => {
    const c = ctx(req);
    requireAdmin(c);
    const done = req.query.done && DONE[req.query.done];
    return send(reply, 'Upstream', html`${flashBox(done ? { kind: 'ok', text: done } : undefined)}${upstreamBody(c.viewer, await relay.upstreamOf(c.actor.org.uuid), relay.canConfigure)}`, c.viewer);
  });
  app.post<{ Body: Body }>('/cna/upstream', async (req, reply) => {
    const c = ctx(req);
    await relay.configure(c.actor, { url: String(req.body.url ?? ''), org: String(req.body.org ?? ''), user: String(req.body.user ?? ''), key: String(req.body.key ?? '') });
    return reply.redirect('/cna/upstream?done=upstream', 303);
  });
  app.post('/cna/upstream/remove', async (req, reply) => {
    await relay.remove(ctx(req).actor);
    return reply.redirect('/cna/upstream?done=upstream-removed', 303);
  });

  // --- JSON endpoints for the progressive script ---------------------------------------
  app.post<{ Body: { fields?: Record<string, unknown>; cnaContainer?: unknown; cveId?: string } }>('/cna/api/validate', async (req, reply) => {
    const c = ctx(req);
    const b = req.body ?? {};
    let container: Container;
    let id: CnaCveId | undefined;
    if (b.fields && typeof b.fields === 'object') {
      const f = new Map(Object.entries(b.fields).map(([k, v]) => [k, String(v)]));
      const cveId = String(b.cveId ?? /\/cna\/ids\/(CVE-\d{4}-\d{4,19})\/edit/.exec(String(req.headers.referer ?? ''))?.[1] ?? '');
      if (cveId) id = await ownedId(c, cveId).catch(() => undefined);
      container = containerOf(modelFromFields(f), id ? (await startingContainer(id.cveId)).container : {}, cvssFacts);
    } else if (b.cnaContainer && typeof b.cnaContainer === 'object') container = b.cnaContainer as Container;
    else throw new CnaError('BAD_REQUEST', { message: 'Send {"cnaContainer": {…}} or {"fields": {…}}.' });
    const now = isoMs(new Date());
    const fake: CnaCveId = id ?? { cveId: `CVE-${new Date().getUTCFullYear()}-0000`, year: new Date().getUTCFullYear(), number: 0, state: 'RESERVED', owningOrg: c.actor.org.uuid, requestedByOrg: c.actor.org.uuid, requestedByUser: c.actor.user.uuid, reserved: now, created: now, modified: now, rev: 1 };
    const problems = problemsOf(container, fake, c.actor.org);
    return reply.header('cache-control', 'no-store').send({ ok: problems.length === 0, problems, container });
  });

  app.post<{ Body: { vector?: unknown } }>('/cna/api/cvss', async (req, reply) => {
    const vector = String(req.body?.vector ?? '').trim().slice(0, 500);
    const r = scoreCvss(vector);
    if (!r.ok) return reply.send({ ok: false, error: `Not a valid CVSS vector: ${(r as { message?: string }).message ?? 'check the metrics'}` });
    const f = cvssFacts(vector) as CvssFacts;
    return reply.header('cache-control', 'no-store').send({ ok: true, version: f.version, score: f.baseScore, severity: f.baseSeverity });
  });

  app.get<{ Querystring: { q?: string } }>('/cna/api/cwe', async (req, reply) => {
    const q = String(req.query.q ?? '').trim().slice(0, 100);
    return reply.header('cache-control', 'no-store').send({ items: q.length < 2 ? [] : await store.cna.searchCwes(q, 25) });
  });

  // --- the worker: relay outbox and repository resync ----------------------------------
  if (opts.worker !== false) {
    const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const interval = opts.worker?.intervalMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    let running = false;
    let ticks = 0;
    const tick = async (all = false) => {
      if (running) return;
      running = true;
      try {
        await service.resyncRepository({ all });
        await relay.runDue(owner);
        if (ticks++ % 720 === 0) {
          await store.cna.purgeSessions(isoMs(new Date()));
          await limiter.purge();
        }
      } catch (err) {
        app.log.warn({ err }, 'CNA worker round failed');
      } finally {
        running = false;
      }
    };
    app.addHook('onReady', async () => {
      void tick(true);
      timer = setInterval(() => void tick(), interval);
      timer.unref();
    });
    app.addHook('onClose', async () => {
      if (timer) clearInterval(timer);
      for (let i = 0; running && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
    });
  }
}

function dedupe(list: Problem[]): Problem[] {
  const seen = new Set<string>();
  return list.filter((p) => (seen.has(p.text) ? false : (seen.add(p.text), true)));
}
