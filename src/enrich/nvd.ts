/**
 * @module NVD data: CVE API 2.0 answers and NVD 2.0 JSON feeds (one shape: an envelope and
 * `vulnerabilities[].cve`), legacy NVD 1.1 feeds (`CVE_Items`, mapped to the same record), the
 * CVE Change History API (`cveChanges[].change`), the CPE API (`products[].cpe`) and the CPE
 * Match API (`matchStrings[].matchString`; the 1.0 match feed's `matches[]` too), and bare
 * `cve` objects as many tools keep them (`cves.jsonl`: one per line; or one array of them).
 *
 * Read as a stream: plain or gzip bytes or a stream of chunks; one record is parsed at a time,
 * so a multi-GB feed costs the memory of its largest record. A record with a bad field is
 * skipped with a `RecordIssue` naming it (`vulnerabilities[17].cve.id is missing`) and reading
 * goes on; a broken document (bad gzip, truncated JSON) throws `EnrichError`.
 *
 * @example
 * for await (const ev of readNvd(createReadStream('nvdcve-2.0-2021.json.gz'))) {
 *   if (ev.kind === 'cve') store(ev.record);
 *   else if (ev.kind === 'issue') report(ev.issue);
 *   else if (ev.kind === 'end') console.log(ev.envelope.timestamp, ev.counts);
 * }
 */
import type { CveId } from '../cve/index.ts';
// NVD's wire vocabulary and shapes are defined once, beside the writer of NVD answers.
import { NVD_METRIC_KEYS, NVD_SEVERITIES, NVD_VULN_STATUSES } from '../formats/index.ts';
import type { NvdCpeMatch, NvdCvssVersion, NvdLangString, NvdNode, NvdSeverity, NvdVulnStatus } from '../formats/index.ts';
import { elementJsonError } from '../ingest/json-error.ts';

export { NVD_CVSS_VERSIONS, NVD_VULN_STATUSES } from '../formats/index.ts';
export type { NvdCpeMatch, NvdCvssVersion, NvdLangString, NvdNode, NvdSeverity, NvdVulnStatus } from '../formats/index.ts';
import { EnrichError, FieldProblem, recordIssue } from './errors.ts';
import type { RecordIssue } from './errors.ts';
import {
  arr,
  cpe23,
  cveId,
  date,
  invalid,
  isObj,
  num,
  obj,
  oneOf,
  optArr,
  optBool,
  optDate,
  optNum,
  optObj,
  optStr,
  str,
  toIsoDate,
  uuid,
} from './fields.ts';
import type { Obj } from './fields.ts';
import { plainBytes, textChunks } from './input.ts';
import type { ByteInput, ByteLimits } from './input.ts';
import { JsonObjectStream } from './json-stream.ts';
import type { JsonStreamEvent } from './json-stream.ts';
import { JsonValueSplitter, jsonValuesMode } from './json-values.ts';
import type { JsonValueEvent, JsonValuesMode } from './json-values.ts';

/** `metrics` member → the CVSS version it holds (the inverse of NVD_METRIC_KEYS). */
const METRIC_VERSIONS: readonly (readonly [string, NvdCvssVersion])[] = (Object.entries(NVD_METRIC_KEYS) as [NvdCvssVersion, string][])
  .map(([version, key]) => [key, version] as const)
  .reverse();
const SEVERITIES = NVD_SEVERITIES;

/** One CVSS metric as NVD gives it: who scored it, and whether it is NVD's own (`Primary`). */
export interface NvdMetric {
  readonly cvssVersion: NvdCvssVersion;
  /** Who scored it: `nvd@nist.gov` or a CNA's source identifier. */
  readonly source: string;
  /** `Primary`: the NVD's (or, when the NVD has none, the source's main) score; `Secondary`: another source's. */
  readonly type: 'Primary' | 'Secondary';
  readonly vector: string;
  readonly baseScore: number;
  /** CVSS v2 has no severity in its spec: NVD's v2 band (`baseSeverity` beside `cvssData`). */
  readonly baseSeverity?: NvdSeverity;
  readonly exploitabilityScore?: number;
  readonly impactScore?: number;
}

export interface NvdWeakness {
  readonly source: string;
  readonly type: 'Primary' | 'Secondary';
  /** `CWE-79`, or NVD's `NVD-CWE-noinfo` / `NVD-CWE-Other`. */
  readonly cweIds: readonly string[];
}

/** A configuration: its nodes combined by `operator` (AND for "running on/with"). */
export interface NvdConfiguration {
  readonly operator?: 'AND' | 'OR';
  readonly negate: boolean;
  readonly nodes: readonly NvdNode[];
}

export interface NvdReference {
  readonly url: string;
  /** Who supplied it (a source identifier); absent in 1.1 feeds. */
  readonly source?: string;
  /** 1.1 feeds: the reference source (`BID`, `MISC`…). */
  readonly refsource?: string;
  readonly tags: readonly string[];
}

/** The CISA KEV fields NVD copies into a CVE it knows to be exploited. */
export interface NvdKev {
  readonly dateAdded: string;
  readonly dueDate?: string;
  readonly requiredAction?: string;
  readonly vulnerabilityName?: string;
}

/** One CVE as the NVD describes it, ready to store beside the CNA's and ADPs' containers. */
export interface NvdCveRecord {
  readonly kind: 'nvd-cve';
  /** `api-2.0` (CVE API 2.0 and 2.0 feeds) or `feed-1.1` (legacy `CVE_Items`). */
  readonly format: 'api-2.0' | 'feed-1.1';
  readonly cveId: CveId;
  /** Who submitted the CVE to the NVD (`ASSIGNER` in 1.1). */
  readonly sourceIdentifier?: string;
  /** ISO 8601 UTC. */
  readonly published: string;
  readonly lastModified: string;
  /**
   * NVD's analysis status; a value NVD adds later is kept as written (with a warning issue).
   * 1.1 feeds have none: `Rejected` when the description is `** REJECT **`, else absent.
   */
  readonly vulnStatus?: NvdVulnStatus | (string & {});
  readonly cveTags: readonly { readonly sourceIdentifier?: string; readonly tags: readonly string[] }[];
  readonly descriptions: readonly NvdLangString[];
  readonly metrics: readonly NvdMetric[];
  readonly weaknesses: readonly NvdWeakness[];
  readonly configurations: readonly NvdConfiguration[];
  readonly references: readonly NvdReference[];
  readonly kev?: NvdKev;
  /** The record as read (the `cve` object, or the 1.1 `CVE_Items` element), for fields not mapped (SSVC, vendor comments). */
  readonly raw: unknown;
}

export interface NvdChangeDetail {
  /** `Added`, `Changed`, `Removed`. */
  readonly action: string;
  /** What changed: `Description`, `CVSS V3.1`, `CPE Configuration`, `Affected`… */
  readonly type: string;
  /** A string, or JSON (newer events carry objects: `Affected`, `CVSSV4`). */
  readonly oldValue?: unknown;
  readonly newValue?: unknown;
}

/** One event of the CVE Change History API. */
export interface NvdChangeEvent {
  readonly kind: 'nvd-change';
  readonly cveId: CveId;
  /** `New CVE Received`, `Initial Analysis`, `Reanalysis`, `CVE Modified`, `CVE Rejected`… */
  readonly eventName: string;
  readonly cveChangeId: string;
  readonly sourceIdentifier?: string;
  readonly created: string;
  readonly details: readonly NvdChangeDetail[];
}

/** A CPE dictionary product (CPE API 2.0). */
export interface NvdCpeProduct {
  readonly kind: 'nvd-cpe';
  readonly cpeName: string;
  readonly cpeNameId: string;
  readonly deprecated: boolean;
  readonly created?: string;
  readonly lastModified?: string;
  readonly titles: readonly { readonly title: string; readonly lang: string }[];
  readonly refs: readonly { readonly ref: string; readonly type?: string }[];
  readonly deprecates: readonly { readonly cpeName: string; readonly cpeNameId?: string }[];
  readonly deprecatedBy: readonly { readonly cpeName: string; readonly cpeNameId?: string }[];
}

/** A CPE match criterion and the dictionary names it matches (CPE Match API 2.0, or the 1.0 feed). */
export interface NvdCpeMatchString {
  readonly kind: 'nvd-cpe-match';
  readonly criteria: string;
  /** Absent in the 1.0 feed. */
  readonly matchCriteriaId?: string;
  readonly versionStartIncluding?: string;
  readonly versionStartExcluding?: string;
  readonly versionEndIncluding?: string;
  readonly versionEndExcluding?: string;
  /** `Active` or `Inactive`. */
  readonly status?: string;
  readonly created?: string;
  readonly lastModified?: string;
  readonly cpeLastModified?: string;
  readonly matches: readonly { readonly cpeName: string; readonly cpeNameId?: string }[];
}

/** The document's envelope: what the sync needs for paging and the source's content date. */
export interface NvdEnvelope {
  /** `NVD_CVE`, `NVD_CVEHistory`, `NVD_CPE`, `NVD_CPEMatchString`; `NVD_CVE_FEED_1.1` and `NVD_CPEMATCH_FEED_1.0` for the legacy feeds. */
  readonly format: string;
  readonly version?: string;
  /** When NVD produced it (ISO 8601 UTC): the content date. */
  readonly timestamp?: string;
  readonly resultsPerPage?: number;
  readonly startIndex?: number;
  /** Results of the whole query (all pages); for a 1.1 feed, `CVE_data_numberOfCVEs`. */
  readonly totalResults?: number;
}

export interface NvdCounts {
  readonly read: number;
  readonly ok: number;
  readonly skipped: number;
  readonly warnings: number;
}

export type NvdEvent =
  /** `position`: where in the input (`vulnerabilities[3]`, `line 17`). */
  | { readonly kind: 'cve'; readonly record: NvdCveRecord; readonly position?: string }
  | { readonly kind: 'change'; readonly change: NvdChangeEvent }
  | { readonly kind: 'cpe'; readonly product: NvdCpeProduct }
  | { readonly kind: 'cpe-match'; readonly matchString: NvdCpeMatchString }
  | { readonly kind: 'issue'; readonly issue: RecordIssue }
  /** Last event: the envelope (its members may follow the records in a feed) and the counts. */
  | { readonly kind: 'end'; readonly envelope: NvdEnvelope; readonly counts: NvdCounts };

export interface NvdReadOptions extends ByteLimits {
  /** What to call the input in messages (default `NVD JSON`). */
  readonly name?: string;
  /** Largest record in characters (default 64 Mi); a larger one is skipped with RECORD_TOO_LARGE. */
  readonly maxRecordChars?: number;
}

/** Which array holds the records, and how to read one. */
const ARRAYS = {
  vulnerabilities: 'cve',
  CVE_Items: 'cve-1.1',
  cveChanges: 'change',
  products: 'cpe',
  matchStrings: 'cpe-match',
  matches: 'cpe-match-1.0',
} as const;
type ArrayKey = keyof typeof ARRAYS;
const STREAMED: ReadonlySet<string> = new Set(Object.keys(ARRAYS));

/**
 * Read an NVD JSON document as a stream of records and per-record issues, then an `end` event.
 * Throws `EnrichError` when the document itself is broken or is no NVD document.
 */
export async function* readNvd(input: ByteInput, opts: NvdReadOptions = {}): AsyncGenerator<NvdEvent> {
  const what = opts.name ?? 'NVD JSON';
  const { shape, text } = await nvdShape(textChunks(plainBytes(input, what, opts), what));
  if (shape === 'document') yield* readNvdDocument(text, what, opts);
  else yield* readNvdCveValues(text, shape, opts);
}

async function* readNvdDocument(text: AsyncIterable<string>, what: string, opts: NvdReadOptions): AsyncGenerator<NvdEvent> {
  const stream = new JsonObjectStream({ streamed: STREAMED, what, ...(opts.maxRecordChars ? { maxItemChars: opts.maxRecordChars } : {}) });
  const members: Record<string, unknown> = Object.create(null);
  let arrayKey: ArrayKey | undefined;
  let read = 0;
  let ok = 0;
  let skipped = 0;
  let warnings = 0;

  function* handle(ev: JsonStreamEvent): Generator<NvdEvent> {
    if (ev.kind === 'member') {
      members[ev.key] = ev.value;
      return;
    }
    arrayKey ??= ev.key as ArrayKey;
    read++;
    const where = `${ev.key}[${ev.index}]`;
    if (ev.kind === 'item-too-large') {
      skipped++;
      yield { kind: 'issue', issue: recordIssue({ source: 'nvd', record: where }, 'RECORD_TOO_LARGE', undefined, `is ${ev.chars} characters, over the limit`) };
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(ev.text);
    } catch (err) {
      skipped++;
      yield { kind: 'issue', issue: recordIssue({ source: 'nvd', record: where }, 'RECORD_MALFORMED', undefined, `is ${elementJsonError(err, ev.text)}`) };
      return;
    }
    const kind = ARRAYS[ev.key as ArrayKey];
    const found: RecordIssue[] = [];
    try {
      const out = convert(kind, value, where, found);
      warnings += found.length;
      for (const issue of found) yield { kind: 'issue', issue };
      ok++;
      yield out.kind === 'cve' ? { ...out, position: where } : out;
    } catch (err) {
      if (!(err instanceof FieldProblem)) throw err;
      skipped++;
      const id = recordIdOf(kind, value);
      yield { kind: 'issue', issue: recordIssue({ source: 'nvd', record: where, ...(id ? { recordId: id } : {}) }, err.code, err.field, err.why) };
    }
  }

  for await (const chunk of text) {
    for (const ev of stream.push(chunk)) yield* handle(ev);
  }
  for (const ev of stream.end()) yield* handle(ev);
  const envelope = toEnvelope(members, arrayKey, what);
  yield { kind: 'end', envelope, counts: { read, ok, skipped, warnings } };
}

/** Members of NVD's `cve` object: a top-level object starting with one is a bare record, not a document. */
const CVE_MEMBERS: ReadonlySet<string> = new Set([
  'cve', 'id', 'sourceIdentifier', 'vulnStatus', 'published', 'lastModified', 'evaluatorComment', 'evaluatorSolution', 'evaluatorImpact',
  'cisaExploitAdd', 'cisaActionDue', 'cisaRequiredAction', 'cisaVulnerabilityName', 'cveTags', 'descriptions', 'metrics', 'weaknesses',
  'configurations', 'references', 'vendorComments',
]);

/** Most text looked at to tell the shape (the first record's size, at most). */
const MAX_SHAPE_HEAD = 64 * 1024 * 1024;

/**
 * Which shape the text has, from its start: an NVD document (`{"resultsPerPage": …}`, a
 * feed), or bare `cve` objects (`{"id": "CVE-…", …}` or `{"cve": {…}}`) one per line
 * (`cves.jsonl`), pretty-printed one after another, or in one array. Returns the text again.
 */
async function nvdShape(chunks: AsyncIterable<string>): Promise<{ shape: 'document' | JsonValuesMode; text: AsyncIterable<string> }> {
  const it = chunks[Symbol.asyncIterator]();
  const taken: string[] = [];
  let head = '';
  let ended = false;
  let shape: 'document' | JsonValuesMode | undefined;
  for (;;) {
    shape = shapeOf(head, ended);
    if (shape !== undefined || ended || head.length > MAX_SHAPE_HEAD) break;
    const r = await it.next();
    if (r.done) ended = true;
    else {
      taken.push(r.value);
      head += r.value;
    }
  }
  async function* again(): AsyncGenerator<string> {
    yield* taken;
    taken.length = 0;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { shape: shape ?? 'document', text: again() };
}

function shapeOf(head: string, ended: boolean): 'document' | JsonValuesMode | undefined {
  const m = /^[\s\uFEFF]*(?:(\[)|\{\s*(?:"((?:[^"\\]|\\.)*)")?)/.exec(head);
  if (!m) return /^[\s\uFEFF]*$/.test(head) && !ended ? undefined : 'document';
  if (m[1]) {
    // An array of objects (or an empty one); any other array is no NVD input.
    const first = /^[\s\uFEFF]*\[\s*(\S)?/.exec(head)?.[1];
    if (first === undefined) return ended ? 'document' : undefined;
    return first === '{' || first === ']' ? 'array' : 'document';
  }
  if (m[2] === undefined) return ended || /^[\s\uFEFF]*\{\s*[^\s"]/.test(head) ? 'document' : undefined;
  return CVE_MEMBERS.has(m[2]) ? jsonValuesMode(head, ended) : 'document';
}

/**
 * Bare NVD `cve` objects (or `{"cve": …}` items): one per line, one after another, or in one
 * array. A bad line (not JSON, not a record, a bad field, cut short) is a `RecordIssue` naming
 * its line; the good ones come out as records.
 */
async function* readNvdCveValues(text: AsyncIterable<string>, mode: JsonValuesMode, opts: NvdReadOptions): AsyncGenerator<NvdEvent> {
  const splitter = new JsonValueSplitter(mode, opts.maxRecordChars ? { maxValueChars: opts.maxRecordChars } : {});
  let read = 0;
  let ok = 0;
  let skipped = 0;
  let warnings = 0;
  const bad = (line: number, code: 'RECORD_MALFORMED' | 'RECORD_TOO_LARGE', why: string, recordId?: string): NvdEvent => {
    skipped++;
    return { kind: 'issue', issue: recordIssue({ source: 'nvd', record: `line ${line}`, line, ...(recordId ? { recordId } : {}) }, code, undefined, why) };
  };

  function* handle(ev: JsonValueEvent): Generator<NvdEvent> {
    read++;
    if (ev.kind === 'junk') return void (yield bad(ev.line, 'RECORD_MALFORMED', `is not a JSON object: ${JSON.stringify(ev.text)}`));
    if (ev.kind === 'too-large') return void (yield bad(ev.line, 'RECORD_TOO_LARGE', `is ${ev.chars} characters, over the limit`));
    if (ev.kind === 'truncated') return void (yield bad(ev.line, 'RECORD_MALFORMED', 'is cut short: the input ends inside it'));
    const where = `line ${ev.line}`;
    let value: unknown;
    try {
      value = JSON.parse(ev.text);
    } catch (err) {
      return void (yield bad(ev.line, 'RECORD_MALFORMED', `is ${elementJsonError(err, ev.text)}`));
    }
    if (!isObj(value)) return void (yield bad(ev.line, 'RECORD_MALFORMED', `is ${Array.isArray(value) ? 'an array' : typeof value}, not an NVD cve object`));
    // `{"cve": {…}}` is a `vulnerabilities` element; anything else is the `cve` object itself.
    const item = isObj(value.cve) && value.id === undefined ? value : { cve: value };
    const found: RecordIssue[] = [];
    try {
      const record = cveRecord(item, where, found);
      warnings += found.length;
      for (const issue of found) yield { kind: 'issue', issue: { ...issue, line: ev.line } };
      ok++;
      yield { kind: 'cve', record, position: where };
    } catch (err) {
      if (!(err instanceof FieldProblem)) throw err;
      skipped++;
      const id = recordIdOf('cve', item);
      yield { kind: 'issue', issue: recordIssue({ source: 'nvd', record: where, line: ev.line, ...(id ? { recordId: id } : {}) }, err.code, err.field, err.why) };
    }
  }

  for await (const chunk of text) {
    for (const ev of splitter.push(chunk)) yield* handle(ev);
  }
  for (const ev of splitter.end()) yield* handle(ev);
  yield { kind: 'end', envelope: { format: mode === 'array' ? 'NVD_CVE_ARRAY' : 'NVD_CVE_JSONL' }, counts: { read, ok, skipped, warnings } };
}

/** Everything of one (small) NVD document: an API page, a test fixture. */
export interface NvdDocument {
  readonly envelope: NvdEnvelope;
  readonly cves: NvdCveRecord[];
  readonly changes: NvdChangeEvent[];
  readonly products: NvdCpeProduct[];
  readonly matchStrings: NvdCpeMatchString[];
  readonly issues: RecordIssue[];
  readonly counts: NvdCounts;
}

/**
 * Read a whole NVD document into memory (an API page of at most 2,000 CVEs); for feeds,
 * prefer `readNvd`.
 *
 * @example
 * const page = await parseNvd(await readFile('0-2000.json'));
 * page.envelope.totalResults; page.cves[0].vulnStatus; page.issues
 */
export async function parseNvd(input: ByteInput, opts: NvdReadOptions = {}): Promise<NvdDocument> {
  const doc = { cves: [] as NvdCveRecord[], changes: [] as NvdChangeEvent[], products: [] as NvdCpeProduct[], matchStrings: [] as NvdCpeMatchString[], issues: [] as RecordIssue[] };
  for await (const ev of readNvd(input, opts)) {
    switch (ev.kind) {
      case 'cve':
        doc.cves.push(ev.record);
        break;
      case 'change':
        doc.changes.push(ev.change);
        break;
      case 'cpe':
        doc.products.push(ev.product);
        break;
      case 'cpe-match':
        doc.matchStrings.push(ev.matchString);
        break;
      case 'issue':
        doc.issues.push(ev.issue);
        break;
      case 'end':
        return { ...doc, envelope: ev.envelope, counts: ev.counts };
    }
  }
  throw new Error('unreachable: readNvd ends with an end event');
}

function recordIdOf(kind: (typeof ARRAYS)[ArrayKey], value: unknown): string | undefined {
  if (!isObj(value)) return undefined;
  const pick = (o: unknown, ...keys: string[]): string | undefined => {
    let v: unknown = o;
    for (const k of keys) v = isObj(v) ? v[k] : undefined;
    return typeof v === 'string' && v.length <= 200 ? v : undefined;
  };
  switch (kind) {
    case 'cve':
      return pick(value, 'cve', 'id');
    case 'cve-1.1':
      return pick(value, 'cve', 'CVE_data_meta', 'ID');
    case 'change':
      return pick(value, 'change', 'cveId');
    case 'cpe':
      return pick(value, 'cpe', 'cpeName');
    case 'cpe-match':
      return pick(value, 'matchString', 'criteria');
    case 'cpe-match-1.0':
      return pick(value, 'cpe23Uri');
  }
}

function convert(kind: (typeof ARRAYS)[ArrayKey], value: unknown, where: string, issues: RecordIssue[]): NvdEvent {
  switch (kind) {
    case 'cve':
      return { kind: 'cve', record: cveRecord(value, where, issues) };
    case 'cve-1.1':
      return { kind: 'cve', record: cveRecord11(value) };
    case 'change':
      return { kind: 'change', change: changeEvent(value) };
    case 'cpe':
      return { kind: 'cpe', product: cpeProduct(value) };
    case 'cpe-match':
      return { kind: 'cpe-match', matchString: matchString(obj(obj(value, '(record)').matchString, 'matchString'), 'matchString.') };
    case 'cpe-match-1.0':
      return { kind: 'cpe-match', matchString: matchString10(value) };
  }
}

// --- NVD 2.0 CVE ---------------------------------------------------------------------------

function langStrings(list: readonly unknown[], field: string): NvdLangString[] {
  return list.map((d, i) => {
    const o = obj(d, `${field}[${i}]`);
    return { lang: str(o, 'lang', `${field}[${i}].lang`), value: str(o, 'value', `${field}[${i}].value`) };
  });
}

function metric(v: unknown, version: NvdCvssVersion, field: string): NvdMetric {
  const m = obj(v, field);
  const data = obj(m.cvssData, `${field}.cvssData`);
  const vector = str(data, 'vectorString', `${field}.cvssData.vectorString`);
  const declared = optStr(data, 'version', `${field}.cvssData.version`);
  if (declared !== undefined && declared !== version) invalid(`${field}.cvssData.version`, `is "${declared}" in a CVSS ${version} list`);
  // v2 keeps its severity beside cvssData; v3 and v4 inside it.
  const severityHolder = version === '2.0' ? m : data;
  const severity = severityHolder.baseSeverity === undefined ? undefined : oneOf(severityHolder, 'baseSeverity', `${field}${version === '2.0' ? '' : '.cvssData'}.baseSeverity`, SEVERITIES);
  const exploitability = optNum(m, 'exploitabilityScore', `${field}.exploitabilityScore`, 0, 10);
  const impact = optNum(m, 'impactScore', `${field}.impactScore`, 0, 10);
  return {
    cvssVersion: version,
    source: str(m, 'source', `${field}.source`),
    type: oneOf(m, 'type', `${field}.type`, ['Primary', 'Secondary'] as const),
    vector,
    baseScore: num(data, 'baseScore', `${field}.cvssData.baseScore`, 0, 10),
    ...(severity ? { baseSeverity: severity } : {}),
    ...(exploitability !== undefined ? { exploitabilityScore: exploitability } : {}),
    ...(impact !== undefined ? { impactScore: impact } : {}),
  };
}

function cpeMatch(v: unknown, field: string, legacy: boolean): NvdCpeMatch {
  const m = obj(v, field);
  const vulnerable = optBool(m, 'vulnerable', `${field}.vulnerable`);
  if (vulnerable === undefined) invalid(`${field}.vulnerable`, 'is missing');
  const out: Record<string, unknown> = {
    vulnerable,
    criteria: cpe23(m, legacy ? 'cpe23Uri' : 'criteria', `${field}.${legacy ? 'cpe23Uri' : 'criteria'}`),
  };
  // NVD always gives one; other producers of the same shape (cvekit's own NVD endpoint, from a
  // CVE JSON 5.1 cpeApplicability without ids) may not, and the criterion stands without it.
  if (!legacy && m.matchCriteriaId !== undefined) out.matchCriteriaId = uuid(m, 'matchCriteriaId', `${field}.matchCriteriaId`);
  for (const k of ['versionStartIncluding', 'versionStartExcluding', 'versionEndIncluding', 'versionEndExcluding'] as const) {
    const r = optStr(m, k, `${field}.${k}`);
    if (r !== undefined) out[k] = r;
  }
  return out as unknown as NvdCpeMatch;
}

const OPERATORS = ['AND', 'OR'] as const;

function node(v: unknown, field: string): NvdNode {
  const n = obj(v, field);
  return {
    operator: oneOf(n, 'operator', `${field}.operator`, OPERATORS),
    negate: optBool(n, 'negate', `${field}.negate`) ?? false,
    cpeMatch: arr(n, 'cpeMatch', `${field}.cpeMatch`).map((m, i) => cpeMatch(m, `${field}.cpeMatch[${i}]`, false)),
  };
}

function cveRecord(value: unknown, where: string, issues: RecordIssue[]): NvdCveRecord {
  const c = obj(obj(value, '(record)').cve, 'cve');
  const id = cveId(c, 'id', 'cve.id');
  const status = optStr(c, 'vulnStatus', 'cve.vulnStatus');
  if (status !== undefined && !(NVD_VULN_STATUSES as readonly string[]).includes(status)) {
    issues.push(recordIssue({ source: 'nvd', record: where, recordId: id }, 'FIELD_UNKNOWN_VALUE', 'cve.vulnStatus', `is ${JSON.stringify(status)}, not a known NVD status: kept as written`));
  }
  const metricsObj = optObj(c, 'metrics', 'cve.metrics') ?? {};
  const metrics: NvdMetric[] = [];
  for (const [key, version] of METRIC_VERSIONS) {
    optArr(metricsObj, key, `cve.metrics.${key}`).forEach((m, i) => metrics.push(metric(m, version, `cve.metrics.${key}[${i}]`)));
  }
  const weaknesses = optArr(c, 'weaknesses', 'cve.weaknesses').map((w, i): NvdWeakness => {
    const f = `cve.weaknesses[${i}]`;
    const o = obj(w, f);
    return {
      source: str(o, 'source', `${f}.source`),
      type: oneOf(o, 'type', `${f}.type`, ['Primary', 'Secondary'] as const),
      cweIds: langStrings(arr(o, 'description', `${f}.description`), `${f}.description`).map((d) => d.value.trim()),
    };
  });
  const configurations = optArr(c, 'configurations', 'cve.configurations').map((cfg, i): NvdConfiguration => {
    const f = `cve.configurations[${i}]`;
    const o = obj(cfg, f);
    const operator = o.operator === undefined ? undefined : oneOf(o, 'operator', `${f}.operator`, OPERATORS);
    return {
      ...(operator ? { operator } : {}),
      negate: optBool(o, 'negate', `${f}.negate`) ?? false,
      nodes: arr(o, 'nodes', `${f}.nodes`).map((n, k) => node(n, `${f}.nodes[${k}]`)),
    };
  });
  const references = optArr(c, 'references', 'cve.references').map((r, i): NvdReference => {
    const f = `cve.references[${i}]`;
    const o = obj(r, f);
    const source = optStr(o, 'source', `${f}.source`);
    return { url: str(o, 'url', `${f}.url`), ...(source ? { source } : {}), tags: stringList(o, 'tags', `${f}.tags`) };
  });
  const cveTags = optArr(c, 'cveTags', 'cve.cveTags').map((t, i) => {
    const o = obj(t, `cve.cveTags[${i}]`);
    const source = optStr(o, 'sourceIdentifier', `cve.cveTags[${i}].sourceIdentifier`);
    return { ...(source ? { sourceIdentifier: source } : {}), tags: stringList(o, 'tags', `cve.cveTags[${i}].tags`) };
  });
  const sourceIdentifier = optStr(c, 'sourceIdentifier', 'cve.sourceIdentifier');
  const kevAdded = optDate(c, 'cisaExploitAdd', 'cve.cisaExploitAdd');
  let kev: NvdKev | undefined;
  if (kevAdded !== undefined) {
    const due = optDate(c, 'cisaActionDue', 'cve.cisaActionDue');
    const action = optStr(c, 'cisaRequiredAction', 'cve.cisaRequiredAction');
    const name = optStr(c, 'cisaVulnerabilityName', 'cve.cisaVulnerabilityName');
    kev = {
      dateAdded: kevAdded.slice(0, 10),
      ...(due ? { dueDate: due.slice(0, 10) } : {}),
      ...(action ? { requiredAction: action } : {}),
      ...(name ? { vulnerabilityName: name } : {}),
    };
  }
  return {
    kind: 'nvd-cve',
    format: 'api-2.0',
    cveId: id,
    ...(sourceIdentifier ? { sourceIdentifier } : {}),
    published: date(c, 'published', 'cve.published'),
    lastModified: date(c, 'lastModified', 'cve.lastModified'),
    ...(status ? { vulnStatus: status } : {}),
    cveTags,
    descriptions: langStrings(arr(c, 'descriptions', 'cve.descriptions'), 'cve.descriptions'),
    metrics,
    weaknesses,
    configurations,
    references,
    ...(kev ? { kev } : {}),
    raw: c,
  };
}

function stringList(o: Obj, key: string, field: string): string[] {
  return optArr(o, key, field).map((t, i) => {
    if (typeof t !== 'string') invalid(`${field}[${i}]`, 'is not a string');
    return t;
  });
}

// --- NVD 1.1 feed (CVE_Items) ----------------------------------------------------------------

function nodes11(list: readonly unknown[], field: string): NvdConfiguration[] {
  const out: NvdConfiguration[] = [];
  list.forEach((v, i) => {
    const f = `${field}[${i}]`;
    const n = obj(v, f);
    const operator = oneOf(n, 'operator', `${f}.operator`, OPERATORS);
    const negate = optBool(n, 'negate', `${f}.negate`) ?? false;
    const own = optArr(n, 'cpe_match', `${f}.cpe_match`).map((m, k) => cpeMatch(m, `${f}.cpe_match[${k}]`, true));
    const children = optArr(n, 'children', `${f}.children`);
    if (children.length === 0) {
      // A 1.1 top-level node without children is a 2.0 configuration of one node.
      out.push({ negate: false, nodes: [{ operator, negate, cpeMatch: own }] });
      return;
    }
    // A 1.1 node with children (`AND` of `OR` nodes) is a 2.0 configuration whose nodes are the children.
    const childNodes = children.map((ch, k): NvdNode => {
      const cf = `${f}.children[${k}]`;
      const c = obj(ch, cf);
      if (optArr(c, 'children', `${cf}.children`).length > 0) invalid(`${cf}.children`, 'nests deeper than NVD 1.1 configurations do');
      return {
        operator: oneOf(c, 'operator', `${cf}.operator`, OPERATORS),
        negate: optBool(c, 'negate', `${cf}.negate`) ?? false,
        cpeMatch: optArr(c, 'cpe_match', `${cf}.cpe_match`).map((m, j) => cpeMatch(m, `${cf}.cpe_match[${j}]`, true)),
      };
    });
    if (own.length > 0) childNodes.push({ operator: 'OR', negate: false, cpeMatch: own });
    out.push({ operator, negate, nodes: childNodes });
  });
  return out;
}

function metric11(holder: Obj | undefined, key: 'cvssV3' | 'cvssV2', field: string): NvdMetric | undefined {
  if (!holder) return undefined;
  const data = obj(holder[key], `${field}.${key}`);
  const declared = str(data, 'version', `${field}.${key}.version`);
  const version = key === 'cvssV2' ? '2.0' : declared === '3.0' ? '3.0' : declared === '3.1' ? '3.1' : invalid(`${field}.${key}.version`, `is "${declared}", not 3.0 or 3.1`);
  const severity = key === 'cvssV2' ? (holder.severity === undefined ? undefined : oneOf(holder, 'severity', `${field}.severity`, SEVERITIES)) : oneOf(data, 'baseSeverity', `${field}.${key}.baseSeverity`, SEVERITIES);
  const exploitability = optNum(holder, 'exploitabilityScore', `${field}.exploitabilityScore`, 0, 10);
  const impact = optNum(holder, 'impactScore', `${field}.impactScore`, 0, 10);
  return {
    cvssVersion: version,
    // The 1.1 feeds carried NVD's own scores only.
    source: 'nvd@nist.gov',
    type: 'Primary',
    vector: str(data, 'vectorString', `${field}.${key}.vectorString`),
    baseScore: num(data, 'baseScore', `${field}.${key}.baseScore`, 0, 10),
    ...(severity ? { baseSeverity: severity } : {}),
    ...(exploitability !== undefined ? { exploitabilityScore: exploitability } : {}),
    ...(impact !== undefined ? { impactScore: impact } : {}),
  };
}

function cveRecord11(value: unknown): NvdCveRecord {
  const item = obj(value, '(record)');
  const c = obj(item.cve, 'cve');
  const meta = obj(c.CVE_data_meta, 'cve.CVE_data_meta');
  const id = cveId(meta, 'ID', 'cve.CVE_data_meta.ID');
  const description = obj(c.description, 'cve.description');
  const descriptions = langStrings(optArr(description, 'description_data', 'cve.description.description_data'), 'cve.description.description_data');
  const problem = optObj(c, 'problemtype', 'cve.problemtype');
  const cweIds: string[] = [];
  optArr(problem ?? {}, 'problemtype_data', 'cve.problemtype.problemtype_data').forEach((p, i) => {
    const f = `cve.problemtype.problemtype_data[${i}]`;
    for (const d of langStrings(optArr(obj(p, f), 'description', `${f}.description`), `${f}.description`)) cweIds.push(d.value.trim());
  });
  const refs = optObj(c, 'references', 'cve.references');
  const references = optArr(refs ?? {}, 'reference_data', 'cve.references.reference_data').map((r, i): NvdReference => {
    const f = `cve.references.reference_data[${i}]`;
    const o = obj(r, f);
    const refsource = optStr(o, 'refsource', `${f}.refsource`);
    return { url: str(o, 'url', `${f}.url`), ...(refsource ? { refsource } : {}), tags: stringList(o, 'tags', `${f}.tags`) };
  });
  const config = optObj(item, 'configurations', 'configurations');
  const impact = optObj(item, 'impact', 'impact') ?? {};
  const metrics = [
    metric11(optObj(impact, 'baseMetricV3', 'impact.baseMetricV3'), 'cvssV3', 'impact.baseMetricV3'),
    metric11(optObj(impact, 'baseMetricV2', 'impact.baseMetricV2'), 'cvssV2', 'impact.baseMetricV2'),
  ].filter((m): m is NvdMetric => m !== undefined);
  const assigner = optStr(meta, 'ASSIGNER', 'cve.CVE_data_meta.ASSIGNER');
  const rejected = descriptions.some((d) => /^\s*\*\*\s*REJECT\s*\*\*/.test(d.value));
  return {
    kind: 'nvd-cve',
    format: 'feed-1.1',
    cveId: id,
    ...(assigner ? { sourceIdentifier: assigner } : {}),
    published: date(item, 'publishedDate', 'publishedDate'),
    lastModified: date(item, 'lastModifiedDate', 'lastModifiedDate'),
    ...(rejected ? { vulnStatus: 'Rejected' } : {}),
    cveTags: [],
    descriptions,
    metrics,
    weaknesses: cweIds.length > 0 ? [{ source: 'nvd@nist.gov', type: 'Primary', cweIds }] : [],
    configurations: nodes11(optArr(config ?? {}, 'nodes', 'configurations.nodes'), 'configurations.nodes'),
    references,
    raw: item,
  };
}

// --- Change history, CPE, CPE match ---------------------------------------------------------------

function changeEvent(value: unknown): NvdChangeEvent {
  const c = obj(obj(value, '(record)').change, 'change');
  const source = optStr(c, 'sourceIdentifier', 'change.sourceIdentifier');
  return {
    kind: 'nvd-change',
    cveId: cveId(c, 'cveId', 'change.cveId'),
    eventName: str(c, 'eventName', 'change.eventName'),
    cveChangeId: uuid(c, 'cveChangeId', 'change.cveChangeId'),
    ...(source ? { sourceIdentifier: source } : {}),
    created: date(c, 'created', 'change.created'),
    details: optArr(c, 'details', 'change.details').map((d, i): NvdChangeDetail => {
      const f = `change.details[${i}]`;
      const o = obj(d, f);
      return {
        action: str(o, 'action', `${f}.action`),
        type: str(o, 'type', `${f}.type`),
        ...(o.oldValue !== undefined ? { oldValue: o.oldValue } : {}),
        ...(o.newValue !== undefined ? { newValue: o.newValue } : {}),
      };
    }),
  };
}

function cpeRefs(list: readonly unknown[], field: string): { cpeName: string; cpeNameId?: string }[] {
  return list.map((v, i) => {
    const o = obj(v, `${field}[${i}]`);
    const id = o.cpeNameId === undefined ? undefined : uuid(o, 'cpeNameId', `${field}[${i}].cpeNameId`);
    return { cpeName: cpe23(o, 'cpeName', `${field}[${i}].cpeName`), ...(id ? { cpeNameId: id } : {}) };
  });
}

function cpeProduct(value: unknown): NvdCpeProduct {
  const c = obj(obj(value, '(record)').cpe, 'cpe');
  const created = optDate(c, 'created', 'cpe.created');
  const lastModified = optDate(c, 'lastModified', 'cpe.lastModified');
  return {
    kind: 'nvd-cpe',
    cpeName: cpe23(c, 'cpeName', 'cpe.cpeName'),
    cpeNameId: uuid(c, 'cpeNameId', 'cpe.cpeNameId'),
    deprecated: optBool(c, 'deprecated', 'cpe.deprecated') ?? false,
    ...(created ? { created } : {}),
    ...(lastModified ? { lastModified } : {}),
    titles: optArr(c, 'titles', 'cpe.titles').map((t, i) => {
      const o = obj(t, `cpe.titles[${i}]`);
      return { title: str(o, 'title', `cpe.titles[${i}].title`), lang: str(o, 'lang', `cpe.titles[${i}].lang`) };
    }),
    refs: optArr(c, 'refs', 'cpe.refs').map((r, i) => {
      const o = obj(r, `cpe.refs[${i}]`);
      const type = optStr(o, 'type', `cpe.refs[${i}].type`);
      return { ref: str(o, 'ref', `cpe.refs[${i}].ref`), ...(type ? { type } : {}) };
    }),
    deprecates: cpeRefs(optArr(c, 'deprecates', 'cpe.deprecates'), 'cpe.deprecates'),
    deprecatedBy: cpeRefs(optArr(c, 'deprecatedBy', 'cpe.deprecatedBy'), 'cpe.deprecatedBy'),
  };
}

const RANGE_KEYS = ['versionStartIncluding', 'versionStartExcluding', 'versionEndIncluding', 'versionEndExcluding'] as const;

function matchString(m: Obj, prefix: string): NvdCpeMatchString {
  const out: Record<string, unknown> = {
    kind: 'nvd-cpe-match',
    criteria: cpe23(m, 'criteria', `${prefix}criteria`),
    matchCriteriaId: uuid(m, 'matchCriteriaId', `${prefix}matchCriteriaId`),
  };
  for (const k of RANGE_KEYS) {
    const r = optStr(m, k, `${prefix}${k}`);
    if (r !== undefined) out[k] = r;
  }
  const status = optStr(m, 'status', `${prefix}status`);
  if (status) out.status = status;
  for (const k of ['created', 'lastModified', 'cpeLastModified'] as const) {
    const d = optDate(m, k, `${prefix}${k}`);
    if (d) out[k] = d;
  }
  out.matches = cpeRefs(optArr(m, 'matches', `${prefix}matches`), `${prefix}matches`);
  return out as unknown as NvdCpeMatchString;
}

function matchString10(value: unknown): NvdCpeMatchString {
  const m = obj(value, '(record)');
  const out: Record<string, unknown> = { kind: 'nvd-cpe-match', criteria: cpe23(m, 'cpe23Uri', 'cpe23Uri') };
  for (const k of RANGE_KEYS) {
    const r = optStr(m, k, k);
    if (r !== undefined) out[k] = r;
  }
  out.matches = optArr(m, 'cpe_name', 'cpe_name').map((n, i) => ({ cpeName: cpe23(obj(n, `cpe_name[${i}]`), 'cpe23Uri', `cpe_name[${i}].cpe23Uri`) }));
  return out as unknown as NvdCpeMatchString;
}

// --- Envelope ---------------------------------------------------------------------------------------

function toEnvelope(m: Record<string, unknown>, arrayKey: ArrayKey | undefined, what: string): NvdEnvelope {
  const count = (key: string, value: unknown): number | undefined => {
    if (value === undefined || value === null) return undefined;
    const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new EnrichError('ENRICH_JSON', `${what}: "${key}" is not a count: ${JSON.stringify(value)}`);
    }
    return n;
  };
  const time = (key: string, value: unknown): string | undefined => {
    if (value === undefined || value === null) return undefined;
    const iso = typeof value === 'string' ? toIsoDate(value) : undefined;
    if (iso === undefined) throw new EnrichError('ENRICH_JSON', `${what}: "${key}" is not a date: ${JSON.stringify(value)}`);
    return iso;
  };
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  let format = text(m.format);
  let version = text(m.version);
  let timestamp = time('timestamp', m.timestamp);
  let totalResults = count('totalResults', m.totalResults);
  if (m.CVE_Items !== undefined || arrayKey === 'CVE_Items' || m.CVE_data_type !== undefined) {
    format ??= 'NVD_CVE_FEED_1.1';
    version ??= '1.1';
    timestamp ??= time('CVE_data_timestamp', m.CVE_data_timestamp);
    totalResults ??= count('CVE_data_numberOfCVEs', m.CVE_data_numberOfCVEs);
  } else if (arrayKey === 'matches' && format === undefined) {
    format = 'NVD_CPEMATCH_FEED_1.0';
    version = '1.0';
  }
  if (format === undefined) {
    if (arrayKey === undefined) throw new EnrichError('ENRICH_NOT_NVD', `${what}: no NVD records (no "vulnerabilities", "CVE_Items", "cveChanges", "products", "matchStrings" or "matches" array) and no "format"`);
    format = { vulnerabilities: 'NVD_CVE', cveChanges: 'NVD_CVEHistory', products: 'NVD_CPE', matchStrings: 'NVD_CPEMatchString' }[arrayKey as string] ?? 'NVD_CVE';
  }
  const resultsPerPage = count('resultsPerPage', m.resultsPerPage);
  const startIndex = count('startIndex', m.startIndex);
  return {
    format,
    ...(version ? { version } : {}),
    ...(timestamp ? { timestamp } : {}),
    ...(resultsPerPage !== undefined ? { resultsPerPage } : {}),
    ...(startIndex !== undefined ? { startIndex } : {}),
    ...(totalResults !== undefined ? { totalResults } : {}),
  };
}
