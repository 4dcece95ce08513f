/**
 * @module The CVE Services-compatible API (issue 5; spec ../shared/docs/cve-services-api.md),
 * a Fastify plugin registered under `/api`: the official `cve` client (cvelib) and
 * Vulnogram use it unchanged. Its own JSON parser (3.8 MB, empty bodies allowed), error
 * handler (CVE Services' `{ error, message, details? }` bodies and statuses from the one
 * table in `src/cna/errors.ts`), CORS and `Cache-Control: no-store`.
 *
 * @example
 * await app.register(cnaApi, { prefix: '/api', store });
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CnaError, CnaRelay, CnaService, SharedLimiter, badInput, isSecretariat, orgView, parseQueryTime, parseSecretKey, pathCveId, userView } from '../cna/index.ts';
import type { Actor, LimiterOptions, ParamProblem } from '../cna/index.ts';
import type { CnaRecordCursor, Store } from '../store/index.ts';

export interface CnaApiOptions {
  readonly store: Store;
  /** A service shared with other parts of the app (workbench); one is made otherwise. */
  readonly service?: CnaService;
  /** Items per page of the page-based lists (CVE Services: 500, fixed). */
  readonly pageSize?: number;
  /** Limits on failed key checks (per org+user and per client address), kept in the store: shared by every process. */
  readonly limiter?: LimiterOptions;
  /**
   * The upstream relay (issue 5 §4): changes to the IDs and records of an org with an
   * upstream go there first. One is made over `service` otherwise (key: `secretKey`, else
   * `CVEKIT_SECRET_KEY`).
   */
  readonly relay?: CnaRelay;
  readonly secretKey?: Buffer;
}

/** express.json's '3.8mb' (spec §1.2). */
export const CNA_BODY_LIMIT = Math.floor(3.8 * 1024 * 1024);
const PAGE_SIZE = 500;
const CURSOR_LIMIT = 500;
const HEADERS = ['CVE-API-ORG', 'CVE-API-USER', 'CVE-API-KEY'] as const;

type Kind = 'int' | 'year' | 'string' | 'bool' | 'time' | 'list';
type Spec = Readonly<Record<string, Kind>>;
type Query = Record<string, string | number | boolean | string[] | undefined>;

/**
 * Query parameters checked as cve-services' validators do (spec §1.5 shape 2): unknown
 * names, values with `<`, `>` or `"`, and malformed values are BAD_INPUT naming each one.
 */
function readQuery(req: FastifyRequest, spec: Spec, required: readonly string[] = []): Query {
  const raw = (req.query ?? {}) as Record<string, string | string[]>;
  const problems: ParamProblem[] = [];
  const out: Query = {};
  for (const [name, value] of Object.entries(raw)) {
    const kind = spec[name];
    if (!kind) {
      problems.push({ msg: `'${name}' is not a valid parameter name.`, param: name, location: 'query' });
      continue;
    }
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => /[<>"]/.test(v))) {
      problems.push({ msg: 'Invalid value', param: name, location: 'query' });
      continue;
    }
    if (kind === 'list') {
      out[name] = values;
      continue;
    }
    if (values.length !== 1) {
      problems.push({ msg: 'Invalid value', param: name, location: 'query' });
      continue;
    }
    const v = values[0];
    if (kind === 'int') {
      if (!/^-?\d{1,9}$/.test(v)) problems.push({ msg: 'Invalid value', param: name, location: 'query' });
      else out[name] = Number(v);
    } else if (kind === 'year') {
      if (!/^\d{4}$/.test(v)) problems.push({ msg: 'Invalid value', param: name, location: 'query' });
      else out[name] = Number(v);
    } else if (kind === 'bool') {
      const l = v.toLowerCase();
      if (['1', 'true', 'yes'].includes(l)) out[name] = true;
      else if (['0', 'false', 'no'].includes(l)) out[name] = false;
      else problems.push({ msg: 'Invalid value', param: name, location: 'query' });
    } else if (kind === 'time') {
      const t = parseQueryTime(v);
      if (!t) problems.push({ msg: 'Timestamps must be yyyy-MM-ddTHH:mm:ss[.fff][Z|±HH:MM]', param: name, location: 'query' });
      else out[name] = t;
    } else out[name] = v;
  }
  for (const r of required) if (out[r] === undefined && !problems.some((p) => p.param === r)) problems.push({ msg: 'Invalid value', param: r, location: 'query' });
  if (problems.length) throw badInput(problems);
  return out;
}

const str = (q: Query, k: string): string | undefined => q[k] as string | undefined;
const num = (q: Query, k: string): number | undefined => q[k] as number | undefined;
const list = (q: Query, k: string): string[] => (q[k] as string[] | undefined) ?? [];

function pageOf(q: Query, size: number): { page: number; offset: number; limit: number } {
  const page = num(q, 'page') ?? 1;
  if (page < 1) throw badInput([{ msg: 'Invalid value', param: 'page', location: 'query' }]);
  return { page, offset: (page - 1) * size, limit: size };
}

/** Page fields only when the total reaches a page (spec §7); `nextPage` null at the end. */
function pagination(total: number, page: number, size: number): Record<string, unknown> {
  if (total < size) return {};
  const pageCount = Math.ceil(total / size);
  return { totalCount: total, itemsPerPage: size, pageCount, currentPage: page, prevPage: page > 1 ? page - 1 : null, nextPage: page < pageCount ? page + 1 : null };
}

const encodeCursor = (c: CnaRecordCursor): string => Buffer.from(JSON.stringify([c.created, c.cveId, c.direction === 'before' ? 'b' : 'a'])).toString('base64url');
function decodeCursor(text: string, param: string): CnaRecordCursor {
  try {
    const [created, cveId, d] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [string, string, string];
    if (typeof created === 'string' && typeof cveId === 'string') return { created, cveId, direction: d === 'b' ? 'before' : 'after' };
  } catch {
    // fall through
  }
  throw badInput([{ msg: 'Invalid value', param, location: 'query' }]);
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badInput([{ msg: 'The request body must be a JSON object', param: 'body', location: 'body' }]);
  return body as Record<string, unknown>;
}

const asStrings = (v: unknown, param: string): string[] | undefined => {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badInput([{ msg: 'Invalid value', param, location: 'body' }]);
  return v as string[];
};

/**
 * Registers every route of the spec under the plugin's prefix.
 */
export async function cnaApi(app: FastifyInstance, opts: CnaApiOptions): Promise<void> {
  const service = opts.service ?? new CnaService(opts.store);
  const relay = opts.relay ?? new CnaRelay(service, { secretKey: opts.secretKey ?? parseSecretKey(process.env.CVEKIT_SECRET_KEY) });
  const size = opts.pageSize ?? PAGE_SIZE;
  const limiter = new SharedLimiter(opts.store.cna, { kind: 'api', ...opts.limiter });

  // --- bodies: JSON up to 3.8 MB, empty allowed; url-encoded too (express does both) ---
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: CNA_BODY_LIMIT }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new CnaError('INVALID_JSON_SYNTAX', { message: (err as Error).message }), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: CNA_BODY_LIMIT }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  // --- CORS (the cors() defaults: any origin, requested headers echoed) and no caching ---
  app.addHook('onRequest', async (_req, reply) => {
    reply.header('access-control-allow-origin', '*');
    reply.header('cache-control', 'no-store');
  });
  app.options('/*', async (req, reply) => {
    const requested = req.headers['access-control-request-headers'];
    reply.header('access-control-allow-methods', 'GET,HEAD,PUT,PATCH,POST,DELETE');
    if (typeof requested === 'string') reply.header('access-control-allow-headers', requested).header('vary', 'Access-Control-Request-Headers');
    return reply.code(204).send();
  });

  app.setErrorHandler(async (err, req, reply) => {
    reply.header('cache-control', 'no-store');
    if (err instanceof CnaError) {
      for (const [k, v] of Object.entries(err.headers ?? {})) reply.header(k, v);
      return reply.code(err.status).send(err.body());
    }
    const code = (err as { code?: string }).code;
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send(new CnaError('RECORD_TOO_LARGE').body());
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send(new CnaError('UNSUPPORTED_MEDIA_TYPE').body());
    if (status >= 400 && status < 500) return reply.code(status).send(new CnaError('BAD_REQUEST', { message: (err as Error).message }).body());
    req.log.error({ err }, 'CNA API request failed');
    return reply.code(500).send(new CnaError('SERVICE_NOT_AVAILABLE').body());
  });

  app.setNotFoundHandler(async (_req, reply) => reply.code(404).header('cache-control', 'no-store').send(new CnaError('NOT_FOUND').body()));

  // --- authentication (spec §2.1) ---
  const credentials = (req: FastifyRequest): [string, string, string] | string => {
    const out: string[] = [];
    for (const h of HEADERS) {
      const v = req.headers[h.toLowerCase()];
      if (typeof v !== 'string' || v === '') return h;
      out.push(v);
    }
    return out as [string, string, string];
  };

  /** The actor, or 400 (missing header), 429 (too many failures), 401 (anything wrong, same body). */
  const auth = async (req: FastifyRequest): Promise<Actor> => {
    const c = credentials(req);
    if (typeof c === 'string') throw new CnaError('BAD_REQUEST', { message: `${c} header field required.` });
    const [org, user, key] = c;
    const who = `${org}\u0000${user}`;
    if (await limiter.blocked(who, req.ip)) throw new CnaError('TOO_MANY_REQUESTS');
    // Each slow key check is charged before it runs (atomically, in the store), so parallel
    // guesses from any number of processes never get more checks than the limit.
    let charged = false;
    const actor = await service.authenticate(org, user, key, {
      beforeKeyCheck: async () => {
        charged = true;
        if (await limiter.charge(who, req.ip)) throw new CnaError('TOO_MANY_REQUESTS');
      },
    });
    if (!actor) {
      if (!charged) await limiter.charge(who, req.ip);
      throw new CnaError('UNAUTHORIZED');
    }
    if (charged) await limiter.refund(who, req.ip);
    return actor;
  };

  /** Optional authentication (GET /cve-id/:id): bad or missing credentials mean anonymous. */
  const maybeAuth = async (req: FastifyRequest): Promise<Actor | undefined> => {
    const c = credentials(req);
    if (typeof c === 'string') return undefined;
    try {
      return await auth(req);
    } catch {
      return undefined;
    }
  };

  const params = (req: FastifyRequest) => req.params as Record<string, string>;
  const send = (reply: FastifyReply, body: unknown) => reply.code(200).send(body);

  // --- utilities ---
  app.get('/health-check', async (_req, reply) => reply.code(200).send(''));

  // --- CVE IDs (spec §4.2) ---
  app.post('/cve-id', async (req, reply) => {
    const actor = await auth(req);
    const q = readQuery(req, { amount: 'int', cve_year: 'year', short_name: 'string', batch_type: 'string' }, ['amount', 'cve_year', 'short_name']);
    const r = await relay.reserveNow(actor, { amount: num(q, 'amount') as number, year: num(q, 'cve_year') as number, shortName: str(q, 'short_name') as string, batchType: str(q, 'batch_type') });
    reply.header('CVE-API-REMAINING-QUOTA', String(r.remaining));
    const meta = { remaining_quota: r.remaining };
    if (r.partial) {
      const e = new CnaError('RESERVED_PARTIAL_AMOUNT', { message: `Only ${r.ids.length} of ${r.requested} CVE IDs could be reserved.`, details: { amount_reserved: r.ids.length } });
      return reply.code(206).send({ ...e.body(), cve_ids: r.ids, meta });
    }
    return send(reply, { cve_ids: r.ids, meta });
  });

  app.get('/cve-id', async (req, reply) => {
    const actor = await auth(req);
    const q = readQuery(req, { state: 'string', cve_id_year: 'year', 'time_reserved.lt': 'time', 'time_reserved.gt': 'time', 'time_modified.lt': 'time', 'time_modified.gt': 'time', page: 'int' });
    const state = str(q, 'state')?.toUpperCase();
    if (state !== undefined && !['RESERVED', 'PUBLISHED', 'REJECTED'].includes(state)) throw badInput([{ msg: 'Invalid value', param: 'state', location: 'query' }]);
    const p = pageOf(q, size);
    const r = await service.listCveIds(actor, {
      offset: p.offset, limit: p.limit,
      ...(state ? { state: state as 'RESERVED' } : {}),
      ...(num(q, 'cve_id_year') !== undefined ? { year: num(q, 'cve_id_year') } : {}),
      reservedLt: str(q, 'time_reserved.lt'), reservedGt: str(q, 'time_reserved.gt'),
      modifiedLt: str(q, 'time_modified.lt'), modifiedGt: str(q, 'time_modified.gt'),
    });
    return send(reply, { ...pagination(r.total, p.page, size), cve_ids: r.items });
  });

  app.get('/cve-id/:id', async (req, reply) => {
    const id = pathCveId(params(req).id);
    readQuery(req, {});
    return send(reply, await service.showCveId(await maybeAuth(req), id));
  });

  app.put('/cve-id/:id', async (req, reply) => {
    const actor = await auth(req);
    const id = pathCveId(params(req).id);
    const q = readQuery(req, { state: 'string', org: 'string' });
    const updated = await relay.changeCveIdNow(actor, id, { state: str(q, 'state'), org: str(q, 'org') });
    return send(reply, { message: `${id} was successfully updated.`, updated });
  });

  app.post('/cve-id-range/:year', async (req, reply) => {
    const actor = await auth(req);
    const year = params(req).year;
    if (!/^\d{4}$/.test(year)) throw badInput([{ msg: 'Invalid value', param: 'year', location: 'params' }]);
    await service.createYearRange(actor, Number(year));
    return reply.code(200).send('');
  });

  // --- CVE records (spec §4.3) ---
  app.get('/cve/:id', async (req, reply) => {
    const id = pathCveId(params(req).id);
    return reply.code(200).type('application/json; charset=utf-8').send(await service.getRecordJson(id));
  });

  for (const [path, kind] of [['/cve/:id/cna', 'published'], ['/cve/:id/reject', 'rejected']] as const) {
    for (const mode of ['create', 'update'] as const) {
      app.route({
        method: mode === 'create' ? 'POST' : 'PUT',
        url: path,
        bodyLimit: CNA_BODY_LIMIT,
        handler: async (req, reply) => {
          const actor = await auth(req);
          const id = pathCveId(params(req).id);
          const record = ((await relay.submitCna(actor, id, req.body, kind, mode, { queue: false })) as { kind: 'done'; value: unknown }).value;
          const message = kind === 'published'
            ? `${id} record was successfully ${mode === 'create' ? 'created' : 'updated'}. This submission should appear on this cvekit server at once.`
            : `${id} record was successfully submitted.`;
          return send(reply, { message, [mode === 'create' ? 'created' : 'updated']: record });
        },
      });
    }
  }

  app.put('/cve/:id/adp', { bodyLimit: CNA_BODY_LIMIT }, async (req, reply) => {
    const actor = await auth(req);
    const id = pathCveId(params(req).id);
    const r = await relay.submitAdp(actor, id, req.body);
    return send(reply, { message: `${id} record had ${r.replaced ? 'replacement' : 'new'} ADP container for org ${actor.org.shortName} successfully inserted.`, updated: r.record });
  });

  for (const mode of ['create', 'update'] as const) {
    app.route({
      method: mode === 'create' ? 'POST' : 'PUT',
      url: '/cve/:id',
      bodyLimit: CNA_BODY_LIMIT,
      handler: async (req, reply) => {
        const actor = await auth(req);
        const id = pathCveId(params(req).id);
        if (isSecretariat(actor)) await relay.assertLocalChange(id);
        const record = await service.submitFullRecord(actor, id, req.body, mode);
        return send(reply, { message: `${id} record was successfully ${mode === 'create' ? 'created' : 'updated'}.`, [mode === 'create' ? 'created' : 'updated']: record });
      },
    });
  }

  const recordQuery: Spec = { 'time_modified.lt': 'time', 'time_modified.gt': 'time', state: 'string', count_only: 'bool', assigner_short_name: 'string', assigner: 'string', cna_modified: 'bool', adp_short_name: 'string' };
  const recordFilter = async (actor: Actor, q: Query) => {
    const state = str(q, 'state')?.toUpperCase();
    if (state !== undefined && state !== 'PUBLISHED' && state !== 'REJECTED') throw badInput([{ msg: 'Invalid value', param: 'state', location: 'query' }]);
    return service.recordFilter(actor, {
      state, assignerShortName: str(q, 'assigner_short_name'), assigner: str(q, 'assigner'), adpShortName: str(q, 'adp_short_name'),
      modifiedLt: str(q, 'time_modified.lt'), modifiedGt: str(q, 'time_modified.gt'), cnaModified: q.cna_modified === true,
    });
  };

  app.get('/cve', async (req, reply) => {
    const actor = await auth(req);
    const q = readQuery(req, { ...recordQuery, page: 'int' });
    const filter = await recordFilter(actor, q);
    if (q.count_only === true) return send(reply, { totalCount: await service.countRecords(filter) });
    const p = pageOf(q, size);
    const r = await service.listRecords(filter, p);
    return send(reply, { ...pagination(r.total, p.page, size), cveRecords: r.items });
  });

  app.get('/cve_cursor', async (req, reply) => {
    const actor = await auth(req);
    const q = readQuery(req, { ...recordQuery, next_page: 'string', previous_page: 'string', limit: 'int' });
    const filter = await recordFilter(actor, q);
    if (q.count_only === true) return send(reply, { totalCount: await service.countRecords(filter) });
    const limit = num(q, 'limit') ?? CURSOR_LIMIT;
    if (limit < 1 || limit > CURSOR_LIMIT) throw badInput([{ msg: 'Invalid value', param: 'limit', location: 'query' }]);
    const next = str(q, 'next_page');
    const prev = str(q, 'previous_page');
    const cursor = next ? decodeCursor(next, 'next_page') : prev ? decodeCursor(prev, 'previous_page') : undefined;
    const r = await service.cursorRecords(filter, cursor, limit);
    return send(reply, {
      cveRecords: r.items, hasNext: r.hasNext, hasPrevious: r.hasPrevious,
      next: r.next ? encodeCursor(r.next) : null, previous: r.previous ? encodeCursor(r.previous) : null,
    });
  });

  /** cvelib ≥1.8 `cve count` (spec §4.3.10): any signed-in user; published counts are public anyway. */
  app.get('/cve_count', async (req, reply) => {
    await auth(req);
    const q = readQuery(req, { state: 'string' });
    const state = str(q, 'state')?.toUpperCase();
    if (state !== undefined && state !== 'PUBLISHED' && state !== 'REJECTED') throw badInput([{ msg: 'Invalid value', param: 'state', location: 'query' }]);
    return send(reply, { totalCount: await service.countRecords(state ? { state } : {}) });
  });

  // --- organisations (spec §4.4) ---
  app.get('/org', async (req, reply) => {
    const actor = await auth(req);
    const q = readQuery(req, { page: 'int' });
    const p = pageOf(q, size);
    const r = await service.listOrgs(actor, p);
    return send(reply, { ...pagination(r.total, p.page, size), organizations: r.items.map(orgView) });
  });

  app.post('/org', async (req, reply) => {
    const actor = await auth(req);
    readQuery(req, {});
    const b = bodyObject(req.body);
    if ('uuid' in b || 'UUID' in b) throw new CnaError('UUID_PROVIDED');
    const authority = (b.authority ?? {}) as { active_roles?: unknown };
    const policies = (b.policies ?? {}) as { id_quota?: unknown };
    if (typeof b.short_name !== 'string') throw badInput([{ msg: 'Invalid value', param: 'short_name', location: 'body' }]);
    if (typeof b.name !== 'string') throw badInput([{ msg: 'Invalid value', param: 'name', location: 'body' }]);
    if (policies.id_quota !== undefined && typeof policies.id_quota !== 'number') throw badInput([{ msg: 'The id_quota does not comply with CVE id quota limitations', param: 'policies.id_quota', location: 'body' }]);
    const org = await service.createOrg(actor, {
      shortName: b.short_name, name: b.name, roles: asStrings(authority.active_roles, 'authority.active_roles'), idQuota: policies.id_quota as number | undefined,
    });
    return send(reply, { message: `${org.shortName} organization was successfully created.`, created: orgView(org) });
  });

  app.get('/org/:identifier', async (req, reply) => {
    const actor = await auth(req);
    readQuery(req, {});
    return send(reply, orgView(await service.getOrg(actor, params(req).identifier)));
  });

  app.put('/org/:shortname', async (req, reply) => {
    const actor = await auth(req);
    const q = readQuery(req, { new_short_name: 'string', id_quota: 'int', name: 'string', 'active_roles.add': 'list', 'active_roles.remove': 'list' });
    const org = await service.updateOrg(actor, params(req).shortname, {
      newShortName: str(q, 'new_short_name'), name: str(q, 'name'), idQuota: num(q, 'id_quota'),
      addRoles: list(q, 'active_roles.add'), removeRoles: list(q, 'active_roles.remove'),
    });
    return send(reply, { message: `${params(req).shortname} organization was successfully updated.`, updated: orgView(org) });
  });

  app.get('/org/:shortname/id_quota', async (req, reply) => {
    const actor = await auth(req);
    readQuery(req, {});
    return send(reply, await service.quota(actor, params(req).shortname));
  });

  // --- users (spec §4.5) ---
  app.get('/org/:shortname/users', async (req, reply) => {
    const actor = await auth(req);
    const q = readQuery(req, { page: 'int' });
    const p = pageOf(q, size);
    const r = await service.listOrgUsers(actor, params(req).shortname, p);
    return send(reply, { ...pagination(r.total, p.page, size), users: r.items.map(userView) });
  });

  app.post('/org/:shortname/user', async (req, reply) => {
    const actor = await auth(req);
    readQuery(req, {});
    const b = bodyObject(req.body);
    if (['uuid', 'UUID', 'org_uuid', 'org_UUID'].some((k) => k in b)) throw new CnaError('UUID_PROVIDED');
    if (typeof b.username !== 'string') throw badInput([{ msg: 'Invalid value', param: 'username', location: 'body' }]);
    const authority = (b.authority ?? {}) as { active_roles?: unknown };
    const name = b.name === undefined ? undefined : b.name;
    if (name !== undefined && (typeof name !== 'object' || name === null || Array.isArray(name))) throw badInput([{ msg: 'Invalid value', param: 'name', location: 'body' }]);
    const r = await service.createUser(actor, params(req).shortname, { username: b.username, name: name as Record<string, string> | undefined, roles: asStrings(authority.active_roles, 'authority.active_roles') });
    return send(reply, { message: `${r.user.username} was successfully created.`, created: { ...userView(r.user), secret: r.secret } });
  });

  app.get('/org/:shortname/user/:username', async (req, reply) => {
    const actor = await auth(req);
    readQuery(req, {});
    return send(reply, userView(await service.getUser(actor, params(req).shortname, params(req).username)));
  });

  app.put('/org/:shortname/user/:username', async (req, reply) => {
    const actor = await auth(req);
    const q = readQuery(req, {
      active: 'bool', new_username: 'string', org_short_name: 'string', 'name.first': 'string', 'name.last': 'string', 'name.middle': 'string', 'name.suffix': 'string',
      'active_roles.add': 'list', 'active_roles.remove': 'list',
    });
    const name: Record<string, string> = {};
    for (const k of ['first', 'last', 'middle', 'suffix']) if (str(q, `name.${k}`) !== undefined) name[k] = str(q, `name.${k}`) as string;
    const { username } = params(req);
    const r = await service.updateUser(actor, params(req).shortname, username, {
      active: q.active as boolean | undefined, newUsername: str(q, 'new_username'), orgShortName: str(q, 'org_short_name'), name,
      addRoles: list(q, 'active_roles.add'), removeRoles: list(q, 'active_roles.remove'),
    });
    return send(reply, { message: r.changed ? `${username} was successfully updated.` : `No updates were specified for ${username}.`, updated: userView(r.user) });
  });

  app.put('/org/:shortname/user/:username/reset_secret', async (req, reply) => {
    const actor = await auth(req);
    readQuery(req, {});
    return send(reply, { 'API-secret': await service.resetSecret(actor, params(req).shortname, params(req).username) });
  });

  app.get('/users', async (req, reply) => {
    const actor = await auth(req);
    const q = readQuery(req, { page: 'int' });
    const p = pageOf(q, size);
    const r = await service.listAllUsers(actor, p);
    return send(reply, { ...pagination(r.total, p.page, size), users: r.items.map(userView) });
  });
}
