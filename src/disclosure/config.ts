/**
 * The disclosure service's settings, read from the environment and checked once.
 *
 * | variable | meaning |
 * | --- | --- |
 * | `CVEKIT_TEAM_TOKEN` | the team's API token (kept only as its sha256); no team access without it; without `CVEKIT_CNA_ORG` also the team pages' sign-in |
 * | `CVEKIT_REPORT_KEY` | 32-byte key (hex or base64) sealing report and case texts at rest (AES-256-GCM) |
 * | `CVEKIT_REPORT_OLD_KEYS` | comma-separated older keys, still read during a rotation |
 * | `CVEKIT_DISCLOSURE_SECRET` | signs form challenges; set it when several app processes serve the form |
 * | `CVEKIT_PUBLIC_URL` | base of the links in mails, e.g. `https://psirt.example.org` |
 * | `CVEKIT_SMTP_URL` | `smtp://user:pass@host:port` (or `smtps://`); no mail without it |
 * | `CVEKIT_MAIL_FROM` | sender, `Display Name <name@domain>` or `name@domain` (default `cvekit <cvekit@localhost>`) |
 * | `CVEKIT_TEAM_EMAIL` | where new reports and reminders go, `name@domain` |
 * | `CVEKIT_TIME_ZONE` | the team's IANA zone (embargo ends, reminders) |
 * | `CVEKIT_EMBARGO_PRESET` | `default` (90 days, 60–90), `cert` (45), `zdi` (120), `projectZero` (90+30) |
 * | `CVEKIT_POW_BITS` | proof-of-work difficulty (leading zero bits, digits only, 0–32, default 16) |
 * | `CVEKIT_CNA_ORG` | short name of the CNA organisation (of this cvekit) that reserves and publishes the team's CVE IDs |
 * | `CVEKIT_PUBLISHER_NAME` | the advisories' publisher name (CSAF `document.publisher.name`) |
 * | `CVEKIT_ESCALATE_TO` | coordinator of last resort, `Name <address>`: offered a case whose vendor has not acknowledged it after 15 days |
 */
import { embargoPolicy, reminderPolicy } from './domain/index.ts';
import type { EmbargoPolicy, EmbargoPresetName, ParticipantInput, ReminderPolicy } from './domain/index.ts';
import { bodyCodec, hashToken, parseKey } from './crypto.ts';
import type { BodyCodec } from './crypto.ts';
import { randomBytes } from 'node:crypto';
import { DisclosureServiceError } from './errors.ts';
import { mailboxProblem, parseMailbox, parseWholeNumber } from '../config/index.ts';

export interface AttachmentLimits {
  readonly maxFiles: number;
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;
}

export interface DisclosureConfig {
  /** sha256 (hex) of the team token; undefined: no team access. */
  readonly teamTokenHash?: string;
  readonly codec: BodyCodec;
  readonly challengeSecret: Uint8Array;
  readonly powBits: number;
  /** A challenge stays valid this long. */
  readonly challengeMaxAgeMs: number;
  /** The arithmetic fallback is refused when answered sooner than this. */
  readonly minAnswerMs: number;
  /** Reports accepted per address per hour. */
  readonly reportsPerHour: number;
  readonly capabilityDays: number;
  readonly publicUrl: string;
  readonly smtpUrl?: string;
  readonly mailFrom: string;
  readonly teamEmail?: string;
  readonly embargo: EmbargoPolicy;
  readonly reminders: ReminderPolicy;
  readonly attachments: AttachmentLimits;
  /** Short name of the CNA org that reserves and publishes the team's CVE IDs; none: no reservation from cases. */
  readonly cnaOrg?: string;
  /** The advisories' publisher (CSAF `document.publisher.name`; its namespace is `publicUrl`). */
  readonly publisherName: string;
}

export const DEFAULT_ATTACHMENT_LIMITS: AttachmentLimits = { maxFiles: 5, maxFileBytes: 5 * 1024 * 1024, maxTotalBytes: 10 * 1024 * 1024 };

/** Overrides for tests and embedding; `teamToken` is hashed here. */
export interface DisclosureConfigInput extends Partial<Omit<DisclosureConfig, 'teamTokenHash' | 'codec' | 'challengeSecret'>> {
  readonly teamToken?: string;
  readonly reportKey?: string;
  readonly oldReportKeys?: readonly string[];
  readonly challengeSecret?: string;
  readonly timeZone?: string;
  readonly embargoPreset?: EmbargoPresetName;
  /** `CVEKIT_ESCALATE_TO` (see {@link parseEscalateTo}); ignored when `reminders` is given. */
  readonly escalateTo?: string;
}

function invalid(message: string): DisclosureServiceError {
  return new DisclosureServiceError('INVALID_CONFIG', message);
}

/** A sender or recipient as a mail header takes it (see {@link mailboxProblem}); returns `text` trimmed. */
export function checkMailbox(text: string, variable: string, form: 'mailbox' | 'address' = 'mailbox'): string {
  const problem = mailboxProblem(text, variable, form);
  if (problem !== undefined) throw invalid(problem);
  return text.trim();
}

/** A setting that is a whole number in digits only (no sign, exponent, hex or fraction) within `min`–`max`. */
function wholeNumberSetting(text: string, variable: string, min: number, max: number): number {
  const value = text.trim();
  const n = parseWholeNumber(value, min, max);
  if (n === undefined) throw invalid(`${variable} must be a whole number from ${min} to ${max} (digits only), got "${value.slice(0, 40)}"`);
  return n;
}

function checkCount(value: number, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw invalid(`${name} must be a whole number of at least ${min}`);
  return value;
}

function checkUrl(text: string, variable: string, protocols: readonly string[]): string {
  let url: URL | undefined;
  try { url = new URL(text); } catch { url = undefined; }
  if (!url || !protocols.includes(url.protocol)) throw invalid(`${variable} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL`);
  return text;
}

export function disclosureConfig(input: DisclosureConfigInput = {}): DisclosureConfig {
  const timeZone = input.timeZone ?? 'UTC';
  const powBits = input.powBits ?? 16;
  if (!Number.isInteger(powBits) || powBits < 0 || powBits > 32) throw invalid('CVEKIT_POW_BITS must be a whole number from 0 to 32');
  if (input.teamToken !== undefined && input.teamToken.length < 32) throw invalid('CVEKIT_TEAM_TOKEN must be at least 32 characters');
  const mailFrom = checkMailbox(input.mailFrom ?? 'cvekit <cvekit@localhost>', 'CVEKIT_MAIL_FROM');
  const teamEmail = input.teamEmail === undefined ? undefined : checkMailbox(input.teamEmail, 'CVEKIT_TEAM_EMAIL', 'address');
  const publicUrl = checkUrl(input.publicUrl ?? 'http://127.0.0.1:8080', 'CVEKIT_PUBLIC_URL', ['http:', 'https:']);
  if (input.smtpUrl !== undefined) checkUrl(input.smtpUrl, 'CVEKIT_SMTP_URL', ['smtp:', 'smtps:']);
  checkCount(input.challengeMaxAgeMs ?? 1, 'challengeMaxAgeMs', 1);
  checkCount(input.minAnswerMs ?? 0, 'minAnswerMs', 0);
  checkCount(input.reportsPerHour ?? 1, 'reportsPerHour', 1);
  checkCount(input.capabilityDays ?? 1, 'capabilityDays', 1);
  if (input.attachments) for (const [k, v] of Object.entries(input.attachments)) checkCount(v as number, `attachments.${k}`, 0);
  const key = input.reportKey === undefined ? undefined : parseKey(input.reportKey);
  return {
    ...(input.teamToken === undefined ? {} : { teamTokenHash: hashToken(input.teamToken) }),
    codec: bodyCodec(key, (input.oldReportKeys ?? []).map(parseKey)),
    challengeSecret: input.challengeSecret === undefined ? randomBytes(32) : Buffer.from(input.challengeSecret, 'utf8'),
    powBits,
    challengeMaxAgeMs: input.challengeMaxAgeMs ?? 2 * 3600_000,
    minAnswerMs: input.minAnswerMs ?? 3_000,
    reportsPerHour: input.reportsPerHour ?? 10,
    capabilityDays: input.capabilityDays ?? 365,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    ...(input.smtpUrl === undefined ? {} : { smtpUrl: input.smtpUrl }),
    mailFrom,
    ...(teamEmail === undefined ? {} : { teamEmail }),
    embargo: input.embargo ?? embargoPolicy({ timeZone, ...(input.embargoPreset ? { preset: input.embargoPreset } : {}) }),
    reminders: input.reminders ?? reminderPolicy({ timeZone, ...(input.escalateTo ? { coordinator: parseEscalateTo(input.escalateTo) } : {}) }),
    attachments: input.attachments ?? DEFAULT_ATTACHMENT_LIMITS,
    ...(input.cnaOrg === undefined || input.cnaOrg === '' ? {} : { cnaOrg: input.cnaOrg }),
    publisherName: input.publisherName ?? 'cvekit PSIRT',
  };
}

/**
 * The coordinator of last resort from `Name <address>` (or a bare address): the participant
 * a case is offered to after the vendor-response deadline. Its id is derived from the
 * address, so it is the same participant on every case and across restarts.
 */
export function parseEscalateTo(text: string): ParticipantInput {
  const m = parseMailbox(text, 'CVEKIT_ESCALATE_TO');
  if ('error' in m) throw new DisclosureServiceError('INVALID_CONFIG', m.error);
  const slug = m.address.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return { id: `coordinator-${slug}`, kind: 'coordinator', name: m.name, contact: m.address, roles: ['coordinator'] };
}

/** The settings from environment variables (see the table above). */
export function disclosureConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DisclosureConfig {
  const presets = ['default', 'cert', 'zdi', 'projectZero'];
  const preset = env.CVEKIT_EMBARGO_PRESET;
  if (preset !== undefined && !presets.includes(preset)) throw invalid(`CVEKIT_EMBARGO_PRESET must be one of ${presets.join(', ')}`);
  // Set but empty counts as unset, as with every other variable here.
  const bits = env.CVEKIT_POW_BITS ? wholeNumberSetting(env.CVEKIT_POW_BITS, 'CVEKIT_POW_BITS', 0, 32) : undefined;
  return disclosureConfig({
    ...(env.CVEKIT_TEAM_TOKEN ? { teamToken: env.CVEKIT_TEAM_TOKEN } : {}),
    ...(env.CVEKIT_REPORT_KEY ? { reportKey: env.CVEKIT_REPORT_KEY } : {}),
    ...(env.CVEKIT_REPORT_OLD_KEYS ? { oldReportKeys: env.CVEKIT_REPORT_OLD_KEYS.split(',').filter(Boolean) } : {}),
    ...(env.CVEKIT_DISCLOSURE_SECRET ? { challengeSecret: env.CVEKIT_DISCLOSURE_SECRET } : {}),
    ...(env.CVEKIT_PUBLIC_URL ? { publicUrl: env.CVEKIT_PUBLIC_URL } : {}),
    ...(env.CVEKIT_SMTP_URL ? { smtpUrl: env.CVEKIT_SMTP_URL } : {}),
    ...(env.CVEKIT_MAIL_FROM ? { mailFrom: env.CVEKIT_MAIL_FROM } : {}),
    ...(env.CVEKIT_TEAM_EMAIL ? { teamEmail: env.CVEKIT_TEAM_EMAIL } : {}),
    ...(env.CVEKIT_TIME_ZONE ? { timeZone: env.CVEKIT_TIME_ZONE } : {}),
    ...(preset ? { embargoPreset: preset as EmbargoPresetName } : {}),
    ...(bits === undefined ? {} : { powBits: bits }),
    ...(env.CVEKIT_CNA_ORG ? { cnaOrg: env.CVEKIT_CNA_ORG } : {}),
    ...(env.CVEKIT_PUBLISHER_NAME ? { publisherName: env.CVEKIT_PUBLISHER_NAME } : {}),
    ...(env.CVEKIT_ESCALATE_TO ? { escalateTo: env.CVEKIT_ESCALATE_TO } : {}),
  });
}
