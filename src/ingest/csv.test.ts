import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { CsvError, CsvParser, parseCsv, readCsv, readCsvRecords } from './csv.ts';
import type { CsvEvent, CsvInput, CsvOptions, CsvRecordEvent } from './csv.ts';
import { sharedData } from '../../test/support/paths.ts';

const rows = (text: string, opts?: CsvOptions): Array<[number, string[]]> =>
  parseCsv(text, opts).map((e) => (e.kind === 'row' ? [e.line, e.fields] : [e.line, ['#', e.text]]));

async function collect(input: CsvInput, opts?: CsvOptions): Promise<CsvEvent[]> {
  const out: CsvEvent[] = [];
  for await (const ev of readCsv(input, opts)) out.push(ev);
  return out;
}

async function records(input: CsvInput, required?: string[]): Promise<CsvRecordEvent[]> {
  const out: CsvRecordEvent[] = [];
  for await (const ev of readCsvRecords(input, { required })) out.push(ev);
  return out;
}

function csvError(code: string, message: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof CsvError, `expected CsvError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.message, message);
    return true;
  };
}

describe('parseCsv: RFC 4180', () => {
  const cases: Array<[string, string, Array<[number, string[]]>]> = [
    ['plain LF', 'a,b,c\n1,2,3\n', [[1, ['a', 'b', 'c']], [2, ['1', '2', '3']]]],
    ['CRLF', 'a,b\r\n1,2\r\n', [[1, ['a', 'b']], [2, ['1', '2']]]],
    ['lone CR', 'a,b\r1,2', [[1, ['a', 'b']], [2, ['1', '2']]]],
    ['no final newline', 'a,b\n1,2', [[1, ['a', 'b']], [2, ['1', '2']]]],
    ['empty fields', ',a,,\n', [[1, ['', 'a', '', '']]]],
    ['quoted comma', '"a,b",c\n', [[1, ['a,b', 'c']]]],
    ['escaped quotes', '"say ""hi""",x\n', [[1, ['say "hi"', 'x']]]],
    ['quoted empty', '"",""\n', [[1, ['', '']]]],
    ['only a quote pair', '""""\n', [[1, ['"']]]],
    ['embedded LF then next row', '"a\nb",c\nd,e\n', [[1, ['a\nb', 'c']], [3, ['d', 'e']]]],
    ['embedded CRLF counts one line', '"a\r\nb\r\nc",x\r\ny,z\r\n', [[1, ['a\r\nb\r\nc', 'x']], [4, ['y', 'z']]]],
    ['BOM stripped', '\uFEFFid,name\n1,x\n', [[1, ['id', 'name']], [2, ['1', 'x']]]],
    ['empty lines skipped, lines kept', 'a\n\n\nb\n', [[1, ['a']], [4, ['b']]]],
    ['spaces kept', ' a , b \n', [[1, [' a ', ' b ']]]],
    ['unicode', 'ü,“q”\n', [[1, ['ü', '“q”']]]],
    ['hash is data by default', '#x,y\n1,2\n', [[1, ['#x', 'y']], [2, ['1', '2']]]],
    ['empty input', '', []],
  ];
  for (const [name, text, want] of cases) {
    it(name, () => assert.deepEqual(rows(text), want));
  }

  it('keeps empty lines when asked', () => {
    assert.deepEqual(rows('a\n\nb\n', { skipEmptyLines: false }), [[1, ['a']], [2, ['']], [3, ['b']]]);
  });
});

describe('parseCsv: leading comments', () => {
  const epss = '#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z\ncve,epss,percentile\nCVE-1999-0001,0.01,0.5\n';
  it('yields leading # lines (EPSS model version and score date)', () => {
    assert.deepEqual(parseCsv(epss, { comments: 'yield' }), [
      { kind: 'comment', line: 1, text: 'model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z' },
      { kind: 'row', line: 2, fields: ['cve', 'epss', 'percentile'] },
      { kind: 'row', line: 3, fields: ['CVE-1999-0001', '0.01', '0.5'] },
    ]);
  });
  it('skips them when asked', () => {
    assert.deepEqual(rows(epss, { comments: 'skip' }), [[2, ['cve', 'epss', 'percentile']], [3, ['CVE-1999-0001', '0.01', '0.5']]]);
  });
  it('only at the top: a # line after the first row is data', () => {
    assert.deepEqual(rows('#c\na\n#b\n', { comments: 'yield' }), [[1, ['#', 'c']], [2, ['a']], [3, ['#b']]]);
  });
  it('a comment ending the input without a newline', () => {
    assert.deepEqual(rows('#only', { comments: 'yield' }), [[1, ['#', 'only']]]);
  });
});

describe('parseCsv: errors name the line', () => {
  it('unterminated quoted field (line where it opened)', () => {
    assert.throws(() => parseCsv('a,b\n1,2\n3,"open\nmore\n'), csvError('CSV_UNTERMINATED_QUOTE', 'line 3: unterminated quoted field'));
  });
  it('text after a closing quote', () => {
    assert.throws(() => parseCsv('a\n"x"y,z\n'), csvError('CSV_BAD_QUOTE', 'line 2: unexpected character "y" after closing quote'));
  });
  it('a quote inside an unquoted field', () => {
    assert.throws(() => parseCsv('a\n\nab"c\n'), csvError('CSV_BAD_QUOTE', 'line 3: quote inside an unquoted field'));
  });
  it('a line after a multi-line field is numbered right', () => {
    assert.throws(() => parseCsv('"1\n2\n3",x\nfine\nb"ad\n'), csvError('CSV_BAD_QUOTE', 'line 5: quote inside an unquoted field'));
  });
  it('field over the limit, quoted and unquoted', () => {
    assert.throws(() => parseCsv(`a\n${'x'.repeat(11)}\n`, { maxFieldLength: 10 }), csvError('CSV_FIELD_TOO_LARGE', 'line 2: field longer than 10 characters'));
    assert.throws(() => parseCsv(`a\n"${'x'.repeat(6)}""${'x'.repeat(6)}"\n`, { maxFieldLength: 10 }), csvError('CSV_FIELD_TOO_LARGE', 'line 2: field longer than 10 characters'));
  });
  it('too many fields', () => {
    assert.throws(() => parseCsv('a,b,c,d\n', { maxFields: 3 }), csvError('CSV_TOO_MANY_FIELDS', 'line 1: more than 3 fields in a row'));
  });
  it('invalid UTF-8', async () => {
    await assert.rejects(collect(new Uint8Array([0x61, 0x0a, 0x62, 0x0a, 0x63, 0xff, 0x0a])), csvError('CSV_BAD_UTF8', 'line 3: invalid UTF-8'));
    await assert.rejects(collect([new Uint8Array([0x61, 0x0a]), new Uint8Array([0xc3, 0x28])]), csvError('CSV_BAD_UTF8', 'line 2: invalid UTF-8'));
  });
});

describe('readCsv: streaming', () => {
  const text = 'id,"note"\r\n1,"multi\r\nline ""quoted"", with comma"\r\n2,plain\r\n3,"x"\r\n';
  const whole = parseCsv(text);

  it('same rows whatever the chunk boundaries (every split point, 1-char chunks)', async () => {
    for (let cut = 0; cut <= text.length; cut++) {
      assert.deepEqual(await collect([text.slice(0, cut), text.slice(cut)]), whole, `split at ${cut}`);
    }
    assert.deepEqual(await collect(Array.from(text)), whole);
  });

  it('UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode('a,ü\n');
    assert.deepEqual(await collect([bytes.slice(0, 3), bytes.slice(3)]), [{ kind: 'row', line: 1, fields: ['a', 'ü'] }]);
  });

  it('bounded memory: an endless quoted field fails at the limit, before the input ends', async () => {
    let produced = 0;
    async function* endless(): AsyncGenerator<string> {
      yield 'a\n"';
      for (;;) {
        produced += 1000;
        yield 'x'.repeat(1000);
      }
    }
    await assert.rejects(collect(endless(), { maxFieldLength: 50_000 }), csvError('CSV_FIELD_TOO_LARGE', 'line 2: field longer than 50000 characters'));
    assert.ok(produced < 60_000, `read ${produced} characters`);
  });

  it('bounded memory: a row of many fields fails at the row limit', async () => {
    async function* wide(): AsyncGenerator<string> {
      for (;;) yield 'xxxxxxxxx,'.repeat(100);
    }
    await assert.rejects(collect(wide(), { maxRowLength: 20_000 }), csvError('CSV_ROW_TOO_LARGE', 'line 1: row longer than 20000 characters'));
  });

  it('push parser returns rows as soon as they are complete', () => {
    const p = new CsvParser();
    assert.deepEqual(p.push('a,b\n1,'), [{ kind: 'row', line: 1, fields: ['a', 'b'] }]);
    assert.deepEqual(p.push('2\r'), []);
    assert.deepEqual(p.push('\n3,4'), [{ kind: 'row', line: 2, fields: ['1', '2'] }]);
    assert.deepEqual(p.end(), [{ kind: 'row', line: 3, fields: ['3', '4'] }]);
  });

  it('the real KEV CSV from a file stream: 1,404 rows of 11 fields after the header', async () => {
    const events = await collect(createReadStream(sharedData('kev', 'known_exploited_vulnerabilities.csv'), { highWaterMark: 4096 }));
    assert.equal(events.length, 1405);
    assert.ok(events.every((e) => e.kind === 'row' && e.fields.length === 11));
  });
});

describe('readCsvRecords', () => {
  it('keys fields by header and reports rows of the wrong width', async () => {
    assert.deepEqual(await records('id,name\n1,a\n2\n3,c,extra\n'), [
      { kind: 'record', line: 2, values: Object.assign(Object.create(null), { id: '1', name: 'a' }) },
      { kind: 'bad-row', line: 3, fields: ['2'], expected: 2, message: 'line 3: expected 2 fields, got 1' },
      { kind: 'bad-row', line: 4, fields: ['3', 'c', 'extra'], expected: 2, message: 'line 4: expected 2 fields, got 3' },
    ]);
  });
  it('header errors', async () => {
    await assert.rejects(records('id,name\n', ['id', 'cve', 'epss']), csvError('CSV_HEADER', 'line 1: header lacks columns "cve", "epss"'));
    await assert.rejects(records('id,id\n'), csvError('CSV_HEADER', 'line 1: duplicate column "id" in header'));
    await assert.rejects(records('id,,x\n'), csvError('CSV_HEADER', 'line 1: empty column name in header'));
    await assert.rejects(records(''), csvError('CSV_HEADER', 'line 1: no header row'));
  });
});
