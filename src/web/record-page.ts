/**
 * @module The CVE record page (issue 4 §3): everything in the CNA and ADP containers, read
 * from the stored record: descriptions, affected products and versions, every CVSS metric
 * with its vector decoded, CWEs with names, references with tags (only http(s) links), the
 * timeline, KEV, history, related and replacement names. A rejected record says so first,
 * with the reason and a link to each replacement (X1520-7.7, 7.8).
 */
import type { AdpContainerJson, AffectedJson, CnaContainerJson, CveRecordJson, LangString, MetricJson, RecordSummary, VersionJson } from '../cve/index.ts';
import { describeCvss } from '../cvss/index.ts';
import type { CweEntry, KevEntry, StoredRecord, VersionInfo } from '../store/index.ts';
import { html, link, type SafeHtml } from './html.ts';

/** Longest text shown inline; the full value is in the JSON record. */
const CLIP = 4_000;

export interface RecordView {
  readonly summary: RecordSummary;
  readonly record: CveRecordJson;
  readonly stored?: Pick<StoredRecord, 'source' | 'version' | 'arrivedAt'>;
  readonly versions: readonly VersionInfo[];
  readonly kev?: KevEntry;
  readonly cwes: ReadonlyMap<string, CweEntry>;
  /** Names whose records point at this one as their replacement. */
  readonly replacing: readonly string[];
  readonly query?: { readonly input: string; readonly canonical: string };
  /** The "Sources" section: what CNA, ADPs, NVD, KEV, EPSS and legacy MITRE data say, side by side. */
  readonly provenance?: SafeHtml;
}

type Container = (CnaContainerJson | AdpContainerJson) & Record<string, unknown>;

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const arr = <T>(v: unknown): readonly T[] => (Array.isArray(v) ? (v as T[]) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Names, versions, URLs: long values are clipped harder (they sit in table cells and lists). */
const SHORT = 300;

function short(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  return text.length > SHORT ? `${text.slice(0, SHORT)}… (${(text.length - SHORT).toLocaleString('en')} more characters)` : text;
}

/**
 * Long texts clipped for the page; unbroken runs over 80 characters get zero-width break
 * opportunities, so a hostile 50 KB "word" lays out in linear time and never widens the page.
 */
function clip(text: string): string {
  if (text.length > 80) text = text.replace(/\S{80}(?=\S)/g, '$&\u200b');
  return text.length > CLIP ? `${text.slice(0, CLIP)}… (${(text.length - CLIP).toLocaleString('en')} more characters in the JSON record)` : text;
}

/** Paragraphs of a language string list, each marked with its language for screen readers. */
function langParagraphs(list: readonly LangString[]): SafeHtml {
  return html`${list
    .filter((d) => isObj(d) && typeof d.value === 'string')
    .map((d) => html`<p lang="${safeLang(d.lang)}" class="prose">${clip(d.value)}${list.length > 1 ? html` <span class="muted">(${d.lang})</span>` : ''}</p>`)}`;
}

/** A BCP 47 tag as written when it looks like one, else `und` (an attribute the browser parses). */
function safeLang(lang: unknown): string {
  return typeof lang === 'string' && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(lang) ? lang : 'und';
}

function containerName(c: Container, i: number): string {
  return c.providerMetadata?.shortName ?? c.providerMetadata?.orgId ?? `ADP ${i + 1}`;
}

// --- affected products ----------------------------------------------------------------------

function versionRange(v: VersionJson): SafeHtml {
  const from = short(typeof v.version === 'string' ? v.version : '') ?? '';
  const open = /^(?:0|\*|-|n\/a|unspecified|all)?$/i.test(from.trim());
  let range: SafeHtml;
  if (typeof v.lessThan === 'string') range = html`${open ? '' : html`${from} ≤ `}version &lt; ${short(v.lessThan)}`;
  else if (typeof v.lessThanOrEqual === 'string') range = html`${open ? '' : html`${from} ≤ `}version ≤ ${short(v.lessThanOrEqual)}`;
  else range = html`${from}`;
  const changes = arr<{ at?: unknown; status?: unknown }>(v.changes);
  return html`<li><span class="status-${str(v.status) === 'affected' ? 'affected' : str(v.status) === 'unaffected' ? 'unaffected' : 'unknown'}">${short(str(v.status)) ?? '?'}</span>: <span class="mono">${range}</span>${v.versionType ? html` <span class="muted">(${short(String(v.versionType))})</span>` : ''}${changes.length ? html`<ul>${changes.map((c) => html`<li>from <span class="mono">${short(str(c.at)) ?? '?'}</span>: ${short(str(c.status)) ?? '?'}</li>`)}</ul>` : ''}</li>`;
}

function affectedTable(list: readonly AffectedJson[], caption: string): SafeHtml {
  const rows = list.filter((a): a is AffectedJson => isObj(a));
  if (!rows.length) return html``;
  return html`<div class="table-wrap"><table class="affected"><caption>${caption}</caption>
<thead><tr><th scope="col">Vendor</th><th scope="col">Product</th><th scope="col">Versions</th><th scope="col">Default status</th><th scope="col">Details</th></tr></thead><tbody>
${rows.map((a) => {
  const details: SafeHtml[] = [];
  if (str(a.packageName)) details.push(html`<div>Package: <span class="mono">${short(str(a.packageName))}</span></div>`);
  if (str(a.collectionURL)) details.push(html`<div>Collection: ${link(str(a.collectionURL)!, short(str(a.collectionURL)))}</div>`);
  for (const key of ['modules', 'programFiles', 'programRoutines', 'platforms'] as const) {
    const values = arr<unknown>(a[key]).map((x) => (isObj(x) ? str(x.name) ?? JSON.stringify(x) : String(x)));
    if (values.length) details.push(html`<div>${key === 'programFiles' ? 'Files' : key === 'programRoutines' ? 'Routines' : key[0].toUpperCase() + key.slice(1)}: ${short(values.join(', '))}</div>`);
  }
  if (a.repo && typeof a.repo === 'string') details.push(html`<div>Repository: ${link(a.repo, short(a.repo))}</div>`);
  const cpes = arr<string>(a.cpes).filter((c) => typeof c === 'string');
  if (cpes.length) details.push(html`<div>CPE: ${cpes.map((c, i) => html`${i ? html`<br>` : ''}<span class="mono">${short(c)}</span>`)}</div>`);
  const versions = arr<VersionJson>(a.versions).filter((x): x is VersionJson => isObj(x));
  return html`<tr><td>${short(str(a.vendor)) ?? '—'}</td><td>${short(str(a.product) ?? str(a.packageName)) ?? '—'}</td><td>${versions.length ? html`<ul class="plain">${versions.map(versionRange)}</ul>` : '—'}</td><td>${short(str(a.defaultStatus)) ?? '—'}</td><td>${details.length ? details : '—'}</td></tr>`;
})}</tbody></table></div>`;
}

// --- metrics ---------------------------------------------------------------------------------

const CVSS_KEYS = [
  ['cvssV4_0', '4.0'],
  ['cvssV3_1', '3.1'],
  ['cvssV3_0', '3.0'],
  ['cvssV2_0', '2.0'],
] as const;

function severityClass(sev: string | undefined): string {
  const s = (sev ?? '').toLowerCase();
  return ['critical', 'high', 'medium', 'low', 'none'].includes(s) ? `sev sev-${s}` : 'sev';
}

function metricsBlock(list: readonly MetricJson[], source: string): SafeHtml {
  const parts: SafeHtml[] = [];
  for (const m of list.filter(isObj)) {
    for (const [key, version] of CVSS_KEYS) {
      const c = m[key];
      if (!isObj(c)) continue;
      const vector = str(c.vectorString) ?? '';
      const decoded = describeCvss(vector);
      const score = typeof c.baseScore === 'number' ? c.baseScore.toFixed(1) : '?';
      const sev = str(c.baseSeverity);
      parts.push(html`<div class="metric"><p><strong>CVSS ${version}</strong> <span class="${severityClass(sev)}">${score} ${sev ?? ''}</span> <span class="muted">from ${source}</span></p>
<p class="mono vector">${short(vector)}</p>
${decoded ? html`<details><summary>Vector decoded (${decoded.length} metrics)</summary><div class="table-wrap"><table class="compact"><caption class="skip">CVSS ${version} metrics from ${source}</caption><thead><tr><th scope="col">Group</th><th scope="col">Metric</th><th scope="col">Value</th></tr></thead><tbody>${decoded.map((d) => html`<tr><td>${d.group}</td><td>${d.name} <span class="muted mono">${d.metric}</span></td><td>${d.valueName} <span class="muted mono">${d.value}</span></td></tr>`)}</tbody></table></div></details>` : html`<p class="warn">This vector is not a valid CVSS ${version} vector.</p>`}
${arr<LangString>(m.scenarios).length ? html`<p class="muted">Scenario: ${arr<LangString>(m.scenarios).map((s) => s.value).join('; ')}</p>` : ''}</div>`);
    }
    const other = m.other;
    if (isObj(other)) parts.push(otherMetric(other as { type: string; content: unknown }, source));
  }
  return html`${parts}`;
}

/** `other` metrics (SSVC, KEV, vendor scales): their content as a readable key/value list. */
function otherMetric(other: { type: string; content: unknown }, source: string): SafeHtml {
  const content = other.content;
  const rows: [string, string][] = [];
  const flat = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));
  if (isObj(content)) {
    for (const [k, v] of Object.entries(content)) {
      if (k === 'options' && Array.isArray(v)) {
        for (const o of v) if (isObj(o)) for (const [ok, ov] of Object.entries(o)) rows.push([ok, flat(ov)]);
      } else rows.push([k, flat(v)]);
    }
  } else rows.push(['value', flat(content)]);
  const title = other.type === 'ssvc' ? 'SSVC decision points' : other.type === 'kev' ? 'CISA KEV' : `Other metric: ${other.type}`;
  return html`<div class="metric"><p><strong>${title}</strong> <span class="muted">from ${source}</span></p><dl class="kv">${rows.slice(0, 50).map(([k, v]) => html`<dt>${k}</dt><dd>${clip(v)}</dd>`)}</dl></div>`;
}

// --- weaknesses, references, timeline ---------------------------------------------------------

function weaknesses(c: Container, cwes: ReadonlyMap<string, CweEntry>): SafeHtml {
  const items: SafeHtml[] = [];
  for (const p of arr<{ descriptions?: unknown }>(c.problemTypes)) {
    for (const d of arr<{ cweId?: unknown; description?: unknown; lang?: unknown }>(isObj(p) ? p.descriptions : undefined)) {
      if (!isObj(d)) continue;
      const id = str(d.cweId);
      const text = str(d.description) ?? '';
      if (!id && (!text || text === 'n/a')) continue;
      const name = id ? cwes.get(id)?.name : undefined;
      items.push(
        id
          ? html`<li><a href="/search?cwe=${encodeURIComponent(id)}">${id}</a>${name ? html`: ${name}` : ''}${text && text !== id && !(name && text.includes(name)) ? html` <span class="muted">(${text})</span>` : ''}</li>`
          : html`<li>${text}</li>`,
      );
    }
  }
  return items.length ? html`<ul>${items}</ul>` : html``;
}

function references(list: readonly unknown[]): SafeHtml {
  const refs = list.filter(isObj).filter((r) => typeof r.url === 'string') as { url: string; name?: unknown; tags?: unknown }[];
  if (!refs.length) return html``;
  return html`<ul class="refs">${refs.map((r) => {
    const name = str(r.name);
    const tags = arr<string>(r.tags).filter((t) => typeof t === 'string' && !t.startsWith('x_'));
    return html`<li>${link(r.url, name && name !== r.url ? short(name) : short(r.url))}${name && name !== r.url ? html` <span class="muted mono url">${short(r.url)}</span>` : ''}${tags.length ? html` ${tags.map((t) => html`<span class="tag">${short(t)}</span> `)}` : ''}</li>`;
  })}</ul>`;
}

function timeline(s: RecordSummary, record: CveRecordJson): SafeHtml {
  const rows: { at: string; what: SafeHtml }[] = [];
  const add = (at: unknown, what: SafeHtml) => {
    if (typeof at === 'string' && at) rows.push({ at, what });
  };
  add(s.dates.reserved, html`Name reserved`);
  add(s.dates.public, html`Made public (per the CNA)`);
  add(s.dates.published, html`Record published`);
  add(s.dates.rejected, html`Record rejected`);
  for (const t of arr<{ time?: unknown; lang?: unknown; value?: unknown }>(record.containers.cna.timeline)) {
    if (isObj(t)) add(t.time, html`<span lang="${safeLang(t.lang)}">${clip(str(t.value) ?? '')}</span> <span class="muted">(CNA timeline)</span>`);
  }
  for (const [i, adp] of arr<AdpContainerJson>(record.containers.adp).entries()) {
    if (isObj(adp)) add(adp.providerMetadata?.dateUpdated, html`${containerName(adp as Container, i)} container updated`);
  }
  add(s.dates.updated, html`Record last updated`);
  rows.sort((a, b) => a.at.localeCompare(b.at));
  return html`<ol class="timeline">${rows.map((r) => html`<li><time datetime="${r.at}">${r.at.replace('T', ' ').replace(/\.\d+Z?$|Z$/, '')}</time> ${r.what}</li>`)}</ol>`;
}

/** Lists of language strings a CNA may add (solutions, workarounds…), shown when present. */
const PROSE_FIELDS = [
  ['solutions', 'Solutions'],
  ['workarounds', 'Workarounds'],
  ['exploits', 'Exploits'],
  ['configurations', 'Required configurations'],
] as const;

function containerBody(c: Container, source: string, cwes: ReadonlyMap<string, CweEntry>, level: 2 | 3, idPrefix: string): SafeHtml {
  const h = (id: string, text: string) => (level === 2 ? html`<h2 id="${idPrefix}${id}">${text}</h2>` : html`<h3 id="${idPrefix}${id}">${text}</h3>`);
  const out: SafeHtml[] = [];
  const metrics = metricsBlock(arr<MetricJson>(c.metrics), source);
  if (metrics.value) out.push(html`<section aria-labelledby="${idPrefix}sev">${h('sev', 'Severity')}${metrics}</section>`);
  const weak = weaknesses(c, cwes);
  if (weak.value) out.push(html`<section aria-labelledby="${idPrefix}cwe">${h('cwe', 'Weaknesses')}${weak}</section>`);
  const impacts = arr<{ capecId?: unknown; descriptions?: unknown }>(c.impacts).filter(isObj);
  if (impacts.length) out.push(html`<section aria-labelledby="${idPrefix}imp">${h('imp', 'Impacts')}<ul>${impacts.map((i) => html`<li>${str(i.capecId) ?? ''} ${arr<LangString>(i.descriptions).map((d) => d.value).join(' ')}</li>`)}</ul></section>`);
  const affected = affectedTable(arr<AffectedJson>(c.affected), `Affected products and versions (${source})`);
  if (affected.value) out.push(html`<section aria-labelledby="${idPrefix}aff">${h('aff', 'Affected products')}${affected}</section>`);
  for (const [key, label] of PROSE_FIELDS) {
    const list = arr<LangString>(c[key]);
    if (list.length) out.push(html`<section aria-labelledby="${idPrefix}${key}">${h(key, label)}${langParagraphs(list)}</section>`);
  }
  const credits = arr<{ value?: unknown; type?: unknown; lang?: unknown }>(c.credits).filter(isObj);
  if (credits.length) out.push(html`<section aria-labelledby="${idPrefix}cred">${h('cred', 'Credits')}<ul>${credits.map((x) => html`<li lang="${safeLang(x.lang)}">${str(x.value) ?? ''}${x.type ? html` <span class="muted">(${String(x.type)})</span>` : ''}</li>`)}</ul></section>`);
  const refs = references(arr(c.references));
  if (refs.value) out.push(html`<section aria-labelledby="${idPrefix}refs">${h('refs', 'References')}${refs}</section>`);
  const tags = arr<string>(c.tags).filter((t) => typeof t === 'string');
  if (tags.length) out.push(html`<p>Tags: ${tags.map((t) => html`<span class="tag">${t}</span> `)}</p>`);
  return html`${out}`;
}

// --- the page -------------------------------------------------------------------------------

export function recordBody(v: RecordView): SafeHtml {
  const s = v.summary;
  const rec = v.record;
  const cna = rec.containers.cna as Container;
  const adps = arr<AdpContainerJson>(rec.containers.adp).filter(isObj) as Container[];
  const rejected = s.state === 'REJECTED';
  const kevAdded = v.kev?.dateAdded ?? s.kev?.dateAdded;
  const best = s.metrics.slice().sort((a, b) => Number(b.version) - Number(a.version) || b.baseScore - a.baseScore)[0];
  const targets = [...new Map(s.replacements.map((r) => [r.target, r])).values()];
  const versions = v.versions;
  const current = versions.find((x) => x.current) ?? versions[versions.length - 1];
  return html`
${v.query && v.query.input !== v.query.canonical ? html`<p class="notice" role="status">You searched <code>${v.query.input}</code>; the CVE name is <strong>${v.query.canonical}</strong>.</p>` : ''}
<article>
<h1><span class="mono">${s.cveId}</span>${s.title && !rejected ? html`<span class="subtitle">${short(s.title)}</span>` : ''}</h1>
<p class="badges"><span class="badge ${rejected ? 'bad' : 'ok'}">${s.state}</span>
${kevAdded ? html`<a class="badge bad" href="#kev" title="CISA Known Exploited Vulnerabilities catalog">KEV: known exploited, added ${kevAdded}</a>` : ''}
${best ? html`<span class="${severityClass(best.baseSeverity)}">CVSS ${best.version} ${best.baseScore.toFixed(1)} ${best.baseSeverity}</span>` : ''}
<span class="muted">Assigner: ${s.assignerShortName ?? s.assignerOrgId}</span></p>
${rejected ? html`<section class="rejected" aria-labelledby="rej" role="alert"><h2 id="rej">This CVE name is rejected: do not use ${s.cveId}</h2>
${s.descriptions.length ? html`<p><strong>Reason:</strong></p>${langParagraphs(s.descriptions)}` : html`<p>No reason was given.</p>`}
${targets.length ? html`<p class="use-instead">Use instead: ${targets.map((r, i) => html`${i ? ', ' : ''}<a href="/cve/${r.target}">${r.target}</a> <span class="muted">(${r.kind === 'duplicate-of' ? 'duplicate of' : 'replaced by'})</span>`)}</p>` : html`<p class="muted">The rejection names no replacement.</p>`}
${s.dates.rejected ? html`<p class="muted">Rejected on <time datetime="${s.dates.rejected}">${s.dates.rejected}</time>.</p>` : ''}
</section>` : html`<section aria-labelledby="desc"><h2 id="desc">Description</h2>${langParagraphs(arr<LangString>(cna.descriptions))}</section>`}
${v.replacing.length ? html`<p class="notice">Rejected names that point here: ${v.replacing.map((id, i) => html`${i ? ', ' : ''}<a href="/cve/${id}">${id}</a>`)}</p>` : ''}
${!rejected ? containerBody(cna, `CNA (${s.assignerShortName ?? cna.providerMetadata?.shortName ?? s.assignerOrgId})`, v.cwes, 2, '') : ''}
${kevAdded ? html`<section aria-labelledby="kev"><h2 id="kev">Known exploited (CISA KEV)</h2><dl class="kv">
<dt>Added</dt><dd>${kevAdded}</dd>
${v.kev ? html`<dt>Name</dt><dd>${v.kev.vulnerabilityName}</dd><dt>Required action</dt><dd>${v.kev.requiredAction}</dd><dt>Due</dt><dd>${v.kev.dueDate}</dd><dt>Ransomware use</dt><dd>${v.kev.knownRansomwareCampaignUse}</dd>${v.kev.notes ? html`<dt>Notes</dt><dd>${v.kev.notes}</dd>` : ''}` : ''}
</dl></section>` : ''}
${adps.map((adp, i) => {
  const name = containerName(adp, i);
  const title = str(adp.title);
  const body = containerBody(adp, `ADP ${name}`, v.cwes, 3, `adp${i}-`);
  const desc = arr<LangString>(adp.descriptions);
  if (!body.value && !desc.length) return html``;
  return html`<section class="adp" aria-labelledby="adp${i}"><h2 id="adp${i}">Added by ${name}${title ? html`: ${title}` : ''}</h2><p class="muted">Authorized Data Publisher container${adp.providerMetadata?.dateUpdated ? html`, updated <time datetime="${adp.providerMetadata.dateUpdated}">${adp.providerMetadata.dateUpdated}</time>` : ''}.</p>${langParagraphs(desc)}${body}</section>`;
})}
${rejected ? (() => {
  const refs = references(arr(cna.references));
  return refs.value ? html`<section aria-labelledby="refs"><h2 id="refs">References</h2>${refs}</section>` : '';
})() : ''}
<section aria-labelledby="dates"><h2 id="dates">Timeline</h2>${timeline(s, rec)}</section>
${s.related.length ? html`<section aria-labelledby="rel"><h2 id="rel">Related CVE names</h2><p>${s.related.map((id, i) => html`${i ? ', ' : ''}<a href="/cve/${id}">${id}</a>`)}</p></section>` : ''}
${v.provenance ?? ''}
<section aria-labelledby="hist"><h2 id="hist">History</h2>
<p>${versions.length} version${versions.length === 1 ? '' : 's'} kept${v.stored ? html`; this is version ${v.stored.version}, from source <code>${v.stored.source}</code>, arrived <time datetime="${v.stored.arrivedAt}">${v.stored.arrivedAt}</time>` : ''}.
${versions.length > 1 && current ? html`<a href="/cve/${s.cveId}/history">Changes between versions</a>` : ''}</p>
</section>
<section aria-labelledby="fmt"><h2 id="fmt">This record in other formats</h2>
<ul class="inline"><li><a href="/cve/${s.cveId}.json" type="application/json">CVE JSON 5 (as published)</a></li><li><a href="/cve/${s.cveId}.xml" type="application/xml">CVE XML (cve_1.0)</a></li><li><a href="/cve/${s.cveId}.txt" type="text/plain">Plain text</a></li><li><a href="/api/v1/cve/${s.cveId}">API</a></li></ul>
</section>
</article>`;
}
