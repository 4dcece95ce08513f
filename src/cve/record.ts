/**
 * @module What cvekit derives from one CVE JSON 5 record: the fields the store indexes
 * and the pages show. Runs for every record of a bulk import, so it walks the record
 * once, copies nothing it does not return, and uses only linear scans.
 */
import { extractCveIds, normalizeCveId } from './cve-id.ts';
import { findReplacements } from './replacements.ts';
import type {
  AdpContainerJson,
  AffectedSummary,
  CnaContainerJson,
  ContainerSource,
  CveRecordJson,
  CvssJson,
  CvssVersion,
  KevSummary,
  LangString,
  MetricSummary,
  RecordDates,
  RecordState,
  RecordSummary,
  ReferenceSummary,
  SsvcSummary,
} from './types.ts';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A date-time without zone, as real records carry (`2023-11-02T05:36:44.174711`). */
const NO_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

/** Where `YYYY-MM-DDTHH:MM:SS` has digits. */
const DIGIT_AT = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18] as const;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const twoDigits = (v: string, at: number): number => (v.charCodeAt(at) - 0x30) * 10 + (v.charCodeAt(at + 1) - 0x30);

/**
 * The common shape, `YYYY-MM-DDTHH:MM:SS[.f…][Z]` with every field plainly in range,
 * normalised by slicing: the very string `Date.parse` + `toISOString` give (digits below
 * the millisecond truncated, as V8 does), without building a Date, since an import
 * normalises several dates per record. Days above 28, hours, minutes or seconds out of
 * range, offsets and years before 1000 are left to the general path (undefined here).
 */
function plainUtcDate(v: string): string | undefined {
  const n = v.length;
  if (n < 19 || v.charCodeAt(4) !== 0x2d || v.charCodeAt(7) !== 0x2d || v.charCodeAt(10) !== 0x54 || v.charCodeAt(13) !== 0x3a || v.charCodeAt(16) !== 0x3a) {
    return undefined;
  }
  for (const at of DIGIT_AT) if (!isDigit(v.charCodeAt(at))) return undefined;
  const month = twoDigits(v, 5);
  const day = twoDigits(v, 8);
  if (v.charCodeAt(0) === 0x30 || month < 1 || month > 12 || day < 1 || day > 28 || twoDigits(v, 11) > 23 || twoDigits(v, 14) > 59 || twoDigits(v, 17) > 59) {
    return undefined;
  }
  let i = 19;
  let ms = '000';
  if (i < n && v.charCodeAt(i) === 0x2e) {
    let j = i + 1;
    while (j < n && isDigit(v.charCodeAt(j))) j++;
    if (j === i + 1) return undefined;
    ms = `${v.slice(i + 1, Math.min(j, i + 4))}00`.slice(0, 3);
    i = j;
  }
  if (i === n || (i === n - 1 && v.charCodeAt(i) === 0x5a)) return `${v.slice(0, 19)}.${ms}Z`;
  return undefined;
}

/**
 * Normalise a CVE JSON date to ISO 8601 UTC with `Z` and millisecond precision, so
 * derived dates compare as strings. CVE JSON 5 `definitions.timestamp`: "If timezone
 * offset is not given, GMT (+00:00) is assumed", so zone-less values are read as UTC.
 * Digits below the millisecond are dropped (the raw record keeps them).
 */
export function normalizeRecordDate(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > 64) return undefined;
  const fast = plainUtcDate(value);
  if (fast !== undefined) return fast;
  const ms = Date.parse(NO_ZONE.test(value) ? `${value}Z` : value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function newest(values: readonly (string | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const v of values) if (v !== undefined && (best === undefined || v > best)) best = v;
  return best;
}

/**
 * When the record last changed, ISO 8601 UTC with `Z`: `cveMetadata.dateUpdated`, else
 * the newest of `datePublished`, `dateRejected`, `dateReserved`, else the CNA
 * `providerMetadata.dateUpdated`; '' when the record carries no usable date.
 */
export function recordDateUpdated(record: CveRecordJson): string {
  const meta = record?.cveMetadata;
  return (
    normalizeRecordDate(meta?.dateUpdated) ??
    newest([
      normalizeRecordDate(meta?.datePublished),
      normalizeRecordDate(meta?.dateRejected),
      normalizeRecordDate(meta?.dateReserved),
    ]) ??
    normalizeRecordDate(record?.containers?.cna?.providerMetadata?.dateUpdated) ??
    ''
  );
}

/** English first (`en`, `eng`, `en-US`: BCP 47 `en*`), else the first one. */
function pickDescription(list: readonly LangString[]): string {
  for (const d of list) if (typeof d?.lang === 'string' && d.lang.toLowerCase().startsWith('en')) return String(d.value ?? '');
  return list.length > 0 ? String(list[0]?.value ?? '') : '';
}

const SEVERITIES = ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

/** CVSS v2.0 has no severity in its vector; NVD's bands: LOW < 4, MEDIUM < 7, HIGH ≥ 7. */
function v2Severity(score: number): string {
  return score < 4 ? 'LOW' : score < 7 ? 'MEDIUM' : 'HIGH';
}

/** CVSS v3.x / v4.0 qualitative rating scale, used when `baseSeverity` is absent. */
function v3Severity(score: number): string {
  return score === 0 ? 'NONE' : score < 4 ? 'LOW' : score < 7 ? 'MEDIUM' : score < 9 ? 'HIGH' : 'CRITICAL';
}

const METRIC_KEYS = [
  ['cvssV2_0', '2.0'],
  ['cvssV3_0', '3.0'],
  ['cvssV3_1', '3.1'],
  ['cvssV4_0', '4.0'],
] as const satisfies readonly (readonly [string, CvssVersion])[];

function metricSummary(source: ContainerSource, version: CvssVersion, cvss: CvssJson | undefined): MetricSummary | undefined {
  if (cvss === undefined || cvss === null || typeof cvss !== 'object') return undefined;
  const baseScore = typeof cvss.baseScore === 'number' ? cvss.baseScore : Number(cvss.baseScore);
  if (!Number.isFinite(baseScore) || typeof cvss.vectorString !== 'string') return undefined;
  let baseSeverity: string;
  if (version === '2.0') baseSeverity = v2Severity(baseScore);
  else {
    const given = typeof cvss.baseSeverity === 'string' ? cvss.baseSeverity.toUpperCase() : '';
    baseSeverity = (SEVERITIES as readonly string[]).includes(given) ? given : v3Severity(baseScore);
  }
  return { source, version, vectorString: cvss.vectorString, baseScore, baseSeverity };
}

const CWE_IN_TEXT = /\bCWE-(\d{1,7})\b/;
const CWE_ID = /^CWE-\d{1,7}$/;

/** One container's share of the summary, appended to the accumulators. */
interface Accumulators {
  readonly affected: AffectedSummary[];
  readonly cweIds: Set<string>;
  readonly metrics: MetricSummary[];
  readonly references: ReferenceSummary[];
  kev?: KevSummary;
  ssvc?: SsvcSummary;
}

function readSsvc(content: unknown): SsvcSummary | undefined {
  if (content === null || typeof content !== 'object') return undefined;
  const c = content as { options?: unknown; timestamp?: unknown; version?: unknown };
  let exploitation: string | undefined;
  let automatable: string | undefined;
  let technicalImpact: string | undefined;
  // CISA ADP: `options: [{Exploitation: "none"}, {Automatable: "no"}, {"Technical Impact": "partial"}]`.
  if (Array.isArray(c.options)) {
    for (const o of c.options as unknown[]) {
      if (o === null || typeof o !== 'object') continue;
      const opt = o as Record<string, unknown>;
      if (typeof opt.Exploitation === 'string') exploitation = opt.Exploitation;
      if (typeof opt.Automatable === 'string') automatable = opt.Automatable;
      if (typeof opt['Technical Impact'] === 'string') technicalImpact = opt['Technical Impact'];
    }
  }
  return {
    ...(exploitation !== undefined && { exploitation }),
    ...(automatable !== undefined && { automatable }),
    ...(technicalImpact !== undefined && { technicalImpact }),
    ...(typeof c.timestamp === 'string' && { timestamp: c.timestamp }),
    ...(typeof c.version === 'string' && { version: c.version }),
  };
}

function readKev(content: unknown): KevSummary | undefined {
  if (content === null || typeof content !== 'object') return undefined;
  // vulnrichment `assets/kev_metrics_schema-1.0.json`: `{ dateAdded, reference }`.
  const c = content as { dateAdded?: unknown; reference?: unknown };
  if (typeof c.dateAdded !== 'string') return undefined;
  return { dateAdded: c.dateAdded, ...(typeof c.reference === 'string' && { reference: c.reference }) };
}

function collect(source: ContainerSource, c: CnaContainerJson | AdpContainerJson, acc: Accumulators): void {
  if (Array.isArray(c.affected)) {
    for (const a of c.affected) {
      if (a === null || typeof a !== 'object') continue;
      // Built by assignment, in the order the fields are listed (as a literal with spread
      // optional members would be): spreading a temporary object per member is slow.
      const item = { source, vendor: typeof a.vendor === 'string' ? a.vendor : '', product: typeof a.product === 'string' ? a.product : '' } as Writable<AffectedSummary>;
      if (typeof a.packageName === 'string') item.packageName = a.packageName;
      if (typeof a.collectionURL === 'string') item.collectionURL = a.collectionURL;
      if (typeof a.defaultStatus === 'string') item.defaultStatus = a.defaultStatus;
      item.cpes = Array.isArray(a.cpes) ? a.cpes : [];
      item.versions = Array.isArray(a.versions) ? a.versions : [];
      acc.affected.push(item);
    }
  }
  if (Array.isArray(c.problemTypes)) {
    for (const pt of c.problemTypes) {
      if (!Array.isArray(pt?.descriptions)) continue;
      for (const d of pt.descriptions) {
        // `cweId` is optional in CVE JSON 5; older records only name the CWE in `description`.
        if (typeof d?.cweId === 'string' && CWE_ID.test(d.cweId)) acc.cweIds.add(d.cweId);
        else if (typeof d?.description === 'string') {
          const m = CWE_IN_TEXT.exec(d.description);
          if (m !== null) acc.cweIds.add(`CWE-${m[1]}`);
        }
      }
    }
  }
  if (Array.isArray(c.metrics)) {
    for (const metric of c.metrics) {
      if (metric === null || typeof metric !== 'object') continue;
      for (const [key, version] of METRIC_KEYS) {
        const s = metricSummary(source, version, metric[key]);
        if (s !== undefined) acc.metrics.push(s);
      }
      const other = metric.other;
      if (other !== undefined && other !== null && typeof other === 'object') {
        if (other.type === 'kev' && acc.kev === undefined) acc.kev = readKev(other.content);
        else if (other.type === 'ssvc' && acc.ssvc === undefined) acc.ssvc = readSsvc(other.content);
      }
    }
  }
  if (Array.isArray(c.references)) {
    const seen = new Set<string>();
    for (const r of c.references) {
      if (typeof r?.url !== 'string' || seen.has(r.url)) continue;
      seen.add(r.url);
      const ref = { source, url: r.url } as Writable<ReferenceSummary>;
      if (typeof r.name === 'string') ref.name = r.name;
      ref.tags = Array.isArray(r.tags) ? r.tags : [];
      acc.references.push(ref);
    }
  }
}

function textOf(list: readonly LangString[] | undefined): string {
  if (!Array.isArray(list)) return '';
  let text = '';
  for (const d of list) if (typeof d?.value === 'string') text += `${d.value}\n`;
  return text;
}

/**
 * Everything cvekit derives from one CVE JSON 5 record (see {@link RecordSummary}):
 * title, descriptions (the `rejectedReasons` of a REJECTED record), dates normalised
 * to UTC, affected products, CWE ids, CVSS metrics, references, CISA KEV and SSVC,
 * replacement edges (X1520-7.7, 7.8) and related CVE names, from the CNA container
 * and every ADP container. Expects a record that passed {@link checkEnvelope}; tolerates
 * missing optional parts. Shares arrays (cpes, versions, tags) with the input instead
 * of copying them: treat the result as read-only.
 */
export function summarizeRecord(record: CveRecordJson): RecordSummary {
  const meta = record.cveMetadata;
  const cna = record.containers.cna;
  const adps: readonly AdpContainerJson[] = Array.isArray(record.containers.adp) ? record.containers.adp : [];
  const cveId = normalizeCveId(String(meta.cveId)) ?? String(meta.cveId);
  const state = meta.state as RecordState;

  const cnaDescriptions = Array.isArray(cna.descriptions) ? cna.descriptions : [];
  const rejectedReasons = Array.isArray(cna.rejectedReasons) ? cna.rejectedReasons : [];
  const descriptions = state === 'REJECTED' && rejectedReasons.length > 0 ? rejectedReasons : cnaDescriptions;

  // Only the CNA titles the vulnerability: ADP titles name the container ("CVE Program
  // Container", "CISA ADP Vulnrichment"), not the flaw.
  const title = typeof cna.title === 'string' ? cna.title : undefined;
  const acc: Accumulators = { affected: [], cweIds: new Set(), metrics: [], references: [] };
  collect('cna', cna, acc);
  const adpProviders: string[] = [];
  let adpText = '';
  for (const adp of adps) {
    if (adp === null || typeof adp !== 'object') continue;
    const name = adp.providerMetadata?.shortName ?? adp.providerMetadata?.orgId ?? 'unknown';
    adpProviders.push(name);
    collect(`adp:${name}`, adp, acc);
    adpText += textOf(adp.descriptions);
  }

  const dates: RecordDates = {};
  const put = (key: keyof RecordDates, value: unknown): void => {
    const d = normalizeRecordDate(value);
    if (d !== undefined) (dates as Record<string, string>)[key] = d;
  };
  put('reserved', meta.dateReserved);
  put('published', meta.datePublished);
  put('rejected', meta.dateRejected);
  put('public', cna.datePublic);
  const updated = recordDateUpdated(record);
  if (updated !== '') (dates as Record<string, string>).updated = updated;

  const replacements = findReplacements(record);
  const excluded = new Set<string>([cveId]);
  for (const r of replacements) excluded.add(r.target);
  const mentioned = extractCveIds(textOf(cnaDescriptions) + textOf(rejectedReasons) + adpText);
  const related = mentioned.filter((id) => !excluded.has(id));

  const summary = { cveId, state, dataVersion: String(record.dataVersion), assignerOrgId: String(meta.assignerOrgId ?? '') } as Writable<RecordSummary>;
  if (typeof meta.assignerShortName === 'string') summary.assignerShortName = meta.assignerShortName;
  if (title !== undefined) summary.title = title;
  summary.descriptions = descriptions;
  summary.description = pickDescription(descriptions);
  summary.dates = dates;
  summary.affected = acc.affected;
  summary.cweIds = [...acc.cweIds];
  summary.metrics = acc.metrics;
  summary.references = acc.references;
  if (acc.kev !== undefined) summary.kev = acc.kev;
  if (acc.ssvc !== undefined) summary.ssvc = acc.ssvc;
  summary.replacements = replacements;
  summary.related = related;
  summary.adpProviders = adpProviders;
  return summary;
}
