/**
 * @module What every route needs: the store, the clock, the repository status with the
 * date of the CVE content (X1520-9.1, 9.2), and the page frame.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contentAsOfLine, contentDateOf, type ContentDate } from '../formats/index.ts';
import { repositoryStatus, type RepositoryStatus } from '../ingest/index.ts';
import type { Store } from '../store/index.ts';
import type { SearchStore } from '../store/search-types.ts';
import { page, type SafeHtml } from '../web/index.ts';

/** Pages may load the stylesheet and the one progressive script, nothing else (no inline code). */
export const CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const STATUS_TTL_MS = 5_000;

export interface PageExtra {
  readonly query?: string;
  readonly code?: number;
  readonly alternates?: readonly { readonly type: string; readonly href: string }[];
  /** `Link` header value naming the other formats. */
  readonly link?: string;
}

export interface AppContext {
  readonly store: Store;
  readonly now: () => Date;
  status(): Promise<RepositoryStatus>;
  /** The content date as the format writers take it. */
  contentDate(): Promise<ContentDate>;
  /** The search part of the store (503 while the backend has none). */
  search(): SearchStore;
  sendPage(reply: FastifyReply, title: string, body: SafeHtml, extra?: PageExtra): Promise<FastifyReply>;
  /** `http://host:port` the client used, for absolute links in feeds. */
  origin(req: FastifyRequest): string;
}

/**
 * The repository's status (content date, sources, counts), cached: one refresh at a time,
 * and none on the request's path once there is a status; past its TTL the cached status is
 * still answered while a single refresh runs. (Every request refreshing it, as before, sent
 * one `count(*)` over the records per waiting request to the database every 5 s: on
 * PostgreSQL that herd was most of the `/cve/ID.json` cost.) The app makes one and gives it
 * to every part that draws pages, so each page says the date of the CVE content (X1520-6.13).
 */
export function statusSource(store: Store, now: () => Date = () => new Date()): () => Promise<RepositoryStatus> {
  let cached: { at: number; status: RepositoryStatus } | undefined;
  let refreshing: Promise<RepositoryStatus> | undefined;
  const refresh = (): Promise<RepositoryStatus> => {
    refreshing ??= repositoryStatus(store, now())
      .then((s) => {
        cached = { at: Date.now(), status: s };
        return s;
      })
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  };
  return async (): Promise<RepositoryStatus> => {
    if (!cached) return refresh();
    if (Date.now() - cached.at > STATUS_TTL_MS) refresh().catch(() => undefined);
    return cached.status;
  };
}

/** The page frame's content-date line and out-of-date mark, from a status. */
export const contentFrame = (s: RepositoryStatus): { contentLine: string; outOfDate: boolean } => ({ contentLine: contentAsOfLine(contentDateOf(s)), outOfDate: s.outOfDate });

export function createContext(store: Store, now: () => Date): AppContext {
  const status = statusSource(store, now);
  return {
    store,
    now,
    status,
    async contentDate() {
      return { ...contentDateOf(await status()), generatedAt: now().toISOString() };
    },
    search() {
      return store.search;
    },
    async sendPage(reply, title, body, extra = {}) {
      const s = await status();
      if (extra.link) reply.header('link', extra.link);
      return reply
        .code(extra.code ?? 200)
        .type('text/html; charset=utf-8')
        .header('content-security-policy', CSP)
        .header('x-cve-content-date', s.contentDate ?? '')
        .send(page({ title, ...contentFrame(s), query: extra.query, alternates: extra.alternates }, body));
    },
    origin(req) {
      return `${req.protocol}://${req.host}`;
    },
  };
}
