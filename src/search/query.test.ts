/**
 * The query language: every field, CVE names in every syntax (X1520-10.1, 10.2), the
 * errors with their columns, and formatQuery round trips. Pure: no store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatQuery, parseQuery, QuerySyntaxError } from './query.ts';
import type { ParsedQuery } from './query.ts';

describe('parseQuery', () => {
  const cases: [string, ParsedQuery][] = [
    ['', {}],
    ['log4j', { words: ['log4j'] }],
    ['remote "code execution" -windows -"proof of concept"', { words: ['remote'], phrases: ['code execution'], excluded: ['windows', 'proof of concept'] }],
    ['log4*', { words: ['log4*'] }],
    ['vendor:apache vendor:Microsoft', { vendors: ['apache', 'Microsoft'] }],
    ['product:"http server"', { products: ['http server'] }],
    ['cwe:79 cwe:CWE-89 cwe:20,787', { cwes: ['CWE-79', 'CWE-89', 'CWE-20', 'CWE-787'] }],
    ['kev:yes', { kev: true }],
    ['kev:no', { kev: false }],
    ['-kev:yes', { kev: false }],
    ['has:kev', { kev: true }],
    ['has:fix', { hasFix: true }],
    ['-has:fix', { hasFix: false }],
    ['state:rejected,published', { states: ['REJECTED', 'PUBLISHED'] }],
    ['year:2024', { years: { from: 2024, to: 2024 } }],
    ['year:2020..2023', { years: { from: 2020, to: 2023 } }],
    ['year:2020..', { years: { from: 2020 } }],
    ['year:..2010', { years: { to: 2010 } }],
    ['assigner:redhat cna:mitre', { assigners: ['redhat', 'mitre'] }],
    ['severity:critical severity:high,medium', { severities: ['CRITICAL', 'HIGH', 'MEDIUM'] }],
    ['score:>=9', { scoreMin: 9 }],
    ['score:>9', { scoreMin: 9.1 }],
    ['score:<4', { scoreMax: 3.9 }],
    ['score:7..8.9', { scoreMin: 7, scoreMax: 8.9 }],
    ['score:9.8', { scoreMin: 9.8, scoreMax: 9.8 }],
    ['cvss:3.1', { cvssVersion: '3.1' }],
    ['cvss:4', { cvssVersion: '4.0' }],
    ['cvss:v2', { cvssVersion: '2.0' }],
    ['published:>=2024-01-01', { published: { from: '2024-01-01' } }],
    ['published:>2024-01-31', { published: { from: '2024-02-01' } }],
    ['published:<2024-01-01', { published: { to: '2023-12-31' } }],
    ['published:2024-03', { published: { from: '2024-03', to: '2024-03' } }],
    ['updated:2024-01-01..2024-06-30', { updated: { from: '2024-01-01', to: '2024-06-30' } }],
    ['sort:published order:asc', { sort: 'published', order: 'asc' }],
    ['VENDOR:apache Sort:Score', { vendors: ['apache'], sort: 'score' }],
    ['https://example.com/advisory', { words: ['https://example.com/advisory'] }],
    ['"vendor:apache"', { phrases: ['vendor:apache'] }],
    ['x-ray', { words: ['x-ray'] }],
    ['- lonely', { words: ['-', 'lonely'] }],
  ];
  for (const [text, want] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => assert.deepEqual(parseQuery(text), want));
  }

  it('reads the whole example of the issue', () => {
    const q = parseQuery(
      'vendor:apache product:"http server" cwe:79 kev:yes state:rejected year:2024' +
        ' assigner:redhat severity:critical score:>=9 cvss:3.1 has:fix published:>=2024-01-01 updated:2024-01-01..2024-06-30 sort:published order:asc "remote code execution" -word',
    );
    assert.deepEqual(q, {
      phrases: ['remote code execution'],
      excluded: ['word'],
      states: ['REJECTED'],
      years: { from: 2024, to: 2024 },
      assigners: ['redhat'],
      vendors: ['apache'],
      products: ['http server'],
      cwes: ['CWE-79'],
      cvssVersion: '3.1',
      severities: ['CRITICAL'],
      scoreMin: 9,
      kev: true,
      hasFix: true,
      published: { from: '2024-01-01' },
      updated: { from: '2024-01-01', to: '2024-06-30' },
      sort: 'published',
      order: 'asc',
    });
  });

  const names: [string, string[]][] = [
    ['CVE-2021-44228', ['CVE-2021-44228']],
    ['cve-2021-44228', ['CVE-2021-44228']],
    ['2021-44228', ['CVE-2021-44228']],
    ['2024-1234567', ['CVE-2024-1234567']],
    ['CAN-1999-0067', ['CVE-1999-0067']],
    ['can–1999–0067', ['CVE-1999-0067']],
    ['CVE 2021 44228', ['CVE-2021-44228']],
    ['ＣＶＥ－２０２１－４４２２８', ['CVE-2021-44228']],
    ['CVE%2D2021%2D44228', ['CVE-2021-44228']],
    ['CVE-2021-44228,CVE-2021-45046', ['CVE-2021-44228', 'CVE-2021-45046']],
    ['"CVE-2021-44228"', ['CVE-2021-44228']],
  ];
  for (const [text, ids] of names) {
    it(`X1520-10.1 X1520-10.2: ${JSON.stringify(text)} is the CVE name ${ids.join(', ')}`, () => {
      assert.deepEqual(parseQuery(text).cveIds, ids);
    });
  }

  it('a CVE name with words keeps both', () => {
    assert.deepEqual(parseQuery('2021-44228 jndi vendor:apache'), { words: ['jndi'], cveIds: ['CVE-2021-44228'], vendors: ['apache'] });
  });

  it('dates and look-alikes are not CVE names', () => {
    assert.deepEqual(parseQuery('2024-01-01'), { words: ['2024-01-01'] });
    assert.deepEqual(parseQuery('CVE-2021-01234'), { words: ['CVE-2021-01234'] });
  });

  const errors: [string, RegExp, number][] = [
    ['vendr:apache', /^unknown field "vendr" at column 1: did you mean vendor\?/, 1],
    ['log4j prodcut:x', /unknown field "prodcut" at column 7: did you mean product\?/, 7],
    ['foo year:20x4', /^year:20x4 at column 5 is not a year/, 5],
    ['remote exec "unterminated', /^unterminated quote at column 13/, 13],
    ['vendor:"apache', /^unterminated quote at column 8/, 8],
    ['kev:maybe', /kev:maybe at column 1 is not yes or no/, 1],
    ['state:gone', /is not a record state: published, rejected or reserved/, 1],
    ['severity:urgent', /is not a severity/, 1],
    ['score:>=11', /is not a CVSS score/, 1],
    ['score:9..2', /is an empty range/, 1],
    ['cvss:5', /is not a CVSS version/, 1],
    ['published:2024-02-30', /is not a date/, 1],
    ['published:2024-06-01..2024-01-01', /is an empty range/, 1],
    ['published:>2024', /needs a full date after >/, 1],
    ['year:2024 year:2023', /year:2023 at column 11 repeats year: \(already given at column 1\)/, 11],
    ['sort:popularity', /is not a sort: relevance, published, updated, score, id/, 1],
    ['order:up', /is not an order/, 1],
    ['has:exploit', /has:fix or has:kev/, 1],
    ['-vendor:apache', /cannot be negated/, 1],
    ['vendor:', /has no value/, 1],
    ['cwe:xss', /is not a CWE id/, 1],
    ['error: stack', /unknown field "error" at column 1: the fields are/, 1],
    ['a'.repeat(5000), /^the query is 5000 characters long: at most 4096/, 4097],
  ];
  for (const [text, message, column] of errors) {
    it(`points at the mistake in ${JSON.stringify(text.slice(0, 40))}`, () => {
      assert.throws(
        () => parseQuery(text),
        (e: unknown) => e instanceof QuerySyntaxError && message.test(e.message) && e.column === column && e.code === 'QUERY_SYNTAX',
      );
    });
  }
});

describe('formatQuery', () => {
  for (const text of [
    'vendor:apache product:"http server" cwe:79,89 kev:yes state:rejected year:2020..2023 assigner:redhat severity:critical,high score:7..9 cvss:3.1 -has:fix published:>=2024-01-01 updated:<=2024-06-30 sort:score order:asc "remote code execution" -word',
    'CVE-2021-44228 log4* -"proof of concept"',
    'year:2020.. score:<=4',
    '',
  ]) {
    it(`round-trips ${JSON.stringify(text.slice(0, 50))}`, () => {
      const q = parseQuery(text);
      assert.deepEqual(parseQuery(formatQuery(q)), q);
    });
  }
});
