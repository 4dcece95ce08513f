import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { summarizeRecord } from '../cve/index.ts';
import type { CveRecordJson } from '../cve/index.ts';
import { sharedData } from '../../test/support/paths.ts';
import { contentAsOfLine, nvdEnvelope, nvdPageChunks, nvdPageEnd, nvdPageItem, nvdPageStart, toNvdCve } from './index.ts';
import type { NvdCve } from './index.ts';
import { CTX, hostileRecord, hostileRejected, realRecord, realRecords } from './testing.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** NVD's `cve` objects from the shared samples (60 lines, 58 CVEs). */
const nvdSamples = (): Record<string, Json>[] =>
  readFileSync(sharedData('nvd', 'cves.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, Json>);

/** Every `path → JSON type` in a value, arrays written `[]` (`metrics.cvssMetricV31[].cvssData.baseScore → number`). */
function paths(value: Json, prefix = '', out = new Map<string, Set<string>>()): Map<string, Set<string>> {
  const add = (p: string, t: string) => (out.get(p) ?? out.set(p, new Set()).get(p)!).add(t);
  if (Array.isArray(value)) {
    add(prefix, 'array');
    for (const v of value) paths(v, `${prefix}[]`, out);
  } else if (value !== null && typeof value === 'object') {
    add(prefix, 'object');
    for (const [k, v] of Object.entries(value)) paths(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else add(prefix, value === null ? 'null' : typeof value);
  return out;
}

const asJson = (cve: NvdCve): Json => JSON.parse(JSON.stringify(cve)) as Json;

/** NVD's key order of a `cve` object (from its API answers; `affected` is NVD's copy of CVE data we do not emit). */
const NVD_KEY_ORDER = ['id', 'sourceIdentifier', 'published', 'lastModified', 'vulnStatus', 'cveTags', 'descriptions', 'affected', 'metrics',
  'cisaExploitAdd', 'cisaActionDue', 'cisaRequiredAction', 'cisaVulnerabilityName', 'weaknesses', 'configurations', 'references'];

/** Paths NVD's API 2.0 schema documents that the 60 samples happen not to use. */
const DOCUMENTED_NOT_SAMPLED = new Set(['cveTags[]', 'cveTags[].sourceIdentifier', 'cveTags[].tags', 'cveTags[].tags[]',
  'configurations[].negate', 'configurations[].nodes[].cpeMatch[].versionStartExcluding']);

const NVD_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/;

function recordWithMetric(key: string, cvss: Record<string, unknown>): CveRecordJson {
  return {
    dataType: 'CVE_RECORD', dataVersion: '5.1',
    cveMetadata: { cveId: 'CVE-2099-1000', assignerOrgId: '00000000-0000-4000-8000-000000000009', state: 'PUBLISHED', datePublished: '2099-01-01T00:00:00Z' },
    containers: { cna: { providerMetadata: { orgId: '00000000-0000-4000-8000-000000000009' }, descriptions: [{ lang: 'en', value: 'x' }], metrics: [{ [key]: cvss }] } },
  } as unknown as CveRecordJson;
}

describe('NVD CVE API 2.0', () => {
  test('every path our output uses for all 11,053 sample records is one NVD uses, with the same JSON type; keys in NVD\'s order', () => {
    const nvd = new Map<string, Set<string>>();
    for (const c of nvdSamples()) paths(c, '', nvd);
    const unknown = new Map<string, string>();
    for (const { record, summary } of realRecords()) {
      const cve = toNvdCve(record, summary);
      const keys = Object.keys(cve);
      const order = keys.map((k) => NVD_KEY_ORDER.indexOf(k));
      assert.ok(order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1]!)), `${summary.cveId}: ${keys.join(',')}`);
      for (const [p, types] of paths(asJson(cve))) {
        if (p === '' || DOCUMENTED_NOT_SAMPLED.has(p)) continue;
        const theirs = nvd.get(p);
        if (theirs === undefined) { unknown.set(p, summary.cveId); continue; }
        for (const t of types) assert.ok(theirs.has(t), `${summary.cveId} ${p}: ours ${t}, NVD ${[...theirs].join('/')}`);
      }
      assert.match(cve.published, NVD_DATE, summary.cveId);
      assert.match(cve.lastModified, NVD_DATE, summary.cveId);
    }
    assert.deepEqual([...unknown], []);
  });

  test('for the CVEs in both samples: same keys and types where the data overlaps, same CNA CVSS data, descriptions, CWE and reference URLs', () => {
    const samples = new Map(nvdSamples().map((c) => [c.id as string, c]));
    let compared = 0;
    for (const { record, summary } of realRecords()) {
      const theirs = samples.get(summary.cveId);
      if (theirs === undefined) continue;
      compared++;
      const ours = asJson(toNvdCve(record, summary)) as Record<string, Json>;
      const theirPaths = paths(theirs);
      for (const [p, types] of paths(ours)) {
        const t = theirPaths.get(p);
        if (t !== undefined) assert.deepEqual(types, t, `${summary.cveId} ${p}`);
      }
      assert.deepEqual(Object.keys(ours).filter((k) => k in theirs && k !== 'cveTags'), Object.keys(theirs).filter((k) => k in ours && k !== 'cveTags'));
      const en = (c: Record<string, Json>) => (c.descriptions as { lang: string; value: string }[]).find((d) => d.lang === 'en')!.value;
      assert.equal(en(ours), en(theirs));
      // The CNA's metrics: NVD lists them as the CNA's (Secondary), we as Primary; the data is the same.
      for (const [key, list] of Object.entries((ours.metrics ?? {}) as Record<string, { cvssData: Record<string, Json> }[]>)) {
        for (const m of list) {
          const theirList: { cvssData: Record<string, Json> }[] = (theirs.metrics as Record<string, { cvssData: Record<string, Json> }[]>)[key] ?? [];
          const same = theirList.find((x) => x.cvssData.vectorString === m.cvssData.vectorString);
          assert.ok(same !== undefined, `${summary.cveId} ${key} ${m.cvssData.vectorString as string}`);
          assert.deepEqual(m.cvssData, same.cvssData);
        }
      }
      const cwes = (c: Record<string, Json>) => new Set(((c.weaknesses ?? []) as { description: { value: string }[] }[]).flatMap((w) => w.description.map((d) => d.value)));
      for (const cwe of cwes(ours)) assert.ok(cwes(theirs).has(cwe), `${summary.cveId} ${cwe}`);
      const urls = (c: Record<string, Json>) => new Set((c.references as { url: string }[]).map((r) => r.url));
      for (const url of urls(theirs)) assert.ok(urls(ours).has(url), `${summary.cveId} ${url}`);
    }
    assert.equal(compared, 3);
  });

  test('cvssData rebuilt from the vector equals NVD\'s for every metric in the NVD samples (v2.0, v3.0, v3.1, v4.0)', () => {
    const keys = { cvssMetricV2: 'cvssV2_0', cvssMetricV30: 'cvssV3_0', cvssMetricV31: 'cvssV3_1', cvssMetricV40: 'cvssV4_0' } as const;
    const seen = new Set<string>();
    for (const c of nvdSamples()) {
      for (const [nvdKey, cveKey] of Object.entries(keys)) {
        for (const m of ((c.metrics as Record<string, Json[]>)[nvdKey] ?? []) as { cvssData: Record<string, Json>; baseSeverity?: string }[]) {
          const d = m.cvssData;
          const severity = (d.baseSeverity ?? m.baseSeverity) as string;
          const record = recordWithMetric(cveKey, { version: d.version, vectorString: d.vectorString, baseScore: d.baseScore, baseSeverity: severity });
          const ours = toNvdCve(record, summarizeRecord(record)).metrics as Record<string, { cvssData: unknown; baseSeverity?: string }[]>;
          assert.deepEqual(ours[nvdKey]![0]!.cvssData, d, `${c.id as string} ${d.vectorString as string}`);
          if (nvdKey === 'cvssMetricV2') assert.equal(ours[nvdKey]![0]!.baseSeverity, m.baseSeverity);
          seen.add(nvdKey);
        }
      }
    }
    assert.deepEqual([...seen].sort(), ['cvssMetricV2', 'cvssMetricV30', 'cvssMetricV31', 'cvssMetricV40']);
  });

  test('sources and Primary/Secondary: the CNA\'s data is Primary, each ADP\'s Secondary under its org UUID', () => {
    const { record, summary } = realRecord('CVE-2011-0611');
    const cve = toNvdCve(record, summary);
    const cisa = record.containers.adp!.find((a) => a.providerMetadata.shortName === 'CISA-ADP')!.providerMetadata.orgId;
    assert.equal(cve.sourceIdentifier, record.containers.cna.providerMetadata.orgId);
    assert.deepEqual(cve.metrics.cvssMetricV31!.map((m) => [m.source, m.type]), [[cisa, 'Secondary']]);
    assert.deepEqual(cve.weaknesses!.map((w) => [w.source, w.type, w.description[0]!.value]), [[cisa, 'Secondary', 'CWE-843']]);
    assert.equal(toNvdCve(record, summary, { sourceIdentifier: 'psirt@adobe.com' }).sourceIdentifier, 'psirt@adobe.com');
    // References: each URL once, tags in NVD's words.
    const urls = cve.references.map((r) => r.url);
    assert.equal(new Set(urls).size, urls.length);
    assert.deepEqual(cve.references.find((r) => r.url === 'http://www.securityfocus.com/bid/47314')!.tags, ['VDB Entry']);
    assert.deepEqual(cve.references.find((r) => r.url === 'http://www.redhat.com/support/errata/RHSA-2011-0451.html')!.tags, ['Vendor Advisory']);
    assert.equal(cve.references.find((r) => r.url === 'http://secunia.com/blog/210/')!.tags, undefined);
  });

  test('KEV: cisaExploitAdd from the record, the other cisa* fields from the catalog entry', () => {
    const { record, summary } = realRecord('CVE-2011-0611');
    assert.equal(toNvdCve(record, summary).cisaExploitAdd, '2022-03-03');
    assert.equal(toNvdCve(record, summary).cisaActionDue, undefined);
    const full = toNvdCve(record, summary, { kev: { dateAdded: '2022-03-03', dueDate: '2022-03-24', requiredAction: 'Apply updates per vendor instructions.', vulnerabilityName: 'Adobe Flash Player Memory Corruption Vulnerability' } });
    assert.deepEqual([full.cisaExploitAdd, full.cisaActionDue, full.cisaRequiredAction, full.cisaVulnerabilityName],
      ['2022-03-03', '2022-03-24', 'Apply updates per vendor instructions.', 'Adobe Flash Player Memory Corruption Vulnerability']);
    const noKev = realRecord('CVE-1999-0006');
    assert.equal('cisaExploitAdd' in toNvdCve(noKev.record, noKev.summary), false);
  });

  test('configurations from cpeApplicability, else from the affected products\' CPE 2.3 names', () => {
    const { record, summary } = realRecord('CVE-2021-34506');
    const cve = toNvdCve(record, summary);
    assert.deepEqual(cve.configurations, [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [
      { vulnerable: true, criteria: 'cpe:2.3:a:microsoft:edge_chromium:*:*:*:*:*:*:*:*', versionStartIncluding: '1.0.0', versionEndExcluding: '91.0.864.59' },
    ] }] }]);
    const h = hostileRecord();
    assert.deepEqual(toNvdCve(h.record, h.summary).configurations, [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [
      { vulnerable: true, criteria: 'cpe:2.3:a:evil:prod:*:*:*:*:*:*:*:*' },
    ] }] }]);
    const none = realRecord('CVE-2023-46009');
    assert.equal(none.summary.affected.some((a) => a.cpes.length > 0), false);
    assert.equal('configurations' in toNvdCve(none.record, none.summary), false);
  });

  test('X1520-7.7: a rejected record is vulnStatus Rejected with NVD\'s "Rejected reason:" description', () => {
    const { record, summary } = realRecord('CVE-2024-4810');
    const cve = toNvdCve(record, summary);
    assert.equal(cve.vulnStatus, 'Rejected');
    assert.match(cve.descriptions[0]!.value, /^Rejected reason: This CVE ID has been rejected or withdrawn by its CVE Numbering Authority\.\nThis CVE has been replaced by\sCVE-2024-36015\.$/);
    assert.deepEqual(cve.metrics, {});
    assert.equal(toNvdCve(realRecord('CVE-1999-0006').record, realRecord('CVE-1999-0006').summary).vulnStatus, 'Received');
    assert.equal(toNvdCve(realRecord('CVE-1999-0006').record, realRecord('CVE-1999-0006').summary, { vulnStatus: 'Analyzed' }).vulnStatus, 'Analyzed');
  });

  test('hostile records: JSON carries the text unchanged and parses back; an invalid vector is left out; cveTags from the CNA', () => {
    const h = hostileRecord();
    const cve = toNvdCve(h.record, h.summary);
    assert.deepEqual(JSON.parse(JSON.stringify(cve)), cve);
    assert.equal(cve.descriptions.length, 2);
    assert.equal(cve.descriptions[0]!.value, h.summary.descriptions[0]!.value);
    assert.deepEqual(Object.keys(cve.metrics), ['cvssMetricV31']);
    assert.deepEqual(cve.cveTags, [{ sourceIdentifier: '00000000-0000-4000-8000-000000000001', tags: ['disputed'] }]);
    assert.ok(JSON.stringify(cve).includes('\\u0000'));
    const r = hostileRejected();
    assert.equal(toNvdCve(r.record, r.summary).vulnStatus, 'Rejected');
  });

  test('X1520-9.1: the envelope has NVD\'s keys and types, plus the CVE content date', () => {
    const page = JSON.parse(readFileSync(sharedData('nvd', 'vunnel', 'full-page.json'), 'utf8')) as Record<string, Json>;
    const env = nvdEnvelope({ resultsPerPage: 38, startIndex: 0, totalResults: 38, timestamp: '2023-10-18T18:04:18.493Z' });
    const theirs = Object.fromEntries(Object.entries(page).filter(([k]) => k !== 'vulnerabilities'));
    assert.deepEqual(Object.keys(env), Object.keys(theirs));
    for (const k of Object.keys(theirs)) assert.equal(typeof (env as unknown as Record<string, unknown>)[k], typeof theirs[k], k);
    assert.equal(env.timestamp, '2023-10-18T18:04:18.493');
    assert.equal(env.format, theirs.format);
    assert.equal(env.version, theirs.version);
    const dated = nvdEnvelope({ resultsPerPage: 1, startIndex: 0, totalResults: 1, timestamp: CTX.generatedAt, content: CTX });
    assert.deepEqual(dated.cveContent, { asOf: CTX.contentDate, source: 'cvelistV5', release: CTX.release, outOfDate: false, statement: contentAsOfLine(CTX) });
  });

  test('a 2,000-result page streams one result per chunk and parses to the envelope plus vulnerabilities', async () => {
    const samples = realRecords().slice(0, 2000);
    const cves = samples.map((s) => toNvdCve(s.record, s.summary));
    const env = nvdEnvelope({ resultsPerPage: 2000, startIndex: 0, totalResults: realRecords().length, timestamp: CTX.generatedAt, content: CTX });
    async function* source() { for (const c of cves) yield c; }
    const chunks: string[] = [];
    for await (const c of nvdPageChunks(env, source())) chunks.push(c);
    assert.equal(chunks.length, 2002);
    const longest = Math.max(...cves.map((c) => JSON.stringify(c).length));
    assert.ok(chunks.every((c) => c.length <= longest + 10), 'no chunk holds more than one result');
    assert.deepEqual(JSON.parse(chunks.join('')), { ...env, vulnerabilities: cves.map((cve) => ({ cve })) });
    assert.deepEqual(JSON.parse(nvdPageStart(env) + nvdPageEnd()), { ...env, vulnerabilities: [] });
    assert.equal(nvdPageItem(cves[0]!, 0)[0], '{');
    assert.equal(nvdPageItem(cves[0]!, 1)[0], ',');
  });
});
