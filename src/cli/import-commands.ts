/**
 * @module `cvekit import` and `cvekit sync`.
 */
import { importFrom, syncOnce, parseInterval, type ImportSummary, type SyncReport } from '../ingest/index.ts';
import { createLogger, silentLogger } from '../log/index.ts';
import { configFrom, intOption, optionWith, parse, print, printJson, repeatEvery, UsageError, withStore, type Io } from './args.ts';
import { createProgressBar } from './progress.ts';

export const IMPORT_HELP = `Usage: cvekit import PATH|URL|- [options]

Imports CVE JSON 5 records. PATH may be a cvelistV5 checkout (or any folder of
CVE-*.json files), a cvelistV5 release zip (baseline with its nested cves.zip, or an
hourly delta zip), a deltaLog.json / delta.json (records read from --base), a JSON
file (one record or an array), or JSON Lines (plain or gzip). URL is the same over
HTTP(S), streamed. - reads standard input.

Importing the same data twice changes nothing. Bad records are quarantined with the
reason; the rest goes on. An interrupted import resumes when run again.

Options:
  --source ID        source the versions are recorded under (default cvelistV5)
  --base DIR|URL     where the records named by a deltaLog.json/delta.json live
  --since TIME       with a delta log: only changes fetched after TIME (ISO 8601)
  --batch-size N     records per transaction (default 1000)
  --json             print the summary as JSON
  --db URL           store (default CVEKIT_DB or sqlite:./data/cvekit.db)`;

export const SYNC_HELP = `Usage: cvekit sync --from PATH|URL [--every 1h] [options]

Keeps the CVE List current from cvelistV5 releases: takes the newest baseline
(YYYY-MM-DD_all_CVEs_at_midnight.zip) once, then applies the hourly delta zips after
it in order. A missing delta is noticed and healed from the next baseline (counts
and hashes reconciled). --from is a folder holding the release zips, a GitHub
releases API URL (…/repos/CVEProject/cvelistV5/releases), or a cvelistV5 checkout
(then its deltaLog.json drives the updates).

With --source nvd it syncs NVD's CVE API 2.0 instead (cvekit sync --source nvd --help).

Options:
  --from PATH|URL    where releases come from (required)
  --every DURATION   keep running, syncing every DURATION (e.g. 15m, 1h, 1d)
  --batch-size N     records per transaction (default 1000)
  --json             print each report as JSON
  --db URL           store (default CVEKIT_DB or sqlite:./data/cvekit.db)`;

function describeSummary(s: ImportSummary): string {
  const c = s.counts;
  const lines = [
    `${s.resumed ? 'Resumed and finished' : 'Imported'} ${s.input} (${s.format}) into source ${s.source} in ${(s.durationMs / 1000).toFixed(1)} s`,
    `  read ${c.read} · added ${c.added} · updated ${c.updated} · unchanged ${c.unchanged} · older ${c.older} · protected ${c.protected} · rejected ${c.rejected} · quarantined ${c.quarantined} · duplicates ${c.duplicates}`,
  ];
  if (s.contentDate) lines.push(`  newest dateUpdated: ${s.contentDate}`);
  if (s.release) lines.push(`  release: ${s.release}`);
  if (s.notices.length > 0) {
    lines.push('  notices:');
    for (const n of s.notices) lines.push(`    ${n.position}${n.cveId ? ` ${n.cveId}` : ''} [${n.code}] ${n.message}`);
    if (c.quarantined > 0) lines.push('  `cvekit quarantine list` shows every quarantined record with its reason.');
  }
  return lines.join('\n');
}

export async function importCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    source: { type: 'string' },
    base: { type: 'string' },
    since: { type: 'string' },
    'batch-size': { type: 'string' },
  });
  if (values.help) return print(io, IMPORT_HELP), 0;
  if (positionals.length !== 1) throw new UsageError('give exactly one PATH, URL or - to import (see cvekit import --help)');
  const batchSize = intOption('batch-size', values['batch-size'], { min: 1, max: 100_000 });
  if (values.since !== undefined && Number.isNaN(Date.parse(values.since))) {
    throw new UsageError(`--since must be an ISO 8601 time, got "${values.since}"`);
  }
  const config = configFrom(values, io);
  const logger = values.json ? silentLogger : createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'stderr');
  const bar = createProgressBar(io.stderr);
  const summary = await withStore(config, (store) =>
    importFrom(store, positionals[0], {
      source: values.source,
      batchSize,
      logger,
      reader: { base: values.base, since: values.since, stdin: io.stdin as NodeJS.ReadableStream & AsyncIterable<Uint8Array> },
      onProgress: (p) => bar.update({ done: p.done, total: p.total, bytes: p.bytes, totalBytes: p.totalBytes, phase: p.phase }),
    }),
    // The import finishes a pending bulk load itself: its own by resuming it, another's first.
    { keepBulkLoad: true },
  ).finally(() => bar.done());
  if (values.json) printJson(io, { ok: true, ...summary });
  else print(io, describeSummary(summary));
  return 0;
}

function describeSync(r: SyncReport): string {
  const lines = [`Sync from ${r.from}: ${r.message}`];
  for (const step of r.steps) lines.push(`  ${step.asset}: ${step.summary ? `added ${step.summary.counts.added}, updated ${step.summary.counts.updated}, unchanged ${step.summary.counts.unchanged}, quarantined ${step.summary.counts.quarantined}` : step.note ?? ''}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  const rc = r.reconcile;
  if (rc) {
    const missing = `${rc.missingFromBaseline} in store but not in the baseline`;
    lines.push(
      rc.first
        ? `  compared with ${rc.baseline} (first sync): ${rc.inBaseline} in baseline, ${rc.inStore} in store${baselineBehind(rc)}, ${missing}`
        : `  reconciled against ${rc.baseline}: ${rc.inBaseline} in baseline, ${rc.inStore} in store, ${rc.healed} healed, ${rc.added} added, ${rc.unchanged} unchanged${baselineBehind(rc)}, ${missing}`,
    );
    lines.push(...listMissing(rc.missingSample.slice(0, MISSING_SHOWN), rc.missingFromBaseline));
  }
  return lines.join('\n');
}

/** The baseline's records that did not become current, when there are any. */
function baselineBehind(rc: NonNullable<SyncReport['reconcile']>): string {
  const parts = [
    rc.keptInHistory > 0 ? `${rc.keptInHistory} kept in history only (the store's version is newer or local)` : '',
    rc.quarantined > 0 ? `${rc.quarantined} quarantined` : '',
    rc.readBeforeResume > 0 ? `${rc.readBeforeResume} read by the interrupted run this one resumed (counted above, not as unchanged or kept)` : '',
  ];
  return parts.filter(Boolean).map((p) => `, ${p}`).join('');
}

/** Names of records missing from a baseline shown in words; --json carries more. */
const MISSING_SHOWN = 20;

/** The names, five to a line, then how many more there are. */
function listMissing(names: readonly string[], total: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < names.length; i += 5) lines.push(`    ${names.slice(i, i + 5).join(', ')}`);
  if (total > names.length) lines.push(`    and ${total - names.length} more`);
  return lines;
}

export async function syncCommand(args: readonly string[], io: Io): Promise<number> {
  if (args.some((a) => a === '--source' || a.startsWith('--source='))) return (await import('./enrich-commands.ts')).nvdSyncCommand(args, io);
  const { values } = parse(args, { from: { type: 'string' }, every: { type: 'string' }, 'batch-size': { type: 'string' } }, false);
  if (values.help) return print(io, SYNC_HELP), 0;
  if (!values.from) throw new UsageError('--from PATH|URL is required (see cvekit sync --help)');
  const everyMs = optionWith('every', values.every, parseInterval);
  const batchSize = intOption('batch-size', values['batch-size'], { min: 1, max: 100_000 });
  const config = configFrom(values, io);
  const logger = values.json ? silentLogger : createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'stderr');
  const from = values.from;
  return withStore(config, (store) =>
    repeatEvery(io, 'cvekit sync', { text: values.every, ms: everyMs }, values.json === true, async (signal, nextSyncAt) => {
      const bar = createProgressBar(io.stderr);
      const report = await syncOnce(store, from, {
        logger,
        signal,
        batchSize,
        nextSyncAt,
        onProgress: (p) => bar.update({ done: p.done, total: p.total, bytes: p.bytes, totalBytes: p.totalBytes, label: p.label, phase: p.phase }),
      }).finally(() => bar.done());
      if (values.json) printJson(io, { ok: true, ...report });
      else print(io, describeSync(report));
    }),
  );
}
