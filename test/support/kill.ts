/**
 * @module Crash tests: run a `cvekit` command as a child process and SIGKILL it mid-work,
 * either once a count read from its store reaches a target (polled from the test's own
 * connection) or after a time limit, whichever comes first.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { checkStore, openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/index.ts';
import { REPO_ROOT } from './paths.ts';

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KillPlan {
  /** SIGKILL once `count(store)` is at least this. */
  readonly atCount?: number;
  /** SIGKILL after this long in any case. */
  readonly afterMs: number;
  /** What to count in the store (e.g. its records). */
  readonly count: (store: Store) => Promise<number>;
  /** Polls of the store at most, and the pause between them. */
  readonly polls: number;
  readonly pollMs: number;
}

/** `cvekit ARGS…` (through bin/cvekit.js) on the store `db`; with `kill`, killed as planned. */
export function runCvekit(args: readonly string[], db: string, kill?: KillPlan): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'cvekit.js'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let done = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = kill ? setTimeout(() => child.kill('SIGKILL'), kill.afterMs) : undefined;
    if (kill?.atCount !== undefined) {
      const target = kill.atCount;
      void (async () => {
        const watcher = await openStore(db);
        try {
          for (let polls = 0; polls < kill.polls && !done; polls++) {
            const n = await kill.count(watcher).catch(() => 0);
            if (n >= target) {
              child.kill('SIGKILL');
              break;
            }
            await new Promise((r) => setTimeout(r, kill.pollMs));
          }
        } finally {
          await watcher.close();
        }
      })();
    }
    child.on('exit', (code, signal) => {
      done = true;
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Runs `cvekit ARGS…` twice, SIGKILLing it once the store holds 20–40 %, then 50–70 %, of
 * `records` (a random point in each range); after each run the store must hold one version
 * per record and nothing quarantined. What happened to each run, for assertion messages.
 */
export async function killTwiceMidImport(args: readonly string[], db: string, records: number, random: () => number): Promise<string[]> {
  const kills: string[] = [];
  for (let i = 0; i < 2; i++) {
    const atRecords = Math.round(records * (0.2 + 0.3 * i + random() * 0.2));
    const r = await runCvekit(args, db, { atCount: atRecords, afterMs: 60_000, count: (s) => s.counts().then((c) => c.total), polls: 3000, pollMs: 10 });
    kills.push(r.signal === 'SIGKILL' ? `killed at ≥${atRecords}` : `finished first (exit ${r.code})`);
    const store = await openStore(db);
    try {
      const counts = await store.counts();
      assert.equal(counts.versions, counts.total, `after kill ${i + 1}: one version per record`);
      assert.equal(counts.quarantined, 0);
      const check = await checkStore(store);
      assert.ok(check.ok, `after kill ${i + 1}: ${JSON.stringify(check.problems.slice(0, 5))}`);
    } finally {
      await store.close();
    }
  }
  assert.ok(kills.some((k) => k.startsWith('killed')), kills.join(', '));
  return kills;
}

/** A small seeded generator, so a failing crash test can be repeated (the seed is in its name). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
