/**
 * @module Byte input shared by the enrichment parsers: bytes or a stream of chunks, gzip
 * detected by its magic bytes and inflated as a stream, a size limit after inflation (a gzip
 * bomb costs time, never memory), and text decoding.
 * @internal
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { EnrichError } from './errors.ts';

/** Bytes in memory, or a stream of byte chunks (a `fs.ReadStream`, a `fetch` body). */
export type ByteInput = Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface ByteLimits {
  /** Most bytes after decompression (default 8 GiB: the full NVD feeds are a few GiB at most). */
  readonly maxBytes?: number;
}

export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024 * 1024;

async function* chunksOf(input: ByteInput): AsyncGenerator<Uint8Array> {
  if (input instanceof Uint8Array) {
    yield input;
    return;
  }
  for await (const chunk of input as AsyncIterable<Uint8Array>) {
    // A stream in text mode would hand us strings; bytes are what we decode ourselves.
    yield typeof chunk === 'string' ? Buffer.from(chunk as string) : chunk;
  }
}

/** `head` then the rest of a started iterator; closing this closes the source. */
async function* withHead(head: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  let done = false;
  try {
    yield head;
    for (;;) {
      const r = await rest.next();
      if (r.done) {
        done = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!done) await rest.return?.();
  }
}

function gzipError(err: unknown, what: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    const how = code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt';
    return new EnrichError('ENRICH_GZIP', `${what}: the gzip data is ${how} (${(err as Error).message})`);
  }
  return err;
}

/**
 * The input's bytes, inflated if it starts with the gzip magic (`1f 8b`), in chunks as they
 * come. Throws `EnrichError` ENRICH_GZIP or ENRICH_TOO_LARGE.
 */
export async function* plainBytes(input: ByteInput, what: string, limits: ByteLimits = {}): AsyncGenerator<Uint8Array> {
  const max = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const it = chunksOf(input)[Symbol.asyncIterator]();
  // Gather at least two bytes to see the magic (a stream may hand out 1-byte chunks).
  let head: Uint8Array = new Uint8Array(0);
  while (head.length < 2) {
    const r = await it.next();
    if (r.done) break;
    head = head.length === 0 ? r.value : Buffer.concat([head, r.value]);
  }
  if (head.length === 0) return;
  let total = 0;
  const count = (n: number) => {
    total += n;
    if (total > max) throw new EnrichError('ENRICH_TOO_LARGE', `${what}: more than ${max} bytes`);
  };
  const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (!gz) {
    for await (const chunk of withHead(head, it)) {
      count(chunk.length);
      yield chunk;
    }
    return;
  }
  const source = Readable.from(withHead(head, it), { objectMode: false });
  const gunzip = createGunzip();
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      count(chunk.length);
      yield chunk;
    }
  } catch (err) {
    throw gzipError(err, what);
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

/** Text chunks from bytes; `fatal` UTF-8 (or windows-1252 for ISO-8859-1 XML). */
export async function* textChunks(bytes: AsyncIterable<Uint8Array>, what: string, encoding: 'utf-8' | 'latin1' = 'utf-8'): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  const decode = (chunk: Uint8Array, stream: boolean): string => {
    try {
      return decoder.decode(chunk, { stream });
    } catch {
      throw new EnrichError('ENRICH_UTF8', `${what}: invalid UTF-8`);
    }
  };
  for await (const chunk of bytes) {
    const text = decode(chunk, true);
    if (text) yield text;
  }
  const tail = decode(new Uint8Array(0), false);
  if (tail) yield tail;
}

/** Split a byte stream into its first `n` bytes (or fewer) and the whole stream again. */
export async function peekBytes(bytes: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Uint8Array; all: AsyncGenerator<Uint8Array> }> {
  const it = bytes[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < n) {
    const r = await it.next();
    if (r.done) break;
    parts.push(r.value);
    got += r.value.length;
  }
  const head = Buffer.concat(parts);
  async function* all(): AsyncGenerator<Uint8Array> {
    if (head.length === 0) return;
    yield* withHead(head, it);
  }
  return { head: head.subarray(0, n), all: all() };
}
