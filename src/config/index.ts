/** @module Configuration: flags and environment, checked at start-up. */
export { loadConfig, loadServeConfig, storeUrl, parseTrustProxy, parseWholeNumber, isListenHost, envValue, redactDb, ConfigError, SETTINGS, DEFAULT_DB, LOG_LEVELS } from './config.ts';
export type { Config, ConfigInput, ServeConfig, ServeConfigInput, LogLevel, TrustProxy } from './config.ts';
export { mailboxProblem, parseMailbox } from './mailbox.ts';
