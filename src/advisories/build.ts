/**
 * @module Building CSAF 2.0 security advisories (profile `csaf_security_advisory`) from advisory
 * input, and the product tree from CVE JSON 5 `affected` entries.
 *
 * Product tree (CSAF §3.2.2.1): one branch per vendor → product_name → one leaf per version: a
 * single version becomes `product_version`; a range (`lessThan`, `lessThanOrEqual`, a wildcard,
 * or a version text that reads as a range such as "prior to 4.2", which 6.1.31 forbids in
 * `product_version`) becomes `product_version_range`, written as a `vers:` range when it comes
 * from `lessThan`/`lessThanOrEqual`. Product IDs are `CSAFPID-0001`, … in order of first
 * appearance, shared by every vulnerability naming the same vendor, product and version.
 *
 * Product status (§3.2.3.9) from the CVE `status`: `affected` → known_affected; `unaffected` →
 * fixed where it is the version at which an affected range of the same product ends (the upper
 * bound of a `lessThan` range, or a `changes` point), known_not_affected otherwise; `unknown` is
 * left out (CSAF has no status for "we do not know").
 */
import { scoreCvss } from '../cvss/index.ts';
import type { AffectedJson, VersionJson } from '../cve/index.ts';
import { AdvisoryError } from './errors.ts';
import { rangeMarker } from './mandatory-tests.ts';
import type {
  CsafAcknowledgment,
  CsafBranch,
  CsafCvss,
  CsafDocument,
  CsafDocumentStatus,
  CsafNote,
  CsafProductStatus,
  CsafProductStatusName,
  CsafPublisher,
  CsafReference,
  CsafRemediation,
  CsafRevision,
  CsafScore,
  CsafThreat,
  CsafVulnerability,
} from './types.ts';
import { validateCsaf } from './validate.ts';
import type { ValidateCsafOptions } from './validate.ts';

/** A vendor fix, mitigation or workaround; it applies to the vulnerability's affected products. */
export interface RemediationInput {
  readonly category?: CsafRemediation['category'];
  readonly details: string;
  readonly url?: string;
  readonly date?: string;
}

/** Someone to credit (CVE JSON 5 `credits`: `value` is the name, `type` e.g. `finder`). */
export interface CreditInput {
  readonly name: string;
  readonly organization?: string;
  /** e.g. `finder`, `reporter`, `coordinator`; shown as the summary. */
  readonly type?: string;
  readonly urls?: readonly string[];
}

export interface VulnerabilityInput {
  /** The CVE name (X1520-6.10); must be unique in the advisory (6.1.23). */
  readonly cve?: string;
  readonly title?: string;
  /** The vulnerability description; required (profile test 6.1.27.5 needs notes). */
  readonly description: string;
  /** CWE id and its catalog name (6.1.11 checks the name). */
  readonly cwe?: { readonly id: string; readonly name: string };
  /** Affected products, as CVE JSON 5 `affected` entries. */
  readonly affected: readonly AffectedJson[];
  /** CVSS v2.0, v3.0 or v3.1 vectors; scores are computed. Per version only the first is kept (6.1.7); v4.0 has no place in CSAF 2.0 and is left out. */
  readonly cvss?: readonly string[];
  readonly remediations?: readonly RemediationInput[];
  readonly references?: readonly { readonly url: string; readonly summary?: string }[];
  readonly credits?: readonly CreditInput[];
  /** Exploitation status from CISA KEV: listed since `dateAdded`. */
  readonly kev?: { readonly dateAdded: string; readonly reference?: string; readonly details?: string };
  readonly releaseDate?: string;
  readonly discoveryDate?: string;
}

export interface AdvisoryInput {
  readonly publisher: {
    readonly name: string;
    /** The publisher's URL (`namespace`, §3.2.1.8.3). */
    readonly namespace: string;
    readonly category?: CsafPublisher['category'];
    readonly contactDetails?: string;
    readonly issuingAuthority?: string;
  };
  readonly tracking: {
    readonly id: string;
    readonly title: string;
    readonly status: CsafDocumentStatus;
    /** Defaults to the number of the latest revision. */
    readonly version?: string;
    /** Defaults to one revision: `version` (or `1`), dated `date`, "Initial version." */
    readonly revisionHistory?: readonly CsafRevision[];
    /** The date of the initial revision when no history is given. */
    readonly date?: string;
    readonly initialReleaseDate?: string;
    readonly currentReleaseDate?: string;
  };
  readonly lang?: string;
  /** Document notes; a summary note is the advisory's summary. */
  readonly notes?: readonly CsafNote[];
  /** A shortcut for a `summary` note. */
  readonly summary?: string;
  readonly references?: readonly CsafReference[];
  readonly tlp?: 'WHITE' | 'GREEN' | 'AMBER' | 'RED';
  readonly vulnerabilities: readonly VulnerabilityInput[];
}

export interface BuildOptions {
  /** Passed to `validateCsaf` (e.g. a newer CWE catalog). */
  readonly validate?: ValidateCsafOptions;
}

// ---------------------------------------------------------------------------
// Product tree

/** CVE `versionType` → vers scheme (vers-spec); anything else is `generic`. */
const VERS_SCHEMES: Readonly<Record<string, string>> = {
  semver: 'semver', npm: 'npm', maven: 'maven', python: 'pypi', pypi: 'pypi', rpm: 'rpm', deb: 'deb',
  debian: 'deb', gem: 'gem', rubygems: 'gem', nuget: 'nuget', go: 'golang', golang: 'golang', cargo: 'cargo',
  composer: 'composer', alpine: 'alpine', apk: 'alpine', conan: 'conan',
};

/** Version texts that mean "no bound" in CVE records. */
const UNBOUNDED = new Set(['', '0', '*', 'n/a', 'unspecified', 'unknown', '-']);
const versEncode = (version: string): string => version.replace(/[%|\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

interface Leaf {
  readonly category: 'product_version' | 'product_version_range';
  readonly name: string;
  readonly status: 'affected' | 'unaffected' | 'unknown';
  /** True when an affected range of this product ends here: unaffected means fixed. */
  readonly fixPoint?: boolean;
}

/** The leaves one CVE `versions[]` item stands for (`changes` split a range into segments). */
function leavesOf(v: VersionJson): Leaf[] {
  const scheme = VERS_SCHEMES[(v.versionType ?? '').toLowerCase()] ?? 'generic';
  const upper = v.lessThan ?? v.lessThanOrEqual;
  if (upper === undefined) {
    if (UNBOUNDED.has(v.version.trim().toLowerCase()) && v.version !== '0') {
      return [{ category: 'product_version_range', name: `vers:${scheme}/*`, status: statusOf(v.status) }];
    }
    const range = rangeMarker(v.version) !== undefined;
    return [{ category: range ? 'product_version_range' : 'product_version', name: v.version, status: statusOf(v.status) }];
  }
  // Segment bounds: version, each change point, upper; statuses: the item's, then each change's.
  const points = [v.version, ...(v.changes ?? []).map((c) => c.at)];
  const statuses = [v.status, ...(v.changes ?? []).map((c) => c.status)];
  const leaves: Leaf[] = [];
  for (let i = 0; i < points.length; i++) {
    const low = points[i];
    const last = i === points.length - 1;
    const high = last ? upper : points[i + 1];
    const constraints: string[] = [];
    if (!UNBOUNDED.has(low.trim().toLowerCase())) constraints.push(`>=${versEncode(low)}`);
    if (!UNBOUNDED.has(high.trim().toLowerCase())) constraints.push(`${last && v.lessThan === undefined ? '<=' : '<'}${versEncode(high)}`);
    leaves.push({
      category: 'product_version_range',
      name: `vers:${scheme}/${constraints.length === 0 ? '*' : constraints.join('|')}`,
      status: statusOf(statuses[i]),
      fixPoint: i > 0,
    });
  }
  return leaves;
}

const statusOf = (status: string): Leaf['status'] =>
  status === 'affected' ? 'affected' : status === 'unaffected' ? 'unaffected' : 'unknown';

/** Builds the shared product tree and maps every vulnerability's affected entries to product IDs. */
class ProductTreeBuilder {
  readonly #vendors = new Map<string, Map<string, Map<string, { category: Leaf['category']; id: string; fullName: string }>>>();
  #next = 1;

  /** Product IDs by status for one vulnerability's affected entries. */
  add(affected: readonly AffectedJson[]): CsafProductStatus {
    const status: Partial<Record<CsafProductStatusName, Set<string>>> = {};
    const put = (name: CsafProductStatusName, id: string): void => {
      (status[name] ??= new Set()).add(id);
    };
    for (const entry of affected) {
      const vendor = (entry.vendor ?? '').trim() || 'n/a';
      const product = (entry.product ?? entry.packageName ?? '').trim() || 'n/a';
      // Upper bounds of affected lessThan ranges: naming such a version unaffected means fixed there.
      const fixVersions = new Set(
        (entry.versions ?? []).filter((v) => v.status === 'affected' && v.lessThan !== undefined).map((v) => v.lessThan!),
      );
      for (const v of entry.versions ?? []) {
        for (const leaf of leavesOf(v)) {
          if (leaf.status === 'unknown') continue;
          const id = this.#leafId(vendor, product, leaf);
          if (leaf.status === 'affected') put('known_affected', id);
          else if (leaf.fixPoint === true || fixVersions.has(v.version)) put('fixed', id);
          else put('known_not_affected', id);
        }
      }
    }
    return Object.fromEntries(Object.entries(status).map(([k, ids]) => [k, [...ids]])) as CsafProductStatus;
  }

  #leafId(vendor: string, product: string, leaf: Leaf): string {
    let products = this.#vendors.get(vendor);
    if (products === undefined) this.#vendors.set(vendor, (products = new Map()));
    let leaves = products.get(product);
    if (leaves === undefined) products.set(product, (leaves = new Map()));
    const key = `${leaf.category}\u0000${leaf.name}`;
    let known = leaves.get(key);
    if (known === undefined) {
      known = { category: leaf.category, id: `CSAFPID-${String(this.#next++).padStart(4, '0')}`, fullName: `${vendor} ${product} ${leaf.name}` };
      leaves.set(key, known);
    }
    return known.id;
  }

  branches(): CsafBranch[] {
    return [...this.#vendors].map(([vendor, products]) => ({
      category: 'vendor',
      name: vendor,
      branches: [...products].map(([product, leaves]) => ({
        category: 'product_name',
        name: product,
        branches: [...leaves].map(([key, leaf]) => ({
          category: leaf.category,
          name: key.split('\u0000')[1],
          product: { name: leaf.fullName, product_id: leaf.id },
        })),
      })),
    }));
  }
}

// ---------------------------------------------------------------------------
// Scores

const CVSS_V3_VERSIONS = new Set(['3.0', '3.1']);

/** FIRST CVSS JSON for one vector: version, vector, scores and severities it defines. */
function cvssObject(vector: string): { kind: 'cvss_v2' | 'cvss_v3'; value: CsafCvss } | undefined {
  const s = scoreCvss(vector);
  if (!s.ok) throw new AdvisoryError('BAD_INPUT', `invalid CVSS vector "${vector}": ${s.reason}`);
  if (s.version === '4.0') return undefined;
  const v3 = CVSS_V3_VERSIONS.has(s.version);
  const value: Record<string, unknown> = { version: s.version, vectorString: vector, baseScore: s.baseScore };
  if (v3) value.baseSeverity = s.baseSeverity;
  if (s.hasTemporal) {
    value.temporalScore = s.temporalScore;
    if (v3) value.temporalSeverity = s.temporalSeverity;
  }
  if (s.hasEnvironmental) {
    value.environmentalScore = s.environmentalScore;
    if (v3) value.environmentalSeverity = s.environmentalSeverity;
  }
  return { kind: v3 ? 'cvss_v3' : 'cvss_v2', value: value as unknown as CsafCvss };
}

function scoresFor(vectors: readonly string[], products: readonly string[]): CsafScore[] {
  if (products.length === 0) return [];
  const byVersion = new Map<string, { kind: 'cvss_v2' | 'cvss_v3'; value: CsafCvss }>();
  for (const vector of vectors) {
    const o = cvssObject(vector);
    if (o !== undefined && !byVersion.has(o.value.version)) byVersion.set(o.value.version, o);
  }
  return [...byVersion.values()].map((o) => ({ products, [o.kind]: o.value }) as CsafScore);
}

// ---------------------------------------------------------------------------
// The document

const nonEmpty = <T>(items: readonly T[] | undefined): readonly T[] | undefined => (items === undefined || items.length === 0 ? undefined : items);
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

function vulnerabilityOf(input: VulnerabilityInput, tree: ProductTreeBuilder): CsafVulnerability {
  if (input.description.trim() === '') throw new AdvisoryError('BAD_INPUT', `vulnerability ${input.cve ?? input.title ?? ''} has no description`);
  const status = tree.add(input.affected);
  const affected = [...new Set([...(status.known_affected ?? []), ...(status.first_affected ?? []), ...(status.last_affected ?? [])])];
  const remediations = (input.remediations ?? []).map((r): CsafRemediation => {
    const targets = affected.length > 0 ? affected : [...(status.fixed ?? [])];
    if (targets.length === 0) throw new AdvisoryError('BAD_INPUT', `remediation "${r.details}" has no affected or fixed product to apply to (6.1.29)`);
    return defined({ category: r.category ?? 'vendor_fix', details: r.details, url: r.url, date: r.date, product_ids: targets });
  });
  const acknowledgments = (input.credits ?? []).map(
    (c): CsafAcknowledgment => defined({ names: [c.name], organization: c.organization, summary: c.type, urls: nonEmpty(c.urls) }),
  );
  const threats: CsafThreat[] = [];
  if (input.kev !== undefined) {
    threats.push(
      defined({
        category: 'exploit_status' as const,
        details:
          input.kev.details ??
          `Known to be exploited: listed in the CISA Known Exploited Vulnerabilities catalog since ${input.kev.dateAdded.slice(0, 10)}.`,
        date: input.kev.dateAdded.length === 10 ? `${input.kev.dateAdded}T00:00:00.000Z` : input.kev.dateAdded,
      }),
    );
  }
  const references = (input.references ?? []).map(
    (r): CsafReference => ({ category: 'external', summary: r.summary?.trim() || r.url, url: r.url }),
  );
  return defined({
    cve: input.cve,
    title: input.title,
    cwe: input.cwe,
    notes: [{ category: 'description' as const, title: 'Vulnerability description', text: input.description }],
    discovery_date: input.discoveryDate,
    release_date: input.releaseDate,
    product_status: status,
    scores: nonEmpty(scoresFor(input.cvss ?? [], affected)),
    remediations: nonEmpty(remediations),
    threats: nonEmpty(threats),
    references: nonEmpty(references),
    acknowledgments: nonEmpty(acknowledgments),
  });
}

/** Throws unless the document validates; returns it. @internal */
export function assertValid(doc: CsafDocument, options: ValidateCsafOptions = {}): CsafDocument {
  const result = validateCsaf(doc, options);
  if (!result.ok) {
    const first = result.errors[0];
    throw new AdvisoryError(
      'INVALID_ADVISORY',
      `the advisory does not validate: ${first.path || '/'} ${first.message}${first.test === undefined ? '' : ` (${first.test})`}${result.errors.length > 1 ? ` and ${result.errors.length - 1} more` : ''}`,
      result.errors,
    );
  }
  return doc;
}

/**
 * Builds a CSAF 2.0 security advisory (`csaf_security_advisory`) from advisory input: publisher,
 * tracking with its revision history, notes, a product tree built from the vulnerabilities'
 * CVE JSON 5 `affected` entries, and per vulnerability its CVE name, CWE, description, product
 * status, computed CVSS scores, remediations, references, credits and KEV exploitation status.
 * The result passes {@link validateCsaf}, or an {@link AdvisoryError} says why not (code
 * `INVALID_ADVISORY` with the issues, or `BAD_INPUT`).
 *
 * @example
 * buildCsafAdvisory({
 *   publisher: { name: 'Example PSIRT', namespace: 'https://psirt.example.com' },
 *   tracking: { id: 'EX-2025-0001', title: 'Widget RCE', status: 'final', date: '2025-06-01T00:00:00.000Z' },
 *   vulnerabilities: [{ cve: 'CVE-2025-0001', description: '…', cvss: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
 *     affected: [{ vendor: 'Example', product: 'Widget', versions: [{ version: '1.0', lessThan: '1.4', status: 'affected', versionType: 'semver' }] }] }],
 * }) // { document: { category: 'csaf_security_advisory', … }, product_tree: { branches: [ … ] }, vulnerabilities: [ … ] }
 */
export function buildCsafAdvisory(input: AdvisoryInput, options: BuildOptions = {}): CsafDocument {
  if (input.vulnerabilities.length === 0) throw new AdvisoryError('BAD_INPUT', 'a security advisory needs at least one vulnerability (6.1.27.11)');
  const t = input.tracking;
  const history =
    t.revisionHistory !== undefined && t.revisionHistory.length > 0
      ? t.revisionHistory
      : t.date !== undefined
        ? [{ date: t.date, number: t.version ?? '1', summary: 'Initial version.' }]
        : undefined;
  if (history === undefined) throw new AdvisoryError('BAD_INPUT', 'tracking needs a revision history or a date');
  const dates = history.map((r) => r.date).sort((a, b) => Date.parse(a) - Date.parse(b));
  const latest = [...history].sort((a, b) => Date.parse(a.date) - Date.parse(b.date)).at(-1)!;
  const tree = new ProductTreeBuilder();
  const vulnerabilities = input.vulnerabilities.map((v) => vulnerabilityOf(v, tree));
  const branches = tree.branches();
  if (branches.length === 0) throw new AdvisoryError('BAD_INPUT', 'no vulnerability names an affected, fixed or unaffected product (6.1.27.4)');
  const notes = [...(input.summary === undefined ? [] : [{ category: 'summary' as const, title: 'Summary', text: input.summary }]), ...(input.notes ?? [])];
  const doc: CsafDocument = {
    document: defined({
      category: 'csaf_security_advisory',
      csaf_version: '2.0' as const,
      lang: input.lang ?? 'en',
      publisher: defined({
        category: input.publisher.category ?? 'vendor',
        name: input.publisher.name,
        namespace: input.publisher.namespace,
        contact_details: input.publisher.contactDetails,
        issuing_authority: input.publisher.issuingAuthority,
      }),
      title: t.title,
      tracking: {
        id: t.id,
        current_release_date: t.currentReleaseDate ?? latest.date,
        initial_release_date: t.initialReleaseDate ?? dates[0],
        revision_history: history,
        status: t.status,
        version: t.version ?? latest.number,
      },
      notes: nonEmpty(notes),
      references: nonEmpty(input.references),
      distribution: input.tlp === undefined ? undefined : { tlp: { label: input.tlp } },
    }),
    product_tree: { branches },
    vulnerabilities,
  };
  return assertValid(doc, options.validate);
}
