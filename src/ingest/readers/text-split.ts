/**
 * @module Splits a byte stream of JSON text into raw records: JSON Lines, a JSON array, or
 * whitespace-separated JSON documents (a pretty-printed single record). Memory stays bounded
 * by `maxRecordBytes`; earlier records are skipped without copying them.
 */
import type { RawError, RawEvent, RawItem } from '../types.ts';
import { BlankLineTracker, concat, hasBom, invalidUtf8Offset, isJsonSpace } from './bytes.ts';
import { ITEM_ERROR_CODES } from './errors.ts';
import { READER_DEFAULTS } from './options.ts';

export type TextFormat = 'jsonl' | 'json' | 'json-array';

export interface SplitContext {
  /** Name used in positions (`records.jsonl:12`). */
  readonly name: string;
  readonly startOrdinal: number;
  readonly maxRecordBytes: number;
  /** `the file` or `the decompressed data`: where byte offsets count from. */
  readonly offsetsIn: string;
}

const HEAD = READER_DEFAULTS.rawHeadBytes;

/** Keeps one record's bytes: all of it up to `max`, only the first 64 KiB once it is bigger. */
class RecordBuffer {
  private parts: Uint8Array[] = [];
  private kept = 0;
  length = 0;
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }

  add(chunk: Uint8Array, from: number, to: number, keep: boolean): void {
    const n = to - from;
    if (n <= 0) return;
    const newLength = this.length + n;
    this.length = newLength;
    if (!keep) return;
    let limit = this.max;
    if (newLength > this.max) {
      limit = HEAD;
      if (this.kept > HEAD) {
        this.parts = [concat(this.parts, this.kept).slice(0, HEAD)];
        this.kept = HEAD;
      }
    }
    const take = Math.min(n, limit - this.kept);
    if (take > 0) {
      this.parts.push(chunk.slice(from, from + take));
      this.kept += take;
    }
  }

  take(): Uint8Array {
    const out = concat(this.parts, this.kept);
    this.parts = [];
    this.kept = 0;
    this.length = 0;
    return out;
  }
}

function tooLarge(maxRecordBytes: number, ordinal: number, position: string, what: string, size: number, head: Uint8Array): RawError {
  return {
    kind: 'error',
    ordinal,
    position,
    code: ITEM_ERROR_CODES.RECORD_TOO_LARGE,
    message: `${what} is ${size} bytes, more than maxRecordBytes (${maxRecordBytes}); skipped, first ${head.length} bytes kept`,
    raw: head,
  };
}

/** An item, or `BAD_UTF8` when the bytes are not UTF-8. `bytes` has its BOM still on. */
function checkedItem(
  ordinal: number,
  position: string,
  bytes: Uint8Array,
  where: (offset: number) => string,
  nameHint?: string,
): RawItem | RawError {
  const bad = invalidUtf8Offset(bytes);
  if (bad >= 0) {
    return { kind: 'error', ordinal, position, code: ITEM_ERROR_CODES.BAD_UTF8, message: `invalid UTF-8 ${where(bad)}`, raw: bytes };
  }
  const body = hasBom(bytes) ? bytes.subarray(3) : bytes;
  return nameHint === undefined ? { kind: 'item', ordinal, position, bytes: body } : { kind: 'item', ordinal, position, nameHint, bytes: body };
}

/** Checks a whole record read from a file or zip entry: BOM stripped, UTF-8, size. */
export function recordEvent(
  ordinal: number,
  position: string,
  bytes: Uint8Array,
  opts: { maxRecordBytes: number; nameHint?: string; size?: number },
): RawEvent {
  const size = opts.size ?? bytes.length;
  if (size > opts.maxRecordBytes) {
    return tooLarge(opts.maxRecordBytes, ordinal, position, position, size, bytes.subarray(0, HEAD));
  }
  return checkedItem(ordinal, position, bytes, (at) => `in ${position} at byte ${at}`, opts.nameHint);
}

/**
 * JSON Lines: one record per line; blank lines skipped (no ordinal); a BOM at the start of a
 * line stripped; CRLF accepted; a last line without newline yielded as it is.
 */
export async function* splitJsonl(chunks: AsyncIterable<Uint8Array>, ctx: SplitContext): AsyncGenerator<RawEvent> {
  const buf = new RecordBuffer(ctx.maxRecordBytes);
  const blank = new BlankLineTracker();
  let ordinal = 0;
  let lineNo = 0;
  let offset = 0;
  let lineStart = 0;
  let open = false;

  const finish = (): RawEvent | undefined => {
    lineNo++;
    const isBlank = blank.isBlank();
    blank.reset();
    const skipping = ordinal < ctx.startOrdinal;
    const length = buf.length;
    const bytes = buf.take();
    const start = lineStart;
    open = false;
    if (isBlank) return undefined;
    const ord = ordinal++;
    if (skipping) return undefined;
    const position = `${ctx.name}:${lineNo}`;
    if (length > ctx.maxRecordBytes) return tooLarge(ctx.maxRecordBytes, ord, position, `line ${lineNo} of ${ctx.name}`, length, bytes);
    const line = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, bytes.length - 1) : bytes;
    return checkedItem(ord, position, line, (at) => `in line ${lineNo} of ${ctx.name} at byte ${at} of the line (byte ${start + at} of ${ctx.offsetsIn})`);
  };

  for await (const chunk of chunks) {
    let from = 0;
    const events: RawEvent[] = [];
    while (from < chunk.length) {
      if (!open) {
        open = true;
        lineStart = offset + from;
      }
      const nl = chunk.indexOf(0x0a, from);
      const to = nl === -1 ? chunk.length : nl;
      blank.feed(chunk, from, to);
      buf.add(chunk, from, to, ordinal >= ctx.startOrdinal);
      if (nl === -1) break;
      const ev = finish();
      if (ev) events.push(ev);
      from = nl + 1;
    }
    offset += chunk.length;
    yield* events;
  }
  if (open) {
    const ev = finish();
    if (ev) yield ev;
  }
}

const S_BEFORE = 0; // before the opening `[` (array) or between documents (values)
const S_EXPECT = 1; // inside the array, before an element
const S_VALUE = 2; // inside a value
const S_AFTER = 3; // after an element, before `,` or `]`
const S_DONE = 4; // after the closing `]`

/**
 * A JSON array of records (`[{…},{…}]`, streamed element by element, positions `file.json[3]`),
 * or whitespace-separated documents (a pretty-printed record; positions `file.json`, then `file.json:LINE`).
 */
export async function* splitJsonValues(
  chunks: AsyncIterable<Uint8Array>,
  ctx: SplitContext,
  mode: 'array' | 'values',
): AsyncGenerator<RawEvent> {
  const buf = new RecordBuffer(ctx.maxRecordBytes);
  let state = S_BEFORE;
  let depth = 0;
  let inString = false;
  let escape = false;
  let index = 0;
  let line = 1;
  let valueLine = 1;
  let valueStart = 0;
  let offset = 0;
  let first = true;
  let trailingReported = false;
  const events: RawEvent[] = [];

  const position = (): string =>
    mode === 'array' ? `${ctx.name}[${index}]` : index === 0 ? ctx.name : `${ctx.name}:${valueLine}`;

  const finishValue = (): void => {
    const length = buf.length;
    const bytes = buf.take();
    const ord = index;
    const pos = position();
    index++;
    if (ord < ctx.startOrdinal) return;
    const what = mode === 'array' ? `element ${ord} of ${ctx.name}` : `the record at line ${valueLine} of ${ctx.name}`;
    if (length > ctx.maxRecordBytes) {
      events.push(tooLarge(ctx.maxRecordBytes, ord, pos, what, length, bytes));
      return;
    }
    const start = valueStart;
    events.push(checkedItem(ord, pos, bytes, (at) => `in ${what} at byte ${at} of the record (byte ${start + at} of ${ctx.offsetsIn})`));
  };

  for await (const chunk of chunks) {
    let i = 0;
    if (first && chunk.length > 0) {
      first = false;
      if (hasBom(chunk)) i = 3;
    }
    let segStart = state === S_VALUE ? 0 : -1;
    const n = chunk.length;
    for (; i < n; i++) {
      const b = chunk[i];
      if (b === 0x0a) line++;
      if (state === S_VALUE) {
        if (inString) {
          if (escape) escape = false;
          else if (b === 0x5c) escape = true;
          else if (b === 0x22) {
            inString = false;
            if (depth === 0) {
              buf.add(chunk, segStart, i + 1, index >= ctx.startOrdinal);
              finishValue();
              state = mode === 'array' ? S_AFTER : S_BEFORE;
            }
          }
          continue;
        }
        if (b === 0x22) inString = true;
        else if (b === 0x7b || b === 0x5b) depth++;
        else if (b === 0x7d || b === 0x5d) {
          depth--;
          if (depth === 0) {
            buf.add(chunk, segStart, i + 1, index >= ctx.startOrdinal);
            finishValue();
            state = mode === 'array' ? S_AFTER : S_BEFORE;
          } else if (depth < 0) {
            // `]` closing the array right after a scalar element
            depth = 0;
            buf.add(chunk, segStart, i, index >= ctx.startOrdinal);
            finishValue();
            state = S_DONE;
          }
        } else if (depth === 0 && (b === 0x2c || isJsonSpace(b))) {
          buf.add(chunk, segStart, i, index >= ctx.startOrdinal);
          finishValue();
          state = mode === 'array' ? (b === 0x2c ? S_EXPECT : S_AFTER) : S_BEFORE;
        }
        continue;
      }
      if (isJsonSpace(b)) continue;
      switch (state) {
        case S_BEFORE:
          if (mode === 'array') {
            // sniffing guarantees `[` first; anything else is reported as trailing data below
            if (b === 0x5b) state = S_EXPECT;
            else {
              state = S_DONE;
              i--;
            }
            continue;
          }
          break; // a value starts here
        case S_EXPECT:
          if (b === 0x5d && index === 0) {
            state = S_DONE;
            continue;
          }
          break; // an element starts here
        case S_AFTER:
          if (b === 0x2c) state = S_EXPECT;
          else if (b === 0x5d) state = S_DONE;
          else break; // missing comma: take it as the next element, the parser judges it
          continue;
        case S_DONE:
          if (!trailingReported) {
            trailingReported = true;
            if (index >= ctx.startOrdinal) {
              events.push({
                kind: 'error',
                ordinal: index,
                position: `${ctx.name}:${line}`,
                code: ITEM_ERROR_CODES.JSON_TRAILING_DATA,
                message: `${ctx.name} has data after the end of its JSON array at line ${line} (byte ${offset + i} of ${ctx.offsetsIn}); ignored`,
              });
            }
            index++;
          }
          continue;
      }
      // start of a value
      state = S_VALUE;
      depth = 0;
      inString = false;
      escape = false;
      valueLine = line;
      valueStart = offset + i;
      segStart = i;
      if (b === 0x22) inString = true;
      else if (b === 0x7b || b === 0x5b) depth = 1;
    }
    if (state === S_VALUE) buf.add(chunk, segStart, n, index >= ctx.startOrdinal);
    offset += n;
    if (events.length > 0) {
      yield* events;
      events.length = 0;
    }
  }
  if (state === S_VALUE) {
    // a cut-off last record: yield it, the parser reports it as truncated JSON
    finishValue();
  } else if (mode === 'array' && (state === S_EXPECT || state === S_AFTER)) {
    if (index >= ctx.startOrdinal) {
      events.push({
        kind: 'error',
        ordinal: index,
        position: `${ctx.name}:${line}`,
        code: ITEM_ERROR_CODES.JSON_TRUNCATED,
        message: `${ctx.name} ends before the closing ] of its JSON array (after ${offset} bytes of ${ctx.offsetsIn})`,
      });
    }
  }
  yield* events;
}

/** Is `bytes` (a first line) one complete JSON object or array, with only spaces after it? */
function isCompleteValue(bytes: Uint8Array): boolean {
  let depth = 0;
  let inString = false;
  let escape = false;
  let i = 0;
  if (hasBom(bytes)) i = 3;
  while (i < bytes.length && isJsonSpace(bytes[i])) i++;
  if (bytes[i] !== 0x7b && bytes[i] !== 0x5b) return false;
  for (; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (escape) escape = false;
      else if (b === 0x5c) escape = true;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) {
      depth--;
      if (depth === 0) {
        for (let k = i + 1; k < bytes.length; k++) if (!isJsonSpace(bytes[k])) return false;
        return true;
      }
    }
  }
  return false;
}

export type TextSniff = TextFormat | 'delta-log' | 'empty' | 'unknown';

/**
 * What JSON text `head` (the first bytes, `eof` when that is all) holds. `{` is JSON Lines when
 * its first line is a whole value (a one-line file is `json` if the name says `.json`).
 */
export function sniffText(head: Uint8Array, eof: boolean, nameHint: 'json' | 'jsonl' | undefined): TextSniff {
  let i = hasBom(head) ? 3 : 0;
  while (i < head.length && isJsonSpace(head[i])) i++;
  if (i >= head.length) return eof ? 'empty' : 'unknown';
  const b = head[i];
  if (b !== 0x7b && b !== 0x5b) return 'unknown';
  const start = new TextDecoder().decode(head.subarray(i, i + 512));
  if (/^\[?\s*\{\s*"fetchTime"\s*:/.test(start)) return 'delta-log';
  if (b === 0x5b) return 'json-array';
  if (nameHint === 'jsonl') return 'jsonl';
  const nl = head.indexOf(0x0a, i);
  if (nl === -1) {
    if (!eof) return nameHint === 'json' ? 'json' : 'jsonl';
    return nameHint === 'json' || !isCompleteValue(head) ? 'json' : 'jsonl';
  }
  if (!isCompleteValue(head.subarray(0, nl))) return 'json';
  if (nameHint !== 'json') return 'jsonl';
  // a `.json` file whose first line is a whole record: JSON Lines if more follows
  for (let k = nl + 1; k < head.length; k++) if (!isJsonSpace(head[k])) return 'jsonl';
  return 'json';
}

/** Runs the splitter for an already sniffed text format. */
export function splitText(chunks: AsyncIterable<Uint8Array>, format: TextFormat, ctx: SplitContext): AsyncGenerator<RawEvent> {
  if (format === 'jsonl') return splitJsonl(chunks, ctx);
  return splitJsonValues(chunks, ctx, format === 'json-array' ? 'array' : 'values');
}
