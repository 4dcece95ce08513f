/**
 * @module CISA Known Exploited Vulnerabilities (KEV) catalog: parse the JSON feed or the
 * CSV, check every entry, and replace the store's catalog (which records added and
 * removed CVE names per catalog version).
 *
 * Each entry is checked against the KEV schema (`known_exploited_vulnerabilities_schema.json`):
 * required fields present and strings, `dateAdded` and `dueDate` real `YYYY-MM-DD` dates,
 * `cwes` of the form `CWE-NNN`, and `cveID` a CVE name (normalised to `CVE-YYYY-NNNN…`).
 * A bad entry is reported (`entry 17 (CVE-2021-44228): dateAdded "2021-13-01" is not a date`)
 * and skipped; the rest is imported. A second entry for the same CVE name is reported and
 * skipped (the first is kept).
 *
 * The CSV carries no catalog version or release date: they are taken from the options,
 * else derived from the newest `dateAdded` (`2025-08-25` gives version `2025.08.25`, released
 * `2025-08-25T00:00:00.000Z`), and the result says which were derived. CISA also bumps the
 * version for edits that add nothing, so prefer the JSON feed, or pass the version.
 *
 * @example
 * const r = await importKev(store, 'https://example.org/known_exploited_vulnerabilities.json');
 * console.log(r.catalogVersion, r.added, r.removed, r.errors.map((e) => e.message));
 */
import { normalizeCveId } from '../cve/index.ts';
import type { CveId } from '../cve/index.ts';
import type { KevCatalog, KevEntry, KevImportResult, Store } from '../store/index.ts';
import { CsvError, inputChunks, inputLocation, readCsvRecords, readInputBytes } from './csv.ts';
import type { CsvInput, ImportInput, InputOptions } from './csv.ts';
import { endOfContent, jsonErrorPlace, lineAndColumn, withoutPosition } from './json-error.ts';

export const KEV_SOURCE_ID = 'kev';

export const KEV_ERROR_CODES = ['KEV_JSON_SYNTAX', 'KEV_SHAPE', 'KEV_EMPTY', 'KEV_CSV', 'KEV_ENCODING'] as const;
export type KevErrorCode = (typeof KEV_ERROR_CODES)[number];

/** The catalog as a whole cannot be used (nothing is imported). */
export class KevError extends Error {
  override readonly name = 'KevError';
  readonly code: KevErrorCode;
  constructor(code: KevErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * A problem with part of the catalog; the rest is imported.
 * - `KEV_ENTRY_INVALID`: the entry is skipped
 * - `KEV_DUPLICATE`: a later entry for a CVE name already seen is skipped
 * - `KEV_COUNT_MISMATCH`: the declared `count` differs from the number of entries (nothing skipped)
 */
export interface KevIssue {
  readonly code: 'KEV_ENTRY_INVALID' | 'KEV_DUPLICATE' | 'KEV_COUNT_MISMATCH';
  /** 1-based position in `vulnerabilities` (JSON) or among the data rows (CSV). */
  readonly entry?: number;
  /** CSV only: the line the row starts on. */
  readonly line?: number;
  readonly cveId?: string;
  readonly message: string;
}

export interface KevParseResult {
  readonly catalog: KevCatalog;
  readonly issues: readonly KevIssue[];
  /** Catalog fields the input did not carry and were derived (CSV without options). */
  readonly derived: readonly ('catalogVersion' | 'dateReleased')[];
}

export interface KevCsvOptions {
  /** The catalog version (e.g. `2025.08.25`); default: derived from the newest `dateAdded`. */
  readonly catalogVersion?: string;
  /** ISO 8601 date-time; default: the newest `dateAdded` at 00:00 UTC. */
  readonly dateReleased?: string;
}

/** The schema's required fields (`$defs.vulnerability.required`), in CSV column order. */
const REQUIRED = [
  'cveID',
  'vendorProject',
  'product',
  'vulnerabilityName',
  'dateAdded',
  'shortDescription',
  'requiredAction',
  'dueDate',
] as const;
const OPTIONAL_TEXT = ['knownRansomwareCampaignUse', 'notes'] as const;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const CWE = /^CWE-[0-9]+$/;

/** A real calendar date written `YYYY-MM-DD` (the schema's `format: date`). */
export function isIsoDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function isDateTime(text: string): boolean {
  return DATE_TIME.test(text) && isIsoDate(text.slice(0, 10)) && !Number.isNaN(Date.parse(text));
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
};

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' || typeof v === 'undefined' ? `an ${typeof v}` : `a ${typeof v}`);

/**
 * Check one raw entry. `cwes` may be an array (JSON) or a comma-separated string (CSV).
 * Returns the entry, or the problems with it.
 */
function checkEntry(raw: unknown, n: number): { entry: KevEntry } | { cveId?: string; message: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { message: `entry ${n}: is ${kindOf(raw)}, expected an object` };
  }
  const r = raw as Record<string, unknown>;
  const problems: string[] = [];
  let cveId: CveId | undefined;
  const rawId = r.cveID;
  if (typeof rawId === 'string') {
    cveId = normalizeCveId(rawId);
    if (!cveId) problems.push(`cveID ${show(rawId)} is not a CVE ID`);
  }
  const text: Record<string, string> = {};
  for (const f of REQUIRED) {
    const v = r[f];
    if (v === undefined || v === null) problems.push(`${f} is missing`);
    else if (typeof v !== 'string') problems.push(`${f} is ${kindOf(v)}, expected a string`);
    else text[f] = v;
  }
  for (const f of OPTIONAL_TEXT) {
    const v = r[f];
    if (v === undefined || v === null) text[f] = '';
    else if (typeof v !== 'string') problems.push(`${f} is ${kindOf(v)}, expected a string`);
    else text[f] = v;
  }
  for (const f of ['dateAdded', 'dueDate'] as const) {
    if (text[f] !== undefined && !isIsoDate(text[f])) problems.push(`${f} ${show(text[f])} is not a date`);
  }
  let cwes: string[] = [];
  const rawCwes = r.cwes;
  if (typeof rawCwes === 'string') {
    cwes = rawCwes.split(',').map((c) => c.trim()).filter((c) => c !== '');
  } else if (Array.isArray(rawCwes)) {
    const notText = rawCwes.find((c) => typeof c !== 'string');
    if (notText !== undefined) problems.push(`cwes contains ${show(notText)}, expected strings`);
    else cwes = (rawCwes as string[]).map((c) => c.trim());
  } else if (rawCwes !== undefined && rawCwes !== null) {
    problems.push(`cwes is ${kindOf(rawCwes)}, expected an array`);
  }
  const badCwe = cwes.find((c) => !CWE.test(c));
  if (badCwe !== undefined) problems.push(`cwes entry ${show(badCwe)} is not CWE-NNN`);

  const label = cveId ?? (typeof rawId === 'string' && rawId.length <= 40 ? rawId : undefined);
  if (problems.length > 0 || !cveId) {
    return { cveId: label, message: `entry ${n}${label ? ` (${label})` : ''}: ${problems.join('; ')}` };
  }
  return {
    entry: {
      cveId,
      vendorProject: text.vendorProject,
      product: text.product,
      vulnerabilityName: text.vulnerabilityName,
      dateAdded: text.dateAdded,
      shortDescription: text.shortDescription,
      requiredAction: text.requiredAction,
      dueDate: text.dueDate,
      knownRansomwareCampaignUse: text.knownRansomwareCampaignUse,
      notes: text.notes,
      cwes: [...new Set(cwes)],
    },
  };
}

/** Collects checked entries, dropping later duplicates. */
class EntryCollector {
  readonly entries: KevEntry[] = [];
  readonly issues: KevIssue[] = [];
  readonly #firstSeen = new Map<CveId, number>();

  add(raw: unknown, n: number, line?: number): void {
    const checked = checkEntry(raw, n);
    const at = line === undefined ? {} : { line };
    if (!('entry' in checked)) {
      this.issues.push({ code: 'KEV_ENTRY_INVALID', entry: n, ...at, ...(checked.cveId ? { cveId: checked.cveId } : {}), message: checked.message });
      return;
    }
    const { entry } = checked;
    const first = this.#firstSeen.get(entry.cveId);
    if (first !== undefined) {
      this.issues.push({
        code: 'KEV_DUPLICATE',
        entry: n,
        ...at,
        cveId: entry.cveId,
        message: `entry ${n} (${entry.cveId}): duplicate of entry ${first}, skipped`,
      });
      return;
    }
    this.#firstSeen.set(entry.cveId, n);
    this.entries.push(entry);
  }
}

function decodeUtf8(bytes: Uint8Array | string, what: string): string {
  if (typeof bytes === 'string') return bytes.charCodeAt(0) === 0xfeff ? bytes.slice(1) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new KevError('KEV_ENCODING', `${what} is not valid UTF-8`);
  }
}

function jsonSyntaxError(text: string, err: unknown): KevError {
  const p = jsonErrorPlace(err, text);
  if (p.truncated || p.line === undefined) {
    const { line } = lineAndColumn(text, endOfContent(text));
    return new KevError('KEV_JSON_SYNTAX', `KEV JSON is truncated: it ends at line ${line} before the document is complete`);
  }
  return new KevError('KEV_JSON_SYNTAX', `KEV JSON syntax error at line ${p.line} column ${p.column}: ${withoutPosition(p.message)}`);
}

/**
 * Parse the KEV JSON feed (`known_exploited_vulnerabilities.json`).
 * Throws `KevError` when the document cannot be used (syntax, top-level shape, no valid
 * entry); problems with single entries are returned in `issues`.
 */
export function parseKevJson(bytes: Uint8Array | string): KevParseResult {
  const text = decodeUtf8(bytes, 'KEV JSON');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw jsonSyntaxError(text, err);
  }
  const expected = 'expected an object with "catalogVersion", "dateReleased" and "vulnerabilities"';
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new KevError('KEV_SHAPE', `KEV JSON: the top level is ${kindOf(doc)}, ${expected}`);
  }
  const d = doc as Record<string, unknown>;
  if (!Array.isArray(d.vulnerabilities)) {
    const what = d.vulnerabilities === undefined ? 'missing' : kindOf(d.vulnerabilities);
    throw new KevError('KEV_SHAPE', `KEV JSON: "vulnerabilities" is ${what}, expected an array`);
  }
  if (typeof d.catalogVersion !== 'string' || d.catalogVersion.trim() === '') {
    throw new KevError('KEV_SHAPE', `KEV JSON: "catalogVersion" is ${d.catalogVersion === undefined ? 'missing' : show(d.catalogVersion)}, expected a non-empty string`);
  }
  if (typeof d.dateReleased !== 'string' || !isDateTime(d.dateReleased)) {
    throw new KevError('KEV_SHAPE', `KEV JSON: "dateReleased" is ${d.dateReleased === undefined ? 'missing' : show(d.dateReleased)}, expected an ISO 8601 date-time`);
  }
  const collector = new EntryCollector();
  d.vulnerabilities.forEach((raw, i) => collector.add(raw, i + 1));
  if (d.count !== undefined && d.count !== d.vulnerabilities.length) {
    collector.issues.push({
      code: 'KEV_COUNT_MISMATCH',
      message: `count is ${show(d.count)} but "vulnerabilities" has ${d.vulnerabilities.length} entries`,
    });
  }
  return finish(collector, d.catalogVersion, d.dateReleased, []);
}

function finish(c: EntryCollector, catalogVersion: string, dateReleased: string, derived: KevParseResult['derived']): KevParseResult {
  if (c.entries.length === 0) {
    // An empty catalog would record every listed CVE as removed: refuse it.
    const why = c.issues.length > 0 ? `; first problem: ${c.issues[0].message}` : '';
    throw new KevError('KEV_EMPTY', `KEV catalog has no valid entry${why}`);
  }
  return { catalog: { catalogVersion, dateReleased, entries: c.entries }, issues: c.issues, derived };
}

/**
 * Parse the KEV CSV (`known_exploited_vulnerabilities.csv`) from bytes, text or a stream.
 * The CSV has no catalog version or release date: see {@link KevCsvOptions}.
 */
export async function parseKevCsv(input: CsvInput, opts: KevCsvOptions = {}): Promise<KevParseResult> {
  if (opts.dateReleased !== undefined && !isDateTime(opts.dateReleased)) {
    throw new KevError('KEV_SHAPE', `dateReleased option ${show(opts.dateReleased)} is not an ISO 8601 date-time`);
  }
  const collector = new EntryCollector();
  let n = 0;
  try {
    for await (const ev of readCsvRecords(input, { required: REQUIRED })) {
      if (ev.kind === 'comment') continue;
      n++;
      if (ev.kind === 'bad-row') {
        collector.issues.push({ code: 'KEV_ENTRY_INVALID', entry: n, line: ev.line, message: `entry ${n} (line ${ev.line}): expected ${ev.expected} fields, got ${ev.fields.length}` });
        continue;
      }
      collector.add(ev.values, n, ev.line);
    }
  } catch (err) {
    if (err instanceof CsvError) throw new KevError('KEV_CSV', `KEV CSV ${err.message}`);
    throw err;
  }
  const derived: Array<'catalogVersion' | 'dateReleased'> = [];
  let newest = '';
  for (const e of collector.entries) if (e.dateAdded > newest) newest = e.dateAdded;
  let { catalogVersion, dateReleased } = opts;
  if (catalogVersion === undefined && newest) {
    catalogVersion = newest.replaceAll('-', '.');
    derived.push('catalogVersion');
  }
  if (dateReleased === undefined && newest) {
    dateReleased = `${newest}T00:00:00.000Z`;
    derived.push('dateReleased');
  }
  return finish(collector, catalogVersion ?? '', dateReleased ?? '', derived);
}

export interface KevImportOptions extends InputOptions, KevCsvOptions {
  /** Default: by file extension, else by content (`{` starts JSON). */
  readonly format?: 'json' | 'csv';
  /** Clock for `lastSyncAt` (tests). */
  readonly now?: () => Date;
}

export interface KevImportSummary extends KevImportResult {
  readonly location: string;
  readonly format: 'json' | 'csv';
  readonly catalogVersion: string;
  readonly dateReleased: string;
  readonly derived: KevParseResult['derived'];
  /**
   * True when the store already had this catalog version or a newer one: nothing changed
   * and the `kev` source keeps its release and content date.
   */
  readonly stale: boolean;
  /** Stale because this very catalog version was imported already (else it is older). */
  readonly sameVersion: boolean;
  /** Entries skipped (invalid, duplicate) and other problems; the rest was imported. */
  readonly errors: readonly KevIssue[];
}

/** A zip, gzip or other binary file is no catalog: say what it is rather than fail as CSV. */
function refuseBinary(location: string, head: Uint8Array): void {
  const what =
    head[0] === 0x50 && head[1] === 0x4b ? 'a zip archive' : head[0] === 0x1f && head[1] === 0x8b ? 'gzip data' : head.includes(0) ? 'binary data' : undefined;
  if (what) throw new KevError('KEV_SHAPE', `${location} is ${what}, not a KEV catalog: give the catalog's JSON or CSV file`);
}

function guessFormat(input: ImportInput, head: Uint8Array): 'json' | 'csv' {
  const name = input instanceof Uint8Array ? '' : (input instanceof URL ? input.pathname : input.replace(/[?#].*$/, '')).toLowerCase();
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.csv')) return 'csv';
  for (const b of head) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0xef || b === 0xbb || b === 0xbf) continue;
    return b === 0x7b || b === 0x5b ? 'json' : 'csv';
  }
  return 'json';
}

/**
 * Read a KEV catalog (path, URL or bytes; JSON or CSV), replace the store's catalog with
 * it and record the `kev` source (release = catalog version, content date = release date).
 * Throws `KevError`/`InputError` when nothing can be imported.
 */
export async function importKev(store: Store, input: ImportInput, opts: KevImportOptions = {}): Promise<KevImportSummary> {
  const location = inputLocation(input);
  // The JSON feed is one document (about 1.3 MB); the CSV streams.
  let parsed: KevParseResult;
  let format: 'json' | 'csv';
  try {
    if (opts.format === 'csv' || (opts.format === undefined && guessFormat(input, new Uint8Array()) === 'csv')) {
      format = 'csv';
      parsed = await parseKevCsv(inputChunks(input, opts), opts);
    } else {
      const bytes = await readInputBytes(input, opts);
      refuseBinary(location, bytes.subarray(0, 64));
      format = opts.format ?? guessFormat(input, bytes.subarray(0, 64));
      parsed = format === 'json' ? parseKevJson(bytes) : await parseKevCsv(bytes, opts);
    }
  } catch (err) {
    // The status page shows why the last sync failed; the catalog stays as it was.
    await store.upsertSource({ id: KEV_SOURCE_ID, kind: 'kev', lastError: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  const { catalog, issues } = parsed;
  // The store ignores a catalog version it has seen or one older than its newest; the
  // source must not move back either (X1520-9.1: the content date is the newest content).
  const previous = await store.getSource(KEV_SOURCE_ID);
  const stale =
    previous?.contentDate !== undefined &&
    (previous.release === catalog.catalogVersion || Date.parse(previous.contentDate) > Date.parse(catalog.dateReleased));
  const sameVersion = stale && previous?.release === catalog.catalogVersion;
  const result = await store.importKev(catalog);
  const lastSyncAt = (opts.now?.() ?? new Date()).toISOString();
  if (stale) {
    await store.upsertSource({ id: KEV_SOURCE_ID, kind: 'kev', lastSyncAt, lastError: '' });
  } else {
    await store.upsertSource({
      id: KEV_SOURCE_ID,
      kind: 'kev',
      description: 'CISA Known Exploited Vulnerabilities catalog',
      location,
      contentDate: catalog.dateReleased,
      release: catalog.catalogVersion,
      lastSyncAt,
      lastError: '',
      counts: {
        entries: result.total,
        added: result.added,
        removed: result.removed,
        unchanged: result.unchanged,
        errors: issues.length,
      },
    });
  }
  return {
    ...result,
    location,
    format,
    catalogVersion: catalog.catalogVersion,
    dateReleased: catalog.dateReleased,
    derived: parsed.derived,
    stale,
    sameVersion,
    errors: issues,
  };
}
