/**
 * @module `GET /api/v1/export`: every current record matching the filters, streamed as JSON
 * Lines (the stored CVE JSON 5 records), CSV or cve_1.0 XML, the content date first
 * (X1520-9.1; X1520-B.4.3: export CVE-related data in a searchable format).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.ts';
import { HttpError } from './errors.ts';
import { listChunks, LIST_TYPES, peek, type ListFormat } from './list-formats.ts';
import { FILTER_PROPERTIES, parseRequest, type FilterParams, type QueryFilters } from './query.ts';

export const EXPORT_FORMATS = ['jsonl', 'csv', 'xml'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Filters for a streamed export: sort and order do not apply (exports go in CVE-name order). */
export function exportFilter(filters: QueryFilters): QueryFilters {
  const { sort: _s, order: _o, ...rest } = filters;
  return rest;
}

export function registerExportRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Querystring: FilterParams & { format: ExportFormat } }>(
    '/api/v1/export',
    {
      schema: {
        tags: ['lists'],
        summary: 'Export every matching record, streamed: JSON Lines (CVE JSON 5 as stored), CSV or cve_1.0 XML',
        description:
          'In CVE-name order. JSON Lines: a first line {"cvekitExport": {contentDate…}} then one stored record per line. CSV: a header row, then one row per record with a contentAsOf column. XML: valid against cve_1.0.xsd, the content date in a comment at the top. Filters as for /api/v1/search.',
        querystring: {
          type: 'object',
          required: ['format'],
          properties: { ...FILTER_PROPERTIES, format: { type: 'string', enum: [...EXPORT_FORMATS] } },
        },
      },
    },
    async (req, reply) => {
      const { filters } = parseRequest(req.query);
      const format: ListFormat = req.query.format;
      const content = await ctx.contentDate();
      const { empty, items } = await peek(ctx.search().exportCurrent(exportFilter(filters), { batchSize: 500 }));
      if (empty && format === 'xml') throw new HttpError(404, 'NO_RECORDS', 'no record matches (a cve_1.0 document needs at least one)');
      const stamp = (content.contentDate ?? content.generatedAt).slice(0, 10);
      return reply
        .type(LIST_TYPES[format])
        .header('content-disposition', `attachment; filename="cvekit-export-${stamp}.${format}"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(listChunks(format, { title: 'cvekit export', ctx: content, extra: { query: req.query } }, items)));
    },
  );
}
