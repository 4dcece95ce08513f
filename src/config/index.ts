/** @module Configuration: flags and environment, checked at start-up. */
export { loadConfig, parseTrustProxy, redactDb, ConfigError, SETTINGS, DEFAULT_DB, LOG_LEVELS } from './config.ts';
export type { Config, ConfigInput, LogLevel, TrustProxy } from './config.ts';
export { parseMailbox } from './mailbox.ts';
