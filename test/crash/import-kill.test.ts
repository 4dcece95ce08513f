/**
 * Crash safety: a real `cvekit import` child process is killed with SIGKILL at random
 * moments, several times; the store stays consistent and running the same command again
 * finishes the job with exactly the right records, versions and quarantine.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkStore, openStore } from '../../src/store/index.ts';
import { runCvekit, type RunResult, rng } from '../support/kill.ts';
import { createTestDb, realRecordLines, testBackends } from '../support/stores.ts';

const KILLS = 3;
const RECORDS = 6000;
const BAD_LINES = 2;

/**
 * Run `cvekit import`; with `kill`, SIGKILL it as soon as the store holds at least `atRecords`
 * records (polled from this process), or after `afterMs`, whichever comes first.
 */
function runImport(file: string, db: string, kill?: { readonly atRecords?: number; readonly afterMs: number }): Promise<RunResult> {
  const args = ['import', file, '--db', db, '--batch-size', '250', '--json'];
  return runCvekit(args, db, kill && { atCount: kill.atRecords, afterMs: kill.afterMs, count: (s) => s.counts().then((c) => c.total), polls: 3000, pollMs: 10 });
}

const seed = Number(process.env.CVEKIT_CRASH_SEED ?? Date.now() % 100000);

for (const backend of testBackends()) {
  describe(`${backend}: kill -9 during import`, () => {
    test(`the store stays consistent and the import resumes to the exact result (seed ${seed})`, async () => {
      const random = rng(seed);
      const dir = mkdtempSync(join(tmpdir(), 'cvekit-crash-'));
      const lines = realRecordLines(RECORDS);
      // Two bad lines in the middle: quarantined exactly once however often the import restarts.
      lines.splice(2500, 0, '{"dataType":"CVE_RECORD",');
      lines.splice(4100, 0, '{"not":"a record"}');
      const file = join(dir, 'records.jsonl');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const { db, cleanup } = await createTestDb(backend);
      try {
        const kills: string[] = [];
        for (let i = 0; i < KILLS; i++) {
          // The first kill lands at a random moment of start-up (opening, migrating); the others
          // once a random, growing share of the records is in, i.e. in the middle of a batch.
          const atRecords = i === 0 ? undefined : Math.round(RECORDS * (0.15 + 0.35 * (i - 1) + random() * 0.3));
          const afterMs = i === 0 ? Math.round(50 + random() * 400) : 60_000;
          const r = await runImport(file, db, { atRecords, afterMs });
          kills.push(r.signal === 'SIGKILL' ? `killed ${atRecords === undefined ? `after ${afterMs} ms` : `at ≥${atRecords} records`}` : `finished first (exit ${r.code})`);
          const store = await openStore(db);
          try {
            // A kill during start-up may come before the schema exists; every command migrates first.
            await store.migrate();
            const counts = await store.counts();
            // Consistency after a crash: every current record has its version, no orphan versions,
            // and nothing is half-written (versions only come with their record).
            assert.equal(counts.versions, counts.total, `after kill ${i + 1}: one version per record (${JSON.stringify(counts)})`);
            assert.ok(counts.total <= RECORDS);
            assert.ok(counts.quarantined <= BAD_LINES, `quarantine never duplicated: ${counts.quarantined}`);
            // And every stored row is what its record's JSON gives: hashes, current versions, index rows.
            const check = await checkStore(store);
            assert.ok(check.ok, `after kill ${i + 1}: ${JSON.stringify(check.problems.slice(0, 5))}`);
          } finally {
            await store.close();
          }
        }
        assert.ok(kills.filter((k) => k.startsWith('killed at')).length >= 1, `at least one kill landed mid-import: ${kills.join(', ')}`);
        const final = await runImport(file, db);
        assert.equal(final.code, 0, `final run failed: ${final.stderr}\n${kills.join(', ')}`);
        const summary = JSON.parse(final.stdout) as { resumed: boolean; counts: Record<string, number> };
        const store = await openStore(db);
        try {
          const counts = await store.counts();
          assert.equal(counts.total, RECORDS, kills.join(', '));
          assert.equal(counts.versions, RECORDS, 'no version written twice');
          assert.equal(counts.quarantined, BAD_LINES, 'each bad line quarantined exactly once');
          assert.equal(summary.resumed, true, `the final run resumed the killed job (${kills.join(', ')})`);
          {
            // A resumed job's totals cover the whole input exactly once.
            assert.equal(summary.counts.read, RECORDS + BAD_LINES);
            assert.equal(summary.counts.added + summary.counts.unchanged, RECORDS);
          }
          // Every record reads back whole.
          for (const line of [lines[0], lines[3000], lines.at(-1) as string]) {
            const id = JSON.parse(line).cveMetadata.cveId;
            const rec = await store.getRecord(id);
            assert.deepEqual(JSON.parse(rec?.json ?? 'null'), JSON.parse(line));
          }
        } finally {
          await store.close();
        }
        if (backend === 'sqlite') {
          const { DatabaseSync } = await import('node:sqlite');
          const raw = new DatabaseSync(db.slice('sqlite:'.length));
          assert.equal((raw.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
          raw.close();
        }
      } finally {
        await cleanup();
      }
    });
  });
}
