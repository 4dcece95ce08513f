/**
 * @module Shared CLI plumbing: option parsing with clear errors, output in words or JSON,
 * and opening the configured store.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, redactDb, type Config } from '../config/index.ts';
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
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
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

export function configFrom(values: { db?: string | boolean; 'log-level'?: string | boolean }, io: Io, extra: Partial<Config> = {}): Config {
  const config = loadConfig(
    {
      db: typeof values.db === 'string' ? values.db : undefined,
      logLevel: typeof values['log-level'] === 'string' ? values['log-level'] : undefined,
    },
    io.env,
  );
  return { ...config, ...extra };
}

/** Open and migrate the configured store; the caller closes it. */
export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>, migrate?: MigrateOptions): Promise<T> {
  const store = await openStore(config.db);
  try {
    await store.migrate(migrate);
    return await fn(store);
  } finally {
    await store.close();
  }
}

export { redactDb };

/** A table in plain text, columns padded. */
export function table(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}
