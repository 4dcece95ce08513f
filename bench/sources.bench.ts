/**
 * @module Enrichment and legacy import throughput (issue 7 §5), each as a ratio to raw
 * parsing of the same bytes in the same run, and peak RSS of a 150 MB legacy XML import.
 *
 * `npm run bench -- sources [--nvd-records N] [--legacy-mb M] [--keep]`
 *
 * - NVD: an NVD 2.0 feed of N records (default 20,000: the 60 real objects of
 *   ../shared/data/nvd/cves.jsonl renumbered) is imported by `cvekit nvd import` into a fresh
 *   SQLite store in a child process; the baseline is `JSON.parse` of the whole file, best of three.
 * - Each figure is given as wall time and as CPU time (user + system; the child's from
 *   `process.resourceUsage()`, start-up included): on a shared machine the wall time mostly
 *   measures the other load, and the load average is printed beside each part.
 * - Legacy: a generated `allitems.xml` of M MB (default 150: the real cve_1.0 items of
 *   ../shared/data/mitre-xml renumbered) is imported by `cvekit legacy import` in a child whose
 *   peak RSS is reported (target < 300 MiB); the baseline is saxes alone over the same file.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SaxesParser } from 'saxes';
import { cliLaunch, describeLaunch } from './support/cli.ts';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(import.meta.dirname, 'out');
const SHARED = process.env.CVEKIT_SHARED_DATA ?? join(ROOT, '..', 'shared', 'data');
const CLI = join(ROOT, 'bin', 'cvekit.js');
const RSS_HOOK = join(import.meta.dirname, 'support', 'report-rss.ts');
const RSS_LIMIT_MIB = 300;
/** How `npx cvekit` starts (the bin's shebang: environment and V8 flags), so the bench measures what users get. */
const LAUNCH = cliLaunch(ROOT);
const CLI_FLAGS = LAUNCH.flags;

const { values } = parseArgs({ options: { 'nvd-records': { type: 'string' }, 'legacy-mb': { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean' } } });
if (values.help) {
  console.log('npm run bench -- sources [--nvd-records 20000] [--legacy-mb 150] [--keep]');
  process.exit(0);
}
const NVD_RECORDS = Number(values['nvd-records'] ?? 20_000);
const LEGACY_MB = Number(values['legacy-mb'] ?? 150);
mkdirSync(OUT, { recursive: true });

async function writeAll(path: string, parts: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for (const p of parts) if (!out.write(p)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

function* nvdFeed(n: number): Generator<string> {
  const objs = readFileSync(join(SHARED, 'nvd', 'cves.jsonl'), 'utf8').split('\n').filter(Boolean);
  yield `{"resultsPerPage":${n},"startIndex":0,"totalResults":${n},"format":"NVD_CVE","version":"2.0","timestamp":"2025-06-01T00:00:00.000","vulnerabilities":[`;
  for (let i = 0; i < n; i++) {
    const year = 2000 + Math.floor(i / 90_000);
    const name = `CVE-${year}-${String(100_000 + (i % 90_000))}`;
    const obj = objs[i % objs.length].replace(/"id":"CVE-\d{4}-\d+"/, `"id":"${name}"`);
    yield `${i ? ',' : ''}{"cve":${obj}}`;
  }
  yield ']}';
}

function* legacyXml(targetBytes: number): Generator<string> {
  const items: string[] = [];
  for (const f of ['allitems-excerpt.vuls-data-update.xml', 'CVE-2021-32819.item.xml', 'stucco-test-excerpt.xml']) {
    for (const m of readFileSync(join(SHARED, 'mitre-xml', f), 'utf8').matchAll(/<item\b[\s\S]*?<\/item>/g)) items.push(m[0]);
  }
  yield '<?xml version="1.0" encoding="US-ASCII"?>\n<cve xmlns="http://cve.mitre.org/cve/downloads/1.0">\n';
  let bytes = 0;
  for (let n = 0; bytes < targetBytes; n++) {
    const year = 2000 + Math.floor(n / 80_000);
    const seq = String(10_000 + (n % 80_000));
    const item = `${items[n % items.length].replace(/CVE-\d{4}-\d{4,}/g, `CVE-${year}-${seq}`).replace(/seq="[^"]*"/, `seq="${year}-${seq}"`)}\n`;
    bytes += item.length;
    yield item;
  }
  yield '</cve>\n';
}

function runCli(args: string[], db: string): { seconds: number; cpuSeconds: number; rssMiB: number; out: Record<string, unknown> } {
  const rssFile = `${db}.rss.json`;
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...CLI_FLAGS, '--import', RSS_HOOK, CLI, ...args, '--json', '--db', `sqlite:${db}`], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...LAUNCH.env, CVEKIT_BENCH_RSS_FILE: rssFile },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`cvekit ${args.join(' ')} failed: ${r.stderr}`);
  const usage = existsSync(rssFile) ? (JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKiB: number; userMs?: number; systemMs?: number }) : undefined;
  rmSync(rssFile, { force: true });
  const cpuSeconds = usage?.userMs !== undefined ? (usage.userMs + (usage.systemMs ?? 0)) / 1000 : NaN;
  return { seconds, cpuSeconds, rssMiB: (usage?.maxRssKiB ?? NaN) / 1024, out: JSON.parse(r.stdout) };
}

/** Best wall and CPU seconds of `times` runs of `fn` in this process. */
async function best(fn: () => unknown, times = 3): Promise<{ seconds: number; cpuSeconds: number }> {
  let seconds = Infinity;
  let cpuSeconds = Infinity;
  for (let i = 0; i < times; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await fn();
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(cpu0);
    cpuSeconds = Math.min(cpuSeconds, (c.user + c.system) / 1e6);
  }
  return { seconds, cpuSeconds };
}

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

async function saxesAlone(path: string): Promise<void> {
  const p = new SaxesParser({ xmlns: false });
  let items = 0;
  p.on('opentag', (t) => {
    if (t.name === 'item') items++;
  });
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })) p.write(chunk as string);
  p.close();
  if (items === 0) throw new Error('no items parsed');
}

const line = (s: string) => console.log(s);
line(`node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}; cvekit runs with ${describeLaunch(LAUNCH)}`);

// --- NVD 2.0 feed ---
const feed = join(OUT, `nvdcve-2.0-bench-${NVD_RECORDS}.json`);
if (!existsSync(feed)) await writeAll(feed, nvdFeed(NVD_RECORDS));
const feedBytes = statSync(feed).size;
const nvdLoad = load();
const parse = await best(() => {
  const text = readFileSync(feed, 'utf8');
  const doc = JSON.parse(text) as { vulnerabilities: unknown[] };
  if (doc.vulnerabilities.length !== NVD_RECORDS) throw new Error('bad feed');
});
const nvdDb = join(OUT, 'bench-sources-nvd.db');
for (const f of [nvdDb, `${nvdDb}-wal`, `${nvdDb}-shm`]) rmSync(f, { force: true });
const nvd = runCli(['nvd', 'import', feed], nvdDb);
const nvdAgain = runCli(['nvd', 'import', feed], nvdDb);
const mb = (b: number) => b / 1024 / 1024;
const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(1)} %`;
line(`NVD 2.0 feed: ${NVD_RECORDS} records, ${mb(feedBytes).toFixed(1)} MB (load average ${nvdLoad} -> ${load()})`);
line(`  JSON.parse alone      ${(mb(feedBytes) / parse.seconds).toFixed(1)} MB/s (${parse.seconds.toFixed(2)} s, CPU ${parse.cpuSeconds.toFixed(2)} s)`);
line(`  cvekit nvd import     ${(mb(feedBytes) / nvd.seconds).toFixed(1)} MB/s (${nvd.seconds.toFixed(2)} s, CPU ${nvd.cpuSeconds.toFixed(2)} s, ${Math.round(NVD_RECORDS / nvd.seconds)} records/s, peak RSS ${nvd.rssMiB.toFixed(0)} MiB)`);
line(`  ratio import/parse    ${pct(parse.seconds, nvd.seconds)} wall, ${pct(parse.cpuSeconds, nvd.cpuSeconds)} CPU`);
line(`  re-import (unchanged) ${nvdAgain.seconds.toFixed(2)} s (CPU ${nvdAgain.cpuSeconds.toFixed(2)} s)`);

// --- legacy allitems.xml ---
const xml = join(OUT, `allitems-bench-${LEGACY_MB}mb.xml`);
if (!existsSync(xml)) await writeAll(xml, legacyXml(LEGACY_MB * 1024 * 1024));
const xmlBytes = statSync(xml).size;
const legacyLoad = load();
const sax = await best(() => saxesAlone(xml), 2);
const legacyDb = join(OUT, 'bench-sources-legacy.db');
for (const f of [legacyDb, `${legacyDb}-wal`, `${legacyDb}-shm`]) rmSync(f, { force: true });
const legacy = runCli(['legacy', 'import', xml], legacyDb);
const entries = (legacy.out.counts as Record<string, number>).read;
line(`legacy allitems.xml: ${entries} items, ${mb(xmlBytes).toFixed(1)} MB (load average ${legacyLoad} -> ${load()})`);
line(`  saxes alone           ${(mb(xmlBytes) / sax.seconds).toFixed(1)} MB/s (${sax.seconds.toFixed(2)} s, CPU ${sax.cpuSeconds.toFixed(2)} s)`);
line(`  cvekit legacy import  ${(mb(xmlBytes) / legacy.seconds).toFixed(1)} MB/s (${legacy.seconds.toFixed(2)} s, CPU ${legacy.cpuSeconds.toFixed(2)} s, ${Math.round(entries / legacy.seconds)} entries/s)`);
line(`  ratio import/saxes    ${pct(sax.seconds, legacy.seconds)} wall, ${pct(sax.cpuSeconds, legacy.cpuSeconds)} CPU`);
line(`  peak RSS              ${legacy.rssMiB.toFixed(0)} MiB (target < ${RSS_LIMIT_MIB} MiB: ${legacy.rssMiB < RSS_LIMIT_MIB ? 'met' : 'NOT met'})`);

if (!values.keep) for (const f of [nvdDb, `${nvdDb}-wal`, `${nvdDb}-shm`, legacyDb, `${legacyDb}-wal`, `${legacyDb}-shm`]) rmSync(f, { force: true });
if (!(legacy.rssMiB < RSS_LIMIT_MIB)) process.exitCode = 1;
