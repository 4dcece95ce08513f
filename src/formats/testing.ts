/**
 * @module Test data for the format tests: the real CVE List sample, a content date, and
 * hostile records. @internal: tests only, not exported from the module index.
 */
import { readFileSync } from 'node:fs';
import { SaxesParser } from 'saxes';
import { summarizeRecord } from '../cve/index.ts';
import type { CveRecordJson, RecordSummary } from '../cve/index.ts';
import { sharedData } from '../../test/support/paths.ts';
import type { ContentDate } from './content-date.ts';

export interface Sample {
  readonly record: CveRecordJson;
  readonly summary: RecordSummary;
}

let cache: readonly Sample[] | undefined;

/** Every record of `cve5/records.jsonl` (11,053, REJECTED included) with its summary, read once. */
export function realRecords(): readonly Sample[] {
  if (cache === undefined) {
    const out: Sample[] = [];
    for (const line of readFileSync(sharedData('cve5', 'records.jsonl'), 'utf8').split('\n')) {
      if (line === '') continue;
      const record = JSON.parse(line) as CveRecordJson;
      out.push({ record, summary: summarizeRecord(record) });
    }
    cache = out;
  }
  return cache;
}

/** One real record by CVE name. */
export function realRecord(cveId: string): Sample {
  const s = realRecords().find((r) => r.summary.cveId === cveId);
  if (s === undefined) throw new Error(`${cveId} is not in cve5/records.jsonl`);
  return s;
}

export const CTX: ContentDate = {
  contentDate: '2025-01-24T14:00:00.000Z',
  source: 'cvelistV5',
  release: '2025-01-24_at_1400Z',
  outOfDate: false,
  generatedAt: '2025-01-25T08:00:00.000Z',
};

export const STALE_CTX: ContentDate = { ...CTX, outOfDate: true, generatedAt: '2025-06-01T00:00:00.000Z' };

/** Every control character XML 1.0 forbids, DEL and C1, a lone surrogate, U+FFFE. */
export const CONTROLS = '\u0000\u0001\u0008\u000b\u000c\u001b\u001f\u007f\u0085\u009f\ud800\ufffe';
/** Right-to-left override, then a pop: would display `gpj.exe` as `exe.jpg`. */
export const RTL = 'invoice\u202egpj.exe\u202c';
export const BIG = 'A'.repeat(50 * 1024);

/** A PUBLISHED record full of markup, CDATA ends, controls, bidi overrides, formula starts and a 50 KB field. */
export function hostileRecord(cveId = 'CVE-2099-0001'): Sample {
  const record = {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: {
      cveId,
      assignerOrgId: '00000000-0000-4000-8000-000000000001',
      assignerShortName: '=HYPERLINK("http://evil")',
      state: 'PUBLISHED',
      datePublished: '2099-01-01T00:00:00.000Z',
      dateUpdated: '2099-01-02T00:00:00',
      dateReserved: '2098-12-31T00:00:00Z',
    },
    containers: {
      cna: {
        providerMetadata: { orgId: '00000000-0000-4000-8000-000000000001', shortName: 'evil' },
        title: `<script>alert("t")</script> ]]> ${RTL} ${CONTROLS}`,
        descriptions: [
          { lang: 'en', value: `<img src=x onerror=alert(1)> & ]]> --> <!-- "quoted" 'single' ${CONTROLS}\r\nline two\ttab ${RTL} see CVE-2021-44228` },
          { lang: 'de', value: `-2+3 ${BIG}` },
        ],
        affected: [
          { vendor: '=cmd|\' /C calc\'!A0', product: '@SUM(1+1)', versions: [{ version: '1.0', status: 'affected', lessThan: '2.0<script>', versionType: 'semver' }] },
          { vendor: '+evil', product: `-${BIG}`, defaultStatus: 'unaffected', cpes: ['cpe:2.3:a:evil:prod:*:*:*:*:*:*:*:*', 'cpe:/a:old:style'] },
        ],
        problemTypes: [{ descriptions: [{ lang: 'en', description: 'CWE-79 XSS <b>', cweId: 'CWE-79', type: 'CWE' }] }],
        metrics: [
          { cvssV3_1: { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', baseScore: 6.1, baseSeverity: 'MEDIUM' } },
          { cvssV3_0: { version: '3.0', vectorString: 'CVSS:3.0/<script>', baseScore: 9.9, baseSeverity: 'CRITICAL' } },
        ],
        references: [
          { url: 'javascript:alert(document.cookie)', name: '<script>x</script>', tags: ['exploit'] },
          { url: 'data:text/html,<script>alert(1)</script>', tags: ['x_refsource_MISC'] },
          { url: 'https://example.com/a b"c<d>e\u0001f\u202e', tags: ['vendor-advisory'] },
          { url: 'https://example.com/ünïcode/[x]?q={y}|`z`^%zz%41', tags: ['mailing-list'] },
          { url: `https://example.com/${BIG}` },
        ],
        tags: ['disputed'],
      },
    },
  } as unknown as CveRecordJson;
  return { record, summary: summarizeRecord(record) };
}

/** A REJECTED record with a hostile reason and a replacement. */
export function hostileRejected(cveId = 'CVE-2099-0002'): Sample {
  const record = {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: {
      cveId,
      assignerOrgId: '00000000-0000-4000-8000-000000000001',
      state: 'REJECTED',
      dateRejected: '2099-02-01T00:00:00.000Z',
      dateUpdated: '2099-02-01T00:00:00.000Z',
    },
    containers: {
      cna: {
        providerMetadata: { orgId: '00000000-0000-4000-8000-000000000001' },
        rejectedReasons: [{ lang: 'en', value: `<script>x</script> ]]> ${CONTROLS} ${RTL}` }],
        replacedBy: ['CVE-2099-0001'],
      },
    },
  } as unknown as CveRecordJson;
  return { record, summary: summarizeRecord(record) };
}

/** Characters XML 1.0 forbids (with the `u` flag a surrogate here is a lone one), and U+FFFE/FFFF. */
export const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff\ud800-\udfff]/u;
/** What text for people never carries raw: controls (CR included), DEL, C1, lone surrogates, bidi controls. */
export const TEXT_FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff\ud800-\udfff\u202a-\u202e\u2066-\u2069]/u;

/** An element of a parsed XML document (namespaces not resolved: `name` is the qualified name). */
export interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlNode[];
  text: string;
}

/** Parse an XML document with saxes (a conforming XML 1.0 parser): throws on any well-formedness error. */
export function parseXml(xml: string): XmlNode {
  const parser = new SaxesParser({ position: true });
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  let error: Error | undefined;
  parser.on('error', (e) => { error ??= e; });
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(tag.attributes)) attrs[k] = typeof v === 'string' ? v : v.value;
    const node: XmlNode = { name: tag.name, attrs, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(node);
    else root = node;
    stack.push(node);
  });
  parser.on('text', (t) => { if (stack.length > 0) stack[stack.length - 1]!.text += t; });
  parser.on('closetag', () => { stack.pop(); });
  parser.write(xml).close();
  if (error !== undefined) throw error;
  if (root === undefined) throw new Error('no root element');
  return root;
}

/** The children of `node` named `name`. */
export const childrenNamed = (node: XmlNode, name: string): XmlNode[] => node.children.filter((c) => c.name === name);
/** The one child named `name`, or undefined. */
export const child = (node: XmlNode, name: string): XmlNode | undefined => node.children.find((c) => c.name === name);
