import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { elementJsonError, jsonErrorAt, jsonErrorOffset, jsonErrorPlace, lineAndColumn } from './json-error.ts';

const errorOf = (text: string): unknown => {
  try {
    JSON.parse(text);
  } catch (err) {
    return err;
  }
  throw new Error(`${text} parsed`);
};

describe('where JSON.parse failed', () => {
  it('jsonErrorOffset: the first error, lexical or of grammar, past strings (with escapes) and numbers', () => {
    assert.equal(jsonErrorOffset('{"a": true, "b": [1, -2.5e+3, null, false, "\\u00e9\\n"], "c": {}}'), undefined);
    const cases: Array<[string, number]> = [
      ['{"a": tru}', 9],
      ['{"t\\"ru": trxe}', 12], // a literal inside a string, with an escaped quote, is not one
      ['[1, @]', 4],
      ['[1,,2]', 3],
      ['{"a":1 "b":2}', 7],
      ['{"a" 1}', 5],
      ['{1:2}', 1],
      ['["\\x"]', 3],
      ['["a\tb"]', 3], // a raw control character in a string
      ['[nul', 4], // cut off: the end
      ['["abc', 5],
      ['[1] 2', 4], // text after the value
    ];
    for (const [text, at] of cases) assert.equal(jsonErrorOffset(text), at, text);
    // Every case is one JSON.parse refuses.
    for (const [text] of cases) assert.throws(() => JSON.parse(text), SyntaxError, text);
    assert.equal(jsonErrorOffset(`${'['.repeat(200_000)}x`), undefined, 'nested past the stack: no answer, no crash');
  });

  it('jsonErrorAt: the engine\'s own position, or the bad literal\'s, and no quotation of the text', () => {
    assert.deepEqual(jsonErrorAt(errorOf('[1,,2]'), '[1,,2]').offset, 3);
    const secret = '{"description": "a long text that should not be echoed", "x": tru}';
    const at = jsonErrorAt(errorOf(secret), secret);
    assert.equal(at.offset, secret.length - 1);
    assert.equal(at.message, 'Unexpected token "}"');
  });

  it('jsonErrorPlace: a line and column, and whether the text was cut off rather than wrong', () => {
    const cut = '{"id": "CVE-2024-0001",\n "published": ';
    assert.deepEqual(jsonErrorPlace(errorOf(cut), cut), { truncated: true, line: 2, column: 14, message: 'Unexpected end of JSON input' });
    const bad = '{"a": 1,\n "b": [1,,2]}';
    assert.deepEqual(jsonErrorPlace(errorOf(bad), bad), { truncated: false, line: 2, column: 10, message: 'Unexpected token ","' });
    const open = '["abc';
    assert.equal(jsonErrorPlace(errorOf(open), open).truncated, true, 'an unterminated string is a cut');
  });

  it('elementJsonError: the place within one element of a larger input, without V8\'s position or quotation', () => {
    const line = '{"id":"CVE-2024-0001","published":';
    assert.equal(elementJsonError(errorOf(line), line), 'cut short at column 35: Unexpected end of JSON input');
    const pretty = '{\n  "cve": {"id": "CVE-2024-0001",\n  "x": tru}}';
    assert.equal(elementJsonError(errorOf(pretty), pretty), 'not valid JSON at its line 3 column 11: Unexpected token "}"');
    const ctl = '{"a": "x\ty"}';
    assert.equal(elementJsonError(errorOf(ctl), ctl), 'not valid JSON at column 9: Bad control character in string literal');
  });

  it('lineAndColumn counts from 1', () => {
    assert.deepEqual(lineAndColumn('ab\ncd\nef', 0), { line: 1, column: 1 });
    assert.deepEqual(lineAndColumn('ab\ncd\nef', 4), { line: 2, column: 2 });
    assert.deepEqual(lineAndColumn('ab\ncd\nef', 8), { line: 3, column: 3 });
  });
});
