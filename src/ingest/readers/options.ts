/**
 * @module Reader options and their defaults.
 */
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** How HTTP(S) inputs are fetched. */
export interface HttpOptions {
  /** Give up waiting for response headers after this long. Default 30 000 ms. */
  readonly headersTimeoutMs?: number;
  /** Treat a body that sends no bytes for this long as stalled (then retry). Default 30 000 ms. */
  readonly stallTimeoutMs?: number;
  /** Attempts in all (first try + retries) before giving up. Default 4. */
  readonly attempts?: number;
  /** First backoff delay; doubles each retry, with jitter (50–100 % of it). Default 500 ms. */
  readonly backoffMs?: number;
  /** Longest backoff delay, also the cap on a server's `Retry-After`. Default 60 000 ms. */
  readonly maxBackoffMs?: number;
  /** Extra request headers (e.g. a token for a mirror). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ReaderOptions {
  /** The stream read for spec `-` (default `process.stdin`): a Node `Readable`, a web stream, any async iterable of bytes. */
  readonly stdin?: AsyncIterable<Uint8Array>;
  /** delta-log inputs: the cvelistV5 checkout directory or HTTP base URL holding `cves/YYYY/Nxxx/CVE-….json`. */
  readonly base?: string;
  /** delta-log inputs: only fetches whose `fetchTime` is after this ISO time. */
  readonly since?: string;
  /** A record bigger than this is reported as `RECORD_TOO_LARGE` and not kept. Default 8 MiB. */
  readonly maxRecordBytes?: number;
  /** Zip: stop when all inflated entries together pass this. Default 4 GiB. */
  readonly maxTotalUncompressedBytes?: number;
  /** Zip: largest single inflated entry (a nested `cves.zip` counts). Default 2 GiB. */
  readonly maxEntryBytes?: number;
  /** Zip: largest inflated/compressed ratio for entries past `ratioThresholdBytes`. Default 200. */
  readonly maxCompressionRatio?: number;
  /** Zip: the ratio limit applies once an entry has inflated past this. Default 1 MiB. */
  readonly ratioThresholdBytes?: number;
  /** Where downloads and nested zips are unpacked (removed by `close()`). Default `os.tmpdir()`. */
  readonly tempDir?: string;
  /**
   * Zip: a record entry small enough to inflate in one call comes out still compressed
   * (`RawItem.deflated`), for whoever prepares it to inflate with `inflateRecord` (the import
   * does it on its worker threads). Default false: every item's bytes are the record's own.
   */
  readonly deferInflate?: boolean;
  readonly http?: HttpOptions;
}

export interface ResolvedHttpOptions {
  readonly headersTimeoutMs: number;
  readonly stallTimeoutMs: number;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly headers: Readonly<Record<string, string>>;
}

export interface ResolvedOptions {
  readonly stdin: AsyncIterable<Uint8Array> | undefined;
  readonly base: string | undefined;
  readonly since: string | undefined;
  readonly maxRecordBytes: number;
  readonly maxTotalUncompressedBytes: number;
  readonly maxEntryBytes: number;
  readonly maxCompressionRatio: number;
  readonly ratioThresholdBytes: number;
  readonly tempDir: string | undefined;
  readonly deferInflate: boolean;
  readonly http: ResolvedHttpOptions;
}

export const READER_DEFAULTS = {
  maxRecordBytes: 8 * MiB,
  maxTotalUncompressedBytes: 4 * GiB,
  maxEntryBytes: 2 * GiB,
  maxCompressionRatio: 200,
  ratioThresholdBytes: MiB,
  /** How much of a too-large record is kept as `raw`. */
  rawHeadBytes: 64 * 1024,
  http: {
    headersTimeoutMs: 30_000,
    stallTimeoutMs: 30_000,
    attempts: 4,
    backoffMs: 500,
    maxBackoffMs: 60_000,
  },
} as const;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`reader option ${name} must be a positive number, got ${value}`);
  return value;
}

export function resolveOptions(opts: ReaderOptions = {}): ResolvedOptions {
  const h = opts.http ?? {};
  const d = READER_DEFAULTS;
  if (opts.since !== undefined && Number.isNaN(Date.parse(opts.since))) {
    throw new RangeError(`reader option since must be an ISO date-time, got ${JSON.stringify(opts.since)}`);
  }
  return {
    stdin: opts.stdin,
    base: opts.base,
    since: opts.since,
    maxRecordBytes: positive('maxRecordBytes', opts.maxRecordBytes, d.maxRecordBytes),
    maxTotalUncompressedBytes: positive('maxTotalUncompressedBytes', opts.maxTotalUncompressedBytes, d.maxTotalUncompressedBytes),
    maxEntryBytes: positive('maxEntryBytes', opts.maxEntryBytes, d.maxEntryBytes),
    maxCompressionRatio: positive('maxCompressionRatio', opts.maxCompressionRatio, d.maxCompressionRatio),
    ratioThresholdBytes: positive('ratioThresholdBytes', opts.ratioThresholdBytes, d.ratioThresholdBytes),
    tempDir: opts.tempDir,
    deferInflate: opts.deferInflate ?? false,
    http: {
      headersTimeoutMs: positive('http.headersTimeoutMs', h.headersTimeoutMs, d.http.headersTimeoutMs),
      stallTimeoutMs: positive('http.stallTimeoutMs', h.stallTimeoutMs, d.http.stallTimeoutMs),
      attempts: Math.floor(positive('http.attempts', h.attempts, d.http.attempts)),
      backoffMs: positive('http.backoffMs', h.backoffMs, d.http.backoffMs),
      maxBackoffMs: positive('http.maxBackoffMs', h.maxBackoffMs, d.http.maxBackoffMs),
      headers: h.headers ?? {},
    },
  };
}
