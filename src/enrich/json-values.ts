/**
 * @module A streaming splitter for inputs made of many top-level JSON values: JSON Lines (one
 * value per line, `cves.jsonl`), values one after another pretty-printed, or one top-level
 * array of them. Each value comes out as its JSON text with the line it starts on; only the
 * value being read is held. Like `JsonObjectStream` it finds boundaries only (strings,
 * escapes, nesting): a value's own syntax is `JSON.parse`'s job, so one bad line is one
 * record's problem and reading goes on.
 * @internal
 */

export type JsonValuesMode =
  /** One value per line; a broken line never spills into the next. */
  | 'lines'
  /** Values one after another, each may span lines (pretty-printed objects). */
  | 'sequence'
  /** One top-level `[ … ]`; its elements are the values. */
  | 'array';

export type JsonValueEvent =
  | { readonly kind: 'value'; readonly index: number; readonly line: number; readonly text: string }
  /** A value longer than the limit: skipped unread. */
  | { readonly kind: 'too-large'; readonly index: number; readonly line: number; readonly chars: number }
  /** The input ended inside this value (a truncated file): what was read of it. */
  | { readonly kind: 'truncated'; readonly index: number; readonly line: number; readonly text: string }
  /** Something other than a value where one was expected (`]` missing, text after the array). */
  | { readonly kind: 'junk'; readonly line: number; readonly text: string };

const OPEN = new Set(['{', '[']);

/**
 * The mode a text head calls for, or `undefined` while more text is needed: `[` starts an
 * array; a first value that closes before its line ends means JSON Lines; else a sequence.
 */
export function jsonValuesMode(head: string, ended: boolean): JsonValuesMode | undefined {
  let i = 0;
  while (i < head.length && /[\s\uFEFF]/.test(head[i])) i++;
  if (i === head.length) return ended ? 'lines' : undefined;
  if (head[i] === '[') return 'array';
  let depth = 0;
  let inString = false;
  for (; i < head.length; i++) {
    const ch = head[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (OPEN.has(ch)) depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth <= 0) return 'lines';
    } else if (ch === '\n') return 'sequence';
  }
  return ended ? 'lines' : undefined;
}

/**
 * Push text chunks in, get values out; `end()` reports a value left open. Line numbers are
 * 1-based and count `\n`.
 */
export class JsonValueSplitter {
  readonly #mode: JsonValuesMode;
  readonly #max: number;
  #line = 1;
  #index = 0;
  /** The value being read: its parts, length, start line. */
  #parts: string[] = [];
  #chars = 0;
  #startLine = 0;
  #active = false;
  #tooLarge = false;
  #depth = 0;
  #inString = false;
  #escape = false;
  /** array mode: before `[`, inside, after `]`. */
  #arrayState: 'before' | 'inside' | 'after' = 'before';
  /** sequence mode: skipping junk to the end of its line. */
  #skipLine = false;

  constructor(mode: JsonValuesMode, opts: { readonly maxValueChars?: number } = {}) {
    this.#mode = mode;
    this.#max = opts.maxValueChars ?? 64 * 1024 * 1024;
  }

  #begin(): void {
    this.#active = true;
    this.#parts = [];
    this.#chars = 0;
    // Array elements start after the comma: their line is set at their first character.
    this.#startLine = this.#mode === 'array' ? 0 : this.#line;
    this.#tooLarge = false;
    this.#depth = 0;
    this.#inString = false;
    this.#escape = false;
  }

  #take(text: string, from: number, to: number): void {
    if (to <= from || this.#tooLarge) {
      if (this.#tooLarge) this.#chars += to - from;
      return;
    }
    this.#chars += to - from;
    if (this.#chars > this.#max) {
      this.#tooLarge = true;
      this.#parts = [];
      return;
    }
    this.#parts.push(text.slice(from, to));
  }

  #finish(): JsonValueEvent | undefined {
    this.#active = false;
    const index = this.#index++;
    if (this.#tooLarge) return { kind: 'too-large', index, line: this.#startLine, chars: this.#chars };
    const text = this.#parts.join('').trim();
    this.#parts = [];
    if (text === '') {
      this.#index--;
      return undefined;
    }
    return { kind: 'value', index, line: this.#startLine, text };
  }

  *push(text: string): Generator<JsonValueEvent> {
    if (this.#mode === 'lines') yield* this.#pushLines(text);
    else yield* this.#pushNested(text);
  }

  *#pushLines(text: string): Generator<JsonValueEvent> {
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (!this.#active) this.#begin();
      if (nl < 0) {
        this.#take(text, from, text.length);
        return;
      }
      this.#take(text, from, nl);
      const ev = this.#finish();
      if (ev) yield ev;
      this.#line++;
      from = nl + 1;
    }
  }

  *#pushNested(text: string): Generator<JsonValueEvent> {
    // Values start at depth 0 (sequence) or 1 (array); `#depth` counts from the value's start.
    let start = this.#active ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (this.#active) {
        if (this.#startLine === 0 && ch !== ' ' && ch !== '\n' && ch !== '\r' && ch !== '\t') this.#startLine = this.#line;
        if (this.#inString) {
          if (this.#escape) this.#escape = false;
          else if (ch === '\\') this.#escape = true;
          else if (ch === '"') this.#inString = false;
          else if (ch === '\n') this.#line++;
          continue;
        }
        if (ch === '"') this.#inString = true;
        else if (OPEN.has(ch)) this.#depth++;
        else if (ch === '}' || ch === ']') {
          if (this.#depth === 0 && this.#mode === 'array') {
            // `]` closing the array ends a scalar element (or an empty tail after a comma).
            this.#take(text, start, i);
            const ev = this.#finish();
            if (ev) yield ev;
            this.#arrayState = 'after';
            start = -1;
            continue;
          }
          if (this.#depth > 0) this.#depth--;
          if (this.#depth === 0 && this.#mode === 'sequence') {
            this.#take(text, start, i + 1);
            const ev = this.#finish();
            if (ev) yield ev;
            start = -1;
          }
        } else if (ch === ',' && this.#depth === 0 && this.#mode === 'array') {
          this.#take(text, start, i);
          const ev = this.#finish();
          if (ev) yield ev;
          this.#begin();
          start = i + 1;
        } else if (ch === '\n') this.#line++;
        continue;
      }
      // Between values.
      if (ch === '\n') {
        this.#line++;
        this.#skipLine = false;
        continue;
      }
      if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\uFEFF') continue;
      if (this.#mode === 'array') {
        if (this.#arrayState === 'before' && ch === '[') {
          this.#arrayState = 'inside';
          this.#begin();
          start = i + 1;
          continue;
        }
        yield { kind: 'junk', line: this.#line, text: text.slice(i, i + 40) };
        return;
      }
      if (this.#skipLine) continue;
      if (!OPEN.has(ch)) {
        // Values in a sequence are objects (or arrays): anything else up to the line's end is junk.
        const nl = text.indexOf('\n', i);
        yield { kind: 'junk', line: this.#line, text: text.slice(i, nl < 0 ? Math.min(text.length, i + 40) : Math.min(nl, i + 40)) };
        if (nl < 0) {
          this.#skipLine = true;
          return;
        }
        i = nl - 1;
        continue;
      }
      this.#begin();
      start = i;
      this.#depth = 1;
    }
    if (this.#active && start >= 0) this.#take(text, start, text.length);
  }

  *end(): Generator<JsonValueEvent> {
    if (this.#mode === 'lines') {
      if (this.#active) {
        const ev = this.#finish();
        if (ev) yield ev;
      }
      return;
    }
    if (this.#mode === 'array' && this.#arrayState !== 'after') {
      const text = this.#parts.join('').trim();
      if (this.#arrayState === 'before') return;
      if (text !== '' || this.#tooLarge) yield { kind: 'truncated', index: this.#index++, line: this.#startLine, text: text.slice(0, 200) };
      else yield { kind: 'junk', line: this.#line, text: 'the input ends before the array\'s closing "]"' };
      return;
    }
    if (this.#active) {
      const text = this.#parts.join('').trim();
      if (text !== '' || this.#tooLarge) yield { kind: 'truncated', index: this.#index++, line: this.#startLine, text: text.slice(0, 200) };
    }
  }
}
