/**
 * @module The "Sources" section of a record page: what each source says about the name,
 * side by side (CNA / CISA ADP / NVD / KEV / EPSS / MITRE legacy), with the date it said it,
 * the value precedence chose, and the value the severity filter used. Every value goes
 * through `html` escaping: a hostile NVD or legacy text cannot inject markup.
 *
 * @example
 * const section = provenanceSection(await loadMergedView(store, id)); // SafeHtml
 */
import type { Claim, Field, MergedView } from '../enrich/index.ts';
import { html } from './html.ts';
import type { SafeHtml } from './html.ts';

const day = (iso: string | undefined): string => (iso ? iso.slice(0, 10) : '');

function sameClaim<T>(a: Claim<T> | undefined, b: Claim<T>): boolean {
  return a !== undefined && a.source === b.source && a.label === b.label && JSON.stringify(a.value) === JSON.stringify(b.value);
}

function fieldRows<T>(name: string, f: Field<T>, show: (v: T) => string): SafeHtml[] {
  return f.claims.map(
    (c, i) =>
      html`<tr${sameClaim(f.chosen, c) ? html` class="chosen"` : ''}>${i === 0 ? html`<th scope="rowgroup" rowspan="${f.claims.length}">${name}</th>` : ''}<td>${c.label}</td><td>${show(c.value)}</td><td><time>${day(c.date)}</time></td><td>${sameClaim(f.chosen, c) ? 'used' : ''}</td></tr>`,
  );
}

const cvssText = (v: { version: string; score: number; severity: string; vector: string; type?: string }): string =>
  `${v.score.toFixed(1)} ${v.severity} (CVSS ${v.version}${v.type ? `, ${v.type}` : ''}) ${v.vector}`;

/** The provenance table of one CVE name, as an HTML fragment (a `<section>`). */
export function provenanceSection(view: MergedView): SafeHtml {
  const rows = [
    ...fieldRows('Status', view.status, (v) => v),
    ...fieldRows('CVSS', view.cvss, cvssText),
    ...fieldRows('CWE', view.cwe, (v) => v.join(', ')),
    ...fieldRows('CPE', view.cpe, (v) => (v.length > 5 ? `${v.slice(0, 5).join(', ')} … (${v.length} in all)` : v.join(', '))),
    ...fieldRows('KEV', view.kev, (v) => `added ${v.dateAdded}${v.dueDate ? `, due ${v.dueDate}` : ''}`),
    ...fieldRows('EPSS', view.epss, (v) => `${(v.score * 100).toFixed(2)}% (percentile ${(v.percentile * 100).toFixed(1)}, model ${v.modelVersion})`),
  ];
  const severity = view.filters.severity;
  const legacy = view.legacy.map(
    (l) => html`<li><strong>${l.originalName}</strong> — ${l.label}${l.status ? `, ${l.status}` : ''}${l.phase ? `, phase ${l.phase}` : ''}${l.phaseDate ? ` (${l.phaseDate})` : ''}${l.markers.rejected ? ' — ** REJECT **' : ''}${l.markers.reserved ? ' — ** RESERVED **' : ''}${l.markers.disputed ? ' — ** DISPUTED **' : ''}${
      l.replacedBy.length > 0 ? html` — use ${l.replacedBy.map((id, i) => html`${i > 0 ? ', ' : ''}<a href="/cve/${id}">${id}</a>`)}` : ''
    }<blockquote class="historical">${l.description}</blockquote></li>`,
  );
  const issues = view.mappingIssues.filter((m) => m.status === 'open');
  return html`<section class="provenance" aria-labelledby="sources-h">
<h2 id="sources-h">Sources</h2>
${view.inCveList ? '' : html`<p class="notice">The CVE List has no record for ${view.cveId}; what follows comes from other sources only.</p>`}
${rows.length > 0 ? html`<table class="provenance-table"><thead><tr><th scope="col">Field</th><th scope="col">Source</th><th scope="col">Says</th><th scope="col">As of</th><th scope="col">Precedence</th></tr></thead><tbody>${rows}</tbody></table>` : html`<p>No enrichment source has data on this name.</p>`}
${severity ? html`<p class="filter-note">Severity filters use ${severity.label}: ${cvssText(severity.value)}.</p>` : ''}
${legacy.length > 0 ? html`<h3>MITRE legacy entries (historical, never replacing the CVE record)</h3><ul class="legacy">${legacy}</ul>` : ''}
${issues.length > 0 ? html`<h3>Mapping issues</h3><ul class="mapping-issues">${issues.map((m) => html`<li>${m.source}: ${m.kind} — ${m.detail} (since ${day(m.firstSeen)})</li>`)}</ul>` : ''}
</section>`;
}
