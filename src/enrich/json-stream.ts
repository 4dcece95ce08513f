/**
 * @module A streaming reader of one JSON object whose big members are arrays (an NVD answer or
 * feed: `{ "resultsPerPage": …, "vulnerabilities": [ {…}, {…} ] }`). Elements of the chosen
 * arrays come out one at a time as their JSON text (each then goes through `JSON.parse`), other
 * members as parsed values; only the element being read is held, so a feed of any size is
 * never in memory whole, nor parsed twice.
 *
 * It finds element boundaries only (strings, escapes, nesting); the element's own syntax is
 * `JSON.parse`'s job, so a bad element is one record's error and reading goes on.
 * @internal
 */
import { jsonErrorAt, withoutPosition } from '../ingest/json-error.ts';
import { EnrichError } from './errors.ts';

export type JsonStreamEvent =
  /** An element of a streamed array, as JSON text. */
  | { readonly kind: 'item'; readonly key: string; readonly index: number; readonly text: string }
  /** An element longer than `maxItemChars`: skipped unread. */
  | { readonly kind: 'item-too-large'; readonly key: string; readonly index: number; readonly chars: number }
  /** A member that is not streamed, parsed. */
  | { readonly kind: 'member'; readonly key: string; readonly value: unknown };

export interface JsonStreamOptions {
  /** Members whose array value is streamed element by element. */
  readonly streamed: ReadonlySet<string>;
  /** Longest element (default 64 Mi characters; CVE-2021-44228 with its 148 KB of configurations is far below). */
  readonly maxItemChars?: number;
  /** Longest other member (default 1 Mi characters). */
  readonly maxMemberChars?: number;
  /** Least text scanned at once (default 64 Ki); smaller chunks are gathered first. */
  readonly minRunChars?: number;
  /** For messages. */
  readonly what: string;
}

const S = {
  START: 0,
  KEY: 1,
  KEY_STRING: 2,
  COLON: 3,
  VALUE: 4,
  ARRAY: 5,
  CAPTURE: 6,
  AFTER_VALUE: 7,
  DONE: 8,
} as const;
type State = (typeof S)[keyof typeof S];

/** Least text scanned at once. */
const MIN_RUN = 64 * 1024;
const WS = new Set([0x20, 0x09, 0x0a, 0x0d, 0xfeff]);
const STRING_STOP = /["\\]/g;

export class JsonObjectStream {
  readonly #opts: Required<JsonStreamOptions>;
  #buf = '';
  #pos = 0;
  /** Characters dropped from the front of `#buf` so far (for offsets in messages). */
  #dropped = 0;
  #state: State = S.START;
  #key = '';
  #keyStart = 0;
  /** After a comma: a key (object) or an element (array) must follow. */
  #needNext = false;
  #inArray = false;
  #index = 0;
  // The value being captured.
  #capStart = 0;
  #capKind: 'item' | 'member' = 'member';
  #depth = 0;
  #inString = false;
  #escape = false;
  #scalar = false;
  #skipping = false;
  #skippedChars = 0;

  constructor(opts: JsonStreamOptions) {
    this.#opts = { maxItemChars: 64 * 1024 * 1024, maxMemberChars: 1024 * 1024, minRunChars: MIN_RUN, ...opts };
  }

  /** `at`: the buffer offset the error is at, when not the scanner's position. */
  #fail(message: string, code: 'ENRICH_JSON' | 'ENRICH_JSON_TRUNCATED' | 'ENRICH_JSON_VALUE_TOO_LARGE' = 'ENRICH_JSON', at = this.#pos): never {
    throw new EnrichError(code, `${this.#opts.what}: ${message} at character ${this.#dropped + at}`);
  }

  /** Small chunks wait here: scanning from a buffer after each tiny append would be quadratic. */
  #pending = '';

  *push(text: string): Generator<JsonStreamEvent> {
    this.#pending += text;
    if (this.#pending.length < this.#opts.minRunChars) return;
    yield* this.#feed();
  }

  *#feed(): Generator<JsonStreamEvent> {
    const text = this.#pending;
    this.#pending = '';
    // Keep only what is still needed: the value being captured, or nothing before `pos`.
    const keepFrom = this.#state === S.CAPTURE && !this.#skipping ? this.#capStart : this.#state === S.KEY_STRING ? this.#keyStart : this.#pos;
    if (keepFrom > 0) {
      this.#buf = this.#buf.slice(keepFrom);
      this.#dropped += keepFrom;
      this.#pos -= keepFrom;
      this.#capStart -= keepFrom;
      this.#keyStart -= keepFrom;
    }
    this.#buf += text;
    yield* this.#run(false);
  }

  *end(): Generator<JsonStreamEvent> {
    yield* this.#feed();
    yield* this.#run(true);
    if (this.#state !== S.DONE) {
      if (this.#state === S.START) this.#fail('no JSON object', 'ENRICH_JSON_TRUNCATED');
      this.#fail('the JSON ends early (truncated)', 'ENRICH_JSON_TRUNCATED');
    }
  }

  *#run(final: boolean): Generator<JsonStreamEvent> {
    const buf = this.#buf;
    const len = buf.length;
    for (;;) {
      if (this.#state === S.CAPTURE) {
        const end = this.#scan(final);
        if (end < 0) return;
        yield* this.#finishCapture(end);
        continue;
      }
      // Skip white space.
      while (this.#pos < len && WS.has(buf.charCodeAt(this.#pos))) this.#pos++;
      if (this.#pos >= len) return;
      const c = buf.charCodeAt(this.#pos);
      switch (this.#state) {
        case S.START:
          if (c !== 0x7b) this.#fail('expected a JSON object "{"');
          this.#pos++;
          this.#state = S.KEY;
          this.#needNext = false;
          break;
        case S.KEY:
          if (c === 0x7d && !this.#needNext) {
            this.#pos++;
            this.#state = S.DONE;
          } else if (c === 0x22) {
            this.#keyStart = this.#pos;
            this.#pos++;
            this.#inString = true;
            this.#escape = false;
            this.#state = S.KEY_STRING;
          } else this.#fail('expected a member name');
          break;
        case S.KEY_STRING: {
          const end = this.#stringEnd(buf, this.#pos);
          if (end < 0) {
            if (this.#pos - this.#keyStart > this.#opts.maxMemberChars) this.#fail('member name too long', 'ENRICH_JSON_VALUE_TOO_LARGE');
            return;
          }
          try {
            this.#key = JSON.parse(buf.slice(this.#keyStart, end)) as string;
          } catch {
            this.#fail('bad member name');
          }
          this.#pos = end;
          this.#state = S.COLON;
          break;
        }
        case S.COLON:
          if (c !== 0x3a) this.#fail('expected ":"');
          this.#pos++;
          this.#state = S.VALUE;
          break;
        case S.VALUE:
          if (c === 0x5b && this.#opts.streamed.has(this.#key)) {
            this.#pos++;
            this.#state = S.ARRAY;
            this.#inArray = true;
            this.#index = 0;
            this.#needNext = false;
          } else this.#startCapture('member');
          break;
        case S.ARRAY:
          if (c === 0x5d) {
            if (this.#needNext) this.#fail('expected an element after ","');
            this.#pos++;
            this.#inArray = false;
            this.#state = S.AFTER_VALUE;
          } else if (c === 0x2c) {
            if (this.#needNext || this.#index === 0) this.#fail('unexpected ","');
            this.#pos++;
            this.#needNext = true;
          } else {
            if (this.#index > 0 && !this.#needNext) this.#fail('expected "," or "]"');
            this.#startCapture('item');
          }
          break;
        case S.AFTER_VALUE:
          if (c === 0x2c) {
            this.#pos++;
            this.#state = S.KEY;
            this.#needNext = true;
          } else if (c === 0x7d) {
            this.#pos++;
            this.#state = S.DONE;
          } else this.#fail('expected "," or "}"');
          break;
        case S.DONE:
          this.#fail('unexpected content after the JSON object');
      }
    }
  }

  /** Index after the closing quote of the string whose body starts at `from`, or -1 (more input needed). */
  #stringEnd(buf: string, from: number): number {
    let i = from;
    if (this.#escape) {
      if (i >= buf.length) return -1;
      i++;
      this.#escape = false;
    }
    for (;;) {
      STRING_STOP.lastIndex = i;
      const m = STRING_STOP.exec(buf);
      if (!m) {
        this.#pos = buf.length;
        return -1;
      }
      if (m[0] === '"') {
        this.#inString = false;
        return m.index + 1;
      }
      if (m.index + 1 >= buf.length) {
        this.#escape = true;
        this.#pos = buf.length;
        return -1;
      }
      i = m.index + 2;
    }
  }

  #startCapture(kind: 'item' | 'member'): void {
    this.#capKind = kind;
    this.#capStart = this.#pos;
    this.#depth = 0;
    this.#inString = false;
    this.#escape = false;
    this.#skipping = false;
    this.#skippedChars = 0;
    const c = this.#buf.charCodeAt(this.#pos);
    this.#scalar = c !== 0x7b && c !== 0x5b && c !== 0x22;
    this.#state = S.CAPTURE;
  }

  /** Scan the captured value on from `pos`; its end index, or -1 when more input is needed. */
  #scan(final: boolean): number {
    const buf = this.#buf;
    const len = buf.length;
    let i = this.#pos;
    if (this.#scalar) {
      while (i < len) {
        const c = buf.charCodeAt(i);
        if (c === 0x2c || c === 0x5d || c === 0x7d || WS.has(c)) {
          this.#pos = i;
          return i;
        }
        i++;
      }
      this.#pos = i;
      this.#checkSize(final);
      if (final) return i;
      return -1;
    }
    while (i < len) {
      if (this.#inString) {
        const end = this.#stringEnd(buf, i);
        if (end < 0) break;
        i = end;
        if (this.#depth === 0) {
          this.#pos = i;
          return i;
        }
        continue;
      }
      const c = buf.charCodeAt(i);
      if (c === 0x22) {
        this.#inString = true;
        i++;
      } else if (c === 0x7b || c === 0x5b) {
        this.#depth++;
        i++;
      } else if (c === 0x7d || c === 0x5d) {
        this.#depth--;
        i++;
        if (this.#depth === 0) {
          this.#pos = i;
          return i;
        }
        if (this.#depth < 0) this.#fail('unbalanced "}" or "]"');
      } else i++;
    }
    this.#pos = len;
    this.#checkSize(final);
    return -1;
  }

  #checkSize(final: boolean): void {
    const size = this.#skippedChars + (this.#pos - this.#capStart);
    if (this.#capKind === 'member') {
      if (size > this.#opts.maxMemberChars) {
        this.#fail(`member "${this.#key}" is longer than ${this.#opts.maxMemberChars} characters`, 'ENRICH_JSON_VALUE_TOO_LARGE');
      }
    } else if (size > this.#opts.maxItemChars && !final) {
      // Keep scanning for the end, but hold nothing more of this element.
      this.#skipping = true;
      this.#skippedChars = size;
      this.#capStart = this.#pos;
    }
  }

  *#finishCapture(end: number): Generator<JsonStreamEvent> {
    const size = this.#skippedChars + (end - this.#capStart);
    const key = this.#key;
    if (this.#capKind === 'item') {
      const index = this.#index++;
      this.#needNext = false;
      this.#state = S.ARRAY;
      if (this.#skipping || size > this.#opts.maxItemChars) {
        this.#skipping = false;
        yield { kind: 'item-too-large', key, index, chars: size };
      } else yield { kind: 'item', key, index, text: this.#buf.slice(this.#capStart, end) };
      return;
    }
    if (size > this.#opts.maxMemberChars) this.#fail(`member "${key}" is longer than ${this.#opts.maxMemberChars} characters`, 'ENRICH_JSON_VALUE_TOO_LARGE');
    const text = this.#buf.slice(this.#capStart, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const { offset, message } = jsonErrorAt(err, text);
      this.#fail(`member "${key}" is not valid JSON (${withoutPosition(message)})`, 'ENRICH_JSON', offset === undefined ? this.#pos : this.#capStart + offset);
    }
    this.#state = S.AFTER_VALUE;
    yield { kind: 'member', key, value };
  }
}
