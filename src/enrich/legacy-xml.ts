/**
 * @module MITRE's `allitems.xml` (cve_1.0, `http://cve.mitre.org/cve/downloads/1.0`): every
 * entry and candidate with status, phase, description, references, Editorial Board votes and
 * comments, read as a stream (the full file is 100+ MB) into `LegacyEntry` records.
 *
 * @example
 * for await (const ev of readLegacyXml(createReadStream('allitems.xml.gz'))) {
 *   if (ev.kind === 'entry') keep(ev.entry); // { name: 'CVE-1999-0001', originalName: 'CAN-1999-0001', … }
 * }
 */
import { FieldProblem, recordIssue } from './errors.ts';
import type { RecordIssue } from './errors.ts';
import { invalid, missing } from './fields.ts';
import type { ByteInput } from './input.ts';
import { LEGACY_STATUSES, LEGACY_VOTE_KINDS, collapse, legacyDate, legacyMarkers, legacyNames, legacyReplacements } from './legacy.ts';
import type { LegacyComment, LegacyDocumentInfo, LegacyEntry, LegacyReference, LegacyStatus, LegacyVote, LegacyVoteKind } from './legacy.ts';
import { child, childrenNamed, readXmlRecords } from './xml.ts';
import type { XmlLimits, XmlNode } from './xml.ts';

export interface LegacyCounts {
  readonly read: number;
  readonly ok: number;
  readonly skipped: number;
}

/** Events of the legacy readers: entries, per-entry issues, then `end`. */
export type LegacyEvent =
  | { readonly kind: 'entry'; readonly entry: LegacyEntry }
  | { readonly kind: 'issue'; readonly issue: RecordIssue }
  | { readonly kind: 'end'; readonly info: LegacyDocumentInfo; readonly counts: LegacyCounts };

export interface LegacyXmlOptions extends XmlLimits {
  /** What to call the input in messages (default `allitems.xml`). */
  readonly name?: string;
}

function itemToEntry(n: XmlNode): LegacyEntry {
  const written = n.attrs.name;
  if (written === undefined || written.trim() === '') missing('@name');
  const type = n.attrs.type;
  if (type !== undefined && type !== 'CAN' && type !== 'CVE') invalid('@type', `is ${JSON.stringify(type)}, not CAN or CVE`);
  const names = legacyNames(written, type);
  if ('reason' in names) invalid('@name', `is not a CVE name: ${JSON.stringify(written)} (${names.reason})`);
  const statusNode = child(n, 'status');
  let status: LegacyStatus | undefined;
  if (statusNode) {
    const s = statusNode.text.trim();
    if (!(LEGACY_STATUSES as readonly string[]).includes(s)) invalid('status', `is ${JSON.stringify(s)}, not Entry or Candidate`);
    status = s as LegacyStatus;
  }
  const phaseNode = child(n, 'phase');
  const phase = phaseNode ? collapse(phaseNode.text) : undefined;
  let phaseDate: string | undefined;
  if (phaseNode?.attrs.date !== undefined && phaseNode.attrs.date.trim() !== '') {
    phaseDate = legacyDate(phaseNode.attrs.date);
    if (phaseDate === undefined) invalid('phase/@date', `is not a date: ${JSON.stringify(phaseNode.attrs.date)}`);
  }
  const descNode = child(n, 'desc');
  if (!descNode) missing('desc');
  const description = collapse(descNode.text);
  const references: LegacyReference[] = [];
  for (const refs of childrenNamed(n, 'refs')) {
    for (const r of childrenNamed(refs, 'ref')) {
      const source = r.attrs.source?.trim();
      const url = r.attrs.url?.trim();
      references.push({ ...(source ? { source } : {}), ...(url ? { url } : {}), text: collapse(r.text) });
    }
  }
  const votes: LegacyVote[] = [];
  for (const v of child(n, 'votes')?.children ?? []) {
    if (!(LEGACY_VOTE_KINDS as readonly string[]).includes(v.name)) invalid(`votes/${v.name}`, 'is not a cve_1.0 vote kind');
    const count = v.attrs.count === undefined ? undefined : Number(v.attrs.count);
    if (count !== undefined && !(Number.isSafeInteger(count) && count >= 0)) invalid(`votes/${v.name}/@count`, `is not a count: ${JSON.stringify(v.attrs.count)}`);
    const voters = collapse(v.text).split(/\s*,\s*/).filter((s) => s !== '');
    votes.push({ vote: v.name as LegacyVoteKind, ...(count !== undefined ? { count } : {}), voters });
  }
  const comments: LegacyComment[] = childrenNamed(child(n, 'comments') ?? ({ children: [] } as unknown as XmlNode), 'comment').map((c) => {
    const voter = c.attrs.voter?.trim();
    // A comment's line breaks are the voter's own: keep them, trim the ends only.
    return { ...(voter ? { voter } : {}), text: c.text.replace(/\r\n?/g, '\n').trim() };
  });
  const markers = legacyMarkers(description);
  return {
    kind: 'legacy-entry',
    name: names.name,
    originalName: names.originalName,
    ...(status ? { status } : {}),
    ...(phase ? { phase } : {}),
    ...(phaseDate ? { phaseDate } : {}),
    description,
    references,
    votes,
    comments,
    markers,
    replacements: legacyReplacements(names.name, description, markers.rejected),
    source: { format: 'cve-1.0-xml', line: n.line },
  };
}

/**
 * Stream the entries of a cve_1.0 `allitems.xml` (plain or gzip bytes, or a stream). An item
 * with a bad field is skipped with a `RecordIssue` (`item 12 (line 340) @name is missing`);
 * malformed or hostile XML throws `EnrichError`.
 */
export async function* readLegacyXml(input: ByteInput, opts: LegacyXmlOptions = {}): AsyncGenerator<LegacyEvent> {
  const what = opts.name ?? 'allitems.xml';
  let read = 0;
  let ok = 0;
  for await (const ev of readXmlRecords(input, { ...opts, what, roots: ['cve'], record: 'item' })) {
    if (ev.kind !== 'record') continue;
    const index = read++;
    try {
      const entry = itemToEntry(ev.node);
      ok++;
      yield { kind: 'entry', entry };
    } catch (err) {
      if (!(err instanceof FieldProblem)) throw err;
      const id = ev.node.attrs.name;
      yield {
        kind: 'issue',
        issue: recordIssue({ source: 'mitre-xml', record: `item[${index}]`, line: ev.node.line, ...(id ? { recordId: id.slice(0, 64) } : {}) }, err.code, err.field, err.why),
      };
    }
  }
  yield { kind: 'end', info: { format: 'cve-1.0-xml' }, counts: { read, ok, skipped: read - ok } };
}
