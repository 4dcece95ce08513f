import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { openInput } from './index.ts';
import { checkoutPath, cveIdOf, DELTA_JSON, DELTA_LOG, drain, errors, items, makeTempDir, RECORDS_JSONL, realRecords } from './fixtures.ts';

interface Fetch {
  fetchTime: string;
  new: Array<{ cveId: string; githubLink?: string; dateUpdated: string }>;
  updated: Array<{ cveId: string; githubLink?: string; dateUpdated: string }>;
}

const log = JSON.parse(readFileSync(DELTA_LOG, 'utf8')) as Fetch[];

function idsAfter(since: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const f of log) if (since === undefined || Date.parse(f.fetchTime) > Date.parse(since)) for (const c of [...f.new, ...f.updated]) out.add(c.cveId);
  return out;
}

function put(root: string, rel: string, data: string | Uint8Array): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), data);
}

/** A checkout holding every record of records.jsonl that the real delta log names. */
function baseFor(root: string, wanted: Set<string>): Set<string> {
  const present = new Set<string>();
  for (const line of readFileSync(RECORDS_JSONL, 'utf8').split('\n')) {
    if (!line) continue;
    const id = cveIdOf(Buffer.from(line));
    if (!wanted.has(id)) continue;
    put(root, checkoutPath(id), line);
    present.add(id);
  }
  return present;
}

describe('delta log input', () => {
  test('the real deltaLog.json: each named CVE once, read from a checkout, missing ones reported', async (t) => {
    const root = makeTempDir(t);
    const wanted = idsAfter(undefined);
    const present = baseFor(root, wanted);
    assert.ok(present.size > 100, `${present.size} of the delta's CVEs are in records.jsonl`);
    const input = await openInput(DELTA_LOG, { base: root });
    try {
      assert.equal(input.format, 'delta-log');
      assert.equal(input.release, '2023-11-02T05:36:48.781Z');
      assert.equal(input.total, wanted.size);
      const evs = await drain(input);
      assert.equal(evs.length, wanted.size);
      assert.deepEqual(new Set(items(evs).map((e) => e.nameHint)), present);
      for (const e of items(evs)) assert.equal(cveIdOf(e.bytes), e.nameHint);
      const missing = errors(evs);
      assert.equal(missing.length, wanted.size - present.size);
      assert.ok(missing.every((e) => e.code === 'RECORD_MISSING'));
      // A missing record has no bytes to name it: the event does, for its quarantine entry.
      for (const e of missing) assert.equal(checkoutPath(e.cveId ?? ''), e.position);
      assert.equal(evs.filter((e) => e.position === 'cves/2023/44xxx/CVE-2023-44487.json').length, 1, 'CVE-2023-44487 (65 updates in the log) comes once');
      assert.match(missing[0].message, /^CVE-\d+-\d+ \(updated 20\d\d-\d\d-\d\dT[\d:.]+Z?, fetch 2023-1[\d-]+T[\d:.]+Z\) is not in the base: .*CVE-\d+-\d+\.json does not exist$/);
      // resume
      const rest = await drain(input, wanted.size - 3);
      assert.deepEqual(rest.map((e) => e.ordinal), [wanted.size - 3, wanted.size - 2, wanted.size - 1]);
      assert.deepEqual(rest.map((e) => e.position), evs.slice(-3).map((e) => e.position));
      // resume, hearing the names passed over: every change before, missing ones too, unread
      const passed: (string | undefined)[] = [];
      const after: unknown[] = [];
      for await (const ev of input.events(wanted.size - 3, (id) => passed.push(id))) after.push(ev);
      assert.equal(after.length, 3);
      assert.deepEqual(passed, evs.slice(0, -3).map((e) => (e.kind === 'item' ? e.nameHint : e.cveId)));
    } finally {
      await input.close();
    }
  });

  test('since keeps only later fetches; delta.json is a log of one fetch', async (t) => {
    const root = makeTempDir(t);
    const since = '2023-11-01T12:00:00Z';
    const input = await openInput(DELTA_LOG, { base: root, since });
    assert.equal(input.total, idsAfter(since).size);
    assert.match(input.key, /#base=.*&since=2023-11-01T12:00:00Z$/);
    await input.close();
    const one = await openInput(DELTA_JSON, { base: root });
    assert.equal(one.format, 'delta-log');
    assert.equal(one.total, 2);
    assert.deepEqual((await drain(one)).map((e) => e.position), ['cves/2023/46xxx/CVE-2023-46695.json', 'cves/2023/47xxx/CVE-2023-47204.json']);
    await one.close();
  });

  test('the newest dateUpdated wins (zone-less times are UTC), paths come from githubLink, base defaults to the checkout', async (t) => {
    const root = makeTempDir(t);
    const [a, b] = realRecords(2, 500);
    const ida = cveIdOf(a);
    const idb = cveIdOf(b);
    put(root, checkoutPath(ida), a);
    put(root, 'cves/1999/odd/place.json', 'unused');
    const link = (id: string) => `https://example.invalid/x/cves/${checkoutPath(id).slice('cves/'.length)}`;
    const deltaLog: Fetch[] = [
      { fetchTime: '2024-01-03T00:00:00.000Z', new: [], updated: [{ cveId: ida, githubLink: link(ida), dateUpdated: '2024-01-02T23:00:00.000000' }] },
      { fetchTime: '2024-01-02T00:00:00.000Z', new: [{ cveId: idb, dateUpdated: '2024-01-01T10:00:00Z' }], updated: [] },
      { fetchTime: '2024-01-01T00:00:00.000Z', new: [{ cveId: ida, githubLink: '../../../etc/passwd', dateUpdated: '2024-01-02T23:30:00Z' }, { cveId: idb, dateUpdated: '2024-01-01T23:30:00' }], updated: [] },
    ];
    put(root, 'cves/deltaLog.json', JSON.stringify(deltaLog));
    const input = await openInput(join(root, 'cves', 'deltaLog.json'));
    const evs = await drain(input);
    await input.close();
    assert.equal(input.release, '2024-01-03T00:00:00.000Z');
    assert.deepEqual(evs.map((e) => [e.kind, e.position]), [
      ['item', checkoutPath(ida)],
      ['error', checkoutPath(idb)],
    ].sort((x, y) => (x[1] < y[1] ? -1 : 1)));
    const err = errors(evs)[0];
    // 23:30 (no zone: UTC) is newer than 10:00Z even though it sits in an older fetch
    assert.match(err.message, new RegExp(`^${idb} \\(updated 2024-01-01T23:30:00, fetch 2024-01-01T00:00:00.000Z\\)`));
    const input2 = await openInput(join(root, 'cves', 'deltaLog.json'), { since: '2023-12-31T00:00:00Z' });
    assert.equal(input2.total, 2);
    await input2.close();
  });

  test('a delta log without a base is refused clearly', async (t) => {
    const dir = makeTempDir(t);
    writeFileSync(join(dir, 'deltaLog.json'), readFileSync(DELTA_JSON));
    await assert.rejects(openInput(join(dir, 'deltaLog.json')), { code: 'DELTA_LOG_NO_BASE', message: /^delta log .*deltaLog\.json names records but no base was given/ });
  });
});
