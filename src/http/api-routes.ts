/**
 * @module The REST API under `/api/v1`: status and sources with their content dates
 * (X1520-9.1, 9.2), statistics, records, history and diffs, and resolving CVE names in any
 * syntax, one or 10,000 at a time (X1520-6.9, 10.1, 10.2).
 */
import type { FastifyInstance } from 'fastify';
import { diffRecords, notACveName, summarizeRecord } from '../cve/index.ts';
import { contentDateOf, contentFields } from '../formats/index.ts';
import type { AppContext } from './context.ts';
import { HttpError } from './errors.ts';
import { cveParams } from './record-routes.ts';
import { MAX_BULK_NAMES, MAX_BULK_TEXT, resolveMany, resolveOne, resolvedSchema } from './resolve.ts';

const error = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' }, details: { type: 'object', additionalProperties: true } } } as const;
const content = {
  contentDate: { type: ['string', 'null'], description: 'date of the newest CVE content (X1520-9.1)' },
  contentSource: { type: ['string', 'null'] },
  outOfDate: { type: 'boolean', description: 'content older than three months (X1520-9.2)' },
  contentStatement: { type: 'string' },
} as const;
const sourceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    description: { type: 'string' },
    location: { type: 'string' },
    lastSyncAt: { type: 'string' },
    contentDate: { type: 'string' },
    release: { type: 'string' },
    commit: { type: 'string' },
    nextSyncAt: { type: 'string' },
    lastError: { type: 'string' },
    outOfDate: { type: 'boolean' },
    counts: { type: 'object', additionalProperties: { type: 'number' } },
  },
} as const;
const versionSchema = {
  type: 'object',
  properties: {
    cveId: { type: 'string' },
    version: { type: 'integer' },
    hash: { type: 'string' },
    dateUpdated: { type: 'string' },
    source: { type: 'string' },
    origin: { type: 'string' },
    arrivedAt: { type: 'string' },
    current: { type: 'boolean' },
  },
} as const;
const facetList = { type: 'array', items: { type: 'object', properties: { value: { type: 'string' }, count: { type: 'integer' }, name: { type: 'string' } } } } as const;

/** How long `/api/health` waits for the store before it answers 503. */
const HEALTH_TIMEOUT_MS = 3000;

/** True when the store answers a one-row read within `ms`. */
async function storeAnswers(store: AppContext['store'], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([store.getMeta('health:ping').then(() => true, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function registerApiRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { store } = ctx;

  app.get('/api/health', {
    schema: {
      tags: ['status'],
      summary: 'For load balancers and monitors: 200 when this process and its store answer, with the content date; 503 when the store does not',
      description: 'Reads one row from the store each time (nothing cached), so a process whose database is gone stops taking traffic. Alert on outOfDate (X1520-9.2) to see a sync that stopped.',
      response: {
        200: { type: 'object', properties: { ok: { type: 'boolean' }, store: { type: 'string' }, ...content } },
        503: { type: 'object', properties: { ok: { type: 'boolean' }, store: { type: 'string' }, error: { type: 'string' }, message: { type: 'string' } } },
      },
    },
  }, async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    if (!(await storeAnswers(store, HEALTH_TIMEOUT_MS))) {
      // No detail of the failure: this answer is public, and the store's message can name hosts.
      return reply.code(503).header('retry-after', '5').send({ ok: false, store: store.kind, error: 'STORE_UNAVAILABLE', message: `the store did not answer within ${HEALTH_TIMEOUT_MS / 1000} s` });
    }
    return { ok: true, store: store.kind, ...contentFields(await ctx.contentDate()) };
  });

  const recordOr404 = async (name: string) => {
    const r = await resolveOne(store, name);
    if (r.kind === 'invalid') throw new HttpError(400, 'INVALID_CVE_ID', notACveName(name, r.reason), { input: name });
    const rec = await store.getRecord(r.cveId);
    if (!rec) throw new HttpError(404, 'CVE_RECORD_NOT_FOUND', `${r.cveId} is a well-formed CVE name but is not in this repository`, { cveId: r.cveId });
    return rec;
  };

  app.get('/api/v1/status', {
    schema: {
      tags: ['status'],
      summary: 'Counts, sources and the date of the CVE content (X1520-9.1, 9.2)',
      response: {
        200: {
          type: 'object',
          properties: {
            store: { type: 'object', properties: { kind: { type: 'string' }, location: { type: 'string' } } },
            counts: { type: 'object', properties: { total: { type: 'integer' }, byState: { type: 'object', additionalProperties: { type: 'integer' } }, versions: { type: 'integer' }, quarantined: { type: 'integer' } } },
            contentDate: { type: 'string' },
            contentSource: { type: 'string' },
            outOfDate: { type: 'boolean' },
            contentStatement: content.contentStatement,
            sources: { type: 'array', items: sourceSchema },
            notImported: {
              type: 'array',
              description: 'Known sources nothing was read from yet, with the command that reads them, and sources whose every attempt failed, with the last error',
              items: { type: 'object', properties: { id: { type: 'string' }, label: { type: 'string' }, command: { type: 'string' }, lastError: { type: 'string' }, nextSyncAt: { type: 'string' } } },
            },
            generatedAt: { type: 'string' },
          },
        },
      },
    },
  }, async () => {
    const s = await ctx.status();
    return { ...s, contentStatement: contentFields(contentDateOf(s)).contentStatement };
  });

  app.get('/api/v1/sources', {
    schema: {
      tags: ['status'],
      summary: 'Where the content comes from: each source with its content date, last and next update (X1520-9.1, 9.3, 9.5)',
      response: { 200: { type: 'object', properties: { sources: { type: 'array', items: sourceSchema }, ...content } } },
    },
  }, async () => {
    const s = await ctx.status();
    return { sources: s.sources, ...contentFields(await ctx.contentDate()) };
  });

  app.get('/api/v1/stats', {
    schema: {
      tags: ['status'],
      summary: 'Repository statistics: records per year, by state, CVSS severity, top CWEs and vendors, KEV additions per month',
      response: {
        200: {
          type: 'object',
          properties: {
            byYear: { type: 'array', items: { type: 'object', properties: { year: { type: 'integer' }, count: { type: 'integer' } } } },
            byState: facetList,
            bySeverity: facetList,
            topCwes: facetList,
            topVendors: facetList,
            kevByMonth: facetList,
            ...content,
          },
        },
      },
    },
  }, async () => ({ ...(await ctx.search().stats()), ...contentFields(await ctx.contentDate()) }));

  app.get<{ Params: { name: string } }>('/api/v1/cve/:name', {
    schema: {
      tags: ['records'],
      summary: 'One record with its state, replacements and content date',
      params: cveParams,
      response: {
        200: {
          type: 'object',
          properties: {
            cveId: { type: 'string' },
            state: { type: 'string' },
            version: { type: 'integer' },
            dateUpdated: { type: 'string' },
            source: { type: 'string' },
            replacements: { type: 'array', items: { type: 'object', properties: { kind: { type: 'string' }, target: { type: 'string' }, from: { type: 'string' } } } },
            replacedBy: { type: 'array', items: { type: 'string' } },
            record: { type: 'object', additionalProperties: true, description: 'the CVE JSON 5 record as stored' },
            url: { type: 'string' },
            ...content,
          },
        },
        400: error,
        404: error,
      },
    },
  }, async (req) => {
    const rec = await recordOr404(req.params.name);
    const record = JSON.parse(rec.json);
    const summary = summarizeRecord(record);
    return {
      cveId: rec.cveId,
      state: rec.state,
      version: rec.version,
      dateUpdated: rec.dateUpdated,
      source: rec.source,
      replacements: summary.replacements,
      replacedBy: [...new Set(summary.replacements.map((r) => r.target))],
      record,
      url: `/cve/${rec.cveId}`,
      ...contentFields(await ctx.contentDate()),
    };
  });

  app.get<{ Params: { name: string } }>('/api/v1/cve/:name/versions', {
    schema: {
      tags: ['records'],
      summary: 'Every version of a record kept, oldest first',
      params: cveParams,
      response: { 200: { type: 'object', properties: { cveId: { type: 'string' }, versions: { type: 'array', items: versionSchema }, ...content } }, 400: error, 404: error },
    },
  }, async (req) => {
    const rec = await recordOr404(req.params.name);
    return { cveId: rec.cveId, versions: await store.listVersions(rec.cveId), ...contentFields(await ctx.contentDate()) };
  });

  app.get<{ Params: { name: string }; Querystring: { from: number; to: number } }>(
    '/api/v1/cve/:name/diff',
    {
      schema: {
        tags: ['records'],
        summary: 'The fields changed between two versions of a record (JSON pointers, old and new values)',
        params: cveParams,
        querystring: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'integer', minimum: 1 }, to: { type: 'integer', minimum: 1 } } },
        response: {
          200: {
            type: 'object',
            properties: {
              cveId: { type: 'string' },
              from: { type: 'integer' },
              to: { type: 'integer' },
              changes: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, oldPath: { type: 'string' }, kind: { type: 'string' }, old: {}, new: {} } } },
              ...content,
            },
          },
          400: error,
          404: error,
        },
      },
    },
    async (req) => {
      const rec = await recordOr404(req.params.name);
      const [a, b] = await Promise.all([store.getVersion(rec.cveId, req.query.from), store.getVersion(rec.cveId, req.query.to)]);
      if (!a || !b) throw new HttpError(404, 'VERSION_NOT_FOUND', `${rec.cveId} has no version ${!a ? req.query.from : req.query.to}`, { cveId: rec.cveId });
      return { cveId: rec.cveId, from: a.version, to: b.version, changes: diffRecords(JSON.parse(a.json), JSON.parse(b.json)), ...contentFields(await ctx.contentDate()) };
    },
  );

  app.get<{ Querystring: { id: string } }>('/api/v1/resolve', {
    schema: {
      tags: ['resolve'],
      summary: 'A CVE name in any syntax → its canonical name, state, replacements and URL',
      description: 'Accepts CVE-2021-44228, cve-2021-44228, 2021-44228, CAN-1999-0067, CVE 2021 44228, full-width digits… (X1520-10.1, 10.2). 400 NOT_A_CVE_NAME says why the input is not a CVE name (as every /api/v1 route answers a malformed name); 404 CVE_RECORD_NOT_FOUND that it is well-formed but not here.',
      querystring: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 300 } } },
      response: { 200: { type: 'object', properties: { ...resolvedSchema.properties, ...content } }, 400: error, 404: error },
    },
  }, async (req) => {
    const r = await resolveOne(store, req.query.id);
    if (r.kind === 'invalid') throw new HttpError(400, 'NOT_A_CVE_NAME', notACveName(req.query.id, r.reason), { query: req.query.id });
    if (r.kind === 'unknown') throw new HttpError(404, 'CVE_RECORD_NOT_FOUND', `${r.cveId} is a well-formed CVE name but is not in this repository`, { query: req.query.id, cveId: r.cveId });
    return { ...r.result, ...contentFields(await ctx.contentDate()) };
  });

  app.post<{ Body: { ids?: string[]; text?: string } | string }>('/api/v1/resolve', {
    bodyLimit: 4 * 1024 * 1024,
    schema: {
      tags: ['resolve'],
      summary: `Resolve up to ${MAX_BULK_NAMES.toLocaleString('en')} names at once, or every CVE name in a pasted text`,
      description: 'Body: {"ids": [...]} with names in any syntax, or {"text": "..."} (or a text/plain body) from which every CVE name is taken. Answers per name in input order; unknown and invalid names are listed with reasons. More than 10,000 names: 413 TOO_MANY_NAMES; a body over 4 MiB: 413 PAYLOAD_TOO_LARGE.',
      body: {
        oneOf: [
          { type: 'object', required: ['ids'], additionalProperties: false, properties: { ids: { type: 'array', minItems: 1, maxItems: MAX_BULK_NAMES, items: { type: 'string', maxLength: 300 } } } },
          { type: 'object', required: ['text'], additionalProperties: false, properties: { text: { type: 'string', minLength: 1, maxLength: MAX_BULK_TEXT } } },
          { type: 'string', minLength: 1, maxLength: MAX_BULK_TEXT },
        ],
      },
      response: {
        200: {
          type: 'object',
          properties: {
            count: { type: 'integer' },
            found: { type: 'integer' },
            unknown: { type: 'integer' },
            invalid: { type: 'integer' },
            results: {
              type: 'array',
              items: { type: 'object', properties: { ...resolvedSchema.properties, status: { type: 'string', enum: ['found', 'unknown', 'invalid'] }, reason: { type: 'string' } } },
            },
            ...content,
          },
        },
        400: error,
        413: error,
      },
    },
  }, async (req) => {
    const body = req.body;
    const inputs = typeof body === 'string' ? { text: body } : body;
    const results = await resolveMany(store, inputs);
    return {
      count: results.length,
      found: results.filter((r) => r.status === 'found').length,
      unknown: results.filter((r) => r.status === 'unknown').length,
      invalid: results.filter((r) => r.status === 'invalid').length,
      results,
      ...contentFields(await ctx.contentDate()),
    };
  });
}
