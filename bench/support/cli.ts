/**
 * @module How `npx cvekit` starts, read from the bin's shebang line
 * (`#!/usr/bin/env -S NAME=value … node --flag=value …`), so benches run the command exactly
 * as users get it: its environment assignments (e.g. `MALLOC_ARENA_MAX`) and its V8 flags.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CliLaunch {
  /** `bin/cvekit.js`. */
  readonly script: string;
  /** Node flags of the shebang (`--max-old-space-size=192` …). */
  readonly flags: readonly string[];
  /** Environment assignments of the shebang (`MALLOC_ARENA_MAX: '2'` …). */
  readonly env: Readonly<Record<string, string>>;
}

export function cliLaunch(root: string): CliLaunch {
  const script = join(root, 'bin', 'cvekit.js');
  const words = readFileSync(script, 'utf8').split('\n', 1)[0].split(/\s+/);
  const flags = words.filter((w) => /^--[\w-]+=\S+$/.test(w));
  const env = Object.fromEntries(words.filter((w) => /^[A-Z_][A-Z0-9_]*=\S*$/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { script, flags, env };
}

/** "MALLOC_ARENA_MAX=2 --max-old-space-size=192 …" for bench headers. */
export function describeLaunch(l: CliLaunch): string {
  return [...Object.entries(l.env).map(([k, v]) => `${k}=${v}`), ...l.flags].join(' ') || 'no flags';
}
