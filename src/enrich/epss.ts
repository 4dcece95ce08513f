/**
 * @module FIRST's EPSS scores (Exploit Prediction Scoring System): the daily CSV
 * (`epss_scores-YYYY-MM-DD.csv.gz`), plain or gzip. Its first line is a comment with the
 * model version and the score date (`#model_version:v2025.03.14,score_date:2025-03-20T00:00:00+0000`),
 * then `cve,epss,percentile` and one row per CVE. Each row is checked (a valid CVE name,
 * numbers in [0, 1]); a bad row is skipped with a `RecordIssue` naming its line.
 *
 * @example
 * const { header, scores, issues } = await parseEpss(await readFile('epss_scores-2025-03-20.csv.gz'));
 * header.scoreDate // '2025-03-20T00:00:00.000Z'; scores[0] // { cveId: 'CVE-1999-0001', epss: 0.01055, percentile: 0.77003, line: 3 }
 */
import { parseCveId } from '../cve/index.ts';
import type { CveId } from '../cve/index.ts';
import { CsvError, readCsvRecords } from '../ingest/csv.ts';
import { EnrichError, recordIssue } from './errors.ts';
import type { RecordIssue } from './errors.ts';
import { toIsoDate } from './fields.ts';
import { plainBytes } from './input.ts';
import type { ByteInput, ByteLimits } from './input.ts';

/** The file's comment line: which model scored, and for which day. */
export interface EpssHeader {
  /** `v2025.03.14`. */
  readonly modelVersion?: string;
  /** ISO 8601 UTC: the day the scores are for; the key of the per-CVE history. */
  readonly scoreDate?: string;
}

export interface EpssScore {
  readonly cveId: CveId;
  /** Probability of exploitation activity in the next 30 days, in [0, 1]. */
  readonly epss: number;
  /** Rank among all scored CVEs, in [0, 1]. */
  readonly percentile: number;
  readonly line: number;
}

export type EpssEvent =
  | { readonly kind: 'header'; readonly header: EpssHeader }
  | { readonly kind: 'score'; readonly score: EpssScore }
  | { readonly kind: 'issue'; readonly issue: RecordIssue }
  | { readonly kind: 'end'; readonly header: EpssHeader; readonly counts: { readonly read: number; readonly ok: number; readonly skipped: number } };

export interface EpssOptions extends ByteLimits {
  /** What to call the input in messages (default `EPSS CSV`). */
  readonly name?: string;
  /** Refuse a file without `model_version` and `score_date` (default true: scores without a date cannot join the history). */
  readonly requireHeader?: boolean;
}

/** `model_version:v2025.03.14,score_date:2025-03-20T00:00:00+0000` into its parts. */
export function parseEpssComment(text: string): EpssHeader {
  const out: { modelVersion?: string; scoreDate?: string } = {};
  for (const part of text.split(',')) {
    const at = part.indexOf(':');
    if (at < 0) continue;
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === 'model_version' && value) out.modelVersion = value;
    if (key === 'score_date') {
      const iso = toIsoDate(value);
      if (iso) out.scoreDate = iso;
    }
  }
  return out;
}

const NUMBER = /^(?:0|[1-9][0-9]*)?(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/;

function unit(text: string): number | undefined {
  const t = text.trim();
  if (t === '' || !NUMBER.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
}

/** Stream the scores of an EPSS CSV: `header` first (when the file has one), scores and issues, `end`. */
export async function* readEpss(input: ByteInput, opts: EpssOptions = {}): AsyncGenerator<EpssEvent> {
  const what = opts.name ?? 'EPSS CSV';
  let header: EpssHeader = {};
  let headerSent = false;
  let read = 0;
  let ok = 0;
  const sendHeader = function* (): Generator<EpssEvent> {
    if (headerSent) return;
    headerSent = true;
    if ((opts.requireHeader ?? true) && (!header.modelVersion || !header.scoreDate)) {
      throw new EnrichError('ENRICH_EPSS_HEADER', `${what}: no "#model_version:…,score_date:…" comment line before the header`, 1);
    }
    yield { kind: 'header', header };
  };
  try {
    for await (const ev of readCsvRecords(plainBytes(input, what, opts), { comments: 'yield', required: ['cve', 'epss', 'percentile'] })) {
      if (ev.kind === 'comment') {
        header = { ...header, ...parseEpssComment(ev.text) };
        continue;
      }
      yield* sendHeader();
      read++;
      const cve = ev.kind === 'record' ? ev.values.cve : ev.fields[0];
      const base = { source: 'epss' as const, record: `line ${ev.line}`, line: ev.line, ...(cve ? { recordId: cve.trim().slice(0, 64) } : {}) };
      if (ev.kind === 'bad-row') {
        yield { kind: 'issue', issue: recordIssue(base, 'RECORD_MALFORMED', undefined, `has ${ev.fields.length} fields, expected ${ev.expected}`) };
        continue;
      }
      const v = ev.values;
      const id = parseCveId(v.cve.trim());
      if (!id.ok || id.prefix !== 'CVE') {
        yield { kind: 'issue', issue: recordIssue(base, v.cve.trim() === '' ? 'FIELD_MISSING' : 'FIELD_INVALID', 'cve', v.cve.trim() === '' ? 'is missing' : `is not a CVE name: ${JSON.stringify(v.cve.slice(0, 40))}${id.ok ? '' : ` (${id.reason})`}`) };
        continue;
      }
      const epss = unit(v.epss);
      const percentile = unit(v.percentile);
      if (epss === undefined || percentile === undefined) {
        const [field, text] = epss === undefined ? ['epss', v.epss] : ['percentile', v.percentile];
        yield { kind: 'issue', issue: recordIssue(base, text.trim() === '' ? 'FIELD_MISSING' : 'FIELD_INVALID', field, text.trim() === '' ? 'is missing' : `is not a number in [0, 1]: ${JSON.stringify(text.slice(0, 40))}`) };
        continue;
      }
      ok++;
      yield { kind: 'score', score: { cveId: id.id, epss, percentile, line: ev.line } };
    }
  } catch (err) {
    if (err instanceof CsvError) throw new EnrichError(err.code === 'CSV_BAD_UTF8' ? 'ENRICH_UTF8' : 'ENRICH_CSV', `${what} ${err.message}`, err.line);
    throw err;
  }
  yield* sendHeader();
  yield { kind: 'end', header, counts: { read, ok, skipped: read - ok } };
}

/** The whole file in memory (about 300,000 rows, some 30 MB of objects). */
export async function parseEpss(input: ByteInput, opts: EpssOptions = {}): Promise<{ header: EpssHeader; scores: EpssScore[]; issues: RecordIssue[] }> {
  const scores: EpssScore[] = [];
  const issues: RecordIssue[] = [];
  let header: EpssHeader = {};
  for await (const ev of readEpss(input, opts)) {
    if (ev.kind === 'score') scores.push(ev.score);
    else if (ev.kind === 'issue') issues.push(ev.issue);
    else header = ev.header;
  }
  return { header, scores, issues };
}
