/**
 * @module Building canonical CVSS vector strings (the record editor's calculator).
 */
import { VERSION_DEFINITIONS } from './metrics.ts';
import { parseCvssVector } from './parse.ts';
import type { CvssParseErrorCode, CvssVectorVersion } from './types.ts';

/** A metric map that does not make a valid vector; `code` and `reason` are the parser's. */
export class CvssVectorError extends Error {
  readonly code: CvssParseErrorCode;
  constructor(code: CvssParseErrorCode, reason: string) {
    super(reason);
    this.name = 'CvssVectorError';
    this.code = code;
  }
}

/**
 * The canonical vector string for a metric map: the version's prefix (none for v2.0), metrics in
 * the specification's order, Not Defined values (`X`, `ND`) left out as they change nothing.
 * Throws {@link CvssVectorError} for an unknown metric or value or a missing base metric.
 *
 * @example
 * buildCvssVector('3.1', { S: 'U', AV: 'N', AC: 'L', PR: 'N', UI: 'N', C: 'H', I: 'H', A: 'H', E: 'X' })
 * // 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'
 */
export const buildCvssVector = (
  version: CvssVectorVersion,
  metrics: Readonly<Record<string, string | undefined>>,
): string => {
  const definition = VERSION_DEFINITIONS[version];
  if (definition === undefined) {
    throw new CvssVectorError('BAD_PREFIX', `unsupported CVSS version "${String(version)}"`);
  }
  const fields: string[] = [];
  for (const metric of definition.metrics) {
    const value = metrics[metric.abbrev];
    if (value === undefined || value === metric.notDefined) continue;
    fields.push(`${metric.abbrev}:${value}`);
  }
  const vector = definition.prefix + fields.join('/');
  // Unknown metrics would be silently dropped above; report them instead.
  for (const abbrev of Object.keys(metrics)) {
    if (!definition.byAbbrev.has(abbrev)) {
      throw new CvssVectorError('UNKNOWN_METRIC', `unknown metric "${abbrev}" in CVSS v${version}`);
    }
  }
  const parsed = parseCvssVector(vector);
  if (!parsed.ok) throw new CvssVectorError(parsed.code, parsed.reason);
  return vector;
};
