/**
 * @module A second, read-only connection to a SQLite store in a worker thread, so one
 * request's statements run on two cores at once (a text search's page on the caller's
 * thread, its total and facets here: PostgreSQL does the same on two pooled connections).
 * Started on first use; that first time, and after it failed, callers run their statements
 * themselves ({@link ReadWorker.ready} is false).
 * @internal
 */
import { Worker } from 'node:worker_threads';
import type { Row } from '../mapping.ts';
import { stopWorker } from '../stop-worker.ts';
import type { ReadRequest, ReadResponse } from './read-worker-thread.ts';

const THREAD_URL = new URL('./read-worker-thread.ts', import.meta.url);

export class ReadWorker {
  readonly #path: string;
  readonly #busyTimeoutMs: number;
  #worker: Worker | undefined;
  #failed = false;
  readonly #pending = new Map<number, { resolve: (rows: Row[]) => void; reject: (err: Error) => void }>();
  #next = 0;

  constructor(path: string, busyTimeoutMs: number) {
    this.#path = path;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  /**
   * Whether statements can be sent now: false on the first call, which starts the thread,
   * and after the thread failed. Statements sent before the thread has opened its
   * connection wait for it.
   */
  get ready(): boolean {
    if (!this.#worker && !this.#failed) {
      this.#start();
      return false;
    }
    return !this.#failed;
  }

  /** No statement is out: the worker's core is free for the next one. */
  get idle(): boolean {
    return this.#pending.size === 0;
  }

  #start(): void {
    const w = new Worker(THREAD_URL, { workerData: { path: this.#path, busyTimeoutMs: this.#busyTimeoutMs } });
    this.#worker = w;
    w.unref();
    w.on('message', (res: ReadResponse) => {
      const p = this.#pending.get(res.id);
      if (!p) return;
      this.#pending.delete(res.id);
      if (this.#pending.size === 0) w.unref();
      if ('error' in res) p.reject(new Error(res.error));
      else p.resolve(res.rows as Row[]);
    });
    const fail = (err: Error): void => {
      this.#failed = true;
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the store's read worker exited (code ${code})`)));
  }

  /** The rows of one statement, run on the worker's connection (call when {@link ready}). */
  all(sql: string, params: readonly unknown[]): Promise<Row[]> {
    const w = this.#worker;
    if (!w || this.#failed) return Promise.reject(new Error("the store's read worker is not ready"));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // Referenced while a statement is out: a caller awaiting it keeps the process alive.
      w.ref();
      const req: ReadRequest = { id, sql, params: params as ReadRequest['params'] };
      w.postMessage(req);
    });
  }

  async close(): Promise<void> {
    const w = this.#worker;
    this.#failed = true;
    if (w) await stopWorker(w);
  }
}
