/**
 * @module Finds xmllint (Debian's libxml2-utils) for XML tests, installing it with apt-get
 * when missing, and runs it on a document given as a string.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const XMLLINT = '/usr/bin/xmllint';

/** The path of xmllint; installs Debian package libxml2-utils first when it is missing. */
export function ensureXmllint(): string {
  if (existsSync(XMLLINT)) return XMLLINT;
  console.log('xmllint is missing: installing Debian package libxml2-utils');
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]) => execFileSync(asRoot ? args[0]! : 'sudo', asRoot ? args.slice(1) : args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', '--no-install-recommends', 'libxml2-utils']);
  if (!existsSync(XMLLINT)) throw new Error(`libxml2-utils install finished but ${XMLLINT} is missing`);
  return XMLLINT;
}

export interface XmllintResult {
  readonly ok: boolean;
  /** xmllint's messages (errors name the line). */
  readonly messages: string;
}

/**
 * Check `xml` with xmllint, read from stdin: well-formedness alone, or validity against the
 * XML Schema at `schema`. Never touches the network (`--nonet`).
 */
export function xmllint(xml: string, options: { readonly schema?: string } = {}): XmllintResult {
  const args = ['--noout', '--nonet', ...(options.schema !== undefined ? ['--schema', options.schema] : []), '-'];
  const r = spawnSync(ensureXmllint(), args, { input: xml, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { ok: r.status === 0, messages: `${r.stderr ?? ''}${r.stdout ?? ''}`.trim() };
}
