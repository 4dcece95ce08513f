/**
 * @module Preloaded into a benchmarked child (`node --import`): on exit, writes the
 * process's peak resident set (`process.resourceUsage().maxRSS`, KiB, all threads) and its
 * CPU time (user and system, ms) to the file named by `CVEKIT_BENCH_RSS_FILE`, so the parent
 * reads exact figures (CPU time is what a shared, loaded machine distorts least).
 */
import { writeFileSync } from 'node:fs';

const file = process.env.CVEKIT_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKiB: u.maxRSS, userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000 }));
  });
}
