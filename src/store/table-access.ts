/**
 * @module What both backends' table access (`sqlite/tables.ts`, `postgres/tables.ts`) share:
 * quoting a table or column name, finding a table by name, and the kind of each column a
 * caller names.
 * @internal
 */
import { StoreError } from './errors.ts';
import type { ColumnKind, TableInfo } from './table-types.ts';

/** A table or column name as an SQL identifier (both backends quote with `"`). */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The table called `name`, or NOT_FOUND. */
export function tableOf<T extends TableInfo>(tables: readonly T[], name: string): T {
  const t = tables.find((x) => x.name === name);
  if (!t) throw new StoreError('NOT_FOUND', `no table ${name} in this store`);
  return t;
}

/** The kind of each of `columns` in `table`, or SCHEMA_MISMATCH naming the one it lacks. */
export function columnKinds(table: TableInfo, columns: readonly string[]): ColumnKind[] {
  return columns.map((name) => {
    const col = table.columns.find((x) => x.name === name);
    if (!col) throw new StoreError('SCHEMA_MISMATCH', `table ${table.name} has no column ${name}`);
    return col.kind;
  });
}
