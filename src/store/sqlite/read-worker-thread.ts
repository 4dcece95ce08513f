/**
 * @module The thread of a {@link ReadWorker}: a read-only connection to the store's file
 * that runs the statements it is sent, one at a time, and answers with their rows.
 * @internal
 */
import { DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

export interface ReadRequest {
  readonly id: number;
  readonly sql: string;
  readonly params: readonly (string | number | null)[];
}
export type ReadResponse = { readonly id: number; readonly rows: unknown[] } | { readonly id: number; readonly error: string };

const STATEMENT_CACHE = 64;
const { path, busyTimeoutMs } = workerData as { path: string; busyTimeoutMs: number };
const db = new DatabaseSync(path, { readOnly: true, timeout: busyTimeoutMs });
db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
db.exec('PRAGMA query_only = ON');
db.exec('PRAGMA temp_store = MEMORY');
// Facets read a sample of hits and a few index pages: a small cache (the thread counts in the server's RSS).
db.exec('PRAGMA cache_size = -8192');
const statements = new Map<string, StatementSync>();

parentPort!.on('message', (req: ReadRequest) => {
  let res: ReadResponse;
  try {
    let s = statements.get(req.sql);
    if (!s) {
      if (statements.size >= STATEMENT_CACHE) statements.clear();
      s = db.prepare(req.sql);
      statements.set(req.sql, s);
    }
    res = { id: req.id, rows: s.all(...req.params) };
  } catch (err) {
    res = { id: req.id, error: (err as Error).message };
  }
  parentPort!.postMessage(res);
});
