/**
 * @module Search on PostgreSQL: the weighted tsvector (A title, B products, C description,
 * D names and references) ranked with ts_rank, joined to `records`, filters on the derived
 * tables, keyset cursors, total and facets in one statement over a materialised result.
 * The page and the counts run at the same time on two pool connections. The SQL comes
 * from `../search-sql.ts`; this file adds the tsquery and runs the statements.
 */
import type pg from 'pg';
import type { CveId, RecordState } from '../../cve/index.ts';
import type { Row } from '../mapping.ts';
import {
  SEVERITY_ORDER,
  SqlBuilder,
  changesSql,
  collect,
  countSql,
  encodeCursor,
  exportSql,
  hitFromRow,
  nameState,
  oneStatement,
  pageHasTotal,
  pageSql,
  pageTotal,
  planFilter,
  planSearch,
  rawTerms,
  resultPage,
  resultSql,
  rowKeys,
} from '../search-sql.ts';
import type { IgnoreTerm, SearchDialect, TextPlan, TextTerm } from '../search-sql.ts';
import type { ChangeQuery, FacetCount, NameState, RepositoryStats, SearchHit, SearchQuery, SearchResult, SearchStore } from '../search-types.ts';

/** ts_rank weights {D, C, B, A}; normalization 1 divides by 1 + log(document length), as bm25 favours short fields. */
const WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'::float4[]";

/**
 * One term as a tsquery. A whole word or phrase goes through `phraseto_tsquery` (the
 * same parser as the documents, no operator syntax, so any text is safe); a prefix term
 * is built from its letters-and-digits tokens only, so `to_tsquery` sees no operator.
 */
function tsTerm(b: SqlBuilder, t: TextTerm): string {
  if (t.prefix) return `to_tsquery('english', ${b.p(`${t.tokens.join(' <-> ')}:*`)})`;
  return `phraseto_tsquery('english', ${b.p(t.raw)})`;
}

/** A CVE name written with CVE- or CAN- (X1520-10.1, 10.2). */
function tsId(b: SqlBuilder, id: CveId): string {
  return `(phraseto_tsquery('english', ${b.p(id)}) || phraseto_tsquery('english', ${b.p(`CAN-${id.slice(4)}`)}))`;
}

function tsQuery(b: SqlBuilder, text: TextPlan): string | undefined {
  const parts = [...text.words.map((t) => tsTerm(b, t)), ...text.phrases.map((t) => tsTerm(b, t))];
  if (text.ids.length > 0) parts.push(`(${text.ids.map((id) => tsId(b, id)).join(' || ')})`);
  if (parts.length === 0) return undefined;
  if (text.excluded.length > 0) parts.push(`!!(${negative(b, text)})`);
  return `(${parts.join(' && ')})`;
}

const negative = (b: SqlBuilder, text: TextPlan): string => text.excluded.map((t) => tsTerm(b, t)).join(' || ');

export const POSTGRES_SEARCH_DIALECT: SearchDialect = {
  kind: 'postgres',
  joinKey: 'cve_id',
  keyIsIdKey: false,
  keyOf: (col) => col,
  cveIdOf: (key) => key,
  // id_key = year * 10^10 + number (rows.ts), from `CVE-YYYY-N…`.
  idKeyOf: (key) => `(split_part(${key}, '-', 2)::bigint * 10000000000 + split_part(${key}, '-', 3)::bigint)`,
  placeholder: (n) => `$${n}`,
  inList: (b, expr, values) => `${expr} = ANY(${b.p(values)}::text[])`,
  bool: (b, v) => `${b.p(v)}::boolean`,
  candidates(b, text, withRank) {
    const parts: string[] = [];
    const q = tsQuery(b, text);
    if (q !== undefined) {
      // The query text appears twice (match and rank) but is one set of parameters.
      const rank = withRank ? `ts_rank(${WEIGHTS}, f.document, ${q}, 1)::float8` : '0::float8';
      parts.push(`SELECT f.cve_id AS k, ${rank} AS rank, 0 AS exact FROM record_fts f WHERE f.document @@ ${q}`);
    }
    if (text.ids.length > 0) parts.push(`SELECT x AS k, 0::float8 AS rank, 1 AS exact FROM unnest(${b.p(text.ids)}::text[]) AS x`);
    if (parts.length === 1 && text.ids.length === 0) return parts[0];
    return `SELECT k, max(rank) AS rank, max(exact) AS exact FROM (${parts.join(' UNION ALL ')}) AS c GROUP BY k`;
  },
  notExcluded: (b, text) => `NOT EXISTS (SELECT 1 FROM record_fts f WHERE f.cve_id = r.cve_id AND f.document @@ (${negative(b, text)}))`,
};

/** Terms remembered as stop words or not (the English configuration does not change). */
const STOP_CACHE = 10_000;

export class PostgresSearch implements SearchStore {
  readonly #pool: pg.Pool;
  readonly #stop = new Map<string, boolean>();

  /**
   * The terms of a query the English configuration drops (stop words: `the`, `to be or not`):
   * documents do not hold them, so they are left out of the query, as PostgreSQL already
   * does inside a phrase; a query of nothing else then has no text condition (SQLite, which
   * indexes every word, matches them).
   */
  async #ignored(q: Parameters<typeof rawTerms>[0]): Promise<{ ignore: IgnoreTerm; terms: string[] }> {
    const raw = [...new Set(rawTerms(q))];
    const unknown = raw.filter((t) => !this.#stop.has(t));
    if (unknown.length > 0) {
      const rows = await this.#all("SELECT t, numnode(phraseto_tsquery('english', t)) = 0 AS stop FROM unnest($1::text[]) AS t", [unknown]);
      if (this.#stop.size + rows.length > STOP_CACHE) this.#stop.clear();
      for (const r of rows) this.#stop.set(String(r.t), r.stop === true);
    }
    const terms = raw.filter((t) => this.#stop.get(t) === true);
    const set = new Set(terms);
    return { ignore: (t) => set.has(t), terms };
  }

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async #all(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return (await this.#pool.query<Row>(sql, params as unknown[])).rows;
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const ignored = await this.#ignored(query);
    const plan = planSearch(query, ignored.ignore);
    const b = new SqlBuilder(POSTGRES_SEARCH_DIALECT);
    // With a filter looked up per candidate, page, total and facets in one statement (the
    // hits computed once); else the page and the counts at once on two connections.
    const one = oneStatement(plan, true);
    let all: Row[];
    let counts: Row[] | undefined;
    if (one) {
      all = await this.#all(resultSql(b, plan), b.params);
      counts = all;
    } else {
      const pageQuery = this.#all(pageSql(b, plan), b.params);
      let countQuery: Promise<Row[]> | undefined;
      if (!pageHasTotal(plan) && (plan.total || plan.facets.length > 0)) {
        const c = new SqlBuilder(POSTGRES_SEARCH_DIALECT);
        countQuery = this.#all(countSql(c, plan), c.params);
      }
      // Both settle before either error is thrown, so no rejection is left unhandled.
      const [rowsR, countsR] = await Promise.allSettled([pageQuery, countQuery ?? Promise.resolve([])]);
      if (rowsR.status === 'rejected') throw rowsR.reason;
      if (countsR.status === 'rejected') throw countsR.reason;
      all = rowsR.value;
      if (countQuery) counts = countsR.value;
    }
    const rows = one ? resultPage(all) : all;
    const more = rows.length > plan.limit;
    const page = more ? rows.slice(0, plan.limit) : rows;
    const withRank = plan.sort.keys.some(([k]) => k === 'rank');
    const out: { -readonly [K in keyof SearchResult]: SearchResult[K] } = { items: page.map((r) => hitFromRow(r, withRank)) };
    if (more) out.nextCursor = encodeCursor(plan.fingerprint, rowKeys(page[page.length - 1], plan.sort.keys.length));
    if (ignored.terms.length > 0) out.ignoredTerms = ignored.terms;
    if (!one && pageHasTotal(plan)) out.total = pageTotal(rows);
    else if (counts) {
      collect(counts, plan.facets, out);
      if (!plan.total) delete out.total;
    }
    return out;
  }

  async stats(opts: { readonly top?: number } = {}): Promise<RepositoryStats> {
    const top = Math.min(Math.max(1, Math.trunc(opts.top ?? 20)), 1000);
    const fc = (rows: Row[]): FacetCount[] => rows.map((r) => ({ value: String(r.v), count: Number(r.n) }));
    const [years, states, severities, cwes, vendors, kev] = await Promise.all([
      this.#all('SELECT year, count(*) AS n FROM records GROUP BY year ORDER BY year', []),
      this.#all('SELECT state AS v, count(*) AS n FROM records GROUP BY state ORDER BY n DESC, v', []),
      this.#all('SELECT cvss_severity AS v, count(*) AS n FROM records WHERE cvss_severity IS NOT NULL GROUP BY cvss_severity', []),
      this.#all(
        `SELECT w.cwe_id AS v, count(*) AS n, min(c.name) AS name FROM record_cwes w LEFT JOIN cwe_entries c ON c.id = w.cwe_id
         GROUP BY w.cwe_id ORDER BY n DESC, v LIMIT $1`,
        [top],
      ),
      this.#all(
        `SELECT min(vendor) AS v, count(DISTINCT cve_id) AS n FROM record_affected WHERE vendor_lc NOT IN ('n/a', '')
         GROUP BY vendor_lc ORDER BY n DESC, vendor_lc LIMIT $1`,
        [top],
      ),
      this.#all('SELECT substr(date_added, 1, 7) AS v, count(*) AS n FROM kev_entries GROUP BY 1 ORDER BY 1', []),
    ]);
    return {
      byYear: years.map((r) => ({ year: Number(r.year), count: Number(r.n) })),
      byState: fc(states),
      bySeverity: fc(severities).sort((a, b) => SEVERITY_ORDER.indexOf(a.value) - SEVERITY_ORDER.indexOf(b.value)),
      topCwes: cwes.map((r) => ({ value: String(r.v), count: Number(r.n), ...(r.name ? { name: String(r.name) } : {}) })),
      topVendors: fc(vendors),
      kevByMonth: fc(kev),
    };
  }

  async changes(query: ChangeQuery): Promise<SearchHit[]> {
    const b = new SqlBuilder(POSTGRES_SEARCH_DIALECT);
    const { ignore } = await this.#ignored(query.filter);
    return (await this.#all(changesSql(b, query, ignore), b.params)).map((r) => hitFromRow(r, false));
  }

  async *exportCurrent(filter?: ChangeQuery['filter'], opts: { readonly batchSize?: number } = {}): AsyncIterable<{ readonly cveId: CveId; readonly json: string }> {
    const f = planFilter(filter, (await this.#ignored(filter)).ignore);
    const size = Math.min(Math.max(1, Math.trunc(opts.batchSize ?? 500)), 10_000);
    let after = -1;
    for (;;) {
      const b = new SqlBuilder(POSTGRES_SEARCH_DIALECT);
      const rows = await this.#all(exportSql(b, f, after, size), b.params);
      for (const r of rows) yield { cveId: String(r.cve_id), json: String(r.json) };
      if (rows.length < size) return;
      after = Number(rows[rows.length - 1].id_key);
    }
  }

  async getStates(cveIds: readonly CveId[]): Promise<Map<CveId, NameState>> {
    const out = new Map<CveId, NameState>();
    if (cveIds.length === 0) return out;
    const rows = await this.#all(
      `SELECT r.cve_id, r.state, coalesce((SELECT array_agg(DISTINCT x.target) FROM record_replacements x WHERE x.cve_id = r.cve_id), '{}') AS repl
       FROM records r WHERE r.cve_id = ANY($1::text[])`,
      [[...new Set(cveIds)]],
    );
    for (const r of rows) out.set(String(r.cve_id), nameState(String(r.cve_id), r.state as RecordState, r.repl as string[]));
    return out;
  }
}
