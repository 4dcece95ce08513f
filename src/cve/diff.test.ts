import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { sharedData } from '../../test/support/paths.ts';
import { diffRecords, hashRecordJson } from './index.ts';
import type { FieldChange } from './index.ts';

type Rec = Record<string, any>;
const readGzLines = (name: string): string[] =>
  gunzipSync(readFileSync(sharedData('cve5', name)))
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '');

const older = readGzLines('other-versions.jsonl.gz').map((line) => JSON.parse(line) as Rec);
const olderIds = new Set(older.map((r) => r.cveMetadata.cveId as string));
// Parse only the newest versions of the CVEs that have an older one (6,861 of 62,867 lines).
const newest = new Map<string, Rec>();
for (const line of readGzLines('records-all.jsonl.gz')) {
  const id = /"cveId":"(CVE-\d+-\d+)"/.exec(line)?.[1];
  if (id !== undefined && olderIds.has(id)) newest.set(id, JSON.parse(line) as Rec);
}

/** Read a JSON pointer (RFC 6901) in a document. */
function at(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let cur: any = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, token)) return undefined;
    cur = cur[token];
  }
  return cur;
}

/** The same JSON with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
}

describe('diffRecords over real version pairs (other-versions vs records-all)', () => {
  it('X1520-7.7: every one of the 6,861 older versions differs from its newest version, and every change points at real values', () => {
    assert.equal(older.length, 6_861);
    let changes = 0;
    for (const old of older) {
      const id = old.cveMetadata.cveId as string;
      const current = newest.get(id);
      assert.ok(current, `${id} has a newest version`);
      const diff = diffRecords(old, current);
      assert.ok(diff.length > 0, `${id}: the versions differ`);
      changes += diff.length;
      for (const c of diff) {
        if (c.kind !== 'removed') assert.deepEqual(at(current, c.path), c.new, `${id} ${c.path}`);
        if (c.kind !== 'added') assert.deepEqual(at(old, c.oldPath ?? c.path), c.old, `${id} ${c.oldPath ?? c.path}`);
        if (c.kind === 'added') assert.equal(c.old, undefined);
        if (c.kind === 'removed') assert.equal(c.new, undefined);
        if (c.kind === 'changed') assert.notDeepEqual(c.old, c.new);
      }
      assert.deepEqual(diffRecords(current, current), []);
    }
    assert.ok(changes > older.length);
  });

  it('the output is stable: same pairs, same changes, whatever the key order of the input', () => {
    for (const old of older.slice(0, 200)) {
      const current = newest.get(old.cveMetadata.cveId)!;
      assert.deepEqual(diffRecords(reverseKeys(old), reverseKeys(current)), diffRecords(old, current));
    }
  });

  it('ADP containers are matched by providerMetadata.orgId: an ADP added in front does not shift the others', () => {
    // Find a real pair where the newest version gained an ADP container.
    const pair = older
      .map((old) => [old, newest.get(old.cveMetadata.cveId)!] as const)
      .find(([o, n]) => (o.containers.adp?.length ?? 0) > 0 && (n.containers.adp?.length ?? 0) > (o.containers.adp?.length ?? 0));
    assert.ok(pair, 'a real record gained an ADP container');
    const [old, current] = pair;
    const diff = diffRecords(old, current);
    const added = diff.filter((c) => /^\/containers\/adp\/\d+$/.test(c.path) && c.kind === 'added');
    assert.ok(added.length >= 1);
    const oldOrgs = new Set(old.containers.adp.map((a: Rec) => a.providerMetadata.orgId));
    for (const c of added) assert.ok(!oldOrgs.has((c.new as Rec).providerMetadata.orgId), 'only new providers are "added"');
  });
});

describe('diffRecords rules', () => {
  const a = {
    cveMetadata: { cveId: 'CVE-2024-0001', state: 'PUBLISHED', dateUpdated: '2024-01-01T00:00:00Z' },
    containers: {
      cna: {
        descriptions: [
          { lang: 'en', value: 'Old text' },
          { lang: 'de', value: 'Alter Text' },
        ],
        references: [{ url: 'https://a.example/1' }, { url: 'https://a.example/2', tags: ['patch'] }],
        affected: [{ vendor: 'V', product: 'P', versions: [{ version: '1.0', status: 'affected' }] }],
      },
    },
  };
  const b = {
    cveMetadata: { cveId: 'CVE-2024-0001', state: 'PUBLISHED', dateUpdated: '2024-02-01T00:00:00Z', serial: 2 },
    containers: {
      cna: {
        descriptions: [
          { lang: 'de', value: 'Alter Text' },
          { lang: 'en', value: 'New text' },
        ],
        references: [{ url: 'https://a.example/0' }, { url: 'https://a.example/2', tags: ['patch', 'vendor-advisory'] }],
        affected: [{ vendor: 'V', product: 'P', versions: [{ version: '1.0', status: 'unaffected' }] }],
      },
    },
  };

  it('keys references by url, descriptions by lang, affected by vendor+product; sorted keys; new order then removals', () => {
    const expected: FieldChange[] = [
      { path: '/containers/cna/affected/0/versions/0/status', kind: 'changed', old: 'affected', new: 'unaffected' },
      { path: '/containers/cna/descriptions/1/value', oldPath: '/containers/cna/descriptions/0/value', kind: 'changed', old: 'Old text', new: 'New text' },
      { path: '/containers/cna/references/0', kind: 'added', new: { url: 'https://a.example/0' } },
      { path: '/containers/cna/references/1/tags', kind: 'changed', old: ['patch'], new: ['patch', 'vendor-advisory'] },
      { path: '/containers/cna/references/0', kind: 'removed', old: { url: 'https://a.example/1' } },
      { path: '/cveMetadata/dateUpdated', kind: 'changed', old: '2024-01-01T00:00:00Z', new: '2024-02-01T00:00:00Z' },
      { path: '/cveMetadata/serial', kind: 'added', new: 2 },
    ];
    assert.deepEqual(diffRecords(a, b), expected);
  });

  it('falls back to index order when keys repeat, escapes pointer tokens, handles type changes and non-objects', () => {
    assert.deepEqual(diffRecords({ references: [{ url: 'u' }, { url: 'u', name: 'x' }] }, { references: [{ url: 'u' }, { url: 'u', name: 'y' }] }), [
      { path: '/references/1/name', kind: 'changed', old: 'x', new: 'y' },
    ]);
    assert.deepEqual(diffRecords({ 'a/b~c': 1 }, { 'a/b~c': 2 }), [{ path: '/a~1b~0c', kind: 'changed', old: 1, new: 2 }]);
    assert.deepEqual(diffRecords({ x: [1] }, { x: { 0: 1 } }), [{ path: '/x', kind: 'changed', old: [1], new: { 0: 1 } }]);
    assert.deepEqual(diffRecords(null, { a: 1 }), [{ path: '', kind: 'changed', old: null, new: { a: 1 } }]);
    assert.deepEqual(diffRecords([{ a: 1 }], [{ a: 1 }, { a: 2 }]), [{ path: '/1', kind: 'added', new: { a: 2 } }]);
  });
});

describe('hashRecordJson', () => {
  it('is the SHA-256 hex of the exact text', () => {
    assert.equal(hashRecordJson('{}'), '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    assert.equal(hashRecordJson(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.notEqual(hashRecordJson('{"a":1}'), hashRecordJson('{"a": 1}'));
    // UTF-8 bytes c3 a9, not UTF-16 or Latin-1.
    assert.equal(hashRecordJson('\u00e9'), '4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
  });
});
