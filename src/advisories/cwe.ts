/**
 * @module The CWE catalog for mandatory test 6.1.11: id → name, read from the project's bundled
 * CWE v4.15 CSV (`data/sample/cwe.csv`, MITRE's catalog; see `data/sample/README.md`) the first
 * time a document with a `cwe` is validated. Callers with a newer catalog pass their own.
 */
import { readFileSync } from 'node:fs';

const DEFAULT_CSV = new URL('../../data/sample/cwe.csv', import.meta.url);

/** Weakness and category names by id (`CWE-79`); views are not weaknesses and are left out. */
export type CweCatalog = ReadonlyMap<string, string>;

/** RFC 4180 rows (quoted fields may hold commas, quotes and newlines). */
function* csvRows(text: string): Generator<string[]> {
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      yield row;
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    yield row;
  }
}

/**
 * Reads a catalog from the CSV layout of `data/sample/cwe.csv` (`type,id,name,…`).
 * @internal
 */
export function parseCweCsv(text: string): CweCatalog {
  const catalog = new Map<string, string>();
  let header = true;
  for (const [type, id, name] of csvRows(text)) {
    if (header) {
      header = false;
      continue;
    }
    if ((type === 'weakness' || type === 'category') && id !== undefined && name !== undefined) catalog.set(id, name);
  }
  return catalog;
}

let defaultCatalog: CweCatalog | undefined;

/** The bundled CWE v4.15 catalog, read once. @internal */
export function defaultCweCatalog(): CweCatalog {
  defaultCatalog ??= parseCweCsv(readFileSync(DEFAULT_CSV, 'utf8'));
  return defaultCatalog;
}
