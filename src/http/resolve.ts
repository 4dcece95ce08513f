/**
 * @module Resolving CVE names for the API, over the search module's `resolveName` and
 * `resolveMany`: one name in any syntax, or many (a list or a pasted text), to the
 * canonical name, its state, its replacements and its URL (X1520-6.9, 7.8, 10.1, 10.2).
 */
import { bulkResults, resolveMany as resolveAll, resolveName, ResolveError, DEFAULT_MAX_NAMES, type BulkResult } from '../search/index.ts';
import type { Store } from '../store/index.ts';
import { HttpError } from './errors.ts';

export const MAX_BULK_NAMES = DEFAULT_MAX_NAMES;
export const MAX_BULK_TEXT = 4 * 1024 * 1024;

export interface Resolved {
  readonly query: string;
  readonly cveId: string;
  readonly state: string;
  /** Names to use instead of a rejected one (X1520-7.8). */
  readonly replacedBy: readonly string[];
  readonly url: string;
}

export const resolvedSchema = {
  type: 'object',
  properties: {
    query: { type: 'string' },
    cveId: { type: 'string' },
    state: { type: 'string' },
    replacedBy: { type: 'array', items: { type: 'string' } },
    url: { type: 'string' },
  },
} as const;

export type ResolveOutcome =
  | { readonly kind: 'found'; readonly cveId: string; readonly result: Resolved }
  | { readonly kind: 'unknown'; readonly cveId: string; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

export async function resolveOne(store: Store, input: string): Promise<ResolveOutcome> {
  const r = await resolveName(store, input);
  if (r.found) return { kind: 'found', cveId: r.cveId, result: { query: r.query, cveId: r.cveId, state: r.state, replacedBy: r.replacedBy, url: r.url } };
  if (r.code === 'UNKNOWN_CVE_NAME' && r.cveId) return { kind: 'unknown', cveId: r.cveId, reason: r.reason };
  return { kind: 'invalid', reason: r.reason };
}

/** Every input in order (a text: every CVE name in it once, and CVE-looking words that are not names, with reasons). */
export async function resolveMany(store: Store, input: { readonly ids?: readonly string[]; readonly text?: string }): Promise<BulkResult[]> {
  try {
    return bulkResults((await resolveAll(store, input.ids ?? input.text ?? '')).items);
  } catch (err) {
    if (err instanceof ResolveError) throw new HttpError(413, 'TOO_MANY_NAMES', err.message, err.details);
    throw err;
  }
}
