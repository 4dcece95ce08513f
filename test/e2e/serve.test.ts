/**
 * What the README promises: on an empty store, `cvekit serve` (what `npm start` runs) loads
 * the bundled sample and a browser gets real content. Runs the real command in a child process.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../support/paths.ts';

test('cvekit serve on an empty SQLite store loads the sample and serves real CVE pages', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cvekit-serve-'));
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'cvekit.js'), 'serve', '--port', '0', '--db', `sqlite:${join(dir, 'cvekit.db')}`], {
    cwd: REPO_ROOT,
    env: { ...process.env, CVEKIT_SEED: undefined, PORT: undefined, HOST: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const origin = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 120_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        const m = /cvekit is serving on (http:\/\/[^"\s]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    const home = await fetch(origin);
    assert.equal(home.status, 200);
    const body = await home.text();
    assert.match(body, /3,000 CVE records/);
    assert.match(body, /CVE content as of 2025-01-24/);
    const rec = await fetch(`${origin}/cve/2024-3400`, { redirect: 'manual' });
    assert.equal(rec.status, 301);
    const page = await fetch(`${origin}/cve/CVE-2024-3400`);
    assert.match(await page.text(), /KEV: known exploited/);
    const status = (await (await fetch(`${origin}/api/v1/status`)).json()) as { counts: { total: number }; sources: { id: string }[] };
    assert.equal(status.counts.total, 3000);
    assert.ok(status.sources.some((s: { id: string }) => s.id === 'kev'));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
