/**
 * @module The search part of the store: full text, filters, facets, listings, stats and
 * change feeds over the current versions. Both backends implement it (`store.search`);
 * the same suite runs on both.
 */
import type { CveId, CvssVersion, RecordState } from '../cve/index.ts';

export interface DateRange {
  /** Inclusive, ISO 8601 date or date-time. */
  readonly from?: string;
  /** Inclusive (a bare date means the whole day), ISO 8601. */
  readonly to?: string;
}

export const SEARCH_SORTS = ['relevance', 'published', 'updated', 'score', 'id'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

export const FACETS = ['state', 'year', 'assigner', 'vendor', 'product', 'cwe', 'severity', 'cvssVersion', 'kev', 'hasFix'] as const;
export type FacetName = (typeof FACETS)[number];

/** A structured search: every field narrows the result (AND); lists mean any of (OR). */
export interface SearchQuery {
  /** Free-text words (stemmed/prefix as the backend does), all must match. */
  readonly words?: readonly string[];
  /** Exact phrases, all must match. */
  readonly phrases?: readonly string[];
  /** Words that must not match. */
  readonly excluded?: readonly string[];
  /** CVE names mentioned in the query: an exact name hit always ranks first. */
  readonly cveIds?: readonly CveId[];
  readonly states?: readonly RecordState[];
  readonly years?: { readonly from?: number; readonly to?: number };
  /** Assigner short names (case-insensitive). */
  readonly assigners?: readonly string[];
  /** Vendors / products (case-insensitive exact match on the affected entries). */
  readonly vendors?: readonly string[];
  readonly products?: readonly string[];
  /** `CWE-79` form. */
  readonly cwes?: readonly string[];
  /** Which CVSS version the severity/score filters look at; any version when absent. */
  readonly cvssVersion?: CvssVersion;
  /** Several versions: severity and score read one metric of any of them (with `cvssVersion`, all of them). */
  readonly cvssVersions?: readonly CvssVersion[];
  /** NONE, LOW, MEDIUM, HIGH, CRITICAL. */
  readonly severities?: readonly string[];
  readonly scoreMin?: number;
  readonly scoreMax?: number;
  readonly kev?: boolean;
  /** A fix is known: a reference tagged `patch` or `vendor-advisory`, or an affected version marked unaffected/fixed. */
  readonly hasFix?: boolean;
  readonly published?: DateRange;
  readonly updated?: DateRange;
  readonly sort?: SearchSort;
  readonly order?: 'asc' | 'desc';
  /** 1..2000. */
  readonly limit: number;
  /** Opaque cursor from a previous page (same query and sort). */
  readonly cursor?: string;
  /** Facets to count over the whole result (not just the page). */
  readonly facets?: readonly FacetName[];
  /** Skip the total count (faster, for streaming exports). */
  readonly noTotal?: boolean;
  /** Most values returned for the open-ended facets (assigner, vendor, product, cwe); default 50. */
  readonly facetLimit?: number;
  /** Count the facets over every hit, however many (default: over a sample past 1,000 hits, see `facetSample`). */
  readonly exactFacets?: boolean;
}

export interface SearchHit {
  readonly cveId: CveId;
  readonly state: RecordState;
  readonly title?: string;
  readonly description: string;
  readonly assignerShortName?: string;
  readonly datePublished?: string;
  readonly dateUpdated: string;
  readonly dateRejected?: string;
  readonly cvssScore?: number;
  readonly cvssSeverity?: string;
  readonly kev: boolean;
  /** Backend relevance score, higher is better (relevance sort only). */
  readonly rank?: number;
  /** True when the hit is an exact CVE-name match of the query. */
  readonly exact?: boolean;
}

export interface FacetCount {
  readonly value: string;
  readonly count: number;
}

export interface SearchResult {
  readonly items: readonly SearchHit[];
  /** Total matches (undefined with `noTotal`). */
  readonly total?: number;
  readonly nextCursor?: string;
  readonly facets?: Partial<Record<FacetName, readonly FacetCount[]>>;
  /**
   * Present when the result has more hits than are counted for facets: the facet counts
   * are then estimates, counted over a uniform sample of `size` of the `of` hits and scaled
   * to `of` (absent: the counts are exact).
   */
  readonly facetSample?: { readonly size: number; readonly of: number };
  /** Query terms the backend's full text cannot match and left out (PostgreSQL: English stop words). */
  readonly ignoredTerms?: readonly string[];
}

export interface RepositoryStats {
  readonly byYear: readonly { readonly year: number; readonly count: number }[];
  readonly byState: readonly FacetCount[];
  /** Highest-severity distribution over records with any CVSS. */
  readonly bySeverity: readonly FacetCount[];
  readonly topCwes: readonly (FacetCount & { readonly name?: string })[];
  readonly topVendors: readonly FacetCount[];
  /** KEV additions per month, `YYYY-MM`. */
  readonly kevByMonth: readonly FacetCount[];
}

export type ChangeKind = 'new' | 'updated' | 'rejected';

export interface ChangeQuery {
  readonly kind: ChangeKind;
  /** Only changes at or after this instant. */
  readonly since?: string;
  readonly limit: number;
  /** Narrow with the same filters as search (words, vendors, …). */
  readonly filter?: Omit<SearchQuery, 'limit' | 'cursor' | 'facets' | 'sort' | 'order'>;
}

/** What a CVE name is here, for resolving names in bulk (X1520-7.7, 7.8). */
export interface NameState {
  readonly cveId: CveId;
  readonly state: RecordState;
  /** Replacement names of a rejected or duplicate name (`record_replacements`), in CVE-name order. */
  readonly replacedBy: readonly CveId[];
}

export interface SearchStore {
  search(query: SearchQuery): Promise<SearchResult>;
  /** Counts for the home page charts. */
  stats(opts?: { readonly top?: number }): Promise<RepositoryStats>;
  /** Newest first: `new` by datePublished, `updated` by dateUpdated, `rejected` by dateRejected. */
  changes(query: ChangeQuery): Promise<SearchHit[]>;
  /**
   * Stream the current records matching a query, in CVE-name order, with their JSON,
   * without holding them all in memory (exports of 300,000 records).
   */
  exportCurrent(filter?: ChangeQuery['filter'], opts?: { readonly batchSize?: number }): AsyncIterable<{ readonly cveId: CveId; readonly json: string }>;
  /** State and replacements of many names in one read (unknown names are absent). */
  getStates(cveIds: readonly CveId[]): Promise<Map<CveId, NameState>>;
}
