/**
 * @module Helpers for the reader tests: real records from the shared data, temp dirs, draining.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedData } from '../../../test/support/paths.ts';
import type { InputSource, RawError, RawEvent, RawItem } from '../types.ts';

export const RECORDS_JSONL = sharedData('cve5', 'records.jsonl');
export const RECORDS_ALL_GZ = sharedData('cve5', 'records-all.jsonl.gz');
export const DELTA_LOG = sharedData('cve5', 'delta', 'deltaLog.json');
export const DELTA_JSON = sharedData('cve5', 'delta', 'delta.json');

let lines: Buffer[] | undefined;

/** Real CVE JSON 5 records, one minified line each (the first 2,000 of records.jsonl). */
export function realRecords(count: number, from = 0): Buffer[] {
  if (!lines) {
    const fd = readFileSync(RECORDS_JSONL);
    lines = [];
    let at = 0;
    while (lines.length < 2000) {
      const nl = fd.indexOf(0x0a, at);
      lines.push(fd.subarray(at, nl));
      at = nl + 1;
    }
  }
  return lines.slice(from, from + count);
}

export function cveIdOf(bytes: Uint8Array): string {
  return (JSON.parse(Buffer.from(bytes).toString('utf8')) as { cveMetadata: { cveId: string } }).cveMetadata.cveId;
}

/** `cves/2024/1xxx/CVE-2024-1234.json` for a record. */
export function checkoutPath(cveId: string): string {
  const [, year, num] = cveId.split('-');
  return `cves/${year}/${Math.floor(Number(num) / 1000)}xxx/${cveId}.json`;
}

export function makeTempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'cvekit-readers-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function drain(input: InputSource, start?: number): Promise<RawEvent[]> {
  const out: RawEvent[] = [];
  for await (const ev of input.events(start)) out.push(ev);
  return out;
}

/** Events up to a thrown error, and the error. */
export async function drainUntilError(input: InputSource, start?: number): Promise<{ events: RawEvent[]; error: Error | undefined }> {
  const events: RawEvent[] = [];
  try {
    for await (const ev of input.events(start)) events.push(ev);
  } catch (err) {
    return { events, error: err as Error };
  }
  return { events, error: undefined };
}

export const items = (evs: RawEvent[]): RawItem[] => evs.filter((e): e is RawItem => e.kind === 'item');
export const errors = (evs: RawEvent[]): RawError[] => evs.filter((e): e is RawError => e.kind === 'error');
export const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
