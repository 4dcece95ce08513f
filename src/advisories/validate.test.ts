/**
 * validateCsaf over the OASIS CSAF 2.0 validator test files (test/validator/data/testcases.json in
 * the shared csaf-2.0 folder), the official examples and the real advisories.
 *
 * For a mandatory test we implement, each failing file must be reported by that very test (an
 * error tagged with its number), and each valid file must validate with no error at all. The
 * optional (6.2) and informative (6.3) tests are not implemented (docs/disclosure.md): their files
 * are checked for their schema and mandatory-test verdicts only, pinned below (no placeholder
 * tests are skipped for them).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { sharedData } from '../../test/support/paths.ts';
import { IMPLEMENTED_MANDATORY_TESTS, parseCsafJson, validateCsaf } from './index.ts';
import type { CsafIssue } from './index.ts';

interface TestFile {
  readonly name: string;
  readonly valid: boolean;
}
interface TestCase {
  readonly id: string;
  readonly group: 'mandatory' | 'optional' | 'informative';
  readonly failures?: readonly TestFile[];
  readonly valid?: readonly TestFile[];
}

const csaf = (...parts: string[]): string => sharedData('vectors', 'csaf-2.0', ...parts);
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const dataDir = csaf('test', 'validator', 'data');
const cases = (readJson(`${dataDir}/testcases.json`) as { tests: TestCase[] }).tests;
const show = (errors: readonly CsafIssue[]): string => JSON.stringify(errors, null, 1);

describe('OASIS validator test files: mandatory tests', () => {
  const mandatory = cases.filter((c) => c.group === 'mandatory');

  test('every mandatory test of the test files is implemented', () => {
    const missing = mandatory.map((c) => c.id).filter((id) => !IMPLEMENTED_MANDATORY_TESTS.includes(id));
    assert.deepEqual(missing, []);
  });

  for (const c of mandatory) {
    const files = [...(c.failures ?? []), ...(c.valid ?? [])];
    describe(`${c.id} (${files.length} files)`, () => {
      for (const file of files) {
        test(`${file.name} is ${file.valid ? 'valid' : `reported by ${c.id}`}`, () => {
          const result = validateCsaf(readJson(`${dataDir}/${file.name}`));
          if (file.valid) {
            assert.equal(result.ok, true, show(result.errors));
          } else {
            assert.equal(result.ok, false);
            assert.ok(result.errors.some((e) => e.test === c.id), `no error from ${c.id}: ${show(result.errors)}`);
          }
        });
      }
    });
  }

  test('counts: 147 files of 43 mandatory tests, all as expected', () => {
    let files = 0;
    let asExpected = 0;
    for (const c of mandatory) {
      for (const file of [...(c.failures ?? []), ...(c.valid ?? [])]) {
        files++;
        const result = validateCsaf(readJson(`${dataDir}/${file.name}`));
        if (file.valid ? result.ok : result.errors.some((e) => e.test === c.id)) asExpected++;
      }
    }
    assert.equal(mandatory.length, 43);
    assert.deepEqual({ files, asExpected }, { files: 147, asExpected: 147 });
  });
});

describe('OASIS validator test files: optional and informative tests (not implemented)', () => {
  /**
   * These files exercise one optional or informative test each; nothing requires them to pass the
   * mandatory tests, and a few do not. Pinned so a change in verdict is noticed.
   */
  const MANDATORY_FAILURES: Readonly<Record<string, readonly string[]>> = {
    'optional/oasis_csaf_tc-csaf_2_0-2021-6-2-08-02.json': ['6.1.25'], // md5 twice in one file_hashes
    'optional/oasis_csaf_tc-csaf_2_0-2021-6-2-09-02.json': ['6.1.25'], // sha1 twice
    'optional/oasis_csaf_tc-csaf_2_0-2021-6-2-19-02.json': ['6.1.10'], // MC/MI given, vector leaves them X
    'optional/oasis_csaf_tc-csaf_2_0-2021-6-2-19-03.json': ['6.1.10'], // TD given, vector leaves it ND
    'optional/oasis_csaf_tc-csaf_2_0-2021-6-2-19-06.json': ['6.1.10'],
    'optional/oasis_csaf_tc-csaf_2_0-2021-6-2-19-12.json': ['6.1.10'],
    'optional/oasis_csaf_tc-csaf_2_0-2021-6-2-19-13.json': ['6.1.10'],
    'optional/oasis_csaf_tc-csaf_2_0-2021-6-2-19-16.json': ['6.1.10'],
  };
  test('their schema and mandatory verdicts are as pinned', () => {
    for (const c of cases.filter((x) => x.group !== 'mandatory')) {
      for (const file of [...(c.failures ?? []), ...(c.valid ?? [])]) {
        const result = validateCsaf(readJson(`${dataDir}/${file.name}`));
        const tests = [...new Set(result.errors.map((e) => e.test ?? 'schema'))];
        assert.deepEqual(tests, MANDATORY_FAILURES[file.name] ?? [], `${file.name}: ${show(result.errors)}`);
      }
    }
  });
});

describe('official examples and real advisories', () => {
  for (const dir of ['examples/csaf', 'examples/csaf/csaf_vex']) {
    for (const name of readdirSync(csaf(dir)).filter((f) => f.endsWith('.json'))) {
      test(`${dir}/${name} validates`, () => {
        const result = validateCsaf(readJson(csaf(dir, name)));
        assert.equal(result.ok, true, show(result.errors));
      });
    }
  }

  /**
   * One real document breaks a mandatory test, and we say so rather than weaken the test: CISA's
   * va-25-148-01 gives the product_version "vers:all/*", a vers range (all versions) where §6.1.31
   * allows only a single version; CSAF has product_version_range for it.
   */
  const REAL_FAILURES: Readonly<Record<string, readonly CsafIssue[]>> = {
    'va-25-148-01.json': [
      {
        path: '/product_tree/branches/0/branches/0/branches/0/name',
        message: 'product_version "vers:all/*" contains "all", a version range: use product_version_range',
        test: '6.1.31',
      },
    ],
  };
  for (const name of readdirSync(csaf('real-advisories')).filter((f) => f.endsWith('.json'))) {
    test(`real-advisories/${name} ${REAL_FAILURES[name] === undefined ? 'validates' : 'fails only 6.1.31'}`, () => {
      const result = validateCsaf(readJson(csaf('real-advisories', name)));
      assert.deepEqual(result.errors, REAL_FAILURES[name] ?? []);
    });
  }

  test('a real advisory that is not JSON (trailing comma) is refused with a parse error', () => {
    const text = readFileSync(csaf('real-advisories', 'csaf-openeuler-cve-2024-50187.malformed-trailing-comma.json.txt'), 'utf8');
    const result = parseCsafJson(text);
    assert.equal(result.ok, false);
    assert.equal(result.doc, undefined);
    assert.equal(result.errors[0].path, '');
    assert.match(result.errors[0].message, /not valid JSON/);
  });
});

describe('validateCsaf details', () => {
  const minimal = (): Record<string, any> => ({
    document: {
      category: 'csaf_base',
      csaf_version: '2.0',
      publisher: { category: 'vendor', name: 'Example', namespace: 'https://example.com' },
      title: 'T',
      tracking: {
        id: 'EX-1',
        current_release_date: '2024-01-02T00:00:00Z',
        initial_release_date: '2024-01-01T00:00:00Z',
        revision_history: [{ date: '2024-01-01T00:00:00Z', number: '1', summary: 'Initial.' }],
        status: 'final',
        version: '1',
      },
    },
  });

  test('a minimal document is valid', () => {
    assert.deepEqual(validateCsaf(minimal()), { ok: true, errors: [] });
  });

  test('non-objects fail the schema and run no mandatory test', () => {
    for (const value of [null, 42, 'x', []]) {
      const result = validateCsaf(value);
      assert.equal(result.ok, false);
      assert.ok(result.errors.every((e) => e.test === undefined));
    }
  });

  test('formats: a date-time without time zone and a malformed uri are errors', () => {
    const doc = minimal();
    doc.document.tracking.current_release_date = '2024-01-02T00:00:00';
    doc.document.publisher.namespace = 'https://exa mple.com';
    const paths = validateCsaf(doc).errors.map((e) => e.path);
    assert.ok(paths.includes('/document/tracking/current_release_date'));
    assert.ok(paths.includes('/document/publisher/namespace'));
  });

  test('CVSS schemas are resolved locally and give one 6.1.8 finding per problem', () => {
    const doc = minimal();
    doc.product_tree = { full_product_names: [{ name: 'A', product_id: 'A' }] };
    doc.vulnerabilities = [
      { scores: [{ products: ['A'], cvss_v3: { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8 } }] },
    ];
    const errors = validateCsaf(doc).errors;
    assert.deepEqual(errors, [
      { path: '/vulnerabilities/0/scores/0/cvss_v3', message: 'missing required property "baseSeverity"', test: '6.1.8' },
    ]);
  });

  test('6.1.11 takes a caller catalog', () => {
    const doc = minimal();
    doc.vulnerabilities = [{ cwe: { id: 'CWE-79', name: 'XSS' } }];
    assert.equal(validateCsaf(doc).errors[0]?.test, '6.1.11');
    assert.equal(validateCsaf(doc, { cweCatalog: new Map([['CWE-79', 'XSS']]) }).ok, true);
  });

  test('6.1.12 language tags', () => {
    const verdicts = Object.fromEntries(
      ['en', 'en-US', 'de-DE', 'EZ', 'xx', 'en-Qabc', 'en-AA', 'qdq', 'i-default', 'zh-Hant-TW', 'en-ZQ', 'en-Xyzw', 'e', '12'].map((lang) => {
        const doc = minimal();
        doc.document.lang = lang;
        return [lang, validateCsaf(doc, { tests: ['6.1.12'] }).errors.filter((e) => e.test === '6.1.12').length === 0];
      }),
    );
    assert.deepEqual(verdicts, {
      en: true, 'en-US': true, 'de-DE': true, EZ: false, xx: false, 'en-Qabc': true, 'en-AA': true, qdq: true,
      'i-default': true, 'zh-Hant-TW': true, 'en-ZQ': false, 'en-Xyzw': false, e: false, '12': false,
    });
  });

  test('6.1.13 purls', () => {
    const ok = (purl: string): boolean => {
      const doc = minimal();
      doc.product_tree = { full_product_names: [{ name: 'A', product_id: 'A', product_identification_helper: { purl } }] };
      return !validateCsaf(doc, { tests: ['6.1.13'] }).errors.some((e) => e.test === '6.1.13');
    };
    assert.equal(ok('pkg:maven/org.apache/commons-lang3@3.12.0'), true);
    assert.equal(ok('pkg:npm/%40angular/core@16.0.0?arch=x86#dist/index.js'), true);
    assert.equal(ok('pkg:maven/@1.3.4'), false);
    assert.equal(ok('pkg:npm/a?x=1&x=2'), false);
    assert.equal(ok('pkg:npm/%E0%A4%A'), false);
  });

  test('6.1.13 over the purl-spec parse tests: every valid purl accepted; invalid ones caught unless only a type-specific rule breaks', () => {
    const dir = sharedData('vectors', 'purl-spec', 'tests');
    const tests = ['spec', 'types'].flatMap((sub) =>
      readdirSync(`${dir}/${sub}`).flatMap((f) => (readJson(`${dir}/${sub}/${f}`) as { tests: { test_type: string; input: unknown; expected_failure?: boolean }[] }).tests),
    );
    const parse = tests.filter((t) => t.test_type === 'parse' && typeof t.input === 'string');
    const problems = (purl: string) => {
      const doc = minimal();
      doc.product_tree = { full_product_names: [{ name: 'A', product_id: 'A', product_identification_helper: { purl } }] };
      return validateCsaf(doc, { tests: ['6.1.13'] }).errors.filter((e) => e.test === '6.1.13');
    };
    const valid = parse.filter((t) => t.expected_failure !== true);
    assert.deepEqual(valid.filter((t) => problems(t.input as string).length > 0).map((t) => t.input), []);
    assert.equal(valid.length, 171);
    const caught = parse.filter((t) => t.expected_failure === true && problems(t.input as string).length > 0).length;
    assert.equal(caught, 20); // of 35: the other 15 break type-specific rules only (cpan, swift, chrome-extension…)
  });
});
