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

/** A date-time without zone, as real records carry (`2023-11-02T05:36:44.174711`). */
const NO_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

/**
 * Normalise a CVE JSON date to ISO 8601 UTC with `Z` and millisecond precision, so
 * derived dates compare as strings. CVE JSON 5 `definitions.timestamp`: "If timezone
 * offset is not given, GMT (+00:00) is assumed", so zone-less values are read as UTC.
 * Digits below the millisecond are dropped (the raw record keeps them).
 */
export function normalizeRecordDate(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > 64) return undefined;
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
      acc.affected.push({
        source,
        vendor: typeof a.vendor === 'string' ? a.vendor : '',
        product: typeof a.product === 'string' ? a.product : '',
        ...(typeof a.packageName === 'string' && { packageName: a.packageName }),
        ...(typeof a.collectionURL === 'string' && { collectionURL: a.collectionURL }),
        ...(typeof a.defaultStatus === 'string' && { defaultStatus: a.defaultStatus }),
        cpes: Array.isArray(a.cpes) ? a.cpes : [],
        versions: Array.isArray(a.versions) ? a.versions : [],
      });
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
      acc.references.push({
        source,
        url: r.url,
        ...(typeof r.name === 'string' && { name: r.name }),
        tags: Array.isArray(r.tags) ? r.tags : [],
      });
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

  return {
    cveId,
    state,
    dataVersion: String(record.dataVersion),
    assignerOrgId: String(meta.assignerOrgId ?? ''),
    ...(typeof meta.assignerShortName === 'string' && { assignerShortName: meta.assignerShortName }),
    ...(title !== undefined && { title }),
    descriptions,
    description: pickDescription(descriptions),
    dates,
    affected: acc.affected,
    cweIds: [...acc.cweIds],
    metrics: acc.metrics,
    references: acc.references,
    ...(acc.kev !== undefined && { kev: acc.kev }),
    ...(acc.ssvc !== undefined && { ssvc: acc.ssvc }),
    replacements,
    related,
    adpProviders,
  };
}
