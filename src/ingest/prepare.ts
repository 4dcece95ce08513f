/**
 * @module Turns one raw item into a record ready to store, or a precise quarantine reason.
 *
 * Order matters for speed: decode, parse, envelope and hash first (cheap); the full
 * schema validation and the summary only for records whose content is new.
 */
import {
  checkEnvelope,
  hashRecordBytes,
  hashRecordJson,
  normalizeCveId,
  recordDateUpdated,
  summarizeRecord,
  validateRecord,
  type CveRecordJson,
  type RecordSummary,
  type ValidationIssue,
} from '../cve/index.ts';
import { summaryRows, type DerivedRows, type FtsDoc, type QuarantineInput, type RecordWrite, type SummaryRows } from '../store/index.ts';
import type { RawItem } from './types.ts';
import { jsonErrorPlace, withoutPosition } from './json-error.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A parsed record whose content hash is known, before validation. */
export interface ParsedItem {
  readonly kind: 'parsed';
  readonly item: RawItem;
  readonly cveId: string;
  readonly record: CveRecordJson;
  readonly json: string;
  readonly hash: string;
}

export interface Rejected {
  readonly kind: 'quarantine';
  readonly entry: QuarantineInput;
}

/** Largest raw copy kept in quarantine; the message says when it was cut. */
export const QUARANTINE_RAW_LIMIT = 1024 * 1024;

export function quarantineEntry(
  source: string,
  position: string,
  code: string,
  message: string,
  raw: Uint8Array,
  extra: { cveId?: string; path?: string } = {},
): Rejected {
  const cut = raw.byteLength > QUARANTINE_RAW_LIMIT;
  return {
    kind: 'quarantine',
    entry: {
      source,
      position,
      code,
      message: cut ? `${message} (raw copy cut to the first ${QUARANTINE_RAW_LIMIT} of ${raw.byteLength} bytes)` : message,
      raw: cut ? raw.subarray(0, QUARANTINE_RAW_LIMIT) : raw,
      ...extra,
    },
  };
}

function describeIssues(issues: readonly ValidationIssue[]): string {
  const shown = issues.slice(0, 5).map((i) => `${i.path || '/'}: ${i.message}`);
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return shown.join('; ') + more;
}

/**
 * Why JSON.parse refused `text`, as "line L column C": where the engine points (or, for a bad
 * literal, where it goes wrong), or where the text ends when it says only that the input ended
 * ("Unexpected end of JSON input"). An error at the end of the text is a truncated record,
 * whatever the engine's wording.
 */
function jsonErrorMessage(err: unknown, text: string): { code: string; message: string } {
  const { truncated, line, column, message } = jsonErrorPlace(err, text);
  const where = line === undefined ? '' : ` at line ${line} column ${column}`;
  // A message that names a position has a line too: the place is said once, as the line.
  const msg = withoutPosition(message);
  return {
    code: truncated ? 'JSON_TRUNCATED' : 'JSON_SYNTAX',
    message: truncated ? `JSON ends early (truncated record)${where}: ${msg}` : `invalid JSON${where}: ${msg}`,
  };
}

/** Why an item cannot be stored, without its raw bytes (the caller has them): becomes a quarantine entry. */
export interface PrepareFailure {
  readonly kind: 'quarantine';
  readonly code: string;
  readonly message: string;
  readonly extra?: { readonly cveId?: string; readonly path?: string };
}

/** A parsed record whose content hash is known, before validation; no raw item attached. */
export interface ParsedRecord {
  readonly kind: 'parsed';
  readonly cveId: string;
  readonly record: CveRecordJson;
  readonly json: string;
  readonly hash: string;
}

/** The outcome of validation and summary for a parsed record. */
export type Completion =
  | { readonly kind: 'valid'; readonly summary: RecordSummary; readonly dateUpdated: string; readonly rows?: SummaryRows }
  | PrepareFailure;

/**
 * A completion as a worker sends it, as JSON text: what the store needs (the date and the
 * rows it writes, `summaryRows`) without the summary itself. The import's thread, the busy
 * one, then parses a smaller text and builds no rows. The summary, should anything read it
 * (a PostgreSQL write of a record with NUL characters), is made again from the stored JSON.
 */
export function encodeCompletion(done: Completion, cveId: string): string {
  if (done.kind !== 'valid') return JSON.stringify(done);
  const { current, derived } = done.rows ?? summaryRows(cveId, done.summary);
  // The full-text title and description are the current row's (`?? ''`): not sent twice.
  const { title: _title, description: _description, ...fts } = derived.fts;
  return JSON.stringify({ kind: 'valid', dateUpdated: done.dateUpdated, current, derived: { ...derived, fts } });
}

/** {@link encodeCompletion}'s text back, for the record whose stored JSON is `json`. */
export function decodeCompletion(completionJson: string, json: string): Completion {
  type Wire = { kind: 'valid'; dateUpdated: string; current: SummaryRows['current']; derived: Omit<DerivedRows, 'fts'> & { fts: Omit<FtsDoc, 'title' | 'description'> } };
  const c = JSON.parse(completionJson) as Wire | PrepareFailure;
  if (c.kind !== 'valid') return c;
  const { current, derived } = c;
  const fts: FtsDoc = { title: current.title ?? '', products: derived.fts.products, description: current.description, keywords: derived.fts.keywords, refs: derived.fts.refs };
  let summary: RecordSummary | undefined;
  return {
    kind: 'valid',
    dateUpdated: c.dateUpdated,
    rows: { current, derived: { ...derived, fts } },
    get summary(): RecordSummary {
      summary ??= summarizeRecord(JSON.parse(json) as CveRecordJson);
      return summary;
    },
  };
}

const fail = (code: string, message: string, extra?: PrepareFailure['extra']): PrepareFailure =>
  extra === undefined ? { kind: 'quarantine', code, message } : { kind: 'quarantine', code, message, extra };

/** The quarantine entry for a failure of the item at `position` whose bytes are `raw`. */
export function toQuarantine(source: string, position: string, raw: Uint8Array, failure: PrepareFailure): Rejected {
  return quarantineEntry(source, position, failure.code, failure.message, raw, failure.extra);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/**
 * Own properties of every object in a JSON.parse result. `for…in` without an array of
 * keys per object (twice as fast as `Object.keys`); it would also count inherited
 * enumerable properties, so the caller first checks `Object.prototype` has none.
 */
function countMembers(value: object): number {
  let n = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v !== null && typeof v === 'object') n += countMembers(v);
    }
    return n;
  }
  const o = value as Record<string, unknown>;
  for (const key in o) {
    n++;
    const v = o[key];
    if (v !== null && typeof v === 'object') n += countMembers(v);
  }
  return n;
}

/** Object.prototype has an enumerable property (someone added one): {@link countMembers} would count it. */
function prototypeTainted(): boolean {
  for (const _ in Object.prototype) return true;
  return false;
}

/**
 * True when `text` is exactly what `JSON.stringify(value)` would write, `value` being
 * `JSON.parse(text)`: then the text is the stored form and the second serialisation is
 * skipped. Checked, never assumed: no whitespace between tokens; only the escapes
 * JSON.stringify writes (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`; any `\u` or `\/` says
 * no); numbers in JavaScript's own form (`String(Number(t)) === t`); no key that starts
 * with a digit (the engine puts integer keys first); and no repeated key (the text's
 * members are as many as the parsed objects' own properties). Real CVE List JSONL
 * lines pass; a pretty-printed cvelistV5 file does not (its first space says so).
 */
export function isMinifiedJson(text: string, value: unknown): boolean {
  const n = text.length;
  let members = 0;
  let backslash = text.indexOf('\\');
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let from = i + 1;
      for (;;) {
        const end = text.indexOf('"', from);
        if (end === -1) return false;
        if (backslash !== -1 && backslash < from) backslash = text.indexOf('\\', from);
        if (backslash === -1 || backslash > end) {
          from = end + 1;
          break;
        }
        const e = text.charCodeAt(backslash + 1);
        // " \ b f n r t
        if (e !== QUOTE && e !== BACKSLASH && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return false;
        from = backslash + 2;
        backslash = text.indexOf('\\', from);
      }
      if (text.charCodeAt(from) === COLON) {
        const first = text.charCodeAt(i + 1);
        if (first >= 0x30 && first <= 0x39) return false;
        members++;
        from++;
      }
      i = from;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      for (; end < n; end++) {
        const d = text.charCodeAt(end);
        if (!((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d)) break;
      }
      const token = text.slice(i, end);
      if (String(Number(token)) !== token) return false;
      i = end;
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) return false;
    i++;
  }
  if (value === null || typeof value !== 'object') return members === 0;
  return !prototypeTainted() && members === countMembers(value);
}

/** Decode, parse and hash one record's bytes; check the envelope and that the file name agrees. */
export function parseBytes(bytes: Uint8Array, nameHint: string | undefined): ParsedRecord | PrepareFailure {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return fail('BAD_UTF8', 'record is not valid UTF-8');
  }
  // Where the text starts in `bytes`: after the BOM the decoder drops, and a second one.
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (text.charCodeAt(0) === 0xfeff) {
    text = text.slice(1);
    start += 3;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const { code, message } = jsonErrorMessage(err, text);
    return fail(code, message);
  }
  const envelope = checkEnvelope(value);
  const rawId = (value as { cveMetadata?: { cveId?: unknown } } | null)?.cveMetadata?.cveId;
  const cveId = typeof rawId === 'string' ? rawId : undefined;
  if (envelope.length > 0) return fail('ENVELOPE', describeIssues(envelope), { cveId, path: envelope[0].path });
  const record = value as CveRecordJson;
  const id = record.cveMetadata.cveId;
  if (nameHint) {
    const hinted = normalizeCveId(nameHint);
    if (hinted !== id) {
      return fail('ID_MISMATCH', `file name says ${nameHint} but cveMetadata.cveId is ${id}`, { cveId: id, path: '/cveMetadata/cveId' });
    }
  }
  // The stored form is the minified JSON; a line that already is it is not written again.
  // Its bytes are then the stored text's too: hashing them spares encoding the text again.
  const minified = isMinifiedJson(text, value);
  const json = minified ? text : JSON.stringify(value);
  return { kind: 'parsed', cveId: id, record, json, hash: minified ? hashRecordBytes(bytes.subarray(start)) : hashRecordJson(json) };
}

/** Full schema validation and the derived summary of a parsed record. */
export function completeRecord(record: CveRecordJson, cveId: string): Completion {
  const result = validateRecord(record);
  if (!result.ok) return fail('SCHEMA', describeIssues(result.issues), { cveId, path: result.issues[0]?.path });
  return { kind: 'valid', summary: summarizeRecord(record), dateUpdated: recordDateUpdated(record) };
}

/** The write for a record that passed {@link completeRecord}. */
export function recordWrite(
  p: { readonly cveId: string; readonly json: string; readonly hash: string },
  done: Extract<Completion, { kind: 'valid' }>,
  source: string,
  origin: string,
): RecordWrite {
  // The summary stays unmade (a worker's is made again on first use) unless something reads it.
  return {
    cveId: p.cveId,
    json: p.json,
    hash: p.hash,
    get summary(): RecordSummary {
      return done.summary;
    },
    rows: done.rows,
    dateUpdated: done.dateUpdated,
    source,
    origin,
  };
}

/** Decode, parse and hash one item; check the envelope and that the file name agrees. */
export function parseItem(item: RawItem, source: string): ParsedItem | Rejected {
  const parsed = parseBytes(item.bytes, item.nameHint);
  if (parsed.kind === 'quarantine') return toQuarantine(source, item.position, item.bytes, parsed);
  return { kind: 'parsed', item, cveId: parsed.cveId, record: parsed.record, json: parsed.json, hash: parsed.hash };
}

/** Full schema validation and the derived summary, for records whose content is new. */
export function completeItem(parsed: ParsedItem, source: string): RecordWrite | Rejected {
  const done = completeRecord(parsed.record, parsed.cveId);
  if (done.kind === 'quarantine') return toQuarantine(source, parsed.item.position, parsed.item.bytes, done);
  return recordWrite(parsed, done, source, parsed.item.position);
}
