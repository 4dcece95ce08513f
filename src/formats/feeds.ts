/**
 * @module Atom 1.0 (RFC 4287) and RSS 2.0 feeds of new, updated and rejected records. Each
 * entry is titled with its CVE name first (X1520-6.10) and links to `/cve/CVE-…`; the feed
 * states the CVE content date (X1520-9.1).
 */
import type { RecordSummary } from '../cve/index.ts';
import type { ContentDate } from './content-date.ts';
import { contentAsOfLine } from './content-date.ts';
import { xmlAttr, xmlComment, xmlText, oneLine, truncate } from './escape.ts';
import { highestMetric } from './highest-metric.ts';

/** Why a record is in a feed. */
export const FEED_ENTRY_KINDS = ['new', 'updated', 'rejected'] as const;
/** `new`, `updated` or `rejected`. */
export type FeedEntryKind = (typeof FEED_ENTRY_KINDS)[number];

/** One feed entry: a record at one point in time. */
export interface FeedEntry {
  readonly cveId: string;
  readonly kind: FeedEntryKind;
  /** Short text after the CVE name in the entry title. */
  readonly title: string;
  readonly summary: string;
  /** When the record last changed, ISO 8601. */
  readonly updated: string;
  readonly published?: string;
  /** Who wrote the record (the assigner's short name). */
  readonly author?: string;
}

/** What {@link atomFeed} and {@link rssFeed} need. */
export interface FeedOptions {
  readonly title: string;
  /** The feed's own absolute URL; entry links `/cve/CVE-…` are resolved against it. */
  readonly selfUrl: string;
  /** When the feed's content last changed, ISO 8601. */
  readonly updated: string;
  readonly entries: readonly FeedEntry[];
  /** The content date, stated in the subtitle / description (X1520-9.1). */
  readonly content?: ContentDate;
  /** The HTML page the feed is about (e.g. the search it follows); defaults to `/`. */
  readonly pageUrl?: string;
}

const SUMMARY_MAX = 1000;

/**
 * A feed entry from a record summary: `kind` from the state and dates (a REJECTED record is
 * `rejected`; `new` when published and last updated within a minute), title from the
 * record's title or description, summary from the description with the highest CVSS score,
 * KEV, and for a rejected name the names to use instead (X1520-7.8).
 */
export function feedEntryOf(summary: RecordSummary): FeedEntry {
  const d = summary.dates;
  const updated = d.updated ?? d.published ?? d.reserved ?? '1970-01-01T00:00:00.000Z';
  let kind: FeedEntryKind = 'updated';
  if (summary.state === 'REJECTED') kind = 'rejected';
  else if (d.published !== undefined && Date.parse(updated) - Date.parse(d.published) < 60_000) kind = 'new';
  const targets = [...new Set(summary.replacements.map((r) => r.target))];
  const best = highestMetric(summary.metrics);
  const facts = [
    summary.state === 'REJECTED' ? `REJECTED${targets.length > 0 ? `: use ${targets.join(', ')}` : ''}.` : '',
    best !== undefined ? `CVSS ${best.version} ${best.baseScore.toFixed(1)} ${best.baseSeverity}.` : '',
    summary.kev !== undefined ? `Known exploited (CISA KEV, added ${summary.kev.dateAdded}).` : '',
  ].filter((f) => f !== '');
  return {
    cveId: summary.cveId,
    kind,
    title: summary.state === 'REJECTED' ? `REJECTED${targets.length > 0 ? `, use ${targets.join(', ')}` : ''}` : (summary.title ?? summary.description),
    summary: [...facts, summary.description].join(' '),
    updated,
    ...(d.published !== undefined && { published: d.published }),
    ...(summary.assignerShortName !== undefined && { author: summary.assignerShortName }),
  };
}

/** `CVE-…: title`, the CVE name always first and whole (X1520-6.10, B.3.2). */
function entryTitle(e: FeedEntry): string {
  const text = truncate(oneLine(e.title), 200);
  return text === '' ? e.cveId : `${e.cveId}: ${text}`;
}

function recordUrl(cveId: string, base: string): string {
  return new URL(`/cve/${encodeURIComponent(cveId)}`, base).href;
}

/** An RFC 3339 date-time, as Atom requires (`2025-01-24T14:00:00.000Z`); the input if unparseable. */
function rfc3339(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString();
}

/** An RFC 822 date, as RSS 2.0 requires (`Fri, 24 Jan 2025 14:00:00 GMT`). */
function rfc822(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? new Date(0).toUTCString() : new Date(ms).toUTCString();
}

/**
 * An Atom 1.0 feed document (RFC 4287): `id`, `title`, `updated`, `author` (cvekit),
 * `link rel=self`, a `subtitle` with the content date; each entry with `id` (the record's
 * URL), `title` `CVE-…: …`, `link` to `/cve/CVE-…`, `updated`, `published`, `author` (the
 * assigner), a `category` term new/updated/rejected, and a text `summary`.
 *
 * @example
 * atomFeed({ title: 'cvekit: new CVE records', selfUrl: 'https://cve.example/feeds/new.atom',
 *   updated: now, entries: summaries.map(feedEntryOf), content: ctx })
 */
export function atomFeed(options: FeedOptions): string {
  const page = new URL(options.pageUrl ?? '/', options.selfUrl).href;
  let out =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    (options.content !== undefined ? `${xmlComment(contentAsOfLine(options.content))}\n` : '') +
    '<feed xmlns="http://www.w3.org/2005/Atom">\n' +
    `  <id>${xmlText(options.selfUrl)}</id>\n` +
    `  <title>${xmlText(oneLine(options.title))}</title>\n` +
    (options.content !== undefined ? `  <subtitle>${xmlText(contentAsOfLine(options.content))}</subtitle>\n` : '') +
    `  <updated>${xmlText(rfc3339(options.updated))}</updated>\n` +
    `  <link rel="self" type="application/atom+xml" href="${xmlAttr(options.selfUrl)}"/>\n` +
    `  <link rel="alternate" type="text/html" href="${xmlAttr(page)}"/>\n` +
    '  <author><name>cvekit</name></author>\n' +
    '  <generator>cvekit</generator>\n';
  for (const e of options.entries) {
    const url = recordUrl(e.cveId, options.selfUrl);
    out +=
      '  <entry>\n' +
      `    <id>${xmlText(url)}</id>\n` +
      `    <title>${xmlText(entryTitle(e))}</title>\n` +
      `    <link rel="alternate" type="text/html" href="${xmlAttr(url)}"/>\n` +
      `    <updated>${xmlText(rfc3339(e.updated))}</updated>\n` +
      (e.published !== undefined ? `    <published>${xmlText(rfc3339(e.published))}</published>\n` : '') +
      (e.author !== undefined ? `    <author><name>${xmlText(oneLine(e.author))}</name></author>\n` : '') +
      `    <category term="${e.kind}"/>\n` +
      `    <summary type="text">${xmlText(truncate(oneLine(e.summary), SUMMARY_MAX))}</summary>\n` +
      '  </entry>\n';
  }
  return `${out}</feed>\n`;
}

/**
 * An RSS 2.0 feed document: channel `title`, `link`, `description` (with the content date,
 * X1520-9.1), `lastBuildDate`, an `atom:link rel=self`; each item with `title` `CVE-…: …`,
 * `link` to `/cve/CVE-…`, a `guid` naming this version of the record (so an update shows
 * as a new item), `pubDate` (last change), `category`, `description`.
 */
export function rssFeed(options: FeedOptions): string {
  const page = new URL(options.pageUrl ?? '/', options.selfUrl).href;
  const description = options.content !== undefined
    ? `${oneLine(options.title)}. ${contentAsOfLine(options.content)}`
    : oneLine(options.title);
  let out =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n' +
    '  <channel>\n' +
    `    <title>${xmlText(oneLine(options.title))}</title>\n` +
    `    <link>${xmlText(page)}</link>\n` +
    `    <description>${xmlText(description)}</description>\n` +
    `    <lastBuildDate>${rfc822(options.updated)}</lastBuildDate>\n` +
    `    <atom:link rel="self" type="application/rss+xml" href="${xmlAttr(options.selfUrl)}"/>\n` +
    '    <generator>cvekit</generator>\n';
  for (const e of options.entries) {
    const url = recordUrl(e.cveId, options.selfUrl);
    out +=
      '    <item>\n' +
      `      <title>${xmlText(entryTitle(e))}</title>\n` +
      `      <link>${xmlText(url)}</link>\n` +
      `      <guid isPermaLink="false">${xmlText(`${e.cveId}@${rfc3339(e.updated)}`)}</guid>\n` +
      `      <pubDate>${rfc822(e.updated)}</pubDate>\n` +
      `      <category>${e.kind}</category>\n` +
      `      <description>${xmlText(truncate(oneLine(e.summary), SUMMARY_MAX))}</description>\n` +
      '    </item>\n';
  }
  return `${out}  </channel>\n</rss>\n`;
}
