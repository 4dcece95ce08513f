/**
 * @module `cvekit status`, `cvekit db migrate`, `cvekit seed`.
 */
import { contentAsOfLine, contentDateOf } from '../formats/index.ts';
import { loadSample, repositoryStatus, type RepositoryStatus } from '../ingest/index.ts';
import { configFrom, openConfiguredStore, parse, print, printJson, redactDb, table, UsageError, withExistingStore, withStore, type Io } from './args.ts';

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

export async function dbCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help || positionals[0] !== 'migrate') {
    if (!values.help) throw new UsageError('expected "cvekit db migrate"');
    return print(io, 'Usage: cvekit db migrate [--db URL]\n\nApplies pending numbered migrations (serve also does this on start).'), 0;
  }
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

export async function seedCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { 'if-empty': { type: 'boolean' } }, false);
  if (values.help) return print(io, 'Usage: cvekit seed [--if-empty] [--json] [--db URL]\n\nLoads the bundled real sample: 3,000 CVE records (with older versions of some), the KEV catalog and CWE names.'), 0;
  const result = await withStore(configFrom(values, io), (store) => loadSample(store, { onlyIfEmpty: values['if-empty'] === true }));
  if (values.json) printJson(io, { ok: true, ...result });
  else if (!result.loaded) print(io, 'The store already holds records; nothing loaded (drop --if-empty to load anyway).');
  else print(io, `Loaded the sample: ${result.records?.counts.read} records (${result.records?.counts.added} new), ${result.olderVersions?.counts.read} older versions, ${result.kev} KEV entries, ${result.cwe} CWE entries.`);
  return 0;
}
