/**
 * @module A streaming RFC 4180 CSV reader for importers (KEV, CWE, EPSS…).
 *
 * Quoted fields, `""` escapes, CRLF / LF / CR line breaks, line breaks inside quoted
 * fields, a leading BOM, and optionally `#` comment lines before the first row (EPSS
 * files start with `#model_version:…,score_date:…`). Every row carries the line it
 * starts on; every error names its line. Memory is bounded: only the row being read is
 * buffered, and a field or row over its limit is an error, not an allocation.
 *
 * @example
 * for await (const ev of readCsv(createReadStream('epss.csv'), { comments: 'yield' })) {
 *   if (ev.kind === 'comment') console.log(ev.text); // model_version:v2023.03.01,score_date:…
 *   else console.log(ev.line, ev.fields);
 * }
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const CSV_ERROR_CODES = [
  'CSV_UNTERMINATED_QUOTE',
  'CSV_BAD_QUOTE',
  'CSV_FIELD_TOO_LARGE',
  'CSV_ROW_TOO_LARGE',
  'CSV_TOO_MANY_FIELDS',
  'CSV_BAD_UTF8',
  'CSV_HEADER',
] as const;
export type CsvErrorCode = (typeof CSV_ERROR_CODES)[number];

/** A CSV that cannot be read on: the message starts with the line, `line 12: unterminated quoted field`. */
export class CsvError extends Error {
  override readonly name = 'CsvError';
  readonly code: CsvErrorCode;
  readonly line: number;
  constructor(code: CsvErrorCode, line: number, detail: string) {
    super(`line ${line}: ${detail}`);
    this.code = code;
    this.line = line;
  }
}

export interface CsvOptions {
  /**
   * `#` lines before the first row: `false` (default, RFC 4180) reads them as data,
   * `'skip'` drops them, `'yield'` returns them as comment events.
   */
  readonly comments?: false | 'skip' | 'yield';
  /** Drop lines that are completely empty (default true). */
  readonly skipEmptyLines?: boolean;
  /** Longest field in characters (default 1 MiB). */
  readonly maxFieldLength?: number;
  /** Longest row in characters, separators included (default 8 MiB). */
  readonly maxRowLength?: number;
  /** Most fields in one row (default 10,000). */
  readonly maxFields?: number;
}

export interface CsvRow {
  readonly kind: 'row';
  /** The 1-based line the row starts on (a quoted field may continue on later lines). */
  readonly line: number;
  readonly fields: string[];
}

export interface CsvComment {
  readonly kind: 'comment';
  readonly line: number;
  /** The line without its leading `#`. */
  readonly text: string;
}

export type CsvEvent = CsvRow | CsvComment;

export type CsvInput = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

const DEFAULT_MAX_FIELD = 1024 * 1024;
const DEFAULT_MAX_ROW = 8 * 1024 * 1024;
const DEFAULT_MAX_FIELDS = 10_000;

const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const HASH = 0x23;

/** Parsing needs more text than the buffer holds to finish the current row. */
const MORE = Symbol('more');

/**
 * The push parser behind `readCsv`: feed text with `push`, then `end`. Each call
 * returns the events completed so far. Only the unfinished row stays buffered.
 */
export class CsvParser {
  readonly #comments: false | 'skip' | 'yield';
  readonly #skipEmpty: boolean;
  readonly #maxField: number;
  readonly #maxRow: number;
  readonly #maxFields: number;
  #buf = '';
  /** Line number of `#buf[0]`. */
  #line = 1;
  #started = false;
  #sawRow = false;
  #ended = false;

  constructor(opts: CsvOptions = {}) {
    this.#comments = opts.comments ?? false;
    this.#skipEmpty = opts.skipEmptyLines ?? true;
    this.#maxField = opts.maxFieldLength ?? DEFAULT_MAX_FIELD;
    this.#maxRow = opts.maxRowLength ?? DEFAULT_MAX_ROW;
    this.#maxFields = opts.maxFields ?? DEFAULT_MAX_FIELDS;
  }

  /** The line the parser has reached (start of the unfinished row). */
  get line(): number {
    return this.#line;
  }

  /** The line at the end of the text pushed so far. */
  get lastLine(): number {
    return this.#line + countLineBreaks(this.#buf);
  }

  push(text: string): CsvEvent[] {
    if (this.#ended) throw new Error('CsvParser: push after end');
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.#buf = this.#buf.length === 0 ? text : this.#buf + text;
    return this.#drain(false);
  }

  end(): CsvEvent[] {
    if (this.#ended) return [];
    this.#ended = true;
    return this.#drain(true);
  }

  #drain(final: boolean): CsvEvent[] {
    const out: CsvEvent[] = [];
    const buf = this.#buf;
    let pos = 0;
    while (pos < buf.length) {
      const next = this.#step(buf, pos, final, out);
      if (next === MORE) {
        if (buf.length - pos > this.#maxRow) {
          throw new CsvError('CSV_ROW_TOO_LARGE', this.#line, `row longer than ${this.#maxRow} characters`);
        }
        break;
      }
      pos = next;
    }
    this.#buf = pos === 0 ? buf : buf.slice(pos);
    return out;
  }

  /** Read one line's worth (a row, a comment, or an empty line) at `pos`; return where the next starts. */
  #step(buf: string, pos: number, final: boolean, out: CsvEvent[]): number | typeof MORE {
    const c = buf.charCodeAt(pos);
    if (c === LF || c === CR) {
      const after = lineBreakEnd(buf, pos, final);
      if (after === MORE) return MORE;
      if (!this.#skipEmpty) out.push({ kind: 'row', line: this.#line, fields: [''] });
      this.#line++;
      return after;
    }
    if (c === HASH && !this.#sawRow && this.#comments !== false) {
      let end = pos;
      while (end < buf.length) {
        const d = buf.charCodeAt(end);
        if (d === LF || d === CR) break;
        end++;
      }
      if (end >= buf.length && !final) {
        if (end - pos > this.#maxField) {
          throw new CsvError('CSV_FIELD_TOO_LARGE', this.#line, `comment line longer than ${this.#maxField} characters`);
        }
        return MORE;
      }
      const after = end >= buf.length ? end : lineBreakEnd(buf, end, final);
      if (after === MORE) return MORE;
      if (this.#comments === 'yield') out.push({ kind: 'comment', line: this.#line, text: buf.slice(pos + 1, end) });
      this.#line++;
      return after;
    }
    const row = this.#row(buf, pos, final);
    if (row === MORE) return MORE;
    this.#sawRow = true;
    out.push({ kind: 'row', line: this.#line, fields: row.fields });
    this.#line += row.lines;
    return row.next;
  }

  #row(buf: string, pos: number, final: boolean): { fields: string[]; next: number; lines: number } | typeof MORE {
    const fields: string[] = [];
    const len = buf.length;
    let lines = 0;
    let i = pos;
    for (;;) {
      if (fields.length >= this.#maxFields) {
        throw new CsvError('CSV_TOO_MANY_FIELDS', this.#line + lines, `more than ${this.#maxFields} fields in a row`);
      }
      let value: string;
      if (i < len && buf.charCodeAt(i) === QUOTE) {
        const startLine = this.#line + lines;
        i++;
        value = '';
        for (;;) {
          const q = buf.indexOf('"', i);
          const segEnd = q < 0 ? len : q;
          if (value.length + (segEnd - i) > this.#maxField) {
            throw new CsvError('CSV_FIELD_TOO_LARGE', startLine, `field longer than ${this.#maxField} characters`);
          }
          if (q < 0) {
            if (!final) return MORE;
            throw new CsvError('CSV_UNTERMINATED_QUOTE', startLine, 'unterminated quoted field');
          }
          const seg = buf.slice(i, q);
          lines += countLineBreaks(seg);
          value += seg;
          if (q + 1 >= len && !final) return MORE;
          if (buf.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            i = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        if (i < len) {
          const d = buf.charCodeAt(i);
          if (d !== COMMA && d !== LF && d !== CR) {
            throw new CsvError('CSV_BAD_QUOTE', this.#line + lines, `unexpected character ${JSON.stringify(buf[i])} after closing quote`);
          }
        }
      } else {
        let j = i;
        while (j < len) {
          const d = buf.charCodeAt(j);
          if (d === COMMA || d === LF || d === CR) break;
          if (d === QUOTE) {
            throw new CsvError('CSV_BAD_QUOTE', this.#line + lines, 'quote inside an unquoted field');
          }
          j++;
        }
        if (j - i > this.#maxField) {
          throw new CsvError('CSV_FIELD_TOO_LARGE', this.#line + lines, `field longer than ${this.#maxField} characters`);
        }
        if (j >= len && !final) return MORE;
        value = buf.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (i >= len) return { fields, next: i, lines };
      const d = buf.charCodeAt(i);
      if (d === COMMA) {
        i++;
        continue;
      }
      const after = lineBreakEnd(buf, i, final);
      if (after === MORE) return MORE;
      return { fields, next: after, lines: lines + 1 };
    }
  }
}

/** End of the line break at `pos` (CRLF, LF or a lone CR); MORE when a CR ends the buffer. */
function lineBreakEnd(buf: string, pos: number, final: boolean): number | typeof MORE {
  if (buf.charCodeAt(pos) === LF) return pos + 1;
  if (pos + 1 >= buf.length) return final ? pos + 1 : MORE;
  return buf.charCodeAt(pos + 1) === LF ? pos + 2 : pos + 1;
}

function countLineBreaks(s: string): number {
  let n = 0;
  let at = s.search(/[\r\n]/);
  if (at < 0) return 0;
  for (; at < s.length; at++) {
    const c = s.charCodeAt(at);
    if (c === LF) n++;
    else if (c === CR && s.charCodeAt(at + 1) !== LF) n++;
  }
  return n;
}

async function* textChunks(input: CsvInput, parser: CsvParser): AsyncGenerator<string> {
  if (typeof input === 'string') {
    yield input;
    return;
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // On bad UTF-8, hand the parser the valid text first, so the error names the right line.
  function* decode(bytes: Uint8Array, stream: boolean): Generator<string> {
    try {
      yield decoder.decode(bytes, { stream });
    } catch {
      const bad = firstInvalidUtf8(bytes);
      if (bad > 0) yield new TextDecoder('utf-8').decode(bytes.subarray(0, bad));
      throw new CsvError('CSV_BAD_UTF8', parser.lastLine, 'invalid UTF-8');
    }
  }
  if (input instanceof Uint8Array) {
    yield* decode(input, false);
    return;
  }
  for await (const chunk of input) {
    if (typeof chunk === 'string') yield chunk;
    else yield* decode(chunk, true);
  }
  yield* decode(new Uint8Array(0), false);
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (approximate across chunk edges). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      if (i + k >= b.length) return i;
      if ((b[i + k] & 0xc0) !== 0x80) return i;
    }
    i += n + 1;
  }
  return 0;
}

/**
 * Read CSV from text, bytes (UTF-8) or a stream of chunks (a `fs.ReadStream`, a fetch
 * body) and yield its rows (and leading comments when asked), each with its line.
 * Throws `CsvError` at the first malformed place.
 */
export async function* readCsv(input: CsvInput, opts: CsvOptions = {}): AsyncGenerator<CsvEvent> {
  const parser = new CsvParser(opts);
  for await (const text of textChunks(input, parser)) {
    if (text) yield* parser.push(text);
  }
  yield* parser.end();
}

/** All events of a CSV already in memory. */
export function parseCsv(text: string, opts: CsvOptions = {}): CsvEvent[] {
  const parser = new CsvParser(opts);
  return [...parser.push(text), ...parser.end()];
}

export interface CsvRecord {
  readonly kind: 'record';
  readonly line: number;
  /** Field values by header name. */
  readonly values: Readonly<Record<string, string>>;
}

/** A row whose field count differs from the header's: reported, not fatal. */
export interface CsvBadRow {
  readonly kind: 'bad-row';
  readonly line: number;
  readonly fields: readonly string[];
  /** The header's field count. */
  readonly expected: number;
  readonly message: string;
}

export type CsvRecordEvent = CsvRecord | CsvBadRow | CsvComment;

export interface CsvRecordOptions extends CsvOptions {
  /** Header names that must be present (else `CsvError` CSV_HEADER). */
  readonly required?: readonly string[];
}

/**
 * Read a CSV with a header row and yield one record per row, keyed by header name.
 * A header missing a required column, or with a duplicate or empty name, is fatal; a
 * row with the wrong number of fields is yielded as `bad-row` so the caller can report
 * it and go on.
 */
export async function* readCsvRecords(input: CsvInput, opts: CsvRecordOptions = {}): AsyncGenerator<CsvRecordEvent> {
  let header: string[] | undefined;
  for await (const ev of readCsv(input, opts)) {
    if (ev.kind === 'comment') {
      yield ev;
      continue;
    }
    if (!header) {
      header = ev.fields.map((f) => f.trim());
      const seen = new Set<string>();
      for (const name of header) {
        if (name === '') throw new CsvError('CSV_HEADER', ev.line, 'empty column name in header');
        if (seen.has(name)) throw new CsvError('CSV_HEADER', ev.line, `duplicate column "${name}" in header`);
        seen.add(name);
      }
      const missing = (opts.required ?? []).filter((n) => !seen.has(n));
      if (missing.length > 0) {
        throw new CsvError('CSV_HEADER', ev.line, `header lacks column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`);
      }
      continue;
    }
    if (ev.fields.length !== header.length) {
      yield {
        kind: 'bad-row',
        line: ev.line,
        fields: ev.fields,
        expected: header.length,
        message: `line ${ev.line}: expected ${header.length} fields, got ${ev.fields.length}`,
      };
      continue;
    }
    const values: Record<string, string> = Object.create(null);
    for (let k = 0; k < header.length; k++) values[header[k]] = ev.fields[k];
    yield { kind: 'record', line: ev.line, values };
  }
  if (!header) throw new CsvError('CSV_HEADER', 1, 'no header row');
}

// --- inputs for small importers ---------------------------------------------------------
// Plain `fs` for files and `fetch` for http(s), with a size limit. The full-featured
// readers (zip, directories, resume) live in ./readers; KEV, CWE and EPSS files are single
// documents and need only this.

export const INPUT_ERROR_CODES = ['INPUT_NOT_FOUND', 'INPUT_TOO_LARGE', 'INPUT_HTTP', 'INPUT_PROTOCOL'] as const;
export type InputErrorCode = (typeof INPUT_ERROR_CODES)[number];

export class InputError extends Error {
  override readonly name = 'InputError';
  readonly code: InputErrorCode;
  readonly location: string;
  constructor(code: InputErrorCode, location: string, message: string) {
    super(message);
    this.code = code;
    this.location = location;
  }
}

/** A file path, a `file:` or `http(s):` URL (object or string), or the bytes themselves. */
export type ImportInput = string | URL | Uint8Array;

export interface InputOptions {
  /** Most bytes read (default 256 MiB); more is `INPUT_TOO_LARGE`. */
  readonly maxBytes?: number;
  /** For URLs: give up after this long (default 120 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export const DEFAULT_MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** What to call the input in messages and `SourceInfo.location`. */
export function inputLocation(input: ImportInput): string {
  if (input instanceof Uint8Array) return `(${input.byteLength} bytes)`;
  return input instanceof URL ? input.href : input;
}

function asUrl(input: string | URL): URL | undefined {
  if (input instanceof URL) return input;
  return /^(https?|file):\/\//i.test(input) ? new URL(input) : undefined;
}

/** The input as a stream of byte chunks, never more than `maxBytes` in total. */
export async function* inputChunks(input: ImportInput, opts: InputOptions = {}): AsyncGenerator<Uint8Array> {
  const max = opts.maxBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const where = inputLocation(input);
  const tooLarge = () => new InputError('INPUT_TOO_LARGE', where, `${where}: larger than ${max} bytes`);
  if (input instanceof Uint8Array) {
    if (input.byteLength > max) throw tooLarge();
    yield input;
    return;
  }
  const url = asUrl(input);
  let total = 0;
  if (url && (url.protocol === 'http:' || url.protocol === 'https:')) {
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? 120_000);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const res = await fetch(url, { signal, redirect: 'follow' });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new InputError('INPUT_HTTP', where, `${where}: HTTP ${res.status} ${res.statusText}`.trimEnd());
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > max) {
      await res.body.cancel();
      throw tooLarge();
    }
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        total += value.byteLength;
        if (total > max) throw tooLarge();
        yield value;
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }
  if (url && url.protocol !== 'file:') {
    throw new InputError('INPUT_PROTOCOL', where, `${where}: only files and http(s) URLs can be read`);
  }
  const path = url ? fileURLToPath(url) : (input as string);
  let stream: ReadStream;
  try {
    const info = await stat(path);
    if (info.size > max) throw tooLarge();
    stream = createReadStream(path, { signal: opts.signal });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError('INPUT_NOT_FOUND', where, `${where}: no such file`);
    throw err;
  }
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > max) {
      stream.destroy();
      throw tooLarge();
    }
    yield chunk;
  }
}

/** The whole input in memory (bounded by `maxBytes`). */
export async function readInputBytes(input: ImportInput, opts: InputOptions = {}): Promise<Uint8Array> {
  if (input instanceof Uint8Array) {
    for await (const _ of inputChunks(input, opts));
    return input;
  }
  const parts: Uint8Array[] = [];
  for await (const chunk of inputChunks(input, opts)) parts.push(chunk);
  return Buffer.concat(parts);
}
