/**
 * An updated record on SQLite rewrites a derived table only when its rows changed (a
 * delta mostly changes descriptions and dates). The observable answer must not depend on
 * that: derived rows, filters and full text follow the newest version either way.
 */
import { strict as assert } from 'node:assert';
import { after, describe, test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../index.ts';
import { idKey } from '../rows.ts';
import { realRecordLines, recordWrite } from '../../../test/support/stores.ts';

const dir = mkdtempSync(join(tmpdir(), 'cvekit-update-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A record as plain, editable JSON. */
interface EditableRecord {
  cveMetadata: { cveId: string; state: string; dateUpdated?: string };
  containers: { cna: Record<string, unknown> & { descriptions: { lang: string; value: string }[] } };
}

/** A real record with affected products, CWEs and references. */
function richRecord(): EditableRecord {
  for (const line of realRecordLines(3000)) {
    const r = JSON.parse(line);
    const cna = r.containers?.cna;
    if (r.cveMetadata.state === 'PUBLISHED' && cna?.affected?.length >= 1 && cna?.problemTypes?.[0]?.descriptions?.some((d: { cweId?: string }) => d.cweId) && cna?.references?.length >= 2) return r;
  }
  throw new Error('no rich record in the sample');
}

function derived(path: string, cveId: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = (t: string, order: string) => db.prepare(`SELECT * FROM ${t} WHERE cve_id = ? ORDER BY ${order}`).all(cveId);
    return JSON.stringify([rows('record_affected', 'ord'), rows('record_cwes', 'cwe_id'), rows('record_metrics', 'ord'), rows('record_replacements', 'kind, target')]);
  } finally {
    db.close();
  }
}

describe('sqlite: updates rewrite only changed derived rows', () => {
  test('a description-only update keeps the derived rows and re-indexes the text; a changed product and CWE replace them, a changed reference re-indexes', async () => {
    const path = join(dir, 'u.db');
    const store = await openStore(`sqlite:${path}`);
    await store.migrate();
    const v1 = richRecord();
    const id = v1.cveMetadata.cveId;
    await store.writeBatch([recordWrite(JSON.stringify(v1))]);
    const before = derived(path, id);

    const v2 = structuredClone(v1);
    v2.cveMetadata.dateUpdated = '2030-01-01T00:00:00.000Z';
    v2.containers.cna.descriptions = [{ lang: 'en', value: 'Zyxwvutsrq quux description after the update.' }];
    assert.deepEqual((await store.writeBatch([recordWrite(JSON.stringify(v2))])).outcomes, ['updated']);
    assert.equal(derived(path, id), before, 'unchanged derived rows are as they were');
    assert.deepEqual((await store.search.search({ words: ['zyxwvutsrq'], limit: 5 })).items.map((h) => h.cveId), [id]);
    assert.equal((await store.search.search({ words: [String(v1.containers.cna.descriptions[0].value).match(/[A-Za-z]{6,}/)?.[0] ?? 'x', 'zyxwvutsrq'], limit: 5 })).items.length, 1);

    const v3 = structuredClone(v2);
    v3.cveMetadata.dateUpdated = '2030-02-01T00:00:00.000Z';
    v3.containers.cna.affected = [{ vendor: 'Acme Updated', product: 'Widget Nine', versions: [{ version: '1.0', status: 'affected' }] }];
    v3.containers.cna.problemTypes = [{ descriptions: [{ lang: 'en', type: 'CWE', cweId: 'CWE-918', description: 'CWE-918 SSRF' }] }];
    v3.containers.cna.references = [{ url: 'https://example.org/advisory-updated' }];
    assert.deepEqual((await store.writeBatch([recordWrite(JSON.stringify(v3))])).outcomes, ['updated']);
    const after3 = JSON.parse(derived(path, id));
    assert.deepEqual(after3[0].map((a: { vendor: string; product: string }) => [a.vendor, a.product]), [['Acme Updated', 'Widget Nine']]);
    assert.deepEqual(after3[1].map((c: { cwe_id: string; id_key: number }) => [c.cwe_id, c.id_key]), [['CWE-918', idKey(id)]]);
    // The new reference is found through the full text (its URL's words).
    assert.deepEqual((await store.search.search({ words: ['advisory', 'updated'], limit: 5 })).items.map((h) => h.cveId), [id]);
    const hits = await store.search.search({ vendors: ['acme updated'], limit: 5 });
    assert.deepEqual(hits.items.map((h) => h.cveId), [id]);
    await store.close();
  });

  test('an update sets an indexed column only when it changed: the rows and every index end as a fresh insert of the new version would leave them', async () => {
    const all = realRecordLines();
    const rejected = all.filter((l) => JSON.parse(l).cveMetadata.state === 'REJECTED').slice(0, 20);
    const published = all.slice(0, 200);
    // Each target CVE gets another real record's content as its next version: state, dates,
    // assigner, severity, score, has-fix and source change (or not) as real data has them.
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < published.length; i += 2) pairs.push([published[i], published[i + 1]]);
    for (let i = 0; i < rejected.length; i++) pairs.push([published[100 + i], rejected[i]]);
    for (let i = 0; i < rejected.length; i++) pairs.push([rejected[i], published[150 + i]]);
    const nextVersion = ([target, content]: [string, string], n: number): string => {
      const r = JSON.parse(content);
      const id = JSON.parse(target).cveMetadata.cveId;
      r.cveMetadata.cveId = id;
      r.cveMetadata.dateUpdated = `2031-01-01T00:00:${String(n % 60).padStart(2, '0')}.000Z`;
      return JSON.stringify(r);
    };
    const seen = new Set<string>();
    const targets = pairs.filter(([t]) => !seen.has(JSON.parse(t).cveMetadata.cveId) && seen.add(JSON.parse(t).cveMetadata.cveId));
    const updatedPath = join(dir, 'updated.db');
    const freshPath = join(dir, 'fresh.db');
    const updated = await openStore(`sqlite:${updatedPath}`);
    const fresh = await openStore(`sqlite:${freshPath}`);
    await updated.migrate();
    await fresh.migrate();
    await updated.writeBatch(targets.map(([t]) => recordWrite(t, { source: 'first' })));
    const outcomes = (await updated.writeBatch(targets.map((p, n) => recordWrite(nextVersion(p, n), { source: 'second' })))).outcomes;
    assert.ok(outcomes.every((o) => o === 'updated'), JSON.stringify(outcomes));
    await fresh.writeBatch(targets.map((p, n) => recordWrite(nextVersion(p, n), { source: 'second' })));
    await updated.close();
    await fresh.close();
    const rows = (path: string) => {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        assert.equal(db.prepare('PRAGMA integrity_check').get()?.integrity_check, 'ok', `${path}: every index agrees with its table`);
        // Through each index of records, not the table: the values the searches read.
        const read = (index: string, cols: string) => JSON.stringify(db.prepare(`SELECT cve_id, ${cols} FROM records INDEXED BY ${index} ORDER BY cve_id`).all());
        return [
          JSON.stringify(db.prepare('SELECT * FROM records ORDER BY cve_id').all().map(({ version, last_version, arrived_at, ...rest }) => rest)),
          read('records_search_keys_idx', 'state, kev, has_fix, cvss_severity, cvss_score, date_published, date_updated, assigner_short_name'),
          read('records_severity_idx', 'cvss_severity, cvss_score, has_fix'),
          read('records_source_idx', 'source'),
        ];
      } finally {
        db.close();
      }
    };
    const [a, b] = [rows(updatedPath), rows(freshPath)];
    assert.deepEqual(a, b);
    const changedStates = targets.filter(([t, c]) => JSON.parse(t).cveMetadata.state !== JSON.parse(c).cveMetadata.state).length;
    assert.ok(changedStates >= 20, `${changedStates} updates change the state`);
  });
});
