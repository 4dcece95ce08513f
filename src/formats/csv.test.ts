import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CSV_COLUMNS, contentAsOfLine, csvHeader, csvLine, defuseCsvCell, toCsvCells, toCsvRow } from './index.ts';
import { BIG, CTX, TEXT_FORBIDDEN, hostileRecord, hostileRejected, realRecord, realRecords } from './testing.ts';

/** A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes; throws on anything else. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const row: string[] = [];
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new Error(`unclosed quote at ${i}`);
          cell += text.slice(i, q);
          i = q + 1;
          if (text[i] === '"') { cell += '"'; i++; } else break;
        }
      } else {
        const end = text.slice(i).search(/[,\r\n"]/);
        const stop = end < 0 ? text.length : i + end;
        if (text[stop] === '"') throw new Error(`bare quote at ${stop}`);
        cell = text.slice(i, stop);
        i = stop;
      }
      row.push(cell);
      if (text[i] === ',') { i++; continue; }
      if (text.startsWith('\r\n', i)) { i += 2; break; }
      throw new Error(`expected , or CRLF at ${i}, got ${JSON.stringify(text[i])}`);
    }
    rows.push(row);
  }
  return rows;
}

describe('CSV', () => {
  test('header: the CVE name first, then the documented columns', () => {
    assert.equal(csvHeader(), `${CSV_COLUMNS.join(',')}\r\n`);
    assert.equal(CSV_COLUMNS[0], 'cveId');
    assert.deepEqual(parseCsv(csvHeader()), [[...CSV_COLUMNS]]);
  });

  test('X1520-6.10, X1520-9.1: all 11,053 sample records read back through a strict RFC 4180 reader, CVE name first, content date on every row', () => {
    const samples = realRecords();
    const text = csvHeader() + samples.map((s) => toCsvRow(s.summary, CTX)).join('');
    const rows = parseCsv(text);
    assert.equal(rows.length, samples.length + 1);
    samples.forEach((s, i) => {
      const row = rows[i + 1]!;
      assert.equal(row.length, CSV_COLUMNS.length, s.summary.cveId);
      assert.equal(row[0], s.summary.cveId);
      assert.equal(row[1], s.summary.state);
      assert.equal(row.at(-1), contentAsOfLine(CTX));
      assert.ok(row[CSV_COLUMNS.indexOf('kev')] === 'yes' || row[CSV_COLUMNS.indexOf('kev')] === 'no');
      for (const cell of row) assert.doesNotMatch(cell, TEXT_FORBIDDEN, s.summary.cveId);
    });
  });

  test('the values of a real record', () => {
    const cells = toCsvCells(realRecord('CVE-2011-0611').summary);
    const get = (c: (typeof CSV_COLUMNS)[number]) => cells[CSV_COLUMNS.indexOf(c)];
    assert.equal(get('cveId'), 'CVE-2011-0611');
    assert.equal(get('datePublished'), '2011-04-13T14:00:00.000Z');
    assert.equal(get('assigner'), 'adobe');
    assert.equal(get('vendors'), 'adobe');
    assert.equal(get('products'), 'flash_player; air; reader; acrobat');
    assert.equal(get('cwes'), 'CWE-843');
    assert.deepEqual([get('cvssVersion'), get('cvssScore'), get('cvssSeverity')], ['3.1', '8.8', 'HIGH']);
    assert.equal(get('kev'), 'yes');
    assert.equal(get('replacedBy'), '');
    assert.equal(get('contentAsOf'), '');
  });

  test('X1520-7.8: a rejected row names the replacements', () => {
    const cells = toCsvCells(realRecord('CVE-2024-4810').summary, CTX);
    assert.equal(cells[CSV_COLUMNS.indexOf('state')], 'REJECTED');
    assert.equal(cells[CSV_COLUMNS.indexOf('replacedBy')], 'CVE-2024-36015');
    assert.equal(cells[CSV_COLUMNS.indexOf('dateRejected')], '2024-05-29T07:53:24.899Z');
  });

  test('formula injection: cells starting with = + - @ tab CR get a leading quote', () => {
    for (const [input, output] of [
      ['=1+1', "'=1+1"],
      ['+1', "'+1"],
      ['-2+3', "'-2+3"],
      ['@SUM(A1)', "'@SUM(A1)"],
      ['\tx', "'\tx"],
      ['\rx', "'\rx"],
      ['=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'],
      ['a=1', 'a=1'],
      ['CVE-2021-44228', 'CVE-2021-44228'],
      ['', ''],
      [' =x', ' =x'],
    ] as const) assert.equal(defuseCsvCell(input), output, JSON.stringify(input));

    const h = hostileRecord();
    const [row] = parseCsv(toCsvRow(h.summary, CTX));
    const get = (c: (typeof CSV_COLUMNS)[number]) => row![CSV_COLUMNS.indexOf(c)];
    assert.equal(get('assigner'), '\'=HYPERLINK("http://evil")');
    assert.equal(get('vendors'), "'=cmd|' /C calc'!A0; +evil");
    assert.equal(get('products'), `@SUM(1+1); -${BIG}`.replace(/^/, "'"));
    for (const cell of row!) assert.doesNotMatch(cell, /^[=+\-@\t\r]/);
    for (const cell of row!) assert.doesNotMatch(cell, TEXT_FORBIDDEN);
  });

  test('RFC 4180 quoting: commas, quotes and line breaks inside a cell', () => {
    assert.equal(csvLine(['a,b', 'say "hi"', 'two\nlines', 'plain']), '"a,b","say ""hi""","two\nlines",plain\r\n');
    assert.deepEqual(parseCsv(csvLine(['a,b', 'say "hi"', 'two\r\nlines'])), [['a,b', 'say "hi"', 'two\nlines']]);
    const h = hostileRecord();
    const [row] = parseCsv(toCsvRow(h.summary));
    const desc = row![CSV_COLUMNS.indexOf('description')]!;
    assert.match(desc, /^<img src=x onerror=alert\(1\)> & \]\]> --> <!-- "quoted" 'single' \ufffd\ufffd\nline two\ttab invoice<U\+202E>gpj\.exe<U\+202C> see CVE-2021-44228$/);
    const r = hostileRejected();
    assert.deepEqual(parseCsv(toCsvRow(r.summary))[0]!.slice(0, 2), ['CVE-2099-0002', 'REJECTED']);
  });
});
