/**
 * @module Imports CVE JSON 5 records from any input into the store: in batches, each one
 * transaction that also saves the job's position, so a crash (even `kill -9`) leaves the
 * store consistent and running the same command again resumes where it stopped.
 */
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { CveId, CveRecordJson } from '../cve/index.ts';
import type { QuarantineInput, RecordWrite, Store, WriteOutcome } from '../store/index.ts';
import { InputError, openInput, type ReaderOptions } from './readers/index.ts';
import { completeRecord, decodeCompletion, parseBytes, quarantineEntry, recordWrite, toQuarantine, type Completion } from './prepare.ts';
import { IN_PROCESS_CHUNKS, prepareEvents, type PreparedEvent } from './prepare-pool.ts';
import type { InputSource, RawEvent, RawItem } from './types.ts';

export const DEFAULT_BATCH_SIZE = 1000;
/** Bytes per record above which an input of unknown count is taken as large (records are ~4.6 KiB minified). */
const LARGE_INPUT_BYTES_PER_RECORD = 8 * 1024;

/** More than the chunks a worker would not be started for, as far as the input tells. */
function isLargeInput(input: InputSource, batchSize: number): boolean {
  const chunks = IN_PROCESS_CHUNKS * batchSize;
  if (input.total !== undefined) return input.total > chunks;
  return (input.totalBytes ?? 0) > chunks * LARGE_INPUT_BYTES_PER_RECORD;
}
/** One worker beside this thread: on two cores, one prepares while the other writes. */
const DEFAULT_WORKERS = Math.min(1, availableParallelism() - 1);
/** The source id of the CVE List, whatever form it arrives in. */
export const CVE_LIST_SOURCE = 'cvelistV5';

export interface ImportProgress {
  readonly done: number;
  readonly total?: number;
  readonly bytes: number;
  readonly totalBytes?: number;
  /** Work after the records are read, in words (the bulk load's index build), when there is any. */
  readonly phase?: string;
}

/** The phase a first import into an empty SQLite store ends with (a fifth of its time or so). */
export const BUILD_PHASE = 'building indexes and full text';

export interface ImportOptions {
  /** Source id the versions are recorded under (default `cvelistV5`). */
  readonly source?: string;
  readonly sourceKind?: string;
  readonly sourceDescription?: string;
  readonly batchSize?: number;
  /**
   * Worker threads that parse, validate and summarise records ahead of the store writes
   * (default: 1 when the machine has two or more cores, else 0; 0 does all on this thread).
   * Inputs of two batches or less never start one.
   */
  readonly workers?: number;
  /**
   * Whether the workers start before the first batch (default: when the input is known to
   * be larger than two batches; a delta stays on this thread: no thread start, one schema compile).
   */
  readonly workersFromStart?: boolean;
  /**
   * Test hook: whether this thread prepares records itself while it waits for a worker
   * (default `idle`; `always` steals every other time it can, `never` not at all).
   */
  readonly steal?: 'idle' | 'never' | 'always';
  readonly reader?: ReaderOptions;
  /**
   * Let the store load in bulk mode when this import is the first to write records into it
   * (default true; see `JobCheckpoint.bulkLoad`). False writes every batch fully indexed.
   */
  readonly bulkLoad?: boolean;
  readonly onProgress?: (progress: ImportProgress) => void;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Called with the CVE name of every record read that parsed, and what became of it (for reconciliation). */
  readonly onRecord?: (cveId: CveId, outcome: RecordOutcome) => void;
  /** Test hook: called after each committed batch with the next ordinal. */
  readonly afterBatch?: (nextOrdinal: number) => void | Promise<void>;
}

/**
 * What became of one record read, as {@link ImportOptions.onRecord} sees it:
 * - unchanged: the store's current version is this one;
 * - history: kept in history but not current, the store's current one being newer or local
 *   (a write outcome `older` or `protected`, or a version the store already had in history);
 * - added, updated: it is the current version now;
 * - quarantined: it failed validation;
 * - earlier: read by the interrupted run this one resumes, so not read again; named from its
 *   file or entry name (a directory, a zip, a delta log; a text input names none). Its outcome
 *   is in the summary's counts, which a resumed import carries over.
 */
export type RecordOutcome = 'added' | 'updated' | 'unchanged' | 'history' | 'quarantined' | 'earlier';

export const COUNT_KEYS = [
  'read',
  'added',
  'updated',
  'unchanged',
  'older',
  'protected',
  'rejected',
  'quarantined',
  'duplicates',
] as const;
export type CountKey = (typeof COUNT_KEYS)[number];
export type ImportCounts = Record<CountKey, number>;

export interface ImportNotice {
  readonly position: string;
  readonly cveId?: string;
  readonly code: string;
  readonly message: string;
}

export interface ImportSummary {
  readonly input: string;
  readonly format: string;
  readonly source: string;
  readonly jobId: string;
  /** True when this run continued an interrupted job. */
  readonly resumed: boolean;
  readonly counts: ImportCounts;
  /** Newest dateUpdated among this run's records (X1520-9.1). */
  readonly contentDate?: string;
  readonly release?: string;
  /** The first quarantine reasons and warnings, for the summary (all are in the quarantine). */
  readonly notices: readonly ImportNotice[];
  readonly durationMs: number;
}

const MAX_NOTICES = 50;

/** A record of the current batch: parsed and hashed; validated already when a worker did it speculatively. */
interface BatchItem {
  readonly item: RawItem;
  readonly cveId: CveId;
  readonly json: string;
  readonly hash: string;
  readonly record?: CveRecordJson;
  readonly completion?: Completion;
  /** A worker's completion, as text (see `PreparedRecord.completionJson`). */
  readonly completionJson?: string;
}

/** Validate and summarise a changed record: the worker's answer, or now, from the parsed object or the bytes again. */
function completion(p: BatchItem): Completion {
  if (p.completion) return p.completion;
  if (p.completionJson !== undefined) return decodeCompletion(p.completionJson, p.json);
  let record = p.record;
  if (record === undefined) {
    const again = parseBytes(p.item.bytes, p.item.nameHint);
    if (again.kind === 'quarantine') throw new Error(`${p.item.position} parsed once but not twice: ${again.message}`);
    record = again.record;
  }
  return completeRecord(record, p.cveId);
}

/** The input's error, saying that what came before it was kept. */
function keptBefore(err: unknown, read: number): unknown {
  const kept = `; the ${read} item${read === 1 ? '' : 's'} read before it ${read === 1 ? 'is' : 'are'} stored or quarantined, and running the same command again goes on after them`;
  if (err instanceof InputError) return new InputError(err.code, err.input, `${err.message}${kept}`, { cause: err });
  return err;
}

export function emptyCounts(): ImportCounts {
  return Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as ImportCounts;
}

export class ImportAbortedError extends Error {
  override readonly name = 'ImportAbortedError';
}

/** Open `spec` (path, URL or `-`) and import it. */
export async function importFrom(store: Store, spec: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  // Zip records are inflated on the workers that parse them, not on this thread.
  const input = await openInput(spec, { deferInflate: true, ...opts.reader });
  try {
    return await importSource(store, input, opts);
  } finally {
    await input.close();
  }
}

/** Import an already opened input. */
export async function importSource(store: Store, input: InputSource, opts: ImportOptions = {}): Promise<ImportSummary> {
  const started = performance.now();
  const source = opts.source ?? CVE_LIST_SOURCE;
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const job = await store.startJob(input.key, `import:${input.format}`);
  const resumed = job.position !== null;
  // Another job's bulk load left pending (killed, or failed and not resumed): build it now,
  // so this import writes into a complete store. This job's own continues in bulk mode, and
  // so does another process's that is still loading (this import's writes are staged too).
  const pendingBulk = await store.pendingBulkLoad();
  if (pendingBulk && pendingBulk.jobId !== job.id && (await store.finishBulkLoad({ jobId: job.id }))) {
    opts.logger?.info({ job: pendingBulk.jobId }, 'finished an earlier bulk load');
  }
  const startOrdinal = resumed ? Number(JSON.parse(job.position as string).next ?? 0) : 0;
  const counts = emptyCounts();
  for (const k of COUNT_KEYS) counts[k] = job.counts[k] ?? 0;
  const notices: ImportNotice[] = [];
  let contentDate: string | undefined;
  opts.logger?.info({ input: input.location, format: input.format, job: job.id, resumed, startOrdinal }, 'import started');

  await store.upsertSource({
    id: source,
    kind: opts.sourceKind ?? 'cve5',
    description: opts.sourceDescription,
    location: input.location,
  });

  const notice = (n: ImportNotice) => {
    if (notices.length < MAX_NOTICES) notices.push(n);
  };

  let batch: BatchItem[] = [];
  let inBatch = new Map<CveId, BatchItem>();
  // Whether workers validate speculatively: yes unless most of the last batch was unchanged
  // (a re-import), where validating would be wasted work.
  let speculate = true;
  let quarantine: QuarantineInput[] = [];
  let lastOrdinal = startOrdinal - 1;

  const flush = async (nextOrdinal: number) => {
    const hashes = batch.length > 0 ? await store.getCurrentHashes(batch.map((p) => p.cveId)) : new Map<CveId, string>();
    const writes: RecordWrite[] = [];
    let unchanged = 0;
    for (const parsed of batch) {
      // Same content as the current version: nothing to validate or store (idempotent re-import).
      if (hashes.get(parsed.cveId) === parsed.hash) {
        counts.unchanged++;
        unchanged++;
        opts.onRecord?.(parsed.cveId, 'unchanged');
        continue;
      }
      const done = completion(parsed);
      if (done.kind === 'quarantine') {
        quarantine.push(toQuarantine(source, parsed.item.position, parsed.item.bytes, done).entry);
        opts.onRecord?.(parsed.cveId, 'quarantined');
      } else writes.push(recordWrite(parsed, done, source, parsed.item.position));
    }
    if (batch.length > 0) speculate = unchanged * 2 < batch.length;
    for (const q of quarantine) {
      counts.quarantined++;
      notice({ position: q.position, cveId: q.cveId, code: q.code, message: q.message });
    }
    // The store saves quarantine entries, versions and the checkpoint in one transaction.
    const tally = new Map<WriteOutcome, number>();
    const result = await store.writeBatch(writes, {
      jobId: job.id,
      position: JSON.stringify({ next: nextOrdinal }),
      counts: { ...counts },
      quarantine,
      bulkLoad: opts.bulkLoad ?? true,
    });
    result.outcomes.forEach((outcome, i) => {
      counts[outcome]++;
      tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
      const w = writes[i];
      // The store's `unchanged` here is a version it had in history, not its current one.
      opts.onRecord?.(w.cveId, outcome === 'added' || outcome === 'updated' ? outcome : 'history');
      if ((outcome === 'added' || outcome === 'updated') && (w.rows?.current.state ?? w.summary.state) === 'REJECTED') counts.rejected++;
      if (outcome === 'protected') {
        notice({ position: w.origin ?? '', cveId: w.cveId, code: 'PROTECTED', message: `${w.cveId} is a local CNA record; the upstream version was kept in history only` });
      }
      if (!contentDate || w.dateUpdated > contentDate) contentDate = w.dateUpdated;
    });
    batch = [];
    inBatch = new Map();
    quarantine = [];
    await opts.afterBatch?.(nextOrdinal);
  };

  const handle = async (pe: PreparedEvent) => {
    lastOrdinal = pe.ev.ordinal;
    counts.read++;
    if (pe.result === undefined) {
      const e = pe.ev;
      quarantine.push(quarantineEntry(source, e.position, e.code, e.message, e.raw ?? new Uint8Array(), e.cveId === undefined ? {} : { cveId: e.cveId }).entry);
      return;
    }
    const { ev, result } = pe;
    if (result.kind === 'quarantine') {
      quarantine.push(toQuarantine(source, ev.position, ev.bytes, result).entry);
      return;
    }
    const parsed: BatchItem = { item: ev, ...result };
    const earlier = inBatch.get(parsed.cveId);
    if (earlier) {
      // The same name twice: store the first, then the second; the newer dateUpdated
      // becomes current and both stay in history.
      counts.duplicates++;
      notice({
        position: ev.position,
        cveId: parsed.cveId,
        code: 'DUPLICATE',
        message: `${parsed.cveId} appears again (first at ${earlier.item.position}); both are kept as versions, the newer dateUpdated is current`,
      });
      await flush(ev.ordinal);
    }
    batch.push(parsed);
    inBatch.set(parsed.cveId, parsed);
  };

  // An input that breaks off part-way (corrupt or cut gzip, a zip or HTTP body that ends
  // early): what was read before the break is still prepared, stored and checkpointed; the
  // import then fails with the input's error, and running it again goes on from there.
  let cutOff: unknown;
  const readUntilCut = async function* (events: AsyncIterable<RawEvent>): AsyncGenerator<RawEvent> {
    try {
      yield* events;
    } catch (err) {
      cutOff = err;
    }
  };
  const readBefore = counts.read;

  try {
    let pending = 0;
    const onRecord = opts.onRecord;
    const passedOver = onRecord && startOrdinal > 0 ? (id: string | undefined) => id !== undefined && onRecord(id, 'earlier') : undefined;
    const prepared = prepareEvents(readUntilCut(input.events(startOrdinal, passedOver)), {
      chunkSize: batchSize,
      workers: opts.workers ?? DEFAULT_WORKERS,
      complete: () => speculate,
      inProcessChunks: (opts.workersFromStart ?? isLargeInput(input, batchSize)) ? 0 : IN_PROCESS_CHUNKS,
      steal: opts.steal,
      onStats: (stats) => opts.logger?.debug(stats, 'record preparation: chunks prepared here while waiting for the worker'),
    });
    for await (const ev of prepared) {
      if (opts.signal?.aborted) throw new ImportAbortedError('import aborted');
      await handle(ev);
      pending++;
      if (batch.length + quarantine.length >= batchSize) {
        await flush(lastOrdinal + 1);
        pending = 0;
      }
      opts.onProgress?.({ done: counts.read, total: input.total, bytes: input.bytesRead(), totalBytes: input.totalBytes });
    }
    if (pending > 0 || batch.length > 0 || quarantine.length > 0 || !resumed) await flush(lastOrdinal + 1);
    // A bulk load (the first import into an empty SQLite store) builds its indexes now: say so,
    // the build takes a while with nothing else to show.
    if ((await store.pendingBulkLoad())?.jobId === job.id) {
      opts.onProgress?.({ done: counts.read, total: input.total, bytes: input.bytesRead(), totalBytes: input.totalBytes, phase: BUILD_PHASE });
    }
    if (await store.finishBulkLoad({ jobId: job.id })) opts.logger?.info({ job: job.id }, 'bulk load: indexes and full text built');
    if (cutOff !== undefined) throw keptBefore(cutOff, counts.read - readBefore);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await store.finishJob(job.id, 'failed', counts, message);
    await store.upsertSource({ id: source, kind: opts.sourceKind ?? 'cve5', lastError: message });
    opts.logger?.error({ input: input.location, err: message, counts }, 'import failed');
    throw err;
  }

  await store.finishJob(job.id, 'done', counts);
  await store.upsertSource({
    id: source,
    kind: opts.sourceKind ?? 'cve5',
    lastSyncAt: new Date().toISOString(),
    release: input.release,
    lastError: '',
  });
  const summary: ImportSummary = {
    input: input.location,
    format: input.format,
    source,
    jobId: job.id,
    resumed,
    counts,
    contentDate,
    release: input.release,
    notices,
    durationMs: Math.round(performance.now() - started),
  };
  opts.logger?.info({ input: input.location, counts, durationMs: summary.durationMs }, 'import finished');
  return summary;
}
