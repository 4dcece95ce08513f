/**
 * @module Formats of one resource (X1520-A.4.1.1 URL templates, Annex B media): the file
 * extension wins (`/cve/CVE-2024-1234.txt`), else the `Accept` header picks one; every
 * answer names the others in a `Link: rel=alternate` header.
 */

export const FORMATS = ['html', 'json', 'xml', 'txt'] as const;
export type Format = (typeof FORMATS)[number];

export const FORMAT_TYPES: Readonly<Record<Format, string>> = {
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

/** Media types each format answers for, in `Accept`. */
const ACCEPTED: Readonly<Record<string, Format>> = {
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/json': 'json',
  'application/cve+json': 'json',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'text/plain': 'txt',
};

/** `CVE-2024-1234.json` → `{ base: 'CVE-2024-1234', format: 'json' }`; no known extension → no format. */
export function splitExtension(name: string): { readonly base: string; readonly format?: Format } {
  const m = /\.(html|json|xml|txt)$/i.exec(name);
  if (!m) return { base: name };
  return { base: name.slice(0, m.index), format: m[1].toLowerCase() as Format };
}

interface AcceptItem {
  readonly type: string;
  readonly q: number;
  readonly order: number;
}

function parseAccept(header: string): AcceptItem[] {
  const items: AcceptItem[] = [];
  header.split(',').forEach((part, order) => {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    if (!type) return;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k === 'q') q = Number.isFinite(Number(v)) ? Number(v) : 0;
    }
    items.push({ type: type.trim(), q, order });
  });
  // Highest q first; among equals, exact types before wildcards, then the client's order.
  const specificity = (t: string) => (t === '*/*' ? 0 : t.endsWith('/*') ? 1 : 2);
  return items.sort((a, b) => b.q - a.q || specificity(b.type) - specificity(a.type) || a.order - b.order);
}

/**
 * The format `Accept` asks for among `offered` (the first offered is the default for a
 * missing header or a wildcard); `undefined` when the client accepts none of them (406).
 */
export function negotiate(accept: string | undefined, offered: readonly Format[]): Format | undefined {
  if (!accept || !accept.trim()) return offered[0];
  for (const item of parseAccept(accept)) {
    if (item.q <= 0) continue;
    if (item.type === '*/*') return offered[0];
    if (item.type.endsWith('/*')) {
      const major = item.type.slice(0, -1);
      const hit = offered.find((f) => FORMAT_TYPES[f].startsWith(major));
      if (hit) return hit;
      continue;
    }
    const f = ACCEPTED[item.type];
    if (f && offered.includes(f)) return f;
  }
  return undefined;
}

/**
 * A `Link` header naming every format of a resource (RFC 8288): `base` is the path without
 * extension, `query` is kept on each link (search results).
 *
 * @example
 * alternateLinks('/cve/CVE-2024-1234') // '</cve/CVE-2024-1234.html>; rel="alternate"; type="text/html", …'
 */
export function alternateLinks(base: string, query = '', formats: readonly Format[] = FORMATS): string {
  const q = query ? `?${query}` : '';
  return formats.map((f) => `<${base}.${f}${q}>; rel="alternate"; type="${FORMAT_TYPES[f].split(';')[0]}"`).join(', ');
}

/** The same as `<link rel="alternate">` elements for an HTML page's head. */
export function alternateList(base: string, query = '', formats: readonly Format[] = FORMATS): { type: string; href: string }[] {
  const q = query ? `?${query}` : '';
  return formats.filter((f) => f !== 'html').map((f) => ({ type: FORMAT_TYPES[f].split(';')[0], href: `${base}.${f}${q}` }));
}
