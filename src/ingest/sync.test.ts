import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Store } from '../store/index.ts';
import { startFixtureServer, type FixtureServer } from '../../test/support/http-fixtures.ts';
import { sharedData } from '../../test/support/paths.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import { baselineReleaseZip, writeZip } from '../../test/support/zip.ts';
import { checkoutPath } from './readers/fixtures.ts';
import { importFrom } from './import.ts';
import { listReleaseAssets, parseAssetName, parseInterval, syncOnce } from './sync.ts';

const idOf = (line: string): string => JSON.parse(line).cveMetadata.cveId;
const older = gunzipSync(readFileSync(sharedData('cve5', 'other-versions.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean);
const newest = new Map<string, string>();
for (const line of gunzipSync(readFileSync(sharedData('cve5', 'records-all.jsonl.gz'))).toString('utf8').split('\n')) {
  if (line) newest.set(idOf(line), line);
}


function deltaZip(lines: readonly string[]): Buffer {
  return writeZip(lines.map((l) => ({ name: `deltaCves/${idOf(l)}.json`, data: l })));
}

test('release asset names are read with their kind and time', () => {
  assert.deepEqual(parseAssetName('2025-01-20_all_CVEs_at_midnight.zip', 'x'), { name: '2025-01-20_all_CVEs_at_midnight.zip', location: 'x', kind: 'baseline', time: '2025-01-20T00:00:00.000Z' });
  assert.equal(parseAssetName('2025-01-20_delta_CVEs_at_1400Z.zip', 'x')?.time, '2025-01-20T14:00:00.000Z');
  assert.equal(parseAssetName('2025-01-20_delta_CVEs_at_end_of_day.zip', 'x')?.kind, 'day-delta');
  assert.equal(parseAssetName('2025-01-20_delta_CVEs_at_end_of_day.zip', 'x')?.time, '2025-01-21T00:00:00.000Z');
  assert.equal(parseAssetName('notes.txt', 'x'), undefined);
  assert.equal(parseAssetName('2025-13-45_all_CVEs_at_midnight.zip', 'x'), undefined);
});

test('sync intervals: 30s, 15m, 1h, 1d; anything else is refused with the expected form', () => {
  assert.equal(parseInterval('15m'), 900_000);
  assert.equal(parseInterval('1h'), 3_600_000);
  assert.equal(parseInterval('1d'), 86_400_000);
  assert.throws(() => parseInterval('0h'), /30s, 15m, 1h or 1d/);
  assert.throws(() => parseInterval('hourly'), /got "hourly"/);
});

for (const backend of testBackends()) {
  describe(`${backend}: sync from cvelistV5 releases`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let server: FixtureServer;
    const assets: { name: string; body: Buffer }[] = [];
    const publish = (name: string, body: Buffer) => {
      assets.push({ name, body });
      server.route(`/download/${name}`, { body, contentType: 'application/zip' });
      server.route('/releases', {
        contentType: 'application/json',
        body: JSON.stringify([{ tag_name: 'cve_latest', assets: assets.map((a) => ({ name: a.name, browser_download_url: server.url(`/download/${a.name}`), size: a.body.length })) }]),
        etag: false,
      });
    };

    // 120 records in the baseline: 40 of them in an older version, updated by later deltas.
    const pairs = older.slice(0, 40).map((o) => ({ old: o, new: newest.get(idOf(o)) as string }));
    const pairIds = new Set(pairs.map((p) => idOf(p.old)));
    // Walk the map's keys (names), not its lines: parsing 62,867 records per pair would take minutes.
    const plain = [...newest.keys()].filter((id) => !pairIds.has(id)).slice(1000, 1080).map((id) => newest.get(id) as string);
    const fresh = [...newest.values()].slice(5000, 5010);
    const baseline1 = [...pairs.map((p) => p.old), ...plain];

    before(async () => {
      ({ store, cleanup } = await openTestStore(backend));
      server = await startFixtureServer();
    });
    after(async () => {
      await server.close();
      await cleanup();
    });

    test('first sync takes the newest baseline, then the deltas after it, in order', async () => {
      publish('2025-01-20_all_CVEs_at_midnight.zip', baselineReleaseZip(baseline1));
      publish('2025-01-20_delta_CVEs_at_0100Z.zip', deltaZip([...pairs.slice(0, 10).map((p) => p.new), ...fresh.slice(0, 5)]));
      publish('2025-01-20_delta_CVEs_at_0200Z.zip', deltaZip(pairs.slice(10, 20).map((p) => p.new)));
      const report = await syncOnce(store, server.url('/releases'));
      assert.deepEqual(report.steps.map((s) => s.asset), ['2025-01-20_all_CVEs_at_midnight.zip', '2025-01-20_delta_CVEs_at_0100Z.zip', '2025-01-20_delta_CVEs_at_0200Z.zip']);
      assert.equal(report.steps[0].summary?.counts.added, 120);
      // The first baseline fills the store: nothing was out of line, so nothing is healed.
      assert.deepEqual(report.reconcile, { baseline: '2025-01-20_all_CVEs_at_midnight.zip', first: true, inBaseline: 120, inStore: 120, healed: 0, added: 120, unchanged: 0, keptInHistory: 0, readBeforeResume: 0, quarantined: 0, missingFromBaseline: 0, missingSample: [] });
      assert.equal(report.steps[1].summary?.counts.updated, 10);
      assert.equal(report.steps[1].summary?.counts.added, 5);
      assert.equal(report.upTo, '2025-01-20T02:00:00.000Z');
      assert.equal(report.warnings.length, 0);
      assert.equal((await store.counts()).total, 125);
      const cur = await store.getRecord(idOf(pairs[15].new));
      assert.deepEqual(JSON.parse(cur?.json ?? 'null'), JSON.parse(pairs[15].new));
      const src = await store.getSource('cvelistV5');
      assert.equal(src?.release, '2025-01-20_delta_CVEs_at_0200Z.zip');
    });

    test('syncing again applies nothing', async () => {
      const report = await syncOnce(store, server.url('/releases'));
      assert.equal(report.steps.length, 0);
      assert.match(report.message, /up to date/);
    });

    test('a missed hourly delta is noticed; newer deltas still apply; the next baseline heals and reconciles', async () => {
      // 0300Z is never published: its change (pairs 20..29) is missed.
      publish('2025-01-20_delta_CVEs_at_0400Z.zip', deltaZip(pairs.slice(30, 35).map((p) => p.new)));
      const gap = await syncOnce(store, server.url('/releases'));
      assert.deepEqual(gap.steps.map((s) => s.asset), ['2025-01-20_delta_CVEs_at_0400Z.zip']);
      assert.match(gap.warnings.join('\n'), /deltas between 2025-01-20T02:00:00.000Z and 2025-01-20T03:00:00.000Z are missing/);
      const missed = await store.getRecord(idOf(pairs[25].new));
      assert.deepEqual(JSON.parse(missed?.json ?? 'null'), JSON.parse(pairs[25].old), 'the missed update is not there yet');

      // The next baseline has everything, and one record the store never had.
      const baseline2 = [...pairs.map((p) => p.new), ...plain, ...fresh.slice(0, 5), fresh[9]];
      publish('2025-01-21_all_CVEs_at_midnight.zip', baselineReleaseZip(baseline2));
      const heal = await syncOnce(store, server.url('/releases'));
      assert.equal(heal.steps[0]?.asset, '2025-01-21_all_CVEs_at_midnight.zip');
      assert.ok(heal.reconcile);
      assert.equal(heal.reconcile.inBaseline, baseline2.length);
      assert.equal(heal.reconcile.first, false);
      // Healed: the 10 missed updates and the 5 updates of pairs 35..39 never sent as deltas.
      // The record the store never had is added, not healed.
      assert.equal(heal.reconcile.healed, 15);
      assert.equal(heal.reconcile.added, 1);
      assert.equal(heal.reconcile.missingFromBaseline, 0);
      const fixed = await store.getRecord(idOf(pairs[25].new));
      assert.deepEqual(JSON.parse(fixed?.json ?? 'null'), JSON.parse(pairs[25].new));
      const again = await syncOnce(store, server.url('/releases'));
      assert.equal(again.steps.length, 0, 'healed gap is not healed twice');
    });

    test('a gap right after a baseline is healed by the next baseline, not by the one it follows', async () => {
      // 2025-01-21 0100Z (which would have added fresh[7]) is never published.
      publish('2025-01-21_delta_CVEs_at_0200Z.zip', deltaZip([fresh[6]]));
      const gap = await syncOnce(store, server.url('/releases'));
      assert.match(gap.warnings.join('\n'), /deltas between 2025-01-21T00:00:00.000Z and 2025-01-21T01:00:00.000Z are missing/);
      const stillGap = await syncOnce(store, server.url('/releases'));
      assert.equal(stillGap.steps.length, 0, 'no baseline after the gap yet: nothing to heal it with');

      publish('2025-01-22_all_CVEs_at_midnight.zip', baselineReleaseZip([...pairs.map((p) => p.new), ...plain, ...fresh.slice(0, 5), fresh[6], fresh[7], fresh[9]]));
      const heal = await syncOnce(store, server.url('/releases'));
      assert.equal(heal.reconcile?.baseline, '2025-01-22_all_CVEs_at_midnight.zip');
      assert.equal(heal.reconcile?.added, 1);
      assert.equal(heal.reconcile?.healed, 0);
      assert.ok(await store.getRecord(idOf(fresh[7])), 'the missed record is there');
    });

    test('a listing with no cvelistV5 assets is a clear error', async () => {
      server.route('/empty', { body: '[{"assets":[{"name":"README.md","browser_download_url":"x"}]}]', contentType: 'application/json' });
      await assert.rejects(syncOnce(store, server.url('/empty')), /lists no cvelistV5 release assets/);
      await assert.rejects(listReleaseAssets(server.url('/nothing-here')), /404/);
    });
  });

  test(`${backend}: a first sync into a store that already holds the records reconciles it (not "first")`, async () => {
    const { store, cleanup } = await openTestStore(backend);
    try {
      const pairs = older.slice(300, 310).map((o) => ({ old: o, new: newest.get(idOf(o)) as string }));
      const pairIds = new Set(pairs.map((p) => idOf(p.old)));
      const plain = [...newest.keys()].filter((id) => !pairIds.has(id)).slice(3000, 3020).map((id) => newest.get(id) as string);
      // Filled by `cvekit import` of an older baseline, then synced for the first time.
      const dir = mkdtempSync(join(tmpdir(), 'cvekit-imported-'));
      const before = join(dir, 'before.zip');
      writeFileSync(before, baselineReleaseZip([...pairs.map((p) => p.old), ...plain]));
      assert.equal((await importFrom(store, before)).counts.added, 30);
      const releases = join(dir, 'releases');
      mkdirSync(releases);
      writeFileSync(join(releases, '2025-01-20_all_CVEs_at_midnight.zip'), baselineReleaseZip([...pairs.map((p) => p.new), ...plain]));
      const r = await syncOnce(store, releases);
      assert.equal(r.reconcile?.first, false);
      assert.equal(r.reconcile?.healed, 10);
      assert.equal(r.reconcile?.unchanged, 20);
      assert.equal(r.reconcile?.added, 0);
      assert.equal(r.reconcile?.inBaseline, 30);
    } finally {
      await cleanup();
    }
  });

  test(`${backend}: a failed sync is kept as the CVE List source's last error; the next good one clears it`, async () => {
    const { store, cleanup } = await openTestStore(backend);
    try {
      const releases = mkdtempSync(join(tmpdir(), 'cvekit-releases-'));
      const baseline = join(releases, '2025-01-20_all_CVEs_at_midnight.zip');
      writeFileSync(baseline, 'not a zip at all');
      await assert.rejects(syncOnce(store, releases, { nextSyncAt: '2025-01-20T01:00:00.000Z' }));
      const failed = await store.getSource('cvelistV5');
      assert.match(failed?.lastError ?? '', new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z sync from ${releases.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      assert.equal(failed?.nextSyncAt, '2025-01-20T01:00:00.000Z', 'the next attempt is still planned');
      writeFileSync(baseline, baselineReleaseZip([...newest.values()].slice(4000, 4005)));
      const ok = await syncOnce(store, releases);
      assert.equal(ok.steps[0].summary?.counts.added, 5);
      assert.equal((await store.getSource('cvelistV5'))?.lastError, undefined);
    } finally {
      await cleanup();
    }
  });

  describe(`${backend}: an interrupted first sync resumes and reconciles the whole baseline`, () => {
    // The resumed run does not read again what the interrupted one read; the names come from
    // the entry and file names, so no record is reported as missing from the baseline.
    const lines = [...newest.values()].slice(2000, 2120);
    const interrupted = async (store: Store, from: string): Promise<number> => {
      const ac = new AbortController();
      await assert.rejects(syncOnce(store, from, { batchSize: 10, signal: ac.signal, onProgress: (p) => void (p.done >= 50 && ac.abort()) }), /aborted/);
      const stored = (await store.counts()).total;
      assert.ok(stored > 0 && stored < lines.length, `stopped part way (${stored})`);
      return stored;
    };

    test('releases: a baseline zip with its nested cves.zip', async () => {
      const { store, cleanup } = await openTestStore(backend);
      try {
        const dir = mkdtempSync(join(tmpdir(), 'cvekit-releases-'));
        writeFileSync(join(dir, '2025-01-20_all_CVEs_at_midnight.zip'), baselineReleaseZip(lines));
        const before = await interrupted(store, dir);
        const r = await syncOnce(store, dir, { batchSize: 10 });
        assert.equal(r.steps[0].summary?.resumed, true);
        assert.deepEqual(r.reconcile, {
          baseline: '2025-01-20_all_CVEs_at_midnight.zip',
          first: true,
          inBaseline: 120,
          inStore: 120,
          healed: 0,
          added: 120,
          unchanged: 0,
          keptInHistory: 0,
          readBeforeResume: before,
          quarantined: 0,
          missingFromBaseline: 0,
          missingSample: [],
        });
      } finally {
        await cleanup();
      }
    });

    test('checkout: the whole tree of a first sync', async () => {
      const { store, cleanup } = await openTestStore(backend);
      try {
        const root = mkdtempSync(join(tmpdir(), 'cvekit-checkout-'));
        for (const line of lines) {
          const path = join(root, checkoutPath(idOf(line)));
          mkdirSync(join(path, '..'), { recursive: true });
          writeFileSync(path, line);
        }
        writeFileSync(join(root, 'cves', 'deltaLog.json'), JSON.stringify([{ fetchTime: '2025-01-20T10:00:00.000Z', numberOfChanges: 0, new: [], updated: [], error: [] }]));
        const before = await interrupted(store, root);
        const r = await syncOnce(store, root, { batchSize: 10 });
        assert.equal(r.reconcile?.inBaseline, 120);
        assert.equal(r.reconcile?.readBeforeResume, before);
        assert.equal(r.reconcile?.missingFromBaseline, 0);
        assert.equal(r.reconcile?.added, 120);
      } finally {
        await cleanup();
      }
    });
  });

  describe(`${backend}: sync from a cvelistV5 checkout`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let root: string;
    before(async () => {
      ({ store, cleanup } = await openTestStore(backend));
      root = mkdtempSync(join(tmpdir(), 'cvekit-checkout-'));
    });
    after(async () => cleanup());

    const put = (line: string) => {
      const path = join(root, checkoutPath(idOf(line)));
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, JSON.stringify(JSON.parse(line), null, 2));
    };
    const log = (entries: { fetchTime: string; ids: string[] }[]) =>
      writeFileSync(
        join(root, 'cves', 'deltaLog.json'),
        JSON.stringify(entries.map((e) => ({ fetchTime: e.fetchTime, numberOfChanges: e.ids.length, new: [], updated: e.ids.map((cveId) => ({ cveId, dateUpdated: e.fetchTime })), error: [] }))),
      );
    const pairs = older.slice(200, 230).map((o) => ({ old: o, new: newest.get(idOf(o)) as string }));

    test('the first sync reads the whole tree; later ones only what deltaLog.json lists since', async () => {
      for (const p of pairs) put(p.old);
      log([{ fetchTime: '2025-01-20T10:00:00.000Z', ids: [] }]);
      const first = await syncOnce(store, root);
      assert.equal(first.mode, 'checkout');
      assert.equal(first.steps[0].summary?.counts.added, 30);
      assert.equal(first.reconcile?.first, true);
      assert.equal(first.reconcile?.healed, 0);

      for (const p of pairs.slice(0, 3)) put(p.new);
      log([
        { fetchTime: '2025-01-20T10:00:00.000Z', ids: [] },
        { fetchTime: '2025-01-20T11:00:00.000Z', ids: pairs.slice(0, 3).map((p) => idOf(p.new)) },
      ]);
      const second = await syncOnce(store, root);
      assert.equal(second.steps[0].kind, 'delta-log');
      assert.equal(second.steps[0].summary?.counts.read, 3);
      assert.equal(second.steps[0].summary?.counts.updated, 3);
    });

    test('a deltaLog that no longer reaches back to the last sync makes it compare the whole tree', async () => {
      for (const p of pairs.slice(3, 8)) put(p.new);
      // A checkout reset to an older commit for one file: the store's newer version stays current.
      put(pairs[0].old);
      log([{ fetchTime: '2025-02-20T10:00:00.000Z', ids: [idOf(pairs[3].new)] }]);
      const r = await syncOnce(store, root);
      assert.match(r.warnings.join('\n'), /may be missing; healed by comparing the whole checkout/);
      assert.equal(r.reconcile?.first, false);
      assert.equal(r.reconcile?.healed, 5);
      assert.equal(r.reconcile?.added, 0);
      assert.equal(r.reconcile?.keptInHistory, 1);
      assert.equal(r.reconcile?.unchanged, 24);
      assert.equal(r.reconcile?.inBaseline, 30);
      assert.deepEqual(JSON.parse((await store.getRecord(idOf(pairs[0].new)))?.json ?? 'null'), JSON.parse(pairs[0].new));
    });

    test('records in the store but no longer in the tree are counted and named', async () => {
      const gone = pairs.slice(8, 30).map((p) => idOf(p.old));
      for (const id of gone) rmSync(join(root, checkoutPath(id)));
      log([{ fetchTime: '2025-03-20T10:00:00.000Z', ids: [] }]);
      const r = await syncOnce(store, root);
      assert.equal(r.reconcile?.inBaseline, 8);
      assert.equal(r.reconcile?.inStore, 30);
      assert.equal(r.reconcile?.healed, 0);
      assert.equal(r.reconcile?.missingFromBaseline, 22);
      assert.deepEqual([...(r.reconcile?.missingSample ?? [])].sort(), [...gone].sort());
    });
  });
}
