/**
 * @module Small typed readers of parsed JSON fields: each names the field it failed on, so a
 * record's error says which field and why (`cve.published is not a date: "2022-13-01"`).
 * @internal
 */
import { parseCveId } from '../cve/index.ts';
import type { CveId } from '../cve/index.ts';
import { FieldProblem } from './errors.ts';

export type Obj = Readonly<Record<string, unknown>>;

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
};

export function missing(field: string): never {
  throw new FieldProblem('FIELD_MISSING', field, 'is missing');
}

export function invalid(field: string, why: string): never {
  throw new FieldProblem('FIELD_INVALID', field, why);
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown, field: string): Obj {
  if (v === undefined || v === null) missing(field);
  if (!isObj(v)) invalid(field, `is not an object: ${describe(v)}`);
  return v;
}

export function optObj(o: Obj, key: string, field: string): Obj | undefined {
  const v = o[key];
  return v === undefined || v === null ? undefined : obj(v, field);
}

export function str(o: Obj, key: string, field: string): string {
  const v = o[key];
  if (v === undefined || v === null) missing(field);
  if (typeof v !== 'string') invalid(field, `is not a string: ${describe(v)}`);
  if (v.trim() === '') invalid(field, 'is empty');
  return v;
}

export function optStr(o: Obj, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') invalid(field, `is not a string: ${describe(v)}`);
  return v === '' ? undefined : v;
}

export function arr(o: Obj, key: string, field: string): readonly unknown[] {
  const v = o[key];
  if (v === undefined || v === null) missing(field);
  if (!Array.isArray(v)) invalid(field, `is not an array: ${describe(v)}`);
  return v;
}

export function optArr(o: Obj, key: string, field: string): readonly unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) invalid(field, `is not an array: ${describe(v)}`);
  return v;
}

export function optBool(o: Obj, key: string, field: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') invalid(field, `is not true or false: ${describe(v)}`);
  return v;
}

export function num(o: Obj, key: string, field: string, min: number, max: number): number {
  const v = o[key];
  if (v === undefined || v === null) missing(field);
  if (typeof v !== 'number' || !Number.isFinite(v)) invalid(field, `is not a number: ${describe(v)}`);
  if (v < min || v > max) invalid(field, `is ${v}, outside [${min}, ${max}]`);
  return v;
}

export function optNum(o: Obj, key: string, field: string, min: number, max: number): number | undefined {
  return o[key] === undefined || o[key] === null ? undefined : num(o, key, field, min, max);
}

export function oneOf<T extends string>(o: Obj, key: string, field: string, allowed: readonly T[]): T {
  const v = str(o, key, field);
  if (!(allowed as readonly string[]).includes(v)) invalid(field, `is ${describe(v)}, not one of ${allowed.join(', ')}`);
  return v as T;
}

export function cveId(o: Obj, key: string, field: string): CveId {
  const v = str(o, key, field);
  const p = parseCveId(v);
  if (!p.ok) invalid(field, `is not a CVE name: ${describe(v)} (${p.reason})`);
  return p.id;
}

const DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A date as NVD, EPSS and MITRE write them, as an ISO 8601 UTC string with milliseconds.
 * NVD writes local-less times (`2022-07-11T13:15:08.503`, `…:00.6127692`): they are UTC
 * (NVD API documentation: "all times are in UTC"). Undefined when it is not a real date.
 */
export function toIsoDate(text: string): string | undefined {
  const m = DATE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(t);
  // Date.UTC rolls 2022-02-30 over to March: a round trip catches impossible dates.
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  if (zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    if (!z) return undefined;
    const off = (Number(z[2]) * 60 + Number(z[3])) * 60_000;
    t -= z[1] === '+' ? off : -off;
  }
  return new Date(t).toISOString();
}

export function date(o: Obj, key: string, field: string): string {
  const v = str(o, key, field);
  const iso = toIsoDate(v);
  if (iso === undefined) invalid(field, `is not a date: ${describe(v)}`);
  return iso;
}

export function optDate(o: Obj, key: string, field: string): string | undefined {
  return o[key] === undefined || o[key] === null || o[key] === '' ? undefined : date(o, key, field);
}

const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/i;

/** NVD's ids (`matchCriteriaId`, `cpeNameId`, `cveChangeId`) are UUIDs; anything else is refused (ids end up in keys and paths). */
export function uuid(o: Obj, key: string, field: string): string {
  const v = str(o, key, field);
  if (!UUID.test(v)) invalid(field, `is not a UUID: ${describe(v)}`);
  return v.toUpperCase();
}

/**
 * A CPE 2.3 formatted string: `cpe:2.3:` then 11 more components separated by unescaped
 * colons (NISTIR 7695 §6.2; `\:` is an escaped colon inside a component).
 */
export function isCpe23(text: string): boolean {
  if (!text.startsWith('cpe:2.3:') || text.length > 2048) return false;
  let parts = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x3a) parts++;
    else if (c <= 0x20) return false;
  }
  return parts === 13;
}

export function cpe23(o: Obj, key: string, field: string): string {
  const v = str(o, key, field);
  if (!isCpe23(v)) invalid(field, `is not a CPE 2.3 name: ${describe(v)}`);
  return v;
}
