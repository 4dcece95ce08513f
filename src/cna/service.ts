/**
 * @module The CNA service: CVE Services' rules over one store. The HTTP API, the command
 * line and (later) the web workbench and the upstream relay all call this class; it
 * takes typed inputs, enforces roles and states (spec §2, §5, §6), writes through
 * `store.cna` with an audit entry per change, and puts published and rejected records
 * into the repository at once (`store.writeBatch`, source `cna:<org>`).
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { parseCveId } from '../cve/index.ts';
import type { CveRecordJson } from '../cve/index.ts';
import type {
  CnaAuditInput,
  CnaCveId,
  CnaIdFilter,
  CnaOrg,
  CnaOrgRole,
  CnaPage,
  CnaRecord,
  CnaRecordCursor,
  CnaRecordFilter,
  CnaUser,
  CnaUserName,
  CnaUserRole,
  Store,
} from '../store/index.ts';
import { CnaError, badInput } from './errors.ts';
import { generateApiKey, hashApiKey, verifyApiKey } from './keys.ts';
import { adpOrgIds, buildPublishedRecord, buildRejectedRecord, checkContainer, checkFullRecord, mergeAdpContainer, repositoryWrite, trimStrings } from './records.ts';
import { isoMs } from './time.ts';
import { cveIdView, redactedCveIdView } from './views.ts';
import type { IdNames } from './views.ts';

export const ORG_ROLES: readonly CnaOrgRole[] = ['SECRETARIAT', 'CNA', 'ADP', 'BULK_DOWNLOAD', 'ROOT_CNA'];
export const USER_ROLES: readonly CnaUserRole[] = ['ADMIN'];
export const MAX_ID_QUOTA = 100_000;
export const MAX_USERS_PER_ORG = 100;
export const MAX_NONSEQUENTIAL = 10;
const MAX_ATTEMPTS = 8;

/** Who is acting: a signed-in user of an org, or the command line (`SYSTEM`). */
export interface Actor {
  readonly org: CnaOrg;
  readonly user: CnaUser;
  /** The command line: acts as the Secretariat, audited with empty org and user. */
  readonly system?: boolean;
}

const SYSTEM_TIME = '1970-01-01T00:00:00.000Z';
export const SYSTEM_ACTOR: Actor = {
  system: true,
  org: { uuid: '', shortName: 'cvekit-cli', name: 'command line', roles: ['SECRETARIAT'], idQuota: 0, created: SYSTEM_TIME, modified: SYSTEM_TIME, rev: 0 },
  user: { uuid: '', orgUuid: '', username: 'cvekit-cli', name: { first: '', last: '', middle: '', suffix: '' }, roles: ['ADMIN'], active: true, secretHash: '', created: SYSTEM_TIME, modified: SYSTEM_TIME, rev: 0 },
};

export const isSecretariat = (a: Actor): boolean => a.org.roles.includes('SECRETARIAT');
const isAdmin = (a: Actor): boolean => a.user.roles.includes('ADMIN');
const hasRole = (a: Actor, ...roles: CnaOrgRole[]): boolean => roles.some((r) => a.org.roles.includes(r));

export function requireCna(a: Actor): void {
  if (!hasRole(a, 'CNA', 'SECRETARIAT')) throw new CnaError('CNA_ONLY');
}
export function requireSecretariat(a: Actor): void {
  if (!isSecretariat(a)) throw new CnaError('SECRETARIAT_ONLY');
}
/** A partner role is any org role but BULK_DOWNLOAD (spec §2.2). */
function requirePartner(a: Actor): void {
  if (!a.org.roles.some((r) => r !== 'BULK_DOWNLOAD')) throw new CnaError('ORG_HAS_NO_PARTNER_ROLE');
}
function requireSameOrg(a: Actor, org: CnaOrg): void {
  if (!isSecretariat(a) && a.org.uuid !== org.uuid) throw new CnaError('NOT_SAME_ORG_OR_SECRETARIAT');
}

export type BatchType = 'sequential' | 'nonsequential';

export interface ReserveParams {
  readonly amount: number;
  readonly year: number;
  readonly shortName: string;
  /** As sent: case-insensitive sequential | nonsequential | non-sequential. */
  readonly batchType?: string;
}

export interface ReserveOutcome {
  readonly ids: readonly Record<string, unknown>[];
  readonly remaining: number;
  readonly partial: boolean;
  readonly requested: number;
}

export interface OrgInput {
  readonly shortName: string;
  readonly name: string;
  readonly roles?: readonly string[];
  readonly idQuota?: number;
}

export interface OrgChanges {
  readonly newShortName?: string;
  readonly name?: string;
  readonly idQuota?: number;
  readonly addRoles?: readonly string[];
  readonly removeRoles?: readonly string[];
}

export interface UserInput {
  readonly username: string;
  readonly name?: Partial<CnaUserName>;
  readonly roles?: readonly string[];
}

export interface UserChanges {
  readonly active?: boolean;
  readonly newUsername?: string;
  readonly orgShortName?: string;
  readonly name?: Partial<CnaUserName>;
  readonly addRoles?: readonly string[];
  readonly removeRoles?: readonly string[];
}

export interface CnaServiceOptions {
  readonly now?: () => Date;
  readonly random?: () => number;
  /** Reservations may open a year's range on first use for 1999 … current year + this (default 1). */
  readonly yearsAhead?: number;
  /** Told when a record's repository write failed (it stays pending for `resyncRepository`). */
  readonly onRepositoryError?: (err: unknown, cveId: string) => void;
}

export interface AuthenticateOptions {
  /**
   * Called (once per distinct key check under way) right before the slow scrypt check, not
   * for keys this process already verified: a rate limiter charges the attempt here; a
   * throw ends the authentication with that error.
   */
  readonly beforeKeyCheck?: () => Promise<void>;
}

export const USERNAME = /^[A-Za-z0-9\-_@.]{3,128}$/;
export const SHORT_NAME = /^.{2,32}$/su;

export class CnaService {
  readonly store: Store;
  readonly #now: () => Date;
  readonly #random: () => number;
  readonly #yearsAhead: number;
  readonly #onRepositoryError: (err: unknown, cveId: string) => void;
  /** Keys that passed scrypt, per user, keyed by an HMAC under a per-process secret. */
  readonly #verified = new Map<string, { hash: string; digest: Buffer }>();
  readonly #hmacKey = randomBytes(32);
  /** scrypt checks under way, so a burst of requests with one key costs one check. */
  readonly #checking = new Map<string, Promise<boolean>>();

  constructor(store: Store, opts: CnaServiceOptions = {}) {
    this.store = store;
    this.#now = opts.now ?? (() => new Date());
    this.#random = opts.random ?? Math.random;
    this.#yearsAhead = opts.yearsAhead ?? 1;
    this.#onRepositoryError = opts.onRepositoryError ?? ((err, cveId) => process.emitWarning(`cvekit: repository write of ${cveId} failed, left for resync: ${(err as Error)?.message ?? err}`));
  }

  #ts(): string {
    return isoMs(this.#now());
  }

  #audit(a: Actor, org: string, action: string, target: string, before?: unknown, after?: unknown): CnaAuditInput {
    return { at: this.#ts(), actorOrg: a.org.uuid, actorUser: a.user.uuid, org, action, target, before, after };
  }

  // --- authentication -------------------------------------------------------

  /**
   * The actor for the three headers, or undefined (unknown org or user, inactive user,
   * wrong key): callers answer all of these with the same 401.
   */
  async authenticate(orgShortName: string, username: string, key: string, opts: AuthenticateOptions = {}): Promise<Actor | undefined> {
    const org = await this.store.cna.getOrg(orgShortName);
    const user = org && (await this.store.cna.getUser(org.uuid, username));
    if (!org || !user) {
      await opts.beforeKeyCheck?.();
      // Spend the same time as a real check, so timing does not tell which part was wrong.
      await verifyApiKey(key, DUMMY_HASH);
      return undefined;
    }
    const digest = createHmac('sha256', this.#hmacKey).update(key).digest();
    const cached = this.#verified.get(user.uuid);
    let ok = cached !== undefined && cached.hash === user.secretHash && timingSafeEqual(cached.digest, digest);
    if (!ok) {
      const slot = `${user.uuid}:${user.secretHash}:${digest.toString('hex')}`;
      let check = this.#checking.get(slot);
      if (!check) {
        const hook = opts.beforeKeyCheck;
        check = (hook ? hook().then(() => verifyApiKey(key, user.secretHash)) : verifyApiKey(key, user.secretHash)).finally(() => this.#checking.delete(slot));
        this.#checking.set(slot, check);
      }
      ok = await check;
      if (ok) {
        if (this.#verified.size > 10_000) this.#verified.clear();
        this.#verified.set(user.uuid, { hash: user.secretHash, digest });
      }
    }
    if (!ok || !user.active) return undefined;
    return { org, user };
  }

  // --- orgs -----------------------------------------------------------------

  async createOrg(a: Actor, input: OrgInput): Promise<CnaOrg> {
    requireSecretariat(a);
    const roles = normalizeRoles(input.roles ?? ['CNA'], ORG_ROLES, 'authority.active_roles', 'body');
    const idQuota = input.idQuota ?? (roles.length === 1 && roles[0] === 'ADP' ? 0 : 1000);
    checkQuota(idQuota, 'policies.id_quota', 'body');
    if (!SHORT_NAME.test(input.shortName)) throw badInput([{ msg: 'short_name must be 2 to 32 characters', param: 'short_name', location: 'body' }]);
    if (!input.name) throw badInput([{ msg: 'name is required', param: 'name', location: 'body' }]);
    const now = this.#ts();
    const org: CnaOrg = { uuid: randomUUID(), shortName: input.shortName, name: input.name, roles: roles as CnaOrgRole[], idQuota, created: now, modified: now, rev: 1 };
    const r = await this.store.cna.createOrg(org, this.#audit(a, org.uuid, 'org.create', org.shortName, undefined, org));
    if (r === 'duplicate') throw new CnaError('ORG_EXISTS', { message: `The '${input.shortName}' organization already exists.` });
    return org;
  }

  /** By short name or UUID (GET /org/:identifier). */
  async getOrg(a: Actor, identifier: string): Promise<CnaOrg> {
    const org = (await this.store.cna.getOrg(identifier)) ?? (/^[0-9a-f-]{36}$/i.test(identifier) ? await this.store.cna.getOrgByUuid(identifier.toLowerCase()) : undefined);
    if (!org) {
      if (!isSecretariat(a)) throw new CnaError('NOT_SAME_ORG_OR_SECRETARIAT');
      throw new CnaError('ORG_DNE_404', { message: `The '${identifier}' organization does not exist.` });
    }
    requireSameOrg(a, org);
    return org;
  }

  async #orgParam(shortName: string): Promise<CnaOrg> {
    const org = await this.store.cna.getOrg(shortName);
    if (!org) throw new CnaError('ORG_DNE_PARAM', { message: `The '${shortName}' organization designated by the shortname parameter does not exist.` });
    return org;
  }

  async listOrgs(a: Actor, page: { offset: number; limit: number }): Promise<CnaPage<CnaOrg>> {
    requireSecretariat(a);
    return this.store.cna.listOrgs(page);
  }

  async updateOrg(a: Actor, shortName: string, ch: OrgChanges): Promise<CnaOrg> {
    requireSecretariat(a);
    const add = normalizeRoles(ch.addRoles ?? [], ORG_ROLES, 'active_roles.add', 'query');
    const remove = normalizeRoles(ch.removeRoles ?? [], ORG_ROLES, 'active_roles.remove', 'query');
    if (ch.idQuota !== undefined) checkQuota(ch.idQuota, 'id_quota', 'query');
    if (ch.newShortName !== undefined && !SHORT_NAME.test(ch.newShortName)) throw badInput([{ msg: 'Invalid value', param: 'new_short_name', location: 'query' }]);
    for (let attempt = 0; ; attempt++) {
      const org = await this.#orgParam(shortName);
      const roles = [...new Set([...org.roles.filter((r) => !remove.includes(r)), ...add])] as CnaOrgRole[];
      const next: CnaOrg = {
        ...org,
        shortName: ch.newShortName ?? org.shortName,
        name: ch.name ?? org.name,
        idQuota: ch.idQuota ?? org.idQuota,
        roles,
        modified: this.#ts(),
      };
      const r = await this.store.cna.saveOrg(next, org.rev, this.#audit(a, org.uuid, 'org.update', org.shortName, org, next));
      if (r === 'duplicate') throw new CnaError('DUPLICATE_SHORTNAME', { message: `The '${ch.newShortName}' short name is already used.` });
      if (r === 'ok') return { ...next, rev: org.rev + 1 };
      if (attempt >= MAX_ATTEMPTS) throw new CnaError('SERVICE_NOT_AVAILABLE');
    }
  }

  async quota(a: Actor, shortName: string): Promise<{ id_quota: number; total_reserved: number; available: number }> {
    const org = await this.#orgParam(shortName);
    requireSameOrg(a, org);
    const reserved = await this.store.cna.countReserved(org.uuid);
    return { id_quota: org.idQuota, total_reserved: reserved, available: org.idQuota - reserved };
  }

  // --- users ----------------------------------------------------------------

  async createUser(a: Actor, shortName: string, input: UserInput): Promise<{ user: CnaUser; secret: string }> {
    const org = await this.#orgParam(shortName);
    requirePartner(a);
    if (!(isSecretariat(a) || (isAdmin(a) && a.org.uuid === org.uuid))) throw new CnaError('NOT_ORG_ADMIN_OR_SECRETARIAT');
    if (!USERNAME.test(input.username)) throw badInput([{ msg: 'username must be 3 to 128 of A-Z a-z 0-9 - _ @ .', param: 'username', location: 'body' }]);
    const roles = normalizeRoles(input.roles ?? [], USER_ROLES, 'authority.active_roles', 'body') as CnaUserRole[];
    const name = checkName(input.name ?? {}, 'body');
    if ((await this.store.cna.countUsers(org.uuid)) >= MAX_USERS_PER_ORG) throw new CnaError('NUMBER_OF_USERS_IN_ORG_LIMIT_REACHED');
    const secret = generateApiKey();
    const now = this.#ts();
    const user: CnaUser = {
      uuid: randomUUID(), orgUuid: org.uuid, username: input.username, name: { first: '', last: '', middle: '', suffix: '', ...name },
      roles, active: true, secretHash: await hashApiKey(secret), created: now, modified: now, rev: 1,
    };
    const r = await this.store.cna.createUser(user, this.#audit(a, org.uuid, 'user.create', `${org.shortName}/${user.username}`, undefined, publicUser(user)));
    if (r === 'duplicate') throw new CnaError('USER_EXISTS', { message: `The user '${input.username}' already exists.` });
    return { user, secret };
  }

  async #userParam(org: CnaOrg, username: string): Promise<CnaUser> {
    const user = await this.store.cna.getUser(org.uuid, username);
    if (!user) throw new CnaError('USER_DNE', { message: `The user '${username}' designated by the username parameter does not exist.` });
    return user;
  }

  async getUser(a: Actor, shortName: string, username: string): Promise<CnaUser> {
    const org = await this.#orgParam(shortName);
    requireSameOrg(a, org);
    return this.#userParam(org, username);
  }

  async listOrgUsers(a: Actor, shortName: string, page: { offset: number; limit: number }): Promise<CnaPage<CnaUser>> {
    const org = await this.#orgParam(shortName);
    requireSameOrg(a, org);
    return this.store.cna.listUsers(org.uuid, page);
  }

  async listAllUsers(a: Actor, page: { offset: number; limit: number }): Promise<CnaPage<CnaUser>> {
    requireSecretariat(a);
    return this.store.cna.listUsers(undefined, page);
  }

  /** PUT /org/:s/user/:u (spec §4.5): the user may change only their name; an ADMIN all but the org. */
  async updateUser(a: Actor, shortName: string, username: string, ch: UserChanges): Promise<{ user: CnaUser; changed: boolean }> {
    const org = await this.#orgParam(shortName);
    requirePartner(a);
    requireSameOrg(a, org);
    const add = normalizeRoles(ch.addRoles ?? [], USER_ROLES, 'active_roles.add', 'query') as CnaUserRole[];
    const remove = normalizeRoles(ch.removeRoles ?? [], USER_ROLES, 'active_roles.remove', 'query') as CnaUserRole[];
    const name = checkName(ch.name ?? {}, 'query');
    if (ch.newUsername !== undefined && !USERNAME.test(ch.newUsername)) throw badInput([{ msg: 'Invalid value', param: 'new_username', location: 'query' }]);
    for (let attempt = 0; ; attempt++) {
      const user = await this.#userParam(org, username);
      const self = a.user.uuid === user.uuid;
      const secretariat = isSecretariat(a);
      if (!secretariat && !isAdmin(a) && !self) throw new CnaError('NOT_SAME_USER_OR_SECRETARIAT');
      const adminFields = ch.active !== undefined || ch.newUsername !== undefined || add.length > 0 || remove.length > 0;
      if (!secretariat && !isAdmin(a) && adminFields) throw new CnaError('NOT_ORG_ADMIN_OR_SECRETARIAT_UPDATE');
      let orgUuid = user.orgUuid;
      if (ch.orgShortName !== undefined) {
        if (!secretariat) throw new CnaError('NOT_ALLOWED_TO_CHANGE_ORGANIZATION');
        const target = await this.store.cna.getOrg(ch.orgShortName);
        if (!target) throw new CnaError('ORG_DNE_404', { message: `The '${ch.orgShortName}' organization does not exist.` });
        if (target.uuid === user.orgUuid) throw new CnaError('USER_ALREADY_IN_ORG', { message: `The user is already in the '${ch.orgShortName}' organization.` });
        orgUuid = target.uuid;
      }
      if (self && !secretariat && remove.includes('ADMIN') && user.roles.includes('ADMIN')) throw new CnaError('NOT_ALLOWED_TO_SELF_DEMOTE');
      const roles = [...new Set([...user.roles.filter((r) => !remove.includes(r)), ...add])];
      const next: CnaUser = {
        ...user,
        orgUuid,
        username: ch.newUsername ?? user.username,
        name: { ...user.name, ...name },
        roles,
        active: ch.active ?? user.active,
      };
      const changed = JSON.stringify(publicUser(next)) !== JSON.stringify(publicUser(user));
      if (!changed) return { user, changed: false };
      const saved = { ...next, modified: this.#ts() };
      const r = await this.store.cna.saveUser(saved, user.rev, this.#audit(a, user.orgUuid, 'user.update', `${org.shortName}/${user.username}`, publicUser(user), publicUser(saved)));
      if (r === 'duplicate') throw new CnaError('DUPLICATE_USERNAME', { message: `The username '${next.username}' is already used in that organization.` });
      if (r === 'ok') return { user: { ...saved, rev: user.rev + 1 }, changed: true };
      if (attempt >= MAX_ATTEMPTS) throw new CnaError('SERVICE_NOT_AVAILABLE');
    }
  }

  /** A new key for the user; the old one stops working at once. */
  async resetSecret(a: Actor, shortName: string, username: string): Promise<string> {
    const org = await this.#orgParam(shortName);
    requirePartner(a);
    requireSameOrg(a, org);
    for (let attempt = 0; ; attempt++) {
      const user = await this.#userParam(org, username);
      if (!isSecretariat(a) && !isAdmin(a) && a.user.uuid !== user.uuid) throw new CnaError('NOT_SAME_USER_OR_SECRETARIAT');
      const secret = generateApiKey();
      const next = { ...user, secretHash: await hashApiKey(secret), modified: this.#ts() };
      const r = await this.store.cna.saveUser(next, user.rev, this.#audit(a, user.orgUuid, 'user.reset-secret', `${org.shortName}/${user.username}`));
      if (r === 'ok') {
        this.#verified.delete(user.uuid);
        return secret;
      }
      if (attempt >= MAX_ATTEMPTS) throw new CnaError('SERVICE_NOT_AVAILABLE');
    }
  }

  // --- CVE IDs --------------------------------------------------------------

  /** Names for a CVE ID's UUIDs, looked up once per request. */
  async names(ids: readonly CnaCveId[]): Promise<(id: CnaCveId) => IdNames> {
    const orgs = new Map<string, string>();
    const users = new Map<string, string>();
    for (const id of ids) {
      for (const o of [id.owningOrg, id.requestedByOrg]) if (!orgs.has(o)) orgs.set(o, (await this.store.cna.getOrgByUuid(o))?.shortName ?? '');
      if (!users.has(id.requestedByUser)) users.set(id.requestedByUser, (await this.store.cna.getUserByUuid(id.requestedByUser))?.username ?? '');
    }
    return (id) => ({ owner: orgs.get(id.owningOrg) ?? '', requesterOrg: orgs.get(id.requestedByOrg) ?? '', requesterUser: users.get(id.requestedByUser) ?? '' });
  }

  /** POST /cve-id (spec §5). */
  async reserve(a: Actor, p: ReserveParams): Promise<ReserveOutcome> {
    requireCna(a);
    if (p.shortName !== a.org.shortName && !isSecretariat(a)) throw new CnaError('ORG_CANNOT_RESERVE_FOR_OTHER');
    if (!(p.amount > 0)) throw new CnaError('INVALID_AMOUNT');
    if (p.amount > 1 && p.batchType === undefined) throw new CnaError('NO_BATCH_TYPE');
    const target = await this.store.cna.getOrg(p.shortName);
    if (!target) throw new CnaError('ORG_DNE', { message: `The organization '${p.shortName}' designated by the short_name query parameter does not exist.` });
    let batch: 'priority' | BatchType = 'priority';
    if (p.batchType !== undefined) {
      const b = p.batchType.toLowerCase();
      if (b === 'sequential') batch = 'sequential';
      else if (b === 'nonsequential' || b === 'non-sequential') batch = 'nonsequential';
      else throw new CnaError('INVALID_BATCH_TYPE');
    }
    if (batch === 'nonsequential' && p.amount > MAX_NONSEQUENTIAL) throw new CnaError('OVER_NONSEQUENTIAL_MAX_AMOUNT');
    const thisYear = this.#now().getUTCFullYear();
    const r = await this.store.cna.reserve(
      {
        targetOrg: target.uuid, requesterOrg: a.org.uuid, requesterUser: a.user.uuid, year: p.year, amount: p.amount, batch,
        autoRange: p.year >= 1999 && p.year <= thisYear + this.#yearsAhead, now: this.#ts(), random: this.#random,
      },
      { at: this.#ts(), actorOrg: a.org.uuid, actorUser: a.user.uuid, org: target.uuid, action: 'cve-id.reserve' },
    );
    switch (r.kind) {
      case 'org-missing':
        throw new CnaError('ORG_DNE');
      case 'quota':
        throw new CnaError('EXCEEDED_ID_QUOTA', {
          message: `The amount of CVE IDs requested (${p.amount}) exceeds the remaining quota (${r.available}) of the '${target.shortName}' organization.`,
          details: { id_quota: r.idQuota, total_reserved: r.totalReserved, available: r.available },
          headers: { 'CVE-API-REMAINING-QUOTA': String(r.available) },
        });
      case 'no-range':
        throw new CnaError('CANNOT_RESERVE_FOR_YEAR', { message: `CVE IDs cannot be reserved for the year ${p.year}.`, headers: { 'CVE-API-REMAINING-QUOTA': String(r.remaining) } });
      case 'range-full':
        throw new CnaError('YEAR_RANGE_FULL', { message: `There are no CVE IDs left in ${p.year}.`, headers: { 'CVE-API-REMAINING-QUOTA': String(r.remaining) } });
    }
    // The names are at hand: the target org, the actor's org and user (no look-ups).
    const names: IdNames = { owner: target.shortName, requesterOrg: a.system ? '' : a.org.shortName, requesterUser: a.system ? '' : a.user.username };
    return { ids: r.ids.map((id) => cveIdView(id, names)), remaining: r.remaining, partial: r.partial, requested: p.amount };
  }

  /** GET /cve-id (spec §4.2.2): own org's IDs; the Secretariat and BULK_DOWNLOAD see all. */
  async listCveIds(a: Actor, f: Omit<CnaIdFilter, 'owningOrg'>): Promise<{ items: Record<string, unknown>[]; total: number }> {
    const all = hasRole(a, 'SECRETARIAT', 'BULK_DOWNLOAD');
    const page = await this.store.cna.listCveIds({ ...f, ...(all ? {} : { owningOrg: a.org.uuid }) });
    const names = await this.names(page.items);
    const items = page.items.map((id) => {
      const redact = !isSecretariat(a) && (id.requestedByOrg !== a.org.uuid || id.owningOrg !== id.requestedByOrg);
      return cveIdView(id, names(id), { time: true, redactUser: redact });
    });
    return { items, total: page.total };
  }

  async #visibleId(cveId: string): Promise<CnaCveId> {
    const id = await this.store.cna.getCveId(cveId);
    if (!id || id.state === 'AVAILABLE') throw new CnaError('CVE_ID_NOT_FOUND', { message: `${cveId} not found` });
    return id;
  }

  /** GET /cve-id/:id: the full view for the owner and the Secretariat, else redacted. */
  async showCveId(a: Actor | undefined, cveId: string): Promise<Record<string, unknown>> {
    const id = await this.#visibleId(cveId);
    const names = (await this.names([id]))(id);
    if (a && (isSecretariat(a) || a.org.uuid === id.owningOrg)) return cveIdView(id, names, { time: true });
    return redactedCveIdView(id, names.owner);
  }

  /** The ownership gate: unknown IDs answer ORG_DOES_NOT_OWN_ID too (spec §1.5). */
  async #ownedId(a: Actor, cveId: string): Promise<CnaCveId | undefined> {
    const id = await this.store.cna.getCveId(cveId);
    if (isSecretariat(a)) return id;
    if (!id || id.owningOrg !== a.org.uuid) throw new CnaError('ORG_DOES_NOT_OWN_ID', { message: `${a.org.shortName} does not own ${cveId}` });
    return id;
  }

  /** PUT /cve-id/:id?state=…&org=… (spec §4.2.4, §6). */
  async changeCveId(a: Actor, cveId: string, ch: { readonly state?: string; readonly org?: string }): Promise<Record<string, unknown>> {
    requireCna(a);
    const state = ch.state?.toUpperCase();
    if (state !== undefined && state !== 'RESERVED' && state !== 'REJECTED') throw badInput([{ msg: 'Invalid value', param: 'state', location: 'query' }]);
    for (let attempt = 0; ; attempt++) {
      const owned = await this.#ownedId(a, cveId);
      const id = owned ?? (await this.#visibleId(cveId));
      if (id.state === 'AVAILABLE') throw new CnaError('CVE_ID_NOT_FOUND', { message: `${cveId} not found` });
      let next: CnaCveId = id;
      let needQuotaOf: string | undefined;
      if (ch.org !== undefined) {
        const target = await this.store.cna.getOrg(ch.org);
        if (!target) throw new CnaError('ORG_DNE_404', { message: `The '${ch.org}' organization does not exist.` });
        next = { ...next, owningOrg: target.uuid };
      }
      if (state !== undefined && state !== id.state) {
        if (await this.store.cna.getRecord(cveId)) throw new CnaError('CANNOT_CHANGE_CVE_ID_WITH_RECORD');
        // Quota of the ID's owner (the spec lets a new server fix the original's use of the requester's org).
        if (state === 'RESERVED') needQuotaOf = next.owningOrg;
        next = { ...next, state };
      } else if (state !== undefined && (await this.store.cna.getRecord(cveId))) {
        throw new CnaError('CANNOT_CHANGE_CVE_ID_WITH_RECORD');
      }
      const names = await this.names([next]);
      if (next === id) return cveIdView(id, names(id), { time: true });
      next = { ...next, modified: this.#ts() };
      const action = ch.org !== undefined && next.owningOrg !== id.owningOrg ? 'cve-id.transfer' : `cve-id.${next.state.toLowerCase()}`;
      const r = await this.store.cna.saveCveId({ id: next, expectRev: id.rev, needQuotaOf, audit: this.#audit(a, id.owningOrg, action, cveId, id, next) });
      if (r === 'no-quota') throw new CnaError('TRANSITION_STATE_RESERVED_NO_QUOTA');
      if (r === 'ok') return cveIdView(next, (await this.names([next]))(next), { time: true });
      if (attempt >= MAX_ATTEMPTS) throw new CnaError('SERVICE_NOT_AVAILABLE');
    }
  }

  async createYearRange(a: Actor, year: number): Promise<void> {
    requireSecretariat(a);
    const r = await this.store.cna.createYearRange(
      { year, priorityTop: 0, priorityEnd: 20_000, generalTop: 20_000, generalEnd: 50_000_000 },
      this.#audit(a, a.org.uuid, 'cve-id-range.create', String(year)),
    );
    if (r === 'exists') throw new CnaError('YEAR_RANGE_EXISTS', { message: `The CVE ID range for ${year} already exists.` });
  }

  // --- records --------------------------------------------------------------

  /** GET /cve/:id: the stored record text, or CVE_RECORD_DNE (404). */
  async getRecordJson(cveId: string): Promise<string> {
    const r = await this.store.cna.getRecord(cveId);
    if (!r) throw new CnaError('CVE_RECORD_DNE');
    return r.json;
  }

  /** Store a record change and put the record into the repository at once. */
  async #commitRecord(a: Actor, id: CnaCveId, owner: CnaOrg, record: CveRecordJson, existing: CnaRecord | undefined, action: string): Promise<'ok' | 'conflict'> {
    const now = this.#ts();
    const json = JSON.stringify(record);
    const state = record.cveMetadata.state as 'PUBLISHED' | 'REJECTED';
    const rec: CnaRecord = {
      cveId: id.cveId, state, json, assignerOrg: owner.uuid, adpOrgs: adpOrgIds(record),
      cnaDateUpdated: String((record.containers.cna.providerMetadata as { dateUpdated?: string } | undefined)?.dateUpdated ?? now),
      created: existing?.created ?? now, modified: now,
    };
    const next: CnaCveId = { ...id, state, modified: now };
    const r = await this.store.cna.saveCveId({
      id: next, expectRev: id.rev, record: rec,
      audit: this.#audit(a, owner.uuid, action, id.cveId, existing ? JSON.parse(existing.json) : { cveIdState: id.state }, record),
    });
    if (r !== 'ok') return 'conflict';
    // The CNA transaction marked the record pending for the repository; if this second step
    // fails (crash, database hiccup) `resyncRepository` writes it later, so none is lost.
    try {
      await this.store.writeBatch([repositoryWrite(record, json, owner.shortName)]);
      await this.store.cna.clearRepoPending(id.cveId, now);
    } catch (err) {
      this.#onRepositoryError(err, id.cveId);
    }
    return 'ok';
  }

  /**
   * Write into the repository every CNA record marked pending (and with `all`, every CNA
   * record) whose repository version is missing or has another hash. Idempotent: a record
   * already there with the same hash is left alone. Run on start and periodically.
   */
  async resyncRepository(opts: { readonly all?: boolean } = {}): Promise<{ checked: number; written: number; failed: number }> {
    const out = { checked: 0, written: 0, failed: 0 };
    const owners = new Map<string, string>();
    const sync = async (rec: CnaRecord): Promise<boolean> => {
      out.checked++;
      let short = owners.get(rec.assignerOrg);
      if (short === undefined) {
        short = (await this.store.cna.getOrgByUuid(rec.assignerOrg))?.shortName ?? '';
        owners.set(rec.assignerOrg, short);
      }
      const write = repositoryWrite(JSON.parse(rec.json) as CveRecordJson, rec.json, short);
      const current = await this.store.getRecord(write.cveId);
      if (current?.hash === write.hash) return true;
      try {
        await this.store.writeBatch([write]);
        out.written++;
        return true;
      } catch (err) {
        out.failed++;
        this.#onRepositoryError(err, rec.cveId);
        return false;
      }
    };
    for (const p of await this.store.cna.listRepoPending(10_000)) {
      const rec = await this.store.cna.getRecord(p.cveId);
      if (!rec || (await sync(rec))) await this.store.cna.clearRepoPending(p.cveId, p.modified);
    }
    if (opts.all) {
      for (let offset = 0; ; offset += 500) {
        const page = await this.store.cna.listRecords({}, { offset, limit: 500 });
        for (const rec of page.items) await sync(rec);
        if (page.items.length < 500) break;
      }
    }
    return out;
  }

  /** POST (`create`) or PUT (`update`) /cve/:id/cna and /cve/:id/reject (spec §4.3.2–4.3.5). */
  async submitCna(a: Actor, cveId: string, body: unknown, kind: 'published' | 'rejected', mode: 'create' | 'update'): Promise<CveRecordJson> {
    requireCna(a);
    const container = cnaContainerOf(body);
    const now = this.#now();
    checkContainer(container, kind, now);
    await this.#ownedId(a, cveId);
    for (let attempt = 0; ; attempt++) {
      const id = await this.store.cna.getCveId(cveId);
      if (!id || id.state === 'AVAILABLE') throw new CnaError('CVEID_DNE', { message: `${cveId} does not exist.` });
      if (!isSecretariat(a) && id.owningOrg !== a.org.uuid) throw new CnaError('CVEID_ORG_DOES_NOT_MATCH');
      const existing = await this.store.cna.getRecord(cveId);
      if (mode === 'create' && existing) throw new CnaError(kind === 'published' ? 'CVE_RECORD_EXISTS' : 'CVE_RECORD_EXISTS_REJECT');
      if (mode === 'update' && !existing) throw new CnaError(kind === 'published' ? 'CVE_RECORD_DNE_UPDATE' : 'CVE_RECORD_DNE_REJECT');
      const owner = (await this.store.cna.getOrgByUuid(id.owningOrg)) as CnaOrg;
      const ts = isoMs(now);
      const input = { id, owner, requester: a.org, container: container as Record<string, unknown>, existing: existing && (JSON.parse(existing.json) as CveRecordJson), now: ts };
      const record = kind === 'published' ? buildPublishedRecord(input) : buildRejectedRecord(input);
      checkFullRecord(record);
      const action = `record.${kind === 'published' ? 'publish' : 'reject'}${mode === 'update' ? '.update' : ''}`;
      if ((await this.#commitRecord(a, id, owner, record, existing, action)) === 'ok') return record;
      if (attempt >= MAX_ATTEMPTS) throw new CnaError('SERVICE_NOT_AVAILABLE');
    }
  }

  /** PUT /cve/:id/adp (spec §4.3.6): no ownership check; one container per ADP org. */
  async submitAdp(a: Actor, cveId: string, body: unknown): Promise<{ record: CveRecordJson; replaced: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const { id, existing, owner, merged } = await this.#prepareAdp(a, cveId, body);
      if ((await this.#commitRecord(a, id, owner, merged.record, existing, merged.replaced ? 'record.adp.replace' : 'record.adp.add')) === 'ok') return merged;
      if (attempt >= MAX_ATTEMPTS) throw new CnaError('SERVICE_NOT_AVAILABLE');
    }
  }

  /** Every check `submitAdp` makes, storing nothing: the relay runs it before it goes upstream. */
  async checkAdp(a: Actor, cveId: string, body: unknown): Promise<void> {
    await this.#prepareAdp(a, cveId, body);
  }

  async #prepareAdp(a: Actor, cveId: string, body: unknown) {
    if (!hasRole(a, 'ADP', 'SECRETARIAT')) throw new CnaError('ADP_ONLY');
    if (!body || typeof body !== 'object' || !('adpContainer' in body)) throw new CnaError('BAD_ADP_FORMAT');
    const container = trimStrings((body as { adpContainer: unknown }).adpContainer);
    checkContainer(container, 'adp', this.#now());
    const id = await this.store.cna.getCveId(cveId);
    if (!id || id.state === 'AVAILABLE') throw new CnaError('CVEID_DNE', { message: `${cveId} does not exist.` });
    const existing = await this.store.cna.getRecord(cveId);
    if (!existing) throw new CnaError('CVE_RECORD_DNE_UPDATE');
    if (existing.state === 'REJECTED') throw new CnaError('CVE_RECORD_REJECTED');
    const owner = (await this.store.cna.getOrgByUuid(id.owningOrg)) as CnaOrg;
    const merged = mergeAdpContainer(JSON.parse(existing.json) as CveRecordJson, container as Record<string, unknown>, a.org, this.#ts());
    checkFullRecord(merged.record, 'BAD_ADP_JSON');
    return { id, existing, owner, merged };
  }

  /** POST/PUT /cve/:id, Secretariat only: the record is stored as sent (spec §4.3.7). */
  async submitFullRecord(a: Actor, cveId: string, body: unknown, mode: 'create' | 'update'): Promise<CveRecordJson> {
    requireSecretariat(a);
    const record = trimStrings(body) as CveRecordJson & { dataVersion?: string };
    const state = (record as { cveMetadata?: { state?: string } })?.cveMetadata?.state;
    if (!record || typeof record !== 'object' || !['PUBLISHED', 'REJECTED', 'RESERVED'].includes(String(state))) {
      throw new CnaError('INVALID_JSON_SCHEMA', { message: 'CVE JSON schema validation FAILED: /cveMetadata/state must be PUBLISHED or REJECTED', details: { errors: [{ instancePath: '/cveMetadata/state', keyword: 'enum', message: 'must be PUBLISHED, REJECTED or RESERVED' }] } });
    }
    if (record.cveMetadata.cveId !== cveId) throw new CnaError('CVEID_MISMATCH');
    if (state === 'RESERVED') throw new CnaError('CVE_UNSUPPORTED_RECORD_STATE');
    const full = { ...record, dataVersion: record.dataVersion ?? '5.1' } as CveRecordJson;
    checkFullRecord(full);
    const cna = full.containers.cna as unknown as Record<string, unknown>;
    checkContainer(cna, state === 'REJECTED' ? 'rejected' : 'published', this.#now());
    for (let attempt = 0; ; attempt++) {
      const id = await this.store.cna.getCveId(cveId);
      if (!id || id.state === 'AVAILABLE') throw new CnaError('CVEID_DNE_SECRETARIAT', { message: `${cveId} does not exist.` });
      const existing = await this.store.cna.getRecord(cveId);
      if (mode === 'create' && existing) throw new CnaError('CVE_RECORD_EXISTS_REJECT');
      if (mode === 'update' && !existing) throw new CnaError('CVE_RECORD_DNE_UPDATE');
      const owner = (await this.store.cna.getOrgByUuid(id.owningOrg)) as CnaOrg;
      if ((await this.#commitRecord(a, id, owner, full, existing, `record.secretariat.${mode}`)) === 'ok') return full;
      if (attempt >= MAX_ATTEMPTS) throw new CnaError('SERVICE_NOT_AVAILABLE');
    }
  }

  /** Resolve `assigner_short_name` / `adp_short_name` filters to org UUIDs (unknown: matches nothing). */
  async recordFilter(a: Actor, q: { state?: string; assignerShortName?: string; assigner?: string; adpShortName?: string; modifiedLt?: string; modifiedGt?: string; cnaModified?: boolean }): Promise<CnaRecordFilter> {
    if (!hasRole(a, 'SECRETARIAT', 'BULK_DOWNLOAD')) throw new CnaError('SECRETARIAT_ONLY');
    if (q.cnaModified && !q.modifiedLt && !q.modifiedGt) throw new CnaError('BAD_USAGE_CNA_MODIFIED');
    const none = '00000000-0000-0000-0000-000000000000';
    let assignerOrg = q.assigner;
    if (q.assignerShortName !== undefined) assignerOrg = (await this.store.cna.getOrg(q.assignerShortName))?.uuid ?? none;
    const adpOrg = q.adpShortName === undefined ? undefined : ((await this.store.cna.getOrg(q.adpShortName))?.uuid ?? none);
    return {
      ...(q.state ? { state: q.state.toUpperCase() as 'PUBLISHED' | 'REJECTED' } : {}),
      ...(assignerOrg ? { assignerOrg } : {}),
      ...(adpOrg ? { adpOrg } : {}),
      ...(q.modifiedLt ? { modifiedLt: q.modifiedLt } : {}),
      ...(q.modifiedGt ? { modifiedGt: q.modifiedGt } : {}),
      ...(q.cnaModified ? { cnaModified: true } : {}),
    };
  }

  async listRecords(filter: CnaRecordFilter, page: { offset: number; limit: number }): Promise<{ items: unknown[]; total: number }> {
    const r = await this.store.cna.listRecords(filter, page);
    return { items: r.items.map((x) => JSON.parse(x.json)), total: r.total };
  }

  async countRecords(filter: CnaRecordFilter): Promise<number> {
    return this.store.cna.countRecords(filter);
  }

  async cursorRecords(filter: CnaRecordFilter, cursor: CnaRecordCursor | undefined, limit: number): Promise<{ items: unknown[]; next?: CnaRecordCursor; previous?: CnaRecordCursor; hasNext: boolean; hasPrevious: boolean }> {
    const r = await this.store.cna.cursorRecords(filter, cursor, limit);
    const first = r.items[0];
    const last = r.items[r.items.length - 1];
    const back = cursor?.direction === 'before';
    const hasNext = back ? true : r.hasMore;
    const hasPrevious = back ? r.hasMore : cursor !== undefined;
    return {
      items: r.items.map((x) => JSON.parse(x.json)),
      hasNext: hasNext && last !== undefined,
      hasPrevious: hasPrevious && first !== undefined,
      ...(last && hasNext ? { next: { created: last.created, cveId: last.cveId, direction: 'after' as const } } : {}),
      ...(first && hasPrevious ? { previous: { created: first.created, cveId: first.cveId, direction: 'before' as const } } : {}),
    };
  }
}

/** Roles upper-cased, de-duplicated, checked (BAD_INPUT naming the parameter). */
function normalizeRoles(roles: readonly string[], valid: readonly string[], param: string, location: 'query' | 'body'): string[] {
  const out = [...new Set(roles.map((r) => String(r).toUpperCase()))];
  const bad = out.filter((r) => !valid.includes(r));
  if (bad.length) throw badInput([{ msg: `Invalid role ${bad.join(', ')}. Valid roles are ${valid.join(', ')}`, param, location }]);
  return out;
}

function checkQuota(q: number, param: string, location: 'query' | 'body'): void {
  if (!Number.isInteger(q) || q < 0 || q > MAX_ID_QUOTA) throw badInput([{ msg: 'The id_quota does not comply with CVE id quota limitations', param, location }]);
}

function checkName(name: Partial<CnaUserName>, location: 'query' | 'body'): Partial<CnaUserName> {
  const out: Record<string, string> = {};
  for (const k of ['first', 'last', 'middle', 'suffix'] as const) {
    const v = name[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length > 100) throw badInput([{ msg: 'Invalid value', param: `name.${k}`, location }]);
    out[k] = v;
  }
  return out;
}

/** The body's `cnaContainer`, trimmed; anything else is a schema error naming the field. */
function cnaContainerOf(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new CnaError('INVALID_JSON_SCHEMA', { message: "CVE cnaContainer JSON schema validation FAILED: / must have required property 'cnaContainer'", details: { errors: [{ instancePath: '', keyword: 'required', message: "must have required property 'cnaContainer'" }] } });
  }
  const extra = Object.keys(body).filter((k) => k !== 'cnaContainer');
  if (extra.length) {
    throw new CnaError('INVALID_JSON_SCHEMA', { message: `CVE cnaContainer JSON schema validation FAILED: / must NOT have additional properties '${extra[0]}'`, details: { errors: [{ instancePath: '', keyword: 'additionalProperties', message: `must NOT have additional properties '${extra[0]}'` }] } });
  }
  if (!('cnaContainer' in body)) {
    throw new CnaError('INVALID_JSON_SCHEMA', { message: "CVE cnaContainer JSON schema validation FAILED: / must have required property 'cnaContainer'", details: { errors: [{ instancePath: '', keyword: 'required', message: "must have required property 'cnaContainer'" }] } });
  }
  return trimStrings((body as { cnaContainer: unknown }).cnaContainer);
}

/** A user without the key hash (for audit entries). */
function publicUser(u: CnaUser): Omit<CnaUser, 'secretHash' | 'rev' | 'modified'> {
  const { secretHash: _h, rev: _r, modified: _m, ...rest } = u;
  return rest;
}

/** A valid hash nobody's key matches, checked for unknown users to keep timing even. */
const DUMMY_HASH = `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`;

/** A canonical CVE ID from a path parameter (CVE JSON 5 `cveId` pattern), else BAD_INPUT. */
export function pathCveId(text: string): string {
  const parsed = parseCveId(text);
  if (!/^CVE-[0-9]{4}-[0-9]{4,19}$/.test(text) || !parsed.ok || parsed.id !== text) throw badInput([{ msg: 'Invalid value', param: 'id', location: 'params' }]);
  return text;
}
