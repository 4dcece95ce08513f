/**
 * Crash safety of `cvekit db copy`: the real command, copying a SQLite store holding the
 * bundled sample, is killed with SIGKILL while it loads the target, twice, at random points
 * (measured by what the load has written so far: the target's WAL on SQLite, the size of
 * `record_versions` on PostgreSQL, both growing before the one commit). Each time the target
 * must be as empty as before, and the same command then copies everything.
 */
import { strict as assert } from 'node:assert';
import { existsSync, statSync } from 'node:fs';
import { test } from 'node:test';
import pg from 'pg';
import { loadSample } from '../../src/ingest/index.ts';
import { checkStore, openStore } from '../../src/store/index.ts';
import { runCvekit, rng } from '../support/kill.ts';
import { createTestDb, openTestStore, testBackends } from '../support/stores.ts';

const seed = Number(process.env.CVEKIT_CRASH_SEED ?? Date.now() % 100000);

for (const backend of testBackends()) {
  test(`${backend}: kill -9 during cvekit db copy leaves the target empty; the same command then copies everything (seed ${seed})`, async (t) => {
    const random = rng(seed);
    const source = await openTestStore('sqlite');
    t.after(() => source.cleanup());
    await loadSample(source.store);
    const expected = await source.store.counts();
    const { db, cleanup } = await createTestDb(backend);
    t.after(cleanup);
    const args = ['db', 'copy', '--db', source.db, '--to', db, '--json'];

    // How far the load has got: bytes it has written that no commit has made visible yet.
    let client: pg.Client | undefined;
    if (backend === 'postgres') {
      client = new pg.Client({ connectionString: db });
      // Dropping the test database at the end ends this connection too.
      client.on('error', () => undefined);
      await client.connect();
    }
    const written = async (): Promise<number> => {
      if (client) return Number((await client.query("SELECT pg_total_relation_size('record_versions') AS n")).rows[0].n);
      const wal = `${db.slice('sqlite:'.length)}-wal`;
      return existsSync(wal) ? statSync(wal).size : 0;
    };
    // The target exists and is migrated (an empty record_versions) before the kills.
    const migrate = await runCvekit(['db', 'migrate', '--db', db], db);
    assert.equal(migrate.code, 0, migrate.stderr);
    const base = await written();

    const kills: string[] = [];
    for (let i = 0; i < 2; i++) {
      const atBytes = base + Math.round((2 + random() * 6) * 1024 * 1024);
      const r = await runCvekit(args, db, { atCount: atBytes, afterMs: 60_000, count: written, polls: 6000, pollMs: 5 });
      kills.push(r.signal === 'SIGKILL' ? `killed at ≥${atBytes} bytes` : `finished first (exit ${r.code})`);
      const target = await openStore(db);
      try {
        const held = await target.tables.load((l) => l.nonEmpty());
        if (r.signal === 'SIGKILL') assert.deepEqual(held, [], `after kill ${i + 1}: nothing of the killed copy is visible`);
        else assert.fail(`the copy finished before it was killed (${kills.join(', ')}): ${r.stderr}`);
      } finally {
        await target.close();
      }
    }

    await client?.end();
    const final = await runCvekit(args, db);
    assert.equal(final.code, 0, final.stderr);
    const summary = JSON.parse(final.stdout) as { ok: boolean; fullText: number; rows: number };
    assert.equal(summary.ok, true);
    assert.equal(summary.fullText, expected.total);
    const target = await openStore(db);
    try {
      assert.deepEqual(await target.counts(), expected, kills.join(', '));
      const check = await checkStore(target);
      assert.ok(check.ok, JSON.stringify(check.problems.slice(0, 5)));
      // The full text was built in the same transaction (PostgreSQL's matches differ from SQLite's).
      const hits = (await target.search.search({ words: ['buffer', 'overflow'], limit: 1 })).total ?? 0;
      if (backend === 'sqlite') assert.equal(hits, (await source.store.search.search({ words: ['buffer', 'overflow'], limit: 1 })).total);
      else assert.ok(hits > 10, `${hits} hits`);
    } finally {
      await target.close();
    }
  });
}
