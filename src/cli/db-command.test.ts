/**
 * `cvekit db copy` and `cvekit db backup` from the command line: their output, their
 * refusals (each with its exit code and a message naming the store and the fix), and a
 * backup taken while another connection holds a write transaction open.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../test/support/cli.ts';
import { freePort } from '../../test/support/postgres.ts';
import { createTestDb, openTestStore, testBackends, type TestStore } from '../../test/support/stores.ts';
import { loadSample } from '../ingest/index.ts';
import { openStore } from '../store/index.ts';

describe('cvekit db copy and db backup', () => {
  let source: TestStore;
  let dir: string;
  before(async () => {
    source = await openTestStore('sqlite');
    await loadSample(source.store);
    dir = mkdtempSync(join(tmpdir(), 'cvekit-db-cmd-'));
  });
  after(async () => {
    await source.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const backend of testBackends()) {
    it(`copies a SQLite store into a new ${backend} store: the tables and counts, then refuses to copy into it again`, async () => {
      const { db, cleanup } = await createTestDb(backend);
      try {
        const r = await runCli(['db', 'copy', '--to', db], { CVEKIT_DB: source.db });
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /^Copied 2\d,\d{3} rows of \d+ tables from sqlite:.* in [\d.]+ s; full-text index built for 3,000 records\./);
        assert.match(r.out, /record_versions +3,\d{3}\n/);
        assert.match(r.out, /records +3,000\n/);
        assert.match(r.out, /same CVEKIT_SECRET_KEY and CVEKIT_REPORT_KEY/);
        assert.ok(!r.out.includes('cvekit-test'), 'no password in the output');
        const status = await runCli(['status', '--json', '--db', db]);
        assert.equal((JSON.parse(status.out) as { counts: { total: number } }).counts.total, 3000);

        const again = await runCli(['db', 'copy', '--to', db, '--json'], { CVEKIT_DB: source.db });
        assert.equal(again.code, 1);
        const failure = JSON.parse(again.out) as { ok: boolean; error: string };
        assert.equal(failure.ok, false);
        assert.match(failure.error, /already holds data \(records: 3,000 rows, record_affected: 8,\d{3} rows, .*\): copy only into a new, empty store/);
      } finally {
        await cleanup();
      }
    });
  }

  it('--json gives the rows per table and the full-text count', async () => {
    const target = join(dir, 'copy.db');
    const r = await runCli(['db', 'copy', '--db', source.db, '--to', `sqlite:${target}`, '--json']);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { ok: boolean; from: string; to: string; rows: number; fullText: number; tables: { name: string; rows: number }[] };
    assert.equal(out.ok, true);
    assert.equal(out.to, `sqlite:${target}`);
    assert.equal(out.fullText, 3000);
    assert.equal(out.tables.find((t) => t.name === 'records')?.rows, 3000);
    assert.equal(out.rows, out.tables.reduce((a, t) => a + t.rows, 0));
    assert.ok(out.tables.findIndex((t) => t.name === 'cna_orgs') < out.tables.findIndex((t) => t.name === 'cna_users'), 'a table after the tables its foreign keys name');
  });

  it('refuses what it cannot do, with exit 2 for usage and 1 for a store that fails, naming --to', async () => {
    const none = await runCli(['db', 'copy', '--db', source.db]);
    assert.equal(none.code, 2);
    assert.match(none.err, /db copy needs --to sqlite:PATH\|postgres:\/\/… \(the new, empty store\)/);
    const same = await runCli(['db', 'copy', '--db', source.db, '--to', source.db]);
    assert.equal(same.code, 2);
    assert.match(same.err, /--to names the store being copied/);
    const missing = join(dir, 'nothing-here.db');
    const noSource = await runCli(['db', 'copy', '--db', `sqlite:${missing}`, '--to', `sqlite:${join(dir, 'x.db')}`]);
    assert.equal(noSource.code, 1);
    assert.match(noSource.err, /no cvekit store at .*nothing-here\.db/);
    assert.equal(existsSync(missing), false, 'the missing source was not created');
    const port = await freePort();
    const down = await runCli(['db', 'copy', '--db', source.db, '--to', `postgres://cvekit:secret-pw@127.0.0.1:${port}/cvekit`]);
    assert.equal(down.code, 1);
    assert.match(down.err, new RegExp(`cannot open the store postgres://cvekit:\\*\\*\\*@127\\.0\\.0\\.1:${port}/cvekit \\(--to\\): `));
    assert.ok(!down.err.includes('secret-pw'));
    const scheme = await runCli(['db', 'copy', '--db', source.db, '--to', 'mysql://x/y']);
    assert.equal(scheme.code, 2);
    assert.match(scheme.err, /--to must be sqlite:PATH, a file path or postgres:\/\/…, got "mysql:\/\/x\/y"/);
    // Each action refuses the others' options rather than ignore them.
    for (const [args, why] of [
      [['db', 'check', '--rederive'], /db check takes only --db and --json/],
      [['db', 'migrate', '--rederive'], /db migrate takes only --db and --json/],
      [['db', 'backup', join(dir, 'r.db'), '--rederive'], /db backup takes one FILE to write/],
      [['db', 'copy', '--to', `sqlite:${join(dir, 'f.db')}`, '--force'], /db copy takes --to, --rederive, --db and --json/],
    ] as const) {
      const r = await runCli([...args, '--db', source.db]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, why);
    }
    const bad = await runCli(['db', 'frobnicate']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /expected "cvekit db migrate", "db copy --to URL", "db check" or "db backup FILE", got "frobnicate"/);
    const help = await runCli(['db', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /cvekit db copy --to URL/);
    assert.match(help.out, /cvekit db backup FILE/);
  });

  it('backs up a SQLite store while another connection holds a write transaction open: the committed state, checked', async () => {
    const path = source.db.slice('sqlite:'.length);
    const writer = new DatabaseSync(path, { timeout: 5000 });
    const file = join(dir, 'backup.db');
    // What a killed backup to the same name left: its process is gone.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    for (const side of ['', '-wal', '-shm']) writeFileSync(join(dir, `backup.db.partial-${gone}${side}`), 'half a backup');
    writeFileSync(join(dir, `backup.db.partial-${process.pid}x`), 'a running process: kept');
    try {
      writer.exec('BEGIN IMMEDIATE');
      writer.exec("INSERT INTO meta (key, value, updated_at) VALUES ('uncommitted', 'x', '2026-01-01T00:00:00Z')");
      const r = await runCli(['db', 'backup', file, '--db', source.db]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^Backed up sqlite:.* to .*backup\.db: [\d.]+ MiB, checked, in [\d.]+ s\./);
    } finally {
      if (writer.isTransaction) writer.exec('ROLLBACK');
      writer.close();
    }
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('backup.db')).sort(), ['backup.db', `backup.db.partial-${process.pid}x`], 'no partial file, -wal or -shm left beside it, the killed one\'s removed');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only');
    const copy = await openStore(`sqlite:${file}`);
    try {
      assert.deepEqual(await copy.counts(), await source.store.counts());
      assert.equal(await copy.getMeta('uncommitted'), undefined);
      assert.equal((await copy.search.search({ words: ['buffer', 'overflow'], limit: 1 })).total, (await source.store.search.search({ words: ['buffer', 'overflow'], limit: 1 })).total);
    } finally {
      await copy.close();
    }
  });

  it('backup refuses to overwrite without --force, a missing directory, the store itself and a PostgreSQL store', async () => {
    const file = join(dir, 'exists.db');
    writeFileSync(file, 'keep me');
    const exists = await runCli(['db', 'backup', file, '--db', source.db]);
    assert.equal(exists.code, 2);
    assert.match(exists.err, /exists\.db exists: give another name, or --force to replace it/);
    const forced = await runCli(['db', 'backup', file, '--force', '--db', source.db, '--json']);
    assert.equal(forced.code, 0, forced.err);
    assert.equal((JSON.parse(forced.out) as { ok: boolean; file: string }).file, file);
    const noDir = await runCli(['db', 'backup', join(dir, 'no', 'such', 'b.db'), '--db', source.db]);
    assert.equal(noDir.code, 2);
    assert.match(noDir.err, /no directory .*no\/such for the backup/);
    const itself = await runCli(['db', 'backup', source.db.slice('sqlite:'.length), '--force', '--db', source.db]);
    assert.equal(itself.code, 2);
    assert.match(itself.err, /the backup file is the store itself/);
    const pg = await runCli(['db', 'backup', join(dir, 'pg.db'), '--db', 'postgres://u@127.0.0.1:1/x']);
    assert.equal(pg.code, 2);
    assert.match(pg.err, /is not one: use pg_dump, or `cvekit db copy --to sqlite:FILE` for a portable copy/);
    const none = await runCli(['db', 'backup', '--db', source.db]);
    assert.equal(none.code, 2);
    assert.match(none.err, /db backup takes one FILE/);
  });
});
