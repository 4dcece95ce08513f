/**
 * @module CVE records as the CNA API builds them (spec §4.3): container checks against
 * the CVE JSON 5.1.1 container schemas, CVE Services' extra rules (English descriptions
 * unique, first description not blank, `datePublic` at most 24 h ahead), then the
 * server-built record (`cveMetadata`, `providerMetadata`) checked against the full schema.
 * Pure: no I/O.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { hashRecordJson, recordDateUpdated, summarizeRecord, validateRecord } from '../cve/index.ts';
import type { CveId, CveRecordJson } from '../cve/index.ts';
import type { CnaCveId, CnaOrg, RecordWrite } from '../store/index.ts';
import { CnaError, badInput } from './errors.ts';

type Json = Record<string, unknown>;
export type ContainerKind = 'published' | 'rejected' | 'adp';

const SCHEMA_FILES: Record<ContainerKind, string> = {
  published: 'CVE_JSON_cnaPublishedContainer_5.1.1.json',
  rejected: 'CVE_JSON_cnaRejectedContainer_5.1.1.json',
  adp: 'CVE_JSON_adpContainer_5.1.1.json',
};
const MAX_ERRORS = 20;
const DAY_MS = 24 * 60 * 60 * 1000;

let ajv: Ajv | undefined;
const validators = new Map<ContainerKind, ValidateFunction>();

function containerValidator(kind: ContainerKind): ValidateFunction {
  let v = validators.get(kind);
  if (!v) {
    ajv ??= new Ajv({ strict: false, allErrors: true, formats: fullFormats });
    const schema = JSON.parse(readFileSync(new URL(`../cve/schema/${SCHEMA_FILES[kind]}`, import.meta.url), 'utf8')) as Json;
    delete schema.$id;
    v = ajv.compile(schema);
    validators.set(kind, v);
  }
  return v;
}

/** One schema problem as cve-services reports it (Ajv's error object, trimmed). */
export interface SchemaProblem {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message: string;
  readonly params?: unknown;
}

/** Every string in `value`, trimmed (CVE Services trims bodies before validating, spec §1.2). */
export function trimStrings<T>(value: T): T {
  if (typeof value === 'string') return value.trim() as T;
  if (Array.isArray(value)) return value.map(trimStrings) as T;
  if (value && typeof value === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[k] = trimStrings(v);
    return out as T;
  }
  return value;
}

function schemaProblems(errors: readonly ErrorObject[] | null | undefined, prefix: string): SchemaProblem[] {
  return (errors ?? []).slice(0, MAX_ERRORS).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` '${(e.params as { additionalProperty?: string }).additionalProperty}'` : '';
    return { instancePath: `${prefix}${e.instancePath}`, keyword: e.keyword, message: `${e.message ?? 'is invalid'}${extra}`, params: e.params };
  });
}

/** "…FAILED: /cnaContainer/descriptions must have required property 'lang'": names the first field. */
function schemaError(code: 'INVALID_JSON_SCHEMA' | 'BAD_ADP_JSON', head: string, problems: readonly SchemaProblem[]): CnaError {
  const first = problems[0];
  const message = first ? `${head.replace(/\.$/, '')}: ${first.instancePath || '/'} ${first.message}` : head;
  return new CnaError(code, { message, details: { errors: problems } });
}

/**
 * Check a CNA or ADP container from a request body (`providerMetadata` optional: the
 * server sets it). Throws INVALID_JSON_SCHEMA / BAD_ADP_JSON naming the field.
 */
export function checkContainer(container: unknown, kind: ContainerKind, now: Date): void {
  const wrapper = kind === 'adp' ? 'adpContainer' : 'cnaContainer';
  if (!container || typeof container !== 'object' || Array.isArray(container)) {
    throw schemaError(kind === 'adp' ? 'BAD_ADP_JSON' : 'INVALID_JSON_SCHEMA', `CVE ${wrapper} JSON schema validation FAILED.`, [
      { instancePath: `/${wrapper}`, keyword: 'type', message: 'must be object' },
    ]);
  }
  const probe = { ...(container as Json), providerMetadata: { orgId: '00000000-0000-4000-8000-000000000000' } };
  const v = containerValidator(kind);
  if (!v(probe)) {
    throw schemaError(kind === 'adp' ? 'BAD_ADP_JSON' : 'INVALID_JSON_SCHEMA', kind === 'adp' ? 'The ADP data does not comply with the JSON schema.' : `CVE ${wrapper} JSON schema validation FAILED.`, schemaProblems(v.errors, `/${wrapper}`));
  }
  if (kind !== 'adp') checkCnaRules(container as Json, kind, now);
}

/** CVE Services' rules beyond the schema (spec §4.3.2 steps 3–5). */
function checkCnaRules(c: Json, kind: ContainerKind, now: Date): void {
  const field = kind === 'rejected' ? 'rejectedReasons' : 'descriptions';
  const list = (c[field] ?? []) as { lang?: string; value?: string }[];
  const seen = new Set<string>();
  for (const d of list) {
    const lang = String(d.lang ?? '');
    if (!/^en\b/i.test(lang)) continue;
    if (seen.has(lang)) throw badInput([{ msg: `${field} may have only one entry per English language tag ('${lang}' repeats)`, param: `cnaContainer.${field}`, location: 'body' }]);
    seen.add(lang);
  }
  if (list.length > 0 && !/\S/.test(String(list[0].value ?? ''))) {
    throw badInput([{ msg: `the first entry of ${field} must not be blank`, param: `cnaContainer.${field}[0].value`, location: 'body' }]);
  }
  const pt = (c.problemTypes as { descriptions?: { description?: string }[] }[] | undefined)?.[0]?.descriptions?.[0];
  if (pt && !/\S/.test(String(pt.description ?? ''))) {
    throw badInput([{ msg: 'the first problem type description must not be blank', param: 'cnaContainer.problemTypes[0].descriptions[0].description', location: 'body' }]);
  }
  if (c.datePublic !== undefined) {
    const t = typeof c.datePublic === 'string' ? Date.parse(c.datePublic) : Number.NaN;
    if (Number.isNaN(t) || t > now.getTime() + DAY_MS) throw badInput([{ msg: 'datePublic cannot be a future date', param: 'cnaContainer.datePublic', location: 'body' }]);
  }
}

/** Check a whole record against the CVE JSON 5.1.1 schema (formats asserted). */
export function checkFullRecord(record: unknown, code: 'INVALID_JSON_SCHEMA' | 'BAD_ADP_JSON' = 'INVALID_JSON_SCHEMA'): void {
  const r = validateRecord(record, { formats: true });
  if (r.ok) return;
  const problems = r.issues.map((i) => ({ instancePath: i.path, keyword: i.keyword ?? 'schema', message: i.message }));
  throw schemaError(code, code === 'BAD_ADP_JSON' ? 'The ADP data does not comply with the JSON schema.' : 'CVE JSON schema validation FAILED.', problems);
}

export interface Provider {
  readonly orgId: string;
  readonly shortName: string;
  readonly dateUpdated: string;
}

export const providerOf = (org: CnaOrg, now: string): Provider => ({ orgId: org.uuid, shortName: org.shortName, dateUpdated: now });

export interface BuildInput {
  readonly id: CnaCveId;
  readonly owner: CnaOrg;
  readonly requester: CnaOrg;
  readonly container: Json;
  /** The stored record, for updates. */
  readonly existing?: CveRecordJson;
  readonly now: string;
}

/** POST/PUT /cve/:id/cna: a PUBLISHED record (spec §4.3.2, §4.3.3). */
export function buildPublishedRecord(b: BuildInput): CveRecordJson {
  const cna = { ...b.container, providerMetadata: providerOf(b.requester, b.now) };
  const old = b.existing?.cveMetadata;
  const record: Json = {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: {
      cveId: b.id.cveId,
      assignerOrgId: b.owner.uuid,
      state: 'PUBLISHED',
      assignerShortName: b.owner.shortName,
      dateReserved: old?.dateReserved ?? b.id.reserved,
      datePublished: old?.datePublished ?? b.now,
      dateUpdated: b.now,
    },
    containers: {
      cna,
      ...(b.existing?.containers.adp?.length ? { adp: b.existing.containers.adp } : {}),
    },
  };
  return record as unknown as CveRecordJson;
}

/** POST/PUT /cve/:id/reject: a REJECTED record; ADP containers are dropped (spec §4.3.4, §4.3.5). */
export function buildRejectedRecord(b: BuildInput): CveRecordJson {
  const c = b.container as { rejectedReasons?: unknown; replacedBy?: unknown[] };
  const old = b.existing?.cveMetadata;
  const wasRejected = old?.state === 'REJECTED';
  const record: Json = {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: {
      cveId: b.id.cveId,
      assignerOrgId: b.owner.uuid,
      state: 'REJECTED',
      assignerShortName: b.owner.shortName,
      dateReserved: old?.dateReserved ?? b.id.reserved,
      ...(old?.datePublished ? { datePublished: old.datePublished } : {}),
      dateUpdated: b.now,
      dateRejected: wasRejected && old?.dateRejected ? old.dateRejected : b.now,
    },
    containers: {
      cna: {
        providerMetadata: providerOf(b.requester, b.now),
        rejectedReasons: c.rejectedReasons,
        ...(Array.isArray(c.replacedBy) && c.replacedBy.length > 0 ? { replacedBy: c.replacedBy } : {}),
        ...Object.fromEntries(Object.entries(b.container).filter(([k]) => k.startsWith('x_'))),
      },
    },
  };
  return record as unknown as CveRecordJson;
}

/** PUT /cve/:id/adp: add or replace the requester's ADP container (one per org, spec §4.3.6). */
export function mergeAdpContainer(existing: CveRecordJson, container: Json, requester: CnaOrg, now: string): { record: CveRecordJson; replaced: boolean } {
  const adp = { ...container, providerMetadata: providerOf(requester, now) };
  const list = [...(existing.containers.adp ?? [])] as unknown as Json[];
  const at = list.findIndex((a) => (a.providerMetadata as { orgId?: string } | undefined)?.orgId === requester.uuid);
  if (at >= 0) list[at] = adp;
  else list.push(adp);
  const record = { ...existing, cveMetadata: { ...existing.cveMetadata, dateUpdated: now }, containers: { ...existing.containers, adp: list } };
  return { record: record as unknown as CveRecordJson, replaced: at >= 0 };
}

/** ADP org UUIDs of a record (for `adp_short_name` filters). */
export function adpOrgIds(record: CveRecordJson): string[] {
  return (record.containers.adp ?? []).map((a) => a.providerMetadata?.orgId).filter((x): x is string => typeof x === 'string');
}

/**
 * The repository write for a CNA's own record: source `cna:<short name>`, `force` so the
 * CNA's update becomes current; upstream imports cannot then replace it (`protected`).
 */
export function repositoryWrite(record: CveRecordJson, json: string, shortName: string): RecordWrite {
  return {
    cveId: record.cveMetadata.cveId as CveId,
    json,
    hash: hashRecordJson(json),
    summary: summarizeRecord(record),
    dateUpdated: recordDateUpdated(record),
    source: `cna:${shortName}`,
    origin: 'cna-api',
    force: true,
  };
}
