import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonErrorAt, jsonErrorOffset, lineAndColumn } from './json-error.ts';

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

  it('lineAndColumn counts from 1', () => {
    assert.deepEqual(lineAndColumn('ab\ncd\nef', 0), { line: 1, column: 1 });
    assert.deepEqual(lineAndColumn('ab\ncd\nef', 4), { line: 2, column: 2 });
    assert.deepEqual(lineAndColumn('ab\ncd\nef', 8), { line: 3, column: 3 });
  });
});
