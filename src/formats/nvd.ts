/**
 * @module NVD CVE API 2.0 shapes, the one definition of NVD's wire format in cvekit: its
 * vocabulary (analysis statuses, CVSS versions and their `metrics` keys, severities, dates),
 * the `cve` object's types, a record written as NVD's `cve` object ({@link toNvdCve}), the
 * response envelope ({@link nvdEnvelope}) and a page written piece by piece
 * ({@link nvdPageStart}, {@link nvdPageItem}, {@link nvdPageEnd}), so code written for NVD
 * reads cvekit unchanged and a 2,000-result page is never held as one string. The reader of
 * NVD data (src/enrich/nvd.ts) maps the same shapes the other way.
 */
import { parseCvssVector } from '../cvss/index.ts';
import { describeCvss } from '../cvss/index.ts';
import type { CveRecordJson, CvssVersion, LangString, ProblemTypeJson, RecordSummary } from '../cve/index.ts';
import type { ContentDate } from './content-date.ts';
import { contentAsOfLine } from './content-date.ts';

/** NVD's analysis statuses (NVD "CVE Status" page). */
export const NVD_VULN_STATUSES = [
  'Received',
  'Awaiting Analysis',
  'Undergoing Analysis',
  'Analyzed',
  'Modified',
  'Deferred',
  'Rejected',
] as const;
export type NvdVulnStatus = (typeof NVD_VULN_STATUSES)[number];

export const NVD_CVSS_VERSIONS = ['2.0', '3.0', '3.1', '4.0'] as const;
export type NvdCvssVersion = (typeof NVD_CVSS_VERSIONS)[number];

/** The `metrics` member holding each CVSS version, newest first (NVD's order). */
export const NVD_METRIC_KEYS = { '4.0': 'cvssMetricV40', '3.1': 'cvssMetricV31', '3.0': 'cvssMetricV30', '2.0': 'cvssMetricV2' } as const satisfies Record<NvdCvssVersion, string>;

/** `baseSeverity` values (v2's beside `cvssData`, v3 and v4 inside it). */
export const NVD_SEVERITIES = ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type NvdSeverity = (typeof NVD_SEVERITIES)[number];

/** `{ lang, value }` as NVD writes descriptions. */
export interface NvdLangString {
  readonly lang: string;
  readonly value: string;
}

/** One CVSS metric as NVD writes it (`metrics.cvssMetricV31[]`). */
export interface NvdCvssMetric {
  readonly source: string;
  /** NVD: `Primary` is the scorer of record, `Secondary` another provider. */
  readonly type: 'Primary' | 'Secondary';
  readonly cvssData: Readonly<Record<string, string | number>>;
  /** v2 only: NVD puts the v2 severity beside `cvssData`. */
  readonly baseSeverity?: string;
}

/** NVD's `metrics`: one list per CVSS version, newest first; `{}` when the record has none. */
export interface NvdMetrics {
  readonly cvssMetricV40?: readonly NvdCvssMetric[];
  readonly cvssMetricV31?: readonly NvdCvssMetric[];
  readonly cvssMetricV30?: readonly NvdCvssMetric[];
  readonly cvssMetricV2?: readonly NvdCvssMetric[];
}

/** One provider's CWE ids (`weaknesses[]`). */
export interface NvdWeakness {
  readonly source: string;
  readonly type: 'Primary' | 'Secondary';
  readonly description: readonly NvdLangString[];
}

/** A CPE 2.3 match criterion with its optional version range (`cpeMatch[]`). */
export interface NvdCpeMatch {
  readonly vulnerable: boolean;
  readonly criteria: string;
  readonly matchCriteriaId?: string;
  readonly versionStartIncluding?: string;
  readonly versionStartExcluding?: string;
  readonly versionEndIncluding?: string;
  readonly versionEndExcluding?: string;
}

/** A node of CPE matches joined by `operator` (`nodes[]`). */
export interface NvdNode {
  readonly operator: 'AND' | 'OR';
  readonly negate: boolean;
  readonly cpeMatch: readonly NvdCpeMatch[];
}

/** One applicability statement (`configurations[]`); nodes are ANDed when `operator` is AND. */
export interface NvdConfiguration {
  readonly operator?: 'AND' | 'OR';
  readonly negate?: boolean;
  readonly nodes: readonly NvdNode[];
}

/** A reference: URL, the providing source, NVD tags (absent when none, as NVD writes it). */
export interface NvdReference {
  readonly url: string;
  readonly source: string;
  readonly tags?: readonly string[];
}

/** A provider's record tags (`disputed`, `unsupported-when-assigned`, `exclusively-hosted-service`). */
export interface NvdCveTag {
  readonly sourceIdentifier: string;
  readonly tags: readonly string[];
}

/** NVD CVE API 2.0 `vulnerabilities[].cve`, in NVD's key order. */
export interface NvdCve {
  readonly id: string;
  readonly sourceIdentifier: string;
  readonly published: string;
  readonly lastModified: string;
  readonly vulnStatus: string;
  readonly cveTags: readonly NvdCveTag[];
  readonly descriptions: readonly NvdLangString[];
  readonly metrics: NvdMetrics;
  readonly cisaExploitAdd?: string;
  readonly cisaActionDue?: string;
  readonly cisaRequiredAction?: string;
  readonly cisaVulnerabilityName?: string;
  readonly weaknesses?: readonly NvdWeakness[];
  readonly configurations?: readonly NvdConfiguration[];
  readonly references: readonly NvdReference[];
}

/** The KEV catalog entry's fields NVD copies (the store's `KevEntry` fits). */
export interface NvdKevInput {
  readonly dateAdded?: string;
  readonly dueDate?: string;
  readonly requiredAction?: string;
  readonly vulnerabilityName?: string;
}

/** What {@link toNvdCve} cannot read from the record. */
export interface NvdExtra {
  /** Default `Received` (NVD: "recently published to the CVE List and received"); `Rejected` for REJECTED records. */
  readonly vulnStatus?: string;
  /** NVD names a source by e-mail or by CVE org UUID; default the CNA's `orgId`. */
  readonly sourceIdentifier?: string;
  /** The CISA KEV catalog entry, for `cisaActionDue`, `cisaRequiredAction`, `cisaVulnerabilityName`. */
  readonly kev?: NvdKevInput;
}

/** CVE JSON 5 reference tags → NVD reference tags; tags without an NVD counterpart are dropped. */
export const NVD_REFERENCE_TAGS: Readonly<Record<string, string>> = {
  'broken-link': 'Broken Link',
  exploit: 'Exploit',
  'government-resource': 'US Government Resource',
  'issue-tracking': 'Issue Tracking',
  'mailing-list': 'Mailing List',
  'media-coverage': 'Press/Media Coverage',
  mitigation: 'Mitigation',
  patch: 'Patch',
  'permissions-required': 'Permissions Required',
  product: 'Product',
  'release-notes': 'Release Notes',
  signature: 'Tool Signature',
  'technical-description': 'Technical Description',
  'third-party-advisory': 'Third Party Advisory',
  'vdb-entry': 'VDB Entry',
  'vendor-advisory': 'Vendor Advisory',
};

/** Metric abbreviation → NVD `cvssData` field, per version, in NVD's order. */
const V2_FIELDS = [
  ['AV', 'accessVector'], ['AC', 'accessComplexity'], ['Au', 'authentication'],
  ['C', 'confidentialityImpact'], ['I', 'integrityImpact'], ['A', 'availabilityImpact'],
] as const;
const V3_FIELDS = [
  ['AV', 'attackVector'], ['AC', 'attackComplexity'], ['PR', 'privilegesRequired'], ['UI', 'userInteraction'],
  ['S', 'scope'], ['C', 'confidentialityImpact'], ['I', 'integrityImpact'], ['A', 'availabilityImpact'],
] as const;
/** NVD writes every v4.0 metric, `NOT_DEFINED` for those the vector leaves out. */
const V4_FIELDS = [
  ['AV', 'attackVector'], ['AC', 'attackComplexity'], ['AT', 'attackRequirements'], ['PR', 'privilegesRequired'],
  ['UI', 'userInteraction'], ['VC', 'vulnerableSystemConfidentiality'], ['VI', 'vulnerableSystemIntegrity'],
  ['VA', 'vulnerableSystemAvailability'], ['SC', 'subsequentSystemConfidentiality'], ['SI', 'subsequentSystemIntegrity'],
  ['SA', 'subsequentSystemAvailability'], ['E', 'exploitMaturity'], ['CR', 'confidentialityRequirements'],
  ['IR', 'integrityRequirements'], ['AR', 'availabilityRequirements'], ['MAV', 'modifiedAttackVector'],
  ['MAC', 'modifiedAttackComplexity'], ['MAT', 'modifiedAttackRequirements'], ['MPR', 'modifiedPrivilegesRequired'],
  ['MUI', 'modifiedUserInteraction'], ['MVC', 'modifiedVulnerableSystemConfidentiality'],
  ['MVI', 'modifiedVulnerableSystemIntegrity'], ['MVA', 'modifiedVulnerableSystemAvailability'],
  ['MSC', 'modifiedSubsequentSystemConfidentiality'], ['MSI', 'modifiedSubsequentSystemIntegrity'],
  ['MSA', 'modifiedSubsequentSystemAvailability'], ['S', 'safety'], ['AU', 'automatable'], ['R', 'recovery'],
  ['V', 'valueDensity'], ['RE', 'vulnerabilityResponseEffort'], ['U', 'providerUrgency'],
] as const;

/** NVD's enumeration spelling of a value name: `Adjacent Network` → `ADJACENT_NETWORK`. */
function nvdEnum(valueName: string): string {
  if (valueName === 'POC') return 'PROOF_OF_CONCEPT'; // v4.0 E:P; NVD spells it out
  return valueName.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/** `cvssData` from the vector (the record's own object may use other names, e.g. v4 `vulnConfidentialityImpact`). */
function cvssData(version: CvssVersion, vectorString: string, baseScore: number, baseSeverity: string): Record<string, string | number> | undefined {
  const described = describeCvss(vectorString);
  const parsed = parseCvssVector(vectorString);
  if (described === undefined || !parsed.ok || parsed.version !== version) return undefined;
  const values = new Map(described.map((d) => [d.metric, nvdEnum(d.valueName)]));
  const data: Record<string, string | number> = { version, vectorString };
  const fields = version === '2.0' ? V2_FIELDS : version === '4.0' ? V4_FIELDS : V3_FIELDS;
  for (const [abbrev, field] of fields) {
    const v = values.get(abbrev);
    if (v !== undefined) data[field] = v;
    else if (version === '4.0') data[field] = 'NOT_DEFINED';
  }
  data.baseScore = baseScore;
  if (version !== '2.0') data.baseSeverity = baseSeverity;
  return data;
}

/** ISO 8601 UTC with `Z` → NVD's `2023-10-17T02:15:10.000` (UTC, no zone). */
export function toNvdDate(iso: string | undefined): string {
  if (iso === undefined) return '';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString().replace(/Z$/, '');
}

/** `en-US` → `en`: NVD writes bare language codes. */
function nvdLang(lang: unknown): string {
  return typeof lang === 'string' && lang !== '' ? lang.split('-')[0]!.toLowerCase() : 'en';
}

const CWE_ID = /^CWE-\d{1,7}$/;
const CWE_IN_TEXT = /\bCWE-(\d{1,7})\b/;

function cwesOf(problemTypes: readonly ProblemTypeJson[] | undefined): string[] {
  const out = new Set<string>();
  if (!Array.isArray(problemTypes)) return [];
  for (const pt of problemTypes) {
    if (!Array.isArray(pt?.descriptions)) continue;
    for (const d of pt.descriptions) {
      if (typeof d?.cweId === 'string' && CWE_ID.test(d.cweId)) out.add(d.cweId);
      else if (typeof d?.description === 'string') {
        const m = CWE_IN_TEXT.exec(d.description);
        if (m !== null) out.add(`CWE-${m[1]}`);
      }
    }
  }
  return [...out];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function cpeMatchOf(raw: unknown): NvdCpeMatch | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const m = raw as Record<string, unknown>;
  const criteria = str(m.criteria);
  if (criteria === undefined) return undefined;
  const out: Record<string, unknown> = { vulnerable: m.vulnerable !== false, criteria };
  for (const k of ['matchCriteriaId', 'versionStartIncluding', 'versionStartExcluding', 'versionEndIncluding', 'versionEndExcluding'] as const) {
    const v = str(m[k]);
    if (v !== undefined) out[k] = v;
  }
  return out as unknown as NvdCpeMatch;
}

/** CVE JSON 5.1 `cpeApplicability` is NVD's `configurations` shape; copied field by field. */
function configurationsOf(raw: unknown): NvdConfiguration[] {
  if (!Array.isArray(raw)) return [];
  const out: NvdConfiguration[] = [];
  for (const c of raw as unknown[]) {
    if (c === null || typeof c !== 'object' || !Array.isArray((c as { nodes?: unknown }).nodes)) continue;
    const conf = c as { operator?: unknown; negate?: unknown; nodes: unknown[] };
    const nodes: NvdNode[] = [];
    for (const n of conf.nodes) {
      if (n === null || typeof n !== 'object') continue;
      const node = n as { operator?: unknown; negate?: unknown; cpeMatch?: unknown };
      const cpeMatch = Array.isArray(node.cpeMatch) ? node.cpeMatch.map(cpeMatchOf).filter((m) => m !== undefined) : [];
      if (cpeMatch.length === 0) continue;
      nodes.push({ operator: node.operator === 'AND' ? 'AND' : 'OR', negate: node.negate === true, cpeMatch });
    }
    if (nodes.length === 0) continue;
    out.push({
      ...((conf.operator === 'AND' || conf.operator === 'OR') && { operator: conf.operator }),
      ...(typeof conf.negate === 'boolean' && { negate: conf.negate }),
      nodes,
    });
  }
  return out;
}

/**
 * A record as NVD CVE API 2.0's `cve` object: `id`, `sourceIdentifier`, `published`,
 * `lastModified` (NVD's zone-less UTC), `vulnStatus`, `cveTags` (the CNA's `tags`),
 * `descriptions` (`Rejected reason: …` for a REJECTED record, as NVD writes it), `metrics`
 * (`cvssData` rebuilt from each vector with NVD's field names and enumerations), CISA KEV
 * fields, `weaknesses`, `configurations` (from `cpeApplicability`, else the affected
 * products' CPE 2.3 names), `references` (each URL once, tags mapped by
 * {@link NVD_REFERENCE_TAGS}).
 *
 * Sources are CVE org UUIDs (the CNA's, each ADP's), as NVD writes for sources it knows
 * no e-mail for. cvekit does no NVD analysis, so the CNA's metrics and weaknesses are the
 * `Primary` ones and the ADPs' (e.g. CISA's) `Secondary`. NVD-only derived values
 * (`exploitabilityScore`, `impactScore`, v2 `acInsufInfo`…, `matchCriteriaId` unless the
 * record gives it) are left out rather than invented.
 */
export function toNvdCve(record: CveRecordJson, summary: RecordSummary, extra: NvdExtra = {}): NvdCve {
  const cna = record.containers.cna;
  const adps = Array.isArray(record.containers.adp) ? record.containers.adp : [];
  const cnaSource = extra.sourceIdentifier ?? str(cna.providerMetadata?.orgId) ?? summary.assignerOrgId;
  const adpOrg = new Map<string, string>();
  for (const adp of adps) {
    const name = adp?.providerMetadata?.shortName ?? adp?.providerMetadata?.orgId ?? 'unknown';
    if (!adpOrg.has(name)) adpOrg.set(name, str(adp?.providerMetadata?.orgId) ?? name);
  }
  const sourceOf = (s: string): string => (s === 'cna' ? cnaSource : adpOrg.get(s.slice('adp:'.length)) ?? s.slice('adp:'.length));
  const typeOf = (s: string): 'Primary' | 'Secondary' => (s === 'cna' ? 'Primary' : 'Secondary');

  const rejected = summary.state === 'REJECTED';
  const descriptions: NvdLangString[] = [];
  for (const d of summary.descriptions as readonly LangString[]) {
    if (typeof d?.value !== 'string') continue;
    descriptions.push({ lang: nvdLang(d.lang), value: rejected ? `Rejected reason: ${d.value}` : d.value });
  }

  const metrics: Record<string, NvdCvssMetric[]> = {};
  for (const m of summary.metrics) {
    const data = cvssData(m.version, m.vectorString, m.baseScore, m.baseSeverity);
    if (data === undefined) continue;
    const key = NVD_METRIC_KEYS[m.version];
    (metrics[key] ??= []).push({
      source: sourceOf(m.source),
      type: typeOf(m.source),
      cvssData: data,
      ...(m.version === '2.0' && { baseSeverity: m.baseSeverity }),
    });
  }
  const orderedMetrics: NvdMetrics = {
    ...(metrics.cvssMetricV40 && { cvssMetricV40: metrics.cvssMetricV40 }),
    ...(metrics.cvssMetricV31 && { cvssMetricV31: metrics.cvssMetricV31 }),
    ...(metrics.cvssMetricV30 && { cvssMetricV30: metrics.cvssMetricV30 }),
    ...(metrics.cvssMetricV2 && { cvssMetricV2: metrics.cvssMetricV2 }),
  };

  const weaknesses: NvdWeakness[] = [];
  const addWeakness = (source: string, type: 'Primary' | 'Secondary', ids: string[]): void => {
    if (ids.length > 0) weaknesses.push({ source, type, description: ids.map((value) => ({ lang: 'en', value })) });
  };
  addWeakness(cnaSource, 'Primary', cwesOf(cna.problemTypes));
  for (const adp of adps) addWeakness(str(adp?.providerMetadata?.orgId) ?? 'unknown', 'Secondary', cwesOf(adp?.problemTypes));

  let configurations = configurationsOf(cna.cpeApplicability);
  for (const adp of adps) if (configurations.length === 0) configurations = configurationsOf(adp?.cpeApplicability);
  if (configurations.length === 0) {
    const criteria = new Set<string>();
    for (const a of summary.affected) for (const c of a.cpes) if (typeof c === 'string' && c.startsWith('cpe:2.3:')) criteria.add(c);
    if (criteria.size > 0) {
      configurations = [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [...criteria].map((c) => ({ vulnerable: true, criteria: c })) }] }];
    }
  }

  const references: NvdReference[] = [];
  const seen = new Set<string>();
  for (const r of summary.references) {
    if (seen.has(r.url)) continue;
    seen.add(r.url);
    const tags = [...new Set(r.tags.map((t) => NVD_REFERENCE_TAGS[t]).filter((t): t is string => t !== undefined))];
    references.push({ url: r.url, source: sourceOf(r.source), ...(tags.length > 0 && { tags }) });
  }

  const cveTags: NvdCveTag[] = Array.isArray(cna.tags) && cna.tags.length > 0
    ? [{ sourceIdentifier: cnaSource, tags: (cna.tags as unknown[]).filter((t): t is string => typeof t === 'string') }]
    : [];

  const kevAdded = extra.kev?.dateAdded ?? summary.kev?.dateAdded;
  const d = summary.dates;
  return {
    id: summary.cveId,
    sourceIdentifier: cnaSource,
    // Some records carry no datePublished (CVE-2023-30311 has only dateUpdated): the first known later date.
    published: toNvdDate(d.published ?? d.rejected ?? d.updated ?? d.reserved),
    lastModified: toNvdDate(d.updated ?? d.published ?? d.rejected ?? d.reserved),
    vulnStatus: rejected ? 'Rejected' : (extra.vulnStatus ?? 'Received'),
    cveTags,
    descriptions,
    metrics: orderedMetrics,
    ...(kevAdded !== undefined && { cisaExploitAdd: kevAdded.slice(0, 10) }),
    ...(str(extra.kev?.dueDate) !== undefined && { cisaActionDue: extra.kev!.dueDate!.slice(0, 10) }),
    ...(str(extra.kev?.requiredAction) !== undefined && { cisaRequiredAction: extra.kev!.requiredAction! }),
    ...(str(extra.kev?.vulnerabilityName) !== undefined && { cisaVulnerabilityName: extra.kev!.vulnerabilityName! }),
    ...(weaknesses.length > 0 && { weaknesses }),
    ...(configurations.length > 0 && { configurations }),
    references,
  };
}

/** What {@link nvdEnvelope} needs. */
export interface NvdEnvelopeInput {
  readonly resultsPerPage: number;
  readonly startIndex: number;
  readonly totalResults: number;
  /** When the answer was made, ISO 8601; written in NVD's zone-less form. */
  readonly timestamp: string;
  /** The CVE content date (X1520-9.1), added as `cveContent` beside NVD's keys. */
  readonly content?: ContentDate;
}

/** The date of the CVE content an NVD-style answer was built from; cvekit's addition to NVD's envelope. */
export interface NvdCveContent {
  readonly asOf: string | null;
  readonly source: string | null;
  readonly release: string | null;
  readonly outOfDate: boolean;
  readonly statement: string;
}

/** NVD CVE API 2.0's response envelope without `vulnerabilities`. */
export interface NvdEnvelope {
  readonly resultsPerPage: number;
  readonly startIndex: number;
  readonly totalResults: number;
  readonly format: 'NVD_CVE';
  readonly version: '2.0';
  readonly timestamp: string;
  readonly cveContent?: NvdCveContent;
}

/**
 * NVD's envelope: `resultsPerPage`, `startIndex`, `totalResults`, `format` `NVD_CVE`,
 * `version` `2.0`, `timestamp`; plus `cveContent` (X1520-9.1) when `content` is given. NVD
 * clients read known keys and ignore others.
 */
export function nvdEnvelope(input: NvdEnvelopeInput): NvdEnvelope {
  const c = input.content;
  return {
    resultsPerPage: input.resultsPerPage,
    startIndex: input.startIndex,
    totalResults: input.totalResults,
    format: 'NVD_CVE',
    version: '2.0',
    timestamp: toNvdDate(input.timestamp) || input.timestamp,
    ...(c !== undefined && {
      cveContent: {
        asOf: c.contentDate ?? null,
        source: c.source ?? null,
        release: c.release ?? null,
        outOfDate: c.outOfDate,
        statement: contentAsOfLine(c),
      },
    }),
  };
}

/**
 * The start of a page: the envelope's keys, then `"vulnerabilities":[`. Follow with one
 * {@link nvdPageItem} per result and {@link nvdPageEnd}: each result is serialised alone
 * and can be written out at once, so a page is never built as a whole.
 *
 * @example
 * let out = nvdPageStart(nvdEnvelope({ resultsPerPage: 2000, startIndex: 0, totalResults, timestamp }));
 * cves.forEach((cve, i) => { out += nvdPageItem(cve, i); });
 * out += nvdPageEnd();
 */
export function nvdPageStart(envelope: NvdEnvelope): string {
  const head = JSON.stringify(envelope);
  return `${head.slice(0, -1)},"vulnerabilities":[`;
}

/** One result `{"cve":…}`, preceded by a comma unless it is the page's first (`index` 0). */
export function nvdPageItem(cve: NvdCve, index: number): string {
  return `${index === 0 ? '' : ','}{"cve":${JSON.stringify(cve)}}`;
}

/** The end of a page. */
export function nvdPageEnd(): string {
  return ']}';
}

/**
 * A whole page as a stream of strings (start, one chunk per result, end), from any sync or
 * async iterable of `cve` objects: pipe it into a response with `Readable.from`.
 */
export async function* nvdPageChunks(envelope: NvdEnvelope, cves: AsyncIterable<NvdCve> | Iterable<NvdCve>): AsyncGenerator<string> {
  yield nvdPageStart(envelope);
  let i = 0;
  for await (const cve of cves) yield nvdPageItem(cve, i++);
  yield nvdPageEnd();
}
