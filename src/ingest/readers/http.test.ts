import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startFixtureServer, type FixtureServer } from '../../../test/support/http-fixtures.ts';
import { writeZip } from '../../../test/support/zip.ts';
import { fetchJson, openInput, type ReaderOptions } from './index.ts';
import { checkoutPath, cveIdOf, drain, errors, items, makeTempDir, RECORDS_JSONL, realRecords } from './fixtures.ts';

const FAST: ReaderOptions = { http: { stallTimeoutMs: 200, headersTimeoutMs: 500, backoffMs: 5, maxBackoffMs: 3000 } };
const recs = realRecords(40, 700);
const body = Buffer.concat(recs.flatMap((r) => [r, Buffer.from('\n')]));
const ids = recs.map(cveIdOf);

async function server(t: { after(fn: () => Promise<void>): void }): Promise<FixtureServer> {
  const s = await startFixtureServer();
  t.after(() => s.close());
  return s;
}

async function idsOf(url: string, opts: ReaderOptions = FAST): Promise<string[]> {
  const input = await openInput(url, opts);
  try {
    return items(await drain(input)).map((e) => cveIdOf(e.bytes));
  } finally {
    await input.close();
  }
}

describe('HTTP input', () => {
  test('streams records.jsonl; the key carries the ETag and length', async (t) => {
    const s = await server(t);
    s.route('/records.jsonl', { file: RECORDS_JSONL, lastModified: 'Fri, 24 Jan 2025 00:00:00 GMT' });
    const input = await openInput(s.url('/records.jsonl'), FAST);
    try {
      assert.equal(input.format, 'jsonl');
      assert.equal(input.location, s.url('/records.jsonl'));
      assert.equal(input.key, `${s.url('/records.jsonl')}#etag="fixture-46242134"&last-modified=Fri, 24 Jan 2025 00:00:00 GMT&length=46242134`);
      assert.equal(input.totalBytes, 46242134);
      const tail = await drain(input, 11050);
      assert.deepEqual(tail.map((e) => e.position), ['records.jsonl:11051', 'records.jsonl:11052', 'records.jsonl:11053']);
      assert.equal(input.bytesRead(), 46242134);
    } finally {
      await input.close();
    }
  });

  test('gzip and zip by content; a zip is downloaded to a temp file removed by close()', async (t) => {
    const s = await server(t);
    const tmp = makeTempDir(t);
    s.route('/feed', { body: gzipSync(body) });
    s.route('/2024-06-01_delta_CVEs_at_1400Z.zip', {
      body: writeZip(recs.map((r, i) => ({ name: `deltaCves/${ids[i]}.json`, data: r }))),
      etag: false,
    });
    assert.deepEqual(await idsOf(s.url('/feed')), ids);
    const input = await openInput(s.url('/2024-06-01_delta_CVEs_at_1400Z.zip'), { ...FAST, tempDir: tmp });
    assert.equal(input.format, 'zip');
    assert.equal(input.release, '2024-06-01_delta_CVEs_at_1400Z');
    assert.equal(input.total, 40);
    assert.match(input.key, /#length=\d+$/);
    assert.equal(readdirSync(tmp).length, 1);
    assert.deepEqual(items(await drain(input)).map((e) => e.nameHint), ids);
    await input.close();
    assert.deepEqual(readdirSync(tmp), []);
  });

  test('gives up after the last attempt with the last reason', async (t) => {
    const s = await server(t);
    const err500 = { status: 500 };
    s.route('/x.zip', { body: 'x', script: [err500, err500, err500, err500] });
    await assert.rejects(openInput(s.url('/x.zip'), FAST), {
      code: 'HTTP_FAILED',
      message: `GET ${s.url('/x.zip')} failed after 4 attempts: HTTP 500 Internal Server Error`,
    });
    assert.equal(s.requests.length, 4);
  });

  test('does not retry a 404', async (t) => {
    const s = await server(t);
    await assert.rejects(openInput(s.url('/missing.jsonl'), FAST), {
      code: 'HTTP_FAILED',
      message: `GET ${s.url('/missing.jsonl')} failed: HTTP 404 Not Found`,
    });
    assert.equal(s.requests.length, 1);
  });

  test('honours Retry-After on 429 and retries 503', async (t) => {
    const s = await server(t);
    s.route('/r.jsonl', { body, script: [{ status: 429, headers: { 'retry-after': '1' } }, { status: 503 }] });
    const started = performance.now();
    assert.deepEqual(await idsOf(s.url('/r.jsonl')), ids);
    assert.ok(performance.now() - started >= 950, 'waited for Retry-After');
    assert.deepEqual(s.requests.map((r) => r.status), [429, 503, 200]);
  });

  test('a stalled body is retried and resumed with Range', async (t) => {
    const s = await server(t);
    s.route('/s.jsonl', { body, script: [{ stallAfter: 5000 }] });
    assert.deepEqual(await idsOf(s.url('/s.jsonl')), ids);
    assert.deepEqual(s.requests.map((r) => [r.status, r.headers.range, r.headers['if-range']]), [
      ['stalled', undefined, undefined],
      [206, 'bytes=5000-', `"fixture-${body.length}"`],
    ]);
  });

  test('a body cut short is resumed with Range, or re-read and skipped without it', async (t) => {
    const s = await server(t);
    s.route('/c.jsonl', { body, script: [{ cutAfter: 7000 }, { cutAfter: 3000 }] });
    s.route('/n.jsonl', { body, ranges: false, script: [{ cutAfter: 7000 }] });
    assert.deepEqual(await idsOf(s.url('/c.jsonl')), ids);
    // undici drops bytes still queued when the socket dies, so the resume point may be earlier
    assert.deepEqual(s.requests.map((r) => r.status === 'cut' || (r.status === 206) === Boolean(r.headers.range)), [true, true, true]);
    for (const r of s.requests) assert.match(r.headers.range ?? 'bytes=0-', /^bytes=\d+-$/);
    s.requests.length = 0;
    assert.deepEqual(await idsOf(s.url('/n.jsonl')), ids);
    assert.deepEqual(s.requests.map((r) => [r.status, r.headers.range]), [['cut', undefined], [200, undefined]]);
  });

  test('a server that sends no headers times out and is retried', async (t) => {
    const s = await server(t);
    s.route('/h.jsonl', { body, script: [{ stallHeaders: true }] });
    assert.deepEqual(await idsOf(s.url('/h.jsonl')), ids);
    assert.equal(s.requests.length, 2);
  });

  test('stalls on every attempt end in a clear error after the good records', async (t) => {
    const s = await server(t);
    const stall = { stallAfter: 5000 };
    s.route('/st.jsonl', { body, ranges: false, script: [stall, stall, stall, stall] });
    const input = await openInput(s.url('/st.jsonl'), FAST);
    const got: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const ev of input.events()) if (ev.kind === 'item') got.push(cveIdOf(ev.bytes));
      })(),
      { message: `GET ${s.url('/st.jsonl')} failed after 4 attempts: body stalled: no bytes for 200 ms after 5000 bytes` },
    );
    await input.close();
    assert.ok(got.length > 0);
    assert.deepEqual(got, ids.slice(0, got.length));
  });

  test('a delta log over HTTP reads its records from the base URL; 404 is RECORD_MISSING', async (t) => {
    const s = await server(t);
    const [a, b] = recs;
    const deltaLog = [
      {
        fetchTime: '2024-02-01T00:00:00Z',
        new: [{ cveId: ids[0], dateUpdated: '2024-01-31T00:00:00Z' }],
        updated: [{ cveId: ids[1], dateUpdated: '2024-01-31T00:00:00Z' }, { cveId: 'CVE-2024-99999', dateUpdated: '2024-01-31T00:00:00Z' }],
      },
    ];
    s.route('/mirror/cves/deltaLog.json', { body: JSON.stringify(deltaLog) });
    s.route(`/mirror/${checkoutPath(ids[0])}`, { body: a });
    s.route(`/mirror/${checkoutPath(ids[1])}`, { body: b, script: [{ status: 502 }] });
    const input = await openInput(s.url('/mirror/cves/deltaLog.json'), FAST);
    const evs = await drain(input);
    await input.close();
    assert.equal(input.format, 'delta-log');
    const expected = [ids[0], ids[1], 'CVE-2024-99999'].map((id) => s.url(`/mirror/${checkoutPath(id)}`));
    assert.deepEqual(new Set(evs.map((e) => e.position)), new Set(expected));
    assert.equal(items(evs).length, 2);
    const [missing] = errors(evs);
    assert.equal(missing.code, 'RECORD_MISSING');
    assert.equal(
      missing.message,
      `CVE-2024-99999 (updated 2024-01-31T00:00:00Z, fetch 2024-02-01T00:00:00Z) is not in the base: GET ${expected[2]} failed: HTTP 404 Not Found`,
    );
  });

  test('fetchJson reads a JSON document with retries', async (t) => {
    const s = await server(t);
    s.route('/releases', { body: '[{"assets":[]}]', script: [{ status: 500 }] });
    assert.deepEqual(await fetchJson(s.url('/releases'), FAST), [{ assets: [] }]);
  });
});
