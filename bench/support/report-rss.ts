/**
 * @module Preloaded into a benchmarked child (`node --import`): on exit, writes the
 * process's own peak resident set (`peakRssKiB`: Linux's VmHWM, KiB, all threads; not
 * `resourceUsage().maxRSS`, which a child inherits from its parent's size) and its
 * CPU time (user and system, ms; also all threads together and the main thread alone) to
 * the file named by `CVEKIT_BENCH_RSS_FILE`, so the parent reads exact figures (CPU time
 * is what a shared, loaded machine distorts least).
 */
import { writeFileSync } from 'node:fs';
import { peakRssKiB } from '../../test/support/peak-rss.ts';

const file = process.env.CVEKIT_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const main = process.threadCpuUsage();
    writeFileSync(
      file,
      JSON.stringify({
        maxRssKiB: peakRssKiB(),
        userMs: u.userCPUTime / 1000,
        systemMs: u.systemCPUTime / 1000,
        cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000,
        mainCpuMs: (main.user + main.system) / 1000,
      }),
    );
  });
}
