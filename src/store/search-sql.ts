/**
 * @module The search compiler both backends share: a `SearchQuery` is checked and
 * normalised once, then turned into SQL through a small dialect (placeholders, list
 * parameters, the full-text candidates). One definition, so SQLite and PostgreSQL give
 * the same meaning to every filter, sort, cursor and facet.
 *
 * Every value travels as a parameter; identifiers and SQL fragments come only from the
 * fixed tables below (sort keys, facet expressions), never from the query.
 * @internal
 */
import { createHash } from 'node:crypto';
import { CVSS_VERSIONS, RECORD_STATES } from '../cve/index.ts';
import type { CveId, CvssVersion, RecordState } from '../cve/index.ts';
import { StoreError } from './errors.ts';
import { FACETS, SEARCH_SORTS } from './search-types.ts';
import type { ChangeQuery, DateRange, FacetCount, FacetName, NameState, SearchHit, SearchQuery, SearchResult, SearchSort } from './search-types.ts';
import type { Row } from './mapping.ts';

export const MAX_LIMIT = 2000;
/** More terms than this is not a search anyone types; it would only make a huge FTS expression. */
export const MAX_TERMS = 64;
/** Longest single term (characters) taken into the full-text expression. */
export const MAX_TERM_LENGTH = 200;
export const MAX_LIST = 1000;
/** Values returned for the open-ended facets (assigner, vendor, product, cwe) unless `facetLimit` says otherwise. */
export const DEFAULT_FACET_LIMIT = 50;
const SEVERITIES = ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
/** id_key = year * 10^10 + number (see rows.ts). */
const YEAR_FACTOR = 10_000_000_000;

function bad(message: string, details: Readonly<Record<string, unknown>> = {}): StoreError {
  return new StoreError('BAD_QUERY', message, details);
}

// --- text ----------------------------------------------------------------------------

export interface TextTerm {
  /** As given (NFKC), for PostgreSQL's parser. */
  readonly raw: string;
  /** Letters and digits runs, lower case: what SQLite's unicode61 tokenizer would see. */
  readonly tokens: readonly string[];
  readonly prefix: boolean;
}

export interface TextPlan {
  readonly words: readonly TextTerm[];
  readonly phrases: readonly TextTerm[];
  readonly excluded: readonly TextTerm[];
  readonly ids: readonly CveId[];
}

const TOKEN_SPLIT = /[^\p{L}\p{N}]+/u;

function term(text: unknown, kind: string, allowPrefix: boolean): TextTerm | undefined {
  if (typeof text !== 'string') throw bad(`${kind} must be strings`);
  // NUL cannot travel to PostgreSQL as text; it is no letter or digit anyway.
  let raw = text.replace(/\0/g, ' ').normalize('NFKC').trim();
  if (raw.length > MAX_TERM_LENGTH) throw bad(`a search term is ${raw.length} characters long: at most ${MAX_TERM_LENGTH}`);
  const prefix = allowPrefix && raw.endsWith('*');
  if (prefix) raw = raw.replace(/\*+$/, '');
  const tokens = raw.toLowerCase().split(TOKEN_SPLIT).filter(Boolean);
  // A term with no letters or digits matches nothing on either backend: leave it out.
  if (tokens.length === 0) return undefined;
  return { raw, tokens, prefix };
}

/** Terms the backend's full text cannot match, left out (PostgreSQL: English stop words, by `raw`). */
export type IgnoreTerm = (raw: string) => boolean;

function terms(list: readonly string[] | undefined, kind: string, allowPrefix: boolean, ignore?: IgnoreTerm): TextTerm[] {
  const out: TextTerm[] = [];
  const seen = new Set<string>();
  for (const t of list ?? []) {
    const x = term(t, kind, allowPrefix);
    if (!x || ignore?.(x.raw)) continue;
    const key = `${x.tokens.join(' ')}${x.prefix ? '*' : ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(x);
  }
  return out;
}

export function hasText(t: TextPlan): boolean {
  return t.words.length + t.phrases.length + t.ids.length > 0;
}

// --- the normalised query ------------------------------------------------------------

export interface Bounds {
  /** Inclusive lower bound (ISO text). */
  readonly from?: string;
  /** Exclusive upper bound (ISO text): the day/month/year after a bare date. */
  readonly before?: string;
  /** Inclusive upper bound (a full date-time). */
  readonly to?: string;
}

export interface FilterPlan {
  readonly text: TextPlan;
  readonly states?: readonly RecordState[];
  readonly years?: { readonly from: number; readonly to: number };
  readonly assigners?: readonly string[];
  readonly vendors?: readonly string[];
  readonly products?: readonly string[];
  readonly cwes?: readonly string[];
  /** Severity and score read one metric of any of these versions (NVD's cvssV3Severity: 3.0 and 3.1). */
  readonly cvssVersions?: readonly CvssVersion[];
  readonly severities?: readonly string[];
  readonly scoreMin?: number;
  readonly scoreMax?: number;
  readonly kev?: boolean;
  readonly hasFix?: boolean;
  readonly published?: Bounds;
  readonly updated?: Bounds;
}

function list<T extends string>(values: readonly unknown[] | undefined, name: string, norm: (v: string) => T | undefined): T[] | undefined {
  if (values === undefined) return undefined;
  if (!Array.isArray(values)) throw bad(`${name} must be a list`);
  if (values.length > MAX_LIST) throw bad(`${name}: at most ${MAX_LIST} values`);
  const out = new Set<T>();
  for (const v of values) {
    if (typeof v !== 'string') throw bad(`${name} must be strings`);
    const n = norm(v.replace(/\0/g, '').trim());
    if (n === undefined) throw bad(`${name}: ${JSON.stringify(v.slice(0, 60))} is not a valid value`, { field: name, value: v.slice(0, 60) });
    out.add(n);
  }
  return out.size === 0 ? undefined : [...out];
}

/** `CWE-79`, `cwe-79`, `79` → `CWE-79`; other CWE ids (`NVD-CWE-noinfo`) kept as written. */
export function normalizeCwe(v: string): string | undefined {
  const m = /^(?:cwe[-_ ]?)?(\d{1,6})$/i.exec(v);
  if (m) return `CWE-${Number(m[1])}`;
  return /^[A-Za-z0-9-]{1,40}$/.test(v) ? v : undefined;
}

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/** A bare year, month or date: its first instant and the first instant after it (UTC, ISO text). */
function datePart(text: string): { start: string; next: string } | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = m[2] === undefined ? undefined : Number(m[2]);
  const d = m[3] === undefined ? undefined : Number(m[3]);
  if (mo !== undefined && (mo < 1 || mo > 12)) return undefined;
  const start = Date.UTC(y, (mo ?? 1) - 1, d ?? 1);
  const check = new Date(start);
  if (d !== undefined && check.getUTCDate() !== d) return undefined;
  const next = d !== undefined ? Date.UTC(y, (mo as number) - 1, d + 1) : mo !== undefined ? Date.UTC(y, mo, 1) : Date.UTC(y + 1, 0, 1);
  return { start: new Date(start).toISOString(), next: new Date(next).toISOString() };
}

function instant(text: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || text.length > 40) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function bounds(r: DateRange | undefined, name: string): Bounds | undefined {
  if (r === undefined) return undefined;
  if (typeof r !== 'object' || r === null) throw bad(`${name} must be { from?, to? }`);
  const out: { from?: string; before?: string; to?: string } = {};
  if (r.from !== undefined) {
    const d = typeof r.from === 'string' ? (datePart(r.from) ?? undefined) : undefined;
    const from = d?.start ?? (typeof r.from === 'string' ? instant(r.from) : undefined);
    if (from === undefined) throw bad(`${name}.from: ${JSON.stringify(String(r.from).slice(0, 40))} is not a date (YYYY-MM-DD or an ISO 8601 date-time)`);
    out.from = from;
  }
  if (r.to !== undefined) {
    const d = typeof r.to === 'string' ? datePart(r.to) : undefined;
    if (d) out.before = d.next;
    else {
      const to = typeof r.to === 'string' ? instant(r.to) : undefined;
      if (to === undefined) throw bad(`${name}.to: ${JSON.stringify(String(r.to).slice(0, 40))} is not a date (YYYY-MM-DD or an ISO 8601 date-time)`);
      out.to = to;
    }
  }
  const upper = out.before ?? out.to;
  if (out.from !== undefined && upper !== undefined && (out.before ? upper <= out.from : upper < out.from)) {
    throw bad(`${name}: from ${r.from} is after to ${r.to}`);
  }
  return out.from === undefined && upper === undefined ? undefined : out;
}

function score(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 10) throw bad(`${name} must be a number from 0 to 10`);
  return v;
}

function bool(v: unknown, name: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw bad(`${name} must be true or false`);
  return v;
}

type Filter = NonNullable<ChangeQuery['filter']>;

/** The raw text (NFKC, trimmed, without a prefix `*`) of every text term, as `IgnoreTerm` sees it. */
export function rawTerms(q: Filter = {}): string[] {
  const out: string[] = [];
  for (const [list, prefix] of [[q.words, true], [q.phrases, false], [q.excluded, false]] as const) {
    for (const t of list ?? []) {
      if (typeof t !== 'string') continue;
      try {
        const x = term(t, 'terms', prefix);
        if (x) out.push(x.raw);
      } catch {
        // planFilter reports it.
      }
    }
  }
  return out;
}

export function planFilter(q: Filter = {}, ignore?: IgnoreTerm): FilterPlan {
  const words = terms(q.words, 'words', true, ignore);
  const phrases = terms(q.phrases, 'phrases', false, ignore);
  const excluded = terms(q.excluded, 'excluded', false, ignore);
  if (words.length + phrases.length + excluded.length > MAX_TERMS) {
    throw bad(`too many search terms (${words.length + phrases.length + excluded.length}): at most ${MAX_TERMS}`);
  }
  const ids = list(q.cveIds, 'cveIds', (v) => (/^CVE-\d{4}-\d{4,19}$/.test(v) ? v : undefined)) ?? [];
  let years: FilterPlan['years'];
  if (q.years !== undefined) {
    const from = q.years.from ?? 1999;
    const to = q.years.to ?? 9999;
    for (const y of [from, to]) if (!Number.isInteger(y) || y < 1000 || y > 9999) throw bad(`years: ${y} is not a year`);
    if (from > to) throw bad(`years: ${from} is after ${to}`);
    years = { from, to };
  }
  const versions = [...(q.cvssVersion !== undefined ? [q.cvssVersion] : []), ...(q.cvssVersions ?? [])];
  for (const v of versions) if (!(CVSS_VERSIONS as readonly string[]).includes(v)) throw bad(`cvssVersion must be one of ${CVSS_VERSIONS.join(', ')}`);
  const cvssVersions = versions.length > 0 ? [...new Set(versions)].sort() : undefined;
  const scoreMin = score(q.scoreMin, 'scoreMin');
  const scoreMax = score(q.scoreMax, 'scoreMax');
  if (scoreMin !== undefined && scoreMax !== undefined && scoreMin > scoreMax) throw bad(`scoreMin ${scoreMin} is above scoreMax ${scoreMax}`);
  const out: { -readonly [K in keyof FilterPlan]: FilterPlan[K] } = { text: { words, phrases, excluded, ids } };
  const states = list(q.states, 'states', (v) => (RECORD_STATES as readonly string[]).includes(v.toUpperCase()) ? (v.toUpperCase() as RecordState) : undefined);
  if (states) out.states = states;
  if (years) out.years = years;
  const lower = (v: string): string | undefined => (v === '' || v.length > 200 ? undefined : v.toLowerCase());
  const assigners = list(q.assigners, 'assigners', lower);
  if (assigners) out.assigners = assigners;
  const vendors = list(q.vendors, 'vendors', lower);
  if (vendors) out.vendors = vendors;
  const products = list(q.products, 'products', lower);
  if (products) out.products = products;
  const cwes = list(q.cwes, 'cwes', normalizeCwe);
  if (cwes) out.cwes = cwes;
  if (cvssVersions) out.cvssVersions = cvssVersions;
  const severities = list(q.severities, 'severities', (v) => ((SEVERITIES as readonly string[]).includes(v.toUpperCase()) ? v.toUpperCase() : undefined));
  if (severities) out.severities = severities;
  if (scoreMin !== undefined) out.scoreMin = scoreMin;
  if (scoreMax !== undefined) out.scoreMax = scoreMax;
  const kev = bool(q.kev, 'kev');
  if (kev !== undefined) out.kev = kev;
  const hasFix = bool(q.hasFix, 'hasFix');
  if (hasFix !== undefined) out.hasFix = hasFix;
  const published = bounds(q.published, 'published');
  if (published) out.published = published;
  const updated = bounds(q.updated, 'updated');
  if (updated) out.updated = updated;
  return out;
}

// --- sorting and cursors ---------------------------------------------------------------

/** Sort keys: each one a fixed SQL expression (never NULL) over `r` (records) and `t` (text candidates). */
export const SORT_KEYS = {
  exact: 't.exact',
  rank: 't.rank',
  publishedKnown: 'CASE WHEN r.date_published IS NULL THEN 0 ELSE 1 END',
  published: "coalesce(r.date_published, '')",
  updated: 'r.date_updated',
  scoreKnown: 'CASE WHEN r.cvss_score IS NULL THEN 0 ELSE 1 END',
  score: 'coalesce(r.cvss_score, 0)',
  id: 'r.id_key',
} as const;
export type SortKeyName = keyof typeof SORT_KEYS;
export type Dir = 'asc' | 'desc';

export interface SortPlan {
  readonly sort: SearchSort;
  readonly order: Dir;
  readonly keys: readonly (readonly [SortKeyName, Dir])[];
}

/**
 * The keys of each sort, with stable tie-breaks (the CVE name's id_key last). An exact
 * CVE-name hit always comes first (X1520-6.9); relevance without any text falls back to
 * newest published first.
 */
export function planSort(q: Pick<SearchQuery, 'sort' | 'order'>, text: TextPlan): SortPlan {
  const sort = q.sort ?? 'relevance';
  if (!(SEARCH_SORTS as readonly string[]).includes(sort)) throw bad(`sort must be one of ${SEARCH_SORTS.join(', ')}`);
  if (q.order !== undefined && q.order !== 'asc' && q.order !== 'desc') throw bad('order must be asc or desc');
  const effective: SearchSort = sort === 'relevance' && !hasText(text) ? 'published' : sort;
  const order: Dir = q.order ?? (effective === 'id' ? 'asc' : 'desc');
  const flip: Dir = order === 'asc' ? 'desc' : 'asc';
  const keys: (readonly [SortKeyName, Dir])[] = [];
  if (text.ids.length > 0) keys.push(['exact', 'desc']);
  switch (effective) {
    case 'relevance':
      keys.push(['rank', order], ['id', flip]);
      break;
    case 'published':
      keys.push(['publishedKnown', 'desc'], ['published', order], ['id', order]);
      break;
    case 'updated':
      keys.push(['updated', order], ['id', order]);
      break;
    case 'score':
      keys.push(['scoreKnown', 'desc'], ['score', order], ['id', order]);
      break;
    case 'id':
      keys.push(['id', order]);
      break;
  }
  return { sort, order, keys };
}

export type CursorValue = string | number;

/** What makes two queries the same result list: everything but limit, cursor, facets and noTotal. */
export function fingerprint(filter: FilterPlan, sort: SortPlan): string {
  const key = JSON.stringify({ filter, sort: sort.sort, order: sort.order });
  return createHash('sha256').update(key).digest('base64url').slice(0, 16);
}

export function encodeCursor(fp: string, values: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify({ q: fp, k: values }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, fp: string, keys: number): CursorValue[] {
  const invalid = (why: string): StoreError => new StoreError('BAD_CURSOR', `the cursor is not valid (${why}): start again from the first page`);
  if (typeof cursor !== 'string' || cursor.length > 2000 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid('not a cursor this server made');
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a cursor this server made');
  }
  const o = v as { q?: unknown; k?: unknown };
  if (!o || typeof o !== 'object' || typeof o.q !== 'string' || !Array.isArray(o.k)) throw invalid('not a cursor this server made');
  if (o.q !== fp) {
    throw new StoreError('BAD_CURSOR', 'this cursor belongs to a different query or sort: use it only with the query and sort that returned it, or start again without a cursor', {
      reason: 'query-mismatch',
    });
  }
  if (o.k.length !== keys || !o.k.every((x) => (typeof x === 'number' && Number.isFinite(x)) || (typeof x === 'string' && x.length <= 100))) {
    throw invalid('damaged');
  }
  return o.k as CursorValue[];
}

export interface PagePlan {
  readonly filter: FilterPlan;
  readonly sort: SortPlan;
  readonly limit: number;
  readonly fingerprint: string;
  readonly after?: readonly CursorValue[];
  readonly facets: readonly FacetName[];
  readonly facetLimit: number;
  /** Facets over at most about this many hits (a sample past it); undefined: over all. */
  readonly facetSample?: number;
  readonly total: boolean;
}

export function planSearch(q: SearchQuery, ignore?: IgnoreTerm): PagePlan {
  if (q === null || typeof q !== 'object') throw bad('a search needs a query object');
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_LIMIT) throw bad(`limit must be an integer from 1 to ${MAX_LIMIT}`);
  const filter = planFilter(q, ignore);
  const sort = planSort(q, filter.text);
  const fp = fingerprint(filter, sort);
  const facets = [...new Set(q.facets ?? [])];
  for (const f of facets) if (!(FACETS as readonly string[]).includes(f)) throw bad(`unknown facet "${String(f).slice(0, 40)}": one of ${FACETS.join(', ')}`);
  const facetLimit = q.facetLimit ?? DEFAULT_FACET_LIMIT;
  if (!Number.isInteger(facetLimit) || facetLimit < 1 || facetLimit > 10_000) throw bad('facetLimit must be an integer from 1 to 10000');
  return {
    filter,
    sort,
    limit: q.limit,
    fingerprint: fp,
    ...(q.cursor !== undefined ? { after: decodeCursor(q.cursor, fp, sort.keys.length) } : {}),
    facets,
    facetLimit,
    ...(q.exactFacets !== true && { facetSample: FACET_SAMPLE }),
    total: q.noTotal !== true,
  };
}

// --- SQL -------------------------------------------------------------------------------

/** What differs between SQLite and PostgreSQL. */
export interface SearchDialect {
  readonly kind: 'sqlite' | 'postgres';
  placeholder(n: number): string;
  /** `expr IN (values)` with one parameter for the whole list. */
  inList(b: SqlBuilder, expr: string, values: readonly string[]): string;
  bool(b: SqlBuilder, v: boolean): string;
  /**
   * A subquery of the text candidates: columns `k` (joins `r.<joinKey>`), `rank` (higher
   * is better; 0 when `withRank` is false) and `exact` (1 for an exact CVE-name hit).
   */
  candidates(b: SqlBuilder, text: TextPlan, withRank: boolean): string;
  /** A condition on `r` that is true when no excluded term matches (used when there is nothing else to match). */
  notExcluded(b: SqlBuilder, text: TextPlan): string;
  readonly joinKey: 'id_key' | 'cve_id';
  /** True when the key (`t.k`, `r.<joinKey>`) is the id_key itself (SQLite: the FTS rowid). */
  readonly keyIsIdKey: boolean;
  /** The key of a `cve_id` column, comparable with `t.k` (no `records` row needed). */
  keyOf(cveIdColumn: string): string;
  /** The CVE name of a key expression. */
  cveIdOf(key: string): string;
  /** The id_key of a key expression (for the CVE-name tie-break without the `records` row). */
  idKeyOf(key: string): string;
  /**
   * `records r` as the text hits look their sort values and row filters up by key
   * (SQLite: through the covering index of migration 102 when the store has it).
   */
  readonly recordsByKey?: string;
  /**
   * Derived tables with an `id_key` column leading an index (SQLite: `record_cwes`,
   * migration 103): a filter checked per text candidate probes them with the key itself
   * instead of the CVE name computed from it.
   */
  readonly keyedTables?: readonly string[];
}

export class SqlBuilder {
  readonly params: unknown[] = [];
  readonly dialect: SearchDialect;
  constructor(dialect: SearchDialect) {
    this.dialect = dialect;
  }
  p(v: unknown): string {
    this.params.push(v);
    return this.dialect.placeholder(this.params.length);
  }
}

function dateConds(b: SqlBuilder, col: string, r: Bounds | undefined, out: string[]): void {
  if (!r) return;
  if (r.from !== undefined) out.push(`${col} >= ${b.p(r.from)}`);
  if (r.before !== undefined) out.push(`${col} < ${b.p(r.before)}`);
  if (r.to !== undefined) out.push(`${col} <= ${b.p(r.to)}`);
}

/**
 * The parts of a result set: the text candidates `t` (when there is text), conditions on
 * the key (`t.k`, or `r.<joinKey>` without text) that need no `records` row, and conditions
 * on `records` columns. Filters on the derived tables (vendor, product, CWE, CVSS metric) are
 * key conditions: `key IN (SELECT <key of cve_id> FROM <index>)`, so a full-text candidate the
 * filter rejects costs one probe of that set, not a read of its `records` row.
 */
export interface ResultParts {
  readonly text: boolean;
  /** The candidates subquery (columns `k`, `rank`, `exact`), when there is text. */
  readonly candidates?: string;
  /** `t.k` with text, else `r.<joinKey>`. */
  readonly key: string;
  readonly keyWhere: string[];
  readonly recordWhere: string[];
}

export function resultParts(b: SqlBuilder, f: FilterPlan, withRank: boolean): ResultParts {
  const d = b.dialect;
  const text = hasText(f.text);
  const key = text ? 't.k' : `r.${d.joinKey}`;
  const keyWhere: string[] = [];
  const recordWhere: string[] = [];
  const candidates = text ? d.candidates(b, f.text, withRank) : undefined;
  if (!text && f.text.excluded.length > 0) recordWhere.push(d.notExcluded(b, f.text));
  if (f.states) recordWhere.push(d.inList(b, 'r.state', f.states));
  if (f.years) {
    const lo = b.p(f.years.from * YEAR_FACTOR);
    const hi = b.p((f.years.to + 1) * YEAR_FACTOR);
    // SQLite's key is the id_key itself; PostgreSQL's is the name: with text its id_key is
    // computed from it (no row read), without text the row's indexed id_key is used.
    if (d.keyIsIdKey) keyWhere.push(`${key} >= ${lo} AND ${key} < ${hi}`);
    else if (text) keyWhere.push(`${d.idKeyOf(key)} >= ${lo} AND ${d.idKeyOf(key)} < ${hi}`);
    else recordWhere.push(`r.id_key >= ${lo} AND r.id_key < ${hi}`);
  }
  if (f.assigners) recordWhere.push(d.inList(b, 'lower(r.assigner_short_name)', f.assigners));
  // SQLite with text: each candidate probes the table's primary key (cve_id, …) with the name
  // computed from its key, the filter columns marked `+` so no other index is used. (A set
  // `t.k IN (SELECT …)` costs the whole set first: 143,000 rows for vendor:microsoft, and
  // FTS5 would even run one MATCH per key of it.) Otherwise the set: PostgreSQL picks the
  // semi-join itself; without text the set drives the lookups.
  const perCandidate = text && d.keyIsIdKey;
  const col = (c: string): string => (perCandidate ? `+x.${c}` : `x.${c}`);
  const derived = (table: string, conds: string): string =>
    perCandidate
      ? `EXISTS (SELECT 1 FROM ${table} x WHERE ${d.keyedTables?.includes(table) ? `x.id_key = ${key}` : `x.cve_id = ${d.cveIdOf(key)}`} AND ${conds})`
      : `${key} IN (SELECT ${d.keyOf('x.cve_id')} FROM ${table} x WHERE ${conds})`;
  if (f.vendors) keyWhere.push(derived('record_affected', d.inList(b, col('vendor_lc'), f.vendors)));
  if (f.products) keyWhere.push(derived('record_affected', d.inList(b, col('product_lc'), f.products)));
  if (f.cwes) keyWhere.push(derived('record_cwes', d.inList(b, col('cwe_id'), f.cwes)));
  if (f.cvssVersions) {
    // Severity and score then describe one metric of those versions (X1520 has no say; NVD's cvssV3Severity works so).
    const m = [d.inList(b, col('cvss_version'), f.cvssVersions)];
    if (f.severities) m.push(d.inList(b, col('severity'), f.severities));
    if (f.scoreMin !== undefined) m.push(`${col('score')} >= ${b.p(f.scoreMin)}`);
    if (f.scoreMax !== undefined) m.push(`${col('score')} <= ${b.p(f.scoreMax)}`);
    keyWhere.push(derived('record_metrics', m.join(' AND ')));
  } else {
    if (f.severities) recordWhere.push(d.inList(b, 'r.cvss_severity', f.severities));
    if (f.scoreMin !== undefined) recordWhere.push(`r.cvss_score >= ${b.p(f.scoreMin)}`);
    if (f.scoreMax !== undefined) recordWhere.push(`r.cvss_score <= ${b.p(f.scoreMax)}`);
  }
  // SQLite with text: the few KEV records' keys are one small set (the partial index
  // records_kev_idx), probed per candidate instead of reading its `records` row. `+` keeps
  // FTS5 from running one MATCH per key of the set.
  if (f.kev !== undefined && perCandidate) keyWhere.push(`+${key} ${f.kev ? 'IN' : 'NOT IN'} (SELECT x.id_key FROM records x WHERE x.kev = 1)`);
  else if (f.kev !== undefined) recordWhere.push(`r.kev = ${d.bool(b, f.kev)}`);
  if (f.hasFix !== undefined) recordWhere.push(`r.has_fix = ${d.bool(b, f.hasFix)}`);
  dateConds(b, 'r.date_published', f.published, recordWhere);
  dateConds(b, 'r.date_updated', f.updated, recordWhere);
  return { text, ...(candidates !== undefined && { candidates }), key, keyWhere, recordWhere };
}

/** `FROM … WHERE …` of the whole result with its `records` rows. */
function joined(p: ResultParts, d: SearchDialect): { from: string; where: string[] } {
  if (!p.text) return { from: 'records r', where: [...p.keyWhere, ...p.recordWhere] };
  // The text candidates drive the join (SQLite takes CROSS JOIN as the loop order; for
  // PostgreSQL it is the inner join it means), and the key conditions come first.
  return { from: `(${p.candidates}) t CROSS JOIN records r`, where: [...p.keyWhere, `r.${d.joinKey} = t.k`, ...p.recordWhere] };
}

/**
 * `FROM records r [JOIN (text candidates) t ON …] WHERE …`: the whole result set, before
 * any cursor. `withRank` false skips relevance scoring (counts, facets, exports).
 */
export function fromWhere(b: SqlBuilder, f: FilterPlan, withRank: boolean): { from: string; where: string[]; text: boolean } {
  const p = resultParts(b, f, withRank);
  return { ...joined(p, b.dialect), text: p.text };
}

export const whereSql = (where: readonly string[]): string => (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '');

/** `(k1 > v1) OR (k1 = v1 AND k2 > v2) OR …`, each comparison in its key's direction. */
export function keysetCondition(b: SqlBuilder, keys: SortPlan['keys'], values: readonly CursorValue[], exprs: Readonly<Record<SortKeyName, string>> = SORT_KEYS): string {
  const ors: string[] = [];
  const ph = values.map((v) => b.p(v));
  for (let i = 0; i < keys.length; i++) {
    const ands: string[] = [];
    for (let j = 0; j < i; j++) ands.push(`${exprs[keys[j][0]]} = ${ph[j]}`);
    ands.push(`${exprs[keys[i][0]]} ${keys[i][1] === 'asc' ? '>' : '<'} ${ph[i]}`);
    ors.push(`(${ands.join(' AND ')})`);
  }
  return `(${ors.join(' OR ')})`;
}

export const HIT_COLUMNS =
  'r.cve_id, r.state, r.title, r.description, r.assigner_short_name, r.date_published, r.date_updated, r.date_rejected, r.cvss_score, r.cvss_severity, r.kev';

/** Whether the page statement also gives the total (`count(*) OVER ()`, column `total_`). */
export function pageHasTotal(plan: PagePlan): boolean {
  // On the ranked candidates every one is visited for the sort anyway (elsewhere the window
  // makes the database keep every joined row before sorting: slower than a count); a later
  // page's window would count only what is left after the cursor, and the facet statement
  // counts on its own.
  return plan.total && plan.after === undefined && plan.facets.length === 0 && rankedOnCandidates(plan);
}

/** The page is ranked and cut on the candidates alone: text, key-only filters, sort keys exact/rank/id. */
function rankedOnCandidates(plan: PagePlan): boolean {
  const f = plan.filter;
  const recordFilters =
    f.states || f.assigners || f.kev !== undefined || f.hasFix !== undefined || f.published || f.updated ||
    (!f.cvssVersions && (f.severities || f.scoreMin !== undefined || f.scoreMax !== undefined));
  return hasText(f.text) && !recordFilters && plan.sort.keys.every(([k]) => k === 'exact' || k === 'rank' || k === 'id');
}

/**
 * The page query: `limit + 1` rows so the caller knows whether there is a next page.
 * Ranked by relevance with only key conditions, the candidates are sorted and cut to the
 * page before any `records` row is read (as the raw full-text query does); otherwise the
 * rows are joined first.
 */
export function pageSql(b: SqlBuilder, plan: PagePlan): string {
  const d = b.dialect;
  const keys = plan.sort.keys;
  const withRank = keys.some(([k]) => k === 'rank');
  const p = resultParts(b, plan.filter, withRank);
  const total = pageHasTotal(plan) ? ', count(*) OVER () AS total_' : '';
  if (rankedOnCandidates(plan)) {
    if (p.recordWhere.length > 0) throw new Error('search-sql: a record condition on the candidates-only page');
    const exprs = { ...SORT_KEYS, id: d.idKeyOf('t.k') };
    const where = [...p.keyWhere];
    if (plan.after) where.push(keysetCondition(b, keys, plan.after, exprs));
    const order = keys.map(([k, dir]) => `${exprs[k]} ${dir.toUpperCase()}`).join(', ');
    const cols = keys.map(([k], i) => `${exprs[k]} AS k${i}`).join(', ');
    const inner = `SELECT t.k, t.rank, t.exact, ${cols}${total} FROM (${p.candidates}) t${whereSql(where)} ORDER BY ${order} LIMIT ${b.p(plan.limit + 1)}`;
    const outerCols = keys.map((_, i) => `t.k${i}`).join(', ');
    const outerOrder = keys.map(([, dir], i) => `t.k${i} ${dir.toUpperCase()}`).join(', ');
    return `SELECT ${HIT_COLUMNS}, t.rank AS rank, t.exact AS exact, ${outerCols}${total ? ', t.total_' : ''} FROM (${inner}) t CROSS JOIN records r WHERE r.${d.joinKey} = t.k ORDER BY ${outerOrder}`;
  }
  const { from, where } = joined(p, d);
  if (plan.after) where.push(keysetCondition(b, keys, plan.after));
  const cols = keys.map(([k], i) => `${SORT_KEYS[k]} AS k${i}`).join(', ');
  const extra = p.text ? ', t.rank AS rank, t.exact AS exact' : '';
  const order = keys.map(([k, dir]) => `${SORT_KEYS[k]} ${dir.toUpperCase()}`).join(', ');
  return `SELECT ${HIT_COLUMNS}${extra}, ${cols}${total} FROM ${from}${whereSql(where)} ORDER BY ${order} LIMIT ${b.p(plan.limit + 1)}`;
}

/**
 * Facets are counted over at most this many hits: past it, over a uniform sample of about
 * this size (a hash of the CVE name's id_key), scaled to the total and marked as estimates
 * (`facetSample`). Counting them over a whole large result costs many times the search.
 */
export const FACET_SAMPLE = 1000;
/** The hash range of the sample: `hash(id_key) < FACET_HASH * size / total`. */
const FACET_HASH = 1_048_576;

/** A well-mixed hash of an id_key in [0, FACET_HASH) (no overflow: < 1048573 * 40503). */
const sampleHash = (idKey: string): string => `(((${idKey} % 1048573) * 40503) % ${FACET_HASH})`;

/** The vendor and product facets read the hits' `record_affected` rows once (CTE `ha`). */
const sharesAffected = (plan: PagePlan): boolean => plan.facets.includes('vendor') && plan.facets.includes('product');

/** Facet expressions over the materialised hits `h` (fixed allow-list). */
function facetSelect(b: SqlBuilder, f: FacetName, plan: PagePlan): string {
  // Joined facets. SQLite: `h CROSS JOIN t WHERE …` keeps the hits as the outer loop (it
  // takes CROSS JOIN as the join order; without it it walks all of record_affected to serve
  // GROUP BY from an index: 7 s, not 0.2 s). PostgreSQL misjudges the size of `h` and would
  // hash-join a whole derived table: over a sample (≈ 1,000 hits) the table is read by its
  // index for the array of the hits' names (`cve_id = ANY(ARRAY(…))`, one scan over the
  // sorted names: ≈ 20 % fewer buffers than a look-up per hit); over all the hits a LATERAL
  // subquery it cannot flatten (OFFSET 0) makes it one index look-up per hit.
  // `distinct`: a hit can have several rows of one value (not of a CWE: the key is (cve_id, cwe_id)).
  const top = (value: string, join: string, group: string, cond = '', distinct = true): string => {
    if (join === '') return `SELECT '${f}' AS f, ${value} AS v, count(*) AS n FROM h GROUP BY ${group}`;
    const [table, alias] = join.split(' ');
    const n = distinct ? `count(DISTINCT ${alias}.cve_id)` : 'count(*)';
    const and = cond ? ` AND ${cond}` : '';
    if (b.dialect.kind !== 'postgres') return `SELECT '${f}' AS f, ${value} AS v, ${n} AS n FROM h CROSS JOIN ${join} WHERE ${alias}.cve_id = h.cve_id${and} GROUP BY ${group}`;
    if (plan.facetSample !== undefined) return `SELECT '${f}' AS f, ${value} AS v, ${n} AS n FROM ${join} WHERE ${alias}.cve_id = ANY(ARRAY(SELECT h.cve_id FROM h))${and} GROUP BY ${group}`;
    return `SELECT '${f}' AS f, ${value} AS v, ${n} AS n FROM h CROSS JOIN LATERAL (SELECT * FROM ${table} ${alias} WHERE ${alias}.cve_id = h.cve_id OFFSET 0) ${alias} WHERE TRUE${and} GROUP BY ${group}`;
  };
  const ordered = (inner: string, limited: boolean): string => `SELECT * FROM (${inner} ORDER BY n DESC, v ASC${limited ? ` LIMIT ${b.p(plan.facetLimit)}` : ''}) AS x_${f}`;
  switch (f) {
    case 'state':
      return ordered(top('h.state', '', 'h.state'), false);
    case 'year':
      return ordered(top(`${b.dialect.kind === 'postgres' ? 'h.year::text' : "CAST(h.year AS TEXT)"}`, '', 'h.year'), false);
    case 'assigner':
      return ordered(top("coalesce(h.assigner_short_name, '')", '', "coalesce(h.assigner_short_name, '')"), true);
    case 'kev':
      return ordered(top("CASE WHEN h.kev THEN 'true' ELSE 'false' END", '', "CASE WHEN h.kev THEN 'true' ELSE 'false' END"), false);
    case 'hasFix':
      return ordered(top("CASE WHEN h.has_fix THEN 'true' ELSE 'false' END", '', "CASE WHEN h.has_fix THEN 'true' ELSE 'false' END"), false);
    case 'severity':
      if (plan.filter.cvssVersions) {
        return ordered(top('m.severity', 'record_metrics m', 'm.severity', b.dialect.inList(b, 'm.cvss_version', plan.filter.cvssVersions)), false);
      }
      return ordered(top("coalesce(h.cvss_severity, '')", '', "coalesce(h.cvss_severity, '')"), false);
    case 'cvssVersion':
      return ordered(top('m.cvss_version', 'record_metrics m', 'm.cvss_version'), false);
    case 'vendor':
      if (sharesAffected(plan)) return ordered(`SELECT '${f}' AS f, min(a.vendor) AS v, count(DISTINCT a.cve_id) AS n FROM ha a WHERE a.vendor_lc NOT IN ('n/a', '') GROUP BY a.vendor_lc`, true);
      return ordered(top('min(a.vendor)', 'record_affected a', 'a.vendor_lc', "a.vendor_lc NOT IN ('n/a', '')"), true);
    case 'product':
      if (sharesAffected(plan)) return ordered(`SELECT '${f}' AS f, min(a.product) AS v, count(DISTINCT a.cve_id) AS n FROM ha a WHERE a.product_lc NOT IN ('n/a', '') GROUP BY a.product_lc`, true);
      return ordered(top('min(a.product)', 'record_affected a', 'a.product_lc', "a.product_lc NOT IN ('n/a', '')"), true);
    case 'cwe':
      return ordered(top('w.cwe_id', 'record_cwes w', 'w.cwe_id', '', false), true);
  }
}

/**
 * Total and facets in one statement (rows `f, v, n`; `f = '#total'`, and `'#sample'`: the
 * hits the facets were counted over). The total needs no `records` row when every filter is
 * a key condition. Facets read the rows of at most about {@link FACET_SAMPLE} hits: all of
 * them when there are no more, else those whose id_key hash falls under `size / total`.
 */
export function countSql(b: SqlBuilder, plan: PagePlan): string {
  const d = b.dialect;
  const p = resultParts(b, plan.filter, false);
  const { from, where } = joined(p, d);
  const keyed = p.text && p.recordWhere.length === 0;
  const countFrom = keyed ? `(${p.candidates}) t${whereSql(p.keyWhere)}` : `${from}${whereSql(where)}`;
  if (plan.facets.length === 0) return `SELECT '#total' AS f, '' AS v, count(*) AS n FROM ${countFrom}`;
  // The hits' keys once (the matching and filtering run once), their count, then the
  // `records` rows of the sampled keys only.
  const key = keyed ? 't.k' : `r.${d.joinKey}`;
  return `WITH hk AS MATERIALIZED (SELECT ${key} AS k FROM ${countFrom}),
    ${countCtes(b, plan)}
    ${countParts(b, plan).join('\nUNION ALL ')}`;
}

/** CTEs `c` (the count of `hk`) and `h` (the `records` rows of the sampled keys of `hk`). */
function countCtes(b: SqlBuilder, plan: PagePlan): string {
  const d = b.dialect;
  let sample = '';
  if (plan.facetSample !== undefined) {
    const size = b.p(plan.facetSample);
    // The id_key of the key (SQLite: the key itself; PostgreSQL: computed from the name),
    // so only sampled keys are joined to their rows.
    const hashKey = d.idKeyOf('hk.k');
    sample = ` AND ${sampleHash(hashKey)} < (SELECT CASE WHEN c.n <= ${size} THEN ${FACET_HASH} ELSE (${size} * ${FACET_HASH}) / c.n END FROM c)`;
  }
  // The hits' affected rows for the vendor and product facets, read once for both, and on
  // PostgreSQL the sampled hits' rows, by the array of their keys (see facetSelect).
  const sampledPg = d.kind === 'postgres' && plan.facetSample !== undefined;
  const affected = sampledPg
    ? 'record_affected a WHERE a.cve_id = ANY(ARRAY(SELECT h.cve_id FROM h))'
    : d.kind === 'postgres'
      ? 'h CROSS JOIN LATERAL (SELECT * FROM record_affected a WHERE a.cve_id = h.cve_id OFFSET 0) a'
      : 'h CROSS JOIN record_affected a WHERE a.cve_id = h.cve_id';
  const ha = sharesAffected(plan)
    ? `,
    ha AS MATERIALIZED (SELECT a.cve_id, a.vendor, a.vendor_lc, a.product, a.product_lc FROM ${affected})`
    : '';
  const cols = 'r.cve_id, r.state, r.year, r.assigner_short_name, r.cvss_severity, r.kev, r.has_fix';
  const h = sampledPg
    ? `SELECT ${cols} FROM records r WHERE r.${d.joinKey} = ANY(ARRAY(SELECT hk.k FROM hk WHERE TRUE${sample}))`
    : `SELECT ${cols} FROM hk CROSS JOIN ${d.recordsByKey ?? 'records r'} WHERE r.${d.joinKey} = hk.k${sample}`;
  return `c AS MATERIALIZED (SELECT count(*) AS n FROM hk),
    h AS MATERIALIZED (${h})${ha}`;
}

/** The rows `f, v, n` of the total, the sample size and each facet (over `c` and `h`). */
function countParts(b: SqlBuilder, plan: PagePlan): string[] {
  return [
    `SELECT '#total' AS f, '' AS v, c.n AS n FROM c`,
    ...(plan.facets.length > 0 ? [`SELECT '#sample' AS f, '' AS v, count(*) AS n FROM h`, ...plan.facets.map((f) => facetSelect(b, f, plan))] : []),
  ];
}

/**
 * Whether {@link resultSql} can serve this plan: text (a bounded candidate set) and a total
 * or facets to count. `perCandidateFiltersOnly`: only when a filter costs a look-up per
 * candidate (a derived table or a `records` column), the work a separate count statement
 * would repeat; without one, counting the candidates again is cheap and PostgreSQL runs it
 * beside the page on a second connection.
 */
export function oneStatement(plan: PagePlan, perCandidateFiltersOnly = false): boolean {
  if (!hasText(plan.filter.text) || !(plan.total || plan.facets.length > 0)) return false;
  if (!perCandidateFiltersOnly) return true;
  const f = plan.filter;
  return Boolean(
    f.vendors || f.products || f.cwes || f.cvssVersions || f.states || f.assigners || f.severities || f.scoreMin !== undefined ||
      f.scoreMax !== undefined || f.kev !== undefined || f.hasFix !== undefined || f.published || f.updated,
  );
}

/**
 * Page, total and facets in one statement, the hits computed once: the text candidates are
 * matched, filtered and given their sort values a single time (`hk`), then the page is cut
 * from them, counted, and the facets read the rows of the sampled hits. Rows `f, v, n`
 * as {@link countSql} gives, and `f = '#page'` rows with the hit columns, the sort values
 * `k0…` and their place on the page in `n` (the union keeps no order). Only with text:
 * without it the hits are the whole store, which the page reads through an index instead.
 */
export function resultSql(b: SqlBuilder, plan: PagePlan): string {
  const d = b.dialect;
  const keys = plan.sort.keys;
  const withRank = keys.some(([k]) => k === 'rank');
  const p = resultParts(b, plan.filter, withRank);
  if (!p.text) throw new Error('search-sql: resultSql needs text');
  // Ranked on the candidates alone when nothing needs the `records` row; otherwise joined.
  const onCandidates = p.recordWhere.length === 0 && keys.every(([k]) => k === 'exact' || k === 'rank' || k === 'id');
  const exprs = onCandidates ? { ...SORT_KEYS, id: d.idKeyOf('t.k') } : SORT_KEYS;
  const { from, where } = joined(p, d);
  const byKey = d.recordsByKey ? from.replace(/ CROSS JOIN records r$/, ` CROSS JOIN ${d.recordsByKey}`) : from;
  const hitsFrom = onCandidates ? `(${p.candidates}) t${whereSql(p.keyWhere)}` : `${byKey}${whereSql(where)}`;
  // Each value once: a sort key that is the key, the rank or the exact flag reads that
  // column (flattened, a second `t.rank` would compute bm25 twice per candidate).
  const shared: Record<string, string> = { 't.k': 'k', 't.rank': 'rank', 't.exact': 'exact' };
  const colOf = keys.map(([k], i) => shared[exprs[k]] ?? `k${i}`);
  const extra = keys.flatMap(([k], i) => (shared[exprs[k]] ? [] : [`${exprs[k]} AS k${i}`]));
  const own = Object.fromEntries(keys.map(([k], i) => [k, `hk.${colOf[i]}`])) as Record<SortKeyName, string>;
  const pageWhere = plan.after ? ` WHERE ${keysetCondition(b, keys, plan.after, own)}` : '';
  const order = (alias: string): string => keys.map(([, dir], i) => `${alias}.${colOf[i]} ${dir.toUpperCase()}`).join(', ');
  const kCols = keys.map((_, i) => `pg.${colOf[i]}`).join(', ');
  const pad = [...HIT_COLUMNS.split(', '), 'rank', 'exact', ...keys.map((_, i) => `k${i}`)].map((c) => `NULL AS ${c.replace(/^r\./, '')}`).join(', ');
  return `WITH hk AS MATERIALIZED (SELECT ${['t.k AS k', 't.rank AS rank', 't.exact AS exact', ...extra].join(', ')} FROM ${hitsFrom}),
    pg AS MATERIALIZED (SELECT * FROM hk${pageWhere} ORDER BY ${order('hk')} LIMIT ${b.p(plan.limit + 1)}),
    ${countCtes(b, plan)}
    SELECT x.f, x.v, x.n, ${pad} FROM (${countParts(b, plan).join('\nUNION ALL ')}) x
    UNION ALL SELECT '#page', NULL, row_number() OVER (ORDER BY ${order('pg')}), ${HIT_COLUMNS}, pg.rank, pg.exact, ${kCols} FROM pg CROSS JOIN records r WHERE r.${d.joinKey} = pg.k`;
}

/** The page rows of a {@link resultSql} answer, in page order. */
export function resultPage(rows: readonly Row[]): Row[] {
  return rows.filter((r) => r.f === '#page').sort((a, b) => Number(a.n) - Number(b.n));
}

// --- rows ------------------------------------------------------------------------------

const optStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export function hitFromRow(r: Row, withRank: boolean): SearchHit {
  const hit: { -readonly [K in keyof SearchHit]: SearchHit[K] } = {
    cveId: String(r.cve_id),
    state: r.state as RecordState,
    description: String(r.description ?? ''),
    dateUpdated: String(r.date_updated),
    kev: r.kev === true || r.kev === 1 || r.kev === 1n,
  };
  const title = optStr(r.title);
  if (title !== undefined) hit.title = title;
  const assigner = optStr(r.assigner_short_name);
  if (assigner !== undefined) hit.assignerShortName = assigner;
  const pub = optStr(r.date_published);
  if (pub !== undefined) hit.datePublished = pub;
  const rej = optStr(r.date_rejected);
  if (rej !== undefined) hit.dateRejected = rej;
  if (r.cvss_score !== null && r.cvss_score !== undefined) hit.cvssScore = Number(r.cvss_score);
  const sev = optStr(r.cvss_severity);
  if (sev !== undefined) hit.cvssSeverity = sev;
  if (withRank && r.rank !== undefined && r.rank !== null) hit.rank = Number(r.rank);
  if (Number(r.exact ?? 0) === 1) hit.exact = true;
  return hit;
}

/** The cursor values of a row (columns k0…kn) in JSON-safe form. */
export function rowKeys(r: Row, n: number): CursorValue[] {
  const out: CursorValue[] = [];
  for (let i = 0; i < n; i++) {
    const v = r[`k${i}`];
    out.push(typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : String(v));
  }
  return out;
}

/** The newest-first listing of a change feed: which date, which state. */
export const CHANGE_KINDS = {
  new: { col: 'r.date_published', state: undefined },
  updated: { col: 'r.date_updated', state: undefined },
  rejected: { col: 'r.date_rejected', state: 'REJECTED' },
} as const;

export function changesSql(b: SqlBuilder, q: ChangeQuery, ignore?: IgnoreTerm): string {
  if (!q || !(q.kind in CHANGE_KINDS)) throw bad('changes: kind must be new, updated or rejected');
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_LIMIT) throw bad(`changes: limit must be an integer from 1 to ${MAX_LIMIT}`);
  const k = CHANGE_KINDS[q.kind];
  const f = planFilter(q.filter, ignore);
  const { from, where } = fromWhere(b, f, false);
  where.push(`${k.col} IS NOT NULL`);
  if (k.state) where.push(`r.state = ${b.p(k.state)}`);
  if (q.since !== undefined) {
    const since = typeof q.since === 'string' ? (datePart(q.since)?.start ?? instant(q.since)) : undefined;
    if (since === undefined) throw bad(`changes: since ${JSON.stringify(String(q.since).slice(0, 40))} is not a date`);
    where.push(`${k.col} >= ${b.p(since)}`);
  }
  return `SELECT ${HIT_COLUMNS} FROM ${from}${whereSql(where)} ORDER BY ${k.col} DESC, r.id_key DESC LIMIT ${b.p(q.limit)}`;
}

/** One batch of an export in CVE-name order after `afterKey`. */
export function exportSql(b: SqlBuilder, f: FilterPlan, afterKey: number, size: number): string {
  const { from, where } = fromWhere(b, f, false);
  where.push(`r.id_key > ${b.p(afterKey)}`);
  return `SELECT r.cve_id, r.id_key, v.json FROM ${from} JOIN record_versions v ON v.cve_id = r.cve_id AND v.version = r.version${whereSql(where)} ORDER BY r.id_key LIMIT ${b.p(size)}`;
}

export const SEVERITY_ORDER: readonly string[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE'];

/** Sort replacement names by (year, number), as CVE names order. */
export function nameState(cveId: CveId, state: RecordState, targets: readonly string[]): NameState {
  const key = (id: string): number => Number(id.slice(4, 8)) * 1e10 + Number(id.slice(9));
  return { cveId, state, replacedBy: [...new Set(targets)].sort((a, b) => key(a) - key(b) || (a < b ? -1 : a > b ? 1 : 0)) };
}

/**
 * Rows `f, v, n` of the count statement into `total`, `facets` and, when the facets were
 * counted over a sample of the hits, `facetSample` with the counts scaled to the total.
 */
export function collect(
  rows: readonly Row[],
  facets: readonly FacetName[],
  out: { total?: number; facets?: SearchResult['facets']; facetSample?: SearchResult['facetSample'] },
): void {
  const acc: Partial<Record<FacetName, FacetCount[]>> = {};
  for (const f of facets) acc[f] = [];
  let sample: number | undefined;
  for (const r of rows) {
    const f = String(r.f);
    if (f === '#total') out.total = Number(r.n);
    else if (f === '#sample') sample = Number(r.n);
    else acc[f as FacetName]?.push({ value: String(r.v ?? ''), count: Number(r.n) });
  }
  if (facets.length === 0) return;
  const total = out.total ?? 0;
  if (sample !== undefined && sample < total) {
    const scale = total / Math.max(1, sample);
    for (const f of facets) acc[f] = (acc[f] ?? []).map((c) => ({ value: c.value, count: Math.min(total, Math.max(1, Math.round(c.count * scale))) }));
    out.facetSample = { size: sample, of: total };
  }
  out.facets = acc;
}

/** The total the page statement carried (`pageHasTotal`): in every row; no row, no hit. */
export const pageTotal = (rows: readonly Row[]): number => (rows.length > 0 ? Number(rows[0].total_) : 0);
