import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, sharedData } from '../../test/support/paths.ts';
import { createTestDb, realRecordLines, testBackends } from '../../test/support/stores.ts';
import { summarizeRecord } from '../cve/index.ts';
import { runCli } from '../../test/support/cli.ts';

const run = runCli;

test('no command prints the usage and exits 2; --help exits 0', async () => {
  const none = await run([]);
  assert.equal(none.code, 2);
  assert.match(none.out, /Usage: cvekit <command>/);
  assert.match(none.out, /import/);
  const help = await run(['--help']);
  assert.equal(help.code, 0);
});

test('an unknown command or option is a usage error naming it', async () => {
  const r = await run(['imprt']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown command "imprt"/);
  const o = await run(['status', '--colour']);
  assert.equal(o.code, 2);
  assert.match(o.err, /--colour/);
});

test('a bad --db is refused before anything runs', async () => {
  const r = await run(['status', '--db', 'mysql://x']);
  assert.equal(r.code, 2);
  assert.match(r.err, /sqlite:PATH, a file path or postgres/);
});

test('read-only commands refuse a SQLite store that does not exist, and create nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cvekit-cli-missing-'));
  const missing = join(dir, 'nodir', 'missing.db');
  for (const args of [['status'], ['status', '--json'], ['quarantine', 'list'], ['quarantine', 'show', '1'], ['export', '--format', 'jsonl'], ['show', 'CVE-2024-3400'], ['history', 'CVE-2024-3400'], ['resolve', 'CVE-2024-3400'], ['mapping-issues'], ['cna', 'org', 'list'], ['cna', 'user', 'list']]) {
    const r = await run([...args, '--db', `sqlite:${missing}`]);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.err}`);
    const hint = ' (CVEKIT_DB/--db); `cvekit db migrate` or `cvekit serve` creates one';
    assert.ok(r.err.includes(`no cvekit store at ${missing}${hint}`), `${args.join(' ')}: ${r.err}`);
  }
  const env = await run(['status'], { CVEKIT_DB: `sqlite:${missing}` });
  assert.equal(env.code, 1);
  assert.match(env.err, /no cvekit store at/);
  assert.equal(existsSync(join(dir, 'nodir')), false, 'no directory created');
  // A command that writes still creates the store; then status reads it.
  const migrate = await run(['db', 'migrate', '--db', `sqlite:${missing}`]);
  assert.equal(migrate.code, 0, migrate.err);
  assert.equal((await run(['status', '--db', `sqlite:${missing}`])).code, 0);
});

test('a store that cannot be opened is named with its setting, exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cvekit-cli-badstore-'));
  const notDb = join(dir, 'not-a-db.db');
  writeFileSync(notDb, 'this is not a SQLite file, just some text that is long enough to have a header'.repeat(20));
  for (const [db, why] of [
    [`sqlite:${dir}`, /unable to open database file|directory/],
    [`sqlite:${notDb}/x.db`, /unable to open database file/],
    [`sqlite:${notDb}`, /not a database/],
    ['sqlite:/proc/cvekit-no-such/x.db', /ENOENT|EACCES|EPERM/],
  ] as const) {
    for (const args of [['db', 'migrate'], ['seed', '--if-empty'], ['status']]) {
      const r = await run([...args, '--db', db]);
      assert.equal(r.code, 1, `${args.join(' ')} ${db}: ${r.err}`);
      if (args[0] === 'status' && !existsSync(db.slice('sqlite:'.length))) {
        assert.match(r.err, /no cvekit store at .* \(CVEKIT_DB\/--db\)/);
        continue;
      }
      assert.ok(r.err.includes(`cannot open the store ${db} (CVEKIT_DB/--db): `), `${args.join(' ')} ${db}: ${r.err}`);
      assert.match(r.err, why, `${args.join(' ')} ${db}`);
    }
  }
});

test('a SQLite store this user may not write: the file or the directory is named, reads still work where SQLite can read', async () => {
  // As root every file is writable: the commands run as `nobody` then; as any other user, as it.
  const asUser = (args: readonly string[]) => {
    const cli = [join(REPO_ROOT, 'bin', 'cvekit.js'), ...args];
    const root = process.getuid?.() === 0;
    const r = spawnSync(root ? 'setpriv' : process.execPath, root ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...cli] : cli, { encoding: 'utf8', env: { PATH: process.env.PATH } });
    return { code: r.status, err: r.stderr };
  };
  const dir = mkdtempSync(join(tmpdir(), 'cvekit-cli-readonly-'));
  chmodSync(dir, 0o777);
  const db = join(dir, 'c.db');
  assert.equal((await run(['seed', '--db', `sqlite:${db}`])).code, 0);
  const records = join(dir, 'more.jsonl');
  writeFileSync(records, `${realRecordLines(3000).slice(2990).join('\n')}\n`);
  chmodSync(records, 0o644);
  try {
    chmodSync(db, 0o444);
    const write = asUser(['import', records, '--db', `sqlite:${db}`]);
    assert.equal(write.code, 1, write.err);
    assert.match(write.err, /^cvekit import: cannot write to the store sqlite:\S+c\.db \(CVEKIT_DB\/--db\); the file \S+c\.db is read-only for this user \(uid \d+\)\n$/);
    const read = asUser(['status', '--db', `sqlite:${db}`]);
    assert.equal(read.code, 0, read.err);
    // That read made the -wal and -shm files with the store file's mode (read-only): a writable
    // store file is then not enough.
    chmodSync(db, 0o666);
    const sides = asUser(['import', records, '--db', `sqlite:${db}`]);
    assert.equal(sides.code, 1, sides.err);
    assert.match(sides.err, /; its file \S+c\.db-(wal|shm) is read-only for this user \(uid \d+\): SQLite made it with the store file's mode, owned by the user who opened the store first; make it writable for every user that opens the store\n$/);
    for (const side of ['-wal', '-shm']) if (existsSync(`${db}${side}`)) chmodSync(`${db}${side}`, 0o666);
    const now = asUser(['import', records, '--db', `sqlite:${db}`]);
    assert.equal(now.code, 0, now.err);
    chmodSync(dir, 0o555);
    for (const args of [['status', '--db', `sqlite:${db}`], ['import', records, '--db', `sqlite:${join(dir, 'new.db')}`]]) {
      const r = asUser(args);
      assert.equal(r.code, 1, `${args[0]}: ${r.err}`);
      assert.match(r.err, /(: attempt to write a readonly database|\(CVEKIT_DB\/--db\)); its directory \S+ is not writable for this user \(uid \d+\): SQLite makes the store's -wal and -shm files there, even to read it\n$/, args[0]);
    }
    assert.ok(!existsSync(join(dir, 'new.db')));
  } finally {
    chmodSync(dir, 0o755);
  }
});

test('serve-only settings neither block nor are checked by the other commands', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cvekit-cli-serveonly-'));
  const db = `sqlite:${join(dir, 'cvekit.db')}`;
  assert.equal((await run(['db', 'migrate', '--db', db])).code, 0);
  const env = { PORT: 'abc', HOST: 'not..a..host', CVEKIT_SEED: 'maybe', CVEKIT_TRUST_PROXY: 'true', CVEKIT_TEAM_TOKEN: 'short', CVEKIT_POW_BITS: '0x10' };
  for (const args of [['status'], ['quarantine', 'list'], ['db', 'migrate']]) {
    const r = await run([...args, '--db', db], env);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
  }
});

test('serve checks host and port, from the flag or the environment, as usage errors naming the setting', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cvekit-cli-serve-'));
  const db = `sqlite:${join(dir, 'cvekit.db')}`;
  for (const [args, env, why] of [
    [['--port', '0x4650'], {}, /PORT\/--port must be a whole number from 0 to 65535, got "0x4650"/],
    [[], { PORT: '0x4650' }, /PORT\/--port must be a whole number from 0 to 65535, got "0x4650"/],
    [[], { PORT: '1.809e4' }, /PORT\/--port must be a whole number from 0 to 65535, got "1\.809e4"/],
    [[], { PORT: ' 8080' }, /PORT\/--port must be a whole number/],
    [[], { PORT: '-1' }, /PORT\/--port must be a whole number/],
    [['--host', '999.1.1.1'], {}, /HOST\/--host must be an IPv4 or IPv6 address or a host name, got "999\.1\.1\.1"/],
    [[], { HOST: 'not..a..host' }, /HOST\/--host must be an IPv4 or IPv6 address or a host name, got "not\.\.a\.\.host"/],
    [['--host', ''], {}, /HOST\/--host must be/],
    [[], { CVEKIT_SEED: 'maybe' }, /CVEKIT_SEED must be true or false, got "maybe"/],
  ] as const) {
    const r = await run(['serve', ...args, '--db', db], env);
    assert.equal(r.code, 2, `${args.join(' ')} ${JSON.stringify(env)}: ${r.err}`);
    assert.match(r.err, why);
  }
  assert.equal(existsSync(join(dir, 'cvekit.db')), false, 'nothing done before the settings are checked');
});

test('serve that cannot listen names the host and port settings, exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cvekit-cli-listen-'));
  // 192.0.2.1 (TEST-NET-1) is no address of this machine: EADDRNOTAVAIL.
  const r = await run(['serve', '--host', '192.0.2.1', '--port', '0', '--no-seed', '--log-level', 'silent', '--db', `sqlite:${join(dir, 'cvekit.db')}`]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /cannot listen on host "192\.0\.2\.1" \(HOST\/--host\), port 0 \(PORT\/--port\): no network interface of this machine has that address/);
});

test('usage errors under --json also print {"ok":false,"error":…,"usage":true} on stdout, exit 2', async () => {
  for (const [args, why] of [
    [['import', 'x', '--since', 'yesterday', '--json'], /--since must be an ISO 8601 time, got "yesterday"/],
    [['status', '--colour', '--json'], /--colour/],
    [['imprt', '--json'], /unknown command "imprt"/],
    [['status', '--db', 'mysql://x', '--json'], /sqlite:PATH, a file path or postgres/],
    [['quarantine', '--json'], /missing action: list, show, retry or dismiss/],
    [['cna', '--json'], /missing what to do: org or user/],
  ] as const) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    const out = JSON.parse(r.out) as { ok: boolean; error: string; usage: boolean };
    assert.equal(out.ok, false, args.join(' '));
    assert.equal(out.usage, true, args.join(' '));
    assert.match(out.error, why);
    assert.match(r.err, why);
  }
  // Without --json, stdout stays empty.
  assert.equal((await run(['import', 'x', '--since', 'yesterday'])).out, '');
});

test('every command has --help', async () => {
  for (const cmd of ['serve', 'status', 'show', 'history', 'resolve', 'db', 'import', 'sync', 'quarantine', 'kev', 'cwe', 'seed']) {
    const r = await run([cmd, '--help']);
    assert.equal(r.code, 0, cmd);
    assert.match(r.out, /Usage: cvekit/, cmd);
  }
});

for (const backend of testBackends()) {
  describe(`${backend}: cvekit commands`, () => {
    let db: string;
    let cleanup: () => Promise<void>;
    let dir: string;
    before(async () => {
      ({ db, cleanup } = await createTestDb(backend));
      dir = mkdtempSync(join(tmpdir(), 'cvekit-cli-'));
    });
    after(async () => cleanup());

    test('db migrate applies the schema once, then says up to date', async () => {
      const first = await run(['db', 'migrate', '--json', '--db', db]);
      assert.equal(first.code, 0, first.err);
      assert.ok(JSON.parse(first.out).applied.length > 0);
      const second = await run(['db', 'migrate', '--db', db]);
      assert.match(second.out, /Up to date: schema version \d+/);
    });

    test('import --json prints the summary; status --json shows counts, sources and the content date (X1520-9.1)', async () => {
      const lines = realRecordLines(300);
      const file = join(dir, 'r.jsonl');
      writeFileSync(file, `${lines.join('\n')}\n{"oops"\n`);
      const r = await run(['import', file, '--json', '--db', db]);
      assert.equal(r.code, 0, r.err);
      const summary = JSON.parse(r.out);
      assert.equal(summary.counts.added, 300);
      assert.equal(summary.counts.quarantined, 1);
      assert.equal(summary.format, 'jsonl');
      const s = await run(['status', '--json', '--db', db]);
      const status = JSON.parse(s.out);
      assert.equal(status.counts.total, 300);
      assert.ok(status.contentDate);
      assert.equal(status.contentSource, 'cvelistV5');
      assert.equal(typeof status.outOfDate, 'boolean');
      const words = await run(['status', '--db', db]);
      assert.match(words.out, /Records: 300/);
      assert.match(words.out, /CVE content as of \d{4}-\d{2}-\d{2}/);
    });

    test('import in words reports the quarantined record with its position and reason', async () => {
      const file = join(dir, 'bad.jsonl');
      writeFileSync(file, `${realRecordLines(301)[300]}\n{"dataType":"CVE_RECORD","dataVersion":"4.0"}\n`);
      const r = await run(['import', file, '--db', db]);
      assert.equal(r.code, 0);
      assert.match(r.out, /added 1/);
      assert.match(r.out, /bad\.jsonl:2 \[ENVELOPE\] .*dataVersion/);
    });

    test('import usage errors: no input, bad --batch-size, bad --since', async () => {
      assert.match((await run(['import', '--db', db])).err, /exactly one PATH/);
      assert.match((await run(['import', 'x', '--batch-size', '0', '--db', db])).err, /--batch-size must be a whole number/);
      assert.match((await run(['import', 'x', '--since', 'yesterday', '--db', db])).err, /--since must be an ISO 8601 time/);
      const missing = await run(['import', join(dir, 'nope.jsonl'), '--db', db]);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /does not exist/);
    });

    test('a bad whole-number or duration option is a usage error naming the option and the value, in words and in --json', async () => {
      for (const [args, why] of [
        [['quarantine', 'list', '--limit', 'x'], /--limit must be a whole number from 1 to \d+, got "x"/],
        [['quarantine', 'list', '--limit', '1.5'], /--limit must be a whole number from 1 to \d+, got "1\.5"/],
        [['quarantine', 'list', '--limit', '0'], /--limit must be a whole number from 1 to \d+, got "0"/],
        [['import', 'x', '--batch-size', '1e3'], /--batch-size must be a whole number from 1 to 100000, got "1e3"/],
        [['import', 'x', '--batch-size', 'ten'], /--batch-size must be a whole number from 1 to 100000, got "ten"/],
        [['sync', '--from', dir, '--every', '5x'], /--every: interval must look like 30s, 15m, 1h or 1d, got "5x"/],
        [['sync', '--source', 'nvd', '--every', 'soon'], /--every: interval must look like 30s, 15m, 1h or 1d, got "soon"/],
        [['serve', '--port', '0x50'], /--port must be a whole number from 0 to 65535, got "0x50"/],
        [['serve', '--port', '70000'], /--port must be a whole number from 0 to 65535, got "70000"/],
        [['cna', 'org', 'create', '--short-name', 'q', '--name', 'Q', '--id-quota', '1.5'], /--id-quota must be a whole number of at least 0, got "1\.5"/],
      ] as const) {
        const words = await run([...args, '--db', db]);
        assert.equal(words.code, 2, `${args.join(' ')}: ${words.err}`);
        assert.match(words.err, why);
        assert.doesNotMatch(words.err, /datatype mismatch/);
        const json = await run([...args, '--json', '--db', db]);
        assert.equal(json.code, 2, args.join(' '));
        const out = JSON.parse(json.out) as { ok: boolean; error: string; usage: boolean };
        assert.deepEqual({ ok: out.ok, usage: out.usage }, { ok: false, usage: true });
        assert.match(out.error, why);
      }
    });

    test('quarantine list, show (with the raw bytes exactly), retry with a corrected file, dismiss', async () => {
      const list = await run(['quarantine', 'list', '--json', '--db', db]);
      const items = JSON.parse(list.out) as { id: number; code: string; position: string }[];
      const oops = items.find((i) => i.position.endsWith('r.jsonl:301'));
      assert.ok(oops, JSON.stringify(items));
      const show = await run(['quarantine', 'show', String(oops.id), '--db', db]);
      assert.match(show.out, /Code: JSON_(SYNTAX|TRUNCATED)/);
      const rawOut = await run(['quarantine', 'show', String(oops.id), '--raw', '--db', db]);
      assert.equal(rawOut.bytes.toString('utf8'), '{"oops"');
      const again = await run(['quarantine', 'retry', String(oops.id), '--db', db]);
      assert.equal(again.code, 1);
      assert.match(again.out, /still fails/);
      const fixed = join(dir, 'fixed.json');
      writeFileSync(fixed, realRecordLines(400)[399]);
      const retried = await run(['quarantine', 'retry', String(oops.id), '--file', fixed, '--db', db]);
      assert.equal(retried.code, 0, retried.out + retried.err);
      assert.match(retried.out, /stored \(added\)/);
      const other = items.find((i) => i.id !== oops.id);
      assert.ok(other);
      assert.equal((await run(['quarantine', 'dismiss', String(other.id), '--db', db])).code, 0);
      const open = JSON.parse((await run(['quarantine', 'list', '--status', 'open', '--json', '--db', db])).out);
      assert.equal(open.length, 0);
      assert.match((await run(['quarantine', 'show', '99999', '--db', db])).err, /no quarantine entry 99999/);
      assert.equal((await run(['quarantine', 'show', 'x', '--db', db])).code, 2);
    });

    /** Real records not imported by the tests above (they use the first 400), with their CVE names. */
    const spare = (from: number, count: number) =>
      realRecordLines(from + count)
        .slice(from)
        .map((line) => ({ line, cveId: (JSON.parse(line) as { cveMetadata: { cveId: string } }).cveMetadata.cveId }));
    const entryAt = async (suffix: string) => {
      const items = JSON.parse((await run(['quarantine', 'list', '--json', '--db', db])).out) as { id: number; code: string; position: string; cveId?: string; status: string }[];
      const item = items.find((i) => i.position.endsWith(suffix));
      assert.ok(item, JSON.stringify(items));
      return item;
    };

    test('quarantine retry checks the file name as the import does, and refuses a --file of another CVE', async () => {
      const [named, held, other] = spare(500, 3);
      const total = async () => (JSON.parse((await run(['status', '--json', '--db', db])).out) as { counts: { total: number } }).counts.total;
      const before = await total();
      const folder = join(dir, 'mismatch');
      mkdirSync(folder);
      writeFileSync(join(folder, `${named.cveId}.json`), held.line);
      const imported = await run(['import', folder, '--json', '--db', db]);
      assert.equal(JSON.parse(imported.out).counts.quarantined, 1, imported.out + imported.err);
      const entry = await entryAt(`${named.cveId}.json`);
      assert.equal(entry.code, 'ID_MISMATCH');
      const again = await run(['quarantine', 'retry', String(entry.id), '--db', db]);
      assert.equal(again.code, 1, again.out);
      assert.equal(again.out.trim(), `#${entry.id}: still fails: ID_MISMATCH: file name says ${named.cveId} but cveMetadata.cveId is ${held.cveId}`);
      const wrong = join(dir, 'other.json');
      writeFileSync(wrong, other.line);
      const refused = await run(['quarantine', 'retry', String(entry.id), '--file', wrong, '--db', db]);
      assert.equal(refused.code, 1, refused.out);
      assert.match(refused.out, new RegExp(`CVE_MISMATCH: entry #${entry.id} is about ${named.cveId} \\(.*\\) but .*other\\.json holds ${other.cveId}; nothing stored`));
      assert.equal(JSON.parse((await run(['quarantine', 'show', '--json', String(entry.id), '--db', db])).out).status, 'open');
      assert.equal(await total(), before, 'nothing stored by the failed retries');
      const right = join(dir, 'right.json');
      writeFileSync(right, named.line);
      const fixed = await run(['quarantine', 'retry', String(entry.id), '--file', right, '--db', db]);
      assert.equal(fixed.code, 0, fixed.out + fixed.err);
      assert.match(fixed.out, /stored \(added\)/);
    });

    test('a deltaLog record missing from --base: RECORD_MISSING; retry says to use --file, which must be that CVE', async () => {
      const [missing, other] = spare(510, 2);
      const base = join(dir, 'base');
      mkdirSync(base);
      const log = join(dir, 'deltaLog.json');
      writeFileSync(log, JSON.stringify([{ fetchTime: '2024-01-01T00:00:00Z', new: [{ cveId: missing.cveId, dateUpdated: '2024-01-01T00:00:00Z' }], updated: [] }]));
      const imported = await run(['import', log, '--base', base, '--json', '--db', db]);
      assert.equal(JSON.parse(imported.out).counts.quarantined, 1, imported.out + imported.err);
      const entry = await entryAt(`${missing.cveId}.json`);
      assert.equal(entry.code, 'RECORD_MISSING');
      const again = await run(['quarantine', 'retry', String(entry.id), '--db', db]);
      assert.equal(again.code, 1);
      assert.match(again.out, new RegExp(`still fails: RECORD_MISSING: ${missing.cveId} was not in the delta log's base .* use --file PATH`));
      assert.doesNotMatch(again.out, /JSON_TRUNCATED/);
      const wrong = join(dir, 'other-missing.json');
      writeFileSync(wrong, other.line);
      const refused = await run(['quarantine', 'retry', String(entry.id), '--file', wrong, '--db', db]);
      assert.equal(refused.code, 1);
      assert.match(refused.out, new RegExp(`CVE_MISMATCH: entry #${entry.id} is about ${missing.cveId} .* holds ${other.cveId}`));
      const right = join(dir, 'missing.json');
      writeFileSync(right, missing.line);
      const fixed = await run(['quarantine', 'retry', String(entry.id), '--file', right, '--db', db]);
      assert.equal(fixed.code, 0, fixed.out + fixed.err);
      assert.match(fixed.out, /stored \(added\)/);
    });

    // The reader's RECORD_MISSING event names the CVE (RawError.cveId); the import still has to pass it on to the entry.
    test('a RECORD_MISSING entry carries the CVE name its delta log gives (quarantine list and show)', async () => {
      const [missing] = spare(520, 1);
      const log = join(dir, 'deltaLog-2.json');
      writeFileSync(log, JSON.stringify([{ fetchTime: '2024-01-02T00:00:00Z', new: [{ cveId: missing.cveId, dateUpdated: '2024-01-02T00:00:00Z' }], updated: [] }]));
      assert.equal((await run(['import', log, '--base', join(dir, 'base'), '--db', db])).code, 0);
      const entry = await entryAt(`${missing.cveId}.json`);
      assert.equal(entry.cveId, missing.cveId);
      assert.match((await run(['quarantine', 'show', String(entry.id), '--db', db])).out, new RegExp(`CVE: ${missing.cveId}`));
    });

    test('kev import and cwe import report what they loaded', async () => {
      const kev = await run(['kev', 'import', sharedData('kev', 'known_exploited_vulnerabilities.json'), '--db', db]);
      assert.equal(kev.code, 0, kev.err);
      assert.match(kev.out, /KEV catalog 2025\.08\.25 .*1404 entries; 1404 added/);
      const cwe = await run(['cwe', 'import', sharedData('cwe', 'cwec_v4.15.xml.gz'), '--json', '--db', db]);
      assert.equal(cwe.code, 0, cwe.err);
      assert.equal(JSON.parse(cwe.out).count, 1427);
    });

    test('kev import of the catalog version already imported says it is the same version; an older one says older', async () => {
      const same = await run(['kev', 'import', sharedData('kev', 'known_exploited_vulnerabilities.json'), '--db', db]);
      assert.equal(same.code, 0, same.err);
      assert.match(same.out, /KEV catalog 2025\.08\.25 .*0 added, 0 removed.* \(the same catalog version as the one already imported: nothing changed\)/);
      assert.doesNotMatch(same.out, /older/);
      const sameJson = JSON.parse((await run(['kev', 'import', sharedData('kev', 'known_exploited_vulnerabilities.json'), '--json', '--db', db])).out);
      assert.deepEqual({ stale: sameJson.stale, sameVersion: sameJson.sameVersion }, { stale: true, sameVersion: true });
      const older = await run(['kev', 'import', sharedData('kev', 'history', 'known_exploited_vulnerabilities.2025.01.24.json'), '--db', db]);
      assert.equal(older.code, 0, older.err);
      assert.match(older.out, /KEV catalog 2025\.01\.24 .*\(older than the catalog already imported: history kept, current catalog unchanged\)/);
    });

    test('seed --if-empty does nothing on a store with records', async () => {
      const r = await run(['seed', '--if-empty', '--db', db]);
      assert.match(r.out, /already holds records; nothing loaded/);
    });
  });
}

test('the sample is what the README promises: 3,000 real records including every rejected one', () => {
  const lines = gunzipSync(readFileSync(join(import.meta.dirname, '..', '..', 'data', 'sample', 'records.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean);
  assert.equal(lines.length, 3000);
  assert.equal(lines.filter((l: string) => l.includes('"state":"REJECTED"')).length, 146);
  // X1520-7.7: a rejected record's replacement opens a record wherever the shared data has it.
  const ids = new Set(lines.map((l: string) => JSON.parse(l).cveMetadata.cveId as string));
  const shared = new Set(realRecordLines().map((l) => JSON.parse(l).cveMetadata.cveId as string));
  const targets = lines
    .map((l: string) => JSON.parse(l))
    .filter((r) => r.cveMetadata.state === 'REJECTED')
    .flatMap((r) => summarizeRecord(r).replacements.map((e) => e.target))
    .filter((t) => shared.has(t));
  assert.ok(targets.length >= 2, `${targets.length} replacements in the shared data`);
  assert.deepEqual(targets.filter((t) => !ids.has(t)), []);
});
