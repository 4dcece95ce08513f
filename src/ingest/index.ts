/**
 * @module Getting data in: CVE List import and sync, KEV and CWE catalogs, the bundled sample.
 */
export type * from './types.ts';
export { importFrom, importSource, CVE_LIST_SOURCE, DEFAULT_BATCH_SIZE, COUNT_KEYS, ImportAbortedError } from './import.ts';
export type { ImportOptions, ImportSummary, ImportProgress, ImportCounts, ImportNotice, RecordOutcome } from './import.ts';
export { syncOnce, listReleaseAssets, parseAssetName, parseInterval } from './sync.ts';
export type { SyncReport, SyncOptions, SyncStep, Reconciliation, ReleaseAsset } from './sync.ts';
export { parseItem, completeItem } from './prepare.ts';
export { repositoryStatus, isOutOfDate } from './status.ts';
export type { RepositoryStatus, SourceStatus } from './status.ts';
export { loadSample, SAMPLE_DIR } from './sample.ts';
export { openInput, cveNameOfPath, inflateRecord, ITEM_ERROR_CODES } from './readers/index.ts';
export type { ReaderOptions } from './readers/index.ts';
