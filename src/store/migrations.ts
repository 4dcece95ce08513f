/**
 * @module Numbered SQL migration files (`NNN-name.sql`), one folder per backend.
 * @internal
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** `NNN-name.sql` files in order. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+-.+\.sql$/.test(f))
    .map((f) => ({ version: Number(f.slice(0, f.indexOf('-'))), name: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

