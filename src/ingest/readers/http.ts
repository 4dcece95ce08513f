/**
 * @module HTTP(S) inputs: streamed bodies with header and stall timeouts, retries with
 * exponential backoff and jitter (network errors, 408/429/5xx, stalls, cut bodies), `Retry-After`
 * honoured, and resumption by `Range` (or by skipping what was read) after a failure mid-body.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { INPUT_ERROR_CODES, InputError } from './errors.ts';
import type { ResolvedHttpOptions } from './options.ts';

/** What the server said about the resource on the first successful response. */
export interface HttpInfo {
  readonly url: string;
  readonly etag?: string;
  readonly lastModified?: string;
  /** Length of the whole body when the server gave one. */
  readonly contentLength?: number;
  readonly acceptRanges: boolean;
}

class RetryableError extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

/**
 * One HTTP resource read as a stream that survives failures. `open()` waits for the first good
 * response; `chunks()` yields the body, reconnecting transparently while attempts remain.
 */
export class HttpBody {
  readonly url: string;
  private readonly http: ResolvedHttpOptions;
  private failures = 0;
  private pending: Response | undefined;
  private controller: AbortController | undefined;
  info: HttpInfo | undefined;
  /** Body bytes delivered so far by the current `chunks()` run. */
  received = 0;

  constructor(url: string, http: ResolvedHttpOptions) {
    this.url = url;
    this.http = http;
  }

  private fatal(message: string, cause?: unknown): InputError {
    return new InputError(INPUT_ERROR_CODES.HTTP_FAILED, this.url, `GET ${this.url} failed${message}`, { cause });
  }

  private async backoff(err: RetryableError): Promise<void> {
    this.failures++;
    if (this.failures >= this.http.attempts) {
      throw this.fatal(` after ${this.failures} attempts: ${err.message}`, err);
    }
    const exp = Math.min(this.http.maxBackoffMs, this.http.backoffMs * 2 ** (this.failures - 1));
    let delay = exp * (0.5 + Math.random() * 0.5);
    if (err.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(err.retryAfterMs, this.http.maxBackoffMs));
    await sleep(delay);
  }

  /** One request; throws `RetryableError` for what deserves another try. */
  private async request(from: number): Promise<Response> {
    const controller = new AbortController();
    this.controller = controller;
    const headers: Record<string, string> = { 'accept-encoding': 'identity', ...this.http.headers };
    if (from > 0 && this.info?.acceptRanges) {
      headers.range = `bytes=${from}-`;
      const validator = this.info.etag && !this.info.etag.startsWith('W/') ? this.info.etag : this.info.lastModified;
      if (validator) headers['if-range'] = validator;
    }
    const timer = setTimeout(
      () => controller.abort(new RetryableError(`no response headers within ${this.http.headersTimeoutMs} ms`)),
      this.http.headersTimeoutMs,
    );
    let res: Response;
    try {
      res = await fetch(this.url, { headers, signal: controller.signal, redirect: 'follow' });
    } catch (err) {
      if (err instanceof RetryableError) throw err;
      if (controller.signal.reason instanceof RetryableError) throw controller.signal.reason;
      throw new RetryableError(describe(err));
    } finally {
      clearTimeout(timer);
    }
    if (res.ok) return res;
    await res.body?.cancel().catch(() => {});
    const reason = `HTTP ${res.status} ${res.statusText}`.trim();
    if (res.status === 408 || res.status === 429 || res.status >= 500) throw new RetryableError(reason, retryAfterMs(res.headers.get('retry-after')));
    throw this.fatal(`: ${reason}`);
  }

  private async connect(from: number): Promise<Response> {
    for (;;) {
      try {
        return await this.request(from);
      } catch (err) {
        if (!(err instanceof RetryableError)) throw err;
        await this.backoff(err);
      }
    }
  }

  /** Waits for the first good response and records what it says about the resource. */
  async open(): Promise<HttpInfo> {
    const res = await this.connect(0);
    const h = res.headers;
    const length = h.get('content-length');
    const encoded = (h.get('content-encoding') ?? 'identity') !== 'identity';
    this.info = {
      url: this.url,
      etag: h.get('etag') ?? undefined,
      lastModified: h.get('last-modified') ?? undefined,
      contentLength: length !== null && !encoded && /^\d+$/.test(length) ? Number(length) : undefined,
      acceptRanges: (h.get('accept-ranges') ?? '').toLowerCase().includes('bytes') && !encoded,
    };
    this.pending = res;
    return this.info;
  }

  /** The body from its first byte; failures mid-body resume at the byte reached. */
  async *chunks(): AsyncGenerator<Uint8Array> {
    if (!this.info) await this.open();
    const info = this.info as HttpInfo;
    this.received = 0;
    let res = this.pending;
    this.pending = undefined;
    try {
      for (;;) {
        try {
          if (!res) res = await this.connect(this.received);
          let skip = 0;
          if (this.received > 0) {
            if (res.status === 206) {
              const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
              if (!m || Number(m[1]) !== this.received) throw this.fatal(`: resumed at the wrong offset (${res.headers.get('content-range')})`);
            } else {
              const etag = res.headers.get('etag') ?? undefined;
              const lm = res.headers.get('last-modified') ?? undefined;
              if ((info.etag && etag !== info.etag) || (!info.etag && info.lastModified && lm !== info.lastModified)) {
                throw new InputError(INPUT_ERROR_CODES.CHANGED, this.url, `GET ${this.url}: the resource changed while it was being read (ETag/Last-Modified differ); start again`);
              }
              skip = this.received;
            }
          }
          const expected = res.status === 206 ? (info.contentLength ?? Number.NaN) : info.contentLength;
          const body = res.body;
          res = undefined;
          if (!body) throw new RetryableError('response has no body');
          for await (const chunk of this.readBody(body)) {
            let c = chunk;
            if (skip > 0) {
              const n = Math.min(skip, c.length);
              skip -= n;
              c = c.subarray(n);
              if (c.length === 0) continue;
            }
            this.received += c.length;
            this.failures = 0;
            yield c;
          }
          if (expected !== undefined && !Number.isNaN(expected) && this.received !== expected) {
            throw new RetryableError(`body ended after ${this.received} of ${expected} bytes`);
          }
          return;
        } catch (err) {
          if (err instanceof InputError) throw err;
          const retry = err instanceof RetryableError ? err : new RetryableError(`body cut after ${this.received} bytes: ${describe(err)}`);
          res = undefined;
          await this.backoff(retry);
        }
      }
    } finally {
      this.controller?.abort();
      const left = this.pending as Response | undefined;
      this.pending = undefined;
      await left?.body?.cancel().catch(() => {});
    }
  }

  /** Body chunks; a gap of `stallTimeoutMs` without bytes aborts the request. */
  private async *readBody(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
    const reader = body.getReader();
    const stallMs = this.http.stallTimeoutMs;
    try {
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const stalled = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new RetryableError(`body stalled: no bytes for ${stallMs} ms after ${this.received} bytes`)), stallMs);
        });
        let r: Awaited<ReturnType<typeof reader.read>>;
        try {
          r = await Promise.race([reader.read(), stalled]);
        } finally {
          clearTimeout(timer);
        }
        if (r.done) return;
        yield r.value;
      }
    } finally {
      this.controller?.abort();
      reader.cancel().catch(() => {});
    }
  }
}

export function isHttpUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

/** Source key of an HTTP resource: URL plus the validators it gave. */
export function httpKey(info: HttpInfo): string | undefined {
  const parts: string[] = [];
  if (info.etag) parts.push(`etag=${info.etag}`);
  if (info.lastModified) parts.push(`last-modified=${info.lastModified}`);
  if (info.contentLength !== undefined) parts.push(`length=${info.contentLength}`);
  return parts.length > 0 ? `${info.url}#${parts.join('&')}` : undefined;
}
