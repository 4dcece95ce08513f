/**
 * @module The query text of the search box and `q` parameters, as one adapter over the
 * search module's parser: `{ ok, query }` or `{ ok: false, message, position }`.
 */
import { parseCveId } from '../cve/index.ts';
import type { QueryFilters } from './query.ts';

export type SearchTextParse =
  | { readonly ok: true; readonly query: QueryFilters }
  | { readonly ok: false; readonly message: string; readonly position: number; readonly end?: number };

const FIELDS = new Set(['vendor', 'product', 'assigner', 'cwe', 'state', 'year', 'kev', 'fix', 'hasfix', 'severity', 'cvss', 'score', 'published', 'updated', 'sort']);

/**
 * Interim reader of the documented syntax (words, "phrases", -excluded, CVE names,
 * field:value) until the search module's parser is wired in.
 */
export function parseSearchText(text: string): SearchTextParse {
  const words: string[] = [];
  const phrases: string[] = [];
  const excluded: string[] = [];
  const cveIds: string[] = [];
  const q: Record<string, unknown> = {};
  const push = (key: string, v: string) => ((q[key] ??= []) as string[]).push(v);
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i++;
      continue;
    }
    const start = i;
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return { ok: false, message: 'this quote is never closed', position: i, end: text.length };
      const phrase = text.slice(i + 1, close).trim();
      if (phrase) phrases.push(phrase);
      i = close + 1;
      continue;
    }
    while (i < text.length && !/\s/.test(text[i])) {
      if (text[i] === '"') {
        const close = text.indexOf('"', i + 1);
        if (close < 0) return { ok: false, message: 'this quote is never closed', position: i, end: text.length };
        i = close + 1;
      } else i++;
    }
    const token = text.slice(start, i);
    const m = /^([A-Za-z]+):(.*)$/.exec(token);
    if (m && FIELDS.has(m[1].toLowerCase())) {
      const field = m[1].toLowerCase();
      const value = m[2].replace(/^"|"$/g, '');
      const vpos = start + m[1].length + 1;
      if (!value) return { ok: false, message: `${field}: needs a value`, position: vpos - 1, end: vpos };
      const bad = (msg: string) => ({ ok: false as const, message: msg, position: vpos, end: i });
      switch (field) {
        case 'vendor': push('vendors', value); break;
        case 'product': push('products', value); break;
        case 'assigner': push('assigners', value); break;
        case 'cwe': {
          if (!/^(cwe-)?\d+$/i.test(value)) return bad(`"${value}" is not a CWE id (CWE-79 or 79)`);
          push('cwes', /^\d+$/.test(value) ? `CWE-${value}` : value.toUpperCase());
          break;
        }
        case 'state': {
          const s = value.toUpperCase();
          if (s !== 'PUBLISHED' && s !== 'REJECTED') return bad('state is published or rejected');
          push('states', s);
          break;
        }
        case 'year': {
          const y = /^(\d{4})(?:\.\.(\d{4}))?$/.exec(value);
          if (!y) return bad('year is YYYY or YYYY..YYYY');
          q.years = { from: Number(y[1]), to: Number(y[2] ?? y[1]) };
          break;
        }
        case 'kev': case 'fix': case 'hasfix': {
          const v = value.toLowerCase();
          if (!['yes', 'no', 'true', 'false'].includes(v)) return bad(`${field} is yes or no`);
          q[field === 'kev' ? 'kev' : 'hasFix'] = v === 'yes' || v === 'true';
          break;
        }
        case 'severity': {
          const v = value.toUpperCase();
          if (!['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].includes(v)) return bad('severity is none, low, medium, high or critical');
          push('severities', v);
          break;
        }
        case 'cvss': {
          if (!['2.0', '3.0', '3.1', '4.0'].includes(value)) return bad('cvss is 2.0, 3.0, 3.1 or 4.0');
          q.cvssVersion = value;
          break;
        }
        case 'score': {
          const s = /^(>=|<=|>|<)?(\d+(?:\.\d)?)(?:\.\.(\d+(?:\.\d)?))?$/.exec(value);
          if (!s || Number(s[2]) > 10 || (s[3] && Number(s[3]) > 10)) return bad('score is a number from 0 to 10: score:>=9, score:7..8.9');
          if (s[3]) Object.assign(q, { scoreMin: Number(s[2]), scoreMax: Number(s[3]) });
          else if (s[1]?.startsWith('<')) q.scoreMax = Number(s[2]);
          else if (s[1]?.startsWith('>')) q.scoreMin = Number(s[2]);
          else Object.assign(q, { scoreMin: Number(s[2]), scoreMax: Number(s[2]) });
          break;
        }
        case 'published': case 'updated': {
          const d = /^(>=|<=|>|<)?(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?$/.exec(value);
          if (!d || Number.isNaN(Date.parse(d[2])) || (d[3] && Number.isNaN(Date.parse(d[3])))) return bad(`${field} is a date YYYY-MM-DD, >=YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD`);
          q[field] = d[3] ? { from: d[2], to: d[3] } : d[1]?.startsWith('<') ? { to: d[2] } : d[1]?.startsWith('>') ? { from: d[2] } : { from: d[2], to: d[2] };
          break;
        }
        case 'sort': {
          if (!['relevance', 'published', 'updated', 'score', 'id'].includes(value)) return bad('sort is relevance, published, updated, score or id');
          q.sort = value;
          break;
        }
      }
      continue;
    }
    if (token.startsWith('-') && token.length > 1) {
      excluded.push(token.slice(1).replace(/"/g, ''));
      continue;
    }
    const id = parseCveId(token);
    if (id.ok) cveIds.push(id.id);
    else words.push(token.replace(/"/g, ''));
  }
  return {
    ok: true,
    query: {
      ...q,
      ...(words.length && { words }),
      ...(phrases.length && { phrases }),
      ...(excluded.length && { excluded }),
      ...(cveIds.length && { cveIds }),
    } as QueryFilters,
  };
}
