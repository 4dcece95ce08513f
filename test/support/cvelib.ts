/**
 * @module Finds Debian's `cve` command (package python3-cvelib, the official CVE Services
 * client), installing it with apt-get when missing, and runs it against a server.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CVE = '/usr/bin/cve';

export async function ensureCvelib(): Promise<string> {
  if (existsSync(CVE)) return CVE;
  console.log('cve (python3-cvelib) is missing: installing Debian package python3-cvelib');
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]) => execFileSync(asRoot ? args[0] : 'sudo', asRoot ? args.slice(1) : args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', '--no-install-recommends', 'python3-cvelib']);
  if (!existsSync(CVE)) throw new Error(`python3-cvelib install finished but ${CVE} is missing`);
  return CVE;
}

export interface CveRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cve ARGS` with the server URL (…/api/, trailing slash: spec §9.1) and credentials in the environment. */
export function runCve(bin: string, url: string, creds: { org: string; user: string; key: string }, args: readonly string[], input?: string): Promise<CveRun> {
  return new Promise((resolve) => {
    const child = execFile(
      bin,
      [...args],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', CVE_API_URL: url, CVE_ORG: creds.org, CVE_USER: creds.user, CVE_API_KEY: creds.key }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
