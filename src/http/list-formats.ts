/**
 * @module Lists of records in every format, written piece by piece so a year, the rejected
 * names or a whole export stream without being held in memory: JSON (an envelope with the
 * content date, then one item per record), JSON Lines (the stored CVE JSON 5 records),
 * CSV, cve_1.0 XML and plain text. Each states the CVE content date first (X1520-9.1).
 */
import { summarizeRecord, type CveRecordJson, type RecordSummary } from '../cve/index.ts';
import {
  contentFields,
  csvHeader,
  cveXmlFooter,
  cveXmlHeader,
  highestMetric,
  textListHeader,
  toCsvRow,
  toCveXmlItem,
  toTextListLine,
  type ContentDate,
} from '../formats/index.ts';
import type { Store } from '../store/index.ts';

/** A stored record, read lazily: the JSON text as stored and its parse and summary on demand. */
export interface ListRecord {
  readonly cveId: string;
  readonly json: string;
}

export const LIST_FORMATS = ['json', 'jsonl', 'csv', 'xml', 'txt'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

export const LIST_TYPES: Readonly<Record<ListFormat, string>> = {
  json: 'application/json; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
  xml: 'application/xml; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

/** The short item every JSON list and search answer carries: the CVE name first (X1520-6.10). */
export interface ListItem {
  readonly cveId: string;
  readonly state: string;
  readonly title?: string;
  readonly description: string;
  readonly assigner?: string;
  readonly datePublished?: string;
  readonly dateUpdated?: string;
  readonly dateRejected?: string;
  readonly cvss?: { readonly version: string; readonly score: number; readonly severity: string };
  readonly kev: boolean;
  /** Names to use instead of a rejected one (X1520-7.8). */
  readonly replacedBy: readonly string[];
  readonly url: string;
}

export function listItemOf(s: RecordSummary): ListItem {
  const best = highestMetric(s.metrics);
  return {
    cveId: s.cveId,
    state: s.state,
    ...(s.title !== undefined && { title: s.title }),
    description: s.description,
    ...(s.assignerShortName !== undefined && { assigner: s.assignerShortName }),
    ...(s.dates.published !== undefined && { datePublished: s.dates.published }),
    ...(s.dates.updated !== undefined && { dateUpdated: s.dates.updated }),
    ...(s.dates.rejected !== undefined && { dateRejected: s.dates.rejected }),
    ...(best !== undefined && { cvss: { version: best.version, score: best.baseScore, severity: best.baseSeverity } }),
    kev: s.kev !== undefined,
    replacedBy: [...new Set(s.replacements.map((r) => r.target))],
    url: `/cve/${s.cveId}`,
  };
}

function parse(r: ListRecord): { record: CveRecordJson; summary: RecordSummary } {
  const record = JSON.parse(r.json) as CveRecordJson;
  return { record, summary: summarizeRecord(record) };
}

export interface ListMeta {
  readonly title: string;
  readonly ctx: ContentDate;
  /** Extra envelope fields for JSON (query, year…). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * A list as chunks of text. XML needs at least one item (cve_1.0): with none the XML answer
 * is a document with a comment saying the list is empty and no `<cve>` element… which is
 * not valid, so callers check {@link peek} first and answer 404 instead.
 */
export async function* listChunks(format: ListFormat, meta: ListMeta, records: AsyncIterable<ListRecord>): AsyncGenerator<string> {
  let n = 0;
  switch (format) {
    case 'json': {
      const head = JSON.stringify({ title: meta.title, ...contentFields(meta.ctx), generatedAt: meta.ctx.generatedAt, ...meta.extra });
      yield `${head.slice(0, -1)},"items":[`;
      for await (const r of records) yield `${n++ ? ',' : ''}\n${JSON.stringify(listItemOf(parse(r).summary))}`;
      yield `\n],"count":${n}}\n`;
      return;
    }
    case 'jsonl': {
      // First line: what the export is and the date of its content; then one stored record per line, unchanged.
      yield `${JSON.stringify({ cvekitExport: { title: meta.title, ...contentFields(meta.ctx), generatedAt: meta.ctx.generatedAt, ...meta.extra } })}\n`;
      for await (const r of records) yield `${r.json}\n`;
      return;
    }
    case 'csv': {
      yield csvHeader();
      for await (const r of records) yield toCsvRow(parse(r).summary, meta.ctx);
      return;
    }
    case 'xml': {
      yield cveXmlHeader(meta.ctx);
      for await (const r of records) {
        const { record, summary } = parse(r);
        yield toCveXmlItem(record, summary);
      }
      yield cveXmlFooter();
      return;
    }
    case 'txt': {
      yield textListHeader(meta.title, meta.ctx);
      for await (const r of records) yield `${toTextListLine(parse(r).summary)}\n`;
      return;
    }
  }
}

/** The first item of an async iterable and an iterable that still yields it: to answer an empty list differently. */
export async function peek<T>(source: AsyncIterable<T>): Promise<{ readonly empty: boolean; readonly items: AsyncIterable<T> }> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return { empty: true, items: (async function* () {})() };
  return {
    empty: false,
    items: (async function* () {
      yield first.value;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    })(),
  };
}

/** The records of search hits, in hit order, read a few at a time. */
export async function* recordsOf(store: Store, ids: readonly string[], concurrency = 16): AsyncGenerator<ListRecord> {
  for (let i = 0; i < ids.length; i += concurrency) {
    const batch = await Promise.all(ids.slice(i, i + concurrency).map((id) => store.getRecord(id)));
    for (const r of batch) if (r) yield { cveId: r.cveId, json: r.json };
  }
}
