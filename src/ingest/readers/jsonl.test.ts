import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { gunzip } from './byte-streams.ts';
import { openInput } from './index.ts';
import { cveIdOf, drain, drainUntilError, errors, items, makeTempDir, RECORDS_ALL_GZ, RECORDS_JSONL, realRecords, text } from './fixtures.ts';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const nl = Buffer.from('\n');

function jsonl(lines: Buffer[]): Buffer {
  return Buffer.concat(lines.flatMap((l) => [l, nl]));
}

describe('JSON Lines input', () => {
  test('reads every record of records.jsonl in order with line positions', async () => {
    const input = await openInput(RECORDS_JSONL);
    try {
      assert.equal(input.format, 'jsonl');
      assert.match(input.key, /^file:.*records\.jsonl#size=46242134&mtime=/);
      const evs = await drain(input);
      assert.equal(evs.length, 11053);
      assert.equal(errors(evs).length, 0);
      assert.deepEqual(evs.slice(0, 3).map((e) => [e.ordinal, e.position]), [
        [0, 'records.jsonl:1'],
        [1, 'records.jsonl:2'],
        [2, 'records.jsonl:3'],
      ]);
      const first = evs[0];
      assert.equal(first.kind, 'item');
      assert.deepEqual(Buffer.from(first.kind === 'item' ? first.bytes : []), realRecords(1)[0]);
      assert.equal(input.bytesRead(), 46242134);
      assert.equal(input.totalBytes, 46242134);
    } finally {
      await input.close();
    }
  });

  test('resuming from an ordinal yields exactly the remaining records', async () => {
    const input = await openInput(RECORDS_JSONL);
    try {
      const all = items(await drain(input));
      const rest = items(await drain(input, 11000));
      assert.equal(rest.length, 53);
      assert.deepEqual(rest.map((e) => [e.ordinal, e.position]), all.slice(11000).map((e) => [e.ordinal, e.position]));
      assert.deepEqual(rest.map((e) => cveIdOf(e.bytes)), all.slice(11000).map((e) => cveIdOf(e.bytes)));
      assert.equal((await drain(input, 20000)).length, 0);
    } finally {
      await input.close();
    }
  });

  test('reads a gzip JSON Lines file by content and resumes in it', async () => {
    const input = await openInput(RECORDS_ALL_GZ);
    try {
      assert.equal(input.format, 'jsonl');
      const tail = await drain(input, 62860);
      assert.deepEqual(tail.map((e) => e.ordinal), [62860, 62861, 62862, 62863, 62864, 62865, 62866]);
      assert.equal(tail.at(-1)?.position, 'records-all.jsonl.gz:62867');
    } finally {
      await input.close();
    }
  });

  test('detects the format by content, whatever the file is called', async (t) => {
    const dir = makeTempDir(t);
    const recs = realRecords(3);
    writeFileSync(join(dir, 'data.bin'), gzipSync(jsonl(recs)));
    writeFileSync(join(dir, 'plain.dat'), jsonl(recs));
    for (const name of ['data.bin', 'plain.dat']) {
      const input = await openInput(join(dir, name));
      const evs = await drain(input);
      await input.close();
      assert.equal(input.format, 'jsonl');
      assert.deepEqual(items(evs).map((e) => cveIdOf(e.bytes)), recs.map(cveIdOf), name);
    }
  });

  test('strips a BOM at the start of the file and of a line, skips blank lines, accepts CRLF', async (t) => {
    const dir = makeTempDir(t);
    const [a, b, c] = realRecords(3);
    const body = Buffer.concat([BOM, a, Buffer.from('\r\n\n   \r\n'), BOM, b, Buffer.from('\r\n'), BOM, Buffer.from('\n'), c, nl, nl]);
    writeFileSync(join(dir, 'bom.jsonl'), body);
    const input = await openInput(join(dir, 'bom.jsonl'));
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => [e.kind, e.ordinal, e.position]), [
      ['item', 0, 'bom.jsonl:1'],
      ['item', 1, 'bom.jsonl:4'],
      ['item', 2, 'bom.jsonl:6'],
    ]);
    assert.deepEqual(items(evs).map((e) => Buffer.from(e.bytes)), [a, b, c]);
    // resuming counts the same non-blank lines
    const again = await openInput(join(dir, 'bom.jsonl'));
    assert.deepEqual((await drain(again, 2)).map((e) => e.position), ['bom.jsonl:6']);
    await again.close();
  });

  test('reports invalid UTF-8 with line and byte offset, and goes on', async (t) => {
    const dir = makeTempDir(t);
    const [a, b] = realRecords(2);
    const bad = Buffer.from('{"x":"caf\xe9"}', 'latin1');
    writeFileSync(join(dir, 'utf8.jsonl'), jsonl([a, bad, b]));
    const input = await openInput(join(dir, 'utf8.jsonl'));
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => e.kind), ['item', 'error', 'item']);
    const err = errors(evs)[0];
    assert.equal(err.code, 'BAD_UTF8');
    assert.equal(err.ordinal, 1);
    assert.equal(err.position, 'utf8.jsonl:2');
    assert.equal(err.message, `invalid UTF-8 in line 2 of utf8.jsonl at byte 9 of the line (byte ${a.length + 1 + 9} of the file)`);
    assert.deepEqual(Buffer.from(err.raw ?? []), bad);
  });

  test('reports a record over maxRecordBytes with its first 64 KiB and goes on', async (t) => {
    const dir = makeTempDir(t);
    const [a, b] = realRecords(2);
    const huge = Buffer.from(`{"pad":"${'x'.repeat(300_000)}"}`);
    writeFileSync(join(dir, 'big.jsonl'), jsonl([a, huge, b]));
    const input = await openInput(join(dir, 'big.jsonl'), { maxRecordBytes: 100_000 });
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => e.kind), ['item', 'error', 'item']);
    const err = errors(evs)[0];
    assert.equal(err.code, 'RECORD_TOO_LARGE');
    assert.equal(err.message, `line 2 of big.jsonl is ${huge.length} bytes, more than maxRecordBytes (100000); skipped, first 65536 bytes kept`);
    assert.deepEqual(Buffer.from(err.raw ?? []), huge.subarray(0, 65536));
    assert.deepEqual(Buffer.from(items(evs)[1].bytes), b);
  });

  test('yields a truncated last line as an item for the parser to flag', async (t) => {
    const dir = makeTempDir(t);
    const [a, b] = realRecords(2);
    writeFileSync(join(dir, 'cut.jsonl'), Buffer.concat([a, nl, b.subarray(0, 100)]));
    const input = await openInput(join(dir, 'cut.jsonl'));
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => [e.kind, e.position]), [['item', 'cut.jsonl:1'], ['item', 'cut.jsonl:2']]);
    assert.deepEqual(Buffer.from(items(evs)[1].bytes), b.subarray(0, 100));
  });

  test('an empty or blank file gives no items and no error', async (t) => {
    const dir = makeTempDir(t);
    writeFileSync(join(dir, 'empty.jsonl'), '');
    writeFileSync(join(dir, 'blank.jsonl'), '\n\n  \n');
    writeFileSync(join(dir, 'empty.jsonl.gz'), gzipSync(Buffer.alloc(0)));
    for (const name of ['empty.jsonl', 'blank.jsonl', 'empty.jsonl.gz']) {
      const input = await openInput(join(dir, name));
      assert.deepEqual(await drain(input), [], name);
      await input.close();
    }
  });

  test('a missing path is a clear error', async () => {
    await assert.rejects(openInput('/nonexistent/records.jsonl'), {
      name: 'InputError',
      code: 'INPUT_NOT_FOUND',
      message: 'input /nonexistent/records.jsonl does not exist',
    });
  });

  test('a file that is not zip, gzip or JSON is refused with its first bytes', async (t) => {
    const dir = makeTempDir(t);
    writeFileSync(join(dir, 'records.jsonl'), '%PDF-1.4 not json');
    await assert.rejects(openInput(join(dir, 'records.jsonl')), {
      code: 'INPUT_UNKNOWN_FORMAT',
      message: `input ${join(dir, 'records.jsonl')} is not a zip, gzip, JSON or JSONL file (starts with bytes 25 50 44 46 2d 31 2e 34)`,
    });
  });

  test('gzip: a reader that stops early does not wait for a stalled source', { timeout: 10_000 }, async () => {
    const gz = gzipSync(Buffer.from('x'.repeat(200_000)));
    let release = (): void => undefined;
    const stalled = new Promise<void>((r) => (release = r));
    async function* source(): AsyncGenerator<Uint8Array> {
      yield gz.subarray(0, gz.length - 10);
      await stalled; // a download that stops sending
      yield gz.subarray(gz.length - 10);
    }
    let read = 0;
    for await (const chunk of gunzip(source(), 'stalled.gz')) {
      read += chunk.length;
      break;
    }
    assert.ok(read > 0);
    release();
  });

  test('corrupt gzip: the good records first, then a fatal error naming the offset', async (t) => {
    const dir = makeTempDir(t);
    const recs = realRecords(200);
    const gz = gzipSync(jsonl(recs));
    const cutAt = Math.floor(gz.length * 0.6);
    writeFileSync(join(dir, 'cut.jsonl.gz'), gz.subarray(0, cutAt));
    const input = await openInput(join(dir, 'cut.jsonl.gz'));
    const { events, error } = await drainUntilError(input);
    await input.close();
    assert.ok(events.length > 50, `read ${events.length} records before the cut`);
    assert.equal(errors(events).length, 0);
    assert.deepEqual(items(events).map((e) => cveIdOf(e.bytes)), recs.slice(0, events.length).map(cveIdOf));
    assert.equal((error as { code?: string }).code, 'GZIP_CORRUPT');
    // N counts the good decompressed bytes: all yielded records are within them
    const n = Number(/after (\d+) bytes/.exec(error?.message ?? '')?.[1]);
    const yielded = items(events).reduce((s, e) => s + e.bytes.length + 1, 0);
    assert.ok(n >= yielded && n < jsonl(recs).length, `${n} ≥ ${yielded}`);
    assert.equal(error?.message, `gzip data in ${join(dir, 'cut.jsonl.gz')} is corrupt/truncated after ${n} bytes (unexpected end of file)`);

    const bad = Buffer.from(gz);
    bad.fill(0x55, cutAt, cutAt + 100);
    writeFileSync(join(dir, 'bad.jsonl.gz'), bad);
    const input2 = await openInput(join(dir, 'bad.jsonl.gz'));
    const r2 = await drainUntilError(input2);
    await input2.close();
    assert.ok(items(r2.events).length > 50);
    assert.match(r2.error?.message ?? '', /^gzip data in .*bad\.jsonl\.gz is corrupt\/truncated after \d+ bytes/);
  });
});

describe('JSON input', () => {
  test('a pretty-printed single record is one item named by the file', async (t) => {
    const dir = makeTempDir(t);
    const rec = realRecords(1)[0];
    writeFileSync(join(dir, 'CVE-x.json'), Buffer.concat([BOM, Buffer.from(JSON.stringify(JSON.parse(rec.toString()), null, 2))]));
    const input = await openInput(join(dir, 'CVE-x.json'));
    const evs = await drain(input);
    await input.close();
    assert.equal(input.format, 'json');
    assert.equal(evs.length, 1);
    assert.equal(evs[0].position, 'CVE-x.json');
    assert.equal(cveIdOf(items(evs)[0].bytes), cveIdOf(rec));
  });

  test('an array of records is streamed element by element, and resumes', async (t) => {
    const dir = makeTempDir(t);
    const recs = realRecords(5);
    writeFileSync(join(dir, 'list.json'), `[\n  ${recs.map((r) => r.toString()).join(',\n  ')}\n]\n`);
    const input = await openInput(join(dir, 'list.json'));
    const evs = await drain(input);
    assert.equal(input.format, 'json');
    assert.deepEqual(evs.map((e) => e.position), ['list.json[0]', 'list.json[1]', 'list.json[2]', 'list.json[3]', 'list.json[4]']);
    assert.deepEqual(items(evs).map((e) => Buffer.from(e.bytes)), recs);
    assert.deepEqual(items(await drain(input, 3)).map((e) => cveIdOf(e.bytes)), recs.slice(3).map(cveIdOf));
    await input.close();
  });

  test('an array cut short yields the partial element, then reports the missing ]', async (t) => {
    const dir = makeTempDir(t);
    const recs = realRecords(2);
    writeFileSync(join(dir, 'cut.json'), `[${recs[0]},${recs[1].subarray(0, 50)}`);
    writeFileSync(join(dir, 'open.json'), `[${recs[0]},\n`);
    const input = await openInput(join(dir, 'cut.json'));
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => [e.kind, e.position]), [['item', 'cut.json[0]'], ['item', 'cut.json[1]']]);
    const input2 = await openInput(join(dir, 'open.json'));
    const evs2 = await drain(input2);
    await input2.close();
    assert.equal(evs2.length, 2);
    assert.equal(errors(evs2)[0].code, 'JSON_TRUNCATED');
    assert.equal(errors(evs2)[0].message, `open.json ends before the closing ] of its JSON array (after ${recs[0].length + 3} bytes of the file)`);
  });
});

describe('stdin input', () => {
  test('reads JSON Lines from a stream; its key is unique and it can be read once', async () => {
    const recs = realRecords(4);
    const input = await openInput('-', { stdin: Readable.from([jsonl(recs.slice(0, 2)), jsonl(recs.slice(2))]) });
    assert.equal(input.format, 'jsonl');
    assert.match(input.key, /^stdin:[0-9a-f-]{36}$/);
    const evs = await drain(input, 1);
    assert.deepEqual(evs.map((e) => e.position), ['stdin:2', 'stdin:3', 'stdin:4']);
    assert.throws(() => input.events(0), { code: 'INPUT_NOT_REPEATABLE' });
    await input.close();
  });

  test('reads gzip from a stream', async () => {
    const recs = realRecords(3);
    const input = await openInput('-', { stdin: Readable.from([gzipSync(jsonl(recs))]) });
    assert.deepEqual(items(await drain(input)).map((e) => text(e.bytes)), recs.map((r) => r.toString()));
    await input.close();
  });
});
