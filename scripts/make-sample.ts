/**
 * @module Builds the bundled sample (data/sample/records.jsonl.gz and older-versions.jsonl.gz)
 * from the real records in ../shared/data/cve5. Deterministic: same input, same sample.
 *
 * Picks every REJECTED record, every record a rejected one names as its replacement (when the
 * shared data has it, so the "use instead" link opens a record), every record in the KEV
 * catalog, every record from 1999–2015, then a fixed stride through the rest until SAMPLE_SIZE; older versions of the picked
 * records go to older-versions.jsonl.gz so the history view has real diffs.
 */
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { summarizeRecord } from '../src/cve/index.ts';

const SAMPLE_SIZE = 3000;
const shared = join(import.meta.dirname, '..', '..', 'shared', 'data');
const out = join(import.meta.dirname, '..', 'data', 'sample');

const kev = new Set<string>(
  JSON.parse(readFileSync(join(shared, 'kev', 'known_exploited_vulnerabilities.json'), 'utf8')).vulnerabilities.map(
    (v: { cveID: string }) => v.cveID,
  ),
);
const lines: { id: string; line: string; must: boolean }[] = [];
for await (const line of createInterface({ input: createReadStream(join(shared, 'cve5', 'records.jsonl')) })) {
  if (!line) continue;
  const rec = JSON.parse(line);
  const id: string = rec.cveMetadata.cveId;
  const year = Number(id.slice(4, 8));
  const must = rec.cveMetadata.state === 'REJECTED' || kev.has(id) || year <= 2015;
  lines.push({ id, line, must });
}
// The records that rejected ones point to (replaced-by, duplicate-of).
const targets = new Set<string>();
for (const l of lines) {
  const rec = JSON.parse(l.line);
  if (rec.cveMetadata.state !== 'REJECTED') continue;
  for (const e of summarizeRecord(rec).replacements) if (e.target !== l.id) targets.add(e.target);
}
for (const l of lines) if (targets.has(l.id)) l.must = true;
const picked = new Set(lines.filter((l) => l.must).map((l) => l.id));
const rest = lines.filter((l) => !l.must);
const stride = rest.length / (SAMPLE_SIZE - picked.size);
for (let i = 0; picked.size < SAMPLE_SIZE && Math.floor(i * stride) < rest.length; i++) picked.add(rest[Math.floor(i * stride)].id);

const chosen = lines.filter((l) => picked.has(l.id));
writeFileSync(join(out, 'records.jsonl.gz'), gzipSync(chosen.map((l) => l.line).join('\n') + '\n', { level: 9 }));
const older = gunzipSync(readFileSync(join(shared, 'cve5', 'other-versions.jsonl.gz')))
  .toString('utf8')
  .split('\n')
  .filter((l) => l && picked.has(JSON.parse(l).cveMetadata.cveId));
writeFileSync(join(out, 'older-versions.jsonl.gz'), gzipSync(older.join('\n') + '\n', { level: 9 }));
console.log(`sample: ${chosen.length} records (${chosen.filter((l) => l.must).length} must-haves), ${older.length} older versions`);
