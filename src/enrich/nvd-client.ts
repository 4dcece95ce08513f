/**
 * @module Incremental sync with the NVD CVE API 2.0: which requests to make and in what order,
 * with an injectable `fetch` and clock (no I/O of its own).
 *
 * - Windows of `lastModStartDate`/`lastModEndDate` of at most 120 days (the API refuses longer
 *   ranges), from the end of the last completed sync up to the moment this run started, so a
 *   sync after weeks of downtime reads every window in between and loses none.
 * - Paging with `startIndex` and `resultsPerPage=2000` (the API's maximum for CVEs). When
 *   `totalResults` drops while paging (records modified meanwhile leave the window and every
 *   later record moves up), the page is read again from that many places earlier, so none is skipped.
 * - A rolling-window rate limiter: 5 requests per 30 s without an API key, 50 with one (NVD's
 *   published limits); the key goes in the `apiKey` header.
 * - Retries with exponential backoff and jitter on 403 (NVD's answer when over the limit), 429,
 *   5xx, network errors, timeouts and cut bodies; `Retry-After` is honoured. A 404 with NVD's
 *   `message` header (bad parameters, e.g. a range over 120 days) is not retried.
 * - A resumable cursor, a plain JSON value: save it after storing each page; `syncNvdCves(cursor)`
 *   goes on from there (the page after the last stored one).
 *
 * @example
 * let cursor = saved ? resumeOrNext(saved, new Date()) : startNvdSync('2025-01-01T00:00:00Z', new Date());
 * for await (const page of syncNvdCves(cursor, { apiKey })) {
 *   await store(page.records);
 *   await save(page.cursor);
 * }
 */
import { parseNvd } from './nvd.ts';
import type { NvdCveRecord, NvdEnvelope } from './nvd.ts';
import type { RecordIssue } from './errors.ts';
import { toIsoDate } from './fields.ts';

/** The CVE API 2.0 endpoint. */
export const NVD_CVE_API_URL = 'https://services.nvd.nist.gov/rest/json/cves/2.0';
/** Longest `lastModStartDate`..`lastModEndDate` range the API accepts. */
export const NVD_MAX_WINDOW_DAYS = 120;
/** Most CVEs per page the API returns. */
export const NVD_PAGE_SIZE = 2000;
/** Requests per rolling 30 s: without, and with an API key. */
export const NVD_RATE_LIMITS = { withoutKey: 5, withKey: 50, periodMs: 30_000 } as const;

const DAY_MS = 86_400_000;

export const NVD_CLIENT_ERROR_CODES = ['NVD_HTTP', 'NVD_RANGE', 'NVD_RETRIES_EXHAUSTED', 'NVD_BAD_ANSWER', 'NVD_CURSOR', 'NVD_ABORTED'] as const;
export type NvdClientErrorCode = (typeof NVD_CLIENT_ERROR_CODES)[number];

/** A sync that stopped; `cursor` is where to resume (the page that failed). */
export class NvdClientError extends Error {
  override readonly name = 'NvdClientError';
  readonly code: NvdClientErrorCode;
  readonly status?: number;
  readonly cursor?: NvdSyncCursor;
  constructor(code: NvdClientErrorCode, message: string, extra: { status?: number; cursor?: NvdSyncCursor; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.cursor !== undefined) this.cursor = extra.cursor;
  }
}

/** Time as the client sees it: real in production, simulated in tests. */
export interface NvdClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: NvdClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Where a sync run is: a plain JSON value to save after each stored page.
 *
 * @example
 * { kind: 'nvd-cve-sync', version: 1, windowStart: '2025-01-01T00:00:00.000Z',
 *   until: '2025-06-01T08:00:00.000Z', startIndex: 4000, totalResults: 9517, done: false }
 */
export interface NvdSyncCursor {
  readonly kind: 'nvd-cve-sync';
  readonly version: 1;
  /** `lastModStartDate` of the window being read. */
  readonly windowStart: string;
  /** When the run started: windows go up to here, and the next run starts here. */
  readonly until: string;
  /** The next page of the current window. */
  readonly startIndex: number;
  /** `totalResults` of the current window at the last page. */
  readonly totalResults?: number;
  /** Every window up to `until` is read. */
  readonly done: boolean;
}

export interface NvdWindow {
  readonly start: string;
  readonly end: string;
}

const iso = (t: number): string => new Date(t).toISOString();

function instant(value: string | Date, what: string): number {
  const text = value instanceof Date ? value.toISOString() : value;
  const parsed = toIsoDate(text);
  if (parsed === undefined) throw new NvdClientError('NVD_CURSOR', `${what} is not a date: ${JSON.stringify(text)}`);
  return Date.parse(parsed);
}

/** A new run reading every change from `since` (the last run's `until`, or a feed's timestamp) up to `now`. */
export function startNvdSync(since: string | Date, now: Date): NvdSyncCursor {
  const from = instant(since, 'since');
  const until = now.getTime();
  return { kind: 'nvd-cve-sync', version: 1, windowStart: iso(from), until: iso(Math.max(from, until)), startIndex: 0, done: from >= until };
}

/** Resume an unfinished run as it is; after a finished one, start the next from its `until`. */
export function resumeOrNext(cursor: NvdSyncCursor, now: Date): NvdSyncCursor {
  return cursor.done ? startNvdSync(cursor.until, now) : cursor;
}

/** Check a cursor loaded from storage. */
export function parseNvdCursor(value: unknown): NvdSyncCursor {
  const c = value as Partial<NvdSyncCursor> | null;
  const bad = (why: string): never => {
    throw new NvdClientError('NVD_CURSOR', `not an NVD sync cursor: ${why}`);
  };
  if (typeof c !== 'object' || c === null) return bad('not an object');
  if (c.kind !== 'nvd-cve-sync' || c.version !== 1) return bad('kind or version');
  if (typeof c.windowStart !== 'string' || toIsoDate(c.windowStart) === undefined) return bad('windowStart');
  if (typeof c.until !== 'string' || toIsoDate(c.until) === undefined) return bad('until');
  if (!Number.isSafeInteger(c.startIndex) || (c.startIndex as number) < 0) return bad('startIndex');
  if (c.totalResults !== undefined && (!Number.isSafeInteger(c.totalResults) || c.totalResults < 0)) return bad('totalResults');
  if (typeof c.done !== 'boolean') return bad('done');
  if (Date.parse(c.windowStart) > Date.parse(c.until)) return bad('windowStart after until');
  return c as NvdSyncCursor;
}

/** The window a cursor is in: from `windowStart`, at most `maxDays`, never past `until`. */
export function cursorWindow(cursor: NvdSyncCursor, maxDays = NVD_MAX_WINDOW_DAYS): NvdWindow {
  const start = Date.parse(cursor.windowStart);
  const end = Math.min(start + maxDays * DAY_MS, Date.parse(cursor.until));
  return { start: iso(start), end: iso(end) };
}

/** All windows from `since` to `until` (consecutive, each at most `maxDays`; one shared instant between neighbours). */
export function planWindows(since: string | Date, until: string | Date, maxDays = NVD_MAX_WINDOW_DAYS): NvdWindow[] {
  const out: NvdWindow[] = [];
  let start = instant(since, 'since');
  const end = instant(until, 'until');
  while (start < end) {
    const stop = Math.min(start + maxDays * DAY_MS, end);
    out.push({ start: iso(start), end: iso(stop) });
    start = stop;
  }
  return out;
}

/** NVD's documented date form, `2021-08-04T13:00:00.000+00:00` (the `+` is sent as `%2B`). */
function nvdDate(isoText: string): string {
  return isoText.replace(/Z$/, '+00:00');
}

/** The request URL of one page. */
export function nvdPageUrl(baseUrl: string, window: NvdWindow, startIndex: number, resultsPerPage = NVD_PAGE_SIZE): URL {
  const url = new URL(baseUrl);
  url.searchParams.set('lastModStartDate', nvdDate(window.start));
  url.searchParams.set('lastModEndDate', nvdDate(window.end));
  url.searchParams.set('resultsPerPage', String(resultsPerPage));
  url.searchParams.set('startIndex', String(startIndex));
  return url;
}

/** At most `limit` acquisitions in any rolling `periodMs`, by the given clock. */
export class RateLimiter {
  readonly #limit: number;
  readonly #period: number;
  readonly #clock: NvdClock;
  readonly #log: number[] = [];
  #queue: Promise<void> = Promise.resolve();

  constructor(limit: number, periodMs: number, clock: NvdClock = systemClock) {
    this.#limit = limit;
    this.#period = periodMs;
    this.#clock = clock;
  }

  /** Wait for a slot, then take it. Callers are served in order. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(async () => {
      for (;;) {
        const now = this.#clock.now();
        while (this.#log.length > 0 && this.#log[0] <= now - this.#period) this.#log.shift();
        if (this.#log.length < this.#limit) {
          this.#log.push(now);
          return;
        }
        await this.#clock.sleep(this.#log[0] + this.#period - now, signal);
      }
    });
    this.#queue = turn.catch(() => {});
    return turn;
  }
}

export interface NvdRetryInfo {
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
  readonly url: string;
}

export interface NvdClientOptions {
  /** Default `NVD_CVE_API_URL`; tests point it at a local server. */
  readonly baseUrl?: string;
  /** Sent in the `apiKey` header; raises the limit from 5 to 50 requests per 30 s. */
  readonly apiKey?: string;
  readonly fetch?: typeof fetch;
  readonly clock?: NvdClock;
  /** Default 2,000. */
  readonly resultsPerPage?: number;
  /** Default 120. */
  readonly maxWindowDays?: number;
  /** Requests per rolling period (default by key: 5 or 50 per 30 s). */
  readonly rateLimit?: { readonly requests: number; readonly periodMs: number };
  /** A limiter shared by several syncs (CVE and history) against the same key. */
  readonly limiter?: RateLimiter;
  /** Tries per page before giving up (default 8). */
  readonly maxAttempts?: number;
  /** First backoff delay (default 6 s, NVD's suggested pause), doubled each retry up to `backoffMaxMs` (default 5 min). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** One request, body included (default 120 s). */
  readonly requestTimeoutMs?: number;
  /** Jitter source in [0, 1) (default Math.random). */
  readonly random?: () => number;
  readonly signal?: AbortSignal;
  readonly onRetry?: (info: NvdRetryInfo) => void;
}

/** One stored-then-saved step of a sync. */
export interface NvdSyncPage {
  readonly window: NvdWindow;
  readonly startIndex: number;
  readonly envelope: NvdEnvelope;
  readonly records: readonly NvdCveRecord[];
  readonly issues: readonly RecordIssue[];
  /** Save this once `records` are stored: resuming from it fetches the next page. */
  readonly cursor: NvdSyncCursor;
}

class Retryable extends Error {
  readonly retryAfterMs?: number;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

function retryAfter(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Fetch and parse one page, with rate limiting and retries. Throws `NvdClientError`
 * (NVD_RANGE, NVD_HTTP, NVD_RETRIES_EXHAUSTED, NVD_ABORTED).
 */
export async function fetchNvdPage(
  window: NvdWindow,
  startIndex: number,
  opts: NvdClientOptions = {},
  limiter: RateLimiter = defaultLimiter(opts),
): Promise<Awaited<ReturnType<typeof parseNvd>>> {
  const doFetch = opts.fetch ?? fetch;
  const clock = opts.clock ?? systemClock;
  const url = nvdPageUrl(opts.baseUrl ?? NVD_CVE_API_URL, window, startIndex, opts.resultsPerPage ?? NVD_PAGE_SIZE);
  const maxAttempts = opts.maxAttempts ?? 8;
  const base = opts.backoffBaseMs ?? 6000;
  const cap = opts.backoffMaxMs ?? 300_000;
  const random = opts.random ?? Math.random;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.apiKey) headers.apiKey = opts.apiKey;
  let last = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (opts.signal?.aborted) throw new NvdClientError('NVD_ABORTED', 'NVD sync aborted', { cause: opts.signal.reason });
    try {
      await limiter.acquire(opts.signal);
    } catch (err) {
      throw new NvdClientError('NVD_ABORTED', 'NVD sync aborted', { cause: err });
    }
    const timeout = AbortSignal.timeout(opts.requestTimeoutMs ?? 120_000);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    try {
      let res: Response;
      try {
        res = await doFetch(url, { headers, signal });
      } catch (err) {
        throw new Retryable(timeout.aborted ? 'timed out waiting for the answer' : `network error: ${(err as Error).message}`);
      }
      if (res.ok) {
        if (!res.body) throw new Retryable('an answer without a body');
        try {
          return await parseNvd(res.body as unknown as AsyncIterable<Uint8Array>, { name: `NVD answer ${url.search}` });
        } catch (err) {
          if (opts.signal?.aborted) throw err;
          // A cut or stalled body (or one NVD's proxy truncated) is worth another try.
          throw new Retryable(timeout.aborted ? 'timed out reading the answer' : `unreadable answer: ${(err as Error).message}`);
        }
      }
      const message = res.headers.get('message') ?? '';
      await res.body?.cancel().catch(() => {});
      if (res.status === 403 || res.status === 429 || res.status >= 500) {
        throw new Retryable(`HTTP ${res.status}${message ? ` (${message})` : ''}`, retryAfter(res.headers.get('retry-after'), clock.now()));
      }
      // NVD answers bad parameters with 404 and the reason in a `message` header.
      const range = /120|range|date/i.test(message);
      throw new NvdClientError(range ? 'NVD_RANGE' : 'NVD_HTTP', `NVD answered HTTP ${res.status} to ${url.search}${message ? `: ${message}` : ''}`, { status: res.status });
    } catch (err) {
      if (!(err instanceof Retryable)) {
        if (err instanceof NvdClientError) throw err;
        if (opts.signal?.aborted) throw new NvdClientError('NVD_ABORTED', 'NVD sync aborted', { cause: err });
        throw err;
      }
      last = err.message;
      if (attempt === maxAttempts) break;
      const backoff = Math.min(cap, base * 2 ** (attempt - 1)) * (0.5 + random() / 2);
      const delayMs = Math.max(backoff, err.retryAfterMs ?? 0);
      opts.onRetry?.({ attempt, delayMs, reason: err.message, url: url.href });
      try {
        await clock.sleep(delayMs, opts.signal);
      } catch (e) {
        throw new NvdClientError('NVD_ABORTED', 'NVD sync aborted', { cause: e });
      }
    }
  }
  throw new NvdClientError('NVD_RETRIES_EXHAUSTED', `NVD: gave up on ${url.search} after ${maxAttempts} tries: ${last}`);
}

function defaultLimiter(opts: NvdClientOptions): RateLimiter {
  const limit = opts.rateLimit?.requests ?? (opts.apiKey ? NVD_RATE_LIMITS.withKey : NVD_RATE_LIMITS.withoutKey);
  return new RateLimiter(limit, opts.rateLimit?.periodMs ?? NVD_RATE_LIMITS.periodMs, opts.clock ?? systemClock);
}

/** The cursor after a page of a window: the next page, the next window, or done. */
export function advanceCursor(cursor: NvdSyncCursor, envelope: NvdEnvelope, received: number, maxDays = NVD_MAX_WINDOW_DAYS): NvdSyncCursor {
  const window = cursorWindow(cursor, maxDays);
  const total = envelope.totalResults ?? cursor.startIndex + received;
  const step = envelope.resultsPerPage !== undefined && envelope.resultsPerPage > 0 ? envelope.resultsPerPage : received;
  // Records modified since the last page left the window (their lastModified is now past its
  // end) and every later record moved up by that many: the ones that moved over this page's
  // start were never served. Read again from that many places earlier (duplicates are harmless).
  const shrunk = cursor.totalResults !== undefined && total < cursor.totalResults ? cursor.totalResults - total : 0;
  const next = shrunk > 0 ? cursor.startIndex - shrunk : cursor.startIndex + step;
  if (step > 0 && next < total) {
    return { ...cursor, startIndex: Math.max(0, next), totalResults: total };
  }
  const windowEnd = window.end;
  const done = Date.parse(windowEnd) >= Date.parse(cursor.until);
  const { totalResults: _drop, ...rest } = cursor;
  return { ...rest, windowStart: windowEnd, startIndex: 0, done };
}

/**
 * Read every page of every window from `cursor` on. Each yielded page carries the cursor to
 * save once its records are stored; a failure throws `NvdClientError` with the cursor of the
 * page that failed.
 */
export async function* syncNvdCves(cursor: NvdSyncCursor, opts: NvdClientOptions = {}): AsyncGenerator<NvdSyncPage> {
  let at = parseNvdCursor(cursor);
  const limiter = opts.limiter ?? defaultLimiter(opts);
  const maxDays = opts.maxWindowDays ?? NVD_MAX_WINDOW_DAYS;
  while (!at.done) {
    const window = cursorWindow(at, maxDays);
    let doc: Awaited<ReturnType<typeof parseNvd>>;
    try {
      doc = await fetchNvdPage(window, at.startIndex, opts, limiter);
    } catch (err) {
      if (err instanceof NvdClientError) throw new NvdClientError(err.code, err.message, { ...(err.status ? { status: err.status } : {}), cursor: at, cause: err.cause });
      throw err;
    }
    const next = advanceCursor(at, doc.envelope, doc.cves.length + doc.issues.filter((i) => i.severity === 'error').length, maxDays);
    yield { window, startIndex: at.startIndex, envelope: doc.envelope, records: doc.cves, issues: doc.issues, cursor: next };
    at = next;
  }
}
