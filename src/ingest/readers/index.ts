/**
 * @module Input readers of the CVE List importer: files, directories, zips, gzip, JSON Lines,
 * delta logs, stdin and http(s) URLs, as a stream of raw items and per-item errors.
 */
export { openInput, fetchJson } from './open-input.ts';
export { InputError, ITEM_ERROR_CODES, INPUT_ERROR_CODES } from './errors.ts';
export type { ItemErrorCode, InputErrorCode } from './errors.ts';
export { READER_DEFAULTS } from './options.ts';
export { cveNameOfPath } from './zip.ts';
export { inflateRecord } from './inflate-record.ts';
export type { ReaderOptions, HttpOptions } from './options.ts';
