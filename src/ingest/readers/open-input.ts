/**
 * @module `openInput`: turns a path, `-` or an http(s) URL into an `InputSource`, telling the
 * format from the content (zip and gzip magic, `{`/`[`), not from the name alone.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, open, readFile, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Stats } from 'node:fs';
import type { InputSource, PassedOver, RawEvent } from '../types.ts';
import { hexPreview, stripBom } from './bytes.ts';
import { Peekable, collect, collectUpTo, counted, gunzip, type Chunks } from './byte-streams.ts';
import { planDeltaLog, type DeltaPlan } from './delta-log.ts';
import { gitCommit, listRecordFiles, readDirectory } from './directory.ts';
import { INPUT_ERROR_CODES, ITEM_ERROR_CODES, InputError } from './errors.ts';
import { HttpBody, httpKey, isHttpUrl } from './http.ts';
import { resolveOptions, type ReaderOptions, type ResolvedOptions } from './options.ts';
import { recordEvent, sniffText, splitText, type TextFormat } from './text-split.ts';
import { makeProcessTempDir } from './temp-dir.ts';
import { planZip, readZip, releaseFromZipName } from './zip.ts';

const SNIFF_BYTES = 1024 * 1024;
const MAX_DELTA_LOG_BYTES = 256 * 1024 * 1024;
const MAX_JSON_BYTES = 64 * 1024 * 1024;

/**
 * Temp files of one input, made on first use, removed by `close()` (or, after a kill, by the
 * next input that needs a temp directory: see temp-dir.ts).
 */
class TempDir {
  private path: string | undefined;
  private readonly parent: string;
  constructor(parent: string | undefined) {
    this.parent = parent ?? tmpdir();
  }
  readonly get = async (): Promise<string> => {
    this.path ??= await makeProcessTempDir(this.parent, 'cvekit-input-');
    return this.path;
  };
  async remove(): Promise<void> {
    if (this.path) await rm(this.path, { recursive: true, force: true });
    this.path = undefined;
  }
}

/** Where an input's bytes come from. */
interface Origin {
  /** Path or URL, for messages and `location`. */
  readonly label: string;
  /** Short name for positions (`records.jsonl`). */
  readonly name: string;
  /** The raw bytes from the start; `undefined` when they can only be read once and were. */
  reopen(): Chunks | undefined;
  /** A local file holding exactly these bytes, when there is one (zip needs random access). */
  readonly localPath?: string;
  readonly size?: number;
}

interface Progress {
  bytes: number;
}

function nameHintOf(name: string): 'json' | 'jsonl' | undefined {
  const n = name.toLowerCase().replace(/\.gz$/, '');
  if (n.endsWith('.jsonl') || n.endsWith('.ndjson')) return 'jsonl';
  if (n.endsWith('.json')) return 'json';
  return undefined;
}

const isZip = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6));
const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

function baseSource(
  origin: Origin,
  format: string,
  key: string,
  progress: Progress,
  temp: TempDir,
  extra: { release?: string; total?: number; totalBytes?: number; pending?: Peekable },
  events: (startOrdinal: number, onPassedOver: PassedOver | undefined) => AsyncIterable<RawEvent>,
): InputSource {
  let pending = extra.pending;
  let runs = 0;
  return {
    format,
    key,
    location: origin.label,
    ...(extra.release !== undefined ? { release: extra.release } : {}),
    ...(extra.total !== undefined ? { total: extra.total } : {}),
    ...(extra.totalBytes !== undefined ? { totalBytes: extra.totalBytes } : {}),
    events: (startOrdinal = 0, onPassedOver?: PassedOver) => {
      if (!Number.isInteger(startOrdinal) || startOrdinal < 0) throw new RangeError(`startOrdinal must be a whole number ≥ 0, got ${startOrdinal}`);
      pending = undefined;
      // The first run goes on from the bytes read for sniffing; later runs read from the start.
      if (runs++ > 0) progress.bytes = 0;
      return events(startOrdinal, onPassedOver);
    },
    bytesRead: () => progress.bytes,
    close: async () => {
      await pending?.discard();
      pending = undefined;
      await temp.remove();
    },
  };
}

/** The raw stream for one `events()` run: the peeked one first, then fresh ones. */
function streamFor(origin: Origin, first: { peek: Peekable | undefined }): Chunks {
  if (first.peek) {
    const p = first.peek;
    first.peek = undefined;
    return p;
  }
  const again = origin.reopen();
  if (!again) {
    throw new InputError(INPUT_ERROR_CODES.NOT_REPEATABLE, origin.label, `input ${origin.label} can be read only once (it is a stream); open it again`);
  }
  return again;
}

async function fromOrigin(origin: Origin, opts: ResolvedOptions, temp: TempDir, keyOf: (hash?: string) => string, progress: Progress): Promise<InputSource> {
  const raw = origin.reopen() as Chunks;
  const peek = new Peekable(raw);
  const head = await peek.head(SNIFF_BYTES);
  if (head.bytes.length === 0 && head.eof) {
    await peek.discard();
    const format = nameHintOf(origin.name) ?? 'jsonl';
    return baseSource(origin, format, keyOf(), progress, temp, { total: 0, totalBytes: 0 }, async function* () {});
  }
  if (isZip(head.bytes)) return zipSource(origin, peek, opts, temp, keyOf, progress);

  const gz = isGzip(head.bytes);
  const first: { peek: Peekable | undefined } = { peek };
  let text = peek;
  let sniffed;
  if (gz) {
    text = new Peekable(gunzip(peek, origin.label));
    first.peek = text;
    const inner = await text.head(SNIFF_BYTES);
    sniffed = sniffText(inner.bytes, inner.eof, nameHintOf(origin.name));
    if (sniffed === 'unknown') {
      await text.discard();
      throw new InputError(
        INPUT_ERROR_CODES.UNKNOWN_FORMAT,
        origin.label,
        `gzip data in ${origin.label} is not JSON or JSONL (starts with bytes ${hexPreview(inner.bytes)})`,
      );
    }
  } else {
    sniffed = sniffText(head.bytes, head.eof, nameHintOf(origin.name));
    if (sniffed === 'unknown') {
      await peek.discard();
      throw new InputError(
        INPUT_ERROR_CODES.UNKNOWN_FORMAT,
        origin.label,
        `input ${origin.label} is not a zip, gzip, JSON or JSONL file (starts with bytes ${hexPreview(head.bytes)})`,
      );
    }
  }
  const totalBytes = origin.size;
  if (sniffed === 'empty') {
    await text.discard();
    return baseSource(origin, nameHintOf(origin.name) ?? 'jsonl', keyOf(), progress, temp, { total: 0, totalBytes }, async function* () {});
  }
  if (sniffed === 'delta-log') {
    const body = await collect(text, MAX_DELTA_LOG_BYTES, () => new InputError(INPUT_ERROR_CODES.DELTA_LOG_INVALID, origin.label, `delta log ${origin.label} is larger than ${MAX_DELTA_LOG_BYTES} bytes`));
    return deltaLogSource(origin, body, opts, temp, keyOf(), progress);
  }
  const format: TextFormat = sniffed;
  const ctx = { name: origin.name, maxRecordBytes: opts.maxRecordBytes, offsetsIn: gz ? 'the decompressed data' : 'the file' };
  return baseSource(
    origin,
    format === 'json-array' ? 'json' : format,
    keyOf(),
    progress,
    temp,
    { totalBytes, pending: first.peek },
    (startOrdinal) => {
      let chunks = streamFor(origin, first);
      // A fresh stream (not the peeked one) still needs its gzip layer.
      if (gz && !(chunks instanceof Peekable && chunks === text)) chunks = gunzip(chunks, origin.label);
      return splitText(chunks, format, { ...ctx, startOrdinal });
    },
  );
}

async function zipSource(origin: Origin, peek: Peekable, opts: ResolvedOptions, temp: TempDir, keyOf: (hash?: string) => string, progress: Progress): Promise<InputSource> {
  let path = origin.localPath;
  let hash: string | undefined;
  let size = origin.size;
  if (path === undefined) {
    // Zip needs random access: downloads and stdin are spooled to a temp file first.
    path = join(await temp.get(), 'input.zip');
    const sha = createHash('sha256');
    const file = await open(path, 'w');
    size = 0;
    try {
      for await (const chunk of peek) {
        sha.update(chunk);
        size += chunk.length;
        await file.write(chunk);
      }
    } finally {
      await file.close();
    }
    hash = sha.digest('hex');
  } else {
    await peek.discard();
  }
  const plan = await planZip(path, origin.name, opts, temp.get);
  const zipPath = path;
  return baseSource(
    origin,
    'zip',
    keyOf(hash),
    progress,
    temp,
    { total: plan.total, totalBytes: size, release: releaseFromZipName(origin.name) },
    (startOrdinal, onPassedOver) => readZip(zipPath, origin.name, plan, { opts, startOrdinal, onPassedOver, onCompressed: (n) => (progress.bytes += n) }),
  );
}

function defaultDeltaBase(label: string): string | undefined {
  if (isHttpUrl(label)) {
    const m = /^(.*)\/cves\/(?:deltaLog|delta)\.json(?:[?#].*)?$/i.exec(label);
    return m?.[1];
  }
  const dir = dirname(label);
  return basename(dir) === 'cves' ? dirname(dir) : undefined;
}

async function deltaLogSource(origin: Origin, body: Uint8Array, opts: ResolvedOptions, temp: TempDir, key: string, progress: Progress): Promise<InputSource> {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(stripBom(body)));
  } catch (err) {
    throw new InputError(INPUT_ERROR_CODES.DELTA_LOG_INVALID, origin.label, `delta log ${origin.label} is not valid JSON: ${(err as Error).message}`);
  }
  const plan: DeltaPlan = planDeltaLog(doc, origin.label, opts.since);
  const base = opts.base ?? defaultDeltaBase(origin.label);
  if (base === undefined) {
    throw new InputError(
      INPUT_ERROR_CODES.DELTA_LOG_NO_BASE,
      origin.label,
      `delta log ${origin.label} names records but no base was given (opts.base: a cvelistV5 checkout or an HTTP base URL holding cves/YYYY/Nxxx/CVE-….json)`,
    );
  }
  let readRecord: (path: string) => Promise<{ position: string; bytes?: Uint8Array; size?: number; missing?: string }>;
  if (isHttpUrl(base)) {
    const root = base.replace(/\/+$/, '');
    readRecord = async (path) => {
      const url = `${root}/cves/${path}`;
      const body = new HttpBody(url, opts.http);
      try {
        const { bytes, more } = await collectUpTo(counted(body.chunks(), (n) => (progress.bytes += n)), opts.maxRecordBytes);
        return { position: url, bytes, size: more ? opts.maxRecordBytes + 1 : bytes.length };
      } catch (err) {
        if (err instanceof InputError && /: HTTP (404|410) /.test(err.message)) return { position: url, missing: err.message };
        throw err;
      }
    };
  } else {
    const cvesDir = await access(join(base, 'cves')).then(() => join(base, 'cves'), () => base);
    readRecord = async (path) => {
      const position = `cves/${path}`;
      let file;
      try {
        file = await open(join(cvesDir, path), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { position, missing: `${join(cvesDir, path)} does not exist` };
        throw new InputError(INPUT_ERROR_CODES.NOT_FOUND, origin.label, `cannot read ${join(cvesDir, path)}: ${(err as Error).message}`);
      }
      try {
        const { size } = await file.stat();
        const want = Math.min(size, opts.maxRecordBytes + 1);
        const buf = Buffer.alloc(want);
        const { bytesRead } = await file.read(buf, 0, want, 0);
        progress.bytes += bytesRead;
        return { position, bytes: buf.subarray(0, bytesRead), size };
      } finally {
        await file.close();
      }
    };
  }
  const sourceKey = `${key}#base=${base}${opts.since ? `&since=${opts.since}` : ''}`;
  return baseSource(origin, 'delta-log', sourceKey, progress, temp, { total: plan.changes.length, release: plan.release }, async function* (startOrdinal, onPassedOver) {
    if (onPassedOver) for (let ordinal = 0; ordinal < Math.min(startOrdinal, plan.changes.length); ordinal++) onPassedOver(plan.changes[ordinal].cveId);
    for (let ordinal = startOrdinal; ordinal < plan.changes.length; ordinal++) {
      const change = plan.changes[ordinal];
      const r = await readRecord(change.path);
      if (r.missing !== undefined || r.bytes === undefined) {
        yield {
          kind: 'error',
          ordinal,
          position: r.position,
          code: ITEM_ERROR_CODES.RECORD_MISSING,
          cveId: change.cveId,
          message: `${change.cveId} (updated ${change.dateUpdated}, fetch ${change.fetchTime}) is not in the base: ${r.missing}`,
        };
        continue;
      }
      yield recordEvent(ordinal, r.position, r.bytes, { maxRecordBytes: opts.maxRecordBytes, nameHint: change.cveId, size: r.size });
    }
  });
}

function fileOrigin(path: string, st: Stats, progress: Progress): Origin {
  return {
    label: path,
    name: basename(path),
    localPath: path,
    size: st.size,
    reopen: () => counted(createReadStream(path, { highWaterMark: 1024 * 1024 }), (n) => (progress.bytes += n)),
  };
}

async function fromPath(path: string, opts: ResolvedOptions, temp: TempDir): Promise<InputSource> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as Error).message})`;
    throw new InputError(INPUT_ERROR_CODES.NOT_FOUND, path, `input ${path} ${why}`, { cause: err });
  }
  const real = await realpath(path);
  const progress: Progress = { bytes: 0 };
  if (st.isDirectory()) {
    const files = await listRecordFiles(path);
    const commit = await gitCommit(path);
    const key = `dir:${real}#files=${files.length}${commit ? `&commit=${commit}` : `&mtime=${st.mtimeMs}`}`;
    const origin: Origin = { label: path, name: basename(real), reopen: () => undefined };
    return baseSource(origin, 'directory', key, progress, temp, { total: files.length, release: commit }, (startOrdinal, onPassedOver) =>
      readDirectory(path, files, { opts, startOrdinal, onPassedOver, onBytes: (n) => (progress.bytes += n) }),
    );
  }
  if (!st.isFile()) throw new InputError(INPUT_ERROR_CODES.UNKNOWN_FORMAT, path, `input ${path} is not a file or directory`);
  const key = `file:${real}#size=${st.size}&mtime=${st.mtimeMs}`;
  return fromOrigin(fileOrigin(path, st, progress), opts, temp, () => key, progress);
}

async function fromUrl(url: string, opts: ResolvedOptions, temp: TempDir): Promise<InputSource> {
  const progress: Progress = { bytes: 0 };
  const first = new HttpBody(url, opts.http);
  const info = await first.open();
  let firstBody: HttpBody | undefined = first;
  const name = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? 'index');
  const origin: Origin = {
    label: url,
    name,
    size: info.contentLength,
    reopen: () => {
      const body = firstBody ?? new HttpBody(url, opts.http);
      firstBody = undefined;
      return counted(body.chunks(), (n) => (progress.bytes += n));
    },
  };
  const validators = httpKey(info);
  return fromOrigin(origin, opts, temp, (hash) => validators ?? (hash ? `${url}#sha256=${hash}` : `${url}#read=${randomUUID()}`), progress);
}

async function fromStdin(opts: ResolvedOptions, temp: TempDir): Promise<InputSource> {
  const progress: Progress = { bytes: 0 };
  let stream: Chunks | undefined = opts.stdin ?? process.stdin;
  const origin: Origin = {
    label: '-',
    name: 'stdin',
    reopen: () => {
      const s = stream;
      stream = undefined;
      return s && counted(s, (n) => (progress.bytes += n));
    },
  };
  // Stdin is read as it comes: no content hash up front, so its key is unique (not resumable);
  // a zip is spooled to disk anyway and gets its hash.
  return fromOrigin(origin, opts, temp, (hash) => (hash ? `stdin:sha256:${hash}` : `stdin:${randomUUID()}`), progress);
}

/**
 * Opens an input of the CVE List importer.
 *
 * @param spec a path (file or directory), `-` for stdin, or an http(s) URL.
 * @example
 * const input = await openInput('records.jsonl');
 * try {
 *   for await (const ev of input.events()) if (ev.kind === 'item') handle(ev.bytes);
 * } finally {
 *   await input.close();
 * }
 */
export async function openInput(spec: string, options: ReaderOptions = {}): Promise<InputSource> {
  const opts = resolveOptions(options);
  const temp = new TempDir(opts.tempDir);
  try {
    if (spec === '-') return await fromStdin(opts, temp);
    if (isHttpUrl(spec)) return await fromUrl(spec, opts, temp);
    return await fromPath(spec, opts, temp);
  } catch (err) {
    await temp.remove();
    throw err;
  }
}

/** Reads a JSON document (at most 64 MiB) from a URL, with the same timeouts and retries, or from a path. */
export async function fetchJson(spec: string, options: ReaderOptions = {}): Promise<unknown> {
  const opts = resolveOptions(options);
  const tooBig = () => new InputError(INPUT_ERROR_CODES.UNKNOWN_FORMAT, spec, `${spec} is larger than ${MAX_JSON_BYTES} bytes`);
  const bytes = isHttpUrl(spec)
    ? await collect(new HttpBody(spec, opts.http).chunks(), MAX_JSON_BYTES, tooBig)
    : await readFile(spec).catch((err: Error) => {
        throw new InputError(INPUT_ERROR_CODES.NOT_FOUND, spec, `input ${spec} cannot be read (${err.message})`, { cause: err });
      });
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(stripBom(bytes)));
  } catch (err) {
    throw new InputError(INPUT_ERROR_CODES.UNKNOWN_FORMAT, spec, `${spec} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}
