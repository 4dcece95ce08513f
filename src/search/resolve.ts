/**
 * @module Resolve CVE names typed in any syntax to the records here: one name, a list
 * of up to 10,000, or a pasted text (every CVE name in it). Each answer gives the
 * canonical name, its state, the names that replace a rejected one (X1520-7.7, 7.8) and
 * the record's URL (X1520-A.4.1.1); a name that is not found says why: not a CVE name
 * (with the reason), or well-formed but unknown here.
 */
import { findCveIdMatches, parseCveId } from '../cve/index.ts';
import type { CveId, RecordState } from '../cve/index.ts';
import type { NameState, Store } from '../store/index.ts';

export const DEFAULT_MAX_NAMES = 10_000;
/** Names read from the store per query. */
const LOOKUP_BATCH = 1000;

export interface ResolvedName {
  readonly found: true;
  /** The input as given. */
  readonly query: string;
  readonly cveId: CveId;
  readonly state: RecordState;
  /** Names to use instead (a rejected or duplicate name), in CVE-name order. */
  readonly replacedBy: readonly CveId[];
  /** `/cve/CVE-YYYY-NNNN` (absolute with `baseUrl`). */
  readonly url: string;
}

export type NotFoundCode = 'NOT_A_CVE_NAME' | 'UNKNOWN_CVE_NAME';

export interface UnresolvedName {
  readonly found: false;
  readonly query: string;
  /** `NOT_A_CVE_NAME`: the input is not a CVE name; `UNKNOWN_CVE_NAME`: well-formed, no record here. */
  readonly code: NotFoundCode;
  /** In words, for people: why the input is not a CVE name, or that the name is unknown here. */
  readonly reason: string;
  /** The canonical name when the input was well-formed. */
  readonly cveId?: CveId;
}

export type NameResolution = ResolvedName | UnresolvedName;

export interface ResolveOptions {
  /** Prefix for `url`, e.g. `https://cve.example.org`; default: a path only. */
  readonly baseUrl?: string;
}

export interface ResolveManyOptions extends ResolveOptions {
  /** Most names in one request (default 10,000). */
  readonly max?: number;
}

export interface ResolveManyResult {
  /** One entry per input name (a list), or per distinct name found in a text, in order. */
  readonly items: readonly NameResolution[];
  readonly found: number;
  readonly unknown: number;
  readonly invalid: number;
}

/** Too many names in one bulk request. */
export class ResolveError extends Error {
  override readonly name = 'ResolveError';
  readonly code = 'TOO_MANY_NAMES' as const;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(count: number, max: number) {
    super(`${count} names in one request: at most ${max}; split the list`);
    this.details = { count, max };
  }
}

/** The record's URL template (X1520-A.4.1.1): `/cve/CVE-YYYY-NNNN`. */
export function recordUrl(cveId: CveId, baseUrl = ''): string {
  return `${baseUrl.replace(/\/+$/, '')}/cve/${cveId}`;
}

function answer(query: string, cveId: CveId, s: NameState | undefined, opts: ResolveOptions): NameResolution {
  if (!s) {
    return { found: false, query, code: 'UNKNOWN_CVE_NAME', cveId, reason: `${cveId} is a well-formed CVE name, but there is no record of it here` };
  }
  return { found: true, query, cveId, state: s.state, replacedBy: s.replacedBy, url: recordUrl(cveId, opts.baseUrl) };
}

/**
 * One name in any syntax (`can-1999-0067`, `2021-44228`, `CVE 2021 44228`, full-width digits).
 *
 * @example
 * await resolveName(store, 'CAN-1999-0067')
 * // { found: true, query: 'CAN-1999-0067', cveId: 'CVE-1999-0067', state: 'PUBLISHED', replacedBy: [], url: '/cve/CVE-1999-0067' }
 */
export async function resolveName(store: Pick<Store, 'search'>, input: string, opts: ResolveOptions = {}): Promise<NameResolution> {
  const p = parseCveId(input);
  if (!p.ok) return { found: false, query: String(input), code: 'NOT_A_CVE_NAME', reason: p.reason };
  const states = await store.search.getStates([p.id]);
  return answer(String(input), p.id, states.get(p.id), opts);
}

/**
 * CVE-looking words in a text that `findCveIdMatches` did not take (`CVE-2021-01234`,
 * `CVE-21-1234`), so the answer can list them as invalid with a reason.
 */
const LOOKS_LIKE = /(?<![0-9A-Za-z_])(?:CVE|CAN)[-\u2010-\u2015\u2212\uFE58\uFE63_]?[0-9][0-9\-\u2010-\u2015\u2212]{0,40}(?![0-9A-Za-z_])/gi;

/**
 * Many names at once: a list (each entry in any syntax) or a pasted text (every CVE name
 * in it, once each, in order of appearance). Reads the store in batches, not per name.
 */
export async function resolveMany(store: Pick<Store, 'search'>, input: readonly string[] | string, opts: ResolveManyOptions = {}): Promise<ResolveManyResult> {
  const max = opts.max ?? DEFAULT_MAX_NAMES;
  const entries: { query: string; id?: CveId; reason?: string }[] = [];
  if (typeof input === 'string') {
    const text = /[^\x00-\x7f]/.test(input) ? input.normalize('NFKC') : input;
    const seen = new Set<string>();
    const taken: [number, number][] = [];
    for (const m of findCveIdMatches(text)) {
      taken.push([m.index, m.end]);
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      entries.push({ query: text.slice(m.index, m.end), id: m.id });
      if (entries.length > max) throw new ResolveError(entries.length, max);
    }
    LOOKS_LIKE.lastIndex = 0;
    for (let m = LOOKS_LIKE.exec(text); m !== null; m = LOOKS_LIKE.exec(text)) {
      const start = m.index;
      if (taken.some(([a, b]) => start < b && a < start + m![0].length)) continue;
      const raw = m[0].replace(/[-\u2010-\u2015\u2212]+$/, '');
      if (seen.has(raw)) continue;
      seen.add(raw);
      const p = parseCveId(raw);
      entries.push(p.ok ? { query: raw, id: p.id } : { query: raw, reason: p.reason });
      if (entries.length > max) throw new ResolveError(entries.length, max);
    }
    // Keep the order of appearance.
    const pos = (q: string): number => text.indexOf(q);
    entries.sort((a, b) => pos(a.query) - pos(b.query));
  } else {
    if (!Array.isArray(input)) throw new TypeError('resolveMany takes a list of names or a text');
    if (input.length > max) throw new ResolveError(input.length, max);
    for (const q of input) {
      const p = parseCveId(String(q));
      entries.push(p.ok ? { query: String(q), id: p.id } : { query: String(q), reason: p.reason });
    }
  }
  const ids = [...new Set(entries.flatMap((e) => (e.id ? [e.id] : [])))];
  const states = new Map<CveId, NameState>();
  for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
    for (const [k, v] of await store.search.getStates(ids.slice(i, i + LOOKUP_BATCH))) states.set(k, v);
  }
  let found = 0;
  let unknown = 0;
  let invalid = 0;
  const items = entries.map((e): NameResolution => {
    if (!e.id) {
      invalid++;
      return { found: false, query: e.query, code: 'NOT_A_CVE_NAME', reason: e.reason ?? 'not a CVE name' };
    }
    const a = answer(e.query, e.id, states.get(e.id), opts);
    if (a.found) found++;
    else unknown++;
    return a;
  });
  return { items, found, unknown, invalid };
}

/** One name of a bulk answer, flat (the API's `POST /api/v1/resolve` and `cvekit resolve --json`). */
export interface BulkResult {
  readonly query: string;
  /** `found`; `unknown`: well-formed, no record here; `invalid`: not a CVE name. */
  readonly status: 'found' | 'unknown' | 'invalid';
  readonly cveId?: string;
  readonly state?: string;
  /** Names to use instead of a rejected one (X1520-7.8). */
  readonly replacedBy?: readonly string[];
  readonly url?: string;
  readonly reason?: string;
}

/** `resolveMany`'s items as flat bulk results, in the same order. */
export function bulkResults(items: readonly NameResolution[]): BulkResult[] {
  return items.map((i): BulkResult =>
    i.found
      ? { query: i.query, status: 'found', cveId: i.cveId, state: i.state, replacedBy: i.replacedBy, url: i.url }
      : { query: i.query, status: i.code === 'UNKNOWN_CVE_NAME' ? 'unknown' : 'invalid', ...(i.cveId && { cveId: i.cveId, url: recordUrl(i.cveId) }), reason: i.reason },
  );
}
