/**
 * @module The CWE catalog (MITRE Common Weakness Enumeration): weakness, category and view
 * names for display next to CVE records and KEV entries.
 *
 * Reads the official XML (`cwec_vX.Y.xml`, plain or gzipped) as a stream with saxes, or the
 * flat CSV (`type,id,name,abstraction,structure,status,childOf_view1000,description`).
 * Per entry: `ID` as `CWE-79`, `Name`, `Status`, `Abstraction` (weaknesses only; a view's
 * `Type` is not kept) and the description (a weakness's `Description`, a category's
 * `Summary`, a view's `Objective`). The XML root gives the catalog version and date.
 *
 * The XML is untrusted input: a DOCTYPE is refused (so no DTD, no external entity, no
 * entity expansion; saxes by itself neither fetches external entities nor expands
 * DTD-declared ones), nesting is limited, and a run of text, attribute or comment without
 * markup longer than a limit is an error, so memory stays bounded whatever the file.
 *
 * @example
 * const r = await importCwe(store, 'cwec_v4.15.xml.gz'); // { count: 1427, version: '4.15', date: '2024-07-16', … }
 */
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import type { CweEntry, Store } from '../store/index.ts';
import { CsvError, inputChunks, inputLocation, readCsvRecords } from './csv.ts';
import type { CsvInput, ImportInput, InputOptions } from './csv.ts';

export const CWE_SOURCE_ID = 'cwe';

export const CWE_ERROR_CODES = [
  'CWE_XML',
  'CWE_XML_TRUNCATED',
  'CWE_XML_DOCTYPE',
  'CWE_XML_TOO_DEEP',
  'CWE_XML_TEXT_TOO_LARGE',
  'CWE_XML_TOO_LARGE',
  'CWE_XML_ROOT',
  'CWE_GZIP',
  'CWE_CSV',
  'CWE_NO_VERSION',
  'CWE_EMPTY',
] as const;
export type CweErrorCode = (typeof CWE_ERROR_CODES)[number];

export class CweError extends Error {
  override readonly name = 'CweError';
  readonly code: CweErrorCode;
  readonly line?: number;
  constructor(code: CweErrorCode, message: string, line?: number) {
    super(message);
    this.code = code;
    if (line !== undefined) this.line = line;
  }
}

export const CWE_TYPES = ['weakness', 'category', 'view'] as const;
export type CweType = (typeof CWE_TYPES)[number];

export interface CweCatalog {
  /** `Weakness_Catalog/@Version` (e.g. `4.15`); from the options for the CSV. */
  readonly version?: string;
  /** `Weakness_Catalog/@Date` (e.g. `2024-07-16`); from the options for the CSV. */
  readonly date?: string;
  readonly entries: CweEntry[];
  /** Entries skipped (no ID, no name), with where they were. */
  readonly issues: readonly string[];
}

export interface CweXmlOptions {
  /** Deepest element nesting accepted (default 64; the catalog uses about 10). */
  readonly maxDepth?: number;
  /** Longest run of characters without markup: a text node, attribute, comment (default 1 MiB). */
  readonly maxTextLength?: number;
  /** Most characters of XML after decompression (default 512 Mi; v4.15 is about 15 M). */
  readonly maxChars?: number;
  /** Let a DOCTYPE through to saxes, which neither fetches nor expands its entities (tests). */
  readonly allowDoctype?: boolean;
}

/** Element names of the entries and the child each one's description is in. */
const ENTRY_ELEMENTS: Readonly<Record<string, { type: CweType; parent: string; description: string }>> = {
  Weakness: { type: 'weakness', parent: 'Weaknesses', description: 'Description' },
  Category: { type: 'category', parent: 'Categories', description: 'Summary' },
  View: { type: 'view', parent: 'Views', description: 'Objective' },
};

const WRITE_SLICE = 64 * 1024;

interface Pending {
  readonly type: CweType;
  readonly attrs: Record<string, string>;
  readonly depth: number;
  readonly line: number;
  readonly descriptionElement: string;
  description?: string;
  /** Depth of the description element while inside it. */
  inDescription?: number;
}

/** `first` then the rest of a started iterator; closing this closes the source (file, socket). */
async function* withFirst(first: Uint8Array | undefined, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  let done = false;
  try {
    if (first) yield first;
    for (;;) {
      const r = await rest.next();
      if (r.done) {
        done = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!done) await rest.return?.();
  }
}

function asChunks(input: Uint8Array | AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  if (!(input instanceof Uint8Array)) return input;
  return (async function* () {
    yield input;
  })();
}

/**
 * Stream-parse the official CWE XML (plain or gzip, detected by its magic bytes).
 * Throws `CweError` with the line for malformed, truncated or hostile XML.
 */
export async function parseCweXml(input: Uint8Array | AsyncIterable<Uint8Array>, opts: CweXmlOptions = {}): Promise<CweCatalog> {
  const maxDepth = opts.maxDepth ?? 64;
  const maxText = opts.maxTextLength ?? 1024 * 1024;
  const maxChars = opts.maxChars ?? 512 * 1024 * 1024;

  const parser = new SaxesParser({ position: true });
  const entries: CweEntry[] = [];
  const issues: string[] = [];
  let version: string | undefined;
  let date: string | undefined;
  let depth = 0;
  const stack: string[] = [];
  let pending: Pending | undefined;
  // Where the last markup ended: the text since then is what saxes is buffering.
  let markupAt = 0;
  let markupLine = 1;
  const mark = () => {
    markupAt = parser.position;
    markupLine = parser.line;
  };
  let sawRoot = false;

  parser.on('doctype', () => {
    if (!opts.allowDoctype) {
      throw new CweError('CWE_XML_DOCTYPE', `CWE XML line ${parser.line}: a DOCTYPE is not allowed (DTDs and entities are never read)`, parser.line);
    }
    mark();
  });
  parser.on('xmldecl', (decl) => {
    if (decl.encoding !== undefined && !/^utf-?8$/i.test(decl.encoding)) {
      throw new CweError('CWE_XML', `CWE XML line ${parser.line}: encoding "${decl.encoding}" is not supported (UTF-8 only)`, parser.line);
    }
    mark();
  });
  parser.on('comment', mark);
  parser.on('processinginstruction', mark);
  parser.on('cdata', (text) => {
    if (pending?.inDescription !== undefined) appendDescription(text);
    mark();
  });
  parser.on('opentagstart', (tag) => {
    depth++;
    if (depth > maxDepth) {
      throw new CweError('CWE_XML_TOO_DEEP', `CWE XML line ${parser.line}: elements nested deeper than ${maxDepth}`, parser.line);
    }
    if (depth === 1 && tag.name !== 'Weakness_Catalog') {
      throw new CweError('CWE_XML_ROOT', `CWE XML line ${parser.line}: the root element is <${tag.name}>, expected <Weakness_Catalog>`, parser.line);
    }
    mark();
  });
  parser.on('opentag', (tag) => {
    const attrs = tag.attributes as SaxesTagPlain['attributes'];
    if (depth === 1) {
      sawRoot = true;
      version = attrs.Version;
      date = attrs.Date;
    }
    const kind = ENTRY_ELEMENTS[tag.name];
    if (kind && stack.at(-1) === kind.parent && !pending) {
      pending = { type: kind.type, attrs: { ...attrs }, depth, line: parser.line, descriptionElement: kind.description };
    } else if (pending && pending.inDescription === undefined && depth === pending.depth + 1 && tag.name === pending.descriptionElement) {
      pending.inDescription = depth;
      pending.description = '';
    }
    stack.push(tag.name);
    mark();
  });
  parser.on('text', (text) => {
    if (pending?.inDescription !== undefined) appendDescription(text);
    mark();
  });
  parser.on('closetag', () => {
    stack.pop();
    if (pending) {
      if (pending.inDescription === depth) pending.inDescription = undefined;
      else if (pending.depth === depth) {
        const e = toEntry(pending);
        if (typeof e === 'string') issues.push(e);
        else entries.push(e);
        pending = undefined;
      }
    }
    depth--;
    mark();
  });

  function appendDescription(text: string): void {
    const p = pending as Pending;
    if ((p.description?.length ?? 0) + text.length > maxText) {
      throw new CweError('CWE_XML_TEXT_TOO_LARGE', `CWE XML line ${p.line}: description longer than ${maxText} characters`, p.line);
    }
    p.description = (p.description ?? '') + text;
  }

  let chars = 0;
  let started = false;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const write = (text: string) => {
    if (!started) {
      const start = text.search(/[^\s\uFEFF]/);
      if (start >= 0) {
        started = true;
        if (text[start] !== '<') {
          const line = text.slice(0, start).split('\n').length;
          throw new CweError('CWE_XML', `CWE XML line ${line}: not XML (it does not start with "<")`, line);
        }
      }
    }
    chars += text.length;
    if (chars > maxChars) {
      throw new CweError('CWE_XML_TOO_LARGE', `CWE XML is larger than ${maxChars} characters`, parser.line);
    }
    for (let i = 0; i < text.length; i += WRITE_SLICE) {
      try {
        parser.write(text.slice(i, i + WRITE_SLICE));
      } catch (err) {
        throw wrapSaxesError(err, parser.line, parser.column);
      }
      if (parser.position - markupAt > maxText) {
        throw new CweError(
          'CWE_XML_TEXT_TOO_LARGE',
          `CWE XML line ${markupLine}: more than ${maxText} characters of text without markup`,
          markupLine,
        );
      }
    }
  };
  const decode = (bytes: Uint8Array, stream: boolean): string => {
    try {
      return decoder.decode(bytes, { stream });
    } catch {
      throw new CweError('CWE_XML', `CWE XML line ${parser.line}: invalid UTF-8`, parser.line);
    }
  };

  const it = asChunks(input)[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? undefined : first.value;
  const gz = head !== undefined && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const sink = async (source: AsyncIterable<Uint8Array>) => {
    for await (const chunk of source) write(decode(chunk, true));
  };
  try {
    if (gz) await pipeline(withFirst(head, it), createGunzip(), sink);
    else await sink(withFirst(head, it));
  } catch (err) {
    if (err instanceof CweError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      const what = code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt';
      throw new CweError('CWE_GZIP', `CWE XML: the gzip data is ${what} (${(err as Error).message}) after line ${parser.line}`, parser.line);
    }
    throw err;
  }
  write(decode(new Uint8Array(0), false));
  try {
    parser.close();
  } catch (err) {
    if (err instanceof CweError) throw err;
    const msg = saxesMessage(err);
    if (!started) throw new CweError('CWE_XML_TRUNCATED', 'CWE XML is empty', 1);
    if (depth > 0 || !sawRoot) {
      const open = stack.length > 0 ? ` inside <${stack.at(-1)}>` : '';
      throw new CweError('CWE_XML_TRUNCATED', `CWE XML is truncated: it ends at line ${parser.line}${open} (${msg})`, parser.line);
    }
    throw new CweError('CWE_XML', `CWE XML line ${parser.line}: ${msg}`, parser.line);
  }
  if (!sawRoot) throw new CweError('CWE_XML_TRUNCATED', 'CWE XML is empty', 1);
  return { ...(version ? { version } : {}), ...(date ? { date } : {}), entries, issues };
}

function saxesMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/^\d+:\d+: /, '');
}

function wrapSaxesError(err: unknown, line: number, column: number): Error {
  if (err instanceof CweError) return err;
  if (!(err instanceof Error)) return new Error(String(err));
  return new CweError('CWE_XML', `CWE XML line ${line} column ${column}: ${saxesMessage(err)}`, line);
}

const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();

function toEntry(p: Pending): CweEntry | string {
  const { ID: id, Name: name, Status: status, Abstraction: abstraction } = p.attrs;
  const where = `line ${p.line}: ${p.type}`;
  if (id === undefined || !/^[0-9]+$/.test(id)) return `${where} ID ${JSON.stringify(id ?? null)} is not a number, skipped`;
  if (!name?.trim()) return `${where} CWE-${id} has no Name, skipped`;
  // Line breaks and indentation inside the XML element are layout, not content.
  const description = p.description === undefined ? undefined : collapse(p.description);
  return {
    id: `CWE-${id}`,
    name: name.trim(),
    type: p.type,
    ...(p.type === 'weakness' && abstraction ? { abstraction } : {}),
    ...(status ? { status } : {}),
    ...(description ? { description } : {}),
  };
}

export interface CweCsvOptions {
  readonly version?: string;
  readonly date?: string;
}

const CSV_COLUMNS = ['type', 'id', 'name', 'abstraction', 'status', 'description'] as const;

/**
 * Parse the flat CWE CSV (header `type,id,name,abstraction,structure,status,childOf_view1000,description`).
 * It has no version or date: pass them in the options.
 */
export async function parseCweCsv(input: CsvInput, opts: CweCsvOptions = {}): Promise<CweCatalog> {
  const entries: CweEntry[] = [];
  const issues: string[] = [];
  try {
    for await (const ev of readCsvRecords(input, { required: CSV_COLUMNS })) {
      if (ev.kind === 'comment') continue;
      if (ev.kind === 'bad-row') {
        issues.push(`${ev.message}, skipped`);
        continue;
      }
      const v = ev.values;
      const type = v.type.trim().toLowerCase() as CweType;
      const id = v.id.trim().toUpperCase();
      if (!(CWE_TYPES as readonly string[]).includes(type)) {
        issues.push(`line ${ev.line}: type ${JSON.stringify(v.type)} is not weakness, category or view, skipped`);
      } else if (!/^CWE-[0-9]+$/.test(id)) {
        issues.push(`line ${ev.line}: id ${JSON.stringify(v.id)} is not CWE-NNN, skipped`);
      } else if (!v.name.trim()) {
        issues.push(`line ${ev.line}: ${id} has no name, skipped`);
      } else {
        entries.push({
          id,
          name: v.name.trim(),
          type,
          ...(type === 'weakness' && v.abstraction ? { abstraction: v.abstraction } : {}),
          ...(v.status ? { status: v.status } : {}),
          ...(collapse(v.description) ? { description: collapse(v.description) } : {}),
        });
      }
    }
  } catch (err) {
    if (err instanceof CsvError) throw new CweError('CWE_CSV', `CWE CSV ${err.message}`, err.line);
    throw err;
  }
  return { ...(opts.version ? { version: opts.version } : {}), ...(opts.date ? { date: opts.date } : {}), entries, issues };
}

export interface CweImportOptions extends InputOptions, CweXmlOptions, CweCsvOptions {
  /** Default: by file extension (`.xml`, `.xml.gz`, `.csv`), else by content. */
  readonly format?: 'xml' | 'csv';
  readonly now?: () => Date;
}

export interface CweImportResult {
  readonly count: number;
  readonly byType: Readonly<Record<CweType, number>>;
  readonly version: string;
  readonly date?: string;
  readonly format: 'xml' | 'csv';
  readonly location: string;
  readonly issues: readonly string[];
}

function formatFromName(input: ImportInput): 'xml' | 'csv' | undefined {
  if (input instanceof Uint8Array) return undefined;
  const name = (input instanceof URL ? input.pathname : input.replace(/[?#].*$/, '')).toLowerCase();
  if (/\.xml(\.gz)?$/.test(name)) return 'xml';
  if (name.endsWith('.csv')) return 'csv';
  return undefined;
}

/** The version in a CWE file name (`cwec_v4.15.xml`, `cwe-list-v4.15.csv`). */
function versionFromName(input: ImportInput): string | undefined {
  if (input instanceof Uint8Array) return undefined;
  return /v(\d+(?:\.\d+)+)\.(?:xml|csv)/i.exec(input instanceof URL ? input.pathname : input)?.[1];
}

/**
 * Read the CWE catalog (path, URL or bytes; XML, XML.gz or CSV), store its entries and
 * record the `cwe` source (release = catalog version, content date = catalog date).
 * For the CSV the version comes from the options, else from a `vX.Y` in the file name.
 */
export async function importCwe(store: Store, input: ImportInput, opts: CweImportOptions = {}): Promise<CweImportResult> {
  try {
    return await importCweCatalog(store, input, opts);
  } catch (err) {
    // The status page shows why the last sync failed; the entries stay as they were.
    await store.upsertSource({ id: CWE_SOURCE_ID, kind: 'cwe', lastError: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}

async function importCweCatalog(store: Store, input: ImportInput, opts: CweImportOptions): Promise<CweImportResult> {
  const location = inputLocation(input);
  const it = inputChunks(input, opts)[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? new Uint8Array(0) : first.value;
  const chunks = withFirst(head, it);
  let format = opts.format ?? formatFromName(input);
  if (!format) {
    const start = head.findIndex((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0xef && b !== 0xbb && b !== 0xbf);
    format = (head[0] === 0x1f && head[1] === 0x8b) || head[start] === 0x3c ? 'xml' : 'csv';
  }
  const catalog = format === 'xml' ? await parseCweXml(chunks, opts) : await parseCweCsv(chunks, opts);
  const version = opts.version ?? catalog.version ?? versionFromName(input);
  if (!version) {
    throw new CweError('CWE_NO_VERSION', `${location}: the CWE catalog version is unknown: pass it (e.g. { version: '4.15' })`);
  }
  if (catalog.entries.length === 0) {
    throw new CweError('CWE_EMPTY', `${location}: no CWE entries${catalog.issues.length ? `; first problem: ${catalog.issues[0]}` : ''}`);
  }
  const date = opts.date ?? catalog.date;
  const byType: Record<CweType, number> = { weakness: 0, category: 0, view: 0 };
  for (const e of catalog.entries) byType[e.type as CweType]++;
  const count = await store.importCwe(catalog.entries, version);
  await store.upsertSource({
    id: CWE_SOURCE_ID,
    kind: 'cwe',
    description: 'MITRE CWE catalog',
    location,
    release: version,
    ...(date ? { contentDate: date } : {}),
    lastSyncAt: (opts.now?.() ?? new Date()).toISOString(),
    lastError: '',
    counts: { entries: count, weaknesses: byType.weakness, categories: byType.category, views: byType.view, skipped: catalog.issues.length },
  });
  return { count, byType, version, ...(date ? { date } : {}), format, location, issues: catalog.issues };
}
