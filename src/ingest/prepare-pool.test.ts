/**
 * The worker-thread pipeline gives exactly what the single-thread one gives: the same
 * summary, the same quarantine entries (with their raw bytes), the same stored versions,
 * on a mixed input larger than a batch, on both stores, whether the worker starts after two
 * batches or before the first; then the same on re-import
 * (unchanged records, where workers stop validating speculatively) and on a changed copy.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Store } from '../store/index.ts';
import { sharedData } from '../../test/support/paths.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import { importFrom, type ImportSummary } from './import.ts';
import { prepareEvents, spareCoreMeter } from './prepare-pool.ts';
import type { RawEvent } from './types.ts';

const real = readFileSync(sharedData('cve5', 'records.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 500);
const mutate = (line: string, fn: (rec: any) => void): string => {
  const rec = JSON.parse(line);
  fn(rec);
  return JSON.stringify(rec);
};

const WIDE_ID = 'CVE-2024-999991';
const BOM_ID = 'CVE-2024-999992';

/** 500 real records and, among them, every kind of bad or special line. */
function mixedInput(dir: string): { first: string; changed: string } {
  const lines: (string | Buffer)[] = [...real];
  lines.splice(40, 0, '{"dataType":"CVE_RECORD",'); // truncated
  lines.splice(90, 0, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])); // bad UTF-8
  lines.splice(130, 0, mutate(real[3], (r) => (r.dataType = 'CVE'))); // envelope
  lines.splice(170, 0, mutate(real[4], (r) => (r.containers.cna.descriptions = []))); // schema
  lines.splice(210, 0, real[5]); // the same name again, in a later batch (a version, not a duplicate)
  lines.splice(215, 0, real[205]); // duplicate name in the same batch
  lines.splice(260, 0, JSON.stringify(JSON.parse(real[6]), null, 2).replace(/\n/g, '')); // spaced, not minified
  lines.splice(300, 0, mutate(real[7], (r) => (r.cveMetadata.dateUpdated = '2001-01-01T00:00:00.000Z'))); // older
  // Text beyond ASCII (two, three and four UTF-8 bytes, a line separator), and a line with a BOM.
  lines.splice(320, 0, mutate(real[8], (r) => {
    r.cveMetadata.cveId = WIDE_ID;
    r.containers.cna.descriptions[0].value += ' (é — 漢字 😀 \u2028 end)';
  }));
  lines.splice(340, 0, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(mutate(real[9], (r) => (r.cveMetadata.cveId = BOM_ID)))]));
  const write = (name: string, ls: readonly (string | Buffer)[]) => {
    const path = join(dir, name);
    writeFileSync(path, Buffer.concat(ls.map((l) => Buffer.concat([Buffer.from(l), Buffer.from('\n')]))));
    return path;
  };
  const changed = lines.map((l, i) => (typeof l === 'string' && i % 7 === 0 && l.startsWith('{"dataType":"CVE_RECORD","containers"') ? mutate(l, (r) => (r.cveMetadata.dateUpdated = '2029-01-01T00:00:00.000Z')) : l));
  return { first: write('mixed.jsonl', lines), changed: write('changed.jsonl', changed) };
}

const comparable = (s: ImportSummary) => ({ counts: s.counts, notices: s.notices, contentDate: s.contentDate, format: s.format });

async function snapshot(store: Store) {
  const quarantine = [];
  for (const q of await store.listQuarantine({ limit: 1000 })) {
    const full = await store.getQuarantine(q.id);
    quarantine.push({ position: q.position, code: q.code, message: q.message, cveId: q.cveId, path: q.path, raw: Buffer.from(full?.raw ?? []).toString('hex') });
  }
  const records = [];
  for (const id of [...real.map((line) => JSON.parse(line).cveMetadata.cveId as string), WIDE_ID, BOM_ID]) {
    records.push({ id, versions: (await store.listVersions(id)).map((v) => [v.version, v.hash, v.current, v.origin]), current: (await store.getRecord(id))?.json });
  }
  return { counts: await store.counts(), quarantine, records };
}

for (const backend of testBackends()) {
  describe(`${backend}: import with worker threads`, () => {
    test('same summary, quarantine and versions with 0 and 1 workers: first import, re-import, changed copy', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cvekit-pool-'));
      const input = mixedInput(dir);
      const runs = [];
      // 0 workers; 1 worker after two chunks on this thread (a small input); 1 worker from the start (a large one);
      // then both with this thread forced to prepare every other part of the input itself (stealing).
      const configs = [[0, false, 'idle'], [1, false, 'idle'], [1, true, 'idle'], [1, false, 'always'], [1, true, 'always']] as const;
      for (const [workers, workersFromStart, steal] of configs) {
        const { store, cleanup } = await openTestStore(backend);
        try {
          const summaries = [];
          for (const path of [input.first, input.first, input.changed]) summaries.push(comparable(await importFrom(store, path, { batchSize: 60, workers, workersFromStart, steal })));
          runs.push({ summaries, state: await snapshot(store) });
        } finally {
          await cleanup();
        }
      }
      assert.equal(runs[1].summaries[0].counts.quarantined, 4);
      // Stored exactly as JSON.stringify writes them, characters intact and no BOM, by every pipeline.
      for (const run of runs) {
        const wide = run.state.records.find((r) => r.id === WIDE_ID)?.current;
        assert.equal(wide, JSON.stringify(JSON.parse(wide ?? 'null')));
        assert.match(wide ?? '', /\(é — 漢字 😀 \u2028 end\)/);
        const bom = run.state.records.find((r) => r.id === BOM_ID)?.current;
        assert.equal(bom, mutate(real[9], (r) => (r.cveMetadata.cveId = BOM_ID)));
      }
      assert.equal(runs[1].summaries[0].counts.duplicates, 1);
      assert.equal(runs[1].summaries[1].counts.unchanged > 400, true);
      for (const run of runs.slice(1)) {
        assert.deepEqual(run.summaries, runs[0].summaries);
        assert.deepEqual(run.state, runs[0].state);
      }
    });
  });
}

describe('memory: a chunk\'s raw bytes are held once', () => {
  const bad = [Buffer.from('{"dataType":"CVE_RECORD",'), Buffer.from(mutate(real[4], (r) => (r.containers.cna.descriptions = [])))];
  const inputs = [...real.slice(0, 50).map((l) => Buffer.from(l)), ...bad];
  async function* events(): AsyncGenerator<RawEvent> {
    for (const [ordinal, bytes] of inputs.entries()) yield { kind: 'item', ordinal, position: `in:${ordinal + 1}`, bytes: new Uint8Array(bytes) };
  }
  const run = async (complete: boolean, steal: 'never' | 'always' = 'never') => {
    const out = [];
    let stolen = 0;
    const onStats = (s: { stolenChunks: number }) => (stolen = s.stolenChunks);
    for await (const pe of prepareEvents(events(), { chunkSize: 20, workers: 1, complete: () => complete, inProcessChunks: 0, steal, onStats })) out.push(pe);
    assert.equal(stolen > 0, steal === 'always');
    return out;
  };

  test('a chunk ends at chunkBytes of records as well as at chunkSize items, in order, nothing lost', async () => {
    const bytes = inputs.slice(0, 50).reduce((n, b) => n + b.length, 0);
    const chunkBytes = Math.ceil(bytes / 10);
    let byCount = 0;
    let byBytes = 0;
    const seen: string[] = [];
    for await (const pe of prepareEvents(events(), { chunkSize: 20, workers: 1, complete: () => true, inProcessChunks: 0, steal: 'never', onStats: (s) => (byCount = s.chunks) })) seen.push(pe.ev.position);
    for await (const pe of prepareEvents(events(), { chunkSize: 20, chunkBytes, workers: 1, complete: () => true, inProcessChunks: 0, steal: 'never', onStats: (s) => (byBytes = s.chunks) })) assert.equal(pe.ev.position, seen.shift());
    assert.equal(seen.length, 0);
    assert.equal(byCount, 3, '52 items by 20');
    assert.ok(byBytes >= 10 && byBytes <= 12, `~10 chunks of a tenth of the bytes each, got ${byBytes}`);
  });

  for (const steal of ['never', 'always'] as const) test(`after the worker${steal === 'always' ? ' or stolen by this thread' : ''}, a validated record keeps no bytes; a failed one keeps exactly its own`, async () => {
    const out = await run(true, steal);
    assert.equal(out.length, inputs.length);
    for (const [i, pe] of out.entries()) {
      assert.equal(pe.ev.position, `in:${i + 1}`);
      assert.ok(pe.result !== undefined && pe.ev.kind === 'item');
      const failed = pe.result.kind === 'quarantine' || ('completionJson' in pe.result && pe.result.completionJson?.startsWith('{"kind":"quarantine"'));
      assert.ok(!('record' in pe.result), `in:${i + 1} keeps no parsed object`);
      assert.equal(failed, i >= 50, `in:${i + 1}`);
      assert.deepEqual(Buffer.from(pe.ev.bytes), failed ? inputs[i] : Buffer.alloc(0));
    }
  });

  for (const steal of ['never', 'always'] as const) test(`without validation in the worker${steal === 'always' ? ' or when stolen' : ''} every record keeps its bytes (they may be parsed again)`, async () => {
    const out = await run(false, steal);
    for (const [i, pe] of out.entries()) assert.ok(pe.ev.kind === 'item' && Buffer.from(pe.ev.bytes).equals(inputs[i]), `in:${i + 1}`);
  });
});

describe('stealing only when a core is spare', () => {
  /** A meter on a clock whose counters the test moves: `step` adds elapsed, machine-busy and own ms, then asks. */
  const fakeMeter = (cores: number) => {
    const c = { t: 0, busy: 0, own: 0, reads: 0 };
    const spare = spareCoreMeter({ now: () => c.t, machineBusyMs: () => (c.reads++, c.busy), processMs: () => c.own, cores: () => cores });
    const step = (ms: number, busy: number, own: number): boolean => {
      c.t += ms;
      c.busy += busy;
      c.own += own;
      return spare();
    };
    return { c, spare, step };
  };

  test('other processes using a core or more of two: no stealing; this import\'s own CPU does not count', () => {
    const { c, spare, step } = fakeMeter(2);
    assert.equal(spare(), true, 'optimistic before the first window');
    assert.equal(step(500, 1000, 1000), true, 'both cores busy, all of it this process (its two threads)');
    assert.equal(step(500, 1000, 400), false, '600 ms of others\' CPU in 500 ms: 1.2 cores');
    const reads = c.reads;
    assert.equal(step(200, 0, 0), false, 'within the window the decision holds');
    assert.equal(c.reads, reads, 'without reading the counters again');
    assert.equal(step(300, 700, 700), true, 'the other load stopped');
  });

  test('on four cores, 1.2 cores of other load still leaves one for stealing; 3 do not', () => {
    const { step } = fakeMeter(4);
    assert.equal(step(1000, 3200, 2000), true);
    assert.equal(step(1000, 5000, 2000), false);
  });

  test('`idle` stealing asks the meter: a machine without a spare core steals nothing', async () => {
    const lines = real.slice(0, 120).map((l) => Buffer.from(l));
    async function* events(): AsyncGenerator<RawEvent> {
      for (const [ordinal, bytes] of lines.entries()) yield { kind: 'item', ordinal, position: `in:${ordinal + 1}`, bytes: new Uint8Array(bytes) };
    }
    let asked = 0;
    let stolen = -1;
    const out = [];
    const spareCore = () => (asked++, false);
    for await (const pe of prepareEvents(events(), { chunkSize: 20, workers: 1, complete: () => true, inProcessChunks: 0, steal: 'idle', spareCore, onStats: (s) => (stolen = s.stolenChunks) })) out.push(pe);
    assert.equal(out.length, 120);
    assert.equal(stolen, 0);
    assert.ok(asked > 0, 'the meter was asked while the worker had the oldest chunk');
  });
});
