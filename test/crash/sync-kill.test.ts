/**
 * Crash safety of `cvekit sync`'s first baseline, on both stores: a real `cvekit sync --from
 * DIR` of a release folder is killed with SIGKILL mid-baseline, twice. The store stays
 * consistent; the next run resumes the baseline, finishes it exactly, and reconciles the whole
 * baseline, the records the killed runs stored included (none reported missing from it); a
 * further sync has nothing to do.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../src/store/index.ts';
import { killTwiceMidImport, runCvekit, rng } from '../support/kill.ts';
import { createTestDb, realRecordLines, testBackends } from '../support/stores.ts';
import { baselineReleaseZip } from '../support/zip.ts';

const RECORDS = 3000;
const seed = Number(process.env.CVEKIT_CRASH_SEED ?? Date.now() % 100000);

for (const backend of testBackends()) {
  test(`${backend}: kill -9 during a first sync's baseline; the next sync finishes it and reconciles all of it (seed ${seed})`, async (t) => {
    const random = rng(seed);
    const dir = mkdtempSync(join(tmpdir(), 'cvekit-sync-crash-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const lines = realRecordLines(RECORDS);
    writeFileSync(join(dir, '2025-01-24_all_CVEs_at_midnight.zip'), baselineReleaseZip(lines));
    const { db, cleanup } = await createTestDb(backend);
    t.after(cleanup);
    const args = ['sync', '--from', dir, '--db', db, '--batch-size', '250', '--json'];
    const kills = await killTwiceMidImport(args, db, RECORDS, random);
    const final = await runCvekit(args, db);
    assert.equal(final.code, 0, final.stderr);
    const report = JSON.parse(final.stdout) as {
      steps: { summary: { resumed: boolean; counts: Record<string, number> } }[];
      reconcile: { first: boolean; inBaseline: number; inStore: number; added: number; readBeforeResume: number; missingFromBaseline: number };
    };
    assert.equal(report.steps[0].summary.resumed, true, kills.join(', '));
    assert.equal(report.steps[0].summary.counts.read, RECORDS);
    const rc = report.reconcile;
    assert.equal(rc.first, true);
    assert.equal(rc.inBaseline, RECORDS);
    assert.equal(rc.inStore, RECORDS);
    assert.equal(rc.added, RECORDS);
    assert.equal(rc.missingFromBaseline, 0, 'what the killed runs stored is in the baseline');
    assert.ok(rc.readBeforeResume > 0 && rc.readBeforeResume < RECORDS, `read before the resume: ${rc.readBeforeResume}`);
    const store = await openStore(db);
    try {
      const counts = await store.counts();
      assert.equal(counts.total, RECORDS);
      assert.equal(counts.versions, RECORDS, 'no version written twice');
    } finally {
      await store.close();
    }
    const again = await runCvekit(args, db);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((JSON.parse(again.stdout) as { steps: unknown[] }).steps, [], 'the baseline is not taken twice');
  });
}
