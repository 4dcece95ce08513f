/**
 * @module Byte-stream plumbing for the readers: peeking at the head of a stream without losing
 * it, gunzip with a precise error, byte counting, bounded collection.
 */
import { constants as zlibConstants, createGunzip } from 'node:zlib';
import { concat } from './bytes.ts';
import { INPUT_ERROR_CODES, InputError } from './errors.ts';

export type Chunks = AsyncIterable<Uint8Array>;

/** Reads the first bytes of a stream for sniffing, then replays them before the rest. */
export class Peekable implements AsyncIterable<Uint8Array> {
  private readonly it: AsyncIterator<Uint8Array>;
  private buffered: Uint8Array[] = [];
  private size = 0;
  private done = false;
  private error: unknown;
  private used = false;

  constructor(source: Chunks) {
    this.it = source[Symbol.asyncIterator]();
  }

  /**
   * At least `min` bytes unless the stream ends first (`eof`). A failure after some bytes is kept
   * and thrown when iteration reaches it, so the good part is still read.
   */
  async head(min: number): Promise<{ bytes: Uint8Array; eof: boolean }> {
    while (!this.done && this.size < min) {
      try {
        const r = await this.it.next();
        if (r.done) this.done = true;
        else if (r.value.length > 0) {
          this.buffered.push(r.value);
          this.size += r.value.length;
        }
      } catch (err) {
        if (this.size === 0) throw err;
        this.error = err;
        this.done = true;
      }
    }
    if (this.buffered.length > 1) this.buffered = [concat(this.buffered, this.size)];
    return { bytes: this.buffered[0] ?? new Uint8Array(0), eof: this.done && this.error === undefined };
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    if (this.used) throw new Error('a peeked stream can be read only once');
    this.used = true;
    try {
      const first = this.buffered;
      this.buffered = [];
      yield* first;
      if (this.error !== undefined) throw this.error;
      while (!this.done) {
        const r = await this.it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await this.it.return?.();
    }
  }

  /** Releases the underlying stream when it will not be read. */
  async discard(): Promise<void> {
    if (this.used) return;
    this.used = true;
    this.buffered = [];
    await this.it.return?.();
  }
}

/** Compressed bytes written to the inflater at a time: a gzip bomb's slice inflates to ~16 MiB at most. */
const GZIP_SLICE = 16 * 1024;
/** Inflated bytes waiting for the reader before no more compressed bytes are written. */
const GZIP_AHEAD = 1024 * 1024;

/**
 * Inflates gzip (all members); corrupt or cut data ends it with `gzip data in X is
 * corrupt/truncated after N bytes`, after every byte inflated before the bad spot has been
 * given out. (An async iterator over the inflater would drop what it still buffered when
 * the error came, and zlib what it had not flushed: so each slice is flushed, its output
 * queued here as it is made, and the compressed side waits while more than
 * {@link GZIP_AHEAD} of it is unread.)
 */
export async function* gunzip(source: Chunks, label: string): AsyncGenerator<Uint8Array> {
  const gz = createGunzip({ chunkSize: 64 * 1024 });
  const queue: Buffer[] = [];
  let queued = 0;
  let failure: Error | undefined;
  let sourceError: unknown;
  let ended = false;
  let stopped = false;
  let wakeReader: (() => void) | undefined;
  let wakeWriter: (() => void) | undefined;
  const wake = (): void => {
    const r = wakeReader;
    const w = wakeWriter;
    wakeReader = wakeWriter = undefined;
    r?.();
    w?.();
  };
  gz.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    wake();
  });
  gz.on('error', (err) => {
    failure ??= err;
    wake();
  });
  gz.on('end', () => {
    ended = true;
    wake();
  });
  const writer = (async () => {
    try {
      for await (const slice of slices(source, GZIP_SLICE)) {
        while (queued > GZIP_AHEAD && failure === undefined && !stopped) await new Promise<void>((r) => (wakeWriter = r));
        if (failure !== undefined || stopped) return;
        gz.write(slice);
        // Out with everything this slice inflates to: at a corrupt or cut end, zlib drops
        // the output it has not yet handed over.
        await new Promise<void>((r) => {
          const closed = (): void => r();
          gz.once('close', closed);
          gz.flush(zlibConstants.Z_SYNC_FLUSH, () => {
            gz.off('close', closed);
            r();
          });
        });
      }
      if (failure === undefined && !stopped) gz.end();
    } catch (err) {
      sourceError = err;
      failure ??= err as Error;
      gz.destroy();
      wake();
    }
  })();
  let out = 0;
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        queued -= chunk.length;
        if (queued <= GZIP_AHEAD) wake();
        out += chunk.length;
        yield chunk;
        continue;
      }
      if (failure !== undefined || ended) break;
      await new Promise<void>((r) => (wakeReader = r));
    }
    if (sourceError !== undefined) throw sourceError;
    if (failure !== undefined) {
      throw new InputError(INPUT_ERROR_CODES.GZIP_CORRUPT, label, `gzip data in ${label} is corrupt/truncated after ${out} bytes (${failure.message})`, { cause: failure });
    }
  } finally {
    stopped = true;
    wake();
    gz.destroy();
    // Not awaited: a reader that stops early must not wait for a stalled source's next chunk.
    // The writer catches its own errors and ends at that chunk, or when the source is closed.
    void writer;
  }
}

async function* slices(source: Chunks, size: number): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    for (let i = 0; i < chunk.length; i += size) yield chunk.subarray(i, i + size);
  }
}

/** Passes chunks through, telling `count` how many bytes went by. */
export async function* counted(source: Chunks, count: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    count(chunk.length);
    yield chunk;
  }
}

/** The whole stream, refusing more than `max` bytes. */
export async function collect(source: Chunks, max: number, tooBig: () => Error): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > max) throw tooBig();
    parts.push(chunk);
  }
  return concat(parts, size);
}

/** Up to `max` bytes; `more` says the stream went on past them (and was not read further). */
export async function collectUpTo(source: Chunks, max: number): Promise<{ bytes: Uint8Array; more: boolean }> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    if (size + chunk.length > max) {
      parts.push(chunk.subarray(0, max - size));
      return { bytes: concat(parts), more: true };
    }
    parts.push(chunk);
    size += chunk.length;
  }
  return { bytes: concat(parts, size), more: false };
}
