/**
 * @module Structured logs (pino, JSON lines). The server logs to stdout; CLI commands log
 * to stderr so that `--json` output on stdout stays machine-readable.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/index.ts';

export type { Logger };

export function createLogger(level: LogLevel, destination: 'stdout' | 'stderr' = 'stdout'): Logger {
  return pino({ level, base: { app: 'cvekit' } }, pino.destination({ fd: destination === 'stdout' ? 1 : 2, sync: true }));
}

/** A logger that drops everything (tests, `--json` runs). */
export const silentLogger: Logger = pino({ level: 'silent' });
