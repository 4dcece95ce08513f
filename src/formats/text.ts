/**
 * @module Plain text: one record in full ({@link toText}) and lists of many records, one
 * line each ({@link toTextListLine}). Plain text is a format every reader can search
 * (X1520-B.3.1); lines are never wrapped, so a CVE name or phrase is never split.
 */
import { describeCvss, parseCvssVector } from '../cvss/index.ts';
import type { AffectedSummary, CveRecordJson, MetricSummary, RecordSummary, VersionJson } from '../cve/index.ts';
import type { ContentDate } from './content-date.ts';
import { contentAsOfLine } from './content-date.ts';
import { oneLine, truncate, visibleText } from './escape.ts';
import { highestMetric } from './highest-metric.ts';

/** Options of {@link toText}. */
export interface TextOptions {
  /** CWE names by id (`CWE-79` → `Improper Neutralization of Input …`), from the CWE catalog. */
  readonly cweNames?: ReadonlyMap<string, string>;
}

const INDENT = '  ';

/** Each line of `text` indented, so a multi-line value stays under its heading. */
function indented(text: string, prefix = INDENT): string {
  return visibleText(text)
    .trim()
    .split('\n')
    .map((l) => (l === '' ? '' : prefix + l))
    .join('\n');
}

const UNSPECIFIED_START = /^(?:0|\*|-|n\/a|unspecified|all)?$/i;

function versionText(v: VersionJson): string {
  const version = typeof v.version === 'string' ? v.version : '';
  // A range's `version` of `0`, `*`, `n/a`… means "from the first version": say only the bound.
  const from = UNSPECIFIED_START.test(version.trim()) ? '' : `${version} to `;
  let range = version;
  if (typeof v.lessThan === 'string') range = `${from}< ${v.lessThan}`;
  else if (typeof v.lessThanOrEqual === 'string') range = `${from}<= ${v.lessThanOrEqual}`;
  const type = typeof v.versionType === 'string' ? ` (${v.versionType})` : '';
  const changes = Array.isArray(v.changes) && v.changes.length > 0
    ? ` [${v.changes.map((c) => `${c?.status} from ${c?.at}`).join('; ')}]`
    : '';
  return `${range}${type}${changes}`;
}

/** A fixed-width table; a column is as wide as its widest cell, up to `cap`; longer cells overflow. */
function table(head: readonly string[], rows: readonly (readonly string[])[], cap = 40): string {
  const widths = head.map((h, i) => Math.min(cap, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: readonly string[]): string =>
    INDENT + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join(' | ').trimEnd();
  return [line(head), INDENT + widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)].join('\n');
}

function affectedRows(affected: readonly AffectedSummary[]): string[][] {
  const rows: string[][] = [];
  for (const a of affected) {
    const vendor = oneLine(a.vendor || '-');
    const product = oneLine(a.product || a.packageName || '-');
    const source = a.source;
    if (a.versions.length === 0) {
      rows.push([vendor, product, '-', oneLine(a.defaultStatus ?? '-'), source]);
      continue;
    }
    for (const v of a.versions) rows.push([vendor, product, oneLine(versionText(v)), oneLine(String(v.status ?? '')), source]);
    if (a.defaultStatus !== undefined) rows.push([vendor, product, '(other versions)', oneLine(a.defaultStatus), source]);
  }
  return rows;
}

function metricText(m: MetricSummary): string {
  const head = `CVSS ${m.version}  ${m.baseScore.toFixed(1)} ${m.baseSeverity}  ${oneLine(m.vectorString)}  (${m.source})`;
  const described = describeCvss(m.vectorString);
  if (described === undefined) {
    const parsed = parseCvssVector(m.vectorString);
    return `${INDENT}${head}\n${INDENT}${INDENT}vector not valid: ${parsed.ok ? 'unknown reason' : parsed.reason}`;
  }
  const groups = new Map<string, string[]>();
  for (const d of described) {
    const list = groups.get(d.group) ?? [];
    list.push(`${d.name}: ${d.valueName}`);
    groups.set(d.group, list);
  }
  let out = `${INDENT}${head}`;
  for (const [group, items] of groups) out += `\n${INDENT}${INDENT}${group}: ${items.join('; ')}`;
  return out;
}

/**
 * One record as plain text: the CVE name alone on the first line (X1520-6.10), state,
 * title, the "CVE content as of" line (X1520-9.1), descriptions by language, replacements
 * of a rejected name (X1520-7.7, 7.8), affected products as a table, each CVSS metric with
 * its vector decoded into names, CWEs (named when `cweNames` has them), KEV, SSVC,
 * references with tags, dates, related names. Control characters are removed and
 * bidirectional overrides shown as `<U+202E>` ({@link visibleText}). Ends with a newline.
 *
 * @example
 * toText(record, summarizeRecord(record), ctx).split('\n')[0] // 'CVE-2021-44228'
 */
export function toText(record: CveRecordJson, summary: RecordSummary, ctx: ContentDate, options: TextOptions = {}): string {
  const out: string[] = [summary.cveId, `State: ${summary.state}`];
  if (summary.title !== undefined) out.push(`Title: ${oneLine(summary.title)}`);
  const assigner = summary.assignerShortName ?? record.cveMetadata?.assignerShortName;
  out.push(`Assigner: ${oneLine(assigner ?? summary.assignerOrgId)}${assigner !== undefined ? ` (${oneLine(summary.assignerOrgId)})` : ''}`);
  out.push(contentAsOfLine(ctx));

  if (summary.state === 'REJECTED') {
    const targets = [...new Set(summary.replacements.map((r) => r.target))];
    out.push('', `REJECTED: do not use ${summary.cveId}.${targets.length > 0 ? ` Use instead: ${targets.join(', ')}` : ''}`);
    for (const r of summary.replacements) out.push(`${INDENT}${r.kind === 'duplicate-of' ? 'Duplicate of' : 'Replaced by'} ${r.target} (from ${r.from})`);
  }

  const heading = summary.state === 'REJECTED' ? 'Rejection reason' : 'Description';
  for (const d of summary.descriptions) {
    if (typeof d?.value !== 'string') continue;
    out.push('', `${heading} (${oneLine(String(d.lang))}):`, indented(d.value));
  }

  if (summary.affected.length > 0) {
    out.push('', 'Affected:', table(['Vendor', 'Product', 'Versions', 'Status', 'Source'], affectedRows(summary.affected)));
  }
  if (summary.metrics.length > 0) {
    out.push('', 'CVSS:');
    for (const m of summary.metrics) out.push(metricText(m));
  }
  if (summary.cweIds.length > 0) {
    out.push('', 'CWE:');
    for (const id of summary.cweIds) {
      const name = options.cweNames?.get(id);
      out.push(`${INDENT}${id}${name !== undefined ? ` ${oneLine(name)}` : ''}`);
    }
  }
  if (summary.kev !== undefined) {
    out.push('', `Known exploited (CISA KEV): added ${oneLine(summary.kev.dateAdded)}${summary.kev.reference ? ` ${oneLine(summary.kev.reference)}` : ''}`);
  }
  if (summary.ssvc !== undefined) {
    const s = summary.ssvc;
    const parts = [
      s.exploitation !== undefined && `Exploitation: ${s.exploitation}`,
      s.automatable !== undefined && `Automatable: ${s.automatable}`,
      s.technicalImpact !== undefined && `Technical Impact: ${s.technicalImpact}`,
    ].filter((p): p is string => typeof p === 'string');
    if (parts.length > 0) out.push('', `SSVC: ${oneLine(parts.join('; '))}`);
  }
  if (summary.references.length > 0) {
    out.push('', 'References:');
    const seen = new Set<string>();
    for (const r of summary.references) {
      if (seen.has(r.url)) continue;
      seen.add(r.url);
      const name = r.name !== undefined && r.name !== r.url ? ` "${oneLine(r.name)}"` : '';
      const tags = r.tags.length > 0 ? ` [${oneLine(r.tags.join(', '))}]` : '';
      out.push(`${INDENT}${oneLine(r.url)}${name}${tags}`);
    }
  }
  const d = summary.dates;
  const dates: [string, string | undefined][] = [
    ['Reserved', d.reserved], ['Public', d.public], ['Published', d.published], ['Updated', d.updated], ['Rejected', d.rejected],
  ];
  out.push('', 'Dates:');
  for (const [label, value] of dates) if (value !== undefined) out.push(`${INDENT}${label}: ${value}`);
  if (summary.related.length > 0) out.push('', `Related CVE names: ${summary.related.join(', ')}`);
  if (summary.adpProviders.length > 0) out.push('', `Additional data from: ${oneLine(summary.adpProviders.join(', '))}`);
  out.push('', `Generated ${ctx.generatedAt} by cvekit.`);
  return `${out.join('\n')}\n`;
}

/** Longest description kept on a list line (full text is in the record's own `.txt`). */
const LIST_TEXT_MAX = 200;

/**
 * One line of a record list: CVE name first (X1520-B.3.2: a list of short titles shows
 * the CVE name of each), state, highest-version CVSS score, and the title or description;
 * a rejected name shows its replacements (X1520-7.8). No line end.
 *
 * @example
 * toTextListLine(summary) // 'CVE-2021-44228  PUBLISHED  CVSS 3.1 10.0 CRITICAL  Apache Log4j2 …'
 */
export function toTextListLine(summary: RecordSummary): string {
  const parts = [summary.cveId, summary.state];
  if (summary.state === 'REJECTED') {
    const targets = [...new Set(summary.replacements.map((r) => r.target))];
    if (targets.length > 0) parts.push(`use ${targets.join(', ')}`);
  }
  const best = highestMetric(summary.metrics);
  if (best !== undefined) parts.push(`CVSS ${best.version} ${best.baseScore.toFixed(1)} ${best.baseSeverity}`);
  if (summary.kev !== undefined) parts.push('KEV');
  const text = oneLine(summary.title ?? summary.description);
  if (text !== '') parts.push(truncate(text, LIST_TEXT_MAX));
  return parts.join('  ');
}

/** The start of a text list: its title, the content date line (X1520-9.1), a blank line. */
export function textListHeader(title: string, ctx: ContentDate): string {
  return `${oneLine(title)}\n${contentAsOfLine(ctx)}\n\n`;
}

/** A whole list: {@link textListHeader} then one {@link toTextListLine} per record, each ending with `\n`. */
export function toTextList(title: string, summaries: Iterable<RecordSummary>, ctx: ContentDate): string {
  let out = textListHeader(title, ctx);
  for (const s of summaries) out += `${toTextListLine(s)}\n`;
  return out;
}
