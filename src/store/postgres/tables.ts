/**
 * @module The PostgreSQL store by table (`TableAccess`): a snapshot is one `REPEATABLE READ`
 * read-only transaction read through cursors, a load one transaction that locks the tables
 * against other writers. The full-text table (`record_fts`, a tsvector per record) and the
 * migration bookkeeping are the store's own and never copied.
 * @internal
 */
import type pg from 'pg';
import type { PoolClient } from 'pg';
import { StoreError } from '../errors.ts';
import { fullTextOf } from '../full-text.ts';
import { noNul, type FtsDoc } from '../rows.ts';
import { columnKinds, quoteIdent, tableOf } from '../table-access.ts';
import type { ColumnKind, TableAccess, TableColumn, TableInfo, TableLoader, TableSnapshot } from '../table-types.ts';
import { insertFullText } from './postgres-store.ts';

/** The store's own tables: never copied. */
const OWN = new Set(['schema_migrations', 'record_fts']);
/** Rows per fetch, fewer for tables with files in them; parameters and bytes per INSERT. */
const FETCH_ROWS = 500;
const FETCH_ROWS_BLOBS = 8;
const MAX_PARAMS = 30_000;
const MAX_INSERT_BYTES = 8 * 1024 * 1024;

const q = quoteIdent;

function kindOf(dataType: string): ColumnKind {
  if (/^(smallint|integer|bigint)$/.test(dataType)) return 'integer';
  if (/^(real|double precision|numeric)$/.test(dataType)) return 'real';
  if (dataType === 'boolean') return 'boolean';
  if (dataType === 'json' || dataType === 'jsonb') return 'json';
  if (dataType === 'bytea') return 'blob';
  return 'text';
}

interface PgTable extends TableInfo {
  /** Its sequence column is an identity column: explicit values need OVERRIDING SYSTEM VALUE. */
  readonly identity: boolean;
  readonly primaryKey: readonly string[];
}

async function describeTables(c: PoolClient): Promise<PgTable[]> {
  const cols = await c.query<{ table_name: string; column_name: string; data_type: string; is_identity: string; column_default: string | null }>(
    `SELECT c.table_name, c.column_name, c.data_type, c.is_identity, c.column_default
     FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
     ORDER BY c.table_name, c.ordinal_position`,
  );
  const fks = await c.query<{ t: string; ref: string }>(
    `SELECT DISTINCT conrelid::regclass::text AS t, confrelid::regclass::text AS ref
     FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace`,
  );
  const pks = await c.query<{ t: string; col: string }>(
    `SELECT i.indrelid::regclass::text AS t, a.attname AS col
     FROM pg_index i
     JOIN pg_class r ON r.oid = i.indrelid AND r.relnamespace = current_schema()::regnamespace
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE i.indisprimary
     ORDER BY 1, array_position(i.indkey::int2[], a.attnum)`,
  );
  const byTable = new Map<string, typeof cols.rows>();
  for (const r of cols.rows) {
    if (OWN.has(r.table_name)) continue;
    byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r]);
  }
  return [...byTable].map(([name, rows]): PgTable => {
    const seq = rows.find((r) => r.is_identity === 'YES' || (r.column_default ?? '').startsWith('nextval('));
    return {
      name,
      columns: rows.map((r): TableColumn => ({ name: r.column_name, kind: kindOf(r.data_type) })),
      ...(seq ? { sequenceColumn: seq.column_name } : {}),
      identity: seq?.is_identity === 'YES',
      primaryKey: pks.rows.filter((p) => p.t === name).map((p) => p.col),
      dependsOn: fks.rows.filter((f) => f.t === name && f.ref !== name).map((f) => f.ref),
    };
  });
}


/** A value from either backend, as a parameter for this column. */
function toPostgres(v: unknown, kind: ColumnKind): unknown {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'boolean':
      return typeof v === 'boolean' ? v : typeof v === 'string' ? v === 'true' || v === 't' || v === '1' : Number(v) !== 0;
    case 'blob':
      return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(String(v));
    case 'json':
      return (typeof v === 'string' ? v : JSON.stringify(v)).replaceAll('\\u0000', '\\ufffd');
    case 'integer':
      return typeof v === 'bigint' ? v.toString() : v;
    default:
      return typeof v === 'string' ? noNul(v) : v instanceof Uint8Array ? noNul(Buffer.from(v).toString('utf8')) : typeof v === 'bigint' ? v.toString() : v;
  }
}

function sizeOf(v: unknown): number {
  return typeof v === 'string' ? v.length : v instanceof Uint8Array ? v.byteLength : 8;
}

let cursors = 0;

/** `sql`'s rows in batches through a cursor (the caller's transaction holds it). */
async function* fetchAll(c: PoolClient, sql: string, params: unknown[], batch: number): AsyncIterable<unknown[][]> {
  const name = `cvekit_copy_${++cursors}`;
  await c.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, params);
  try {
    for (;;) {
      const r = await c.query({ text: `FETCH ${batch} FROM ${name}`, rowMode: 'array' });
      if (r.rows.length === 0) return;
      yield r.rows as unknown[][];
    }
  } finally {
    await c.query(`CLOSE ${name}`);
  }
}

/** What a snapshot and a loader share: one client in its transaction, the tables' shapes. */
abstract class OnClient {
  protected readonly c: PoolClient;
  protected readonly all: PgTable[];
  constructor(c: PoolClient, tables: PgTable[]) {
    this.c = c;
    this.all = tables;
  }
  get tables(): readonly TableInfo[] {
    return this.all;
  }

  protected async rowCount(table: string): Promise<number> {
    return Number((await this.c.query<{ n: string }>(`SELECT count(*) AS n FROM ${q(table)}`)).rows[0].n);
  }

  /** The sequence behind the table's sequence column, by its (quoted) name. */
  protected async sequenceOf(table: string): Promise<{ column: string; sequence: string } | undefined> {
    const column = tableOf(this.all, table).sequenceColumn;
    if (!column) return undefined;
    const sequence = (await this.c.query<{ s: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS s', [q(table), column])).rows[0].s;
    return sequence ? { column, sequence } : undefined;
  }
}

class Snapshot extends OnClient implements TableSnapshot {
  async count(table: string): Promise<number> {
    tableOf(this.all, table);
    return this.rowCount(table);
  }

  /** `SELECT columns FROM table [where] ORDER BY its primary key`, JSON as its text (node-postgres would parse it). */
  #select(t: PgTable, columns: readonly string[], where = ''): string {
    const kinds = columnKinds(t, columns);
    const select = columns.map((name, i) => (kinds[i] === 'json' ? `${q(name)}::text` : q(name)));
    const order = t.primaryKey.length > 0 ? ` ORDER BY ${t.primaryKey.map(q).join(', ')}` : '';
    return `SELECT ${select.join(', ')} FROM ${q(t.name)}${where}${order}`;
  }

  async *rows(table: string, columns: readonly string[]): AsyncIterable<readonly (readonly unknown[])[]> {
    const t = tableOf(this.all, table);
    const batch = t.columns.some((c) => c.kind === 'blob') ? FETCH_ROWS_BLOBS : FETCH_ROWS;
    yield* fetchAll(this.c, this.#select(t, columns), [], batch);
  }

  async rowsFor(table: string, columns: readonly string[], cveIds: readonly string[]): Promise<(readonly unknown[])[]> {
    const t = tableOf(this.all, table);
    const r = await this.c.query({ text: this.#select(t, columns, ' WHERE cve_id = ANY ($1::text[])'), values: [cveIds], rowMode: 'array' });
    return r.rows as unknown[][];
  }

  async sequence(table: string): Promise<number | undefined> {
    const seq = await this.sequenceOf(table);
    if (!seq) return undefined;
    const r = (await this.c.query<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM ${seq.sequence}`)).rows[0];
    return r.is_called ? Number(r.last_value) : undefined;
  }
}

class Loader extends OnClient implements TableLoader {
  async nonEmpty(): Promise<{ table: string; rows: number }[]> {
    const out: { table: string; rows: number }[] = [];
    for (const t of [...this.all.map((x) => x.name), 'record_fts']) {
      const n = await this.rowCount(t);
      if (n > 0) out.push({ table: t, rows: n });
    }
    return out;
  }

  async insert(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
    const t = tableOf(this.all, table);
    const kinds = columnKinds(t, columns);
    const head = `INSERT INTO ${q(table)} (${columns.map(q).join(', ')})${t.identity && columns.includes(t.sequenceColumn ?? '') ? ' OVERRIDING SYSTEM VALUE' : ''} VALUES `;
    let params: unknown[] = [];
    let tuples: string[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      if (tuples.length === 0) return;
      await this.c.query(head + tuples.join(', '), params);
      params = [];
      tuples = [];
      bytes = 0;
    };
    for (const row of rows) {
      if (params.length + columns.length > MAX_PARAMS) await flush();
      const start = params.length;
      for (let i = 0; i < columns.length; i++) {
        params.push(toPostgres(row[i], kinds[i]));
        bytes += sizeOf(row[i]);
      }
      tuples.push(`(${columns.map((_, i) => `$${start + i + 1}`).join(', ')})`);
      if (bytes >= MAX_INSERT_BYTES) await flush();
    }
    await flush();
  }

  async setSequence(table: string, value: number): Promise<void> {
    const seq = await this.sequenceOf(table);
    if (!seq) return;
    const max = Number((await this.c.query<{ m: string | null }>(`SELECT max(${q(seq.column)}) AS m FROM ${q(table)}`)).rows[0].m ?? 0);
    const next = Math.max(value, max);
    if (next >= 1) await this.c.query('SELECT setval($1::regclass, $2, true)', [seq.sequence, next]);
  }

  async rebuildFullText(onProgress?: (done: number) => void): Promise<number> {
    await this.c.query('DELETE FROM record_fts');
    let done = 0;
    const current = `SELECT r.cve_id, v.json FROM records r JOIN record_versions v ON v.cve_id = r.cve_id AND v.version = r.version ORDER BY r.id_key`;
    for await (const rows of fetchAll(this.c, current, [], FETCH_ROWS)) {
      const docs = rows.map(([id, json]): [string, FtsDoc] => [id as string, fullTextOf(id as string, json as string)]);
      await insertFullText(this.c, docs);
      done += docs.length;
      onProgress?.(done);
    }
    return done;
  }
}

/** Table access through the store's pool; `checkWritable` throws when the store is read-only. */
export function postgresTables(pool: pg.Pool, checkWritable: () => void): TableAccess {
  return {
    async snapshot(fn) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        return await fn(new Snapshot(c, await describeTables(c)));
      } finally {
        await c.query('ROLLBACK').catch(() => undefined);
        c.release();
      }
    },
    async load(fn) {
      checkWritable();
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const tables = await describeTables(c);
        // Other writers (a server started too early) wait until the load commits or fails.
        await c.query(`LOCK TABLE ${[...tables.map((t) => t.name), 'record_fts'].map(q).join(', ')} IN EXCLUSIVE MODE`);
        const out = await fn(new Loader(c, tables));
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
    },
  };
}
