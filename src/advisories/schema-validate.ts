/**
 * @module JSON schema validation of CSAF 2.0 documents against the bundled OASIS schema, with
 * the FIRST CVSS schemas resolved locally (see `schema/README.md`).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import type { CsafIssue } from './types.ts';

const SCHEMA_DIR = new URL('./schema/', import.meta.url);

/** The URLs the CSAF schema uses in its `$ref`s, and the bundled file behind each. */
const CVSS_SCHEMAS = {
  '2.0': { url: 'https://www.first.org/cvss/cvss-v2.0.json', file: 'cvss-v2.0.json' },
  '3.0': { url: 'https://www.first.org/cvss/cvss-v3.0.json', file: 'cvss-v3.0.json' },
  '3.1': { url: 'https://www.first.org/cvss/cvss-v3.1.json', file: 'cvss-v3.1.json' },
} as const;
export type CvssSchemaVersion = keyof typeof CVSS_SCHEMAS;

/** Enough to fix a document; a broken one can produce hundreds. */
const MAX_SCHEMA_ISSUES = 50;

interface Compiled {
  readonly document: ValidateFunction;
  readonly cvss: Readonly<Record<CvssSchemaVersion, ValidateFunction>>;
}

let compiled: Compiled | undefined;

const readJson = (file: string): AnySchemaObject =>
  JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')) as AnySchemaObject;

/** A FIRST schema renamed to the URL the CSAF schema refers to it by (files stay verbatim). */
const cvssSchema = (version: CvssSchemaVersion): AnySchemaObject => {
  const { url, file } = CVSS_SCHEMAS[version];
  const { license: _license, $schema: _schema, id: _id, $id: _dollarId, ...rest } = readJson(file);
  return { ...rest, $id: url };
};

function compile(): Compiled {
  if (compiled !== undefined) return compiled;
  // date-time: CSAF §3.1 requires RFC 3339 timestamps with a time zone, and the mandatory tests
  // order revisions by them; uri: every url in a CSAF document must be dereferenceable, so a
  // malformed one is a real defect. Both are ajv-formats' full (RFC-exact) checks.
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    validateFormats: true,
    formats: { 'date-time': fullFormats['date-time'], uri: fullFormats.uri },
  });
  for (const version of Object.keys(CVSS_SCHEMAS) as CvssSchemaVersion[]) ajv.addSchema(cvssSchema(version));
  const document = ajv.compile(readJson('csaf_json_schema.json'));
  const cvss = {
    '2.0': ajv.getSchema(CVSS_SCHEMAS['2.0'].url)!,
    '3.0': ajv.getSchema(CVSS_SCHEMAS['3.0'].url)!,
    '3.1': ajv.getSchema(CVSS_SCHEMAS['3.1'].url)!,
  };
  compiled = { document, cvss };
  return compiled;
}

const describe = (error: ErrorObject): string => {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `missing required property "${String(params.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown property "${String(params.additionalProperty)}"`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return error.message ?? error.keyword;
  }
};

const toIssues = (errors: readonly ErrorObject[] | null | undefined, prefix = ''): CsafIssue[] =>
  (errors ?? []).map((error) => ({ path: prefix + error.instancePath, message: describe(error) }));

/** A `cvss_v2` / `cvss_v3` object or something below it: the domain of mandatory test 6.1.8. */
const CVSS_PATH = /^\/vulnerabilities\/\d+\/scores\/\d+\/cvss_v[23](\/|$)/;

/**
 * Validates a document against the CSAF 2.0 JSON schema. Errors inside CVSS objects are left
 * to mandatory test 6.1.8, which checks each against the schema of its own version and reports
 * one precise finding instead of Ajv's `oneOf` noise.
 * @internal
 */
export function validateCsafSchema(doc: unknown): CsafIssue[] {
  const { document } = compile();
  if (document(doc)) return [];
  const issues = toIssues(document.errors).filter((issue) => !CVSS_PATH.test(issue.path));
  const seen = new Set<string>();
  const unique = issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.slice(0, MAX_SCHEMA_ISSUES);
}

/**
 * Validates one CVSS object against FIRST's schema for `version` (6.1.8); issue paths are
 * prefixed with `path`.
 * @internal
 */
export function validateCvssObject(version: CvssSchemaVersion, value: unknown, path: string): CsafIssue[] {
  const validate = compile().cvss[version];
  return validate(value) ? [] : toIssues(validate.errors, path);
}
