/**
 * Bounded memory on a full-size legacy file: a generated allitems.xml of more than 150 MB (the
 * real items of ../shared/data/mitre-xml repeated under new names) is parsed in a child
 * process whose peak RSS must stay under 300 MiB. Memory is asserted, time is not.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MITRE_XML_DIR } from './test-data.ts';

const TARGET_BYTES = 152 * 1024 * 1024;
const RSS_LIMIT = 300 * 1024 * 1024;

/** The real `<item>` elements of the samples, as templates. */
function templates(): string[] {
  const items: string[] = [];
  for (const f of ['allitems-excerpt.vuls-data-update.xml', 'CVE-2021-32819.item.xml', 'stucco-test-excerpt.xml']) {
    const text = readFileSync(join(MITRE_XML_DIR, f), 'utf8');
    for (const m of text.matchAll(/<item\b[\s\S]*?<\/item>/g)) items.push(m[0]);
  }
  return items;
}

async function generate(path: string): Promise<number> {
  const items = templates();
  const out = createWriteStream(path);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('<?xml version="1.0" encoding="US-ASCII"?>\n<cve xmlns="http://cve.mitre.org/cve/downloads/1.0">\n');
  let bytes = 0;
  let n = 0;
  while (bytes < TARGET_BYTES) {
    let chunk = '';
    for (let k = 0; k < 1000; k++, n++) {
      const year = 2000 + Math.floor(n / 80_000);
      const seq = String(10_000 + (n % 80_000));
      // Renumber: every CVE name in the item (name, seq, mentions in comments) becomes the new one.
      chunk += `${items[n % items.length].replace(/CVE-\d{4}-\d{4,}/g, `CVE-${year}-${seq}`).replace(/seq="[^"]*"/, `seq="${year}-${seq}"`)}\n`;
    }
    bytes += Buffer.byteLength(chunk);
    await write(chunk);
  }
  await write('</cve>\n');
  out.end();
  await once(out, 'finish');
  return n;
}

const CHILD = `
import { createReadStream } from 'node:fs';
import { readLegacyXml } from ${JSON.stringify(fileURLToPath(new URL('./legacy-xml.ts', import.meta.url)))};
import { peakRssKiB } from ${JSON.stringify(fileURLToPath(new URL('../../test/support/peak-rss.ts', import.meta.url)))};
const started = process.hrtime.bigint();
let entries = 0, issues = 0, reserved = 0, names = new Set();
for await (const ev of readLegacyXml(createReadStream(process.argv[1], { highWaterMark: 256 * 1024 }))) {
  if (ev.kind === 'entry') { entries++; if (ev.entry.markers.reserved) reserved++; }
  else if (ev.kind === 'issue') issues++;
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(JSON.stringify({ entries, issues, reserved, maxRssBytes: peakRssKiB() * 1024, seconds }));
`;

test('a generated 150 MB allitems.xml streams in a child under 300 MiB peak RSS', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cvekit-allitems-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'allitems.xml');
  const count = await generate(path);
  const size = statSync(path).size;
  assert.ok(size >= 150 * 1024 * 1024, `generated ${size} bytes`);

  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, stderr);
  const r = JSON.parse(stdout) as { entries: number; issues: number; reserved: number; maxRssBytes: number; seconds: number };
  assert.equal(r.entries, count);
  assert.equal(r.issues, 0);
  assert.ok(r.reserved > 0);
  assert.ok(r.maxRssBytes < RSS_LIMIT, `peak RSS ${(r.maxRssBytes / 1048576).toFixed(1)} MiB`);
  t.diagnostic(`${(size / 1048576).toFixed(0)} MB, ${count} items, peak RSS ${(r.maxRssBytes / 1048576).toFixed(1)} MiB, ${(size / 1048576 / r.seconds).toFixed(1)} MB/s`);
});
