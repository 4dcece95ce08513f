/**
 * @module Provenance and mapping issues over HTTP (issue 7), a Fastify plugin:
 * - `GET /api/v1/cve/:name/sources`: the merged view of one CVE name, every field with the
 *   source that said it and as of when ("CNA says / NVD says / CISA ADP says"), the value
 *   precedence chose and the one the severity filter used.
 * - `GET /api/v1/mapping-issues`: source records naming unknown or rejected CVE names, paged
 *   by `after` (keyset), filtered by `source`, `kind`, `status`.
 *
 * @example
 * await app.register(enrichApi, { store });
 */
import type { FastifyInstance } from 'fastify';
import { notACveName, parseCveId } from '../cve/index.ts';
import { loadMergedView } from '../enrich/index.ts';
import { MAPPING_ISSUE_KINDS } from '../store/index.ts';
import type { MappingIssueKind, Store } from '../store/index.ts';
import { HttpError } from './errors.ts';

export interface EnrichApiOptions {
  readonly store: Store;
}

const claim = { type: 'object', additionalProperties: true } as const;
const fieldSchema = {
  type: 'object',
  properties: { claims: { type: 'array', items: claim }, chosen: claim, rule: { type: 'string' } },
  additionalProperties: true,
} as const;

const issueSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    source: { type: 'string' },
    record: { type: 'string' },
    cveId: { type: 'string' },
    kind: { type: 'string', enum: [...MAPPING_ISSUE_KINDS] },
    detail: { type: 'string' },
    status: { type: 'string', enum: ['open', 'resolved'] },
    firstSeen: { type: 'string' },
    lastSeen: { type: 'string' },
  },
} as const;

export async function enrichApi(app: FastifyInstance, opts: EnrichApiOptions): Promise<void> {
  const { store } = opts;

  app.get<{ Params: { name: string } }>(
    '/api/v1/cve/:name/sources',
    {
      schema: {
        tags: ['records'],
        summary: 'Every source about one CVE name, merged with provenance',
        params: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 64 } } },
        response: {
          200: {
            type: 'object',
            properties: {
              cveId: { type: 'string' },
              inCveList: { type: 'boolean' },
              sources: { type: 'array', items: claim },
              status: fieldSchema,
              description: fieldSchema,
              cvss: fieldSchema,
              cwe: fieldSchema,
              affected: fieldSchema,
              cpe: fieldSchema,
              kev: fieldSchema,
              epss: fieldSchema,
              legacy: { type: 'array', items: claim },
              filters: { type: 'object', additionalProperties: true },
              mappingIssues: { type: 'array', items: issueSchema },
            },
          },
        },
      },
    },
    async (req) => {
      const parsed = parseCveId(req.params.name);
      if (!parsed.ok) throw new HttpError(400, 'INVALID_CVE_ID', notACveName(req.params.name, parsed.reason), { input: req.params.name.slice(0, 300) });
      const view = await loadMergedView(store, parsed.id);
      if (view.sources.length === 0 && view.mappingIssues.length === 0) {
        throw new HttpError(404, 'CVE_ID_NOT_FOUND', `no source knows ${parsed.id}`, { cveId: parsed.id });
      }
      return view;
    },
  );

  app.get<{ Querystring: { source?: string; kind?: MappingIssueKind; status?: 'open' | 'resolved'; limit?: number; after?: number } }>(
    '/api/v1/mapping-issues',
    {
      schema: {
        tags: ['status'],
        summary: 'Source records naming CVE names this repository does not know or knows as rejected (X1520-7.5)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            source: { type: 'string', maxLength: 64 },
            kind: { type: 'string', enum: [...MAPPING_ISSUE_KINDS] },
            status: { type: 'string', enum: ['open', 'resolved'], default: 'open' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            after: { type: 'integer', minimum: 0 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              total: { type: 'integer' },
              items: { type: 'array', items: issueSchema },
              next: { type: ['integer', 'null'] },
            },
          },
        },
      },
    },
    async (req) => {
      const q = req.query;
      const limit = q.limit ?? 100;
      const page = await store.enrich.listMappingIssues({
        ...(q.source ? { source: q.source } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.status ? { status: q.status } : {}),
        limit,
        ...(q.after !== undefined ? { afterId: q.after } : {}),
      });
      const last = page.items[page.items.length - 1];
      return { total: page.total, items: page.items, next: page.items.length === limit && last ? last.id : null };
    },
  );
}
