/**
 * Secrets of the disclosure service: capability tokens, report bodies sealed at rest,
 * signed webhooks and the intake proof-of-work.
 *
 * - Capability tokens are 256 random bits (base64url); only their sha256 is stored, so a
 *   copy of the database opens no case.
 * - Sealed texts are `enc:v1:<keyId>:<iv>:<tag>:<ciphertext>` (AES-256-GCM, 96-bit IV,
 *   base64url parts); texts without the prefix are plaintext, so a key can be
 *   introduced later and old keys kept for reading during a rotation.
 * - Webhook signatures follow the Stripe/GitHub shape: `X-Cvekit-Signature: t=<unix
 *   seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`; receivers reject a stale `t`
 *   (replay) and compare in constant time.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DisclosureServiceError } from './errors.ts';

/** A new capability token (256 bits, base64url, 43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of a token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A random id with a readable prefix, e.g. `case_3q2…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A 32-byte key from 64 hex digits or base64 (standard or url-safe). */
export function parseKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64');
  if (key.length !== 32) throw new DisclosureServiceError('INVALID_CONFIG', 'CVEKIT_REPORT_KEY must be 32 bytes: 64 hex digits or base64');
  return key;
}

/** Key id stored with each ciphertext: the first 8 hex digits of the key's sha256. */
export function keyId(key: Uint8Array): string {
  return sha256Hex(key).slice(0, 8);
}

/** Seals and opens opaque texts; without a key it passes text through. */
export interface BodyCodec {
  readonly encrypting: boolean;
  seal(text: string): string;
  open(stored: string): string;
}

const PREFIX = 'enc:v1:';

/**
 * A codec with `key` for new texts and `oldKeys` for reading older ones.
 *
 * @example
 * const codec = bodyCodec(parseKey(process.env.CVEKIT_REPORT_KEY!))
 * codec.open(codec.seal('{"product":"x"}')) // '{"product":"x"}'
 */
export function bodyCodec(key?: Uint8Array, oldKeys: readonly Uint8Array[] = []): BodyCodec {
  const keys = new Map<string, Uint8Array>();
  for (const k of [...oldKeys, ...(key ? [key] : [])]) keys.set(keyId(k), k);
  const currentId = key ? keyId(key) : undefined;
  return {
    encrypting: key !== undefined,
    seal(text) {
      if (!key || !currentId) return text;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return `${PREFIX}${currentId}:${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${ct.toString('base64url')}`;
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const [id, iv, tag, ct] = stored.slice(PREFIX.length).split(':');
      const k = keys.get(id);
      if (!k) throw new DisclosureServiceError('KEY_UNAVAILABLE', `a stored text is sealed with key ${id}, which this server does not have`);
      const d = createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64url'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
    },
  };
}

// --- webhooks -------------------------------------------------------------------------

export const SIGNATURE_HEADER = 'x-cvekit-signature';

/** The `X-Cvekit-Signature` value for `body` sent at `timestampSec`. */
export function signWebhook(secret: string, body: string, timestampSec: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSec}.${body}`, 'utf8').digest('hex');
  return `t=${timestampSec},v1=${mac}`;
}

export type WebhookVerdict = { readonly ok: true; readonly timestamp: number } | { readonly ok: false; readonly reason: 'malformed' | 'stale' | 'future' | 'bad-signature' };

/**
 * For receivers: checks the signature of a raw body. Rejects a timestamp older than
 * `toleranceSec` (default 300 s: a replayed delivery) or too far ahead, and any
 * signature that is not HMAC-SHA256 of `<t>.<body>` under `secret`.
 *
 * @example
 * const v = verifyWebhook(secret, req.headers['x-cvekit-signature'], rawBody, { nowSec: Date.now() / 1000 })
 * if (!v.ok) return reply.code(400).send(v.reason)
 */
export function verifyWebhook(secret: string, header: string | undefined, body: string, opts: { readonly nowSec: number; readonly toleranceSec?: number }): WebhookVerdict {
  if (typeof header !== 'string') return { ok: false, reason: 'malformed' };
  const parts = new Map(header.split(',').map((p) => {
    const i = p.indexOf('=');
    return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
  }));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isSafeInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return { ok: false, reason: 'malformed' };
  const tolerance = opts.toleranceSec ?? 300;
  if (opts.nowSec - t > tolerance) return { ok: false, reason: 'stale' };
  if (t - opts.nowSec > tolerance) return { ok: false, reason: 'future' };
  const expected = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest();
  if (!timingSafeEqual(expected, Buffer.from(v1, 'hex'))) return { ok: false, reason: 'bad-signature' };
  return { ok: true, timestamp: t };
}

// --- proof of work ------------------------------------------------------------------------

/** A challenge for the report form: solve the puzzle (JavaScript) or answer the question. */
export interface Challenge {
  /** Signed by the server: issue time, randomness, the question's operands. */
  readonly nonce: string;
  /** Leading zero bits sha256(nonce + counter) must have. */
  readonly bits: number;
  /** The no-JavaScript fallback, e.g. `What is 7 plus 12?`. */
  readonly question: string;
}

/** Counts leading zero bits of a digest. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) { bits += 8; continue; }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** Issues a challenge signed with `secret`. */
export function issueChallenge(secret: Uint8Array, bits: number, nowMs: number): Challenge {
  const a = 2 + randomBytes(1)[0] % 18;
  const b = 2 + randomBytes(1)[0] % 18;
  const payload = `${nowMs}.${randomBytes(12).toString('base64url')}.${a}.${b}`;
  const mac = createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 22);
  return { nonce: `${payload}.${mac}`, bits, question: `What is ${a} plus ${b}?` };
}

export type ChallengeVerdict = { readonly ok: true; readonly via: 'work' | 'answer' } | { readonly ok: false; readonly reason: string };

/**
 * Checks a solved challenge: a genuine, unexpired nonce and either a counter meeting the
 * work target or the right answer given no sooner than `minAnswerMs` after issue (a
 * human reads the question; a script that skips the work at least has to wait).
 * Single use is the caller's job (the service claims the nonce in the store).
 */
export function verifyChallenge(
  secret: Uint8Array,
  input: { readonly nonce: string; readonly counter?: string; readonly answer?: string },
  opts: { readonly bits: number; readonly nowMs: number; readonly maxAgeMs: number; readonly minAnswerMs: number },
): ChallengeVerdict {
  const parts = typeof input.nonce === 'string' ? input.nonce.split('.') : [];
  if (parts.length !== 5) return { ok: false, reason: 'malformed challenge' };
  const [issued, , a, b, mac] = parts;
  const expected = createHmac('sha256', secret).update(parts.slice(0, 4).join('.')).digest('base64url').slice(0, 22);
  if (mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return { ok: false, reason: 'forged challenge' };
  const age = opts.nowMs - Number(issued);
  if (!(age >= 0 && age <= opts.maxAgeMs)) return { ok: false, reason: 'expired challenge' };
  if (typeof input.counter === 'string' && input.counter !== '' && input.counter.length <= 32) {
    if (leadingZeroBits(createHash('sha256').update(input.nonce + input.counter).digest()) >= opts.bits) return { ok: true, via: 'work' };
    return { ok: false, reason: 'the proof of work does not meet the target' };
  }
  if (typeof input.answer === 'string' && input.answer.trim() !== '') {
    if (age < opts.minAnswerMs) return { ok: false, reason: 'answered too quickly; wait a few seconds and send again' };
    if (Number(input.answer.trim()) === Number(a) + Number(b)) return { ok: true, via: 'answer' };
    return { ok: false, reason: 'wrong answer to the question' };
  }
  return { ok: false, reason: 'solve the challenge or answer the question' };
}

/** Finds a counter for a challenge (what the form's script does; also for tests and API clients). */
export function solveChallenge(nonce: string, bits: number): string {
  for (let i = 0; ; i++) {
    const counter = i.toString(36);
    if (leadingZeroBits(createHash('sha256').update(nonce + counter).digest()) >= bits) return counter;
  }
}
