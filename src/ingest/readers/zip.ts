/**
 * @module Zip inputs: cvelistV5 release zips (baseline with a nested `cves.zip`, hourly delta
 * zips of `deltaCves/CVE-….json`) and any zip of CVE JSON files. Entry names are checked
 * (`ZIP_SLIP`), sizes are counted while inflating, never taken from headers (`ZIP_BOMB`), and
 * nothing is ever extracted under an entry's own name.
 */
import { EventEmitter } from 'node:events';
import { type FileHandle, open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32, createInflateRaw, inflateRawSync } from 'node:zlib';
import * as yauzl from 'yauzl';
import type { PassedOver, RawEvent, RawItem } from '../types.ts';
import { INPUT_ERROR_CODES, ITEM_ERROR_CODES, InputError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import { READER_DEFAULTS } from './options.ts';
import { recordEvent } from './text-split.ts';

/** `CVE-2024-1234.json`: a record file in every cvelistV5 layout. */
export const CVE_FILE_RE = /^(CVE-\d{4}-\d{4,})\.json$/i;

/**
 * The CVE name a record's place gives (its file is `CVE-2024-1234.json`): a directory or zip
 * entry path, a delta log's URL or `cves/` path. A record's `nameHint`; none for a JSONL line.
 */
export function cveNameOfPath(path: string): string | undefined {
  return CVE_FILE_RE.exec(path.slice(path.lastIndexOf('/') + 1))?.[1];
}

interface ZipEntry {
  readonly fileNameRaw: Buffer;
  readonly extraFields: Array<{ id: number; data: Buffer }>;
  readonly generalPurposeBitFlag: number;
  readonly compressionMethod: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
  readonly externalFileAttributes: number;
}

interface ZipHandle {
  readonly entryCount: number;
  readonly reader: WindowedReader;
  readEntry(): void;
  readLocalFileHeader(entry: ZipEntry, options: { minimal: true }, cb: (err: Error | null, header: { fileDataStart: number }) => void): void;
  close(): void;
  on(event: 'entry', cb: (e: ZipEntry) => void): this;
  on(event: 'end', cb: () => void): this;
  on(event: 'error', cb: (err: Error) => void): this;
  removeAllListeners(): this;
}

type ReadCallback = (err: Error | null, bytesRead?: number) => void;

// @types/yauzl predates yauzl 3 (`decodeFileData`, `getFileNameLowLevel`): the parts used, typed here.
const yz = yauzl as unknown as {
  RandomAccessReader: new () => EventEmitter;
  fromRandomAccessReader(reader: WindowedReader, totalSize: number, options: object, cb: (err: Error | null, zip: ZipHandle) => void): void;
  getFileNameLowLevel(flags: number, raw: Buffer, extra: ZipEntry['extraFields'], strict: boolean): string;
};

/** How much of the file one read brings in, for the headers and small entries that follow. */
const WINDOW_BYTES = 1024 * 1024;
/**
 * Windows kept: reading an entry moves between two places (its central directory header near
 * the end of the file, its local header and data further up), a nested archive's unpacking a third.
 */
const WINDOWS = 3;
/** Record entries compressed to at most this many bytes are read whole and inflated in one call. */
const DIRECT_MAX_COMPRESSED = 4 * 1024 * 1024;

/**
 * yauzl's reads served from a read-ahead window over the file. yauzl reads each central
 * directory header and local header with its own small read: through the file system that is
 * two asynchronous system calls per entry (81 s for the 300,000 entries of a baseline's
 * `cves.zip`). Entries lie in order, so nearly every read is a copy from a window instead.
 */
class WindowedReader extends yz.RandomAccessReader {
  readonly #file: FileHandle;
  readonly #size: number;
  /** Most recently used first. */
  readonly #windows: Array<{ readonly start: number; readonly bytes: Buffer }> = [];

  constructor(file: FileHandle, size: number) {
    super();
    this.#file = file;
    this.#size = size;
  }

  /** `length` bytes at `position`, fewer past the end of the file: a view that stays valid. */
  async slice(position: number, length: number): Promise<Buffer> {
    const hit = this.#cached(position, length);
    if (hit) return hit;
    const end = Math.min(position + length, this.#size);
    const want = Math.min(Math.max(end - position, WINDOW_BYTES), this.#size - position);
    const buf = Buffer.allocUnsafe(Math.max(0, want));
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.#file.read(buf, got, want - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    // A new buffer each time: views handed out before stay as they were.
    const window = { start: position, bytes: buf.subarray(0, got) };
    this.#windows.unshift(window);
    if (this.#windows.length > WINDOWS) this.#windows.pop();
    return window.bytes.subarray(0, Math.min(end - position, got));
  }

  #cached(position: number, length: number): Buffer | undefined {
    const end = Math.min(position + length, this.#size);
    for (let i = 0; i < this.#windows.length; i++) {
      const w = this.#windows[i];
      if (position < w.start || end > w.start + w.bytes.length) continue;
      if (i > 0) this.#windows.unshift(...this.#windows.splice(i, 1));
      return w.bytes.subarray(position - w.start, end - w.start);
    }
    return undefined;
  }

  /** yauzl's contract: fill `buffer`, call back with the bytes read (fewer means end of file). */
  read(buffer: Buffer, offset: number, length: number, position: number, callback: ReadCallback): void {
    const hit = this.#cached(position, length);
    if (hit) {
      callback(null, hit.copy(buffer, offset));
      return;
    }
    this.slice(position, length).then(
      (bytes) => callback(null, bytes.copy(buffer, offset)),
      (err: Error) => callback(err),
    );
  }

  /**
   * The bytes from `start` to `end` (exclusive), streamed in 256 KiB reads through the file
   * handle, whose `close()` waits for a read still in flight (a `fs.ReadStream` on the
   * descriptor would close it when destroyed).
   */
  stream(start: number, end: number): Readable {
    const file = this.#file;
    async function* range(): AsyncGenerator<Buffer> {
      for (let pos = start; pos < end; ) {
        const want = Math.min(256 * 1024, end - pos);
        const { bytesRead, buffer } = await file.read(Buffer.allocUnsafe(want), 0, want, pos);
        if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${pos}`);
        pos += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    }
    return Readable.from(range(), { objectMode: false });
  }

  /** yauzl's own streams are never asked for: entry data is read by `openRaw`. */
  _readStreamForRange(): never {
    throw new Error('entry data is read by openRaw, not through yauzl');
  }

  close(callback: (err: Error | null) => void): void {
    this.#file.close().then(() => callback(null), callback);
  }
}

async function openZip(path: string, label: string): Promise<ZipHandle> {
  const corrupt = (err: Error): InputError => new InputError(INPUT_ERROR_CODES.ZIP_CORRUPT, label, `zip ${label} is corrupt: ${err.message}`, { cause: err });
  let file: FileHandle;
  try {
    file = await openFile(path, 'r');
  } catch (err) {
    throw corrupt(err as Error);
  }
  let size: number;
  try {
    size = (await file.stat()).size;
  } catch (err) {
    await file.close();
    throw corrupt(err as Error);
  }
  const reader = new WindowedReader(file, size);
  return new Promise((resolve, reject) => {
    const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false, strictFileNames: true };
    yz.fromRandomAccessReader(reader, size, options, (err, zip) => {
      if (!err) return resolve(zip);
      // yauzl takes the reader's first reference only once the archive opened: close the file here.
      file.close().then(
        () => reject(corrupt(err)),
        () => reject(corrupt(err)),
      );
    });
  });
}

/** The central directory, entry by entry, without reading any entry's data. */
async function* entriesOf(zip: ZipHandle, label: string): AsyncGenerator<ZipEntry> {
  let pending: { resolve: (e: ZipEntry | undefined) => void; reject: (err: Error) => void } | undefined;
  zip.on('entry', (e) => pending?.resolve(e));
  zip.on('end', () => pending?.resolve(undefined));
  zip.on('error', (err) => pending?.reject(err));
  try {
    for (;;) {
      const next = await new Promise<ZipEntry | undefined>((resolve, reject) => {
        pending = { resolve, reject };
        zip.readEntry();
      }).catch((err: Error) => {
        throw new InputError(INPUT_ERROR_CODES.ZIP_CORRUPT, label, `zip ${label} is corrupt: ${err.message}`, { cause: err });
      });
      if (next === undefined) return;
      yield next;
    }
  } finally {
    zip.removeAllListeners();
  }
}

type EntryKind = 'dir' | 'slip' | 'record' | 'nested' | 'deep' | 'skip';

function entryName(e: ZipEntry): string {
  return yz.getFileNameLowLevel(e.generalPurposeBitFlag, e.fileNameRaw, e.extraFields, true);
}

/** Names that would escape an extraction directory: `../`, absolute, drive letters, backslashes, NUL. */
export function isUnsafeEntryName(name: string): boolean {
  return (
    name.includes('\\') ||
    name.includes('\0') ||
    name.startsWith('/') ||
    /^[A-Za-z]:/.test(name) ||
    name.split('/').some((seg) => seg === '..')
  );
}

function classify(name: string, depth: number): EntryKind {
  if (isUnsafeEntryName(name)) return 'slip';
  if (name.endsWith('/')) return 'dir';
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (CVE_FILE_RE.test(base)) return 'record';
  if (/\.zip$/i.test(base)) return depth === 0 ? 'nested' : 'deep';
  return 'skip';
}

/** Each kind but `dir` and `skip` takes one ordinal, so ordinals depend on names only. */
function takesOrdinal(kind: EntryKind): boolean {
  return kind === 'slip' || kind === 'record' || kind === 'deep';
}

/** Counts inflated bytes across a whole archive (and its nested one). */
interface Budget {
  used: number;
}

type InflateResult =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly size: number }
  | { readonly ok: false; readonly code: 'ZIP_BOMB' | 'ZIP_CORRUPT' | 'ZIP_UNSUPPORTED' | 'RECORD_TOO_LARGE' | 'TOTAL'; readonly message: string; readonly head?: Uint8Array };

/** Feeds the inflater small slices so one read can only ever produce a bounded burst of output. */
async function* slices(stream: Readable, size = 16 * 1024): AsyncGenerator<Buffer> {
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i += size) yield chunk.subarray(i, i + size);
  }
}

/** An entry's compressed bytes as a stream, straight from the file (the caller destroys it). */
async function openRaw(zip: ZipHandle, entry: ZipEntry): Promise<Readable> {
  const start = await fileDataStart(zip, entry);
  return entry.compressedSize === 0 ? Readable.from([]) : zip.reader.stream(start, start + entry.compressedSize);
}

interface InflateOptions {
  readonly opts: ResolvedOptions;
  readonly budget: Budget;
  /** Keep at most this many bytes; past it the result is `RECORD_TOO_LARGE` with the head. */
  readonly keepLimit: number;
  /** Write output here instead of keeping it (nested zips). */
  readonly sink?: (chunk: Buffer) => Promise<void>;
  readonly onCompressed?: (n: number) => void;
}

/**
 * Inflates one entry, checking every limit on the bytes actually produced: the archive total,
 * the entry size, the ratio (past the threshold), the declared size; stops at the first breach.
 */
async function inflateEntry(zip: ZipHandle, entry: ZipEntry, io: InflateOptions): Promise<InflateResult> {
  const { opts, budget } = io;
  if (entry.generalPurposeBitFlag & 0x1) return { ok: false, code: 'ZIP_UNSUPPORTED', message: 'entry is encrypted' };
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    return { ok: false, code: 'ZIP_UNSUPPORTED', message: `compression method ${entry.compressionMethod} is not supported (only stored and deflate)` };
  }
  // Declared sizes are only used to refuse early; the counts below are what is enforced.
  if (entry.uncompressedSize > opts.maxEntryBytes) {
    return { ok: false, code: 'ZIP_BOMB', message: `entry declares ${entry.uncompressedSize} bytes, more than maxEntryBytes (${opts.maxEntryBytes})` };
  }
  if (entry.uncompressedSize > opts.ratioThresholdBytes && entry.uncompressedSize / Math.max(1, entry.compressedSize) > opts.maxCompressionRatio) {
    return {
      ok: false,
      code: 'ZIP_BOMB',
      message: `entry declares ${entry.uncompressedSize} bytes from ${entry.compressedSize} compressed, a ratio over ${opts.maxCompressionRatio}:1`,
    };
  }
  const direct = await inflateDirect(zip, entry, io);
  if (direct) return direct;
  let raw: Readable;
  try {
    raw = await openRaw(zip, entry);
  } catch (err) {
    return { ok: false, code: 'ZIP_CORRUPT', message: `cannot read entry: ${(err as Error).message}` };
  }
  const inflater = entry.compressionMethod === 8 ? createInflateRaw() : undefined;
  const output: Readable = inflater ? Readable.from(slices(raw)).pipe(inflater) : raw;
  let rawBytes = 0;
  raw.on('data', (c: Buffer) => {
    rawBytes += c.length;
    io.onCompressed?.(c.length);
  });
  const parts: Buffer[] = [];
  let kept = 0;
  let size = 0;
  let crc = 0;
  const fail = (code: Exclude<InflateResult, { ok: true }>['code'], message: string, head?: Uint8Array): InflateResult => ({ ok: false, code, message, head });
  try {
    for await (const chunk of output as AsyncIterable<Buffer>) {
      size += chunk.length;
      budget.used += chunk.length;
      if (budget.used > opts.maxTotalUncompressedBytes) {
        return fail('TOTAL', `the archive inflates to more than maxTotalUncompressedBytes (${opts.maxTotalUncompressedBytes} bytes)`);
      }
      if (size > opts.maxEntryBytes) return fail('ZIP_BOMB', `entry inflates past maxEntryBytes (${opts.maxEntryBytes} bytes); stopped`);
      if (size > entry.uncompressedSize) {
        return fail('ZIP_BOMB', `entry inflates past its declared size of ${entry.uncompressedSize} bytes; stopped at ${size}`);
      }
      const consumed = inflater ? Math.max(1, inflater.bytesWritten) : Math.max(1, rawBytes);
      if (size > opts.ratioThresholdBytes && size / consumed > opts.maxCompressionRatio) {
        return fail('ZIP_BOMB', `entry inflates ${consumed} compressed bytes to over ${size}, a ratio over ${opts.maxCompressionRatio}:1; stopped`);
      }
      crc = crc32(chunk, crc);
      if (io.sink) {
        await io.sink(chunk);
        continue;
      }
      if (size > io.keepLimit) {
        const head = Buffer.concat([...parts, chunk]).subarray(0, READER_DEFAULTS.rawHeadBytes);
        return fail('RECORD_TOO_LARGE', `entry is more than maxRecordBytes (${io.keepLimit} bytes); skipped, first ${head.length} bytes kept`, head);
      }
      parts.push(chunk);
      kept += chunk.length;
    }
  } catch (err) {
    return fail('ZIP_CORRUPT', `entry data is corrupt: ${(err as Error).message}`);
  } finally {
    raw.destroy();
    inflater?.destroy();
  }
  if (size !== entry.uncompressedSize) return fail('ZIP_CORRUPT', `entry inflates to ${size} bytes, its header says ${entry.uncompressedSize}`);
  if ((crc >>> 0) !== (entry.crc32 >>> 0)) return fail('ZIP_CORRUPT', `entry fails its CRC-32 check`);
  return { ok: true, bytes: parts.length === 1 ? parts[0] : Buffer.concat(parts, kept), size };
}

function fileDataStart(zip: ZipHandle, entry: ZipEntry): Promise<number> {
  return new Promise((resolve, reject) => {
    zip.readLocalFileHeader(entry, { minimal: true }, (err, header) => (err ? reject(err) : resolve(header.fileDataStart)));
  });
}

/**
 * A record entry read in one piece and inflated in one call, with no streams: the common case.
 * Undefined when anything is off (a limit near, a bad header, corrupt data, a size or CRC that
 * disagrees): the streaming path then reads the entry again and says exactly what is wrong.
 * The output is capped at the declared size, which the caller has checked against every limit
 * and which is under the ratio threshold.
 */
async function inflateDirect(zip: ZipHandle, entry: ZipEntry, io: InflateOptions): Promise<InflateResult | undefined> {
  const declared = entry.uncompressedSize;
  const data = await directData(zip, entry, io);
  if (data === undefined) return undefined;
  let bytes: Buffer;
  try {
    // Stored bytes are copied out of the read-ahead window, so a record does not keep it alive.
    bytes = entry.compressionMethod === 8 ? inflateRawSync(data, { maxOutputLength: Math.max(1, declared) }) : Buffer.from(data);
  } catch {
    return undefined;
  }
  if (bytes.length !== declared || (crc32(bytes) >>> 0) !== (entry.crc32 >>> 0)) return undefined;
  io.budget.used += declared;
  io.onCompressed?.(entry.compressedSize);
  return { ok: true, bytes, size: declared };
}

/**
 * An entry's compressed bytes read in one piece (a view of the read-ahead window), when it may
 * be inflated in one call: every limit is then met by its declared size, which the inflating
 * caps the output at. Undefined when it must be streamed (or its local header is bad).
 */
async function directData(zip: ZipHandle, entry: ZipEntry, io: InflateOptions): Promise<Buffer | undefined> {
  const declared = entry.uncompressedSize;
  // Past the ratio threshold the ratio is checked as the bytes come out, which needs the stream.
  if (io.sink || declared > io.keepLimit || declared > io.opts.ratioThresholdBytes || entry.compressedSize > DIRECT_MAX_COMPRESSED) return undefined;
  if (io.budget.used + declared > io.opts.maxTotalUncompressedBytes || declared > io.opts.maxEntryBytes) return undefined;
  try {
    const data = await zip.reader.slice(await fileDataStart(zip, entry), entry.compressedSize);
    return data.length === entry.compressedSize ? data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A deflated record entry (reader option `deferInflate`) passed on as it is, for the import's
 * workers to inflate: its bytes are copied out of the read-ahead window (a few KiB), so a chunk
 * of items waiting for a worker does not keep the windows alive.
 */
async function deferredEntry(zip: ZipHandle, entry: ZipEntry, io: InflateOptions): Promise<RawItem['deflated'] & { bytes: Uint8Array } | undefined> {
  if (entry.compressionMethod !== 8 || entry.generalPurposeBitFlag & 0x1) return undefined;
  const data = await directData(zip, entry, io);
  if (data === undefined) return undefined;
  io.budget.used += entry.uncompressedSize;
  io.onCompressed?.(entry.compressedSize);
  return { bytes: new Uint8Array(data), size: entry.uncompressedSize, crc: entry.crc32 >>> 0 };
}

/** What opening a zip learnt: record count, nested zips unpacked to temp files. */
interface NestedZip {
  readonly path: string;
  /** Ordinals it takes. */
  readonly count: number;
}

export interface ZipPlan {
  readonly total: number;
  /** By outer entry index: an unpacked nested zip, or why it could not be. */
  readonly nested: ReadonlyMap<number, NestedZip | { readonly error: string; readonly code: string }>;
  /** Bytes inflated while unpacking nested zips. */
  readonly unpackedBytes: number;
}

async function countSlots(path: string, label: string, depth: number): Promise<number> {
  const zip = await openZip(path, label);
  try {
    let n = 0;
    for await (const e of entriesOf(zip, label)) if (takesOrdinal(classify(entryName(e), depth))) n++;
    return n;
  } finally {
    zip.close();
  }
}

/** Lists the archive once: counts ordinals and unpacks nested zips (one level) into `tempDir`. */
export async function planZip(path: string, label: string, opts: ResolvedOptions, tempDir: () => Promise<string>): Promise<ZipPlan> {
  const zip = await openZip(path, label);
  const nested = new Map<number, NestedZip | { error: string; code: string }>();
  const budget: Budget = { used: 0 };
  let total = 0;
  let index = -1;
  try {
    for await (const e of entriesOf(zip, label)) {
      index++;
      const name = entryName(e);
      const kind = classify(name, 0);
      if (takesOrdinal(kind)) total++;
      if (kind !== 'nested') continue;
      const target = join(await tempDir(), `nested-${index}.zip`);
      const file = await openFile(target, 'w');
      let result: InflateResult;
      try {
        result = await inflateEntry(zip, e, { opts, budget, keepLimit: 0, sink: async (c) => void (await file.write(c)) });
      } finally {
        await file.close();
      }
      const inner = `${label}!${name}`;
      if (!result.ok) {
        if (result.code === 'TOTAL') throw new InputError(INPUT_ERROR_CODES.ZIP_BOMB, label, `zip ${inner}: ${result.message}; stopped`);
        nested.set(index, { code: result.code, error: `${inner}: ${result.message}` });
        total++;
        continue;
      }
      let count: number;
      try {
        count = await countSlots(target, inner, 1);
      } catch (err) {
        nested.set(index, { code: ITEM_ERROR_CODES.ZIP_CORRUPT, error: `${inner}: not a readable zip (${(err as Error).message})` });
        total++;
        continue;
      }
      nested.set(index, { path: target, count });
      total += count;
    }
  } finally {
    zip.close();
  }
  return { total, nested, unpackedBytes: budget.used };
}

export interface ZipReadContext {
  readonly opts: ResolvedOptions;
  readonly startOrdinal: number;
  /** Hears the names of the entries before `startOrdinal` (not inflated; nested zips are then listed, not skipped whole). */
  readonly onPassedOver?: PassedOver;
  readonly onCompressed: (n: number) => void;
}

/** Events of a planned zip from `startOrdinal` on; entries before it are passed over unread. */
export async function* readZip(path: string, label: string, plan: ZipPlan, ctx: ZipReadContext): AsyncGenerator<RawEvent> {
  const budget: Budget = { used: plan.unpackedBytes };
  const state = { ordinal: 0 };
  yield* readEntries(path, label, 0, plan, ctx, budget, state);
}

async function* readEntries(
  path: string,
  label: string,
  depth: number,
  plan: ZipPlan | undefined,
  ctx: ZipReadContext,
  budget: Budget,
  state: { ordinal: number },
): AsyncGenerator<RawEvent> {
  const { opts } = ctx;
  const zip = await openZip(path, label);
  let index = -1;
  try {
    for await (const e of entriesOf(zip, label)) {
      index++;
      const name = entryName(e);
      const kind = classify(name, depth);
      const position = `${label}!${name}`;
      if (kind === 'nested') {
        const info = plan?.nested.get(index);
        if (info === undefined) continue;
        if ('error' in info) {
          const ordinal = state.ordinal++;
          if (ordinal >= ctx.startOrdinal) yield { kind: 'error', ordinal, position, code: info.code, message: info.error };
          continue;
        }
        if (state.ordinal + info.count <= ctx.startOrdinal && !ctx.onPassedOver) {
          state.ordinal += info.count;
          continue;
        }
        yield* readEntries(info.path, position, depth + 1, undefined, ctx, budget, state);
        continue;
      }
      if (!takesOrdinal(kind)) continue;
      const ordinal = state.ordinal++;
      if (ordinal < ctx.startOrdinal) {
        ctx.onPassedOver?.(kind === 'record' ? cveNameOfPath(name) : undefined);
        continue;
      }
      if (kind === 'slip') {
        yield {
          kind: 'error',
          ordinal,
          position,
          code: ITEM_ERROR_CODES.ZIP_SLIP,
          message: `zip entry ${JSON.stringify(name)} in ${label} has an unsafe path (.., absolute or backslash); skipped`,
        };
        continue;
      }
      if (kind === 'deep') {
        yield {
          kind: 'error',
          ordinal,
          position,
          code: ITEM_ERROR_CODES.ZIP_NESTED_TOO_DEEP,
          message: `zip ${position} is nested two levels deep; only one level of nested zips is read`,
        };
        continue;
      }
      const io: InflateOptions = { opts, budget, keepLimit: opts.maxRecordBytes, onCompressed: ctx.onCompressed };
      const nameHint = cveNameOfPath(name);
      const deferred = opts.deferInflate ? await deferredEntry(zip, e, io) : undefined;
      if (deferred) {
        const { bytes, size, crc } = deferred;
        yield { kind: 'item', ordinal, position, ...(nameHint === undefined ? {} : { nameHint }), deflated: { size, crc }, bytes };
        continue;
      }
      const result = await inflateEntry(zip, e, io);
      if (result.ok) {
        yield recordEvent(ordinal, position, result.bytes, { maxRecordBytes: opts.maxRecordBytes, nameHint });
        continue;
      }
      if (result.code === 'TOTAL') {
        throw new InputError(INPUT_ERROR_CODES.ZIP_BOMB, label, `zip ${label}: ${result.message} at entry ${name}; stopped (zip bomb?)`);
      }
      yield { kind: 'error', ordinal, position, code: result.code, message: `${position}: ${result.message}`, ...(result.head ? { raw: result.head } : {}) };
    }
  } finally {
    zip.close();
  }
}

/** `2024-06-01_all_CVEs_at_midnight` / `…_delta_CVEs_at_1400Z` from a release asset's name. */
export function releaseFromZipName(name: string): string | undefined {
  const m = /(\d{4}-\d{2}-\d{2}_(?:all|delta)_CVEs_at_(?:midnight|\d{4}Z))(?:\.zip)?$/i.exec(name);
  return m?.[1];
}
