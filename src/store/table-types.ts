/**
 * @module Whole-store access by table, for `cvekit db copy` (`copy.ts`): a consistent read
 * of every table of one store, and a load of those rows into an empty store of either kind
 * in one transaction. Both backends have the same tables and columns, apart from what each
 * derives for its own search (the full-text index, a few key columns), which the loading
 * store computes itself.
 */

/** How a column's values travel between the backends. */
export type ColumnKind = 'integer' | 'real' | 'text' | 'blob' | 'boolean' | 'json';

export interface TableColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  /**
   * The store computes this column from the row's other columns (SQLite's `record_cwes.id_key`
   * from `cve_id`): never copied, filled by the loading store.
   */
  readonly derived?: boolean;
}

export interface TableInfo {
  readonly name: string;
  readonly columns: readonly TableColumn[];
  /** The column whose values a sequence hands out (AUTOINCREMENT, identity, serial). */
  readonly sequenceColumn?: string;
  /** Tables this one's foreign keys point to: loaded before it. */
  readonly dependsOn: readonly string[];
}

/** One consistent view of a whole store (a read transaction). */
export interface TableSnapshot {
  /** The data tables: no schema bookkeeping, no search index of the store's own kind. */
  readonly tables: readonly TableInfo[];
  count(table: string): Promise<number>;
  /** The table's rows in `columns` order, in batches, in primary-key order. */
  rows(table: string, columns: readonly string[]): AsyncIterable<readonly (readonly unknown[])[]>;
  /** The highest value the table's sequence handed out (ids of deleted rows included). */
  sequence(table: string): Promise<number | undefined>;
  /** The rows whose `cve_id` is one of `cveIds`, in primary-key order (`db check`). */
  rowsFor(table: string, columns: readonly string[], cveIds: readonly string[]): Promise<(readonly unknown[])[]>;
}

/** An empty store being loaded, in one write transaction. */
export interface TableLoader {
  readonly tables: readonly TableInfo[];
  /** Tables holding rows: the load refuses a store that is not empty. */
  nonEmpty(): Promise<{ table: string; rows: number }[]>;
  /** Insert rows (values in `columns` order, as another store's snapshot gives them). */
  insert(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void>;
  /** Make the table's sequence continue after `value` (and after every id in the table). */
  setSequence(table: string, value: number): Promise<void>;
  /** Build the full-text index from the current version of every record; the count. */
  rebuildFullText(onProgress?: (done: number) => void): Promise<number>;
}

export interface TableAccess {
  /** `fn` over one consistent snapshot of every table. */
  snapshot<T>(fn: (s: TableSnapshot) => Promise<T>): Promise<T>;
  /** `fn` in one write transaction: all of it lands, or (an error, a crash) none of it. */
  load<T>(fn: (l: TableLoader) => Promise<T>): Promise<T>;
}
