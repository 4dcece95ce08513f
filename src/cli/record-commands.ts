/**
 * @module `cvekit show NAME…` and `cvekit history NAME [--diff [FROM [TO]]]`: the records of
 * the store looked up by CVE name in any syntax (X1520-6.9, 10.1, 10.2) from the terminal,
 * without the server: what `/cve/NAME` and `/cve/NAME/history` show, and with `--json` what
 * `/api/v1/cve/{name}` and its `/versions` and `/diff` answer. A rejected name points to the
 * names to use instead (X1520-7.7, 7.8); every output states the date of the CVE content it
 * was built from (X1520-9.1, 9.2).
 *
 * Records come from outside (any CNA, any mirror): every text taken from one is shown without
 * terminal control characters, so a title holding `ESC[2J` or a bare CR cannot clear, recolour
 * or overwrite what the user reads.
 */
import { readFile, stat } from 'node:fs/promises';
import { compareCveIds, diffRecords, notACveName, parseCveId, summarizeRecord, type AffectedSummary, type CveId, type CveRecordJson, type FieldChange, type MetricSummary, type RecordDates, type Replacement, type VersionJson } from '../cve/index.ts';
import { parseWholeNumber } from '../config/index.ts';
import { contentAsOfLine, contentDateOf, contentFields, oneLine, truncate, visibleText, type ContentDate } from '../formats/index.ts';
import { repositoryStatus } from '../ingest/index.ts';
import { bulkResults, DEFAULT_MAX_NAMES, ResolveError, resolveMany, type BulkResult } from '../search/index.ts';
import type { KevEntry, StoredRecord, Store, VersionInfo } from '../store/index.ts';
import { configFrom, parse, print, table, UsageError, withExistingStore, type Io } from './args.ts';

export const SHOW_HELP = `Usage: cvekit show NAME… [--json | --raw] [--db URL]

Shows CVE records of the store, each NAME in any syntax: CVE-2024-3400, cve-2024-3400,
2024-3400, CAN-1999-0067, full-width digits, en dashes, CVE%2D2024%2D3400. For each:
its state, title, assigner, dates, description (English first), CVSS scores, CWE ids,
CISA KEV status, affected products, references, the stored version, and for a rejected
name the names to use instead. The last line states the date of the CVE content.

  --json   one JSON document: each record's summary, its replacements and the content date
  --raw    the stored CVE JSON 5 record (its current version) exactly as stored, one per
           line (JSON Lines); the content date goes to stderr

A name that is well-formed but not in the store: exit 1 (the other names are still shown).
A name that is not a CVE name: exit 2 with the reason, before the store is read.
History and changes of a record: cvekit history NAME.`;

export const HISTORY_HELP = `Usage: cvekit history NAME [--diff [FROM [TO]]] [--json] [--db URL]

Lists every stored version of a CVE record (NAME in any syntax), oldest first: version
number, the record's dateUpdated, the source it came from, when it arrived, its hash, which
one is current and where in the input it was read.

  --diff FROM TO   the fields changed from version FROM to version TO (JSON pointers, old → new)
  --diff FROM      from version FROM to the current version
  --diff           from the version before the current one to the current one
  --json           the versions (or the changes) as JSON, with the content date

A version number that is not a whole number is a usage error (exit 2); a version the record
does not have fails (exit 1) naming the versions it has.`;

/** Affected products and references shown in words before "and N more" (`--json` has them all). */
const SHOWN_PRODUCTS = 5;
const SHOWN_REFERENCES = 3;
/** Longest old or new value of a changed field shown in words (`--json` has it whole). */
const SHOWN_VALUE = 400;
const LABEL_WIDTH = 14;

/**
 * `JSON.stringify` escapes C0 controls but writes DEL, C1 controls (U+009B is a CSI on some
 * terminals) and bidirectional overrides as they are; these only ever stand inside JSON
 * strings, so escaping them keeps the document valid and the terminal untouched.
 */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** JSON text with {@link JSON_UNSAFE} characters written as `\\uXXXX` escapes (the same JSON). */
const escapeUnsafe = (json: string): string => json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** `value` as indented JSON with nothing a terminal would act on. */
export function terminalJson(value: unknown): string {
  return escapeUnsafe(JSON.stringify(value, null, 2));
}

const printJsonSafe = (io: Io, value: unknown): void => print(io, terminalJson(value));

/** The message for a well-formed name without a record here, with the content date it was looked up in. */
function notHere(cveId: string, ctx: ContentDate): string {
  return `${cveId} is a well-formed CVE name but is not in this repository; ${contentAsOfLine(ctx)}`;
}

/** Every name must parse before the store is opened: a usage error giving the parser's reason for each that does not. */
function checkNames(names: readonly string[]): void {
  const bad = names.flatMap((n) => {
    const p = parseCveId(n);
    return p.ok ? [] : [oneLine(notACveName(n, p.reason))];
  });
  if (bad.length > 0) throw new UsageError(bad.join('; '));
}

// --- cvekit show ------------------------------------------------------------------------

type KevView =
  | { readonly listed: true; readonly from: 'kev-catalog'; readonly dateAdded: string; readonly dueDate: string; readonly vulnerabilityName: string; readonly requiredAction: string; readonly knownRansomwareCampaignUse: string }
  | { readonly listed: true; readonly from: 'adp'; readonly dateAdded: string; readonly reference?: string }
  | { readonly listed: false };

interface AffectedView {
  readonly source: string;
  readonly vendor: string;
  readonly product: string;
  readonly defaultStatus?: string;
  /** The versions or ranges the container marks `affected`, in words (`10.2.0 to < 10.2.9-h1`). */
  readonly affectedVersions: readonly string[];
}

/** One record as `cvekit show` gives it; `--json` prints exactly this. */
export interface RecordView {
  /** The name as typed. */
  readonly query: string;
  readonly cveId: CveId;
  readonly state: string;
  readonly title?: string;
  readonly assigner: { readonly shortName?: string; readonly orgId: string };
  readonly dates: RecordDates;
  /** The English description (or the first), the rejection reason of a REJECTED record. */
  readonly description: string;
  readonly descriptionLang?: string;
  readonly cvss: readonly MetricSummary[];
  readonly cwes: readonly { readonly id: string; readonly name?: string }[];
  /** `null`: not known (no KEV catalog imported and no CISA ADP mark in the record). */
  readonly kev: KevView | null;
  readonly affected: readonly AffectedView[];
  readonly references: readonly { readonly url: string; readonly name?: string; readonly tags: readonly string[]; readonly source: string }[];
  /** Typed edges to the names to use instead (X1520-7.7), with whether this store has each. */
  readonly replacements: readonly (Replacement & { readonly inStore: boolean })[];
  /** The names to use instead, in CVE-name order (X1520-7.8). */
  readonly replacedBy: readonly CveId[];
  /** Rejected names that name this one as their replacement. */
  readonly replacing: readonly CveId[];
  /** The stored version shown, how many are kept, where it came from. */
  readonly version: number;
  readonly versions: number;
  readonly source: string;
  readonly dateUpdated: string;
  readonly arrivedAt: string;
  readonly url: string;
}

interface NotFound {
  readonly query: string;
  readonly cveId: CveId;
  readonly reason: string;
}

const NO_START = /^(?:0|\*|-|n\/a|unspecified|all)?$/i;

/** One `versions[]` entry in words: `10.2.0 to < 10.2.9-h1`, `< 2.15.0`, `2.4.1`. */
function versionRange(v: VersionJson): string {
  const version = typeof v.version === 'string' ? v.version.trim() : '';
  const from = NO_START.test(version) ? '' : `${version} to `;
  if (typeof v.lessThan === 'string') return v.lessThan === '*' ? `${version} and later` : `${from}< ${v.lessThan}`;
  if (typeof v.lessThanOrEqual === 'string') return v.lessThanOrEqual === '*' ? `${version} and later` : `${from}<= ${v.lessThanOrEqual}`;
  return version || '(unspecified)';
}

function affectedView(a: AffectedSummary): AffectedView {
  return {
    source: a.source,
    vendor: a.vendor,
    product: a.product || a.packageName || a.collectionURL || '',
    ...(a.defaultStatus !== undefined && { defaultStatus: a.defaultStatus }),
    affectedVersions: a.versions.filter((v) => v?.status === 'affected').map(versionRange),
  };
}

/**
 * The products worth a line: those with an affected version (or affected by default, or of
 * unknown status), not those whose every version is unaffected, nor the placeholder
 * `n/a`/`n/a` of old records. The CNA's own list first; the ADPs' only when the CNA has none.
 */
function shownProducts(all: readonly AffectedView[]): AffectedView[] {
  const relevant = all.filter((a) => {
    if (/^n\/a$/i.test(a.vendor.trim()) && /^n\/a$/i.test(a.product.trim())) return false;
    if (a.affectedVersions.length > 0 || a.defaultStatus === 'affected') return true;
    return a.defaultStatus !== 'unaffected';
  });
  const cna = relevant.filter((a) => a.source === 'cna');
  return cna.length > 0 ? cna : relevant;
}

async function recordView(store: Store, query: string, rec: StoredRecord, replacedBy: readonly CveId[], kevCatalog: boolean): Promise<RecordView> {
  const record = JSON.parse(rec.json) as CveRecordJson;
  const s = summarizeRecord(record);
  const targets = [...new Set(s.replacements.map((r) => r.target))];
  const [versions, kevEntry, cwes, replacing, targetStates] = await Promise.all([
    store.listVersions(rec.cveId),
    store.getKev(rec.cveId),
    store.getCwes(s.cweIds),
    store.findReplacing(rec.cveId),
    targets.length > 0 ? store.search.getStates(targets) : Promise.resolve(new Map()),
  ]);
  const lang = s.descriptions.find((d) => d?.value === s.description)?.lang;
  return {
    query,
    cveId: rec.cveId,
    state: rec.state,
    ...(s.title !== undefined && { title: s.title }),
    assigner: { ...(s.assignerShortName !== undefined && { shortName: s.assignerShortName }), orgId: s.assignerOrgId },
    dates: s.dates,
    description: s.description,
    ...(typeof lang === 'string' && { descriptionLang: lang }),
    cvss: s.metrics,
    cwes: s.cweIds.map((id) => {
      const name = cwes.get(id)?.name;
      return name !== undefined ? { id, name } : { id };
    }),
    kev: kevView(kevEntry, s.kev, kevCatalog),
    affected: s.affected.map(affectedView),
    references: s.references.map((r) => ({ url: r.url, ...(r.name !== undefined && { name: r.name }), tags: r.tags, source: r.source })),
    replacements: s.replacements.map((r) => ({ kind: r.kind, target: r.target, from: r.from, inStore: targetStates.has(r.target) })),
    replacedBy: [...new Set([...replacedBy, ...targets])].sort(compareCveIds),
    replacing: [...replacing].sort(compareCveIds),
    version: rec.version,
    versions: versions.length,
    source: rec.source,
    dateUpdated: rec.dateUpdated,
    arrivedAt: rec.arrivedAt,
    url: `/cve/${rec.cveId}`,
  };
}

/** The catalog's entry when there is one, else the CISA ADP mark in the record, else "not listed" when a catalog was imported. */
function kevView(entry: KevEntry | undefined, adp: { readonly dateAdded: string; readonly reference?: string } | undefined, catalog: boolean): KevView | null {
  if (entry) {
    return {
      listed: true,
      from: 'kev-catalog',
      dateAdded: entry.dateAdded,
      dueDate: entry.dueDate,
      vulnerabilityName: entry.vulnerabilityName,
      requiredAction: entry.requiredAction,
      knownRansomwareCampaignUse: entry.knownRansomwareCampaignUse,
    };
  }
  if (adp) return { listed: true, from: 'adp', dateAdded: adp.dateAdded, ...(adp.reference !== undefined && { reference: adp.reference }) };
  return catalog ? { listed: false } : null;
}

/** A multi-line text, each line indented, with no control character left (a bare CR becomes a line end). */
function indented(text: string): string[] {
  return visibleText(text)
    .trim()
    .split('\n')
    .map((l) => (l.trim() === '' ? '' : `  ${l}`));
}

/** Why a rejected name must not be used, and what to use instead (X1520-7.7, 7.8). */
function rejectedLine(v: RecordView): string {
  if (v.replacedBy.length === 0) return `${v.cveId} is rejected and names no replacement: do not use it`;
  return `${v.cveId} is rejected; use ${v.replacedBy.join(', ')}`;
}

/** One record in words. Every value from the record goes through `oneLine` or `indented`. */
export function recordText(v: RecordView): string {
  const out: string[] = [v.cveId];
  const row = (label: string, value: string): void => {
    out.push(`${`${label}:`.padEnd(LABEL_WIDTH)}${value}`);
  };
  const rows = (label: string, values: readonly string[]): void => {
    values.forEach((value, i) => (i === 0 ? row(label, value) : out.push(`${' '.repeat(LABEL_WIDTH)}${value}`)));
  };

  row('State', v.state === 'REJECTED' ? `REJECTED: ${rejectedLine(v)}` : oneLine(v.state));
  for (const r of v.replacements) {
    row(r.kind === 'duplicate-of' ? 'Duplicate of' : 'Replaced by', `${r.target} (read from ${oneLine(r.from)}${r.inStore ? '' : '; not in this store'})`);
  }
  if (v.title !== undefined) row('Title', oneLine(v.title));
  const assigner = v.assigner.shortName !== undefined ? `${oneLine(v.assigner.shortName)} (${oneLine(v.assigner.orgId)})` : oneLine(v.assigner.orgId);
  row('Assigner', assigner || '-');
  const d = v.dates;
  for (const [label, value] of [['Reserved', d.reserved], ['Published', d.published], ['Public', d.public], ['Updated', d.updated], ['Rejected', d.rejected]] as const) {
    if (value !== undefined) row(label, value);
  }
  if (v.cvss.length > 0) rows('CVSS', v.cvss.map((m) => `${m.version} ${m.baseScore.toFixed(1)} ${oneLine(m.baseSeverity)}  ${oneLine(m.vectorString)}  (${oneLine(m.source)})`));
  if (v.cwes.length > 0) rows('CWE', v.cwes.map((c) => (c.name !== undefined ? `${c.id} ${oneLine(c.name)}` : c.id)));
  // A rejected name is in no catalog: only a listing would be news.
  if (v.state !== 'REJECTED' || v.kev?.listed) row('KEV', kevText(v.kev));
  const products = shownProducts(v.affected);
  if (products.length > 0) {
    const lines = products.slice(0, SHOWN_PRODUCTS).map((a) => {
      const name = oneLine(`${a.vendor} ${a.product}`) || '(unnamed)';
      const versions = a.affectedVersions.length > 0 ? a.affectedVersions.map(oneLine).join(', ') : a.defaultStatus === 'affected' ? 'all versions' : 'versions not stated';
      return `${name}: ${truncate(versions, 200)}${a.source === 'cna' ? '' : ` (${oneLine(a.source)})`}`;
    });
    if (products.length > SHOWN_PRODUCTS) lines.push(`and ${products.length - SHOWN_PRODUCTS} more (--json lists them all)`);
    rows('Affected', lines);
  } else if (v.state !== 'REJECTED') row('Affected', 'not stated');
  if (v.references.length > 0) {
    const first = v.references.slice(0, SHOWN_REFERENCES).map((r) => oneLine(r.url));
    const more = v.references.length > SHOWN_REFERENCES ? [`and ${v.references.length - SHOWN_REFERENCES} more (--json lists them all)`] : [];
    rows('References', [`${v.references.length}: ${first[0]}`, ...first.slice(1), ...more]);
  }
  if (v.replacing.length > 0) row('Replaces', `${v.replacing.join(', ')} (rejected; they name ${v.cveId} instead)`);
  row('Stored', `version ${v.version} of ${v.versions}, from ${oneLine(v.source)}, arrived ${v.arrivedAt}${v.versions > 1 ? `; cvekit history ${v.cveId}` : ''}`);
  if (v.description !== '') {
    const heading = v.state === 'REJECTED' ? 'Rejection reason' : 'Description';
    out.push('', `${heading}${v.descriptionLang ? ` (${oneLine(v.descriptionLang)})` : ''}:`, ...indented(v.description));
  }
  return out.join('\n');
}

function kevText(kev: KevView | null): string {
  if (kev === null) return 'unknown (no CISA KEV catalog imported: cvekit kev import)';
  if (!kev.listed) return 'not in the CISA KEV catalog';
  if (kev.from === 'adp') return `known exploited: added ${oneLine(kev.dateAdded)} (CISA ADP in the record)`;
  const ransomware = kev.knownRansomwareCampaignUse ? `, ransomware use ${oneLine(kev.knownRansomwareCampaignUse)}` : '';
  return `known exploited: added ${oneLine(kev.dateAdded)}${kev.dueDate ? `, due ${oneLine(kev.dueDate)}` : ''}${ransomware} (CISA KEV catalog)`;
}

export async function showCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { raw: { type: 'boolean' } });
  if (values.help) return print(io, SHOW_HELP), 0;
  if (positionals.length === 0) throw new UsageError('give one or more CVE names, e.g. cvekit show CVE-2024-3400 (cvekit show --help)');
  if (values.raw && values.json) throw new UsageError('--raw and --json do not go together: --raw prints the stored record itself');
  if (positionals.length > DEFAULT_MAX_NAMES) throw new UsageError(`${positionals.length} names: at most ${DEFAULT_MAX_NAMES} at once`);
  checkNames(positionals);

  return withExistingStore(configFrom(values, io), async (store) => {
    const status = await repositoryStatus(store);
    const ctx = contentDateOf(status);
    const kevCatalog = status.sources.some((s) => s.kind === 'kev');
    const resolved = await resolveMany(store, positionals);
    const found: { view?: RecordView; rec: StoredRecord }[] = [];
    const missing: NotFound[] = [];
    const seen = new Set<CveId>();
    for (const item of resolved.items) {
      // Every name parsed above, so each is found or well-formed but unknown here.
      const cveId = item.cveId as CveId;
      if (seen.has(cveId)) continue;
      seen.add(cveId);
      const rec = item.found ? await store.getRecord(cveId) : undefined;
      if (!item.found || !rec) {
        missing.push({ query: item.query, cveId, reason: notHere(cveId, ctx) });
        continue;
      }
      found.push({ rec, ...(!values.raw && { view: await recordView(store, item.query, rec, item.replacedBy, kevCatalog) }) });
    }
    const error = missing.map((m) => m.reason).join('; ');

    if (values.raw) {
      // Byte for byte as stored; the content date where it cannot mix with the records.
      for (const f of found) io.stdout.write(`${f.rec.json}\n`);
      io.stderr.write(`${contentAsOfLine(ctx)}\n`);
    } else if (values.json) {
      printJsonSafe(io, { ok: missing.length === 0, ...(error && { error }), ...contentFields(ctx), generatedAt: ctx.generatedAt, records: found.map((f) => f.view), notFound: missing });
    } else if (found.length > 0) {
      print(io, [...found.map((f) => recordText(f.view!)), contentAsOfLine(ctx)].join('\n\n'));
    }
    if (!values.json) for (const m of missing) io.stderr.write(`cvekit show: ${m.reason}\n`);
    return missing.length > 0 ? 1 : 0;
  });
}

// --- cvekit history -----------------------------------------------------------------------

function versionNumber(which: 'FROM' | 'TO', text: string): number {
  const n = parseWholeNumber(text, 1, Number.MAX_SAFE_INTEGER);
  if (n === undefined) throw new UsageError(`--diff ${which} must be a version number (a whole number of at least 1), got ${JSON.stringify(oneLine(text))}`);
  return n;
}

/** A changed value in words: as JSON (strings quoted, so line ends show as \n), cut short, safe for a terminal. */
function valueText(value: unknown): string {
  const json = JSON.stringify(value) ?? 'undefined';
  return escapeUnsafe(truncate(json, SHOWN_VALUE));
}

function changeText(c: FieldChange): string[] {
  const lines = [`  ${c.kind.padEnd(8)}${oneLine(c.path)}${c.oldPath !== undefined ? ` (was ${oneLine(c.oldPath)})` : ''}`];
  if (c.kind !== 'added') lines.push(`    old: ${valueText(c.old)}`);
  if (c.kind !== 'removed') lines.push(`    new: ${valueText(c.new)}`);
  return lines;
}

function versionLabel(v: VersionInfo): string {
  return `version ${v.version} (updated ${v.dateUpdated || '-'}, from ${oneLine(v.source)}${v.current ? ', current' : ''})`;
}

export function versionsText(cveId: CveId, versions: readonly VersionInfo[]): string {
  const rows = [['VERSION', 'CURRENT', 'DATE UPDATED', 'SOURCE', 'ARRIVED', 'HASH', 'ORIGIN']];
  for (const v of versions) rows.push([String(v.version), v.current ? 'current' : '', v.dateUpdated || '-', oneLine(v.source), v.arrivedAt, v.hash.slice(0, 12), v.origin ? oneLine(v.origin) : '-']);
  const lines = [`${cveId}: ${versions.length} version${versions.length === 1 ? '' : 's'} kept, oldest first`, table(rows)];
  if (versions.length > 1) {
    const current = versions.find((v) => v.current) ?? versions[versions.length - 1];
    const before = versions.filter((v) => v.version < current.version).pop() ?? versions[0];
    lines.push('', `The fields changed between two versions: cvekit history ${cveId} --diff ${before.version} ${current.version}`);
  }
  return lines.join('\n');
}

export async function historyCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { diff: { type: 'boolean' } });
  if (values.help) return print(io, HISTORY_HELP), 0;
  const [name, ...numbers] = positionals;
  if (name === undefined) throw new UsageError('give a CVE name, e.g. cvekit history CVE-2024-3400 (cvekit history --help)');
  if (numbers.length > 0 && !values.diff) throw new UsageError(`unexpected ${numbers.map((n) => JSON.stringify(oneLine(n))).join(' ')}: one CVE name at a time; to compare two versions: --diff FROM TO`);
  if (numbers.length > 2) throw new UsageError('--diff takes at most two version numbers: FROM and TO');
  const from = numbers[0] === undefined ? undefined : versionNumber('FROM', numbers[0]);
  const to = numbers[1] === undefined ? undefined : versionNumber('TO', numbers[1]);
  const parsed = parseCveId(name);
  if (!parsed.ok) throw new UsageError(oneLine(notACveName(name, parsed.reason)));
  const cveId = parsed.id;

  return withExistingStore(configFrom(values, io), async (store) => {
    const ctx = contentDateOf(await repositoryStatus(store));
    const versions = await store.listVersions(cveId);
    if (versions.length === 0) throw new Error(notHere(cveId, ctx));
    if (!values.diff) {
      if (values.json) printJsonSafe(io, { ok: true, cveId, versions, ...contentFields(ctx), generatedAt: ctx.generatedAt });
      else print(io, `${versionsText(cveId, versions)}\n\n${contentAsOfLine(ctx)}`);
      return 0;
    }
    const current = versions.find((v) => v.current) ?? versions[versions.length - 1];
    const toVersion = to ?? current.version;
    const fromVersion = from ?? versions.filter((v) => v.version < toVersion).pop()?.version;
    const numbersKept = versions.map((v) => v.version).join(', ');
    if (fromVersion === undefined) throw new Error(`${cveId} has no version before version ${toVersion} to compare it with (its versions: ${numbersKept})`);
    const [a, b] = await Promise.all([store.getVersion(cveId, fromVersion), store.getVersion(cveId, toVersion)]);
    if (!a || !b) throw new Error(`${cveId} has no version ${!a ? fromVersion : toVersion} (its versions: ${numbersKept})`);
    const changes = diffRecords(JSON.parse(a.json), JSON.parse(b.json));
    if (values.json) {
      printJsonSafe(io, { ok: true, cveId, from: a.version, to: b.version, changes, ...contentFields(ctx), generatedAt: ctx.generatedAt });
      return 0;
    }
    const head = `${cveId}: from ${versionLabel(a)} to ${versionLabel(b)}: ${changes.length === 0 ? 'no field changed' : `${changes.length} field${changes.length === 1 ? '' : 's'} changed`}`;
    print(io, [head, ...changes.flatMap(changeText), '', contentAsOfLine(ctx)].join('\n'));
    return 0;
  });
}

// --- cvekit resolve -----------------------------------------------------------------------

/** The largest text `--text` reads (an advisory, a mailbox export). */
export const MAX_RESOLVE_TEXT = 16 * 1024 * 1024;

export const RESOLVE_HELP = `Usage: cvekit resolve [NAME…] [--text FILE|-] [--check] [--json] [--db URL]

Resolves CVE names to the records of the store: each NAME in any syntax, or every CVE name
in a text (an advisory, an e-mail, release notes) read from FILE, or from stdin with -.
For each: the canonical name, its state, and for a rejected name the names to use instead
(X.1520 7.7, 7.8); a name this store has no record of, or a word that looks like a CVE name
but is not one (CVE-2021-01234), says so and why. The last line states the date of the CVE
content.

  --text FILE|-  every CVE name in this text, once each, in order of appearance (at most
                 16 MiB of text and ${DEFAULT_MAX_NAMES.toLocaleString('en')} names)
  --check        exit 1 when any name is unknown here, not a CVE name, or rejected: a check
                 of an advisory's CVE names before it is published
  --json         the answer of POST /api/v1/resolve: count, found, unknown, invalid,
                 results (query, status, cveId, state, replacedBy, url, reason), content date`;

/** The text of `--text`: a file or stdin, refused past {@link MAX_RESOLVE_TEXT}. */
async function readText(spec: string, io: Io): Promise<string> {
  const tooLarge = (): Error => new Error(`the text of --text ${spec} is over ${MAX_RESOLVE_TEXT / 1024 / 1024} MiB; split it`);
  if (spec !== '-') {
    let size: number;
    try {
      size = (await stat(spec)).size;
    } catch (err) {
      throw new Error(`cannot read --text ${spec}: ${(err as Error).message}`);
    }
    if (size > MAX_RESOLVE_TEXT) throw tooLarge();
    return readFile(spec, 'utf8');
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > MAX_RESOLVE_TEXT) throw tooLarge();
    parts.push(b);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** One result as a table row: INPUT, NAME, STATE, NOTE; every text from the input made safe. */
function resolveRow(r: BulkResult): string[] {
  const query = truncate(oneLine(r.query), 40);
  if (r.status === 'invalid') return [query, '-', '-', `not a CVE name: ${oneLine(r.reason ?? '')}`];
  if (r.status === 'unknown') return [query, r.cveId ?? '-', '-', 'no record of it here'];
  const rejected = r.state === 'REJECTED';
  const instead = r.replacedBy ?? [];
  const note = rejected ? (instead.length > 0 ? `rejected: use ${instead.join(', ')}` : 'rejected: do not use (no replacement named)') : '';
  return [query, r.cveId ?? '-', r.state ?? '-', note];
}

export async function resolveCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { text: { type: 'string' }, check: { type: 'boolean' } });
  if (values.help) return print(io, RESOLVE_HELP), 0;
  if (values.text !== undefined && positionals.length > 0) throw new UsageError('give names or --text, not both');
  if (values.text === undefined && positionals.length === 0) {
    throw new UsageError('give one or more CVE names, or --text FILE|- for every CVE name in a text (cvekit resolve --help)');
  }
  if (positionals.length > DEFAULT_MAX_NAMES) throw new UsageError(`${positionals.length} names: at most ${DEFAULT_MAX_NAMES} at once`);
  const input = values.text !== undefined ? await readText(values.text, io) : positionals;

  return withExistingStore(configFrom(values, io), async (store) => {
    const ctx = contentDateOf(await repositoryStatus(store));
    let resolved: Awaited<ReturnType<typeof resolveMany>>;
    try {
      resolved = await resolveMany(store, input);
    } catch (err) {
      if (err instanceof ResolveError) throw new UsageError(err.message);
      throw err;
    }
    const { found, unknown, invalid } = resolved;
    const results = bulkResults(resolved.items);
    const rejected = results.filter((r) => r.state === 'REJECTED').length;
    const failed = values.check === true && (found < results.length || rejected > 0);
    if (values.json) {
      printJsonSafe(io, { ok: !failed, count: results.length, found, unknown, invalid, rejected, results, ...contentFields(ctx), generatedAt: ctx.generatedAt });
      return failed ? 1 : 0;
    }
    const lines: string[] = [];
    if (results.length === 0) lines.push('No CVE names found in the text.');
    else {
      lines.push(...table([['INPUT', 'NAME', 'STATE', 'NOTE'], ...results.map(resolveRow)]).split('\n').map((l) => l.trimEnd()));
      lines.push('', `${results.length} name${results.length === 1 ? '' : 's'}: ${found} found (${rejected} rejected), ${unknown} not here, ${invalid} not CVE names`);
    }
    lines.push(contentAsOfLine(ctx));
    print(io, lines.join('\n'));
    if (failed) io.stderr.write('cvekit resolve: --check failed: some names are unknown here, not CVE names, or rejected\n');
    return failed ? 1 : 0;
  });
}
