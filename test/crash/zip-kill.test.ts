/**
 * Crash safety of the baseline release zip, the form most users fill a mirror from: a real
 * `cvekit import` of a baseline zip (nested `cves.zip`, indented files) is killed with SIGKILL
 * mid-import, twice; the store stays consistent, the temporary directory the killed process
 * unpacked `cves.zip` into is removed by the next run, and that run finishes the job exactly.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../src/store/index.ts';
import { killTwiceMidImport, runCvekit, rng } from '../support/kill.ts';
import { createTestDb, realRecordLines } from '../support/stores.ts';
import { baselineReleaseZip } from '../support/zip.ts';

const RECORDS = 3000;
const seed = Number(process.env.CVEKIT_CRASH_SEED ?? Date.now() % 100000);

test(`sqlite: kill -9 during a baseline zip import; the next run removes the killed one's temp files and finishes exactly (seed ${seed})`, async (t) => {
  const random = rng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'cvekit-zip-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The children unpack cves.zip under their TMPDIR: this test's own, to see what is left there.
  const temp = join(dir, 'tmp');
  mkdirSync(temp);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = temp;
  t.after(() => (before === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = before)));
  const lines = realRecordLines(RECORDS);
  const zip = join(dir, '2025-01-24_all_CVEs_at_midnight.zip');
  writeFileSync(zip, baselineReleaseZip(lines));
  const { db, cleanup } = await createTestDb('sqlite');
  t.after(cleanup);
  const args = ['import', zip, '--db', db, '--batch-size', '250', '--json'];
  const kills = await killTwiceMidImport(args, db, RECORDS, random);
  const left = readdirSync(temp).filter((n) => n.startsWith('cvekit-input-'));
  assert.ok(left.length >= 1, `a killed import leaves its unpacked zip (${kills.join(', ')})`);
  const final = await runCvekit(args, db);
  assert.equal(final.code, 0, final.stderr);
  const summary = JSON.parse(final.stdout) as { resumed: boolean; counts: Record<string, number> };
  assert.equal(summary.resumed, true, kills.join(', '));
  assert.equal(summary.counts.read, RECORDS);
  assert.deepEqual(readdirSync(temp).filter((n) => n.startsWith('cvekit-input-')), [], 'the killed runs\' and its own temp files are gone');
  const store = await openStore(db);
  try {
    const counts = await store.counts();
    assert.equal(counts.total, RECORDS);
    assert.equal(counts.versions, RECORDS, 'no version written twice');
    const last = JSON.parse(lines.at(-1) as string) as { cveMetadata: { cveId: string } };
    assert.deepEqual(JSON.parse((await store.getRecord(last.cveMetadata.cveId))?.json ?? 'null'), JSON.parse(lines.at(-1) as string));
  } finally {
    await store.close();
  }
});
