/**
 * The search suite (issue 4 §2): `store.search` on each backend in `CVEKIT_TEST_STORES`,
 * over the bundled 3,000-record sample. Expected sets come from an oracle built from the
 * stored records with the same derivation the store uses (`rows.ts`), so these tests
 * check the SQL: filters, sorts, cursors, totals, facets, stats, feeds and exports.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openTestStore, recordWrite, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';
import { loadSample, SAMPLE_DIR } from '../ingest/index.ts';
import { parseQuery, QuerySyntaxError, resolveMany, resolveName } from '../search/index.ts';
import { StoreError } from './errors.ts';
import { currentRow, derivedRows } from './rows.ts';
import type { FacetName, SearchHit, SearchQuery, SearchResult, SearchSort } from './search-types.ts';
import type { Store } from './types.ts';

interface Fact {
  readonly cveId: string;
  readonly idKey: number;
  readonly state: string;
  readonly year: number;
  readonly assigner: string | null;
  readonly vendors: Set<string>;
  readonly products: Set<string>;
  readonly cwes: Set<string>;
  readonly metrics: readonly { version: string; score: number; severity: string }[];
  readonly score: number | null;
  readonly severity: string | null;
  readonly kev: boolean;
  readonly hasFix: boolean;
  readonly published: string | null;
  readonly updated: string;
  readonly rejected: string | null;
  readonly replacements: readonly string[];
  readonly text: string;
}

async function oracle(store: Store): Promise<Fact[]> {
  const kev = new Set(
    (JSON.parse(readFileSync(join(SAMPLE_DIR, 'kev.json'), 'utf8')) as { vulnerabilities: { cveID: string }[] }).vulnerabilities.map((v) => v.cveID),
  );
  const out: Fact[] = [];
  for await (const { cveId } of store.iterateCurrent()) {
    const rec = await store.getRecord(cveId);
    assert.ok(rec);
    const w = recordWrite(rec.json);
    const r = currentRow(w);
    const d = derivedRows(cveId, w.summary);
    out.push({
      cveId,
      idKey: r.idKey,
      state: r.state,
      year: r.year,
      assigner: r.assignerShortName,
      vendors: new Set(d.affected.map((a) => a.vendorLc)),
      products: new Set(d.affected.map((a) => a.productLc)),
      cwes: new Set(d.cwes),
      metrics: d.metrics.map((m) => ({ version: m.cvssVersion, score: m.score, severity: m.severity })),
      score: r.cvssScore,
      severity: r.cvssSeverity,
      kev: r.kevAdp || kev.has(cveId),
      hasFix: r.hasFix,
      published: r.datePublished,
      updated: r.dateUpdated,
      rejected: r.dateRejected,
      replacements: d.replacements.map((x) => x.target),
      text: [d.fts.title, d.fts.products, d.fts.description, d.fts.keywords, d.fts.refs].join(' ').toLowerCase(),
    });
  }
  return out;
}

/** Every hit of a query, page by page (asserting the cursor contract on the way). */
async function all(store: Store, q: Omit<SearchQuery, 'limit'>, limit = 2000): Promise<{ hits: SearchHit[]; total: number | undefined; pages: number }> {
  const hits: SearchHit[] = [];
  let cursor: string | undefined;
  let total: number | undefined;
  let pages = 0;
  for (;;) {
    const r: SearchResult = await store.search.search({ ...q, limit, ...(cursor ? { cursor } : {}) });
    pages++;
    if (total === undefined) total = r.total;
    else assert.equal(r.total, total, 'the total is the same on every page');
    hits.push(...r.items);
    assert.ok(r.items.length <= limit);
    if (!r.nextCursor) break;
    assert.equal(r.items.length, limit, 'a page with a next cursor is full');
    cursor = r.nextCursor;
    assert.ok(pages < 10_000);
  }
  return { hits, total, pages };
}

const ids = (hits: readonly { cveId: string }[]): string[] => hits.map((h) => h.cveId).sort();
const expectIds = (facts: readonly Fact[], pred: (f: Fact) => boolean): string[] => facts.filter(pred).map((f) => f.cveId).sort();

function dayAfter(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString();
}

for (const backend of testBackends()) {
  describe(`${backend}: search over the 3,000-record sample`, () => {
    let t: TestStore;
    let store: Store;
    let facts: Fact[];
    const byId = new Map<string, Fact>();

    before(async () => {
      t = await openTestStore(backend);
      store = t.store;
      await loadSample(store);
      facts = await oracle(store);
      for (const f of facts) byId.set(f.cveId, f);
    });
    after(() => t.cleanup());

    it('holds the whole sample', () => {
      assert.equal(facts.length, 3000);
    });

    // --- each filter alone -------------------------------------------------------------

    const filters: [string, Omit<SearchQuery, 'limit'>, (f: Fact) => boolean][] = [
      ['states', { states: ['REJECTED'] }, (f) => f.state === 'REJECTED'],
      ['years', { years: { from: 2020, to: 2022 } }, (f) => f.year >= 2020 && f.year <= 2022],
      ['years (open end)', { years: { from: 2024 } }, (f) => f.year >= 2024],
      ['assigners (any case)', { assigners: ['MITRE', 'redhat'] }, (f) => ['mitre', 'redhat'].includes((f.assigner ?? '').toLowerCase())],
      ['vendors (any case)', { vendors: ['Microsoft'] }, (f) => f.vendors.has('microsoft')],
      ['products (any case)', { products: ['Windows 10 Version 1809'] }, (f) => f.products.has('windows 10 version 1809')],
      ['cwes', { cwes: ['CWE-79', '89'] }, (f) => f.cwes.has('CWE-79') || f.cwes.has('CWE-89')],
      ['severities (highest)', { severities: ['critical'] }, (f) => f.severity === 'CRITICAL'],
      ['score range (highest)', { scoreMin: 7, scoreMax: 8.5 }, (f) => f.score !== null && f.score >= 7 && f.score <= 8.5],
      ['cvssVersion', { cvssVersion: '4.0' }, (f) => f.metrics.some((m) => m.version === '4.0')],
      [
        'cvssVersion + severity + score on one metric',
        { cvssVersion: '3.1', severities: ['HIGH'], scoreMin: 8 },
        (f) => f.metrics.some((m) => m.version === '3.1' && m.severity === 'HIGH' && m.score >= 8),
      ],
      [
        "cvssVersions 3.0 or 3.1 + severity on one metric (NVD's cvssV3Severity)",
        { cvssVersions: ['3.0', '3.1'], severities: ['CRITICAL'] },
        (f) => f.metrics.some((m) => (m.version === '3.0' || m.version === '3.1') && m.severity === 'CRITICAL'),
      ],
      ['kev', { kev: true }, (f) => f.kev],
      ['not kev', { kev: false }, (f) => !f.kev],
      ['hasFix', { hasFix: true }, (f) => f.hasFix],
      ['no fix', { hasFix: false }, (f) => !f.hasFix],
      [
        'published range (bare dates are whole days)',
        { published: { from: '2024-06-01', to: '2024-06-30' } },
        (f) => f.published !== null && f.published >= '2024-06-01' && f.published < dayAfter('2024-06-30'),
      ],
      ['updated from', { updated: { from: '2025-01-01' } }, (f) => f.updated >= '2025-01-01'],
      ['updated to a date-time', { updated: { to: '2024-01-01T12:00:00Z' } }, (f) => f.updated <= '2024-01-01T12:00:00.000Z'],
    ];
    for (const [name, q, pred] of filters) {
      it(`filter alone: ${name}`, async () => {
        const want = expectIds(facts, pred);
        assert.ok(want.length > 0, `the sample has matches for ${name}`);
        const { hits, total } = await all(store, { ...q, sort: 'id' });
        assert.equal(total, want.length);
        assert.deepEqual(ids(hits), want);
      });
    }

    it('filters combined (AND across fields, OR within a list)', async () => {
      const q: Omit<SearchQuery, 'limit'> = { states: ['PUBLISHED'], years: { from: 2021 }, cwes: ['CWE-79', 'CWE-89', 'CWE-787'], hasFix: true, severities: ['MEDIUM', 'HIGH', 'CRITICAL'] };
      const want = expectIds(
        facts,
        (f) => f.state === 'PUBLISHED' && f.year >= 2021 && ['CWE-79', 'CWE-89', 'CWE-787'].some((c) => f.cwes.has(c)) && f.hasFix && ['MEDIUM', 'HIGH', 'CRITICAL'].includes(f.severity ?? ''),
      );
      assert.ok(want.length > 5);
      const { hits, total } = await all(store, q);
      assert.equal(total, want.length);
      assert.deepEqual(ids(hits), want);
      const kev = await all(store, { vendors: ['microsoft'], kev: true, scoreMin: 7, published: { from: '2021' } });
      assert.deepEqual(
        ids(kev.hits),
        expectIds(facts, (f) => f.vendors.has('microsoft') && f.kev && (f.score ?? -1) >= 7 && (f.published ?? '') >= '2021'),
      );
    });

    it('full text: every hit has the word; excluded words never appear', async () => {
      const sql = await all(store, { words: ['sql'] });
      assert.ok(sql.hits.length > 20);
      for (const h of sql.hits) assert.match(byId.get(h.cveId)!.text, /sql/, h.cveId);
      const r = await all(store, { words: ['remote'], excluded: ['windows'] });
      assert.ok(r.hits.length > 10);
      for (const h of r.hits) {
        assert.doesNotMatch(`${h.title ?? ''} ${h.description}`, /\bwindows\b/i, h.cveId);
      }
      const phrase = await all(store, { phrases: ['cross-site scripting'] });
      assert.ok(phrase.hits.length > 10);
      for (const h of phrase.hits) assert.match(byId.get(h.cveId)!.text, /cross.site.scripting/, h.cveId);
      const onlyExcluded = await store.search.search({ excluded: ['windows'], limit: 1 });
      assert.ok(onlyExcluded.total! > 2000 && onlyExcluded.total! < 3000);
    });

    it('full text: relevance puts title matches before description-only matches', async () => {
      const r = await store.search.search({ words: ['wordpress'], limit: 2000 });
      assert.ok(r.items.length > 5);
      for (let i = 1; i < r.items.length; i++) assert.ok(r.items[i - 1].rank! >= r.items[i].rank!, 'ranks descend');
      const inTitle = (h: SearchHit): boolean => /wordpress/i.test(h.title ?? '');
      assert.ok(inTitle(r.items[0]));
    });

    it('full text: vendors, products and reference URLs are searchable', async () => {
      const f = facts.find((x) => x.vendors.has('microsoft'))!;
      assert.ok((await store.search.search({ words: ['microsoft'], limit: 2000 })).items.some((h) => h.cveId === f.cveId));
      const withRef = facts.find((x) => x.text.includes('github') && x.state === 'PUBLISHED')!;
      assert.ok((await all(store, { words: ['github'] })).hits.some((h) => h.cveId === withRef.cveId));
      const pfx = await store.search.search({ words: ['wordpr*'], limit: 1 });
      assert.ok(pfx.total! >= (await store.search.search({ words: ['wordpress'], limit: 1 })).total!);
    });

    // --- exact names (X1520-6.9, 10.1, 10.2) ------------------------------------------------

    it('X1520-6.9: an exact CVE-name hit ranks first, before better text matches', async () => {
      const target = facts.find((f) => f.state === 'PUBLISHED' && !f.text.includes('wordpress'))!;
      const r = await store.search.search({ cveIds: [target.cveId], words: ['wordpress'], limit: 10 });
      assert.equal(r.items[0].cveId, target.cveId);
      assert.equal(r.items[0].exact, true);
      assert.ok(r.items.slice(1).every((h) => !h.exact));
      for (const sort of ['published', 'updated', 'score', 'id'] as const) {
        const s = await store.search.search({ cveIds: [target.cveId], words: ['wordpress'], sort, order: 'asc', limit: 3 });
        assert.equal(s.items[0].cveId, target.cveId, sort);
      }
    });

    it('X1520-6.9: a name alone finds its record first, then records that mention it', async () => {
      const mentioned = facts.find((f) => facts.some((g) => g.cveId !== f.cveId && g.text.includes(f.cveId.toLowerCase())))!;
      const r = await all(store, parseQuery(mentioned.cveId));
      assert.equal(r.hits[0].cveId, mentioned.cveId);
      assert.equal(r.hits[0].exact, true);
      assert.ok(r.hits.length >= 2);
    });

    it('X1520-10.1: YYYY-NNNN, YYYY-NNNNN and longer sequences find CVE-YYYY-N…', async () => {
      const four = facts.find((f) => /^CVE-\d{4}-\d{4}$/.test(f.cveId))!;
      const five = facts.find((f) => /^CVE-\d{4}-\d{5}$/.test(f.cveId))!;
      const six = facts.find((f) => /^CVE-\d{4}-\d{6,}$/.test(f.cveId));
      for (const f of [four, five, ...(six ? [six] : [])]) {
        const q = parseQuery(f.cveId.slice(4));
        assert.deepEqual(q.cveIds, [f.cveId]);
        const r = await store.search.search({ ...q, limit: 5 });
        assert.equal(r.items[0].cveId, f.cveId);
        assert.equal(r.items[0].exact, true);
      }
    });

    it('X1520-10.2: CAN-YYYY-NNNN finds CVE-YYYY-NNNN', async () => {
      const old = facts.find((f) => f.year === 1999)!;
      const q = parseQuery(`CAN-${old.cveId.slice(4)}`);
      const r = await store.search.search({ ...q, limit: 5 });
      assert.equal(r.items[0].cveId, old.cveId);
      const spaced = await store.search.search({ ...parseQuery(`can ${old.cveId.slice(4, 8)} ${old.cveId.slice(9)}`), limit: 1 });
      assert.equal(spaced.items[0].cveId, old.cveId);
    });

    it('an unknown well-formed name gives no exact hit and no error', async () => {
      const r = await store.search.search({ cveIds: ['CVE-2099-99999'], limit: 5 });
      assert.ok(r.items.every((h) => !h.exact));
    });

    // --- sorts and cursors ------------------------------------------------------------------

    const sorts: [SearchSort, 'asc' | 'desc'][] = [
      ['relevance', 'desc'],
      ['published', 'desc'],
      ['published', 'asc'],
      ['updated', 'desc'],
      ['updated', 'asc'],
      ['score', 'desc'],
      ['score', 'asc'],
      ['id', 'asc'],
      ['id', 'desc'],
    ];
    const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);
    for (const [sort, order] of sorts) {
      it(`cursor paging visits every hit once, in order: sort ${sort} ${order}`, async () => {
        const q: Omit<SearchQuery, 'limit'> = sort === 'relevance' ? { words: ['vulnerability'], sort, order } : { years: { from: 2015 }, sort, order };
        const whole = await all(store, q, 2000);
        const paged = await all(store, q, 97);
        assert.ok(paged.pages > 3);
        assert.equal(paged.hits.length, paged.total);
        assert.equal(new Set(paged.hits.map((h) => h.cveId)).size, paged.hits.length, 'no hit twice');
        assert.deepEqual(
          paged.hits.map((h) => h.cveId),
          whole.hits.map((h) => h.cveId),
          'the same order as one big page',
        );
        const sign = order === 'asc' ? 1 : -1;
        const key = (h: SearchHit): [number, string | number] => {
          const f = byId.get(h.cveId)!;
          switch (sort) {
            case 'relevance':
              return [0, h.rank!];
            case 'published':
              return [h.datePublished ? 0 : 1, h.datePublished ?? ''];
            case 'updated':
              return [0, h.dateUpdated];
            case 'score':
              return [h.cvssScore === undefined ? 1 : 0, h.cvssScore ?? 0];
            case 'id':
              return [0, f.idKey];
          }
        };
        for (let i = 1; i < paged.hits.length; i++) {
          const [na, a] = key(paged.hits[i - 1]);
          const [nb, b] = key(paged.hits[i]);
          assert.ok(na <= nb, 'records without the value come last');
          if (na === nb && na === 0) assert.ok(sign * cmp(a, b) <= 0, `${paged.hits[i - 1].cveId} before ${paged.hits[i].cveId}`);
          if (na === nb && cmp(a, b) === 0) {
            const ka = byId.get(paged.hits[i - 1].cveId)!.idKey;
            const kb = byId.get(paged.hits[i].cveId)!.idKey;
            assert.notEqual(ka, kb);
          }
        }
      });
    }

    it('a cursor from another query, or a damaged one, is a clear BAD_CURSOR error', async () => {
      const r = await store.search.search({ words: ['sql'], limit: 5 });
      assert.ok(r.nextCursor);
      await assert.rejects(
        store.search.search({ words: ['xss'], limit: 5, cursor: r.nextCursor }),
        (e: unknown) => e instanceof StoreError && e.code === 'BAD_CURSOR' && /different query or sort/.test(e.message),
      );
      await assert.rejects(
        store.search.search({ words: ['sql'], sort: 'published', limit: 5, cursor: r.nextCursor }),
        (e: unknown) => e instanceof StoreError && e.code === 'BAD_CURSOR',
      );
      for (const bad of ['x', 'eyJxIjoxfQ', `${r.nextCursor}AAAA`, "'; DROP TABLE records; --", 'a'.repeat(5000)]) {
        await assert.rejects(store.search.search({ words: ['sql'], limit: 5, cursor: bad }), (e: unknown) => e instanceof StoreError && e.code === 'BAD_CURSOR', bad.slice(0, 20));
      }
      // Same query, another page size: the cursor still works.
      const next = await store.search.search({ words: ['sql'], limit: 50, cursor: r.nextCursor });
      assert.ok(next.items.length > 0);
    });

    it('out-of-range values are BAD_QUERY errors, not SQL errors', async () => {
      const bad: Partial<SearchQuery>[] = [
        { limit: 0 },
        { limit: 2001 },
        { limit: 5, scoreMin: 11 },
        { limit: 5, scoreMin: 9, scoreMax: 2 },
        { limit: 5, published: { from: '2024-13-01' } },
        { limit: 5, years: { from: 2024, to: 2020 } },
        { limit: 5, sort: 'nope' as SearchSort },
        { limit: 5, facets: ['nope' as FacetName] },
        { limit: 5, cvssVersion: '9.9' as '3.1' },
        { limit: 5, words: Array.from({ length: 100 }, (_, i) => `w${i}`) },
      ];
      for (const q of bad) {
        await assert.rejects(store.search.search(q as SearchQuery), (e: unknown) => e instanceof StoreError && e.code === 'BAD_QUERY', JSON.stringify(q).slice(0, 60));
      }
    });

    // --- totals and facets ------------------------------------------------------------------

    it('facets count the whole result and the single-valued ones add up to the total', async () => {
      const all5: FacetName[] = ['state', 'year', 'kev', 'hasFix', 'severity', 'assigner'];
      for (const q of [{}, { words: ['remote'] }, { vendors: ['microsoft'] }, { cveIds: ['CVE-2024-4810'], words: ['linux'] }] as Omit<SearchQuery, 'limit'>[]) {
        const r = await store.search.search({ ...q, limit: 1, facets: [...all5, 'vendor', 'product', 'cwe', 'cvssVersion'], facetLimit: 10_000, exactFacets: true });
        assert.equal(r.facetSample, undefined, 'exact counts are not marked as a sample');
        assert.ok(r.total! > 0);
        for (const f of all5) {
          const sum = r.facets![f]!.reduce((s, x) => s + x.count, 0);
          assert.equal(sum, r.total, `${f} adds up for ${JSON.stringify(q)}`);
        }
        for (const f of ['vendor', 'product', 'cwe', 'cvssVersion'] as const) {
          for (const x of r.facets![f]!) assert.ok(x.count <= r.total!);
        }
      }
      const r = await store.search.search({ limit: 1, facets: ['vendor', 'cwe', 'year', 'severity'], exactFacets: true });
      const topVendor = r.facets!.vendor![0];
      assert.equal((await store.search.search({ vendors: [topVendor.value], limit: 1 })).total, topVendor.count);
      const topCwe = r.facets!.cwe![0];
      assert.equal(topCwe.count, facts.filter((f) => f.cwes.has(topCwe.value)).length);
      const y = r.facets!.year!.find((x) => x.value === '2024')!;
      assert.equal(y.count, facts.filter((f) => f.year === 2024).length);
      assert.ok(r.facets!.vendor!.length <= 50, 'open-ended facets are cut at facetLimit (default 50)');
      const v31 = await store.search.search({ limit: 1, cvssVersion: '3.1', facets: ['severity'] });
      assert.ok(v31.facets!.severity!.every((x) => ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].includes(x.value)));
    });

    it('past 1,000 hits the facets are estimates from a uniform sample, scaled to the total and marked; up to it they are exact', async () => {
      const facets: FacetName[] = ['state', 'year', 'kev', 'severity', 'vendor', 'cwe'];
      const big = await store.search.search({ limit: 5, facets, facetLimit: 10_000 });
      const exact = await store.search.search({ limit: 5, facets, facetLimit: 10_000, exactFacets: true });
      assert.equal(big.total, 3000);
      assert.deepEqual(big.items, exact.items);
      assert.equal(big.facetSample?.of, 3000);
      assert.ok(big.facetSample!.size > 700 && big.facetSample!.size < 1300, `about 1,000 hits sampled: ${big.facetSample!.size}`);
      for (const f of ['state', 'year', 'kev', 'severity'] as const) {
        const sum = big.facets![f]!.reduce((s, x) => s + x.count, 0);
        assert.ok(Math.abs(sum - 3000) <= big.facets![f]!.length, `${f}: the scaled counts add up to the total, up to rounding (${sum})`);
      }
      // Estimates close to the exact counts for the large values (the sample is a fixed hash: no flakiness).
      for (const f of ['year', 'kev', 'vendor', 'cwe'] as const) {
        for (const e of exact.facets![f]!.filter((x) => x.count >= 300)) {
          const est = big.facets![f]!.find((x) => x.value === e.value)?.count ?? 0;
          assert.ok(Math.abs(est - e.count) <= 0.25 * e.count, `${f}=${e.value}: estimate ${est}, exact ${e.count}`);
        }
      }
      // A result of at most 1,000 hits: exact, unmarked.
      const small = await store.search.search({ words: ['remote'], limit: 5, facets, facetLimit: 10_000 });
      assert.ok(small.total! > 0 && small.total! <= 1000, `remote: ${small.total} hits`);
      assert.equal(small.facetSample, undefined);
      assert.deepEqual(small.facets, (await store.search.search({ words: ['remote'], limit: 5, facets, facetLimit: 10_000, exactFacets: true })).facets);
    });

    it('the total comes with the first page whether or not facets are counted, and later pages keep it', async () => {
      for (const q of [{ words: ['remote'] }, { words: ['buffer'], vendors: ['microsoft'] }, { words: ['linux'], sort: 'published' as const }, { states: ['PUBLISHED' as const] }]) {
        const counted = await store.search.search({ ...q, limit: 7, facets: ['state'], exactFacets: true });
        const plain = await store.search.search({ ...q, limit: 7 });
        assert.equal(plain.total, counted.total, JSON.stringify(q));
        assert.equal(plain.total, counted.facets!.state!.reduce((s, x) => s + x.count, 0));
        if (plain.nextCursor) assert.equal((await store.search.search({ ...q, limit: 7, cursor: plain.nextCursor })).total, plain.total);
      }
    });

    it('the derived-table filters (vendor, product, CWE, CVSS metric) and KEV with text: exactly the text hits that pass them', async () => {
      const text = (await all(store, { words: ['remote'], sort: 'id' })).hits.map((h) => byId.get(h.cveId)!);
      assert.ok(text.length > 50);
      const cases: [Omit<SearchQuery, 'limit'>, (f: Fact) => boolean][] = [
        [{ vendors: ['Microsoft'] }, (f) => f.vendors.has('microsoft')],
        [{ products: ['Windows 10 Version 1809'] }, (f) => f.products.has('windows 10 version 1809')],
        [{ cwes: ['CWE-79', '89'] }, (f) => f.cwes.has('CWE-79') || f.cwes.has('CWE-89')],
        [{ cvssVersions: ['3.0', '3.1'], severities: ['HIGH', 'CRITICAL'] }, (f) => f.metrics.some((m) => ['3.0', '3.1'].includes(m.version) && ['HIGH', 'CRITICAL'].includes(m.severity))],
        // KEV with text: SQLite probes the set of KEV keys, in both directions.
        [{ kev: true }, (f) => f.kev],
        [{ kev: false }, (f) => !f.kev],
      ];
      for (const [q, pred] of cases) {
        const want = text.filter(pred).map((f) => f.cveId).sort();
        assert.ok(want.length > 0, JSON.stringify(q));
        for (const sort of ['relevance', 'id'] as const) {
          const { hits, total } = await all(store, { words: ['remote'], ...q, sort }, 7);
          assert.equal(total, want.length, `${JSON.stringify(q)} ${sort}`);
          assert.deepEqual(ids(hits), want);
        }
      }
    });

    it('a query of English stop words only gives results on both backends (PostgreSQL leaves them out and says so)', async () => {
      const r = await store.search.search({ words: ['the'], limit: 5 });
      assert.ok(r.total! > 100, `the: ${r.total}`);
      assert.equal(r.items.length, 5);
      const mixed = await store.search.search({ words: ['the', 'overflow'], limit: 5, sort: 'id' });
      const plain = await store.search.search({ words: ['overflow'], limit: 5, sort: 'id' });
      if (backend === 'postgres') {
        assert.deepEqual(r.ignoredTerms, ['the']);
        assert.equal(r.total, facts.length, 'no text condition left: every record');
        assert.deepEqual(mixed.ignoredTerms, ['the']);
        assert.equal(mixed.total, plain.total);
        assert.deepEqual(mixed.items, plain.items);
        const phrase = await store.search.search({ phrases: ['to be or not to be'], limit: 3 });
        assert.ok(phrase.total! > 0);
        assert.equal(plain.ignoredTerms, undefined);
      } else {
        assert.equal(r.ignoredTerms, undefined, 'SQLite indexes every word');
        assert.ok(r.total! < facts.length);
        assert.ok(mixed.total! > 0 && mixed.total! <= plain.total!);
      }
    });

    it('noTotal leaves the total out', async () => {
      const r = await store.search.search({ words: ['sql'], limit: 3, noTotal: true });
      assert.equal(r.total, undefined);
      assert.equal(r.items.length, 3);
    });

    // --- hostile input ----------------------------------------------------------------------

    it('hostile queries give results or a clear error, never an SQL error', async () => {
      const texts = [
        `'; DROP TABLE records; --`,
        `" OR 1=1 --`,
        'NEAR(a b)',
        'NEAR(',
        '"',
        '""',
        '*',
        '-',
        '- -- ---',
        'a AND OR NOT b',
        '^title',
        'title:foo',
        '{title description}: x',
        '(((((',
        '\\',
        '%_%',
        '$1 $2 ?1 ?',
        'AND',
        'e\u0301te\u0301 \u202eevil \u0000 \ud83d\ude00 ｌｏｇ４ｊ',
        'x'.repeat(300),
        'word '.repeat(2000),
        'a'.repeat(10_000),
        '-"unterminated',
        'vendor:"',
        'published:>=2024-02-30',
        'score:>=abc',
        '2021-44228 CAN-1999-0067 cve–2021–44228',
        'log4*',
        'CVE-2021-01234',
      ];
      for (const text of texts) {
        let q: ReturnType<typeof parseQuery>;
        try {
          q = parseQuery(text);
        } catch (e) {
          assert.ok(e instanceof QuerySyntaxError, `${text.slice(0, 30)}: ${(e as Error).message}`);
          assert.ok(e.column >= 1);
          continue;
        }
        try {
          const r = await store.search.search({ ...q, limit: 10, facets: ['state', 'vendor'] });
          assert.ok(Array.isArray(r.items));
        } catch (e) {
          assert.ok(e instanceof StoreError && e.code === 'BAD_QUERY', `${text.slice(0, 30)}: ${(e as Error).message}`);
          assert.doesNotMatch(e.message, /syntax error|SQLITE|fts5|tsquery|near "/i);
        }
      }
      // The same strings straight into every text field of the store's query.
      for (const text of texts) {
        try {
          const r = await store.search.search({ words: [text], phrases: [text], excluded: ['zzzz' + text], limit: 5 });
          assert.ok(Array.isArray(r.items));
        } catch (e) {
          assert.ok(e instanceof StoreError && e.code === 'BAD_QUERY' && /at most/.test(e.message), `${text.slice(0, 30)}: ${(e as Error).message}`);
        }
        const v = text.slice(0, 200) || 'x';
        const r = await store.search.search({ vendors: [v], products: [v], assigners: [v], cwes: ['NVD-CWE-noinfo'], limit: 5 });
        assert.equal(r.total, 0);
      }
      assert.equal((await store.counts()).total, 3000, 'nothing was dropped');
    });

    it('text with filters: page, total and facets come together, exact against the sample, on every cursor page', async () => {
      const facets: FacetName[] = ['state', 'year', 'assigner', 'vendor', 'product', 'cwe', 'severity', 'cvssVersion', 'kev', 'hasFix'];
      const text = (await all(store, { words: ['remote'], sort: 'id' })).hits.map((h) => byId.get(h.cveId)!);
      const cases: [Omit<SearchQuery, 'limit'>, (f: Fact) => boolean][] = [
        [{ words: ['remote'], kev: false }, (f) => !f.kev],
        [{ words: ['remote'], cwes: ['CWE-79', '89'] }, (f) => f.cwes.has('CWE-79') || f.cwes.has('CWE-89')],
        [{ words: ['remote'], vendors: ['Microsoft'] }, (f) => f.vendors.has('microsoft')],
        [{ words: ['remote'], states: ['PUBLISHED'], hasFix: false, sort: 'published' }, (f) => f.state === 'PUBLISHED' && !f.hasFix],
        [{ words: ['remote'], years: { from: 2020, to: 2023 }, sort: 'score', order: 'asc' }, (f) => f.year >= 2020 && f.year <= 2023],
        [{ words: ['remote'] }, () => true],
      ];
      const counts = (hits: readonly Fact[], values: (f: Fact) => readonly (string | null)[]): Map<string, number> => {
        const m = new Map<string, number>();
        for (const h of hits) for (const v of new Set(values(h))) if (v !== null) m.set(v, (m.get(v) ?? 0) + 1);
        return m;
      };
      for (const [q, pred] of cases) {
        const want = text.filter(pred);
        assert.ok(want.length > 7, `${JSON.stringify(q)}: ${want.length} hits`);
        const plain = await all(store, q, 7);
        let cursor: string | undefined;
        const seen: string[] = [];
        let first: SearchResult | undefined;
        for (;;) {
          const r = await store.search.search({ ...q, limit: 7, facets, facetLimit: 10_000, exactFacets: true, ...(cursor ? { cursor } : {}) });
          first ??= r;
          assert.equal(r.total, want.length, `${JSON.stringify(q)}: the total on every page`);
          assert.deepEqual(r.facets, first.facets, `${JSON.stringify(q)}: the same facets on every page`);
          seen.push(...r.items.map((h) => h.cveId));
          if (!r.nextCursor) break;
          cursor = r.nextCursor;
        }
        assert.deepEqual(seen, plain.hits.map((h) => h.cveId), `${JSON.stringify(q)}: the same pages with facets as without`);
        assert.deepEqual([...seen].sort(), want.map((f) => f.cveId).sort());
        const got = (f: FacetName): Map<string, number> => new Map(first!.facets![f]!.map((x) => [f === 'vendor' || f === 'product' ? x.value.toLowerCase() : x.value, x.count]));
        assert.deepEqual(got('state'), counts(want, (f) => [f.state]));
        assert.deepEqual(got('year'), counts(want, (f) => [String(f.year)]));
        assert.deepEqual(got('kev'), counts(want, (f) => [String(f.kev)]));
        assert.deepEqual(got('hasFix'), counts(want, (f) => [String(f.hasFix)]));
        assert.deepEqual(got('cwe'), counts(want, (f) => [...f.cwes]));
        const notNa = (v: string): boolean => v !== 'n/a' && v !== '';
        assert.deepEqual(got('vendor'), counts(want, (f) => [...f.vendors].filter(notNa)));
        assert.deepEqual(got('product'), counts(want, (f) => [...f.products].filter(notNa)));
        // Vendor or product asked alone (no shared read of the affected rows): the same counts.
        const alone = await store.search.search({ ...q, limit: 7, facets: ['product'], facetLimit: 10_000, exactFacets: true });
        assert.deepEqual(alone.facets!.product, first.facets!.product);
        assert.equal(alone.total, want.length);
        // Without the total, facets still come, and no total.
        const noTotal = await store.search.search({ ...q, limit: 7, facets: ['kev'], noTotal: true, exactFacets: true });
        assert.equal(noTotal.total, undefined);
        assert.deepEqual(noTotal.facets!.kev, first.facets!.kev);
      }
    });

    it('a query nothing matches answers total 0 and every asked facet empty, the same on both stores', async () => {
      const facets: FacetName[] = ['state', 'year', 'vendor', 'cwe', 'severity'];
      const none = await store.search.search({ words: ['zzqxwv'], vendors: ['microsoft'], limit: 5, facets });
      assert.deepEqual(none.items, []);
      assert.equal(none.total, 0);
      assert.deepEqual(none.facets, { state: [], year: [], vendor: [], cwe: [], severity: [] });
      assert.equal(none.facetSample, undefined);
      // Facets without the total: still no total in the answer.
      const noTotal = await store.search.search({ words: ['zzqxwv'], limit: 5, facets: ['state'], noTotal: true });
      assert.deepEqual(noTotal.facets, { state: [] });
      assert.equal(noTotal.total, undefined);
      // A matching query still counts.
      const some = await store.search.search({ words: ['overflow'], limit: 1, facets: ['state'] });
      assert.ok((some.total ?? 0) > 1 && (some.facets?.state?.length ?? 0) > 0);
    });

    // --- stats, changes, export ------------------------------------------------------------------

    it('stats add up', async () => {
      const s = await store.search.stats();
      assert.equal(s.byYear.reduce((n, x) => n + x.count, 0), 3000);
      assert.equal(s.byState.reduce((n, x) => n + x.count, 0), 3000);
      assert.equal(s.bySeverity.reduce((n, x) => n + x.count, 0), facts.filter((f) => f.severity !== null).length);
      assert.equal(s.bySeverity[0].value, 'CRITICAL');
      const c79 = s.topCwes.find((c) => c.value === 'CWE-79')!;
      assert.equal(c79.count, facts.filter((f) => f.cwes.has('CWE-79')).length);
      assert.match(c79.name ?? '', /Cross-site Scripting/i);
      assert.ok(s.topVendors.length > 0 && s.topVendors.length <= 20);
      assert.equal(s.topVendors[0].count, (await store.search.search({ vendors: [s.topVendors[0].value], limit: 1 })).total);
      const kevCount = (JSON.parse(readFileSync(join(SAMPLE_DIR, 'kev.json'), 'utf8')) as { vulnerabilities: unknown[] }).vulnerabilities.length;
      assert.equal(s.kevByMonth.reduce((n, x) => n + x.count, 0), kevCount);
      assert.ok(s.kevByMonth.every((x) => /^\d{4}-\d{2}$/.test(x.value)));
    });

    it('changes: new, updated and rejected, newest first, with since and filters', async () => {
      const upd = await store.search.changes({ kind: 'updated', limit: 50 });
      assert.equal(upd.length, 50);
      for (let i = 1; i < upd.length; i++) assert.ok(upd[i - 1].dateUpdated >= upd[i].dateUpdated);
      assert.equal(upd[0].dateUpdated, facts.map((f) => f.updated).sort().at(-1));
      const rej = await store.search.changes({ kind: 'rejected', limit: 2000 });
      assert.equal(rej.length, facts.filter((f) => f.state === 'REJECTED' && f.rejected).length);
      assert.ok(rej.every((h) => h.state === 'REJECTED'));
      const since = '2025-01-01';
      const fresh = await store.search.changes({ kind: 'new', since, limit: 2000 });
      assert.deepEqual(ids(fresh), expectIds(facts, (f) => (f.published ?? '') >= since));
      const ms = await store.search.changes({ kind: 'new', limit: 2000, filter: { vendors: ['microsoft'], kev: true } });
      assert.deepEqual(ids(ms), expectIds(facts, (f) => f.published !== null && f.vendors.has('microsoft') && f.kev));
    });

    it('exportCurrent streams every record in CVE-name order, in batches', async () => {
      const seen: string[] = [];
      let prevKey = -1;
      for await (const x of store.search.exportCurrent(undefined, { batchSize: 333 })) {
        const k = byId.get(x.cveId)!.idKey;
        assert.ok(k > prevKey, 'CVE-name order');
        prevKey = k;
        assert.equal((JSON.parse(x.json) as { cveMetadata: { cveId: string } }).cveMetadata.cveId, x.cveId);
        seen.push(x.cveId);
      }
      assert.equal(seen.length, 3000);
      const rejected: string[] = [];
      for await (const x of store.search.exportCurrent({ states: ['REJECTED'], words: ['duplicate'] })) rejected.push(x.cveId);
      assert.deepEqual(rejected.sort(), ids((await all(store, { states: ['REJECTED'], words: ['duplicate'] })).hits));
    });

    // --- resolve over the sample (X1520-7.7, 7.8) ---------------------------------------------------

    it('X1520-7.7 X1520-7.8: a rejected name resolves with its replacements', async () => {
      const rejected = facts.find((f) => f.state === 'REJECTED' && f.replacements.length > 0)!;
      const r = await resolveName(store, rejected.cveId.toLowerCase());
      assert.ok(r.found);
      assert.equal(r.state, 'REJECTED');
      assert.deepEqual([...r.replacedBy].sort(), [...new Set(rejected.replacements)].sort());
      assert.equal(r.url, `/cve/${rejected.cveId}`);
      const bulk = await resolveMany(store, facts.map((f) => f.cveId.slice(4)));
      assert.equal(bulk.found, 3000);
      const withRepl = facts.filter((f) => f.replacements.length > 0).length;
      assert.equal(bulk.items.filter((i) => i.found && i.replacedBy.length > 0).length, withRepl);
    });
  });
}

describe('hasFix is kept current by writeBatch', () => {
  for (const backend of testBackends()) {
    it(`${backend}: a new version with a patch reference turns has:fix on, and off again`, async () => {
      const t = await openTestStore(backend);
      try {
        const record = (date: string, tags: string[], versions: { version: string; status: string }[]) => ({
          dataType: 'CVE_RECORD',
          dataVersion: '5.1',
          cveMetadata: { cveId: 'CVE-2024-0001', assignerOrgId: '00000000-0000-4000-8000-000000000001', assignerShortName: 'acme', state: 'PUBLISHED', datePublished: '2024-01-01T00:00:00.000Z', dateUpdated: date },
          containers: {
            cna: {
              providerMetadata: { orgId: '00000000-0000-4000-8000-000000000001', shortName: 'acme', dateUpdated: date },
              title: 'Flaw in widget',
              descriptions: [{ lang: 'en', value: 'A flaw in widget.' }],
              affected: [{ vendor: 'Acme', product: 'widget', versions }],
              references: [{ url: 'https://example.com/a', tags }],
            },
          },
        });
        const fixed = async (): Promise<boolean> => (await t.store.search.search({ hasFix: true, limit: 5 })).items.some((h) => h.cveId === 'CVE-2024-0001');
        await t.store.writeBatch([recordWrite(JSON.stringify(record('2024-01-01T00:00:00.000Z', [], [{ version: '1.0', status: 'affected' }])))]);
        assert.equal(await fixed(), false);
        await t.store.writeBatch([recordWrite(JSON.stringify(record('2024-02-01T00:00:00.000Z', ['patch'], [{ version: '1.0', status: 'affected' }])))]);
        assert.equal(await fixed(), true);
        await t.store.writeBatch([recordWrite(JSON.stringify(record('2024-03-01T00:00:00.000Z', ['x_refsource_MISC'], [{ version: '1.0', status: 'affected' }])))]);
        assert.equal(await fixed(), false);
        await t.store.writeBatch([recordWrite(JSON.stringify(record('2024-04-01T00:00:00.000Z', [], [{ version: '1.0', status: 'affected' }, { version: '1.1', status: 'unaffected' }])))]);
        assert.equal(await fixed(), true);
      } finally {
        await t.cleanup();
      }
    });
  }
});
