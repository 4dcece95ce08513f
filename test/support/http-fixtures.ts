/**
 * @module A local HTTP server for tests (127.0.0.1, port 0): serves buffers and files with ETag,
 * Last-Modified and Range, and scripted misbehaviour per request: error statuses (with
 * `Retry-After`), stalls before or during the body, bodies cut short.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one request gets; a route's `script` is consumed one entry per request, then `ok`. */
export type Behaviour =
  | 'ok'
  /** An error status (e.g. 404, 500, 429) with optional headers such as `retry-after`. */
  | { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: string }
  /** Never send headers. */
  | { readonly stallHeaders: true }
  /** Send headers and the first `bytes` bytes, then nothing (the connection stays open). */
  | { readonly stallAfter: number }
  /** Send headers (full Content-Length) and the first `bytes` bytes, then drop the connection. */
  | { readonly cutAfter: number };

export interface FixtureRoute {
  /** The body: bytes, text, or a file path via `file`. */
  readonly body?: Uint8Array | string;
  readonly file?: string;
  readonly contentType?: string;
  /** Default: a strong ETag from the length; `false` for none. */
  readonly etag?: string | false;
  readonly lastModified?: string;
  /** Honour `Range` (default true). */
  readonly ranges?: boolean;
  /** Send Content-Length (default true). */
  readonly contentLength?: boolean;
  readonly script?: Behaviour[];
}

export interface FixtureRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly status: number | 'stalled' | 'cut';
}

export interface FixtureServer {
  readonly origin: string;
  url(path: string): string;
  route(path: string, route: FixtureRoute): void;
  readonly requests: FixtureRequest[];
  close(): Promise<void>;
}

function sizeOf(route: FixtureRoute): number {
  if (route.file) return statSync(route.file).size;
  if (typeof route.body === 'string') return Buffer.byteLength(route.body);
  return route.body?.length ?? 0;
}

function write(res: ServerResponse, route: FixtureRoute, start: number, end: number, then: 'end' | 'stall' | 'cut', limit: number): void {
  const stop = Math.min(end, start + limit);
  const finish = () => {
    if (then === 'end') res.end();
    else if (then === 'cut') res.socket?.destroy();
    // 'stall': leave it open; the client's stall timeout or close() ends it
  };
  if (route.file) {
    if (stop <= start) return finish();
    const s = createReadStream(route.file, { start, end: stop - 1 });
    s.on('data', (c) => res.write(c));
    s.on('end', finish);
    return;
  }
  const body = typeof route.body === 'string' ? Buffer.from(route.body) : Buffer.from(route.body ?? new Uint8Array(0));
  if (stop > start) res.write(body.subarray(start, stop));
  finish();
}

/** Starts the server; `close()` drops every connection, stalled ones included. */
export async function startFixtureServer(routes: Record<string, FixtureRoute> = {}): Promise<FixtureServer> {
  const table = new Map(Object.entries(routes));
  const requests: FixtureRequest[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = table.get(path);
    const log = (status: FixtureRequest['status']) => requests.push({ path, headers: req.headers, status });
    if (!route) {
      log(404);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const behaviour = route.script?.shift() ?? 'ok';
    if (typeof behaviour === 'object' && 'status' in behaviour) {
      log(behaviour.status);
      res.writeHead(behaviour.status, { 'content-type': 'text/plain', ...behaviour.headers }).end(behaviour.body ?? '');
      return;
    }
    if (typeof behaviour === 'object' && 'stallHeaders' in behaviour) {
      log('stalled');
      return;
    }
    const size = sizeOf(route);
    const etag = route.etag === undefined ? `"fixture-${size}"` : route.etag;
    const headers: Record<string, string> = { 'content-type': route.contentType ?? 'application/octet-stream' };
    if (etag) headers.etag = etag;
    if (route.lastModified) headers['last-modified'] = route.lastModified;
    const ranges = route.ranges ?? true;
    if (ranges) headers['accept-ranges'] = 'bytes';
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (ranges && range && (!ifRange || ifRange === etag || ifRange === route.lastModified) && Number(range[1]) < size) {
      start = Number(range[1]);
      status = 206;
      headers['content-range'] = `bytes ${start}-${size - 1}/${size}`;
    }
    if (route.contentLength ?? true) headers['content-length'] = String(size - start);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      log(status);
      res.end();
      return;
    }
    if (typeof behaviour === 'object' && 'stallAfter' in behaviour) {
      log('stalled');
      write(res, route, start, size, 'stall', behaviour.stallAfter);
    } else if (typeof behaviour === 'object' && 'cutAfter' in behaviour) {
      log('cut');
      write(res, route, start, size, 'cut', behaviour.cutAfter);
    } else {
      log(status);
      write(res, route, start, size, 'end', Number.POSITIVE_INFINITY);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (path) => `${origin}${path.startsWith('/') ? path : `/${path}`}`,
    route: (path, route) => void table.set(path, route),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
