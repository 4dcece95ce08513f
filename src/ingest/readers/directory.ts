/**
 * @module Directory inputs: a cvelistV5 checkout (`cves/YYYY/Nxxx/CVE-….json`) or any tree of
 * `CVE-*.json` files, walked in sorted order (code-unit order of each name, so the same tree gives
 * the same ordinals everywhere). Hidden entries (`.git`), symlinks, delta files and other files are
 * passed over.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawEvent } from '../types.ts';
import { ITEM_ERROR_CODES } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import { READER_DEFAULTS } from './options.ts';
import { recordEvent } from './text-split.ts';
import { CVE_FILE_RE } from './zip.ts';

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Relative paths (with `/`) of every CVE record file under `root`, sorted. */
export async function listRecordFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(rel ? join(root, rel) : root, { withFileTypes: true });
    entries.sort((a, b) => byCodeUnit(a.name, b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path);
      else if (e.isFile() && CVE_FILE_RE.test(e.name)) out.push(path);
    }
  };
  await walk('');
  return out;
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
  readonly onBytes: (n: number) => void;
}

/**
 * One file, read with synchronous calls: a record file is small and usually in the page cache,
 * where `open`/`fstat`/`read`/`close` cost ~12 µs together on this thread, against ~50–80 µs of
 * promise and thread-pool round trips for the same calls made asynchronously (and ~2× the
 * CPU in all). The import's thread is the busy one, so that difference is its time.
 */
function readOne(root: string, rel: string, ordinal: number, ctx: DirectoryReadContext): RawEvent {
  const nameHint = CVE_FILE_RE.exec(rel.slice(rel.lastIndexOf('/') + 1))?.[1];
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
export async function* readDirectory(root: string, files: readonly string[], ctx: DirectoryReadContext): AsyncGenerator<RawEvent> {
  for (let ordinal = Math.max(0, ctx.startOrdinal); ordinal < files.length; ordinal++) yield readOne(root, files[ordinal], ordinal, ctx);
}
