/**
 * @module Search (issue 4 §2): the page `/search` (query syntax, facets, sort, cursor
 * paging, total), the same results as `/search.json|.xml|.txt`, and `GET /api/v1/search`
 * in JSON, CSV and Atom. A CVE name in any syntax goes to its record (X1520-6.9, B.4.1).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseCveId, summarizeRecord, type CveRecordJson } from '../cve/index.ts';
import { atomFeed, contentFields, feedEntryOf } from '../formats/index.ts';
import { FACETS, type SearchQuery, type SearchResult } from '../store/search-types.ts';
import { searchBody } from '../web/index.ts';
import type { AppContext } from './context.ts';
import { HttpError } from './errors.ts';
import { listChunks, LIST_TYPES, peek, recordsOf, type ListFormat } from './list-formats.ts';
import { alternateLinks, alternateList, negotiate, type Format } from './negotiate.ts';
import { FILTER_PROPERTIES, parseRequest, type FilterParams, type ParsedRequest } from './query.ts';

export const PAGE_LIMIT = 25;
export const API_MAX_LIMIT = 500;

export const searchQuerystring = (maxLimit: number, defaultLimit: number, extra: Record<string, unknown> = {}) =>
  ({
    type: 'object',
    properties: { ...FILTER_PROPERTIES, limit: { type: 'integer', minimum: 1, maximum: maxLimit, default: defaultLimit }, ...extra },
  }) as const;

const hitSchema = {
  type: 'object',
  properties: {
    cveId: { type: 'string' },
    state: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    assignerShortName: { type: 'string' },
    datePublished: { type: 'string' },
    dateUpdated: { type: 'string' },
    dateRejected: { type: 'string' },
    cvssScore: { type: 'number' },
    cvssSeverity: { type: 'string' },
    kev: { type: 'boolean' },
    rank: { type: 'number' },
    exact: { type: 'boolean' },
    url: { type: 'string' },
  },
} as const;

const facetSchema = { type: 'array', items: { type: 'object', properties: { value: { type: 'string' }, count: { type: 'integer' } } } } as const;

export const searchResponseSchema = {
  type: 'object',
  properties: {
    query: { type: 'object', additionalProperties: true },
    name: { type: 'object', properties: { input: { type: 'string' }, canonical: { type: 'string' } } },
    names: { type: 'array', items: { type: 'string' } },
    total: { type: 'integer' },
    nextCursor: { type: 'string' },
    items: { type: 'array', items: hitSchema },
    facets: { type: 'object', properties: Object.fromEntries(FACETS.map((f) => [f, facetSchema])) },
    facetSample: { type: 'object', properties: { size: { type: 'integer' }, of: { type: 'integer' } } },
    ignoredTerms: { type: 'array', items: { type: 'string' } },
    contentDate: { type: ['string', 'null'] },
    contentSource: { type: ['string', 'null'] },
    outOfDate: { type: 'boolean' },
    contentStatement: { type: 'string' },
  },
} as const;

/** The store query of a request: its filters, paging and the facets to count. */
export function storeQuery(p: ParsedRequest, params: FilterParams, limit: number, facets: boolean | 'exact' = true): SearchQuery {
  return {
    ...p.filters,
    limit,
    ...(params.cursor && { cursor: params.cursor }),
    ...(facets && { facets: FACETS }),
    ...(facets === 'exact' && { exactFacets: true }),
    ...(!p.filters.sort && { sort: p.filters.words?.length || p.filters.phrases?.length || p.filters.cveIds?.length ? ('relevance' as const) : ('published' as const) }),
  };
}

export function registerSearchRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { store } = ctx;

  const searchPage = async (req: FastifyRequest<{ Querystring: FilterParams }>, reply: FastifyReply) => {
    const q = (req.query.q ?? '').trim();
    const params = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
    const name = parseCveId(q);
    // A CVE name in any syntax goes straight to its record, which says "you searched X" (X1520-10.1, 10.2).
    if (q && name.ok && ![...params.keys()].some((k) => k !== 'q')) return reply.redirect(`/cve/${name.id}?${new URLSearchParams({ q })}`, 301);
    const limit = req.query.limit ?? PAGE_LIMIT;
    let parsed: ParsedRequest;
    try {
      parsed = parseRequest(req.query);
    } catch (err) {
      if (err instanceof HttpError && err.code === 'QUERY_SYNTAX') {
        const d = err.details as { position?: number; end?: number };
        return ctx.sendPage(reply, 'Search', searchBody({ q, params, problem: { message: err.message, position: d.position, end: d.end }, sort: req.query.sort ?? 'relevance', limit }), { code: 400, query: q });
      }
      throw err;
    }
    const query = storeQuery(parsed, req.query, limit);
    const result = await ctx.search().search(query);
    let nameView;
    if (parsed.name) {
      const rec = await store.getRecord(parsed.name.canonical);
      nameView = { ...parsed.name, known: !!rec, state: rec?.state };
    }
    const qs = params.toString();
    return ctx.sendPage(reply, q ? `Search: ${q.slice(0, 60)}` : 'Search', searchBody({ q, params, result, name: nameView, names: parsed.names.length > 1 ? parsed.names : undefined, sort: query.sort ?? 'relevance', limit }), {
      query: q,
      alternates: alternateList('/search', qs),
      link: alternateLinks('/search', qs),
    });
  };

  const searchAs = async (req: FastifyRequest<{ Querystring: FilterParams }>, reply: FastifyReply, format: ListFormat) => {
    const parsed = parseRequest(req.query);
    const result = await ctx.search().search(storeQuery(parsed, req.query, req.query.limit ?? PAGE_LIMIT, false));
    const meta = {
      title: `Search results${req.query.q ? ` for ${req.query.q.slice(0, 200)}` : ''}`,
      ctx: await ctx.contentDate(),
      extra: { query: req.query, ...(result.total !== undefined && { total: result.total }), ...(result.nextCursor && { nextCursor: result.nextCursor }) },
    };
    const { empty, items } = await peek(recordsOf(store, result.items.map((h) => h.cveId)));
    if (empty && format === 'xml') throw new HttpError(404, 'NO_RECORDS', 'no record matches (a cve_1.0 document needs at least one)');
    const qs = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
    return reply.type(LIST_TYPES[format]).header('link', alternateLinks('/search', qs)).send(Readable.from(listChunks(format, meta, items)));
  };

  const querystring = searchQuerystring(100, PAGE_LIMIT);
  app.get<{ Querystring: FilterParams }>('/search', { schema: { querystring } }, async (req, reply) => {
    reply.header('vary', 'Accept');
    const f = negotiate(req.headers.accept, ['html', 'json', 'xml', 'txt']);
    if (!f) throw new HttpError(406, 'NOT_ACCEPTABLE', 'search results are available as text/html, application/json, application/xml and text/plain');
    return f === 'html' ? searchPage(req, reply) : searchAs(req, reply, f as ListFormat);
  });
  for (const ext of ['html', 'json', 'xml', 'txt'] as const satisfies readonly Format[]) {
    app.get<{ Querystring: FilterParams }>(
      `/search.${ext}`,
      { schema: { tags: ['search'], summary: `Search results as ${ext === 'xml' ? 'cve_1.0 XML' : ext === 'txt' ? 'plain text' : ext.toUpperCase()} (one page)`, querystring } },
      async (req, reply) => (ext === 'html' ? searchPage(req, reply) : searchAs(req, reply, ext)),
    );
  }

  app.get<{ Querystring: FilterParams & { format?: string; facets?: string } }>(
    '/api/v1/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Full-text search with filters, facets, sort and cursor paging',
        description:
          'JSON by default; CSV with format=csv or Accept: text/csv; Atom with format=atom or Accept: application/atom+xml. The query text q takes the query syntax (words, "phrases", -excluded, CVE names, vendor:… cwe:… kev:yes published:>=2024-01-01…); the same filters can be given as parameters. A query that cannot be parsed answers 400 QUERY_SYNTAX with details.position. The JSON answer counts the facets: exactly up to 1,000 hits; past that they are estimates from a uniform sample of about 1,000 hits scaled to the total, and facetSample { size, of } says so. facets=exact counts every hit (slow on large results), facets=no leaves them out.',
        querystring: searchQuerystring(API_MAX_LIMIT, PAGE_LIMIT, {
          format: { type: 'string', enum: ['json', 'csv', 'atom'] },
          facets: { type: 'string', enum: ['yes', 'no', 'exact'], description: 'count the facets (JSON only): yes (default; estimated from a sample past 1,000 hits), exact, or no' },
        }),
        response: { 200: searchResponseSchema },
      },
    },
    async (req, reply) => {
      let format = req.query.format;
      if (!format) {
        reply.header('vary', 'Accept');
        const accept = String(req.headers.accept ?? '');
        format = /text\/csv/.test(accept) && !/application\/json/.test(accept) ? 'csv' : /application\/atom\+xml/.test(accept) && !/application\/json/.test(accept) ? 'atom' : 'json';
      }
      const parsed = parseRequest(req.query);
      const limit = req.query.limit ?? PAGE_LIMIT;
      const result: SearchResult = await ctx.search().search(storeQuery(parsed, req.query, limit, format !== 'json' || req.query.facets === 'no' ? false : req.query.facets === 'exact' ? 'exact' : true));
      const content = await ctx.contentDate();
      if (format === 'csv') {
        const chunks = listChunks('csv', { title: 'search', ctx: content }, recordsOf(store, result.items.map((h) => h.cveId)));
        return reply.type(LIST_TYPES.csv).header('content-disposition', 'inline; filename="cvekit-search.csv"').send(Readable.from(chunks));
      }
      if (format === 'atom') {
        const entries = [];
        for await (const r of recordsOf(store, result.items.map((h) => h.cveId))) entries.push(feedEntryOf(summarizeRecord(JSON.parse(r.json) as CveRecordJson)));
        const self = `${ctx.origin(req)}${req.url}`;
        const page = `/search${req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''}`.replace(/([?&])format=atom&?/, '$1').replace(/[?&]$/, '');
        const xml = atomFeed({ title: `cvekit search${req.query.q ? `: ${req.query.q}` : ''}`, selfUrl: self, pageUrl: page, updated: entries[0]?.updated ?? content.generatedAt, entries, content });
        return reply.type('application/atom+xml; charset=utf-8').send(xml);
      }
      return {
        query: { ...req.query },
        ...(parsed.name && { name: parsed.name }),
        ...(parsed.names.length > 1 && { names: parsed.names }),
        ...(result.total !== undefined && { total: result.total }),
        ...(result.nextCursor && { nextCursor: result.nextCursor }),
        items: result.items.map((h) => ({ ...h, url: `/cve/${h.cveId}` })),
        ...(result.facets && { facets: result.facets }),
        ...(result.facetSample && { facetSample: result.facetSample }),
        ...(result.ignoredTerms?.length && { ignoredTerms: result.ignoredTerms }),
        ...contentFields(content),
      };
    },
  );
}
