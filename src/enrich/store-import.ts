/**
 * @module Enrichment into the repository: NVD documents (API answers, 2.0 and 1.1 feeds,
 * change history, CPE, CPE match), EPSS CSVs and MITRE's legacy files are streamed through
 * their parsers and stored in batches beside the CVE records (`store.enrich`), each batch
 * checked for mapping issues; the source's status (content date, last sync, counts, last
 * error) is kept with `store.upsertSource` (X1520-9.1 to 9.5).
 *
 * @example
 * const r = await importNvd(store, 'nvdcve-2.0-2021.json.gz');
 * r.counts // { read: 1520, added: 1517, updated: 0, unchanged: 3, older: 0, skipped: 0, … }
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import type { CveId } from '../cve/index.ts';
import { inputChunks, inputLocation } from '../ingest/csv.ts';
import type { ImportInput } from '../ingest/csv.ts';
// The CVE List reader's HTTP client: retries with backoff, stall detection, resumption by Range.
import { HttpBody, isHttpUrl } from '../ingest/readers/http.ts';
import { resolveOptions } from '../ingest/readers/options.ts';
import type { HttpOptions } from '../ingest/readers/options.ts';
import { makeProcessTempDir } from '../ingest/readers/temp-dir.ts';
import type { LegacyEntryWrite, NvdCpeWrite, NvdRecordWrite, SourceInfo, Store } from '../store/index.ts';
import { readCvrf } from './cvrf.ts';
import { readEpss } from './epss.ts';
import type { EpssScore } from './epss.ts';
import type { RecordIssue } from './errors.ts';
import { readLegacyCsv } from './legacy-csv.ts';
import { readLegacyXml } from './legacy-xml.ts';
import type { LegacyEvent } from './legacy-xml.ts';
import type { LegacyEntry, LegacyFormat } from './legacy.ts';
import { MappingChecker, recheckMappingIssues } from './mapping.ts';
import type { MappingSubject } from './mapping.ts';
import { readNvd } from './nvd.ts';
import type { NvdChangeEvent, NvdCpeMatchString, NvdCpeProduct, NvdCveRecord, NvdEnvelope } from './nvd.ts';

/** The source ids under which each kind of data is recorded. */
export const ENRICH_SOURCE_IDS = { nvd: 'nvd', epss: 'epss', legacy: 'mitre-legacy' } as const;

/** Largest input (after gzip the parsers apply their own limit): the full NVD feeds are a few GiB. */
const MAX_INPUT_BYTES = 16 * 1024 * 1024 * 1024;
/** Issues kept in a summary (all are counted). */
const MAX_ISSUES = 200;

export interface EnrichImportOptions {
  /** Records per transaction (default 1,000; EPSS 5,000). */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  /**
   * For http(s) URLs: timeouts, attempts and backoff of the CVE List reader's client (a 5xx,
   * 408/429, a reset, a stall or a body cut short is retried, resuming at the byte reached).
   */
  readonly http?: HttpOptions;
  /** Where a URL's body is saved while it is imported (default the system's temp directory). */
  readonly tempDir?: string;
  readonly now?: () => Date;
  /** Shown as the source's next sync (a running `--every`). */
  readonly nextSyncAt?: string;
  readonly onProgress?: (read: number) => void;
}

export interface EnrichImportSummary {
  readonly source: string;
  readonly input: string;
  /** `NVD_CVE`, `NVD_CVEHistory`, `epss-csv`, `cve-1.0-xml`… */
  readonly format: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly contentDate?: string;
  readonly release?: string;
  /** Per-record problems (the first 200). */
  readonly issues: readonly RecordIssue[];
  readonly mapping: { readonly checked: number; readonly found: number; readonly resolved: number; readonly skipped: boolean };
  readonly durationMs: number;
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const newer = (a: string | undefined, b: string | undefined): string | undefined => (!a ? b : !b ? a : Date.parse(b) > Date.parse(a) ? b : a);

/** The NVD record as stored: NVD's own object, minified, and the columns beside it. */
export function nvdWrite(r: NvdCveRecord, origin?: string): NvdRecordWrite {
  const json = JSON.stringify(r.raw);
  return {
    cveId: r.cveId,
    format: r.format,
    json,
    hash: sha256(json),
    lastModified: r.lastModified,
    published: r.published,
    ...(r.vulnStatus ? { vulnStatus: r.vulnStatus } : {}),
    ...(r.sourceIdentifier ? { sourceIdentifier: r.sourceIdentifier } : {}),
    ...(origin ? { origin } : {}),
  };
}

export function nvdSubject(r: NvdCveRecord, record: string): MappingSubject {
  return { cveId: r.cveId, record, rejectedInSource: r.vulnStatus === 'Rejected', note: r.vulnStatus ? `NVD status ${r.vulnStatus}` : 'NVD' };
}

function cpeWrite(p: NvdCpeProduct): NvdCpeWrite {
  const json = JSON.stringify(p);
  return { kind: 'cpe', key: p.cpeNameId, name: p.cpeName, ...(p.lastModified ? { lastModified: p.lastModified } : {}), hash: sha256(json), json };
}

function cpeMatchWrite(m: NvdCpeMatchString): NvdCpeWrite {
  const json = JSON.stringify(m);
  const range = [m.versionStartIncluding, m.versionStartExcluding, m.versionEndIncluding, m.versionEndExcluding].map((v) => v ?? '').join('|');
  return { kind: 'cpe-match', key: m.matchCriteriaId ?? `${m.criteria}|${range}`, name: m.criteria, ...(m.lastModified ? { lastModified: m.lastModified } : {}), hash: sha256(json), json };
}

async function sourceTotals(store: Store, source: string): Promise<Record<string, number>> {
  const c = await store.enrich.counts();
  const open = (await store.enrich.listMappingIssues({ source, status: 'open', limit: 1 })).total;
  if (source === ENRICH_SOURCE_IDS.nvd) return { records: c.nvdRecords, versions: c.nvdVersions, changes: c.nvdChanges, cpe: c.cpe, cpeMatch: c.cpeMatch, mappingIssues: open };
  if (source === ENRICH_SOURCE_IDS.epss) return { cves: c.epssCves, scores: c.epssScores, mappingIssues: open };
  return { entries: c.legacyEntries, mappingIssues: open };
}

/**
 * Run an import with the store's caches capped (`bulkImport`: memory stays bounded on big
 * files); record a failure on the source (X1520-9.5: errors shown with the status), then rethrow.
 */
async function failing<T>(store: Store, source: Pick<SourceInfo, 'id' | 'kind'>, location: string, run: () => Promise<T>): Promise<T> {
  try {
    return await store.enrich.bulkImport(run);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await store.upsertSource({ ...source, location, lastError: `${new Date().toISOString()} ${message}`.slice(0, 2000) }).catch(() => undefined);
    throw err;
  }
}

/** A stream of the input's bytes (file, file: or http(s) URL, or bytes in memory). */
function bytesOf(input: ImportInput | AsyncIterable<Uint8Array>, opts: EnrichImportOptions): AsyncIterable<Uint8Array> {
  const href = input instanceof URL ? input.href : typeof input === 'string' ? input : undefined;
  if (href !== undefined && isHttpUrl(href)) return httpBytes(href, opts);
  if (typeof input === 'string' || input instanceof URL || input instanceof Uint8Array) {
    return inputChunks(input, { maxBytes: MAX_INPUT_BYTES, ...(opts.signal ? { signal: opts.signal } : {}) });
  }
  return input;
}

/**
 * An http(s) body through the CVE List reader's client (retries, stalls, resumption), saved
 * to a temporary file whole before anything is parsed: a download that fails for good writes
 * nothing, and the parser never takes a body cut short for the whole document.
 */
async function* httpBytes(url: string, opts: EnrichImportOptions): AsyncGenerator<Uint8Array> {
  const dir = await makeProcessTempDir(opts.tempDir ?? tmpdir(), 'cvekit-download-');
  try {
    const file = join(dir, 'body');
    const body = new HttpBody(url, resolveOptions({ http: { ...opts.http } }).http);
    const out = createWriteStream(file);
    let total = 0;
    try {
      for await (const chunk of body.chunks()) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
        total += chunk.byteLength;
        if (total > MAX_INPUT_BYTES) throw new Error(`${url}: larger than ${MAX_INPUT_BYTES} bytes`);
        if (!out.write(chunk)) await once(out, 'drain');
      }
    } finally {
      await new Promise<void>((resolve) => out.end(resolve));
    }
    yield* inputChunks(file, { maxBytes: MAX_INPUT_BYTES, ...(opts.signal ? { signal: opts.signal } : {}) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const locationOf = (input: ImportInput | AsyncIterable<Uint8Array>): string =>
  typeof input === 'string' || input instanceof URL || input instanceof Uint8Array ? inputLocation(input) : '(stream)';

// --- NVD -----------------------------------------------------------------------------------

/**
 * Import one NVD document: CVE records (versions kept by `lastModified`, idempotent by
 * content hash), change history events, CPE products and CPE match strings.
 */
export async function importNvd(store: Store, input: ImportInput | AsyncIterable<Uint8Array>, opts: EnrichImportOptions = {}): Promise<EnrichImportSummary> {
  const started = Date.now();
  const now = opts.now ?? (() => new Date());
  const location = locationOf(input);
  const source = { id: ENRICH_SOURCE_IDS.nvd, kind: 'nvd' };
  const batchSize = opts.batchSize ?? 1000;
  return failing(store, source, location, async () => {
    const counts = { read: 0, added: 0, updated: 0, unchanged: 0, older: 0, changes: 0, cpe: 0, cpeMatch: 0, skipped: 0, warnings: 0 };
    const issues: RecordIssue[] = [];
    const mapping = new MappingChecker(store, source.id);
    let contentDate: string | undefined;
    let envelope: NvdEnvelope | undefined;
    let cves: { w: NvdRecordWrite; s: MappingSubject }[] = [];
    let ids = new Set<CveId>();
    let changes: NvdChangeEvent[] = [];
    let cpes: NvdCpeWrite[] = [];
    let index = 0;

    const flushCves = async () => {
      if (cves.length === 0) return;
      const outcomes = await store.enrich.writeNvdRecords(cves.map((c) => c.w));
      for (const o of outcomes) counts[o]++;
      await mapping.check(cves.map((c) => c.s), now().toISOString());
      cves = [];
      ids = new Set();
    };
    const flushChanges = async () => {
      if (changes.length === 0) return;
      counts.changes += await store.enrich.writeNvdChanges(
        changes.map((c) => ({ cveChangeId: c.cveChangeId, cveId: c.cveId, eventName: c.eventName, created: c.created, ...(c.sourceIdentifier ? { sourceIdentifier: c.sourceIdentifier } : {}), json: JSON.stringify(c) })),
      );
      changes = [];
    };
    const flushCpe = async () => {
      if (cpes.length === 0) return;
      await store.enrich.writeNvdCpe(cpes);
      cpes = [];
    };

    for await (const ev of readNvd(bytesOf(input, opts), { name: location })) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      switch (ev.kind) {
        case 'cve': {
          counts.read++;
          const where = `${location} ${ev.position ?? `vulnerabilities[${index}]`}`;
          index++;
          if (ids.has(ev.record.cveId)) await flushCves();
          ids.add(ev.record.cveId);
          cves.push({ w: nvdWrite(ev.record, where), s: nvdSubject(ev.record, where) });
          contentDate = newer(contentDate, ev.record.lastModified);
          if (cves.length >= batchSize) await flushCves();
          break;
        }
        case 'change':
          counts.read++;
          changes.push(ev.change);
          contentDate = newer(contentDate, ev.change.created);
          if (changes.length >= batchSize) await flushChanges();
          break;
        case 'cpe':
          counts.read++;
          counts.cpe++;
          cpes.push(cpeWrite(ev.product));
          if (cpes.length >= batchSize) await flushCpe();
          break;
        case 'cpe-match':
          counts.read++;
          counts.cpeMatch++;
          cpes.push(cpeMatchWrite(ev.matchString));
          if (cpes.length >= batchSize) await flushCpe();
          break;
        case 'issue':
          if (ev.issue.severity === 'error') counts.skipped++;
          else counts.warnings++;
          if (issues.length < MAX_ISSUES) issues.push(ev.issue);
          break;
        case 'end':
          envelope = ev.envelope;
          break;
      }
      if (counts.read % 1000 === 0) opts.onProgress?.(counts.read);
    }
    await flushCves();
    await flushChanges();
    await flushCpe();
    const resolved = await recheckMappingIssues(store, source.id);
    const previous = await store.getSource(source.id);
    const date = newer(previous?.contentDate, contentDate);
    const release = envelope ? [envelope.format, envelope.version].filter(Boolean).join(' ') : undefined;
    await store.upsertSource({
      ...source,
      description: 'NVD: CVE API 2.0 answers and JSON feeds (analysis status, CVSS, CWE, CPE applicability)',
      location,
      lastSyncAt: now().toISOString(),
      ...(date ? { contentDate: date } : {}),
      ...(release ? { release } : {}),
      ...(opts.nextSyncAt ? { nextSyncAt: opts.nextSyncAt } : {}),
      lastError: '',
      counts: await sourceTotals(store, source.id),
    });
    return {
      source: source.id,
      input: location,
      format: envelope?.format ?? 'NVD',
      counts,
      ...(contentDate ? { contentDate } : {}),
      ...(release ? { release } : {}),
      issues,
      mapping: { checked: mapping.checked, found: mapping.found, resolved, skipped: !(await mapping.enabled()) },
      durationMs: Date.now() - started,
    };
  });
}

// --- EPSS ----------------------------------------------------------------------------------

/** Import one day of EPSS scores (idempotent per CVE and score date: the history grows by day). */
export async function importEpss(store: Store, input: ImportInput | AsyncIterable<Uint8Array>, opts: EnrichImportOptions = {}): Promise<EnrichImportSummary> {
  const started = Date.now();
  const now = opts.now ?? (() => new Date());
  const location = locationOf(input);
  const source = { id: ENRICH_SOURCE_IDS.epss, kind: 'epss' };
  const batchSize = opts.batchSize ?? 5000;
  return failing(store, source, location, async () => {
    const counts = { read: 0, scores: 0, changed: 0, skipped: 0 };
    const issues: RecordIssue[] = [];
    const mapping = new MappingChecker(store, source.id);
    let scoreDate = '';
    let modelVersion = '';
    let batch: EpssScore[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      counts.changed += await store.enrich.writeEpssScores(batch, scoreDate, modelVersion);
      await mapping.check(batch.map((s) => ({ cveId: s.cveId, record: `${location} line ${s.line}`, rejectedInSource: false, note: `EPSS scored it on ${scoreDate.slice(0, 10)}` })), now().toISOString());
      batch = [];
    };
    for await (const ev of readEpss(bytesOf(input, opts), { name: location })) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      if (ev.kind === 'header') {
        scoreDate = ev.header.scoreDate ?? '';
        modelVersion = ev.header.modelVersion ?? '';
      } else if (ev.kind === 'score') {
        counts.read++;
        counts.scores++;
        batch.push(ev.score);
        if (batch.length >= batchSize) await flush();
        if (counts.read % 10000 === 0) opts.onProgress?.(counts.read);
      } else if (ev.kind === 'issue') {
        counts.read++;
        counts.skipped++;
        if (issues.length < MAX_ISSUES) issues.push(ev.issue);
      }
    }
    await flush();
    const resolved = await recheckMappingIssues(store, source.id);
    const previous = await store.getSource(source.id);
    // The newest score date is the content date; an older file fills in history only.
    const isNewest = !previous?.contentDate || Date.parse(scoreDate) >= Date.parse(previous.contentDate);
    await store.upsertSource({
      ...source,
      description: 'FIRST EPSS: probability of exploitation in the next 30 days, per CVE and day',
      location,
      lastSyncAt: now().toISOString(),
      ...(isNewest ? { contentDate: scoreDate, release: modelVersion } : {}),
      ...(opts.nextSyncAt ? { nextSyncAt: opts.nextSyncAt } : {}),
      lastError: '',
      counts: await sourceTotals(store, source.id),
    });
    return {
      source: source.id,
      input: location,
      format: 'epss-csv',
      counts,
      contentDate: scoreDate,
      release: modelVersion,
      issues,
      mapping: { checked: mapping.checked, found: mapping.found, resolved, skipped: !(await mapping.enabled()) },
      durationMs: Date.now() - started,
    };
  });
}

// --- MITRE legacy ------------------------------------------------------------------------------

/** A plain-text look at the start of the input (gzip inflated as far as it goes), and the whole input again. */
async function peek(input: AsyncIterable<Uint8Array>, bytes = 4096): Promise<{ head: string; stream: AsyncIterable<Uint8Array> }> {
  const it = input[Symbol.asyncIterator]();
  const taken: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  while (size < bytes) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    taken.push(r.value);
    size += r.value.byteLength;
  }
  let sample: Uint8Array = Buffer.concat(taken);
  if (sample[0] === 0x1f && sample[1] === 0x8b) {
    try {
      sample = gunzipSync(sample, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      sample = new Uint8Array(0); // the parser reports the bad gzip
    }
  }
  async function* again(): AsyncGenerator<Uint8Array> {
    yield* taken;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head: Buffer.from(sample.subarray(0, bytes)).toString('utf8'), stream: again() };
}

/** Which legacy format the content is: CVRF (`<cvrfdoc`), cve_1.0 XML, else `allitems.csv`. */
export function detectLegacyFormat(head: string): LegacyFormat {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('<')) return /<(?:\w+:)?cvrfdoc\b|cvrf/i.test(text) ? 'cvrf-1.1' : 'cve-1.0-xml';
  return 'allitems-csv';
}

export function legacyWrite(e: LegacyEntry, release?: string, origin?: string): LegacyEntryWrite {
  const json = JSON.stringify(e);
  return {
    cveId: e.name,
    format: e.source.format,
    originalName: e.originalName,
    ...(e.status ? { status: e.status } : {}),
    ...(e.phase ? { phase: e.phase } : {}),
    rejected: e.markers.rejected,
    reserved: e.markers.reserved,
    disputed: e.markers.disputed,
    replacedBy: e.replacements.map((r) => r.target),
    json,
    hash: sha256(json.replace(/"line":\d+/, '"line":0')),
    ...(release ? { release } : {}),
    ...(origin ? { origin } : {}),
  };
}

/**
 * Import MITRE's `allitems.xml` (cve_1.0), `allitems-cvrf.xml` (CVRF 1.1) or `allitems.csv`,
 * streamed (the full files are 100+ MB). Entries are kept as a source of their own: a legacy
 * entry never replaces a CVE JSON 5 record.
 */
export async function importLegacy(store: Store, input: ImportInput | AsyncIterable<Uint8Array>, opts: EnrichImportOptions & { readonly format?: LegacyFormat } = {}): Promise<EnrichImportSummary> {
  const started = Date.now();
  const now = opts.now ?? (() => new Date());
  const location = locationOf(input);
  const source = { id: ENRICH_SOURCE_IDS.legacy, kind: 'legacy' };
  const batchSize = opts.batchSize ?? 1000;
  return failing(store, source, location, async () => {
    const { head, stream } = await peek(bytesOf(input, opts));
    const format = opts.format ?? detectLegacyFormat(head);
    const events: AsyncIterable<LegacyEvent> =
      format === 'cvrf-1.1' ? readCvrf(stream, { name: location }) : format === 'cve-1.0-xml' ? readLegacyXml(stream, { name: location }) : readLegacyCsv(stream, { name: location });
    const counts = { read: 0, added: 0, updated: 0, unchanged: 0, skipped: 0, rejected: 0, reserved: 0, disputed: 0, withReplacement: 0 };
    const issues: RecordIssue[] = [];
    const mapping = new MappingChecker(store, source.id);
    let newest: string | undefined;
    let batch: LegacyEntry[] = [];
    let names = new Set<CveId>();
    let info: { version?: string; date?: string } = {};
    const flush = async () => {
      if (batch.length === 0) return;
      const outcomes = await store.enrich.writeLegacyEntries(batch.map((e) => legacyWrite(e, undefined, `${location} line ${e.source.line}`)));
      for (const o of outcomes) counts[o]++;
      await mapping.check(
        batch.map((e) => ({ cveId: e.name, record: `${location} line ${e.source.line}`, rejectedInSource: e.markers.rejected, note: `MITRE legacy ${e.originalName}${e.status ? ` (${e.status})` : ''}` })),
        now().toISOString(),
      );
      batch = [];
      names = new Set();
    };
    for await (const ev of events) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      if (ev.kind === 'entry') {
        const e = ev.entry;
        counts.read++;
        if (e.markers.rejected) counts.rejected++;
        if (e.markers.reserved) counts.reserved++;
        if (e.markers.disputed) counts.disputed++;
        if (e.replacements.length > 0) counts.withReplacement++;
        newest = newer(newest, e.modified ?? e.phaseDate ?? e.published);
        // One entry per name and format in a batch: a repeated name goes to the next batch.
        if (names.has(e.name)) await flush();
        names.add(e.name);
        batch.push(e);
        if (batch.length >= batchSize) await flush();
        if (counts.read % 1000 === 0) opts.onProgress?.(counts.read);
      } else if (ev.kind === 'issue') {
        counts.read++;
        counts.skipped++;
        if (issues.length < MAX_ISSUES) issues.push(ev.issue);
      } else {
        info = ev.info;
      }
    }
    await flush();
    const resolved = await recheckMappingIssues(store, source.id);
    const contentDate = info.date ?? (newest ? new Date(`${newest.slice(0, 10)}T00:00:00Z`).toISOString() : undefined);
    await store.upsertSource({
      ...source,
      description: "MITRE's legacy CVE List (allitems.xml, CVRF, CSV): historical texts, CAN- names, votes",
      location,
      lastSyncAt: now().toISOString(),
      ...(contentDate ? { contentDate } : {}),
      ...(info.version ? { release: info.version } : {}),
      ...(opts.nextSyncAt ? { nextSyncAt: opts.nextSyncAt } : {}),
      lastError: '',
      counts: await sourceTotals(store, source.id),
    });
    return {
      source: source.id,
      input: location,
      format,
      counts,
      ...(contentDate ? { contentDate } : {}),
      ...(info.version ? { release: info.version } : {}),
      issues,
      mapping: { checked: mapping.checked, found: mapping.found, resolved, skipped: !(await mapping.enabled()) },
      durationMs: Date.now() - started,
    };
  });
}
