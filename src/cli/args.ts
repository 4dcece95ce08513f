/**
 * @module Shared CLI plumbing: option parsing with clear errors, output in words or JSON,
 * and opening the configured store.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, parseWholeNumber, redactDb, type Config } from '../config/index.ts';
import { openStore, type MigrateOptions, type Store } from '../store/index.ts';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Options every command takes. */
export const COMMON_OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(args: readonly string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: [...args], options: { ...COMMON_OPTIONS, ...options }, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.replace(/^TypeError \[[A-Z_]+\]: /, '') : String(err));
  }
}

/**
 * A whole-number option (`--limit 50`): undefined when not given, else the number, or a
 * usage error naming the option and the value when the text is not a whole number in range.
 *
 * @example
 * const limit = intOption('limit', values.limit, { min: 1, max: 100_000 }) ?? 100;
 */
export function intOption(name: string, text: string | undefined, range: { readonly min: number; readonly max: number }): number | undefined {
  if (text === undefined) return undefined;
  const n = parseWholeNumber(text, range.min, range.max);
  if (n === undefined) {
    const allowed = range.max === Number.MAX_SAFE_INTEGER ? `of at least ${range.min}` : `from ${range.min} to ${range.max}`;
    throw new UsageError(`--${name} must be a whole number ${allowed}, got "${text}"`);
  }
  return n;
}

/**
 * An option read by `read` (`--every 1h` by `parseInterval`): undefined when not given, else
 * what `read` returns; its error becomes a usage error naming the option.
 */
export function optionWith<T>(name: string, text: string | undefined, read: (text: string) => T): T | undefined {
  if (text === undefined) return undefined;
  try {
    return read(text);
  } catch (err) {
    throw new UsageError(`--${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };

export function print(io: Io, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Runs `pass` once, or with `every` (its text and milliseconds) again and again at that
 * interval until SIGINT or SIGTERM (then 0; a pass in flight sees the signal). A failed pass
 * ends a single run (the error is the command's); with `every` it is said on stderr and, with
 * `--json`, also on stdout as the one line a failing command prints there
 * (`{"ok":false,"error":…}`), and the next pass tries again. `pass` gets the signal and the
 * time of the next pass, when there is one.
 */
export async function repeatEvery(
  io: Io,
  command: string,
  every: { readonly text: string | undefined; readonly ms: number | undefined },
  json: boolean,
  pass: (signal: AbortSignal, nextAt: string | undefined) => Promise<void>,
): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for (;;) {
      try {
        await pass(controller.signal, every.ms ? new Date(Date.now() + every.ms).toISOString() : undefined);
      } catch (err) {
        if (!every.ms || controller.signal.aborted) throw err;
        const error = err instanceof Error ? err.message : String(err);
        io.stderr.write(`${command}: ${error}; trying again in ${every.text}\n`);
        if (json) io.stdout.write(`${JSON.stringify({ ok: false, error })}\n`);
      }
      if (!every.ms || controller.signal.aborted) return 0;
      const ms = every.ms;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        controller.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
      if (controller.signal.aborted) return 0;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** The settings every command reads (`--db`, `--log-level` and their variables); serve reads its own besides. */
export function configFrom(values: { db?: string | boolean; 'log-level'?: string | boolean }, io: Io): Config {
  return loadConfig(
    {
      db: typeof values.db === 'string' ? values.db : undefined,
      logLevel: typeof values['log-level'] === 'string' ? values['log-level'] : undefined,
    },
    io.env,
  );
}

/** A store that could not be opened: the message names the location and where it was set. */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
}

const DB_SETTING = 'CVEKIT_DB/--db';

function openFailure(config: Config, err: unknown, setting = DB_SETTING): StoreOpenError {
  const why = err instanceof Error ? err.message : String(err);
  return new StoreOpenError(`cannot open the store ${redactDb(config.db)} (${setting}): ${why}${permissionHint(config.db)}`, { cause: err });
}

/**
 * What of a SQLite store this user may not write, when that is why it would not open or
 * could not be written: SQLite says only "attempt to write a readonly database" or "unable to
 * open database file". A WAL store's `-wal` and `-shm` files are made beside it even to read
 * it, so its directory counts too.
 */
function permissionHint(db: string): string {
  if (!db.startsWith('sqlite:') || db === 'sqlite::memory:') return '';
  const path = db.slice('sqlite:'.length);
  const denied = (p: string): boolean => {
    try {
      accessSync(p, constants.W_OK);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EACCES' || (err as NodeJS.ErrnoException).code === 'EROFS';
    }
  };
  const user = typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '';
  if (existsSync(path) && denied(path)) return `; the file ${path} is read-only for this user${user}`;
  // SQLite makes these with the store file's mode, owned by whoever opened the store first.
  // (Never advise removing them: a -wal file can hold committed transactions.)
  for (const side of [`${path}-wal`, `${path}-shm`]) {
    if (existsSync(side) && denied(side)) {
      return `; its file ${side} is read-only for this user${user}: SQLite made it with the store file's mode, owned by the user who opened the store first; make it writable for every user that opens the store`;
    }
  }
  if (existsSync(dirname(path)) && denied(dirname(path))) {
    return `; its directory ${dirname(path)} is not writable for this user${user}: SQLite makes the store's -wal and -shm files there, even to read it`;
  }
  return '';
}

/**
 * Open and migrate the configured store, for the commands that write to it (created when
 * missing). A failure to open or migrate names the store location and the setting.
 */
export async function openConfiguredStore(
  config: Config,
  migrate?: MigrateOptions,
  { readOnly = false, setting = DB_SETTING }: { readonly readOnly?: boolean; /** Where the location came from, for messages. */ readonly setting?: string } = {},
): Promise<{ store: Store; migrated: Awaited<ReturnType<Store['migrate']>> }> {
  // SQLite opens a file it may not write read-only without a word: a command that writes
  // would fail at its first write, without naming the store.
  const denied = readOnly ? '' : permissionHint(config.db);
  if (denied) throw new StoreOpenError(`cannot write to the store ${redactDb(config.db)} (${setting})${denied}`);
  let store: Store;
  try {
    store = await openStore(config.db);
  } catch (err) {
    throw openFailure(config, err, setting);
  }
  try {
    return { store, migrated: await store.migrate(migrate) };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw openFailure(config, err, setting);
  }
}

/**
 * For the commands that only read: a SQLite store file that does not exist is an error, not
 * a new empty store (a mistyped `--db` would otherwise report 0 records).
 */
export function requireExistingStore(config: Config): void {
  if (!config.db.startsWith('sqlite:')) return;
  const path = config.db.slice('sqlite:'.length);
  if (path === ':memory:') return;
  let exists = true;
  try {
    statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw openFailure(config, err);
    exists = false;
  }
  if (!exists) throw new StoreOpenError(`no cvekit store at ${path} (${DB_SETTING}); \`cvekit db migrate\` or \`cvekit serve\` creates one`);
}

/** Open and migrate the configured store (created when missing); the caller closes it. */
export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>, migrate?: MigrateOptions, readOnly = false): Promise<T> {
  const { store } = await openConfiguredStore(config, migrate, { readOnly });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Like `withStore`, for commands that only read: a missing SQLite store is refused, never created. */
export async function withExistingStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  requireExistingStore(config);
  return withStore(config, fn, undefined, true);
}

export { redactDb };

/** A table in plain text, columns padded. */
export function table(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}
