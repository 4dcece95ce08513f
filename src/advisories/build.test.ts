/**
 * The builder, fromCveRecord and reviseAdvisory: every document they return validates, the
 * product tree and statuses follow the CVE `affected` entries, and the revision history
 * invariants (6.1.14, 6.1.16, 6.1.21, 6.1.22) hold after every revision.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { CveRecordJson } from '../cve/index.ts';
import { sharedData } from '../../test/support/paths.ts';
import { AdvisoryError, buildCsafAdvisory, fromCveRecord, reviseAdvisory, validateCsaf } from './index.ts';
import type { AdvisoryInput, CsafBranch, CsafDocument } from './index.ts';

const PUBLISHER = { name: 'Example PSIRT', namespace: 'https://psirt.example.com' };

const input = (over: Partial<AdvisoryInput> = {}): AdvisoryInput => ({
  publisher: PUBLISHER,
  tracking: { id: 'EX-2025-0001', title: 'Widget: remote code execution', status: 'final', date: '2025-06-01T10:00:00.000Z' },
  summary: 'Widget before 1.4 lets a remote attacker run code.',
  vulnerabilities: [
    {
      cve: 'CVE-2025-0001',
      title: 'Deserialization in the import endpoint',
      description: 'The import endpoint deserializes untrusted data.',
      cwe: { id: 'CWE-502', name: 'Deserialization of Untrusted Data' },
      affected: [
        {
          vendor: 'Example',
          product: 'Widget',
          versions: [
            { version: '1.0', lessThan: '1.4', status: 'affected', versionType: 'semver' },
            { version: '1.4', status: 'unaffected' },
            { version: '0.9', status: 'unaffected' },
          ],
        },
      ],
      cvss: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'AV:N/AC:L/Au:N/C:C/I:C/A:C', 'CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
      remediations: [{ details: 'Update to 1.4 or later.', url: 'https://psirt.example.com/widget-1.4' }],
      references: [{ url: 'https://psirt.example.com/EX-2025-0001', summary: 'Advisory' }],
      credits: [{ name: 'Ada Lovelace', type: 'finder' }],
      kev: { dateAdded: '2025-06-05' },
      releaseDate: '2025-06-01T10:00:00.000Z',
    },
    {
      cve: 'CVE-2025-0002',
      description: 'A second flaw.',
      affected: [{ vendor: 'Example', product: 'Widget', versions: [{ version: '1.0', lessThan: '1.4', status: 'affected', versionType: 'semver' }] }],
    },
  ],
  ...over,
});

const leaves = (doc: CsafDocument): CsafBranch[] => {
  const out: CsafBranch[] = [];
  const walk = (bs: readonly CsafBranch[] | undefined): void => {
    for (const b of bs ?? []) {
      if (b.product !== undefined) out.push(b);
      walk(b.branches);
    }
  };
  walk(doc.product_tree?.branches);
  return out;
};

describe('buildCsafAdvisory', () => {
  test('builds a csaf_security_advisory that validates, round trip through JSON included', () => {
    const doc = buildCsafAdvisory(input());
    assert.equal(doc.document.category, 'csaf_security_advisory');
    assert.deepEqual(validateCsaf(doc), { ok: true, errors: [] });
    assert.deepEqual(validateCsaf(JSON.parse(JSON.stringify(doc))), { ok: true, errors: [] });
  });

  test('product tree: vendor → product_name → version / vers range; IDs shared across vulnerabilities', () => {
    const doc = buildCsafAdvisory(input());
    const [vendor] = doc.product_tree!.branches!;
    assert.equal(vendor.category, 'vendor');
    assert.equal(vendor.name, 'Example');
    assert.equal(vendor.branches![0].category, 'product_name');
    assert.deepEqual(
      leaves(doc).map((l) => [l.category, l.name, l.product!.product_id]),
      [
        ['product_version_range', 'vers:semver/>=1.0|<1.4', 'CSAFPID-0001'],
        ['product_version', '1.4', 'CSAFPID-0002'],
        ['product_version', '0.9', 'CSAFPID-0003'],
      ],
    );
    const [v1, v2] = doc.vulnerabilities!;
    assert.deepEqual(v1.product_status, { known_affected: ['CSAFPID-0001'], fixed: ['CSAFPID-0002'], known_not_affected: ['CSAFPID-0003'] });
    assert.deepEqual(v2.product_status, { known_affected: ['CSAFPID-0001'] });
  });

  test('vulnerability fields: cve, cwe, notes, scores computed (one per version), remediation, credit, KEV threat', () => {
    const v = buildCsafAdvisory(input()).vulnerabilities![0];
    assert.equal(v.cve, 'CVE-2025-0001');
    assert.deepEqual(v.cwe, { id: 'CWE-502', name: 'Deserialization of Untrusted Data' });
    assert.equal(v.notes![0].category, 'description');
    assert.deepEqual(v.scores, [
      { products: ['CSAFPID-0001'], cvss_v3: { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, baseSeverity: 'CRITICAL' } },
      { products: ['CSAFPID-0001'], cvss_v2: { version: '2.0', vectorString: 'AV:N/AC:L/Au:N/C:C/I:C/A:C', baseScore: 10 } },
    ]);
    assert.deepEqual(v.remediations, [
      { category: 'vendor_fix', details: 'Update to 1.4 or later.', url: 'https://psirt.example.com/widget-1.4', product_ids: ['CSAFPID-0001'] },
    ]);
    assert.deepEqual(v.acknowledgments, [{ names: ['Ada Lovelace'], summary: 'finder' }]);
    assert.equal(v.threats![0].category, 'exploit_status');
    assert.equal(v.threats![0].date, '2025-06-05T00:00:00.000Z');
  });

  test('ranges: lessThanOrEqual, open lower bound, wildcard, changes, range words in a version', () => {
    const doc = buildCsafAdvisory(
      input({
        vulnerabilities: [
          {
            cve: 'CVE-2025-0003',
            description: 'd',
            affected: [
              {
                vendor: 'V',
                product: 'P',
                versions: [
                  { version: '0', lessThanOrEqual: '2.1', status: 'affected', versionType: 'maven' },
                  { version: '3.0', lessThan: '*', status: 'affected', versionType: 'semver', changes: [{ at: '3.2', status: 'unaffected' }] },
                  { version: 'prior to 5.0', status: 'affected' },
                  { version: '*', status: 'affected', versionType: 'custom' },
                  { version: '9.9', status: 'unknown' },
                ],
              },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(
      leaves(doc).map((l) => [l.category, l.name]),
      [
        ['product_version_range', 'vers:maven/<=2.1'],
        ['product_version_range', 'vers:semver/>=3.0|<3.2'],
        ['product_version_range', 'vers:semver/>=3.2'],
        ['product_version_range', 'prior to 5.0'],
        ['product_version_range', 'vers:generic/*'],
      ],
    );
    assert.deepEqual(doc.vulnerabilities![0].product_status, {
      known_affected: ['CSAFPID-0001', 'CSAFPID-0002', 'CSAFPID-0004', 'CSAFPID-0005'],
      fixed: ['CSAFPID-0003'],
    });
  });

  test('refuses what cannot make a valid advisory, with codes', () => {
    const cases: [AdvisoryInput, string][] = [
      [input({ vulnerabilities: [] }), 'BAD_INPUT'],
      [input({ vulnerabilities: [{ cve: 'CVE-2025-0001', description: '  ', affected: [] }] }), 'BAD_INPUT'],
      [input({ vulnerabilities: [{ cve: 'CVE-2025-0001', description: 'd', affected: [], cvss: ['CVSS:3.1/AV:X'] }] }), 'BAD_INPUT'],
      [input({ vulnerabilities: [{ cve: 'CVE-2025-0001', description: 'd', affected: [{ vendor: 'V', product: 'P', versions: [{ version: '1', status: 'unknown' }] }] }] }), 'BAD_INPUT'],
      // the same CVE twice (6.1.23) and a CWE with a wrong name (6.1.11) are caught by validation
      [input({ vulnerabilities: [input().vulnerabilities[1], input().vulnerabilities[1]] }), 'INVALID_ADVISORY'],
      [input({ vulnerabilities: [{ ...input().vulnerabilities[1], cwe: { id: 'CWE-79', name: 'XSS' } }] }), 'INVALID_ADVISORY'],
    ];
    for (const [bad, code] of cases) {
      assert.throws(() => buildCsafAdvisory(bad), (e: unknown) => e instanceof AdvisoryError && e.code === code);
    }
    try {
      buildCsafAdvisory(cases[4][0]);
    } catch (e) {
      assert.ok((e as AdvisoryError).issues.some((i) => i.test === '6.1.23'));
    }
  });
});

describe('fromCveRecord', () => {
  const records = readFileSync(sharedData('cve5', 'records.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as CveRecordJson);
  const options = { publisher: PUBLISHER, tracking: { status: 'final' as const, date: '2025-06-01T10:00:00.000Z' } };

  test('a real record with CWE, CVSS, references and affected versions becomes a valid advisory', () => {
    const record = records.find(
      (r) =>
        r.cveMetadata.state === 'PUBLISHED' &&
        (r.containers.cna.metrics ?? []).some((m) => m.cvssV3_1 !== undefined) &&
        (r.containers.cna.problemTypes ?? []).some((p) => p.descriptions.some((d) => d.cweId !== undefined)) &&
        (r.containers.cna.affected ?? []).some((a) => (a.versions ?? []).some((v) => v.lessThan !== undefined)),
    )!;
    const doc = buildCsafAdvisory(fromCveRecord(record, options));
    const v = doc.vulnerabilities![0];
    assert.equal(v.cve, record.cveMetadata.cveId);
    assert.ok(v.cwe !== undefined);
    assert.ok(v.scores!.some((s) => s.cvss_v3?.version === '3.1'));
    assert.ok((v.references ?? []).length > 0);
    assert.equal(doc.document.tracking.id, record.cveMetadata.cveId);
  });

  test('several records make one advisory naming every CVE, products shared', () => {
    const published = records.filter((r) => r.cveMetadata.state === 'PUBLISHED').slice(0, 5);
    const doc = buildCsafAdvisory(fromCveRecord(published, { ...options, tracking: { ...options.tracking, id: 'EX-MULTI' } }));
    assert.deepEqual(doc.vulnerabilities!.map((v) => v.cve), published.map((r) => r.cveMetadata.cveId));
    assert.equal(validateCsaf(doc).ok, true);
  });

  test('over 2,000 real published records: every advisory built validates, refusals only for records with no product of known status', () => {
    let built = 0;
    const refused: string[] = [];
    for (const record of records.filter((r) => r.cveMetadata.state === 'PUBLISHED').slice(0, 2000)) {
      try {
        const doc = buildCsafAdvisory(fromCveRecord(record, options));
        assert.equal(doc.vulnerabilities![0].cve, record.cveMetadata.cveId);
        built++;
      } catch (e) {
        assert.ok(e instanceof AdvisoryError && e.code === 'BAD_INPUT' && /no vulnerability names/.test(e.message), `${record.cveMetadata.cveId}: ${String(e)}`);
        refused.push(record.cveMetadata.cveId);
      }
    }
    assert.ok(built >= 1990, `built ${built}, refused ${refused.join(' ')}`);
  });

  test('a REJECTED record is refused', () => {
    const rejected = records.find((r) => (r.cveMetadata.state as string) === 'REJECTED')!;
    assert.throws(() => fromCveRecord(rejected, options), (e: unknown) => e instanceof AdvisoryError && e.code === 'BAD_INPUT');
  });
});

describe('reviseAdvisory', () => {
  const invariants = (doc: CsafDocument): void => {
    const result = validateCsaf(doc, { tests: ['6.1.14', '6.1.16', '6.1.17', '6.1.18', '6.1.19', '6.1.20', '6.1.21', '6.1.22', '6.1.30'] });
    assert.deepEqual(result.errors, []);
    const history = doc.document.tracking.revision_history;
    assert.equal(history.at(-1)!.number, doc.document.tracking.version);
    assert.equal(doc.document.tracking.current_release_date, history.at(-1)!.date);
  };

  test('integer versioning: each revision adds one, appends its entry, validates', () => {
    let doc = buildCsafAdvisory(input());
    const days = ['2025-06-02', '2025-06-02', '2025-06-10', '2025-07-01', '2026-01-01'];
    for (const [i, day] of days.entries()) {
      const before = doc;
      doc = reviseAdvisory(doc, { date: `${day}T08:00:00.000Z`, summary: `Revision ${i + 2}.` });
      invariants(doc);
      assert.equal(doc.document.tracking.version, String(i + 2));
      assert.equal(doc.document.tracking.revision_history.length, i + 2);
      assert.equal(before.document.tracking.version, String(i + 1), 'the input document is not changed');
    }
  });

  test('semantic versioning: minor by default, major and patch on request', () => {
    let doc = buildCsafAdvisory(input({ tracking: { ...input().tracking, version: '1.0.0' } }));
    const steps: [('major' | 'minor' | 'patch' | undefined), string][] = [[undefined, '1.1.0'], ['patch', '1.1.1'], ['major', '2.0.0'], ['minor', '2.1.0']];
    for (const [i, [bump, expected]] of steps.entries()) {
      doc = reviseAdvisory(doc, { date: `2025-07-0${i + 1}T00:00:00.000Z`, summary: 'x', ...(bump !== undefined && { bump }) });
      invariants(doc);
      assert.equal(doc.document.tracking.version, expected);
    }
  });

  test('releasing a draft: 0.x drafts give way to 1.0.0 and the draft revisions leave the history', () => {
    let doc = buildCsafAdvisory(input({ tracking: { ...input().tracking, status: 'draft', version: '0.1.0' } }));
    doc = reviseAdvisory(doc, { date: '2025-06-02T00:00:00.000Z', summary: 'Second draft.' });
    assert.equal(doc.document.tracking.version, '0.2.0');
    invariants(doc);
    doc = reviseAdvisory(doc, { date: '2025-06-03T00:00:00.000Z', summary: 'Initial release.', status: 'final' });
    invariants(doc);
    assert.equal(doc.document.tracking.version, '1.0.0');
    assert.equal(doc.document.tracking.status, 'final');
    assert.deepEqual(doc.document.tracking.revision_history.map((r) => r.number), ['1.0.0']);
    assert.equal(doc.document.tracking.initial_release_date, '2025-06-03T00:00:00.000Z');
  });

  test('an edit changes content; a revision dated before the latest is refused', () => {
    const doc = buildCsafAdvisory(input());
    const revised = reviseAdvisory(doc, {
      date: '2025-06-02T00:00:00.000Z',
      summary: 'Title corrected.',
      edit: (d) => ({ ...d, document: { ...d.document, title: 'Widget: RCE in import' } }),
    });
    assert.equal(revised.document.title, 'Widget: RCE in import');
    assert.equal(doc.document.title, 'Widget: remote code execution');
    assert.throws(
      () => reviseAdvisory(revised, { date: '2025-06-01T00:00:00.000Z', summary: 'late' }),
      (e: unknown) => e instanceof AdvisoryError && e.code === 'REVISION_DATE_ORDER',
    );
  });
});
