/**
 * @module Where `JSON.parse` failed, for error messages that name a line and column. V8 names
 * a position for most errors but not for an unexpected token (`{"a": tru}`, `[1,,2]`): it then
 * says only `Unexpected token '}', "{"a": tru}" is not valid JSON`, quoting the text. This finds
 * the place itself and leaves the quoted text out of the message.
 */

/** Line and column (both from 1) of the character at `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Where the text ends, leaving out trailing JSON whitespace (space, tab, CR, LF): where a
 * cut-off document stops. Other trailing characters, a no-break space say, are content.
 */
export function endOfContent(text: string): number {
  let end = text.length;
  while (end > 0 && ' \t\r\n'.includes(text[end - 1])) end--;
  return end;
}

/** Thrown inside `jsonErrorOffset` to stop at the first error. */
class Stop {
  readonly at: number;
  constructor(at: number) {
    this.at = at;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'];

/**
 * The offset of the first error in `text` as JSON (lexical or of grammar), by a scan that
 * builds nothing; the text's length when it ends too early; undefined when it is valid or
 * nested too deeply to scan. Only run after `JSON.parse` has failed, to say where.
 */
export function jsonErrorOffset(text: string): number | undefined {
  const n = text.length;
  let i = 0;
  const stop = (): never => {
    throw new Stop(Math.min(i, n));
  };
  const ws = (): void => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = text.charCodeAt(++i));
  };
  const string = (): void => {
    for (i++; i < n; ) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) stop();
      if (c !== 0x5c) {
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          i += 2;
          stop();
        }
        i += 6;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
      else {
        i++;
        stop();
      }
    }
    stop();
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') stop();
          string();
          ws();
          if (text[i] !== ':') stop();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] !== close) stop();
        i++;
        return;
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) stop();
      i = NUMBER.lastIndex;
      return;
    }
    const word = LITERALS.find((w) => w[0] === c);
    if (word === undefined) stop();
    for (const ch of word as string) {
      if (text[i] !== ch) stop();
      i++;
    }
  };
  try {
    value();
    ws();
    if (i < n) stop();
    return undefined;
  } catch (err) {
    if (err instanceof Stop) return err.at;
    if (err instanceof RangeError) return undefined; // nested past the stack
    throw err;
  }
}

/** V8's message without its trailing ` in JSON at position N` (or ` at position N`), for a message that says the place its own way. */
export function withoutPosition(message: string): string {
  return message.replace(/(?: in JSON)? at position \d+$/, '');
}

/**
 * The offset `JSON.parse`'s error points at, and its message without V8's quotation of the
 * text: the engine's own position when it gives one, else the one `jsonErrorOffset` finds.
 */
export function jsonErrorAt(err: unknown, text: string): { offset: number | undefined; message: string } {
  // V8 ends some messages with its own "(line L column C)": the caller says where, once.
  let message = (err instanceof Error ? err.message : String(err)).replace(/ \(line \d+ column \d+\)$/, '');
  const pos = /position (\d+)/.exec(message);
  if (pos) return { offset: Number(pos[1]), message };
  const token = /^Unexpected token '([\s\S])', [\s\S]* is not valid JSON$/.exec(message);
  if (token) message = `Unexpected token ${JSON.stringify(token[1])}`;
  return { offset: token ? jsonErrorOffset(text) : undefined, message };
}

/** Where `JSON.parse(text)` failed and why, as messages say it. */
export interface JsonErrorPlace {
  /** The text ends before the document does (cut off), rather than holding a wrong character. */
  readonly truncated: boolean;
  /** Line and column of the error (from 1); undefined when neither V8 nor the scan can tell. */
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** V8's message without its quotation of the text. */
  readonly message: string;
}

const ENDS_EARLY = /Unexpected end of JSON input|Unterminated string|end of data/i;

/** {@link jsonErrorAt} as a line and column, and whether the text was cut off. */
export function jsonErrorPlace(err: unknown, text: string): JsonErrorPlace {
  const { offset: at, message } = jsonErrorAt(err, text);
  const end = endOfContent(text);
  const endsEarly = ENDS_EARLY.test(message);
  const offset = at ?? (endsEarly ? end : undefined);
  const truncated = endsEarly || (offset !== undefined && offset >= end);
  if (offset === undefined) return { truncated, line: undefined, column: undefined, message };
  return { truncated, ...lineAndColumn(text, offset), message };
}

/**
 * Why one element of a larger input (an NVD record, a JSON member) is not valid JSON:
 * `at column 35: Unexpected end of JSON input`, `at its line 3 column 7: Unexpected token "}"`.
 * The place is within the element, whose own line in the input the caller names.
 */
export function elementJsonError(err: unknown, text: string): string {
  const p = jsonErrorPlace(err, text);
  const where = p.line === undefined ? '' : p.line === 1 ? ` at column ${p.column}` : ` at its line ${p.line} column ${p.column}`;
  return `${p.truncated ? 'cut short' : 'not valid JSON'}${where}: ${withoutPosition(p.message)}`;
}
