/**
 * `cvekit show` and `cvekit history` on each backend, over the bundled real sample (3,000
 * records, the rejected ones with their replacements, older versions, KEV and CWE), and
 * new versions of real records imported with `cvekit import`.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { diffRecords, type CveRecordJson } from '../cve/index.ts';
import { loadSample } from '../ingest/index.ts';
import { runCli } from '../../test/support/cli.ts';
import { openTestStore, testBackends, type TestStore } from '../../test/support/stores.ts';
import { terminalJson } from './record-commands.ts';

const run = (args: readonly string[]) => runCli(args);

/** The sample's content date (its newest `dateUpdated`), as every output states it. */
const CONTENT_LINE = /^CVE content as of 2025-01-24 06:33Z \(source sample\)/m;
/** What a terminal would act on: C0 controls but LF, DEL, C1, bidirectional controls. */
const TERMINAL_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

test('terminalJson escapes what JSON.stringify leaves raw (DEL, C1, bidi) and stays the same JSON', () => {
  const value = { t: 'a\u001b[31m\r\u009b31m\u202e\u007f\u2028z' };
  const text = terminalJson(value);
  assert.doesNotMatch(text, TERMINAL_CONTROLS);
  assert.deepEqual(JSON.parse(text), value);
});

for (const backend of testBackends()) {
  describe(`${backend}: cvekit show and cvekit history`, () => {
    let t: TestStore;
    let dir: string;
    let db: readonly string[];
    const current = async (cveId: string): Promise<CveRecordJson> => JSON.parse((await t.store.getRecord(cveId))!.json) as CveRecordJson;
    /** A new version of a sample record, imported as a user would: `cvekit import FILE --source edits`. */
    const importEdited = async (name: string, record: CveRecordJson): Promise<void> => {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(record));
      const r = await run(['import', file, '--source', 'edits', ...db]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /updated 1/);
    };

    before(async () => {
      t = await openTestStore(backend);
      await loadSample(t.store);
      dir = mkdtempSync(join(tmpdir(), 'cvekit-show-'));
      db = ['--db', t.db];
    });
    after(async () => {
      await t.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    for (const input of ['CVE-2024-3400', 'cve-2024-3400', '2024-3400', 'CAN-2024-3400', 'ＣＶＥ－２０２４－３４００', 'CVE–2024–3400', 'CVE%2D2024%2D3400', ' cve 2024 3400 ']) {
      test(`X1520-10.1 X1520-10.2: ${JSON.stringify(input)} finds CVE-2024-3400`, async () => {
        const r = await run(['show', input, ...db]);
        assert.equal(r.code, 0, r.err);
        assert.equal(r.out.split('\n')[0], 'CVE-2024-3400');
        assert.match(r.out, /^Title: +PAN-OS: Arbitrary File Creation Leads to OS Command Injection Vulnerability in GlobalProtect$/m);
      });
    }

    test('X1520-10.2 X1520-6.10: several names at once, CAN- and 5-digit sequences among them, each under its canonical name', async () => {
      const r = await run(['show', 'can-1999-0006', '2002-20002', 'CVE-2024-3400', '2024-3400', ...db]);
      assert.equal(r.code, 0, r.err);
      const heads = r.out.split('\n').filter((l) => /^CVE-\d{4}-\d+$/.test(l));
      assert.deepEqual(heads, ['CVE-1999-0006', 'CVE-2002-20002', 'CVE-2024-3400'], 'a name given twice is shown once');
    });

    test('show in words: state, title, assigner, dates, CVSS, CWE with its name, KEV, affected products, references, description', async () => {
      const r = await run(['show', 'CVE-2024-3400', ...db]);
      assert.equal(r.code, 0, r.err);
      for (const line of [
        /^State: +PUBLISHED$/m,
        /^Assigner: +palo_alto \(d6c1279f-00f6-4ef7-9217-f89ffe703ec0\)$/m,
        /^Reserved: +2024-04-05T17:40:30\.117Z$/m,
        /^Published: +2024-04-12T07:20:00\.707Z$/m,
        /^CVSS: +3\.1 10\.0 CRITICAL {2}CVSS:3\.1\/AV:N\/AC:L\/PR:N\/UI:N\/S:C\/C:H\/I:H\/A:H {2}\(cna\)$/m,
        /^CWE: +CWE-77 Improper Neutralization of Special Elements used in a Command \('Command Injection'\)$/m,
        /^KEV: +known exploited: added 2024-04-12, due 2024-04-19, ransomware use Known \(CISA KEV catalog\)$/m,
        /^Affected: +Palo Alto Networks PAN-OS: 10\.2\.0 to < 10\.2\.9-h1, 11\.0\.0 to < 11\.0\.4-h1, 11\.1\.0 to < 11\.1\.2-h3$/m,
        /^References: +8: https:\/\/security\.paloaltonetworks\.com\/CVE-2024-3400$/m,
        /^Description \(en\):\n {2}A command injection as a result of arbitrary file creation/m,
      ]) {
        assert.match(r.out, line);
      }
      assert.doesNotMatch(r.out, /Palo Alto Networks Cloud NGFW/, 'a product whose every version is unaffected is not listed as affected');
    });

    test('X1520-9.1 X1520-9.2: every output states the date of the CVE content, and that it is out of date', async () => {
      const text = await run(['show', 'CVE-2024-3400', ...db]);
      assert.match(text.out.trimEnd().split('\n').pop()!, CONTENT_LINE);
      assert.match(text.out, /out of date: older than three months/);
      const json = JSON.parse((await run(['show', 'CVE-2024-3400', '--json', ...db])).out);
      assert.equal(json.contentDate, '2025-01-24T06:33:52.412Z');
      assert.equal(json.contentSource, 'sample');
      assert.equal(json.outOfDate, true);
      assert.match(json.contentStatement, CONTENT_LINE);
      assert.match((await run(['show', 'CVE-2024-3400', '--raw', ...db])).err, CONTENT_LINE);
      assert.match((await run(['history', 'CVE-1999-0006', ...db])).out, CONTENT_LINE);
      assert.match((await run(['history', 'CVE-1999-0006', '--diff', ...db])).out, CONTENT_LINE);
      assert.match(JSON.parse((await run(['history', 'CVE-1999-0006', '--json', ...db])).out).contentStatement, CONTENT_LINE);
      const unknown = await run(['show', 'CVE-2030-11111', ...db]);
      assert.match(unknown.err, /not in this repository; CVE content as of 2025-01-24 06:33Z \(source sample\)/);
    });

    test('X1520-7.7 X1520-7.8: a rejected name says it is rejected and which name to use instead', async () => {
      const replaced = await run(['show', 'cve-2024-4810', ...db]);
      assert.equal(replaced.code, 0, replaced.err);
      assert.match(replaced.out, /^State: +REJECTED: CVE-2024-4810 is rejected; use CVE-2024-36015$/m);
      assert.match(replaced.out, /^Replaced by: +CVE-2024-36015 \(read from replacedBy; not in this store\)$/m);
      assert.match(replaced.out, /^Rejection reason \(en\):$/m);

      const duplicate = await run(['show', '2024-9673', ...db]);
      assert.match(duplicate.out, /^State: +REJECTED: CVE-2024-9673 is rejected; use CVE-2025-22333$/m);
      assert.match(duplicate.out, /^Duplicate of: CVE-2025-22333 \(read from rejectedReasons\)$/m);
      // The replacement, in this store, names the rejected one it replaces.
      const target = await run(['show', 'CVE-2025-22333', ...db]);
      assert.match(target.out, /^Replaces: +CVE-2024-9673 \(rejected; they name CVE-2025-22333 instead\)$/m);

      const json = JSON.parse((await run(['show', '2024-9673', '--json', ...db])).out);
      assert.equal(json.records[0].state, 'REJECTED');
      assert.deepEqual(json.records[0].replacedBy, ['CVE-2025-22333']);
      assert.deepEqual(json.records[0].replacements, [{ kind: 'duplicate-of', target: 'CVE-2025-22333', from: 'rejectedReasons', inStore: true }]);
    });

    test('a well-formed name not in the store: exit 1 naming it; the other names are still shown', async () => {
      const alone = await run(['show', 'cve-2030-11111', ...db]);
      assert.equal(alone.code, 1);
      assert.equal(alone.out, '');
      assert.match(alone.err, /^cvekit show: CVE-2030-11111 is a well-formed CVE name but is not in this repository; /);
      const mixed = await run(['show', '2030-11111', '2024-3400', ...db]);
      assert.equal(mixed.code, 1);
      assert.match(mixed.out, /^CVE-2024-3400$/m);
      assert.match(mixed.err, /CVE-2030-11111 is a well-formed CVE name but is not in this repository/);
      const json = await run(['show', '2030-11111', '2024-3400', '--json', ...db]);
      assert.equal(json.code, 1);
      const doc = JSON.parse(json.out);
      assert.equal(doc.ok, false);
      assert.match(doc.error, /CVE-2030-11111 is a well-formed CVE name but is not in this repository/);
      assert.deepEqual(doc.records.map((x: { cveId: string }) => x.cveId), ['CVE-2024-3400']);
      assert.deepEqual(doc.notFound.map((x: { query: string; cveId: string }) => [x.query, x.cveId]), [['2030-11111', 'CVE-2030-11111']]);
      const history = await run(['history', 'CVE-2030-11111', ...db]);
      assert.equal(history.code, 1);
      assert.match(history.err, /CVE-2030-11111 is a well-formed CVE name but is not in this repository/);
    });

    test('a name that is not a CVE name: exit 2 with the parser\'s reason, before the store is opened', async () => {
      const zero = await run(['show', 'CVE-2020-01234', ...db]);
      assert.equal(zero.code, 2);
      assert.equal(zero.out, '');
      assert.match(zero.err, /"CVE-2020-01234" is not a CVE name: sequence "01234" has a leading zero/);
      const junk = await run(['show', '2024-3400', 'foo', ...db]);
      assert.equal(junk.code, 2);
      assert.equal(junk.out, '', 'nothing shown: the names are checked first');
      assert.match(junk.err, /"foo" is not a CVE name: expected CVE-YYYY-NNNN/);
      const json = await run(['show', 'CVE-98-1234', '--json', ...db]);
      assert.equal(json.code, 2);
      const doc = JSON.parse(json.out);
      assert.equal(doc.ok, false);
      assert.equal(doc.usage, true);
      assert.match(doc.error, /"CVE-98-1234" is not a CVE name: year "98" must have 4 digits/);
      const history = await run(['history', 'CVE-2020-01234', ...db]);
      assert.equal(history.code, 2);
      assert.match(history.err, /sequence "01234" has a leading zero/);
      const nowhere = await run(['show', 'CVE-2020-01234', '--db', `sqlite:${join(dir, 'missing', 'x.db')}`]);
      assert.equal(nowhere.code, 2, 'a bad name is reported even where no store exists');
      assert.equal((await run(['show', ...db])).code, 2, 'no name');
      assert.equal((await run(['show', '2024-3400', '--raw', '--json', ...db])).code, 2, '--raw with --json');
    });

    test('--json: one document with the canonical name, the summary fields, replacements and the content date', async () => {
      const r = await run(['show', 'CAN-2024-3400', '--json', ...db]);
      assert.equal(r.code, 0, r.err);
      const doc = JSON.parse(r.out);
      assert.deepEqual(Object.keys(doc), ['ok', 'contentDate', 'contentSource', 'outOfDate', 'contentStatement', 'generatedAt', 'records', 'notFound']);
      assert.equal(doc.ok, true);
      assert.deepEqual(doc.notFound, []);
      const rec = doc.records[0];
      assert.equal(rec.query, 'CAN-2024-3400');
      assert.equal(rec.cveId, 'CVE-2024-3400');
      assert.equal(rec.state, 'PUBLISHED');
      assert.equal(rec.title, 'PAN-OS: Arbitrary File Creation Leads to OS Command Injection Vulnerability in GlobalProtect');
      assert.deepEqual(rec.assigner, { shortName: 'palo_alto', orgId: 'd6c1279f-00f6-4ef7-9217-f89ffe703ec0' });
      assert.deepEqual(rec.dates, { reserved: '2024-04-05T17:40:30.117Z', published: '2024-04-12T07:20:00.707Z', public: '2024-04-12T06:55:00.000Z', updated: '2024-08-01T20:12:06.667Z' });
      assert.equal(rec.descriptionLang, 'en');
      assert.match(rec.description, /^A command injection as a result of arbitrary file creation/);
      assert.deepEqual(rec.cvss, [{ source: 'cna', version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', baseScore: 10, baseSeverity: 'CRITICAL' }]);
      assert.deepEqual(rec.cwes[0], { id: 'CWE-77', name: "Improper Neutralization of Special Elements used in a Command ('Command Injection')" });
      assert.equal(rec.kev.listed, true);
      assert.equal(rec.kev.from, 'kev-catalog');
      assert.equal(rec.kev.dateAdded, '2024-04-12');
      assert.equal(rec.references.length, 8);
      assert.deepEqual(rec.replacements, []);
      assert.deepEqual(rec.replacedBy, []);
      assert.equal(rec.url, '/cve/CVE-2024-3400');
      const stored = (await t.store.getRecord('CVE-2024-3400'))!;
      assert.equal(rec.version, stored.version);
      assert.equal(rec.source, stored.source);
      assert.equal(rec.dateUpdated, stored.dateUpdated);
    });

    test('--raw prints the stored CVE JSON 5 record exactly, one per line', async () => {
      const one = await run(['show', '2024-3400', '--raw', ...db]);
      assert.equal(one.code, 0, one.err);
      const stored = (await t.store.getRecord('CVE-2024-3400'))!.json;
      assert.equal(one.out, `${stored}\n`);
      const two = await run(['show', '2024-4810', 'CAN-1999-0006', '--raw', ...db]);
      assert.equal(two.code, 0, two.err);
      assert.deepEqual(two.out.split('\n'), [(await t.store.getRecord('CVE-2024-4810'))!.json, (await t.store.getRecord('CVE-1999-0006'))!.json, '']);
    });

    test('X1520-7.7: history lists every stored version of a real record (the sample keeps two of CVE-1999-0006)', async () => {
      const r = await run(['history', 'can-1999-0006', ...db]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^CVE-1999-0006: 2 versions kept, oldest first$/m);
      assert.match(r.out, /^VERSION +CURRENT +DATE UPDATED +SOURCE +ARRIVED +HASH +ORIGIN$/m);
      const versions = await t.store.listVersions('CVE-1999-0006');
      assert.match(r.out, new RegExp(`^1 +${versions[0].dateUpdated.replace(/\./g, '\\.')} +sample +\\S+ +${versions[0].hash.slice(0, 12)} +older-versions\\.jsonl\\.gz:\\d+$`, 'm'));
      assert.match(r.out, new RegExp(`^2 +current +${versions[1].dateUpdated.replace(/\./g, '\\.')} +sample +\\S+ +${versions[1].hash.slice(0, 12)} +records\\.jsonl\\.gz:\\d+$`, 'm'));
      assert.match(r.out, /cvekit history CVE-1999-0006 --diff 1 2/);
      const json = JSON.parse((await run(['history', '1999-0006', '--json', ...db])).out);
      assert.equal(json.ok, true);
      assert.equal(json.cveId, 'CVE-1999-0006');
      assert.deepEqual(json.versions, JSON.parse(JSON.stringify(versions)));
    });

    test('X1520-7.7: history after importing a second version of a record; --diff shows the fields changed, old → new', async () => {
      const before = await current('CVE-2024-3400');
      assert.ok(before.cveMetadata.dateUpdated! < '2024-09-01', 'the edit stays older than the content date');
      const edited = structuredClone(before) as unknown as { cveMetadata: { dateUpdated: string }; containers: { cna: { descriptions: { value: string }[] } } };
      edited.cveMetadata.dateUpdated = '2024-09-01T00:00:00.000Z';
      edited.containers.cna.descriptions[0].value = 'Edited: a command injection in GlobalProtect.';
      await importEdited('CVE-2024-3400', edited as unknown as CveRecordJson);

      const list = await run(['history', 'CVE-2024-3400', ...db]);
      assert.equal(list.code, 0, list.err);
      assert.match(list.out, /^CVE-2024-3400: 2 versions kept, oldest first$/m);
      assert.match(list.out, /^1 +2024-08-01T20:12:06\.667Z +sample /m);
      assert.match(list.out, /^2 +current +2024-09-01T00:00:00\.000Z +edits /m);
      assert.match((await run(['show', 'CVE-2024-3400', ...db])).out, /^Stored: +version 2 of 2, from edits, arrived \S+; cvekit history CVE-2024-3400$/m);

      const diff = await run(['history', '2024-3400', '--diff', '1', '2', ...db]);
      assert.equal(diff.code, 0, diff.err);
      assert.match(diff.out, /^CVE-2024-3400: from version 1 \(updated 2024-08-01T20:12:06\.667Z, from sample\) to version 2 \(updated 2024-09-01T00:00:00\.000Z, from edits, current\): 2 fields changed$/m);
      assert.match(diff.out, /^ {2}changed \/containers\/cna\/descriptions\/0\/value\n {4}old: "A command injection as a result of arbitrary file creation[^\n]*\n {4}new: "Edited: a command injection in GlobalProtect\."$/m);
      assert.match(diff.out, /^ {2}changed \/cveMetadata\/dateUpdated\n {4}old: "2024-08-01T20:12:06\.667Z"\n {4}new: "2024-09-01T00:00:00\.000Z"$/m);
      // Without numbers: the version before the current one against the current one.
      assert.equal((await run(['history', '2024-3400', '--diff', ...db])).out, diff.out);
      const reverse = await run(['history', '2024-3400', '--diff', '2', '1', ...db]);
      assert.match(reverse.out, /old: "Edited: a command injection in GlobalProtect\."/);

      const json = await run(['history', '2024-3400', '--diff', '1', '2', '--json', ...db]);
      assert.equal(json.code, 0, json.err);
      const doc = JSON.parse(json.out);
      const [a, b] = [(await t.store.getVersion('CVE-2024-3400', 1))!, (await t.store.getVersion('CVE-2024-3400', 2))!];
      assert.deepEqual({ cveId: doc.cveId, from: doc.from, to: doc.to, changes: doc.changes }, { cveId: 'CVE-2024-3400', from: 1, to: 2, changes: diffRecords(JSON.parse(a.json), JSON.parse(b.json)) });
      assert.match(doc.contentStatement, CONTENT_LINE);
    });

    test('a bad version number: not a number is a usage error (exit 2), a version the record lacks fails naming the ones it has (exit 1)', async () => {
      const missing = await run(['history', 'CVE-1999-0006', '--diff', '1', '9', ...db]);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /^cvekit history: CVE-1999-0006 has no version 9 \(its versions: 1, 2\)$/m);
      const json = await run(['history', 'CVE-1999-0006', '--diff', '7', '2', '--json', ...db]);
      assert.equal(json.code, 1);
      assert.deepEqual(JSON.parse(json.out), { ok: false, error: 'CVE-1999-0006 has no version 7 (its versions: 1, 2)' });
      for (const [args, why] of [
        [['--diff', 'one', '2'], /--diff FROM must be a version number \(a whole number of at least 1\), got "one"/],
        [['--diff', '1', '0'], /--diff TO must be a version number \(a whole number of at least 1\), got "0"/],
        [['--diff', '1', '2.0'], /--diff TO must be a version number/],
        [['--diff', '1', '2', '3'], /--diff takes at most two version numbers/],
        [['1', '2'], /to compare two versions: --diff FROM TO/],
      ] as const) {
        const r = await run(['history', 'CVE-1999-0006', ...args, ...db]);
        assert.equal(r.code, 2, args.join(' '));
        assert.match(r.err, why);
      }
      const single = await run(['history', 'CVE-2024-4810', '--diff', ...db]);
      assert.equal(single.code, 1);
      assert.match(single.err, /CVE-2024-4810 has no version before version 1 to compare it with \(its versions: 1\)/);
    });

    test('a hostile record\'s ANSI escapes, bare CR, C1 and bidi controls reach the terminal neither in words nor in --json', async () => {
      const base = await current('CVE-2011-0611');
      assert.ok(base.cveMetadata.dateUpdated! < '2024-12-01');
      const hostile = structuredClone(base) as unknown as { cveMetadata: { dateUpdated: string }; containers: { cna: { title?: string; descriptions: { value: string }[] } } };
      hostile.cveMetadata.dateUpdated = '2024-12-01T00:00:00.000Z';
      hostile.containers.cna.title = '\u001b[2J\u001b[31mHostile title';
      const description = 'Before \u001b[31mred\rOVERWRITTEN \u009b31m \u202eevil after.';
      hostile.containers.cna.descriptions[0].value = description;
      await importEdited('CVE-2011-0611', hostile as unknown as CveRecordJson);

      const text = await run(['show', 'CVE-2011-0611', ...db]);
      assert.equal(text.code, 0, text.err);
      assert.doesNotMatch(text.out, TERMINAL_CONTROLS);
      assert.match(text.out, /^Title: +\[2J\[31mHostile title$/m, 'the escape characters removed, the rest shown as text');
      // The bare CR ends the line instead of sending the cursor back over it.
      assert.match(text.out, /^ {2}Before \[31mred\n {2}OVERWRITTEN 31m <U\+202E>evil after\.$/m);

      const json = await run(['show', 'CVE-2011-0611', '--json', ...db]);
      assert.doesNotMatch(json.out, TERMINAL_CONTROLS);
      const rec = JSON.parse(json.out).records[0];
      assert.equal(rec.description, description, 'the JSON keeps the text exactly, escaped');
      assert.equal(rec.title, '\u001b[2J\u001b[31mHostile title');

      for (const args of [['--diff'], ['--diff', '--json'], []]) {
        const r = await run(['history', 'CVE-2011-0611', ...args, ...db]);
        assert.equal(r.code, 0, r.err);
        assert.doesNotMatch(r.out, TERMINAL_CONTROLS, args.join(' '));
      }
      assert.match((await run(['history', 'CVE-2011-0611', '--diff', ...db])).out, /new: "Before \\u001b\[31mred\\rOVERWRITTEN \\u009b31m \\u202eevil after\."/);
    });

    test('X1520-7.8 X1520-10.1: resolve takes every CVE name in an advisory (a file or stdin), once each, in order; a rejected one points to its replacement', async () => {
      const advisory = [
        'Security advisory: fixes CVE-2024-3400 (see cve-2024-3400 again) and CVE\u20132024\u20139673.',
        'Not affected by CVE-2099-12345. Mistyped: CVE-2021-01234. Dates like 2024-3400 are not names in a text.',
      ].join('\n');
      const file = join(dir, 'advisory.txt');
      writeFileSync(file, advisory);
      for (const r of [await run(['resolve', '--text', file, ...db]), await runCli(['resolve', '--text', '-', ...db], {}, advisory)]) {
        assert.equal(r.code, 0, r.err);
        const rows = r.out.split('\n').slice(1, 5).map((l) => l.split(/ {2,}/));
        assert.deepEqual(rows, [
          ['CVE-2024-3400', 'CVE-2024-3400', 'PUBLISHED'],
          ['CVE\u20132024\u20139673', 'CVE-2024-9673', 'REJECTED', 'rejected: use CVE-2025-22333'],
          ['CVE-2099-12345', 'CVE-2099-12345', '-', 'no record of it here'],
          ['CVE-2021-01234', '-', '-', 'not a CVE name: sequence "01234" has a leading zero (5 or more digits never start with 0)'],
        ]);
        assert.match(r.out, /^4 names: 2 found \(1 rejected\), 1 not here, 1 not CVE names$/m);
        assert.match(r.out, CONTENT_LINE);
      }
      const check = await run(['resolve', '--check', '--text', file, ...db]);
      assert.equal(check.code, 1, 'a rejected, an unknown and a malformed name fail the check');
      assert.match(check.err, /--check failed/);
      assert.equal((await run(['resolve', '--check', 'CVE-2024-3400', 'can-1999-0006', ...db])).code, 0);
      assert.equal((await run(['resolve', '--check', '2024-9673', ...db])).code, 1, 'a rejected name alone fails the check');

      const json = await run(['resolve', 'CAN-1999-0006', '2024-9673', 'CVE-2024-01234', ...db, '--json']);
      assert.equal(json.code, 0, json.err);
      const body = JSON.parse(json.out);
      assert.deepEqual([body.count, body.found, body.unknown, body.invalid, body.rejected, body.ok], [3, 2, 0, 1, 1, true]);
      assert.deepEqual(body.results[1], { query: '2024-9673', status: 'found', cveId: 'CVE-2024-9673', state: 'REJECTED', replacedBy: ['CVE-2025-22333'], url: '/cve/CVE-2024-9673' });
      assert.equal(body.results[2].status, 'invalid');
      assert.match(body.contentStatement, CONTENT_LINE);
    });

    test('resolve: bad input gets a clear message (no names, names and --text, a missing file, a text over 16 MiB, hostile text)', async () => {
      for (const [args, why] of [
        [[], /give one or more CVE names, or --text/],
        [['CVE-2024-3400', '--text', '-'], /names or --text, not both/],
      ] as const) {
        const r = await run(['resolve', ...args, ...db]);
        assert.equal(r.code, 2);
        assert.match(r.err, why);
      }
      const missing = await run(['resolve', '--text', join(dir, 'no-such.txt'), ...db]);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /cannot read --text \S+no-such\.txt: ENOENT/);
      const big = join(dir, 'big.txt');
      writeFileSync(big, Buffer.alloc(16 * 1024 * 1024 + 1, 0x20));
      assert.match((await run(['resolve', '--text', big, ...db])).err, /is over 16 MiB; split it/);
      const piped = await runCli(['resolve', '--text', '-', ...db], {}, Buffer.alloc(16 * 1024 * 1024 + 1, 0x20));
      assert.equal(piped.code, 1);
      assert.match(piped.err, /--text - is over 16 MiB/);
      const none = await runCli(['resolve', '--text', '-', ...db], {}, 'no names here');
      assert.equal(none.code, 0);
      assert.match(none.out, /^No CVE names found in the text\.$/m);
      const hostile = await runCli(['resolve', '--text', '-', ...db], {}, 'CVE-2024-3400\u001b[2J CVE\u202e-2024-0001');
      assert.doesNotMatch(hostile.out, TERMINAL_CONTROLS);
    });
  });
}
