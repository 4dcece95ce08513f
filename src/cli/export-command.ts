/**
 * @module `cvekit export`: every current record matching a query, streamed to a file,
 * stdout or a cvelistV5-style directory, with a progress bar on a terminal. Each export
 * states the date of the CVE content it was built from (X1520-9.1; X1520-B.4.3).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { contentAsOfLine, contentDateOf } from '../formats/index.ts';
import { exportFilter, HttpError, listChunks, parseRequest, type ListFormat, type ListRecord } from '../http/index.ts';
import { repositoryStatus } from '../ingest/index.ts';
import type { Store } from '../store/index.ts';
import { configFrom, parse, print, printJson, UsageError, withExistingStore, type Io } from './args.ts';
import { createProgressBar } from './progress.ts';

export const EXPORT_CLI_FORMATS = ['jsonl', 'csv', 'xml', 'cve5-dir'] as const;
type CliFormat = (typeof EXPORT_CLI_FORMATS)[number];

export const EXPORT_HELP = `Usage: cvekit export --format jsonl|csv|xml|cve5-dir [--out PATH] [--q QUERY] [--json]

Exports every current CVE record matching QUERY (the search syntax: words, "phrases",
vendor:apache, cwe:79, kev:yes, year:2024, state:rejected, published:>=2024-01-01 …),
in CVE-name order, streamed, with a progress bar on a terminal.

  --format jsonl     first line {"cvekitExport": {contentDate…}}, then one CVE JSON 5 record per line, as stored
  --format csv       one row per record (RFC 4180), a contentAsOf column states the content date
  --format xml       MITRE cve_1.0 XML (valid against cve_1.0.xsd), the content date in a comment
  --format cve5-dir  a cvelistV5-style tree: PATH/cves/YYYY/Nxxx/CVE-YYYY-N….json, and
                     PATH/cvekit-export.json with the content date and counts (needs --out)
  --out PATH         file or directory to write (default: stdout; required for cve5-dir)
  --q QUERY          only records matching the query (default: all)`;

/** `CVE-2024-3400` → `cves/2024/3xxx/CVE-2024-3400.json`, the cvelistV5 layout. */
export function cve5Path(cveId: string): string {
  const [, year, seq] = cveId.split('-');
  return join('cves', year, `${Math.floor(Number(seq) / 1000)}xxx`, `${cveId}.json`);
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

export async function exportCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { format: { type: 'string' }, out: { type: 'string' }, q: { type: 'string' } }, false);
  if (values.help) return print(io, EXPORT_HELP), 0;
  const format = values.format as string | undefined;
  if (!format || !(EXPORT_CLI_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${EXPORT_CLI_FORMATS.join(', ')}`);
  const out = values.out as string | undefined;
  if (format === 'cve5-dir' && !out) throw new UsageError('--format cve5-dir needs --out DIRECTORY');
  let filters;
  try {
    filters = exportFilter(parseRequest({ q: (values.q as string | undefined) ?? '' }).filters);
  } catch (err) {
    if (err instanceof HttpError) {
      const at = (err.details as { position?: number } | undefined)?.position;
      throw new UsageError(`--q: ${err.message}${at !== undefined ? ` (at character ${at + 1})` : ''}`);
    }
    throw err;
  }

  const config = configFrom(values, io);
  const result = await withExistingStore(config, async (store: Store) => {
    const ctx = contentDateOf(await repositoryStatus(store));
    const total = (await store.search.search({ ...filters, limit: 1 })).total;
    const bar = createProgressBar(io.stderr);
    let done = 0;
    const counted = async function* (): AsyncGenerator<ListRecord> {
      for await (const r of store.search.exportCurrent(filters, { batchSize: 1000 })) {
        done++;
        if (done % 100 === 0) bar.update({ done, total, label: 'export' });
        yield r;
      }
    };
    if (format === 'xml' && total === 0) throw new Error('no record matches: a cve_1.0 document needs at least one item');
    try {
      if (format === 'cve5-dir') {
        const dirs = new Set<string>();
        for await (const r of counted()) {
          const path = join(out!, cve5Path(r.cveId));
          const dir = dirname(path);
          if (!dirs.has(dir)) {
            await mkdir(dir, { recursive: true });
            dirs.add(dir);
          }
          await writeFile(path, r.json);
        }
        await mkdir(out!, { recursive: true });
        await writeFile(join(out!, 'cvekit-export.json'), `${JSON.stringify({ contentDate: ctx.contentDate ?? null, contentSource: ctx.source ?? null, outOfDate: ctx.outOfDate, contentStatement: contentAsOfLine(ctx), generatedAt: ctx.generatedAt, query: values.q ?? null, records: done }, null, 2)}\n`);
      } else {
        const target: Writable = out ? createWriteStream(out) : (io.stdout as Writable);
        for await (const chunk of listChunks(format as ListFormat, { title: 'cvekit export', ctx, extra: { query: values.q ?? null } }, counted())) await write(target, chunk);
        if (out) {
          target.end();
          await once(target, 'finish');
        }
      }
    } finally {
      bar.done();
    }
    return { records: done, ctx };
  });
  const summary = { ok: true, format: format as CliFormat, out: out ?? '-', records: result.records, contentDate: result.ctx.contentDate ?? null, outOfDate: result.ctx.outOfDate };
  if (values.json && out) printJson(io, summary);
  else if (values.json) io.stderr.write(`${JSON.stringify(summary)}\n`);
  else if (out) print(io, `exported ${result.records.toLocaleString('en')} records as ${format} to ${out}; ${contentAsOfLine(result.ctx)}`);
  else io.stderr.write(`exported ${result.records.toLocaleString('en')} records; ${contentAsOfLine(result.ctx)}\n`);
  return 0;
}
