/**
 * @module The server side of the HTTP bench, run as a child process (`fork`) so its memory
 * and CPU are its own: either the real app (`--db URL`: `buildApp` over the store, the
 * per-address rate limiter turned off through the app's `rateLimit: false` option) or a
 * bare `node:http` server answering a fixed buffer (`--bare BYTES`). Both listen on
 * 127.0.0.1 on a free port and tell the parent `{ port }` over IPC.
 *
 * IPC requests from the parent, each answered with one message:
 * - `{ cmd: 'mem-start' }`: run `gc()` when exposed, take a baseline of
 *   `process.memoryUsage()`, then sample heap and RSS every 2 ms, keeping the peaks;
 * - `{ cmd: 'live-start' }`: the same, but each sample (every 20 ms) runs a full `gc()`
 *   first, so the peak is of live data only (needs `--expose-gc`; slows the server);
 * - `{ cmd: 'mem-stop' }`: stop sampling; the baseline, the peaks and
 *   `peakRssKiB()` (KiB, the process's own VmHWM);
 * - `{ cmd: 'exit' }`: close and exit.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { buildApp } from '../../src/http/index.ts';
import { openStore } from '../../src/store/index.ts';
import { peakRssKiB } from '../../test/support/peak-rss.ts';

export interface MemReport {
  readonly base: { readonly heapUsed: number; readonly rss: number; readonly external: number; readonly arrayBuffers: number };
  readonly peakHeapUsed: number;
  readonly peakRss: number;
  readonly peakExternal: number;
  readonly samples: number;
  /** KiB, whole process life. */
  readonly maxRssKiB: number;
}

const { values } = parseArgs({ options: { db: { type: 'string' }, bare: { type: 'string' } } });

let close: () => Promise<void>;
let port: number;
if (values.bare !== undefined) {
  const body = Buffer.alloc(Number(values.bare), 'x');
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  close = () => new Promise((resolve) => server.close(() => resolve()));
} else if (values.db) {
  const store = await openStore(values.db, { readonly: true });
  const app = await buildApp({ store, rateLimit: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
  close = async () => {
    await app.close();
    await store.close();
  };
} else throw new Error('--db URL or --bare BYTES');

const gc = (globalThis as { gc?: () => void }).gc;
let sampler: NodeJS.Timeout | undefined;
let report: { -readonly [K in keyof MemReport]: MemReport[K] } | undefined;

process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'mem-start' || msg.cmd === 'live-start') {
    const live = msg.cmd === 'live-start';
    if (live && !gc) throw new Error('live-start needs --expose-gc');
    gc?.();
    const m = process.memoryUsage();
    report = {
      base: { heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers },
      peakHeapUsed: m.heapUsed,
      peakRss: m.rss,
      peakExternal: m.external,
      samples: 0,
      maxRssKiB: 0,
    };
    const r = report;
    sampler = setInterval(() => {
      if (live) gc?.();
      const s = process.memoryUsage();
      r.samples++;
      if (s.heapUsed > r.peakHeapUsed) r.peakHeapUsed = s.heapUsed;
      if (s.rss > r.peakRss) r.peakRss = s.rss;
      if (s.external > r.peakExternal) r.peakExternal = s.external;
    }, live ? 20 : 2);
    process.send?.({ ok: true });
  } else if (msg.cmd === 'mem-stop') {
    if (sampler) clearInterval(sampler);
    if (report) report.maxRssKiB = peakRssKiB();
    process.send?.({ ok: true, report });
  } else if (msg.cmd === 'exit') {
    void close().then(() => process.exit(0));
  }
});
process.on('disconnect', () => void close().then(() => process.exit(0)));
process.send?.({ port });
