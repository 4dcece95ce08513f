/**
 * @module The "CVE content as of …" statement every output carries (X1520-9.1), with the
 * out-of-date warning past three months (X1520-9.2).
 */

/**
 * The date and source of the CVE content an output was built from. The caller computes
 * `outOfDate` (X1520-9.2: more than three months older than now); formats only state it.
 */
export interface ContentDate {
  /** Newest CVE content date, ISO 8601 (`2025-01-24T14:00:00Z`); absent when nothing was imported. */
  readonly contentDate?: string;
  /** Where the content came from, e.g. `cvelistV5`. */
  readonly source?: string;
  /** The source's release name, e.g. `2025-01-24_at_1400Z`. */
  readonly release?: string;
  readonly outOfDate: boolean;
  /** When this output was generated, ISO 8601. */
  readonly generatedAt: string;
}

/** `2025-01-24T14:00:00.000Z` → `2025-01-24 14:00Z`; anything else unchanged. */
function shortDate(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z$/.exec(iso);
  return m === null ? iso : `${m[1]} ${m[2]}Z`;
}

/**
 * One line stating the CVE content date and source (X1520-9.1) and, when the content is
 * out of date, saying so (X1520-9.2). Plain text, one line: safe to put in an XML comment
 * once {@link xmlComment} has escaped it.
 *
 * @example
 * contentAsOfLine({ contentDate: '2025-01-24T14:00:00Z', source: 'cvelistV5', outOfDate: false, generatedAt: '2025-01-25T00:00:00Z' })
 * // 'CVE content as of 2025-01-24 14:00Z (source cvelistV5)'
 */
export function contentAsOfLine(ctx: ContentDate): string {
  const flat = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  if (ctx.contentDate === undefined || ctx.contentDate === '') {
    return 'CVE content as of: unknown (no CVE content imported yet) — out of date';
  }
  const parts: string[] = [];
  if (ctx.source) parts.push(`source ${flat(ctx.source)}`);
  if (ctx.release) parts.push(`release ${flat(ctx.release)}`);
  const from = parts.length > 0 ? ` (${parts.join(', ')})` : '';
  const stale = ctx.outOfDate ? ' — out of date: older than three months' : '';
  return `CVE content as of ${shortDate(flat(ctx.contentDate))}${from}${stale}`;
}

/**
 * What {@link contentDateOf} reads from a repository status (`repositoryStatus` in the
 * ingest module): the newest record source's content date, whether it is out of date,
 * and each source's release.
 */
export interface ContentStatus {
  readonly contentDate?: string;
  readonly contentSource?: string;
  readonly outOfDate: boolean;
  readonly generatedAt: string;
  readonly sources: readonly { readonly id: string; readonly release?: string }[];
}

/**
 * The content date of a repository status as the format writers take it (X1520-9.1, 9.2):
 * the pages, the API, `cvekit export` and `cvekit show` state the same date the same way.
 */
export function contentDateOf(s: ContentStatus): ContentDate {
  const src = s.sources.find((x) => x.id === s.contentSource);
  return {
    ...(s.contentDate !== undefined && { contentDate: s.contentDate }),
    ...(s.contentSource !== undefined && { source: s.contentSource }),
    ...(src?.release !== undefined && { release: src.release }),
    outOfDate: s.outOfDate,
    generatedAt: s.generatedAt,
  };
}

/**
 * The content date fields of a JSON answer (the API's and the CLI's `--json`): the date,
 * its source, the out-of-date flag (X1520-9.2) and the statement in words.
 */
export function contentFields(ctx: ContentDate) {
  return {
    contentDate: ctx.contentDate ?? null,
    contentSource: ctx.source ?? null,
    outOfDate: ctx.outOfDate,
    contentStatement: contentAsOfLine(ctx),
  };
}
