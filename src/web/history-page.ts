/**
 * @module The change history of one CVE record: every version kept, and the fields that
 * changed between two of them (X1520-7.7: the status of a name over time).
 */
import type { FieldChange } from '../cve/index.ts';
import type { VersionInfo } from '../store/index.ts';
import { html, type SafeHtml } from './html.ts';

export interface HistoryView {
  readonly cveId: string;
  readonly versions: readonly VersionInfo[];
  readonly from?: number;
  readonly to?: number;
  readonly changes?: readonly FieldChange[];
}

const MAX_VALUE = 2_000;

function value(v: unknown): SafeHtml {
  if (v === undefined) return html`<span class="muted">—</span>`;
  const text = typeof v === 'string' ? v : JSON.stringify(v, null, 1);
  return html`<span class="mono">${text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text}</span>`;
}

function versionSelect(name: string, label: string, versions: readonly VersionInfo[], selected: number | undefined): SafeHtml {
  return html`<label for="${name}">${label}</label> <select id="${name}" name="${name}">${versions.map((v) => html`<option value="${v.version}"${v.version === selected ? html` selected` : ''}>${v.version} (${v.dateUpdated.slice(0, 10)})</option>`)}</select>`;
}

export function historyBody(v: HistoryView): SafeHtml {
  return html`<p><a href="/cve/${v.cveId}">← ${v.cveId}</a></p>
<h1>History of <span class="mono">${v.cveId}</span></h1>
<div class="table-wrap"><table><caption>Versions kept, oldest first</caption>
<thead><tr><th scope="col">Version</th><th scope="col">Record updated</th><th scope="col">Source</th><th scope="col">Arrived</th><th scope="col">Changes</th></tr></thead><tbody>
${v.versions.map((ver, i) => html`<tr><td>${ver.version}${ver.current ? html` <span class="badge ok">current</span>` : ''}</td><td><time datetime="${ver.dateUpdated}">${ver.dateUpdated}</time></td><td>${ver.source}${ver.origin ? html`<br><span class="muted mono">${ver.origin}</span>` : ''}</td><td><time datetime="${ver.arrivedAt}">${ver.arrivedAt}</time></td><td>${i > 0 ? html`<a href="/cve/${v.cveId}/history?from=${v.versions[i - 1].version}&amp;to=${ver.version}#diff">from ${v.versions[i - 1].version}</a>` : html`<span class="muted">first</span>`}</td></tr>`)}
</tbody></table></div>
${v.versions.length > 1 ? html`<form class="inline-form" method="get" action="/cve/${v.cveId}/history" aria-label="Compare two versions">
${versionSelect('from', 'From version', v.versions, v.from)} ${versionSelect('to', 'to version', v.versions, v.to)} <button type="submit">Compare</button></form>` : ''}
${v.changes ? html`<section aria-labelledby="diff"><h2 id="diff">Changes from version ${v.from} to ${v.to}</h2>
${v.changes.length ? html`<div class="table-wrap"><table class="diff"><thead><tr><th scope="col">Field</th><th scope="col">Change</th><th scope="col">Before</th><th scope="col">After</th></tr></thead><tbody>
${v.changes.map((c) => html`<tr class="${c.kind}"><td class="mono">${c.path}${c.oldPath ? html`<br><span class="muted">was ${c.oldPath}</span>` : ''}</td><td>${c.kind}</td><td>${c.kind === 'added' ? '' : value(c.old)}</td><td>${c.kind === 'removed' ? '' : value(c.new)}</td></tr>`)}
</tbody></table></div>` : html`<p>No field changed.</p>`}
<p class="muted">As JSON: <a href="/api/v1/cve/${v.cveId}/diff?from=${v.from}&amp;to=${v.to}">/api/v1/cve/${v.cveId}/diff?from=${v.from}&amp;to=${v.to}</a></p>
</section>` : ''}`;
}
