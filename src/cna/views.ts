/**
 * @module The JSON shapes CVE Services answers with (spec §3): orgs, users, CVE IDs in
 * the full and the redacted view. Pure.
 */
import type { CnaCveId, CnaOrg, CnaUser } from '../store/index.ts';

export function orgView(org: CnaOrg): Record<string, unknown> {
  return {
    UUID: org.uuid,
    short_name: org.shortName,
    name: org.name,
    authority: { active_roles: [...org.roles] },
    policies: { id_quota: org.idQuota },
    time: { created: org.created, modified: org.modified },
  };
}

/** `active` is a JSON boolean (cvelib prints it as Yes/No, spec §9.4). */
export function userView(user: CnaUser): Record<string, unknown> {
  return {
    username: user.username,
    UUID: user.uuid,
    org_UUID: user.orgUuid,
    active: user.active,
    name: { ...user.name },
    authority: { active_roles: [...user.roles] },
    time: { created: user.created, modified: user.modified },
  };
}

/** Short names and usernames behind the UUIDs a CVE ID row keeps. */
export interface IdNames {
  readonly owner: string;
  readonly requesterOrg: string;
  readonly requesterUser: string;
}

export interface IdViewOptions {
  /** Include `time` (not in reservation answers). */
  readonly time?: boolean;
  /** `requested_by.user` becomes "REDACTED" (list answers, spec §4.2.2). */
  readonly redactUser?: boolean;
}

/** The owner's (or the Secretariat's) view, spec §3.3. `cve_year` is a string. */
export function cveIdView(id: CnaCveId, names: IdNames, opts: IdViewOptions = {}): Record<string, unknown> {
  return {
    cve_id: id.cveId,
    cve_year: String(id.year),
    state: id.state,
    owning_cna: names.owner,
    requested_by: { cna: names.requesterOrg, user: opts.redactUser ? 'REDACTED' : names.requesterUser },
    reserved: id.reserved,
    ...(opts.time ? { time: { created: id.created, modified: id.modified } } : {}),
  };
}

/** Everyone else's view, spec §4.2.3: no requester, no reservation time. */
export function redactedCveIdView(id: CnaCveId, owner: string): Record<string, unknown> {
  if (id.state === 'RESERVED') return { cve_id: id.cveId, cve_year: String(id.year), state: id.state, owning_cna: '[REDACTED]' };
  return { cve_id: id.cveId, cve_year: String(id.year), state: id.state, owning_cna: owner, dateUpdated: id.modified };
}
