/**
 * @module Resolving CVE names for the API: one name in any syntax, or many (a list or a
 * pasted text), to the canonical name, its state, its replacements and its URL
 * (X1520-6.9, 7.8, 10.1, 10.2).
 */
import { extractCveIds, parseCveId, summarizeRecord, type CveRecordJson } from '../cve/index.ts';
import type { Store } from '../store/index.ts';
import type { NameState } from '../store/search-types.ts';
import { HttpError } from './errors.ts';

export const MAX_BULK_NAMES = 10_000;
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
  | { readonly kind: 'unknown'; readonly cveId: string }
  | { readonly kind: 'invalid'; readonly reason: string };

async function lookup(store: Store, query: string, cveId: string): Promise<ResolveOutcome> {
  const rec = await store.getRecord(cveId);
  if (!rec) return { kind: 'unknown', cveId };
  const summary = summarizeRecord(JSON.parse(rec.json) as CveRecordJson);
  return {
    kind: 'found',
    cveId,
    result: { query, cveId, state: rec.state, replacedBy: [...new Set(summary.replacements.map((r) => r.target))], url: `/cve/${cveId}` },
  };
}

export async function resolveOne(store: Store, input: string): Promise<ResolveOutcome> {
  const parsed = parseCveId(input);
  if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
  return lookup(store, input, parsed.id);
}

export interface BulkResult {
  readonly query: string;
  readonly status: 'found' | 'unknown' | 'invalid';
  readonly cveId?: string;
  readonly state?: string;
  readonly replacedBy?: readonly string[];
  readonly url?: string;
  readonly reason?: string;
}

/** Every input in order; each distinct name looked up once, a few at a time. */
export async function resolveMany(store: Store, input: { readonly ids?: readonly string[]; readonly text?: string }): Promise<BulkResult[]> {
  const queries = input.ids ?? extractCveIds(input.text ?? '');
  if (queries.length > MAX_BULK_NAMES) {
    throw new HttpError(413, 'TOO_MANY_NAMES', `${queries.length.toLocaleString('en')} names: at most ${MAX_BULK_NAMES.toLocaleString('en')} per request`, { count: queries.length, max: MAX_BULK_NAMES });
  }
  const parsed = queries.map((q) => ({ q, p: parseCveId(q) }));
  const unique = [...new Set(parsed.flatMap(({ p }) => (p.ok ? [p.id] : [])))];
  // One read per thousand names: state and replacements straight from the store's derived rows.
  const states = new Map<string, NameState>();
  for (let i = 0; i < unique.length; i += 1000) {
    for (const [id, st] of await store.search.getStates(unique.slice(i, i + 1000))) states.set(id, st);
  }
  return parsed.map(({ q, p }): BulkResult => {
    if (!p.ok) return { query: q, status: 'invalid', reason: p.reason };
    const st = states.get(p.id);
    if (st) return { query: q, status: 'found', cveId: st.cveId, state: st.state, replacedBy: st.replacedBy, url: `/cve/${st.cveId}` };
    return { query: q, status: 'unknown', cveId: p.id, url: `/cve/${p.id}`, reason: `${p.id} is a well-formed CVE name but is not in this repository` };
  });
}
