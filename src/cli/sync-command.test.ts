import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compareCveIds } from '../cve/index.ts';
import { createTestDb, otherVersionLines, realRecordLines, testBackends } from '../../test/support/stores.ts';
import { baselineReleaseZip, writeZip } from '../../test/support/zip.ts';
import { runCli } from '../../test/support/cli.ts';
import { acquireLease, openStore } from '../store/index.ts';
import { REPO_ROOT } from '../../test/support/paths.ts';

const run = (args: readonly string[]) => runCli(args);

const idOf = (line: string): string => JSON.parse(line).cveMetadata.cveId;


const deltaZip = (lines: readonly string[]): Buffer => writeZip(lines.map((l) => ({ name: `deltaCves/${idOf(l)}.json`, data: l })));

// 5 records in an older version (updated later), 25 that the second baseline drops, 2 new ones.
const current = realRecordLines();
const byId = new Map(current.map((l) => [idOf(l), l]));
const pairs = otherVersionLines()
  .slice(0, 5)
  .map((o) => ({ old: o, new: byId.get(idOf(o)) as string }));
const pairIds = new Set(pairs.map((p) => idOf(p.old)));
const plain = current.filter((l) => !pairIds.has(idOf(l))).slice(100, 125);
const fresh = current.filter((l) => !pairIds.has(idOf(l))).slice(500, 502);
const dropped = plain.slice(0, 22).map(idOf).sort(compareCveIds);

for (const backend of testBackends()) {
  describe(`${backend}: cvekit sync reports what a baseline healed and what it lacks`, () => {
    let dir: string;
    const dbs: { db: string; cleanup(): Promise<void> }[] = [];
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cvekit-sync-cli-'));
      dbs.push(await createTestDb(backend), await createTestDb(backend));
    });
    after(async () => {
      for (const d of dbs) await d.cleanup();
    });
    const sync = (i: number, json = false) => run(['sync', '--from', dir, '--db', dbs[i].db, ...(json ? ['--json'] : [])]);

    test('the first baseline heals nothing', async () => {
      writeFileSync(join(dir, '2025-01-20_all_CVEs_at_midnight.zip'), baselineReleaseZip([...pairs.map((p) => p.old), ...plain]));
      const text = await sync(0);
      assert.equal(text.code, 0, text.err);
      assert.match(text.out, /compared with 2025-01-20_all_CVEs_at_midnight\.zip \(first sync\): 30 in baseline, 30 in store, 0 in store but not in the baseline/);
      assert.doesNotMatch(text.out, /healed/);
      const json = await sync(1, true);
      assert.equal(json.code, 0, json.err);
      const r = JSON.parse(json.out).reconcile;
      assert.deepEqual(r, { baseline: '2025-01-20_all_CVEs_at_midnight.zip', first: true, inBaseline: 30, inStore: 30, healed: 0, added: 30, unchanged: 0, keptInHistory: 0, readBeforeResume: 0, quarantined: 0, missingFromBaseline: 0, missingSample: [] });
    });

    test('a healing baseline counts the records it corrected as healed, new ones as added, and names the records it lacks', async () => {
      // 0100Z is never published: the gap is healed by the next baseline. The baseline was cut
      // before 0200Z, so its copy of pairs[0] is older than the store's: kept, not made current.
      writeFileSync(join(dir, '2025-01-20_delta_CVEs_at_0200Z.zip'), deltaZip([pairs[0].new]));
      for (const i of [0, 1]) assert.equal((await sync(i)).code, 0);
      writeFileSync(join(dir, '2025-01-21_all_CVEs_at_midnight.zip'), baselineReleaseZip([pairs[0].old, ...pairs.slice(1).map((p) => p.new), ...plain.slice(22), ...fresh]));

      const text = await sync(0);
      assert.equal(text.code, 0, text.err);
      assert.match(text.out, /reconciled against 2025-01-21_all_CVEs_at_midnight\.zip: 10 in baseline, 32 in store, 4 healed, 2 added, 3 unchanged, 1 kept in history only \(the store's version is newer or local\), 22 in store but not in the baseline/);
      for (const id of dropped.slice(0, 20)) assert.ok(text.out.includes(id), `${id} is listed`);
      for (const id of dropped.slice(20)) assert.ok(!text.out.includes(id), `${id} is past the first 20`);
      assert.match(text.out, /and 2 more/);

      const json = await sync(1, true);
      assert.equal(json.code, 0, json.err);
      const r = JSON.parse(json.out).reconcile;
      assert.equal(r.first, false);
      assert.equal(r.healed, 4);
      assert.equal(r.added, 2);
      assert.equal(r.unchanged, 3);
      assert.equal(r.keptInHistory, 1);
      assert.equal(r.missingFromBaseline, 22);
      assert.deepEqual(r.missingSample, dropped);
    });
  });
}

test('cvekit sync --every keeps running after a failed pass: it says so, tries again, and stops cleanly on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cvekit-sync-every-'));
  const { db, cleanup } = await createTestDb('sqlite');
  t.after(cleanup);
  const baseline = join(dir, '2025-01-20_all_CVEs_at_midnight.zip');
  writeFileSync(baseline, 'not a zip yet');
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'cvekit.js'), 'sync', '--from', dir, '--every', '1s', '--json', '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Waits (at most 30 s, polling) until `ok()` holds. */
  const until = async (what: string, ok: () => boolean) => {
    for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(ok(), `${what}\nstdout: ${stdout}\nstderr: ${stderr}`);
  };
  await until('the failed pass is reported', () => /cvekit sync: .*; trying again in 1s/.test(stderr));
  assert.equal(child.exitCode, null, 'still running');
  // With --json, the failure is also one line on stdout, as a failing command prints it.
  await until('the failure on stdout', () => stdout.includes('\n'));
  assert.match(stdout.split('\n')[0], /^\{"ok":false,"error":"input .*2025-01-20_all_CVEs_at_midnight\.zip is not a zip/);
  writeFileSync(baseline, baselineReleaseZip(plain.slice(0, 3)));
  await until('a later pass succeeds', () => stdout.includes('"ok": true'));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  // The first report is the pass that took the baseline (a later one, if any, is "up to date").
  assert.match(stdout, /"added": 3,/);
});

for (const backend of testBackends()) {
  test(`${backend}: one sync per source at a time: a second is refused, naming the first, and runs once the first is done`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'cvekit-sync-lease-'));
    writeFileSync(join(dir, '2025-01-20_all_CVEs_at_midnight.zip'), baselineReleaseZip(plain.slice(0, 3)));
    const { db, cleanup } = await createTestDb(backend);
    t.after(cleanup);
    assert.equal((await run(['db', 'migrate', '--db', db])).code, 0);
    const store = await openStore(db);
    t.after(() => store.close());
    const first = await acquireLease(store, 'sync:cvelistV5', { what: 'cvekit sync --from /srv/releases' });
    const refused = await run(['sync', '--from', dir, '--db', db]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, new RegExp(`^cvekit sync: already running: cvekit sync --from /srv/releases \\(host [^,]+, pid ${process.pid}, since `));
    assert.equal((await store.counts()).total, 0, 'the refused sync wrote nothing');
    // The NVD sync has its own lease: it is refused the same way, before any request.
    const nvd = await acquireLease(store, 'sync:nvd', { what: 'cvekit sync --source nvd' });
    const nvdRefused = await run(['sync', '--source', 'nvd', '--since', '2025-01-01T00:00:00Z', '--db', db]);
    assert.equal(nvdRefused.code, 1);
    assert.match(nvdRefused.err, /already running: cvekit sync --source nvd \(host /);
    await nvd.release();
    await first.release();
    const ok = await run(['sync', '--from', dir, '--db', db]);
    assert.equal(ok.code, 0, ok.err);
    assert.equal((await store.counts()).total, 3);
    assert.equal(await store.getMeta('lease:sync:cvelistV5'), undefined, 'released at the end of the pass');
  });
}
