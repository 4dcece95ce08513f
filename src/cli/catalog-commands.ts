/**
 * @module `cvekit kev import` and `cvekit cwe import`.
 */
import { importCwe } from '../ingest/cwe.ts';
import { importKev } from '../ingest/kev.ts';
import { configFrom, parse, print, printJson, UsageError, withStore, type Io } from './args.ts';
import type { Command } from './main.ts';

export function catalogCommand(kind: 'kev' | 'cwe'): Command {
  return async (args: readonly string[], io: Io) => {
    const { values, positionals } = parse(args, {});
    const help = kind === 'kev'
      ? 'Usage: cvekit kev import PATH|URL [--json]\n\nImports the CISA Known Exploited Vulnerabilities catalog (JSON or CSV); keeps the history of entries added and removed between catalog versions.'
      : 'Usage: cvekit cwe import PATH|URL [--json]\n\nImports the CWE catalog (official XML, plain or gzip, or the flat CSV) so pages show CWE names.';
    if (values.help) return print(io, help), 0;
    if (positionals[0] !== 'import' || positionals.length !== 2) throw new UsageError(`expected "cvekit ${kind} import PATH|URL"`);
    const result = await withStore(configFrom(values, io), (store) => (kind === 'kev' ? importKev(store, positionals[1]) : importCwe(store, positionals[1])));
    if (values.json) printJson(io, { ok: true, ...result });
    else print(io, `${kind.toUpperCase()} import of ${positionals[1]}: ${JSON.stringify(result)}`);
    return 0;
  };
}
