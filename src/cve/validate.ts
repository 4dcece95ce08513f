/**
 * @module CVE JSON 5 record validation: fast envelope pre-checks, then the official
 * bundled CVE Record Format 5.1.1 schema (JSON Schema draft-07) through Ajv, with the
 * errors reduced to a few messages that name the JSON path and the reason.
 *
 * Decisions:
 * - The schema's top level is `oneOf: [Published, Rejected]`, split on
 *   `cveMetadata.state` (`enum: ["PUBLISHED"]` / `["REJECTED"]`). The two branches
 *   cannot both pass, so validating only the branch named by `state` gives the same
 *   verdict as the whole `oneOf`, in about half the time, and errors from one branch.
 * - Format assertions are OFF by default, matching the reference validation of the
 *   CVE List sample (Python jsonschema, formats off: cve5/README.md). The schema has
 *   only two `format`s (`uri` on `definitions.uriType`, `date` on
 *   `definitions.datestamp`), and its dates are already checked by `pattern`.
 *   `{ formats: true }` turns them on (ajv-formats full mode) for stricter callers
 *   such as a CNA submitting a record; all 69,728 real record versions pass either way.
 * - The schema file is read when the first record is validated, not at module load.
 * - `uniqueItems` on arrays of objects (references, affected, metrics, descriptions…)
 *   is Ajv's O(n²) pairwise deep compare: a third of the time on real records. It is
 *   replaced by the same keyword checked through a hash of each item, deep-comparing
 *   only items whose hashes collide (linear), reporting the very pair Ajv reports;
 *   see {@link uniqueItemsKeyword}.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, _, str } from 'ajv';
import type { CodeKeywordDefinition, ErrorObject, KeywordCxt, Name, ValidateFunction } from 'ajv';
import { checkDataTypes, DataType, getSchemaTypes } from 'ajv/dist/compile/validate/dataType.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import * as standalone from 'ajv/dist/standalone/index.js';
import { parseCveId } from './cve-id.ts';

/** One problem found in a record, in words, located by a JSON pointer. */
export interface ValidationIssue {
  /** JSON pointer into the record, e.g. `/containers/cna/descriptions/0/value`; '' for the whole document. */
  readonly path: string;
  /** What is wrong, in words. */
  readonly message: string;
  /** The JSON Schema keyword that failed (`required`, `pattern`…), or `envelope` for the pre-checks. */
  readonly keyword?: string;
}

export interface ValidationResult {
  readonly ok: boolean;
  readonly issues: readonly ValidationIssue[];
}

export interface ValidateOptions {
  /** Assert the schema's `uri` and `date` formats (default false, as the reference validation). */
  readonly formats?: boolean;
}

const SCHEMA_URL = new URL('./schema/CVE_JSON_bundled_5.1.1.json', import.meta.url);
/**
 * The validators as code generated ahead of time (Ajv standalone, `npm run
 * generate:validator`), one file per {@link Variant}: loading one takes ~30 ms where
 * compiling the schema takes ~250 ms, in every process and worker thread that validates
 * (the explaining ones on its first invalid record, the format-checking ones on a CNA's
 * first record). Each file's first line names the schema's SHA-256; a file for another
 * schema is not used.
 */
const PRECOMPILED_DIR = new URL('./schema/', import.meta.url);
/** What the generated code `require`s for the linear uniqueItems (see {@link loadPrecompiled}). */
const UNIQUE_ITEMS_MODULE = 'cvekit:unique-items';
/** What the generated format-checking code `require`s for ajv-formats' functions. */
const FORMATS_MODULE = 'cvekit:formats';
const SCHEMA_ID = 'https://cveproject.github.io/cve-schema/schema/CVE_Record_Format.json';
/** CVE JSON 5 `definitions.dataVersion.pattern`: any 5.x or 5.x.y. */
const DATA_VERSION = /^5\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$/;
/** Enough to fix a record without drowning the message; the schema can report hundreds. */
const MAX_ISSUES = 10;

type Branch = 'PUBLISHED' | 'REJECTED';
/** Index of each state's branch in the schema's top-level `oneOf`. */
const BRANCH_INDEX: Record<Branch, number> = { PUBLISHED: 0, REJECTED: 1 };

interface Validators {
  /** Stops at the first error: the common case is a valid record. */
  readonly fast: Record<Branch, (json: unknown) => boolean>;
  /** All errors, loaded only when a record fails, to explain why. */
  explain?: Record<Branch, ValidateFunction>;
}

/** One compiled form of the schema: with the format assertions or not, first error or all. */
export interface Variant {
  readonly formats: boolean;
  readonly allErrors: boolean;
}

/** Every variant, each with its generated file. @internal */
export const VARIANTS: readonly Variant[] = [
  { formats: false, allErrors: false },
  { formats: false, allErrors: true },
  { formats: true, allErrors: false },
  { formats: true, allErrors: true },
];

/** `validators.generated.cjs`, `validators-explain.generated.cjs`, `validators-formats….generated.cjs`. @internal */
export const variantFile = (v: Variant): string =>
  `validators${v.formats ? '-formats' : ''}${v.allErrors ? '-explain' : ''}.generated.cjs`;

const compiled = new Map<boolean, Validators>();

// ---------------------------------------------------------------------------
// uniqueItems in linear time

/** Set when {@link signature} meets a value that is not plain JSON. */
let notPlainJson = false;

const FNV_PRIME = 0x01000193;

/**
 * A 32-bit hash equal for two values whenever Ajv's `fast-deep-equal` calls them equal,
 * for plain JSON values: strings hashed whole, arrays in order, object members summed
 * (key order does not matter, as there). Anything else (`undefined`, functions, class
 * instances, own `constructor`/`valueOf`/`toString` keys, non-finite numbers…) sets
 * {@link notPlainJson}, and the caller falls back to Ajv's pairwise compare.
 */
function signature(value: unknown): number {
  switch (typeof value) {
    case 'string': {
      let h = 0x811c9dc5 ^ value.length;
      for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), FNV_PRIME);
      return h;
    }
    case 'number':
      if (!Number.isFinite(value)) notPlainJson = true;
      // 0 and -0 are equal (===) and hash alike.
      return Math.imul((value * 1000003) | 0, FNV_PRIME) ^ ((value / 4294967296) | 0) ^ 0x5bd1e995;
    case 'boolean':
      return value ? 0x27d4eb2d : 0x165667b1;
    case 'object': {
      if (value === null) return 0x3c6ef372;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) notPlainJson = true;
        let h = 0x6a09e667 ^ value.length;
        for (let i = 0; i < value.length; i++) h = Math.imul(h ^ signature(value[i]), FNV_PRIME);
        return h;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) notPlainJson = true;
      const keys = Object.keys(value);
      let sum = keys.length;
      for (const key of keys) {
        if (key === 'constructor' || key === 'valueOf' || key === 'toString') notPlainJson = true;
        sum = (sum + Math.imul(signature(key) ^ 0x9e3779b9, 31) + signature((value as Record<string, unknown>)[key])) | 0;
      }
      return Math.imul(sum ^ 0x510e527f, FNV_PRIME);
    }
    default:
      notPlainJson = true;
      return 0;
  }
}

/** `fast-deep-equal` (what Ajv's `uniqueItems` uses), for the values canonicalKey declines. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const x = a as Record<string, unknown> & { constructor: unknown };
    const y = b as Record<string, unknown> & { constructor: unknown };
    if (x.constructor !== y.constructor) return false;
    if (Array.isArray(x)) {
      const yy = y as unknown as unknown[];
      if (x.length !== yy.length) return false;
      for (let i = x.length; i-- !== 0; ) if (!deepEqual(x[i], yy[i])) return false;
      return true;
    }
    if (x.constructor === RegExp) return (x as unknown as RegExp).source === (y as unknown as RegExp).source && (x as unknown as RegExp).flags === (y as unknown as RegExp).flags;
    if (x.valueOf !== Object.prototype.valueOf) return (x.valueOf as () => unknown)() === (y.valueOf as () => unknown)();
    if (x.toString !== Object.prototype.toString) return (x.toString as () => unknown)() === (y.toString as () => unknown)();
    const keys = Object.keys(x);
    if (keys.length !== Object.keys(y).length) return false;
    for (let i = keys.length; i-- !== 0; ) if (!Object.prototype.hasOwnProperty.call(y, keys[i])) return false;
    for (let i = keys.length; i-- !== 0; ) if (!deepEqual(x[keys[i]], y[keys[i]])) return false;
    return true;
  }
  return a !== a && b !== b;
}

/** Arrays up to this length are compared pairwise (at most 28 compares), longer ones bucketed by signature. */
const PAIRWISE_MAX = 8;

/**
 * The pair Ajv's pairwise `uniqueItems` reports, or undefined: the largest `i` equal to
 * an earlier item, and the largest such `j < i`. Up to {@link PAIRWISE_MAX} items, pairwise
 * as Ajv does. Longer arrays: items are bucketed by {@link signature} and compared (with
 * Ajv's deep equality) only within a bucket, so distinct items cost one pass; pairwise
 * over all items only when an item is not plain JSON.
 * @internal
 */
export function findDuplicateItems(items: readonly unknown[]): readonly [i: number, j: number] | undefined {
  const n = items.length;
  // Short arrays (most of a record's: one description, one affected product, a few
  // versions or references): Ajv's own pairwise compare, which stops at the first
  // difference, costs less than hashing every item whole (and, nested, again per level).
  if (n <= PAIRWISE_MAX) return n < 2 ? undefined : findDuplicateItemsPairwise(items);
  // previous[i]: the nearest earlier index with the same signature, or -1.
  const previous = new Array<number>(n);
  const lastBySignature = new Map<number, number>();
  let collisions = false;
  notPlainJson = false;
  for (let i = 0; i < n; i++) {
    const sig = signature(items[i]);
    const j = lastBySignature.get(sig);
    previous[i] = j ?? -1;
    if (j !== undefined) collisions = true;
    lastBySignature.set(sig, i);
  }
  if (notPlainJson) return findDuplicateItemsPairwise(items);
  if (!collisions) return undefined;
  for (let i = n - 1; i > 0; i--) {
    for (let j = previous[i]; j !== -1; j = previous[j]) if (deepEqual(items[i], items[j])) return [i, j];
  }
  return undefined;
}

function findDuplicateItemsPairwise(items: readonly unknown[]): readonly [i: number, j: number] | undefined {
  for (let i = items.length; i--; ) for (let j = i; j--; ) if (deepEqual(items[i], items[j])) return [i, j];
  return undefined;
}

/**
 * Ajv's own `uniqueItems` (lib/vocabularies/validation/uniqueItems.ts, Ajv 8): same
 * keyword, schema path, error params `{i, j}` and message, same place among the array
 * keywords (last). Arrays of scalars keep Ajv's linear `indices` loop as generated code;
 * arrays whose items may be objects or arrays (Ajv's pairwise `loopN2`, O(n²) deep
 * compares) call {@link findDuplicateItems} instead.
 */
const uniqueItemsKeyword: CodeKeywordDefinition = {
  keyword: 'uniqueItems',
  type: 'array',
  schemaType: 'boolean',
  error: {
    message: ({ params: { i, j } }) => str`must NOT have duplicate items (items ## ${j} and ${i} are identical)`,
    params: ({ params: { i, j } }) => _`{i: ${i}, j: ${j}}`,
  },
  code(cxt: KeywordCxt) {
    const { gen, data, schema, parentSchema, it } = cxt;
    if (!schema) return;
    const valid = gen.let('valid');
    const itemTypes = parentSchema.items ? getSchemaTypes(parentSchema.items) : [];
    const i = gen.let('i', _`${data}.length`);
    const j = gen.let('j');
    cxt.setParams({ i, j });
    gen.assign(valid, true);
    const scalars = itemTypes.length > 0 && !itemTypes.some((t) => t === 'object' || t === 'array');
    gen.if(_`${i} > 1`, () => (scalars ? loopN(i, j) : linear(i, j)));
    cxt.ok(valid);

    function loopN(i: Name, j: Name): void {
      const item = gen.name('item');
      const wrongType = checkDataTypes(itemTypes, item, it.opts.strictNumbers, DataType.Wrong);
      const indices = gen.const('indices', _`{}`);
      gen.for(_`;${i}--;`, () => {
        gen.let(item, _`${data}[${i}]`);
        gen.if(wrongType, _`continue`);
        if (itemTypes.length > 1) gen.if(_`typeof ${item} == "string"`, _`${item} += "_"`);
        gen
          .if(_`typeof ${indices}[${item}] == "number"`, () => {
            gen.assign(j, _`${indices}[${item}]`);
            cxt.error();
            gen.assign(valid, false).break();
          })
          .code(_`${indices}[${item}] = ${i}`);
      });
    }

    function linear(i: Name, j: Name): void {
      // `code`: how generated standalone code reaches the function (see loadPrecompiled).
      const find = gen.scopeValue('func', { ref: findDuplicateItems, code: _`require(${UNIQUE_ITEMS_MODULE}).findDuplicateItems` });
      const dup = gen.const('dup', _`${find}(${data})`);
      gen.if(_`${dup} !== undefined`, () => {
        gen.assign(i, _`${dup}[0]`);
        gen.assign(j, _`${dup}[1]`);
        cxt.error();
        gen.assign(valid, false);
      });
    }
  },
};

function newAjv(formats: boolean, allErrors: boolean, schema: object, source = false): Ajv {
  const ajv = new Ajv({
    allErrors,
    // Standalone code reaches the format functions by `require` (see loadPrecompiled).
    ...(source ? { code: { source: true, ...(formats && { formats: _`require(${FORMATS_MODULE}).fullFormats` }) } } : {}),
    // The bundled schema carries annotation keys Ajv's strict mode rejects.
    strict: false,
    validateFormats: formats,
    formats: formats ? { uri: fullFormats.uri, date: fullFormats.date } : {},
  });
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword(uniqueItemsKeyword);
  ajv.addSchema(schema);
  return ajv;
}

function branches(ajv: Ajv): Record<Branch, ValidateFunction> {
  return {
    PUBLISHED: ajv.compile({ $ref: `${SCHEMA_ID}#/oneOf/${BRANCH_INDEX.PUBLISHED}` }),
    REJECTED: ajv.compile({ $ref: `${SCHEMA_ID}#/oneOf/${BRANCH_INDEX.REJECTED}` }),
  };
}

let schemaText: string | undefined;
let schemaJson: object | undefined;
const loadSchemaText = (): string => (schemaText ??= readFileSync(SCHEMA_URL, 'utf8'));
function loadSchema(): object {
  schemaJson ??= JSON.parse(loadSchemaText()) as object;
  return schemaJson;
}
/** Of the schema file's text: the generated validators' check needs no parsed schema. */
const schemaSha256 = (): string => createHash('sha256').update(loadSchemaText()).digest('hex');

/** The exported names of the generated module and the schema each one checks. */
const PRECOMPILED_EXPORTS: Record<Branch, string> = { PUBLISHED: 'published', REJECTED: 'rejected' };
const branchId = (b: Branch): string => `cvekit:branch:${PRECOMPILED_EXPORTS[b]}`;

/**
 * The source of a generated validators file: both branches' validators of one variant,
 * sharing the schema's definitions. Used by the generator script and by the test that the
 * committed files are current.
 * @internal
 */
export function precompiledValidatorsSource(variant: Variant = VARIANTS[0]): string {
  const ajv = newAjv(variant.formats, variant.allErrors, loadSchema(), true);
  const refs: Record<string, string> = {};
  for (const b of Object.keys(BRANCH_INDEX) as Branch[]) {
    ajv.addSchema({ $id: branchId(b), allOf: [{ $ref: `${SCHEMA_ID}#/oneOf/${BRANCH_INDEX[b]}` }] });
    refs[PRECOMPILED_EXPORTS[b]] = branchId(b);
  }
  // The module is CommonJS: Node's default import is the function itself, TypeScript sees `.default`.
  const standaloneCode = (standalone as unknown as { default: (ajv: Ajv, refs: Record<string, string>) => string }).default;
  const code = standaloneCode(ajv, refs);
  const what = `formats ${variant.formats ? 'on' : 'off'}, ${variant.allErrors ? 'all errors' : 'first error'}`;
  return `// Generated by \`npm run generate:validator\` from CVE_JSON_bundled_5.1.1.json sha256 ${schemaSha256()}; ${what}; do not edit.\n${code}\n`;
}

const nodeRequire = createRequire(import.meta.url);

/** The Ajv runtime helper the generated code measures `minLength`/`maxLength` with. */
const UCS2_LENGTH_MODULE = 'ajv/dist/runtime/ucs2length';
const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

/**
 * A string's length in code points as JSON Schema counts it (a surrogate pair is one), what
 * Ajv's `ucs2length` returns. Most strings have no surrogate at all, and a regular expression
 * finds that out ~4× faster than Ajv's loop over every character; the others are counted.
 * @internal
 */
export function ucs2length(s: string): number {
  if (!HIGH_SURROGATE.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return n;
}

/**
 * The generated validators of a variant, or undefined when the file is missing or made
 * from another schema (the caller compiles instead). The code is Ajv's own output (what
 * `ajv.compile` would evaluate in this process), evaluated with a `require` that gives it
 * Ajv's runtime helpers, this module's {@link findDuplicateItems} and the format functions.
 * @internal
 */
export function loadPrecompiled(variant: Variant = VARIANTS[0]): Record<Branch, ValidateFunction> | undefined {
  let code: string;
  try {
    code = readFileSync(new URL(variantFile(variant), PRECOMPILED_DIR), 'utf8');
  } catch {
    return undefined;
  }
  if (!code.startsWith('// Generated') || !code.slice(0, code.indexOf('\n')).includes(`sha256 ${schemaSha256()};`)) return undefined;
  const module = { exports: {} as Record<string, unknown> };
  const load = (id: string): unknown =>
    id === UNIQUE_ITEMS_MODULE
      ? { findDuplicateItems }
      : id === FORMATS_MODULE
        ? { fullFormats }
        : id === UCS2_LENGTH_MODULE
          ? { default: ucs2length }
          : nodeRequire(id);
  // eslint-disable-next-line no-new-func -- Ajv's generated code, as Ajv itself evaluates it
  new Function('require', 'module', 'exports', code)(load, module, module.exports);
  const out = {} as Record<Branch, ValidateFunction>;
  for (const b of Object.keys(BRANCH_INDEX) as Branch[]) {
    const f = module.exports[PRECOMPILED_EXPORTS[b]];
    if (typeof f !== 'function') return undefined;
    out[b] = f as ValidateFunction;
  }
  return out;
}

/** A variant's validators compiled in this process (what its generated file replaces). @internal */
export const compileVariant = (variant: Variant): Record<Branch, ValidateFunction> =>
  branches(newAjv(variant.formats, variant.allErrors, loadSchema()));

/** A variant's validators: generated code when its file is current, else compiled here. */
const variantValidators = (variant: Variant): Record<Branch, ValidateFunction> => loadPrecompiled(variant) ?? compileVariant(variant);

function validators(formats: boolean): Validators {
  let v = compiled.get(formats);
  if (v === undefined) {
    v = { fast: variantValidators({ formats, allErrors: false }) };
    compiled.set(formats, v);
  }
  return v;
}

/**
 * The whole-schema validator (both `oneOf` branches), for tests that check the branch shortcut.
 * @internal
 */
export function compileFullSchemaValidator(formats = false): (json: unknown) => boolean {
  const ajv = new Ajv({
    strict: false,
    validateFormats: formats,
    formats: formats ? { uri: fullFormats.uri, date: fullFormats.date } : {},
  });
  const validate = ajv.compile(loadSchema());
  return (json) => validate(json) === true;
}

// ---------------------------------------------------------------------------
// Envelope pre-checks

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function shortJson(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value) : String(JSON.stringify(value) ?? value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Fast, precise pre-checks of a CVE record's envelope, before the schema: a JSON
 * object, `dataType` `CVE_RECORD`, a supported 5.x `dataVersion`, a valid
 * `cveMetadata.cveId` (with the reason it is not, X1520-10.1), a `state` of PUBLISHED
 * or REJECTED, and a `containers.cna`. Returns no issues when the envelope is sound.
 *
 * @example
 * checkEnvelope({ dataType: 'CVE_RECORD', dataVersion: '4.0', ... })
 * // [{ path: '/dataVersion', message: 'unsupported dataVersion "4.0": expected 5.x', keyword: 'envelope' }]
 */
export function checkEnvelope(json: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (path: string, message: string): void => {
    issues.push({ path, message, keyword: 'envelope' });
  };
  if (!isObject(json)) {
    add('', `a CVE record must be a JSON object, got ${kindOf(json)}`);
    return issues;
  }
  if (!('dataType' in json)) add('/dataType', 'required property "dataType" is missing: expected "CVE_RECORD"');
  else if (json.dataType !== 'CVE_RECORD') add('/dataType', `dataType must be "CVE_RECORD", got ${shortJson(json.dataType)}`);

  if (!('dataVersion' in json)) add('/dataVersion', 'required property "dataVersion" is missing: expected 5.x');
  else if (typeof json.dataVersion !== 'string') add('/dataVersion', `dataVersion must be a string such as "5.1", got ${kindOf(json.dataVersion)}`);
  else if (!DATA_VERSION.test(json.dataVersion)) add('/dataVersion', `unsupported dataVersion ${shortJson(json.dataVersion)}: expected 5.x`);

  const meta = json.cveMetadata;
  if (meta === undefined) add('/cveMetadata', 'required property "cveMetadata" is missing');
  else if (!isObject(meta)) add('/cveMetadata', `cveMetadata must be an object, got ${kindOf(meta)}`);
  else {
    const id = meta.cveId;
    if (id === undefined) add('/cveMetadata/cveId', 'required property "cveId" is missing');
    else if (typeof id !== 'string') add('/cveMetadata/cveId', `cveId must be a string, got ${kindOf(id)}`);
    else {
      const parsed = parseCveId(id);
      if (!parsed.ok) add('/cveMetadata/cveId', `invalid CVE ID ${shortJson(id)}: ${parsed.reason}`);
      // The record carries the canonical form only (`definitions.cveId.pattern`).
      else if (parsed.id !== id) add('/cveMetadata/cveId', `CVE ID ${shortJson(id)} must be written in canonical form ${parsed.id}`);
    }
    const state = meta.state;
    if (state === undefined) add('/cveMetadata/state', 'required property "state" is missing: expected PUBLISHED or REJECTED');
    else if (state !== 'PUBLISHED' && state !== 'REJECTED') {
      const why = state === 'RESERVED' ? ' (a RESERVED CVE ID has no CVE record yet)' : '';
      add('/cveMetadata/state', `state must be PUBLISHED or REJECTED, got ${shortJson(state)}${why}`);
    }
  }

  const containers = json.containers;
  if (containers === undefined) add('/containers', 'required property "containers" is missing');
  else if (!isObject(containers)) add('/containers', `containers must be an object, got ${kindOf(containers)}`);
  else if (containers.cna === undefined) add('/containers/cna', 'required property "cna" is missing: every record has a CNA container');
  else if (!isObject(containers.cna)) add('/containers/cna', `the CNA container must be an object, got ${kindOf(containers.cna)}`);
  return issues;
}

// ---------------------------------------------------------------------------
// Ajv errors to issues

/** Friendlier words for `pattern` failures of the schema's named definitions. */
const PATTERN_WORDS: Record<string, string> = {
  timestamp: 'must be a date-time (YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM], years 1900 to 2999)',
  datestamp: 'must be a date (YYYY-MM-DD)',
  cveId: 'must be a CVE ID (CVE-YYYY-NNNN)',
  uuidType: 'must be a version 4 UUID',
  orgId: 'must be a version 4 UUID',
  userId: 'must be a version 4 UUID',
  language: 'must be a BCP 47 language code (e.g. "en", "en-US")',
  cpe22and23: 'must be a CPE 2.2 URI or CPE 2.3 formatted string',
  cpe23: 'must be a CPE 2.3 formatted string',
};

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function definitionOf(schemaPath: string): string | undefined {
  const m = /#\/definitions\/([^/]+)\/pattern$/.exec(schemaPath);
  return m?.[1];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describe(e: ErrorObject): ValidationIssue {
  const p = e.params as Record<string, unknown>;
  let path = e.instancePath;
  let message: string;
  switch (e.keyword) {
    case 'required':
      path += `/${escapePointer(String(p.missingProperty))}`;
      message = `required property "${String(p.missingProperty)}" is missing`;
      break;
    case 'additionalProperties':
      path += `/${escapePointer(String(p.additionalProperty))}`;
      message = `property "${String(p.additionalProperty)}" is not allowed here`;
      break;
    case 'minItems':
      message = `must have at least ${plural(Number(p.limit), 'item')}`;
      break;
    case 'maxItems':
      message = `must have at most ${plural(Number(p.limit), 'item')}`;
      break;
    case 'minLength':
      message = Number(p.limit) === 1 ? 'must not be empty' : `must be at least ${plural(Number(p.limit), 'character')} long`;
      break;
    case 'maxLength':
      message = `must be at most ${plural(Number(p.limit), 'character')} long`;
      break;
    case 'type':
      message = `must be ${/^[aeiou]/.test(String(p.type)) ? 'an' : 'a'} ${String(p.type)}`;
      break;
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      message = `must be one of ${allowed.length > 8 ? `${allowed.slice(0, 8).join(', ')}, ...` : allowed.join(', ')}`;
      break;
    }
    case 'const':
      message = `must be ${JSON.stringify(p.allowedValue)}`;
      break;
    case 'pattern': {
      const def = definitionOf(e.schemaPath);
      message = (def !== undefined ? PATTERN_WORDS[def] : undefined) ?? `must match the pattern ${shortJson(p.pattern)}`;
      break;
    }
    case 'format':
      message = `must be a valid ${String(p.format)}`;
      break;
    case 'contains':
      // `definitions.descriptions` requires an English entry (`englishLanguageDescription`).
      message = e.instancePath.endsWith('/descriptions') ? 'must contain at least one English ("en") entry' : 'must contain a matching item';
      break;
    case 'uniqueItems':
      message = `must not contain duplicates (items ${String(p.j)} and ${String(p.i)} are equal)`;
      break;
    case 'minProperties':
      message = `must have at least ${plural(Number(p.limit), 'property')}`.replace('propertys', 'properties');
      break;
    default:
      message = e.message ?? `fails the "${e.keyword}" rule`;
  }
  return { path, message, keyword: e.keyword };
}

/**
 * Reduce Ajv's error list to the errors that explain the failure: errors inside an
 * `anyOf`/`oneOf` are alternatives, so they become one issue at the combinator's
 * path ("must match one of: A; or B"), and repeats are dropped.
 */
function toIssues(errors: readonly ErrorObject[]): ValidationIssue[] {
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  const push = (issue: ValidationIssue): void => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key) || issues.length >= MAX_ISSUES) return;
    seen.add(key);
    issues.push(issue);
  };
  const containsPaths = errors.filter((e) => e.keyword === 'contains').map((e) => `${e.instancePath}/`);
  for (const e of errors) {
    // Items tried by a failed `contains` (`definitions.englishLanguageDescription`) are not errors of their own.
    if (e.schemaPath.startsWith('#/definitions/english') && containsPaths.some((p) => e.instancePath.startsWith(p))) continue;
    // An error under a failing combinator's schema path is one of its alternatives.
    const owner = combinators.find((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`));
    if (owner !== undefined) continue;
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      if (e.keyword === 'oneOf' && (e.params as { passingSchemas?: unknown }).passingSchemas != null) {
        push({ path: e.instancePath, message: 'must match exactly one allowed form, but matches several', keyword: 'oneOf' });
        continue;
      }
      // Group the alternatives by branch (the token after the combinator's schema path).
      const groups = new Map<string, ErrorObject[]>();
      for (const a of errors) {
        if (a === e || !a.schemaPath.startsWith(`${e.schemaPath}/`) || a.keyword === 'anyOf' || a.keyword === 'oneOf') continue;
        const branch = a.schemaPath.slice(e.schemaPath.length + 1).split('/')[0];
        groups.set(branch, [...(groups.get(branch) ?? []), a]);
      }
      const all = [...groups.values()];
      if (all.length > 1 && all.every((g) => g.every((a) => a.keyword === 'required' && a.instancePath === e.instancePath))) {
        // CVE JSON 5 `definitions.product`: vendor and product, or collectionURL and packageName.
        const forms = all.map((g) => g.map((a) => `"${String((a.params as { missingProperty?: unknown }).missingProperty)}"`).join(' and '));
        push({ path: e.instancePath, message: `must have either ${forms.join(', or ')}`, keyword: e.keyword });
        continue;
      }
      const unique = [
        ...new Set(
          all.map((g) =>
            g
              .map((a) => {
                const d = describe(a);
                return d.path === e.instancePath ? d.message : `${d.path.slice(e.instancePath.length)}: ${d.message}`;
              })
              .join(', '),
          ),
        ),
      ].slice(0, 4);
      push({
        path: e.instancePath,
        message: unique.length > 0 ? `must match one of the allowed forms: ${unique.join('; or ')}` : 'must match one of the allowed forms',
        keyword: e.keyword,
      });
      continue;
    }
    push(describe(e));
  }
  return issues;
}

/**
 * Validate a CVE JSON 5 record: {@link checkEnvelope}, then the official bundled
 * CVE Record Format 5.1.1 schema (the branch of its `oneOf` named by
 * `cveMetadata.state`). Issues name the JSON path and the reason in words, at most 10.
 * Never throws; answers in linear time in the record's size.
 *
 * @example
 * validateRecord(record) // { ok: false, issues: [{ path: '/containers/cna/descriptions', message: 'must have at least 1 item', keyword: 'minItems' }] }
 */
export function validateRecord(json: unknown, options: ValidateOptions = {}): ValidationResult {
  const envelope = checkEnvelope(json);
  if (envelope.length > 0) return { ok: false, issues: envelope };
  const state = (json as { cveMetadata: { state: Branch } }).cveMetadata.state;
  const v = validators(options.formats === true);
  if (v.fast[state](json) === true) return { ok: true, issues: [] };
  v.explain ??= variantValidators({ formats: options.formats === true, allErrors: true });
  const explain = v.explain[state];
  explain(json);
  const errors = explain.errors ?? [];
  const issues = toIssues(errors);
  return { ok: false, issues: issues.length > 0 ? issues : [{ path: '', message: 'does not match the CVE Record Format 5.1.1 schema' }] };
}
