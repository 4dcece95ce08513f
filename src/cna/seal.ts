/**
 * @module Upstream API keys sealed at rest (issue 5 §4): AES-256-GCM under the server key
 * from `CVEKIT_SECRET_KEY` (32 bytes: 64 hex digits or base64). Sealed texts are
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url); the org UUID is bound as associated
 * data, so a sealed key copied to another org's row does not open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { CnaError } from './errors.ts';

/** A 32-byte key from 64 hex digits or base64 (standard or url-safe). */
export function parseSecretKey(text: string | undefined): Buffer | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, /[-_]/.test(t) ? 'base64url' : 'base64');
  if (key.length !== 32) throw new Error('CVEKIT_SECRET_KEY must be 32 bytes: 64 hex digits or base64');
  return key;
}

const keyId = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 8);

export function seal(key: Buffer, plain: string, bound: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(bound, 'utf8'));
  const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return ['v1', keyId(key), iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export function unseal(key: Buffer, sealed: string, bound: string): string {
  const [v, kid, iv, tag, ct] = sealed.split('.');
  if (v !== 'v1' || kid !== keyId(key) || !iv || !tag || ct === undefined) {
    throw new CnaError('SERVICE_NOT_AVAILABLE', { message: 'The upstream key was sealed with another server key; enter it again.' });
  }
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  d.setAAD(Buffer.from(bound, 'utf8'));
  d.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
}
