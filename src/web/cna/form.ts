/**
 * @module The record editor's form (issue 5 §3), pure: a CNA container to flat form fields
 * and back, and schema problems (JSON pointers) in words naming the field as the form
 * labels it. Field names are `group.index.field` so the form works without JavaScript;
 * rows left blank are dropped. Keys the form does not show (`x_…`, `cpeApplicability`,
 * extra metrics) are kept from the container the form was opened with.
 */
export type Container = Record<string, unknown>;
export type Fields = ReadonlyMap<string, string>;

export interface VersionRow {
  readonly version: string;
  /** '' (a single version), '<' (lessThan) or '<=' (lessThanOrEqual). */
  readonly rangeKind: '' | '<' | '<=';
  readonly rangeEnd: string;
  readonly status: string;
  readonly versionType: string;
}

export interface AffectedRow {
  readonly vendor: string;
  readonly product: string;
  readonly defaultStatus: string;
  readonly versions: readonly VersionRow[];
}

/** The form's view of a container: what the inputs show. */
export interface EditorModel {
  readonly title: string;
  readonly datePublic: string;
  readonly descriptions: readonly { readonly lang: string; readonly value: string }[];
  readonly affected: readonly AffectedRow[];
  readonly problemTypes: readonly { readonly cweId: string; readonly description: string }[];
  readonly cvssVector: string;
  readonly references: readonly { readonly url: string; readonly name: string; readonly tags: string }[];
  readonly credits: readonly { readonly value: string; readonly type: string }[];
  readonly timeline: readonly { readonly time: string; readonly value: string }[];
}

export const CREDIT_TYPES = ['finder', 'reporter', 'analyst', 'coordinator', 'remediation developer', 'remediation reviewer', 'remediation verifier', 'tool', 'sponsor', 'other'] as const;
export const VERSION_STATUSES = ['affected', 'unaffected', 'unknown'] as const;
export const REFERENCE_TAGS = [
  'broken-link', 'customer-entitlement', 'exploit', 'government-resource', 'issue-tracking', 'mailing-list', 'mitigation', 'not-applicable', 'patch',
  'permissions-required', 'media-coverage', 'product', 'related', 'release-notes', 'signature', 'technical-description', 'third-party-advisory',
  'vendor-advisory', 'vdb-entry',
] as const;

/** The container keys the form owns; every other key is carried over unchanged. */
const FORM_KEYS = ['title', 'datePublic', 'descriptions', 'affected', 'problemTypes', 'references', 'credits', 'timeline'] as const;
const CVSS_KEYS = ['cvssV4_0', 'cvssV3_1', 'cvssV3_0', 'cvssV2_0'] as const;

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function modelOf(c: Container): EditorModel {
  const metric = arr(c.metrics).filter(isObj).flatMap((m) => CVSS_KEYS.map((k) => m[k]).filter(isObj))[0];
  return {
    title: str(c.title),
    datePublic: str(c.datePublic),
    descriptions: arr(c.descriptions).filter(isObj).map((d) => ({ lang: str(d.lang), value: str(d.value) })),
    affected: arr(c.affected).filter(isObj).map((a) => ({
      vendor: str(a.vendor),
      product: str(a.product),
      defaultStatus: str(a.defaultStatus),
      versions: arr(a.versions).filter(isObj).map((v) => ({
        version: str(v.version),
        rangeKind: v.lessThan !== undefined ? ('<' as const) : v.lessThanOrEqual !== undefined ? ('<=' as const) : ('' as const),
        rangeEnd: str(v.lessThan ?? v.lessThanOrEqual),
        status: str(v.status),
        versionType: str(v.versionType),
      })),
    })),
    problemTypes: arr(c.problemTypes).filter(isObj).flatMap((p) => arr(p.descriptions).filter(isObj)).map((d) => ({ cweId: str(d.cweId), description: str(d.description) })),
    cvssVector: str(metric?.vectorString),
    references: arr(c.references).filter(isObj).map((r) => ({ url: str(r.url), name: str(r.name), tags: arr(r.tags).map(str).join(', ') })),
    credits: arr(c.credits).filter(isObj).map((r) => ({ value: str(r.value), type: str(r.type) })),
    timeline: arr(c.timeline).filter(isObj).map((r) => ({ time: str(r.time), value: str(r.value) })),
  };
}

/** Row indexes present for `prefix` (`desc` → 0, 1, …) in form order. */
function rows(f: Fields, prefix: string): number[] {
  const out = new Set<number>();
  for (const k of f.keys()) {
    const m = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d{1,3})\\.`).exec(k);
    if (m) out.add(Number(m[1]));
  }
  return [...out].sort((a, b) => a - b);
}

const get = (f: Fields, k: string): string => (f.get(k) ?? '').trim();

/** The form's fields as a model (blank rows dropped). */
export function modelFromFields(f: Fields): EditorModel {
  return {
    title: get(f, 'title'),
    datePublic: get(f, 'datePublic'),
    descriptions: rows(f, 'desc').map((i) => ({ lang: get(f, `desc.${i}.lang`) || 'en', value: get(f, `desc.${i}.value`) })).filter((d) => d.value),
    affected: rows(f, 'aff')
      .map((i) => ({
        vendor: get(f, `aff.${i}.vendor`),
        product: get(f, `aff.${i}.product`),
        defaultStatus: get(f, `aff.${i}.defaultStatus`),
        versions: rows(f, `aff.${i}.v`)
          .map((j) => {
            const p = `aff.${i}.v.${j}.`;
            const kind = get(f, `${p}rangeKind`);
            return { version: get(f, `${p}version`), rangeKind: (kind === '<' || kind === '<=' ? kind : '') as VersionRow['rangeKind'], rangeEnd: get(f, `${p}rangeEnd`), status: get(f, `${p}status`) || 'affected', versionType: get(f, `${p}versionType`) };
          })
          .filter((v) => v.version || v.rangeEnd),
      }))
      .filter((a) => a.vendor || a.product || a.versions.length),
    problemTypes: rows(f, 'cwe').map((i) => ({ cweId: get(f, `cwe.${i}.id`).toUpperCase(), description: get(f, `cwe.${i}.description`) })).filter((p) => p.cweId || p.description),
    cvssVector: get(f, 'cvss.vector'),
    references: rows(f, 'ref').map((i) => ({ url: get(f, `ref.${i}.url`), name: get(f, `ref.${i}.name`), tags: get(f, `ref.${i}.tags`) })).filter((r) => r.url || r.name),
    credits: rows(f, 'credit').map((i) => ({ value: get(f, `credit.${i}.value`), type: get(f, `credit.${i}.type`) })).filter((c) => c.value),
    timeline: rows(f, 'tl').map((i) => ({ time: get(f, `tl.${i}.time`), value: get(f, `tl.${i}.value`) })).filter((t) => t.time || t.value),
  };
}

/** A CVSS vector's container key from its prefix. */
export function cvssKeyOf(vector: string): (typeof CVSS_KEYS)[number] | undefined {
  if (vector.startsWith('CVSS:4.0/')) return 'cvssV4_0';
  if (vector.startsWith('CVSS:3.1/')) return 'cvssV3_1';
  if (vector.startsWith('CVSS:3.0/')) return 'cvssV3_0';
  if (/^AV:[LAN]\/AC:/.test(vector)) return 'cvssV2_0';
  return undefined;
}

export interface CvssFacts {
  readonly version: string;
  readonly baseScore: number;
  readonly baseSeverity: string;
}

/**
 * The model as a container over `base` (keys the form does not own are kept). `cvss`
 * scores the vector (the server's calculator); an unparsable vector is kept as written so
 * validation names it.
 */
export function containerOf(m: EditorModel, base: Container, cvss: (vector: string) => CvssFacts | undefined): Container {
  const out: Container = {};
  for (const [k, v] of Object.entries(base)) if (!(FORM_KEYS as readonly string[]).includes(k) && k !== 'metrics' && k !== 'providerMetadata') out[k] = v;
  if (m.title) out.title = m.title;
  if (m.datePublic) out.datePublic = m.datePublic;
  out.descriptions = m.descriptions.map((d) => ({ lang: d.lang, value: d.value }));
  out.affected = m.affected.map((a) => ({
    vendor: a.vendor,
    product: a.product,
    ...(a.defaultStatus ? { defaultStatus: a.defaultStatus } : {}),
    ...(a.versions.length
      ? {
          versions: a.versions.map((v) => ({
            version: v.version || '0',
            status: v.status,
            ...(v.rangeKind ? { versionType: v.versionType || 'custom' } : v.versionType ? { versionType: v.versionType } : {}),
            ...(v.rangeKind === '<' ? { lessThan: v.rangeEnd } : v.rangeKind === '<=' ? { lessThanOrEqual: v.rangeEnd } : {}),
          })),
        }
      : {}),
  }));
  if (m.problemTypes.length) {
    out.problemTypes = [{ descriptions: m.problemTypes.map((p) => ({ lang: 'en', type: 'CWE', ...(p.cweId ? { cweId: p.cweId } : {}), description: p.description || p.cweId })) }];
  }
  const otherMetrics = arr(base.metrics).filter((x) => isObj(x) && !CVSS_KEYS.some((k) => k in x));
  if (m.cvssVector) {
    const key = cvssKeyOf(m.cvssVector);
    const facts = cvss(m.cvssVector);
    const body = facts
      ? { version: facts.version, vectorString: m.cvssVector, baseScore: facts.baseScore, ...(facts.baseSeverity ? { baseSeverity: facts.baseSeverity } : {}) }
      : { vectorString: m.cvssVector };
    out.metrics = [{ format: 'CVSS', scenarios: [{ lang: 'en', value: 'GENERAL' }], [key ?? 'cvssV3_1']: body }, ...otherMetrics];
  } else if (otherMetrics.length) out.metrics = otherMetrics;
  out.references = m.references.map((r) => {
    const tags = r.tags.split(/[\s,]+/).filter(Boolean);
    return { url: r.url, ...(r.name ? { name: r.name } : {}), ...(tags.length ? { tags } : {}) };
  });
  if (m.credits.length) out.credits = m.credits.map((c) => ({ lang: 'en', value: c.value, ...(c.type ? { type: c.type } : {}) }));
  if (m.timeline.length) out.timeline = m.timeline.map((t) => ({ time: t.time, lang: 'en', value: t.value }));
  return out;
}

const LABELS: Record<string, string> = {
  title: 'Title',
  datePublic: 'Public date',
  descriptions: 'Description',
  affected: 'Affected product',
  versions: 'version',
  problemTypes: 'Problem type',
  metrics: 'CVSS',
  references: 'Reference',
  credits: 'Credit',
  timeline: 'Timeline entry',
  rejectedReasons: 'Rejection reason',
  replacedBy: 'Replaced by',
  url: 'URL',
  value: 'text',
  lang: 'language',
  vendor: 'vendor',
  product: 'product',
  version: 'version',
  lessThan: 'range end (<)',
  lessThanOrEqual: 'range end (≤)',
  status: 'status',
  versionType: 'version type',
  tags: 'tags',
  cweId: 'CWE ID',
  description: 'description',
  vectorString: 'vector',
  baseScore: 'score',
  time: 'time',
  type: 'type',
  name: 'name',
};

/**
 * A JSON pointer into the record or container as the form names it:
 * `/containers/cna/references/0/url` → `Reference 1 URL`.
 */
export function fieldLabel(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  while (parts.length && ['containers', 'cna', 'cnaContainer'].includes(parts[0])) parts.shift();
  if (parts.length === 0) return 'The record';
  const words: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (/^\d+$/.test(p)) {
      if (words.length) words[words.length - 1] += ` ${Number(p) + 1}`;
      continue;
    }
    if (/^cvssV/.test(p)) {
      words.push(`CVSS ${p.slice(5).replace('_', '.')}`);
      continue;
    }
    if (p === 'descriptions' && parts[i - 2] === 'problemTypes') continue;
    if (p === 'scenarios' || p === 'format') {
      words.push(p);
      continue;
    }
    words.push(LABELS[p] ?? p);
  }
  return words.join(' ').replace(/^CVSS \d+ /, 'CVSS ');
}

/** One problem in words: `Reference 1 URL must match format "uri"`. */
export function inWords(pointer: string, message: string): string {
  return `${fieldLabel(pointer)} ${message}`;
}
