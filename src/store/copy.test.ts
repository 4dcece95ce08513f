/**
 * `copyStore` (`cvekit db copy`) between every pair of the backends under test: the bundled
 * sample (3,000 records, older versions, KEV, CWE) plus CNA, disclosure and quarantine rows
 * with the values that travel worst (bytes with NUL and 0xFF, booleans, JSON, sealed text,
 * ids with gaps). A copy must hold every row the source holds, search as a store of its kind
 * filled natively does, continue every sequence, and refuse or roll back as a whole.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadSample } from '../ingest/index.ts';
import { openTestStore, recordWrite, testBackends, type TestStore } from '../../test/support/stores.ts';
import { hostileRecord, hostileRejected } from '../formats/testing.ts';
import { checkStore } from './check.ts';
import { copyStore } from './copy.ts';
import { StoreError } from './errors.ts';
import { acquireLease } from './lease.ts';
import type { SearchQuery } from './search-types.ts';
import type { ColumnKind, TableAccess, TableInfo } from './table-types.ts';
import type { Store, StoreKind } from './types.ts';

const T0 = '2026-01-05T10:00:00.000Z';
const FILE_BYTES = new Uint8Array([0, 1, 2, 0xff, 0xfe, 0x00, 0x7f]);
const QUARANTINED = new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x00, 0x22]);

/** What only a copy of the whole store keeps: CNA, disclosure and quarantine rows. */
async function addStoreState(s: Store): Promise<void> {
  const audit = { at: T0, actorOrg: '', actorUser: '', action: 'org.create' };
  const org = { uuid: '3f0d6d6e-2f4b-4b9e-9a55-0c0ffee00001', shortName: 'acme', name: 'Acme "Corp" Ω', roles: ['CNA' as const], idQuota: 50, created: T0, modified: T0, rev: 1 };
  assert.equal(await s.cna.createOrg(org, { ...audit, org: org.uuid, target: 'acme', after: { name: org.name } }), 'ok');
  await s.disclosure.createCase({ id: 'case-1', revision: 1, createdAt: T0, updatedAt: T0, open: true, snapshot: '{"title":"sealed later","n":1}' }, [
    { caseId: 'case-1', seq: 1, at: T0, actor: 'team', type: 'case-opened', data: '{}' },
  ]);
  await s.disclosure.createCase({ id: 'case-2', revision: 3, createdAt: T0, updatedAt: T0, open: false, snapshot: '{}' }, []);
  await s.disclosure.insertReport({ id: 'r1', receivedAt: T0, status: 'open', body: 'enc:v1:0a1b2c3d:aXY:dGFn:Y2lwaGVy' }, {
    files: [{ id: 'f1', reportId: 'r1', name: 'poc.bin', mediaType: 'application/octet-stream', size: FILE_BYTES.length, sha256: 'x', uploadedBy: 'finder', createdAt: T0, bytes: FILE_BYTES }],
    tokens: [
      { hash: 'h-live', kind: 'finder', reportId: 'r1', createdAt: T0, expiresAt: '2027-01-01T00:00:00.000Z', revoked: false },
      { hash: 'h-revoked', kind: 'finder', reportId: 'r1', createdAt: T0, expiresAt: '2027-01-01T00:00:00.000Z', revoked: true },
    ],
    audit: [{ at: T0, actor: 'anonymous', action: 'report.submit', reportId: 'r1' }],
  });
  await s.disclosure.appendAudit([
    { at: T0, actor: 'team', action: 'case.read', caseId: 'case-1' },
    { at: T0, actor: 'team', action: 'case.read', caseId: 'case-2' },
  ]);
  // Quarantine rows with their ids, one dismissed: the copy's next id must follow them.
  for (let i = 0; i < 3; i++) {
    await s.addQuarantine({ source: 'test', position: `line ${i + 1}`, code: 'JSON_SYNTAX', message: `bad ${i}`, raw: QUARANTINED, ...(i === 1 ? { cveId: 'CVE-2024-0001' } : {}) });
  }
  await s.setQuarantineStatus(2, 'dismissed');
  await s.setMeta('sync:/srv/releases', '{"applied":["2025-01-24_delta_CVEs_at_0100Z.zip"]}');
  // Records that travel worst: NUL, C0/C1 controls, a lone surrogate, bidi overrides, 50 KB fields.
  await s.writeBatch([recordWrite(hostileRecord().record, { source: 'test' }), recordWrite(hostileRejected().record, { source: 'test' })]);
}

/** One comparable text per value, whichever backend gave it. */
function canonical(v: unknown, kinds: ReadonlySet<ColumnKind>): string {
  if (v === null || v === undefined) return 'null';
  if (kinds.has('json')) {
    const sorted = (x: unknown): unknown =>
      Array.isArray(x) ? x.map(sorted) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)).map(([k, y]) => [k, sorted(y)])) : x;
    return `j:${JSON.stringify(sorted(JSON.parse(String(v))))}`;
  }
  if (typeof v === 'boolean') return `n:${v ? 1 : 0}`;
  if (v instanceof Uint8Array) return `b:${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'bigint' || typeof v === 'number') return `n:${Number(v)}`;
  if (kinds.has('integer') && /^-?\d+$/.test(String(v))) return `n:${Number(v)}`;
  // PostgreSQL text holds no NUL: the store's own writes, and a copy, put U+FFFD there.
  return `s:${String(v).replaceAll('\u0000', '\ufffd')}`;
}

interface Dump {
  readonly tables: ReadonlyMap<string, TableInfo>;
  readonly rows: ReadonlyMap<string, readonly (readonly unknown[])[]>;
}

async function dump(access: TableAccess): Promise<Dump> {
  return access.snapshot(async (snap) => {
    const rows = new Map<string, unknown[][]>();
    for (const t of snap.tables) {
      const all: unknown[][] = [];
      for await (const batch of snap.rows(t.name, t.columns.filter((c) => !c.derived).map((c) => c.name))) all.push(...batch.map((r) => [...r]));
      rows.set(t.name, all);
    }
    return { tables: new Map(snap.tables.map((t) => [t.name, t])), rows };
  });
}

/** Each table's rows as sorted canonical lines, over the columns both stores keep. */
function compareDumps(a: Dump, b: Dump): void {
  assert.deepEqual([...a.tables.keys()].sort(), [...b.tables.keys()].sort());
  for (const [name, ta] of a.tables) {
    const tb = b.tables.get(name) as TableInfo;
    const columns = ta.columns.filter((c) => !c.derived).map((c) => c.name);
    const kinds = columns.map((c) => new Set([ta, tb].map((t) => t.columns.find((x) => x.name === c)?.kind as ColumnKind)));
    const colsB = tb.columns.filter((c) => !c.derived).map((c) => c.name);
    const lines = (rows: readonly (readonly unknown[])[], cols: readonly string[]): string[] =>
      rows.map((r) => columns.map((c, i) => canonical(r[cols.indexOf(c)], kinds[i])).join('\u0001')).sort();
    const left = lines(a.rows.get(name) ?? [], columns);
    const right = lines(b.rows.get(name) ?? [], colsB);
    assert.equal(right.length, left.length, `table ${name}: row count`);
    assert.deepEqual(right, left, `table ${name}: rows`);
  }
}

const QUERIES: readonly SearchQuery[] = [
  { words: ['buffer', 'overflow'], limit: 20 },
  { words: ['wordpress'], phrases: ['cross-site scripting'], limit: 20 },
  { words: ['linux', 'kernel'], excluded: ['memory'], limit: 20 },
  { words: ['sql'], kev: true, limit: 20 },
] as SearchQuery[];

async function searches(s: Store): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const q of QUERIES) {
    const r = await s.search.search(q);
    out.push({ total: r.total, ids: r.items.map((h) => h.cveId) });
  }
  return out;
}

const backends = testBackends();

describe('copyStore: the whole store into an empty store of either kind', () => {
  const natives = new Map<StoreKind, TestStore>();
  const dumps = new Map<StoreKind, Dump>();
  before(async () => {
    for (const b of backends) {
      const t = await openTestStore(b);
      await loadSample(t.store);
      await addStoreState(t.store);
      natives.set(b, t);
      dumps.set(b, await dump(t.store.tables));
    }
  });
  after(async () => {
    for (const t of natives.values()) await t.cleanup();
  });

  for (const from of backends) {
    for (const to of backends) {
      // Across backends the copy also derives every record's columns and index rows again: they
      // must come out as the source has them.
      const rederive = from !== to;
      it(`${from} → ${to}${rederive ? ' (--rederive)' : ''}: every row of every table, the same searches as a ${to} store, sequences continued`, async () => {
        const source = natives.get(from) as TestStore;
        const target = await openTestStore(to);
        try {
          const seen: number[] = [];
          // A sync running on the source while it is copied: its lease stays behind.
          const lease = await acquireLease(source.store, 'sync:cvelistV5', { what: 'a sync on the source' });
          const result = await copyStore(source.store, target.store, { rederive, onProgress: (p) => seen.push(p.done) }).finally(() => lease.release());
          assert.equal(result.rederived, rederive ? 3002 : undefined);
          assert.equal(await target.store.getMeta('lease:sync:cvelistV5'), undefined, 'no lease of the source');
          assert.equal(await target.store.getMeta('sync:/srv/releases'), await source.store.getMeta('sync:/srv/releases'), 'the sync position');
          assert.equal(result.fullText, 3002);
          assert.equal(result.tables.find((t) => t.name === 'record_versions')?.rows, (await source.store.counts()).versions);
          assert.ok(seen.length > 2 && seen.every((n, i) => i === 0 || n >= seen[i - 1]), 'progress only goes forward');

          compareDumps(dumps.get(from) as Dump, await dump(target.store.tables));
          assert.deepEqual(await target.store.counts(), await source.store.counts());
          assert.equal((await target.store.getRecord('CVE-2099-0001'))?.json, (await source.store.getRecord('CVE-2099-0001'))?.json, 'the stored JSON, byte for byte');
          const check = await checkStore(target.store);
          assert.ok(check.ok, JSON.stringify(check.problems.slice(0, 5)));

          // History kept as it was: version numbers, hashes, sources, arrival times.
          for (const id of ['CVE-2024-10539', 'CVE-2021-44228', 'CVE-2023-4863']) {
            assert.deepEqual(await target.store.listVersions(id), await source.store.listVersions(id), id);
          }
          const rejected = (await source.store.search.search({ states: ['REJECTED'], limit: 5 } as SearchQuery)).items;
          for (const h of rejected) assert.deepEqual(await target.store.getRecord(h.cveId), await source.store.getRecord(h.cveId));
          assert.deepEqual(await target.store.disclosure.getFile('f1').then((f) => f && Buffer.from(f.bytes)), Buffer.from(FILE_BYTES));
          assert.equal((await target.store.disclosure.findToken('h-revoked'))?.revoked, true);
          assert.equal((await target.store.disclosure.getCase('case-2'))?.open, false);
          assert.deepEqual(Buffer.from((await target.store.getQuarantine(3))?.raw ?? []), Buffer.from(QUARANTINED));
          assert.equal((await target.store.cna.getOrg('acme'))?.name, 'Acme "Corp" Ω');

          // The full-text index the target built answers as a store of its kind filled natively.
          assert.deepEqual(await searches(target.store), await searches((natives.get(to) as TestStore).store));

          // Sequences go on after the copied ids.
          const next = await target.store.addQuarantine({ source: 'test', position: 'after', code: 'JSON_SYNTAX', message: 'new', raw: new Uint8Array([1]) });
          assert.equal(next, 4);
          const copied = Math.max(...(await target.store.disclosure.listAudit()).map((e) => e.id));
          await target.store.disclosure.appendAudit([{ at: T0, actor: 'team', action: 'after.copy', caseId: 'case-1' }]);
          const added = (await target.store.disclosure.listAudit({ caseId: 'case-1' })).find((e) => e.action === 'after.copy');
          assert.equal(added?.id, copied + 1);
        } finally {
          await target.cleanup();
        }
      });
    }
  }

  it(`refuses a target that holds data, naming what it holds, and changes nothing there`, async () => {
    const [a, b] = [backends[0], backends.at(-1) as StoreKind];
    const target = await openTestStore(b);
    try {
      await target.store.addQuarantine({ source: 'x', position: '1', code: 'JSON_SYNTAX', message: 'm', raw: new Uint8Array([1]) });
      await assert.rejects(copyStore((natives.get(a) as TestStore).store, target.store), (err: unknown) => {
        assert.ok(err instanceof StoreError && err.code === 'NOT_EMPTY');
        assert.match(err.message, /already holds data \(quarantine: 1 row\): copy only into a new, empty store/);
        return true;
      });
      assert.equal((await target.store.counts()).total, 0);
      assert.equal((await target.store.listQuarantine()).length, 1);
      await assert.rejects(copyStore(target.store, target.store), /the source and the target are the same store/);
    } finally {
      await target.cleanup();
    }
  });

  it('a load that fails half-way leaves the target empty, and the same copy then succeeds', async () => {
    const from = natives.get(backends[0]) as TestStore;
    const target = await openTestStore(backends.at(-1) as StoreKind);
    try {
      // The target's own loader, failing at its fifth batch of record versions.
      const real = target.store.tables;
      let batches = 0;
      const failing: TableAccess = {
        snapshot: (fn) => real.snapshot(fn),
        load: (fn) =>
          real.load((l) =>
            fn({
              tables: l.tables,
              nonEmpty: () => l.nonEmpty(),
              setSequence: (t, v) => l.setSequence(t, v),
              rebuildFullText: (p) => l.rebuildFullText(p),
              insert: async (t, c, rows) => {
                await l.insert(t, c, rows);
                if (t === 'record_versions' && ++batches === 5) throw new Error('disk full (simulated)');
              },
            }),
          ),
      };
      await assert.rejects(copyStore(from.store, { ...target.store, location: target.store.location, tables: failing } as Store), /disk full/);
      assert.ok(batches === 5);
      assert.deepEqual(await real.load((l) => l.nonEmpty()), [], 'nothing of the failed copy stayed');
      const ok = await copyStore(from.store, target.store);
      assert.equal(ok.fullText, 3002);
    } finally {
      await target.cleanup();
    }
  });
});
