/**
 * @module `validateCsaf`: the CSAF 2.0 JSON schema plus the mandatory tests of §6.1.
 */
import { defaultCweCatalog } from './cwe.ts';
import type { CweCatalog } from './cwe.ts';
import { MANDATORY_TESTS } from './mandatory-tests.ts';
import { validateCsafSchema } from './schema-validate.ts';
import type { CsafIssue, CsafValidationResult } from './types.ts';

export interface ValidateCsafOptions {
  /** CWE id → name for test 6.1.11; default the bundled CWE v4.15 catalog (`data/sample/cwe.csv`). */
  readonly cweCatalog?: CweCatalog;
  /** Run only these mandatory tests (ids as `6.1.14`); default all. The schema is always checked. */
  readonly tests?: readonly string[];
}

/** The ids of the mandatory tests `validateCsaf` runs, in §6.1 order. */
export const IMPLEMENTED_MANDATORY_TESTS: readonly string[] = MANDATORY_TESTS.map((t) => t.id);

/**
 * Validates a CSAF 2.0 document: the OASIS JSON schema (CVSS schemas resolved locally, `date-time`
 * and `uri` formats asserted), then every mandatory test of §6.1 (see
 * {@link IMPLEMENTED_MANDATORY_TESTS}). Errors carry a JSON pointer, a message and, for the
 * mandatory tests, the test's number. The mandatory tests run even when the schema fails, so one
 * pass shows everything.
 *
 * @example
 * validateCsaf(JSON.parse(text))
 * // { ok: false, errors: [{ path: '/document/tracking/version', message: 'the document version is "1" but the latest revision is "2"', test: '6.1.16' }] }
 */
export function validateCsaf(doc: unknown, options: ValidateCsafOptions = {}): CsafValidationResult {
  const errors: CsafIssue[] = [...validateCsafSchema(doc)];
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    const ctx = { cwe: () => options.cweCatalog ?? defaultCweCatalog() };
    for (const test of MANDATORY_TESTS) {
      if (options.tests !== undefined && !options.tests.includes(test.id)) continue;
      for (const f of test.run(doc as Record<string, unknown>, ctx)) errors.push({ ...f, test: test.id });
    }
  }
  return { ok: errors.length === 0, errors };
}

export interface ParsedCsaf extends CsafValidationResult {
  /** The parsed document; absent when the text is not JSON. */
  readonly doc?: unknown;
}

/**
 * Parses CSAF JSON text and validates it with {@link validateCsaf}. Text that is not JSON gives
 * one error at path '' instead of an exception.
 *
 * @example
 * parseCsafJson('{"document": {},}')
 * // { ok: false, errors: [{ path: '', message: 'not valid JSON: Expected double-quoted property name …' }] }
 */
export function parseCsafJson(text: string, options: ValidateCsafOptions = {}): ParsedCsaf {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [{ path: '', message: `not valid JSON: ${(error as Error).message}` }] };
  }
  return { ...validateCsaf(doc, options), doc };
}
