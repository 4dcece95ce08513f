/**
 * @module Parses and validates records on worker threads while the import's own thread
 * writes the previous batch to the store: on two cores the CPU-heavy half (UTF-8, JSON,
 * schema, summary, SHA-256) and the store half run side by side.
 *
 * Order, positions and outcomes are exactly those of the single-thread pipeline: the
 * reader's events come back in the order they were read, each with what `parseBytes`
 * (and, when asked, `completeRecord`) said about it; the import then batches, skips
 * unchanged records, quarantines and checkpoints as before. At most `depth` chunks are
 * in flight, so memory stays bounded whatever the input size.
 */
import { availableParallelism, cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RawError, RawEvent, RawItem } from './types.ts';
import { inflateRecord } from './readers/inflate-record.ts';
import { completeRecord, encodeCompletion, parseBytes, type ParsedRecord, type PrepareFailure } from './prepare.ts';
import { stopWorker } from '../store/index.ts';

/** A record as a worker returns it: no parsed object (too costly to copy back), maybe its completion. */
export interface PreparedRecord {
  readonly kind: 'parsed';
  readonly cveId: string;
  readonly json: string;
  readonly hash: string;
  /**
   * Present when the worker validated and summarised it (speculatively: unchanged records
   * ignore it), as text (see `encodeCompletion`): a string crosses the thread
   * boundary for a fraction of what structured-cloning the summary's many small objects
   * costs (~40 µs a record to deserialise), and is parsed only for records that are stored.
   */
  readonly completionJson?: string;
}

/**
 * A deferred zip record (`RawItem.deflated`) that did not inflate to a readable record: the
 * reader's error for it (corrupt data, a size or CRC that disagrees, invalid UTF-8).
 */
export interface UnreadItem {
  readonly kind: 'unread';
  readonly code: string;
  readonly message: string;
  readonly raw?: Uint8Array;
}

export type PreparedResult = PreparedRecord | PrepareFailure | UnreadItem;

/** @internal */
export interface PrepareRequest {
  readonly id: number;
  readonly complete: boolean;
  /** Item i is `buffer[ends[i-1] ?? 0 .. ends[i]]`. */
  readonly ends: Uint32Array;
  readonly hints: readonly (string | null)[];
  /** Per item, `[size, crc]` when its bytes are still deflated (then `positions` are sent too, for messages). */
  readonly deflated?: readonly (readonly [number, number] | null)[];
  readonly positions?: readonly string[];
  readonly buffer: ArrayBuffer;
}

/**
 * @internal `kept` holds the bytes of the items the import's thread may still need (for a
 * quarantine entry, a parse or schema failure; or to parse the record again when the worker
 * did not validate it), item i at `kept[keptEnds[i-1] ?? 0 .. keptEnds[i]]` (empty when not kept):
 * the request's own buffer back when all are kept, else a copy of the few that are.
 */
export type PrepareResponse =
  | { readonly id: number; readonly results: readonly PreparedResult[]; readonly kept: ArrayBuffer; readonly keptEnds: Uint32Array }
  | { readonly id: number; readonly error: string };

/**
 * One reader event with what preparing it said (nothing for reader errors). After a worker,
 * `ev.bytes` is empty for a record it validated (nothing will read them again): the raw
 * bytes of a chunk are not held twice, here and in the worker, while it is prepared.
 */
export type PreparedEvent =
  | { readonly ev: RawError; readonly result?: undefined }
  | { readonly ev: RawItem; readonly result: ParsedRecord | PreparedRecord | PrepareFailure };

/** A worker's answer for one chunk. */
interface PreparedChunk {
  readonly results: readonly PreparedResult[];
  readonly kept: ArrayBuffer;
  readonly keptEnds: Uint32Array;
}

const EMPTY = new Uint8Array(0);

/** The item with these bytes as its own record bytes (no longer `deflated`). */
function plainItem(ev: RawItem, bytes: Uint8Array): RawItem {
  const { kind, ordinal, position, nameHint } = ev;
  return nameHint === undefined ? { kind, ordinal, position, bytes } : { kind, ordinal, position, nameHint, bytes };
}

const WORKER_URL = new URL('./prepare-worker.ts', import.meta.url);
/** Chunks prepared on this thread before any worker starts (unless told otherwise). */
export const IN_PROCESS_CHUNKS = 2;
/**
 * About 1,500 minified records (4 KiB on average), so a JSONL chunk is ended by its count; an
 * indented record (~9 KiB) ends one at ~700. 4 MiB kept less in flight (242 MiB peak for a
 * 300,000-file tree, 295 MiB without a byte limit) but left the worker waiting while this thread
 * wrote a batch (+14 % time); 6 MiB: 266 MiB at the speed of no limit.
 */
export const CHUNK_BYTES = 6 * 1024 * 1024;
/** A part stolen by this thread is this share of a worker's chunk (finer steps balance the two threads better). */
const STEAL_PARTS = 8;
/** At most this share of a chunk stolen and not yet consumed (peak RSS is a target). */
const STEAL_AHEAD_PARTS = 4;

/** A worker that prepares chunks of items, answering in order. */
class PrepareWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (r: PreparedChunk) => void; reject: (e: Error) => void }>();
  #nextId = 0;
  #failure: Error | undefined;

  constructor() {
    // A small young generation: the worker makes much short-lived garbage, and V8 would
    // otherwise let it grow to ~100 MiB before collecting (peak RSS is a target).
    this.#worker = new Worker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: 12 } });
    this.#worker.on('message', (res: PrepareResponse) => {
      const p = this.#pending.get(res.id);
      if (!p) return;
      this.#pending.delete(res.id);
      if ('error' in res) p.reject(new Error(`record preparation failed in a worker thread: ${res.error}`));
      else p.resolve(res);
      if (this.#pending.size === 0) this.#worker.unref();
    });
    const fail = (err: Error) => {
      this.#failure ??= err;
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`record preparation worker exited (code ${code})`)));
    this.#worker.unref();
  }

  prepare(items: readonly RawItem[], complete: boolean): Promise<PreparedChunk> {
    if (this.#failure) return Promise.reject(this.#failure);
    let size = 0;
    for (const it of items) size += it.bytes.byteLength;
    // One copy into one transferable buffer; the worker sends back the bytes still needed.
    const buffer = new ArrayBuffer(size);
    const all = new Uint8Array(buffer);
    const ends = new Uint32Array(items.length);
    const hints: (string | null)[] = [];
    const deflated: ([number, number] | null)[] = [];
    let at = 0;
    items.forEach((it, i) => {
      all.set(it.bytes, at);
      at += it.bytes.byteLength;
      ends[i] = at;
      hints.push(it.nameHint ?? null);
      deflated.push(it.deflated ? [it.deflated.size, it.deflated.crc] : null);
    });
    const id = this.#nextId++;
    const deferred = items.some((it) => it.deflated) ? { deflated, positions: items.map((it) => it.position) } : {};
    const req: PrepareRequest = { id, complete, ends, hints, buffer, ...deferred };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage(req, [buffer]);
    });
  }

  async close(): Promise<void> {
    this.#failure ??= new Error('record preparation worker closed');
    await stopWorker(this.#worker);
  }
}

export interface PrepareOptions {
  /** Items per chunk (the import's batch size). */
  readonly chunkSize: number;
  /**
   * Record bytes per chunk (default {@link CHUNK_BYTES}): a chunk ends at whichever of the two
   * comes first, so indented records (a cvelistV5 tree or zip, about twice the bytes of a JSONL
   * line) do not double the bytes in flight. Stolen parts take the same share of it.
   */
  readonly chunkBytes?: number;
  /** Worker threads; 0 prepares everything on this thread. */
  readonly workers: number;
  /** Asked per chunk: validate and summarise speculatively in the worker too? */
  readonly complete: () => boolean;
  /**
   * Chunks prepared on this thread before the workers take over (default
   * {@link IN_PROCESS_CHUNKS}). 0 for an input known to be large: the workers start at
   * once (their start-up overlaps this thread's) and this thread never compiles the schema.
   */
  readonly inProcessChunks?: number;
  /**
   * Whether this thread prepares part of the input itself when it would wait for a worker:
   * `idle` (default) when the oldest chunk is still at a worker and the machine's load
   * leaves a core free, `never`, or `always`
   * (tests: every other time it could, whether or not the worker is ready). At most half a
   * chunk's worth of items is stolen ahead of the consumer, an eighth of a chunk at a time.
   */
  readonly steal?: 'idle' | 'never' | 'always';
  /** For `idle` stealing: whether a core is free now (default {@link spareCoreMeter}). */
  readonly spareCore?: () => boolean;
  /** Told at the end how many chunks went through and how many of them were stolen. */
  readonly onStats?: (stats: { readonly chunks: number; readonly stolenChunks: number }) => void;
}

/** A chunk's deferred zip records inflated (an item that fails becomes the reader's error for it). */
function inflated(chunk: readonly RawEvent[]): RawEvent[] {
  return chunk.map((ev) => (ev.kind === 'item' && ev.deflated ? inflateRecord(ev) : ev));
}

function prepareHere(chunk: readonly RawEvent[]): PreparedEvent[] {
  return inflated(chunk).map((ev) => (ev.kind === 'error' ? { ev } : { ev, result: parseBytes(ev.bytes, ev.nameHint) }));
}

/**
 * A chunk prepared on this thread while it would otherwise wait for a worker: exactly what
 * the worker would have answered (the same functions), holding no more than its answer
 * holds: the completion as text, no parsed object, and raw bytes only for a record that
 * failed or was not validated (`complete` off: it may be parsed again).
 */
function stealHere(chunk: readonly RawEvent[], complete: boolean): PreparedEvent[] {
  return inflated(chunk).map((ev): PreparedEvent => {
    if (ev.kind === 'error') return { ev };
    const parsed = parseBytes(ev.bytes, ev.nameHint);
    if (parsed.kind === 'quarantine') return { ev, result: parsed };
    const { cveId, json, hash } = parsed;
    if (!complete) return { ev, result: { kind: 'parsed', cveId, json, hash } };
    const done = completeRecord(parsed.record, cveId);
    const result: PreparedRecord = { kind: 'parsed', cveId, json, hash, completionJson: encodeCompletion(done, cveId) };
    return { ev: done.kind === 'quarantine' ? ev : { ...ev, bytes: EMPTY }, result };
  });
}

/** A chunk on its way to the consumer: prepared here (ready) or at a worker (ready once it answers). */
interface Slot {
  readonly events: Promise<PreparedEvent[]>;
  readonly atWorker: boolean;
  /** Prepared here while waiting for a worker (counted against the stealing bound). */
  readonly stolen: boolean;
  readonly size: number;
  ready: boolean;
}

/** CPU time counters the stealing decision reads (injectable for tests). */
export interface CpuClock {
  /** Milliseconds since some origin. */
  now(): number;
  /** Busy CPU time of the whole machine, all cores (ms): user, nice, system, irq. */
  machineBusyMs(): number;
  /** This process's CPU time, all its threads (ms). */
  processMs(): number;
  /** Cores. */
  cores(): number;
}

const systemClock: CpuClock = {
  now: () => performance.now(),
  machineBusyMs: () => {
    let busy = 0;
    for (const c of cpus()) busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
    return busy;
  },
  processMs: () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  },
  cores: () => availableParallelism(),
};

/** How often the machine's other load is measured again (the decision holds in between). */
const SPARE_WINDOW_MS = 500;

/**
 * Whether a core is likely free for this thread's stealing: what other processes used of the
 * machine's CPU over the last half second leaves room for this import's two busy threads,
 * i.e. other processes used less than `cores - 1` cores (on two cores: less than one). On a
 * machine busy with other work this thread's wait is not idle time (another process runs)
 * and preparing here costs more CPU than on the worker (a larger heap, more collection):
 * measured no faster there, so it waits instead. Measured from CPU counters, not the
 * one-minute load average, which lags a minute behind a load that started or stopped.
 * Optimistic until the first window has passed.
 */
export function spareCoreMeter(clock: CpuClock = systemClock): () => boolean {
  let at = clock.now();
  let busy = clock.machineBusyMs();
  let own = clock.processMs();
  let spare = true;
  return () => {
    const now = clock.now();
    const elapsed = now - at;
    if (elapsed < SPARE_WINDOW_MS) return spare;
    const busyNow = clock.machineBusyMs();
    const ownNow = clock.processMs();
    const othersCores = Math.max(0, busyNow - busy - (ownNow - own)) / elapsed;
    spare = othersCores < clock.cores() - 1;
    at = now;
    busy = busyNow;
    own = ownNow;
    return spare;
  };
}

/** The next macrotask: a worker's answer that has arrived is delivered before it. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The events of `events`, in order, each with what preparing it said. The first two chunks
 * are prepared on this thread (small inputs never start a worker); later ones on the workers,
 * round robin, up to `workers + 1` chunks ahead of the consumer. When the consumer asks for
 * the next event and the oldest chunk is still at a worker, this thread prepares the next
 * part of the input itself instead of waiting ("stealing", see {@link PrepareOptions.steal}):
 * on two cores the worker is the slower side of a first import, and the import's thread would
 * otherwise sit idle. Results still come in input order: one queue of chunks, some at a
 * worker, some prepared here.
 */
export async function* prepareEvents(events: AsyncIterable<RawEvent>, opts: PrepareOptions): AsyncGenerator<PreparedEvent> {
  const workers: PrepareWorker[] = [];
  const depth = opts.workers + 1;
  const inProcess = opts.inProcessChunks ?? IN_PROCESS_CHUNKS;
  const steal = opts.workers === 0 ? 'never' : (opts.steal ?? 'idle');
  const stealSize = Math.max(1, Math.ceil(opts.chunkSize / STEAL_PARTS));
  const spareCore = steal === 'idle' ? (opts.spareCore ?? spareCoreMeter()) : () => false;
  const queue: Slot[] = [];
  let chunks = 0;
  let sent = 0;
  /** Chunks at a worker and items stolen, not yet given to the consumer (the memory bound). */
  let atWorker = 0;
  let stolenItems = 0;
  let stolenChunks = 0;
  const dispatch = (chunk: RawEvent[]): void => {
    chunks++;
    // A worker costs a thread start and its own schema compile: not worth it for inputs
    // of two batches or less (an hourly delta), so the first two stay on this thread.
    if (opts.workers === 0 || chunks <= inProcess) {
      queue.push({ events: Promise.resolve(prepareHere(chunk)), atWorker: false, stolen: false, size: chunk.length, ready: true });
      return;
    }
    if (workers.length < opts.workers) workers.push(new PrepareWorker());
    const worker = workers[sent++ % workers.length];
    const items = chunk.filter((ev): ev is RawItem => ev.kind === 'item');
    const sentChunk = worker.prepare(items, opts.complete());
    // From here on the reader's own copies of the bytes are not referenced: only the events
    // without them, and what the worker sends back.
    const slim = chunk.map((ev): RawEvent => (ev.kind === 'error' ? ev : plainItem(ev, EMPTY)));
    const done = sentChunk.then(({ results, kept, keptEnds }) => {
      let k = 0;
      return slim.map((ev): PreparedEvent => {
        if (ev.kind === 'error') return { ev };
        const start = k === 0 ? 0 : keptEnds[k - 1];
        const end = keptEnds[k];
        const result = results[k++];
        if (result.kind === 'unread') {
          const { code, message, raw } = result;
          return { ev: { kind: 'error', ordinal: ev.ordinal, position: ev.position, code, message, ...(raw ? { raw } : {}) } };
        }
        return { ev: end > start ? { ...ev, bytes: new Uint8Array(kept, start, end - start) } : ev, result };
      });
    });
    const slot: Slot = { events: done, atWorker: true, stolen: false, size: chunk.length, ready: false };
    const settle = () => {
      slot.ready = true;
    };
    // Awaited in order below; a failure of a later chunk must not go unhandled meanwhile.
    done.then(settle, settle);
    atWorker++;
    queue.push(slot);
  };
  const iterator = events[Symbol.asyncIterator]();
  let exhausted = false;
  const chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
  const read = async (n: number, maxBytes: number): Promise<RawEvent[]> => {
    const chunk: RawEvent[] = [];
    let bytes = 0;
    while (chunk.length < n && bytes < maxBytes && !exhausted) {
      const next = await iterator.next();
      if (next.done) exhausted = true;
      else {
        chunk.push(next.value);
        // A deferred zip record counts as the bytes it inflates to, in the worker's memory.
        if (next.value.kind === 'item') bytes += next.value.deflated?.size ?? next.value.bytes.byteLength;
      }
    }
    return chunk;
  };
  // Forced stealing (tests): every other part of the input is prepared here.
  let alternate = false;
  const shouldSteal = async (): Promise<boolean> => {
    if (steal === 'never' || exhausted || workers.length === 0 || stolenItems + stealSize > stealSize * STEAL_AHEAD_PARTS) return false;
    if (steal === 'always') return (alternate = !alternate);
    const head = queue[0];
    if (head === undefined || !head.atWorker || head.ready || !spareCore()) return false;
    // Let an answer that has already arrived be delivered before deciding.
    await nextTurn();
    return !head.ready;
  };
  // Started before the first chunk is read, so the thread start and schema compile overlap the reading.
  if (inProcess === 0) while (workers.length < opts.workers) workers.push(new PrepareWorker());
  try {
    for (;;) {
      // Keep the workers supplied: `depth` chunks at them (or, before they start, in the queue).
      while (!exhausted && (workers.length === 0 ? queue.length : atWorker) < depth) {
        const chunk = await read(opts.chunkSize, chunkBytes);
        if (chunk.length > 0) dispatch(chunk);
      }
      if (await shouldSteal()) {
        const chunk = await read(stealSize, Math.ceil(chunkBytes / STEAL_PARTS));
        if (chunk.length > 0) {
          stolenItems += chunk.length;
          stolenChunks++;
          queue.push({ events: Promise.resolve(stealHere(chunk, opts.complete())), atWorker: false, stolen: true, size: chunk.length, ready: true });
        }
        continue;
      }
      const head = queue.shift();
      if (head === undefined) break;
      if (head.atWorker) atWorker--;
      if (head.stolen) stolenItems -= head.size;
      yield* await head.events;
    }
  } finally {
    opts.onStats?.({ chunks, stolenChunks });
    await Promise.all(workers.map((w) => w.close()));
    await iterator.return?.();
  }
}
