/**
 * @module `cvekit status`, `cvekit db migrate|copy|backup`, `cvekit seed`.
 */
import { contentAsOfLine, contentDateOf, oneLine } from '../formats/index.ts';
import { loadSample, repositoryStatus, type RepositoryStatus } from '../ingest/index.ts';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { storeUrl } from '../config/index.ts';
import { checkStore, copyStore } from '../store/index.ts';
import { configFrom, openConfiguredStore, parse, print, printJson, redactDb, requireExistingStore, table, UsageError, withExistingStore, withStore, type Io } from './args.ts';
import { createProgressBar } from './progress.ts';

export function describeStatus(s: RepositoryStatus): string {
  const states = Object.entries(s.counts.byState).map(([k, v]) => `${v} ${k}`).join(', ');
  const lines = [
    `Store: ${s.store.kind} ${redactDb(s.store.location)}`,
    `Records: ${s.counts.total} (${states || 'none'}); ${s.counts.versions} versions; ${s.counts.quarantined} quarantined`,
    contentAsOfLine(contentDateOf(s)),
    '',
  ];
  if (s.sources.length === 0) lines.push('No sources yet: `cvekit import PATH|URL` or `cvekit seed`.');
  else {
    const rows = [['SOURCE', 'KIND', 'CONTENT DATE', 'LAST SYNC', 'NEXT SYNC', 'RELEASE', 'COUNTS']];
    for (const src of s.sources) {
      const counts = Object.entries(src.counts).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ');
      rows.push([
        src.id,
        src.kind,
        `${src.contentDate ?? '-'}${src.outOfDate && src.contentDate ? ' (out of date)' : ''}`,
        src.lastSyncAt ?? '-',
        src.nextSyncAt || '-',
        src.release ?? '-',
        counts || '-',
      ]);
    }
    lines.push(table(rows));
  }
  const missing = s.notImported ?? [];
  // Below the table, so a long error does not widen its columns; the text comes from outside
  // (a server's answer, a file): no terminal control characters. A source that never imported
  // has its error here too, and stays under "Not imported yet".
  const failing = [...s.sources, ...missing].filter((src) => src.lastError);
  if (failing.length > 0) lines.push('', 'Last errors:', ...failing.map((src) => `  ${src.id}: ${(src.lastError as string).replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')}`));
  if (missing.length > 0) {
    const notes = (k: (typeof missing)[number]): string => `${k.lastError ? '; the last attempt failed' : ''}${k.nextSyncAt ? `; next attempt ${k.nextSyncAt}` : ''}`;
    lines.push('', `Not imported yet: ${missing.map((k) => `${k.id} (${k.command}${notes(k)})`).join(', ')}`);
  }
  return lines.join('\n');
}

export async function statusCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, {}, false);
  if (values.help) return print(io, 'Usage: cvekit status [--json] [--db URL]\n\nCounts, sources, and the date of the CVE content (X.1520 9.1; "out of date" past three months).'), 0;
  // Only reads: a mistyped --db is reported, not created as an empty store.
  const status = await withExistingStore(configFrom(values, io), (store) => repositoryStatus(store));
  if (values.json) printJson(io, status);
  else print(io, describeStatus(status));
  return 0;
}

const DB_USAGE = `Usage: cvekit db migrate|copy|check|backup

  cvekit db migrate [--db URL]
      Applies pending numbered migrations (serve also does this on start).
  cvekit db copy --to URL [--rederive] [--db URL] [--json]
      Copies the whole store (--db / CVEKIT_DB) into a new, empty store of either kind:
      every version of every record, CNA and disclosure data, KEV, CWE, enrichment, jobs.
      The source may stay in use; the copy is one transaction (a failure leaves the target empty).
      --rederive computes each record's columns and index rows from its JSON instead of
      copying them (the repair for what db check reports as columns or index-rows).
  cvekit db check [--db URL] [--json]
      Checks every record: each version's JSON against its hash, the version numbers, the
      current version, and the columns and index rows its JSON gives. Exit 1 on a problem.
  cvekit db backup FILE [--force] [--db sqlite:PATH] [--json]
      A consistent copy of a SQLite store in FILE while it is in use, checked before it is
      put in place. (PostgreSQL: pg_dump, or db copy --to sqlite:FILE.)`;

export async function dbCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { to: { type: 'string' }, force: { type: 'boolean' }, rederive: { type: 'boolean' } });
  const action = positionals[0];
  if (values.help) return print(io, DB_USAGE), 0;
  if (action === 'copy') return dbCopy(values, positionals.slice(1), io);
  if (action === 'backup') return dbBackup(values, positionals.slice(1), io);
  if (action === 'check') return dbCheck(values, positionals.slice(1), io);
  if (action !== 'migrate') throw new UsageError(`expected "cvekit db migrate", "db copy --to URL", "db check" or "db backup FILE"${action ? `, got "${action}"` : ''}`);
  if (positionals.length > 1) throw new UsageError('db migrate takes only --db and --json');
  onlyOptions(values, [], 'db migrate takes only --db and --json');
  const config = configFrom(values, io);
  const { store, migrated: result } = await openConfiguredStore(config);
  try {
    if (values.json) printJson(io, { ok: true, ...result });
    else print(io, result.applied.length ? `Applied ${result.applied.join(', ')}; schema version ${result.current}` : `Up to date: schema version ${result.current}`);
  } finally {
    await store.close();
  }
  return 0;
}

type DbValues = { db?: string | boolean; 'log-level'?: string | boolean; json?: string | boolean; to?: string | boolean; force?: string | boolean; rederive?: string | boolean };

/** Refuse the options of the other db actions (`--to`, `--force`, `--rederive`) that this one does not take. */
function onlyOptions(values: DbValues, takes: readonly ('to' | 'force' | 'rederive')[], message: string): void {
  if ((['to', 'force', 'rederive'] as const).some((o) => !takes.includes(o) && values[o] !== undefined)) throw new UsageError(message);
}

async function dbCopy(values: DbValues, extra: readonly string[], io: Io): Promise<number> {
  if (typeof values.to !== 'string' || values.to === '') throw new UsageError('db copy needs --to sqlite:PATH|postgres://… (the new, empty store)');
  if (extra.length > 0) throw new UsageError('db copy takes --to, --rederive, --db and --json');
  onlyOptions(values, ['to', 'rederive'], 'db copy takes --to, --rederive, --db and --json');
  const from = configFrom(values, io);
  const to = { ...from, db: storeUrl(values.to, '--to') };
  if (from.db === to.db) throw new UsageError('--to names the store being copied (CVEKIT_DB/--db): give a new, empty store');
  requireExistingStore(from);
  const started = performance.now();
  const source = (await openConfiguredStore(from)).store;
  try {
    const target = (await openConfiguredStore(to, undefined, { setting: '--to' })).store;
    const bar = createProgressBar(io.stderr, 'rows');
    try {
      const result = await copyStore(source, target, {
        rederive: values.rederive === true,
        onProgress: (p) => bar.update({ done: p.done, total: p.total, label: p.phase === 'rows' ? p.table : 'full text' }),
      });
      bar.done();
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      if (values.json) printJson(io, { ok: true, ...result, seconds });
      else {
        const counted = result.tables.filter((t) => t.rows > 0);
        print(io, [
          `Copied ${result.rows.toLocaleString('en')} rows of ${counted.length} tables from ${redactDb(result.from)} to ${redactDb(result.to)} in ${seconds} s; full-text index built for ${result.fullText.toLocaleString('en')} records.`,
          ...(result.rederived !== undefined ? [`Columns and index rows of ${result.rederived.toLocaleString('en')} records computed from their JSON (--rederive).`] : []),
          table([['TABLE', 'ROWS'], ...counted.map((t) => [t.name, t.rows.toLocaleString('en')])]),
          'Run cvekit on the new store with the same CVEKIT_SECRET_KEY and CVEKIT_REPORT_KEY: sealed texts were copied as they are.',
        ].join('\n'));
      }
    } finally {
      bar.done();
      await target.close();
    }
  } finally {
    await source.close();
  }
  return 0;
}

async function dbCheck(values: DbValues, extra: readonly string[], io: Io): Promise<number> {
  if (extra.length > 0) throw new UsageError('db check takes only --db and --json');
  onlyOptions(values, [], 'db check takes only --db and --json');
  const bar = createProgressBar(io.stderr);
  const report = await withExistingStore(configFrom(values, io), (store) => checkStore(store, { onProgress: (done, total) => bar.update({ done, total }) })).finally(() => bar.done());
  if (values.json) printJson(io, report);
  else {
    const lines = [`Checked ${report.records.toLocaleString('en')} records and ${report.versions.toLocaleString('en')} versions: ${report.ok ? 'consistent' : 'problems found'}.`];
    if (!report.ok) {
      lines.push(Object.entries(report.counts).map(([kind, n]) => `${n} ${kind}`).join(', '));
      // Messages quote stored text (a version's JSON names a record): nothing a terminal obeys.
      lines.push(...report.problems.map((p) => `  ${oneLine(p.message)}`));
      const total = Object.values(report.counts).reduce((a, b) => a + (b ?? 0), 0);
      if (total > report.problems.length) lines.push(`  and ${total - report.problems.length} more (--json lists the first ${report.problems.length})`);
      if (report.counts.columns || report.counts['index-rows']) lines.push('Columns and index rows can be computed again from the records\' JSON: cvekit db copy --to NEW --rederive, then use NEW.');
      if (report.counts.hash || report.counts['bad-version'] || report.counts.current || report.counts.versions) lines.push('Versions that differ from what was stored cannot be derived again: restore the store from a backup.');
    }
    print(io, lines.join('\n'));
  }
  return report.ok ? 0 : 1;
}

async function dbBackup(values: DbValues, files: readonly string[], io: Io): Promise<number> {
  if (files.length !== 1) throw new UsageError('db backup takes one FILE to write (and --force to replace it)');
  onlyOptions(values, ['force'], 'db backup takes one FILE to write (and --force to replace it)');
  const file = files[0];
  const config = configFrom(values, io);
  if (!config.db.startsWith('sqlite:') || config.db === 'sqlite::memory:') {
    throw new UsageError(`db backup copies a SQLite store file; ${redactDb(config.db)} is not one: use pg_dump, or \`cvekit db copy --to sqlite:FILE\` for a portable copy`);
  }
  if (resolve(file) === resolve(config.db.slice('sqlite:'.length))) throw new UsageError('the backup file is the store itself');
  if (existsSync(file) && values.force !== true) throw new UsageError(`${file} exists: give another name, or --force to replace it`);
  if (!existsSync(dirname(resolve(file)))) throw new UsageError(`no directory ${dirname(resolve(file))} for the backup`);
  const started = performance.now();
  const result = await withExistingStore(config, async (store) => {
    if (!store.backupTo) throw new UsageError(`${redactDb(config.db)} cannot be backed up to a file`);
    return store.backupTo(file);
  });
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  if (values.json) printJson(io, { ok: true, file, ...result, seconds });
  else print(io, `Backed up ${redactDb(config.db)} to ${file}: ${(result.bytes / 1048576).toFixed(1)} MiB, checked, in ${seconds} s. Use it as a store (--db sqlite:${file}) or copy it back while no cvekit runs on the store.`);
  return 0;
}

export async function seedCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { 'if-empty': { type: 'boolean' } }, false);
  if (values.help) return print(io, 'Usage: cvekit seed [--if-empty] [--json] [--db URL]\n\nLoads the bundled real sample: 3,000 CVE records (with older versions of some), the KEV catalog and CWE names.'), 0;
  const result = await withStore(configFrom(values, io), (store) => loadSample(store, { onlyIfEmpty: values['if-empty'] === true }));
  if (values.json) printJson(io, { ok: true, ...result });
  else if (!result.loaded) print(io, 'The store already holds records; nothing loaded (drop --if-empty to load anyway).');
  else print(io, `Loaded the sample: ${result.records?.counts.read} records (${result.records?.counts.added} new), ${result.olderVersions?.counts.read} older versions, ${result.kev} KEV entries, ${result.cwe} CWE entries.`);
  return 0;
}
