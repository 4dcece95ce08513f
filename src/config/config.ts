/**
 * @module One config object, read from flags and environment, checked once at start-up.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  /** `sqlite:PATH` or `postgres://…` */
  readonly db: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  /** Load the bundled sample when the store is empty (serve only). */
  readonly seed: boolean;
}

export const DEFAULT_DB = 'sqlite:./data/cvekit.db';

/** The settings table, the single source for `--help` and docs/configuration.md. */
export const SETTINGS = [
  { flag: '--db', env: 'CVEKIT_DB', default: DEFAULT_DB, help: 'store: sqlite:PATH or postgres://user:pass@host:port/db' },
  { flag: '--host', env: 'HOST', default: '127.0.0.1', help: 'address the HTTP server listens on' },
  { flag: '--port', env: 'PORT', default: '8080', help: 'HTTP port' },
  { flag: '--log-level', env: 'CVEKIT_LOG_LEVEL', default: 'info', help: `log level: ${LOG_LEVELS.join(', ')}` },
  { flag: '--no-seed', env: 'CVEKIT_SEED', default: 'true', help: 'load the bundled sample into an empty store on serve (CVEKIT_SEED=false to skip)' },
] as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ConfigInput {
  readonly db?: string;
  readonly host?: string;
  readonly port?: string;
  readonly logLevel?: string;
  readonly seed?: boolean;
}

/** Flags win over environment variables, which win over defaults. */
export function loadConfig(flags: ConfigInput, env: NodeJS.ProcessEnv = process.env): Config {
  const db = flags.db ?? env.CVEKIT_DB ?? DEFAULT_DB;
  if (!/^sqlite:.+/.test(db) && !/^postgres(ql)?:\/\//.test(db)) {
    throw new ConfigError(`CVEKIT_DB/--db must be sqlite:PATH or postgres://…, got "${db.slice(0, 80)}"`);
  }
  const portText = flags.port ?? env.PORT ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT/--port must be a whole number from 0 to 65535, got "${portText}"`);
  }
  const logLevel = flags.logLevel ?? env.CVEKIT_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`CVEKIT_LOG_LEVEL/--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const seedEnv = env.CVEKIT_SEED;
  if (seedEnv !== undefined && !['true', 'false', '1', '0'].includes(seedEnv)) {
    throw new ConfigError(`CVEKIT_SEED must be true or false, got "${seedEnv}"`);
  }
  const seed = flags.seed ?? (seedEnv === undefined ? true : seedEnv === 'true' || seedEnv === '1');
  return { db, host: flags.host ?? env.HOST ?? '127.0.0.1', port, logLevel: logLevel as LogLevel, seed };
}

/** The store location with any password hidden, for logs and status output. */
export function redactDb(db: string): string {
  return db.replace(/^(postgres(?:ql)?:\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
