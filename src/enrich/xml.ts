/**
 * @module A safe streaming XML reader for MITRE's legacy files: yields each record element
 * (`item`, `Vulnerability`) as a small tree, one at a time, so memory stays bounded by the
 * largest record whatever the file's size.
 *
 * The input is untrusted: a DOCTYPE is refused, so no DTD is read, no external entity is ever
 * fetched (XXE) and no entity is expanded (billion laughs); saxes itself neither fetches nor
 * expands, and knows only the five predefined entities. Nesting, runs of text without markup,
 * a record's total size and the whole file are limited; the same approach as `ingest/cwe.ts`.
 * @internal
 */
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import { EnrichError } from './errors.ts';
import { peekBytes, plainBytes, textChunks } from './input.ts';
import type { ByteInput } from './input.ts';

export interface XmlLimits {
  /** Deepest element nesting (default 32; allitems.xml uses 4, CVRF 6). */
  readonly maxDepth?: number;
  /** Longest run of characters without markup: text, attribute, comment (default 1 Mi). */
  readonly maxTextLength?: number;
  /** Most characters in one record (default 8 Mi; the largest allitems.xml item is ~100 K). */
  readonly maxRecordChars?: number;
  /** Most bytes after decompression (default 8 GiB). */
  readonly maxBytes?: number;
}

/** An element of a record: local name (no prefix), attributes, direct text, children. */
export interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  text: string;
  readonly children: XmlNode[];
  readonly line: number;
}

export type XmlEvent =
  | { readonly kind: 'root'; readonly name: string; readonly attrs: Readonly<Record<string, string>> }
  /** A record element, whole. */
  | { readonly kind: 'record'; readonly node: XmlNode }
  /** Another child of the root (a document header), whole but bounded like a record. */
  | { readonly kind: 'header'; readonly node: XmlNode };

export interface XmlReadSpec extends XmlLimits {
  /** Root element local names accepted. */
  readonly roots: readonly string[];
  /** Local name of the record elements (children of the root). */
  readonly record: string;
  /** Collect other children of the root as `header` events (else skipped). */
  readonly headers?: boolean;
  /** For messages. */
  readonly what: string;
}

/** Text handed to saxes at once; the text-run limit is checked between writes, so it bounds memory with `maxTextLength`. */
const WRITE_SLICE = 1024 * 1024;
const local = (name: string): string => {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
};

/** The encoding named in the XML declaration, among those we read (the legacy files say US-ASCII or ISO-8859-1). */
function declaredEncoding(head: Uint8Array, what: string): 'utf-8' | 'latin1' {
  const text = Buffer.from(head).toString('latin1');
  const m = /^\uFEFF?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(text.replace(/^\xEF\xBB\xBF/, ''));
  if (!m) return 'utf-8';
  const enc = m[1].toLowerCase();
  if (enc === 'utf-8' || enc === 'utf8' || enc === 'us-ascii' || enc === 'ascii') return 'utf-8';
  // WHATWG decodes ISO-8859-1 as windows-1252, a superset for the printable range MITRE used.
  if (enc === 'iso-8859-1' || enc === 'latin1' || enc === 'windows-1252' || enc === 'cp1252') return 'latin1';
  throw new EnrichError('ENRICH_XML_ENCODING', `${what}: encoding "${m[1]}" is not supported (UTF-8, US-ASCII, ISO-8859-1)`, 1);
}

/**
 * Stream the records of an XML document. Throws `EnrichError` (ENRICH_XML_*) with the line
 * for malformed, truncated or hostile XML; records before the error have been yielded.
 */
export async function* readXmlRecords(input: ByteInput, spec: XmlReadSpec): AsyncGenerator<XmlEvent> {
  const { what } = spec;
  const maxDepth = spec.maxDepth ?? 32;
  const maxText = spec.maxTextLength ?? 1024 * 1024;
  const maxRecord = spec.maxRecordChars ?? 8 * 1024 * 1024;
  const parser = new SaxesParser({ position: true });
  const out: XmlEvent[] = [];
  const stack: XmlNode[] = [];
  let depth = 0;
  let sawRoot = false;
  let rootName = '';
  let recordChars = 0;
  let markupAt = 0;
  let markupLine = 1;
  const mark = () => {
    markupAt = parser.position;
    markupLine = parser.line;
  };
  const fail = (code: ConstructorParameters<typeof EnrichError>[0], message: string, line = parser.line): never => {
    throw new EnrichError(code, `${what} line ${line}: ${message}`, line);
  };
  const addText = (text: string) => {
    const top = stack.at(-1);
    if (top) {
      recordChars += text.length;
      if (recordChars > maxRecord) fail('ENRICH_XML_RECORD_TOO_LARGE', `<${stack[0].name}> starting at line ${stack[0].line} is larger than ${maxRecord} characters`);
      top.text += text;
    }
  };

  // At most seven handlers: with an eighth, V8 turns the parser object's properties into a
  // dictionary and saxes runs ~4x slower over the whole file (measured: 0.5 s vs 2.0 s CPU for
  // 20 MB). So no `xmldecl` or `processinginstruction` handler: the declaration is at offset 0
  // anyway, and a processing instruction counts toward the run of text that the next markup ends.
  parser.on('doctype', () => fail('ENRICH_XML_DOCTYPE', 'a DOCTYPE is not allowed (DTDs and entities are never read)'));
  parser.on('comment', mark);
  parser.on('opentagstart', (tag) => {
    depth++;
    if (depth > maxDepth) fail('ENRICH_XML_TOO_DEEP', `elements nested deeper than ${maxDepth}`);
    if (depth === 1 && !spec.roots.includes(local(tag.name))) {
      fail('ENRICH_XML_ROOT', `the root element is <${tag.name}>, expected <${spec.roots.join('> or <')}>`);
    }
    mark();
  });
  parser.on('opentag', (tag) => {
    const name = local(tag.name);
    const attrs = tag.attributes as SaxesTagPlain['attributes'];
    if (depth === 1) {
      sawRoot = true;
      rootName = name;
      out.push({ kind: 'root', name, attrs });
    } else if (depth === 2) {
      if (name === spec.record || spec.headers) {
        recordChars = 0;
        // saxes makes a new attributes object per tag: keeping it needs no copy.
        stack.push({ name, attrs, text: '', children: [], line: parser.line });
      }
    } else if (stack.length > 0) {
      const n: XmlNode = { name, attrs, text: '', children: [], line: parser.line };
      for (const v of Object.values(attrs)) recordChars += v.length;
      stack.at(-1)?.children.push(n);
      stack.push(n);
    }
    mark();
  });
  parser.on('text', (text) => {
    addText(text);
    mark();
  });
  parser.on('cdata', (text) => {
    addText(text);
    mark();
  });
  parser.on('closetag', () => {
    if (depth >= 2 && stack.length > 0) {
      const n = stack.pop() as XmlNode;
      if (stack.length === 0) out.push({ kind: n.name === spec.record ? 'record' : 'header', node: n });
    }
    depth--;
    mark();
  });

  // Characters handed to saxes so far. After `write` returns, saxes's own `position` counts
  // the last chunk twice (its index is not reset), so the text-run check uses this count.
  let written = 0;
  const write = (text: string) => {
    for (let i = 0; i < text.length; i += WRITE_SLICE) {
      const slice = text.length <= WRITE_SLICE ? text : text.slice(i, i + WRITE_SLICE);
      try {
        parser.write(slice);
      } catch (err) {
        if (err instanceof EnrichError) throw err;
        fail('ENRICH_XML', `column ${parser.column}: ${saxesMessage(err)}`);
      }
      written += slice.length;
      if (written - markupAt > maxText) {
        fail('ENRICH_XML_TEXT_TOO_LARGE', `more than ${maxText} characters of text without markup`, markupLine);
      }
    }
  };

  const bytes = plainBytes(input, what, spec);
  const { head, all } = await peekBytes(bytes, 256);
  if (head.length === 0) throw new EnrichError('ENRICH_XML_TRUNCATED', `${what}: empty`, 1);
  const encoding = declaredEncoding(head, what);
  let started = false;
  for await (const text of textChunks(all, what, encoding)) {
    if (!started) {
      const at = text.search(/[^\s\uFEFF]/);
      if (at >= 0) {
        started = true;
        if (text[at] !== '<') fail('ENRICH_XML', 'not XML (it does not start with "<")', 1);
      }
    }
    write(text);
    if (out.length > 0) {
      yield* out;
      out.length = 0;
    }
  }
  try {
    parser.close();
  } catch (err) {
    if (err instanceof EnrichError) throw err;
    if (depth > 0 || !sawRoot) {
      fail('ENRICH_XML_TRUNCATED', `the XML ends inside <${rootName || '?'}> (truncated: ${saxesMessage(err)})`);
    }
    fail('ENRICH_XML', saxesMessage(err));
  }
  if (!sawRoot) fail('ENRICH_XML_TRUNCATED', 'no root element');
  yield* out;
}

function saxesMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/^[^:]*:\d+:\d+: /, '').replace(/^\d+:\d+: /, '');
}

/** Children of `node` called `name`. */
export function childrenNamed(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((c) => c.name === name);
}

export function child(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((c) => c.name === name);
}
