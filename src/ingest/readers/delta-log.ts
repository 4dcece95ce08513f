/**
 * @module cvelistV5 `cves/deltaLog.json` (a list of fetches, newest first) and `cves/delta.json`
 * (one fetch): the records they name, read from a checkout or an HTTP base. Each CVE once, at its
 * newest `dateUpdated`; `since` keeps only fetches after it.
 */
import { INPUT_ERROR_CODES, InputError } from './errors.ts';

export interface DeltaChange {
  readonly cveId: string;
  /** `2023/46xxx/CVE-2023-46695.json`, under `cves/`. */
  readonly path: string;
  readonly dateUpdated: string;
  readonly fetchTime: string;
}

export interface DeltaPlan {
  readonly changes: readonly DeltaChange[];
  /** Newest fetchTime in the log. */
  readonly release: string | undefined;
}

const CVE_ID_RE = /^CVE-(\d{4})-(\d{4,})$/;
const RECORD_PATH_RE = /^\d{4}\/\d+xxx\/CVE-\d{4}-\d{4,}\.json$/;

/** `dateUpdated` comes with and without a zone (`…T05:36:44.174711`); zone-less times are UTC. */
function instant(text: string): number {
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
  return Date.parse(zoned);
}

/** Where cvelistV5 keeps a record: `YYYY/Nxxx/CVE-YYYY-N.json` (N thousands of the number). */
export function recordPath(cveId: string): string | undefined {
  const m = CVE_ID_RE.exec(cveId);
  if (!m) return undefined;
  return `${m[1]}/${Math.floor(Number(m[2]) / 1000)}xxx/${cveId}.json`;
}

function pathFromLink(link: unknown): string | undefined {
  if (typeof link !== 'string') return undefined;
  const at = link.lastIndexOf('/cves/');
  if (at === -1) return undefined;
  const path = link.slice(at + '/cves/'.length);
  return RECORD_PATH_RE.test(path) ? path : undefined;
}

function compareIds(a: string, b: string): number {
  const ma = CVE_ID_RE.exec(a);
  const mb = CVE_ID_RE.exec(b);
  if (!ma || !mb) return a < b ? -1 : a > b ? 1 : 0;
  return Number(ma[1]) - Number(mb[1]) || Number(ma[2]) - Number(mb[2]);
}

/** The changes to apply, sorted by CVE ID. Throws `DELTA_LOG_INVALID` when `doc` is not a delta log. */
export function planDeltaLog(doc: unknown, label: string, since: string | undefined): DeltaPlan {
  const fetches = Array.isArray(doc) ? doc : [doc];
  const sinceMs = since === undefined ? Number.NEGATIVE_INFINITY : Date.parse(since);
  const newest = new Map<string, DeltaChange & { readonly at: number; readonly fetchMs: number }>();
  let release: string | undefined;
  let releaseMs = Number.NEGATIVE_INFINITY;
  const invalid = (why: string) => new InputError(INPUT_ERROR_CODES.DELTA_LOG_INVALID, label, `${label} is not a cvelistV5 delta log: ${why}`);
  fetches.forEach((f, i) => {
    if (f === null || typeof f !== 'object' || typeof (f as { fetchTime?: unknown }).fetchTime !== 'string') {
      throw invalid(`fetch ${i} has no fetchTime`);
    }
    const fetch = f as { fetchTime: string; new?: unknown; updated?: unknown };
    const fetchMs = Date.parse(fetch.fetchTime);
    if (Number.isNaN(fetchMs)) throw invalid(`fetch ${i} has fetchTime ${JSON.stringify(fetch.fetchTime)}`);
    if (fetchMs > releaseMs) {
      releaseMs = fetchMs;
      release = fetch.fetchTime;
    }
    if (!(fetchMs > sinceMs)) return;
    for (const list of [fetch.new, fetch.updated]) {
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw invalid(`fetch ${i} (${fetch.fetchTime}) has a new/updated that is not a list`);
      for (const c of list as Array<{ cveId?: unknown; githubLink?: unknown; dateUpdated?: unknown }>) {
        if (typeof c?.cveId !== 'string') continue;
        const cveId = c.cveId.trim().toUpperCase();
        const path = pathFromLink(c.githubLink) ?? recordPath(cveId);
        if (!path) continue;
        const dateUpdated = typeof c.dateUpdated === 'string' ? c.dateUpdated : fetch.fetchTime;
        const at = instant(dateUpdated);
        const seen = newest.get(cveId);
        const atOrFetch = Number.isNaN(at) ? fetchMs : at;
        if (seen && (seen.at > atOrFetch || (seen.at === atOrFetch && seen.fetchMs >= fetchMs))) continue;
        newest.set(cveId, { cveId, path, dateUpdated, fetchTime: fetch.fetchTime, at: atOrFetch, fetchMs });
      }
    }
  });
  const changes = [...newest.values()]
    .sort((a, b) => compareIds(a.cveId, b.cveId))
    .map(({ cveId, path, dateUpdated, fetchTime }) => ({ cveId, path, dateUpdated, fetchTime }));
  return { changes, release };
}
