/**
 * @module One config object, read from flags and environment, checked once at start-up.
 */

import { isIP } from 'node:net';
import { mailboxProblem, parseMailbox } from './mailbox.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The settings every command reads. */
export interface Config {
  /** `sqlite:PATH` or `postgres://…` */
  readonly db: string;
  readonly logLevel: LogLevel;
}

/** What `cvekit serve` reads besides: the other commands neither read nor check these. */
export interface ServeConfig extends Config {
  readonly host: string;
  readonly port: number;
  /** Load the bundled sample when the store is empty. */
  readonly seed: boolean;
  /** Coordinated disclosure settings, checked here; the disclosure service reads the same variables. */
  readonly disclosure: DisclosureSettings;
  /**
   * The reverse proxies whose `X-Forwarded-For`, `-Proto` and `-Host` are believed: none
   * (`false`), the number of proxy hops in front of cvekit, or their addresses and CIDR
   * ranges (`loopback`, `linklocal`, `uniquelocal` name those ranges).
   */
  readonly trustProxy: TrustProxy;
}

export type TrustProxy = false | number | readonly string[];
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];
const MAX_PROXY_HOPS = 10;

/** The disclosure settings as given (environment only; secrets are never printed). */
export interface DisclosureSettings {
  readonly teamToken?: string;
  readonly reportKey?: string;
  readonly oldReportKeys?: readonly string[];
  readonly disclosureSecret?: string;
  readonly publicUrl?: string;
  readonly smtpUrl?: string;
  readonly mailFrom?: string;
  readonly teamEmail?: string;
  readonly timeZone?: string;
  readonly embargoPreset?: string;
  readonly powBits?: number;
  readonly cnaOrg?: string;
  readonly publisherName?: string;
  readonly escalateTo?: string;
}

export const EMBARGO_PRESETS = ['default', 'cert', 'zdi', 'projectZero'] as const;

export const DEFAULT_DB = 'sqlite:./data/cvekit.db';

/** The settings table, the single source for `cvekit serve --help`; README.md's Configuration table says the same. */
export const SETTINGS = [
  { flag: '--db', env: 'CVEKIT_DB', default: DEFAULT_DB, help: 'store: sqlite:PATH, a bare file path (SQLite) or postgres://user:pass@host:port/db' },
  { flag: '--host', env: 'HOST', default: '127.0.0.1', help: 'address the HTTP server listens on' },
  { flag: '--port', env: 'PORT', default: '8080', help: 'HTTP port' },
  { flag: '--log-level', env: 'CVEKIT_LOG_LEVEL', default: 'info', help: `log level: ${LOG_LEVELS.join(', ')}` },
  { flag: '-', env: 'CVEKIT_TRUST_PROXY', default: '(none)', help: `reverse proxies in front of cvekit whose X-Forwarded-For/-Proto/-Host are believed: a hop count (1-${MAX_PROXY_HOPS}) or comma-separated addresses and CIDR ranges (loopback, 10.0.0.0/8, ::1, …). The forwarded client address then counts for rate limits, lockouts and reports, and https for Secure cookies` },
  { flag: '--no-seed', env: 'CVEKIT_SEED', default: 'true', help: 'load the bundled sample into an empty store on serve (CVEKIT_SEED=false to skip)' },
  { flag: '-', env: 'CVEKIT_TEAM_TOKEN', default: '(none)', help: "disclosure: the PSIRT team API token, 32+ characters; no team access without it; without CVEKIT_CNA_ORG the team pages' sign-in too" },
  { flag: '-', env: 'CVEKIT_REPORT_KEY', default: '(none)', help: 'disclosure: 32-byte key (64 hex or base64) sealing reports and cases at rest (AES-256-GCM)' },
  { flag: '-', env: 'CVEKIT_REPORT_OLD_KEYS', default: '(none)', help: 'disclosure: comma-separated older keys, still read during a key rotation' },
  { flag: '-', env: 'CVEKIT_DISCLOSURE_SECRET', default: '(random)', help: 'disclosure: signs report form challenges; the same on every app process' },
  { flag: '-', env: 'CVEKIT_PUBLIC_URL', default: 'http://127.0.0.1:8080', help: 'disclosure: base URL of links in mails and of advisories (CSAF publisher namespace)' },
  { flag: '-', env: 'CVEKIT_SMTP_URL', default: '(none)', help: 'disclosure: smtp://user:pass@host:port or smtps://…; no mail without it' },
  { flag: '-', env: 'CVEKIT_MAIL_FROM', default: 'cvekit <cvekit@localhost>', help: 'disclosure: sender address of mails' },
  { flag: '-', env: 'CVEKIT_TEAM_EMAIL', default: '(none)', help: 'disclosure: where new reports and reminders go' },
  { flag: '-', env: 'CVEKIT_TIME_ZONE', default: 'UTC', help: 'disclosure: the team\'s IANA time zone (embargo ends, reminders)' },
  { flag: '-', env: 'CVEKIT_EMBARGO_PRESET', default: 'default', help: `disclosure: embargo policy: ${EMBARGO_PRESETS.join(', ')}` },
  { flag: '-', env: 'CVEKIT_POW_BITS', default: '16', help: 'disclosure: proof-of-work difficulty of the report form (0-32 leading zero bits)' },
  { flag: '-', env: 'CVEKIT_CNA_ORG', default: '(none)', help: 'disclosure: short name of the CNA org of this cvekit that reserves and publishes the cases\' CVE IDs' },
  { flag: '-', env: 'CVEKIT_PUBLISHER_NAME', default: 'cvekit PSIRT', help: 'disclosure: publisher name of the advisories' },
  { flag: '-', env: 'CVEKIT_ESCALATE_TO', default: '(none)', help: 'disclosure: coordinator of last resort, "Name <address>": offered a case (private link by mail) when no vendor acknowledged it in 15 days' },
] as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ConfigInput {
  readonly db?: string;
  readonly logLevel?: string;
}

export interface ServeConfigInput extends ConfigInput {
  readonly host?: string;
  readonly port?: string;
  readonly seed?: boolean;
}

/** An environment variable, an empty one counting as unset (`HOST= cvekit serve` listens on the default). */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * A whole number written in digits only (no sign, point, exponent, hex or blanks), within
 * `min`..`max`; undefined otherwise. The one parser of number flags and variables.
 *
 * @example
 * parseWholeNumber('8080', 0, 65535); // 8080
 * parseWholeNumber('0x1f90', 0, 65535); // undefined
 */
export function parseWholeNumber(text: string, min: number, max: number): number | undefined {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}

/**
 * A host to listen on: an IPv4 or IPv6 address (without brackets) or a host name of valid
 * labels (letters, digits, inner hyphens; 1-63 characters each, 253 in all; the last not
 * all digits, so `999.1.1.1` is no name).
 */
export function isListenHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  return labels.every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l)) && !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

/**
 * The store's URL: `sqlite:PATH`, `postgres://…` (or `postgresql://…`), or a bare file path
 * (`./data/cvekit.db`, `/srv/cvekit.db`), which means SQLite. Anything else with a scheme
 * (`mysql://…`, `localhost:5432/db`, a typo such as `postgre://…`) is refused, not taken as a file name.
 */
export function storeUrl(db: string, setting = 'CVEKIT_DB/--db'): string {
  if (/^sqlite:.+/.test(db) || /^postgres(ql)?:\/\//.test(db)) return db;
  if (db !== '' && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(db) && !db.includes('\0')) return `sqlite:${db}`;
  throw new ConfigError(`${setting} must be sqlite:PATH, a file path or postgres://…, got "${db.slice(0, 80)}"`);
}

/** The settings of every command. Flags win over environment variables, which win over defaults. */
export function loadConfig(flags: ConfigInput, env: NodeJS.ProcessEnv = process.env): Config {
  const db = storeUrl(flags.db ?? envValue(env, 'CVEKIT_DB') ?? DEFAULT_DB);
  const logLevel = flags.logLevel ?? envValue(env, 'CVEKIT_LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`CVEKIT_LOG_LEVEL/--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  return { db, logLevel: logLevel as LogLevel };
}

/** `cvekit serve`'s settings: those of every command, and the server's own (host, port, seed, proxies, disclosure). */
export function loadServeConfig(flags: ServeConfigInput, env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const common = loadConfig(flags, env);
  const host = flags.host ?? envValue(env, 'HOST') ?? '127.0.0.1';
  if (!isListenHost(host)) {
    throw new ConfigError(`HOST/--host must be an IPv4 or IPv6 address or a host name, got "${host.slice(0, 80)}"`);
  }
  const portText = flags.port ?? envValue(env, 'PORT') ?? '8080';
  const port = parseWholeNumber(portText, 0, 65535);
  if (port === undefined) {
    throw new ConfigError(`PORT/--port must be a whole number from 0 to 65535, got "${portText.slice(0, 40)}"`);
  }
  const seedEnv = envValue(env, 'CVEKIT_SEED');
  if (seedEnv !== undefined && !['true', 'false', '1', '0'].includes(seedEnv)) {
    throw new ConfigError(`CVEKIT_SEED must be true or false, got "${seedEnv.slice(0, 40)}"`);
  }
  const seed = flags.seed ?? (seedEnv === undefined ? true : seedEnv === 'true' || seedEnv === '1');
  return {
    ...common,
    host,
    port,
    seed,
    disclosure: disclosureSettings(env),
    trustProxy: parseTrustProxy(envValue(env, 'CVEKIT_TRUST_PROXY')),
  };
}

/** `CVEKIT_TRUST_PROXY`: unset or `false`, a hop count, or addresses and CIDR ranges. Trusting every sender is refused. */
export function parseTrustProxy(text: string | undefined): TrustProxy {
  const value = text?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true' || value === '*') {
    throw new ConfigError('CVEKIT_TRUST_PROXY=true would let any client pick its own address (X-Forwarded-For); give the proxy\'s address, e.g. loopback or 10.0.0.5, or a hop count');
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > MAX_PROXY_HOPS) throw new ConfigError(`CVEKIT_TRUST_PROXY: a hop count is a whole number from 1 to ${MAX_PROXY_HOPS}, got "${value}"`);
    return hops;
  }
  const entries = value.split(',').map((e) => e.trim());
  entries.forEach((entry, i) => {
    if (PROXY_RANGES.includes(entry)) return;
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(`CVEKIT_TRUST_PROXY: entry ${i + 1} "${entry.slice(0, 60)}" is not an IP address, a CIDR range (10.0.0.0/8) or one of ${PROXY_RANGES.join(', ')}`);
    }
  });
  return entries;
}

/** A 32-byte key as 64 hex digits or base64 (`CVEKIT_REPORT_KEY`). */
function isKey(text: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return true;
  return /^[A-Za-z0-9+/_-]{43}=?$/.test(text) && Buffer.from(text, 'base64').length === 32;
}

/** Checks the disclosure variables that are set; each error names the variable and what it needs (never its value when secret). */
export function disclosureSettings(env: NodeJS.ProcessEnv): DisclosureSettings {
  const get = (name: string): string | undefined => envValue(env, name);
  const teamToken = get('CVEKIT_TEAM_TOKEN');
  if (teamToken !== undefined && teamToken.length < 32) throw new ConfigError(`CVEKIT_TEAM_TOKEN must be at least 32 characters (it has ${teamToken.length}); generate one with: openssl rand -base64 32`);
  const reportKey = get('CVEKIT_REPORT_KEY');
  if (reportKey !== undefined && !isKey(reportKey)) throw new ConfigError('CVEKIT_REPORT_KEY must be a 32-byte key: 64 hex digits or 44 base64 characters (openssl rand -hex 32)');
  const oldKeys = get('CVEKIT_REPORT_OLD_KEYS')?.split(',').map((k) => k.trim()).filter(Boolean);
  oldKeys?.forEach((k, i) => {
    if (!isKey(k)) throw new ConfigError(`CVEKIT_REPORT_OLD_KEYS: key ${i + 1} is not a 32-byte key (64 hex digits or 44 base64 characters)`);
  });
  const secret = get('CVEKIT_DISCLOSURE_SECRET');
  if (secret !== undefined && secret.length < 16) throw new ConfigError('CVEKIT_DISCLOSURE_SECRET must be at least 16 characters');
  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    let u: URL | undefined;
    try { u = new URL(v); } catch { u = undefined; }
    if (!u || !protocols.includes(u.protocol)) throw new ConfigError(`${name} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL`);
    return v;
  };
  const publicUrl = url('CVEKIT_PUBLIC_URL', ['http:', 'https:']);
  const smtpUrl = url('CVEKIT_SMTP_URL', ['smtp:', 'smtps:']);
  const teamEmail = get('CVEKIT_TEAM_EMAIL');
  if (teamEmail !== undefined && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(teamEmail)) throw new ConfigError(`CVEKIT_TEAM_EMAIL must be an e-mail address, got "${teamEmail.slice(0, 80)}"`);
  const timeZone = get('CVEKIT_TIME_ZONE');
  if (timeZone !== undefined) {
    try { new Intl.DateTimeFormat('en', { timeZone }); } catch { throw new ConfigError(`CVEKIT_TIME_ZONE must be an IANA time zone such as Europe/Berlin, got "${timeZone.slice(0, 80)}"`); }
  }
  const preset = get('CVEKIT_EMBARGO_PRESET');
  if (preset !== undefined && !(EMBARGO_PRESETS as readonly string[]).includes(preset)) throw new ConfigError(`CVEKIT_EMBARGO_PRESET must be one of ${EMBARGO_PRESETS.join(', ')}, got "${preset.slice(0, 40)}"`);
  const bitsText = get('CVEKIT_POW_BITS');
  const powBits = bitsText === undefined ? undefined : parseWholeNumber(bitsText, 0, 32);
  if (bitsText !== undefined && powBits === undefined) throw new ConfigError(`CVEKIT_POW_BITS must be a whole number from 0 to 32, got "${bitsText}"`);
  const cnaOrg = get('CVEKIT_CNA_ORG');
  if (cnaOrg !== undefined && !/^.{2,32}$/su.test(cnaOrg)) throw new ConfigError('CVEKIT_CNA_ORG must be a CNA short name of 2 to 32 characters');
  const publisherName = get('CVEKIT_PUBLISHER_NAME');
  if (publisherName !== undefined && publisherName.length > 200) throw new ConfigError('CVEKIT_PUBLISHER_NAME must be at most 200 characters');
  const mailFrom = get('CVEKIT_MAIL_FROM');
  // The check the disclosure service makes: start-up refuses exactly what it would.
  const mailProblem = mailFrom === undefined ? undefined : mailboxProblem(mailFrom, 'CVEKIT_MAIL_FROM');
  if (mailProblem !== undefined) throw new ConfigError(mailProblem);
  const escalateTo = get('CVEKIT_ESCALATE_TO');
  // The parser the disclosure service uses too: start-up refuses exactly what it would.
  const mailbox = escalateTo === undefined ? undefined : parseMailbox(escalateTo, 'CVEKIT_ESCALATE_TO');
  if (mailbox && 'error' in mailbox) throw new ConfigError(mailbox.error);
  return {
    ...(teamToken ? { teamToken } : {}), ...(reportKey ? { reportKey } : {}), ...(oldKeys?.length ? { oldReportKeys: oldKeys } : {}),
    ...(secret ? { disclosureSecret: secret } : {}), ...(publicUrl ? { publicUrl } : {}), ...(smtpUrl ? { smtpUrl } : {}), ...(mailFrom ? { mailFrom } : {}),
    ...(teamEmail ? { teamEmail } : {}), ...(timeZone ? { timeZone } : {}), ...(preset ? { embargoPreset: preset } : {}), ...(powBits === undefined ? {} : { powBits }),
    ...(cnaOrg ? { cnaOrg } : {}), ...(publisherName ? { publisherName } : {}), ...(escalateTo ? { escalateTo } : {}),
  };
}

/** The store location with any password hidden, for logs and status output. */
export function redactDb(db: string): string {
  return db.replace(/^(postgres(?:ql)?:\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
