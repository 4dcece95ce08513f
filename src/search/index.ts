/**
 * @module Search: the query language (`parseQuery`, `formatQuery`) and name resolution
 * (`resolveName`, `resolveMany`). The search itself is `store.search` (see
 * `store/search-types.ts` and docs/search.md).
 */
export { parseQuery, formatQuery, QuerySyntaxError, MAX_QUERY_LENGTH } from './query.ts';
export type { ParsedQuery } from './query.ts';
export { resolveName, resolveMany, recordUrl, bulkResults, ResolveError, DEFAULT_MAX_NAMES } from './resolve.ts';
export type { BulkResult, NameResolution, ResolvedName, UnresolvedName, NotFoundCode, ResolveOptions, ResolveManyOptions, ResolveManyResult } from './resolve.ts';
