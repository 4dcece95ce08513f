/**
 * @module `cvekit db copy`: every row of one store into an empty store of either kind, so
 * a team that starts on the embedded SQLite file can move to PostgreSQL (or take a
 * PostgreSQL store into one portable file) with its whole state: every version of every
 * record, CNA organisations, users and reservations, disclosure cases with their files and
 * audit logs, KEV, CWE, enrichment, quarantine, sources and jobs.
 *
 * The source is read in one snapshot, so a server may keep writing to it; the target is
 * loaded in one transaction, so a failure or a `kill -9` leaves it as empty as it was and
 * the same command starts again. Rows travel as they are stored (ids, hashes, arrival
 * times, sealed texts); each target derives its own search index from the records.
 *
 * @example
 * const result = await copyStore(sqlite, postgres, { onProgress: (p) => bar.update(p.done, p.total) });
 */
import { summarizeRecord, type CveRecordJson } from '../cve/index.ts';
import { CAMEL, INDEX_TABLES, SUMMARY_COLUMNS, type IndexTable } from './derived-spec.ts';
import { StoreError } from './errors.ts';
import { summaryRows } from './rows.ts';
import type { TableInfo, TableLoader, TableSnapshot } from './table-types.ts';
import type { Store } from './types.ts';

export interface CopyProgress {
  readonly phase: 'rows' | 'full-text';
  /** The table being copied (phase `rows`). */
  readonly table?: string;
  /** Rows copied and full-text documents built so far, of `total`. */
  readonly done: number;
  readonly total: number;
}

export interface CopyResult {
  readonly from: string;
  readonly to: string;
  /** Rows per table, in the order they were loaded. */
  readonly tables: readonly { readonly name: string; readonly rows: number }[];
  readonly rows: number;
  /** Records whose full-text document the target built. */
  readonly fullText: number;
  /** With `rederive`: the records whose columns and index rows were computed from their JSON. */
  readonly rederived?: number;
}

export interface CopyOptions {
  readonly onProgress?: (p: CopyProgress) => void;
  /**
   * Compute every record's columns and index rows (affected, CWE, CVSS, replacements) from its
   * current JSON instead of copying them: the repair for what `db check` reports as `columns` or
   * `index-rows`, and the way to apply a newer cvekit's reading of the records to a whole store.
   */
  readonly rederive?: boolean;
}

/** Tables after the tables their foreign keys point to. */
function loadOrder(tables: readonly TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const out: TableInfo[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: TableInfo): void => {
    if (state.get(t.name) === 'done') return;
    if (state.get(t.name) === 'visiting') throw new StoreError('SCHEMA_MISMATCH', `foreign keys form a cycle through ${t.name}`);
    state.set(t.name, 'visiting');
    for (const dep of t.dependsOn) {
      const d = byName.get(dep);
      if (d) visit(d);
    }
    state.set(t.name, 'done');
    out.push(t);
  };
  for (const t of [...tables].sort((a, b) => a.name.localeCompare(b.name))) visit(t);
  return out;
}

/** The columns to copy: the source's stored (not derived) ones, which the target must have. */
function copiedColumns(source: TableInfo, target: TableInfo): string[] {
  const wanted = target.columns.filter((c) => !c.derived).map((c) => c.name);
  const have = source.columns.filter((c) => !c.derived).map((c) => c.name);
  const missing = wanted.filter((c) => !have.includes(c));
  const extra = have.filter((c) => !wanted.includes(c));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [missing.length ? `the source lacks ${missing.join(', ')}` : '', extra.length ? `the target lacks ${extra.join(', ')}` : ''].filter(Boolean);
    throw new StoreError('SCHEMA_MISMATCH', `table ${target.name} differs between the stores (${parts.join('; ')}): migrate both with the same cvekit version`);
  }
  return have;
}

/**
 * Rows that belong to the source's running processes, not to its data: the leases of its
 * syncs (`lease:…` in `meta`). Copied, they would hold the new store's syncs off until they lapse.
 */
function rowFilter(table: string, columns: readonly string[]): ((row: readonly unknown[]) => boolean) | undefined {
  if (table !== 'meta') return undefined;
  const key = columns.indexOf('key');
  return (row) => !String(row[key]).startsWith('lease:');
}

/**
 * A batch of `records` rows with the columns their current JSON decides computed again, and
 * their index rows written to the target from the same JSON (counted in `written`).
 */
async function rederive(
  snap: TableSnapshot,
  load: TableLoader,
  columns: readonly string[],
  batch: readonly (readonly unknown[])[],
  written: Map<string, number>,
): Promise<unknown[][]> {
  const at = (name: string): number => columns.indexOf(name);
  const ids = batch.map((r) => String(r[at('cve_id')]));
  const current = new Map(batch.map((r) => [String(r[at('cve_id')]), Number(r[at('version')])]));
  const json = new Map<string, string>();
  for (const [id, version, text] of await snap.rowsFor('record_versions', ['cve_id', 'version', 'json'], ids)) {
    if (Number(version) === current.get(String(id))) json.set(String(id), String(text));
  }
  const inKev = new Set((await snap.rowsFor('kev_entries', ['cve_id'], ids)).map((r) => String(r[0])));
  const index = new Map<IndexTable, unknown[][]>(Object.keys(INDEX_TABLES).map((t) => [t as IndexTable, []]));
  const out = batch.map((row) => {
    const id = String(row[at('cve_id')]);
    const text = json.get(id);
    if (text === undefined) throw new StoreError('NOT_FOUND', `cannot derive ${id} again: its current version ${current.get(id)} is not stored (restore the store from a backup)`, { cveId: id });
    const rows = summaryRows(id, summarizeRecord(JSON.parse(text) as CveRecordJson));
    const fresh = [...row];
    const given = rows.current as unknown as Record<string, unknown>;
    for (const c of SUMMARY_COLUMNS) if (at(c) >= 0) fresh[at(c)] = given[CAMEL[c]];
    if (at('kev') >= 0) fresh[at('kev')] = rows.current.kevAdp || inKev.has(id);
    for (const [table, spec] of Object.entries(INDEX_TABLES) as [IndexTable, (typeof INDEX_TABLES)[IndexTable]][]) {
      for (const r of spec.rows(rows.derived)) index.get(table)?.push([id, ...r]);
    }
    return fresh;
  });
  for (const [table, rows] of index) {
    if (rows.length > 0) await load.insert(table, ['cve_id', ...INDEX_TABLES[table].columns], rows);
    written.set(table, (written.get(table) ?? 0) + rows.length);
  }
  return out;
}

/** Copy every row of `from` into `to`, which must be migrated and empty. */
export async function copyStore(from: Store, to: Store, opts: CopyOptions = {}): Promise<CopyResult> {
  if (from.location === to.location) throw new StoreError('NOT_EMPTY', `the source and the target are the same store (${to.location})`);
  if (await from.pendingBulkLoad()) {
    throw new StoreError('INDEX_BUILDING', `${from.location} has a bulk import whose indexes are still to be built: let the import finish (or run \`cvekit db migrate\` on it) first`);
  }
  return from.tables.snapshot((snap) =>
    to.tables.load(async (load) => {
      // The records first, then the largest tables: what the store is, at a glance.
      const held = (await load.nonEmpty()).sort((a, b) => Number(b.table === 'records') - Number(a.table === 'records') || b.rows - a.rows);
      if (held.length > 0) {
        const list = held.slice(0, 4).map((h) => `${h.table}: ${h.rows.toLocaleString('en-US')} row${h.rows === 1 ? '' : 's'}`).join(', ');
        throw new StoreError('NOT_EMPTY', `${to.location} already holds data (${list}${held.length > 4 ? ', …' : ''}): copy only into a new, empty store`);
      }
      const sources = new Map(snap.tables.map((t) => [t.name, t]));
      const targets = new Map(load.tables.map((t) => [t.name, t]));
      const onlySource = [...sources.keys()].filter((n) => !targets.has(n));
      const onlyTarget = [...targets.keys()].filter((n) => !sources.has(n));
      if (onlySource.length > 0 || onlyTarget.length > 0) {
        throw new StoreError('SCHEMA_MISMATCH', `the stores have different tables (${[...onlySource.map((n) => `only the source has ${n}`), ...onlyTarget.map((n) => `only the target has ${n}`)].join('; ')}): migrate both with the same cvekit version`);
      }
      const order = loadOrder(load.tables);
      const plan = order.map((t) => ({ table: t, columns: copiedColumns(sources.get(t.name) as TableInfo, t) }));
      const counts = new Map<string, number>();
      for (const p of plan) counts.set(p.table.name, await snap.count(p.table.name));
      const records = counts.get('records') ?? 0;
      const total = [...counts.values()].reduce((a, b) => a + b, 0) + records;
      let done = 0;
      // Rows written per table: copied, or (with rederive) derived with their records.
      const written = new Map<string, number>();
      for (const { table, columns } of plan) {
        opts.onProgress?.({ phase: 'rows', table: table.name, done, total });
        if (opts.rederive && table.name in INDEX_TABLES) {
          // Written with the records they belong to (below).
          done += counts.get(table.name) ?? 0;
          continue;
        }
        const keep = rowFilter(table.name, columns);
        for await (const batch of snap.rows(table.name, columns)) {
          let kept = keep ? batch.filter(keep) : batch;
          if (opts.rederive && table.name === 'records') kept = await rederive(snap, load, columns, kept, written);
          if (kept.length > 0) await load.insert(table.name, columns, kept);
          written.set(table.name, (written.get(table.name) ?? 0) + kept.length);
          done += batch.length;
          opts.onProgress?.({ phase: 'rows', table: table.name, done, total });
        }
        // Ids handed out and since deleted stay used: an audit log never reuses a number.
        if (table.sequenceColumn) await load.setSequence(table.name, (await snap.sequence(table.name)) ?? 0);
      }
      const before = done;
      const fullText = await load.rebuildFullText((n) => opts.onProgress?.({ phase: 'full-text', done: before + n, total }));
      const tables = plan.map(({ table }) => ({ name: table.name, rows: written.get(table.name) ?? 0 }));
      const rows = tables.reduce((a, t) => a + t.rows, 0);
      return { from: from.location, to: to.location, tables, rows, fullText, ...(opts.rederive ? { rederived: records } : {}) };
    }),
  );
}
