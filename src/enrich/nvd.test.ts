import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { EnrichError } from './errors.ts';
import { JsonObjectStream } from './json-stream.ts';
import { parseNvd, readNvd } from './nvd.ts';
import { NVD_DIR } from './test-data.ts';
import { nvdEnvelope, nvdPageChunks, toNvdCve } from '../formats/index.ts';
import type { NvdCvssMetric } from '../formats/index.ts';
import { realRecords } from '../formats/testing.ts';

const file = (p: string) => readFileSync(join(NVD_DIR, p));
const api = (p: string) => file(join('vuls-data-update/api', p));
const cveLines = () => readFileSync(join(NVD_DIR, 'cves.jsonl'), 'utf8').trim().split('\n');

/** A document in chunks of `size` bytes: every boundary case of the streaming reader. */
async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('NVD CVE API 2.0 and 2.0 feeds', () => {
  test('a full API page: envelope for the sync, 38 records', async () => {
    const d = await parseNvd(file('vunnel/full-page.json'));
    assert.deepEqual(d.envelope, { format: 'NVD_CVE', version: '2.0', timestamp: '2023-10-18T18:04:18.493Z', resultsPerPage: 38, startIndex: 0, totalResults: 38 });
    assert.equal(d.cves.length, 38);
    assert.deepEqual(d.issues, []);
    assert.deepEqual(d.counts, { read: 38, ok: 38, skipped: 0, warnings: 0 });
  });

  test('one record, mapped field by field', async () => {
    const [r] = (await parseNvd(file('vunnel/single-entry.json'))).cves;
    assert.equal(r.cveId, 'CVE-2022-1576');
    assert.equal(r.sourceIdentifier, 'contact@wpscan.com');
    assert.equal(r.published, '2022-07-11T13:15:08.503Z');
    assert.equal(r.vulnStatus, 'Modified');
    assert.equal(r.descriptions[0].lang, 'en');
    assert.deepEqual(r.metrics.map((m) => [m.cvssVersion, m.source, m.type, m.baseScore, m.baseSeverity]), [
      ['2.0', 'nvd@nist.gov', 'Primary', 4.3, 'MEDIUM'],
      ['3.1', 'nvd@nist.gov', 'Primary', 6.5, 'MEDIUM'],
    ]);
    assert.equal(r.metrics[1].vector, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N');
    assert.equal(r.metrics[1].exploitabilityScore, 2.8);
    assert.ok(r.weaknesses[0].cweIds.every((c) => /^(CWE-\d+|NVD-CWE-\w+)$/.test(c)));
    assert.ok(r.configurations[0].nodes[0].cpeMatch[0].criteria.startsWith('cpe:2.3:a:'));
    assert.match(r.configurations[0].nodes[0].cpeMatch[0].matchCriteriaId ?? '', /^[0-9A-F-]{36}$/);
    assert.equal(typeof (r.raw as { id: string }).id, 'string');
  });

  test('every cves.jsonl record: statuses, metric versions, KEV fields, configurations', async () => {
    const body = `{"resultsPerPage":60,"startIndex":0,"totalResults":60,"format":"NVD_CVE","version":"2.0","timestamp":"2025-01-01T00:00:00.000","vulnerabilities":[${cveLines().map((l) => `{"cve":${l}}`).join(',')}]}`;
    const d = await parseNvd(Buffer.from(body));
    assert.deepEqual(d.issues, []);
    assert.equal(d.cves.length, 60);
    const count = (f: (r: (typeof d.cves)[number]) => boolean) => d.cves.filter(f).length;
    assert.deepEqual(
      ['Analyzed', 'Awaiting Analysis', 'Received', 'Modified', 'Deferred'].map((s) => count((r) => r.vulnStatus === s)),
      [26, 17, 8, 5, 4],
    );
    assert.equal(count((r) => r.metrics.some((m) => m.cvssVersion === '3.1')), 47);
    assert.equal(count((r) => r.metrics.some((m) => m.cvssVersion === '2.0')), 11);
    assert.equal(count((r) => r.metrics.some((m) => m.cvssVersion === '4.0')), 1);
    assert.equal(count((r) => r.configurations.length > 0), 35);
    const log4j = d.cves.find((r) => r.cveId === 'CVE-2021-44228' && r.kev);
    assert.deepEqual(log4j?.kev && { ...log4j.kev, requiredAction: undefined }, { dateAdded: '2021-12-10', dueDate: '2021-12-24', requiredAction: undefined, vulnerabilityName: 'Apache Log4j2 Remote Code Execution Vulnerability' });
    // SSVC stays in raw.
    assert.ok(d.cves.some((r) => (r.raw as { metrics: Record<string, unknown> }).metrics.ssvcV203));
  });

  test('streamed in chunks of any size, plain or gzip: the same records', async () => {
    const bytes = file('vuls-data-update/api/cve/ssvc_affected/0-1.json');
    const whole = await parseNvd(bytes);
    for (const size of [13, 4096]) assert.deepEqual((await parseNvd(chunked(bytes, size))).cves, whole.cves);
    assert.deepEqual((await parseNvd(chunked(gzipSync(bytes), 100))).cves, whole.cves);
    assert.ok(whole.cves[0].configurations.length > 0);
  });

  test('2.0 feeds, with the envelope members after the records too', async () => {
    const d = await parseNvd(file('vuls-data-update/feed/cve/v2/nvdcve-2.0-modified.json'));
    assert.equal(d.cves[0].vulnStatus, 'Modified');
    const reordered = JSON.parse(file('vuls-data-update/feed/cve/v2/nvdcve-2.0-2002.json').toString()) as Record<string, unknown>;
    const { vulnerabilities, ...rest } = reordered;
    const late = await parseNvd(Buffer.from(JSON.stringify({ vulnerabilities, ...rest })));
    assert.equal(late.envelope.totalResults, 4);
    assert.equal(late.cves.length, 4);
  });

  test('per-record errors name the record and the field, and reading goes on', async () => {
    const good = JSON.parse(cveLines()[0]) as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>) => JSON.stringify({ cve: { ...good, ...patch } });
    const items = [
      bad({}),
      bad({ id: undefined }),
      bad({ published: '2022-13-45T00:00:00' }),
      '{"cve": {"id": "CVE-2020-0001", broken',
      bad({ metrics: { cvssMetricV31: [{ source: 'x', type: 'Primary', cvssData: { version: '3.1', vectorString: 'CVSS:3.1/AV:N', baseScore: 11 } }] } }),
      bad({ vulnStatus: 'Undergoing Reanalysis' }),
      bad({ references: [{ source: 'x' }] }),
      bad({ id: 'CVE-2021-44228' }),
    ];
    // Item 3 is not JSON but has balanced braces after the fix below: make it balanced.
    items[3] = '{"cve": {"id": "CVE-2020-0001", "x": tru}}';
    const d = await parseNvd(Buffer.from(`{"format":"NVD_CVE","vulnerabilities":[${items.join(',')}]}`));
    assert.equal(d.cves.length, 3);
    assert.deepEqual(d.issues.map((i) => [i.code, i.severity, i.path]), [
      ['FIELD_MISSING', 'error', 'vulnerabilities[1].cve.id'],
      ['FIELD_INVALID', 'error', 'vulnerabilities[2].cve.published'],
      ['RECORD_MALFORMED', 'error', 'vulnerabilities[3]'],
      ['FIELD_INVALID', 'error', 'vulnerabilities[4].cve.metrics.cvssMetricV31[0].cvssData.baseScore'],
      ['FIELD_UNKNOWN_VALUE', 'warning', 'vulnerabilities[5].cve.vulnStatus'],
      ['FIELD_MISSING', 'error', 'vulnerabilities[6].cve.references[0].url'],
    ]);
    assert.equal(d.issues[0].message, 'vulnerabilities[1].cve.id is missing');
    assert.match(d.issues[1].message, /^vulnerabilities\[2\]\.cve\.published is not a date: "2022-13-45T00:00:00" \(CVE-/);
    assert.equal(d.cves[1].vulnStatus, 'Undergoing Reanalysis');
    assert.deepEqual(d.counts, { read: 8, ok: 3, skipped: 5, warnings: 1 });
  });

  test('a record over the size limit is skipped unread', async () => {
    const big = JSON.stringify({ cve: { id: 'CVE-2020-0001', pad: 'x'.repeat(50_000) } });
    const d = await parseNvd(chunked(Buffer.from(`{"vulnerabilities":[${big},{"cve":${cveLines()[0]}}]}`), 1000), { maxRecordChars: 10_000 });
    assert.deepEqual(d.issues.map((i) => [i.code, i.path]), [['RECORD_TOO_LARGE', 'vulnerabilities[0]']]);
    assert.equal(d.cves.length, 1);
  });

  test('broken documents throw EnrichError with a code', async () => {
    const codes = async (text: string | Uint8Array) => {
      try {
        await parseNvd(typeof text === 'string' ? Buffer.from(text) : text);
      } catch (err) {
        assert.ok(err instanceof EnrichError);
        return err.code;
      }
      return 'ok';
    };
    const page = file('vunnel/single-entry.json');
    assert.equal(await codes(page.subarray(0, page.length - 40)), 'ENRICH_JSON_TRUNCATED');
    assert.equal(await codes(gzipSync(page).subarray(0, 200)), 'ENRICH_GZIP');
    assert.equal(await codes('[1,2]'), 'ENRICH_JSON');
    assert.equal(await codes('{"hello": 1}'), 'ENRICH_NOT_NVD');
    assert.equal(await codes('{"vulnerabilities": [] } trailing'), 'ENRICH_JSON');
    assert.equal(await codes('{"totalResults": -3, "vulnerabilities": []}'), 'ENRICH_JSON');
    assert.equal(await codes(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), 'ENRICH_UTF8');
    assert.equal(await codes(''), 'ENRICH_JSON_TRUNCATED');
    assert.equal(await codes('{"vulnerabilities": [{"cve": {}} {"cve": {}}]}'), 'ENRICH_JSON');
  });

  test('readNvd yields records before the document ends (streaming)', async () => {
    const page = file('vunnel/full-page.json');
    let seen = 0;
    async function* slow(): AsyncGenerator<Uint8Array> {
      // Chunks of 64 KiB and more are scanned at once (smaller ones are gathered first).
      assert.ok(page.length > 2 * 70_000);
      yield page.subarray(0, page.length / 2);
      // By now the first half's records must be out.
      assert.ok(seen > 5, `only ${seen} records before the second half`);
      yield page.subarray(page.length / 2);
    }
    for await (const ev of readNvd(slow())) if (ev.kind === 'cve') seen++;
    assert.equal(seen, 38);
  });
});

describe('the streaming scanner', () => {
  test('element boundaries survive every split point (strings, escapes, nesting)', () => {
    const doc = '{"a": {"x": "}"}, "vulnerabilities": [ {"s": "q\\"]}\\\\", "n": [1, {"b": null}]}, 7, "str\\"ing", [[]] ], "z": true }';
    const expected = [...new JsonObjectStream({ streamed: new Set(['vulnerabilities']), what: 't' }).push(doc)];
    const s0 = new JsonObjectStream({ streamed: new Set(['vulnerabilities']), what: 't' });
    const all = [...s0.push(doc), ...s0.end()];
    assert.deepEqual(expected, []);
    assert.deepEqual(all.map((e) => (e.kind === 'item' ? JSON.parse(e.text) : e.kind === 'member' ? [e.key, e.value] : e)), [
      ['a', { x: '}' }],
      { s: 'q"]}\\', n: [1, { b: null }] },
      7,
      'str"ing',
      [[]],
      ['z', true],
    ]);
    for (let cut = 1; cut < doc.length; cut++) {
      const s = new JsonObjectStream({ streamed: new Set(['vulnerabilities']), what: 't', minRunChars: 1 });
      const got = [...s.push(doc.slice(0, cut)), ...s.push(doc.slice(cut)), ...s.end()];
      assert.deepEqual(got, all, `split at ${cut}`);
    }
    const one = new JsonObjectStream({ streamed: new Set(['vulnerabilities']), what: 't', minRunChars: 1 });
    const got: unknown[] = [];
    for (const ch of doc) got.push(...one.push(ch));
    got.push(...one.end());
    assert.deepEqual(got, all);
  });
});

describe('JSON errors inside a streamed document say where', () => {
  test('a bad element of an API answer: its place within the element, without V8\'s quotation of it', async () => {
    const d = await parseNvd(Buffer.from('{"vulnerabilities": [\n  {"cve": {"id": "CVE-2024-0001",\n  "x": tru}}\n]}'));
    assert.deepEqual(
      d.issues.map((i) => [i.code, i.message]),
      [['RECORD_MALFORMED', 'vulnerabilities[0] is not valid JSON at its line 2 column 11: Unexpected token "}"']],
    );
  });

  test('a bad member outside the streamed array: the document\'s character the error is at', () => {
    const doc = '{"a": {"b": [1,,2]}, "vulnerabilities": []}';
    const s = new JsonObjectStream({ streamed: new Set(['vulnerabilities']), what: 'answer' });
    assert.throws(() => [...s.push(doc), ...s.end()], (err: Error) => {
      assert.equal(err.message, 'answer: member "a" is not valid JSON (Unexpected token ",") at character 15');
      assert.equal(doc[15], ',');
      return true;
    });
  });
});

describe('NVD 1.1 feeds (legacy), mapped to the same record', () => {
  test('CVE_Items: ids, dates, metrics, weaknesses, configurations with children', async () => {
    const d = await parseNvd(file('vuls-data-update/feed/cve/v1/nvdcve-1.1-2021.json'));
    assert.deepEqual(d.issues, []);
    assert.equal(d.envelope.format, 'NVD_CVE_FEED_1.1');
    const r = d.cves[0];
    assert.equal(r.format, 'feed-1.1');
    assert.equal(r.cveId, 'CVE-2021-30560');
    assert.deepEqual(r.metrics.map((m) => [m.cvssVersion, m.baseScore, m.baseSeverity]), [
      ['3.1', 8.8, 'HIGH'],
      ['2.0', 6.8, 'MEDIUM'],
    ]);
    assert.deepEqual(r.weaknesses, [{ source: 'nvd@nist.gov', type: 'Primary', cweIds: ['CWE-416'] }]);
    assert.equal(r.configurations[0].nodes[0].cpeMatch[0].versionEndExcluding, '91.0.4472.164');
    assert.equal(r.references[0].refsource, 'MISC');
    const old = await parseNvd(file('vuls-data-update/feed/cve/v1/nvdcve-1.1-2002.json'));
    assert.equal(old.cves[0].published, '1988-10-01T04:00:00.000Z');
    assert.equal(old.envelope.totalResults, 4);
    assert.equal(old.envelope.timestamp, '2025-01-01T00:00:00.000Z');
  });
});

describe('CVE Change History, CPE and CPE match', () => {
  test('change events, object values kept, a path-like change id refused', async () => {
    const d = await parseNvd(api('cvehistory/changedate/0-1.json'));
    assert.equal(d.envelope.format, 'NVD_CVEHistory');
    assert.deepEqual(d.changes.map((c) => c.eventName).slice(0, 3), ['CVE Rejected', 'New CVE Received', 'CVE Modified']);
    assert.deepEqual(d.changes[2].details[0], { action: 'Changed', type: 'Description', oldValue: 'Rejected reason: REJECTED', newValue: 'Rejected reason: This is REJECTED.' });
    const objects = await parseNvd(api('cvehistory/nonstring_values/0-1.json'));
    assert.deepEqual(objects.changes[0].details[1].newValue, { baseScore: 9.8, baseSeverity: 'CRITICAL' });
    const hostile = await parseNvd(api('cvehistory/invalid_id/0-1.json'));
    assert.equal(hostile.changes.length, 0);
    assert.equal(hostile.issues[0].path, 'cveChanges[0].change.cveChangeId');
    assert.match(hostile.issues[0].message, /is not a UUID: "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" \(CVE-2024-6488\)$/);
  });

  test('CPE products and match strings (API and feeds)', async () => {
    const cpe = await parseNvd(api('cpe/1_item/0-1.json'));
    assert.deepEqual(cpe.products[0].titles, [{ title: 'PHPGurukul Beauty Parlour Management System 1.0', lang: 'en' }]);
    assert.equal(cpe.products[0].deprecates[0].cpeNameId, 'E3E9F349-1464-4CA4-8B51-AE71F71F6027');
    const match = await parseNvd(api('cpematch/1_item/0-1.json'));
    assert.equal(match.matchStrings[0].versionEndIncluding, '2.1.3');
    assert.equal(match.matchStrings[0].matches.length, 7);
    const feed10 = await parseNvd(file('vuls-data-update/feed/cpematch/v1/nvdcpematch-1.0.json'));
    assert.equal(feed10.envelope.format, 'NVD_CPEMATCH_FEED_1.0');
    assert.equal(feed10.matchStrings[3].criteria, 'cpe:2.3:a:\\$0.99_kindle_books_project:\\$0.99_kindle_books:6:*:*:*:*:android:*:*');
    const chunk = await parseNvd(file('vuls-data-update/feed/cpe/v2/nvdcpe-2.0/nvdcpe-2.0/nvdcpe-2.0-chunks/nvdcpe-2.0-chunk-00001.json'));
    // A 7-digit fraction of a second (`23:50:00.6127692`) is read to the millisecond.
    assert.equal(chunk.envelope.timestamp, '2025-06-24T23:50:00.612Z');
    assert.equal(chunk.products[0].titles[1].lang, 'ja');
  });
});

describe('bare NVD cve objects (cves.jsonl, arrays of them)', () => {
  const lines = cveLines();
  const ids = lines.map((l) => JSON.parse(l).id as string);

  test('the real cves.jsonl: 60 records, one per line, gzip too, in chunks of every size', async () => {
    const text = `${lines.join('\n')}\n`;
    for (const input of [Buffer.from(text), gzipSync(text), chunked(Buffer.from(text), 7), chunked(Buffer.from(text), 4096)]) {
      const d = await parseNvd(input);
      assert.deepEqual(d.cves.map((r) => r.cveId), ids);
      assert.deepEqual(d.counts, { read: 60, ok: 60, skipped: 0, warnings: 0 });
      assert.equal(d.envelope.format, 'NVD_CVE_JSONL');
    }
    // Each record is mapped as if it came in a `vulnerabilities` element.
    const fromPage = await parseNvd(Buffer.from(JSON.stringify({ format: 'NVD_CVE', version: '2.0', vulnerabilities: lines.map((l) => ({ cve: JSON.parse(l) })) })));
    assert.deepEqual((await parseNvd(Buffer.from(lines.join('\n')))).cves.map((r) => ({ ...r })), fromPage.cves.map((r) => ({ ...r })));
  });

  test('bad lines are reported with their line number and reason; the good ones are kept', async () => {
    const bad = [...lines.slice(0, 3)];
    bad.splice(1, 0, '{"id":"CVE-2024-0001","published":'); // cut short
    bad.splice(3, 0, '', '   '); // blank lines are no records
    bad.push('{"id":"CVE-2024-99999","sourceIdentifier":"x","published":"2024-01-01T00:00:00","lastModified":"2024-01-02T00:00:00","descriptions":"no"}');
    bad.push('"just a string"', '[1,2]', '{"id":"NOT-A-CVE","published":"2024-01-01T00:00:00","lastModified":"2024-01-01T00:00:00","descriptions":[]}');
    bad.push(lines[3]);
    const d = await parseNvd(Buffer.from(bad.join('\r\n')));
    assert.deepEqual(d.cves.map((r) => r.cveId), [ids[0], ids[1], ids[2], ids[3]]);
    assert.deepEqual(
      d.issues.map((i) => [i.line, i.code, i.record]),
      [
        [2, 'RECORD_MALFORMED', 'line 2'],
        [7, 'FIELD_INVALID', 'line 7'],
        [8, 'RECORD_MALFORMED', 'line 8'],
        [9, 'RECORD_MALFORMED', 'line 9'],
        [10, 'FIELD_INVALID', 'line 10'],
      ],
    );
    assert.equal(d.issues[0].message, 'line 2 is cut short at column 35: Unexpected end of JSON input');
    assert.match(d.issues[1].message, /^line 7, cve\.descriptions .*\(CVE-2024-99999\)$/);
    assert.match(d.issues[2].message, /line 8 is string, not an NVD cve object/);
    assert.match(d.issues[3].message, /line 9 is an array/);
    assert.deepEqual(d.counts, { read: 9, ok: 4, skipped: 5, warnings: 0 });
  });

  test('an array of cve objects, or of {"cve": …} items, pretty-printed; a cut array reports its last element', async () => {
    const objs = lines.slice(0, 5).map((l) => JSON.parse(l));
    const pretty = JSON.stringify(objs, null, 2);
    const a = await parseNvd(chunked(Buffer.from(pretty), 13));
    assert.deepEqual(a.cves.map((r) => r.cveId), ids.slice(0, 5));
    assert.equal(a.envelope.format, 'NVD_CVE_ARRAY');
    const wrapped = await parseNvd(Buffer.from(JSON.stringify(objs.map((cve) => ({ cve })))));
    assert.deepEqual(wrapped.cves.map((r) => r.cveId), ids.slice(0, 5));
    // The cut element is reported at the line of its "{" (line 1 is the "[").
    const at = pretty.indexOf(`"${ids[3]}"`);
    const cut = await parseNvd(Buffer.from(pretty.slice(0, at + 30)));
    assert.deepEqual(cut.cves.map((r) => r.cveId), ids.slice(0, 3));
    assert.equal(cut.issues.length, 1);
    assert.equal(cut.issues[0].line, pretty.slice(0, pretty.lastIndexOf('{', at)).split('\n').length);
    assert.match(cut.issues[0].message, /is cut short/);
    assert.deepEqual((await parseNvd(Buffer.from('[]'))).counts, { read: 0, ok: 0, skipped: 0, warnings: 0 });
  });

  test('pretty-printed cve objects one after another (not one per line)', async () => {
    const text = lines.slice(0, 4).map((l) => JSON.stringify(JSON.parse(l), null, 2)).join('\n');
    const d = await parseNvd(chunked(Buffer.from(text), 100));
    assert.deepEqual(d.cves.map((r) => r.cveId), ids.slice(0, 4));
    assert.deepEqual(d.issues, []);
  });

  test('an NVD document is still read as one (its first member decides)', async () => {
    const d = await parseNvd(file('vunnel/single-entry.json'));
    assert.equal(d.envelope.format, 'NVD_CVE');
    await assert.rejects(parseNvd(Buffer.from('{"hello":1}')), (e: unknown) => e instanceof EnrichError && e.code === 'ENRICH_NOT_NVD');
  });
});

describe('one NVD mapping: what cvekit writes as NVD, it reads back', () => {
  test('toNvdCve answers for 2,000 real records read back without an issue, field for field', async () => {
    const samples = realRecords().slice(0, 2000);
    const cves = samples.map((s) => toNvdCve(s.record, s.summary));
    const chunks: string[] = [];
    for await (const c of nvdPageChunks(nvdEnvelope({ totalResults: cves.length, startIndex: 0, resultsPerPage: cves.length, timestamp: '2025-01-24T14:00:00.000Z' }), cves)) chunks.push(c);
    const d = await parseNvd(Buffer.from(chunks.join('')));
    assert.deepEqual(d.issues.filter((i) => i.severity === 'error'), []);
    assert.equal(d.cves.length, cves.length);
    let metrics = 0;
    d.cves.forEach((r, i) => {
      const w = cves[i];
      assert.equal(r.cveId, w.id);
      assert.equal(r.lastModified, `${w.lastModified}Z`);
      assert.equal(r.vulnStatus, w.vulnStatus);
      assert.deepEqual(r.descriptions, w.descriptions);
      const written = Object.entries(w.metrics).flatMap(([, list]) => (list as NvdCvssMetric[]).map((m) => [m.source, m.type, m.cvssData.vectorString, m.cvssData.baseScore]));
      assert.deepEqual(new Set(r.metrics.map((m) => JSON.stringify([m.source, m.type, m.vector, m.baseScore]))), new Set(written.map((m) => JSON.stringify(m))));
      metrics += r.metrics.length;
      assert.deepEqual(r.weaknesses.map((x) => x.cweIds), (w.weaknesses ?? []).map((x) => x.description.map((d) => d.value)));
      assert.deepEqual(r.configurations.map((c) => c.nodes), (w.configurations ?? []).map((c) => c.nodes));
      assert.deepEqual(r.references.map((x) => x.url), w.references.map((x) => x.url));
    });
    assert.ok(metrics > 500, `${metrics} metrics compared`);
  });
});
