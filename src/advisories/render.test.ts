/**
 * advisoryToHtml and advisoryToText: hostile text in every field stays text, only http(s) URLs are
 * links, every CVE name covered is listed at the top of both (X1520-6.10, X1520-B.3.2), over built
 * advisories, the official examples and the real advisories.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { sharedData } from '../../test/support/paths.ts';
import { advisoryToHtml, advisoryToText, buildCsafAdvisory, reviseAdvisory } from './index.ts';
import type { AdvisoryInput, CsafDocument } from './index.ts';

const EVIL = `<script>alert(1)</script><img src=x onerror="alert(2)">'&amp;\u001b[31m`;

const hostile = (): AdvisoryInput => ({
  publisher: { name: `Publisher ${EVIL}`, namespace: 'https://psirt.example.com', contactDetails: EVIL },
  tracking: { id: `EX-${EVIL}`, title: `Title ${EVIL}`, status: 'final', date: '2025-06-01T10:00:00.000Z' },
  summary: `Summary ${EVIL}`,
  notes: [{ category: 'general', title: `Note ${EVIL}`, text: `Text ${EVIL}` }],
  references: [
    { category: 'external', summary: `Doc ref ${EVIL}`, url: 'javascript:alert(3)' },
    { category: 'external', summary: 'Safe ref', url: 'https://example.com/a?b=1&c=2' },
  ],
  vulnerabilities: [
    {
      cve: 'CVE-2025-1000',
      title: `Vuln ${EVIL}`,
      description: `Description ${EVIL}`,
      affected: [{ vendor: `Vendor ${EVIL}`, product: `Product ${EVIL}`, versions: [{ version: `1.0${EVIL}`, status: 'affected' }] }],
      cvss: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
      remediations: [{ details: `Fix ${EVIL}`, url: 'javascript:alert(4)' }],
      references: [
        { url: 'data:text/html,%3Cscript%3Ealert(5)%3C/script%3E', summary: `Ref ${EVIL}` },
        { url: 'JaVaScRiPt:alert(6)' },
        { url: 'http://example.com/x', summary: 'plain http' },
      ],
      credits: [{ name: `Finder ${EVIL}`, organization: `Org ${EVIL}`, type: 'finder' }],
      kev: { dateAdded: '2025-06-05', details: `KEV ${EVIL}` },
    },
    {
      cve: 'CVE-2025-1001',
      description: 'Second.',
      affected: [{ vendor: 'V', product: 'P', versions: [{ version: '2.0', status: 'affected' }] }],
    },
  ],
});

const ALLOWED_TAGS = new Set(['article', 'div', 'h1', 'h2', 'h3', 'dl', 'dt', 'dd', 'section', 'ul', 'li', 'p', 'br', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'code', 'strong', 'a']);
const ALLOWED_ATTRIBUTES = new Set(['class', 'href', 'rel', 'scope']);

/** Every tag is one of ours, with our attributes; every link is http(s). */
function assertOnlyOurMarkup(html: string): void {
  for (const m of html.matchAll(/<\/?([a-zA-Z0-9]+)((?:\s+[^\s=>]+="[^"]*")*)\s*\/?>/g)) {
    assert.ok(ALLOWED_TAGS.has(m[1]), `unexpected tag <${m[1]}>`);
    for (const a of m[2].matchAll(/\s+([^\s=]+)="([^"]*)"/g)) {
      assert.ok(ALLOWED_ATTRIBUTES.has(a[1]), `unexpected attribute ${a[1]}`);
      if (a[1] === 'href') assert.match(a[2], /^https?:\/\//);
    }
  }
  // Any '<' left over is not the start of a tag we emitted: there must be none.
  const stripped = html.replace(/<\/?([a-zA-Z0-9]+)((?:\s+[^\s=>]+="[^"]*")*)\s*\/?>/g, '');
  assert.ok(!stripped.includes('<') && !stripped.includes('>'), 'raw angle bracket in text');
}

describe('advisoryToHtml', () => {
  const doc = reviseAdvisory(buildCsafAdvisory(hostile()), { date: '2025-06-02T00:00:00.000Z', summary: `Revision ${EVIL}` });
  const html = advisoryToHtml(doc);

  test('HTML and script in every text field are escaped', () => {
    assertOnlyOurMarkup(html);
    assert.ok(!html.includes('<script'));
    assert.ok(!html.includes('<img'));
    const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;&#39;&amp;amp;';
    for (const where of ['Publisher ', 'EX-', 'Title ', 'Summary ', 'Note ', 'Text ', 'Doc ref ', 'Vuln ', 'Description ', 'Vendor ', 'Fix ', 'Ref ', 'Finder ', 'Org ', 'KEV ', 'Revision ']) {
      assert.ok(html.includes(`${where}${escaped}`), `${where.trim()} not escaped`);
    }
    // Product names and version text are escaped too (product status table).
    assert.ok(html.includes('1.0&lt;script&gt;'));
  });

  test('javascript:, data: and other non-http(s) URLs are not links; http(s) ones are', () => {
    assert.ok(!/href="(?!https?:)/i.test(html));
    assert.ok(!html.includes('href="javascript'));
    assert.ok(html.includes('javascript:alert(3)'), 'the URL is still shown, as text');
    assert.ok(html.includes('<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">Safe ref</a>'));
    assert.ok(html.includes('<a href="http://example.com/x" rel="noopener noreferrer nofollow">plain http</a>'));
  });

  test('a document that does not validate renders safely too (URLs with quotes and brackets)', () => {
    const bad = structuredClone(doc) as unknown as { vulnerabilities: { references: { url: string; summary: string }[] }[] };
    bad.vulnerabilities[0].references = [
      { url: 'https://example.com/"><script>alert(7)</script>', summary: 'quoted' },
      { url: 'javascript:"><svg onload=alert(8)>', summary: 'js' },
      { url: ' java\tscript:alert(9)', summary: 'spaced' },
    ];
    const out = advisoryToHtml(bad as unknown as CsafDocument);
    assertOnlyOurMarkup(out);
    assert.ok(!out.includes('<script') && !out.includes('<svg'));
    assert.ok(out.includes('href="https://example.com/%22%3E%3Cscript%3Ealert(7)%3C/script%3E"'));
  });

  test('CVE names covered come first, then each vulnerability with CWE, scores, status, remediation, credits, revision history', () => {
    const top = html.indexOf('<ul class="cve-names"><li>CVE-2025-1000</li><li>CVE-2025-1001</li></ul>');
    assert.ok(top > 0);
    assert.ok(top < html.indexOf('class="vulnerability"'));
    for (const text of ['CVSS 3.1', '9.8', 'CRITICAL', 'Known affected', 'Vendor fix', 'Acknowledgments', 'finder', 'Exploit status', 'Revision history', '>2<']) {
      assert.ok(html.includes(text), text);
    }
  });
});

describe('advisoryToText', () => {
  const doc = buildCsafAdvisory(hostile());
  const text = advisoryToText(doc);

  test('plain text: the same content, control characters removed, CVE names at the top', () => {
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text));
    assert.ok(text.includes('CVE names covered: CVE-2025-1000, CVE-2025-1001'));
    assert.ok(text.indexOf('CVE names covered') < text.indexOf('Description <script>'));
    for (const s of ['Title <script>', 'Advisory ID: EX-', 'Version: 1', 'Status: final', 'CVSS 3.1 base score 9.8 CRITICAL', 'Known affected: Vendor', 'Vendor fix: Fix', 'javascript:alert(4)', 'Finder <script>', 'Revision history']) {
      assert.ok(text.includes(s), s);
    }
  });
});

describe('every CVE name in both outputs, over the official examples and real advisories', () => {
  const base = sharedData('vectors', 'csaf-2.0');
  const files = [
    ...['examples/csaf', 'examples/csaf/csaf_vex', 'real-advisories'].flatMap((dir) =>
      readdirSync(`${base}/${dir}`).filter((f) => f.endsWith('.json')).map((f) => `${dir}/${f}`),
    ),
  ];
  for (const file of files) {
    test(file, () => {
      const doc = JSON.parse(readFileSync(`${base}/${file}`, 'utf8')) as CsafDocument;
      const names = [...new Set((doc.vulnerabilities ?? []).flatMap((v) => (v.cve === undefined ? [] : [v.cve])))];
      const html = advisoryToHtml(doc);
      const text = advisoryToText(doc);
      assertOnlyOurMarkup(html);
      const htmlTop = html.slice(html.indexOf('<section class="cve-names">'), html.indexOf('</section>') + 10);
      const textTop = text.split('\n').find((l) => l.startsWith('CVE names covered:'))!;
      for (const name of names) {
        assert.ok(htmlTop.includes(`<li>${name}</li>`), `${name} missing from the HTML list`);
        assert.ok(textTop.includes(name), `${name} missing from the text list`);
      }
      if (names.length === 0) assert.equal(textTop, 'CVE names covered: none');
    });
  }
});
