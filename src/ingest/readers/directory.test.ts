import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { listRecordFiles } from './directory.ts';
import { openInput } from './index.ts';
import { checkoutPath, cveIdOf, drain, errors, items, makeTempDir, realRecords } from './fixtures.ts';

function put(root: string, rel: string, data: string | Uint8Array): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), data);
}

/** A small cvelistV5 checkout: real records in `cves/YYYY/Nxxx/`, delta files, git metadata, noise. */
function checkout(root: string, count = 20): string[] {
  const recs = realRecords(count, 300);
  for (const r of recs) put(root, checkoutPath(cveIdOf(r)), JSON.stringify(JSON.parse(r.toString()), null, 2));
  put(root, 'cves/delta.json', '{"fetchTime":"2024-01-01T00:00:00Z","new":[],"updated":[],"error":[]}');
  put(root, 'cves/deltaLog.json', '[]');
  put(root, 'README.md', '# cvelistV5');
  put(root, '.git/HEAD', 'ref: refs/heads/main\n');
  put(root, '.git/refs/heads/main', `${'a'.repeat(40)}\n`);
  put(root, '.git/objects/CVE-1999-0001.json', 'not a record');
  put(root, 'cves/2024/notes.txt', 'x');
  return recs.map(cveIdOf);
}

const sortedPaths = (ids: string[]) => ids.map(checkoutPath).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe('directory input', () => {
  test('walks a cvelistV5 checkout in sorted order, skipping delta, hidden and other files', async (t) => {
    const root = makeTempDir(t);
    const ids = checkout(root);
    const input = await openInput(root);
    try {
      assert.equal(input.format, 'directory');
      assert.equal(input.total, 20);
      assert.equal(input.release, 'a'.repeat(40));
      assert.match(input.key, new RegExp(`^dir:.*#files=20&commit=${'a'.repeat(40)}$`));
      const evs = await drain(input);
      assert.equal(errors(evs).length, 0);
      assert.deepEqual(evs.map((e) => e.position), sortedPaths(ids));
      for (const e of items(evs)) assert.equal(e.nameHint, cveIdOf(e.bytes));
      assert.deepEqual(evs.map((e) => e.ordinal), [...Array(20).keys()]);
    } finally {
      await input.close();
    }
  });

  test('resuming skips earlier files without reading them', async (t) => {
    const root = makeTempDir(t);
    const ids = checkout(root);
    const input = await openInput(root);
    const evs = await drain(input, 17);
    assert.deepEqual(evs.map((e) => [e.ordinal, e.position]), sortedPaths(ids).slice(17).map((p, i) => [17 + i, p]));
    const read = input.bytesRead();
    assert.ok(read > 0 && read < 3 * 40_000, `read only the last files (${read} bytes)`);
    await input.close();
  });

  test('resuming with onPassedOver names the files passed over, in order, without reading them', async (t) => {
    const root = makeTempDir(t);
    const ids = checkout(root);
    const input = await openInput(root);
    const passed: (string | undefined)[] = [];
    const evs: { ordinal: number }[] = [];
    for await (const ev of input.events(17, (id) => passed.push(id))) evs.push(ev);
    const names = sortedPaths(ids).map((p) => p.slice(p.lastIndexOf('/') + 1, -'.json'.length));
    assert.deepEqual(passed, names.slice(0, 17));
    assert.deepEqual(evs.map((e) => e.ordinal), [17, 18, 19]);
    assert.ok(input.bytesRead() < 3 * 40_000, 'the files passed over were not read');
    await input.close();
  });

  test('any tree of CVE-*.json files works; symlinks are not followed', async (t) => {
    const root = makeTempDir(t);
    const [a, b] = realRecords(2, 50);
    put(root, 'z/CVE-2020-0002.json', b);
    put(root, 'a/CVE-2020-0001.json', a);
    symlinkSync(join(root, 'a'), join(root, 'loop'));
    const input = await openInput(root);
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => e.position), ['a/CVE-2020-0001.json', 'z/CVE-2020-0002.json']);
  });

  test('BOM stripped; invalid UTF-8 and oversize files are errors with the rest still read', async (t) => {
    const root = makeTempDir(t);
    const [a, b] = realRecords(2, 60);
    put(root, 'CVE-2020-0001.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), a]));
    put(root, 'CVE-2020-0002.json', Buffer.from('{"x":"\xc3\x28"}', 'latin1'));
    put(root, 'CVE-2020-0003.json', `{"pad":"${'z'.repeat(150_000)}"}`);
    put(root, 'CVE-2020-0004.json', b);
    put(root, 'CVE-2020-0005.json', '');
    const input = await openInput(root, { maxRecordBytes: 100_000 });
    const evs = await drain(input);
    await input.close();
    assert.deepEqual(evs.map((e) => (e.kind === 'error' ? e.code : e.kind)), ['item', 'BAD_UTF8', 'RECORD_TOO_LARGE', 'item', 'item']);
    assert.deepEqual(Buffer.from(items(evs)[0].bytes), a);
    const [utf8, large] = errors(evs);
    assert.equal(utf8.message, 'invalid UTF-8 in CVE-2020-0002.json at byte 6');
    assert.equal(large.message, 'CVE-2020-0003.json is 150010 bytes, more than maxRecordBytes (100000); skipped, first 65536 bytes kept');
    assert.equal(large.raw?.length, 65536);
    assert.equal(items(evs)[2].bytes.length, 0);
  });

  test('an empty directory gives no items', async (t) => {
    const input = await openInput(makeTempDir(t));
    assert.equal(input.total, 0);
    assert.deepEqual(await drain(input), []);
    await input.close();
  });

  test('the file list keeps runs of files between subdirectories in path order, and resumes from any ordinal', async (t) => {
    const root = makeTempDir(t);
    // In `a/`, the directory `CVE-2020-0002x` sorts between two files: three runs there.
    const paths = [
      'CVE-2020-0001.json',
      '2020/CVE-2020-0010.json',
      'a/B/CVE-2020-0004.json',
      'a/CVE-2020-0002.json',
      'a/CVE-2020-0002x/CVE-2020-0005.json',
      'a/CVE-2020-0003.json',
      'a/CVE-2020-0006.json',
      'a/c/d/CVE-2020-0007.json',
      'a/c/CVE-2020-0008.json',
      'x/CVE-2020-0009.json',
    ];
    for (const p of paths) put(root, p, '{}');
    put(root, 'a/c/notes.txt', 'x');
    put(root, 'a/.hidden/CVE-2020-0011.json', '{}');
    const list = await listRecordFiles(root);
    const expected = [...paths].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
    assert.equal(list.length, expected.length);
    assert.deepEqual(list.toArray(), expected);
    for (let start = 0; start <= expected.length + 1; start++) assert.deepEqual([...list.from(start)], expected.slice(start), `from ${start}`);
  });
});
