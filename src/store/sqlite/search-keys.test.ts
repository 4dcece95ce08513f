/**
 * SQLite search internals that must not change an answer:
 *
 * - migration 103: `record_cwes.id_key`, which a text search's CWE filter probes with the
 *   full-text rowid, filled for a store made before it;
 * - migration 105: the severity index carries has_fix and id_key, so `severity:… has:fix`
 *   finds its hits in the index alone;
 * - the read worker: the total and facets of a text search counted on a second connection
 *   in a worker thread while the page is ranked, and, when that worker cannot run, on the
 *   caller's thread.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../index.ts';
import { idKey } from '../rows.ts';
import { FACETS } from '../search-types.ts';
import type { SearchQuery } from '../search-types.ts';
import type { Store } from '../types.ts';
import { SqliteSearch } from './search.ts';
import { realRecordLines, recordWrite } from '../../../test/support/stores.ts';

const dir = mkdtempSync(join(tmpdir(), 'cvekit-search-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const QUERIES: SearchQuery[] = [
  { words: ['remote'], limit: 10, facets: FACETS },
  { words: ['remote'], limit: 10, facets: FACETS, sort: 'published' },
  { phrases: ['cross site scripting'], limit: 5, facets: ['cwe', 'vendor', 'product'] },
  { words: ['overflow'], limit: 5, facets: FACETS, cwes: ['CWE-787'] },
  { words: ['scripting'], limit: 5, cwes: ['CWE-79', 'CWE-80'] },
  { words: ['zzznotaword'], limit: 5, facets: FACETS },
];

async function loaded(name: string): Promise<{ store: Store; path: string }> {
  const path = join(dir, name);
  const store = await openStore(`sqlite:${path}`);
  await store.migrate();
  const lines = realRecordLines();
  for (let i = 0; i < lines.length; i += 500) await store.writeBatch(lines.slice(i, i + 500).map((l) => recordWrite(l)));
  return { store, path };
}

describe('sqlite: search keys and the read worker', () => {
  let store: Store;
  let path: string;
  before(async () => {
    ({ store, path } = await loaded('s.db'));
  });
  after(() => store.close());

  test('X1520-6.9: every record_cwes row carries the id_key of its record', async () => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const bad = db.prepare('SELECT count(*) AS n FROM record_cwes w JOIN records r ON r.cve_id = w.cve_id WHERE w.id_key <> r.id_key').get();
      const all = db.prepare('SELECT count(*) AS n FROM record_cwes').get();
      assert.equal(Number(bad?.n), 0);
      assert.ok(Number(all?.n) > 1000, 'the sample has CWE rows');
    } finally {
      db.close();
    }
  });

  test('X1520-6.9: migration 103 fills id_key on a store made before it; CWE-filtered text searches answer as before', async () => {
    const old = await loaded('old.db');
    const answers = async (s: Store) => Promise.all(QUERIES.map((q) => s.search.search(q)));
    const expected = await answers(old.store);
    await old.store.close();
    // Back to the schema before 103: record_cwes without id_key, the narrower covering index.
    const db = new DatabaseSync(old.path);
    db.exec(`BEGIN;
      CREATE TABLE record_cwes_old (cve_id TEXT NOT NULL, cwe_id TEXT NOT NULL, PRIMARY KEY (cve_id, cwe_id)) WITHOUT ROWID;
      INSERT INTO record_cwes_old SELECT cve_id, cwe_id FROM record_cwes;
      DROP TABLE record_cwes;
      ALTER TABLE record_cwes_old RENAME TO record_cwes;
      CREATE INDEX record_cwes_cwe_idx ON record_cwes (cwe_id);
      DROP INDEX records_search_keys_idx;
      CREATE INDEX records_search_keys_idx ON records (id_key, state, kev, has_fix, cvss_severity, cvss_score, date_published, date_updated);
      DELETE FROM schema_migrations WHERE version = 103;
      COMMIT;`);
    db.close();
    const reopened = await openStore(`sqlite:${old.path}`);
    try {
      assert.deepEqual(await answers(reopened), expected, 'the same answers without the key index');
      assert.deepEqual((await reopened.migrate()).applied, ['103-search-facet-keys']);
      const check = new DatabaseSync(old.path, { readOnly: true });
      const rows = check.prepare('SELECT cve_id, id_key FROM record_cwes').all();
      check.close();
      assert.ok(rows.length > 1000);
      for (const r of rows) assert.equal(Number(r.id_key), idKey(String(r.cve_id)), String(r.cve_id));
      assert.deepEqual(await answers(reopened), expected, 'the same answers with it');
    } finally {
      await reopened.close();
    }
  });

  test('X1520-6.9: migration 105: a severity filter with has:fix is answered from the severity index alone, with the same answers', async () => {
    const old = await loaded('sev.db');
    const queries: SearchQuery[] = [
      { severities: ['HIGH'], hasFix: true, limit: 10, facets: FACETS },
      { severities: ['HIGH', 'CRITICAL'], hasFix: false, limit: 10, facets: FACETS, sort: 'published' },
      { severities: ['CRITICAL'], scoreMin: 9.5, limit: 10, facets: FACETS },
      { severities: ['MEDIUM'], limit: 10, facets: FACETS, sort: 'score' },
    ];
    const answers = async (s: Store) => Promise.all(queries.map((q) => s.search.search(q)));
    const expected = await answers(old.store);
    assert.ok(expected[0].total! > 100, `the sample has HIGH records with a fix (${expected[0].total})`);
    await old.store.close();
    const KEYS = "SELECT r.id_key FROM records r WHERE r.cvss_severity IN ('HIGH') AND r.has_fix = 1";
    const plan = (db: DatabaseSync): string => db.prepare(`EXPLAIN QUERY PLAN ${KEYS}`).all().map((r) => String(r.detail)).join(' | ');
    const db = new DatabaseSync(old.path);
    assert.match(plan(db), /USING COVERING INDEX records_severity_idx \(cvss_severity=\?\)/);
    // Back to the index before 105.
    db.exec(`BEGIN;
      DROP INDEX records_severity_idx;
      CREATE INDEX records_severity_idx ON records (cvss_severity, cvss_score);
      DELETE FROM schema_migrations WHERE version = 105;
      COMMIT;`);
    assert.doesNotMatch(plan(db), /COVERING/, 'before 105 each key needs its row');
    db.close();
    const reopened = await openStore(`sqlite:${old.path}`);
    try {
      assert.deepEqual(await answers(reopened), expected, 'the same answers with the old index');
      assert.deepEqual((await reopened.migrate()).applied, ['105-search-severity-keys']);
      assert.deepEqual(await answers(reopened), expected, 'the same answers with the new one');
      const check = new DatabaseSync(old.path, { readOnly: true });
      assert.match(plan(check), /USING COVERING INDEX records_severity_idx/);
      check.close();
    } finally {
      await reopened.close();
    }
  });

  test('X1520-6.9: the total and facets counted on the read worker equal those of one statement, page for page', async () => {
    const db = new DatabaseSync(path, { readOnly: true });
    const inline = new SqliteSearch(db);
    const split = new SqliteSearch(db, { path });
    try {
      for (const q of QUERIES) {
        const want = await inline.search(q);
        // The first faceted search starts the worker and counts inline; the next ones use it.
        for (let i = 0; i < 3; i++) assert.deepEqual(await split.search(q), want, JSON.stringify(q));
        if (want.nextCursor) assert.deepEqual(await split.search({ ...q, cursor: want.nextCursor }), await inline.search({ ...q, cursor: want.nextCursor }));
      }
      assert.ok((await inline.search(QUERIES[0])).total! > 1000, 'facets are sampled for this query');
      assert.ok(split.splitCount >= 8, `counted on the worker ${split.splitCount} times`);
      assert.equal(inline.splitCount, 0);
    } finally {
      await split.close();
      db.close();
    }
  });

  test('a read worker that cannot open the store: the search counts on its own thread and answers the same', async () => {
    const db = new DatabaseSync(path, { readOnly: true });
    const inline = new SqliteSearch(db);
    const broken = new SqliteSearch(db, { path: join(dir, 'missing', 'nothing.db') });
    try {
      for (let i = 0; i < 4; i++) {
        for (const q of QUERIES) assert.deepEqual(await broken.search(q), await inline.search(q));
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(broken.splitCount >= 1, 'the worker was tried, and its failure left the counting to this thread');
    } finally {
      await broken.close();
      db.close();
    }
  });
});
