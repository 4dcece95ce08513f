/** @module HTTP: the Fastify app (pages and API) and its error mapping. */
export { buildApp } from './app.ts';
export type { AppOptions } from './app.ts';
export { HttpError, errorBody } from './errors.ts';
