/**
 * @module The upstream relay (issue 5 §4): an org may name an upstream CVE Services
 * endpoint (the real one, or another cvekit). Then reserve, publish, update and reject go
 * upstream first, as the official API (same paths and `CVE-API-*` headers), and are
 * stored locally only once upstream accepted them; reserved IDs are the ones upstream
 * handed out. An upstream that cannot be reached (network error, 5xx, 429) puts the
 * operation in the store's outbox; `runDue` (the in-process worker) retries it with
 * backoff under a lease, so several processes never run one item twice at once and
 * nothing is lost. A refusal (4xx) is shown and not retried.
 */
import { parseCveId } from '../cve/index.ts';
import type { CnaCveId, CnaOrg, CnaOutboxItem, CnaUpstream } from '../store/index.ts';
import { CnaError, badInput } from './errors.ts';
import { checkContainer, trimStrings } from './records.ts';
import { seal, unseal } from './seal.ts';
import { CnaService, SYSTEM_ACTOR, isSecretariat, requireCna } from './service.ts';
import type { Actor, ReserveOutcome, ReserveParams } from './service.ts';
import { isoMs } from './time.ts';

export interface RelayOptions {
  /** The server key (`CVEKIT_SECRET_KEY`); without it no upstream can be configured. */
  readonly secretKey?: Buffer;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  /** Per upstream request (default 15 s). */
  readonly timeoutMs?: number;
  /** First retry delay; doubles per attempt up to `maxDelayMs` (defaults 5 s, 15 min). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

export interface UpstreamInput {
  readonly url: string;
  readonly org: string;
  readonly user: string;
  readonly key: string;
}

export interface RelayCallOptions {
  /**
   * When upstream cannot be reached (network error, timeout, 5xx, 429): `true` (the default,
   * the workbench) queues the operation in the outbox for retry; `false` (the API, callers
   * that need the answer now) throws UPSTREAM_UNAVAILABLE (503 with Retry-After), nothing changed.
   */
  readonly queue?: boolean;
}

/** What a relayed operation came to: done (locally too), or queued for retry. */
export type RelayOutcome<T> = { readonly kind: 'done'; readonly value: T } | { readonly kind: 'queued'; readonly outboxId: number; readonly error: string };

/** `sync`: fetch the org's IDs reserved upstream since `since` that this store does not have. */
/** `sync.record`: store here the record upstream has for an ID, if this store's differs or is missing. */
type Op = 'reserve' | 'publish' | 'update' | 'reject' | 'reject.update' | 'state' | 'adp' | 'sync' | 'sync.record';

interface Payload {
  readonly reserve?: ReserveParams;
  readonly body?: unknown;
  readonly state?: string;
  /** For `sync`: upstream's reservations from this time on (ISO). */
  readonly since?: string;
  /** For `sync`: the local org the IDs belong to. */
  readonly shortName?: string;
}

/** Upstream could not be reached or had trouble: worth retrying (after `retryAfter` s, if it said). */
class Transient extends Error {
  readonly retryAfter?: number;
  /** The request may have reached upstream and been done there (a timeout, a 5xx, a cut answer). */
  readonly maybeDone: boolean;
  constructor(message: string, opts: { readonly retryAfter?: number; readonly maybeDone?: boolean } = {}) {
    super(message);
    this.retryAfter = opts.retryAfter;
    this.maybeDone = opts.maybeDone ?? false;
  }
}

/** Errors of a connection that never carried the request. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);
/** How far before an ambiguous reservation a later `sync` looks (clock differences). */
const SYNC_SKEW_MS = 5 * 60_000;

/** IDs upstream handed out (a 206 when only some of a non-sequential batch could be had). */
interface Reserved {
  readonly ids: readonly string[];
  readonly partial: boolean;
}

/** The `Retry-After` (seconds) of an UPSTREAM_UNAVAILABLE answer when upstream named none. */
const RETRY_AFTER_S = 30;

const LEASE_MS = 60_000;

export class CnaRelay {
  readonly service: CnaService;
  readonly #key?: Buffer;
  readonly #fetch: typeof fetch;
  readonly #now: () => Date;
  readonly #timeoutMs: number;
  readonly #baseDelay: number;
  readonly #maxDelay: number;

  constructor(service: CnaService, opts: RelayOptions = {}) {
    this.service = service;
    this.#key = opts.secretKey;
    this.#fetch = opts.fetch ?? fetch;
    this.#now = opts.now ?? (() => new Date());
    this.#timeoutMs = opts.timeoutMs ?? 15_000;
    this.#baseDelay = opts.baseDelayMs ?? 5_000;
    this.#maxDelay = opts.maxDelayMs ?? 15 * 60_000;
  }

  get canConfigure(): boolean {
    return this.#key !== undefined;
  }

  #requireAdmin(a: Actor): void {
    if (!isSecretariat(a) && !a.user.roles.includes('ADMIN')) throw new CnaError('NOT_ORG_ADMIN_OR_SECRETARIAT');
  }

  /** Set the org's upstream; the key is sealed and never shown again. */
  async configure(a: Actor, input: UpstreamInput): Promise<void> {
    this.#requireAdmin(a);
    if (!this.#key) throw new CnaError('SERVICE_NOT_AVAILABLE', { message: 'Set CVEKIT_SECRET_KEY (32 bytes, hex or base64) on the server to configure an upstream.' });
    let url: URL;
    try {
      url = new URL(input.url.trim());
    } catch {
      throw badInput([{ msg: 'The upstream URL is not a URL', param: 'url', location: 'body' }]);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badInput([{ msg: 'The upstream URL must be http(s)', param: 'url', location: 'body' }]);
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    if (!input.org.trim() || !input.user.trim() || !input.key.trim()) throw badInput([{ msg: 'Upstream org, user and key are all needed', param: 'key', location: 'body' }]);
    const now = isoMs(this.#now());
    const u: CnaUpstream = { orgUuid: a.org.uuid, url: url.href, upstreamOrg: input.org.trim(), upstreamUser: input.user.trim(), keySealed: seal(this.#key, input.key.trim(), a.org.uuid), updated: now };
    await this.service.store.cna.setUpstream(u, {
      at: now, actorOrg: a.org.uuid, actorUser: a.user.uuid, org: a.org.uuid, action: 'upstream.set', target: a.org.shortName,
      after: { url: u.url, org: u.upstreamOrg, user: u.upstreamUser },
    });
  }

  async remove(a: Actor): Promise<void> {
    this.#requireAdmin(a);
    await this.service.store.cna.deleteUpstream(a.org.uuid, { at: isoMs(this.#now()), actorOrg: a.org.uuid, actorUser: a.user.uuid, org: a.org.uuid, action: 'upstream.remove', target: a.org.shortName });
  }

  /** The org's upstream without its key. */
  async upstreamOf(orgUuid: string): Promise<Omit<CnaUpstream, 'keySealed'> | undefined> {
    const u = await this.service.store.cna.getUpstream(orgUuid);
    if (!u) return undefined;
    const { keySealed: _k, ...rest } = u;
    return rest;
  }

  // --- relayed operations ---------------------------------------------------

  /** The upstream of the org with this UUID (the owner of the IDs and records in question). */
  async #upstream(orgUuid: string): Promise<CnaUpstream | undefined> {
    return orgUuid ? this.service.store.cna.getUpstream(orgUuid) : undefined;
  }

  /**
   * Reserve IDs for `p.shortName` (the actor's org, or any for the Secretariat): through that
   * org's upstream when it has one, else locally. Returns the IDs, or `queued` when upstream
   * could not be reached (with `queue: false`: throws UPSTREAM_UNAVAILABLE instead).
   */
  async reserve(a: Actor, p: ReserveParams, opts: RelayCallOptions = {}): Promise<RelayOutcome<readonly string[]>> {
    const target = await this.service.store.cna.getOrg(p.shortName);
    const up = target && (await this.#upstream(target.uuid));
    if (!up) return { kind: 'done', value: (await this.service.reserve(a, p)).ids.map((x) => String(x.cve_id)) };
    await this.#checkReserve(a, p, target);
    const r = await this.#attempt(a, up, target.uuid, 'reserve', '', { reserve: p }, opts);
    return r.kind === 'done' ? { kind: 'done', value: (r.value as Reserved).ids } : r;
  }

  /**
   * Reserve as `CnaService.reserve` answers (views, remaining quota, partial), through the
   * target org's upstream when it has one, never queued: upstream unreachable throws
   * UPSTREAM_UNAVAILABLE (503), a refusal is passed through. The API's `POST /cve-id`, and the
   * entry point for other parts of cvekit (disclosure cases) that need IDs at once.
   */
  async reserveNow(a: Actor, p: ReserveParams): Promise<ReserveOutcome> {
    const target = await this.service.store.cna.getOrg(p.shortName);
    const up = target && (await this.#upstream(target.uuid));
    if (!up) return this.service.reserve(a, p);
    await this.#checkReserve(a, p, target);
    const r = await this.#attempt(a, up, target.uuid, 'reserve', '', { reserve: p }, { queue: false });
    const done = (r as { kind: 'done'; value: Reserved }).value;
    const ids = await Promise.all(done.ids.map((id) => this.service.showCveId(a, id)));
    const quota = await this.service.quota(a, target.shortName);
    return { ids, remaining: quota.available, partial: done.partial, requested: p.amount };
  }

  /** The local rules first (role, org, amount, batch type, local quota), before anything goes upstream. */
  async #checkReserve(a: Actor, p: ReserveParams, target: CnaOrg): Promise<void> {
    requireCna(a);
    if (p.shortName !== a.org.shortName && !isSecretariat(a)) throw new CnaError('ORG_CANNOT_RESERVE_FOR_OTHER');
    if (!(p.amount > 0)) throw new CnaError('INVALID_AMOUNT');
    if (p.amount > 1 && p.batchType === undefined) throw new CnaError('NO_BATCH_TYPE');
    if (p.batchType !== undefined && !['sequential', 'nonsequential', 'non-sequential'].includes(p.batchType.toLowerCase())) throw new CnaError('INVALID_BATCH_TYPE');
    const reserved = await this.service.store.cna.countReserved(target.uuid);
    const available = target.idQuota - reserved;
    if (p.amount > available) {
      throw new CnaError('EXCEEDED_ID_QUOTA', {
        message: `The amount of CVE IDs requested (${p.amount}) exceeds the remaining quota (${available}) of the '${target.shortName}' organization.`,
        details: { id_quota: target.idQuota, total_reserved: reserved, available },
        headers: { 'CVE-API-REMAINING-QUOTA': String(available) },
      });
    }
  }

  /** Publish (`create`) or update a record, or reject with a record (`kind` rejected), through the owner's upstream. */
  async submitCna(a: Actor, cveId: string, body: unknown, kind: 'published' | 'rejected', mode: 'create' | 'update', opts: RelayCallOptions = {}): Promise<RelayOutcome<unknown>> {
    const owner = (await this.service.store.cna.getCveId(cveId))?.owningOrg ?? '';
    const up = await this.#upstream(owner);
    if (!up) return { kind: 'done', value: await this.service.submitCna(a, cveId, body, kind, mode) };
    requireCna(a);
    // Refuse locally what would be refused anyway, before anything goes upstream or is queued.
    checkContainer(trimStrings((body as { cnaContainer?: unknown })?.cnaContainer), kind, this.#now());
    await this.#checkOwned(a, cveId);
    const op: Op = kind === 'published' ? (mode === 'create' ? 'publish' : 'update') : mode === 'create' ? 'reject' : 'reject.update';
    return this.#attempt(a, up, owner, op, cveId, { body }, opts);
  }

  /**
   * `PUT /cve/:id/adp`: an ADP org with an upstream adds its container there first (with its
   * own upstream credentials: the record may belong to any CNA), then here. Everything this
   * server would refuse is refused before anything goes upstream; never queued (an ADP
   * container is replaced whole, so the client's retry is safe).
   */
  async submitAdp(a: Actor, cveId: string, body: unknown): ReturnType<CnaService['submitAdp']> {
    const up = await this.#upstream(a.org.uuid);
    if (!up) return this.service.submitAdp(a, cveId, body);
    await this.service.checkAdp(a, cveId, body);
    // Never queued: done, or an error. The value is `service.submitAdp`'s (see #execute).
    const done = (await this.#attempt(a, up, a.org.uuid, 'adp', cveId, { body }, { queue: false })) as { kind: 'done'; value: Awaited<ReturnType<CnaService['submitAdp']>> };
    return done.value;
  }

  /** Reject an ID without a record, or undo that (`state` REJECTED / RESERVED), through the owner's upstream. */
  async changeState(a: Actor, cveId: string, state: 'REJECTED' | 'RESERVED', opts: RelayCallOptions = {}): Promise<RelayOutcome<unknown>> {
    const owner = (await this.service.store.cna.getCveId(cveId))?.owningOrg ?? '';
    const up = await this.#upstream(owner);
    if (!up) return { kind: 'done', value: await this.service.changeCveId(a, cveId, { state }) };
    requireCna(a);
    await this.#checkOwned(a, cveId);
    return this.#attempt(a, up, owner, 'state', cveId, { state }, opts);
  }

  /**
   * `PUT /cve-id/:id?state=…&org=…` as the API answers it: a state change of an upstream
   * org's ID goes upstream first (never queued); a transfer of such an ID cannot be relayed
   * (the other org is a local name) and is refused with UPSTREAM_MANAGED.
   */
  async changeCveIdNow(a: Actor, cveId: string, ch: { readonly state?: string; readonly org?: string }): Promise<Record<string, unknown>> {
    const owner = (await this.service.store.cna.getCveId(cveId))?.owningOrg ?? '';
    const up = await this.#upstream(owner);
    if (!up) return this.service.changeCveId(a, cveId, ch);
    requireCna(a);
    await this.#checkOwned(a, cveId);
    if (ch.org !== undefined) throw new CnaError('UPSTREAM_MANAGED', { message: `${cveId} belongs to an organization whose IDs are reserved upstream; transfer it there.` });
    const state = ch.state?.toUpperCase();
    if (state === undefined) return this.service.changeCveId(a, cveId, {});
    if (state !== 'RESERVED' && state !== 'REJECTED') throw badInput([{ msg: 'Invalid value', param: 'state', location: 'query' }]);
    const r = await this.#attempt(a, up, owner, 'state', cveId, { state }, { queue: false });
    return (r as { kind: 'done'; value: Record<string, unknown> }).value;
  }

  /** Refuse a change the relay cannot make upstream (Secretariat full-record writes) to an upstream org's record. */
  async assertLocalChange(cveId: string): Promise<void> {
    const owner = (await this.service.store.cna.getCveId(cveId))?.owningOrg ?? '';
    if (await this.#upstream(owner)) throw new CnaError('UPSTREAM_MANAGED', { message: `The record of ${cveId} is published through its organization's upstream CVE Services; change it there or through the CNA routes.` });
  }

  async #checkOwned(a: Actor, cveId: string): Promise<void> {
    const id = await this.service.store.cna.getCveId(cveId);
    if (!id || id.state === 'AVAILABLE') throw new CnaError(isSecretariat(a) ? 'CVEID_DNE' : 'ORG_DOES_NOT_OWN_ID', { message: isSecretariat(a) ? `${cveId} does not exist.` : `${a.org.shortName} does not own ${cveId}` });
    if (!isSecretariat(a) && id.owningOrg !== a.org.uuid) throw new CnaError('ORG_DOES_NOT_OWN_ID', { message: `${a.org.shortName} does not own ${cveId}` });
  }

  /** Try at once; on a transient failure queue it (default) or throw UPSTREAM_UNAVAILABLE. */
  async #attempt(a: Actor, up: CnaUpstream, orgUuid: string, op: Op, cveId: string, payload: Payload, opts: RelayCallOptions): Promise<RelayOutcome<unknown>> {
    const started = this.#now();
    try {
      return { kind: 'done', value: await this.#execute(a, up, op, cveId, payload) };
    } catch (err) {
      if (!(err instanceof Transient)) throw err;
      // A reservation upstream may have made without our seeing the answer is fetched later
      // (outbox `sync`), so IDs reserved upstream are never lost here.
      const sync = await this.#queueSync(a, orgUuid, op, cveId, payload, started, err);
      if (opts.queue === false) {
        throw new CnaError('UPSTREAM_UNAVAILABLE', {
          message: `The upstream CVE Services (${up.url}) could not be reached: ${err.message}. Nothing was changed here; please try again later.${sync}`,
          headers: { 'Retry-After': String(err.retryAfter ?? RETRY_AFTER_S) },
        });
      }
      const now = this.#now();
      const outboxId = await this.service.store.cna.enqueue(
        { orgUuid, op, cveId, payload: JSON.stringify(payload), actorUser: a.user.uuid, created: isoMs(now) },
        isoMs(new Date(now.getTime() + this.#baseDelay)),
      );
      return { kind: 'queued', outboxId, error: err.message };
    }
  }

  /**
   * After a failure that may have been done upstream anyway, queue the item that fetches what
   * upstream did (`sync` for a reservation, `sync.record` for a record change); the words for
   * the caller, or '' when nothing was queued.
   */
  async #queueSync(a: Actor, orgUuid: string, op: Op, cveId: string, payload: Payload, started: Date, err: Transient): Promise<string> {
    if (!err.maybeDone) return '';
    const at = isoMs(new Date(this.#now().getTime() + this.#baseDelay));
    // One pending sync covers later ones (an earlier `since` lists more), so none is added twice.
    const pending = await this.service.store.cna.listOutbox(orgUuid, { pendingOnly: true, limit: 200 });
    const same = pending.find((o) => (op === 'reserve' ? o.op === 'sync' : o.op === 'sync.record' && o.cveId === cveId));
    if (same) return ` What upstream did will be fetched here shortly (outbox item ${same.id}).`;
    if (op === 'reserve') {
      const since = isoMs(new Date(started.getTime() - SYNC_SKEW_MS));
      const id = await this.service.store.cna.enqueue({ orgUuid, op: 'sync', cveId: '', payload: JSON.stringify({ since, shortName: payload.reserve?.shortName } satisfies Payload), actorUser: a.user.uuid, created: isoMs(started) }, at);
      return ` If upstream did reserve IDs, they will be added here shortly (outbox item ${id}).`;
    }
    if (op === 'publish' || op === 'update' || op === 'reject' || op === 'reject.update') {
      const id = await this.service.store.cna.enqueue({ orgUuid, op: 'sync.record', cveId, payload: '{}', actorUser: a.user.uuid, created: isoMs(started) }, at);
      return ` If upstream did take the record, it will be stored here shortly (outbox item ${id}).`;
    }
    return '';
  }

  /** Upstream first; then the same change locally (throws Transient or CnaError). */
  async #execute(a: Actor, up: CnaUpstream, op: Op, cveId: string, p: Payload, retry = false): Promise<unknown> {
    switch (op) {
      case 'reserve': {
        const r = p.reserve as ReserveParams;
        const target = await this.service.store.cna.getOrg(r.shortName);
        if (!target) throw new CnaError('ORG_DNE', { message: `The organization '${r.shortName}' designated by the short_name query parameter does not exist.` });
        const q = new URLSearchParams({ amount: String(r.amount), cve_year: String(r.year), short_name: up.upstreamOrg });
        if (r.batchType) q.set('batch_type', r.batchType);
        const res = await this.#call(up, 'POST', `cve-id?${q}`);
        const now = isoMs(this.#now());
        const ids: CnaCveId[] = [];
        for (const x of (res.json as { cve_ids?: { cve_id?: unknown; reserved?: unknown }[] } | undefined)?.cve_ids ?? []) {
          const text = String(x?.cve_id ?? '');
          const parsed = parseCveId(text);
          if (!parsed.ok || !/^CVE-\d{4}-\d{4,19}$/.test(text)) continue;
          const [, y, n] = text.split('-');
          ids.push({
            cveId: text, year: Number(y), number: Number(n), state: 'RESERVED', owningOrg: target.uuid, requestedByOrg: a.org.uuid,
            requestedByUser: a.user.uuid, reserved: typeof x.reserved === 'string' ? x.reserved : now, created: now, modified: now, rev: 1,
          });
        }
        if (ids.length === 0) throw new CnaError('UPSTREAM_REFUSED', { message: `Upstream answered ${res.status} without CVE IDs.` });
        const saved = await this.service.store.cna.insertCveIds(ids, {
          at: now, actorOrg: a.org.uuid, actorUser: a.user.uuid, org: target.uuid, action: 'cve-id.reserve.upstream',
          target: ids.length === 1 ? ids[0].cveId : `${ids[0].cveId}..${ids[ids.length - 1].cveId}`, after: { cveIds: ids.map((i) => i.cveId), upstream: up.url },
        });
        if (saved === 'conflict') throw new CnaError('UPSTREAM_ID_CONFLICT', { message: `Upstream reserved ${ids.map((i) => i.cveId).join(', ')} for ${up.upstreamOrg}, but this server has already given one of them to another organization: reserved upstream, not stored here.`, details: { cveIds: ids.map((i) => i.cveId) } });
        const value: Reserved = { ids: ids.map((i) => i.cveId), partial: res.status === 206 };
        return value;
      }
      case 'publish':
      case 'update':
      case 'reject':
      case 'reject.update': {
        const path = op.startsWith('reject') ? `cve/${cveId}/reject` : `cve/${cveId}/cna`;
        try {
          await this.#call(up, op === 'publish' || op === 'reject' ? 'POST' : 'PUT', path, p.body);
        } catch (err) {
          // A queued create retried after an attempt whose answer was lost: upstream has a record
          // now. As cvelib does, send it as an update (only on retries: a first POST's refusal is the caller's to see).
          const exists = err instanceof CnaError && (err.details as { error?: unknown } | undefined)?.error === 'CVE_RECORD_EXISTS';
          if (!(retry && exists && (op === 'publish' || op === 'reject'))) throw err;
          await this.#call(up, 'PUT', path, p.body);
        }
        // Here a create or an update by what this store has: an update upstream of a record this
        // store never got (a create whose answer was lost, retried as an update as cvelib does on
        // CVE_RECORD_EXISTS) is a create here; a create a sync already stored is an update.
        const create = !(await this.service.store.cna.getRecord(cveId));
        return this.service.submitCna(a, cveId, p.body, op.startsWith('reject') ? 'rejected' : 'published', create ? 'create' : 'update');
      }
      case 'state': {
        await this.#call(up, 'PUT', `cve-id/${cveId}?state=${p.state}`);
        return this.service.changeCveId(a, cveId, { state: p.state });
      }
      case 'adp': {
        await this.#call(up, 'PUT', `cve/${cveId}/adp`, p.body);
        return this.service.submitAdp(a, cveId, p.body);
      }
      case 'sync':
        return this.#sync(a, up, p);
      case 'sync.record':
        return this.#syncRecord(a, up, cveId);
    }
  }

  /** Store here the CNA container of upstream's record of `cveId` when this store lacks it or has another. */
  async #syncRecord(a: Actor, up: CnaUpstream, cveId: string): Promise<'same' | 'none' | 'stored'> {
    let res: { status: number; json: unknown };
    try {
      res = await this.#call(up, 'GET', `cve/${cveId}`);
    } catch (err) {
      // 404 CVE_RECORD_DNE: upstream never took it; nothing to do.
      if (err instanceof CnaError && err.passThrough?.status === 404) return 'none';
      throw err;
    }
    const record = res.json as { cveMetadata?: { state?: unknown }; containers?: { cna?: Record<string, unknown> } } | undefined;
    const cna = record?.containers?.cna;
    const state = record?.cveMetadata?.state;
    if (!cna || (state !== 'PUBLISHED' && state !== 'REJECTED')) return 'none';
    const strip = (c: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'providerMetadata').sort(([x], [y]) => x.localeCompare(y))));
    const mine = await this.service.store.cna.getRecord(cveId);
    const mineCna = mine && (JSON.parse(mine.json) as { containers?: { cna?: Record<string, unknown> } }).containers?.cna;
    if (mine && mine.state === state && mineCna && strip(mineCna) === strip(cna)) return 'same';
    const { providerMetadata: _p, ...container } = cna;
    await this.service.submitCna(a, cveId, { cnaContainer: container }, state === 'PUBLISHED' ? 'published' : 'rejected', mine ? 'update' : 'create');
    return 'stored';
  }

  /** Store the org's IDs that upstream lists as RESERVED since `since` and this store lacks. */
  async #sync(a: Actor, up: CnaUpstream, p: Payload): Promise<readonly string[]> {
    const target = await this.service.store.cna.getOrg(String(p.shortName ?? ''));
    if (!target) throw new CnaError('ORG_DNE', { message: `The organization '${String(p.shortName)}' no longer exists.` });
    const now = isoMs(this.#now());
    const missing: CnaCveId[] = [];
    const taken: string[] = [];
    for (let page = 1; page <= 100; page++) {
      const q = new URLSearchParams({ state: 'RESERVED', 'time_reserved.gt': String(p.since), page: String(page) });
      const res = (await this.#call(up, 'GET', `cve-id?${q}`)).json as { cve_ids?: { cve_id?: unknown; reserved?: unknown; time?: { created?: unknown } }[]; nextPage?: unknown } | undefined;
      for (const x of res?.cve_ids ?? []) {
        const text = String(x?.cve_id ?? '');
        if (!/^CVE-\d{4}-\d{4,19}$/.test(text) || !parseCveId(text).ok) continue;
        const cur = await this.service.store.cna.getCveId(text);
        if (cur && cur.state !== 'AVAILABLE') {
          if (cur.owningOrg !== target.uuid) taken.push(text);
          continue;
        }
        const [, y, n] = text.split('-');
        const reserved = typeof x.reserved === 'string' ? x.reserved : typeof x.time?.created === 'string' ? x.time.created : now;
        missing.push({ cveId: text, year: Number(y), number: Number(n), state: 'RESERVED', owningOrg: target.uuid, requestedByOrg: a.org.uuid, requestedByUser: a.user.uuid, reserved, created: now, modified: now, rev: 1 });
      }
      if (typeof res?.nextPage !== 'number') break;
    }
    const conflict = () => new CnaError('UPSTREAM_ID_CONFLICT', { message: `Upstream lists ${taken.join(', ')} as reserved by ${up.upstreamOrg}, but this server has given them to another organization: not stored here.`, details: { cveIds: taken } });
    if (missing.length === 0) {
      if (taken.length) throw conflict();
      return [];
    }
    const saved = await this.service.store.cna.insertCveIds(missing, {
      at: now, actorOrg: a.org.uuid, actorUser: a.user.uuid, org: target.uuid, action: 'cve-id.reserve.upstream-sync',
      target: missing.length === 1 ? missing[0].cveId : `${missing[0].cveId}..${missing[missing.length - 1].cveId}`, after: { cveIds: missing.map((i) => i.cveId), upstream: up.url },
    });
    if (saved === 'conflict') throw new CnaError('UPSTREAM_ID_CONFLICT', { message: `Upstream lists ${missing.map((i) => i.cveId).join(', ')} as reserved by ${up.upstreamOrg}, but one of them was taken here meanwhile.` });
    if (taken.length) throw conflict();
    return missing.map((i) => i.cveId);
  }

  /** One request to upstream as the official client sends it: the 2xx answer, else Transient or CnaError. */
  async #call(up: CnaUpstream, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    if (!this.#key) throw new Transient('CVEKIT_SECRET_KEY is not set on this server, so the upstream key cannot be opened');
    const key = unseal(this.#key, up.keySealed, up.orgUuid);
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(new URL(path, up.url), {
        method,
        headers: { 'CVE-API-ORG': up.upstreamOrg, 'CVE-API-USER': up.upstreamUser, 'CVE-API-KEY': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const e = err as Error;
      const why = e.name === 'TimeoutError' ? `no answer within ${this.#timeoutMs} ms` : e.cause ? String((e.cause as Error).message ?? e.cause) : e.message;
      const code = String((e.cause as { code?: unknown } | undefined)?.code ?? '');
      throw new Transient(`upstream ${up.url} could not be reached: ${why}`, { maybeDone: !NOT_SENT.has(code) });
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      const after = Number(res.headers.get('retry-after'));
      throw new Transient(`upstream answered ${res.status}${describe(json)}`, { retryAfter: Number.isInteger(after) && after > 0 && after <= 3600 ? after : undefined, maybeDone: res.status >= 500 });
    }
    if (res.status === 401) throw new CnaError('UPSTREAM_AUTH_FAILED', { details: { upstream: up.url, status: 401, body: json } });
    if (res.status >= 400) {
      const isErrorBody = json !== null && typeof json === 'object' && !Array.isArray(json) && typeof (json as { error?: unknown }).error === 'string';
      throw new CnaError('UPSTREAM_REFUSED', {
        message: `Upstream refused: ${res.status}${describe(json)}`,
        details: json,
        headers: { 'CVE-API-UPSTREAM': 'refused' },
        passThrough: {
          status: res.status,
          body: isErrorBody ? (json as Record<string, unknown>) : { error: 'UPSTREAM_REFUSED', message: `Upstream refused: ${res.status}`, details: { status: res.status, body: text.slice(0, 2000) } },
        },
      });
    }
    if (res.status < 200 || res.status >= 300) throw new Transient(`upstream answered ${res.status}`, { maybeDone: true });
    return { status: res.status, json };
  }

  // --- the outbox worker ----------------------------------------------------

  /** Claim and run due outbox items (as `owner`); returns how many were finished. */
  async runDue(owner: string, limit = 20): Promise<number> {
    const now = this.#now();
    const items = await this.service.store.cna.claimOutbox(isoMs(now), owner, isoMs(new Date(now.getTime() + LEASE_MS)), limit);
    let finished = 0;
    for (const item of items) {
      const r = await this.#runItem(item);
      const at = this.#now();
      if (r.ok) await this.service.store.cna.finishOutbox(item.id, owner, { done: true, at: isoMs(at) });
      else if (r.transient) {
        const delay = Math.min(this.#maxDelay, this.#baseDelay * 2 ** Math.min(item.attempts, 20));
        await this.service.store.cna.finishOutbox(item.id, owner, { done: false, error: r.error, nextAt: isoMs(new Date(at.getTime() + delay)) });
        continue;
      } else await this.service.store.cna.finishOutbox(item.id, owner, { done: true, at: isoMs(at), failed: r.error });
      finished++;
    }
    return finished;
  }

  async #runItem(item: CnaOutboxItem): Promise<{ ok: true } | { ok: false; transient: boolean; error: string }> {
    try {
      // The actor is the user who asked (in their own org: the Secretariat may act for another), or the command line.
      const user = item.actorUser === '' ? SYSTEM_ACTOR.user : await this.service.store.cna.getUserByUuid(item.actorUser);
      const org = item.actorUser === '' ? SYSTEM_ACTOR.org : user && (await this.service.store.cna.getOrgByUuid(user.orgUuid));
      const up = await this.service.store.cna.getUpstream(item.orgUuid);
      if (!org || !user) return { ok: false, transient: false, error: 'the org or user no longer exists' };
      if (!user.active) return { ok: false, transient: false, error: 'the user who asked was deactivated' };
      if (!up) return { ok: false, transient: false, error: 'the upstream endpoint was removed' };
      const actor = item.actorUser === '' ? SYSTEM_ACTOR : { org, user };
      const payload = JSON.parse(item.payload) as Payload;
      const started = this.#now();
      try {
        await this.#execute(actor, up, item.op as Op, item.cveId, payload, true);
      } catch (err) {
        // A retry may be done upstream without our seeing it, like a first attempt.
        if (err instanceof Transient) await this.#queueSync(actor, item.orgUuid, item.op as Op, item.cveId, payload, started, err);
        throw err;
      }
      return { ok: true };
    } catch (err) {
      return { ok: false, transient: err instanceof Transient, error: (err as Error).message };
    }
  }
}

function describe(json: unknown): string {
  if (json && typeof json === 'object' && 'error' in json) {
    const e = json as { error?: unknown; message?: unknown };
    return `: ${String(e.error)}${e.message ? ` (${String(e.message)})` : ''}`;
  }
  return '';
}
