/**
 * @module `cvekit nvd import|sync`, `cvekit sync --source nvd`, `cvekit epss import`,
 * `cvekit legacy import` and `cvekit mapping-issues` (issue 7).
 */
import { importEpss, importLegacy, importNvd, recheckMappingIssues, syncNvd } from '../enrich/index.ts';
import type { EnrichImportSummary, NvdSyncReport } from '../enrich/index.ts';
import { parseInterval } from '../ingest/index.ts';
import { MAPPING_ISSUE_KINDS } from '../store/index.ts';
import type { MappingIssue, MappingIssueKind, Store } from '../store/index.ts';
import { configFrom, optionWith, parse, print, printJson, repeatEvery, table, UsageError, withExistingStore, withStore } from './args.ts';
import type { Io } from './args.ts';

const NVD_HELP = `Usage: cvekit nvd import PATH|URL [--json]
       cvekit nvd sync [--api-key KEY] [--since DATE] [--every 2h] [--base-url URL]

import: an NVD CVE API 2.0 answer, an NVD 2.0 (or 1.1) JSON feed, plain or gzip, a CVE
Change History answer, or CPE / CPE match data. Each CVE's NVD record is kept with its
versions (by lastModified; the same content twice is one version), beside the CVE record.

sync: incremental sync with the NVD CVE API 2.0 (the same as cvekit sync --source nvd).
Windows of at most 120 days from the last sync (or --since, or the newest NVD content
imported), pages of 2,000, at most 5 requests per 30 s (50 with --api-key or
CVEKIT_NVD_API_KEY), retries on 403/429/5xx/timeouts. Stopped or killed, it resumes at the
first page not stored.`;

const SYNC_NVD_HELP = `Usage: cvekit sync --source nvd [--api-key KEY] [--since DATE] [--every 2h] [--base-url URL] [--json]

${NVD_HELP.split('\n\n').slice(2).join('\n\n')}`;

const EPSS_HELP = `Usage: cvekit epss import PATH|URL [--json]

Imports FIRST's EPSS CSV (epss_scores-YYYY-MM-DD.csv.gz, plain or gzip). Its first line
names the model version and the score date; each CVE's scores are kept per score date
(importing a day again changes nothing), so the history grows by day.`;

const LEGACY_HELP = `Usage: cvekit legacy import PATH|URL [--format cve-1.0-xml|cvrf-1.1|allitems-csv] [--json]

Imports MITRE's legacy CVE List: allitems.xml (cve_1.0), allitems-cvrf.xml (CVRF 1.1) or
allitems.csv, plain or gzip, streamed (the full files are 100+ MB). The format is detected
from the content. Entries keep their old CAN- names, statuses, phases, votes, comments and
** REJECT ** / ** RESERVED ** / ** DISPUTED ** markers; they never replace a CVE JSON 5 record.
XML with a DOCTYPE (external entities, entity expansion) is refused.`;

const MAPPING_HELP = `Usage: cvekit mapping-issues [--source nvd|epss|mitre-legacy] [--kind KIND] [--all] [--csv] [--json]

Source records naming a CVE this repository does not know (unknown-cve), or knows as
REJECTED with a replacement (rejected-replaced) or without one (rejected-live), per source:
the list to send to each source's owner (X1520-7.5). Open issues are rechecked first
(those the repository no longer confirms are resolved). --all includes resolved ones;
--csv prints CSV, --json JSON.`;

const OWNERS: Readonly<Record<string, string>> = {
  nvd: 'NIST NVD (nvd@nist.gov)',
  epss: 'FIRST EPSS SIG',
  'mitre-legacy': 'MITRE CVE Program (historical data; report to the CVE Program)',
};

function describeImport(what: string, r: EnrichImportSummary): string {
  const counts = Object.entries(r.counts)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');
  const lines = [`${what} ${r.input} (${r.format}) into source ${r.source} in ${(r.durationMs / 1000).toFixed(1)} s`, `  ${counts || 'nothing read'}`];
  if (r.contentDate) lines.push(`  content date: ${r.contentDate}${r.release ? ` · release ${r.release}` : ''}`);
  lines.push(
    r.mapping.skipped
      ? '  mapping checks skipped: the repository holds no CVE record yet (import the CVE List first)'
      : `  mapping issues: ${r.mapping.found} found, ${r.mapping.resolved} resolved (cvekit mapping-issues --source ${r.source})`,
  );
  for (const i of r.issues.slice(0, 20)) lines.push(`  ${i.severity}: ${i.message}`);
  if (r.issues.length > 20) lines.push(`  … ${r.issues.length - 20} more issues (--json lists up to 200)`);
  return lines.join('\n');
}

function describeSync(r: NvdSyncReport): string {
  const c = r.counts;
  return [
    `NVD sync from ${r.from}: ${r.resumed ? 'resumed, ' : ''}${r.pages} page(s), ${r.windowStart} .. ${r.until}`,
    `  read ${c.read} · added ${c.added} · updated ${c.updated} · unchanged ${c.unchanged} · older ${c.older} · skipped ${c.skipped} · retries ${r.retries}`,
    `  mapping issues: ${r.mapping.found} found, ${r.mapping.resolved} resolved`,
    ...r.issues.slice(0, 20).map((i) => `  ${i.severity}: ${i.message}`),
  ].join('\n');
}

async function importCommandOf(
  kind: 'nvd' | 'epss' | 'legacy',
  args: readonly string[],
  io: Io,
): Promise<number> {
  const help = kind === 'nvd' ? NVD_HELP : kind === 'epss' ? EPSS_HELP : LEGACY_HELP;
  const { values, positionals } = parse(args, { format: { type: 'string' } });
  if (values.help) return print(io, help), 0;
  if (positionals[0] !== 'import' || positionals.length !== 2) throw new UsageError(`expected "cvekit ${kind} import PATH|URL" (see cvekit ${kind} --help)`);
  const format = values.format;
  if (format !== undefined && (kind !== 'legacy' || !['cve-1.0-xml', 'cvrf-1.1', 'allitems-csv'].includes(format))) {
    throw new UsageError(kind === 'legacy' ? `--format must be cve-1.0-xml, cvrf-1.1 or allitems-csv, got "${format}"` : '--format is for legacy import only');
  }
  const config = configFrom(values, io);
  const r = await withStore(config, (store) => {
    const input = positionals[1];
    if (kind === 'nvd') return importNvd(store, input);
    if (kind === 'epss') return importEpss(store, input);
    return importLegacy(store, input, format ? { format: format as 'cve-1.0-xml' } : {});
  });
  if (values.json) printJson(io, { ok: true, ...r });
  else print(io, describeImport('Imported', r));
  return 0;
}

export const nvdCommand = async (args: readonly string[], io: Io): Promise<number> => {
  if (args[0] === 'sync') return nvdSyncCommand(args.slice(1), io);
  return importCommandOf('nvd', args, io);
};
export const epssCommand = (args: readonly string[], io: Io): Promise<number> => importCommandOf('epss', args, io);
export const legacyCommand = (args: readonly string[], io: Io): Promise<number> => importCommandOf('legacy', args, io);

/** `cvekit sync --source nvd …` and `cvekit nvd sync …`. */
export async function nvdSyncCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(
    args,
    { source: { type: 'string' }, 'api-key': { type: 'string' }, since: { type: 'string' }, every: { type: 'string' }, 'base-url': { type: 'string' } },
    false,
  );
  if (values.help) return print(io, SYNC_NVD_HELP), 0;
  if (values.source !== undefined && values.source !== 'nvd') throw new UsageError(`--source must be nvd (the CVE List syncs with --from), got "${values.source}"`);
  if (values.since !== undefined && Number.isNaN(Date.parse(values.since))) throw new UsageError(`--since must be an ISO 8601 time, got "${values.since}"`);
  const everyMs = optionWith('every', values.every, parseInterval);
  const apiKey = values['api-key'] ?? io.env.CVEKIT_NVD_API_KEY;
  const config = configFrom(values, io);
  return withStore(config, (store) =>
    repeatEvery(io, 'cvekit sync --source nvd', { text: values.every, ms: everyMs }, values.json === true, async (signal, nextSyncAt) => {
      const report = await syncNvd(store, {
        ...(apiKey ? { apiKey } : {}),
        ...(values.since ? { since: values.since } : {}),
        ...(values['base-url'] ? { baseUrl: values['base-url'] } : {}),
        ...(nextSyncAt ? { nextSyncAt } : {}),
        signal,
        onRetry: (info) => {
          if (!values.json) io.stderr.write(`retry ${info.attempt} in ${Math.round(info.delayMs / 1000)} s: ${info.reason}\n`);
        },
      });
      if (values.json) printJson(io, { ok: true, ...report });
      else print(io, describeSync(report));
    }),
  );
}

const csvCell = (v: string): string => {
  // A leading = + - @ would run as a formula in a spreadsheet: quote it as text.
  const t = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};

async function allIssues(store: Store, filter: { source?: string; kind?: MappingIssueKind; status?: 'open' }): Promise<MappingIssue[]> {
  const out: MappingIssue[] = [];
  let afterId: number | undefined;
  for (;;) {
    const page = await store.enrich.listMappingIssues({ ...filter, limit: 1000, ...(afterId !== undefined ? { afterId } : {}) });
    out.push(...page.items);
    if (page.items.length < 1000) return out;
    afterId = page.items[page.items.length - 1].id;
  }
}

/** `cvekit mapping-issues`: the report per source owner (X1520-7.5). */
export async function mappingIssuesCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { source: { type: 'string' }, kind: { type: 'string' }, all: { type: 'boolean' }, csv: { type: 'boolean' } }, false);
  if (values.help) return print(io, MAPPING_HELP), 0;
  if (values.kind !== undefined && !(MAPPING_ISSUE_KINDS as readonly string[]).includes(values.kind)) {
    throw new UsageError(`--kind must be one of ${MAPPING_ISSUE_KINDS.join(', ')}, got "${values.kind}"`);
  }
  const config = configFrom(values, io);
  const { issues, resolved } = await withExistingStore(config, async (store) => {
    const resolved = await recheckMappingIssues(store, values.source);
    const issues = await allIssues(store, { ...(values.source ? { source: values.source } : {}), ...(values.kind ? { kind: values.kind as MappingIssueKind } : {}), ...(values.all ? {} : { status: 'open' as const }) });
    return { issues, resolved };
  });
  if (values.json) {
    const bySource: Record<string, { owner: string; issues: MappingIssue[] }> = {};
    for (const i of issues) (bySource[i.source] ??= { owner: OWNERS[i.source] ?? i.source, issues: [] }).issues.push(i);
    printJson(io, { ok: true, total: issues.length, resolvedByRecheck: resolved, sources: bySource });
    return 0;
  }
  if (values.csv) {
    const header = ['source', 'owner', 'cve_id', 'kind', 'detail', 'record', 'status', 'first_seen', 'last_seen'];
    const rows = issues.map((i) => [i.source, OWNERS[i.source] ?? i.source, i.cveId, i.kind, i.detail, i.record, i.status, i.firstSeen, i.lastSeen].map(csvCell).join(','));
    io.stdout.write(`${[header.join(','), ...rows].join('\r\n')}\r\n`);
    return 0;
  }
  if (issues.length === 0) {
    print(io, `No ${values.all ? '' : 'open '}mapping issues${values.source ? ` for ${values.source}` : ''}.${resolved ? ` (${resolved} resolved by this recheck)` : ''}`);
    return 0;
  }
  const sources = [...new Set(issues.map((i) => i.source))];
  const lines: string[] = [];
  for (const s of sources) {
    const mine = issues.filter((i) => i.source === s);
    lines.push(`${s} — report to ${OWNERS[s] ?? s}: ${mine.length} issue(s)`);
    lines.push(table([['CVE', 'KIND', 'SINCE', 'DETAIL'], ...mine.slice(0, 200).map((i) => [i.cveId, i.kind, i.firstSeen.slice(0, 10), i.detail])]).replace(/^/gm, '  '));
    if (mine.length > 200) lines.push(`  … ${mine.length - 200} more (--csv or --json for all)`);
  }
  if (resolved) lines.push(`${resolved} issue(s) resolved by this recheck.`);
  print(io, lines.join('\n'));
  return 0;
}
