import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { KevError, importKev, isIsoDate, parseKevCsv, parseKevJson } from './kev.ts';
import type { KevIssue } from './kev.ts';
import { InputError } from './csv.ts';
import { sharedData } from '../../test/support/paths.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';

const KEV_JSON = sharedData('kev', 'known_exploited_vulnerabilities.json');
const KEV_CSV = sharedData('kev', 'known_exploited_vulnerabilities.csv');
const KEV_OLD = sharedData('kev', 'history', 'known_exploited_vulnerabilities.2025.01.24.json');

const realDoc = JSON.parse(readFileSync(KEV_JSON, 'utf8')) as { vulnerabilities: Record<string, unknown>[] } & Record<string, unknown>;

/** The real catalog's first `n` entries, each changed by `edit` (by 1-based entry number). */
function docWith(n: number, edit: Record<number, (e: Record<string, unknown>) => unknown> = {}, top: Record<string, unknown> = {}): string {
  const vulns = realDoc.vulnerabilities.slice(0, n).map((e, i) => (edit[i + 1] ? edit[i + 1]({ ...e }) : e));
  return JSON.stringify({ ...realDoc, count: vulns.length, vulnerabilities: vulns, ...top });
}

function kevError(code: string, message: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof KevError, `expected KevError, got ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.code, code);
    return true;
  };
}

const messages = (issues: readonly KevIssue[]) => issues.map((i) => i.message);

const CSV_HEADER = 'cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes';

describe('parseKevJson: the real catalog', () => {
  it('reads all 1,404 entries of catalog 2025.08.25 without a problem', () => {
    const { catalog, issues, derived } = parseKevJson(readFileSync(KEV_JSON));
    assert.equal(catalog.catalogVersion, '2025.08.25');
    assert.equal(catalog.dateReleased, '2025-08-25T17:04:19.9796Z');
    assert.equal(catalog.entries.length, 1404);
    assert.deepEqual(issues, []);
    assert.deepEqual(derived, []);
    const log4shell = catalog.entries.find((e) => e.cveId === 'CVE-2021-44228');
    assert.ok(log4shell);
    assert.equal(log4shell.vendorProject, 'Apache');
    assert.equal(log4shell.dateAdded, '2021-12-10');
    assert.equal(log4shell.knownRansomwareCampaignUse, 'Known');
    assert.deepEqual(log4shell.cwes, ['CWE-20', 'CWE-400', 'CWE-502']);
  });

  it('reads the January 2025 catalog: 1,252 entries', () => {
    const { catalog, issues } = parseKevJson(readFileSync(KEV_OLD));
    assert.equal(catalog.catalogVersion, '2025.01.24');
    assert.equal(catalog.entries.length, 1252);
    assert.deepEqual(issues, []);
  });
});

describe('parseKevCsv: the real catalog', () => {
  it('gives exactly the entries of the JSON feed, in the same order', async () => {
    const json = parseKevJson(readFileSync(KEV_JSON));
    const csv = await parseKevCsv(createReadStream(KEV_CSV));
    assert.deepEqual(csv.issues, []);
    assert.equal(csv.catalog.entries.length, 1404);
    assert.deepEqual(csv.catalog.entries, json.catalog.entries);
  });

  it('derives catalogVersion and dateReleased from the newest dateAdded, and says so', async () => {
    const { catalog, derived } = await parseKevCsv(readFileSync(KEV_CSV));
    assert.equal(catalog.catalogVersion, '2025.08.25');
    assert.equal(catalog.dateReleased, '2025-08-25T00:00:00.000Z');
    assert.deepEqual(derived, ['catalogVersion', 'dateReleased']);
  });

  it('takes them from the options when given', async () => {
    const { catalog, derived } = await parseKevCsv(readFileSync(KEV_CSV), { catalogVersion: '2025.08.25', dateReleased: '2025-08-25T17:04:19.9796Z' });
    assert.equal(catalog.catalogVersion, '2025.08.25');
    assert.equal(catalog.dateReleased, '2025-08-25T17:04:19.9796Z');
    assert.deepEqual(derived, []);
  });
});

describe('parseKevJson: bad entries are reported and skipped', () => {
  const first = realDoc.vulnerabilities[0].cveID as string;
  const second = realDoc.vulnerabilities[1].cveID as string;
  const third = realDoc.vulnerabilities[2].cveID as string;

  const cases: Array<[string, Record<number, (e: Record<string, unknown>) => unknown>, string]> = [
    ['month 13', { 2: (e) => ({ ...e, dateAdded: '2021-13-01' }) }, `entry 2 (${second}): dateAdded "2021-13-01" is not a date`],
    ['30 February', { 2: (e) => ({ ...e, dueDate: '2024-02-30' }) }, `entry 2 (${second}): dueDate "2024-02-30" is not a date`],
    ['date-time instead of date', { 2: (e) => ({ ...e, dateAdded: '2021-11-03T00:00:00Z' }) }, `entry 2 (${second}): dateAdded "2021-11-03T00:00:00Z" is not a date`],
    ['missing field', { 2: (e) => ({ ...e, vendorProject: undefined }) }, `entry 2 (${second}): vendorProject is missing`],
    ['wrong type', { 2: (e) => ({ ...e, product: 42 }) }, `entry 2 (${second}): product is a number, expected a string`],
    ['not a CVE ID', { 2: (e) => ({ ...e, cveID: 'CVE-21-1' }) }, `entry 2 (CVE-21-1): cveID "CVE-21-1" is not a CVE ID`],
    ['no cveID', { 2: (e) => ({ ...e, cveID: undefined }) }, 'entry 2: cveID is missing'],
    ['bad CWE', { 2: (e) => ({ ...e, cwes: ['CWE-79', 'XSS'] }) }, `entry 2 (${second}): cwes entry "XSS" is not CWE-NNN`],
    ['not an object', { 2: () => 'CVE-2021-44228' }, 'entry 2: is a string, expected an object'],
    [
      'several problems at once',
      { 2: (e) => ({ ...e, dateAdded: '2021-13-01', dueDate: '', notes: null, requiredAction: ['x'] }) },
      `entry 2 (${second}): requiredAction is an array, expected a string; dateAdded "2021-13-01" is not a date; dueDate "" is not a date`,
    ],
  ];
  for (const [name, edit, message] of cases) {
    it(name, () => {
      const { catalog, issues } = parseKevJson(docWith(3, edit));
      assert.deepEqual(messages(issues), [message]);
      assert.equal(issues[0].code, 'KEV_ENTRY_INVALID');
      assert.equal(issues[0].entry, 2);
      assert.deepEqual(catalog.entries.map((e) => e.cveId), [first, third]);
    });
  }

  it('cwes given as an object is an error; null and absent mean none', () => {
    const { issues, catalog } = parseKevJson(docWith(3, { 1: (e) => ({ ...e, cwes: { a: 1 } }), 2: (e) => ({ ...e, cwes: null }), 3: (e) => ({ ...e, cwes: undefined }) }));
    assert.deepEqual(messages(issues), [`entry 1 (${first}): cwes is an object, expected an array`]);
    assert.deepEqual(catalog.entries.map((e) => e.cwes), [[], []]);
  });

  it('optional fields may be absent', () => {
    const { catalog, issues } = parseKevJson(docWith(1, { 1: (e) => ({ ...e, notes: undefined, knownRansomwareCampaignUse: undefined, cwes: undefined }) }));
    assert.deepEqual(issues, []);
    assert.equal(catalog.entries[0].notes, '');
    assert.equal(catalog.entries[0].knownRansomwareCampaignUse, '');
  });

  it('normalises cveID (case, CAN- prefix) and drops a later duplicate', () => {
    const { catalog, issues } = parseKevJson(
      docWith(4, {
        1: (e) => ({ ...e, cveID: 'cve-2021-44228' }),
        3: (e) => ({ ...e, cveID: 'CVE-2021-44228', vendorProject: 'Other' }),
        4: (e) => ({ ...e, cveID: 'CAN-1999-0067' }),
      }),
    );
    assert.deepEqual(issues, [
      { code: 'KEV_DUPLICATE', entry: 3, cveId: 'CVE-2021-44228', message: 'entry 3 (CVE-2021-44228): duplicate of entry 1, skipped' },
    ]);
    assert.deepEqual(catalog.entries.map((e) => e.cveId), ['CVE-2021-44228', second, 'CVE-1999-0067']);
    assert.equal(catalog.entries[0].vendorProject, realDoc.vulnerabilities[0].vendorProject, 'the first one is kept');
  });

  it('a declared count that differs is reported, nothing skipped', () => {
    const { catalog, issues } = parseKevJson(docWith(3, {}, { count: 5 }));
    assert.deepEqual(issues, [{ code: 'KEV_COUNT_MISMATCH', message: 'count is 5 but "vulnerabilities" has 3 entries' }]);
    assert.equal(catalog.entries.length, 3);
  });

  it('a catalog with no valid entry is refused (it would remove every listed CVE)', () => {
    assert.throws(
      () => parseKevJson(docWith(1, { 1: (e) => ({ ...e, dateAdded: 'soon' }) })),
      kevError('KEV_EMPTY', `KEV catalog has no valid entry; first problem: entry 1 (${first}): dateAdded "soon" is not a date`),
    );
    assert.throws(() => parseKevJson(docWith(0)), kevError('KEV_EMPTY', 'KEV catalog has no valid entry'));
  });
});

describe('parseKevJson: unusable documents', () => {
  it('truncated JSON names the line it ends on', () => {
    const text = readFileSync(KEV_JSON, 'utf8');
    assert.throws(
      () => parseKevJson(text.slice(0, 100_000)),
      kevError('KEV_JSON_SYNTAX', 'KEV JSON is truncated: it ends at line 1309 before the document is complete'),
    );
    assert.throws(() => parseKevJson('{"catalogVersion": "1",\n"vulnerabilities": [\n{"cveID": "CVE-20'), kevError('KEV_JSON_SYNTAX', 'KEV JSON is truncated: it ends at line 3 before the document is complete'));
    assert.throws(() => parseKevJson('{"a": tru'), kevError('KEV_JSON_SYNTAX', 'KEV JSON is truncated: it ends at line 1 before the document is complete'));
    assert.throws(() => parseKevJson(''), kevError('KEV_JSON_SYNTAX', 'KEV JSON is truncated: it ends at line 1 before the document is complete'));
  });

  it('a syntax error names line and column', () => {
    assert.throws(
      () => parseKevJson('{\n  "catalogVersion": "1",\n  "vulnerabilities": [1 2]\n}'),
      kevError('KEV_JSON_SYNTAX', "KEV JSON syntax error at line 3 column 25: Expected ',' or ']' after array element"),
    );
  });

  it('a bad literal in the middle is a syntax error at its line and column, not "truncated"', () => {
    // V8 names no position for these; it was taken for the end of the document.
    assert.throws(
      () => parseKevJson('{\n  "catalogVersion": "1",\n  "knownRansomware": tru,\n  "vulnerabilities": []\n}'),
      kevError('KEV_JSON_SYNTAX', 'KEV JSON syntax error at line 3 column 25: Unexpected token ","'),
    );
  });

  it('text after the document that is not JSON whitespace is a syntax error there, not "truncated"', () => {
    // A no-break space is whitespace to trimEnd(), not to JSON: the document is whole, the text after it is wrong.
    assert.throws(
      () => parseKevJson('{"catalogVersion": "1", "vulnerabilities": []}\u00a0\n'),
      kevError('KEV_JSON_SYNTAX', 'KEV JSON syntax error at line 1 column 47: Unexpected non-whitespace character after JSON'),
    );
  });

  it('wrong top-level shape', () => {
    const expected = 'expected an object with "catalogVersion", "dateReleased" and "vulnerabilities"';
    assert.throws(() => parseKevJson('[{"cveID": "CVE-2021-44228"}]'), kevError('KEV_SHAPE', `KEV JSON: the top level is an array, ${expected}`));
    assert.throws(() => parseKevJson('null'), kevError('KEV_SHAPE', `KEV JSON: the top level is null, ${expected}`));
    assert.throws(() => parseKevJson('"kev"'), kevError('KEV_SHAPE', `KEV JSON: the top level is a string, ${expected}`));
    assert.throws(() => parseKevJson('{"catalogVersion": "1"}'), kevError('KEV_SHAPE', 'KEV JSON: "vulnerabilities" is missing, expected an array'));
    assert.throws(() => parseKevJson('{"vulnerabilities": {}}'), kevError('KEV_SHAPE', 'KEV JSON: "vulnerabilities" is an object, expected an array'));
    assert.throws(() => parseKevJson(docWith(2, {}, { catalogVersion: undefined })), kevError('KEV_SHAPE', 'KEV JSON: "catalogVersion" is missing, expected a non-empty string'));
    assert.throws(() => parseKevJson(docWith(2, {}, { catalogVersion: 2025 })), kevError('KEV_SHAPE', 'KEV JSON: "catalogVersion" is 2025, expected a non-empty string'));
    assert.throws(() => parseKevJson(docWith(2, {}, { dateReleased: '2025-08-25' })), kevError('KEV_SHAPE', 'KEV JSON: "dateReleased" is "2025-08-25", expected an ISO 8601 date-time'));
  });

  it('invalid UTF-8', () => {
    assert.throws(() => parseKevJson(new Uint8Array([0x7b, 0xff, 0x7d])), kevError('KEV_ENCODING', 'KEV JSON is not valid UTF-8'));
  });
});

describe('parseKevCsv: bad rows', () => {
  const row = (cells: string[]) => cells.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',');
  const good = ['CVE-2021-44228', 'Apache', 'Log4j2', 'Apache Log4j2 RCE', '2021-12-10', 'desc, with comma', 'Apply updates.', '2021-12-24', 'Known', 'notes', 'CWE-20, CWE-400, CWE-502'];

  it('reports the same messages as the JSON, with the line', async () => {
    const text = [
      CSV_HEADER,
      row(good),
      row(['CVE-2021-26855', ...good.slice(1, 4), '2021-13-01', ...good.slice(5)]),
      row(['CVE-2021-44228', ...good.slice(1)]),
      row(good.slice(0, 10)),
      row(['CVE-2021-27065', ...good.slice(1, 10), 'CWE-79, nope']),
      '',
    ].join('\r\n');
    const { catalog, issues } = await parseKevCsv(text);
    assert.deepEqual(catalog.entries.map((e) => e.cveId), ['CVE-2021-44228']);
    assert.deepEqual(catalog.entries[0].cwes, ['CWE-20', 'CWE-400', 'CWE-502']);
    assert.equal(catalog.entries[0].shortDescription, 'desc, with comma');
    assert.deepEqual(issues, [
      { code: 'KEV_ENTRY_INVALID', entry: 2, line: 3, cveId: 'CVE-2021-26855', message: 'entry 2 (CVE-2021-26855): dateAdded "2021-13-01" is not a date' },
      { code: 'KEV_DUPLICATE', entry: 3, line: 4, cveId: 'CVE-2021-44228', message: 'entry 3 (CVE-2021-44228): duplicate of entry 1, skipped' },
      { code: 'KEV_ENTRY_INVALID', entry: 4, line: 5, message: 'entry 4 (line 5): expected 11 fields, got 10' },
      { code: 'KEV_ENTRY_INVALID', entry: 5, line: 6, cveId: 'CVE-2021-27065', message: 'entry 5 (CVE-2021-27065): cwes entry "nope" is not CWE-NNN' },
    ]);
  });

  it('a header without the required columns', async () => {
    await assert.rejects(parseKevCsv('cveID,vendorProject\nCVE-2021-44228,Apache\n'), kevError('KEV_CSV', 'KEV CSV line 1: header lacks columns "product", "vulnerabilityName", "dateAdded", "shortDescription", "requiredAction", "dueDate"'));
  });

  it('a CSV that breaks off inside a quoted field', async () => {
    const text = readFileSync(KEV_CSV, 'utf8');
    const cut = text.indexOf('"', text.indexOf('CVE-2021-44228')) + 5;
    const line = text.slice(0, cut).split('\n').length;
    await assert.rejects(parseKevCsv(text.slice(0, cut)), kevError('KEV_CSV', `KEV CSV line ${line}: unterminated quoted field`));
  });

  it('a bad dateReleased option', async () => {
    await assert.rejects(parseKevCsv(readFileSync(KEV_CSV), { dateReleased: 'yesterday' }), kevError('KEV_SHAPE', 'dateReleased option "yesterday" is not an ISO 8601 date-time'));
  });
});

describe('parseKevJson: lenient where harmless', () => {
  it('cwes given as one comma-separated string, as in the CSV', () => {
    const { catalog, issues } = parseKevJson(docWith(1, { 1: (e) => ({ ...e, cwes: 'CWE-79, CWE-89' }) }));
    assert.deepEqual(issues, []);
    assert.deepEqual(catalog.entries[0].cwes, ['CWE-79', 'CWE-89']);
  });
});

describe('isIsoDate', () => {
  const cases: Array<[string, boolean]> = [
    ['2021-12-10', true],
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2021-13-01', false],
    ['2021-00-10', false],
    ['2021-12-32', false],
    ['2021-1-10', false],
    ['21-12-10', false],
    ['2021-12-10T00:00:00Z', false],
    ['', false],
  ];
  for (const [text, ok] of cases) it(`${JSON.stringify(text)} → ${ok}`, () => assert.equal(isIsoDate(text), ok));
});

describe('importKev: inputs', () => {
  it('reads from an http URL with a size limit, and reports HTTP errors', async () => {
    const body = readFileSync(KEV_JSON);
    const server = createServer((req, res) => {
      if (req.url === '/kev.json') res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      else res.writeHead(404).end('no');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const t = await openTestStore(testBackends()[0]);
      try {
        const r = await importKev(t.store, `${base}/kev.json`);
        assert.equal(r.total, 1404);
        assert.equal(r.format, 'json');
        assert.equal((await t.store.getSource('kev'))?.location, `${base}/kev.json`);
        await assert.rejects(importKev(t.store, new URL(`${base}/kev.json`), { maxBytes: 1000 }), (err: unknown) => {
          assert.ok(err instanceof InputError);
          assert.equal(err.code, 'INPUT_TOO_LARGE');
          assert.equal(err.message, `${base}/kev.json: larger than 1000 bytes`);
          return true;
        });
        await assert.rejects(importKev(t.store, `${base}/missing.json`), { name: 'InputError', code: 'INPUT_HTTP', message: `${base}/missing.json: HTTP 404 Not Found` });
      } finally {
        await t.cleanup();
      }
    } finally {
      server.close();
    }
  });

  it('a missing file and an unknown protocol', async () => {
    const t = await openTestStore(testBackends()[0]);
    try {
      await assert.rejects(importKev(t.store, '/nonexistent/kev.json'), { name: 'InputError', code: 'INPUT_NOT_FOUND', message: '/nonexistent/kev.json: no such file' });
      await assert.rejects(importKev(t.store, new URL('ftp://example.org/kev.json')), { name: 'InputError', code: 'INPUT_PROTOCOL' });
      const source = await t.store.getSource('kev');
      assert.equal(source?.release, undefined);
      assert.equal(source?.lastError, 'ftp://example.org/kev.json: only files and http(s) URLs can be read');
    } finally {
      await t.cleanup();
    }
  });
});

for (const backend of testBackends()) {
  describe(`${backend}: importKev`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
    });
    after(() => t.cleanup());

    it('January catalog: 1,252 added; source kev records version and release date', async () => {
      const r = await importKev(t.store, KEV_OLD, { now: () => new Date('2025-01-25T00:00:00Z') });
      assert.deepEqual(
        { added: r.added, removed: r.removed, unchanged: r.unchanged, total: r.total, stale: r.stale, errors: r.errors },
        { added: 1252, removed: 0, unchanged: 0, total: 1252, stale: false, errors: [] },
      );
      const source = await t.store.getSource('kev');
      assert.equal(source?.kind, 'kev');
      assert.equal(source?.release, '2025.01.24');
      assert.equal(source?.contentDate, '2025-01-24T15:00:57.5282Z');
      assert.equal(source?.lastSyncAt, '2025-01-25T00:00:00.000Z');
      assert.equal(source?.location, KEV_OLD);
      assert.deepEqual(source?.counts, { entries: 1252, added: 1252, removed: 0, unchanged: 0, errors: 0 });
    });

    it('then the August catalog: 152 added, none removed, 1,252 unchanged', async () => {
      const r = await importKev(t.store, pathToFileURL(KEV_JSON));
      assert.deepEqual({ added: r.added, removed: r.removed, unchanged: r.unchanged, total: r.total }, { added: 152, removed: 0, unchanged: 1252, total: 1404 });
      assert.equal(r.catalogVersion, '2025.08.25');
      assert.deepEqual(await t.store.kevHistory('CVE-2025-48384'), [
        { cveId: 'CVE-2025-48384', change: 'added', catalogVersion: '2025.08.25', at: '2025-08-25T17:04:19.9796Z' },
      ]);
      assert.deepEqual(await t.store.kevHistory('CVE-2021-44228'), [
        { cveId: 'CVE-2021-44228', change: 'added', catalogVersion: '2025.01.24', at: '2025-01-24T15:00:57.5282Z' },
      ]);
      const kev = await t.store.getKev('CVE-2021-44228');
      assert.equal(kev?.product, 'Log4j2');
      assert.deepEqual(kev?.cwes, ['CWE-20', 'CWE-400', 'CWE-502']);
      assert.equal((await t.store.kevHistory()).length, 1404);
      assert.equal((await t.store.getSource('kev'))?.release, '2025.08.25');
    });

    it('the same catalog as CSV changes nothing and keeps the JSON release date', async () => {
      const r = await importKev(t.store, KEV_CSV);
      assert.equal(r.format, 'csv');
      assert.deepEqual(r.derived, ['catalogVersion', 'dateReleased']);
      assert.deepEqual({ added: r.added, removed: r.removed, stale: r.stale, sameVersion: r.sameVersion }, { added: 0, removed: 0, stale: true, sameVersion: true });
      const source = await t.store.getSource('kev');
      assert.equal(source?.contentDate, '2025-08-25T17:04:19.9796Z');
      assert.equal(source?.location, pathToFileURL(KEV_JSON).href);
    });

    it('the older catalog again is ignored and does not move the source back', async () => {
      const r = await importKev(t.store, readFileSync(KEV_OLD));
      assert.deepEqual({ added: r.added, removed: r.removed, stale: r.stale, sameVersion: r.sameVersion }, { added: 0, removed: 0, stale: true, sameVersion: false });
      assert.equal((await t.store.getSource('kev'))?.release, '2025.08.25');
      assert.equal((await t.store.getKev('CVE-2025-48384'))?.vendorProject, 'Git');
    });

    it('a newer catalog without three entries, with a bad and a duplicate one: 3 removed, problems reported', async () => {
      const doc = JSON.parse(docWith(1404, { 1: (e) => ({ ...e, dueDate: '2025-09-31' }) }, { catalogVersion: '2025.08.26', dateReleased: '2025-08-26T12:00:00.000Z' }));
      const gone = doc.vulnerabilities.splice(-3).map((e: { cveID: string }) => e.cveID);
      doc.vulnerabilities.push({ ...doc.vulnerabilities[5] });
      doc.count = doc.vulnerabilities.length;
      const bytes = new TextEncoder().encode(JSON.stringify(doc));
      const r = await importKev(t.store, bytes);
      const first = realDoc.vulnerabilities[0].cveID as string;
      const dup = doc.vulnerabilities[5].cveID as string;
      assert.deepEqual(
        r.errors.map((e) => e.message),
        [`entry 1 (${first}): dueDate "2025-09-31" is not a date`, `entry 1402 (${dup}): duplicate of entry 6, skipped`],
      );
      // The skipped invalid entry is no longer in the catalog: it counts as removed too.
      assert.deepEqual({ added: r.added, removed: r.removed, total: r.total }, { added: 0, removed: 4, total: 1400 });
      for (const id of gone) {
        assert.deepEqual((await t.store.kevHistory(id)).map((c) => [c.change, c.catalogVersion]), [['added', '2025.01.24'], ['removed', '2025.08.26']]);
        assert.equal(await t.store.getKev(id), undefined);
      }
      const source = await t.store.getSource('kev');
      assert.deepEqual(source?.counts, { entries: 1400, added: 0, removed: 4, unchanged: 1400, errors: 2 });
      assert.equal(source?.location, `(${bytes.byteLength} bytes)`);
    });

    it('an unusable catalog imports nothing', async () => {
      await assert.rejects(importKev(t.store, new TextEncoder().encode('{"vulnerabilities": [')), { name: 'KevError', code: 'KEV_JSON_SYNTAX' });
      const source = await t.store.getSource('kev');
      assert.equal(source?.release, '2025.08.26');
      assert.equal(source?.lastError, 'KEV JSON is truncated: it ends at line 1 before the document is complete');
      assert.equal((await t.store.kevHistory()).length, 1404 + 4);
      await importKev(t.store, KEV_JSON, { format: 'json' });
      assert.equal((await t.store.getSource('kev'))?.lastError, undefined, 'a good sync clears it');
      // A zip or gzip file (the catalog packed, or the wrong download) says what it is.
      for (const [bytes, what] of [
        [new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]), 'a zip archive'],
        [new Uint8Array(gzipSync(Buffer.from('{"vulnerabilities": []}'))), 'gzip data'],
      ] as const) {
        await assert.rejects(importKev(t.store, bytes), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'KEV_SHAPE');
          assert.match(err.message, new RegExp(`is ${what}, not a KEV catalog`));
          return true;
        });
      }
      assert.equal((await t.store.kevHistory()).length, 1404 + 4, 'nothing imported');
    });
  });
}
