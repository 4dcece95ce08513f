/**
 * Who builds a pending SQLite bulk load. Its loader builds it at its end; while the
 * process loading it runs, `migrate` (every command, `serve`) and other imports leave it
 * alone (a `cvekit status` during a first import must not turn the load into a normal
 * one); once that process is gone (killed, failed), they build it.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { importFrom } from '../../ingest/index.ts';
import { BUILD_PHASE } from '../../ingest/import.ts';
import { openStore } from '../index.ts';
import type { Store } from '../index.ts';
import { realRecordLines } from '../../../test/support/stores.ts';

const dir = mkdtempSync(join(tmpdir(), 'cvekit-bulk-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const lines = realRecordLines(600);

/** A store whose first import stopped after two batches: a bulk load is pending, loaded by this process. */
async function interruptedStore(name: string): Promise<{ store: Store; path: string; input: string }> {
  const path = join(dir, `${name}.db`);
  const input = join(dir, `${name}.jsonl`);
  writeFileSync(input, `${lines.join('\n')}\n`);
  const store = await openStore(`sqlite:${path}`);
  await store.migrate();
  let batches = 0;
  await assert.rejects(
    importFrom(store, input, {
      batchSize: 100,
      afterBatch: () => {
        if (++batches === 2) throw new Error('simulated failure');
      },
    }),
    /simulated failure/,
  );
  assert.ok(await store.pendingBulkLoad(), 'the interrupted first import left its bulk load pending');
  return { store, path, input };
}

/** Rewrite the pending load's recorded loader (as another process or host would have written it). */
function setLoader(path: string, loader: { host?: string; pid?: number }, jobUpdatedAt?: string): void {
  const db = new DatabaseSync(path);
  try {
    const row = db.prepare("SELECT value FROM meta WHERE key = 'store:bulk-load'").get();
    const state = { ...JSON.parse(String(row?.value)), ...loader };
    db.prepare("UPDATE meta SET value = ? WHERE key = 'store:bulk-load'").run(JSON.stringify(state));
    if (jobUpdatedAt) db.prepare('UPDATE import_jobs SET updated_at = ? WHERE id = ?').run(jobUpdatedAt, state.jobId);
  } finally {
    db.close();
  }
}

/** A process that exists until killed (bounded: it ends by itself after 60 s). */
function liveProcess(): { pid: number; stop(): Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  return {
    pid: child.pid as number,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

describe('sqlite: who builds a pending bulk load', () => {
  test('while its loader process runs, migrate and finishBulkLoad leave it pending; once it is gone, migrate builds it', async () => {
    const { store, path } = await interruptedStore('live');
    const loader = liveProcess();
    try {
      setLoader(path, { pid: loader.pid });
      await store.migrate();
      assert.ok(await store.pendingBulkLoad(), 'migrate leaves a running load to its loader');
      assert.equal(await store.finishBulkLoad(), false);
      await assert.rejects(store.search.search({ words: ['linux'], limit: 5 }), { code: 'INDEX_BUILDING' });
    } finally {
      await loader.stop();
    }
    await store.migrate();
    assert.equal(await store.pendingBulkLoad(), undefined, 'the loader is gone: migrate built the indexes');
    const res = await store.search.search({ words: ['linux'], limit: 5 });
    assert.ok(res.items.length > 0);
    await store.close();
  });

  test("the load's own job builds it even while another process is recorded as its loader, and a resumed import claims it", async () => {
    const { store, path, input } = await interruptedStore('own');
    const loader = liveProcess();
    try {
      setLoader(path, { pid: loader.pid });
      const loaders: (number | undefined)[] = [];
      const res = await importFrom(store, input, { batchSize: 100, afterBatch: async () => void loaders.push((await store.pendingBulkLoad())?.pid) });
      assert.equal(res.resumed, true);
      assert.equal(loaders[0], process.pid, 'the resumed import recorded itself as the loader with its first batch');
      assert.equal(await store.pendingBulkLoad(), undefined, 'the resumed import built its load at its end');
      assert.equal((await store.counts()).total, lines.length);
    } finally {
      await loader.stop();
    }
    await store.close();
  });

  test("a load recorded by another host counts as running while its job checkpoints, and as abandoned after ten idle minutes", async () => {
    const { store, path } = await interruptedStore('host');
    setLoader(path, { host: 'another-host.invalid', pid: 1 }, new Date().toISOString());
    await store.migrate();
    assert.ok(await store.pendingBulkLoad(), 'a recent checkpoint on another host: left to it');
    setLoader(path, {}, new Date(Date.now() - 11 * 60_000).toISOString());
    await store.migrate();
    assert.equal(await store.pendingBulkLoad(), undefined, 'idle for eleven minutes: built');
    await store.close();
  });

  test('the first import says when it builds: its last progress event names the build; a second import has none', async () => {
    const path = join(dir, 'phase.db');
    const input = join(dir, 'phase.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const store = await openStore(`sqlite:${path}`);
    await store.migrate();
    const phases: (string | undefined)[] = [];
    let pendingAtPhase: unknown;
    await importFrom(store, input, {
      batchSize: 100,
      onProgress: (p) => {
        phases.push(p.phase);
        if (p.phase) pendingAtPhase = (store as Store).pendingBulkLoad();
      },
    });
    assert.equal(phases.at(-1), BUILD_PHASE);
    assert.equal(phases.filter(Boolean).length, 1);
    assert.ok(await pendingAtPhase, 'told before the build, while the load was still pending');
    assert.equal(await store.pendingBulkLoad(), undefined);
    const again: (string | undefined)[] = [];
    await importFrom(store, input, { batchSize: 100, onProgress: (p) => again.push(p.phase) });
    assert.ok(again.length > 0 && again.every((x) => x === undefined));
    await store.close();
  });
});
