/**
 * The store suite: every method and every writeBatch outcome, on each backend in
 * `CVEKIT_TEST_STORES` (default `sqlite,postgres`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import type { CveRecordJson } from '../cve/index.ts';
import { sharedData } from '../../test/support/paths.ts';
import {
  createTestDb,
  openTestStore,
  otherVersionLines,
  rawQuery,
  realRecordLines,
  recordWrite,
  testBackends,
} from '../../test/support/stores.ts';
import type { TestStore, WriteOptions } from '../../test/support/stores.ts';
import { readMigrations } from './migrations.ts';
import { openStore } from './open.ts';
import { StoreError } from './errors.ts';
import type { KevCatalog, KevEntry, RecordWrite, Store, StoreKind } from './types.ts';

// --- fixtures ------------------------------------------------------------------

interface Fixture {
  readonly date?: string;
  readonly vendor?: string;
  readonly product?: string;
  readonly title?: string;
  readonly description?: string;
  readonly state?: 'PUBLISHED' | 'REJECTED';
  readonly replacedBy?: readonly string[];
  readonly cwe?: string;
  readonly score?: number;
  readonly url?: string;
}

/** A small valid CVE JSON 5 record. */
function makeRecord(cveId: string, f: Fixture = {}): CveRecordJson {
  const date = f.date ?? '2024-01-01T00:00:00.000Z';
  const published = f.state !== 'REJECTED';
  const cna: Record<string, unknown> = {
    providerMetadata: { orgId: '00000000-0000-4000-8000-000000000001', shortName: 'acme', dateUpdated: date },
  };
  if (published) {
    cna.title = f.title ?? `Flaw in ${f.product ?? 'widget'}`;
    cna.descriptions = [{ lang: 'en', value: f.description ?? `A buffer overflow in ${f.product ?? 'widget'} allows remote attackers to run code.` }];
    cna.affected = [{ vendor: f.vendor ?? 'Acme', product: f.product ?? 'widget', versions: [{ version: '1.0', status: 'affected' }] }];
    cna.references = [{ url: f.url ?? `https://example.com/advisories/${cveId}`, tags: ['vendor-advisory'] }];
    if (f.cwe) cna.problemTypes = [{ descriptions: [{ lang: 'en', description: f.cwe, cweId: f.cwe, type: 'CWE' }] }];
    if (f.score !== undefined) {
      cna.metrics = [{ cvssV3_1: { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: f.score, baseSeverity: f.score >= 9 ? 'CRITICAL' : 'HIGH' } }];
    }
  } else {
    cna.rejectedReasons = [{ lang: 'en', value: f.description ?? 'This candidate was withdrawn.' }];
    if (f.replacedBy) cna.replacedBy = f.replacedBy;
  }
  return {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: {
      cveId,
      assignerOrgId: '00000000-0000-4000-8000-000000000001',
      assignerShortName: 'acme',
      state: f.state ?? 'PUBLISHED',
      dateReserved: '2023-12-01T00:00:00.000Z',
      ...(published ? { datePublished: '2024-01-01T00:00:00.000Z' } : { dateRejected: date }),
      dateUpdated: date,
    },
    containers: { cna: cna as unknown as CveRecordJson['containers']['cna'] },
  };
}

const write = (cveId: string, f: Fixture = {}, opts: WriteOptions = {}): RecordWrite => recordWrite(makeRecord(cveId, f), opts);

function readKevCatalog(path: string): KevCatalog {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { catalogVersion: string; dateReleased: string; vulnerabilities: Record<string, unknown>[] };
  return {
    catalogVersion: doc.catalogVersion,
    dateReleased: doc.dateReleased,
    entries: doc.vulnerabilities.map(
      (v): KevEntry => ({
        cveId: String(v.cveID),
        vendorProject: String(v.vendorProject),
        product: String(v.product),
        vulnerabilityName: String(v.vulnerabilityName),
        dateAdded: String(v.dateAdded),
        shortDescription: String(v.shortDescription),
        requiredAction: String(v.requiredAction),
        dueDate: String(v.dueDate),
        knownRansomwareCampaignUse: String(v.knownRansomwareCampaignUse),
        notes: String(v.notes),
        cwes: Array.isArray(v.cwes) ? v.cwes.map(String) : [],
      }),
    ),
  };
}

/** CVE names whose full-text row matches one word. */
async function ftsMatch(backend: StoreKind, db: string, word: string): Promise<string[]> {
  const rows =
    backend === 'sqlite'
      ? await rawQuery(backend, db, 'SELECT r.cve_id FROM record_fts f JOIN records r ON r.id_key = f.rowid WHERE record_fts MATCH $1 ORDER BY r.id_key', [`"${word}"`])
      : await rawQuery(backend, db, "SELECT r.cve_id FROM record_fts f JOIN records r USING (cve_id) WHERE f.document @@ phraseto_tsquery('english', $1) ORDER BY r.id_key", [word]);
  return rows.map((r) => String(r.cve_id));
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

// --- the suite -------------------------------------------------------------------

for (const backend of testBackends()) {
  describe(`${backend}: migrations`, () => {
    // Every numbered file of the backend's folder, whatever other modules have added.
    const files = readMigrations(new URL(`./${backend}/migrations`, import.meta.url).pathname);
    const names = files.map((m) => m.name);
    const latest = files.at(-1)?.version ?? 0;

    it('applies every migration once; a second run applies nothing', async () => {
      const { db, cleanup } = await createTestDb(backend);
      const store = await openStore(db);
      try {
        assert.equal(names[0], '001-initial');
        const first = await store.migrate();
        assert.deepEqual(first.applied, names);
        assert.equal(first.current, latest);
        const second = await store.migrate();
        assert.deepEqual(second.applied, []);
        assert.equal(second.current, latest);
      } finally {
        await store.close();
        await cleanup();
      }
    });

    it('104 drops record_references (written, never read) from a store that still has it; records stay', async () => {
      const { db, cleanup } = await createTestDb(backend);
      const store = await openStore(db);
      try {
        await store.migrate();
        await store.writeBatch([write('CVE-2024-0001')]);
        // The store as it was before 104: the table with a row, 104 not applied.
        const w = { write: true };
        await rawQuery(backend, db, 'CREATE TABLE record_references (cve_id TEXT NOT NULL, ord INTEGER NOT NULL, source TEXT NOT NULL, url TEXT NOT NULL, name TEXT, tags TEXT NOT NULL, PRIMARY KEY (cve_id, ord))', [], w);
        await rawQuery(backend, db, "INSERT INTO record_references VALUES ('CVE-2024-0001', 0, 'cna', 'https://example.com/a', NULL, '[]')", [], w);
        await rawQuery(backend, db, 'DELETE FROM schema_migrations WHERE version = 104', [], w);
        const again = await store.migrate();
        assert.deepEqual(again.applied, ['104-drop-record-references']);
        const left = await rawQuery(
          backend,
          db,
          backend === 'sqlite' ? "SELECT name FROM sqlite_master WHERE name = 'record_references'" : "SELECT to_regclass('record_references') AS name",
        );
        assert.ok(left.length === 0 || left[0].name === null, JSON.stringify(left));
        assert.equal((await store.getRecord('CVE-2024-0001'))?.version, 1);
      } finally {
        await store.close();
        await cleanup();
      }
    });

    it('two store instances migrating at once: one applies, both end current', async () => {
      const { db, cleanup } = await createTestDb(backend);
      const a = await openStore(db);
      const b = await openStore(db);
      try {
        const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
        // One of them applied everything, the other nothing (it waited for the first).
        assert.deepEqual([ra.applied.length, rb.applied.length].sort(), [0, names.length]);
        assert.equal(ra.current, latest);
        assert.equal(rb.current, latest);
        await a.writeBatch([write('CVE-2024-0001')]);
        assert.equal((await b.getRecord('CVE-2024-0001'))?.version, 1);
      } finally {
        await a.close();
        await b.close();
        await cleanup();
      }
    });

    it('two processes starting together both migrate safely', async () => {
      const { db, cleanup } = await createTestDb(backend);
      const openUrl = new URL('./open.ts', import.meta.url).href;
      const code = `import { openStore } from ${JSON.stringify(openUrl)};
        const s = await openStore(process.argv[1]);
        const r = await s.migrate();
        await s.writeBatch([]);
        await s.close();
        console.log(JSON.stringify(r));`;
      const run = () => promisify(execFile)(process.execPath, ['--input-type=module', '-e', code, db], { env: process.env });
      try {
        const outs = (await Promise.all([run(), run(), run()])).map((o) => JSON.parse(o.stdout) as { applied: string[]; current: number });
        assert.deepEqual(outs.map((o) => o.applied.length).sort((a, b) => a - b), [0, 0, names.length]);
        assert.ok(outs.every((o) => o.current === latest));
      } finally {
        await cleanup();
      }
    });

    it('a read-only store reads but refuses writes', async () => {
      const { db, cleanup } = await createTestDb(backend);
      const rw = await openStore(db);
      await rw.migrate();
      await rw.writeBatch([write('CVE-2024-0001')]);
      const ro = await openStore(db, { readonly: true });
      try {
        assert.equal((await ro.getRecord('CVE-2024-0001'))?.cveId, 'CVE-2024-0001');
        await assert.rejects(ro.writeBatch([write('CVE-2024-0002')]), (e: unknown) => e instanceof StoreError && e.code === 'READ_ONLY');
        await assert.rejects(ro.migrate());
      } finally {
        await ro.close();
        await rw.close();
        await cleanup();
      }
    });

    it('rejects an unknown store URL', async () => {
      await assert.rejects(openStore('mysql://x'), (e: unknown) => e instanceof StoreError && e.code === 'BAD_DB_URL');
    });
  });

  describe(`${backend}: writeBatch`, () => {
    let t: TestStore;
    let store: Store;
    before(async () => {
      t = await openTestStore(backend);
      store = t.store;
    });
    after(() => t.cleanup());

    it('added, then the same content again is unchanged (no new version, nothing touched)', async () => {
      const w = write('CVE-2024-1000', { date: '2024-02-01T00:00:00.000Z' }, { source: 'cvelistV5', origin: 'a.jsonl:1' });
      assert.deepEqual((await store.writeBatch([w])).outcomes, ['added']);
      const first = await store.getRecord('CVE-2024-1000');
      assert.ok(first);
      assert.equal(first.json, w.json);
      assert.equal(first.hash, w.hash);
      assert.equal(first.version, 1);
      assert.equal(first.state, 'PUBLISHED');
      assert.equal(first.source, 'cvelistV5');
      assert.deepEqual((await store.writeBatch([w])).outcomes, ['unchanged']);
      const again = await store.getRecord('CVE-2024-1000');
      assert.deepEqual(again, first);
      assert.equal((await store.listVersions('CVE-2024-1000')).length, 1);
    });

    it('updated: a newer dateUpdated becomes current; the old version stays in history', async () => {
      const w2 = write('CVE-2024-1000', { date: '2024-03-01T00:00:00.000Z', title: 'second' }, { source: 'cvelistV5' });
      assert.deepEqual((await store.writeBatch([w2])).outcomes, ['updated']);
      const r = await store.getRecord('CVE-2024-1000');
      assert.equal(r?.version, 2);
      assert.equal(r?.json, w2.json);
      const versions = await store.listVersions('CVE-2024-1000');
      assert.deepEqual(
        versions.map((v) => [v.version, v.current]),
        [
          [1, false],
          [2, true],
        ],
      );
      assert.equal(versions[0].origin, 'a.jsonl:1');
      assert.equal(versions[1].origin, undefined);
      assert.equal(versions[1].dateUpdated, '2024-03-01T00:00:00.000Z');
      const v1 = await store.getVersion('CVE-2024-1000', 1);
      assert.equal(v1?.current, false);
      assert.equal(JSON.parse(v1?.json ?? '{}').containers.cna.title, 'Flaw in widget');
      assert.equal(await store.getVersion('CVE-2024-1000', 9), undefined);
    });

    it('older: an older dateUpdated is kept in history only; an old hash again is unchanged', async () => {
      const old = write('CVE-2024-1000', { date: '2024-01-15T00:00:00.000Z', title: 'older' });
      assert.deepEqual((await store.writeBatch([old])).outcomes, ['older']);
      const r = await store.getRecord('CVE-2024-1000');
      assert.equal(r?.version, 2);
      assert.deepEqual(
        (await store.listVersions('CVE-2024-1000')).map((v) => [v.version, v.current]),
        [
          [1, false],
          [2, true],
          [3, false],
        ],
      );
      // Version 1's content again: already a version, not current, nothing new.
      const v1 = write('CVE-2024-1000', { date: '2024-02-01T00:00:00.000Z' });
      assert.deepEqual((await store.writeBatch([v1])).outcomes, ['unchanged']);
      assert.equal((await store.listVersions('CVE-2024-1000')).length, 3);
      assert.equal((await store.getRecord('CVE-2024-1000'))?.version, 2);
    });

    it('an equal dateUpdated with new content becomes current (updated)', async () => {
      const same = write('CVE-2024-1000', { date: '2024-03-01T00:00:00.000Z', title: 'same date, new text' });
      assert.deepEqual((await store.writeBatch([same])).outcomes, ['updated']);
      assert.equal((await store.getRecord('CVE-2024-1000'))?.version, 4);
    });

    it('protected: an upstream write never replaces a local cna: record; force does', async () => {
      const local = write('CVE-2024-2000', { date: '2024-01-01T00:00:00.000Z', title: 'local' }, { source: 'cna:acme' });
      assert.deepEqual((await store.writeBatch([local])).outcomes, ['added']);
      const upstream = write('CVE-2024-2000', { date: '2025-01-01T00:00:00.000Z', title: 'upstream' }, { source: 'cvelistV5' });
      assert.deepEqual((await store.writeBatch([upstream])).outcomes, ['protected']);
      let r = await store.getRecord('CVE-2024-2000');
      assert.equal(r?.source, 'cna:acme');
      assert.equal(r?.version, 1);
      assert.equal((await store.listVersions('CVE-2024-2000')).length, 2);
      // The CNA's own newer edit is current as usual.
      const edit = write('CVE-2024-2000', { date: '2024-06-01T00:00:00.000Z', title: 'local edit' }, { source: 'cna:acme' });
      assert.deepEqual((await store.writeBatch([edit])).outcomes, ['updated']);
      // force: an older local edit becomes current anyway.
      const forced = write('CVE-2024-2000', { date: '2023-01-01T00:00:00.000Z', title: 'forced' }, { source: 'cna:acme', force: true });
      assert.deepEqual((await store.writeBatch([forced])).outcomes, ['updated']);
      r = await store.getRecord('CVE-2024-2000');
      assert.equal(r?.version, 4);
      assert.equal(r?.dateUpdated, '2023-01-01T00:00:00.000Z');
      // A forced upstream write (an operator's explicit choice) also wins.
      const forcedUp = write('CVE-2024-2000', { date: '2022-01-01T00:00:00.000Z', title: 'forced upstream' }, { source: 'cvelistV5', force: true });
      assert.deepEqual((await store.writeBatch([forcedUp])).outcomes, ['updated']);
      assert.equal((await store.getRecord('CVE-2024-2000'))?.source, 'cvelistV5');
    });

    it('reports one outcome per write, in order, within one batch', async () => {
      const res = await store.writeBatch([
        write('CVE-2024-3001'),
        write('CVE-2024-1000', { date: '2024-03-01T00:00:00.000Z', title: 'same date, new text' }),
        write('CVE-2024-3002'),
        write('CVE-2024-2000', { date: '2020-01-01T00:00:00.000Z' }),
      ]);
      assert.deepEqual(res.outcomes, ['added', 'unchanged', 'added', 'older']);
      assert.deepEqual((await store.writeBatch([])).outcomes, []);
    });

    it('rejects a batch naming one CVE twice, writing nothing', async () => {
      await assert.rejects(
        store.writeBatch([write('CVE-2024-4001'), write('CVE-2024-4002'), write('CVE-2024-4001', { date: '2024-05-01T00:00:00.000Z' })]),
        (e: unknown) => e instanceof StoreError && e.code === 'BATCH_DUPLICATE_ID' && /CVE-2024-4001/.test(e.message),
      );
      assert.equal(await store.getRecord('CVE-2024-4001'), undefined);
      assert.equal(await store.getRecord('CVE-2024-4002'), undefined);
    });

    it('is atomic: a batch failing inside its transaction leaves nothing behind', async () => {
      const before = await store.counts();
      const sourcesBefore = await store.listSources();
      await assert.rejects(
        store.writeBatch([write('CVE-2024-5001', {}, { source: 'atomic' }), write('CVE-2024-1000', { date: '2026-01-01T00:00:00.000Z' })], {
          jobId: 'no-such-job',
          position: '{"next":2}',
          counts: {},
          quarantine: [{ source: 'atomic', position: 'x:1', code: 'SCHEMA', message: 'bad', raw: new Uint8Array([1, 2, 3]) }],
        }),
        (e: unknown) => e instanceof StoreError && e.code === 'NOT_FOUND',
      );
      assert.equal(await store.getRecord('CVE-2024-5001'), undefined);
      assert.equal((await store.getRecord('CVE-2024-1000'))?.version, 4);
      assert.deepEqual(await store.counts(), before);
      assert.deepEqual(await store.listSources(), sourcesBefore);
      assert.equal(await store.getSource('atomic'), undefined);
      assert.deepEqual(await ftsMatch(backend, t.db, 'CVE-2024-5001'), []);
    });

    it('getCurrentHashes: many ids at once, unknown ids absent', async () => {
      const hashes = await store.getCurrentHashes(['CVE-2024-3001', 'CVE-2024-3002', 'CVE-1999-9999']);
      assert.equal(hashes.size, 2);
      assert.equal(hashes.get('CVE-2024-3001'), write('CVE-2024-3001').hash);
      assert.equal((await store.getCurrentHashes([])).size, 0);
      assert.equal(await store.getRecord('CVE-1999-9999'), undefined);
      assert.deepEqual(await store.listVersions('CVE-1999-9999'), []);
    });

    it('updates the source: newest content date and outcome counts', async () => {
      const s = await store.getSource('cvelistV5');
      assert.ok(s);
      // The newest dateUpdated seen, including the protected write's.
      assert.equal(s.contentDate, '2025-01-01T00:00:00.000Z');
      assert.equal(s.counts.added, 1);
      assert.equal(s.counts.updated, 2); // w2 and the forced upstream write
      assert.equal(s.counts.protected, 1);
      const cna = await store.getSource('cna:acme');
      assert.equal(cna?.kind, 'cna');
      assert.equal(cna?.counts.added, 1);
      assert.equal(cna?.contentDate, '2024-06-01T00:00:00.000Z');
    });
  });

  describe(`${backend}: derived rows and full text`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
    });
    after(() => t.cleanup());

    it('indexes the current version and replaces its rows when it changes (no stale vendor)', async () => {
      const { store, db } = t;
      await store.writeBatch([
        write('CVE-2021-44228', { vendor: 'Apache', product: 'Log4j', title: 'Log4Shell in log4j', cwe: 'CWE-917', score: 10, url: 'https://logging.apache.org/log4j/2.x/security.html' }),
      ]);
      const affected = await rawQuery(backend, db, 'SELECT vendor, product, vendor_lc, product_lc FROM record_affected WHERE cve_id = $1', ['CVE-2021-44228']);
      assert.deepEqual(affected.map((r) => ({ ...r })), [{ vendor: 'Apache', product: 'Log4j', vendor_lc: 'apache', product_lc: 'log4j' }]);
      const cwes = await rawQuery(backend, db, 'SELECT cwe_id FROM record_cwes WHERE cve_id = $1', ['CVE-2021-44228']);
      assert.deepEqual(cwes.map((r) => r.cwe_id), ['CWE-917']);
      const rec = await rawQuery(backend, db, 'SELECT cvss_score, cvss_severity, year, title FROM records WHERE cve_id = $1', ['CVE-2021-44228']);
      assert.equal(Number(rec[0].cvss_score), 10);
      assert.equal(rec[0].cvss_severity, 'CRITICAL');
      assert.equal(Number(rec[0].year), 2021);
      assert.deepEqual(await ftsMatch(backend, db, 'log4j'), ['CVE-2021-44228']);
      assert.deepEqual(await ftsMatch(backend, db, 'apache'), ['CVE-2021-44228']);
      assert.deepEqual(await ftsMatch(backend, db, 'CVE-2021-44228'), ['CVE-2021-44228']);
      assert.deepEqual(await ftsMatch(backend, db, 'overflows'), ['CVE-2021-44228']);

      await store.writeBatch([write('CVE-2021-44228', { date: '2024-06-01T00:00:00.000Z', vendor: 'Globex', product: 'Gizmo', title: 'Gizmo flaw', url: 'https://globex.example/psirt' })]);
      const after = await rawQuery(backend, db, 'SELECT vendor, product FROM record_affected WHERE cve_id = $1', ['CVE-2021-44228']);
      assert.deepEqual(after.map((r) => ({ ...r })), [{ vendor: 'Globex', product: 'Gizmo' }]);
      assert.deepEqual(await rawQuery(backend, db, 'SELECT cwe_id FROM record_cwes WHERE cve_id = $1', ['CVE-2021-44228']), []);
      assert.deepEqual(await rawQuery(backend, db, 'SELECT score FROM record_metrics WHERE cve_id = $1', ['CVE-2021-44228']), []);
      // References are found through the full text (their URLs' words), not a table of their own (migration 104).
      assert.deepEqual(await ftsMatch(backend, db, 'psirt'), ['CVE-2021-44228']);
      assert.deepEqual(await ftsMatch(backend, db, 'apache'), []);
      assert.deepEqual(await ftsMatch(backend, db, 'log4j'), []);
      assert.deepEqual(await ftsMatch(backend, db, 'globex'), ['CVE-2021-44228']);
      const rec2 = await rawQuery(backend, db, 'SELECT cvss_score FROM records WHERE cve_id = $1', ['CVE-2021-44228']);
      assert.equal(rec2[0].cvss_score, null);
      // An older version arriving later changes no index row.
      await store.writeBatch([write('CVE-2021-44228', { date: '2022-01-01T00:00:00.000Z', vendor: 'Initech', product: 'TPS' })]);
      assert.deepEqual(await ftsMatch(backend, db, 'initech'), []);
      assert.equal((await rawQuery(backend, db, 'SELECT count(*) AS n FROM record_affected WHERE vendor_lc = $1', ['initech']))[0].n, backend === 'sqlite' ? 0 : '0');
    });

    it('findReplacing: the rejected names that point to a target, current versions only', async () => {
      const { store } = t;
      await store.writeBatch([
        write('CVE-2023-0002', { state: 'REJECTED', replacedBy: ['CVE-2023-0010'], description: 'Duplicate.' }),
        write('CVE-2023-0001', { state: 'REJECTED', replacedBy: ['CVE-2023-0010'] }),
        write('CVE-2023-0003', { state: 'REJECTED', replacedBy: ['CVE-2023-0011'] }),
      ]);
      assert.deepEqual(await store.findReplacing('CVE-2023-0010'), ['CVE-2023-0001', 'CVE-2023-0002']);
      assert.deepEqual(await store.findReplacing('CVE-2023-0011'), ['CVE-2023-0003']);
      assert.deepEqual(await store.findReplacing('CVE-2023-9999'), []);
      // The record is republished: its old edge disappears.
      await store.writeBatch([write('CVE-2023-0003', { date: '2024-09-01T00:00:00.000Z' })]);
      assert.deepEqual(await store.findReplacing('CVE-2023-0011'), []);
      assert.equal((await store.getRecord('CVE-2023-0003'))?.state, 'PUBLISHED');
    });
  });

  describe(`${backend}: iterateCurrent`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
      await t.store.writeBatch([
        write('CVE-2021-10000'),
        write('CVE-2021-9999', {}, { source: 'other' }),
        write('CVE-1999-0001'),
        write('CVE-2024-0001', { state: 'REJECTED' }),
        write('CVE-2021-1000', {}, { source: 'other' }),
      ]);
    });
    after(() => t.cleanup());

    it('yields every current id with hash and state in (year, number) order, in batches', async () => {
      const expected = ['CVE-1999-0001', 'CVE-2021-1000', 'CVE-2021-9999', 'CVE-2021-10000', 'CVE-2024-0001'];
      for (const batchSize of [1, 2, 5, 1000]) {
        const all = await collect(t.store.iterateCurrent({ batchSize }));
        assert.deepEqual(all.map((x) => x.cveId), expected, `batchSize ${batchSize}`);
      }
      const all = await collect(t.store.iterateCurrent());
      assert.equal(all[4].state, 'REJECTED');
      assert.equal(all[0].hash, write('CVE-1999-0001').hash);
    });

    it('filters by source', async () => {
      const other = await collect(t.store.iterateCurrent({ source: 'other', batchSize: 1 }));
      assert.deepEqual(other.map((x) => x.cveId), ['CVE-2021-1000', 'CVE-2021-9999']);
      assert.deepEqual(await collect(t.store.iterateCurrent({ source: 'none' })), []);
    });
  });

  describe(`${backend}: sources, quarantine, jobs, meta`, () => {
    let t: TestStore;
    let store: Store;
    before(async () => {
      t = await openTestStore(backend);
      store = t.store;
    });
    after(() => t.cleanup());

    it('upsertSource merges: undefined keeps, a value replaces, "" clears, counts merge by key', async () => {
      await store.upsertSource({ id: 'cvelistV5', kind: 'cve5', description: 'CVE List', location: '/data/a.zip', release: 'r1', counts: { a: 1, b: 2 } });
      await store.upsertSource({ id: 'cvelistV5', kind: 'cve5', location: '/data/b.zip', lastError: 'boom', counts: { b: 5, c: 1 } });
      let s = await store.getSource('cvelistV5');
      assert.deepEqual(s, { id: 'cvelistV5', kind: 'cve5', description: 'CVE List', location: '/data/b.zip', release: 'r1', lastError: 'boom', counts: { a: 1, b: 5, c: 1 } });
      await store.upsertSource({ id: 'cvelistV5', kind: 'cve5', lastError: '', lastSyncAt: '2025-01-24T00:00:00.000Z', commit: 'abc', nextSyncAt: '2025-01-25T00:00:00.000Z', contentDate: '2025-01-24T00:00:00.000Z' });
      s = await store.getSource('cvelistV5');
      assert.equal(s?.lastError, undefined);
      assert.equal(s?.commit, 'abc');
      assert.equal(s?.nextSyncAt, '2025-01-25T00:00:00.000Z');
      assert.equal(s?.contentDate, '2025-01-24T00:00:00.000Z');
      await store.upsertSource({ id: 'kev', kind: 'kev' });
      assert.deepEqual(await store.getSource('kev'), { id: 'kev', kind: 'kev', counts: {} });
      assert.deepEqual((await store.listSources()).map((x) => x.id), ['cvelistV5', 'kev']);
      assert.equal(await store.getSource('nope'), undefined);
    });

    it('quarantine keeps raw bytes exactly (invalid UTF-8 too), lists by filter, changes status', async () => {
      const raw = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0xe2, 0x82, 0x7d, 0x0a]);
      const id1 = await store.addQuarantine({ source: 'cvelistV5', position: 'a.jsonl:7', cveId: 'CVE-2024-0001', code: 'BAD_UTF8', path: '/containers/cna', message: 'not UTF-8', raw });
      const id2 = await store.addQuarantine({ source: 'other', position: 'b.jsonl:1', code: 'JSON_SYNTAX', message: 'truncated', raw: new Uint8Array() });
      const id3 = await store.addQuarantine({ source: 'cvelistV5', position: 'a.jsonl:9', code: 'SCHEMA', message: 'bad', raw: new TextEncoder().encode('{}') });
      assert.ok(id1 < id2 && id2 < id3);
      const got = await store.getQuarantine(id1);
      assert.ok(got);
      assert.deepEqual(got.raw, raw);
      assert.ok(got.raw instanceof Uint8Array);
      assert.equal(got.size, raw.byteLength);
      assert.equal(got.status, 'open');
      assert.equal(got.cveId, 'CVE-2024-0001');
      assert.equal(got.path, '/containers/cna');
      assert.equal(got.code, 'BAD_UTF8');
      assert.ok(!Number.isNaN(Date.parse(got.createdAt)));
      assert.deepEqual((await store.getQuarantine(id2))?.raw, new Uint8Array());
      assert.equal(await store.getQuarantine(999_999), undefined);

      assert.deepEqual((await store.listQuarantine()).map((q) => q.id), [id1, id2, id3]);
      assert.deepEqual((await store.listQuarantine({ source: 'cvelistV5' })).map((q) => q.id), [id1, id3]);
      assert.deepEqual((await store.listQuarantine({ limit: 1, afterId: id1 })).map((q) => q.id), [id2]);
      assert.equal((await store.listQuarantine())[0].hasOwnProperty('raw'), false);
      assert.equal((await store.counts()).quarantined, 3);
      await store.setQuarantineStatus(id2, 'dismissed');
      await store.setQuarantineStatus(id3, 'retried');
      assert.deepEqual((await store.listQuarantine({ status: 'open' })).map((q) => q.id), [id1]);
      assert.deepEqual((await store.listQuarantine({ status: 'dismissed' })).map((q) => q.id), [id2]);
      assert.equal((await store.counts()).quarantined, 1);
      await assert.rejects(store.setQuarantineStatus(999_999, 'open'), (e: unknown) => e instanceof StoreError && e.code === 'NOT_FOUND');
    });

    it('jobs: start, checkpoint with the batch (counts, quarantine), resume after failure, new job after done', async () => {
      const job = await store.startJob('file:/data/records.jsonl:100:5', 'import:jsonl');
      assert.equal(job.status, 'running');
      assert.equal(job.position, null);
      assert.deepEqual(job.counts, {});
      assert.equal(job.kind, 'import:jsonl');
      // A second start while it runs (a crashed process) returns the same job.
      assert.equal((await store.startJob('file:/data/records.jsonl:100:5', 'import:jsonl')).id, job.id);

      const res = await store.writeBatch([write('CVE-2024-7001', {}, { source: 'jobs' }), write('CVE-2024-7002', { state: 'REJECTED' }, { source: 'jobs' })], {
        jobId: job.id,
        position: '{"next":3}',
        counts: { read: 3, quarantined: 1 },
        quarantine: [{ source: 'jobs', position: 'records.jsonl:2', code: 'JSON_SYNTAX', message: 'cut', raw: new Uint8Array([0x7b]) }],
      });
      assert.deepEqual(res.outcomes, ['added', 'added']);
      let saved = await store.getJob('file:/data/records.jsonl:100:5');
      assert.equal(saved?.position, '{"next":3}');
      assert.deepEqual(saved?.counts, { read: 3, quarantined: 1, added: 2, rejected: 1 });
      assert.deepEqual((await store.listQuarantine({ source: 'jobs' })).map((q) => q.position), ['records.jsonl:2']);

      // A batch with only quarantine entries and no writes still checkpoints.
      await store.writeBatch([], { jobId: job.id, position: '{"next":4}', counts: { read: 4, quarantined: 2, added: 2, rejected: 1 }, quarantine: [{ source: 'jobs', position: 'records.jsonl:4', code: 'SCHEMA', message: 'x', raw: new Uint8Array([1]) }] });
      saved = await store.getJob('file:/data/records.jsonl:100:5');
      assert.equal(saved?.position, '{"next":4}');
      assert.equal((await store.listQuarantine({ source: 'jobs' })).length, 2);

      await store.finishJob(job.id, 'failed', { read: 4 }, 'disk full');
      saved = await store.getJob('file:/data/records.jsonl:100:5');
      assert.equal(saved?.status, 'failed');
      assert.equal(saved?.error, 'disk full');
      const resumed = await store.startJob('file:/data/records.jsonl:100:5', 'import:jsonl');
      assert.equal(resumed.id, job.id);
      assert.equal(resumed.status, 'running');
      assert.equal(resumed.position, '{"next":4}');

      await store.finishJob(job.id, 'done', { read: 5, added: 2 });
      const done = await store.getJob('file:/data/records.jsonl:100:5');
      assert.equal(done?.status, 'done');
      assert.deepEqual(done?.counts, { read: 5, added: 2 });
      const next = await store.startJob('file:/data/records.jsonl:100:5', 'import:jsonl');
      assert.notEqual(next.id, job.id);
      assert.equal(next.position, null);
      assert.equal((await store.getJob('file:/data/records.jsonl:100:5'))?.id, next.id);
      assert.equal(await store.getJob('nope'), undefined);
      await assert.rejects(store.finishJob('nope', 'done', {}), (e: unknown) => e instanceof StoreError && e.code === 'NOT_FOUND');
    });

    it('meta: set, replace, get', async () => {
      assert.equal(await store.getMeta('sync:x'), undefined);
      await store.setMeta('sync:x', '{"a":1}');
      await store.setMeta('sync:x', '{"a":2}');
      assert.equal(await store.getMeta('sync:x'), '{"a":2}');
    });
  });

  describe(`${backend}: KEV and CWE`, () => {
    let t: TestStore;
    let store: Store;
    const older = readKevCatalog(sharedData('kev', 'history', 'known_exploited_vulnerabilities.2025.01.24.json'));
    const newer = readKevCatalog(sharedData('kev', 'known_exploited_vulnerabilities.json'));
    const olderIds = new Set(older.entries.map((e) => e.cveId));
    const addedLater = newer.entries.map((e) => e.cveId).filter((id) => !olderIds.has(id));
    before(async () => {
      t = await openTestStore(backend);
      store = t.store;
    });
    after(() => t.cleanup());

    const kevFlag = async (id: string): Promise<boolean> => {
      const rows = await rawQuery(backend, t.db, 'SELECT kev FROM records WHERE cve_id = $1', [id]);
      return Boolean(rows[0]?.kev);
    };

    it('imports two real catalogs: history of what each added; idempotent per version', async () => {
      // CVE-2024-3400 is in both catalogs, CVE-2025-23209 only in the newer one.
      await store.writeBatch([write('CVE-2024-3400'), write('CVE-2025-23209'), write('CVE-2024-0002')]);
      assert.equal(await kevFlag('CVE-2024-3400'), false);

      const r1 = await store.importKev(older);
      assert.deepEqual(r1, { added: older.entries.length, removed: 0, unchanged: 0, total: older.entries.length });
      assert.equal(await kevFlag('CVE-2024-3400'), true);
      assert.equal(await kevFlag('CVE-2025-23209'), false);
      assert.deepEqual(await store.importKev(older), { added: 0, removed: 0, unchanged: older.entries.length, total: older.entries.length });

      const r2 = await store.importKev(newer);
      assert.deepEqual(r2, { added: addedLater.length, removed: 0, unchanged: older.entries.length, total: newer.entries.length });
      assert.equal(addedLater.length, 152);
      assert.equal(await kevFlag('CVE-2025-23209'), true);
      assert.equal(await kevFlag('CVE-2024-0002'), false);
      assert.deepEqual(await store.importKev(newer), { added: 0, removed: 0, unchanged: newer.entries.length, total: newer.entries.length });
      // An older catalog after a newer one changes nothing.
      assert.equal((await store.importKev(older)).added, 0);

      assert.deepEqual(await store.kevHistory('CVE-2025-23209'), [{ cveId: 'CVE-2025-23209', change: 'added', catalogVersion: newer.catalogVersion, at: newer.dateReleased }]);
      assert.deepEqual((await store.kevHistory('CVE-2024-3400')).map((h) => h.catalogVersion), [older.catalogVersion]);
      assert.equal((await store.kevHistory()).length, older.entries.length + addedLater.length);

      const entry = await store.getKev('CVE-2024-3400');
      const expected = newer.entries.find((e) => e.cveId === 'CVE-2024-3400');
      assert.deepEqual(entry, expected);
      assert.equal(await store.getKev('CVE-2024-0002'), undefined);
    });

    it('a record written after the import gets the flag; a removal clears it and is in history', async () => {
      await store.writeBatch([write('CVE-2021-44228')]);
      assert.equal(await kevFlag('CVE-2021-44228'), true);
      const removedLater: KevCatalog = {
        catalogVersion: '2025.08.26',
        dateReleased: '2025-08-26T12:00:00.000Z',
        entries: newer.entries.filter((e) => e.cveId !== 'CVE-2021-44228' && e.cveId !== 'CVE-2024-3400'),
      };
      assert.deepEqual(await store.importKev(removedLater), { added: 0, removed: 2, unchanged: newer.entries.length - 2, total: newer.entries.length - 2 });
      assert.equal(await kevFlag('CVE-2021-44228'), false);
      assert.equal(await kevFlag('CVE-2024-3400'), false);
      assert.equal(await store.getKev('CVE-2021-44228'), undefined);
      assert.deepEqual(
        (await store.kevHistory('CVE-2024-3400')).map((h) => [h.change, h.catalogVersion]),
        [
          ['added', older.catalogVersion],
          ['removed', '2025.08.26'],
        ],
      );
      // A rewrite of a record no longer in KEV keeps the flag off.
      await store.writeBatch([write('CVE-2024-3400', { date: '2025-09-01T00:00:00.000Z' })]);
      assert.equal(await kevFlag('CVE-2024-3400'), false);
    });

    it('CWE: import, replace, get one and many', async () => {
      const n = await store.importCwe(
        [
          { id: 'CWE-79', name: 'Cross-site Scripting', type: 'weakness', abstraction: 'Base', status: 'Stable', description: 'XSS' },
          { id: 'CWE-1000', name: 'Research Concepts', type: 'view' },
        ],
        '4.14',
      );
      assert.equal(n, 2);
      await store.importCwe([{ id: 'CWE-79', name: "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')", type: 'weakness', abstraction: 'Base', status: 'Stable' }], '4.15');
      const c = await store.getCwe('CWE-79');
      assert.equal(c?.name, "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')");
      assert.equal(c?.description, undefined);
      assert.deepEqual(await store.getCwe('CWE-1000'), { id: 'CWE-1000', name: 'Research Concepts', type: 'view' });
      const many = await store.getCwes(['CWE-79', 'CWE-1000', 'CWE-9']);
      assert.deepEqual([...many.keys()].sort(), ['CWE-1000', 'CWE-79']);
      assert.equal((await store.getCwes([])).size, 0);
      assert.equal(await store.getCwe('CWE-9'), undefined);
    });
  });

  describe(`${backend}: real records in bulk`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
    });
    after(() => t.cleanup());

    it('stores all 11,053 records: 10,907 PUBLISHED, 146 REJECTED; again: all unchanged', async () => {
      const writes = realRecordLines().map((l, i) => recordWrite(l, { source: 'cvelistV5', origin: `records.jsonl:${i + 1}` }));
      assert.equal(writes.length, 11_053);
      for (let i = 0; i < writes.length; i += 1000) {
        const res = await t.store.writeBatch(writes.slice(i, i + 1000));
        assert.ok(res.outcomes.every((o) => o === 'added'));
      }
      const counts = await t.store.counts();
      assert.deepEqual(counts, { total: 11_053, byState: { PUBLISHED: 10_907, REJECTED: 146 }, versions: 11_053, quarantined: 0 });
      const again = await t.store.writeBatch(writes.slice(0, 1000));
      assert.ok(again.outcomes.every((o) => o === 'unchanged'));
      const sample = writes[5000];
      const got = await t.store.getRecord(sample.cveId);
      assert.equal(got?.json, sample.json);
      const ids = (await collect(t.store.iterateCurrent({ batchSize: 777 }))).map((x) => x.cveId);
      assert.deepEqual(ids, writes.map((w) => w.cveId));
      const source = await t.store.getSource('cvelistV5');
      assert.equal(source?.counts.added, 11_053);
      assert.equal(source?.counts.unchanged, 1000);
      assert.equal(source?.contentDate, writes.map((w) => w.dateUpdated).sort().at(-1));
    });

    it('older real versions of 958 of them go to history only', async () => {
      const current = new Set(realRecordLines().map((l) => (JSON.parse(l) as CveRecordJson).cveMetadata.cveId));
      const writes = otherVersionLines()
        .map((l) => recordWrite(l, { source: 'vulnrichment-2024-10' }))
        .filter((w) => current.has(w.cveId));
      assert.equal(writes.length, 958);
      const tally: Record<string, number> = {};
      for (let i = 0; i < writes.length; i += 1000) {
        for (const o of (await t.store.writeBatch(writes.slice(i, i + 1000))).outcomes) tally[o] = (tally[o] ?? 0) + 1;
      }
      assert.equal((tally.older ?? 0) + (tally.updated ?? 0), writes.length, JSON.stringify(tally));
      assert.ok((tally.older ?? 0) > writes.length * 0.9, JSON.stringify(tally));
      const counts = await t.store.counts();
      assert.equal(counts.total, 11_053);
      assert.equal(counts.versions, 11_053 + writes.length);
      const versions = await t.store.listVersions(writes[0].cveId);
      assert.equal(versions.length, 2);
      assert.equal(versions[1].source, 'vulnrichment-2024-10');
    });
  });

  if (backend === 'postgres') {
    describe('postgres: concurrent writers', () => {
      it('two stores writing versions of the same CVEs at once: no lost update, no duplicate version number', async () => {
        const { db, cleanup } = await createTestDb('postgres');
        const a = await openStore(db);
        const b = await openStore(db);
        try {
          await a.migrate();
          const ids = Array.from({ length: 20 }, (_, i) => `CVE-2024-${String(9000 + i)}`);
          // Each round: both stores write a batch naming all 20 CVEs (in opposite orders,
          // half of them new in round 0), with different contents.
          const rounds = 6;
          const jobs: Promise<unknown>[] = [];
          for (let r = 0; r < rounds; r++) {
            for (const [store, tag] of [
              [a, 'a'],
              [b, 'b'],
            ] as const) {
              const list = tag === 'a' ? ids : [...ids].reverse();
              const date = `2024-0${1 + r}-01T00:00:00.000Z`;
              jobs.push(store.writeBatch(list.map((id) => write(id, { date, title: `${tag}${r}` }))));
            }
          }
          const results = (await Promise.all(jobs)) as { outcomes: string[] }[];
          const tally: Record<string, number> = {};
          for (const res of results) for (const o of res.outcomes) tally[o] = (tally[o] ?? 0) + 1;
          assert.equal(tally.added, ids.length, JSON.stringify(tally));
          for (const id of ids) {
            const versions = await a.listVersions(id);
            assert.equal(versions.length, rounds * 2, id);
            assert.deepEqual(versions.map((v) => v.version), Array.from({ length: rounds * 2 }, (_, i) => i + 1));
            assert.equal(new Set(versions.map((v) => v.hash)).size, rounds * 2);
            assert.equal(versions.filter((v) => v.current).length, 1);
            const cur = await a.getRecord(id);
            assert.equal(cur?.dateUpdated, `2024-0${rounds}-01T00:00:00.000Z`);
          }
          const fts = await rawQuery('postgres', db, 'SELECT count(*)::int AS n FROM record_fts');
          assert.equal(fts[0].n, ids.length);
        } finally {
          await a.close();
          await b.close();
          await cleanup();
        }
      });

      it('two stores adding the same new CVEs at once, round after round: each is added once, every write kept as a version', async () => {
        const { db, cleanup } = await createTestDb('postgres');
        const a = await openStore(db);
        const b = await openStore(db);
        try {
          await a.migrate();
          const rounds = 25;
          const writers = 6;
          for (let r = 0; r < rounds; r++) {
            // New names every round, so every batch of both stores races to insert them.
            const ids = Array.from({ length: 30 }, (_, i) => `CVE-2023-${String(10_000 + r * 100 + i)}`);
            const results = await Promise.all(
              Array.from({ length: writers }, (_, w) => {
                const list = w % 2 === 0 ? ids : [...ids].reverse();
                return (w % 2 === 0 ? a : b).writeBatch(list.map((id) => write(id, { date: `2024-0${1 + w}-01T00:00:00.000Z`, title: `w${w}r${r}` })));
              }),
            );
            const outcomes = results.flatMap((res) => res.outcomes);
            assert.equal(outcomes.filter((o) => o === 'added').length, ids.length, `round ${r}: ${JSON.stringify(outcomes)}`);
            for (const id of [ids[0], ids[29]]) {
              assert.deepEqual((await a.listVersions(id)).map((v) => v.version), [1, 2, 3, 4, 5, 6], `${id} round ${r}`);
              assert.equal((await b.getRecord(id))?.dateUpdated, `2024-0${writers}-01T00:00:00.000Z`, id);
            }
          }
          const [n] = await rawQuery('postgres', db, 'SELECT count(*)::int AS n FROM records');
          assert.equal(n.n, rounds * 30);
        } finally {
          await a.close();
          await b.close();
          await cleanup();
        }
      });
    });
  }
}
