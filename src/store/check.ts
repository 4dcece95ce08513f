/**
 * @module `cvekit db check`: whether the store is what its writes should have left, on either
 * backend, read in one snapshot. For every record:
 * - each stored version's JSON still hashes to its hash and names that record;
 * - the versions run 1…n, and the record's current version is one of them, with its hash,
 *   date and source;
 * - the record's columns and its index rows (affected products, CWE ids, CVSS metrics,
 *   replacement edges) are what its current JSON gives (`summaryRows`).
 *
 * Version and index rows of no record are counted as orphans. It only reads; the problems come
 * with the CVE name and what differs, the first ones listed in full and all of them counted.
 *
 * @example
 * const report = await checkStore(store);
 * if (!report.ok) for (const p of report.problems) console.log(p.cveId, p.message);
 */
import { hashRecordJson, summarizeRecord, type CveRecordJson } from '../cve/index.ts';
import { CAMEL, INDEX_TABLES, SUMMARY_COLUMNS, type IndexTable } from './derived-spec.ts';
import { summaryRows } from './rows.ts';
import type { TableSnapshot } from './table-types.ts';
import type { Store } from './types.ts';

export type CheckProblemKind = 'bad-version' | 'hash' | 'versions' | 'current' | 'columns' | 'index-rows' | 'orphans';

export interface CheckProblem {
  readonly kind: CheckProblemKind;
  /** The record concerned (absent for orphans, which belong to none). */
  readonly cveId?: string;
  readonly message: string;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly records: number;
  readonly versions: number;
  /** Problems by kind, all of them. */
  readonly counts: Readonly<Partial<Record<CheckProblemKind, number>>>;
  /** The first problems in full (up to `maxListed`). */
  readonly problems: readonly CheckProblem[];
}

export interface CheckOptions {
  readonly maxListed?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

const RECORD_COLUMNS = ['cve_id', 'version', 'last_version', 'hash', 'date_updated', 'source', ...SUMMARY_COLUMNS];
const VERSION_COLUMNS = ['cve_id', 'version', 'hash', 'json', 'date_updated', 'source'];

/**
 * One comparable text for a value from either backend: numbers and booleans alike (SQLite's
 * 0/1), JSON by content, NUL as PostgreSQL stores it and lone surrogates as both do (U+FFFD).
 */
function same(v: unknown, json = false): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number' || typeof v === 'bigint') return String(Number(v));
  // A lone surrogate cannot be stored as UTF-8: both backends keep U+FFFD.
  const text = String(v).toWellFormed().replaceAll('\u0000', '\ufffd').replaceAll('\\u0000', '\\ufffd');
  if (json) {
    try {
      return JSON.stringify(JSON.parse(text));
    } catch {
      return text;
    }
  }
  return /^-?\d+(\.\d+)?$/.test(text) ? String(Number(text)) : text;
}

const rowText = (row: readonly unknown[], jsonAt: number): string => row.map((v, i) => same(v, i === jsonAt)).join('\u0001');

function groupById(rows: readonly (readonly unknown[])[]): Map<string, (readonly unknown[])[]> {
  const out = new Map<string, (readonly unknown[])[]>();
  for (const r of rows) {
    const id = String(r[0]);
    const list = out.get(id);
    if (list) list.push(r);
    else out.set(id, [r]);
  }
  return out;
}

/** Check every record of the store (see the module). */
export async function checkStore(store: Store, opts: CheckOptions = {}): Promise<CheckReport> {
  const maxListed = opts.maxListed ?? 50;
  const problems: CheckProblem[] = [];
  const counts: Partial<Record<CheckProblemKind, number>> = {};
  const report = (kind: CheckProblemKind, cveId: string | undefined, message: string): void => {
    counts[kind] = (counts[kind] ?? 0) + 1;
    if (problems.length < maxListed) problems.push({ kind, ...(cveId !== undefined ? { cveId } : {}), message });
  };
  return store.tables.snapshot(async (snap: TableSnapshot) => {
    const total = await snap.count('records');
    // Rows reached through a record, per table: the rest belong to none.
    const reached: Record<string, number> = Object.fromEntries(['record_versions', ...Object.keys(INDEX_TABLES)].map((t) => [t, 0]));
    let records = 0;
    for await (const batch of snap.rows('records', RECORD_COLUMNS)) {
      const ids = batch.map((r) => String(r[0]));
      const versions = groupById(await snap.rowsFor('record_versions', VERSION_COLUMNS, ids));
      const indexes = new Map<IndexTable, Map<string, (readonly unknown[])[]>>();
      for (const table of Object.keys(INDEX_TABLES) as IndexTable[]) {
        const rows = await snap.rowsFor(table, ['cve_id', ...INDEX_TABLES[table].columns], ids);
        reached[table] += rows.length;
        indexes.set(table, groupById(rows));
      }
      for (const rec of batch) {
        const cveId = String(rec[0]);
        const col = (name: string): unknown => rec[RECORD_COLUMNS.indexOf(name)];
        const list = versions.get(cveId) ?? [];
        reached.record_versions += list.length;
        // Every version: its JSON parses, names this record and hashes to the stored hash.
        let current: { record: CveRecordJson; stored: Readonly<Record<'hash' | 'date_updated' | 'source', unknown>> } | undefined;
        for (const [, version, hash, json, dateUpdated, source] of list) {
          let record: CveRecordJson;
          try {
            record = JSON.parse(String(json)) as CveRecordJson;
          } catch (err) {
            report('bad-version', cveId, `${cveId} version ${version}: its JSON does not parse (${(err as Error).message})`);
            continue;
          }
          const named = record.cveMetadata?.cveId;
          if (named !== cveId) report('bad-version', cveId, `${cveId} version ${version}: its JSON is the record of ${String(named)}`);
          if (hashRecordJson(String(json)) !== hash) report('hash', cveId, `${cveId} version ${version}: its JSON no longer hashes to its hash ${String(hash).slice(0, 12)}…`);
          if (Number(version) === Number(col('version'))) current = { record, stored: { hash, date_updated: dateUpdated, source } };
        }
        const numbers = list.map((v) => Number(v[1]));
        if (numbers.some((n, i) => n !== i + 1) || Number(col('last_version')) !== numbers.length) {
          report('versions', cveId, `${cveId}: versions ${numbers.join(', ') || 'none'} with last_version ${String(col('last_version'))} (expected 1…n and n)`);
        }
        if (!current) {
          report('current', cveId, `${cveId}: its current version ${String(col('version'))} is not stored`);
          continue;
        }
        const { stored } = current;
        const mismatched = (['hash', 'date_updated', 'source'] as const).filter((c) => same(col(c)) !== same(stored[c]));
        if (mismatched.length > 0) report('current', cveId, `${cveId}: ${mismatched.join(', ')} differ from its current version ${String(col('version'))}`);
        let rows: ReturnType<typeof summaryRows>;
        try {
          rows = summaryRows(cveId, summarizeRecord(current.record));
        } catch (err) {
          report('bad-version', cveId, `${cveId}: its current version cannot be summarised (${(err as Error).message})`);
          continue;
        }
        const expected = rows.current as unknown as Record<string, unknown>;
        const columns = SUMMARY_COLUMNS.filter((c) => same(col(c)) !== same(expected[CAMEL[c]]));
        if (columns.length > 0) report('columns', cveId, `${cveId}: ${columns.join(', ')} differ from what its current version gives`);
        for (const table of Object.keys(INDEX_TABLES) as IndexTable[]) {
          const spec = INDEX_TABLES[table];
          const jsonAt = spec.json ? spec.columns.indexOf(spec.json) : -1;
          const stored = (indexes.get(table)?.get(cveId) ?? []).map((r) => rowText(r.slice(1), jsonAt)).sort();
          const fresh = spec.rows(rows.derived).map((r) => rowText(r, jsonAt)).sort();
          if (stored.join('\n') !== fresh.join('\n')) report('index-rows', cveId, `${cveId}: ${table} holds ${stored.length} row(s) that differ from the ${fresh.length} its current version gives`);
        }
      }
      records += batch.length;
      opts.onProgress?.(records, total);
    }
    // Rows the records did not reach belong to no record.
    let versions = 0;
    for (const [table, n] of Object.entries(reached)) {
      const all = await snap.count(table);
      if (table === 'record_versions') versions = all;
      if (all > n) report('orphans', undefined, `${table}: ${all - n} row(s) of CVE names with no record`);
    }
    return { ok: Object.keys(counts).length === 0, records, versions, counts, problems };
  });
}
