/**
 * @module The search box's query language, parsed into a `SearchQuery` (see docs/search.md).
 *
 * ```
 * vendor:apache product:"http server" cwe:79 kev:yes state:rejected year:2020..2023
 * assigner:redhat severity:critical score:>=9 cvss:3.1 has:fix published:>=2024-01-01
 * updated:2024-01-01..2024-06-30 sort:published order:asc "remote code execution" -word
 * ```
 *
 * Bare CVE names in any syntax (`CVE-2021-44228`, `2021-44228`, `CAN-1999-0067`,
 * `cve 2021 44228`) become `cveIds`, so the exact record ranks first (X1520-6.9, 10.1,
 * 10.2); other words are full-text words, `"…"` a phrase, `-word` / `-"…"` excluded,
 * `word*` a prefix. A mistake is reported with its column (1-based) and, for a misspelt
 * field, the field meant.
 */
import { findCveIdMatches, parseCveId } from '../cve/index.ts';
import type { CveId, CvssVersion, RecordState } from '../cve/index.ts';
import { SEARCH_SORTS } from '../store/index.ts';
import type { DateRange, SearchQuery, SearchSort } from '../store/index.ts';

/** The longest query accepted (a search box, not a document: paste documents into resolve). */
export const MAX_QUERY_LENGTH = 4096;

/** A query the parser cannot read: `column` is 1-based, `message` names the mistake. */
export class QuerySyntaxError extends Error {
  override readonly name = 'QuerySyntaxError';
  readonly code = 'QUERY_SYNTAX' as const;
  readonly column: number;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(message: string, column: number, details: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.column = column;
    this.details = { column, ...details };
  }
}

/** What a query text gives: a `SearchQuery` without the paging fields the caller adds. */
export type ParsedQuery = Omit<SearchQuery, 'limit' | 'cursor' | 'facets' | 'noTotal' | 'facetLimit'>;

/** Field names and their aliases. */
const FIELDS = {
  vendor: 'vendor',
  product: 'product',
  cwe: 'cwe',
  kev: 'kev',
  state: 'state',
  year: 'year',
  assigner: 'assigner',
  cna: 'assigner',
  severity: 'severity',
  score: 'score',
  cvss: 'cvss',
  has: 'has',
  published: 'published',
  updated: 'updated',
  sort: 'sort',
  order: 'order',
} as const;
type Field = (typeof FIELDS)[keyof typeof FIELDS];
const FIELD_NAMES = Object.keys(FIELDS);
/** Words before a colon that are not fields but the start of a URL or the like: searched as text. */
const NOT_FIELDS = new Set(['http', 'https', 'ftp', 'mailto', 'urn', 'file']);

interface Token {
  /** 1-based column of the token's first character. */
  readonly column: number;
  readonly negated: boolean;
  readonly field?: string;
  readonly value: string;
  readonly quoted: boolean;
  /** The token as typed, for messages. */
  readonly text: string;
}

const isSpace = (c: string): boolean => /\s/u.test(c);

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = input.length;
  const readQuoted = (start: number): { value: string; end: number } => {
    const close = input.indexOf('"', start + 1);
    if (close < 0) throw new QuerySyntaxError(`unterminated quote at column ${start + 1}: close it with "`, start + 1);
    return { value: input.slice(start + 1, close), end: close + 1 };
  };
  while (i < n) {
    if (isSpace(input[i])) {
      i++;
      continue;
    }
    const start = i;
    let negated = false;
    if (input[i] === '-' && i + 1 < n && !isSpace(input[i + 1])) {
      negated = true;
      i++;
    }
    if (input[i] === '"') {
      const q = readQuoted(i);
      out.push({ column: start + 1, negated, value: q.value, quoted: true, text: input.slice(start, q.end) });
      i = q.end;
      continue;
    }
    let j = i;
    while (j < n && !isSpace(input[j]) && input[j] !== ':') j++;
    const name = input.slice(i, j);
    if (j < n && input[j] === ':' && /^[A-Za-z]+$/.test(name) && !NOT_FIELDS.has(name.toLowerCase())) {
      let k = j + 1;
      if (k < n && input[k] === '"') {
        const q = readQuoted(k);
        out.push({ column: start + 1, negated, field: name, value: q.value, quoted: true, text: input.slice(start, q.end) });
        i = q.end;
        continue;
      }
      while (k < n && !isSpace(input[k])) k++;
      out.push({ column: start + 1, negated, field: name, value: input.slice(j + 1, k), quoted: false, text: input.slice(start, k) });
      i = k;
      continue;
    }
    while (j < n && !isSpace(input[j])) j++;
    out.push({ column: start + 1, negated, value: input.slice(i, j), quoted: false, text: input.slice(start, j) });
    i = j;
  }
  return out;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, k) => k);
  for (let x = 1; x <= a.length; x++) {
    let prev = d[0];
    d[0] = x;
    for (let y = 1; y <= b.length; y++) {
      const tmp = d[y];
      d[y] = Math.min(d[y] + 1, d[y - 1] + 1, prev + (a[x - 1] === b[y - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

function suggest(name: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const f of FIELD_NAMES) {
    const dist = distance(name.toLowerCase(), f);
    if (dist < bestD) {
      best = f;
      bestD = dist;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

// --- values ------------------------------------------------------------------------------

const YES = new Set(['yes', 'true', '1', 'y', 'on']);
const NO = new Set(['no', 'false', '0', 'n', 'off']);
const STATES: Readonly<Record<string, RecordState>> = { published: 'PUBLISHED', rejected: 'REJECTED', reserved: 'RESERVED' };
const SEVERITIES = ['none', 'low', 'medium', 'high', 'critical'];
const CVSS: Readonly<Record<string, CvssVersion>> = { '2': '2.0', '2.0': '2.0', '3.0': '3.0', '3': '3.1', '3.1': '3.1', '4': '4.0', '4.0': '4.0' };
const DATE = /^\d{4}(?:-\d{2}(?:-\d{2})?)?$/;
const YEAR = /^\d{4}$/;
const NUMBER = /^\d{1,2}(?:\.\d{1,2})?$/;

/** `a..b`, `a..`, `..b`, `>=a`, `<=b`, `>a`, `<b`, `a`: the two (inclusive) ends as written. */
function range(value: string): { from?: string; to?: string; op?: '>' | '<' } | undefined {
  const dots = value.indexOf('..');
  if (dots >= 0) {
    const from = value.slice(0, dots);
    const to = value.slice(dots + 2);
    if (from === '' && to === '') return undefined;
    return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
  }
  if (value.startsWith('>=')) return { from: value.slice(2) };
  if (value.startsWith('<=')) return { to: value.slice(2) };
  if (value.startsWith('>')) return { from: value.slice(1), op: '>' };
  if (value.startsWith('<')) return { to: value.slice(1), op: '<' };
  if (value.startsWith('=')) return { from: value.slice(1), to: value.slice(1) };
  return { from: value, to: value };
}

function shiftDay(date: string, days: number): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms + days * 86_400_000).toISOString().slice(0, 10);
}

function validDate(d: string): boolean {
  if (!DATE.test(d)) return false;
  const [y, m, day] = d.split('-').map(Number);
  if (m !== undefined && (m < 1 || m > 12)) return false;
  if (day !== undefined) {
    const t = new Date(Date.UTC(y, m - 1, day));
    return t.getUTCDate() === day;
  }
  return true;
}

// --- the parser ----------------------------------------------------------------------------

interface Acc {
  words: string[];
  phrases: string[];
  excluded: string[];
  cveIds: CveId[];
  states: RecordState[];
  assigners: string[];
  vendors: string[];
  products: string[];
  cwes: string[];
  severities: string[];
  years?: { from?: number; to?: number };
  cvssVersion?: CvssVersion;
  scoreMin?: number;
  scoreMax?: number;
  kev?: boolean;
  hasFix?: boolean;
  published?: DateRange;
  updated?: DateRange;
  sort?: SearchSort;
  order?: 'asc' | 'desc';
}

/** A bare word (or a few) that is a CVE name, or several joined by commas. */
function cveNames(text: string): CveId[] | undefined {
  const one = parseCveId(text);
  if (one.ok) return [one.id];
  if (!/(?:cve|can)/i.test(text)) return undefined;
  const matches = findCveIdMatches(text);
  if (matches.length === 0) return undefined;
  let rest = text;
  for (const m of [...matches].reverse()) rest = rest.slice(0, m.index) + rest.slice(m.end);
  return /^[\s,;/|]*$/.test(rest) ? matches.map((m) => m.id) : undefined;
}

/**
 * Parse a query text. Throws {@link QuerySyntaxError} with the column of the mistake.
 *
 * @example
 * parseQuery('vendor:apache cwe:79 kev:yes published:>=2024-01-01 "remote code execution"')
 * // { vendors: ['apache'], cwes: ['CWE-79'], kev: true, published: { from: '2024-01-01' }, phrases: ['remote code execution'] }
 * parseQuery('can-1999-0067') // { cveIds: ['CVE-1999-0067'] }
 */
export function parseQuery(input: string): ParsedQuery {
  if (typeof input !== 'string') throw new QuerySyntaxError('the query must be text', 1);
  if (input.length > MAX_QUERY_LENGTH) {
    throw new QuerySyntaxError(`the query is ${input.length} characters long: at most ${MAX_QUERY_LENGTH} (paste long texts into resolve to find the CVE names in them)`, MAX_QUERY_LENGTH + 1);
  }
  const tokens = tokenize(input);
  const acc: Acc = { words: [], phrases: [], excluded: [], cveIds: [], states: [], assigners: [], vendors: [], products: [], cwes: [], severities: [] };
  const seen = new Map<Field, number>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.field === undefined) {
      if (t.negated) {
        if (t.value.trim() !== '') acc.excluded.push(t.value);
        continue;
      }
      // `CVE 2021 44228`: a prefix word then year and number words.
      if (!t.quoted && /^(?:cve|can)$/i.test(t.value) && i + 2 < tokens.length) {
        const [y, s] = [tokens[i + 1], tokens[i + 2]];
        if (!y.field && !s.field && !y.negated && !s.negated && !y.quoted && !s.quoted) {
          const p = parseCveId(`${t.value}-${y.value}-${s.value}`);
          if (p.ok) {
            acc.cveIds.push(p.id);
            i += 2;
            continue;
          }
        }
      }
      const ids = cveNames(t.value);
      if (ids) acc.cveIds.push(...ids);
      else if (t.quoted) {
        if (t.value.trim() !== '') acc.phrases.push(t.value);
      } else acc.words.push(t.value);
      continue;
    }
    const name = t.field.toLowerCase();
    const field = (FIELDS as Readonly<Record<string, Field>>)[name];
    if (field === undefined) {
      const s = suggest(name);
      throw new QuerySyntaxError(
        `unknown field "${t.field}" at column ${t.column}: ${s ? `did you mean ${s}?` : `the fields are ${FIELD_NAMES.join(', ')}`} (put "${t.text.slice(0, 40)}" in quotes to search for the text)`,
        t.column,
        { field: t.field, ...(s ? { suggestion: s } : {}) },
      );
    }
    field_(acc, field, t, seen);
  }
  return build(acc);
}

function fail(t: Token, what: string, extra = ''): never {
  throw new QuerySyntaxError(`${t.text} at column ${t.column} ${what}${extra ? `: ${extra}` : ''}`, t.column, { field: t.field, value: t.value });
}

function once(seen: Map<Field, number>, f: Field, t: Token): void {
  const prev = seen.get(f);
  if (prev !== undefined) fail(t, `repeats ${f}: (already given at column ${prev})`, 'give one range, e.g. year:2020..2023');
  seen.set(f, t.column);
}

function field_(acc: Acc, f: Field, t: Token, seen: Map<Field, number>): void {
  const v = t.value.trim();
  if (v === '') fail(t, 'has no value', `write ${f}:VALUE`);
  if (t.negated && f !== 'has' && f !== 'kev') fail(t, 'cannot be negated', 'only -has:fix and -kev:yes can');
  const list = (): string[] => v.split(',').map((x) => x.trim()).filter(Boolean);
  switch (f) {
    case 'vendor':
      acc.vendors.push(v);
      return;
    case 'product':
      acc.products.push(v);
      return;
    case 'assigner':
      acc.assigners.push(v);
      return;
    case 'cwe':
      for (const c of list()) {
        const m = /^(?:cwe-?)?(\d{1,6})$/i.exec(c);
        if (!m) fail(t, `is not a CWE id`, 'write cwe:79 or cwe:CWE-79');
        acc.cwes.push(`CWE-${Number(m[1])}`);
      }
      return;
    case 'state':
      for (const s of list()) {
        const st = STATES[s.toLowerCase()];
        if (!st) fail(t, 'is not a record state', 'published, rejected or reserved');
        acc.states.push(st);
      }
      return;
    case 'severity':
      for (const s of list()) {
        if (!SEVERITIES.includes(s.toLowerCase())) fail(t, 'is not a severity', SEVERITIES.join(', '));
        acc.severities.push(s.toUpperCase());
      }
      return;
    case 'kev': {
      once(seen, 'kev', t);
      const yes = YES.has(v.toLowerCase());
      if (!yes && !NO.has(v.toLowerCase())) fail(t, 'is not yes or no');
      acc.kev = t.negated ? !yes : yes;
      return;
    }
    case 'has': {
      const what = v.toLowerCase();
      if (what === 'fix') {
        once(seen, 'has', t);
        acc.hasFix = !t.negated;
      } else if (what === 'kev') {
        once(seen, 'kev', t);
        acc.kev = !t.negated;
      } else fail(t, 'is not something a record can have', 'has:fix or has:kev');
      return;
    }
    case 'year': {
      once(seen, 'year', t);
      const r = range(v);
      const ok = (y: string | undefined): boolean => y === undefined || YEAR.test(y);
      if (!r || r.op || !ok(r.from) || !ok(r.to)) fail(t, 'is not a year', 'write year:2024, year:2020..2023, year:2020.. or year:..2023');
      const from = r.from === undefined ? undefined : Number(r.from);
      const to = r.to === undefined ? undefined : Number(r.to);
      if (from !== undefined && to !== undefined && from > to) fail(t, 'is an empty range', `${from} is after ${to}`);
      acc.years = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
      return;
    }
    case 'score': {
      once(seen, 'score', t);
      const r = range(v);
      const num = (x: string | undefined): number | undefined => (x === undefined ? undefined : NUMBER.test(x) && Number(x) <= 10 ? Number(x) : NaN);
      const from = num(r?.from);
      const to = num(r?.to);
      if (!r || Number.isNaN(from) || Number.isNaN(to)) fail(t, 'is not a CVSS score', 'a number from 0 to 10: score:>=9, score:7..8.9, score:<4');
      // Base scores have one decimal: > 9 is >= 9.1.
      if (from !== undefined) acc.scoreMin = r.op === '>' ? Math.round((from + 0.1) * 10) / 10 : from;
      if (to !== undefined) acc.scoreMax = r.op === '<' ? Math.round((to - 0.1) * 10) / 10 : to;
      if (acc.scoreMin !== undefined && acc.scoreMax !== undefined && acc.scoreMin > acc.scoreMax) fail(t, 'is an empty range');
      return;
    }
    case 'cvss': {
      once(seen, 'cvss', t);
      const c = CVSS[v.toLowerCase().replace(/^(?:cvss:?)?v?/, '')];
      if (!c) fail(t, 'is not a CVSS version', '2.0, 3.0, 3.1 or 4.0');
      acc.cvssVersion = c;
      return;
    }
    case 'published':
    case 'updated': {
      once(seen, f, t);
      const r = range(v);
      if (!r) fail(t, 'is not a date range', `write ${f}:>=2024-01-01 or ${f}:2024-01-01..2024-06-30`);
      let from = r.from;
      let to = r.to;
      for (const d of [from, to]) if (d !== undefined && !validDate(d)) fail(t, 'is not a date', 'YYYY, YYYY-MM or YYYY-MM-DD');
      if (r.op === '>' && from !== undefined) from = shiftDay(from, 1) ?? fail(t, 'needs a full date after >', 'YYYY-MM-DD, or use >=');
      if (r.op === '<' && to !== undefined) to = shiftDay(to, -1) ?? fail(t, 'needs a full date after <', 'YYYY-MM-DD, or use <=');
      if (from !== undefined && to !== undefined && from.slice(0, Math.min(from.length, to.length)) > to.slice(0, Math.min(from.length, to.length))) {
        fail(t, 'is an empty range', `${from} is after ${to}`);
      }
      acc[f] = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
      return;
    }
    case 'sort': {
      once(seen, 'sort', t);
      const s = v.toLowerCase();
      if (!(SEARCH_SORTS as readonly string[]).includes(s)) fail(t, 'is not a sort', SEARCH_SORTS.join(', '));
      acc.sort = s as SearchSort;
      return;
    }
    case 'order': {
      once(seen, 'order', t);
      const o = v.toLowerCase();
      if (o !== 'asc' && o !== 'desc') fail(t, 'is not an order', 'asc or desc');
      acc.order = o;
      return;
    }
  }
}

function build(a: Acc): ParsedQuery {
  const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
  const q: { -readonly [K in keyof ParsedQuery]: ParsedQuery[K] } = {};
  if (a.words.length) q.words = a.words;
  if (a.phrases.length) q.phrases = a.phrases;
  if (a.excluded.length) q.excluded = a.excluded;
  if (a.cveIds.length) q.cveIds = uniq(a.cveIds);
  if (a.states.length) q.states = uniq(a.states);
  if (a.years) q.years = a.years;
  if (a.assigners.length) q.assigners = uniq(a.assigners);
  if (a.vendors.length) q.vendors = uniq(a.vendors);
  if (a.products.length) q.products = uniq(a.products);
  if (a.cwes.length) q.cwes = uniq(a.cwes);
  if (a.cvssVersion) q.cvssVersion = a.cvssVersion;
  if (a.severities.length) q.severities = uniq(a.severities);
  if (a.scoreMin !== undefined) q.scoreMin = a.scoreMin;
  if (a.scoreMax !== undefined) q.scoreMax = a.scoreMax;
  if (a.kev !== undefined) q.kev = a.kev;
  if (a.hasFix !== undefined) q.hasFix = a.hasFix;
  if (a.published) q.published = a.published;
  if (a.updated) q.updated = a.updated;
  if (a.sort) q.sort = a.sort;
  if (a.order) q.order = a.order;
  return q;
}

const quoteIfNeeded = (v: string): string => (/[\s"]/.test(v) || v === '' ? `"${v.replace(/"/g, '')}"` : v);

function rangeText(from: string | number | undefined, to: string | number | undefined): string {
  if (from !== undefined && to !== undefined) return from === to ? String(from) : `${from}..${to}`;
  if (from !== undefined) return `>=${from}`;
  return `<=${to}`;
}

/**
 * The query text for a parsed query (for links such as "narrow to this facet value"):
 * `parseQuery(formatQuery(q))` gives `q` back.
 */
export function formatQuery(q: ParsedQuery): string {
  const out: string[] = [];
  for (const id of q.cveIds ?? []) out.push(id);
  for (const w of q.words ?? []) out.push(/[\s"]/.test(w) ? `"${w.replace(/"/g, '')}"` : w);
  for (const p of q.phrases ?? []) out.push(`"${p.replace(/"/g, '')}"`);
  for (const x of q.excluded ?? []) out.push(`-${quoteIfNeeded(x)}`);
  for (const v of q.vendors ?? []) out.push(`vendor:${quoteIfNeeded(v)}`);
  for (const v of q.products ?? []) out.push(`product:${quoteIfNeeded(v)}`);
  for (const v of q.assigners ?? []) out.push(`assigner:${quoteIfNeeded(v)}`);
  if (q.cwes?.length) out.push(`cwe:${q.cwes.map((c) => c.replace(/^CWE-/i, '')).join(',')}`);
  if (q.states?.length) out.push(`state:${q.states.map((s) => s.toLowerCase()).join(',')}`);
  if (q.years && (q.years.from !== undefined || q.years.to !== undefined)) {
    const { from, to } = q.years;
    out.push(`year:${from !== undefined && to !== undefined ? (from === to ? from : `${from}..${to}`) : from !== undefined ? `${from}..` : `..${to}`}`);
  }
  if (q.severities?.length) out.push(`severity:${q.severities.map((s) => s.toLowerCase()).join(',')}`);
  if (q.scoreMin !== undefined || q.scoreMax !== undefined) out.push(`score:${rangeText(q.scoreMin, q.scoreMax)}`);
  if (q.cvssVersion) out.push(`cvss:${q.cvssVersion}`);
  if (q.kev !== undefined) out.push(`kev:${q.kev ? 'yes' : 'no'}`);
  if (q.hasFix !== undefined) out.push(q.hasFix ? 'has:fix' : '-has:fix');
  if (q.published && (q.published.from || q.published.to)) out.push(`published:${rangeText(q.published.from, q.published.to)}`);
  if (q.updated && (q.updated.from || q.updated.to)) out.push(`updated:${rangeText(q.updated.from, q.updated.to)}`);
  if (q.sort) out.push(`sort:${q.sort}`);
  if (q.order) out.push(`order:${q.order}`);
  return out.join(' ');
}
