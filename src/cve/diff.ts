/**
 * @module Structural diff of two versions of a CVE record, for the history view:
 * which fields changed, with old and new values (X1520-7.7: the status of a name over time).
 */

/** One changed field between two versions of a record. */
export interface FieldChange {
  /**
   * JSON pointer of the field in the new version (for `removed`: where it was, under its
   * parent's pointer in the new version). Array items matched by key may move, so
   * `oldPath` gives the pointer in the old version when it differs.
   */
  readonly path: string;
  /** JSON pointer in the old version, when it differs from `path` (an item that moved). */
  readonly oldPath?: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly old?: unknown;
  readonly new?: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type KeyFn = (item: unknown) => string | undefined;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** ADP containers: one per provider (`providerMetadata.orgId`). */
const byOrgId: KeyFn = (item) => (isObject(item) && isObject(item.providerMetadata) ? str(item.providerMetadata.orgId) : undefined);
/** References: the URL is the identity (CVE JSON 5 `definitions.reference.url`). */
const byUrl: KeyFn = (item) => (isObject(item) ? str(item.url) : undefined);
/** Descriptions, rejected reasons: one per language. */
const byLang: KeyFn = (item) => (isObject(item) ? str(item.lang) : undefined);
/**
 * Affected products: vendor and product, or (the schema's other allowed form)
 * collectionURL and packageName.
 */
const byProduct: KeyFn = (item) => {
  if (!isObject(item)) return undefined;
  const vendor = str(item.vendor);
  const product = str(item.product);
  if (vendor !== undefined || product !== undefined) {
    return `${vendor ?? ''}\u0000${product ?? ''}\u0000${str(item.packageName) ?? ''}`;
  }
  const pkg = str(item.packageName);
  return pkg === undefined ? undefined : `\u0001${str(item.collectionURL) ?? ''}\u0000${pkg}`;
};

/** The key for the items of the array at `path` (last pointer token names the array). */
function keyFnFor(path: string): KeyFn | undefined {
  if (path === '/containers/adp') return byOrgId;
  const last = path.slice(path.lastIndexOf('/') + 1);
  switch (last) {
    case 'references':
      return byUrl;
    case 'descriptions':
    case 'rejectedReasons':
      // problemTypes[].descriptions hold `description`, not `value`: keyed only if `lang` is unique.
      return byLang;
    case 'affected':
      return byProduct;
    default:
      return undefined;
  }
}

/** Keys of every item, or undefined when some item has no key or two share one. */
function keysOf(items: readonly unknown[], keyFn: KeyFn): string[] | undefined {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const k = keyFn(item);
    if (k === undefined || seen.has(k)) return undefined;
    seen.add(k);
    keys.push(k);
  }
  return keys;
}

function isPrimitiveArray(a: readonly unknown[]): boolean {
  for (const v of a) if (v !== null && typeof v === 'object') return false;
  return true;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!(k in b) || !deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** Build a change, with `oldPath` only when the old pointer differs. */
function change(path: string, oldPath: string, kind: FieldChange['kind'], a: unknown, b: unknown): FieldChange {
  return {
    path,
    ...(oldPath !== path && kind !== 'added' && { oldPath }),
    kind,
    ...(kind !== 'added' && { old: a }),
    ...(kind !== 'removed' && { new: b }),
  };
}

function walk(path: string, oldPath: string, a: unknown, b: unknown, out: FieldChange[]): void {
  if (a === b) return;
  if (isObject(a) && isObject(b)) {
    // Sorted keys: the output does not depend on how either version was serialised.
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const token = escapePointer(k);
      const p = `${path}/${token}`;
      const op = `${oldPath}/${token}`;
      const inA = Object.hasOwn(a, k);
      const inB = Object.hasOwn(b, k);
      if (inA && !inB) out.push(change(p, op, 'removed', a[k], undefined));
      else if (!inA && inB) out.push(change(p, op, 'added', undefined, b[k]));
      else walk(p, op, a[k], b[k], out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    walkArray(path, oldPath, a, b, out);
    return;
  }
  if (!deepEqual(a, b)) out.push(change(path, oldPath, 'changed', a, b));
}

function walkArray(path: string, oldPath: string, a: readonly unknown[], b: readonly unknown[], out: FieldChange[]): void {
  if (deepEqual(a, b)) return;
  // Lists of strings (tags, cpes, replacedBy): one change of the whole list reads best.
  if (isPrimitiveArray(a) && isPrimitiveArray(b)) {
    out.push(change(path, oldPath, 'changed', a, b));
    return;
  }
  const keyFn = keyFnFor(path);
  const ka = keyFn && keysOf(a, keyFn);
  const kb = keyFn && keysOf(b, keyFn);
  if (ka !== undefined && kb !== undefined) {
    const oldIndex = new Map(ka.map((k, i) => [k, i]));
    const newKeys = new Set(kb);
    for (let j = 0; j < b.length; j++) {
      const i = oldIndex.get(kb[j]);
      if (i === undefined) out.push(change(`${path}/${j}`, `${oldPath}/${j}`, 'added', undefined, b[j]));
      else walk(`${path}/${j}`, `${oldPath}/${i}`, a[i], b[j], out);
    }
    for (let i = 0; i < a.length; i++) {
      if (!newKeys.has(ka[i])) out.push(change(`${path}/${i}`, `${oldPath}/${i}`, 'removed', a[i], undefined));
    }
    return;
  }
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) walk(`${path}/${i}`, `${oldPath}/${i}`, a[i], b[i], out);
  for (let i = common; i < b.length; i++) out.push(change(`${path}/${i}`, `${oldPath}/${i}`, 'added', undefined, b[i]));
  for (let i = common; i < a.length; i++) out.push(change(`${path}/${i}`, `${oldPath}/${i}`, 'removed', a[i], undefined));
}

/**
 * The typed structural diff between two versions of a CVE record (any JSON values):
 * every added, removed and changed field with its JSON pointer and old/new values.
 * Arrays of objects are matched by key where one exists (ADP containers by
 * `providerMetadata.orgId`, references by `url`, affected by vendor and product,
 * descriptions by `lang`), else by index; arrays of strings change as a whole.
 * Output order is stable: object keys sorted, array items in the new version's order,
 * then removed items in the old version's order. Equal inputs give `[]`.
 *
 * @example
 * diffRecords(v1, v2) // [{ path: '/containers/adp/1', kind: 'added', new: {...} }, ...]
 */
export function diffRecords(oldRecord: unknown, newRecord: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  walk('', '', oldRecord as Json, newRecord as Json, out);
  return out;
}
