/**
 * @module Whether a process of this host still runs, for work a killed process left behind
 * (a bulk load's pending build, an import's temporary files).
 */

/** True unless process `pid` is certainly gone: `EPERM` means it runs, as another user. */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
