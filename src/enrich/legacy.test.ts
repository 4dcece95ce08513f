import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { EnrichError } from './errors.ts';
import type { RecordIssue } from './errors.ts';
import { readCvrf } from './cvrf.ts';
import { readLegacyCsv } from './legacy-csv.ts';
import { readLegacyXml } from './legacy-xml.ts';
import type { LegacyEvent, LegacyXmlOptions } from './legacy-xml.ts';
import type { LegacyDocumentInfo, LegacyEntry } from './legacy.ts';
import { FIXTURES_DIR, MITRE_XML_DIR } from './test-data.ts';

const sample = (name: string) => readFileSync(join(MITRE_XML_DIR, name));

async function collect(events: AsyncIterable<LegacyEvent>) {
  const entries: LegacyEntry[] = [];
  const issues: RecordIssue[] = [];
  let info: LegacyDocumentInfo | undefined;
  for await (const ev of events) {
    if (ev.kind === 'entry') entries.push(ev.entry);
    else if (ev.kind === 'issue') issues.push(ev.issue);
    else info = ev.info;
  }
  return { entries, issues, info };
}

const xml = (text: string, opts?: LegacyXmlOptions) => collect(readLegacyXml(Buffer.from(text), opts));
const ITEM = '<item name="CVE-1999-0002" seq="1999-0002" type="CVE"><status>Entry</status><desc>Buffer overflow.</desc><refs/></item>';
const doc = (items: string) => `<?xml version="1.0"?>\n<cve xmlns="http://cve.mitre.org/cve/downloads/1.0">${items}</cve>`;

async function rejects(p: Promise<unknown>, code: string): Promise<EnrichError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof EnrichError, `expected EnrichError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('allitems.xml (cve_1.0)', () => {
  test('the real excerpt: candidate with phase, votes, comments; entries; CAN- original name', async () => {
    const { entries, issues, info } = await collect(readLegacyXml(sample('allitems-excerpt.vuls-data-update.xml')));
    assert.deepEqual(issues, []);
    assert.equal(info?.format, 'cve-1.0-xml');
    assert.deepEqual(entries.map((e) => [e.name, e.originalName, e.status]), [
      ['CVE-1999-0001', 'CAN-1999-0001', 'Candidate'],
      ['CVE-1999-0002', 'CVE-1999-0002', 'Entry'],
      ['CVE-1999-0003', 'CVE-1999-0003', 'Entry'],
    ]);
    const can = entries[0];
    assert.equal(can.phase, 'Modified');
    assert.equal(can.phaseDate, '2005-12-17');
    assert.deepEqual(can.references[2], { source: 'CONFIRM', url: 'http://www.openbsd.org/errata23.html#tcpfix', text: 'http://www.openbsd.org/errata23.html#tcpfix' });
    assert.deepEqual(can.references[0], { source: 'BUGTRAQ', text: '19981223 Re: CERT Advisory CA-98.13 - TCP/IP Denial of Service' });
    assert.deepEqual(can.votes, [
      { vote: 'modify', count: 1, voters: ['Frech'] },
      { vote: 'noop', count: 2, voters: ['Northcutt', 'Wall'] },
      { vote: 'reviewing', count: 1, voters: ['Christey'] },
    ]);
    assert.equal(can.comments.length, 3);
    assert.equal(can.comments[1].voter, 'Frech');
    // Entities decoded, the voter's line breaks kept.
    assert.match(can.comments[0].text, /^A Bugtraq posting indicates that the bug has to do with\n"short packets/);
    assert.match(can.comments[0].text, /lines 388&446/);
    assert.deepEqual(can.markers, { reserved: false, rejected: false, disputed: false });
    assert.deepEqual(can.replacements, []);
    assert.equal(can.source.format, 'cve-1.0-xml');
    assert.equal(can.source.line, 3);
    assert.equal(entries[2].references.length, 7);
  });

  test('RESERVED candidate, empty refs/votes/comments, other namespace; 2021 candidate', async () => {
    const stucco = await collect(readLegacyXml(sample('stucco-test-excerpt.xml')));
    const reserved = stucco.entries[1];
    assert.equal(reserved.name, 'CVE-2011-0528');
    assert.equal(reserved.originalName, 'CAN-2011-0528');
    assert.equal(reserved.markers.reserved, true);
    assert.deepEqual([reserved.references, reserved.votes, reserved.comments], [[], [], []]);
    const one = await collect(readLegacyXml(sample('CVE-2021-32819.item.xml')));
    assert.equal(one.entries[0].phaseDate, '2021-05-12');
    assert.equal(one.entries[0].references.length, 2);
  });

  test('gzip gives the same entries; a cut gzip is ENRICH_GZIP', async () => {
    const plain = await collect(readLegacyXml(sample('allitems-excerpt.vuls-data-update.xml')));
    const gz = gzipSync(sample('allitems-excerpt.vuls-data-update.xml'));
    assert.deepEqual((await collect(readLegacyXml(gz))).entries, plain.entries);
    await rejects(collect(readLegacyXml(gz.subarray(0, gz.length - 20))), 'ENRICH_GZIP');
  });

  test('REJECT texts give markers and replacements, DISPUTED gives no replacement', async () => {
    const { entries } = await xml(
      doc(
        `<item name="CVE-1999-0020" seq="1999-0020" type="CAN"><status>Candidate</status><phase date="20050203">Modified</phase><desc>** REJECT **  DO NOT USE THIS CANDIDATE NUMBER.  ConsultIDs: CVE-1999-0032.  Reason: This candidate is a duplicate of CVE-1999-0032.</desc><refs/></item>` +
          `<item name="CVE-1999-0282" seq="1999-0282" type="CAN"><status>Candidate</status><desc>** REJECT **  DO NOT USE THIS CANDIDATE NUMBER.  ConsultIDs: CVE-1999-1584, CVE-1999-1586.  Reason: combined.</desc><refs/></item>` +
          `<item name="CVE-2005-0001" seq="2005-0001" type="CVE"><status>Entry</status><desc>** DISPUTED ** Foo. NOTE: the vendor says it is CVE-2005-0002.</desc><refs/></item>`,
      ),
    );
    assert.deepEqual(entries[0].replacements, [{ kind: 'duplicate-of', target: 'CVE-1999-0032', from: 'rejectedReasons' }]);
    assert.deepEqual(entries[1].replacements.map((r) => [r.kind, r.target]), [['replaced-by', 'CVE-1999-1584'], ['replaced-by', 'CVE-1999-1586']]);
    assert.deepEqual(entries[2].markers, { reserved: false, rejected: false, disputed: true });
    assert.deepEqual(entries[2].replacements, []);
  });

  test('a bad item is skipped with a precise issue; the others are read', async () => {
    const { entries, issues } = await xml(
      doc(
        `${ITEM}<item seq="1999-0009" type="CVE"><status>Entry</status><desc>x</desc><refs/></item>` +
          `<item name="CVE-1999-0010" type="CAN"><status>Pending</status><desc>x</desc><refs/></item>` +
          `<item name="CVE-1999-0011" type="CAN"><status>Candidate</status><phase date="20051399">Modified</phase><desc>x</desc><refs/></item>` +
          `<item name="CVE-1999-0012" type="CVE"><status>Entry</status><refs/></item>` +
          `<item name="CVE-19-12" type="CVE"><status>Entry</status><desc>x</desc><refs/></item>${ITEM}`,
      ),
    );
    assert.equal(entries.length, 2);
    assert.deepEqual(issues.map((i) => [i.code, i.record, i.field]), [
      ['FIELD_MISSING', 'item[1]', '@name'],
      ['FIELD_INVALID', 'item[2]', 'status'],
      ['FIELD_INVALID', 'item[3]', 'phase/@date'],
      ['FIELD_MISSING', 'item[4]', 'desc'],
      ['FIELD_INVALID', 'item[5]', '@name'],
    ]);
    assert.match(issues[0].message, /^line 2: item\[1\]\.@name is missing$/);
    assert.match(issues[1].message, /status is "Pending", not Entry or Candidate \(CVE-1999-0010\)/);
    assert.ok(issues.every((i) => i.severity === 'error' && i.source === 'mitre-xml' && i.line === 2));
  });
});

describe('XML safety (hostile files)', () => {
  test('XXE: an external entity naming a secret file is refused and never read', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'cvekit-xxe-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const secretPath = join(dir, 'secret.txt');
    const secret = 'TOP-SECRET-7f3a9c';
    writeFileSync(secretPath, secret);
    const hostile = `<?xml version="1.0"?>\n<!DOCTYPE cve [<!ENTITY xxe SYSTEM "file://${secretPath}">]>\n<cve><item name="CVE-1999-0001" seq="1999-0001" type="CVE"><status>Entry</status><desc>&xxe;</desc><refs/></item></cve>`;
    const err = await rejects(xml(hostile), 'ENRICH_XML_DOCTYPE');
    assert.ok(!err.message.includes(secret));
    assert.equal(err.line, 2);
    // Without the DOCTYPE the entity is simply undefined: an error, still nothing read.
    const undeclared = await rejects(xml(doc('<item name="CVE-1999-0001" seq="1999-0001" type="CVE"><status>Entry</status><desc>&xxe;</desc><refs/></item>')), 'ENRICH_XML');
    assert.ok(!undeclared.message.includes(secret));
    // Same for CVRF.
    const cvrf = `<!DOCTYPE cvrfdoc [<!ENTITY xxe SYSTEM "file://${secretPath}">]><cvrfdoc><Vulnerability><Title>CVE-1999-0001</Title><Notes><Note Type="Description">&xxe;</Note></Notes></Vulnerability></cvrfdoc>`;
    const e2 = await rejects(collect(readCvrf(Buffer.from(cvrf))), 'ENRICH_XML_DOCTYPE');
    assert.ok(!e2.message.includes(secret));
  });

  test('billion laughs: the DTD is refused before any expansion', async () => {
    let dtd = '<!ENTITY lol0 "lol">';
    for (let i = 1; i <= 9; i++) dtd += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
    const bomb = `<?xml version="1.0"?><!DOCTYPE cve [${dtd}]><cve><item name="CVE-1999-0001" type="CVE"><status>Entry</status><desc>&lol9;</desc><refs/></item></cve>`;
    const before = process.memoryUsage().heapUsed;
    await rejects(xml(bomb), 'ENRICH_XML_DOCTYPE');
    assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024);
  });

  test('nesting deeper than the limit', async () => {
    const deep = `${'<x>'.repeat(100_000)}${'</x>'.repeat(100_000)}`;
    const err = await rejects(xml(doc(`<item name="CVE-1999-0001" type="CVE"><status>Entry</status><desc>${deep}</desc><refs/></item>`)), 'ENRICH_XML_TOO_DEEP');
    assert.match(err.message, /deeper than 32/);
    await rejects(xml(doc(ITEM), { maxDepth: 2 }), 'ENRICH_XML_TOO_DEEP');
  });

  test('text, attribute and record size limits', async () => {
    const big = 'A'.repeat(2 * 1024 * 1024);
    await rejects(xml(doc(`<item name="CVE-1999-0001" type="CVE"><status>Entry</status><desc>${big}</desc><refs/></item>`)), 'ENRICH_XML_TEXT_TOO_LARGE');
    await rejects(xml(doc(`<item name="CVE-1999-0001" type="CVE" junk="${big}"><status>Entry</status><desc>x</desc><refs/></item>`)), 'ENRICH_XML_TEXT_TOO_LARGE');
    await rejects(xml(doc(`<!--${big}-->${ITEM}`)), 'ENRICH_XML_TEXT_TOO_LARGE');
    const manyRefs = `<ref source="X">${'r'.repeat(1000)}</ref>`.repeat(200);
    await rejects(xml(doc(`<item name="CVE-1999-0001" type="CVE"><status>Entry</status><desc>x</desc><refs>${manyRefs}</refs></item>`), { maxRecordChars: 100_000 }), 'ENRICH_XML_RECORD_TOO_LARGE');
    // Within the limits the same shapes are fine.
    const ok = await xml(doc(`<item name="CVE-1999-0001" type="CVE"><status>Entry</status><desc>x</desc><refs>${manyRefs}</refs></item>`));
    assert.equal(ok.entries[0].references.length, 200);
  });

  test('truncated, wrong root, not XML, unsupported encoding, empty', async () => {
    const text = doc(ITEM + ITEM);
    const err = await rejects(xml(text.slice(0, text.length - 30)), 'ENRICH_XML_TRUNCATED');
    assert.match(err.message, /ends inside <cve>/);
    await rejects(xml('<html><body/></html>'), 'ENRICH_XML_ROOT');
    await rejects(xml('{"cve": []}'), 'ENRICH_XML');
    await rejects(xml('<?xml version="1.0" encoding="EBCDIC-US"?><cve/>'), 'ENRICH_XML_ENCODING');
    await rejects(xml(''), 'ENRICH_XML_TRUNCATED');
    await rejects(xml(doc(ITEM).replace('</desc>', '</dsc>')), 'ENRICH_XML');
  });

  test('an ISO-8859-1 file is decoded as declared', async () => {
    const latin = Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?><cve><item name="CVE-1999-0001" type="CVE"><status>Entry</status><desc>caf\xe9</desc><refs/></item></cve>`, 'latin1');
    assert.equal((await xml(latin.toString('latin1'))).entries.length, 1);
    const { entries } = await collect(readLegacyXml(latin));
    assert.equal(entries[0].description, 'café');
  });
});

describe('allitems-cvrf.xml (CVRF 1.1)', () => {
  test('all of 1999: 1,579 entries, notes, references, rejected ones with their replacements', async () => {
    const { entries, issues, info } = await collect(readCvrf(sample('allitems-cvrf-year-1999.xml')));
    assert.deepEqual(issues, []);
    assert.equal(entries.length, 1579);
    assert.deepEqual(info, { format: 'cvrf-1.1', title: 'CVE Output in CVRF 1.1: 20230416', version: '2023.04.16.23', date: '2023-04-16T23:19:05.000Z' });
    const first = entries[0];
    assert.equal(first.name, 'CVE-1999-0001');
    assert.equal(first.published, '2000-02-04');
    assert.equal(first.modified, '2005-12-16');
    assert.equal(first.source.ordinal, 1);
    assert.deepEqual(first.references[0], { source: 'BUGTRAQ', text: '19981223 Re: CERT Advisory CA-98.13 - TCP/IP Denial of Service' });
    assert.deepEqual(first.references[2], { source: 'CONFIRM', url: 'http://www.openbsd.org/errata23.html#tcpfix', text: 'http://www.openbsd.org/errata23.html#tcpfix' });
    const rejected = entries.filter((e) => e.markers.rejected);
    assert.equal(rejected.length, 39);
    const e20 = entries.find((e) => e.name === 'CVE-1999-0020');
    assert.deepEqual(e20?.replacements, [{ kind: 'duplicate-of', target: 'CVE-1999-0032', from: 'rejectedReasons' }]);
    const e282 = entries.find((e) => e.name === 'CVE-1999-0282');
    assert.deepEqual(e282?.replacements.map((r) => r.target), ['CVE-1999-1584', 'CVE-1999-1586']);
    // `ConsultIDs: none`: rejected without a replacement.
    assert.deepEqual(entries.find((e) => e.name === 'CVE-1999-1596')?.replacements, []);
    assert.ok(entries.every((e) => e.source.format === 'cvrf-1.1' && e.status === undefined));
  });

  test('the 2022 excerpt and a Vulnerability without a title', async () => {
    const { entries } = await collect(readCvrf(sample('allitems-cvrf-excerpt.vuls-data-update.xml')));
    assert.equal(entries[0].name, 'CVE-2021-36622');
    assert.deepEqual(entries[0].references, [{ source: 'EXPLOIT-DB', url: 'https://www.exploit-db.com/exploits/50114', text: 'Exploit Database' }]);
    const bad = await collect(
      readCvrf(Buffer.from('<cvrfdoc><Vulnerability Ordinal="1"><Notes><Note Type="Description">x</Note></Notes></Vulnerability><Vulnerability><Title>CVE-1999-0002</Title><Notes><Note Type="Description">y</Note><Note Title="Published" Type="Other">not a date</Note></Notes></Vulnerability></cvrfdoc>')),
    );
    assert.deepEqual(bad.issues.map((i) => [i.code, i.path]), [
      ['FIELD_MISSING', 'Vulnerability[0].Title'],
      ['FIELD_INVALID', 'Vulnerability[1].Notes/Note[@Title="Published"]'],
    ]);
  });
});

describe('allitems.csv', () => {
  test('the fixture: header facts, entries as in the XML, markers, replacements, bad rows', async () => {
    const { entries, issues, info } = await collect(readLegacyCsv(readFileSync(join(FIXTURES_DIR, 'allitems.csv'))));
    assert.deepEqual(info, { format: 'allitems-csv', version: '20061101', date: '2023-04-16T00:00:00.000Z' });
    assert.equal(entries.length, 9);
    const fromXml = (await collect(readLegacyXml(sample('allitems-excerpt.vuls-data-update.xml')))).entries;
    // Same facts as the XML (comments differ in layout only, line breaks aside).
    for (let i = 0; i < 3; i++) {
      const [c, x] = [entries[i], fromXml[i]];
      assert.deepEqual([c.name, c.originalName, c.status, c.phase, c.phaseDate, c.description, c.references, c.votes], [x.name, x.originalName, x.status, x.phase, x.phaseDate, x.description, x.references, x.votes]);
      assert.deepEqual(c.comments.map((k) => k.voter), x.comments.map((k) => k.voter));
    }
    assert.deepEqual(entries[3].replacements, [{ kind: 'duplicate-of', target: 'CVE-1999-0032', from: 'rejectedReasons' }]);
    assert.deepEqual(entries[4].replacements.map((r) => r.target), ['CVE-1999-1584', 'CVE-1999-1586']);
    assert.deepEqual(entries[5].replacements, []);
    assert.equal(entries[6].markers.reserved, true);
    assert.deepEqual(entries[7].markers, { reserved: false, rejected: false, disputed: true });
    assert.deepEqual(entries[7].replacements, []);
    assert.deepEqual([entries[8].name, entries[8].originalName], ['CVE-2002-9999', 'CAN-2002-9999']);
    assert.deepEqual(issues.map((i) => [i.code, i.line, i.field]), [
      ['FIELD_INVALID', 15, 'Name'],
      ['RECORD_MALFORMED', 16, undefined],
    ]);
    assert.equal(issues[1].message, 'line 16 has 3 fields, expected 7 (CVE-2003-0001)');
  });

  test('no header, a bad quote', async () => {
    await rejects(collect(readLegacyCsv(Buffer.from('a,b\n1,2\n'))), 'ENRICH_LEGACY_CSV_HEADER');
    await rejects(collect(readLegacyCsv(Buffer.from('Name,Status,Description,References,Phase,Votes,Comments\nCVE-1999-0001,Entry,"open\n'))), 'ENRICH_CSV');
  });
});
