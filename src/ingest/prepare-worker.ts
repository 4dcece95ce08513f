/**
 * @module The worker side of {@link ./prepare-pool.ts}: decodes, parses, hashes and (when
 * asked) validates and summarises a chunk of records, with the very functions the import
 * uses on its own thread (`parseBytes`, `completeRecord`), and posts the results back.
 */
import { parentPort } from 'node:worker_threads';
import { completeRecord, encodeCompletion, parseBytes } from './prepare.ts';
import { inflateRecord } from './readers/inflate-record.ts';
import type { PrepareRequest, PrepareResponse, PreparedResult } from './prepare-pool.ts';

const port = parentPort;
if (port === null) throw new Error('prepare-worker.ts runs as a worker thread');

port.on('message', (req: PrepareRequest) => {
  let res: PrepareResponse;
  try {
    const bytes = new Uint8Array(req.buffer);
    const results: PreparedResult[] = [];
    // Whether the import's thread may still need the item's bytes: not for a record that validated.
    const keep: boolean[] = [];
    // Each item's record bytes (inflated, for a deferred zip record).
    const items: Uint8Array[] = [];
    let start = 0;
    for (let i = 0; i < req.ends.length; i++) {
      const end = req.ends[i];
      let item: Uint8Array = bytes.subarray(start, end);
      start = end;
      const hint = req.hints[i] ?? undefined;
      const deflated = req.deflated?.[i];
      if (deflated) {
        const ev = inflateRecord({ kind: 'item', ordinal: i, position: req.positions?.[i] ?? `item ${i}`, nameHint: hint, deflated: { size: deflated[0], crc: deflated[1] }, bytes: item });
        if (ev.kind === 'error') {
          results.push({ kind: 'unread', code: ev.code, message: ev.message, ...(ev.raw ? { raw: ev.raw } : {}) });
          items.push(item);
          keep.push(false);
          continue;
        }
        item = ev.bytes;
      }
      items.push(item);
      const parsed = parseBytes(item, hint);
      if (parsed.kind === 'quarantine') {
        results.push(parsed);
        keep.push(true);
        continue;
      }
      const { cveId, json, hash } = parsed;
      if (!req.complete) {
        results.push({ kind: 'parsed', cveId, json, hash });
        keep.push(true);
        continue;
      }
      const done = completeRecord(parsed.record, cveId);
      results.push({ kind: 'parsed', cveId, json, hash, completionJson: encodeCompletion(done, cveId) });
      keep.push(done.kind === 'quarantine');
    }
    const { kept, keptEnds } = req.deflated ? copyKept(items, keep) : keptBytes(req, bytes, keep);
    res = { id: req.id, results, kept, keptEnds };
  } catch (err) {
    res = { id: req.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  port.postMessage(res, 'kept' in res ? [res.kept] : []);
});

/** The bytes of the items to `keep`: all of them as they came (the buffer goes back), or a copy of the few. */
function keptBytes(req: PrepareRequest, bytes: Uint8Array, keep: readonly boolean[]): { kept: ArrayBuffer; keptEnds: Uint32Array } {
  if (keep.every(Boolean)) return { kept: req.buffer, keptEnds: req.ends };
  return copyKept(
    keep.map((_, i) => bytes.subarray(i === 0 ? 0 : req.ends[i - 1], req.ends[i])),
    keep,
  );
}

/** A copy of the items to `keep`, one after another, with where each ends (empty when not kept). */
function copyKept(items: readonly Uint8Array[], keep: readonly boolean[]): { kept: ArrayBuffer; keptEnds: Uint32Array } {
  const keptEnds = new Uint32Array(keep.length);
  let size = 0;
  for (let i = 0; i < keep.length; i++) {
    if (keep[i]) size += items[i].byteLength;
    keptEnds[i] = size;
  }
  const kept = new ArrayBuffer(size);
  const out = new Uint8Array(kept);
  for (let i = 0; i < keep.length; i++) {
    if (keep[i]) out.set(items[i], i === 0 ? 0 : keptEnds[i - 1]);
  }
  return { kept, keptEnds };
}
