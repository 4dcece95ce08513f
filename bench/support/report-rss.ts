/**
 * @module Preloaded into a benchmarked child (`node --import`): on exit, writes the
 * process's peak resident set (`process.resourceUsage().maxRSS`, KiB, all threads) to
 * the file named by `CVEKIT_BENCH_RSS_FILE`, so the parent reads an exact figure.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.CVEKIT_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }));
  });
}
