/**
 * @module Keeps the CVE List current from cvelistV5 releases: one baseline, then deltas.
 *
 * cvelistV5 publishes a baseline every midnight (`YYYY-MM-DD_all_CVEs_at_midnight.zip`),
 * hourly deltas (`YYYY-MM-DD_delta_CVEs_at_HHMMZ.zip`) and a day's cumulative delta
 * (`YYYY-MM-DD_delta_CVEs_at_end_of_day.zip`). A missed hour is a gap: it is healed from
 * that day's end-of-day delta or the next baseline, which is reconciled against the store.
 * A cvelistV5 checkout is synced through its `cves/deltaLog.json` instead.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { CveIdSet } from '../cve/index.ts';
import { acquireLease, type Store } from '../store/index.ts';
import { fetchJson, type ReaderOptions } from './readers/index.ts';
import { CVE_LIST_SOURCE, importFrom, type ImportProgress, type ImportSummary, type RecordOutcome } from './import.ts';

const HOUR = 3_600_000;

export type AssetKind = 'baseline' | 'delta' | 'day-delta';

export interface ReleaseAsset {
  readonly name: string;
  /** Path or URL. */
  readonly location: string;
  readonly kind: AssetKind;
  /** The moment the asset is complete up to (UTC). */
  readonly time: string;
}

const ASSET_NAME = /^(\d{4}-\d{2}-\d{2})_(all_CVEs_at_midnight|delta_CVEs_at_(\d{2})(\d{2})Z|delta_CVEs_at_end_of_day)\.zip$/;

/** Reads a cvelistV5 release asset name; undefined for other files. */
export function parseAssetName(name: string, location: string): ReleaseAsset | undefined {
  const m = ASSET_NAME.exec(name);
  if (!m) return undefined;
  const day = Date.parse(`${m[1]}T00:00:00Z`);
  if (Number.isNaN(day)) return undefined;
  if (m[2] === 'all_CVEs_at_midnight') return { name, location, kind: 'baseline', time: new Date(day).toISOString() };
  if (m[2] === 'delta_CVEs_at_end_of_day') return { name, location, kind: 'day-delta', time: new Date(day + 24 * HOUR).toISOString() };
  const t = day + Number(m[3]) * HOUR + Number(m[4]) * 60_000;
  return { name, location, kind: 'delta', time: new Date(t).toISOString() };
}

/** `15m`, `1h`, `2d`, `30s` → milliseconds. */
export function parseInterval(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) throw new Error(`interval must look like 30s, 15m, 1h or 1d, got "${text}"`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: HOUR, d: 24 * HOUR }[m[2] as 's' | 'm' | 'h' | 'd'];
}

interface GithubAsset {
  readonly name?: unknown;
  readonly browser_download_url?: unknown;
}

/** Release assets from a folder of zips or a GitHub releases API answer (array of releases, or one). */
export async function listReleaseAssets(from: string, reader?: ReaderOptions): Promise<ReleaseAsset[]> {
  const assets: ReleaseAsset[] = [];
  if (/^https?:\/\//i.test(from)) {
    const body = await fetchJson(from, reader);
    const releases = Array.isArray(body) ? body : [body];
    for (const rel of releases) {
      const list = (rel as { assets?: unknown } | null)?.assets;
      if (!Array.isArray(list)) continue;
      for (const a of list as GithubAsset[]) {
        if (typeof a.name !== 'string' || typeof a.browser_download_url !== 'string') continue;
        const asset = parseAssetName(a.name, new URL(a.browser_download_url, from).href);
        if (asset) assets.push(asset);
      }
    }
    if (assets.length === 0) throw new Error(`${from} lists no cvelistV5 release assets (expected a GitHub releases API answer with *_all_CVEs_at_midnight.zip / *_delta_CVEs_at_*.zip assets)`);
  } else {
    for (const name of readdirSync(from)) {
      const asset = parseAssetName(name, join(from, name));
      if (asset) assets.push(asset);
    }
    if (assets.length === 0) throw new Error(`folder ${from} holds no cvelistV5 release zips (YYYY-MM-DD_all_CVEs_at_midnight.zip, YYYY-MM-DD_delta_CVEs_at_HHMMZ.zip)`);
  }
  const order: Record<AssetKind, number> = { baseline: 0, delta: 1, 'day-delta': 2 };
  return assets.sort((a, b) => a.time.localeCompare(b.time) || order[a.kind] - order[b.kind]);
}

/** What a sync remembers per `--from`, saved in the store. */
interface SyncState {
  /** Name of the last baseline applied. */
  baseline?: string;
  /** Time the repository is complete up to, from the releases applied. */
  upTo?: string;
  /** Names of assets applied after the baseline (bounded). */
  applied: string[];
  /** Start of a gap not yet healed. */
  gapSince?: string;
  /** Checkout mode: newest deltaLog fetchTime applied. */
  fetchTime?: string;
}

export interface SyncStep {
  readonly asset: string;
  readonly kind: AssetKind | 'checkout' | 'delta-log';
  readonly summary?: ImportSummary;
  readonly note?: string;
}

export interface Reconciliation {
  readonly baseline: string;
  /**
   * The first sync's baseline (or whole checkout) filled a store that held none of its
   * records: nothing to reconcile, so nothing is counted as healed. A first sync into a store
   * that already held them (imported with `cvekit import`, or synced from another location)
   * reconciles like any later baseline.
   */
  readonly first: boolean;
  readonly inBaseline: number;
  readonly inStore: number;
  /** Records the store had whose content differed from the baseline and were brought in line (0 on the first sync). */
  readonly healed: number;
  /** Records of the baseline the store did not have. */
  readonly added: number;
  /** Records whose current version in the store is the baseline's. */
  readonly unchanged: number;
  /**
   * Records whose baseline version did not become current: the store's is newer (a delta
   * after the baseline was cut, a checkout file reset to an older commit) or owned locally
   * (published by this CNA). The baseline's version is kept in history.
   */
  readonly keptInHistory: number;
  /**
   * Records an interrupted run of this sync read before it stopped (0 unless this run resumed
   * it). They count in `inBaseline`, `healed`, `added` and `quarantined`; `unchanged` and
   * `keptInHistory` cover only the records read after the resume.
   */
  readonly readBeforeResume: number;
  /** Baseline entries that could not be stored (see `cvekit quarantine list`). */
  readonly quarantined: number;
  /** Current records of the CVE List source that the baseline does not have. */
  readonly missingFromBaseline: number;
  /** Their CVE names, in store order: the first {@link MISSING_LISTED}. */
  readonly missingSample: readonly string[];
}

/** How many names of records missing from a baseline a report carries. */
const MISSING_LISTED = 1000;

export interface SyncReport {
  readonly from: string;
  readonly mode: 'releases' | 'checkout';
  readonly message: string;
  readonly steps: readonly SyncStep[];
  readonly warnings: readonly string[];
  readonly reconcile?: Reconciliation;
  readonly upTo?: string;
}

export interface SyncOptions {
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  readonly reader?: ReaderOptions;
  readonly nextSyncAt?: string;
  readonly onProgress?: (p: ImportProgress & { readonly label: string }) => void;
  readonly batchSize?: number;
}

const MAX_APPLIED = 200;

function stateKey(from: string): string {
  return `sync:${/^https?:\/\//i.test(from) ? from : resolve(from)}`;
}

async function loadState(store: Store, from: string): Promise<SyncState> {
  const raw = await store.getMeta(stateKey(from));
  return raw ? { applied: [], ...(JSON.parse(raw) as Partial<SyncState>) } : { applied: [] };
}

async function saveState(store: Store, from: string, state: SyncState): Promise<void> {
  state.applied = state.applied.slice(-MAX_APPLIED);
  await store.setMeta(stateKey(from), JSON.stringify(state));
}

function isCheckout(from: string): boolean {
  return !/^https?:\/\//i.test(from) && existsSync(join(from, 'cves')) && statSync(join(from, 'cves')).isDirectory();
}

/**
 * One sync pass: whatever is new at `from` is applied, in order. A pass that fails is kept
 * as the CVE List source's last error (what `cvekit status` shows), with the next sync time
 * when one is planned; a pass that succeeds clears it.
 */
export async function syncOnce(store: Store, from: string, opts: SyncOptions = {}): Promise<SyncReport> {
  // One sync of the CVE List per store at a time, from whatever location: two would apply
  // the same deltas twice and race on the sync position.
  const lease = await acquireLease(store, `sync:${CVE_LIST_SOURCE}`, { what: `cvekit sync --from ${from.replace(/\/\/[^/@]*@/, '//***@')}` });
  try {
    return await syncHeld(store, from, opts);
  } finally {
    await lease.release();
  }
}

async function syncHeld(store: Store, from: string, opts: SyncOptions): Promise<SyncReport> {
  let report: SyncReport;
  try {
    report = isCheckout(from) ? await syncCheckout(store, from, opts) : await syncReleases(store, from, opts);
  } catch (err) {
    const message = `${new Date().toISOString()} sync from ${from}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 2000);
    await store.upsertSource({ id: CVE_LIST_SOURCE, kind: 'cve5', lastError: message, nextSyncAt: opts.nextSyncAt ?? '' }).catch(() => undefined);
    throw err;
  }
  await store.upsertSource({ id: CVE_LIST_SOURCE, kind: 'cve5', lastSyncAt: new Date().toISOString(), nextSyncAt: opts.nextSyncAt ?? '', lastError: '' });
  return report;
}

async function applyAsset(
  store: Store,
  location: string,
  label: string,
  opts: SyncOptions,
  extra: { readonly onRecord?: (cveId: string, outcome: RecordOutcome) => void; readonly base?: string; readonly since?: string } = {},
): Promise<ImportSummary> {
  return importFrom(store, location, {
    source: CVE_LIST_SOURCE,
    sourceDescription: 'CVE List (cvelistV5)',
    logger: opts.logger,
    signal: opts.signal,
    batchSize: opts.batchSize,
    reader: { ...opts.reader, base: extra.base ?? opts.reader?.base, since: extra.since },
    onRecord: extra.onRecord,
    onProgress: opts.onProgress ? (p) => opts.onProgress?.({ ...p, label }) : undefined,
  });
}

/**
 * Import a full baseline and compare it with the store: counts and content hashes.
 * `firstSync`: no baseline was taken from this location before. When it also finds none of
 * its records in the store it fills the store; otherwise it heals, by updating the records
 * the store had that differed from it.
 */
async function applyBaseline(store: Store, location: string, name: string, firstSync: boolean, opts: SyncOptions): Promise<{ summary: ImportSummary; reconcile: Reconciliation }> {
  // Every name of a whole baseline (~300,000): kept as numbers, not strings (peak RSS).
  const seen = new CveIdSet();
  const tally = { unchanged: 0, history: 0, earlier: 0 };
  const onRecord = (id: string, outcome: RecordOutcome) => {
    seen.add(id);
    if (outcome === 'unchanged' || outcome === 'history' || outcome === 'earlier') tally[outcome]++;
  };
  const summary = await applyAsset(store, location, name, opts, { onRecord });
  let inStore = 0;
  let missingFromBaseline = 0;
  const missingSample: string[] = [];
  for await (const row of store.iterateCurrent({ source: CVE_LIST_SOURCE })) {
    inStore++;
    if (seen.has(row.cveId)) continue;
    missingFromBaseline++;
    if (missingSample.length < MISSING_LISTED) missingSample.push(row.cveId);
  }
  const c = summary.counts;
  // Every record it read was new to the store (the counts include a resumed run's).
  const first = firstSync && c.updated + c.unchanged + c.older + c.protected === 0;
  return {
    summary,
    reconcile: {
      baseline: name,
      first,
      inBaseline: seen.size,
      inStore,
      healed: first ? 0 : summary.counts.updated,
      added: summary.counts.added,
      unchanged: tally.unchanged,
      keptInHistory: tally.history,
      readBeforeResume: tally.earlier,
      quarantined: summary.counts.quarantined,
      missingFromBaseline,
      missingSample,
    },
  };
}

async function syncReleases(store: Store, from: string, opts: SyncOptions): Promise<SyncReport> {
  const assets = await listReleaseAssets(from, opts.reader);
  const state = await loadState(store, from);
  const steps: SyncStep[] = [];
  const warnings: string[] = [];
  let reconcile: Reconciliation | undefined;
  const baselines = assets.filter((a) => a.kind === 'baseline');

  const takeBaseline = async (b: ReleaseAsset) => {
    const r = await applyBaseline(store, b.location, b.name, !state.baseline, opts);
    steps.push({ asset: b.name, kind: 'baseline', summary: r.summary });
    reconcile = r.reconcile;
    state.baseline = b.name;
    state.upTo = b.time;
    state.applied = [];
    delete state.gapSince;
    await saveState(store, from, state);
  };

  if (!state.baseline) {
    const newest = baselines.at(-1);
    if (!newest) throw new Error(`${from} has no baseline (YYYY-MM-DD_all_CVEs_at_midnight.zip) to start from`);
    await takeBaseline(newest);
  } else if (state.gapSince) {
    // A gap was seen earlier: the first baseline after its start heals it (one taken at
    // its start, such as the baseline it follows, lacks the missing deltas).
    const healer = baselines.find((b) => b.time > (state.gapSince as string));
    if (healer) await takeBaseline(healer);
  }

  const applied = new Set(state.applied);
  for (const asset of assets) {
    if (asset.kind === 'baseline' || applied.has(asset.name) || asset.time <= (state.upTo as string)) continue;
    if (opts.signal?.aborted) break;
    const upTo = Date.parse(state.upTo as string);
    const start = asset.kind === 'day-delta' ? Date.parse(asset.time) - 24 * HOUR : Date.parse(asset.time) - HOUR;
    if (start > upTo) {
      // Hours are missing between what we have and this asset.
      const dayDelta = assets.find((a) => a.kind === 'day-delta' && !applied.has(a.name) && Date.parse(a.time) - 24 * HOUR <= upTo && a.time >= asset.time);
      const baseline = baselines.find((b) => b.time > (state.upTo as string) && b.time <= asset.time);
      const gap = `deltas between ${new Date(upTo).toISOString()} and ${new Date(start).toISOString()} are missing`;
      if (baseline) {
        warnings.push(`${gap}; healed from baseline ${baseline.name}`);
        await takeBaseline(baseline);
        if (asset.time <= (state.upTo as string)) continue;
      } else if (dayDelta && dayDelta !== asset) {
        warnings.push(`${gap}; healed from ${dayDelta.name}`);
        const summary = await applyAsset(store, dayDelta.location, dayDelta.name, opts);
        steps.push({ asset: dayDelta.name, kind: 'day-delta', summary });
        applied.add(dayDelta.name);
        state.applied.push(dayDelta.name);
      } else if (!state.gapSince) {
        state.gapSince = new Date(upTo).toISOString();
        warnings.push(`${gap}; newer deltas are applied now and the next baseline will heal the gap`);
      }
    }
    const summary = await applyAsset(store, asset.location, asset.name, opts);
    steps.push({ asset: asset.name, kind: asset.kind, summary });
    applied.add(asset.name);
    state.applied.push(asset.name);
    if (asset.time > (state.upTo as string)) state.upTo = asset.time;
    await saveState(store, from, state);
  }
  await store.upsertSource({ id: CVE_LIST_SOURCE, kind: 'cve5', release: state.applied.at(-1) ?? state.baseline, location: from });
  const message = steps.length === 0 ? `up to date (complete up to ${state.upTo})` : `applied ${steps.length} release asset(s); complete up to ${state.upTo}`;
  return { from, mode: 'releases', message, steps, warnings, reconcile, upTo: state.upTo };
}

async function syncCheckout(store: Store, from: string, opts: SyncOptions): Promise<SyncReport> {
  const state = await loadState(store, from);
  const steps: SyncStep[] = [];
  const warnings: string[] = [];
  let reconcile: Reconciliation | undefined;
  const deltaLog = join(from, 'cves', 'deltaLog.json');
  const logTimes = existsSync(deltaLog) ? await deltaLogTimes(deltaLog) : undefined;

  const full = async (why: string) => {
    const r = await applyBaseline(store, from, `checkout ${from}`, !state.fetchTime, opts);
    steps.push({ asset: from, kind: 'checkout', summary: r.summary, note: why });
    reconcile = r.reconcile;
    state.fetchTime = logTimes?.newest ?? new Date().toISOString();
  };

  if (!state.fetchTime) await full('first sync: whole checkout');
  else if (!logTimes) await full('no cves/deltaLog.json: whole checkout compared');
  else if (logTimes.oldest > state.fetchTime) {
    warnings.push(`deltaLog.json starts at ${logTimes.oldest}, after the last sync (${state.fetchTime}): changes in between may be missing; healed by comparing the whole checkout`);
    await full('gap healed');
  } else if (logTimes.newest > state.fetchTime) {
    const summary = await applyAsset(store, deltaLog, 'deltaLog.json', opts, { base: from, since: state.fetchTime });
    steps.push({ asset: 'cves/deltaLog.json', kind: 'delta-log', summary });
    state.fetchTime = logTimes.newest;
  }
  await saveState(store, from, state);
  await store.upsertSource({ id: CVE_LIST_SOURCE, kind: 'cve5', release: state.fetchTime, location: from });
  const message = steps.length === 0 ? `up to date (deltaLog fetchTime ${state.fetchTime})` : `synced; deltaLog fetchTime ${state.fetchTime}`;
  return { from, mode: 'checkout', message, steps, warnings, reconcile, upTo: state.fetchTime };
}

async function deltaLogTimes(path: string): Promise<{ oldest: string; newest: string } | undefined> {
  const { readFile } = await import('node:fs/promises');
  const log = JSON.parse(await readFile(path, 'utf8')) as unknown;
  const entries = Array.isArray(log) ? log : [log];
  const times = entries
    .map((e) => (e as { fetchTime?: unknown } | null)?.fetchTime)
    .filter((t): t is string => typeof t === 'string' && !Number.isNaN(Date.parse(t)))
    .map((t) => new Date(t).toISOString())
    .sort();
  return times.length ? { oldest: times[0], newest: times[times.length - 1] } : undefined;
}
