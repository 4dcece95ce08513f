/**
 * @module Turns one raw item into a record ready to store, or a precise quarantine reason.
 *
 * Order matters for speed: decode, parse, envelope and hash first (cheap); the full
 * schema validation and the summary only for records whose content is new.
 */
import {
  checkEnvelope,
  hashRecordJson,
  normalizeCveId,
  recordDateUpdated,
  summarizeRecord,
  validateRecord,
  type CveRecordJson,
  type ValidationIssue,
} from '../cve/index.ts';
import type { QuarantineInput, RecordWrite } from '../store/index.ts';
import type { RawItem } from './types.ts';

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

/** Where in the text a JSON.parse error points, as "line L column C" when the engine says. */
function jsonErrorMessage(err: unknown, text: string): { code: string; message: string } {
  const msg = err instanceof Error ? err.message : String(err);
  const truncated = /Unexpected end of JSON input|Unterminated string|end of data/i.test(msg);
  const pos = /position (\d+)/.exec(msg);
  let where = '';
  if (pos) {
    const offset = Number(pos[1]);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    where = ` at line ${line} column ${column}`;
  }
  return {
    code: truncated ? 'JSON_TRUNCATED' : 'JSON_SYNTAX',
    message: truncated ? `JSON ends early (truncated record)${where}: ${msg}` : `invalid JSON${where}: ${msg}`,
  };
}

/** Decode, parse and hash one item; check the envelope and that the file name agrees. */
export function parseItem(item: RawItem, source: string): ParsedItem | Rejected {
  let text: string;
  try {
    text = utf8.decode(item.bytes);
  } catch {
    return quarantineEntry(source, item.position, 'BAD_UTF8', 'record is not valid UTF-8', item.bytes);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const { code, message } = jsonErrorMessage(err, text);
    return quarantineEntry(source, item.position, code, message, item.bytes);
  }
  const envelope = checkEnvelope(value);
  const rawId = (value as { cveMetadata?: { cveId?: unknown } } | null)?.cveMetadata?.cveId;
  const cveId = typeof rawId === 'string' ? rawId : undefined;
  if (envelope.length > 0) {
    return quarantineEntry(source, item.position, 'ENVELOPE', describeIssues(envelope), item.bytes, {
      cveId,
      path: envelope[0].path,
    });
  }
  const record = value as CveRecordJson;
  const id = record.cveMetadata.cveId;
  if (item.nameHint) {
    const hinted = normalizeCveId(item.nameHint);
    if (hinted !== id) {
      return quarantineEntry(
        source,
        item.position,
        'ID_MISMATCH',
        `file name says ${item.nameHint} but cveMetadata.cveId is ${id}`,
        item.bytes,
        { cveId: id, path: '/cveMetadata/cveId' },
      );
    }
  }
  const json = JSON.stringify(value);
  return { kind: 'parsed', item, cveId: id, record, json, hash: hashRecordJson(json) };
}

/** Full schema validation and the derived summary, for records whose content is new. */
export function completeItem(parsed: ParsedItem, source: string): RecordWrite | Rejected {
  const result = validateRecord(parsed.record);
  if (!result.ok) {
    return quarantineEntry(source, parsed.item.position, 'SCHEMA', describeIssues(result.issues), parsed.item.bytes, {
      cveId: parsed.cveId,
      path: result.issues[0]?.path,
    });
  }
  return {
    cveId: parsed.cveId,
    json: parsed.json,
    hash: parsed.hash,
    summary: summarizeRecord(parsed.record),
    dateUpdated: recordDateUpdated(parsed.record),
    source,
    origin: parsed.item.position,
  };
}
