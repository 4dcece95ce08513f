/**
 * @module The full-text document of a stored record, for a store that rebuilds its
 * full-text index from the records it holds (`cvekit db copy` loading a store).
 * @internal
 */
import { summarizeRecord, type CveRecordJson } from '../cve/index.ts';
import { derivedRows, type FtsDoc } from './rows.ts';

/** What `derivedRows` gives as the full text of the record `json` (its stored text). */
export function fullTextOf(cveId: string, json: string): FtsDoc {
  return derivedRows(cveId, summarizeRecord(JSON.parse(json) as CveRecordJson)).fts;
}
