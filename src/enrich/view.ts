/**
 * @module Loads everything the repository knows about one CVE name from every source and
 * merges it with provenance (`merge.ts`).
 *
 * @example
 * const view = await loadMergedView(store, 'CVE-2021-44228');
 * view.cvss.claims // CNA says 10.0 (3.1), NVD says 10.0 (3.1), CISA ADP …; view.cvss.chosen
 */
import { summarizeRecord } from '../cve/index.ts';
import type { CveId, CveRecordJson } from '../cve/index.ts';
import type { StoredNvdRecord, Store } from '../store/index.ts';
import type { LegacyEntry } from './legacy.ts';
import { mergeSources } from './merge.ts';
import type { MergedView } from './merge.ts';
import { parseNvd } from './nvd.ts';
import type { NvdCveRecord } from './nvd.ts';

/** A stored NVD record read back through the parser (the store keeps NVD's own JSON). */
export async function readStoredNvd(stored: Pick<StoredNvdRecord, 'format' | 'json'>): Promise<NvdCveRecord | undefined> {
  const doc = stored.format === 'feed-1.1' ? `{"CVE_Items":[${stored.json}]}` : `{"vulnerabilities":[{"cve":${stored.json}}]}`;
  const parsed = await parseNvd(Buffer.from(doc, 'utf8'), { name: 'stored NVD record' });
  return parsed.cves[0];
}

export async function loadMergedView(store: Store, cveId: CveId): Promise<MergedView> {
  const [rec, nvdStored, kev, epss, legacy, mappingIssues] = await Promise.all([
    store.getRecord(cveId),
    store.enrich.getNvdRecord(cveId),
    store.getKev(cveId),
    store.enrich.epssHistory(cveId),
    store.enrich.getLegacyEntries(cveId),
    store.enrich.mappingIssuesFor(cveId),
  ]);
  let record: { json: CveRecordJson; summary: ReturnType<typeof summarizeRecord>; dateUpdated: string } | undefined;
  if (rec) {
    const json = JSON.parse(rec.json) as CveRecordJson;
    record = { json, summary: summarizeRecord(json), dateUpdated: rec.dateUpdated };
  }
  const nvdRecord = nvdStored ? await readStoredNvd(nvdStored) : undefined;
  return mergeSources({
    cveId,
    ...(record ? { record } : {}),
    ...(nvdRecord && nvdStored ? { nvd: { record: nvdRecord, version: nvdStored.version } } : {}),
    ...(kev ? { kev } : {}),
    epss,
    legacy: legacy.map((stored) => ({ stored, entry: JSON.parse(stored.json) as LegacyEntry })),
    mappingIssues,
  });
}
