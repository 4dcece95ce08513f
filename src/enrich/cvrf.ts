/**
 * @module MITRE's "CVE Output in CVRF 1.1" (`allitems-cvrf.xml`, `allitems-cvrf-year-YYYY.xml`):
 * one `Vulnerability` per CVE name with `Title`, `Notes` (Description, Published, Modified, and
 * for candidates of older files Votes and Comments), `CVE`, `References`; streamed into the same
 * `LegacyEntry` as `allitems.xml`. CVRF has no status element: `status` is absent and the
 * markers (`** RESERVED **`, `** REJECT **`) say what the description says.
 *
 * @example
 * for await (const ev of readCvrf(createReadStream('allitems-cvrf.xml'))) if (ev.kind === 'entry') keep(ev.entry);
 */
import { FieldProblem, recordIssue } from './errors.ts';
import { invalid, missing, toIsoDate } from './fields.ts';
import type { ByteInput } from './input.ts';
import { collapse, legacyDate, legacyMarkers, legacyNames, legacyReplacements } from './legacy.ts';
import type { LegacyComment, LegacyDocumentInfo, LegacyEntry, LegacyReference, LegacyVote, LegacyVoteKind } from './legacy.ts';
import { LEGACY_VOTE_KINDS } from './legacy.ts';
import type { LegacyEvent, LegacyXmlOptions } from './legacy-xml.ts';
import { child, childrenNamed, readXmlRecords } from './xml.ts';
import type { XmlNode } from './xml.ts';

/** `BUGTRAQ:19981223 Re: …` → source `BUGTRAQ`, text `19981223 Re: …` (MITRE's `SOURCE:text` reference form). */
export function splitReferenceText(text: string): { source?: string; text: string } {
  const m = /^([A-Z][A-Z0-9_-]{0,31}):(.*)$/s.exec(text);
  return m ? { source: m[1], text: m[2].trim() } : { text };
}

/** Votes as MITRE writes them in text: `MODIFY(1) Frech | NOOP(2) Northcutt, Wall`. */
export function parseVoteText(text: string): LegacyVote[] {
  const votes: LegacyVote[] = [];
  for (const part of text.split(/\s*\|\s*/)) {
    const m = /^\s*([A-Za-z]+)\s*\((\d+)\)\s*(.*)$/s.exec(part);
    if (!m) continue;
    const vote = m[1].toLowerCase();
    if (!(LEGACY_VOTE_KINDS as readonly string[]).includes(vote)) continue;
    votes.push({ vote: vote as LegacyVoteKind, count: Number(m[2]), voters: collapse(m[3]).split(/\s*,\s*/).filter((s) => s !== '') });
  }
  return votes;
}

/** Comments as MITRE writes them in text: `Christey> text | Frech> text`. */
export function parseCommentText(text: string): LegacyComment[] {
  const out: LegacyComment[] = [];
  // A new comment starts where `| Name>` begins; a `|` inside a comment's text stays.
  for (const part of text.split(/\s*\|\s*(?=[A-Za-z][A-Za-z .'-]{0,40}>)/)) {
    const m = /^\s*([A-Za-z][A-Za-z .'-]{0,40})>\s*(.*)$/s.exec(part);
    if (m) out.push({ voter: m[1].trim(), text: m[2].trim() });
    else if (part.trim() !== '') out.push({ text: part.trim() });
  }
  return out;
}

function vulnerabilityToEntry(n: XmlNode): LegacyEntry {
  const title = child(n, 'Title');
  const cve = child(n, 'CVE');
  const written = (title?.text.trim() || cve?.text.trim()) ?? '';
  if (written === '') missing('Title');
  const names = legacyNames(written, undefined);
  if ('reason' in names) invalid('Title', `is not a CVE name: ${JSON.stringify(written.slice(0, 60))} (${names.reason})`);
  let description: string | undefined;
  let published: string | undefined;
  let modified: string | undefined;
  let votes: LegacyVote[] = [];
  let comments: LegacyComment[] = [];
  for (const note of childrenNamed(child(n, 'Notes') ?? n, 'Note')) {
    const type = note.attrs.Type;
    const noteTitle = note.attrs.Title;
    if (type === 'Description') description = collapse(note.text);
    else if (noteTitle === 'Published' || noteTitle === 'Modified') {
      const d = legacyDate(note.text) ?? toIsoDate(note.text)?.slice(0, 10);
      if (d === undefined) invalid(`Notes/Note[@Title="${noteTitle}"]`, `is not a date: ${JSON.stringify(note.text.trim().slice(0, 40))}`);
      if (noteTitle === 'Published') published = d;
      else modified = d;
    } else if (noteTitle === 'Votes') votes = parseVoteText(note.text);
    else if (noteTitle === 'Comments') comments = parseCommentText(note.text);
  }
  if (description === undefined) missing('Notes/Note[@Type="Description"]');
  const references: LegacyReference[] = [];
  for (const r of childrenNamed(child(n, 'References') ?? n, 'Reference')) {
    const url = child(r, 'URL')?.text.trim();
    const split = splitReferenceText(collapse(child(r, 'Description')?.text ?? ''));
    references.push({ ...(split.source ? { source: split.source } : {}), ...(url ? { url } : {}), text: split.text });
  }
  const ordinal = n.attrs.Ordinal === undefined ? undefined : Number(n.attrs.Ordinal);
  const markers = legacyMarkers(description);
  return {
    kind: 'legacy-entry',
    name: names.name,
    originalName: names.originalName,
    ...(published ? { published } : {}),
    ...(modified ? { modified } : {}),
    description,
    references,
    votes,
    comments,
    markers,
    replacements: legacyReplacements(names.name, description, markers.rejected),
    source: { format: 'cvrf-1.1', line: n.line, ...(ordinal !== undefined && Number.isSafeInteger(ordinal) ? { ordinal } : {}) },
  };
}

function headerInfo(node: XmlNode, info: { version?: string; date?: string; title?: string }): void {
  if (node.name === 'DocumentTitle') info.title = collapse(node.text);
  if (node.name === 'DocumentTracking') {
    const version = child(node, 'Version')?.text.trim();
    const date = child(node, 'InitialReleaseDate')?.text.trim();
    if (version) info.version = version;
    const iso = date ? toIsoDate(date) : undefined;
    if (iso) info.date = iso;
  }
}

/**
 * Stream the entries of MITRE's CVRF 1.1 CVE list. A `Vulnerability` with a bad field is
 * skipped with a `RecordIssue`; malformed or hostile XML throws `EnrichError`.
 */
export async function* readCvrf(input: ByteInput, opts: LegacyXmlOptions = {}): AsyncGenerator<LegacyEvent> {
  const what = opts.name ?? 'allitems-cvrf.xml';
  const info: { version?: string; date?: string; title?: string } = {};
  let read = 0;
  let ok = 0;
  for await (const ev of readXmlRecords(input, { ...opts, what, roots: ['cvrfdoc'], record: 'Vulnerability', headers: true })) {
    if (ev.kind === 'header') headerInfo(ev.node, info);
    if (ev.kind !== 'record') continue;
    const index = read++;
    try {
      const entry = vulnerabilityToEntry(ev.node);
      ok++;
      yield { kind: 'entry', entry };
    } catch (err) {
      if (!(err instanceof FieldProblem)) throw err;
      const id = child(ev.node, 'Title')?.text.trim();
      yield {
        kind: 'issue',
        issue: recordIssue({ source: 'mitre-cvrf', record: `Vulnerability[${index}]`, line: ev.node.line, ...(id ? { recordId: id.slice(0, 64) } : {}) }, err.code, err.field, err.why),
      };
    }
  }
  const doc: LegacyDocumentInfo = { format: 'cvrf-1.1', ...info };
  yield { kind: 'end', info: doc, counts: { read, ok, skipped: read - ok } };
}
