/**
 * @module Runs the benchmarks: `npm run bench` runs every `bench/*.bench.ts`,
 * `npm run bench -- import` (or several names) only those; arguments after the names
 * go to each bench (`npm run bench -- import --records 20000`). Each bench runs in its
 * own process, so one's memory and JIT state never colour another's figures.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const BENCH_DIR = import.meta.dirname;
const available = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();

const args = process.argv.slice(2);
const names: string[] = [];
while (args.length > 0 && !args[0].startsWith('-')) names.push(args.shift() as string);

if (args.includes('--help') && names.length === 0) {
  console.log(`Usage: npm run bench [-- NAME... [options]]\n\nBenches: ${available.join(', ')}\nOptions go to each bench (see npm run bench -- NAME --help).`);
  process.exit(0);
}
const unknown = names.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const name of names.length > 0 ? names : available) {
  console.log(`\n== bench: ${name} ==`);
  const r = spawnSync(process.execPath, [join(BENCH_DIR, `${name}.bench.ts`), ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${name} failed (${r.signal ?? `exit ${r.status}`})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
