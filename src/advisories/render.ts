/**
 * @module HTML and plain-text renderings of a CSAF 2.0 advisory. Both come from one view of the
 * document, so they hold the same content: title, tracking data, every CVE name covered at the top
 * (X1520-6.10, X1520-B.3.2), notes, per vulnerability its CVE, CWE, scores with severity, product
 * status, remediations, threats, acknowledgments and references, then the revision history.
 *
 * Every text of the document is untrusted: the HTML escapes it all, and only http(s) URLs become
 * links (`rel="noopener noreferrer nofollow"`), so `javascript:` or `data:` URLs stay inert text.
 * The plain text drops control characters, so a document cannot drive a terminal.
 */
import { extractCveIds, normalizeCveId } from '../cve/index.ts';
import { severityOf } from '../cvss/index.ts';
import type { CsafBranch, CsafCvss, CsafDocument, CsafProductStatusName } from './types.ts';

interface Link {
  readonly url: string;
  readonly text: string;
}
interface Entry {
  readonly label: string;
  readonly value: string;
}
interface NoteView {
  readonly title: string;
  readonly text: string;
}
interface VulnerabilityView {
  readonly heading: string;
  readonly facts: readonly Entry[];
  readonly notes: readonly NoteView[];
  readonly scores: readonly { cvss: string; vector: string; base: string; severity: string; products: string }[];
  readonly statuses: readonly { product: string; status: string }[];
  readonly remediations: readonly { category: string; details: string; url?: string; date?: string; products: string }[];
  readonly threats: readonly { category: string; details: string; date?: string }[];
  readonly acknowledgments: readonly string[];
  readonly references: readonly Link[];
}
interface AdvisoryView {
  readonly title: string;
  readonly facts: readonly Entry[];
  readonly cveNames: readonly string[];
  readonly notes: readonly NoteView[];
  readonly vulnerabilities: readonly VulnerabilityView[];
  readonly references: readonly Link[];
  readonly revisions: readonly { number: string; date: string; summary: string }[];
}

const STATUS_LABELS: Readonly<Record<CsafProductStatusName, string>> = {
  known_affected: 'Known affected',
  first_affected: 'First affected',
  last_affected: 'Last affected',
  fixed: 'Fixed',
  first_fixed: 'First fixed',
  known_not_affected: 'Known not affected',
  under_investigation: 'Under investigation',
  recommended: 'Recommended',
};

const label = (code: string): string => code.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** Product ID → its full product name, from branches, full_product_names and relationships. */
function productNames(doc: CsafDocument): Map<string, string> {
  const names = new Map<string, string>();
  const walk = (branches: readonly CsafBranch[] | undefined): void => {
    for (const b of branches ?? []) {
      if (b.product !== undefined) names.set(b.product.product_id, b.product.name);
      walk(b.branches);
    }
  };
  walk(doc.product_tree?.branches);
  for (const p of doc.product_tree?.full_product_names ?? []) names.set(p.product_id, p.name);
  for (const r of doc.product_tree?.relationships ?? []) names.set(r.full_product_name.product_id, r.full_product_name.name);
  return names;
}

/** Every CVE name the advisory covers, in document order: vulnerability `cve`, `ids`, tracking aliases. */
function cveNamesOf(doc: CsafDocument): string[] {
  const names = new Set<string>();
  for (const v of doc.vulnerabilities ?? []) {
    const cve = v.cve === undefined ? undefined : normalizeCveId(v.cve);
    if (cve !== undefined) names.add(cve);
    for (const id of v.ids ?? []) for (const found of extractCveIds(id.text)) names.add(found);
  }
  for (const alias of doc.document.tracking.aliases ?? []) for (const found of extractCveIds(alias)) names.add(found);
  return [...names];
}

function scoreRow(kind: 'CVSS v2' | 'CVSS v3', cvss: CsafCvss, products: string) {
  let severity = typeof cvss.baseSeverity === 'string' ? cvss.baseSeverity : '';
  if (severity === '' && kind === 'CVSS v2' && typeof cvss.baseScore === 'number' && cvss.baseScore >= 0 && cvss.baseScore <= 10) {
    severity = severityOf('2.0', cvss.baseScore);
  }
  return { cvss: `CVSS ${String(cvss.version)}`, vector: String(cvss.vectorString), base: String(cvss.baseScore), severity, products };
}

function viewOf(doc: CsafDocument): AdvisoryView {
  const d = doc.document;
  const t = d.tracking;
  const names = productNames(doc);
  const groups = new Map((doc.product_tree?.product_groups ?? []).map((g) => [g.group_id, g]));
  const productList = (ids: readonly string[] | undefined, groupIds?: readonly string[]): string =>
    [
      ...(ids ?? []).map((id) => names.get(id) ?? id),
      ...(groupIds ?? []).map((g) => groups.get(g)?.summary ?? `group ${g}`),
    ].join('; ');
  const facts: Entry[] = [
    { label: 'Advisory ID', value: t.id },
    { label: 'Version', value: t.version },
    { label: 'Status', value: t.status },
    { label: 'Initial release', value: t.initial_release_date },
    { label: 'Current release', value: t.current_release_date },
    { label: 'Publisher', value: d.publisher.name },
    ...(d.distribution?.tlp !== undefined ? [{ label: 'TLP', value: d.distribution.tlp.label }] : []),
  ];
  const vulnerabilities = (doc.vulnerabilities ?? []).map((v, i): VulnerabilityView => {
    const vfacts: Entry[] = [
      ...(v.cve !== undefined ? [{ label: 'CVE', value: v.cve }] : []),
      ...(v.cwe !== undefined ? [{ label: 'CWE', value: `${v.cwe.id}: ${v.cwe.name}` }] : []),
      ...(v.ids ?? []).map((id) => ({ label: id.system_name, value: id.text })),
      ...(v.discovery_date !== undefined ? [{ label: 'Discovered', value: v.discovery_date }] : []),
      ...(v.release_date !== undefined ? [{ label: 'Released', value: v.release_date }] : []),
    ];
    const statuses = (Object.keys(STATUS_LABELS) as CsafProductStatusName[]).flatMap((status) =>
      (v.product_status?.[status] ?? []).map((id) => ({ product: names.get(id) ?? id, status: STATUS_LABELS[status] })),
    );
    return {
      heading: [v.cve, v.title].filter((x) => x !== undefined && x !== '').join(': ') || `Vulnerability ${i + 1}`,
      facts: vfacts,
      notes: (v.notes ?? []).map((n) => ({ title: n.title ?? label(n.category), text: n.text })),
      scores: (v.scores ?? []).flatMap((s) => [
        ...(s.cvss_v3 !== undefined ? [scoreRow('CVSS v3', s.cvss_v3, productList(s.products))] : []),
        ...(s.cvss_v2 !== undefined ? [scoreRow('CVSS v2', s.cvss_v2, productList(s.products))] : []),
      ]),
      statuses,
      remediations: (v.remediations ?? []).map((r) => ({
        category: label(r.category),
        details: r.details,
        ...(r.url !== undefined && { url: r.url }),
        ...(r.date !== undefined && { date: r.date }),
        products: productList(r.product_ids, r.group_ids),
      })),
      threats: (v.threats ?? []).map((th) => ({ category: label(th.category), details: th.details, ...(th.date !== undefined && { date: th.date }) })),
      acknowledgments: (v.acknowledgments ?? []).map((a) =>
        [[...(a.names ?? [])].join(', '), a.organization, a.summary].filter((x) => x !== undefined && x !== '').join(' — '),
      ),
      references: (v.references ?? []).map((r) => ({ url: r.url, text: r.summary })),
    };
  });
  return {
    title: d.title,
    facts,
    cveNames: cveNamesOf(doc),
    notes: (d.notes ?? []).map((n) => ({ title: n.title ?? label(n.category), text: n.text })),
    vulnerabilities,
    references: (d.references ?? []).map((r) => ({ url: r.url, text: r.summary })),
    revisions: t.revision_history.map((r) => ({ number: r.number, date: r.date, summary: r.summary })),
  };
}

// ---------------------------------------------------------------------------
// HTML

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (text: unknown): string => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** Only absolute http(s) URLs that parse are links. */
const safeHref = (url: string): string | undefined => {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
};

const link = (url: string, text = url): string => {
  const href = safeHref(url);
  return href === undefined ? `${esc(text)}${text === url ? '' : ` (${esc(url)})`}` : `<a href="${esc(href)}" rel="noopener noreferrer nofollow">${esc(text)}</a>`;
};

const dl = (entries: readonly Entry[]): string =>
  entries.length === 0 ? '' : `<dl>${entries.map((e) => `<dt>${esc(e.label)}</dt><dd>${esc(e.value)}</dd>`).join('')}</dl>`;

const paragraphs = (text: string): string =>
  text
    .split(/\n{2,}/)
    .map((p) => `<p>${esc(p).replace(/\n/g, '<br>')}</p>`)
    .join('');

const table = (head: readonly string[], rows: readonly (readonly string[])[]): string =>
  // Wrapped so a wide table (CVSS vectors, product lists) scrolls by itself on a phone, not the page.
  `<div class="table-wrap"><table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((cell) => `<td>${cell}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;

const section = (title: string, body: string, level = 3): string => (body === '' ? '' : `<h${level}>${esc(title)}</h${level}>${body}`);

/**
 * Renders an advisory as a safe HTML fragment (no `<html>`/`<body>`; the page around it is the
 * caller's): every text escaped, only http(s) URLs as links, the CVE names covered listed first.
 *
 * @example
 * advisoryToHtml(doc)
 * // '<article class="csaf-advisory"><h1>Widget RCE</h1>…<ul class="cve-names"><li>CVE-2025-0001</li></ul>…'
 */
export function advisoryToHtml(doc: CsafDocument): string {
  const view = viewOf(doc);
  const parts: string[] = [`<article class="csaf-advisory"><h1>${esc(view.title)}</h1>`, dl(view.facts)];
  parts.push(
    `<section class="cve-names"><h2>CVE names covered</h2>${
      view.cveNames.length === 0 ? '<p>None</p>' : `<ul class="cve-names">${view.cveNames.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`
    }</section>`,
  );
  for (const n of view.notes) parts.push(`<section class="note"><h2>${esc(n.title)}</h2>${paragraphs(n.text)}</section>`);
  for (const v of view.vulnerabilities) {
    parts.push(
      `<section class="vulnerability"><h2>${esc(v.heading)}</h2>`,
      dl(v.facts),
      ...v.notes.map((n) => section(n.title, paragraphs(n.text))),
      section(
        'Scores',
        v.scores.length === 0 ? '' : table(['CVSS', 'Base score', 'Severity', 'Vector', 'Products'], v.scores.map((s) => [esc(s.cvss), esc(s.base), esc(s.severity), `<code>${esc(s.vector)}</code>`, esc(s.products)])),
      ),
      section('Product status', v.statuses.length === 0 ? '' : table(['Product', 'Status'], v.statuses.map((s) => [esc(s.product), esc(s.status)]))),
      section(
        'Remediations',
        v.remediations.length === 0
          ? ''
          : `<ul>${v.remediations
              .map((r) => `<li><strong>${esc(r.category)}</strong>: ${esc(r.details)}${r.url === undefined ? '' : ` — ${link(r.url)}`}${r.date === undefined ? '' : ` (${esc(r.date)})`}${r.products === '' ? '' : `<br>Products: ${esc(r.products)}`}</li>`)
              .join('')}</ul>`,
      ),
      section(
        'Threats',
        v.threats.length === 0 ? '' : `<ul>${v.threats.map((t) => `<li><strong>${esc(t.category)}</strong>: ${esc(t.details)}${t.date === undefined ? '' : ` (${esc(t.date)})`}</li>`).join('')}</ul>`,
      ),
      section('Acknowledgments', v.acknowledgments.length === 0 ? '' : `<ul>${v.acknowledgments.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>`),
      section('References', v.references.length === 0 ? '' : `<ul>${v.references.map((r) => `<li>${link(r.url, r.text)}</li>`).join('')}</ul>`),
      '</section>',
    );
  }
  parts.push(section('References', view.references.length === 0 ? '' : `<ul>${view.references.map((r) => `<li>${link(r.url, r.text)}</li>`).join('')}</ul>`, 2));
  parts.push(section('Revision history', table(['Version', 'Date', 'Summary'], view.revisions.map((r) => [esc(r.number), esc(r.date), esc(r.summary)])), 2));
  parts.push('</article>');
  return parts.join('');
}

// ---------------------------------------------------------------------------
// Plain text

/** C0/C1 controls except tab and newline, and the bidi overrides that can reorder what is shown. */
const clean = (text: unknown): string => String(text).replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');

const heading = (title: string, underline: string): string => `${clean(title)}\n${underline.repeat(Math.max(3, Math.min(clean(title).length, 78)))}`;
const indent = (text: string, by = '  '): string => clean(text).split('\n').map((l) => by + l).join('\n');
const textLink = (r: Link): string => (r.text === r.url ? clean(r.url) : `${clean(r.text)} <${clean(r.url)}>`);

/**
 * Renders an advisory as plain text with the same content as {@link advisoryToHtml}: headings
 * underlined, URLs written out, every CVE name verbatim so that find and grep see them.
 *
 * @example
 * advisoryToText(doc)
 * // 'Widget RCE\n==========\nAdvisory ID: EX-2025-0001\n…\nCVE names covered: CVE-2025-0001\n…'
 */
export function advisoryToText(doc: CsafDocument): string {
  const view = viewOf(doc);
  const out: string[] = [heading(view.title, '='), ...view.facts.map((f) => `${clean(f.label)}: ${clean(f.value)}`), ''];
  out.push(`CVE names covered: ${view.cveNames.length === 0 ? 'none' : view.cveNames.join(', ')}`, '');
  for (const n of view.notes) out.push(heading(n.title, '-'), clean(n.text), '');
  for (const v of view.vulnerabilities) {
    out.push(heading(v.heading, '-'), ...v.facts.map((f) => `${clean(f.label)}: ${clean(f.value)}`));
    for (const n of v.notes) out.push(`${clean(n.title)}:`, indent(n.text));
    if (v.scores.length > 0) {
      out.push('Scores:', ...v.scores.map((s) => indent(`${s.cvss} base score ${s.base} ${s.severity} (${s.vector})${s.products === '' ? '' : ` for ${s.products}`}`)));
    }
    if (v.statuses.length > 0) out.push('Product status:', ...v.statuses.map((s) => indent(`${s.status}: ${s.product}`)));
    if (v.remediations.length > 0) {
      out.push(
        'Remediations:',
        ...v.remediations.map((r) =>
          indent(`${r.category}: ${r.details}${r.url === undefined ? '' : ` <${r.url}>`}${r.date === undefined ? '' : ` (${r.date})`}${r.products === '' ? '' : `\n  Products: ${r.products}`}`),
        ),
      );
    }
    if (v.threats.length > 0) out.push('Threats:', ...v.threats.map((t) => indent(`${t.category}: ${t.details}${t.date === undefined ? '' : ` (${t.date})`}`)));
    if (v.acknowledgments.length > 0) out.push('Acknowledgments:', ...v.acknowledgments.map((a) => indent(a)));
    if (v.references.length > 0) out.push('References:', ...v.references.map((r) => indent(textLink(r))));
    out.push('');
  }
  if (view.references.length > 0) out.push(heading('References', '-'), ...view.references.map(textLink), '');
  out.push(heading('Revision history', '-'), ...view.revisions.map((r) => `${clean(r.number)}  ${clean(r.date)}  ${clean(r.summary)}`), '');
  return out.join('\n');
}
