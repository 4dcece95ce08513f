/**
 * @module The query text of the search box and `q` parameters, read by the search
 * module's parser (`parseQuery`): `{ ok, query }` or `{ ok: false, message, position }`
 * with the 0-based position of the mistake, for pointing at it on the page.
 */
import { parseQuery, QuerySyntaxError } from '../search/index.ts';
import type { QueryFilters } from './query.ts';

export type SearchTextParse =
  | { readonly ok: true; readonly query: QueryFilters }
  | { readonly ok: false; readonly message: string; readonly position: number; readonly end?: number };

export function parseSearchText(text: string): SearchTextParse {
  try {
    return { ok: true, query: parseQuery(text) };
  } catch (err) {
    if (err instanceof QuerySyntaxError) {
      const position = Math.max(0, err.column - 1);
      // Mark the token the mistake is in, up to the next space.
      const rest = text.slice(position).search(/\s/);
      return { ok: false, message: err.message, position, end: rest < 0 ? text.length : position + Math.max(1, rest) };
    }
    throw err;
  }
}
