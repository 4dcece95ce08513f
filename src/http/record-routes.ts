/**
 * @module Records by CVE name (X1520-6.9, A.4.1.1): `/cve/CVE-YYYY-NNNN` with `.html`,
 * `.json` (the stored record, unchanged), `.xml` (cve_1.0), `.txt`, or `Accept`; any other
 * syntax answers 301 to the canonical URL (X1520-10.1, 10.2), as does the old CGI form
 * (X1520-A.4.1.2). Also the history page, per-year lists and the rejected names.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { diffRecords, notACveName, parseCveId, summarizeRecord, type CveRecordJson } from '../cve/index.ts';
import { cveXmlFooter, cveXmlHeader, toCveXmlItem, toText } from '../formats/index.ts';
import type { SearchQuery } from '../store/search-types.ts';
import { historyBody, html, listBody, notFoundBody, provenanceSection, recordBody } from '../web/index.ts';
import { loadMergedView } from '../enrich/index.ts';
import type { AppContext } from './context.ts';
import { HttpError } from './errors.ts';
import { listChunks, peek, type ListFormat } from './list-formats.ts';
import { FORMAT_TYPES, alternateLinks, alternateList, negotiate, splitExtension, type Format } from './negotiate.ts';
import type { QueryFilters } from './query.ts';

export const cveParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', maxLength: 300, description: 'a CVE name in any syntax, optionally with .html, .json, .xml or .txt' } },
} as const;

const LIST_PAGE = 100;
const ALL: readonly Format[] = ['html', 'json', 'xml', 'txt'];

function notAcceptable(): HttpError {
  return new HttpError(406, 'NOT_ACCEPTABLE', 'this resource is available as text/html, application/json, application/xml and text/plain');
}

/** The format from the extension, else from `Accept` (then the answer varies on it). */
function pickFormat(req: FastifyRequest, reply: FastifyReply, ext: Format | undefined): Format {
  if (ext) return ext;
  reply.header('vary', 'Accept');
  const f = negotiate(req.headers.accept, ALL);
  if (!f) throw notAcceptable();
  return f;
}

export function registerRecordRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { store } = ctx;

  /** A whole list (a year, the rejected names) in a data format, streamed from the store. */
  const sendList = async (reply: FastifyReply, format: ListFormat, title: string, filter: QueryFilters, base: string, extra: Record<string, unknown>) => {
    const meta = { title, ctx: await ctx.contentDate(), extra };
    const { empty, items } = await peek(ctx.search().exportCurrent(filter));
    if (empty && format === 'xml') throw new HttpError(404, 'NO_RECORDS', `${title}: no records (a cve_1.0 document needs at least one)`);
    return reply
      .type(FORMAT_TYPES[format as Format] ?? 'application/json; charset=utf-8')
      .header('link', alternateLinks(base))
      .send(Readable.from(listChunks(format, meta, items)));
  };

  const listPage = async (req: FastifyRequest<{ Querystring: { cursor?: string } }>, reply: FastifyReply, spec: { title: string; intro: ReturnType<typeof html>; base: string; filter: QueryFilters; sort: SearchQuery['sort']; order: SearchQuery['order'] }) => {
    const result = await ctx.search().search({ ...spec.filter, sort: spec.sort, order: spec.order, limit: LIST_PAGE, ...(req.query.cursor && { cursor: req.query.cursor }) });
    return ctx.sendPage(
      reply,
      spec.title,
      listBody({ title: spec.title, intro: spec.intro, base: spec.base, items: result.items, total: result.total, nextCursor: result.nextCursor, cursor: req.query.cursor }),
      { alternates: alternateList(spec.base), link: alternateLinks(spec.base) },
    );
  };

  const rejectedList = async (req: FastifyRequest<{ Querystring: { cursor?: string } }>, reply: FastifyReply, ext: Format | undefined) => {
    const format = pickFormat(req, reply, ext);
    const filter: QueryFilters = { states: ['REJECTED'] };
    const title = 'Rejected CVE names';
    if (format !== 'html') return sendList(reply, format, title, filter, '/cve/rejected', { list: 'rejected' });
    return listPage(req, reply, {
      title,
      base: '/cve/rejected',
      filter,
      sort: 'updated',
      order: 'desc',
      intro: html`<p>CVE names that were rejected: never use them (X.1520 §7.7). Each record says why, and names the CVE names to use instead when there are any. Newest first. Also as a feed: <a href="/feeds/rejected.atom">Atom</a>, <a href="/feeds/rejected.rss">RSS</a>.</p>`,
    });
  };

  /** Any syntax answers 301 to the canonical name (X1520-10.1, 10.2); the record in the format asked for. */
  app.get<{ Params: { name: string }; Querystring: { q?: string; cursor?: string } }>(
    '/cve/:name',
    {
      schema: {
        tags: ['records'],
        summary: 'A CVE record by name, in HTML, JSON (CVE JSON 5 as stored), XML (cve_1.0) or text',
        description: 'URL template for programs (X1520-A.4.1.1): /cve/CVE-YYYY-NNNN[.html|.json|.xml|.txt]. Without an extension the Accept header chooses. Other syntaxes (2021-44228, CAN-1999-0067, cve 2021 44228…) answer 301 to the canonical URL. /cve/rejected is the list of rejected names.',
        params: cveParams,
        querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 300, description: 'what the user typed, echoed on the page' }, cursor: { type: 'string', maxLength: 2000 } } },
      },
    },
    async (req, reply) => {
      const { base, format: ext } = splitExtension(req.params.name);
      if (base === 'rejected') return rejectedList(req, reply, ext);
      const parsed = parseCveId(base);
      if (!parsed.ok) {
        if (ext && ext !== 'html') throw new HttpError(404, 'NOT_A_CVE_NAME', notACveName(base, parsed.reason), { input: base });
        return ctx.sendPage(reply, 'Not a CVE name', notFoundBody(base, parsed.reason), { code: 404, query: base });
      }
      if (parsed.id !== base) {
        const q = new URLSearchParams({ q: req.query.q ?? base });
        return reply.redirect(`/cve/${parsed.id}${ext ? `.${ext}` : `?${q}`}`, 301);
      }
      const rec = await store.getRecord(parsed.id);
      const format = pickFormat(req, reply, ext);
      if (!rec) {
        const message = `${parsed.id} is a well-formed CVE name but is not in this repository`;
        if (format !== 'html') throw new HttpError(404, 'CVE_RECORD_NOT_FOUND', message, { cveId: parsed.id });
        return ctx.sendPage(reply, `${parsed.id} not found`, notFoundBody(req.query.q ?? parsed.id, `${message}.`), { code: 404, query: req.query.q });
      }
      const basePath = `/cve/${parsed.id}`;
      reply.header('link', alternateLinks(basePath));
      // The stored record, byte for byte (X1520-A.4.1.1); its content date in a header.
      if (format === 'json') return reply.type(FORMAT_TYPES.json).send(rec.json);
      const record = JSON.parse(rec.json) as CveRecordJson;
      const summary = summarizeRecord(record);
      if (format === 'xml') return reply.type(FORMAT_TYPES.xml).send(cveXmlHeader(await ctx.contentDate()) + toCveXmlItem(record, summary) + cveXmlFooter());
      const [versions, kev, cwes, replacing, merged] = await Promise.all([
        store.listVersions(parsed.id),
        store.getKev(parsed.id),
        store.getCwes(summary.cweIds),
        store.findReplacing(parsed.id),
        format === 'txt' ? undefined : loadMergedView(store, parsed.id),
      ]);
      if (format === 'txt') {
        const cweNames = new Map([...cwes].map(([id, c]) => [id, c.name]));
        return reply.type(FORMAT_TYPES.txt).send(toText(record, summary, await ctx.contentDate(), { cweNames }));
      }
      const query = req.query.q && req.query.q !== parsed.id ? { input: req.query.q, canonical: parsed.id } : undefined;
      return ctx.sendPage(reply, summary.title ? `${parsed.id}: ${summary.title.slice(0, 80)}` : parsed.id, recordBody({ summary, record, stored: rec, versions, kev, cwes, replacing, query, provenance: merged && provenanceSection(merged) }), {
        query: req.query.q,
        alternates: alternateList(basePath),
      });
    },
  );

  app.get<{ Params: { name: string }; Querystring: { from?: number; to?: number } }>(
    '/cve/:name/history',
    {
      schema: {
        tags: ['records'],
        summary: 'The versions of a record and the fields changed between two of them (HTML)',
        params: cveParams,
        querystring: { type: 'object', properties: { from: { type: 'integer', minimum: 1 }, to: { type: 'integer', minimum: 1 } } },
      },
    },
    async (req, reply) => {
      const parsed = parseCveId(req.params.name);
      if (!parsed.ok) return ctx.sendPage(reply, 'Not a CVE name', notFoundBody(req.params.name, parsed.reason), { code: 404 });
      if (parsed.id !== req.params.name) return reply.redirect(`/cve/${parsed.id}/history`, 301);
      const versions = await store.listVersions(parsed.id);
      if (!versions.length) return ctx.sendPage(reply, `${parsed.id} not found`, notFoundBody(parsed.id, `${parsed.id} is a well-formed CVE name but is not in this repository.`), { code: 404 });
      const current = versions.find((v) => v.current) ?? versions[versions.length - 1];
      const to = req.query.to ?? current.version;
      const from = req.query.from ?? versions.filter((v) => v.version < to).map((v) => v.version).pop();
      let changes;
      if (from !== undefined) {
        const [a, b] = await Promise.all([store.getVersion(parsed.id, from), store.getVersion(parsed.id, to)]);
        if (!a || !b) throw new HttpError(404, 'VERSION_NOT_FOUND', `${parsed.id} has no version ${!a ? from : to}`, { cveId: parsed.id });
        changes = diffRecords(JSON.parse(a.json), JSON.parse(b.json));
      }
      return ctx.sendPage(reply, `History of ${parsed.id}`, historyBody({ cveId: parsed.id, versions, from, to, changes }));
    },
  );

  app.get<{ Params: { year: string }; Querystring: { cursor?: string } }>(
    '/cve/year/:year',
    {
      schema: {
        tags: ['lists'],
        summary: 'Every CVE name of a year: HTML (paged), or the whole list as .json, .xml (cve_1.0) or .txt',
        params: { type: 'object', required: ['year'], properties: { year: { type: 'string', pattern: '^\\d{4}(\\.(html|json|xml|txt))?$' } } },
        querystring: { type: 'object', properties: { cursor: { type: 'string', maxLength: 2000 } } },
      },
    },
    async (req, reply) => {
      const { base, format: ext } = splitExtension(req.params.year);
      const year = Number(base);
      const format = pickFormat(req, reply, ext);
      const filter: QueryFilters = { years: { from: year, to: year } };
      const title = `CVE names of ${year}`;
      const path = `/cve/year/${year}`;
      if (format !== 'html') return sendList(reply, format, title, filter, path, { year });
      return listPage(req, reply, {
        title,
        base: path,
        filter,
        sort: 'id',
        order: 'asc',
        intro: html`<p>Every CVE record whose name carries the year ${year}, in name order. <a href="/search?year=${year}">Search within ${year}</a>.</p>`,
      });
    },
  );

  /** The old MITRE URL form (X1520-A.4.1.2: a CGI template that accepts GET). */
  app.get<{ Querystring: { name?: string; cvename?: string } }>(
    '/cgi-bin/cvename.cgi',
    {
      schema: {
        tags: ['resolve'],
        summary: 'Old CGI URL form: 301 to /cve/CVE-YYYY-NNNN',
        querystring: { type: 'object', properties: { name: { type: 'string', maxLength: 300 }, cvename: { type: 'string', maxLength: 300 } } },
      },
    },
    async (req, reply) => {
      const input = (req.query.name ?? req.query.cvename ?? '').trim();
      const parsed = parseCveId(input);
      if (!parsed.ok) return ctx.sendPage(reply, 'Not a CVE name', notFoundBody(input, input ? parsed.reason : 'Give a CVE name: /cgi-bin/cvename.cgi?name=CVE-YYYY-NNNN'), { code: 404, query: input });
      return reply.redirect(`/cve/${parsed.id}${input !== parsed.id ? `?${new URLSearchParams({ q: input })}` : ''}`, 301);
    },
  );
}
