/**
 * @module What both backends derive from one write: the current-record row, the
 * index rows (affected, CWE, metrics, replacements) and the full-text
 * document. Pure; one definition so SQLite and PostgreSQL store the same meaning.
 * @internal
 */
import type { RecordSummary } from '../cve/index.ts';
import { StoreError } from './errors.ts';
import type { RecordWrite, WriteOutcome } from './types.ts';

const ID_RE = /^CVE-(\d{4})-(\d{4,})$/;
/** Numbers above this would not fit the integer sort key; none exist (the largest are 7 digits). */
const MAX_ID_NUMBER = 10_000_000_000;

/**
 * A stable integer for a CVE name that sorts like (year, number): the `id_key`
 * column, used for id-ordered iteration and as the SQLite FTS rowid.
 */
export function idKey(cveId: string): number {
  const m = ID_RE.exec(cveId);
  const num = m ? Number(m[2]) : NaN;
  if (!m || !(num < MAX_ID_NUMBER)) {
    throw new StoreError('BAD_CVE_ID', `not a storable CVE name: ${JSON.stringify(cveId)}`, { cveId });
  }
  return Number(m[1]) * MAX_ID_NUMBER + num;
}

export function idYear(cveId: string): number {
  return Number(cveId.slice(4, 8));
}

const SEVERITY_RANK: Readonly<Record<string, number>> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

/** The row of the current-record table (everything but version bookkeeping). */
export interface CurrentRow {
  readonly cveId: string;
  readonly idKey: number;
  readonly year: number;
  readonly state: string;
  readonly dataVersion: string;
  readonly hash: string;
  readonly dateUpdated: string;
  readonly datePublished: string | null;
  readonly dateReserved: string | null;
  readonly dateRejected: string | null;
  readonly datePublic: string | null;
  readonly assignerOrgId: string;
  readonly assignerShortName: string | null;
  readonly title: string | null;
  readonly description: string;
  readonly cvssScore: number | null;
  readonly cvssSeverity: string | null;
  /** The record itself says it is in KEV (CISA ADP `other.type: kev`). */
  readonly kevAdp: boolean;
  readonly source: string;
  /** A fix is known (see {@link hasFix}): the search filter `has:fix`. */
  readonly hasFix: boolean;
}

const FIX_TAGS: ReadonlySet<string> = new Set(['patch', 'vendor-advisory']);

/**
 * A fix is known: a reference tagged `patch` or `vendor-advisory`, or an affected entry
 * with a version, or a version change, whose status is `unaffected` (fixed in).
 */
export function hasFix(s: RecordSummary): boolean {
  if (s.references.some((r) => r.tags.some((t) => FIX_TAGS.has(t)))) return true;
  return s.affected.some((a) => a.versions.some((v) => v.status === 'unaffected' || (Array.isArray(v.changes) ? v.changes : []).some((c) => c.status === 'unaffected')));
}

/** The columns of {@link CurrentRow} that come from the summary alone. */
export type SummaryColumns = Omit<CurrentRow, 'cveId' | 'idKey' | 'year' | 'hash' | 'dateUpdated' | 'source'>;

export function summaryColumns(s: RecordSummary): SummaryColumns {
  let score: number | null = null;
  let severity: string | null = null;
  for (const m of s.metrics) {
    const better =
      score === null ||
      m.baseScore > score ||
      (m.baseScore === score && (SEVERITY_RANK[m.baseSeverity] ?? -1) > (SEVERITY_RANK[severity ?? ''] ?? -1));
    if (better) {
      score = m.baseScore;
      severity = m.baseSeverity;
    }
  }
  return {
    state: s.state,
    dataVersion: s.dataVersion,
    datePublished: s.dates.published ?? null,
    dateReserved: s.dates.reserved ?? null,
    dateRejected: s.dates.rejected ?? null,
    datePublic: s.dates.public ?? null,
    assignerOrgId: s.assignerOrgId,
    assignerShortName: s.assignerShortName ?? null,
    title: s.title ?? null,
    description: s.description,
    cvssScore: score,
    cvssSeverity: severity,
    kevAdp: s.kev !== undefined,
    hasFix: hasFix(s),
  };
}

export function currentRow(w: RecordWrite): CurrentRow {
  return {
    cveId: w.cveId,
    idKey: idKey(w.cveId),
    year: idYear(w.cveId),
    hash: w.hash,
    dateUpdated: w.dateUpdated,
    source: w.source,
    ...(w.rows?.current ?? summaryColumns(w.summary)),
  };
}

export interface AffectedRow {
  readonly source: string;
  readonly vendor: string;
  readonly product: string;
  readonly vendorLc: string;
  readonly productLc: string;
  readonly packageName: string | null;
  readonly collectionUrl: string | null;
  readonly defaultStatus: string | null;
  /** JSON array of CPE names. */
  readonly cpes: string;
}

export interface MetricRow {
  readonly source: string;
  readonly cvssVersion: string;
  readonly score: number;
  readonly severity: string;
  readonly vector: string;
}

export interface ReplacementRow {
  readonly kind: string;
  readonly target: string;
  readonly origin: string;
}

/** The text columns of the full-text index, weighted in that order (title highest). */
export interface FtsDoc {
  readonly title: string;
  readonly products: string;
  readonly description: string;
  /** The CVE name itself, assigner, CWE ids. */
  readonly keywords: string;
  readonly refs: string;
}

export interface DerivedRows {
  readonly affected: readonly AffectedRow[];
  readonly cwes: readonly string[];
  readonly metrics: readonly MetricRow[];
  readonly replacements: readonly ReplacementRow[];
  readonly fts: FtsDoc;
}

const lower = (text: string): string => text.toLowerCase();

/**
 * Everything the stores derive from a write's summary, computed once ahead of the write
 * (an import computes it on its worker thread, so the thread that writes does not):
 * `RecordWrite.rows`. Must be exactly `summaryRows(cveId, summary)`.
 */
export interface SummaryRows {
  readonly current: SummaryColumns;
  readonly derived: DerivedRows;
}

export function summaryRows(cveId: string, s: RecordSummary): SummaryRows {
  return { current: summaryColumns(s), derived: derivedRows(cveId, s) };
}

/** A write's derived rows: the precomputed ones when it carries them. */
export function writeDerivedRows(w: RecordWrite): DerivedRows {
  return w.rows?.derived ?? derivedRows(w.cveId, w.summary);
}

/** A write's record state, without touching its summary when the rows say it. */
export function writeState(w: RecordWrite): string {
  return w.rows?.current.state ?? w.summary.state;
}

export function derivedRows(cveId: string, s: RecordSummary): DerivedRows {
  const affected = s.affected.map(
    (a): AffectedRow => ({
      source: a.source,
      vendor: a.vendor,
      product: a.product,
      vendorLc: lower(a.vendor),
      productLc: lower(a.product),
      packageName: a.packageName ?? null,
      collectionUrl: a.collectionURL ?? null,
      defaultStatus: a.defaultStatus ?? null,
      cpes: JSON.stringify(a.cpes),
    }),
  );
  const cwes = [...new Set(s.cweIds)];
  const metrics = s.metrics.map(
    (m): MetricRow => ({ source: m.source, cvssVersion: m.version, score: m.baseScore, severity: m.baseSeverity, vector: m.vectorString }),
  );
  const seenEdge = new Set<string>();
  const replacements: ReplacementRow[] = [];
  for (const r of s.replacements) {
    const key = `${r.kind} ${r.target}`;
    if (seenEdge.has(key)) continue;
    seenEdge.add(key);
    replacements.push({ kind: r.kind, target: r.target, origin: r.from });
  }
  const names = new Set<string>();
  for (const a of s.affected) {
    for (const n of [a.vendor, a.product, a.packageName]) if (n && n !== 'n/a') names.add(n);
  }
  const fts: FtsDoc = {
    title: s.title ?? '',
    products: [...names].join(' '),
    description: s.description,
    keywords: [cveId, s.assignerShortName ?? '', ...cwes].filter(Boolean).join(' '),
    // URLs split into words so `log4j2` finds …/logging-log4j2 on both backends.
    refs: [...new Set(s.references.map((r) => r.url))].join(' ').replace(/[^\p{L}\p{N}]+/gu, ' '),
  };
  return { affected, cwes, metrics, replacements, fts };
}

/** The current version's facts a write is decided against. */
export interface CurrentState {
  readonly version: number;
  readonly lastVersion: number;
  readonly hash: string;
  readonly dateUpdated: string;
  readonly source: string;
  /** Version that already has the write's hash, if any. */
  readonly sameHashVersion: number | null;
}

function dateNotOlder(candidate: string, current: string): boolean {
  const a = Date.parse(candidate);
  const b = Date.parse(current);
  if (Number.isNaN(a) || Number.isNaN(b)) return candidate >= current;
  return a >= b;
}

/**
 * The writeBatch rule, shared by both backends. `current` undefined: no record yet.
 * Local records (source `cna:…`) are never replaced by an upstream write unless forced.
 */
export function decide(w: RecordWrite, current: CurrentState | undefined): WriteOutcome {
  if (!current) return 'added';
  if (current.sameHashVersion !== null) return 'unchanged';
  if (w.force) return 'updated';
  if (current.source.startsWith('cna:') && !w.source.startsWith('cna:')) return 'protected';
  return dateNotOlder(w.dateUpdated, current.dateUpdated) ? 'updated' : 'older';
}

/** Distinct ids or a clear error before anything is written. */
export function checkDistinct(writes: readonly RecordWrite[]): void {
  const seen = new Set<string>();
  for (const w of writes) {
    if (seen.has(w.cveId)) {
      throw new StoreError('BATCH_DUPLICATE_ID', `writeBatch: ${w.cveId} appears twice in one batch; nothing was written`, {
        cveId: w.cveId,
      });
    }
    seen.add(w.cveId);
    idKey(w.cveId);
  }
}

/** Per-source statistics a batch adds: newest content date and outcome counts. */
export interface SourceDelta {
  contentDate: string;
  counts: Record<string, number>;
}

export function sourceDeltas(writes: readonly RecordWrite[], outcomes: readonly WriteOutcome[]): Map<string, SourceDelta> {
  const out = new Map<string, SourceDelta>();
  writes.forEach((w, i) => {
    let d = out.get(w.source);
    if (!d) {
      d = { contentDate: w.dateUpdated, counts: {} };
      out.set(w.source, d);
    } else if (!dateNotOlder(d.contentDate, w.dateUpdated)) {
      d.contentDate = w.dateUpdated;
    }
    const o = outcomes[i];
    d.counts[o] = (d.counts[o] ?? 0) + 1;
  });
  return out;
}

/** The later of two content dates (either may be missing). */
export function laterDate(a: string | null | undefined, b: string): string {
  if (!a) return b;
  return dateNotOlder(a, b) ? a : b;
}

/**
 * A job's totals after a batch: the checkpoint's counts (totals before the batch) plus
 * one per outcome and one `rejected` per REJECTED record that became current.
 */
export function jobCounts(
  checkpoint: { readonly counts: Readonly<Record<string, number>> },
  writes: readonly RecordWrite[],
  outcomes: readonly WriteOutcome[],
): Record<string, number> {
  const out: Record<string, number> = { ...checkpoint.counts };
  outcomes.forEach((o, i) => {
    out[o] = (out[o] ?? 0) + 1;
    if ((o === 'added' || o === 'updated') && writeState(writes[i]) === 'REJECTED') out.rejected = (out.rejected ?? 0) + 1;
  });
  return out;
}

export function addCounts(base: Readonly<Record<string, number>>, delta: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = { ...base };
  for (const [k, v] of Object.entries(delta)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function parseCounts(text: string | null | undefined): Record<string, number> {
  if (!text) return {};
  const v: unknown = JSON.parse(text);
  return v && typeof v === 'object' ? (v as Record<string, number>) : {};
}

export const nowIso = (): string => new Date().toISOString();

/** Text without NUL, which PostgreSQL text cannot hold: U+FFFD in its place, as `withoutNul` does. */
export const noNul = (s: string): string => (s.includes('\u0000') ? s.replaceAll('\u0000', '\ufffd') : s);

/**
 * PostgreSQL text cannot hold NUL (U+0000). The record JSON keeps it escaped (`\u0000`),
 * which is fine; the derived text columns (title, description, vendor…) would carry the
 * raw character, so there it becomes U+FFFD. Only records whose JSON has the escape pay.
 */
export function withoutNul<W extends { readonly json: string; readonly summary: RecordSummary; readonly rows?: SummaryRows }>(w: W): W {
  if (!w.json.includes('\\u0000')) return w;
  const summary = JSON.parse(JSON.stringify(w.summary).replaceAll('\\u0000', '\\ufffd')) as RecordSummary;
  // Precomputed rows were made from the summary with NUL: the store computes them again.
  return { ...w, summary, rows: undefined };
}
