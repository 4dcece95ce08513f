/**
 * `checkStore` (`cvekit db check`) on both stores: the bundled sample is consistent; then each
 * kind of damage, made with raw SQL behind the store's back, is found and named with its
 * record, and the command exits 1 with the same messages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../test/support/cli.ts';
import { openTestStore, rawQuery, recordWrite, testBackends, type TestStore } from '../../test/support/stores.ts';
import { hostileRecord, hostileRejected } from '../formats/testing.ts';
import { loadSample } from '../ingest/index.ts';
import { checkStore } from './check.ts';

for (const backend of testBackends()) {
  describe(`${backend}: db check`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
      await loadSample(t.store);
    });
    after(() => t.cleanup());
    const sql = (text: string, params: unknown[] = []) => rawQuery(backend, t.db, text, params, { write: true });
    const first = async (text: string): Promise<string> => String((await sql(text))[0].cve_id);

    it('the sample as imported is consistent: every version, the current ones, their columns and index rows', async () => {
      const seen: number[] = [];
      const report = await checkStore(t.store, { onProgress: (done) => seen.push(done) });
      assert.deepEqual(report, { ok: true, records: 3000, versions: (await t.store.counts()).versions, counts: {}, problems: [] });
      assert.equal(seen.at(-1), 3000);
      const cli = await runCli(['db', 'check', '--db', t.db]);
      assert.equal(cli.code, 0, cli.err);
      assert.equal(cli.out, `Checked 3,000 records and ${report.versions.toLocaleString('en')} versions: consistent.\n`);
    });

    it('records full of NUL, controls, a lone surrogate, bidi overrides and 50 KB fields are consistent as stored', async () => {
      await t.store.writeBatch([recordWrite(hostileRecord().record, { source: 'test' }), recordWrite(hostileRejected().record, { source: 'test' })]);
      const report = await checkStore(t.store);
      assert.ok(report.ok, JSON.stringify(report.problems));
      assert.equal(report.records, 3002);
    });

    it('finds a changed version, a lost index row, a changed column, a missing current version and orphan rows, each with its record', async () => {
      const hashed = await first("SELECT cve_id FROM record_versions WHERE json LIKE '%\"lang\"%' ORDER BY cve_id LIMIT 1");
      await sql(`UPDATE record_versions SET json = replace(json, '"lang"', '"lang" ') WHERE cve_id = $1 AND version = 1`, [hashed]);
      const lost = await first('SELECT cve_id FROM record_affected WHERE ord = 1 ORDER BY cve_id LIMIT 1');
      await sql('DELETE FROM record_affected WHERE cve_id = $1 AND ord = 0', [lost]);
      const titled = await first("SELECT cve_id FROM records WHERE title IS NOT NULL AND cve_id > 'CVE-2024' ORDER BY cve_id LIMIT 1");
      await sql("UPDATE records SET title = 'tampered' WHERE cve_id = $1", [titled]);
      const moved = await first("SELECT cve_id FROM records WHERE last_version = 1 AND cve_id > 'CVE-2023' ORDER BY cve_id LIMIT 1");
      await sql('UPDATE records SET version = 7 WHERE cve_id = $1', [moved]);
      await sql(backend === 'sqlite' ? "INSERT INTO record_cwes (cve_id, cwe_id, id_key) VALUES ('CVE-1999-9999', 'CWE-79', 19999999999)" : "INSERT INTO record_cwes (cve_id, cwe_id) VALUES ('CVE-1999-9999', 'CWE-79')");

      const report = await checkStore(t.store);
      assert.equal(report.ok, false);
      assert.deepEqual(report.counts, { hash: 1, 'index-rows': 1, columns: 1, current: 1, orphans: 1 });
      const byKind = (kind: string) => report.problems.filter((p) => p.kind === kind).map((p) => p.message);
      assert.match(byKind('hash')[0], new RegExp(`^${hashed} version 1: its JSON no longer hashes to its hash [0-9a-f]{12}…$`));
      assert.equal(byKind('index-rows')[0].replace(/\d+ row\(s\) that differ from the \d+/, 'N'), `${lost}: record_affected holds N its current version gives`);
      assert.equal(byKind('columns')[0], `${titled}: title differ from what its current version gives`);
      assert.equal(byKind('current')[0], `${moved}: its current version 7 is not stored`);
      assert.equal(byKind('orphans')[0], 'record_cwes: 1 row(s) of CVE names with no record');

      const cli = await runCli(['db', 'check', '--db', t.db]);
      assert.equal(cli.code, 1);
      assert.match(cli.out, /^Checked 3,002 records and [\d,]+ versions: problems found\.\n(\d \S+(, |\n)){5}/);
      for (const id of [hashed, lost, titled, moved]) assert.ok(cli.out.includes(`  ${id}`), `${id} in\n${cli.out}`);
      assert.match(cli.out, /\nColumns and index rows can be computed again from the records' JSON: cvekit db copy --to NEW --rederive, then use NEW\.\n/);
      assert.match(cli.out, /\nVersions that differ from what was stored cannot be derived again: restore the store from a backup\.\n$/);
      const json = JSON.parse((await runCli(['db', 'check', '--json', '--db', t.db])).out) as { ok: boolean; problems: { cveId?: string }[] };
      assert.equal(json.ok, false);
      assert.deepEqual(json.problems.map((p) => p.cveId).filter(Boolean).sort(), [hashed, lost, titled, moved].sort());
      damaged = { hashed, lost, titled, moved };
    });

    let damaged: { hashed: string; lost: string; titled: string; moved: string };

    it('db copy --rederive computes columns and index rows from the JSON again; a plain copy keeps the damage as it is', async () => {
      // A missing current version cannot be derived again: the copy refuses, naming it.
      const refused = await openTestStore(backend);
      try {
        const r = await runCli(['db', 'copy', '--rederive', '--db', t.db, '--to', refused.db]);
        assert.equal(r.code, 1);
        assert.match(r.err, new RegExp(`cannot derive ${damaged.moved} again: its current version 7 is not stored`));
        assert.equal((await refused.store.counts()).total, 0, 'nothing of the refused copy stayed');
      } finally {
        await refused.cleanup();
      }
      await sql('UPDATE records SET version = 1 WHERE cve_id = $1', [damaged.moved]);
      for (const rederive of [false, true]) {
        const target = await openTestStore(backend);
        try {
          const r = await runCli(['db', 'copy', ...(rederive ? ['--rederive'] : []), '--db', t.db, '--to', target.db]);
          assert.equal(r.code, 0, r.err);
          assert.equal(r.out.includes('computed from their JSON (--rederive)'), rederive);
          const report = await checkStore(target.store);
          if (rederive) {
            // The orphan row is gone with the rows derived again; the changed JSON stays what it is.
            assert.deepEqual(report.counts, { hash: 1 }, JSON.stringify(report.problems));
            assert.equal((await checkStore(t.store)).counts['index-rows'], 1, 'the source is untouched');
          } else {
            assert.deepEqual(report.counts, { hash: 1, 'index-rows': 1, columns: 1, orphans: 1 }, JSON.stringify(report.problems));
          }
        } finally {
          await target.cleanup();
        }
      }
    });
  });
}
