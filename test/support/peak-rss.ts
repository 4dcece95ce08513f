/**
 * @module The peak resident memory of this process alone.
 *
 * `process.resourceUsage().maxRSS` is not that for a child process on Linux: the kernel carries
 * the parent's resident size at `fork` over into the child's high-water mark when it `exec`s, so
 * a child spawned by a large parent (a bench that has just generated its inputs, a test runner)
 * reports the parent's size as its own peak. A bench once reported 9.4 GiB for an import that
 * peaked at 0.3. `VmHWM` in `/proc/self/status` belongs to the process's own address space,
 * which starts afresh at `exec`; it counts every thread, as maxRSS does.
 */
import { readFileSync } from 'node:fs';

/** Peak RSS in KiB: Linux's `VmHWM`; elsewhere (no `/proc`) `resourceUsage().maxRSS`. */
export function peakRssKiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}
