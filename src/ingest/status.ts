/**
 * @module The repository's status: counts, sources and the date of the CVE content
 * (X1520-9.1), with "out of date" past three months (X1520-9.2).
 */
import type { RecordCounts, SourceInfo, Store } from '../store/index.ts';

/** Sources that carry CVE records (as opposed to enrichment such as KEV or CWE). */
export const RECORD_SOURCE_KINDS = ['cve5', 'sample', 'cna'] as const;

/** X1520-9.2: content more than three calendar months older than `now` is out of date. */
export function isOutOfDate(contentDate: string | undefined, now: Date): boolean {
  if (!contentDate) return true;
  const d = new Date(contentDate);
  if (Number.isNaN(d.getTime())) return true;
  const limit = new Date(d);
  limit.setUTCMonth(limit.getUTCMonth() + 3);
  return limit.getTime() < now.getTime();
}

export interface SourceStatus extends SourceInfo {
  readonly outOfDate: boolean;
}

export interface RepositoryStatus {
  readonly store: { readonly kind: string; readonly location: string };
  readonly counts: RecordCounts;
  /** Newest content date over the record sources: the date of the CVE content (X1520-9.1). */
  readonly contentDate?: string;
  readonly contentSource?: string;
  readonly outOfDate: boolean;
  readonly sources: readonly SourceStatus[];
  readonly generatedAt: string;
}

export async function repositoryStatus(store: Store, now = new Date()): Promise<RepositoryStatus> {
  const [counts, sources] = await Promise.all([store.counts(), store.listSources()]);
  let newest: SourceInfo | undefined;
  for (const s of sources) {
    if (!(RECORD_SOURCE_KINDS as readonly string[]).includes(s.kind) || !s.contentDate) continue;
    if (!newest || (newest.contentDate ?? '') < s.contentDate) newest = s;
  }
  return {
    store: { kind: store.kind, location: store.location },
    counts,
    contentDate: newest?.contentDate,
    contentSource: newest?.id,
    outOfDate: isOutOfDate(newest?.contentDate, now),
    sources: sources.map((s) => ({ ...s, outOfDate: isOutOfDate(s.contentDate, now) })),
    generatedAt: now.toISOString(),
  };
}

/** "CVE content as of 2025-01-24 14:00Z (source cvelistV5, release …)" for pages and reports. */
export function contentDateLine(status: Pick<RepositoryStatus, 'contentDate' | 'contentSource' | 'outOfDate' | 'sources'>): string {
  if (!status.contentDate) return 'No CVE content imported yet';
  const src = status.sources.find((s) => s.id === status.contentSource);
  const when = status.contentDate.replace(/:\d\d(\.\d+)?Z$/, 'Z').replace('T', ' ');
  const release = src?.release ? `, release ${src.release}` : '';
  return `CVE content as of ${when} (source ${status.contentSource}${release})${status.outOfDate ? ' — out of date: older than three months' : ''}`;
}
