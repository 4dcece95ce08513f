/**
 * The sync planner against a local imitation of the NVD CVE API 2.0 (127.0.0.1): paging,
 * the 120-day range rule (404 with a `message` header, as NVD does), rate limiting by a
 * rolling 30 s (403 over the limit), failures. Server and client share a simulated clock,
 * so rate-limit waits take no real time; no test asserts wall-clock time.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  NvdClientError,
  cursorWindow,
  fetchNvdPage,
  parseNvdCursor,
  planWindows,
  resumeOrNext,
  startNvdSync,
  syncNvdCves,
} from './nvd-client.ts';
import type { NvdClientOptions, NvdClock, NvdSyncCursor, NvdRetryInfo } from './nvd-client.ts';
import { NVD_DIR } from './test-data.ts';

const DAY = 86_400_000;
/** Enough for windows of more than one page of 2,000. */
const TOTAL = 6000;

class FakeClock implements NvdClock {
  t = Date.parse('2024-10-01T00:00:00Z');
  readonly sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    return Promise.resolve();
  }
}

type Behaviour = { status: number; headers?: Record<string, string> } | 'cut' | 'stall';

interface Served {
  at: number;
  query: URLSearchParams;
  apiKey?: string;
  status: number | 'cut' | 'stall';
}

/** 6,000 CVEs last modified between 2024-01-01 and 2024-09-30, sorted as NVD serves them. */
function makeRecords(): { id: string; lastModified: number; json: Record<string, unknown> }[] {
  const template = JSON.parse(readFileSync(join(NVD_DIR, 'cves.jsonl'), 'utf8').split('\n')[0]) as Record<string, unknown>;
  const start = Date.parse('2024-01-01T00:00:00Z');
  const span = Date.parse('2024-09-30T00:00:00Z') - start;
  return Array.from({ length: TOTAL }, (_, i) => ({ id: `CVE-2024-${10000 + i}`, lastModified: start + Math.floor((span * i) / TOTAL), json: template }));
}

const clock = new FakeClock();
let records = makeRecords();
let script: Behaviour[] = [];
let served: Served[] = [];
let onServe: ((n: number) => void) | undefined;
let origin = '';
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const key = req.headers.apikey as string | undefined;
  const log = (status: Served['status']) => served.push({ at: clock.now(), query: url.searchParams, ...(key ? { apiKey: key } : {}), status });
  const recent = served.filter((s) => s.at > clock.now() - 30_000 && s.status !== 403).length;
  if (recent >= (key ? 50 : 5)) {
    log(403);
    res.writeHead(403, { message: 'Request forbidden by administrative rules' }).end();
    return;
  }
  const b = script.shift();
  if (b === 'stall') {
    log('stall');
    return;
  }
  if (b && typeof b === 'object') {
    log(b.status);
    res.writeHead(b.status, b.headers).end();
    return;
  }
  const q = url.searchParams;
  const s = q.get('lastModStartDate');
  const e = q.get('lastModEndDate');
  if ((s === null) !== (e === null) || (s !== null && e !== null && Date.parse(e) - Date.parse(s) > 120 * DAY)) {
    log(404);
    res.writeHead(404, { message: 'Both lastModStartDate and lastModEndDate are required, within a range of 120 days' }).end();
    return;
  }
  const start = Number(q.get('startIndex') ?? 0);
  const per = Math.min(Number(q.get('resultsPerPage') ?? 2000), 2000);
  const inRange = records.filter((r) => s === null || e === null || (r.lastModified >= Date.parse(s) && r.lastModified <= Date.parse(e)));
  const page = inRange.slice(start, start + per);
  const body = JSON.stringify({
    resultsPerPage: page.length,
    startIndex: start,
    totalResults: inRange.length,
    format: 'NVD_CVE',
    version: '2.0',
    timestamp: new Date(clock.now()).toISOString().slice(0, -1),
    vulnerabilities: page.map((r) => ({ cve: { ...r.json, id: r.id, lastModified: new Date(r.lastModified).toISOString().slice(0, -1) } })),
  });
  const n = served.length;
  if (b === 'cut') {
    log('cut');
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.write(body.slice(0, body.length / 2), () => res.socket?.destroy());
    return;
  }
  log(200);
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  onServe?.(n);
});

before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rest/json/cves/2.0`;
});
after(() => new Promise<void>((r) => {
  server.closeAllConnections();
  server.close(() => r());
}));
beforeEach(() => {
  records = makeRecords();
  script = [];
  served = [];
  onServe = undefined;
  clock.sleeps.length = 0;
});

const opts = (extra: Partial<NvdClientOptions> = {}): NvdClientOptions => ({ baseUrl: origin, clock, random: () => 0.5, requestTimeoutMs: 30_000, ...extra });
const SINCE = '2024-01-01T00:00:00.000Z';

async function runAll(cursor: NvdSyncCursor, o: NvdClientOptions) {
  const ids = new Set<string>();
  let last = cursor;
  for await (const page of syncNvdCves(cursor, o)) {
    for (const r of page.records) ids.add(r.cveId);
    last = page.cursor;
  }
  return { ids, last };
}

/** The most requests the server saw in any rolling 30 s of simulated time. */
function busiest(): number {
  let most = 0;
  for (const s of served) most = Math.max(most, served.filter((o) => o.at >= s.at && o.at < s.at + 30_000).length);
  return most;
}

describe('windows and cursors (pure)', () => {
  test('after 300 days of downtime: consecutive windows of at most 120 days, none lost', () => {
    const now = new Date('2024-10-27T00:00:00Z');
    const windows = planWindows(SINCE, now);
    assert.deepEqual(windows.map((w) => [w.start.slice(0, 10), w.end.slice(0, 10)]), [
      ['2024-01-01', '2024-04-30'],
      ['2024-04-30', '2024-08-28'],
      ['2024-08-28', '2024-10-27'],
    ]);
    for (let i = 1; i < windows.length; i++) assert.equal(windows[i].start, windows[i - 1].end);
    assert.ok(windows.every((w) => Date.parse(w.end) - Date.parse(w.start) <= 120 * DAY));
    const c = startNvdSync(SINCE, now);
    assert.deepEqual(cursorWindow(c), windows[0]);
    assert.equal(resumeOrNext(c, new Date('2025-01-01')), c);
    const done = { ...c, done: true };
    assert.equal(resumeOrNext(done, new Date('2025-01-01T00:00:00Z')).windowStart, c.until);
    assert.deepEqual(parseNvdCursor(JSON.parse(JSON.stringify(c))), c);
    assert.throws(() => parseNvdCursor({ ...c, startIndex: -1 }), (e: unknown) => e instanceof NvdClientError && e.code === 'NVD_CURSOR');
  });
});

describe('sync against the NVD imitation', () => {
  test('without a key: every record once, never over 5 requests per 30 s', async () => {
    const { ids, last } = await runAll(startNvdSync(SINCE, new Date(clock.now())), opts({ resultsPerPage: 500 }));
    assert.equal(ids.size, TOTAL);
    assert.equal(last.done, true);
    assert.ok(served.every((s) => s.status === 200 && s.query.get('resultsPerPage') === '500' && !s.apiKey));
    assert.ok(served.every((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/.test(s.query.get('lastModStartDate') ?? '')));
    assert.ok(busiest() <= 5, `busiest 30 s: ${busiest()}`);
    assert.ok(served.length > 5 && clock.sleeps.length > 0, 'the limiter had to wait');
  });

  test('with a key: the apiKey header, pages of 2,000 by default, no waiting under 50 per 30 s', async () => {
    const { ids } = await runAll(startNvdSync(SINCE, new Date(clock.now())), opts({ apiKey: 'k-123' }));
    assert.equal(ids.size, TOTAL);
    assert.ok(served.every((s) => s.apiKey === 'k-123' && s.status === 200 && s.query.get('resultsPerPage') === '2000'));
    assert.ok(served.some((s) => s.query.get('startIndex') === '2000'), 'a window needed a second page');
    assert.deepEqual(clock.sleeps, []);
  });

  test('a limiter set above the server limit meets 403s and backs off until it passes', async () => {
    const retries: NvdRetryInfo[] = [];
    const { ids } = await runAll(startNvdSync(SINCE, new Date(clock.now())), opts({ rateLimit: { requests: 20, periodMs: 30_000 }, resultsPerPage: 500, onRetry: (r) => retries.push(r) }));
    assert.equal(ids.size, TOTAL);
    assert.ok(served.some((s) => s.status === 403));
    assert.ok(retries.length > 0 && retries.every((r) => r.reason.startsWith('HTTP 403')));
  });

  test('503, 429 with Retry-After, a cut body and a stall: retried with growing backoff', async () => {
    script = [{ status: 503 }, { status: 429, headers: { 'retry-after': '100' } }, 'cut', 'stall', { status: 500 }];
    const retries: NvdRetryInfo[] = [];
    const { ids } = await runAll(startNvdSync(SINCE, new Date(clock.now())), opts({ apiKey: 'k', resultsPerPage: 500, requestTimeoutMs: 4000, onRetry: (r) => retries.push(r) }));
    assert.equal(ids.size, TOTAL);
    assert.deepEqual(retries.map((r) => r.attempt), [1, 2, 3, 4, 5]);
    assert.match(retries[0].reason, /HTTP 503/);
    assert.equal(retries[1].delayMs, 100_000, 'Retry-After wins over a shorter backoff');
    assert.match(retries[2].reason, /unreadable answer|network/);
    assert.match(retries[3].reason, /timed out/);
    // random() = 0.5: delay = base * 2^(attempt-1) * 0.75.
    assert.deepEqual([retries[0].delayMs, retries[2].delayMs, retries[3].delayMs, retries[4].delayMs], [4500, 18_000, 36_000, 72_000]);
  });

  test('a stop after two pages resumes from the saved cursor (JSON) and loses nothing', async () => {
    const ids = new Set<string>();
    let saved: unknown;
    let pages = 0;
    for await (const page of syncNvdCves(startNvdSync(SINCE, new Date(clock.now())), opts())) {
      for (const r of page.records) ids.add(r.cveId);
      saved = JSON.parse(JSON.stringify(page.cursor));
      if (++pages === 2) break;
    }
    assert.ok(ids.size < TOTAL);
    const rest = await runAll(resumeOrNext(parseNvdCursor(saved), new Date(clock.now())), opts());
    for (const id of rest.ids) ids.add(id);
    assert.equal(ids.size, TOTAL);
    // The next run starts where this one ended.
    const next = resumeOrNext(rest.last, new Date(clock.now() + DAY));
    assert.equal(next.windowStart, rest.last.until);
  });

  test('records modified while paging leave the window: the next page steps back, none skipped', async () => {
    // After the first page, 10 records of that page are modified "now": they leave the window.
    onServe = (n) => {
      if (n === 0) for (const r of records.slice(0, 10)) r.lastModified = clock.now() + DAY;
    };
    const { ids } = await runAll(startNvdSync(SINCE, new Date(clock.now())), opts({ apiKey: 'k' }));
    const stayed = makeRecords().slice(10).map((r) => r.id);
    assert.ok(stayed.every((id) => ids.has(id)), `missing ${stayed.filter((id) => !ids.has(id)).length}`);
  });

  test('a range over 120 days: NVD_RANGE at once, not retried', async () => {
    await assert.rejects(
      fetchNvdPage({ start: SINCE, end: new Date(Date.parse(SINCE) + 121 * DAY).toISOString() }, 0, opts()),
      (e: unknown) => e instanceof NvdClientError && e.code === 'NVD_RANGE' && e.status === 404 && /120 days/.test(e.message),
    );
    assert.equal(served.length, 1);
  });

  test('retries exhausted: the error carries the cursor of the failing page', async () => {
    script = Array.from({ length: 10 }, () => ({ status: 502 }));
    const start = startNvdSync(SINCE, new Date(clock.now()));
    await assert.rejects(runAll(start, opts({ maxAttempts: 3 })), (e: unknown) => e instanceof NvdClientError && e.code === 'NVD_RETRIES_EXHAUSTED' && e.cursor?.startIndex === 0 && e.cursor.windowStart === start.windowStart);
    assert.equal(served.length, 3);
  });
});
