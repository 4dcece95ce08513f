/**
 * @module `cvekit kev import` and `cvekit cwe import`.
 */
import { importCwe } from '../ingest/cwe.ts';
import { importKev } from '../ingest/kev.ts';
import { configFrom, parse, print, printJson, UsageError, withStore, type Io } from './args.ts';
import type { Command } from './main.ts';

const KEV_HELP = 'Usage: cvekit kev import PATH|URL [--json]\n\nImports the CISA Known Exploited Vulnerabilities catalog (JSON or CSV); keeps the history of entries added and removed between catalog versions and flags the records.';
const CWE_HELP = 'Usage: cvekit cwe import PATH|URL [--json]\n\nImports the CWE catalog (official XML, plain or gzip, or the flat CSV) so pages show CWE names.';

export function catalogCommand(kind: 'kev' | 'cwe'): Command {
  return async (args: readonly string[], io: Io) => {
    const { values, positionals } = parse(args, {});
    if (values.help) return print(io, kind === 'kev' ? KEV_HELP : CWE_HELP), 0;
    if (positionals[0] !== 'import' || positionals.length !== 2) throw new UsageError(`expected "cvekit ${kind} import PATH|URL"`);
    const config = configFrom(values, io);
    if (kind === 'kev') {
      const r = await withStore(config, (store) => importKev(store, positionals[1]));
      if (values.json) printJson(io, { ok: true, ...r });
      else {
        const note = !r.stale
          ? ''
          : r.sameVersion
            ? ' (the same catalog version as the one already imported: nothing changed)'
            : ' (older than the catalog already imported: history kept, current catalog unchanged)';
        print(io, `KEV catalog ${r.catalogVersion} (released ${r.dateReleased}) from ${r.location}: ${r.total} entries; ${r.added} added, ${r.removed} removed, ${r.unchanged} unchanged${note}`);
        for (const e of r.errors.slice(0, 20)) print(io, `  skipped: ${e.message}`);
      }
    } else {
      const r = await withStore(config, (store) => importCwe(store, positionals[1]));
      if (values.json) printJson(io, { ok: true, ...r });
      else {
        print(io, `CWE catalog ${r.version}${r.date ? ` (${r.date})` : ''} from ${r.location}: ${r.count} entries (${Object.entries(r.byType).map(([k, v]) => `${v} ${k}`).join(', ')})`);
        for (const e of r.issues.slice(0, 20)) print(io, `  ${e}`);
      }
    }
    return 0;
  };
}
