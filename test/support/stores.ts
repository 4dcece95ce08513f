/**
 * @module Stores for tests: the backends to run (`CVEKIT_TEST_STORES`, default
 * `sqlite,postgres`), a migrated empty store of each, and record writes built from
 * real CVE JSON.
 *
 * @example
 * for (const backend of testBackends()) {
 *   describe(`${backend}: lookup`, () => {
 *     let t: TestStore;
 *     before(async () => { t = await openTestStore(backend); });
 *     after(() => t.cleanup());
 *     it('finds nothing in an empty store', async () => { … t.store … });
 *   });
 * }
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import type { CveRecordJson, MetricSummary, RecordSummary } from '../../src/cve/types.ts';
import { openStore } from '../../src/store/open.ts';
import type { RecordWrite, Store, StoreKind } from '../../src/store/types.ts';
import { createTestDatabase } from './postgres.ts';
import { sharedData } from './paths.ts';

const KNOWN: readonly StoreKind[] = ['sqlite', 'postgres'];

/** The backends this run covers, from `CVEKIT_TEST_STORES` (e.g. `sqlite`). */
export function testBackends(): StoreKind[] {
  const list = (process.env.CVEKIT_TEST_STORES ?? 'sqlite,postgres')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const b of list) {
    if (!(KNOWN as readonly string[]).includes(b)) throw new Error(`CVEKIT_TEST_STORES: unknown backend "${b}" (use ${KNOWN.join(',')})`);
  }
  return list as StoreKind[];
}

export interface TestStore {
  readonly store: Store;
  /** The `--db` value, to open more instances on the same data. */
  readonly db: string;
  cleanup(): Promise<void>;
}

/** A database location with nothing in it (not opened, not migrated). */
export async function createTestDb(backend: StoreKind): Promise<{ db: string; cleanup(): Promise<void> }> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'cvekit-sqlite-'));
    return { db: `sqlite:${join(dir, 'cvekit.db')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const d = await createTestDatabase();
  return { db: d.url, cleanup: () => d.drop() };
}

/** A migrated, empty store; `cleanup()` closes it and deletes its data. */
export async function openTestStore(backend: StoreKind): Promise<TestStore> {
  const { db, cleanup } = await createTestDb(backend);
  const store = await openStore(db);
  await store.migrate();
  return {
    store,
    db,
    async cleanup() {
      await store.close();
      await cleanup();
    },
  };
}

// --- record writes ---------------------------------------------------------------

type Summarize = (record: CveRecordJson) => RecordSummary;
type DateUpdated = (record: CveRecordJson) => string;

/** The real summariser when `src/cve/record.ts` loads, else the small one below. */
const real = await import('../../src/cve/record.ts').then(
  (m) => ({ summarize: m.summarizeRecord as Summarize, dateUpdated: m.recordDateUpdated as DateUpdated }),
  () => undefined,
);

/** Enough of `summarizeRecord` for store tests: CNA and ADP containers, no text mining. */
export function fixtureSummary(record: CveRecordJson): RecordSummary {
  const meta = record.cveMetadata;
  const cna = record.containers.cna;
  const containers = [['cna', cna] as const, ...(record.containers.adp ?? []).map((a) => [`adp:${a.providerMetadata.shortName ?? a.providerMetadata.orgId}`, a] as const)];
  const descriptions = meta.state === 'REJECTED' ? (cna.rejectedReasons ?? []) : (cna.descriptions ?? []);
  const metrics: MetricSummary[] = [];
  const cweIds = new Set<string>();
  for (const [source, c] of containers) {
    for (const m of c.metrics ?? []) {
      for (const [key, version] of [['cvssV2_0', '2.0'], ['cvssV3_0', '3.0'], ['cvssV3_1', '3.1'], ['cvssV4_0', '4.0']] as const) {
        const v = m[key];
        if (v) metrics.push({ source: source as MetricSummary['source'], version, vectorString: v.vectorString, baseScore: v.baseScore, baseSeverity: v.baseSeverity ?? 'NONE' });
      }
    }
    for (const p of c.problemTypes ?? []) for (const d of p.descriptions) if (d.cweId) cweIds.add(d.cweId);
  }
  return {
    cveId: meta.cveId,
    state: meta.state,
    dataVersion: record.dataVersion,
    assignerOrgId: meta.assignerOrgId,
    ...(meta.assignerShortName ? { assignerShortName: meta.assignerShortName } : {}),
    ...(cna.title ? { title: cna.title } : {}),
    descriptions,
    description: descriptions.find((d) => d.lang.startsWith('en'))?.value ?? descriptions[0]?.value ?? '',
    dates: { reserved: meta.dateReserved, published: meta.datePublished, updated: meta.dateUpdated, rejected: meta.dateRejected },
    affected: containers.flatMap(([source, c]) =>
      (c.affected ?? []).map((a) => ({
        source: source as MetricSummary['source'],
        vendor: a.vendor ?? 'n/a',
        product: a.product ?? a.packageName ?? 'n/a',
        ...(a.packageName ? { packageName: a.packageName } : {}),
        ...(a.collectionURL ? { collectionURL: a.collectionURL } : {}),
        ...(a.defaultStatus ? { defaultStatus: a.defaultStatus } : {}),
        cpes: a.cpes ?? [],
        versions: a.versions ?? [],
      })),
    ),
    cweIds: [...cweIds],
    metrics,
    references: containers.flatMap(([source, c]) =>
      (c.references ?? []).map((r) => ({ source: source as MetricSummary['source'], url: r.url, ...(r.name ? { name: r.name } : {}), tags: r.tags ?? [] })),
    ),
    replacements: (cna.replacedBy ?? []).map((target) => ({ kind: 'replaced-by' as const, target, from: 'replacedBy' })),
    related: [],
    adpProviders: (record.containers.adp ?? []).map((a) => a.providerMetadata.shortName ?? a.providerMetadata.orgId),
  };
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export interface WriteOptions {
  readonly source?: string;
  readonly origin?: string;
  readonly force?: boolean;
  /** Use the fixture summariser even when the real one is available. */
  readonly fixture?: boolean;
}

/** A RecordWrite for one CVE JSON 5 record (object or minified text). */
export function recordWrite(record: CveRecordJson | string, opts: WriteOptions = {}): RecordWrite {
  const json = typeof record === 'string' ? record : JSON.stringify(record);
  const parsed = typeof record === 'string' ? (JSON.parse(record) as CveRecordJson) : record;
  const summarize = opts.fixture || !real ? fixtureSummary : real.summarize;
  const summary = summarize(parsed);
  const dateUpdated = (real && !opts.fixture ? real.dateUpdated(parsed) : '') || parsed.cveMetadata.dateUpdated || parsed.cveMetadata.datePublished || '';
  return {
    cveId: summary.cveId,
    json,
    hash: sha256(json),
    summary,
    dateUpdated,
    source: opts.source ?? 'test',
    ...(opts.origin === undefined ? {} : { origin: opts.origin }),
    ...(opts.force === undefined ? {} : { force: opts.force }),
  };
}

/** The 11,053 real records of `cve5/records.jsonl` (or the first `limit`), as minified JSON lines. */
export function realRecordLines(limit = Infinity): string[] {
  const lines = readFileSync(sharedData('cve5', 'records.jsonl'), 'utf8').split('\n').filter(Boolean);
  return Number.isFinite(limit) ? lines.slice(0, limit) : lines;
}

/** Older, different versions of 6,861 of those records (`cve5/other-versions.jsonl.gz`). */
export function otherVersionLines(): string[] {
  return gunzipSync(readFileSync(sharedData('cve5', 'other-versions.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean);
}

/** Read the database behind a store directly (derived tables are not in the interface). */
export async function rawQuery(backend: StoreKind, db: string, sql: string, params: unknown[] = [], opts: { write?: boolean } = {}): Promise<Record<string, unknown>[]> {
  if (backend === 'sqlite') {
    const d = new DatabaseSync(db.slice('sqlite:'.length), { readOnly: opts.write !== true });
    try {
      return d.prepare(sql.replace(/\$(\d+)/g, '?$1')).all(...(params as (string | number)[])) as Record<string, unknown>[];
    } finally {
      d.close();
    }
  }
  const c = new pg.Client({ connectionString: db });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}
