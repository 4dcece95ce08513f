/**
 * @module Search on SQLite: FTS5 (bm25 with column weights) joined to `records`, filters
 * on the derived tables, keyset cursors, total and facets in one statement over a
 * materialised result. The SQL comes from `../search-sql.ts`; this file adds the FTS5
 * expression and runs the statements.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { CveId, RecordState } from '../../cve/index.ts';
import type { Row } from '../mapping.ts';
import {
  SEVERITY_ORDER,
  SqlBuilder,
  changesSql,
  collect,
  nameState,
  countSql,
  oneStatement,
  resultPage,
  resultSql,
  encodeCursor,
  exportSql,
  hitFromRow,
  pageHasTotal,
  pageSql,
  pageTotal,
  planFilter,
  planSearch,
  rowKeys,
} from '../search-sql.ts';
import type { PagePlan, SearchDialect, TextPlan, TextTerm } from '../search-sql.ts';
import { ReadWorker } from './read-worker.ts';
import type {
  ChangeQuery,
  FacetCount,
  NameState,
  RepositoryStats,
  SearchHit,
  SearchQuery,
  SearchResult,
  SearchStore,
} from '../search-types.ts';

/** bm25 weights of the FTS columns: title, products, description, keywords (CVE name, assigner, CWE), refs. */
const BM25 = 'bm25(record_fts, 10.0, 5.0, 2.0, 3.0, 1.0)';
const STATEMENT_CACHE = 256;

/** A term as an FTS5 string: tokens are letters and digits only, so quoting is all it needs. */
function ftsTerm(t: TextTerm): string {
  return `"${t.tokens.join(' ')}"${t.prefix ? ' *' : ''}`;
}

/** `CVE-2021-44228` → `"2021 44228"`: finds the name written with CVE-, CAN- or bare (X1520-10.1, 10.2). */
function ftsId(id: CveId): string {
  return `"${id.slice(4, 8)} ${id.slice(9)}"`;
}

/** The positive part of the FTS5 expression (words AND phrases AND any of the CVE names). */
function positive(text: TextPlan): string | undefined {
  const parts = [...text.words.map(ftsTerm), ...text.phrases.map(ftsTerm)];
  if (text.ids.length > 0) parts.push(`(${text.ids.map(ftsId).join(' OR ')})`);
  return parts.length > 0 ? parts.join(' AND ') : undefined;
}

const negative = (text: TextPlan): string => text.excluded.map(ftsTerm).join(' OR ');

export const SQLITE_SEARCH_DIALECT: SearchDialect = {
  kind: 'sqlite',
  joinKey: 'id_key',
  keyIsIdKey: true,
  // id_key = year * 10^10 + number (rows.ts), from `CVE-YYYY-N…`.
  keyOf: (col) => `(CAST(substr(${col}, 5, 4) AS INTEGER) * 10000000000 + CAST(substr(${col}, 10) AS INTEGER))`,
  idKeyOf: (key) => key,
  cveIdOf: (key) => `('CVE-' || (${key} / 10000000000) || '-' || printf('%04d', ${key} % 10000000000))`,
  placeholder: (n) => `?${n}`,
  inList: (b, expr, values) => `${expr} IN (SELECT value FROM json_each(${b.p(JSON.stringify(values))}))`,
  bool: (b, v) => b.p(v ? 1 : 0),
  candidates(b, text, withRank) {
    const pos = positive(text);
    const neg = text.excluded.length > 0 ? negative(text) : undefined;
    const expr = pos === undefined ? undefined : neg === undefined ? pos : `(${pos}) NOT (${neg})`;
    const parts: string[] = [];
    if (expr !== undefined) {
      parts.push(`SELECT rowid AS k, ${withRank ? `-${BM25}` : '0.0'} AS rank, 0 AS exact FROM record_fts WHERE record_fts MATCH ${b.p(expr)}`);
    }
    if (text.ids.length > 0) {
      const ids = b.p(JSON.stringify(text.ids));
      // Exact names count even when they lack the other words (filters still apply).
      parts.push(`SELECT id_key AS k, 0.0 AS rank, 1 AS exact FROM records WHERE cve_id IN (SELECT value FROM json_each(${ids}))`);
    }
    if (parts.length === 1 && text.ids.length === 0) return parts[0];
    return `SELECT k, max(rank) AS rank, max(exact) AS exact FROM (${parts.join(' UNION ALL ')}) GROUP BY k`;
  },
  notExcluded: (b, text) => `r.id_key NOT IN (SELECT rowid FROM record_fts WHERE record_fts MATCH ${b.p(negative(text))})`,
};

/** Migration 102's covering index of what a text search reads per hit (see 102-search-keys.sql, 103-search-facet-keys.sql). */
const KEYS_INDEX = 'records_search_keys_idx';
/** Migration 103's index of `record_cwes` by id_key. */
const CWE_KEYS_INDEX = 'record_cwes_key_idx';
/**
 * The dialect for the indexes the store has: with the covering index SQLite would
 * otherwise take the id_key index and read each row; with the CWE key index a CWE filter
 * probes it by key.
 */
function dialectFor(indexes: ReadonlySet<unknown>): SearchDialect {
  return {
    ...SQLITE_SEARCH_DIALECT,
    ...(indexes.has(KEYS_INDEX) && { recordsByKey: `records r INDEXED BY ${KEYS_INDEX}` }),
    ...(indexes.has(CWE_KEYS_INDEX) && { keyedTables: ['record_cwes'] }),
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface SqliteSearchOptions {
  /** The store's file: a text search then counts and facets on a second connection in a worker thread, beside its page. */
  readonly path?: string;
  readonly busyTimeoutMs?: number;
}

export class SqliteSearch implements SearchStore {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  readonly #reader: ReadWorker | undefined;

  constructor(db: DatabaseSync, opts: SqliteSearchOptions = {}) {
    this.#db = db;
    if (opts.path !== undefined) this.#reader = new ReadWorker(opts.path, opts.busyTimeoutMs ?? 5000);
  }

  /** Stops the read worker, if it was started. */
  async close(): Promise<void> {
    await this.#reader?.close();
  }

  #all(sql: string, params: readonly unknown[]): Row[] {
    let s = this.#statements.get(sql);
    if (!s) {
      if (this.#statements.size >= STATEMENT_CACHE) this.#statements.clear();
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s.all(...(params as (string | number | null)[])) as Row[];
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const plan = planSearch(query);
    const one = oneStatement(plan);
    // Asked each time: a store is migrated after it is opened, and a bulk load drops the indexes a while.
    const dialect = dialectFor(new Set(this.#all("SELECT name FROM sqlite_master WHERE type = 'index' AND name IN (?1, ?2)", [KEYS_INDEX, CWE_KEYS_INDEX]).map((r) => r.name)));
    // Text with facets and no filter checked per candidate: the total and the facets on the
    // read worker while this thread ranks the page, so the latency is the longer of the two,
    // not their sum. The candidates are matched twice (the count skips ranking), so only
    // while the worker is idle: under concurrent searches one statement costs less CPU.
    const reader = this.#reader;
    if (one && plan.facets.length > 0 && !oneStatement(plan, true) && reader?.ready && reader.idle) return this.#split(plan, dialect, reader);
    // With text: page, total and facets in one statement, the hits computed once.
    const b = new SqlBuilder(dialect);
    const all = this.#all(one ? resultSql(b, plan) : pageSql(b, plan), b.params);
    const rows = one ? resultPage(all) : all;
    const out = this.#pageOut(plan, rows);
    if (one) {
      collect(all, plan.facets, out);
      if (!plan.total) delete out.total;
    } else if (pageHasTotal(plan)) out.total = pageTotal(rows);
    else if (rows.length === 0 && query.cursor === undefined && (plan.total || plan.facets.length > 0)) {
      // A first page without a single row: nothing matches, so the total is 0 and every facet
      // is empty; the count statement would only evaluate the query and its filters again.
      collect([{ f: '#total', n: 0 }], plan.facets, out);
      if (!plan.total) delete out.total;
    } else if (plan.total || plan.facets.length > 0) {
      const c = new SqlBuilder(dialect);
      const counts = this.#all(countSql(c, plan), c.params);
      collect(counts, plan.facets, out);
      if (!plan.total) delete out.total;
    }
    return out;
  }

  /** The answer's items and cursor from the page rows (one more than the page when there is a next one). */
  #pageOut(plan: PagePlan, rows: readonly Row[]): Mutable<SearchResult> {
    const more = rows.length > plan.limit;
    const page = more ? rows.slice(0, plan.limit) : rows;
    const withRank = plan.sort.keys.some(([k]) => k === 'rank');
    const out: Mutable<SearchResult> = { items: page.map((r) => hitFromRow(r, withRank)) };
    if (more) out.nextCursor = encodeCursor(plan.fingerprint, rowKeys(page[page.length - 1], plan.sort.keys.length));
    return out;
  }

  #splits = 0;

  /** Text searches whose total and facets were counted on the read worker (tests). */
  get splitCount(): number {
    return this.#splits;
  }

  async #split(plan: PagePlan, dialect: SearchDialect, reader: ReadWorker): Promise<SearchResult> {
    this.#splits++;
    const c = new SqlBuilder(dialect);
    const countQuery = countSql(c, plan);
    // Settled at once, so a failing page leaves no unhandled rejection; a worker that failed
    // leaves the counting to this thread.
    const counted = reader.all(countQuery, c.params).then(
      (rows) => rows,
      () => undefined,
    );
    const b = new SqlBuilder(dialect);
    const out = this.#pageOut(plan, this.#all(pageSql(b, plan), b.params));
    collect((await counted) ?? this.#all(countQuery, c.params), plan.facets, out);
    if (!plan.total) delete out.total;
    return out;
  }

  async stats(opts: { readonly top?: number } = {}): Promise<RepositoryStats> {
    const top = Math.min(Math.max(1, Math.trunc(opts.top ?? 20)), 1000);
    const fc = (rows: Row[]): FacetCount[] => rows.map((r) => ({ value: String(r.v), count: Number(r.n) }));
    return {
      byYear: this.#all('SELECT year, count(*) AS n FROM records GROUP BY year ORDER BY year', []).map((r) => ({ year: Number(r.year), count: Number(r.n) })),
      byState: fc(this.#all('SELECT state AS v, count(*) AS n FROM records GROUP BY state ORDER BY n DESC, v', [])),
      bySeverity: fc(this.#all('SELECT cvss_severity AS v, count(*) AS n FROM records WHERE cvss_severity IS NOT NULL GROUP BY cvss_severity', [])).sort(
        (a, b) => SEVERITY_ORDER.indexOf(a.value) - SEVERITY_ORDER.indexOf(b.value),
      ),
      topCwes: this.#all(
        `SELECT w.cwe_id AS v, count(*) AS n, c.name AS name FROM record_cwes w LEFT JOIN cwe_entries c ON c.id = w.cwe_id
         GROUP BY w.cwe_id ORDER BY n DESC, v LIMIT ?1`,
        [top],
      ).map((r) => ({ value: String(r.v), count: Number(r.n), ...(r.name ? { name: String(r.name) } : {}) })),
      topVendors: fc(
        this.#all(
          `SELECT min(vendor) AS v, count(DISTINCT cve_id) AS n FROM record_affected WHERE vendor_lc NOT IN ('n/a', '')
           GROUP BY vendor_lc ORDER BY n DESC, vendor_lc LIMIT ?1`,
          [top],
        ),
      ),
      kevByMonth: fc(this.#all('SELECT substr(date_added, 1, 7) AS v, count(*) AS n FROM kev_entries GROUP BY v ORDER BY v', [])),
    };
  }

  async changes(query: ChangeQuery): Promise<SearchHit[]> {
    const b = new SqlBuilder(SQLITE_SEARCH_DIALECT);
    return this.#all(changesSql(b, query), b.params).map((r) => hitFromRow(r, false));
  }

  async *exportCurrent(filter?: ChangeQuery['filter'], opts: { readonly batchSize?: number } = {}): AsyncIterable<{ readonly cveId: CveId; readonly json: string }> {
    const f = planFilter(filter);
    const size = Math.min(Math.max(1, Math.trunc(opts.batchSize ?? 500)), 10_000);
    let after = -1;
    for (;;) {
      const b = new SqlBuilder(SQLITE_SEARCH_DIALECT);
      const rows = this.#all(exportSql(b, f, after, size), b.params);
      for (const r of rows) yield { cveId: String(r.cve_id), json: String(r.json) };
      if (rows.length < size) return;
      after = Number(rows[rows.length - 1].id_key);
    }
  }

  async getStates(cveIds: readonly CveId[]): Promise<Map<CveId, NameState>> {
    const out = new Map<CveId, NameState>();
    if (cveIds.length === 0) return out;
    const rows = this.#all(
      `SELECT r.cve_id, r.state, (SELECT json_group_array(target) FROM (SELECT DISTINCT x.target FROM record_replacements x WHERE x.cve_id = r.cve_id)) AS repl
       FROM records r WHERE r.cve_id IN (SELECT value FROM json_each(?1))`,
      [JSON.stringify([...new Set(cveIds)])],
    );
    for (const r of rows) out.set(String(r.cve_id), nameState(String(r.cve_id), r.state as RecordState, JSON.parse(String(r.repl ?? '[]')) as string[]));
    return out;
  }
}
