import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sharedData } from '../../test/support/paths.ts';
import { checkEnvelope, validateRecord } from './index.ts';
import { compileFullSchemaValidator, compileVariant, findDuplicateItems, loadPrecompiled, precompiledValidatorsSource, ucs2length, VARIANTS, variantFile } from './validate.ts';
import type { Variant } from './validate.ts';
import type { ValidateFunction } from 'ajv';
import type { ValidationIssue } from './index.ts';

const lines = readFileSync(sharedData('cve5', 'records.jsonl'), 'utf8').split('\n').filter((line) => line !== '');
const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const fixture = (...parts: string[]): unknown => JSON.parse(readFileSync(sharedData('cve5-schema', 'examples', ...parts), 'utf8'));
const clone = <T>(value: T): T => structuredClone(value);
/** A real, valid PUBLISHED record to break in one place at a time. */
const base = records.find((r) => (r.cveMetadata as { cveId: string }).cveId === 'CVE-2024-3273') as Record<string, any>;
const paths = (issues: readonly ValidationIssue[]): string[] => issues.map((i) => `${i.path}: ${i.message}`);

describe('validateRecord on the real CVE List sample', () => {
  it('all 11,053 records of records.jsonl pass (format assertions off, as the reference)', () => {
    const failing: string[] = [];
    for (const r of records) {
      const result = validateRecord(r);
      if (!result.ok) failing.push(`${(r.cveMetadata as { cveId: string }).cveId} ${JSON.stringify(result.issues[0])}`);
    }
    assert.deepEqual(failing.slice(0, 5), []);
  });

  it('all 11,053 also pass with the uri and date format assertions on', () => {
    let failing = 0;
    for (const r of records) if (!validateRecord(r, { formats: true }).ok) failing++;
    assert.equal(failing, 0);
  });

  it('the state branch shortcut agrees with the whole oneOf schema on real and broken records', () => {
    const full = compileFullSchemaValidator();
    const broken = clone(base);
    broken.containers.cna.descriptions = [];
    const samples = [...records.filter((_, i) => i % 50 === 0), broken, fixture('cve-services', 'test-schemas-5.0', 'CVE-2017-4024_published.json')];
    for (const r of samples) assert.equal(validateRecord(r).ok, full(r));
  });
});

describe('string lengths as the schema counts them (a surrogate pair is one character)', () => {
  const ajvLength = (createRequire(import.meta.url)('ajv/dist/runtime/ucs2length') as { default: (s: string) => number }).default;
  it('ucs2length gives what Ajv\'s own does: pairs, lone halves, at either end, and none', () => {
    const cases = ['', 'plain ASCII', 'café – naïve', '😀', 'a😀b😀', '\uD83D', 'x\uD83D', '\uD83Dx', '\uDE00', '\uDE00\uD83D', '\uD83D\uD83D\uDE00', '😀'.repeat(4097)];
    // And strings of random code units from the surrogate range and around it.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 500; i++) cases.push(String.fromCharCode(...Array.from({ length: next() % 12 }, () => 0xd7f0 + (next() % 0x830))));
    for (const s of cases) assert.equal(ucs2length(s), ajvLength(s), JSON.stringify(s));
    assert.equal(ucs2length('😀'.repeat(4097)), 4097);
  });
});

describe('the precompiled validators (Ajv standalone, src/cve/schema/validators*.generated.cjs)', () => {
  const named = (v: Variant): string => `formats ${v.formats ? 'on' : 'off'}, ${v.allErrors ? 'all errors' : 'first error'} (${variantFile(v)})`;
  /** Real records broken in one place each (one in three); the last two break only a `uri` format. */
  const broken: Record<string, any>[] = [];
  for (const edit of [
    (r: Record<string, any>) => (r.containers.cna.descriptions = []),
    (r: Record<string, any>) => r.containers.cna.references.push(clone(r.containers.cna.references[0])),
    (r: Record<string, any>) => (r.containers.cna.references[0].tags = ['patch', 'patch']),
    (r: Record<string, any>) => (r.containers.cna.affected[0].versions = [{ version: '1', status: 'sideways' }]),
    (r: Record<string, any>) => (r.containers.cna.descriptions[0].value = 'x'.repeat(4097)),
    (r: Record<string, any>) => (r.containers.cna.descriptions[0].value = '😀'.repeat(4096)),
    (r: Record<string, any>) => (r.containers.cna.descriptions[0].value = '😀'.repeat(4097)),
    (r: Record<string, any>) => (r.cveMetadata.assignerOrgId = 'not-a-uuid'),
    (r: Record<string, any>) => (r.containers.cna.unexpected = true),
    (r: Record<string, any>) => (r.containers.cna.x_extension = { any: 'thing' }),
    (r: Record<string, any>) => {
      r.containers.cna.descriptions = [];
      r.containers.cna.references[0].url = 'https://exa mple.test/ a';
      delete r.containers.cna.providerMetadata;
    },
    (r: Record<string, any>) => (r.containers.cna.references[0].url = 'https://exa mple.test/ a'),
    (r: Record<string, any>) => (r.containers.cna.affected[0].collectionURL = 'https://exa mple.test/repo'),
  ]) {
    const r = clone(base);
    edit(r);
    broken.push(r);
  }
  const stateOf = (r: Record<string, any>): 'PUBLISHED' | 'REJECTED' => r.cveMetadata.state;

  for (const v of VARIANTS) {
    it(`${named(v)}: the committed file is what \`npm run generate:validator\` writes for this schema, keywords and Ajv`, () => {
      const committed = readFileSync(new URL(`./schema/${variantFile(v)}`, import.meta.url), 'utf8');
      assert.ok(committed === precompiledValidatorsSource(v), 'stale: run `npm run generate:validator` and commit the files');
    });
  }

  for (const formats of [false, true]) {
    it(`formats ${formats ? 'on' : 'off'}, first error: loads, and gives the verdict of the whole oneOf schema on every real record and on broken ones`, () => {
      const pre = loadPrecompiled({ formats, allErrors: false });
      assert.ok(pre, 'the generated file loads');
      const full = compileFullSchemaValidator(formats);
      let disagreements = 0;
      let invalid = 0;
      for (const r of [...records, ...broken]) {
        const verdict = full(r);
        if (!verdict) invalid++;
        if (pre[stateOf(r)](r) !== verdict) disagreements++;
      }
      assert.equal(disagreements, 0);
      // The broken ones are mostly invalid (an x_ extension and 4,096 emoji are allowed; a bad uri or date only with formats).
      assert.equal(invalid, formats ? 11 : 9);
    });
  }

  for (const v of VARIANTS.filter((x) => x.allErrors)) {
    it(`${named(v)}: the same errors, in the same order, as the validators compiled in this process`, () => {
      const pre = loadPrecompiled(v);
      assert.ok(pre, 'the generated file loads');
      const here = compileVariant(v);
      let failed = 0;
      for (const r of [...broken, ...records.filter((_, i) => i % 500 === 0)]) {
        const a: ValidateFunction = pre[stateOf(r)];
        const b: ValidateFunction = here[stateOf(r)];
        assert.equal(a(r), b(r));
        assert.deepEqual(a.errors ?? null, b.errors ?? null, (r.cveMetadata as { cveId: string }).cveId);
        if (a.errors) failed++;
      }
      assert.equal(failed, v.formats ? 11 : 9);
      // All errors: the record broken in three places gets all three.
      pre.PUBLISHED(broken[10]);
      const where = new Set((pre.PUBLISHED.errors ?? []).map((e) => e.instancePath));
      assert.ok(where.has('/containers/cna/descriptions') && where.has('/containers/cna'), [...where].join(' '));
      if (v.formats) assert.ok(where.has('/containers/cna/references/0/url'), [...where].join(' '));
    });
  }

  it('validateRecord explains with the generated all-errors validators: the same issues as compiled ones', () => {
    for (const formats of [false, true]) {
      const here = compileVariant({ formats, allErrors: true });
      for (const r of broken) {
        const got = validateRecord(r, { formats });
        if (got.ok) continue;
        here[stateOf(r)](r);
        assert.ok(got.issues.length > 0);
        assert.ok((here[stateOf(r)].errors ?? []).some((e) => e.instancePath === got.issues[0].path || got.issues[0].path.startsWith(e.instancePath)), `${formats} ${got.issues[0].path}`);
      }
    }
  });
});

describe('validateRecord on cve-services and cve-schema fixtures', () => {
  const dir = ['cve-services', 'test-schemas-5.0'];
  it('CVE-2017-4024_published.json passes', () => {
    assert.deepEqual(validateRecord(fixture(...dir, 'CVE-2017-4024_published.json')), { ok: true, issues: [] });
  });

  const failing: readonly (readonly [file: string, expected: string])[] = [
    ['CVE-2017-4024_fail.json', '/dataType: dataType must be "CVE_RECORD", got "CVE"'],
    ['CVE-2017-4024_fail_cveMetadata.json', '/cveMetadata: required property "cveMetadata" is missing'],
    ['CVE-2017-4024_published_bad_datePublic.json', '/containers/cna/datePublic: must be a date-time (YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM], years 1900 to 2999)'],
    ['CVE-2017-4024_published_fail.json', '/containers/cna/providerMetadata/orgId: must be a string'],
    ['CVE-2017-4024_rejected_fail.json', '/containers/cna/rejectedReasons: required property "rejectedReasons" is missing'],
    ['CVE-2017-4024_reserved_fail.json', '/cveMetadata/state: state must be PUBLISHED or REJECTED, got "RESERVED" (a RESERVED CVE ID has no CVE record yet)'],
    ['CVE-2017-4024_version_fail.json', '/dataVersion: unsupported dataVersion "4.0": expected 5.x'],
    // Service fixtures of CVE ID objects, not CVE records.
    ['CVE-2017-5833_reserved.json', '/containers: required property "containers" is missing'],
    ['CVE-2017-5835_rejected.json', '/containers: required property "containers" is missing'],
    ['cveRecordList.json', ': a CVE record must be a JSON object, got an array'],
  ];
  for (const [file, expected] of failing) {
    it(`${file} fails: ${expected}`, () => {
      const result = validateRecord(fixture(...dir, file));
      assert.equal(result.ok, false);
      assert.ok(paths(result.issues).includes(expected), JSON.stringify(paths(result.issues)));
      assert.ok(result.issues.length <= 10);
    });
  }

  it('the official cve-schema examples fail only on their placeholder CVE-1337-1234 (year before 1999)', () => {
    for (const file of ['CVEv5_advanced-example.json', 'CVEv5_basic-example.json']) {
      const example = fixture('cvelib', file) as Record<string, any>;
      assert.deepEqual(paths(validateRecord(example).issues), ['/cveMetadata/cveId: invalid CVE ID "CVE-1337-1234": year 1337 is before 1999, the first CVE year']);
      example.cveMetadata.cveId = 'CVE-2021-1234';
      assert.deepEqual(validateRecord(example), { ok: true, issues: [] }, file);
    }
  });
});

describe('validateRecord: hostile and broken inputs answer with clear issues', () => {
  const envelope: readonly (readonly [name: string, input: unknown, expected: string])[] = [
    ['null', null, ': a CVE record must be a JSON object, got null'],
    ['a string', 'CVE-2021-44228', ': a CVE record must be a JSON object, got a string'],
    ['a number', 42, ': a CVE record must be a JSON object, got a number'],
    ['wrong dataType', { ...base, dataType: 'CVE_ADVISORY' }, '/dataType: dataType must be "CVE_RECORD", got "CVE_ADVISORY"'],
    ['dataVersion 4.0', { ...base, dataVersion: '4.0' }, '/dataVersion: unsupported dataVersion "4.0": expected 5.x'],
    ['dataVersion as a number', { ...base, dataVersion: 5.1 }, '/dataVersion: dataVersion must be a string such as "5.1", got a number'],
    ['missing cveId', { ...base, cveMetadata: { ...base.cveMetadata, cveId: undefined } }, '/cveMetadata/cveId: required property "cveId" is missing'],
    [
      'cveId CVE-2020-0123X',
      { ...base, cveMetadata: { ...base.cveMetadata, cveId: 'CVE-2020-0123X' } },
      '/cveMetadata/cveId: invalid CVE ID "CVE-2020-0123X": unexpected "X" after the sequence number: expected CVE-YYYY-NNNN',
    ],
    [
      'cveId with a leading zero',
      { ...base, cveMetadata: { ...base.cveMetadata, cveId: 'CVE-2020-01234' } },
      '/cveMetadata/cveId: invalid CVE ID "CVE-2020-01234": sequence "01234" has a leading zero (5 or more digits never start with 0)',
    ],
    ['lower-case cveId', { ...base, cveMetadata: { ...base.cveMetadata, cveId: 'cve-2024-3273' } }, '/cveMetadata/cveId: CVE ID "cve-2024-3273" must be written in canonical form CVE-2024-3273'],
    ['missing cna', { ...base, containers: { adp: [] } }, '/containers/cna: required property "cna" is missing: every record has a CNA container'],
  ];
  for (const [name, input, expected] of envelope) {
    it(`X1520-10.1: ${name} is refused by checkEnvelope: ${expected}`, () => {
      const issues = checkEnvelope(JSON.parse(JSON.stringify(input ?? null)));
      assert.ok(paths(issues).includes(expected), JSON.stringify(paths(issues)));
      assert.equal(validateRecord(JSON.parse(JSON.stringify(input ?? null))).ok, false);
    });
  }

  it('checkEnvelope accepts every supported 5.x dataVersion (5.0, 5.1, 5.1.0, 5.1.1, 5.2)', () => {
    for (const dataVersion of ['5.0', '5.1', '5.1.0', '5.1.1', '5.2']) assert.deepEqual(checkEnvelope({ ...base, dataVersion }), [], dataVersion);
    for (const dataVersion of ['5', '05.1', '6.0', '5.1.1.1']) assert.equal(checkEnvelope({ ...base, dataVersion }).length, 1, dataVersion);
  });

  const schemaCases: readonly (readonly [name: string, breakIt: (r: Record<string, any>) => void, expected: string])[] = [
    ['empty descriptions', (r) => (r.containers.cna.descriptions = []), '/containers/cna/descriptions: must have at least 1 item'],
    ['bad dateUpdated', (r) => (r.cveMetadata.dateUpdated = 'yesterday'), '/cveMetadata/dateUpdated: must be a date-time (YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM], years 1900 to 2999)'],
    ['unknown property', (r) => (r.containers.cna.colour = 'red'), '/containers/cna/colour: property "colour" is not allowed here'],
    ['missing reference url', (r) => delete r.containers.cna.references[0].url, '/containers/cna/references/0/url: required property "url" is missing'],
    ['empty description value', (r) => (r.containers.cna.descriptions[0].value = ''), '/containers/cna/descriptions/0/value: must not be empty'],
    ['no English description', (r) => (r.containers.cna.descriptions = [{ lang: 'de', value: 'nur Deutsch' }]), '/containers/cna/descriptions: must contain at least one English ("en") entry'],
    ['bad orgId', (r) => (r.cveMetadata.assignerOrgId = 'not-a-uuid'), '/cveMetadata/assignerOrgId: must be a version 4 UUID'],
    [
      'affected without vendor/product or package',
      (r) => (r.containers.cna.affected = [{ versions: [{ version: '1', status: 'affected' }] }]),
      '/containers/cna/affected/0: must have either "vendor" and "product", or "collectionURL" and "packageName"',
    ],
  ];
  for (const [name, breakIt, expected] of schemaCases) {
    it(`schema: ${name} gives ${expected}`, () => {
      const r = clone(base);
      breakIt(r);
      const result = validateRecord(r);
      assert.equal(result.ok, false);
      assert.ok(paths(result.issues).includes(expected), JSON.stringify(paths(result.issues)));
      assert.ok(result.issues.length <= 3, `few issues, got ${result.issues.length}`);
    });
  }

  it('a reference URL that is not a URI passes by default and fails with formats on', () => {
    const r = clone(base);
    r.containers.cna.references[0].url = 'not a uri';
    assert.equal(validateRecord(r).ok, true);
    const strict = validateRecord(r, { formats: true });
    assert.deepEqual(paths(strict.issues), ['/containers/cna/references/0/url: must be a valid uri']);
  });

  it('a 50 MB description string answers (too long), does not hang', { timeout: 20_000 }, () => {
    const r = clone(base);
    r.containers.cna.descriptions[0].value = 'A'.repeat(50 * 1024 * 1024);
    const result = validateRecord(r);
    assert.equal(result.ok, false);
    assert.deepEqual(paths(result.issues), ['/containers/cna/descriptions/0/value: must be at most 4096 characters long']);
  });

  it('deeply nested junk answers without a stack overflow', { timeout: 20_000 }, () => {
    const r = clone(base);
    let deep: unknown = 'x';
    for (let i = 0; i < 5_000; i++) deep = { deep };
    r.containers.cna.x_deep = deep;
    assert.equal(validateRecord(r).ok, true, 'x_ properties are open in CVE JSON 5');
    r.containers.cna.deep = deep;
    assert.deepEqual(paths(validateRecord(r).issues), ['/containers/cna/deep: property "deep" is not allowed here']);
  });
});

describe('uniqueItems in linear time agrees with Ajv\'s pairwise check', () => {
  // Ajv's own equality (fast-deep-equal) and its loopN2: the largest i equal to an earlier j, largest j.
  const equal = createRequire(import.meta.url)('ajv/dist/runtime/equal').default as (a: unknown, b: unknown) => boolean;
  const ajvPair = (items: readonly unknown[]): readonly [number, number] | undefined => {
    for (let i = items.length; i--; ) for (let j = i; j--; ) if (equal(items[i], items[j])) return [i, j];
    return undefined;
  };
  const ref = base.containers.cna.references[0];
  const reordered = Object.fromEntries(Object.entries(ref).reverse());
  const cases: readonly (readonly [name: string, items: readonly unknown[]])[] = [
    ['distinct real references', base.containers.cna.references],
    ['an exact repeat', [ref, { url: 'https://example.org/' }, clone(ref)]],
    ['a repeat with its keys in another order', [ref, { url: 'https://example.org/' }, reordered]],
    ['several repeats: the last pair wins', [1, 'a', 1, 'a', 2, 'a']],
    ['0 and -0, "1" and 1, null and {}', [0, '1', null, {}, 1, -0]],
    ['arrays: order matters', [[1, 2], [2, 1], [1, [2]], [[1], 2]]],
    ['nested objects in any key order', [{ a: { b: 1, c: [1, { d: 2, e: 3 }] } }, { a: { c: [1, { e: 3, d: 2 }], b: 1 } }]],
    ['not plain JSON: undefined members', [{ a: undefined }, {}, { a: undefined }]],
    ['not plain JSON: class instances and NaN', [new Date(0), new Date(0), Number.NaN, Number.NaN]],
    ['not plain JSON: own constructor key', [{ constructor: {} }, { constructor: {} }]],
  ];
  for (const [name, items] of cases) {
    it(`${name}: same pair as Ajv`, () => assert.deepEqual(findDuplicateItems(items), ajvPair(items)));
  }

  it('agrees with Ajv on 2,000 random arrays of small JSON values, short (pairwise) and long (by signature)', () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const value = (depth: number): unknown => {
      switch (rnd(depth > 2 ? 4 : 6)) {
        case 0: return rnd(3);
        case 1: return ['a', 'b', ''][rnd(3)];
        case 2: return rnd(2) === 0;
        case 3: return null;
        case 4: return Array.from({ length: rnd(3) }, () => value(depth + 1));
        default: {
          const keys = ['x', 'y', 'z'].filter(() => rnd(2) === 0);
          if (rnd(2) === 0) keys.reverse();
          return Object.fromEntries(keys.map((k) => [k, value(depth + 1)]));
        }
      }
    };
    let long = 0;
    let longWithPair = 0;
    for (let n = 0; n < 2000; n++) {
      const items = Array.from({ length: rnd(24) }, () => value(0));
      const pair = ajvPair(items);
      assert.deepEqual(findDuplicateItems(items), pair, JSON.stringify(items));
      if (items.length > 8) {
        long++;
        if (pair) longWithPair++;
      }
    }
    // Both paths were exercised, the long one with and without duplicates.
    assert.ok(long > 500 && longWithPair > 50 && longWithPair < long, `${long} long arrays, ${longWithPair} with a pair`);
  });

  it('a record with a repeated reference (keys reordered) fails as the stock Ajv says, naming both items', () => {
    const r = clone(base);
    r.containers.cna.references.push(Object.fromEntries(Object.entries(r.containers.cna.references[0]).reverse()));
    const n = r.containers.cna.references.length - 1;
    assert.equal(compileFullSchemaValidator()(r), false);
    assert.deepEqual(paths(validateRecord(r).issues), [`/containers/cna/references: must not contain duplicates (items 0 and ${n} are equal)`]);
  });

  it('a repeated reference tag is found as Ajv finds it (stock Ajv: params {i: 2, j: 0})', () => {
    const r = clone(base);
    r.containers.cna.references[0].tags = ['patch', 'vendor-advisory', 'patch'];
    assert.equal(compileFullSchemaValidator()(r), false);
    assert.deepEqual(paths(validateRecord(r).issues), ['/containers/cna/references/0/tags: must not contain duplicates (items 0 and 2 are equal)']);
  });

  it('512 distinct references (the schema\'s maximum) pass; 513 are too many', () => {
    const r = clone(base);
    r.containers.cna.references = Array.from({ length: 512 }, (_, i) => ({ url: `https://example.org/advisory/${i}`, tags: ['patch'] }));
    assert.equal(validateRecord(r).ok, true);
    r.containers.cna.references.push({ url: 'https://example.org/advisory/512' });
    assert.deepEqual(paths(validateRecord(r).issues), ['/containers/cna/references: must have at most 512 items']);
  });
});
