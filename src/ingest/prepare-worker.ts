/**
 * @module The worker side of {@link ./prepare-pool.ts}: decodes, parses, hashes and (when
 * asked) validates and summarises a chunk of records, with the very functions the import
 * uses on its own thread (`parseBytes`, `completeRecord`), and posts the results back.
 */
import { parentPort } from 'node:worker_threads';
import { completeRecord, parseBytes } from './prepare.ts';
import type { PrepareRequest, PrepareResponse, PreparedResult } from './prepare-pool.ts';

const port = parentPort;
if (port === null) throw new Error('prepare-worker.ts runs as a worker thread');

port.on('message', (req: PrepareRequest) => {
  let res: PrepareResponse;
  try {
    const bytes = new Uint8Array(req.buffer);
    const results: PreparedResult[] = [];
    let start = 0;
    for (let i = 0; i < req.ends.length; i++) {
      const end = req.ends[i];
      const parsed = parseBytes(bytes.subarray(start, end), req.hints[i] ?? undefined);
      start = end;
      if (parsed.kind === 'quarantine') {
        results.push(parsed);
        continue;
      }
      const { cveId, json, hash } = parsed;
      results.push(
        req.complete ? { kind: 'parsed', cveId, json, hash, completionJson: JSON.stringify(completeRecord(parsed.record, cveId)) } : { kind: 'parsed', cveId, json, hash },
      );
    }
    res = { id: req.id, results };
  } catch (err) {
    res = { id: req.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  port.postMessage(res);
});
