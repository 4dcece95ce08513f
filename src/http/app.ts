/**
 * @module The Fastify application: pages, formats, feeds, exports and the REST API over one
 * store. `buildApp` is what `serve` starts and what tests drive with `app.inject`.
 */
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { TrustProxy } from '../config/index.ts';
import { StoreError, type Store } from '../store/index.ts';
import { html, notFoundBody, SCRIPT, STYLESHEET } from '../web/index.ts';
import { registerApiRoutes } from './api-routes.ts';
import { createContext } from './context.ts';
import { HttpError, errorBody } from './errors.ts';
import { registerExportRoutes } from './export-routes.ts';
import { registerFeedRoutes } from './feed-routes.ts';
import { registerNvdRoutes } from './nvd-routes.ts';
import { OPENAPI_INFO, registerDocsRoutes } from './openapi.ts';
import { registerPageRoutes } from './page-routes.ts';
import { createRateLimiter, type RateLimitOptions } from './rate-limit.ts';
import { registerRecordRoutes } from './record-routes.ts';
import { registerSearchRoutes } from './search-routes.ts';

export interface AppOptions {
  readonly store: Store;
  readonly logger?: Logger;
  /** Clock for content-date checks (tests). */
  readonly now?: () => Date;
  /** Per-client token bucket for the APIs, feeds and exports; `false` turns it off. */
  readonly rateLimit?: RateLimitOptions | false;
  /** Largest request body in bytes (the bulk resolve takes up to 10,000 names). */
  readonly bodyLimit?: number;
  /**
   * Reverse proxies whose `X-Forwarded-*` headers are believed (`CVEKIT_TRUST_PROXY`): a hop
   * count or addresses and ranges. Default none: the peer's address is the client's.
   */
  readonly trustProxy?: TrustProxy;
}

/** 300 requests at once, then 5 per second (300 a minute) per client address. */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { capacity: 300, refillPerSecond: 5 };
export const DEFAULT_BODY_LIMIT = 2 * 1024 * 1024;

/** Paths whose answers are data for programs: JSON errors, CORS, rate limits. */
const API_PATH = /^\/(?:api|rest)\//;
const READ_ONLY_CORS = /^\/(?:api\/|rest\/|feeds\/)/;
const DATA_EXTENSION = /\.(?:json|xml|txt|csv|atom|rss|jsonl)$/;
/** Seconds a client is told to wait while a bulk import builds the full-text index. */
const INDEX_BUILDING_RETRY_S = 30;

/** What a request costs from its client's bucket: streaming a whole export or 2,000 NVD records costs more. */
function costOf(path: string): number {
  if (path.startsWith('/api/v1/export')) return 30;
  if (path.startsWith('/rest/json/')) return 5;
  if (path.startsWith('/api/v1/resolve')) return 2;
  return 1;
}

/** Data answers (API, feeds, `.json`…) get a JSON error body; pages get an error page. */
function wantsData(req: FastifyRequest): boolean {
  const path = req.url.split('?')[0];
  if (API_PATH.test(path) || path.startsWith('/feeds/') || DATA_EXTENSION.test(path)) return true;
  const accept = String(req.headers.accept ?? '');
  return /application\/(?:json|xml)|text\/(?:plain|csv)/.test(accept) && !accept.includes('text/html');
}

/** Trust the nearest `hops` senders of a request (proxy-addr asks hop 0, 1, … until one is not trusted). */
const trustHops = (hops: number) => (_address: string, hop: number): boolean => hop < hops;

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { store } = opts;
  const now = opts.now ?? (() => new Date());
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger | undefined,
    logController: new LogController({ disableRequestLogging: !opts.logger }),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Behind a trusted proxy, req.ip (rate limits, lockouts) is the forwarded client and
    // req.protocol (Secure cookies, absolute links) the forwarded scheme.
    trustProxy: typeof opts.trustProxy === 'number' ? trustHops(opts.trustProxy) : opts.trustProxy ? [...opts.trustProxy] : false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 300 },
  });
  const ctx = createContext(store, now);
  await app.register((await import('./disclosure-web.ts')).disclosureWeb, { store, now, status: ctx.status });

  await app.register(swagger, {
    openapi: { openapi: '3.0.3', info: OPENAPI_INFO, tags: [
      { name: 'records', description: 'CVE records by name, their history and formats' },
      { name: 'resolve', description: 'CVE names in any syntax to canonical names (X1520-10.1, 10.2)' },
      { name: 'search', description: 'Full-text search with filters and facets' },
      { name: 'lists', description: 'Per-year and rejected lists, feeds and exports' },
      { name: 'status', description: 'Sources, content dates (X1520-9.1) and statistics' },
      { name: 'nvd', description: 'NVD CVE API 2.0-compatible endpoint' },
    ] },
    hideUntagged: true,
  });

  const limiter = opts.rateLimit === false ? undefined : createRateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT);
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0];
    if (READ_ONLY_CORS.test(path) && req.method === 'OPTIONS') {
      // Preflight for the read-only APIs: GET and HEAD from any origin, no credentials.
      return reply
        .code(204)
        .header('access-control-allow-origin', '*')
        .header('access-control-allow-methods', 'GET, HEAD, OPTIONS')
        .header('access-control-allow-headers', 'accept, content-type, apiKey, if-none-match')
        .header('access-control-max-age', '86400')
        .send();
    }
    if (!limiter || !(API_PATH.test(path) || path.startsWith('/feeds/'))) return;
    const d = limiter.take(req.ip, costOf(path));
    reply.header('ratelimit-limit', String(limiter.options.capacity));
    reply.header('ratelimit-remaining', String(d.remaining));
    if (!d.ok) {
      reply.header('retry-after', String(d.retryAfter));
      throw new HttpError(429, 'RATE_LIMITED', `too many requests from this address; retry in ${d.retryAfter} s`, { retryAfter: d.retryAfter });
    }
  });

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    const path = req.url.split('?')[0];
    // CORS only for read-only data (GET/HEAD); pages and POST endpoints get none.
    if (READ_ONLY_CORS.test(path) && (req.method === 'GET' || req.method === 'HEAD')) {
      reply.header('access-control-allow-origin', '*');
      reply.header('access-control-expose-headers', 'x-cve-content-date, link, retry-after, ratelimit-limit, ratelimit-remaining, message');
    }
    // X1520-9.1: every answer states the date of the CVE content it was built from.
    if (!reply.hasHeader('x-cve-content-date') && !path.startsWith('/assets/')) {
      const s = await ctx.status();
      reply.header('x-cve-content-date', s.contentDate ?? '');
    }
    return payload;
  });

  app.setErrorHandler(async (err, req, reply) => {
    if (err instanceof StoreError && err.code === 'INDEX_BUILDING') {
      // A bulk import's full-text index is being built: not an error of ours nor the client's.
      reply.header('retry-after', String(INDEX_BUILDING_RETRY_S));
      err = new HttpError(503, err.code, err.message, err.details);
    }
    const e = err instanceof HttpError ? err : undefined;
    const fst = err as { validation?: unknown; statusCode?: number; code?: string };
    const validation = fst.validation !== undefined;
    const code = e?.status ?? (validation ? 400 : fst.statusCode && fst.statusCode >= 400 ? fst.statusCode : 500);
    if (code >= 500) req.log.error({ err }, 'request failed');
    const errorCode =
      e?.code ??
      (validation ? 'BAD_REQUEST' : code === 413 ? 'PAYLOAD_TOO_LARGE' : code === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : code === 404 ? 'NOT_FOUND' : code >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
    const message = code >= 500 && !e ? 'internal error' : code === 413 && !e ? `request body is larger than ${opts.bodyLimit ?? DEFAULT_BODY_LIMIT} bytes` : (err as Error).message;
    const body = errorBody(errorCode, message, e?.details);
    if (wantsData(req) || reply.sent) return reply.code(code).type('application/json; charset=utf-8').send(body);
    const title = code === 404 ? 'Not found' : code === 400 ? 'Bad request' : code === 429 ? 'Too many requests' : 'Error';
    return ctx.sendPage(reply, title, html`<h1>${title}</h1><p>${body.message}</p>`, { code });
  });

  app.setNotFoundHandler(async (req, reply) => {
    if (wantsData(req)) return reply.code(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
    return ctx.sendPage(reply, 'Not found', notFoundBody(req.url.slice(0, 300), 'There is no page at this address.'), { code: 404 });
  });

  app.get('/assets/app.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET));
  app.get('/assets/app.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(SCRIPT));
  await app.register((await import('./cna-api.ts')).cnaApi, { prefix: '/api', store });
  await app.register((await import('./enrich-api.ts')).enrichApi, { store });
  await app.register((await import('./disclosure-api.ts')).disclosureApi, { store, now, status: ctx.status });
  await app.register((await import('./advisories-web.ts')).advisoriesWeb, { store, status: ctx.status });
  await app.register((await import('./cna-web.ts')).cnaWeb, { store, status: ctx.status });

  registerPageRoutes(app, ctx);
  registerRecordRoutes(app, ctx);
  registerSearchRoutes(app, ctx);
  registerApiRoutes(app, ctx);
  registerFeedRoutes(app, ctx);
  registerExportRoutes(app, ctx);
  registerNvdRoutes(app, ctx);
  registerDocsRoutes(app, ctx);
  return app;
}
