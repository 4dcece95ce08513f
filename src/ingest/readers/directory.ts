/**
 * @module Directory inputs: a cvelistV5 checkout (`cves/YYYY/Nxxx/CVE-….json`) or any tree of
 * `CVE-*.json` files, walked in sorted order (code-unit order of each name, so the same tree gives
 * the same ordinals everywhere). Hidden entries (`.git`), symlinks, delta files and other files are
 * passed over.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PassedOver, RawEvent } from '../types.ts';
import { ITEM_ERROR_CODES } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import { READER_DEFAULTS } from './options.ts';
import { recordEvent } from './text-split.ts';
import { CVE_FILE_RE, cveNameOfPath } from './zip.ts';

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The record files of a tree, sorted, held compactly: each run of consecutive files of one
 * directory as the directory's path and one string of the names joined by `\n`. A
 * 300,000-file cvelistV5 tree takes a few MiB this way, against ~33 MiB as one string per
 * path, for the whole import (peak memory is a target).
 */
export class RecordFileList {
  readonly #dirs: string[] = [];
  readonly #names: string[] = [];
  /** Files before run i, and the total at the end. */
  readonly #starts: number[] = [0];

  get length(): number {
    return this.#starts[this.#starts.length - 1];
  }

  /** Appends a run of files of `dir` (`''` for the root), already in order. */
  add(dir: string, names: readonly string[]): void {
    if (names.length === 0) return;
    this.#dirs.push(dir);
    this.#names.push(names.join('\n'));
    this.#starts.push(this.length + names.length);
  }

  /** Relative paths (with `/`) from ordinal `start` on. */
  *from(start: number): Generator<string> {
    for (let run = 0; run < this.#dirs.length; run++) {
      const first = this.#starts[run];
      if (this.#starts[run + 1] <= start) continue;
      const dir = this.#dirs[run];
      const names = this.#names[run].split('\n');
      for (let i = Math.max(0, start - first); i < names.length; i++) yield dir ? `${dir}/${names[i]}` : names[i];
    }
  }

  /** All the paths (for tests and small trees). */
  toArray(): string[] {
    return [...this.from(0)];
  }
}

/** Every CVE record file under `root`, sorted by path (code-unit order of each name). */
export async function listRecordFiles(root: string): Promise<RecordFileList> {
  const list = new RecordFileList();
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(rel ? join(root, rel) : root, { withFileTypes: true });
    entries.sort((a, b) => byCodeUnit(a.name, b.name));
    let run: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) {
        list.add(rel, run);
        run = [];
        await walk(rel ? `${rel}/${e.name}` : e.name);
      } else if (e.isFile() && CVE_FILE_RE.test(e.name)) {
        run.push(e.name);
      }
    }
    list.add(rel, run);
  };
  await walk('');
  return list;
}

/** The checked-out commit of a git work tree at `root`, when it is one. */
export async function gitCommit(root: string): Promise<string | undefined> {
  try {
    const head = (await readFile(join(root, '.git', 'HEAD'), 'utf8')).trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref: (refs\/[^\s]+)$/.exec(head)?.[1];
    if (!ref || ref.split('/').includes('..')) return undefined;
    try {
      return (await readFile(join(root, '.git', ref), 'utf8')).trim();
    } catch {
      const packed = await readFile(join(root, '.git', 'packed-refs'), 'utf8');
      return packed.split('\n').find((l) => l.endsWith(` ${ref}`))?.slice(0, 40);
    }
  } catch {
    return undefined;
  }
}

export interface DirectoryReadContext {
  readonly opts: ResolvedOptions;
  readonly startOrdinal: number;
  /** Hears the names of the files before `startOrdinal`, which are not opened. */
  readonly onPassedOver?: PassedOver;
  readonly onBytes: (n: number) => void;
}

/**
 * One file, read with synchronous calls: a record file is small and usually in the page cache,
 * where `open`/`fstat`/`read`/`close` cost ~12 µs together on this thread, against ~50–80 µs of
 * promise and thread-pool round trips for the same calls made asynchronously (and ~2× the
 * CPU in all). The import's thread is the busy one, so that difference is its time.
 */
function readOne(root: string, rel: string, ordinal: number, ctx: DirectoryReadContext): RawEvent {
  const nameHint = cveNameOfPath(rel);
  let fd: number;
  try {
    fd = openSync(join(root, rel), 'r');
  } catch (err) {
    return { kind: 'error', ordinal, position: rel, code: ITEM_ERROR_CODES.READ_FAILED, message: `cannot read ${rel}: ${(err as Error).message}` };
  }
  try {
    const { size } = fstatSync(fd);
    if (size > ctx.opts.maxRecordBytes) {
      // Only the head is read: the rest of a huge file is never loaded.
      const head = Buffer.alloc(READER_DEFAULTS.rawHeadBytes);
      const bytesRead = readFully(fd, head);
      ctx.onBytes(bytesRead);
      return recordEvent(ordinal, rel, head.subarray(0, bytesRead), { maxRecordBytes: ctx.opts.maxRecordBytes, nameHint, size });
    }
    const bytes = readFileSync(fd);
    ctx.onBytes(bytes.length);
    return recordEvent(ordinal, rel, bytes, { maxRecordBytes: ctx.opts.maxRecordBytes, nameHint });
  } catch (err) {
    return { kind: 'error', ordinal, position: rel, code: ITEM_ERROR_CODES.READ_FAILED, message: `cannot read ${rel}: ${(err as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

/** Fills `buf` from the file's start, or as much as the file has; the bytes read. */
function readFully(fd: number, buf: Uint8Array): number {
  let at = 0;
  while (at < buf.length) {
    const n = readSync(fd, buf, at, buf.length - at, at);
    if (n === 0) break;
    at += n;
  }
  return at;
}

/** Files from `startOrdinal` on (earlier ones are not opened), read one at a time as they are asked for. */
export async function* readDirectory(root: string, files: RecordFileList, ctx: DirectoryReadContext): AsyncGenerator<RawEvent> {
  const start = Math.max(0, ctx.startOrdinal);
  if (ctx.onPassedOver && start > 0) {
    let skipped = 0;
    for (const rel of files.from(0)) {
      if (skipped++ >= start) break;
      ctx.onPassedOver(cveNameOfPath(rel));
    }
  }
  let ordinal = start;
  for (const rel of files.from(ordinal)) yield readOne(root, rel, ordinal++, ctx);
}
