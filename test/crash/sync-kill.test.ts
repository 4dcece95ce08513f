/**
 * Crash safety of `cvekit sync`'s first baseline: a real `cvekit sync --from DIR` of a release
 * folder is killed with SIGKILL mid-baseline, twice. The store stays consistent; the next run
 * resumes the baseline, finishes it exactly, and reconciles the whole baseline, the records the
 * killed runs stored included (none reported missing from it); a further sync has nothing to do.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkoutPath } from '../../src/ingest/readers/fixtures.ts';
import { openStore } from '../../src/store/index.ts';
import { runCvekit, rng } from '../support/kill.ts';
import { createTestDb, realRecordLines } from '../support/stores.ts';
import { writeZip } from '../support/zip.ts';

const RECORDS = 3000;
const seed = Number(process.env.CVEKIT_CRASH_SEED ?? Date.now() % 100000);

test(`sqlite: kill -9 during a first sync's baseline; the next sync finishes it and reconciles all of it (seed ${seed})`, async (t) => {
  const random = rng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'cvekit-sync-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lines = realRecordLines(RECORDS);
  const files = lines.map((l) => {
    const rec = JSON.parse(l) as { cveMetadata: { cveId: string } };
    return { name: checkoutPath(rec.cveMetadata.cveId), data: JSON.stringify(rec, null, 4) };
  });
  writeFileSync(join(dir, '2025-01-24_all_CVEs_at_midnight.zip'), writeZip([{ name: 'cves.zip', data: writeZip(files), method: 'store' }]));
  const { db, cleanup } = await createTestDb('sqlite');
  t.after(cleanup);
  const args = ['sync', '--from', dir, '--db', db, '--batch-size', '250', '--json'];
  const kills: string[] = [];
  for (let i = 0; i < 2; i++) {
    const atRecords = Math.round(RECORDS * (0.2 + 0.3 * i + random() * 0.2));
    const r = await runCvekit(args, db, { atCount: atRecords, afterMs: 60_000, count: (s) => s.counts().then((c) => c.total), polls: 3000, pollMs: 10 });
    kills.push(r.signal === 'SIGKILL' ? `killed at ≥${atRecords}` : `finished first (exit ${r.code})`);
    const store = await openStore(db);
    try {
      const counts = await store.counts();
      assert.equal(counts.versions, counts.total, `after kill ${i + 1}: one version per record`);
    } finally {
      await store.close();
    }
  }
  assert.ok(kills.some((k) => k.startsWith('killed')), kills.join(', '));
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
