/**
 * @module A small closed-loop HTTP load generator for the benches: `clients` concurrent
 * keep-alive connections (one `node:http` Agent), each sending its next GET as soon as the
 * previous answer was read to the end. Bounded twice: it stops by itself after `seconds`
 * or after `maxRequests`, whichever comes first. Loopback only.
 */
import { Agent, request } from 'node:http';

export interface LoadOptions {
  readonly port: number;
  readonly clients: number;
  readonly seconds: number;
  readonly maxRequests: number;
  /** The path of the next request (called once per request). */
  readonly path: () => string;
  /** Expected status (default 200); any other counts as an error. */
  readonly status?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly bytes: number;
  readonly ms: number;
  readonly perSecond: number;
  /** Latencies in ms, sorted. */
  readonly p50: number;
  readonly p99: number;
  readonly firstError?: string;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** One GET on `agent`: status, body bytes (read and dropped), time to first byte and total (ms). */
export function get(agent: Agent, port: number, path: string): Promise<{ status: number; bytes: number; ttfbMs: number; ms: number; headers: Record<string, unknown> }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, method: 'GET' }, (res) => {
      let bytes = 0;
      let ttfbMs = NaN;
      res.on('data', (chunk: Buffer) => {
        if (bytes === 0) ttfbMs = performance.now() - started;
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ttfbMs, ms: performance.now() - started, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.clients, maxFreeSockets: opts.clients });
  const expect = opts.status ?? 200;
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  let sent = 0;
  let errors = 0;
  let bytes = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const client = async (): Promise<void> => {
    while (sent < opts.maxRequests && performance.now() < deadline) {
      sent++;
      try {
        const r = await get(agent, opts.port, opts.path());
        latencies.push(r.ms);
        bytes += r.bytes;
        if (r.status !== expect) {
          errors++;
          firstError ??= `status ${r.status}`;
        }
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, client));
  const ms = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    bytes,
    ms,
    perSecond: latencies.length / (ms / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ...(firstError !== undefined && { firstError }),
  };
}
