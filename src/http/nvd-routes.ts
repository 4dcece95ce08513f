/**
 * @module An NVD CVE API 2.0-compatible endpoint, `GET /rest/json/cves/2.0`, so code written
 * for NVD can point at cvekit unchanged: the same parameters, NVD's envelope, and NVD's way
 * of refusing a request (HTTP 404, empty body, the reason in a `message` header). Pages of
 * up to 2,000 records are streamed one record at a time.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseCveId, summarizeRecord, type CveRecordJson } from '../cve/index.ts';
import { nvdEnvelope, nvdPageEnd, nvdPageItem, nvdPageStart, toNvdCve } from '../formats/index.ts';
import type { SearchHit, SearchQuery } from '../store/search-types.ts';
import type { AppContext } from './context.ts';

export const NVD_MAX_RESULTS = 2000;
/** NVD: "the maximum allowable range when using any date range parameters is 120 consecutive days". */
export const NVD_MAX_RANGE_DAYS = 120;
const DAY_MS = 86_400_000;

const NVD_PARAMS = [
  'cveId', 'keywordSearch', 'keywordExactMatch', 'pubStartDate', 'pubEndDate', 'lastModStartDate', 'lastModEndDate',
  'cvssV3Severity', 'cweId', 'hasKev', 'noRejected', 'resultsPerPage', 'startIndex',
] as const;
type NvdQuery = Partial<Record<(typeof NVD_PARAMS)[number], string>>;

class NvdRefusal extends Error {}

/** ISO 8601 date-time as NVD takes it (`2024-01-01T00:00:00.000`, offset optional, read as UTC when absent). */
function nvdDate(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim().replace(' ', '+'));
  if (!m) throw new NvdRefusal('Invalid ISO 8601 date/time format, see documentation.');
  const [, y, mo, d, h, mi, s = '00', ms = '0', zone = 'Z'] = m;
  const z = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms.padEnd(3, '0')}${z}`);
  if (Number.isNaN(t) || new Date(Date.UTC(+y, +mo - 1, +d)).getUTCDate() !== +d) throw new NvdRefusal('Invalid ISO 8601 date/time format, see documentation.');
  return t;
}

function range(q: NvdQuery, startKey: 'pubStartDate' | 'lastModStartDate', endKey: 'pubEndDate' | 'lastModEndDate'): { from: string; to: string } | undefined {
  const start = q[startKey];
  const end = q[endKey];
  if (start === undefined && end === undefined) return undefined;
  if (start === undefined || end === undefined) throw new NvdRefusal(`Both ${startKey} and ${endKey} are required when either is present`);
  const a = nvdDate(start);
  const b = nvdDate(end);
  if (b < a) throw new NvdRefusal(`${endKey} must not be before ${startKey}`);
  if (b - a > NVD_MAX_RANGE_DAYS * DAY_MS) throw new NvdRefusal(`The ${startKey === 'pubStartDate' ? 'publication' : 'last modified'} date range must not exceed ${NVD_MAX_RANGE_DAYS} consecutive days`);
  return { from: new Date(a).toISOString(), to: new Date(b).toISOString() };
}

function integer(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new NvdRefusal(`Invalid ${name}: an integer from ${min} to ${max}`);
  return Number(value);
}

export function registerNvdRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { store } = ctx;
  /** Cursors at known offsets per query, so a client paging with startIndex 0, 2000, 4000… costs one search per page. */
  const cursors = new Map<string, string>();
  const remember = (key: string, cursor: string) => {
    if (cursors.size > 2_000) cursors.delete(cursors.keys().next().value as string);
    cursors.set(key, cursor);
  };

  /** The hits at [startIndex, startIndex + count) and the total, walking cursors from the nearest known offset. */
  async function page(query: Omit<SearchQuery, 'limit' | 'cursor'>, startIndex: number, count: number): Promise<{ hits: readonly SearchHit[]; total: number }> {
    const qkey = JSON.stringify(query);
    let pos = 0;
    let cursor: string | undefined;
    for (const [k, c] of cursors) {
      const at = Number(k.slice(k.lastIndexOf('@') + 1));
      if (k.startsWith(`${qkey}@`) && at <= startIndex && at > pos) {
        pos = at;
        cursor = c;
      }
    }
    while (pos < startIndex) {
      const step = Math.min(NVD_MAX_RESULTS, startIndex - pos);
      const r = await ctx.search().search({ ...query, limit: step, noTotal: true, ...(cursor && { cursor }) });
      pos += r.items.length;
      if (!r.nextCursor || r.items.length < step) {
        const t = await ctx.search().search({ ...query, limit: 1 });
        return { hits: [], total: t.total ?? pos };
      }
      cursor = r.nextCursor;
      remember(`${qkey}@${pos}`, cursor);
    }
    const r = await ctx.search().search({ ...query, limit: Math.max(1, count), ...(cursor && { cursor }) });
    if (r.nextCursor) remember(`${qkey}@${startIndex + r.items.length}`, r.nextCursor);
    return { hits: count === 0 ? [] : r.items, total: r.total ?? startIndex + r.items.length };
  }

  app.get<{ Querystring: NvdQuery }>(
    '/rest/json/cves/2.0',
    {
      schema: {
        tags: ['nvd'],
        summary: 'NVD CVE API 2.0-compatible search (NVD_CVE envelope, 2,000 results per page at most)',
        description:
          'Parameters as NVD: cveId, keywordSearch, keywordExactMatch, pubStartDate/pubEndDate and lastModStartDate/lastModEndDate (both or neither, at most 120 days), cvssV3Severity, cweId, hasKev, noRejected, resultsPerPage (≤ 2000, default 2000), startIndex. Refusals as NVD: 404 with an empty body and the reason in the message header. The envelope adds cveContent, the date of the CVE content (X1520-9.1).',
        querystring: { type: 'object', properties: Object.fromEntries(NVD_PARAMS.map((p) => [p, { type: 'string', maxLength: 1000 }])) },
      },
    },
    async (req, reply) => {
      const q = req.query;
      let query: Omit<SearchQuery, 'limit' | 'cursor'>;
      let perPage: number;
      let startIndex: number;
      try {
        perPage = integer(q.resultsPerPage, 'resultsPerPage', 0, NVD_MAX_RESULTS, NVD_MAX_RESULTS);
        startIndex = integer(q.startIndex, 'startIndex', 0, Number.MAX_SAFE_INTEGER, 0);
        const published = range(q, 'pubStartDate', 'pubEndDate');
        const updated = range(q, 'lastModStartDate', 'lastModEndDate');
        if (q.keywordExactMatch !== undefined && !q.keywordSearch) throw new NvdRefusal('keywordExactMatch requires keywordSearch');
        const sev = q.cvssV3Severity?.toUpperCase();
        if (sev !== undefined && !['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].includes(sev)) throw new NvdRefusal('Invalid cvssV3Severity: LOW, MEDIUM, HIGH or CRITICAL');
        const cwe = q.cweId?.toUpperCase();
        if (cwe !== undefined && !/^(CWE-\d+|NVD-CWE-OTHER|NVD-CWE-NOINFO)$/.test(cwe)) throw new NvdRefusal('Invalid cweId');
        if (q.cveId !== undefined) {
          const id = parseCveId(q.cveId);
          if (!id.ok || !/^CVE-\d{4}-\d{4,}$/i.test(q.cveId.trim())) throw new NvdRefusal('Invalid cveId');
        }
        const words = q.keywordSearch?.trim().split(/\s+/).filter(Boolean) ?? [];
        query = {
          ...(words.length && (q.keywordExactMatch !== undefined ? { phrases: [q.keywordSearch!.trim()] } : { words })),
          ...(published && { published }),
          ...(updated && { updated }),
          // NVD's cvssV3Severity reads CVSS v3.0 and v3.1 metrics alike.
          ...(sev && { severities: [sev], cvssVersions: ['3.0', '3.1'] as const }),
          ...(cwe && { cwes: [cwe] }),
          ...(q.hasKev !== undefined && { kev: true }),
          ...(q.noRejected !== undefined && { states: ['PUBLISHED' as const] }),
          sort: 'published',
          order: 'asc',
        };
      } catch (err) {
        if (err instanceof NvdRefusal) return refuse(reply, err.message);
        throw err;
      }

      let ids: string[];
      let total: number;
      if (q.cveId !== undefined) {
        const id = parseCveId(q.cveId);
        const rec = id.ok ? await store.getRecord(id.id) : undefined;
        const keep = rec && !(q.noRejected !== undefined && rec.state === 'REJECTED');
        total = keep ? 1 : 0;
        ids = keep && startIndex === 0 && perPage > 0 ? [rec.cveId] : [];
      } else {
        const p = await page(query, startIndex, perPage);
        total = p.total;
        ids = p.hits.map((h) => h.cveId);
      }
      const content = await ctx.contentDate();
      const envelope = nvdEnvelope({ resultsPerPage: ids.length, startIndex, totalResults: total, timestamp: content.generatedAt, content });
      async function* body(): AsyncGenerator<string> {
        yield nvdPageStart(envelope);
        let i = 0;
        for (let k = 0; k < ids.length; k += 32) {
          // SQLite reads are synchronous: without this turn of the event loop a 2,000-record
          // page would hold the loop (every other request) until its last byte.
          if (k > 0) await new Promise((resolve) => setImmediate(resolve));
          const recs = await Promise.all(ids.slice(k, k + 32).map((id) => store.getRecord(id)));
          for (const rec of recs) {
            if (!rec) continue;
            const record = JSON.parse(rec.json) as CveRecordJson;
            yield nvdPageItem(toNvdCve(record, summarizeRecord(record)), i++);
          }
        }
        yield nvdPageEnd();
      }
      return reply.type('application/json; charset=utf-8').send(Readable.from(body()));
    },
  );
}

/** NVD refuses with 404, an empty body and the reason in a `message` header. */
function refuse(reply: FastifyReply, message: string) {
  return reply.code(404).header('message', message).header('content-type', 'text/plain; charset=utf-8').send('');
}
