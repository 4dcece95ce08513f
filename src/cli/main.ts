/**
 * @module The `cvekit` command: dispatches to one function per command. Every command
 * prints words for people, or `--json` for scripts, and returns an exit code
 * (0 ok, 1 failed, 2 usage error).
 */
import { ConfigError } from '../config/index.ts';
import { UsageError, processIo, type Io } from './args.ts';
import { importCommand, syncCommand } from './import-commands.ts';
import { quarantineCommand } from './quarantine-commands.ts';
import { dbCommand, seedCommand, statusCommand } from './store-commands.ts';
import { catalogCommand } from './catalog-commands.ts';
import { serveCommand } from './serve-command.ts';
import { exportCommand } from './export-command.ts';

export type Command = (args: readonly string[], io: Io) => Promise<number>;

interface CommandEntry {
  readonly run: Command;
  readonly summary: string;
}

const COMMANDS: Record<string, CommandEntry> = {
  serve: { run: serveCommand, summary: 'start the web server and API (loads the bundled sample into an empty store)' },
  cna: { run: (args, io) => import('./cna-command.ts').then((m) => m.cnaCommand(args, io)), summary: 'cna org create|list, cna user create|list|reset-key: set up CNA orgs, users and API keys' },
  status: { run: statusCommand, summary: 'counts, sources and the date of the CVE content' },
  db: { run: dbCommand, summary: 'db migrate: apply pending database migrations' },
  import: { run: importCommand, summary: 'import CVE JSON 5 records from a path, URL or - (stdin)' },
  sync: { run: syncCommand, summary: 'keep the CVE List current from cvelistV5 releases (baseline, then deltas)' },
  quarantine: { run: quarantineCommand, summary: 'list|show|retry|dismiss records that failed to import' },
  kev: { run: catalogCommand('kev'), summary: 'kev import PATH|URL: import the CISA KEV catalog (JSON or CSV)' },
  cwe: { run: catalogCommand('cwe'), summary: 'cwe import PATH|URL: import the CWE catalog (XML or CSV)' },
  export: { run: exportCommand, summary: 'export records (jsonl, csv, cve_1.0 xml, cve5-dir) matching a query, streamed' },
  nvd: { run: (args, io) => import('./enrich-commands.ts').then((m) => m.nvdCommand(args, io)), summary: 'nvd import PATH|URL (API answers, 2.0/1.1 feeds, history, CPE), nvd sync: NVD enrichment' },
  epss: { run: (args, io) => import('./enrich-commands.ts').then((m) => m.epssCommand(args, io)), summary: 'epss import PATH|URL: FIRST EPSS scores (CSV, plain or gzip), kept per day' },
  legacy: { run: (args, io) => import('./enrich-commands.ts').then((m) => m.legacyCommand(args, io)), summary: "legacy import PATH|URL: MITRE's allitems.xml, allitems-cvrf.xml or allitems.csv" },
  'mapping-issues': { run: (args, io) => import('./enrich-commands.ts').then((m) => m.mappingIssuesCommand(args, io)), summary: 'source records naming unknown or rejected CVE names, per source owner (--csv, --json)' },
  seed: { run: seedCommand, summary: 'load the bundled real sample (3,000 CVE records, KEV, CWE) into the store' },
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
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`cvekit: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.stderr.write(`cvekit ${name}: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (rest.includes('--json')) io.stdout.write(`${JSON.stringify({ ok: false, error: message })}\n`);
    io.stderr.write(`cvekit ${name}: ${message}\n`);
    if (io.env.CVEKIT_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
