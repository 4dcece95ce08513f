/** @module HTTP: the Fastify app (pages, formats, feeds, exports, API) and its error mapping. */
export { buildApp, DEFAULT_RATE_LIMIT, DEFAULT_BODY_LIMIT } from './app.ts';
export type { AppOptions } from './app.ts';
export { HttpError, errorBody } from './errors.ts';
export { listChunks, peek, listItemOf, LIST_FORMATS, LIST_TYPES } from './list-formats.ts';
export type { ListFormat, ListRecord, ListItem, ListMeta } from './list-formats.ts';
export { parseRequest, filtersFromParams, FILTER_PROPERTIES } from './query.ts';
export type { FilterParams, QueryFilters, ParsedRequest } from './query.ts';
export { exportFilter, EXPORT_FORMATS } from './export-routes.ts';
export type { ExportFormat } from './export-routes.ts';
export { createRateLimiter } from './rate-limit.ts';
export type { RateLimitOptions, RateLimiter } from './rate-limit.ts';
