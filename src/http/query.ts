/**
 * @module Search filters from a request: the query text (`q`, the query syntax) and the
 * same filters as separate parameters (`vendor=apache&kev=yes`, what facet links add),
 * merged into one `SearchQuery`. The schema below is shared by the search page, the
 * search API, feeds and exports.
 */
import { extractCveIds, parseCveId, type CvssVersion, type RecordState } from '../cve/index.ts';
import { FACETS, SEARCH_SORTS, type SearchQuery, type SearchSort } from '../store/search-types.ts';
import { HttpError } from './errors.ts';
import { parseSearchText } from './search-text.ts';

export type QueryFilters = Omit<SearchQuery, 'limit' | 'cursor' | 'facets' | 'noTotal'>;

const SEVERITIES = ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const list = (items: Record<string, unknown>, maxItems = 20, description?: string) => ({ type: 'array', items, maxItems, ...(description && { description }) }) as const;
const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?$' } as const;
const YES_NO = { type: 'string', enum: ['yes', 'no', 'true', 'false'] } as const;

/** Querystring properties of every filtered route. Repeat a list parameter for several values (any of them). */
export const FILTER_PROPERTIES = {
  q: { type: 'string', maxLength: 4000, description: 'query text: words, "phrases", -excluded, CVE names, field:value filters' },
  state: list({ type: 'string', enum: ['PUBLISHED', 'REJECTED', 'published', 'rejected'] }, 2, 'record state'),
  year: list({ type: 'string', pattern: '^\\d{4}(\\.\\.\\d{4})?$' }, 100, 'year of the CVE name, or a range 2020..2024'),
  assigner: list({ type: 'string', maxLength: 200 }, 20, 'assigner short name'),
  vendor: list({ type: 'string', maxLength: 200 }, 20, 'vendor of an affected product'),
  product: list({ type: 'string', maxLength: 200 }, 20, 'affected product'),
  cwe: list({ type: 'string', pattern: '^(?:[Cc][Ww][Ee]-)?\\d{1,6}$' }, 20, 'CWE id, CWE-79 or 79'),
  severity: list({ type: 'string', enum: [...SEVERITIES, ...SEVERITIES.map((s) => s.toLowerCase())] }, 5, 'CVSS severity'),
  cvssVersion: { type: 'string', enum: ['2.0', '3.0', '3.1', '4.0'], description: 'CVSS version the severity and score filters read' },
  scoreMin: { type: 'number', minimum: 0, maximum: 10 },
  scoreMax: { type: 'number', minimum: 0, maximum: 10 },
  kev: { ...YES_NO, description: 'in the CISA Known Exploited Vulnerabilities catalog' },
  hasFix: { ...YES_NO, description: 'a fix is known (patch reference, fixed version)' },
  publishedFrom: DATE,
  publishedTo: DATE,
  updatedFrom: DATE,
  updatedTo: DATE,
  sort: { type: 'string', enum: [...SEARCH_SORTS] },
  order: { type: 'string', enum: ['asc', 'desc'] },
  cursor: { type: 'string', maxLength: 2000, description: 'opaque cursor from the previous page (nextCursor)' },
} as const;

export interface FilterParams {
  readonly q?: string;
  readonly state?: readonly string[];
  readonly year?: readonly string[];
  readonly assigner?: readonly string[];
  readonly vendor?: readonly string[];
  readonly product?: readonly string[];
  readonly cwe?: readonly string[];
  readonly severity?: readonly string[];
  readonly cvssVersion?: string;
  readonly scoreMin?: number;
  readonly scoreMax?: number;
  readonly kev?: string;
  readonly hasFix?: string;
  readonly publishedFrom?: string;
  readonly publishedTo?: string;
  readonly updatedFrom?: string;
  readonly updatedTo?: string;
  readonly sort?: string;
  readonly order?: string;
  readonly cursor?: string;
  readonly limit?: number;
}

const yes = (v: string | undefined) => (v === undefined ? undefined : v === 'yes' || v === 'true');
const cwe = (v: string) => (/^\d+$/.test(v) ? `CWE-${v}` : v.toUpperCase());
const concat = <T>(a: readonly T[] | undefined, b: readonly T[] | undefined): readonly T[] | undefined => (a?.length || b?.length ? [...(a ?? []), ...(b ?? [])] : undefined);

function yearRange(values: readonly string[] | undefined): { from?: number; to?: number } | undefined {
  if (!values?.length) return undefined;
  let from = Infinity;
  let to = -Infinity;
  for (const v of values) {
    const [a, b] = v.split('..').map(Number);
    from = Math.min(from, a);
    to = Math.max(to, b ?? a);
  }
  return { from, to };
}

/** The filters from parameters alone (no query text). */
export function filtersFromParams(p: FilterParams): QueryFilters {
  const out: { -readonly [K in keyof QueryFilters]: QueryFilters[K] } = {};
  if (p.state?.length) out.states = [...new Set(p.state.map((s) => s.toUpperCase() as RecordState))];
  const years = yearRange(p.year);
  if (years) out.years = years;
  if (p.assigner?.length) out.assigners = p.assigner;
  if (p.vendor?.length) out.vendors = p.vendor;
  if (p.product?.length) out.products = p.product;
  if (p.cwe?.length) out.cwes = p.cwe.map(cwe);
  if (p.severity?.length) out.severities = p.severity.map((s) => s.toUpperCase());
  if (p.cvssVersion) out.cvssVersion = p.cvssVersion as CvssVersion;
  if (p.scoreMin !== undefined) out.scoreMin = p.scoreMin;
  if (p.scoreMax !== undefined) out.scoreMax = p.scoreMax;
  if (p.kev !== undefined) out.kev = yes(p.kev);
  if (p.hasFix !== undefined) out.hasFix = yes(p.hasFix);
  if (p.publishedFrom || p.publishedTo) out.published = { ...(p.publishedFrom && { from: p.publishedFrom }), ...(p.publishedTo && { to: p.publishedTo }) };
  if (p.updatedFrom || p.updatedTo) out.updated = { ...(p.updatedFrom && { from: p.updatedFrom }), ...(p.updatedTo && { to: p.updatedTo }) };
  if (p.sort) out.sort = p.sort as SearchSort;
  if (p.order) out.order = p.order as 'asc' | 'desc';
  return out;
}

/** Text filters and parameter filters together: lists are joined (any of), single values from parameters win. */
export function mergeFilters(text: QueryFilters, params: QueryFilters): QueryFilters {
  const merged: { -readonly [K in keyof QueryFilters]: QueryFilters[K] } = { ...text, ...params };
  for (const key of ['words', 'phrases', 'excluded', 'cveIds', 'states', 'assigners', 'vendors', 'products', 'cwes', 'severities'] as const) {
    const v = concat(text[key] as readonly string[] | undefined, params[key] as readonly string[] | undefined);
    if (v) (merged as Record<string, unknown>)[key] = [...new Set(v)];
  }
  return merged;
}

export interface ParsedRequest {
  readonly filters: QueryFilters;
  /** The query text is a CVE name in some syntax: the canonical name. */
  readonly name?: { readonly input: string; readonly canonical: string };
  /** CVE names found in the text when it is pasted prose. */
  readonly names: readonly string[];
}

/**
 * The whole request's filters. A query text that cannot be parsed throws a 400
 * `QUERY_SYNTAX` error whose details give the position of the mistake.
 */
export function parseRequest(p: FilterParams): ParsedRequest {
  const q = (p.q ?? '').trim();
  const params = filtersFromParams(p);
  if (!q) return { filters: params, names: [] };
  const asName = parseCveId(q);
  if (asName.ok) return { filters: mergeFilters({ cveIds: [asName.id] }, params), name: { input: q, canonical: asName.id }, names: [] };
  const parsed = parseSearchText(q);
  if (!parsed.ok) throw new HttpError(400, 'QUERY_SYNTAX', parsed.message, { q, position: parsed.position, ...(parsed.end !== undefined && { end: parsed.end }) });
  return { filters: mergeFilters(parsed.query, params), names: extractCveIds(q) };
}

export { FACETS };
