/**
 * @module Synthetic CVE List inputs for the import bench, made from the real records
 * (`../shared/data/cve5/records-all.jsonl.gz`, 62,867 records) by renumbering: copy k
 * of a real record gets the CVE name `CVE-YYYY-(k·10^8 + N)`, the same year, so every
 * name is unique and valid and the content is otherwise exactly the real record. Copy 0
 * keeps the real names and bytes.
 *
 * Written under `bench/out/` (gitignored) and reused when already there for the same N:
 * - `records-N.jsonl`: one minified record per line, as the real JSONL;
 * - `cvelist-N/cves/YYYY/Nxxx/CVE-YYYY-NNNN.json`: a cvelistV5 tree, 4-space indented as
 *   cvelistV5 writes its files, file names matching the records' names;
 * - `cvelist-N.zip` (with `--zip`): the same tree as a cvelistV5 baseline release zip;
 * - `delta-N.jsonl`: 2,000 of the records changed (a later `dateUpdated` and a changed
 *   description), spread evenly over the input.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { ZipFileWriter } from '../../test/support/zip.ts';

export const DELTA_SIZE = 2000;
/** Copies of one real record are `k·COPY_STRIDE` apart in number; real numbers stay below it. */
const COPY_STRIDE = 100_000_000;
/** Later than every real record's dateUpdated, so every delta record becomes current. */
const DELTA_DATE = '2030-01-01T00:00:00.000Z';
const FORMAT_VERSION = 1;

export interface BenchInputs {
  readonly records: number;
  readonly jsonl: string;
  readonly jsonlBytes: number;
  readonly directory: string;
  readonly directoryBytes: number;
  readonly delta: string;
  /** True when the files were made by this call (not reused). */
  readonly generated: boolean;
  readonly generateMs: number;
}

interface Meta {
  readonly formatVersion: number;
  readonly records: number;
  readonly source: string;
  readonly sourceSize: number;
  readonly jsonlBytes: number;
  readonly directoryBytes: number;
  readonly directory: boolean;
}

/** The lines of a gzip JSONL file, as strings, streamed. */
async function* gzipLines(path: string): AsyncGenerator<string> {
  let rest = '';
  const stream = createReadStream(path).pipe(createGunzip());
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = rest + chunk;
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      if (nl > from) yield text.slice(from, nl);
      from = nl + 1;
    }
    rest = text.slice(from);
  }
  if (rest.trim() !== '') yield rest;
}

type Rec = { cveMetadata: { cveId: string; state: string; dateUpdated?: string }; containers: { cna: Record<string, unknown> } };

function renumber(id: string, copy: number): string {
  if (copy === 0) return id;
  const m = /^CVE-(\d{4})-(\d+)$/.exec(id);
  if (!m || Number(m[2]) >= COPY_STRIDE) throw new Error(`cannot renumber ${id}`);
  return `CVE-${m[1]}-${copy * COPY_STRIDE + Number(m[2])}`;
}

/** `cves/2024/1xxx/CVE-2024-1234.json`, `cves/2024/21xxx/CVE-2024-21234.json` (cvelistV5 layout). */
export function cvelistPath(id: string): string {
  const [, year, num] = id.split('-');
  return join('cves', year, `${Math.floor(Number(num) / 1000)}xxx`, `${id}.json`);
}

function changeForDelta(rec: Rec): void {
  rec.cveMetadata.dateUpdated = DELTA_DATE;
  const cna = rec.containers.cna as { descriptions?: { value: string }[]; rejectedReasons?: { value: string }[] };
  const texts = cna.descriptions ?? cna.rejectedReasons;
  if (!texts || texts.length === 0) throw new Error(`${rec.cveMetadata.cveId} has no description to change`);
  texts[0].value = `${texts[0].value} (Changed by the cvekit import bench delta.)`;
}

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/**
 * Make (or reuse) the inputs for `records` records in `outDir`.
 * `withDirectory` false skips the cvelistV5 tree (it is the slow part to write).
 */
export async function benchInputs(source: string, outDir: string, records: number, withDirectory: boolean): Promise<BenchInputs> {
  const started = performance.now();
  mkdirSync(outDir, { recursive: true });
  const jsonl = join(outDir, `records-${records}.jsonl`);
  const directory = join(outDir, `cvelist-${records}`);
  const delta = join(outDir, `delta-${records}.jsonl`);
  const metaPath = join(outDir, `records-${records}.meta.json`);
  const sourceSize = readFileSync(source).byteLength;
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta;
    if (
      meta.formatVersion === FORMAT_VERSION &&
      meta.records === records &&
      meta.source === source &&
      meta.sourceSize === sourceSize &&
      (meta.directory || !withDirectory) &&
      existsSync(jsonl) &&
      existsSync(delta)
    ) {
      return { records, jsonl, jsonlBytes: meta.jsonlBytes, directory, directoryBytes: meta.directoryBytes, delta, generated: false, generateMs: 0 };
    }
  }
  rmSync(metaPath, { force: true });
  if (withDirectory) rmSync(directory, { recursive: true, force: true });

  const every = Math.max(1, Math.floor(records / DELTA_SIZE));
  const jsonlOut = createWriteStream(jsonl);
  const deltaOut = createWriteStream(delta);
  const madeDirs = new Set<string>();
  let jsonlBytes = 0;
  let directoryBytes = 0;
  let made = 0;
  let deltas = 0;
  for (let copy = 0; made < records; copy++) {
    let inCopy = 0;
    for await (const line of gzipLines(source)) {
      if (made >= records) break;
      inCopy++;
      let text = line;
      let rec: Rec | undefined;
      if (copy > 0 || withDirectory || made % every === 0) {
        rec = JSON.parse(line) as Rec;
        rec.cveMetadata.cveId = renumber(rec.cveMetadata.cveId, copy);
        if (copy > 0) text = JSON.stringify(rec);
      }
      await write(jsonlOut, `${text}\n`);
      jsonlBytes += Buffer.byteLength(text) + 1;
      if (withDirectory && rec) {
        const file = join(directory, cvelistPath(rec.cveMetadata.cveId));
        const dir = join(file, '..');
        if (!madeDirs.has(dir)) {
          mkdirSync(dir, { recursive: true });
          madeDirs.add(dir);
        }
        const pretty = JSON.stringify(rec, null, 4);
        writeFileSync(file, pretty);
        directoryBytes += Buffer.byteLength(pretty);
      }
      if (made % every === 0 && deltas < DELTA_SIZE && rec) {
        changeForDelta(rec);
        await write(deltaOut, `${JSON.stringify(rec)}\n`);
        deltas++;
      }
      made++;
    }
    if (inCopy === 0) throw new Error(`${source} holds no records`);
  }
  jsonlOut.end();
  deltaOut.end();
  await Promise.all([once(jsonlOut, 'finish'), once(deltaOut, 'finish')]);
  const meta: Meta = { formatVersion: FORMAT_VERSION, records, source, sourceSize, jsonlBytes, directoryBytes, directory: withDirectory };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2));
  return { records, jsonl, jsonlBytes, directory, directoryBytes, delta, generated: true, generateMs: performance.now() - started };
}

/**
 * A cvelistV5 baseline release zip of the same records (`cvelist-N.zip`: a stored `cves.zip`
 * inside, the records 4-space indented and deflated, zip64 past 65,535 entries), made from the
 * JSONL once and reused while the JSONL is unchanged.
 */
export async function benchZip(inputs: BenchInputs, outDir: string): Promise<{ path: string; bytes: number; generated: boolean; generateMs: number }> {
  const started = performance.now();
  const path = join(outDir, `cvelist-${inputs.records}.zip`);
  const metaPath = `${path}.meta.json`;
  const stamp = JSON.stringify({ formatVersion: FORMAT_VERSION, jsonl: inputs.jsonl, jsonlBytes: inputs.jsonlBytes, jsonlMtime: statSync(inputs.jsonl).mtimeMs });
  if (existsSync(path) && existsSync(metaPath) && readFileSync(metaPath, 'utf8') === stamp) {
    return { path, bytes: statSync(path).size, generated: false, generateMs: 0 };
  }
  rmSync(metaPath, { force: true });
  const inner = join(outDir, `cves-${inputs.records}.zip`);
  const writer = new ZipFileWriter(inner);
  for await (const line of createInterface({ input: createReadStream(inputs.jsonl), crlfDelay: Infinity })) {
    if (line === '') continue;
    const rec = JSON.parse(line) as Rec;
    writer.add(cvelistPath(rec.cveMetadata.cveId).replaceAll('\\', '/'), Buffer.from(JSON.stringify(rec, null, 4)));
  }
  writer.finish();
  const outer = new ZipFileWriter(path);
  outer.addFile('cves.zip', inner);
  outer.finish();
  rmSync(inner);
  writeFileSync(metaPath, stamp);
  return { path, bytes: statSync(path).size, generated: true, generateMs: performance.now() - started };
}
