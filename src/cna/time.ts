/**
 * @module Timestamps as CVE Services writes them: UTC, milliseconds, `Z`
 * (`2025-03-04T05:06:07.890Z`, spec §1.3; cvelib 1.2.0 parses exactly that).
 */

/** `YYYY-MM-DDTHH:MM:SS.fffZ` */
export function isoMs(d: Date): string {
  return d.toISOString();
}

/** CVE Services' accepted query timestamps: `yyyy-MM-ddTHH:mm:ss[.fff][Z|±HH:MM]`; no zone means UTC. */
const QUERY_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?$/;

/** A query timestamp as ISO `…Z`, or undefined when malformed. */
export function parseQueryTime(text: string): string | undefined {
  const m = QUERY_TIME.exec(text);
  if (!m) return undefined;
  const frac = m[7] ? m[7].slice(0, 4).padEnd(4, '0') : '.000';
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${frac}${m[8] ?? 'Z'}`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
