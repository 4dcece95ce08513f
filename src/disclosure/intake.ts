/**
 * Intake checks: a report's fields and limits, attachments, and deduplication hints.
 *
 * Attachments: at most `maxFiles`, each at most `maxFileBytes`, together at most
 * `maxTotalBytes`. Compressed archives (zip, gzip, 7z, rar, bzip2, xz, zstd) are refused
 * by their leading bytes whatever they are called: an archive can expand to anything (a
 * zip bomb), and a proof of concept reads better uncompressed. HTML, SVG and anything
 * else is kept byte for byte and only ever served as a download
 * (`application/octet-stream`, `Content-Disposition: attachment`, `nosniff`).
 */
import { extractCveIds } from '../cve/index.ts';
import type { CreditPreference, ReportInput } from './domain/index.ts';
import { CREDIT_PREFERENCES } from './domain/index.ts';
import type { AttachmentLimits } from './config.ts';
import { DisclosureServiceError } from './errors.ts';

/** An attachment as received. */
export interface AttachmentInput {
  readonly name: string;
  readonly mediaType: string;
  readonly bytes: Uint8Array;
}

/** What a finder sends (form or API), before checks. */
export interface ReportSubmission {
  readonly product: unknown;
  readonly version?: unknown;
  readonly description: unknown;
  readonly impact?: unknown;
  readonly proofOfConcept?: unknown;
  readonly finderName?: unknown;
  readonly finderContact: unknown;
  readonly credit?: unknown;
  readonly creditName?: unknown;
  readonly isPublic?: unknown;
  readonly isExploited?: unknown;
  readonly vendorContacted?: unknown;
  readonly vendorContactedAt?: unknown;
  readonly attachments?: readonly AttachmentInput[];
}

/** Field limits (characters). */
export const REPORT_LIMITS = {
  product: 200, version: 200, description: 20_000, impact: 10_000, proofOfConcept: 50_000,
  finderName: 200, finderContact: 320, creditName: 200,
} as const;

/** A checked report: the domain's input minus the id, plus its files. */
export type CheckedReport = Omit<ReportInput, 'id'>;

/** Checks every field; throws `INVALID_REPORT` listing all problems at once. */
export function checkSubmission(s: ReportSubmission): CheckedReport {
  const problems: Record<string, string> = {};
  const text = (field: keyof typeof REPORT_LIMITS, value: unknown, required: boolean): string | undefined => {
    if (value === undefined || value === null || value === '') {
      if (required) problems[field] = 'required';
      return undefined;
    }
    if (typeof value !== 'string') { problems[field] = 'must be text'; return undefined; }
    const v = value.replace(/\r\n?/g, '\n').trim();
    if (required && v === '') { problems[field] = 'required'; return undefined; }
    if (v.length > REPORT_LIMITS[field]) { problems[field] = `at most ${REPORT_LIMITS[field]} characters`; return undefined; }
    // NUL and other C0 controls (but tab and newline) have no place in a report.
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v)) { problems[field] = 'contains control characters'; return undefined; }
    return v === '' ? undefined : v;
  };
  const flag = (field: string, value: unknown): boolean => {
    if (value === undefined || value === null || value === '' || value === false || value === 'false' || value === 'no' || value === '0') return false;
    if (value === true || value === 'true' || value === 'on' || value === 'yes' || value === '1') return true;
    problems[field] = 'must be true or false';
    return false;
  };
  const product = text('product', s.product, true);
  const version = text('version', s.version, false);
  const description = text('description', s.description, true);
  const impact = text('impact', s.impact, false);
  const proofOfConcept = text('proofOfConcept', s.proofOfConcept, false);
  const finderName = text('finderName', s.finderName, false);
  const contact = text('finderContact', s.finderContact, true);
  if (contact !== undefined && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(contact)) problems.finderContact = 'must be an e-mail address';
  const creditName = text('creditName', s.creditName, false);
  const credit = (s.credit ?? 'named') as CreditPreference;
  if (!(CREDIT_PREFERENCES as readonly unknown[]).includes(credit)) problems.credit = `must be one of ${CREDIT_PREFERENCES.join(', ')}`;
  const isPublic = flag('isPublic', s.isPublic);
  const isExploited = flag('isExploited', s.isExploited);
  const vendorContacted = flag('vendorContacted', s.vendorContacted);
  let vendorContactedAt: string | undefined;
  if (s.vendorContactedAt !== undefined && s.vendorContactedAt !== '' && s.vendorContactedAt !== null) {
    const d = typeof s.vendorContactedAt === 'string' ? new Date(s.vendorContactedAt) : new Date(NaN);
    if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(String(s.vendorContactedAt))) problems.vendorContactedAt = 'must be a date (YYYY-MM-DD)';
    else vendorContactedAt = d.toISOString();
  }
  if (Object.keys(problems).length > 0) throw new DisclosureServiceError('INVALID_REPORT', `the report is not valid: ${Object.entries(problems).map(([k, v]) => `${k} ${v}`).join('; ')}`, { problems });
  return {
    product: product!, version: version ?? '', description: description!, impact: impact ?? '',
    ...(proofOfConcept === undefined ? {} : { proofOfConcept }),
    finder: { ...(finderName === undefined ? {} : { name: finderName }), contact: contact!, credit, ...(creditName === undefined ? {} : { creditName }) },
    isPublic, isExploited, vendorContacted, ...(vendorContactedAt === undefined ? {} : { vendorContactedAt }),
  };
}

const ARCHIVE_MAGIC: readonly (readonly number[])[] = [
  [0x50, 0x4b, 0x03, 0x04], [0x50, 0x4b, 0x05, 0x06], [0x50, 0x4b, 0x07, 0x08], // zip (and jar, docx…)
  [0x1f, 0x8b], // gzip
  [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], // 7z
  [0x52, 0x61, 0x72, 0x21], // rar
  [0x42, 0x5a, 0x68], // bzip2
  [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], // xz
  [0x28, 0xb5, 0x2f, 0xfd], // zstd
];
const ARCHIVE_NAME = /\.(zip|gz|tgz|7z|rar|bz2|xz|zst|tar|jar|apk|docx|xlsx|pptx)$/i;

/** A safe file name for storage and `Content-Disposition`: no paths, no controls, bounded. */
export function safeFileName(name: string): string {
  const base = String(name).split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').replace(/^\.+/, '').trim().slice(0, 120);
  return clean === '' ? 'attachment' : clean;
}

/** Checks attachments against the limits and the archive rule; throws `ATTACHMENT_REFUSED`. */
export function checkAttachments(files: readonly AttachmentInput[], limits: AttachmentLimits): AttachmentInput[] {
  if (files.length > limits.maxFiles) throw new DisclosureServiceError('ATTACHMENT_REFUSED', `at most ${limits.maxFiles} attachments`, { reason: 'too-many' });
  let total = 0;
  return files.map((f) => {
    const name = safeFileName(f.name);
    if (f.bytes.byteLength > limits.maxFileBytes) throw new DisclosureServiceError('ATTACHMENT_REFUSED', `"${name}" is larger than ${limits.maxFileBytes} bytes`, { reason: 'too-large', name });
    total += f.bytes.byteLength;
    if (total > limits.maxTotalBytes) throw new DisclosureServiceError('ATTACHMENT_REFUSED', `attachments together exceed ${limits.maxTotalBytes} bytes`, { reason: 'total-too-large' });
    if (f.bytes.byteLength === 0) throw new DisclosureServiceError('ATTACHMENT_REFUSED', `"${name}" is empty`, { reason: 'empty', name });
    const archive = ARCHIVE_MAGIC.some((m) => m.every((b, i) => f.bytes[i] === b)) || ARCHIVE_NAME.test(name) || /zip|compress|x-tar|x-7z|x-rar|gzip/i.test(f.mediaType);
    if (archive) throw new DisclosureServiceError('ATTACHMENT_REFUSED', `"${name}" is a compressed archive; attach the files uncompressed`, { reason: 'archive', name });
    const mediaType = /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/i.test(f.mediaType) ? f.mediaType.toLowerCase() : 'application/octet-stream';
    return { name, mediaType, bytes: f.bytes };
  });
}

// --- deduplication hints ----------------------------------------------------------------------

export interface DedupCandidate {
  readonly id: string;
  readonly caseId?: string;
  readonly product: string;
  readonly text: string;
}

export interface DedupHint {
  readonly reportId: string;
  readonly caseId?: string;
  readonly score: number;
  readonly reasons: readonly string[];
}

const STOP = new Set('the a an and or of to in on for with by is are was be this that it as at from via can could when which not no into its an any all has have'.split(' '));

function words(text: string): Set<string> {
  return new Set(text.toLowerCase().normalize('NFKC').split(/[^\p{L}\p{N}_-]+/u).filter((w) => w.length > 2 && !STOP.has(w)));
}

/** A product name compared loosely: case, spaces and punctuation ignored. */
export function productKey(product: string): string {
  return product.toLowerCase().normalize('NFKC').replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Similar open reports: the same product (loosely compared) and overlapping words
 * (Jaccard ≥ 0.2), or a CVE name in common. Best first, at most `limit`.
 */
export function dedupHints(report: DedupCandidate, others: readonly DedupCandidate[], limit = 10): DedupHint[] {
  const mine = words(report.text);
  const myCves = new Set(extractCveIds(report.text));
  const myProduct = productKey(report.product);
  const hints: DedupHint[] = [];
  for (const o of others) {
    if (o.id === report.id) continue;
    const reasons: string[] = [];
    let score = 0;
    const theirs = words(o.text);
    let common = 0;
    for (const w of mine) if (theirs.has(w)) common++;
    const jaccard = common / Math.max(1, mine.size + theirs.size - common);
    const sameProduct = myProduct !== '' && productKey(o.product) === myProduct;
    if (sameProduct) { score += 0.5; reasons.push('same product'); }
    if (jaccard >= 0.2) { score += jaccard; reasons.push(`${Math.round(jaccard * 100)}% words in common`); }
    const cves = extractCveIds(o.text).filter((c) => myCves.has(c));
    if (cves.length > 0) { score += 1; reasons.push(`mentions ${cves.join(', ')}`); }
    if (cves.length > 0 || (sameProduct && jaccard >= 0.2) || jaccard >= 0.5) hints.push({ reportId: o.id, ...(o.caseId ? { caseId: o.caseId } : {}), score: Math.round(score * 100) / 100, reasons });
  }
  return hints.sort((a, b) => b.score - a.score || (a.reportId < b.reportId ? -1 : 1)).slice(0, limit);
}
