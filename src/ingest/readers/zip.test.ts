import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { deflatedZeros, writeZip, ZipFileWriter, type ZipEntrySpec } from '../../../test/support/zip.ts';
import type { RawEvent } from '../types.ts';
import { inflateRecord, openInput } from './index.ts';
import { checkoutPath, cveIdOf, drain, drainUntilError, errors, items, makeTempDir, realRecords } from './fixtures.ts';

const recs = realRecords(6, 100);
const ids = recs.map(cveIdOf);
const recordEntries = (prefix: 'cves' | 'deltaCves'): ZipEntrySpec[] =>
  recs.map((r, i) => ({
    name: prefix === 'cves' ? checkoutPath(ids[i]) : `deltaCves/${ids[i]}.json`,
    data: JSON.stringify(JSON.parse(r.toString()), null, 2),
  }));

function baseline(dir: string, inner: ZipEntrySpec[] = recordEntries('cves')): string {
  const cvesZip = writeZip([{ name: 'cves/', data: '', method: 'store' }, ...inner, { name: 'cves/delta.json', data: '{}' }, { name: 'cves/README.md', data: 'x' }]);
  const path = join(dir, '2024-06-01_all_CVEs_at_midnight.zip');
  writeFileSync(path, writeZip([{ name: 'cves.zip', data: cvesZip }]));
  return path;
}

describe('zip input', () => {
  test('reads a cvelistV5 baseline zip through its nested cves.zip', async (t) => {
    const path = baseline(makeTempDir(t));
    const input = await openInput(path);
    try {
      assert.equal(input.format, 'zip');
      assert.equal(input.release, '2024-06-01_all_CVEs_at_midnight');
      assert.equal(input.total, 6);
      assert.match(input.key, /^file:.*_all_CVEs_at_midnight\.zip#size=\d+&mtime=/);
      const evs = await drain(input);
      assert.equal(errors(evs).length, 0);
      assert.deepEqual(items(evs).map((e) => e.nameHint), ids);
      assert.deepEqual(items(evs).map((e) => cveIdOf(e.bytes)), ids);
      assert.equal(evs[0].position, `2024-06-01_all_CVEs_at_midnight.zip!cves.zip!${checkoutPath(ids[0])}`);
      assert.deepEqual(evs.map((e) => e.ordinal), [0, 1, 2, 3, 4, 5]);
      assert.ok(input.bytesRead() > 0);
    } finally {
      await input.close();
    }
  });

  test('resuming a baseline zip yields exactly the remaining records', async (t) => {
    const input = await openInput(baseline(makeTempDir(t)));
    const evs = await drain(input, 4);
    await input.close();
    assert.deepEqual(evs.map((e) => [e.ordinal, e.kind === 'item' ? e.nameHint : '']), [[4, ids[4]], [5, ids[5]]]);
  });

  test('resuming with onPassedOver names the entries passed over, inside the nested zip, without reading them', async (t) => {
    const dir = makeTempDir(t);
    // A slip entry before the resume point takes an ordinal but names no record.
    const path = baseline(dir, [...recordEntries('cves').slice(0, 2), { name: '../evil/CVE-2024-0001.json', data: '{}' }, ...recordEntries('cves').slice(2)]);
    const input = await openInput(path);
    const passed: (string | undefined)[] = [];
    const evs: { ordinal: number }[] = [];
    for await (const ev of input.events(4, (id) => passed.push(id))) evs.push(ev);
    await input.close();
    assert.deepEqual(passed, [ids[0], ids[1], undefined, ids[2]]);
    assert.deepEqual(evs.map((e) => e.ordinal), [4, 5, 6]);
  });

  test('reads an hourly delta zip and any zip of CVE files, by content not name', async (t) => {
    const dir = makeTempDir(t);
    const delta = join(dir, '2024-06-01_delta_CVEs_at_1400Z.zip');
    writeFileSync(delta, writeZip(recordEntries('deltaCves')));
    const plain = join(dir, 'some.bin');
    writeFileSync(plain, writeZip([{ name: 'a/b/CVE-2024-0001.json', data: recs[0], method: 'store' }, { name: 'notes.txt', data: 'skip me' }]));
    const d = await openInput(delta);
    const devs = await drain(d);
    await d.close();
    assert.equal(d.release, '2024-06-01_delta_CVEs_at_1400Z');
    assert.deepEqual(items(devs).map((e) => e.position), ids.map((id) => `2024-06-01_delta_CVEs_at_1400Z.zip!deltaCves/${id}.json`));
    const p = await openInput(plain);
    const pevs = await drain(p);
    await p.close();
    assert.equal(p.format, 'zip');
    assert.deepEqual(pevs.map((e) => [e.kind, e.kind === 'item' ? e.nameHint : '']), [['item', 'CVE-2024-0001']]);
  });

  test('entries with ../, absolute or backslash paths are ZIP_SLIP errors, skipped, never written', async (t) => {
    const dir = makeTempDir(t);
    const path = join(dir, 'slip.zip');
    writeFileSync(
      path,
      writeZip([
        { name: 'deltaCves/CVE-2024-0001.json', data: recs[0] },
        { name: '../../evil/CVE-2024-0002.json', data: recs[1] },
        { name: '/etc/CVE-2024-0003.json', data: recs[2] },
        { name: Buffer.from('deltaCves\\..\\CVE-2024-0004.json'), data: recs[3] },
        { name: 'C:/x/CVE-2024-0005.json', data: recs[4] },
        { name: 'deltaCves/CVE-2024-0006.json', data: recs[5] },
      ]),
    );
    const input = await openInput(path, { tempDir: dir });
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => [e.kind, e.kind === 'error' ? e.code : '']), [
      ['item', ''],
      ['error', 'ZIP_SLIP'],
      ['error', 'ZIP_SLIP'],
      ['error', 'ZIP_SLIP'],
      ['error', 'ZIP_SLIP'],
      ['item', ''],
    ]);
    assert.equal(errors(evs)[0].message, 'zip entry "../../evil/CVE-2024-0002.json" in slip.zip has an unsafe path (.., absolute or backslash); skipped');
    assert.equal(errors(evs)[0].position, 'slip.zip!../../evil/CVE-2024-0002.json');
    assert.equal(existsSync(join(dir, '..', '..', 'evil')), false);
    assert.deepEqual(readdirSync(dir), ['slip.zip']);
  });

  test('a highly compressed entry is a ZIP_BOMB, refused before inflating', async (t) => {
    const dir = makeTempDir(t);
    const zeros = deflatedZeros(20 * 1024 * 1024);
    const path = join(dir, 'bomb.zip');
    writeFileSync(
      path,
      writeZip([
        { name: 'deltaCves/CVE-2024-0001.json', data: recs[0] },
        { name: 'deltaCves/CVE-2024-0002.json', compressed: zeros.compressed, declaredSize: zeros.size, declaredCrc: zeros.crc },
        { name: 'deltaCves/CVE-2024-0003.json', data: recs[2] },
      ]),
    );
    const input = await openInput(path);
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => e.kind), ['item', 'error', 'item']);
    const err = errors(evs)[0];
    assert.equal(err.code, 'ZIP_BOMB');
    assert.equal(
      err.message,
      `bomb.zip!deltaCves/CVE-2024-0002.json: entry declares ${zeros.size} bytes from ${zeros.compressed.length} compressed, a ratio over 200:1`,
    );
  });

  test('an entry whose header lies about its size is stopped as soon as it inflates past it', async (t) => {
    const dir = makeTempDir(t);
    const zeros = deflatedZeros(20 * 1024 * 1024);
    const path = join(dir, 'liar.zip');
    writeFileSync(
      path,
      writeZip([
        { name: 'deltaCves/CVE-2024-0002.json', compressed: zeros.compressed, declaredSize: 100, declaredCrc: zeros.crc },
        { name: 'deltaCves/CVE-2024-0003.json', data: recs[2] },
      ]),
    );
    const input = await openInput(path);
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => e.kind), ['error', 'item']);
    assert.equal(errors(evs)[0].code, 'ZIP_BOMB');
    assert.match(errors(evs)[0].message, /^liar\.zip!deltaCves\/CVE-2024-0002\.json: entry inflates past its declared size of 100 bytes; stopped at \d+$/);
    assert.ok(input.bytesRead() < zeros.compressed.length + 100_000, 'stopped early');
  });

  test('the ratio limit also applies to the bytes actually inflated', async (t) => {
    const dir = makeTempDir(t);
    const zeros = deflatedZeros(4 * 1024 * 1024);
    const path = join(dir, 'ratio.zip');
    // padding after the deflate stream makes the declared ratio look harmless; the real one is not
    const padded = Buffer.concat([zeros.compressed, Buffer.alloc(40_000)]);
    writeFileSync(path, writeZip([{ name: 'CVE-2024-0002.json', compressed: padded, declaredSize: zeros.size, declaredCrc: zeros.crc }]));
    const input = await openInput(path, { maxCompressionRatio: 150 });
    const [err] = errors(await drain(input));
    await input.close();
    assert.equal(err.code, 'ZIP_BOMB');
    assert.match(err.message, /: entry inflates \d+ compressed bytes to over \d+, a ratio over 150:1; stopped$/);
  });

  test('past maxTotalUncompressedBytes the archive stops with a fatal error after the good entries', async (t) => {
    const dir = makeTempDir(t);
    const path = join(dir, 'total.zip');
    writeFileSync(path, writeZip(recordEntries('deltaCves')));
    const input = await openInput(path, { maxTotalUncompressedBytes: 30_000 });
    const { events, error } = await drainUntilError(input);
    await input.close();
    assert.ok(items(events).length >= 1 && items(events).length < 6);
    assert.equal((error as { code?: string }).code, 'ZIP_BOMB');
    assert.equal(
      error?.message,
      `zip total.zip: the archive inflates to more than maxTotalUncompressedBytes (30000 bytes) at entry deltaCves/${ids[items(events).length]}.json; stopped (zip bomb?)`,
    );
  });

  test('a nested zip over maxEntryBytes is a ZIP_BOMB error, the rest is read', async (t) => {
    const dir = makeTempDir(t);
    const big = writeZip(recordEntries('cves'));
    const path = join(dir, 'outer.zip');
    writeFileSync(path, writeZip([{ name: 'deltaCves/CVE-2024-0001.json', data: recs[0] }, { name: 'cves.zip', data: big }]));
    const limit = recs[0].length + 10;
    assert.ok(big.length > limit);
    const input = await openInput(path, { maxEntryBytes: limit });
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => (e.kind === 'error' ? e.code : e.kind)), ['item', 'ZIP_BOMB']);
    assert.equal(errors(evs)[0].message, `outer.zip!cves.zip: entry declares ${big.length} bytes, more than maxEntryBytes (${limit})`);
  });

  test('zips nested two deep are reported, not opened', async (t) => {
    const dir = makeTempDir(t);
    const deepest = writeZip([{ name: 'CVE-2024-0001.json', data: recs[0] }]);
    const middle = writeZip([{ name: 'inner.zip', data: deepest }, { name: 'cves/CVE-2024-0002.json', data: recs[1] }]);
    const path = join(dir, 'deep.zip');
    writeFileSync(path, writeZip([{ name: 'cves.zip', data: middle }]));
    const input = await openInput(path);
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => (e.kind === 'error' ? e.code : e.kind)), ['ZIP_NESTED_TOO_DEEP', 'item']);
    assert.equal(errors(evs)[0].message, 'zip deep.zip!cves.zip!inner.zip is nested two levels deep; only one level of nested zips is read');
  });

  test('bad CRC, encryption, oversize records, BOM and invalid UTF-8 in entries are per-entry errors', async (t) => {
    const dir = makeTempDir(t);
    const path = join(dir, 'mixed.zip');
    writeFileSync(
      path,
      writeZip([
        { name: 'd/CVE-2024-0001.json', data: recs[0], declaredCrc: 1234 },
        { name: 'd/CVE-2024-0002.json', data: recs[1], encrypted: true },
        { name: 'd/CVE-2024-0003.json', data: `{"pad":"${'y'.repeat(200_000)}"}` },
        { name: 'd/CVE-2024-0004.json', data: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), recs[3]]) },
        { name: 'd/CVE-2024-0005.json', data: Buffer.from('{"a":"\xff"}', 'latin1') },
        { name: 'd/CVE-2024-0006.json', data: recs[5] },
      ]),
    );
    const input = await openInput(path, { maxRecordBytes: 100_000 });
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => (e.kind === 'error' ? e.code : e.kind)), ['ZIP_CORRUPT', 'ZIP_UNSUPPORTED', 'RECORD_TOO_LARGE', 'item', 'BAD_UTF8', 'item']);
    const [crc, enc, large, utf8] = errors(evs);
    assert.equal(crc.message, 'mixed.zip!d/CVE-2024-0001.json: entry fails its CRC-32 check');
    assert.equal(enc.message, 'mixed.zip!d/CVE-2024-0002.json: entry is encrypted');
    assert.equal(large.message, 'mixed.zip!d/CVE-2024-0003.json: entry is more than maxRecordBytes (100000 bytes); skipped, first 65536 bytes kept');
    assert.equal(large.raw?.length, 65536);
    assert.equal(utf8.message, 'invalid UTF-8 in mixed.zip!d/CVE-2024-0005.json at byte 6');
    assert.deepEqual(Buffer.from(items(evs)[0].bytes), recs[3]);
  });

  test('a baseline of 2,000 records, stored and deflated, reads whole across the read-ahead windows', async (t) => {
    // ~3 MiB of central directory, local headers and data in each archive: the 1 MiB windows
    // are refilled many times, and entries straddle their edges.
    const all = realRecords(2000);
    const pretty = all.map((r) => JSON.stringify(JSON.parse(r.toString()), null, 2));
    const entries: ZipEntrySpec[] = all.map((r, i) => ({ name: checkoutPath(cveIdOf(r)), data: pretty[i], method: i % 3 === 0 ? 'store' : 'deflate' }));
    const dir = makeTempDir(t);
    const path = baseline(dir, entries);
    const input = await openInput(path);
    try {
      assert.equal(input.total, 2000);
      const evs = await drain(input);
      assert.equal(errors(evs).length, 0);
      assert.equal(items(evs).length, 2000);
      items(evs).forEach((e, i) => assert.equal(Buffer.from(e.bytes).toString('utf8'), pretty[i], `record ${i} intact`));
    } finally {
      await input.close();
    }
    const resumed = await openInput(path);
    const tail = await drain(resumed, 1997);
    await resumed.close();
    assert.deepEqual(tail.map((e) => e.ordinal), [1997, 1998, 1999]);
  });

  test('a zip64 baseline (70,000 entries in its cves.zip, as the real releases have) reads every entry, in order', async (t) => {
    const dir = makeTempDir(t);
    const n = 70_000;
    const inner = new ZipFileWriter(join(dir, 'cves.zip'));
    for (let i = 0; i < n; i++) {
      const id = `CVE-2024-${100_000 + i}`;
      inner.add(checkoutPath(id), Buffer.from(`{"cveMetadata":{"cveId":"${id}"}}`), i % 2 ? 'store' : 'deflate', 1);
    }
    inner.finish();
    const path = join(dir, '2024-06-01_all_CVEs_at_midnight.zip');
    const outer = new ZipFileWriter(path);
    outer.addFile('cves.zip', join(dir, 'cves.zip'));
    outer.finish();
    const input = await openInput(path);
    try {
      assert.equal(input.total, n);
      const evs = await drain(input, n - 5);
      assert.deepEqual(evs.map((e) => (e.kind === 'item' ? e.nameHint : e.code)), [69_995, 69_996, 69_997, 69_998, 69_999].map((i) => `CVE-2024-${100_000 + i}`));
      assert.equal(cveIdOf(items(evs)[4].bytes), 'CVE-2024-169999');
    } finally {
      await input.close();
    }
    const again = await openInput(path);
    const all = await drain(again);
    await again.close();
    assert.equal(items(all).length, n);
    assert.equal(errors(all).length, 0);
  });

  test('entries with data descriptors and local-only extra fields (as streaming zip writers make them) read whole', async (t) => {
    const dir = makeTempDir(t);
    const path = join(dir, 'streamed.zip');
    // A local extra field the central directory does not repeat (a timestamp, 9 bytes + header)
    // moves the data: the data's start must come from the local header, not the central one.
    const ut = Buffer.from([0x55, 0x54, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00]);
    writeFileSync(
      path,
      writeZip(recs.map((r, i) => ({ name: `deltaCves/${ids[i]}.json`, data: r, dataDescriptor: true, extraLocal: ut, method: i % 2 ? 'store' : 'deflate' }))),
    );
    const input = await openInput(path);
    const evs = await drain(input);
    await input.close();
    assert.equal(errors(evs).length, 0, JSON.stringify(errors(evs)));
    assert.deepEqual(items(evs).map((e) => Buffer.from(e.bytes)), recs);
  });

  test('a small entry with corrupt deflate data is a per-entry ZIP_CORRUPT error; the next entry is read', async (t) => {
    const dir = makeTempDir(t);
    const path = join(dir, 'bad-deflate.zip');
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x12, 0x34]);
    writeFileSync(
      path,
      writeZip([
        { name: 'd/CVE-2024-0001.json', compressed: garbage, declaredSize: recs[0].length, declaredCrc: 1 },
        { name: 'd/CVE-2024-0002.json', data: recs[1] },
      ]),
    );
    const input = await openInput(path);
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => (e.kind === 'error' ? e.code : e.kind)), ['ZIP_CORRUPT', 'item']);
    assert.match(errors(evs)[0].message, /^bad-deflate\.zip!d\/CVE-2024-0001\.json: entry data is corrupt: /);
    assert.deepEqual(Buffer.from(items(evs)[0].bytes), recs[1]);
  });

  test('deferInflate: deflated records come out still compressed, and inflateRecord gives exactly what reading inflated gives', async (t) => {
    const dir = makeTempDir(t);
    const zeros = deflatedZeros(1024 * 1024);
    const pretty = recordEntries('cves');
    const path = baseline(dir, [
      ...pretty.slice(0, 3),
      { name: 'cves/2024/0xxx/CVE-2024-0001.json', data: recs[0], declaredCrc: 1234 },
      { name: 'cves/2024/0xxx/CVE-2024-0002.json', compressed: Buffer.from([0xff, 0xff, 0xff, 0x00, 0x12]), declaredSize: 300, declaredCrc: 1 },
      { name: 'cves/2024/0xxx/CVE-2024-0003.json', compressed: zeros.compressed, declaredSize: 100, declaredCrc: zeros.crc },
      { name: 'cves/2024/0xxx/CVE-2024-0004.json', data: recs[1], declaredSize: recs[1].length + 5 },
      { name: 'cves/2024/0xxx/CVE-2024-0005.json', data: Buffer.from('{"a":"\xff"}', 'latin1') },
      { name: 'cves/2024/0xxx/CVE-2024-0006.json', data: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), recs[2]]) },
      { name: 'cves/2024/0xxx/CVE-2024-0007.json', data: recs[3], method: 'store' },
      { name: 'cves/2024/0xxx/CVE-2024-0008.json', data: `{"pad":"${'y'.repeat(200_000)}"}` },
      ...pretty.slice(3),
    ]);
    const read = async (deferInflate: boolean) => {
      const input = await openInput(path, { deferInflate, maxRecordBytes: 100_000 });
      try {
        return { evs: await drain(input), bytes: input.bytesRead() };
      } finally {
        await input.close();
      }
    };
    const plain = await read(false);
    const deferred = await read(true);
    assert.equal(deferred.bytes, plain.bytes, 'the same compressed bytes counted');
    // Deflated records come out compressed; stored ones, and those over a limit, as before.
    assert.deepEqual(
      deferred.evs.map((e) => (e.kind === 'item' ? (e.deflated ? 'deflated' : 'item') : e.code)),
      [...Array(3).fill('deflated'), 'deflated', 'deflated', 'deflated', 'deflated', 'deflated', 'deflated', 'item', 'RECORD_TOO_LARGE', ...Array(3).fill('deflated')],
    );
    const inflated = deferred.evs.map((e) => (e.kind === 'item' ? inflateRecord(e) : e));
    const shape = (e: RawEvent) =>
      e.kind === 'item'
        ? { kind: e.kind, ordinal: e.ordinal, position: e.position, nameHint: e.nameHint, deflated: e.deflated, bytes: Buffer.from(e.bytes).toString('latin1') }
        : { ...e, message: e.message.replace(/; stopped at \d+$/, '; stopped'), raw: e.raw && Buffer.from(e.raw).toString('latin1') };
    assert.deepEqual(inflated.map(shape), plain.evs.map(shape));
    assert.deepEqual(
      errors(inflated).map((e) => `${e.code} ${e.message.slice(e.message.indexOf('CVE-2024-000'))}`),
      [
        'ZIP_CORRUPT CVE-2024-0001.json: entry fails its CRC-32 check',
        'ZIP_CORRUPT CVE-2024-0002.json: entry data is corrupt: invalid block type',
        'ZIP_BOMB CVE-2024-0003.json: entry inflates past its declared size of 100 bytes; stopped',
        `ZIP_CORRUPT CVE-2024-0004.json: entry inflates to ${recs[1].length} bytes, its header says ${recs[1].length + 5}`,
        'BAD_UTF8 CVE-2024-0005.json at byte 6',
        'RECORD_TOO_LARGE CVE-2024-0008.json: entry is more than maxRecordBytes (100000 bytes); skipped, first 65536 bytes kept',
      ],
    );
    assert.deepEqual(Buffer.from(items(inflated)[3].bytes), recs[2], 'BOM dropped');
  });

  test('a damaged zip is a fatal error naming the file', async (t) => {
    const dir = makeTempDir(t);
    const good = writeZip(recordEntries('deltaCves'));
    const path = join(dir, 'broken.zip');
    writeFileSync(path, good.subarray(0, good.length - 40));
    await assert.rejects(openInput(path), { code: 'ZIP_CORRUPT', message: /^zip broken\.zip is corrupt: / });
  });
});
