import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { hashRecordJson } from '../cve/index.ts';
import { sharedData } from '../../test/support/paths.ts';
import { currentRow, derivedRows, summaryRows, writeDerivedRows, writeState } from '../store/rows.ts';
import { completeRecord, decodeCompletion, encodeCompletion, isMinifiedJson, parseBytes, recordWrite } from './prepare.ts';

const lines = readFileSync(sharedData('cve5', 'records.jsonl'), 'utf8').split('\n').filter((line) => line !== '');

describe('isMinifiedJson: the input line is kept as the stored form only when JSON.stringify would write it', () => {
  it('every real JSONL line is its own minified form, and says so', () => {
    for (const line of lines) {
      const value = JSON.parse(line) as unknown;
      assert.equal(isMinifiedJson(line, value), JSON.stringify(value) === line);
      assert.equal(isMinifiedJson(line, value), true);
    }
  });

  const cases: readonly (readonly [text: string, minified: boolean])[] = [
    ['{"a":1}', true],
    ['{"a": 1}', false],
    ['{\n"a":1}', false],
    ['{"a":1,"a":2}', false],
    ['{"b":1,"1":2}', false],
    ['{"a":"\\u0041"}', false],
    ['{"a":"x\\"y"}', true],
    ['{"a":"\\/"}', false],
    ['{"a":"\\\\"}', true],
    ['{"a":"b\\\\","c":"\\n\\t"}', true],
    ['{"a":1.0}', false],
    ['{"a":-0}', false],
    ['{"a":1e3}', false],
    ['{"a":-1.5,"b":[0,10,0.25]}', true],
    ['[1,2,{"x":[true,false,null]}]', true],
    ['{"__proto__":{"x":1}}', true],
    ['{"a":{"b":{"c":"d","c":"e"}}}', false],
    ['{}', true],
    ['[]', true],
    ['1', true],
    ['"x"', true],
    ['null', true],
    [' 1', false],
    ['[{"a":[{"b":1,"b":1}]}]', false],
  ];
  for (const [text, minified] of cases) {
    it(`${text} → ${minified}, as JSON.stringify agrees`, () => {
      const value = JSON.parse(text) as unknown;
      assert.equal(JSON.stringify(value) === text, minified);
      assert.equal(isMinifiedJson(text, value), minified);
    });
  }

  it('an enumerable property added to Object.prototype cannot hide a repeated key (the check then says no)', () => {
    const text = '{"a":1,"a":2}';
    const value = JSON.parse(text) as unknown;
    Object.defineProperty(Object.prototype, 'polluted', { value: 1, enumerable: true, configurable: true });
    try {
      assert.equal(isMinifiedJson(text, value), false);
      assert.equal(isMinifiedJson('{"a":1}', JSON.parse('{"a":1}')), false);
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
    assert.equal(isMinifiedJson('{"a":1}', JSON.parse('{"a":1}')), true);
  });

  it('a pretty-printed record is stored minified, with the hash of the minified text', () => {
    const record = JSON.parse(lines[0]) as unknown;
    const pretty = parseBytes(Buffer.from(JSON.stringify(record, null, 4)), undefined);
    const line = parseBytes(Buffer.from(lines[0]), undefined);
    assert.equal(pretty.kind, 'parsed');
    assert.equal(line.kind, 'parsed');
    if (pretty.kind === 'parsed' && line.kind === 'parsed') {
      assert.equal(pretty.json, lines[0]);
      assert.equal(pretty.hash, line.hash);
    }
  });
});

describe('the content hash is the stored text\'s, whichever way it is taken', () => {
  it('from the line\'s own bytes (minified), after one BOM or two, and from the re-serialised text alike', () => {
    // One record with non-ASCII text: its UTF-8 bytes and its JavaScript string differ in length.
    const line = lines.find((l) => /[^\x00-\x7f]/.test(l)) ?? assert.fail('no non-ASCII record in the sample');
    const expected = hashRecordJson(line);
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const inputs: readonly [string, Buffer][] = [
      ['plain', Buffer.from(line)],
      ['BOM', Buffer.concat([bom, Buffer.from(line)])],
      ['two BOMs', Buffer.concat([bom, bom, Buffer.from(line)])],
      ['pretty', Buffer.from(JSON.stringify(JSON.parse(line), null, 2))],
      ['pretty after a BOM', Buffer.concat([bom, Buffer.from(JSON.stringify(JSON.parse(line), null, 2))])],
      ['a slice of a larger buffer', Buffer.from(`xx${line}yy`).subarray(2, 2 + Buffer.byteLength(line))],
    ];
    for (const [what, bytes] of inputs) {
      const p = parseBytes(bytes, undefined);
      assert.equal(p.kind, 'parsed', what);
      if (p.kind === 'parsed') {
        assert.equal(p.json, line, what);
        assert.equal(p.hash, expected, what);
      }
    }
  });
});

describe('a worker\'s completion carries the rows the store writes, equal to the store\'s own', () => {
  it('on every real record (records-all, 62,867): rows, current row, derived rows, state and summary', () => {
    const all = gunzipSync(readFileSync(sharedData('cve5', 'records-all.jsonl.gz'))).toString('utf8').split('\n').filter((line) => line !== '');
    const enc = new TextEncoder();
    let valid = 0;
    for (const line of all) {
      const parsed = parseBytes(enc.encode(line), undefined);
      if (parsed.kind !== 'parsed') continue;
      const here = completeRecord(parsed.record, parsed.cveId);
      const there = decodeCompletion(encodeCompletion(here, parsed.cveId), parsed.json);
      assert.equal(there.kind, here.kind, parsed.cveId);
      if (here.kind !== 'valid' || there.kind !== 'valid') {
        assert.deepEqual(there, here);
        continue;
      }
      valid++;
      assert.deepEqual(there.rows, summaryRows(parsed.cveId, here.summary), parsed.cveId);
      const plain = recordWrite(parsed, here, 'cvelistV5', 'x');
      const precomputed = recordWrite(parsed, there, 'cvelistV5', 'x');
      assert.equal(plain.rows, undefined);
      assert.deepEqual(currentRow(precomputed), currentRow(plain), parsed.cveId);
      assert.deepEqual(writeDerivedRows(precomputed), derivedRows(parsed.cveId, here.summary), parsed.cveId);
      assert.equal(writeState(precomputed), here.summary.state);
      // The summary, when read, is the one computed here (made again from the stored JSON).
      assert.deepEqual(precomputed.summary, here.summary);
    }
    assert.ok(valid > 60_000, `${valid} valid records compared`);
  });

  it('a failure travels as it is', () => {
    const failure = { kind: 'quarantine', code: 'SCHEMA', message: '/x: bad', extra: { cveId: 'CVE-2024-0001', path: '/x' } } as const;
    assert.deepEqual(decodeCompletion(encodeCompletion(failure, 'CVE-2024-0001'), '{}'), failure);
  });
});

describe('parseBytes: a record that is not JSON says where, by line and column', () => {
  const enc = new TextEncoder();
  const pretty = JSON.stringify(JSON.parse(lines[0]) as unknown, null, 2);
  const failure = (text: string) => {
    const parsed = parseBytes(enc.encode(text), undefined);
    assert.equal(parsed.kind, 'quarantine');
    return parsed as Extract<typeof parsed, { kind: 'quarantine' }>;
  };
  /** Line and column of the last character of `text` before trailing whitespace, plus one. */
  const endOf = (text: string) => {
    const rows = text.trimEnd().split('\n');
    return `line ${rows.length} column ${rows[rows.length - 1].length + 1}`;
  };

  it('a file cut off where the engine says only "Unexpected end of JSON input" (after a colon, in a literal) names where it ends', () => {
    const afterColon = pretty.slice(0, pretty.indexOf('"cveMetadata": ') + '"cveMetadata": '.length);
    for (const cut of [afterColon, `${afterColon}\n  `, '{\n  "a": [1, tru', '{"a":', '']) {
      const f = failure(cut);
      assert.equal(f.code, 'JSON_TRUNCATED', cut.slice(-40));
      assert.ok(f.message.startsWith(`JSON ends early (truncated record) at ${endOf(cut)}: `), f.message);
    }
  });

  it('a file cut off where the engine names a position (half of a pretty-printed record) is truncated, at that line and column', () => {
    const cut = pretty.slice(0, Math.floor(pretty.length / 2));
    const f = failure(cut);
    assert.equal(f.code, 'JSON_TRUNCATED');
    // The engine's own line and column are the ones given, once.
    let engine = '';
    try {
      JSON.parse(cut);
    } catch (err) {
      engine = /\(line (\d+) column (\d+)\)$/.exec((err as Error).message)?.slice(1, 3).join(' column ') ?? '';
    }
    assert.ok(engine !== '', 'the engine names a line and column for this cut');
    assert.match(f.message, new RegExp(`^JSON ends early \\(truncated record\\) at line ${engine}: `));
    assert.doesNotMatch(f.message, /\(line \d+ column \d+\)/);
    assert.doesNotMatch(f.message, /position/, 'the place is said once, as a line and column');
  });

  it('a bad literal (for which the engine names no position) is JSON_SYNTAX at its line and column, without the text quoted', () => {
    for (const [text, where, token] of [
      ['{\n  "a": tru}', 'line 2 column 11', '"}"'],
      ['{"a": [1, nul, 2]}', 'line 1 column 14', '","'],
      ['{\n  "a": fals\n}', 'line 2 column 12', '"\\n"'],
    ] as const) {
      const f = failure(text);
      assert.equal(f.code, 'JSON_SYNTAX', text);
      assert.equal(f.message, `invalid JSON at ${where}: Unexpected token ${token}`, text);
    }
  });

  it('a syntax error before the end is JSON_SYNTAX at its line and column', () => {
    const f = failure('{\n  "a": 1,,\n  "b": 2\n}');
    assert.equal(f.code, 'JSON_SYNTAX');
    assert.match(f.message, /^invalid JSON at line 2 column 10: /);
    const after = failure('{"a": 1} x');
    assert.equal(after.message, 'invalid JSON at line 1 column 10: Unexpected non-whitespace character after JSON');
  });
});
