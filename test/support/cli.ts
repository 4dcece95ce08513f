/**
 * @module Running the `cvekit` CLI in-process for tests: its stdout and stderr collected.
 */
import { PassThrough } from 'node:stream';
import type { Io } from '../../src/cli/args.ts';
import { main } from '../../src/cli/main.ts';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** stdout as bytes (binary exports). */
  readonly bytes: Buffer;
}

/** `cvekit ARGS` with this environment (nothing of the process's own), and this on stdin when given. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, stdinText?: string | Uint8Array): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const stdin = new PassThrough();
  if (stdinText !== undefined) stdin.end(stdinText);
  const io: Io = { stdout, stderr: stderr as unknown as NodeJS.WriteStream, stdin, env: { ...env } };
  const code = await main(args, io);
  const bytes = Buffer.concat(out);
  return { code, out: bytes.toString('utf8'), err: Buffer.concat(err).toString('utf8'), bytes };
}
