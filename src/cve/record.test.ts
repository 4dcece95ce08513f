import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedData } from '../../test/support/paths.ts';
import { CVSS_VERSIONS, normalizeCveId, normalizeRecordDate, recordDateUpdated, summarizeRecord } from './index.ts';
import type { CveRecordJson, RecordSummary } from './index.ts';

const records: CveRecordJson[] = readFileSync(sharedData('cve5', 'records.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as CveRecordJson);
const byId = new Map(records.map((r) => [r.cveMetadata.cveId, r]));
function summaryOf(id: string): RecordSummary {
  const record = byId.get(id);
  assert.ok(record, `${id} is in records.jsonl`);
  return summarizeRecord(record);
}

const ORG = '8254265b-2729-46b6-b9e3-3dfca2d5bfca';
function minimal(cna: Record<string, unknown>, meta: Record<string, unknown> = {}, adp?: unknown[]): CveRecordJson {
  return {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: { cveId: 'CVE-2024-0001', assignerOrgId: ORG, state: 'PUBLISHED', ...meta },
    containers: { cna: { providerMetadata: { orgId: ORG }, ...cna }, ...(adp && { adp }) },
  } as CveRecordJson;
}

describe('summarizeRecord over the whole CVE List sample', () => {
  it('X1520-6.10: summarises all 11,053 records without throwing, with consistent derived fields', () => {
    assert.equal(records.length, 11_053);
    const severities = new Set(['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
    let kev = 0;
    let ssvc = 0;
    let v4 = 0;
    for (const record of records) {
      const s = summarizeRecord(record);
      const id = record.cveMetadata.cveId;
      assert.equal(s.cveId, id);
      assert.equal(normalizeCveId(s.cveId), s.cveId);
      assert.equal(s.state, record.cveMetadata.state);
      assert.equal(typeof s.description, 'string');
      for (const date of Object.values(s.dates)) assert.match(date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, id);
      assert.ok(s.dates.updated, `${id} has an update date`);
      for (const m of s.metrics) {
        assert.ok(severities.has(m.baseSeverity), `${id} ${m.baseSeverity}`);
        assert.ok((CVSS_VERSIONS as readonly string[]).includes(m.version));
        assert.ok(m.source === 'cna' || m.source.startsWith('adp:'));
      }
      for (const cwe of s.cweIds) assert.match(cwe, /^CWE-\d+$/);
      const refKeys = s.references.map((r) => `${r.source} ${r.url}`);
      assert.equal(new Set(refKeys).size, refKeys.length, `${id} references unique per source`);
      assert.ok(!s.related.includes(s.cveId));
      for (const r of s.replacements) assert.ok(!s.related.includes(r.target));
      if (s.kev) kev++;
      if (s.ssvc) ssvc++;
      if (s.metrics.some((m) => m.version === '4.0')) v4++;
    }
    // Counts from cve5/README.md: ADP KEV 106, ADP SSVC 10,900 records.
    assert.equal(kev, 106);
    assert.equal(ssvc, 10_900);
    assert.ok(v4 >= 700);
  });
});

describe('summarizeRecord spot checks on real records', () => {
  it('CVE-2024-3273: CISA KEV, SSVC, CVSS 2.0/3.0/3.1 with v2 severity from the score, two ADPs', () => {
    const s = summaryOf('CVE-2024-3273');
    assert.deepEqual(s.kev, {
      dateAdded: '2024-04-11',
      reference: 'https://www.cisa.gov/known-exploited-vulnerabilities-catalog?search_api_fulltext=CVE-2024-3273',
    });
    assert.deepEqual(s.ssvc, { exploitation: 'Active', automatable: 'Yes', technicalImpact: 'Total', timestamp: '2024-04-12T04:00:37.894213Z', version: '2.0.3' });
    assert.deepEqual(
      s.metrics.map((m) => [m.source, m.version, m.baseScore, m.baseSeverity]),
      [
        ['cna', '3.1', 7.3, 'HIGH'],
        ['cna', '3.0', 7.3, 'HIGH'],
        ['cna', '2.0', 7.5, 'HIGH'],
      ],
    );
    assert.deepEqual(s.adpProviders, ['CVE', 'CISA-ADP']);
    assert.deepEqual(s.cweIds, ['CWE-77']);
    assert.equal(s.assignerShortName, 'VulDB');
    assert.match(s.title ?? '', /^D-Link DNS-320L/);
    assert.equal(s.dates.updated, '2024-08-01T20:05:08.255Z');
  });

  it('CVE-2005-10003: CVSS 4.0 from the CNA with its baseSeverity', () => {
    const s = summaryOf('CVE-2005-10003');
    assert.deepEqual(s.metrics[0], {
      source: 'cna',
      version: '4.0',
      vectorString: 'CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N',
      baseScore: 6.3,
      baseSeverity: 'MEDIUM',
    });
    assert.equal(s.metrics.find((m) => m.version === '2.0')?.baseSeverity, 'MEDIUM');
    assert.equal(s.kev, undefined);
    assert.deepEqual(s.adpProviders, ['CISA-ADP']);
  });

  it('CVE-1999-0006: ADP affected with cpes and ADP CVSS 3.1 carry the adp:<shortName> source', () => {
    const s = summaryOf('CVE-1999-0006');
    const adpAffected = s.affected.filter((a) => a.source === 'adp:CISA-ADP');
    assert.equal(adpAffected[0]?.vendor, 'qualcomm');
    assert.equal(adpAffected[0]?.product, 'qpopper');
    assert.deepEqual(adpAffected[0]?.cpes, ['cpe:2.3:a:qualcomm:qpopper:2.4:*:*:*:*:*:*:*']);
    assert.ok(s.affected.some((a) => a.source === 'cna'));
    const adpMetric = s.metrics.find((m) => m.source === 'adp:CISA-ADP');
    assert.deepEqual(adpMetric && [adpMetric.version, adpMetric.baseScore, adpMetric.baseSeverity], ['3.1', 9.8, 'CRITICAL']);
  });

  it('X1520-7.8: CVE-2024-4810 (REJECTED, replacedBy): rejected reasons as descriptions, the edge, rejected date', () => {
    const s = summaryOf('CVE-2024-4810');
    assert.equal(s.state, 'REJECTED');
    assert.match(s.description, /^This CVE ID has been rejected or withdrawn/);
    assert.deepEqual(s.replacements, [{ kind: 'replaced-by', target: 'CVE-2024-36015', from: 'replacedBy' }]);
    assert.deepEqual(s.related, [], 'the replacement target is not also listed as related');
    assert.equal(s.dates.rejected, '2024-05-29T07:53:24.899Z');
    assert.equal(s.title, undefined);
  });

  it('CVE-2021-27285: a zone-less dateUpdated (2025-01-06T21:48:37.641467) is read as UTC', () => {
    const record = byId.get('CVE-2021-27285');
    assert.equal(record?.cveMetadata.dateUpdated, '2025-01-06T21:48:37.641467');
    assert.equal(summaryOf('CVE-2021-27285').dates.updated, '2025-01-06T21:48:37.641Z');
  });

  it('CVE-2013-6040: a CWE named only in the problem type text is found', () => {
    assert.deepEqual(summaryOf('CVE-2013-6040').cweIds, ['CWE-94']);
  });

  it('X1520-6.10: CVE-2001-0667 lists the other CVE named in its description as related', () => {
    assert.deepEqual(summaryOf('CVE-2001-0667').related, ['CVE-2001-0150']);
  });
});

describe('summarizeRecord rules on small records', () => {
  it('derives v3 severity from the score when baseSeverity is absent, and v2 bands LOW < 4 ≤ MEDIUM < 7 ≤ HIGH', () => {
    const s = summarizeRecord(
      minimal({
        metrics: [
          { cvssV3_1: { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8 } },
          { cvssV3_0: { version: '3.0', vectorString: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', baseScore: 0 } },
          { cvssV2_0: { version: '2.0', vectorString: 'AV:N/AC:L/Au:N/C:N/I:N/A:P', baseScore: 3.9 } },
          { cvssV2_0: { version: '2.0', vectorString: 'AV:N/AC:L/Au:N/C:P/I:N/A:P', baseScore: 4.0 } },
          { cvssV2_0: { version: '2.0', vectorString: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', baseScore: 7.0, baseSeverity: 'LOW' } },
        ],
      }),
    );
    assert.deepEqual(
      s.metrics.map((m) => m.baseSeverity),
      ['CRITICAL', 'NONE', 'LOW', 'MEDIUM', 'HIGH'],
    );
  });

  it('picks the English description (en, eng, en-US) before others, and never an ADP container title as the record title', () => {
    const s = summarizeRecord(
      minimal(
        { descriptions: [{ lang: 'de', value: 'Deutsch' }, { lang: 'eng', value: 'English' }] },
        {},
        [{ providerMetadata: { orgId: ORG, shortName: 'CISA-ADP' }, title: 'ADP title' }],
      ),
    );
    assert.equal(s.description, 'English');
    assert.equal(s.title, undefined);
    assert.equal(summarizeRecord(minimal({ descriptions: [{ lang: 'fr', value: 'Français' }] })).description, 'Français');
  });

  it('deduplicates references by URL within a source, keeps them apart across sources', () => {
    const ref = { url: 'https://example.com/a' };
    const s = summarizeRecord(minimal({ references: [ref, { ...ref, name: 'again' }] }, {}, [{ providerMetadata: { orgId: ORG, shortName: 'CVE' }, references: [ref] }]));
    assert.deepEqual(
      s.references.map((r) => `${r.source} ${r.url}`),
      ['cna https://example.com/a', 'adp:CVE https://example.com/a'],
    );
  });

  const dateCases: readonly (readonly [meta: Record<string, unknown>, cnaUpdated: string | undefined, expected: string])[] = [
    [{ dateUpdated: '2023-11-02T05:36:44.174711' }, undefined, '2023-11-02T05:36:44.174Z'],
    [{ dateUpdated: '2024-01-01T01:00:00+02:00' }, undefined, '2023-12-31T23:00:00.000Z'],
    [{ datePublished: '2024-01-01T00:00:00Z', dateRejected: '2024-02-01T00:00:00' }, undefined, '2024-02-01T00:00:00.000Z'],
    [{ dateReserved: '2024-01-01T00:00:00' }, undefined, '2024-01-01T00:00:00.000Z'],
    [{}, '2024-03-01T12:00:00.5', '2024-03-01T12:00:00.500Z'],
    [{ dateUpdated: 'not a date' }, undefined, ''],
  ];
  for (const [meta, cnaUpdated, expected] of dateCases) {
    it(`recordDateUpdated(${JSON.stringify(meta)}, cna ${cnaUpdated ?? '-'}) is ${JSON.stringify(expected)}`, () => {
      const record = minimal(cnaUpdated === undefined ? {} : { providerMetadata: { orgId: ORG, dateUpdated: cnaUpdated } }, meta);
      assert.equal(recordDateUpdated(record), expected);
    });
  }
});

describe('normalizeRecordDate: the sliced fast path gives what Date.parse + toISOString give', () => {
  const NO_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;
  /** The general path alone (what normalizeRecordDate did before the fast path). */
  const reference = (value: string): string | undefined => {
    if (value === '' || value.length > 64) return undefined;
    const ms = Date.parse(NO_ZONE.test(value) ? `${value}Z` : value);
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
  };
  it('every date string of the 11,053 sample records', () => {
    const dates = new Set<string>();
    const walk = (v: unknown, key: string): void => {
      if (typeof v === 'string' && /^date|Date$|^timestamp$/.test(key)) dates.add(v);
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, Array.isArray(v) ? key : k);
    };
    for (const r of records) walk(r, '');
    assert.ok(dates.size > 20_000, `${dates.size} distinct dates`);
    for (const d of dates) assert.equal(normalizeRecordDate(d), reference(d), d);
  });
  it('edge cases and 20,000 random near-dates (out-of-range fields, leap days, fractions, offsets, junk)', () => {
    const fixed = [
      '2023-11-02T05:36:44.174711', '2023-11-02T05:36:44.174711Z', '2023-11-02T05:36:44.1Z', '2023-11-02T05:36:44.Z', '2023-11-02T05:36:44',
      '2023-11-02T05:36', '2024-02-29T00:00:00Z', '2023-02-29T00:00:00Z', '2023-11-02T24:00:00Z', '2023-11-02T05:36:60Z', '2023-13-02T05:36:44Z',
      '2023-00-10T05:36:44Z', '2023-11-00T05:36:44Z', '0999-11-02T05:36:44Z', '2023-11-02T05:36:44+02:00', '2023-11-02T05:36:44.5-00:30',
      '2023-11-02T05:36:44ZZ', '2023-11-02 05:36:44Z', '2023-11-02t05:36:44z', '２023-11-02T05:36:44Z', '2023-11-02T05:36:44.12345678901234567890Z',
    ];
    for (const d of fixed) assert.equal(normalizeRecordDate(d), reference(d), d);
    let seed = 7;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const pad = (n: number, w: number): string => String(n).padStart(w, '0');
    const tails = ['', 'Z', '.1', '.12Z', '.123456', '.9999Z', '+00:00', '-05:00', '.', 'z', ' '];
    for (let i = 0; i < 20_000; i++) {
      const d = `${pad(rand(3000), 4)}-${pad(rand(14), 2)}-${pad(rand(33), 2)}T${pad(rand(26), 2)}:${pad(rand(62), 2)}:${pad(rand(62), 2)}${tails[rand(tails.length)]}`;
      assert.equal(normalizeRecordDate(d), reference(d), d);
    }
  });
});
