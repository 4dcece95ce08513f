/**
 * @module The SQLite store by table (`TableAccess`): a snapshot is one read transaction (a
 * WAL reader sees one commit, whatever writers do meanwhile), a load one `BEGIN IMMEDIATE`
 * transaction. The full-text index (FTS5 and its shadow tables), the bulk-load staging table
 * and the migration bookkeeping are the store's own and never copied; `record_cwes.id_key`
 * is computed from `cve_id`.
 * @internal
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StoreError } from '../errors.ts';
import { fullTextOf } from '../full-text.ts';
import { idKey } from '../rows.ts';
import { columnKinds, quoteIdent, tableOf } from '../table-access.ts';
import type { ColumnKind, TableAccess, TableColumn, TableInfo, TableLoader, TableSnapshot } from '../table-types.ts';
import { STAGE_TABLE } from './bulk-load.ts';

/** Rows per batch a snapshot yields, and the byte size that ends a batch sooner. */
const BATCH_ROWS = 500;
const BATCH_BYTES = 4 * 1024 * 1024;

/** Columns the store computes from others (never copied; filled on load). */
const DERIVED: Readonly<Record<string, Readonly<Record<string, { from: string; value: (v: unknown) => unknown }>>>> = {
  record_cwes: { id_key: { from: 'cve_id', value: (v) => idKey(String(v)) } },
};

const q = quoteIdent;

/** SQLite's type affinity rules (section 3.1 of its datatype page), as a column kind. */
function kindOf(declared: string): ColumnKind {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'integer';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'text';
  if (t === '' || t.includes('BLOB')) return 'blob';
  return 'real';
}

/** The data tables, each with its columns, sequence and the tables its foreign keys name. */
function describeTables(db: DatabaseSync): TableInfo[] {
  const all = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string; sql: string | null }[];
  const virtual = all.filter((t) => /^\s*CREATE\s+VIRTUAL\s/i.test(t.sql ?? '')).map((t) => t.name);
  const own = (name: string): boolean =>
    name.startsWith('sqlite_') || name === 'schema_migrations' || name === STAGE_TABLE ||
    virtual.some((v) => name === v || name.startsWith(`${v}_`));
  return all.filter((t) => !own(t.name)).map((t): TableInfo => {
    const info = db.prepare('SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid').all(t.name) as { name: string; type: string; pk: number }[];
    const derived = DERIVED[t.name] ?? {};
    const columns = info.map((c): TableColumn => ({ name: c.name, kind: kindOf(c.type), ...(derived[c.name] ? { derived: true } : {}) }));
    const pk = info.filter((c) => c.pk > 0);
    const auto = /AUTOINCREMENT/i.test(t.sql ?? '') && pk.length === 1 ? pk[0].name : undefined;
    const refs = db.prepare('SELECT DISTINCT "table" AS t FROM pragma_foreign_key_list(?)').all(t.name) as { t: string }[];
    return { name: t.name, columns, ...(auto ? { sequenceColumn: auto } : {}), dependsOn: refs.map((r) => r.t).filter((n) => n !== t.name) };
  });
}

/** Primary-key order (rowid order for a table without one): the order a B-tree walks cheaply. */
function orderBy(db: DatabaseSync, table: string): string {
  const pk = (db.prepare('SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk').all(table) as { name: string }[]).map((c) => q(c.name));
  return pk.length > 0 ? pk.join(', ') : 'rowid';
}

function sizeOf(v: unknown): number {
  return typeof v === 'string' ? v.length : v instanceof Uint8Array ? v.byteLength : 8;
}

/** A value from either backend, as this column stores it. */
function toSqlite(v: unknown, kind: ColumnKind): null | number | bigint | string | Uint8Array {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'bigint' || v instanceof Uint8Array) return v;
  if (typeof v === 'string') {
    // PostgreSQL's bigint arrives as text.
    if (kind === 'integer' && /^-?\d+$/.test(v)) {
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : BigInt(v);
    }
    return v;
  }
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v);
}

/** What a snapshot and a loader share: the connection in its transaction, the tables' shapes. */
abstract class OnDb {
  readonly tables: readonly TableInfo[];
  protected readonly db: DatabaseSync;
  constructor(db: DatabaseSync) {
    this.db = db;
    this.tables = describeTables(db);
  }

  protected rowCount(table: string): number {
    return Number((this.db.prepare(`SELECT count(*) AS n FROM ${q(table)}`).get() as { n: number }).n);
  }
}

class Snapshot extends OnDb implements TableSnapshot {
  async count(table: string): Promise<number> {
    tableOf(this.tables, table);
    return this.rowCount(table);
  }

  /** `SELECT columns FROM table [where] ORDER BY its primary key`, rows as arrays. */
  #select(table: string, columns: readonly string[], where = ''): StatementSync {
    columnKinds(tableOf(this.tables, table), columns);
    const stmt = this.db.prepare(`SELECT ${columns.map(q).join(', ')} FROM ${q(table)}${where} ORDER BY ${orderBy(this.db, table)}`);
    stmt.setReturnArrays(true);
    return stmt;
  }

  async *rows(table: string, columns: readonly string[]): AsyncIterable<readonly (readonly unknown[])[]> {
    const stmt = this.#select(table, columns);
    let batch: unknown[][] = [];
    let bytes = 0;
    for (const row of stmt.iterate() as Iterable<unknown[]>) {
      batch.push(row);
      for (const v of row) bytes += sizeOf(v);
      if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) {
        yield batch;
        batch = [];
        bytes = 0;
      }
    }
    if (batch.length > 0) yield batch;
  }

  async rowsFor(table: string, columns: readonly string[], cveIds: readonly string[]): Promise<(readonly unknown[])[]> {
    return this.#select(table, columns, ' WHERE cve_id IN (SELECT value FROM json_each(?))').all(JSON.stringify(cveIds)) as unknown as unknown[][];
  }

  async sequence(table: string): Promise<number | undefined> {
    if (!tableOf(this.tables, table).sequenceColumn) return undefined;
    const row = this.db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').get(table) as { seq: number } | undefined;
    return row ? Number(row.seq) : undefined;
  }
}

class Loader extends OnDb implements TableLoader {
  async nonEmpty(): Promise<{ table: string; rows: number }[]> {
    const out: { table: string; rows: number }[] = [];
    for (const t of [...this.tables.map((x) => x.name), 'record_fts']) {
      const n = this.rowCount(t);
      if (n > 0) out.push({ table: t, rows: n });
    }
    return out;
  }

  async insert(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
    const kinds = columnKinds(tableOf(this.tables, table), columns);
    const derived = Object.entries(DERIVED[table] ?? {}).filter(([name]) => !columns.includes(name));
    const sources = derived.map(([, d]) => {
      const i = columns.indexOf(d.from);
      if (i < 0) throw new StoreError('SCHEMA_MISMATCH', `table ${table}: column ${d.from} is needed to compute the others`);
      return i;
    });
    const names = [...columns, ...derived.map(([name]) => name)];
    const stmt = this.db.prepare(`INSERT INTO ${q(table)} (${names.map(q).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
    for (const row of rows) {
      const values = row.map((v, i) => toSqlite(v, kinds[i]));
      for (let k = 0; k < derived.length; k++) values.push(toSqlite(derived[k][1].value(row[sources[k]]), 'integer'));
      stmt.run(...values);
    }
  }

  async setSequence(table: string, value: number): Promise<void> {
    const col = tableOf(this.tables, table).sequenceColumn;
    if (!col) return;
    // Inserting explicit ids already raised it to the largest; never lower it.
    const changed = this.db.prepare('UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?').run(value, table).changes;
    if (Number(changed) === 0) this.db.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)').run(table, value);
  }

  async rebuildFullText(onProgress?: (done: number) => void): Promise<number> {
    this.db.exec("INSERT INTO record_fts (record_fts) VALUES ('delete-all')");
    const current = this.db.prepare(
      `SELECT r.id_key, r.cve_id, v.json FROM records r JOIN record_versions v ON v.cve_id = r.cve_id AND v.version = r.version ORDER BY r.id_key`,
    );
    const insert = this.db.prepare('INSERT INTO record_fts (rowid, title, products, description, keywords, refs) VALUES (?, ?, ?, ?, ?, ?)');
    let done = 0;
    for (const row of current.iterate() as Iterable<{ id_key: number; cve_id: string; json: string }>) {
      const d = fullTextOf(row.cve_id, row.json);
      insert.run(row.id_key, d.title, d.products, d.description, d.keywords, d.refs);
      if (++done % 1000 === 0) onProgress?.(done);
    }
    onProgress?.(done);
    return done;
  }
}

/** Table access on one connection; `checkWritable` throws when the store is read-only. */
export function sqliteTables(db: DatabaseSync, checkWritable: () => void): TableAccess {
  return {
    async snapshot(fn) {
      // A deferred BEGIN takes its snapshot at the first read: describing the tables is one.
      db.exec('BEGIN');
      try {
        return await fn(new Snapshot(db));
      } finally {
        if (db.isTransaction) db.exec('ROLLBACK');
      }
    },
    async load(fn) {
      checkWritable();
      db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(new Loader(db));
        db.exec('COMMIT');
        return out;
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw err;
      }
    },
  };
}
