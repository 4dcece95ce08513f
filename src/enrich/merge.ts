/**
 * @module One merged view per CVE name with provenance: every value says which source
 * gave it and as of when, so a page can show "CNA says / NVD says / CISA ADP says" side by
 * side, and which value a filter or a headline used. Pure: the caller loads the inputs.
 *
 * Precedence (the `chosen` value of each field; every claim is shown either way):
 * - status: the CVE List state (the CVE Program is the authority on a name's state); NVD's
 *   analysis status and MITRE's legacy status are shown beside it, never instead.
 * - CVSS: the CNA, then CISA ADP, then NVD's Primary score, then any other score; within a
 *   source the newest CVSS version (4.0 > 3.1 > 3.0 > 2.0). The severity filter of search
 *   (`filters.severity`) uses the CVE record's highest base score over its CNA and ADP
 *   containers, whatever their version; NVD scores never feed the filter.
 * - CWE: the CNA, then CISA ADP, then NVD (its Primary weakness first).
 * - affected products: the CNA's `affected`; CPE applicability: NVD's configurations, else
 *   the CPEs in the CNA's and ADPs' `affected`.
 * - description: the CNA's; NVD's copy and the legacy historical texts are shown beside it.
 * - KEV: CISA's catalog in this repository, then CISA ADP's KEV entry, then NVD's copy.
 * - EPSS: the newest score date.
 * A legacy (MITRE allitems) entry never replaces a CVE JSON 5 record: it is shown as its own
 * source with its old CAN- name; it is the only text when the CVE List has no record.
 */
import type { CveId, CveRecordJson, RecordSummary } from '../cve/index.ts';
import type { EpssPoint, KevEntry, MappingIssue, StoredLegacyEntry } from '../store/index.ts';
import type { LegacyEntry } from './legacy.ts';
import type { NvdCveRecord } from './nvd.ts';

/** Who said it. */
export interface Provenance {
  /** `cna`, `adp:CISA-ADP`, `nvd`, `kev`, `epss`, `mitre-legacy:cve-1.0-xml`. */
  readonly source: string;
  /** For people: `CNA (apache)`, `CISA ADP`, `NVD`, `CISA KEV catalog`. */
  readonly label: string;
  /** As of when the source said it (its update date), ISO 8601. */
  readonly date?: string;
}

export interface Claim<T> extends Provenance {
  readonly value: T;
}

export interface CvssValue {
  readonly version: string;
  readonly score: number;
  readonly severity: string;
  readonly vector: string;
  /** NVD's `Primary`/`Secondary`, and who scored it when NVD relays another's score. */
  readonly type?: string;
  readonly scoredBy?: string;
}

export interface AffectedValue {
  readonly vendor: string;
  readonly product: string;
  readonly versions: readonly string[];
  readonly cpes: readonly string[];
}

export interface KevValue {
  readonly dateAdded: string;
  readonly dueDate?: string;
  readonly requiredAction?: string;
  readonly name?: string;
}

export interface LegacyView extends Provenance {
  readonly originalName: string;
  readonly format: string;
  readonly status?: string;
  readonly phase?: string;
  readonly phaseDate?: string;
  readonly description: string;
  readonly markers: { readonly reserved: boolean; readonly rejected: boolean; readonly disputed: boolean };
  readonly replacedBy: readonly CveId[];
  readonly references: number;
  readonly votes: readonly { readonly vote: string; readonly count?: number }[];
}

/** A field: every claim, and the one precedence picked (with the rule that picked it). */
export interface Field<T> {
  readonly claims: readonly Claim<T>[];
  readonly chosen?: Claim<T>;
  readonly rule: string;
}

export interface MergedView {
  readonly cveId: CveId;
  /** Every source that says something about the name. */
  readonly sources: readonly Provenance[];
  /** The CVE List has a record for the name (else only other sources speak). */
  readonly inCveList: boolean;
  readonly status: Field<string>;
  readonly description: Field<string>;
  readonly cvss: Field<CvssValue>;
  readonly cwe: Field<readonly string[]>;
  readonly affected: Field<readonly AffectedValue[]>;
  readonly cpe: Field<readonly string[]>;
  readonly kev: Field<KevValue>;
  readonly epss: Field<{ readonly score: number; readonly percentile: number; readonly modelVersion: string }> & { readonly history: readonly EpssPoint[] };
  readonly legacy: readonly LegacyView[];
  /** What the repository's filters used, and from which source. */
  readonly filters: { readonly severity?: Claim<CvssValue> & { readonly note: string } };
  readonly mappingIssues: readonly MappingIssue[];
}

export interface MergeInput {
  readonly cveId: CveId;
  /** The current CVE JSON 5 record and its summary, when the CVE List has the name. */
  readonly record?: { readonly json: CveRecordJson; readonly summary: RecordSummary; readonly dateUpdated: string };
  readonly nvd?: { readonly record: NvdCveRecord; readonly version: number };
  readonly kev?: KevEntry;
  readonly epss: readonly EpssPoint[];
  readonly legacy: readonly { readonly stored: StoredLegacyEntry; readonly entry: LegacyEntry }[];
  readonly mappingIssues: readonly MappingIssue[];
}

const NVD_SOURCE = 'nvd@nist.gov';
const VERSION_RANK: Readonly<Record<string, number>> = { '2.0': 0, '3.0': 1, '3.1': 2, '4.0': 3 };
const SEVERITY_RANK: Readonly<Record<string, number>> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };
const LEGACY_LABEL: Readonly<Record<string, string>> = { 'cve-1.0-xml': 'allitems.xml', 'cvrf-1.1': 'allitems-cvrf.xml', 'allitems-csv': 'allitems.csv' };

function isCisaAdp(source: string): boolean {
  return /^adp:(CISA-ADP|CISA)$/i.test(source) || /^adp:134c704f-9b21-4f2e-91b3-4a467353bcc0$/i.test(source);
}

/** Rank of a claim's source in the precedence order (lower wins). */
function sourceRank(source: string): number {
  if (source === 'cna') return 0;
  if (isCisaAdp(source)) return 1;
  if (source === 'nvd') return 2;
  if (source.startsWith('adp:')) return 3;
  return 4;
}

function pick<T>(claims: readonly Claim<T>[], better?: (a: Claim<T>, b: Claim<T>) => number): Claim<T> | undefined {
  return [...claims].sort((a, b) => sourceRank(a.source) - sourceRank(b.source) || (better ? better(a, b) : 0))[0];
}

function field<T>(claims: Claim<T>[], rule: string, better?: (a: Claim<T>, b: Claim<T>) => number): Field<T> {
  const chosen = pick(claims, better);
  return chosen ? { claims, chosen, rule } : { claims, rule };
}

function containerLabel(source: string, summary?: RecordSummary): string {
  if (source === 'cna') return `CNA${summary?.assignerShortName ? ` (${summary.assignerShortName})` : ''}`;
  const name = source.slice(4);
  return isCisaAdp(source) ? 'CISA ADP' : `ADP ${name}`;
}

/** Each container of the record as a provenance: CNA, then ADPs, each with its providerMetadata date. */
function containers(json: CveRecordJson, summary: RecordSummary): { source: string; label: string; date?: string; c: Record<string, unknown> }[] {
  const out: { source: string; label: string; date?: string; c: Record<string, unknown> }[] = [];
  const cna = json.containers.cna as unknown as Record<string, unknown>;
  const date = (c: Record<string, unknown>) => (c.providerMetadata as { dateUpdated?: string } | undefined)?.dateUpdated;
  out.push({ source: 'cna', label: containerLabel('cna', summary), ...(date(cna) ? { date: date(cna) } : {}), c: cna });
  for (const a of (json.containers.adp ?? []) as unknown as Record<string, unknown>[]) {
    const pm = a.providerMetadata as { shortName?: string; orgId: string };
    const source = `adp:${pm.shortName ?? pm.orgId}`;
    out.push({ source, label: containerLabel(source), ...(date(a) ? { date: date(a) } : {}), c: a });
  }
  return out;
}

function cweOf(c: Record<string, unknown>): string[] {
  const ids = new Set<string>();
  for (const p of (c.problemTypes ?? []) as { descriptions?: { cweId?: string }[] }[]) for (const d of p.descriptions ?? []) if (d.cweId) ids.add(d.cweId);
  return [...ids];
}

function versionText(v: { version?: string; lessThan?: string; lessThanOrEqual?: string; status?: string }): string {
  const range = v.lessThan ? ` to < ${v.lessThan}` : v.lessThanOrEqual ? ` to <= ${v.lessThanOrEqual}` : '';
  return `${v.version ?? '?'}${range}${v.status ? ` (${v.status})` : ''}`;
}

const byVersionThenScore = (a: Claim<CvssValue>, b: Claim<CvssValue>): number =>
  (VERSION_RANK[b.value.version] ?? -1) - (VERSION_RANK[a.value.version] ?? -1) || (a.value.type === 'Primary' ? -1 : 0) - (b.value.type === 'Primary' ? -1 : 0) || b.value.score - a.value.score;

/** Build the merged view. */
export function mergeSources(input: MergeInput): MergedView {
  const { record, nvd } = input;
  const sources: Provenance[] = [];
  const status: Claim<string>[] = [];
  const description: Claim<string>[] = [];
  const cvss: Claim<CvssValue>[] = [];
  const cwe: Claim<readonly string[]>[] = [];
  const affected: Claim<readonly AffectedValue[]>[] = [];
  const cpe: Claim<readonly string[]>[] = [];
  const kev: Claim<KevValue>[] = [];
  let severity: (Claim<CvssValue> & { note: string }) | undefined;

  if (record) {
    const { json, summary } = record;
    const parts = containers(json, summary);
    for (const p of parts) sources.push({ source: p.source, label: p.label, ...(p.date ? { date: p.date } : {}) });
    const cna = parts[0];
    status.push({ source: 'cna', label: 'CVE List', date: record.dateUpdated, value: summary.state });
    if (summary.description) description.push({ source: 'cna', label: cna.label, ...(cna.date ? { date: cna.date } : {}), value: summary.description });
    const at = (source: string) => parts.find((p) => p.source === source);
    for (const m of summary.metrics) {
      const p = at(m.source);
      cvss.push({ source: m.source, label: p?.label ?? m.source, ...(p?.date ? { date: p.date } : {}), value: { version: m.version, score: m.baseScore, severity: m.baseSeverity, vector: m.vectorString } });
    }
    for (const p of parts) {
      const ids = cweOf(p.c);
      if (ids.length > 0) cwe.push({ source: p.source, label: p.label, ...(p.date ? { date: p.date } : {}), value: ids });
      const list = summary.affected.filter((a) => a.source === p.source);
      if (list.length > 0) {
        affected.push({
          source: p.source,
          label: p.label,
          ...(p.date ? { date: p.date } : {}),
          value: list.map((a) => ({ vendor: a.vendor, product: a.product, versions: a.versions.map(versionText), cpes: a.cpes })),
        });
        const cpes = [...new Set(list.flatMap((a) => a.cpes))];
        if (cpes.length > 0) cpe.push({ source: p.source, label: p.label, ...(p.date ? { date: p.date } : {}), value: cpes });
      }
    }
    if (summary.kev) {
      const p = parts.find((x) => isCisaAdp(x.source));
      kev.push({ source: p?.source ?? 'adp:CISA-ADP', label: 'CISA ADP', ...(p?.date ? { date: p.date } : {}), value: { dateAdded: summary.kev.dateAdded } });
    }
    // The same rule as the store's `cvss_score`/`cvss_severity` columns (rows.ts currentRow): the highest base score.
    for (const m of summary.metrics) {
      const better =
        severity === undefined ||
        m.baseScore > severity.value.score ||
        (m.baseScore === severity.value.score && (SEVERITY_RANK[m.baseSeverity] ?? -1) > (SEVERITY_RANK[severity.value.severity] ?? -1));
      if (better) {
        const p = at(m.source);
        severity = {
          source: m.source,
          label: p?.label ?? m.source,
          ...(p?.date ? { date: p.date } : {}),
          value: { version: m.version, score: m.baseScore, severity: m.baseSeverity, vector: m.vectorString },
          note: 'search and lists filter by the highest base score of the CVE record (CNA and ADP containers, any CVSS version)',
        };
      }
    }
  }

  if (nvd) {
    const r = nvd.record;
    const prov = { source: 'nvd', label: 'NVD', date: r.lastModified };
    sources.push(prov);
    if (r.vulnStatus) status.push({ ...prov, value: r.vulnStatus });
    const en = r.descriptions.find((d) => d.lang.startsWith('en')) ?? r.descriptions[0];
    if (en) description.push({ ...prov, value: en.value });
    for (const m of r.metrics) {
      cvss.push({
        ...prov,
        label: m.source === NVD_SOURCE ? 'NVD' : `NVD (relaying ${m.source})`,
        value: { version: m.cvssVersion, score: m.baseScore, severity: m.baseSeverity ?? '', vector: m.vector, type: m.type, scoredBy: m.source },
      });
    }
    const weak = [...r.weaknesses].sort((a, b) => (a.type === 'Primary' ? 0 : 1) - (b.type === 'Primary' ? 0 : 1)).flatMap((w) => w.cweIds);
    if (weak.length > 0) cwe.push({ ...prov, value: [...new Set(weak)] });
    const criteria = [...new Set(r.configurations.flatMap((c) => c.nodes.flatMap((n) => n.cpeMatch.filter((m) => m.vulnerable).map((m) => m.criteria))))];
    if (criteria.length > 0) cpe.push({ ...prov, value: criteria });
    if (r.kev) kev.push({ ...prov, label: 'NVD (copy of CISA KEV)', value: { dateAdded: r.kev.dateAdded, ...(r.kev.dueDate ? { dueDate: r.kev.dueDate } : {}), ...(r.kev.requiredAction ? { requiredAction: r.kev.requiredAction } : {}), ...(r.kev.vulnerabilityName ? { name: r.kev.vulnerabilityName } : {}) } });
  }

  if (input.kev) {
    const k = input.kev;
    const prov = { source: 'kev', label: 'CISA KEV catalog', date: k.dateAdded };
    sources.push(prov);
    kev.unshift({ ...prov, value: { dateAdded: k.dateAdded, dueDate: k.dueDate, requiredAction: k.requiredAction, name: k.vulnerabilityName } });
  }

  const history = [...input.epss].sort((a, b) => a.scoreDate.localeCompare(b.scoreDate));
  const latest = history[history.length - 1];
  const epssClaims = latest ? [{ source: 'epss', label: 'FIRST EPSS', date: latest.scoreDate, value: { score: latest.epss, percentile: latest.percentile, modelVersion: latest.modelVersion } }] : [];
  if (latest) sources.push({ source: 'epss', label: 'FIRST EPSS', date: latest.scoreDate });

  const legacy: LegacyView[] = input.legacy.map(({ stored, entry }) => {
    const date = entry.modified ?? entry.phaseDate ?? entry.published;
    const prov = { source: `mitre-legacy:${stored.format}`, label: `MITRE legacy (${LEGACY_LABEL[stored.format] ?? stored.format})`, ...(date ? { date } : {}) };
    sources.push(prov);
    if (entry.status || entry.markers.rejected || entry.markers.reserved) {
      const marks = [entry.markers.rejected ? 'REJECT' : '', entry.markers.reserved ? 'RESERVED' : '', entry.markers.disputed ? 'DISPUTED' : ''].filter(Boolean);
      status.push({ ...prov, value: [entry.status ?? '', entry.phase ? `phase ${entry.phase}` : '', ...marks].filter(Boolean).join(', ') });
    }
    // A historical text: shown, and the description's only claim when the CVE List has no record.
    description.push({ ...prov, value: entry.description });
    return {
      ...prov,
      originalName: entry.originalName,
      format: stored.format,
      ...(entry.status ? { status: entry.status } : {}),
      ...(entry.phase ? { phase: entry.phase } : {}),
      ...(entry.phaseDate ? { phaseDate: entry.phaseDate } : {}),
      description: entry.description,
      markers: entry.markers,
      replacedBy: entry.replacements.map((x) => x.target),
      references: entry.references.length,
      votes: entry.votes.map((v) => ({ vote: v.vote, ...(v.count !== undefined ? { count: v.count } : {}) })),
    };
  });

  // The CVE List's state is authoritative: a legacy or NVD status is never chosen over it.
  const statusField: Field<string> = record
    ? { claims: status, chosen: status[0], rule: 'the CVE List state; NVD and legacy statuses shown beside it' }
    : field(status, 'no CVE List record: NVD status, else the legacy status', (a, b) => sourceRank(a.source) - sourceRank(b.source));
  const descriptionField: Field<string> = field(description, "the CNA's description; NVD's copy and legacy historical texts beside it");

  return {
    cveId: input.cveId,
    sources,
    inCveList: record !== undefined,
    status: statusField,
    description: descriptionField,
    cvss: field(cvss, 'CNA, then CISA ADP, then NVD Primary, then others; newest CVSS version within a source', byVersionThenScore),
    cwe: field(cwe, 'CNA, then CISA ADP, then NVD (Primary weakness first)'),
    affected: field(affected, "the CNA's affected products"),
    cpe: nvd && cpe.some((c) => c.source === 'nvd') ? { claims: cpe, chosen: cpe.find((c) => c.source === 'nvd'), rule: "NVD's CPE configurations, else CPEs in the CNA's and ADPs' affected" } : field(cpe, "NVD's CPE configurations, else CPEs in the CNA's and ADPs' affected"),
    kev: { claims: kev, ...(kev[0] ? { chosen: kev[0] } : {}), rule: "CISA's KEV catalog, then CISA ADP's KEV entry, then NVD's copy" },
    epss: { claims: epssClaims, ...(epssClaims[0] ? { chosen: epssClaims[0] } : {}), rule: 'the newest score date', history },
    legacy,
    filters: severity ? { severity } : {},
    mappingIssues: input.mappingIssues,
  };
}
