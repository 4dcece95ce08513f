/**
 * @module Parsing and validating CVSS vector strings of every version.
 */
import { VERSION_DEFINITIONS } from './metrics.ts';
import type { VersionDefinition } from './metrics.ts';
import type { CvssParse, CvssParseErrorCode, CvssParseFailure, CvssVectorVersion } from './types.ts';

const PREFIXED_VERSIONS: ReadonlySet<string> = new Set(['3.0', '3.1', '4.0']);

const fail = (code: CvssParseErrorCode, reason: string): CvssParseFailure => ({ ok: false, code, reason });

const allowedValues = (values: ReadonlyMap<string, string>): string => [...values.keys()].join(', ');

const parseBody = (definition: VersionDefinition, body: string): CvssParse => {
  const metrics: Record<string, string> = {};
  let previous: string | undefined;
  const fields = body.split('/');
  for (const [position, field] of fields.entries()) {
    if (field === '') {
      return fail('MALFORMED_FIELD', `empty field at position ${position + 1} (stray "/")`);
    }
    const colon = field.indexOf(':');
    if (colon <= 0 || colon === field.length - 1 || field.includes(':', colon + 1)) {
      return fail('MALFORMED_FIELD', `field "${field}" is not of the form METRIC:VALUE`);
    }
    const abbrev = field.slice(0, colon);
    const value = field.slice(colon + 1);
    const metric = definition.byAbbrev.get(abbrev);
    if (metric === undefined) {
      if (definition.version === '2.0') {
        // An unprefixed vector that would be valid v3.x or v4.0: say what is really wrong.
        for (const version of ['3.1', '4.0'] as const) {
          if (parseBody(VERSION_DEFINITIONS[version], body).ok) {
            const prefixes = version === '3.1' ? '"CVSS:3.1/" or "CVSS:3.0/"' : '"CVSS:4.0/"';
            return fail('BAD_PREFIX', `missing prefix: a CVSS v${version === '3.1' ? '3.x' : version} vector must start with ${prefixes}`);
          }
        }
      }
      return fail('UNKNOWN_METRIC', `unknown metric "${abbrev}" in CVSS v${definition.version}`);
    }
    if (Object.hasOwn(metrics, abbrev)) {
      return fail('DUPLICATE_METRIC', `duplicate metric "${abbrev}" (${metric.name})`);
    }
    if (!metric.values.has(value)) {
      return fail(
        'BAD_VALUE',
        `bad value "${value}" for metric "${abbrev}" (${metric.name}); allowed: ${allowedValues(metric.values)}`,
      );
    }
    if (definition.ordered && previous !== undefined) {
      if (definition.index.get(abbrev)! < definition.index.get(previous)!) {
        return fail(
          'WRONG_ORDER',
          `metric "${abbrev}" must come before "${previous}": CVSS v${definition.version} requires the specification's order`,
        );
      }
    }
    metrics[abbrev] = value;
    previous = abbrev;
  }
  const missing = definition.metrics.filter((m) => m.mandatory && !Object.hasOwn(metrics, m.abbrev));
  if (missing.length > 0) {
    const list = missing.map((m) => `"${m.abbrev}" (${m.name})`).join(', ');
    return fail('MISSING_BASE_METRIC', `missing mandatory base metric${missing.length > 1 ? 's' : ''} ${list}`);
  }
  return { ok: true, version: definition.version, metrics };
};

/**
 * Parses and validates a CVSS vector string: v2.0 (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, no prefix, metrics
 * in the specification's order), v3.0 and v3.1 (`CVSS:3.1/…`, any order) and v4.0 (`CVSS:4.0/…`,
 * Table 23 order). Every base metric must be present, no metric twice, every value one the
 * specification allows. Nothing is trimmed or case-folded: vectors are compared as written.
 *
 * @example
 * parseCvssVector('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')
 * // { ok: true, version: '3.1', metrics: { AV: 'N', AC: 'L', PR: 'N', UI: 'N', S: 'U', C: 'H', I: 'H', A: 'H' } }
 * parseCvssVector('CVSS:3.1/AV:N/AC:L')
 * // { ok: false, code: 'MISSING_BASE_METRIC', reason: 'missing mandatory base metrics "PR" (Privileges Required), …' }
 */
export const parseCvssVector = (vector: string): CvssParse => {
  if (typeof vector !== 'string' || vector === '') return fail('EMPTY', 'empty vector');
  if (/\s/u.test(vector)) return fail('MALFORMED_FIELD', 'whitespace in vector');
  if (!vector.startsWith('CVSS:')) {
    if (/^cvss:/iu.test(vector)) {
      return fail('BAD_PREFIX', `prefix "${vector.slice(0, 5)}" must be written "CVSS:"`);
    }
    return parseBody(VERSION_DEFINITIONS['2.0'], vector);
  }
  const slash = vector.indexOf('/');
  const label = slash < 0 ? vector : vector.slice(0, slash);
  const version = label.slice('CVSS:'.length);
  if (version === '2.0' || version === '2') {
    return fail('BAD_PREFIX', `CVSS v2.0 vectors carry no prefix: drop "${label}/"`);
  }
  if (!PREFIXED_VERSIONS.has(version)) {
    return fail('BAD_PREFIX', `unsupported CVSS version "${version}" in prefix "${label}"`);
  }
  if (slash < 0 || slash === vector.length - 1) {
    return fail('MISSING_BASE_METRIC', `no metrics after prefix "${label}/"`);
  }
  return parseBody(VERSION_DEFINITIONS[version as CvssVectorVersion], vector.slice(slash + 1));
};
