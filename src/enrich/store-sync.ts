/**
 * @module `cvekit sync --source nvd`: incremental sync with the NVD CVE API 2.0 into the
 * repository. The client (`nvd-client.ts`) plans 120-day `lastMod` windows, pages at 2,000,
 * honours the rate limits and retries 403/429/5xx/timeouts; here each page's records and the
 * cursor after it are written in ONE transaction, so a crash or `kill -9` resumes at the
 * first page not stored, and a finished run's `until` is where the next one starts: a sync
 * after days of downtime reads every window in between.
 */
import type { CveId } from '../cve/index.ts';
import { acquireLease, type NvdRecordWrite, type Store } from '../store/index.ts';
import type { RecordIssue } from './errors.ts';
import { MappingChecker, recheckMappingIssues } from './mapping.ts';
import { NvdClientError, parseNvdCursor, resumeOrNext, startNvdSync, syncNvdCves, NVD_CVE_API_URL } from './nvd-client.ts';
import type { NvdClientOptions, NvdRetryInfo, NvdSyncCursor } from './nvd-client.ts';
import { ENRICH_SOURCE_IDS, nvdSubject, nvdWrite } from './store-import.ts';

/** The `meta` key of the sync cursor. */
export const NVD_CURSOR_KEY = 'sync:nvd:cves';

export interface NvdSyncOptions extends Omit<NvdClientOptions, 'onRetry'> {
  /** Where the first sync starts when nothing was synced or imported before (ISO 8601). */
  readonly since?: string;
  readonly now?: () => Date;
  readonly nextSyncAt?: string;
  readonly onRetry?: (info: NvdRetryInfo) => void;
  readonly onPage?: (info: { readonly window: { start: string; end: string }; readonly startIndex: number; readonly records: number; readonly totalResults?: number }) => void;
}

export interface NvdSyncReport {
  readonly from: string;
  readonly resumed: boolean;
  readonly windowStart: string;
  readonly until: string;
  readonly pages: number;
  readonly counts: { readonly read: number; readonly added: number; readonly updated: number; readonly unchanged: number; readonly older: number; readonly skipped: number };
  readonly issues: readonly RecordIssue[];
  readonly mapping: { readonly found: number; readonly resolved: number };
  readonly retries: number;
  readonly cursor: NvdSyncCursor;
}

export class NvdSyncError extends Error {
  override readonly name = 'NvdSyncError';
  readonly code: 'NVD_SYNC_NO_START' | 'NVD_SYNC_FAILED';
  constructor(code: NvdSyncError['code'], message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

/** Where this run starts: the saved cursor (resumed, or the next run after a finished one), else `since`, else the newest NVD content seen. */
async function startCursor(store: Store, opts: NvdSyncOptions, now: Date): Promise<{ cursor: NvdSyncCursor; resumed: boolean }> {
  const saved = await store.getMeta(NVD_CURSOR_KEY);
  if (saved !== undefined) {
    const cursor = parseNvdCursor(JSON.parse(saved));
    return { cursor: resumeOrNext(cursor, now), resumed: !cursor.done };
  }
  const since = opts.since ?? (await store.getSource(ENRICH_SOURCE_IDS.nvd))?.contentDate;
  if (!since) {
    throw new NvdSyncError(
      'NVD_SYNC_NO_START',
      'nothing to start from: import the NVD 2.0 feeds first (cvekit nvd import nvdcve-2.0-YYYY.json.gz), or give --since DATE',
    );
  }
  return { cursor: startNvdSync(since, now), resumed: false };
}

/**
 * One sync run: every page of every window from the cursor up to now, each stored with the
 * cursor after it. One run per store at a time: another one, on any host, gets
 * `LeaseHeldError` naming it.
 */
export async function syncNvd(store: Store, opts: NvdSyncOptions = {}): Promise<NvdSyncReport> {
  const lease = await acquireLease(store, `sync:${ENRICH_SOURCE_IDS.nvd}`, { what: 'cvekit sync --source nvd' });
  try {
    return await syncNvdHeld(store, opts);
  } finally {
    await lease.release();
  }
}

async function syncNvdHeld(store: Store, opts: NvdSyncOptions): Promise<NvdSyncReport> {
  const now = opts.now ?? (() => new Date());
  const source = { id: ENRICH_SOURCE_IDS.nvd, kind: 'nvd' };
  const from = opts.baseUrl ?? NVD_CVE_API_URL;
  let retries = 0;
  let lastRetry = '';
  const counts = { read: 0, added: 0, updated: 0, unchanged: 0, older: 0, skipped: 0 };
  const issues: RecordIssue[] = [];
  const mapping = new MappingChecker(store, source.id);
  let pages = 0;
  let contentDate: string | undefined;
  try {
    const { cursor: start, resumed } = await startCursor(store, opts, now());
    let cursor = start;
    for await (const page of syncNvdCves(start, {
      ...opts,
      onRetry: (info) => {
        retries++;
        lastRetry = info.reason;
        opts.onRetry?.(info);
      },
    })) {
      pages++;
      const origin = `${from} ${page.window.start}..${page.window.end} startIndex ${page.startIndex}`;
      // One write per CVE name in a transaction: a name twice on a page splits the page, the cursor goes with the last part.
      const parts: NvdRecordWrite[][] = [[]];
      let seen = new Set<CveId>();
      for (const r of page.records) {
        if (seen.has(r.cveId)) {
          parts.push([]);
          seen = new Set();
        }
        seen.add(r.cveId);
        parts[parts.length - 1].push(nvdWrite(r, origin));
        if (!contentDate || Date.parse(r.lastModified) > Date.parse(contentDate)) contentDate = r.lastModified;
      }
      for (let i = 0; i < parts.length; i++) {
        const last = i === parts.length - 1;
        const outcomes = await store.enrich.writeNvdRecords(parts[i], last ? { key: NVD_CURSOR_KEY, value: JSON.stringify(page.cursor) } : undefined);
        for (const o of outcomes) counts[o]++;
      }
      counts.read += page.records.length;
      for (const issue of page.issues) {
        if (issue.severity === 'error') counts.skipped++;
        if (issues.length < 200) issues.push(issue);
      }
      await mapping.check(page.records.map((r, i) => nvdSubject(r, `${origin} [${i}]`)), now().toISOString());
      opts.onPage?.({ window: page.window, startIndex: page.startIndex, records: page.records.length, ...(page.envelope.totalResults !== undefined ? { totalResults: page.envelope.totalResults } : {}) });
      cursor = page.cursor;
    }
    if (pages === 0) await store.setMeta(NVD_CURSOR_KEY, JSON.stringify(cursor));
    const resolved = await recheckMappingIssues(store, source.id);
    const previous = await store.getSource(source.id);
    const date = !previous?.contentDate || (contentDate && Date.parse(contentDate) > Date.parse(previous.contentDate)) ? contentDate : previous.contentDate;
    const c = await store.enrich.counts();
    await store.upsertSource({
      ...source,
      description: 'NVD: CVE API 2.0 answers and JSON feeds (analysis status, CVSS, CWE, CPE applicability)',
      location: from,
      lastSyncAt: now().toISOString(),
      ...(date ? { contentDate: date } : {}),
      release: 'NVD CVE API 2.0',
      ...(opts.nextSyncAt ? { nextSyncAt: opts.nextSyncAt } : {}),
      lastError: '',
      counts: {
        records: c.nvdRecords,
        versions: c.nvdVersions,
        changes: c.nvdChanges,
        mappingIssues: (await store.enrich.listMappingIssues({ source: source.id, status: 'open', limit: 1 })).total,
        lastRunPages: pages,
        lastRunRetries: retries,
      },
    });
    return {
      from,
      resumed,
      windowStart: start.windowStart,
      until: cursor.until,
      pages,
      counts,
      issues,
      mapping: { found: mapping.found, resolved },
      retries,
      cursor,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const where = err instanceof NvdClientError && err.cursor ? ` (will resume at ${err.cursor.windowStart} startIndex ${err.cursor.startIndex})` : '';
    await store
      .upsertSource({ ...source, location: from, lastError: `${now().toISOString()} ${message}${where}${lastRetry && !message.includes(lastRetry) ? `; last retry: ${lastRetry}` : ''}`.slice(0, 2000), ...(opts.nextSyncAt ? { nextSyncAt: opts.nextSyncAt } : {}) })
      .catch(() => undefined);
    throw err;
  }
}
