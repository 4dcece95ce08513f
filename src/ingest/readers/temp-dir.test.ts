import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { writeZip } from '../../../test/support/zip.ts';
import { checkoutPath, cveIdOf, drain, makeTempDir, realRecords } from './fixtures.ts';
import { openInput } from './index.ts';
import { makeProcessTempDir, removeStaleTempDirs } from './temp-dir.ts';

/** The pid of a process that has run and exited. */
const deadPid = (): number => {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.equal(r.status, 0);
  return r.pid as number;
};

/** A directory as a process of this host would have named it, with a file inside. */
function plant(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'nested-0.zip'), 'x'.repeat(1000));
  return dir;
}

describe('temporary directories left by killed processes', () => {
  test('removed when their process is gone; kept when it runs, is this one, or is another host\'s', async (t) => {
    const parent = makeTempDir(t);
    const mine = await makeProcessTempDir(parent, 'cvekit-input-');
    const suffix = `-${process.pid}-`;
    const name = basename(mine);
    assert.ok(name.startsWith('cvekit-input-') && name.includes(suffix), name);
    const host = name.slice('cvekit-input-'.length, name.lastIndexOf(suffix));
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    t.after(() => sleeper.kill('SIGKILL'));
    const dead = deadPid();
    const stale = plant(parent, `cvekit-input-${host}-${dead}-AbC123`);
    const staleDownload = plant(parent, `cvekit-download-${host}-${dead}-zzzzzz`);
    const keep = [
      plant(parent, `cvekit-input-${host}-${sleeper.pid}-AbC123`), // still running
      plant(parent, `cvekit-input-elsewhere-${dead}-AbC123`), // another host's: its pids mean nothing here
      plant(parent, `cvekit-input-${host}-${dead}-toolongname`), // not a name this module makes
      plant(parent, `cvekit-input-AbC123`), // the old unnamed form: whose it is cannot be told
      plant(parent, `something-${host}-${dead}-AbC123`),
    ];
    assert.deepEqual(await removeStaleTempDirs(parent, 'cvekit-input-'), [basename(stale)]);
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(mine), true, 'this process\'s own directory is kept');
    for (const dir of [...keep, staleDownload]) assert.equal(existsSync(dir), true, dir);
    // Another prefix is swept only by its own kind.
    await makeProcessTempDir(parent, 'cvekit-download-');
    assert.equal(existsSync(staleDownload), false);
  });

  test('opening a baseline zip sweeps what a killed import left, and closing removes its own', async (t) => {
    const parent = makeTempDir(t);
    const records = realRecords(3);
    const inner = writeZip(records.map((r) => ({ name: checkoutPath(cveIdOf(r)), data: r })));
    const path = join(parent, '2024-06-01_all_CVEs_at_midnight.zip');
    writeFileSync(path, writeZip([{ name: 'cves.zip', data: inner }]));
    const probe = basename(await makeProcessTempDir(parent, 'probe-'));
    const host = probe.slice('probe-'.length, probe.lastIndexOf(`-${process.pid}-`));
    const stale = plant(parent, `cvekit-input-${host}-${deadPid()}-Qw3rty`);
    const input = await openInput(path, { tempDir: parent });
    try {
      assert.equal(existsSync(stale), false, 'the killed import\'s unpacked zip is gone');
      assert.equal(readdirSync(parent).filter((n) => n.startsWith(`cvekit-input-${host}-${process.pid}-`)).length, 1);
      assert.equal((await drain(input)).length, 3);
    } finally {
      await input.close();
    }
    assert.deepEqual(readdirSync(parent).filter((n) => n.startsWith('cvekit-input-')), []);
  });
});
