import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadSample } from '../ingest/index.ts';
import { sharedData } from '../../test/support/paths.ts';
import { openTestStore, testBackends, type TestStore } from '../../test/support/stores.ts';
import { xmllint } from '../../test/support/xmllint.ts';
import { cve5Path } from './export-command.ts';
import { runCli } from '../../test/support/cli.ts';

const run = (args: readonly string[]) => runCli(args);

test('cve5Path follows the cvelistV5 layout', () => {
  assert.equal(cve5Path('CVE-2024-3400'), join('cves', '2024', '3xxx', 'CVE-2024-3400.json'));
  assert.equal(cve5Path('CVE-1999-0006'), join('cves', '1999', '0xxx', 'CVE-1999-0006.json'));
  assert.equal(cve5Path('CVE-2021-44228'), join('cves', '2021', '44xxx', 'CVE-2021-44228.json'));
});

for (const backend of testBackends()) {
  describe(`${backend}: cvekit export`, () => {
    let t: TestStore;
    let dir: string;
    before(async () => {
      t = await openTestStore(backend);
      await loadSample(t.store);
      dir = mkdtempSync(join(tmpdir(), 'cvekit-export-'));
    });
    after(async () => {
      await t.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    test('X1520-B.4.3 X1520-9.1: --format xml --q writes a cve_1.0 document valid against the XSD, the content date first', async () => {
      const out = join(dir, 'kev.xml');
      const r = await run(['export', '--db', t.db, '--format', 'xml', '--q', 'kev:yes', '--out', out]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^exported \d+ records as xml to .*; CVE content as of 2025-01-24/);
      const xml = readFileSync(out, 'utf8');
      const lint = xmllint(xml, { schema: sharedData('mitre-xml', 'cve_1.0.xsd') });
      assert.ok(lint.ok, lint.messages);
      const total = (await t.store.search.search({ kev: true, limit: 1 })).total;
      assert.equal((xml.match(/<item /g) ?? []).length, total);
    });

    test('--format jsonl to stdout: a header line with the content date, then the stored records unchanged', async () => {
      const r = await run(['export', '--db', t.db, '--format', 'jsonl', '--q', 'year:1999']);
      assert.equal(r.code, 0, r.err);
      const lines = r.out.trim().split('\n');
      assert.match(JSON.parse(lines[0]).cvekitExport.contentStatement, /^CVE content as of 2025-01-24/);
      assert.ok(lines.includes((await t.store.getRecord('CVE-1999-0006'))!.json));
      assert.match(r.err, /^exported \d+ records; CVE content as of/m);
    });

    test('--format csv and cve5-dir', async () => {
      const csv = join(dir, 'all.csv');
      const r = await run(['export', '--db', t.db, '--format', 'csv', '--out', csv, '--json']);
      assert.equal(r.code, 0, r.err);
      const summary = JSON.parse(r.out);
      assert.equal(summary.records, (await t.store.counts()).total);
      assert.equal(readFileSync(csv, 'utf8').trim().split('\r\n').length, summary.records + 1);
      const tree = join(dir, 'tree');
      const d = await run(['export', '--db', t.db, '--format', 'cve5-dir', '--out', tree, '--q', 'state:rejected']);
      assert.equal(d.code, 0, d.err);
      const meta = JSON.parse(readFileSync(join(tree, 'cvekit-export.json'), 'utf8'));
      assert.ok(meta.records > 0);
      assert.match(meta.contentStatement, /^CVE content as of/);
      assert.ok(existsSync(join(tree, cve5Path('CVE-2024-4810'))));
    });

    test('usage errors: unknown format, cve5-dir without --out, a query that cannot be parsed', async () => {
      assert.equal((await run(['export', '--db', t.db, '--format', 'pdf'])).code, 2);
      assert.equal((await run(['export', '--db', t.db, '--format', 'cve5-dir'])).code, 2);
      const bad = await run(['export', '--db', t.db, '--format', 'csv', '--q', '"open']);
      assert.equal(bad.code, 2);
      assert.match(bad.err, /--q: unterminated quote/);
    });
  });
}
