/**
 * @module MITRE's `allitems.csv`: a few header lines (`CVE Version 20061101`, `Date: …`), the
 * column row `Name,Status,Description,References,Phase,Votes,Comments`, empty rows, then one
 * row per entry or candidate. References are `SOURCE:text` joined by ` | ` with each URL as
 * a `URL:…` item after its reference; the phase is `Modified (20051217)`; votes
 * `MODIFY(1) Frech | NOOP(2) Northcutt, Wall`; comments `Christey> text | Frech> text`.
 * Read as a stream with the shared CSV reader into `LegacyEntry` records.
 *
 * @example
 * for await (const ev of readLegacyCsv(createReadStream('allitems.csv'))) if (ev.kind === 'entry') keep(ev.entry);
 */
import { CsvError, readCsv } from '../ingest/csv.ts';
import { EnrichError, FieldProblem, recordIssue } from './errors.ts';
import { invalid, missing } from './fields.ts';
import { plainBytes } from './input.ts';
import type { ByteInput, ByteLimits } from './input.ts';
import { parseCommentText, parseVoteText } from './cvrf.ts';
import { LEGACY_STATUSES, collapse, legacyDate, legacyMarkers, legacyNames, legacyReplacements } from './legacy.ts';
import type { LegacyDocumentInfo, LegacyEntry, LegacyReference, LegacyStatus } from './legacy.ts';
import type { LegacyEvent } from './legacy-xml.ts';

const COLUMNS = ['Name', 'Status', 'Description', 'References', 'Phase', 'Votes', 'Comments'] as const;

export interface LegacyCsvOptions extends ByteLimits {
  /** What to call the input in messages (default `allitems.csv`). */
  readonly name?: string;
}

/** `SOURCE:text | URL:http://… | SOURCE:text` into references, each URL joined to the reference before it. */
export function parseReferenceList(text: string): LegacyReference[] {
  const refs: { source?: string; url?: string; text: string }[] = [];
  if (text.trim() === '') return refs;
  for (const part of text.split(/\s*\|\s*(?=[A-Z][A-Z0-9_-]{0,31}:)/)) {
    const m = /^\s*([A-Z][A-Z0-9_-]{0,31}):(.*)$/s.exec(part);
    if (!m) {
      if (part.trim() !== '') refs.push({ text: collapse(part) });
      continue;
    }
    const [, source, rest] = m;
    const body = collapse(rest);
    const last = refs.at(-1);
    if (source === 'URL' && last && last.url === undefined) last.url = body;
    else if (source === 'URL') refs.push({ url: body, text: body });
    else refs.push({ source, text: body });
  }
  return refs;
}

function rowToEntry(v: readonly string[], line: number): LegacyEntry {
  const [written, statusText, descText, refsText, phaseText, votesText, commentsText] = v;
  if (written.trim() === '') missing('Name');
  const names = legacyNames(written, undefined);
  if ('reason' in names) invalid('Name', `is not a CVE name: ${JSON.stringify(written.slice(0, 60))} (${names.reason})`);
  let status: LegacyStatus | undefined;
  if (statusText.trim() !== '') {
    if (!(LEGACY_STATUSES as readonly string[]).includes(statusText.trim())) invalid('Status', `is ${JSON.stringify(statusText.trim())}, not Entry or Candidate`);
    status = statusText.trim() as LegacyStatus;
  }
  // `Modified (20051217)`, or the phase alone.
  const pm = /^\s*([A-Za-z]+)?\s*(?:\((\d{8})\))?\s*$/.exec(phaseText);
  if (!pm) invalid('Phase', `is not "Phase (YYYYMMDD)": ${JSON.stringify(phaseText.slice(0, 40))}`);
  const phaseDate = pm[2] ? legacyDate(pm[2]) : undefined;
  if (pm[2] && !phaseDate) invalid('Phase', `has no real date: ${JSON.stringify(pm[2])}`);
  const description = collapse(descText);
  const markers = legacyMarkers(description);
  // The CSV writes a candidate's name as CVE-…; the status says it was a candidate.
  const originalName = status === 'Candidate' && names.originalName.startsWith('CVE-') ? `CAN-${names.originalName.slice(4)}` : names.originalName;
  return {
    kind: 'legacy-entry',
    name: names.name,
    originalName,
    ...(status ? { status } : {}),
    ...(pm[1] ? { phase: pm[1] } : {}),
    ...(phaseDate ? { phaseDate } : {}),
    description,
    references: parseReferenceList(refsText),
    votes: parseVoteText(votesText),
    comments: parseCommentText(commentsText),
    markers,
    replacements: legacyReplacements(names.name, description, markers.rejected),
    source: { format: 'allitems-csv', line },
  };
}

/**
 * Stream the entries of `allitems.csv` (plain or gzip). A row with a bad field or the wrong
 * number of fields is skipped with a `RecordIssue` naming its line; a broken CSV throws `EnrichError`.
 */
export async function* readLegacyCsv(input: ByteInput, opts: LegacyCsvOptions = {}): AsyncGenerator<LegacyEvent> {
  const what = opts.name ?? 'allitems.csv';
  const info: { version?: string; date?: string } = {};
  let header = false;
  let read = 0;
  let ok = 0;
  try {
    for await (const ev of readCsv(plainBytes(input, what, opts), { skipEmptyLines: true })) {
      if (ev.kind !== 'row') continue;
      const fields = ev.fields;
      if (!header) {
        if (fields[0]?.trim() === 'Name') {
          const missingCols = COLUMNS.filter((c, i) => fields[i]?.trim() !== c);
          if (missingCols.length > 0) throw new EnrichError('ENRICH_LEGACY_CSV_HEADER', `${what} line ${ev.line}: the header is not ${COLUMNS.join(',')}`, ev.line);
          header = true;
          continue;
        }
        // Lines before the header: `CVE Version 20061101`, `Date: 20250101`.
        for (const f of fields) {
          const version = /CVE Version\s+(\S+)/i.exec(f);
          if (version) info.version = version[1];
          const date = /Date:\s*(\d{8}|\d{4}-\d{2}-\d{2})/i.exec(f);
          if (date) {
            const d = legacyDate(date[1]);
            if (d) info.date = `${d}T00:00:00.000Z`;
          }
        }
        if (ev.line > 50) throw new EnrichError('ENRICH_LEGACY_CSV_HEADER', `${what}: no "Name,Status,Description,…" header in the first 50 lines`, ev.line);
        continue;
      }
      if (fields.every((f) => f.trim() === '')) continue; // MITRE's `,,,,,,` spacer rows
      const index = read++;
      const base = { source: 'mitre-csv' as const, record: `line ${ev.line}`, line: ev.line, ...(fields[0] ? { recordId: fields[0].slice(0, 64) } : {}) };
      if (fields.length !== COLUMNS.length) {
        yield { kind: 'issue', issue: recordIssue(base, 'RECORD_MALFORMED', undefined, `has ${fields.length} fields, expected ${COLUMNS.length}`) };
        continue;
      }
      try {
        const entry = rowToEntry(fields, ev.line);
        ok++;
        yield { kind: 'entry', entry };
      } catch (err) {
        if (!(err instanceof FieldProblem)) throw err;
        yield { kind: 'issue', issue: recordIssue(base, err.code, err.field, err.why) };
      }
      void index;
    }
  } catch (err) {
    if (err instanceof CsvError) throw new EnrichError('ENRICH_CSV', `${what} ${err.message}`, err.line);
    throw err;
  }
  if (!header) throw new EnrichError('ENRICH_LEGACY_CSV_HEADER', `${what}: no "Name,Status,Description,…" header`);
  const doc: LegacyDocumentInfo = { format: 'allitems-csv', ...info };
  yield { kind: 'end', info: doc, counts: { read, ok, skipped: read - ok } };
}
