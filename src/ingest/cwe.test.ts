import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { SaxesParser } from 'saxes';
import { CweError, importCwe, parseCweCsv, parseCweXml } from './cwe.ts';
import type { CweCatalog, CweXmlOptions } from './cwe.ts';
import { REPO_ROOT, sharedData } from '../../test/support/paths.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import type { TestStore } from '../../test/support/stores.ts';

const CWE_XML_GZ = sharedData('cwe', 'cwec_v4.15.xml.gz');
const CWE_CSV = sharedData('cwe', 'cwe-list-v4.15.csv');
const SAMPLE_CSV = join(REPO_ROOT, 'data', 'sample', 'cwe.csv');
const xmlBytes = gunzipSync(readFileSync(CWE_XML_GZ));

const XSS = "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')";

const countTypes = (c: CweCatalog) => {
  const n: Record<string, number> = {};
  for (const e of c.entries) n[e.type] = (n[e.type] ?? 0) + 1;
  return n;
};

function cweError(code: string, message: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof CweError, `expected CweError, got ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.code, code);
    return true;
  };
}

const parse = (text: string, opts?: CweXmlOptions) => parseCweXml(Buffer.from(text), opts);

describe('parseCweXml: the real catalog v4.15', () => {
  let gz: CweCatalog;
  before(async () => {
    gz = await parseCweXml(createReadStream(CWE_XML_GZ));
  });

  it('964 weaknesses, 409 categories, 54 views; version and date from the root', () => {
    assert.deepEqual(countTypes(gz), { weakness: 964, category: 409, view: 54 });
    assert.equal(gz.version, '4.15');
    assert.equal(gz.date, '2024-07-16');
    assert.deepEqual(gz.issues, []);
  });

  it('CWE-79 and others are read right', () => {
    const byId = new Map(gz.entries.map((e) => [e.id, e]));
    assert.deepEqual(byId.get('CWE-79'), {
      id: 'CWE-79',
      name: XSS,
      type: 'weakness',
      abstraction: 'Base',
      status: 'Stable',
      description:
        'The product does not neutralize or incorrectly neutralizes user-controllable input before it is placed in output that is used as a web page that is served to other users.',
    });
    assert.equal(byId.get('CWE-1000')?.name, 'Research Concepts');
    assert.equal(byId.get('CWE-1000')?.type, 'view');
    assert.equal(byId.get('CWE-1000')?.abstraction, undefined);
    assert.equal(byId.get('CWE-1')?.type, 'category');
    assert.equal(byId.get('CWE-1')?.status, 'Deprecated');
    assert.match(byId.get('CWE-1')?.description ?? '', /^This category has been deprecated\./);
    // Nested <Description> elements (a view's stakeholders) are not the entry's description.
    assert.match(byId.get('CWE-1000')?.description ?? '', /^This view is intended to facilitate research/);
  });

  it('plain XML, gzip and 1 KiB chunks give the same entries', async () => {
    const plain = await parseCweXml(xmlBytes);
    assert.deepEqual(plain.entries, gz.entries);
    const small = await parseCweXml(createReadStream(CWE_XML_GZ, { highWaterMark: 1024 }));
    assert.deepEqual(small.entries, gz.entries);
  });

  it('every entry equals the flat CSV row: same ids, names, types, status, abstraction, description', async () => {
    const csv = await parseCweCsv(readFileSync(CWE_CSV));
    assert.deepEqual(csv.issues, []);
    assert.deepEqual(countTypes(csv), { weakness: 964, category: 409, view: 54 });
    const fromCsv = new Map(csv.entries.map((e) => [e.id, e]));
    assert.equal(fromCsv.size, gz.entries.length);
    for (const e of gz.entries) assert.deepEqual(fromCsv.get(e.id), e, e.id);
  });
});

describe('parseCweCsv', () => {
  it('bad rows are reported and skipped', async () => {
    const text = [
      'type,id,name,abstraction,structure,status,childOf_view1000,description',
      'weakness,CWE-79,XSS,Base,Simple,Stable,CWE-74,"multi\nline"',
      'thing,CWE-1,x,,,,,',
      'weakness,79,x,,,,,',
      'weakness,CWE-2,,,,,,',
      'weakness,CWE-3',
      '',
    ].join('\n');
    const c = await parseCweCsv(text, { version: '4.15' });
    assert.deepEqual(c.entries, [{ id: 'CWE-79', name: 'XSS', type: 'weakness', abstraction: 'Base', status: 'Stable', description: 'multi line' }]);
    assert.equal(c.version, '4.15');
    assert.deepEqual(c.issues, [
      'line 4: type "thing" is not weakness, category or view, skipped',
      'line 5: id "79" is not CWE-NNN, skipped',
      'line 6: CWE-2 has no name, skipped',
      'line 7: expected 8 fields, got 2, skipped',
    ]);
  });

  it('a header without the needed columns', async () => {
    await assert.rejects(parseCweCsv('id,name\nCWE-79,XSS\n'), cweError('CWE_CSV', 'CWE CSV line 1: header lacks columns "type", "abstraction", "status", "description"'));
  });
});

describe('parseCweXml: hostile and broken XML', () => {
  let dir: string;
  let secretUrl: string;
  const SECRET = 'TOP-SECRET-7f3a9c';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cvekit-cwe-'));
    const secret = join(dir, 'secret.txt');
    writeFileSync(secret, SECRET);
    secretUrl = pathToFileURL(secret).href;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const catalog = (body: string, doctype = '') =>
    `<?xml version="1.0" encoding="UTF-8"?>\n${doctype}<Weakness_Catalog Name="CWE" Version="9.9" Date="2024-01-01">\n<Weaknesses>\n${body}\n</Weaknesses>\n</Weakness_Catalog>\n`;
  const weakness = (description: string) => `<Weakness ID="1" Name="Test" Abstraction="Base" Status="Draft"><Description>${description}</Description></Weakness>`;

  it('a small well-formed catalog parses (the baseline for the hostile variants)', async () => {
    const c = await parse(catalog(weakness('plain &amp; simple')));
    assert.deepEqual(c.entries, [{ id: 'CWE-1', name: 'Test', type: 'weakness', abstraction: 'Base', status: 'Draft', description: 'plain & simple' }]);
  });

  it('external entity (XXE): refused, the file is never read', async () => {
    const xxe = () => catalog(weakness('&xxe;'), `<!DOCTYPE Weakness_Catalog [\n<!ENTITY xxe SYSTEM "${secretUrl}">\n]>\n`);
    await assert.rejects(parse(xxe()), cweError('CWE_XML_DOCTYPE', 'CWE XML line 4: a DOCTYPE is not allowed (DTDs and entities are never read)'));
    // Even with the DOCTYPE let through, saxes does not fetch the entity: undefined, an error.
    await assert.rejects(parse(xxe(), { allowDoctype: true }), (err: unknown) => {
      assert.ok(err instanceof CweError);
      assert.equal(err.message, 'CWE XML line 7 column 81: undefined entity.');
      assert.ok(!err.message.includes(SECRET));
      return true;
    });
    const etc = catalog(weakness('&xxe;'), '<!DOCTYPE Weakness_Catalog [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n');
    await assert.rejects(parse(etc, { allowDoctype: true }), { message: /undefined entity/ });
  });

  it('external entity in an attribute and a parameter entity: never resolved', async () => {
    const attr = `<!DOCTYPE Weakness_Catalog [<!ENTITY xxe SYSTEM "${secretUrl}">]>\n`;
    const doc = catalog('<Weakness ID="1" Name="&xxe;" Status="Draft"/>', attr);
    await assert.rejects(parse(doc, { allowDoctype: true }), { message: /undefined entity/ });
    const param = `<!DOCTYPE Weakness_Catalog [<!ENTITY % p SYSTEM "${secretUrl}"> %p;]>\n`;
    const c = await parse(catalog(weakness('ok'), param), { allowDoctype: true });
    assert.ok(!JSON.stringify(c).includes(SECRET));
  });

  it('saxes itself: DTD-declared entities are not expanded, external ones not fetched', () => {
    const parser = new SaxesParser();
    const texts: string[] = [];
    const errors: string[] = [];
    parser.on('text', (t) => texts.push(t));
    parser.on('error', (e) => errors.push(e.message));
    parser.write(`<!DOCTYPE r [<!ENTITY xxe SYSTEM "${secretUrl}"><!ENTITY internal "expanded!">]><r>&xxe;|&internal;</r>`).close();
    assert.equal(errors.length, 2);
    assert.ok(errors.every((e) => e.endsWith('undefined entity.')));
    assert.ok(!texts.join('').includes(SECRET));
    assert.ok(!texts.join('').includes('expanded!'));
    assert.equal(parser.ENTITIES.xxe, undefined);
  });

  it('billion laughs: refused at the DOCTYPE; let through, nothing expands', async () => {
    let dtd = '<!DOCTYPE Weakness_Catalog [\n<!ENTITY lol "lol">\n';
    for (let i = 1; i <= 9; i++) dtd += `<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">\n`;
    dtd += ']>\n';
    const doc = catalog(weakness('&lol9;'), dtd);
    await assert.rejects(parse(doc), cweError('CWE_XML_DOCTYPE', 'CWE XML line 13: a DOCTYPE is not allowed (DTDs and entities are never read)'));
    await assert.rejects(parse(doc, { allowDoctype: true }), cweError('CWE_XML', 'CWE XML line 16 column 82: undefined entity.'));
  });

  it('nesting deeper than the limit', async () => {
    const deep = '<x>'.repeat(100) + '</x>'.repeat(100);
    await assert.rejects(parse(catalog(weakness(deep))), cweError('CWE_XML_TOO_DEEP', 'CWE XML line 4: elements nested deeper than 64'));
    await assert.rejects(parse(catalog('<a><b><c/></b></a>'), { maxDepth: 4 }), cweError('CWE_XML_TOO_DEEP', 'CWE XML line 4: elements nested deeper than 4'));
  });

  it('a huge text node: an error at the limit, before the input ends', async () => {
    let produced = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(catalog('').split('\n</Weaknesses>')[0] + '\n<Weakness ID="1" Name="x"><Description>');
      const chunk = Buffer.from('A'.repeat(64 * 1024));
      for (;;) {
        produced += chunk.length;
        yield chunk;
      }
    }
    await assert.rejects(parseCweXml(endless(), { maxTextLength: 1024 * 1024 }), cweError('CWE_XML_TEXT_TOO_LARGE', 'CWE XML line 5: more than 1048576 characters of text without markup'));
    assert.ok(produced < 2 * 1024 * 1024, `read ${produced} bytes`);
  });

  it('a huge attribute, comment or DOCTYPE is bounded the same way', async () => {
    const big = 'B'.repeat(200_000);
    const err = 'CWE XML line 4: more than 100000 characters of text without markup';
    await assert.rejects(parse(catalog(`<Weakness ID="1" Name="${big}"/>`), { maxTextLength: 100_000 }), cweError('CWE_XML_TEXT_TOO_LARGE', err));
    await assert.rejects(parse(catalog(`<!--${big}-->`), { maxTextLength: 100_000 }), cweError('CWE_XML_TEXT_TOO_LARGE', err));
    await assert.rejects(
      parse(catalog('', `<!DOCTYPE x [<!ENTITY a "${big}">]>`), { maxTextLength: 100_000 }),
      cweError('CWE_XML_TEXT_TOO_LARGE', 'CWE XML line 2: more than 100000 characters of text without markup'),
    );
  });

  it('a description split into many small text nodes is still bounded', async () => {
    const doc = catalog(weakness('<b>x</b>'.repeat(2000)));
    await assert.rejects(parse(doc, { maxTextLength: 1000 }), cweError('CWE_XML_TEXT_TOO_LARGE', 'CWE XML line 4: description longer than 1000 characters'));
  });

  it('more XML than allowed in total (a gzip bomb stops at the limit)', async () => {
    const bomb = gzipSync(Buffer.from(catalog(`<!--${' '.repeat(50)}-->\n`.repeat(200_000))));
    assert.ok(bomb.length < 100_000);
    await assert.rejects(parseCweXml(bomb, { maxChars: 1_000_000 }), cweError('CWE_XML_TOO_LARGE', 'CWE XML is larger than 1000000 characters'));
  });

  it('truncated XML names the line it ends on', async () => {
    const cut = xmlBytes.subarray(0, 5_000_000);
    await assert.rejects(parseCweXml(cut), cweError('CWE_XML_TRUNCATED', 'CWE XML is truncated: it ends at line 77303 inside <Entry_ID> (unclosed tag: Entry_ID)'));
    await assert.rejects(
      parse('<Weakness_Catalog Version="1">\n<Weaknesses>\n<Weakness ID="1" Name="x"'),
      cweError('CWE_XML_TRUNCATED', 'CWE XML is truncated: it ends at line 3 inside <Weaknesses> (unclosed tag: Weaknesses)'),
    );
  });

  it('truncated gzip', async () => {
    await assert.rejects(
      parseCweXml(readFileSync(CWE_XML_GZ).subarray(0, 500_000)),
      cweError('CWE_GZIP', 'CWE XML: the gzip data is truncated (unexpected end of file) after line 59266'),
    );
  });

  it('not XML, empty, another root, bad syntax, another encoding', async () => {
    await assert.rejects(parseCweXml(readFileSync(CWE_CSV)), cweError('CWE_XML', 'CWE XML line 1: not XML (it does not start with "<")'));
    await assert.rejects(parse(''), cweError('CWE_XML_TRUNCATED', 'CWE XML is empty'));
    await assert.rejects(parse('  \n'), cweError('CWE_XML_TRUNCATED', 'CWE XML is empty'));
    await assert.rejects(parse('<?xml version="1.0"?>\n<foo/>'), cweError('CWE_XML_ROOT', 'CWE XML line 2: the root element is <foo>, expected <Weakness_Catalog>'));
    await assert.rejects(parse(catalog('<Weakness ID="1" Name="x"></Category>')), cweError('CWE_XML', 'CWE XML line 4 column 37: unexpected close tag.'));
    await assert.rejects(parse('<?xml version="1.0" encoding="ISO-8859-1"?><Weakness_Catalog/>'), cweError('CWE_XML', 'CWE XML line 1: encoding "ISO-8859-1" is not supported (UTF-8 only)'));
  });

  it('entries without an ID or a Name are reported and skipped', async () => {
    const c = await parse(catalog('<Weakness Name="x"/>\n<Weakness ID="2"/>\n<Weakness ID="3" Name="ok"/>'));
    assert.deepEqual(c.entries, [{ id: 'CWE-3', name: 'ok', type: 'weakness' }]);
    assert.deepEqual(c.issues, ['line 4: weakness ID null is not a number, skipped', 'line 5: weakness CWE-2 has no Name, skipped']);
  });
});

for (const backend of testBackends()) {
  describe(`${backend}: importCwe`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
    });
    after(() => t.cleanup());

    it('the official XML: 1,427 entries, source cwe with version and date', async () => {
      const r = await importCwe(t.store, CWE_XML_GZ, { now: () => new Date('2024-07-20T00:00:00Z') });
      assert.deepEqual(
        { count: r.count, byType: r.byType, version: r.version, date: r.date, format: r.format, issues: r.issues },
        { count: 1427, byType: { weakness: 964, category: 409, view: 54 }, version: '4.15', date: '2024-07-16', format: 'xml', issues: [] },
      );
      assert.equal((await t.store.getCwe('CWE-79'))?.name, XSS);
      const many = await t.store.getCwes(['CWE-79', 'CWE-1000', 'CWE-1', 'CWE-999999']);
      assert.deepEqual([...many.keys()].sort(), ['CWE-1', 'CWE-1000', 'CWE-79']);
      assert.equal(many.get('CWE-1000')?.type, 'view');
      const source = await t.store.getSource('cwe');
      assert.equal(source?.kind, 'cwe');
      assert.equal(source?.release, '4.15');
      assert.equal(source?.contentDate, '2024-07-16');
      assert.equal(source?.lastSyncAt, '2024-07-20T00:00:00.000Z');
      assert.deepEqual(source?.counts, { entries: 1427, weaknesses: 964, categories: 409, views: 54, skipped: 0 });
    });

    it('the CSV: version from the file name, or from the options', async () => {
      const r = await importCwe(t.store, CWE_CSV);
      assert.equal(r.count, 1427);
      assert.equal(r.version, '4.15');
      assert.equal(r.format, 'csv');
      await assert.rejects(importCwe(t.store, SAMPLE_CSV), { name: 'CweError', code: 'CWE_NO_VERSION' });
      assert.equal((await t.store.getSource('cwe'))?.lastError, `${SAMPLE_CSV}: the CWE catalog version is unknown: pass it (e.g. { version: '4.15' })`);
      const s = await importCwe(t.store, SAMPLE_CSV, { version: '4.15', date: '2024-07-16' });
      assert.equal(s.count, 1427);
      assert.equal((await t.store.getCwe('CWE-79'))?.description?.startsWith('The product does not neutralize'), true);
      const source = await t.store.getSource('cwe');
      assert.equal(source?.location, SAMPLE_CSV);
      assert.equal(source?.lastError, undefined, 'a good sync clears it');
    });

    it('bytes without a name: the format is found from the content', async () => {
      const r = await importCwe(t.store, xmlBytes);
      assert.equal(r.format, 'xml');
      assert.equal(r.count, 1427);
    });
  });
}
