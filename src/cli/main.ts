/**
 * @module The `cvekit` command: dispatches to one function per command. Every command
 * prints words for people, or `--json` for scripts, and returns an exit code
 * (0 ok, 1 failed, 2 usage error). Under `--json` a failure also prints
 * `{"ok":false,"error":"…"}` on stdout, with `"usage":true` for a usage error.
 */
import { ConfigError } from '../config/index.ts';
import { UsageError, processIo, type Io } from './args.ts';

export type Command = (args: readonly string[], io: Io) => Promise<number>;

/**
 * Each command's module loads only when that command runs: `cvekit import` then never
 * loads the HTTP stack, which keeps start-up fast and the import's memory down.
 */
const lazy =
  <M>(load: () => Promise<M>, pick: (m: M) => Command): Command =>
  async (args, io) =>
    pick(await load())(args, io);
const importCommands = () => import('./import-commands.ts');
const storeCommands = () => import('./store-commands.ts');
const catalogCommands = () => import('./catalog-commands.ts');
const enrichCommands = () => import('./enrich-commands.ts');
const recordCommands = () => import('./record-commands.ts');

interface CommandEntry {
  readonly run: Command;
  readonly summary: string;
}

const COMMANDS: Record<string, CommandEntry> = {
  serve: { run: lazy(() => import('./serve-command.ts'), (m) => m.serveCommand), summary: 'start the web server and API (loads the bundled sample into an empty store)' },
  cna: { run: lazy(() => import('./cna-command.ts'), (m) => m.cnaCommand), summary: 'cna org create|list, cna user create|list|reset-key: set up CNA orgs, users and API keys' },
  status: { run: lazy(storeCommands, (m) => m.statusCommand), summary: 'counts, sources and the date of the CVE content' },
  show: { run: lazy(recordCommands, (m) => m.showCommand), summary: 'show NAME…: CVE records by name in any syntax (state, CVSS, CWE, KEV, replacements; --json, --raw)' },
  resolve: { run: lazy(recordCommands, (m) => m.resolveCommand), summary: 'resolve NAME…|--text FILE|-: CVE names (or every one in a text) to state and replacements; --check for advisories' },
  history: { run: lazy(recordCommands, (m) => m.historyCommand), summary: 'history NAME [--diff [FROM [TO]]]: the stored versions of a record, the fields changed between two' },
  db: { run: lazy(storeCommands, (m) => m.dbCommand), summary: 'db migrate|copy --to URL|backup FILE: migrations; the whole store into a new one (SQLite to PostgreSQL); a live SQLite backup' },
  import: { run: lazy(importCommands, (m) => m.importCommand), summary: 'import CVE JSON 5 records from a path, URL or - (stdin)' },
  sync: { run: lazy(importCommands, (m) => m.syncCommand), summary: 'keep the CVE List current from cvelistV5 releases (baseline, then deltas)' },
  quarantine: { run: lazy(() => import('./quarantine-commands.ts'), (m) => m.quarantineCommand), summary: 'list|show|retry|dismiss records that failed to import' },
  kev: { run: lazy(catalogCommands, (m) => m.catalogCommand('kev')), summary: 'kev import PATH|URL: import the CISA KEV catalog (JSON or CSV)' },
  cwe: { run: lazy(catalogCommands, (m) => m.catalogCommand('cwe')), summary: 'cwe import PATH|URL: import the CWE catalog (XML or CSV)' },
  export: { run: lazy(() => import('./export-command.ts'), (m) => m.exportCommand), summary: 'export records (jsonl, csv, cve_1.0 xml, cve5-dir) matching a query, streamed' },
  nvd: { run: lazy(enrichCommands, (m) => m.nvdCommand), summary: 'nvd import PATH|URL (API answers, 2.0/1.1 feeds, history, CPE), nvd sync: NVD enrichment' },
  epss: { run: lazy(enrichCommands, (m) => m.epssCommand), summary: 'epss import PATH|URL: FIRST EPSS scores (CSV, plain or gzip), kept per day' },
  legacy: { run: lazy(enrichCommands, (m) => m.legacyCommand), summary: "legacy import PATH|URL: MITRE's allitems.xml, allitems-cvrf.xml or allitems.csv" },
  'mapping-issues': { run: lazy(enrichCommands, (m) => m.mappingIssuesCommand), summary: 'source records naming unknown or rejected CVE names, per source owner (--csv, --json)' },
  seed: { run: lazy(storeCommands, (m) => m.seedCommand), summary: 'load the bundled real sample (3,000 CVE records, KEV, CWE) into the store' },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'cvekit: a self-hosted CVE platform',
    '',
    'Usage: cvekit <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Every command takes --db sqlite:PATH|postgres://… (or CVEKIT_DB), --json and --help.',
    'Documentation: README.md and docs/ in the cvekit repository.',
  ].join('\n');
}

/** What `--json` prints on stdout when a command fails: one line, `usage` for exit code 2. */
function printFailure(io: Io, error: string, usage: boolean): void {
  io.stdout.write(`${JSON.stringify(usage ? { ok: false, error, usage: true } : { ok: false, error })}\n`);
}

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  if (name === 'version' || name === '--version') {
    io.stdout.write('cvekit 0.1.0\n');
    return 0;
  }
  const json = rest.includes('--json');
  const command = COMMANDS[name];
  if (!command) {
    if (json) printFailure(io, `unknown command "${name}"`, true);
    io.stderr.write(`cvekit: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      if (json) printFailure(io, err.message, true);
      io.stderr.write(`cvekit ${name}: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (json) printFailure(io, message, false);
    io.stderr.write(`cvekit ${name}: ${message}\n`);
    if (io.env.CVEKIT_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
