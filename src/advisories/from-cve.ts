/**
 * @module `fromCveRecord`: advisory input from one or several CVE JSON 5 records.
 */
import { summarizeRecord } from '../cve/index.ts';
import type { CveRecordJson, KevSummary } from '../cve/index.ts';
import type { AdvisoryInput, RemediationInput, VulnerabilityInput } from './build.ts';
import { defaultCweCatalog } from './cwe.ts';
import type { CweCatalog } from './cwe.ts';
import { AdvisoryError } from './errors.ts';

export interface FromCveRecordOptions {
  readonly publisher: AdvisoryInput['publisher'];
  readonly tracking: {
    /** Defaults to the first record's CVE name. */
    readonly id?: string;
    /** Defaults to the CNA title of a single record, else "Security advisory for CVE-…, …". */
    readonly title?: string;
    readonly status: AdvisoryInput['tracking']['status'];
    /** The date of the initial revision. */
    readonly date: string;
    readonly version?: string;
  };
  readonly summary?: string;
  readonly lang?: string;
  readonly tlp?: AdvisoryInput['tlp'];
  /** Fixes and workarounds per CVE name. */
  readonly remediations?: Readonly<Record<string, readonly RemediationInput[]>>;
  /** KEV entries by CVE name, e.g. from the store; the records' own CISA ADP KEV data is used otherwise. */
  readonly kev?: (cveId: string) => KevSummary | undefined;
  /** Resolves CWE names (6.1.11 checks them); default the bundled CWE v4.15 catalog. */
  readonly cweCatalog?: CweCatalog;
}

const CVSS_ORDER = ['3.1', '3.0', '2.0'];

function vulnerabilityOf(record: CveRecordJson, options: FromCveRecordOptions): VulnerabilityInput {
  const summary = summarizeRecord(record);
  if (summary.state !== 'PUBLISHED') {
    throw new AdvisoryError('BAD_INPUT', `${summary.cveId} is ${summary.state}: only published records make advisories`);
  }
  const catalog = options.cweCatalog ?? defaultCweCatalog();
  // The first CWE the catalog knows, with the catalog's exact name (6.1.11).
  const cweId = summary.cweIds.find((id) => catalog.has(id));
  const cna = record.containers.cna;
  // The CNA's affected list is authoritative; ADP lists only when the CNA gives none.
  const cnaAffected = cna.affected ?? [];
  const affected = cnaAffected.length > 0 ? cnaAffected : (record.containers.adp ?? []).flatMap((a) => a.affected ?? []);
  const metrics = [...summary.metrics].sort(
    (a, b) => Number(a.source !== 'cna') - Number(b.source !== 'cna') || CVSS_ORDER.indexOf(a.version) - CVSS_ORDER.indexOf(b.version),
  );
  const credits = ((cna.credits ?? []) as readonly { value?: unknown; type?: unknown }[]).flatMap((c) =>
    typeof c.value === 'string' && c.value.trim() !== '' ? [{ name: c.value, ...(typeof c.type === 'string' && { type: c.type }) }] : [],
  );
  const kev = options.kev?.(summary.cveId) ?? summary.kev;
  const seen = new Set<string>();
  const references = summary.references.filter((r) => r.source === 'cna' && !seen.has(r.url) && seen.add(r.url));
  return {
    cve: summary.cveId,
    ...(summary.title !== undefined && { title: summary.title }),
    description: summary.description || `${summary.cveId}`,
    ...(cweId !== undefined && { cwe: { id: cweId, name: catalog.get(cweId)! } }),
    affected,
    cvss: metrics.map((m) => m.vectorString),
    remediations: options.remediations?.[summary.cveId] ?? [],
    references: references.map((r) => ({ url: r.url, ...(r.name !== undefined && { summary: r.name }) })),
    credits,
    ...(kev !== undefined && { kev: { dateAdded: kev.dateAdded, ...(kev.reference !== undefined && { reference: kev.reference }) } }),
    ...(summary.dates.published !== undefined && { releaseDate: summary.dates.published }),
  };
}

/**
 * Maps one or several published CVE JSON 5 records to advisory input for
 * {@link buildCsafAdvisory}: per record its CVE name, title, description, CWE (named from the CWE
 * catalog), the CNA's affected products, CVSS vectors (CNA first, newest version first; scores
 * are recomputed), CNA references, credits, KEV status and publication date.
 *
 * @example
 * buildCsafAdvisory(fromCveRecord(record, {
 *   publisher: { name: 'Example PSIRT', namespace: 'https://psirt.example.com' },
 *   tracking: { status: 'final', date: '2025-06-01T00:00:00.000Z' },
 * }))
 */
export function fromCveRecord(records: CveRecordJson | readonly CveRecordJson[], options: FromCveRecordOptions): AdvisoryInput {
  const list: readonly CveRecordJson[] = Array.isArray(records) ? records : [records as CveRecordJson];
  if (list.length === 0) throw new AdvisoryError('BAD_INPUT', 'no CVE record given');
  const vulnerabilities = list.map((r) => vulnerabilityOf(r, options));
  const names = vulnerabilities.map((v) => v.cve!);
  const title =
    options.tracking.title ??
    (vulnerabilities.length === 1 && vulnerabilities[0].title !== undefined
      ? `${names[0]}: ${vulnerabilities[0].title}`
      : `Security advisory for ${names.join(', ')}`);
  return {
    publisher: options.publisher,
    tracking: {
      id: options.tracking.id ?? names[0],
      title,
      status: options.tracking.status,
      date: options.tracking.date,
      ...(options.tracking.version !== undefined && { version: options.tracking.version }),
    },
    ...(options.summary !== undefined && { summary: options.summary }),
    ...(options.lang !== undefined && { lang: options.lang }),
    ...(options.tlp !== undefined && { tlp: options.tlp }),
    vulnerabilities,
  };
}
