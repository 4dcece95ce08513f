/**
 * @module The repository's status: counts, sources and the date of the CVE content
 * (X1520-9.1), with "out of date" past three months (X1520-9.2); for each source its content
 * date, last and next sync, counts and last error (X1520-9.3 to 9.5), and the sources this
 * repository knows how to read but has not read yet. A source whose every attempt failed
 * has read nothing: it is listed as not read yet, with its error, not as a source.
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

/** A source cvekit can read, and the command that reads it. */
export interface KnownSource {
  /** The source id, or for record sources the kind (`cve5`) any such source satisfies. */
  readonly id: string;
  readonly kinds: readonly string[];
  readonly label: string;
  readonly command: string;
}

/** The sources of the home page and `cvekit status`, in the order shown. */
export const KNOWN_SOURCES: readonly KnownSource[] = [
  { id: 'cvelistV5', kinds: RECORD_SOURCE_KINDS, label: 'CVE List (CVE JSON 5)', command: 'cvekit sync' },
  { id: 'kev', kinds: ['kev'], label: 'CISA Known Exploited Vulnerabilities', command: 'cvekit kev import' },
  { id: 'cwe', kinds: ['cwe'], label: 'MITRE CWE', command: 'cvekit cwe import' },
  { id: 'nvd', kinds: ['nvd'], label: 'NVD (CVE API 2.0, feeds)', command: 'cvekit sync --source nvd' },
  { id: 'epss', kinds: ['epss'], label: 'FIRST EPSS', command: 'cvekit epss import' },
  { id: 'mitre-legacy', kinds: ['legacy'], label: "MITRE's legacy CVE List (allitems.xml, CVRF, CSV)", command: 'cvekit legacy import' },
];

/** A source nothing was read from yet; `lastError` says why the last attempt failed, if one was made. */
export interface NotImportedSource extends KnownSource {
  readonly lastError?: string;
  readonly nextSyncAt?: string;
}

/** True when a source holds nothing but an error (and perhaps its next attempt): no import of it ever succeeded. */
export function neverImported(s: SourceInfo): boolean {
  return !s.lastSyncAt && !s.contentDate && !s.release && !s.commit && Object.values(s.counts).every((v) => !v);
}

function notImportedSources(sources: readonly SourceInfo[]): NotImportedSource[] {
  const imported = sources.filter((s) => !neverImported(s));
  const failed = new Map(sources.filter(neverImported).map((s) => [s.id, s]));
  const attempt = (k: KnownSource): NotImportedSource => {
    const s = failed.get(k.id);
    failed.delete(k.id);
    return { ...k, ...(s?.lastError ? { lastError: s.lastError } : {}), ...(s?.nextSyncAt ? { nextSyncAt: s.nextSyncAt } : {}) };
  };
  const list = KNOWN_SOURCES.filter((k) => !imported.some((s) => k.kinds.includes(s.kind))).map(attempt);
  // Failed sources not in that list: a known one another source stands for (the sample for
  // the CVE List), or one named by the user (`cvekit import --source mine`).
  for (const s of [...failed.values()]) {
    const isRecords = (RECORD_SOURCE_KINDS as readonly string[]).includes(s.kind);
    const known = KNOWN_SOURCES.find((k) => k.id === s.id) ?? {
      id: s.id,
      kinds: [s.kind],
      label: s.description ?? s.id,
      command: isRecords ? 'cvekit import' : (KNOWN_SOURCES.find((k) => k.kinds.includes(s.kind))?.command ?? 'cvekit import'),
    };
    list.push(attempt(known));
  }
  return list;
}

export interface RepositoryStatus {
  readonly store: { readonly kind: string; readonly location: string };
  readonly counts: RecordCounts;
  /** Newest content date over the record sources: the date of the CVE content (X1520-9.1). */
  readonly contentDate?: string;
  readonly contentSource?: string;
  readonly outOfDate: boolean;
  /** Sources something was read from. */
  readonly sources: readonly SourceStatus[];
  /**
   * Known sources nothing was read from yet (shown as "not imported yet" with the command),
   * and sources whose every attempt failed, with the last error.
   */
  readonly notImported: readonly NotImportedSource[];
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
    sources: sources.filter((s) => !neverImported(s)).map((s) => ({ ...s, outOfDate: isOutOfDate(s.contentDate, now) })),
    notImported: notImportedSources(sources),
    generatedAt: now.toISOString(),
  };
}

