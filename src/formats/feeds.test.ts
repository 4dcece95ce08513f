import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { xmllint } from '../../test/support/xmllint.ts';
import { atomFeed, contentAsOfLine, feedEntryOf, rssFeed } from './index.ts';
import type { FeedOptions } from './index.ts';
import type { RecordSummary } from '../cve/index.ts';
import { BIG, CTX, TEXT_FORBIDDEN, XML_FORBIDDEN, child, childrenNamed, hostileRecord, hostileRejected, parseXml, realRecord, realRecords } from './testing.ts';

const SELF = 'https://cve.example/feeds/updated.atom?vendor=apache';

function options(): FeedOptions {
  const summaries = [
    ...realRecords().slice(-200).map((s) => s.summary),
    realRecord('CVE-2024-4810').summary,
    hostileRecord().summary,
    hostileRejected().summary,
  ];
  return { title: 'cvekit: updated CVE records <&>', selfUrl: SELF, updated: '2025-01-25T08:00:00Z', entries: summaries.map(feedEntryOf), content: CTX };
}

const textOf = (n: ReturnType<typeof parseXml> | undefined): string => n?.text ?? '';

describe('feeds', () => {
  test('X1520-6.10, X1520-9.1: Atom is well-formed, has RFC 4287\'s required elements, states the content date, titles every entry with its CVE name', () => {
    const opts = options();
    const xml = atomFeed(opts);
    const lint = xmllint(xml);
    assert.equal(lint.ok, true, lint.messages);
    assert.doesNotMatch(xml, XML_FORBIDDEN);
    const feed = parseXml(xml);
    assert.equal(feed.name, 'feed');
    assert.equal(feed.attrs.xmlns, 'http://www.w3.org/2005/Atom');
    // RFC 4287 §4.1.1: atom:feed has exactly one id, title, updated; an author (or every entry has one); a self link (SHOULD).
    for (const name of ['id', 'title', 'updated', 'author']) assert.equal(childrenNamed(feed, name).length, 1, name);
    assert.equal(textOf(child(feed, 'title')), 'cvekit: updated CVE records <&>');
    assert.equal(textOf(child(feed, 'subtitle')), contentAsOfLine(CTX));
    assert.match(textOf(child(feed, 'updated')), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.ok(childrenNamed(feed, 'link').some((l) => l.attrs.rel === 'self' && l.attrs.href === SELF));
    const entries = childrenNamed(feed, 'entry');
    assert.equal(entries.length, opts.entries.length);
    entries.forEach((e, i) => {
      const cveId = opts.entries[i]!.cveId;
      for (const name of ['id', 'title', 'updated', 'summary']) assert.equal(childrenNamed(e, name).length, 1, `${cveId} ${name}`);
      assert.ok(textOf(child(e, 'title')).startsWith(cveId), textOf(child(e, 'title')));
      assert.match(textOf(child(e, 'title')), /^CVE-\d{4}-\d{4,}(: |$)/);
      const link = childrenNamed(e, 'link').find((l) => l.attrs.rel === 'alternate')!;
      assert.equal(link.attrs.href, `https://cve.example/cve/${cveId}`);
      assert.equal(textOf(child(e, 'id')), `https://cve.example/cve/${cveId}`);
      assert.match(textOf(child(e, 'updated')), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(['new', 'updated', 'rejected'].includes(child(e, 'category')!.attrs.term!));
      assert.doesNotMatch(textOf(child(e, 'title')) + textOf(child(e, 'summary')), TEXT_FORBIDDEN);
    });
  });

  test('X1520-6.10, X1520-9.1: RSS 2.0 is well-formed with channel title/link/description (content date) and items titled by CVE name', () => {
    const opts = options();
    const xml = rssFeed({ ...opts, selfUrl: 'https://cve.example/feeds/updated.rss' });
    const lint = xmllint(xml);
    assert.equal(lint.ok, true, lint.messages);
    const rss = parseXml(xml);
    assert.equal(rss.name, 'rss');
    assert.equal(rss.attrs.version, '2.0');
    const channel = child(rss, 'channel')!;
    for (const name of ['title', 'link', 'description', 'lastBuildDate']) assert.equal(childrenNamed(channel, name).length, 1, name);
    assert.ok(textOf(child(channel, 'description')).includes(contentAsOfLine(CTX)));
    assert.equal(textOf(child(channel, 'lastBuildDate')), 'Sat, 25 Jan 2025 08:00:00 GMT');
    assert.equal(child(channel, 'atom:link')!.attrs.href, 'https://cve.example/feeds/updated.rss');
    const items = childrenNamed(channel, 'item');
    assert.equal(items.length, opts.entries.length);
    const guids = new Set<string>();
    items.forEach((it, i) => {
      const e = opts.entries[i]!;
      assert.ok(textOf(child(it, 'title')).startsWith(e.cveId));
      assert.equal(textOf(child(it, 'link')), `https://cve.example/cve/${e.cveId}`);
      assert.match(textOf(child(it, 'pubDate')), /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
      guids.add(textOf(child(it, 'guid')));
    });
    assert.equal(guids.size, items.length);
  });

  test('X1520-7.8: entries of rejected names say REJECTED and name the replacements; kinds new/updated/rejected', () => {
    const rejected = feedEntryOf(realRecord('CVE-2024-4810').summary);
    assert.equal(rejected.kind, 'rejected');
    assert.equal(rejected.title, 'REJECTED, use CVE-2024-36015');
    assert.match(rejected.summary, /^REJECTED: use CVE-2024-36015\. This CVE ID has been rejected/);
    const xml = atomFeed({ ...options(), entries: [rejected] });
    assert.match(xml, /<title>CVE-2024-4810: REJECTED, use CVE-2024-36015<\/title>/);
    const kev = feedEntryOf(realRecord('CVE-2011-0611').summary);
    assert.equal(kev.kind, 'updated');
    assert.match(kev.summary, /^CVSS 3\.1 8\.8 HIGH\. Known exploited \(CISA KEV, added 2022-03-03\)\. /);
    assert.equal(kev.author, 'adobe');
    const fresh = feedEntryOf({ ...realRecord('CVE-2011-0611').summary, dates: { published: '2025-01-01T00:00:00.000Z', updated: '2025-01-01T00:00:30.000Z' } });
    assert.equal(fresh.kind, 'new');
  });

  test('hostile entries: markup, controls and bidi overrides come out as inert, visible text', () => {
    const xml = atomFeed({ ...options(), entries: [feedEntryOf(hostileRecord().summary)] });
    assert.doesNotMatch(xml, /<script|<img/);
    const entry = child(parseXml(xml), 'entry')!;
    assert.equal(textOf(child(entry, 'title')), 'CVE-2099-0001: <script>alert("t")</script> ]]> invoice<U+202E>gpj.exe<U+202C> \ufffd\ufffd');
    assert.match(textOf(child(entry, 'summary')), /^CVSS 3\.1 6\.1 MEDIUM\. <img src=x onerror=alert\(1\)> & \]\]> --> <!-- "quoted" 'single' \ufffd\ufffd line two tab invoice<U\+202E>gpj\.exe<U\+202C> see CVE-2021-44228$/);
    assert.equal(textOf(child(child(entry, 'author')!, 'name')), '=HYPERLINK("http://evil")');
    // A 50 KB description is cut to 1,000 characters in the summary; the title to 200 after the name.
    const big = feedEntryOf({ ...hostileRecord().summary, title: undefined, description: BIG } as unknown as RecordSummary);
    const bigEntry = child(parseXml(atomFeed({ ...options(), entries: [big] })), 'entry')!;
    assert.equal(textOf(child(bigEntry, 'summary')).length, 1000);
    assert.equal(textOf(child(bigEntry, 'title')).length, 'CVE-2099-0001: '.length + 200);
    const rss = rssFeed({ ...options(), entries: [feedEntryOf(hostileRejected().summary)] });
    assert.equal(xmllint(rss).ok, true);
  });

  test('an empty feed is still valid', () => {
    assert.equal(xmllint(atomFeed({ ...options(), entries: [] })).ok, true);
    assert.equal(xmllint(rssFeed({ ...options(), entries: [], content: undefined })).ok, true);
  });
});
