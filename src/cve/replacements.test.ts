import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedData } from '../../test/support/paths.ts';
import { extractCveIds, findReplacements } from './index.ts';
import type { CveRecordJson, Replacement } from './index.ts';

const records: CveRecordJson[] = readFileSync(sharedData('cve5', 'records.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as CveRecordJson);
const byId = new Map(records.map((r) => [r.cveMetadata.cveId, r]));
const rejected = records.filter((r) => r.cveMetadata.state === 'REJECTED');

/** A minimal record around a deprecation text, as MITRE's legacy entries read. */
function legacy(cveId: string, text: string, state: 'PUBLISHED' | 'REJECTED' = 'REJECTED', where: 'descriptions' | 'rejectedReasons' = 'descriptions'): CveRecordJson {
  return {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: { cveId, assignerOrgId: '8254265b-2729-46b6-b9e3-3dfca2d5bfca', state },
    containers: { cna: { providerMetadata: { orgId: '8254265b-2729-46b6-b9e3-3dfca2d5bfca' }, [where]: [{ lang: 'en', value: text }] } },
  };
}

const edge = (kind: Replacement['kind'], target: string, from: string): Replacement => ({ kind, target, from });

describe('findReplacements on real REJECTED records', () => {
  const cases: readonly (readonly [id: string, phrasing: string, edges: readonly Replacement[]])[] = [
    ['CVE-2024-3658', '** REJECT ** ... ConsultIDs: CVE-X. Reason: This candidate is a reservation duplicate of CVE-X', [edge('duplicate-of', 'CVE-2023-51478', 'rejectedReasons')]],
    ['CVE-2024-4542', '** REJECT ** ... Reason: This candidate was issued in error. Please use CVE-X instead.', [edge('replaced-by', 'CVE-2024-3548', 'rejectedReasons')]],
    ['CVE-2024-4810', 'replacedBy + "This CVE has been replaced by CVE-X"', [edge('replaced-by', 'CVE-2024-36015', 'replacedBy')]],
    ['CVE-2024-40639', 'replacedBy + "This CVE is a duplicate of another CVE."', [edge('duplicate-of', 'CVE-2024-21527', 'replacedBy')]],
    ['CVE-2024-2957', '**DUPLICATE*** Please use CVE-X instead.', [edge('duplicate-of', 'CVE-2024-1983', 'rejectedReasons')]],
    ['CVE-2024-5656', '** REJECT ** Accidental duplicate assignment of CVE-X. Please use CVE-X.', [edge('duplicate-of', 'CVE-2024-4755', 'rejectedReasons')]],
    ['CVE-2024-6305', '**REJECT** Accidental Reservation making this a duplicate. Please use CVE-X.', [edge('duplicate-of', 'CVE-2024-31111', 'rejectedReasons')]],
    ['CVE-2024-7207', 'Duplicate of CVE-X.', [edge('duplicate-of', 'CVE-2024-45806', 'rejectedReasons')]],
    ['CVE-2024-36051', 'DO NOT USE THIS CVE RECORD. ConsultIDs: CVE-X. Reason: This record is a duplicate of CVE-X.', [edge('duplicate-of', 'CVE-2024-38365', 'rejectedReasons')]],
    ['CVE-2024-45845', 'DO NOT USE THIS CVE RECORD. Consult IDs: CVE-X. Reason: This record is a reservation duplicate', [edge('duplicate-of', 'CVE-2024-45593', 'rejectedReasons')]],
    ['CVE-2024-13131', 'replacedBy agreeing with ConsultIDs', [edge('duplicate-of', 'CVE-2019-9680', 'replacedBy')]],
    ['CVE-2023-50977', 'ConsultIDs: none ... See also CVE-X (a pointer, not a replacement)', []],
    ['CVE-2024-5203', 'After careful review of CVE-X, it has been determined ... not exploitable', []],
    ['CVE-2019-25161', 'This CVE ID has been rejected or withdrawn by its CVE Numbering Authority.', []],
    ['CVE-2021-36593', 'DO NOT USE THIS CANDIDATE NUMBER. ConsultIDs: none. Reason: ... withdrawn by its CNA', []],
  ];
  for (const [id, phrasing, edges] of cases) {
    it(`X1520-7.8: ${id} (${phrasing}) gives ${edges.length === 0 ? 'no edge' : edges.map((e) => `${e.kind} ${e.target}`).join(', ')}`, () => {
      const record = byId.get(id);
      assert.ok(record, `${id} is in records.jsonl`);
      assert.equal(record.cveMetadata.state, 'REJECTED');
      assert.deepEqual(findReplacements(record), edges);
    });
  }

  it('X1520-7.7: 26 of the 146 REJECTED records get edges; the others name no replacement', () => {
    assert.equal(rejected.length, 146);
    const withEdges = rejected.filter((r) => findReplacements(r).length > 0);
    assert.equal(withEdges.length, 26);
    for (const r of rejected) {
      const edges = findReplacements(r);
      const texts = (r.containers.cna.rejectedReasons ?? []).map((d) => d.value).join('\n');
      const others = extractCveIds(texts).filter((id) => id !== r.cveMetadata.cveId);
      if (others.length === 0 && r.containers.cna.replacedBy === undefined) assert.deepEqual(edges, [], r.cveMetadata.cveId);
      for (const e of edges) {
        assert.notEqual(e.target, r.cveMetadata.cveId, 'never the record itself');
        assert.match(e.target, /^CVE-\d{4}-\d{4,19}$/);
      }
    }
  });

  it('X1520-7.8: every replacedBy target of the CVE List sample becomes an edge', () => {
    for (const r of records) {
      for (const target of r.containers.cna.replacedBy ?? []) {
        assert.ok(findReplacements(r).some((e) => e.target === target && e.from === 'replacedBy'), r.cveMetadata.cveId);
      }
    }
  });

  it('X1520-7.7: no PUBLISHED record of the sample gets an edge (split/duplicate notes in live records are not deprecations)', () => {
    const published = records.filter((r) => r.cveMetadata.state === 'PUBLISHED');
    assert.equal(published.length, 10_907);
    const withEdges = published.filter((r) => findReplacements(r).length > 0).map((r) => r.cveMetadata.cveId);
    assert.deepEqual(withEdges, []);
  });
});

describe('findReplacements on legacy MITRE texts (cve_1.0 / CVRF descriptions)', () => {
  const cases: readonly (readonly [clause: string, id: string, text: string, edges: readonly Replacement[]])[] = [
    [
      'X1520-7.8',
      'CVE-1999-0020',
      '** REJECT **\n\nDO NOT USE THIS CANDIDATE NUMBER.  ConsultIDs: CVE-1999-0032.  Reason: This candidate is a duplicate of CVE-1999-0032.  Notes: All CVE users should reference CVE-1999-0032 instead of this candidate.',
      [edge('duplicate-of', 'CVE-1999-0032', 'description')],
    ],
    [
      'X1520-7.8',
      'CVE-1999-0282',
      '** REJECT **\n\nDO NOT USE THIS CANDIDATE NUMBER.  ConsultIDs: CVE-1999-1584, CVE-1999-1586.  Reason: This candidate combined references from one issue with the description from another issue.  Notes: Users should consult CVE-1999-1584 and CVE-1999-1586 to obtain the appropriate name.',
      [edge('replaced-by', 'CVE-1999-1584', 'description'), edge('replaced-by', 'CVE-1999-1586', 'description')],
    ],
    [
      'X1520-7.7',
      'CVE-1999-0110',
      "** REJECT **\n\nDO NOT USE THIS CANDIDATE NUMBER.  ConsultIDs: CVE-1999-0315.  Reason: This candidate's original description had a typo that delayed it from being detected as a duplicate of CVE-1999-0315.",
      [edge('duplicate-of', 'CVE-1999-0315', 'description')],
    ],
    [
      'X1520-7.7',
      'CVE-1999-0658',
      '** REJECT **\n\nDO NOT USE THIS CANDIDATE NUMBER.  ConsultIDs: None.  Reason: this candidate is solely about a configuration that does not directly introduce security vulnerabilities.',
      [],
    ],
    ['X1520-7.8', 'CVE-2005-1234', '** REJECT ** This candidate was MERGED into CVE-2005-1111. Please use CVE-2005-1111 instead.', [edge('replaced-by', 'CVE-2005-1111', 'description')]],
    ['X1520-7.8', 'CVE-2005-2222', '** REJECT ** This candidate has been SPLIT into CVE-2005-3333 and CVE-2005-4444.', [edge('replaced-by', 'CVE-2005-3333', 'description'), edge('replaced-by', 'CVE-2005-4444', 'description')]],
    ['X1520-7.8', 'CVE-2006-0001', '** DUPLICATE ** This candidate is a DUPLICATE of CAN-2005-0999.', [edge('duplicate-of', 'CVE-2005-0999', 'description')]],
    ['X1520-7.8', 'CVE-2006-0002', 'DO NOT USE THIS CANDIDATE NUMBER. ConsultIDs: CVE-2006-0002, CVE-2006-0003. Reason: self listed', [edge('replaced-by', 'CVE-2006-0003', 'description')]],
  ];
  for (const [clause, id, text, edges] of cases) {
    it(`${clause}: ${id} legacy text gives ${edges.length === 0 ? 'no edge' : edges.map((e) => `${e.kind} ${e.target}`).join(', ')}`, () => {
      assert.deepEqual(findReplacements(legacy(id, text, 'PUBLISHED')), edges, 'marked legacy text, even in a record converted as PUBLISHED');
      assert.deepEqual(findReplacements(legacy(id, text, 'REJECTED', 'rejectedReasons')), edges.map((e) => ({ ...e, from: 'rejectedReasons' })));
    });
  }

  it('X1520-7.7: all 39 REJECT entries of MITRE 1999 CVRF: 8 name replacements, never themselves', () => {
    const xml = readFileSync(sharedData('mitre-xml', 'allitems-cvrf-year-1999.xml'), 'utf8');
    const entry = /<Title>(CVE-\d+-\d+)<\/Title>\s*<Notes>\s*<Note Ordinal="1" Type="Description">(\*\* REJECT \*\*[^<]*)<\/Note>/g;
    let total = 0;
    const withEdges: string[] = [];
    for (const m of xml.matchAll(entry)) {
      total++;
      const edges = findReplacements(legacy(m[1], m[2].replaceAll('&quot;', '"')));
      if (edges.length > 0) withEdges.push(m[1]);
      assert.ok(edges.every((e) => e.target !== m[1]));
    }
    assert.equal(total, 39);
    assert.deepEqual(withEdges, ['CVE-1999-0020', 'CVE-1999-0110', 'CVE-1999-0187', 'CVE-1999-0282', 'CVE-1999-0335', 'CVE-1999-1056', 'CVE-1999-1108', 'CVE-1999-1310']);
  });

  it('X1520-7.7: a PUBLISHED description saying it was split (real CVE-2024-3037 wording) has no edge', () => {
    const text = 'Note: This CVE has been split into two separate CVEs (CVE-2024-3037 and CVE-2024-8404) and it’s been rescored.';
    assert.deepEqual(findReplacements(legacy('CVE-2024-3037', text, 'PUBLISHED')), []);
    assert.deepEqual(findReplacements(legacy('CVE-2024-3037', `** REJECT ** ${text}`, 'PUBLISHED')), [edge('replaced-by', 'CVE-2024-8404', 'description')]);
  });

  it('tolerates records missing their containers', () => {
    assert.deepEqual(findReplacements({} as CveRecordJson), []);
    assert.deepEqual(findReplacements({ cveMetadata: { cveId: 'CVE-2020-1234', state: 'REJECTED' }, containers: {} } as unknown as CveRecordJson), []);
  });
});
