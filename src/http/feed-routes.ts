/**
 * @module Feeds of new, updated and rejected records in Atom and RSS, narrowed by the
 * search filters as parameters (`/feeds/new.atom?vendor=apache&kev=yes`). Each entry is
 * titled with its CVE name (X1520-6.10); the feed states the content date in its subtitle
 * (X1520-9.1).
 */
import type { FastifyInstance } from 'fastify';
import { summarizeRecord, type CveRecordJson } from '../cve/index.ts';
import { atomFeed, FEED_ENTRY_KINDS, feedEntryOf, rssFeed, type FeedEntry } from '../formats/index.ts';
import type { ChangeKind } from '../store/search-types.ts';
import type { AppContext } from './context.ts';
import { recordsOf } from './list-formats.ts';
import { FILTER_PROPERTIES, parseRequest, type FilterParams } from './query.ts';

const TITLES: Readonly<Record<ChangeKind, string>> = {
  new: 'New CVE records',
  updated: 'Updated CVE records',
  rejected: 'Rejected CVE names',
};

export function registerFeedRoutes(app: FastifyInstance, ctx: AppContext): void {
  for (const kind of FEED_ENTRY_KINDS) {
    for (const ext of ['atom', 'rss'] as const) {
      app.get<{ Querystring: FilterParams & { since?: string } }>(
        `/feeds/${kind}.${ext}`,
        {
          schema: {
            tags: ['lists'],
            summary: `${TITLES[kind]} as ${ext === 'atom' ? 'Atom 1.0' : 'RSS 2.0'}, newest first, narrowed by the search filters`,
            querystring: {
              type: 'object',
              properties: {
                ...FILTER_PROPERTIES,
                limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
                since: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}', description: 'only changes at or after this date' },
              },
            },
          },
        },
        async (req, reply) => {
          const { filters } = parseRequest(req.query);
          const { sort: _sort, order: _order, ...filter } = filters;
          const hits = await ctx.search().changes({ kind, limit: req.query.limit ?? 100, filter, ...(req.query.since && { since: req.query.since }) });
          const entries: FeedEntry[] = [];
          for await (const r of recordsOf(ctx.store, hits.map((h) => h.cveId))) {
            // The feed decides the kind, whatever the record's dates say.
            entries.push({ ...feedEntryOf(summarizeRecord(JSON.parse(r.json) as CveRecordJson)), kind });
          }
          const content = await ctx.contentDate();
          const qs = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
          const filtered = qs.length > 1;
          const options = {
            title: `cvekit: ${TITLES[kind]}${filtered ? ' (filtered)' : ''}`,
            selfUrl: `${ctx.origin(req)}${req.url}`,
            pageUrl: kind === 'rejected' && !filtered ? '/cve/rejected' : `/search${qs}`,
            updated: entries[0]?.updated ?? content.contentDate ?? content.generatedAt,
            entries,
            content,
          };
          return reply
            .type(ext === 'atom' ? 'application/atom+xml; charset=utf-8' : 'application/rss+xml; charset=utf-8')
            .header('cache-control', 'public, max-age=300')
            .send(ext === 'atom' ? atomFeed(options) : rssFeed(options));
        },
      );
    }
  }
}
