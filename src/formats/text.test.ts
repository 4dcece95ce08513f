import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractCveIds } from '../cve/index.ts';
import { contentAsOfLine, highestMetric, textListHeader, toText, toTextList, toTextListLine } from './index.ts';
import { BIG, CTX, STALE_CTX, TEXT_FORBIDDEN, hostileRecord, hostileRejected, realRecord, realRecords } from './testing.ts';

describe('plain text', () => {
  test('X1520-6.10, X1520-9.1, X1520-B.3.1: every sample record renders with its CVE name alone on line 1, the content date, and every CVE name it mentions searchable whole', () => {
    for (const { record, summary } of realRecords()) {
      const text = toText(record, summary, CTX);
      const lines = text.split('\n');
      assert.equal(lines[0], summary.cveId);
      assert.ok(lines.includes(contentAsOfLine(CTX)), summary.cveId);
      assert.doesNotMatch(text, TEXT_FORBIDDEN, summary.cveId);
      // Find (Ctrl-F) on any name the record carries finds it: nothing wraps or splits a name.
      for (const id of [summary.cveId, ...summary.replacements.map((r) => r.target), ...summary.related]) {
        assert.ok(extractCveIds(text).includes(id), `${summary.cveId}: ${id}`);
      }
    }
  });

  test('X1520-B.3.1: a record\'s parts are all in the text: title, description, affected table, decoded CVSS, named CWE, references, dates', () => {
    const { record, summary } = realRecord('CVE-2023-45632');
    const text = toText(record, summary, CTX, { cweNames: new Map([['CWE-79', 'Improper Neutralization of Input During Web Page Generation (\'Cross-site Scripting\')']]) });
    assert.match(text, /^State: PUBLISHED$/m);
    assert.match(text, /^Title: WordPress Video Player Plugin <= 1\.5\.22 is vulnerable to Cross Site Scripting \(XSS\)$/m);
    assert.match(text, /^Assigner: Patchstack \(21595511-bba5-4825-b968-b78d1f9984a3\)$/m);
    assert.match(text, /^Description \(en\):\n {2}Unauth\. Reflected Cross-Site Scripting/m);
    assert.match(text, /^ {2}Vendor +\| Product +\| Versions +\| Status +\| Source$/m);
    assert.match(text, /^ {2}WebDorado \| SpiderVPlayer \| <= 1\.5\.22 \(custom\) \| affected +\| cna$/m);
    assert.match(text, /^ {2}CVSS 3\.1 {2}7\.1 HIGH {2}CVSS:3\.1\/AV:N\/AC:L\/PR:N\/UI:R\/S:C\/C:L\/I:L\/A:L {2}\(cna\)$/m);
    assert.match(text, /Base: Attack Vector: Network; Attack Complexity: Low; Privileges Required: None; User Interaction: Required; Scope: Changed; Confidentiality: Low; Integrity: Low; Availability: Low$/m);
    assert.match(text, /^ {2}CWE-79 Improper Neutralization of Input During Web Page Generation \('Cross-site Scripting'\)$/m);
    assert.match(text, /^ {2}https:\/\/patchstack\.com\/database\/vulnerability\/player\/wordpress-spidervplayer-plugin-1-5-22-reflected-cross-site-scripting-xss-vulnerability\?_s_id=cve \[vdb-entry\]$/m);
    assert.match(text, /^ {2}Published: 2023-10-18T13:35:58\.871Z$/m);
    assert.match(text, /^ {2}Updated: 2024-09-12T18:09:22\.059Z$/m);
    assert.match(text, /^SSVC: Exploitation: none; Automatable: no; Technical Impact: partial$/m);
    assert.ok(text.endsWith('by cvekit.\n'));
  });

  test('CVSS v2.0 and v4.0 vectors are decoded too; a KEV record says so', () => {
    const v4 = realRecord('CVE-2005-10003');
    const t4 = toText(v4.record, v4.summary, CTX);
    assert.match(t4, /CVSS 4\.0 .*\n {4}Base: Attack Vector: Network; Attack Complexity: High; Attack Requirements: None;/);
    assert.match(t4, /CVSS 2\.0 .*\n {4}Base: Access Vector: Network; Access Complexity: High; Authentication: None; Confidentiality Impact: Partial;/);
    const kev = realRecord('CVE-2011-0611');
    assert.match(toText(kev.record, kev.summary, CTX), /^Known exploited \(CISA KEV\): added 2022-03-03 /m);
  });

  test('X1520-9.1, X1520-9.2: the content date line, out of date said', () => {
    const { record, summary } = realRecord('CVE-1999-0006');
    assert.match(toText(record, summary, CTX), /^CVE content as of 2025-01-24 14:00Z \(source cvelistV5, release 2025-01-24_at_1400Z\)$/m);
    assert.match(toText(record, summary, STALE_CTX), /^CVE content as of 2025-01-24 14:00Z .* — out of date: older than three months$/m);
    assert.match(toText(record, summary, { outOfDate: true, generatedAt: CTX.generatedAt }), /^CVE content as of: unknown/m);
  });

  test('X1520-7.7, X1520-7.8: a rejected name says so at the top with its replacements', () => {
    const { record, summary } = realRecord('CVE-2024-4810');
    const text = toText(record, summary, CTX);
    assert.match(text, /^CVE-2024-4810\nState: REJECTED\n/);
    assert.match(text, /^REJECTED: do not use CVE-2024-4810\. Use instead: CVE-2024-36015$/m);
    assert.match(text, /^ {2}Replaced by CVE-2024-36015 \(from replacedBy\)$/m);
    assert.match(text, /^Rejection reason \(en\):$/m);
    assert.match(text, /^ {2}Rejected: 2024-05-29T07:53:24\.899Z$/m);
  });

  test('hostile text: controls removed, bidi overrides shown not obeyed, markup left as inert text, 50 KB kept whole', () => {
    const h = hostileRecord();
    const text = toText(h.record, h.summary, CTX);
    assert.doesNotMatch(text, TEXT_FORBIDDEN);
    assert.match(text, /^Title: <script>alert\("t"\)<\/script> \]\]> invoice<U\+202E>gpj\.exe<U\+202C> \ufffd\ufffd$/m);
    assert.match(text, /^ {2}<img src=x onerror=alert\(1\)> & \]\]> --> <!-- "quoted" 'single' \ufffd\ufffd\n {2}line two\ttab invoice<U\+202E>gpj\.exe<U\+202C> see CVE-2021-44228$/m);
    assert.ok(text.includes(`-2+3 ${BIG}`));
    assert.match(text, /^ {2}=cmd\|' \/C calc'!A0 \| @SUM\(1\+1\) +\| 1\.0 to < 2\.0<script> \(semver\) \| affected +\| cna$/m);
    assert.match(text, /^ {4}vector not valid: /m);
    assert.match(text, /^Related CVE names: CVE-2021-44228$/m);
    assert.match(text, /^ {2}javascript:alert\(document\.cookie\) "<script>x<\/script>" \[exploit\]$/m);
    const r = hostileRejected();
    const rt = toText(r.record, r.summary, CTX);
    assert.doesNotMatch(rt, TEXT_FORBIDDEN);
    assert.match(rt, /Use instead: CVE-2099-0001/);
  });

  test('X1520-B.3.2: a list shows every record\'s CVE name first, one line each, with the content date on top', () => {
    const samples = realRecords();
    const list = toTextList('All records', samples.map((s) => s.summary), CTX);
    const lines = list.split('\n');
    assert.equal(lines[0], 'All records');
    assert.equal(lines[1], contentAsOfLine(CTX));
    assert.equal(lines[2], '');
    assert.equal(lines.length, 3 + samples.length + 1);
    samples.forEach((s, i) => {
      const line = lines[3 + i]!;
      assert.ok(line.startsWith(`${s.summary.cveId}  ${s.summary.state}`), line);
      assert.ok(line.length <= 300, s.summary.cveId);
      assert.doesNotMatch(line, TEXT_FORBIDDEN);
    });
    assert.equal(lines.at(-1), '');
    assert.equal(textListHeader('x\ny', CTX), `x y\n${contentAsOfLine(CTX)}\n\n`);
  });

  test('X1520-7.8: list lines of rejected names point at the replacements; scores and KEV shown', () => {
    assert.match(toTextListLine(realRecord('CVE-2024-4810').summary), /^CVE-2024-4810 {2}REJECTED {2}use CVE-2024-36015 {2}This CVE ID/);
    assert.match(toTextListLine(realRecord('CVE-2011-0611').summary), /^CVE-2011-0611 {2}PUBLISHED {2}CVSS 3\.1 8\.8 HIGH {2}KEV {2}/);
    const h = toTextListLine(hostileRecord().summary);
    assert.doesNotMatch(h, TEXT_FORBIDDEN);
    assert.ok(h.endsWith('…') || h.length < 250);
  });

  test('highestMetric: newest CVSS version, then highest score', () => {
    const m = (version: '2.0' | '3.0' | '3.1' | '4.0', baseScore: number) => ({ source: 'cna' as const, version, vectorString: '', baseScore, baseSeverity: '' });
    assert.equal(highestMetric([]), undefined);
    assert.deepEqual(highestMetric([m('2.0', 10), m('3.1', 5), m('3.0', 9)]), m('3.1', 5));
    assert.deepEqual(highestMetric([m('3.1', 5), m('3.1', 7.5), m('3.1', 6)]), m('3.1', 7.5));
    assert.deepEqual(highestMetric([m('3.1', 5), m('4.0', 1)]), m('4.0', 1));
  });
});
