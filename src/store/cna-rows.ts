/**
 * @module What both CNA sub-stores share: row mapping and the pure ID allocation plan
 * (CVE Services' numbering, spec §5: priority block from 1, general block from 20001,
 * a pool of AVAILABLE placeholders for non-sequential batches).
 * @internal
 */
import type { CnaAuditEntry, CnaBatch, CnaCveId, CnaDraft, CnaOrg, CnaOrgRole, CnaOutboxItem, CnaRecord, CnaSession, CnaUpstream, CnaUser, CnaUserRole, CnaYearRange } from './cna-types.ts';

type Row = Record<string, unknown>;

const s = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const n = (v: unknown): number => Number(v);

export function orgFromRow(r: Row): CnaOrg {
  return {
    uuid: s(r.uuid),
    shortName: s(r.short_name),
    name: s(r.name),
    roles: JSON.parse(s(r.roles)) as CnaOrgRole[],
    idQuota: n(r.id_quota),
    created: s(r.created),
    modified: s(r.modified),
    rev: n(r.rev),
  };
}

export function userFromRow(r: Row): CnaUser {
  return {
    uuid: s(r.uuid),
    orgUuid: s(r.org_uuid),
    username: s(r.username),
    name: { first: s(r.name_first), last: s(r.name_last), middle: s(r.name_middle), suffix: s(r.name_suffix) },
    roles: JSON.parse(s(r.roles)) as CnaUserRole[],
    active: n(r.active) === 1,
    secretHash: s(r.secret_hash),
    created: s(r.created),
    modified: s(r.modified),
    rev: n(r.rev),
  };
}

export function cveIdFromRow(r: Row): CnaCveId {
  return {
    cveId: s(r.cve_id),
    year: n(r.year),
    number: n(r.number),
    state: s(r.state) as CnaCveId['state'],
    owningOrg: s(r.owning_org),
    requestedByOrg: s(r.requested_by_org),
    requestedByUser: s(r.requested_by_user),
    reserved: s(r.reserved),
    created: s(r.created),
    modified: s(r.modified),
    rev: n(r.rev),
  };
}

export function recordFromRow(r: Row): CnaRecord {
  return {
    cveId: s(r.cve_id),
    state: s(r.state) as CnaRecord['state'],
    json: s(r.json),
    assignerOrg: s(r.assigner_org),
    adpOrgs: s(r.adp_orgs).split(',').filter(Boolean),
    cnaDateUpdated: s(r.cna_date_updated),
    created: s(r.created),
    modified: s(r.modified),
  };
}

export function auditFromRow(r: Row): CnaAuditEntry {
  return {
    id: n(r.id),
    at: s(r.at),
    actorOrg: s(r.actor_org),
    actorUser: s(r.actor_user),
    org: s(r.org),
    action: s(r.action),
    target: s(r.target),
    ...(r.before_json ? { before: JSON.parse(s(r.before_json)) } : {}),
    ...(r.after_json ? { after: JSON.parse(s(r.after_json)) } : {}),
  };
}

export function sessionFromRow(r: Row): CnaSession {
  return { idHash: s(r.id_hash), userUuid: s(r.user_uuid), orgUuid: s(r.org_uuid), csrf: s(r.csrf), created: s(r.created), expires: s(r.expires) };
}

export function draftFromRow(r: Row): CnaDraft {
  return { cveId: s(r.cve_id), orgUuid: s(r.org_uuid), json: s(r.json), updated: s(r.updated), updatedBy: s(r.updated_by) };
}

export function upstreamFromRow(r: Row): CnaUpstream {
  return { orgUuid: s(r.org_uuid), url: s(r.url), upstreamOrg: s(r.upstream_org), upstreamUser: s(r.upstream_user), keySealed: s(r.key_sealed), updated: s(r.updated) };
}

export function outboxFromRow(r: Row): CnaOutboxItem {
  return {
    id: n(r.id),
    orgUuid: s(r.org_uuid),
    op: s(r.op),
    cveId: s(r.cve_id),
    payload: s(r.payload),
    actorUser: s(r.actor_user),
    created: s(r.created),
    state: s(r.state) as CnaOutboxItem['state'],
    attempts: n(r.attempts),
    ...(r.last_error ? { lastError: s(r.last_error) } : {}),
    nextAt: s(r.next_at),
    ...(r.finished ? { finished: s(r.finished) } : {}),
  };
}

export const adpOrgsText = (orgs: readonly string[]): string => (orgs.length ? `,${orgs.join(',')},` : '');
export const jsonOrNull = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

/** `CVE-2025-0001`: at least four digits (CVE JSON 5 `cveId` pattern). */
export function formatCveId(year: number, number: number): string {
  return `CVE-${year}-${String(number).padStart(4, '0')}`;
}

/** The two blocks CVE Services gives each year (spec §3.5). */
export function defaultYearRange(year: number): CnaYearRange {
  return { year, priorityTop: 0, priorityEnd: 20_000, generalTop: 20_000, generalEnd: 50_000_000 };
}

/**
 * The year's counters after IDs handed out elsewhere (an upstream CVE Services) were stored
 * here: each counter moves past the highest such number in its block, so a later local
 * reservation never hands out a number upstream already gave. Numbers below a counter
 * change nothing (an AVAILABLE placeholder among them is simply taken over).
 */
export function advanceRange(range: CnaYearRange, numbers: readonly number[]): CnaYearRange {
  let { priorityTop, generalTop } = range;
  for (const n of numbers) {
    if (n <= range.priorityEnd) priorityTop = Math.max(priorityTop, n);
    else generalTop = Math.max(generalTop, n);
  }
  return { ...range, priorityTop, generalTop };
}

export interface AllocationPlan {
  /** The numbers handed out, in order. */
  readonly numbers: readonly number[];
  /** New AVAILABLE placeholders to insert (not handed out). */
  readonly newPool: readonly number[];
  readonly range: CnaYearRange;
  /** Fewer numbers than asked (non-sequential only) or none at all. */
  readonly short: boolean;
}

/**
 * Which numbers a reservation gets. Callers hold the year's lock and pass the year's
 * current AVAILABLE pool; they then write the plan in the same transaction.
 */
export function planAllocation(range: CnaYearRange, batch: CnaBatch, amount: number, pool: readonly number[], random: () => number): AllocationPlan {
  if (batch === 'priority' && range.priorityTop < range.priorityEnd) {
    return { numbers: [range.priorityTop + 1], newPool: [], range: { ...range, priorityTop: range.priorityTop + 1 }, short: false };
  }
  if (batch !== 'nonsequential') {
    if (range.generalTop + amount > range.generalEnd) return { numbers: [], newPool: [], range, short: true };
    const numbers = Array.from({ length: amount }, (_, i) => range.generalTop + 1 + i);
    return { numbers, newPool: [], range: { ...range, generalTop: range.generalTop + amount }, short: false };
  }
  // Non-sequential: keep a pool of at least max(3·amount, 100) placeholders, topped up
  // from the general block, and draw from it at random.
  const want = Math.max(3 * amount, 100);
  const take = Math.max(0, Math.min(want - pool.length, range.generalEnd - range.generalTop));
  const added = Array.from({ length: take }, (_, i) => range.generalTop + 1 + i);
  const available = [...pool, ...added];
  const picked: number[] = [];
  for (let i = 0; i < amount && available.length > 0; i++) {
    const at = Math.min(available.length - 1, Math.floor(random() * available.length));
    picked.push(available[at]);
    available.splice(at, 1);
  }
  const pickedSet = new Set(picked);
  return {
    numbers: picked,
    newPool: added.filter((x) => !pickedSet.has(x)),
    range: { ...range, generalTop: range.generalTop + take },
    short: picked.length < amount,
  };
}
