/**
 * @module Temporary directories that a killed process does not leave behind for good. A
 * `kill -9`, the OOM killer or a power cut skips the `finally` that removes an import's
 * temporary files (a baseline's unpacked `cves.zip` is ~0.5 GiB). Each directory is named after
 * the host and process that made it, and making one first removes those that processes of this
 * host, no longer running, left under the same parent.
 */
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processRunning } from '../../store/index.ts';

/** The host in a directory's name: letters, digits, dots and dashes only. */
const HOST = hostname().replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 64) || 'host';

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes `<prefix><host>-<pid>-XXXXXX` directories under `parent` whose process (on this host)
 * no longer runs. Best effort: a directory that cannot be listed or removed is left.
 * Returns the names removed.
 */
export async function removeStaleTempDirs(parent: string, prefix: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  const pattern = new RegExp(`^${escapeRe(prefix)}${escapeRe(HOST)}-(\\d+)-[A-Za-z0-9]{6}$`);
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1] ?? NaN);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || processRunning(pid)) continue;
    try {
      await rm(join(parent, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // another process got there first, or it is not ours to remove
    }
  }
  return removed;
}

/** A new temporary directory of this process under `parent`, after removing stale ones of the same prefix. */
export async function makeProcessTempDir(parent: string, prefix: string): Promise<string> {
  await removeStaleTempDirs(parent, prefix);
  return mkdtemp(join(parent, `${prefix}${HOST}-${process.pid}-`));
}
