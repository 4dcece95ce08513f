/**
 * @module The bundled real sample (data/sample): 3,000 CVE records with older versions of
 * some of them, the CISA KEV catalog and the CWE names, so a fresh install shows real content.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Store } from '../store/index.ts';
import { importCwe } from './cwe.ts';
import { importFrom, type ImportSummary } from './import.ts';
import { importKev } from './kev.ts';

export const SAMPLE_DIR = join(import.meta.dirname, '..', '..', 'data', 'sample');
export const SAMPLE_SOURCE = 'sample';

export interface SampleResult {
  readonly loaded: boolean;
  readonly records?: ImportSummary;
  readonly olderVersions?: ImportSummary;
  readonly kev?: number;
  readonly cwe?: number;
}

/**
 * Load the sample. With `onlyIfEmpty` (what `serve` uses) nothing happens when the store
 * already holds records. Older versions go in first, so each record's history has real diffs.
 */
export async function loadSample(store: Store, opts: { onlyIfEmpty?: boolean; logger?: Logger } = {}): Promise<SampleResult> {
  if (opts.onlyIfEmpty && (await store.counts()).total > 0) return { loaded: false };
  const common = {
    source: SAMPLE_SOURCE,
    sourceKind: 'sample',
    sourceDescription: 'bundled sample of the CVE List (cisagov/vulnrichment, 2025-01-24)',
    logger: opts.logger,
  };
  const olderVersions = await importFrom(store, join(SAMPLE_DIR, 'older-versions.jsonl.gz'), common);
  const records = await importFrom(store, join(SAMPLE_DIR, 'records.jsonl.gz'), common);
  const kev = await importKev(store, join(SAMPLE_DIR, 'kev.json'));
  const cwe = await importCwe(store, join(SAMPLE_DIR, 'cwe.csv'), { version: '4.15', date: '2024-07-16' });
  return { loaded: true, records, olderVersions, kev: kev.total, cwe: cwe.count };
}
