import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contentAsOfLine, oneLine, toXmlChars, truncate, visibleText, xmlAttr, xmlComment, xmlText } from './index.ts';
import { xmllint } from '../../test/support/xmllint.ts';
import { CONTROLS, CTX, RTL } from './testing.ts';

describe('escaping', () => {
  test('XML text and attributes: markup escaped, ]]> broken, characters XML 1.0 forbids replaced, CR/tab/LF kept as references in attributes', () => {
    assert.equal(xmlText('a<b>&c ]]> "q"'), 'a&lt;b&gt;&amp;c ]]&gt; "q"');
    assert.equal(xmlText('x\r\ny'), 'x&#13;\ny');
    assert.equal(xmlAttr('a"b<c>\t\n\r&'), 'a&quot;b&lt;c&gt;&#9;&#10;&#13;&amp;');
    assert.equal(toXmlChars(CONTROLS), '\ufffd'.repeat(7) + '\u007f\u0085\u009f' + '\ufffd\ufffd');
    assert.equal(toXmlChars('😀 \ud83d\ude00'), '😀 😀', 'surrogate pairs are characters, not lone surrogates');
    for (const s of ['<script>', ']]>', CONTROLS, RTL, '--', '-']) {
      const doc = `<a b="${xmlAttr(s)}">${xmlText(s)}${xmlComment(s)}</a>`;
      assert.equal(xmllint(doc).ok, true, JSON.stringify(s));
    }
    assert.equal(xmlComment('a--b-'), '<!-- a- -b-  -->');
  });

  test('visible text: controls removed, CRLF to LF, bidi controls shown, lone surrogates replaced', () => {
    assert.equal(visibleText(`a\r\nb\rc\u0000\u001b[31m\u0085`), 'a\nb\nc[31m');
    assert.equal(visibleText(RTL), 'invoice<U+202E>gpj.exe<U+202C>');
    assert.equal(visibleText('\u2066x\u2069\u061c'), '<U+2066>x<U+2069><U+061C>');
    assert.equal(visibleText('\ud800x\ufffe'), '\ufffdx\ufffd');
    assert.equal(oneLine(' a\n\tb  c '), 'a b c');
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.equal(truncate('ab😀', 4), 'ab😀');
    assert.equal(truncate('a😀bc', 3), 'a…', 'never cuts a surrogate pair');
  });

  test('X1520-9.1, X1520-9.2: the content date line', () => {
    assert.equal(contentAsOfLine(CTX), 'CVE content as of 2025-01-24 14:00Z (source cvelistV5, release 2025-01-24_at_1400Z)');
    assert.equal(contentAsOfLine({ ...CTX, release: undefined, outOfDate: true }), 'CVE content as of 2025-01-24 14:00Z (source cvelistV5) — out of date: older than three months');
    assert.equal(contentAsOfLine({ contentDate: '2025-01-24', outOfDate: false, generatedAt: '' }), 'CVE content as of 2025-01-24');
    assert.equal(contentAsOfLine({ ...CTX, source: 'evil\nsource' }), 'CVE content as of 2025-01-24 14:00Z (source evil source, release 2025-01-24_at_1400Z)');
    assert.match(contentAsOfLine({ outOfDate: true, generatedAt: '' }), /^CVE content as of: unknown/);
  });
});
