/**
 * @module The Fastify application: pages and the REST API over one store. `buildApp` is
 * what `serve` starts and what tests drive with `app.inject`.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { diffRecords, extractCveIds, parseCveId, summarizeRecord, type CveRecordJson } from '../cve/index.ts';
import { contentDateLine, repositoryStatus, type RepositoryStatus } from '../ingest/index.ts';
import type { Store } from '../store/index.ts';
import { docsCveBody, homeBody, html, notFoundBody, page, recordBody, STYLESHEET, type SafeHtml } from '../web/index.ts';
import { HttpError, errorBody } from './errors.ts';

export interface AppOptions {
  readonly store: Store;
  readonly logger?: Logger;
  /** Clock for content-date checks (tests). */
  readonly now?: () => Date;
}

const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const STATUS_TTL_MS = 5_000;

const cveParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', maxLength: 300 } },
} as const;

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { store } = opts;
  const now = opts.now ?? (() => new Date());
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger | undefined,
    disableRequestLogging: !opts.logger,
    bodyLimit: 1024 * 1024,
    maxParamLength: 300,
    trustProxy: false,
  });

  // The content date is on every page and answer (X1520-9.1); cache the status briefly.
  let cached: { at: number; status: RepositoryStatus } | undefined;
  const status = async (): Promise<RepositoryStatus> => {
    const t = Date.now();
    if (!cached || t - cached.at > STATUS_TTL_MS) cached = { at: t, status: await repositoryStatus(store, now()) };
    return cached.status;
  };
  const sendPage = async (reply: FastifyReply, title: string, body: SafeHtml, extra: { query?: string; code?: number } = {}) => {
    const s = await status();
    return reply
      .code(extra.code ?? 200)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', CSP)
      .send(page({ title, contentLine: contentDateLine(s), outOfDate: s.outOfDate, query: extra.query }, body));
  };

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  app.setErrorHandler(async (err, req, reply) => {
    const e = err instanceof HttpError ? err : undefined;
    const validation = (err as { validation?: unknown }).validation ? err : undefined;
    const code = e?.status ?? (validation ? 400 : (err as { statusCode?: number }).statusCode ?? 500);
    if (code >= 500) req.log.error({ err }, 'request failed');
    const body = errorBody(e?.code ?? (validation ? 'BAD_REQUEST' : code >= 500 ? 'INTERNAL' : 'BAD_REQUEST'), code >= 500 && !e ? 'internal error' : (err as Error).message, e?.details);
    if (req.url.startsWith('/api/')) return reply.code(code).send(body);
    return sendPage(reply, 'Error', html`<h1>Error</h1><p>${body.message}</p>`, { code });
  });

  app.setNotFoundHandler(async (req, reply) => {
    if (req.url.startsWith('/api/')) return reply.code(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
    return sendPage(reply, 'Not found', notFoundBody(req.url, 'There is no page at this address.'), { code: 404 });
  });

  app.get('/assets/app.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET));

  app.get('/', async (_req, reply) => {
    const s = await status();
    return sendPage(reply, 'CVE records', homeBody(s, ['CVE-2024-3400', 'CVE-2023-32046', 'CVE-1999-0006', 'CVE-2024-4810']));
  });

  app.get('/docs/cve', async (_req, reply) => sendPage(reply, 'CVE and CVE compatibility', docsCveBody()));

  /** Resolve any syntax (X1520-10.1, 10.2); non-canonical input answers 301 to the canonical URL. */
  app.get<{ Params: { name: string }; Querystring: { q?: string } }>('/cve/:name', { schema: { params: cveParams } }, async (req, reply) => {
    let name = req.params.name;
    const asJson = name.endsWith('.json');
    if (asJson) name = name.slice(0, -'.json'.length);
    const parsed = parseCveId(name);
    if (!parsed.ok) return sendPage(reply, 'Not a CVE name', notFoundBody(name, parsed.reason), { code: 404, query: name });
    if (parsed.id !== name) {
      const q = new URLSearchParams({ q: req.query.q ?? name });
      return reply.redirect(`/cve/${parsed.id}${asJson ? '.json' : ''}${asJson ? '' : `?${q}`}`, 301);
    }
    const rec = await store.getRecord(parsed.id);
    if (!rec) {
      if (asJson) throw new HttpError(404, 'CVE_RECORD_NOT_FOUND', `${parsed.id} is a well-formed CVE name but is not in this repository`, { cveId: parsed.id });
      return sendPage(reply, `${parsed.id} not found`, notFoundBody(parsed.id, `${parsed.id} is a well-formed CVE name but is not in this repository.`), { code: 404, query: req.query.q });
    }
    if (asJson) return reply.type('application/json; charset=utf-8').header('x-cve-content-date', (await status()).contentDate ?? '').send(rec.json);
    const record = JSON.parse(rec.json) as CveRecordJson;
    const summary = summarizeRecord(record);
    const [versions, kev, cwes, replacing] = await Promise.all([
      store.listVersions(parsed.id),
      store.getKev(parsed.id),
      store.getCwes(summary.cweIds),
      store.findReplacing(parsed.id),
    ]);
    const query = req.query.q && req.query.q !== parsed.id ? { input: req.query.q, canonical: parsed.id } : undefined;
    return sendPage(reply, parsed.id, recordBody({ summary, record, versions, kev, cwes, replacing, query }), { query: req.query.q });
  });

  /** The search box: a CVE name in any syntax goes to its record; pasted text lists the names in it. */
  app.get<{ Querystring: { q?: string } }>('/search', { schema: { querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 100_000 } } } } }, async (req, reply) => {
    const q = (req.query.q ?? '').trim();
    const parsed = parseCveId(q);
    if (parsed.ok) return reply.redirect(`/cve/${parsed.id}?${new URLSearchParams({ q })}`, 301);
    const names = extractCveIds(q);
    if (names.length === 1) return reply.redirect(`/cve/${names[0]}?${new URLSearchParams({ q: q.slice(0, 200) })}`, 303);
    const body = names.length
      ? html`<h1>CVE names in your text</h1><ul>${names.map((n) => html`<li><a href="/cve/${n}">${n}</a></li>`)}</ul>`
      : html`<h1>No CVE name found</h1><p>${q ? parsed.reason : 'Type a CVE name such as CVE-2024-1234.'}</p>`;
    return sendPage(reply, 'Search', body, { query: q });
  });

  // --- JSON API --------------------------------------------------------------
  app.get('/api/health', async () => ({ ok: true, store: store.kind }));
  await app.register((await import('./cna-api.ts')).cnaApi, { prefix: '/api', store });

  app.get('/api/v1/status', async () => status());

  const recordOr404 = async (name: string) => {
    const parsed = parseCveId(name);
    if (!parsed.ok) throw new HttpError(400, 'INVALID_CVE_ID', parsed.reason, { input: name });
    const rec = await store.getRecord(parsed.id);
    if (!rec) throw new HttpError(404, 'CVE_RECORD_NOT_FOUND', `${parsed.id} is a well-formed CVE name but is not in this repository`, { cveId: parsed.id });
    return rec;
  };

  app.get<{ Params: { name: string } }>('/api/v1/cve/:name', { schema: { params: cveParams } }, async (req) => {
    const rec = await recordOr404(req.params.name);
    const s = await status();
    return {
      cveId: rec.cveId,
      state: rec.state,
      version: rec.version,
      dateUpdated: rec.dateUpdated,
      source: rec.source,
      replacements: summarizeRecord(JSON.parse(rec.json)).replacements,
      record: JSON.parse(rec.json),
      contentDate: s.contentDate,
    };
  });

  app.get<{ Params: { name: string } }>('/api/v1/cve/:name/versions', { schema: { params: cveParams } }, async (req) => {
    const rec = await recordOr404(req.params.name);
    return { cveId: rec.cveId, versions: await store.listVersions(rec.cveId) };
  });

  app.get<{ Params: { name: string }; Querystring: { from: number; to: number } }>(
    '/api/v1/cve/:name/diff',
    {
      schema: {
        params: cveParams,
        querystring: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'integer', minimum: 1 }, to: { type: 'integer', minimum: 1 } } },
      },
    },
    async (req) => {
      const rec = await recordOr404(req.params.name);
      const [a, b] = await Promise.all([store.getVersion(rec.cveId, req.query.from), store.getVersion(rec.cveId, req.query.to)]);
      if (!a || !b) throw new HttpError(404, 'VERSION_NOT_FOUND', `${rec.cveId} has no version ${!a ? req.query.from : req.query.to}`, { cveId: rec.cveId });
      return { cveId: rec.cveId, from: a.version, to: b.version, changes: diffRecords(JSON.parse(a.json), JSON.parse(b.json)) };
    },
  );

  return app;
}
