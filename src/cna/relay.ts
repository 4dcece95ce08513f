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
import type { CnaCveId, CnaOutboxItem, CnaUpstream } from '../store/index.ts';
import { CnaError, badInput } from './errors.ts';
import { checkContainer, trimStrings } from './records.ts';
import { seal, unseal } from './seal.ts';
import { CnaService, isSecretariat, requireCna } from './service.ts';
import type { Actor, ReserveParams } from './service.ts';
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

/** What a relayed operation came to: done (locally too), or queued for retry. */
export type RelayOutcome<T> = { readonly kind: 'done'; readonly value: T } | { readonly kind: 'queued'; readonly outboxId: number; readonly error: string };

type Op = 'reserve' | 'publish' | 'update' | 'reject' | 'reject.update' | 'state';

interface Payload {
  readonly reserve?: ReserveParams;
  readonly body?: unknown;
  readonly state?: string;
}

/** Upstream could not be reached or had trouble: worth retrying. */
class Transient extends Error {}

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

  async reserve(a: Actor, p: ReserveParams): Promise<RelayOutcome<readonly string[]>> {
    const up = await this.service.store.cna.getUpstream(a.org.uuid);
    if (!up) return { kind: 'done', value: (await this.service.reserve(a, p)).ids.map((x) => String(x.cve_id)) };
    requireCna(a);
    if (!(p.amount > 0)) throw new CnaError('INVALID_AMOUNT');
    return this.#attempt(a, up, 'reserve', '', { reserve: p }) as Promise<RelayOutcome<readonly string[]>>;
  }

  /** Publish (`create`) or update a record, or reject with a record (`kind` rejected). */
  async submitCna(a: Actor, cveId: string, body: unknown, kind: 'published' | 'rejected', mode: 'create' | 'update'): Promise<RelayOutcome<unknown>> {
    const up = await this.service.store.cna.getUpstream(a.org.uuid);
    if (!up) return { kind: 'done', value: await this.service.submitCna(a, cveId, body, kind, mode) };
    requireCna(a);
    // Refuse locally what would be refused anyway, before anything goes upstream or is queued.
    checkContainer(trimStrings((body as { cnaContainer?: unknown })?.cnaContainer), kind, this.#now());
    await this.#checkOwned(a, cveId);
    const op: Op = kind === 'published' ? (mode === 'create' ? 'publish' : 'update') : mode === 'create' ? 'reject' : 'reject.update';
    return this.#attempt(a, up, op, cveId, { body });
  }

  /** Reject an ID without a record, or undo that (`state` REJECTED / RESERVED). */
  async changeState(a: Actor, cveId: string, state: 'REJECTED' | 'RESERVED'): Promise<RelayOutcome<unknown>> {
    const up = await this.service.store.cna.getUpstream(a.org.uuid);
    if (!up) return { kind: 'done', value: await this.service.changeCveId(a, cveId, { state }) };
    requireCna(a);
    await this.#checkOwned(a, cveId);
    return this.#attempt(a, up, 'state', cveId, { state });
  }

  async #checkOwned(a: Actor, cveId: string): Promise<void> {
    const id = await this.service.store.cna.getCveId(cveId);
    if (!id || id.state === 'AVAILABLE') throw new CnaError('CVEID_DNE', { message: `${cveId} does not exist.` });
    if (!isSecretariat(a) && id.owningOrg !== a.org.uuid) throw new CnaError('CVEID_ORG_DOES_NOT_MATCH');
  }

  /** Try at once; queue on a transient failure. */
  async #attempt(a: Actor, up: CnaUpstream, op: Op, cveId: string, payload: Payload): Promise<RelayOutcome<unknown>> {
    try {
      return { kind: 'done', value: await this.#execute(a, up, op, cveId, payload) };
    } catch (err) {
      if (!(err instanceof Transient)) throw err;
      const now = this.#now();
      const outboxId = await this.service.store.cna.enqueue(
        { orgUuid: a.org.uuid, op, cveId, payload: JSON.stringify(payload), actorUser: a.user.uuid, created: isoMs(now) },
        isoMs(new Date(now.getTime() + this.#baseDelay)),
      );
      return { kind: 'queued', outboxId, error: err.message };
    }
  }

  /** Upstream first; then the same change locally (throws Transient or CnaError). */
  async #execute(a: Actor, up: CnaUpstream, op: Op, cveId: string, p: Payload): Promise<unknown> {
    switch (op) {
      case 'reserve': {
        const r = p.reserve as ReserveParams;
        const q = new URLSearchParams({ amount: String(r.amount), cve_year: String(r.year), short_name: up.upstreamOrg });
        if (r.batchType) q.set('batch_type', r.batchType);
        const res = (await this.#call(up, 'POST', `cve-id?${q}`)) as { cve_ids?: { cve_id: string; reserved?: string }[] };
        const now = isoMs(this.#now());
        const ids: CnaCveId[] = [];
        for (const x of res.cve_ids ?? []) {
          const parsed = parseCveId(x.cve_id);
          if (!parsed.ok) continue;
          const [, y, n] = x.cve_id.split('-');
          ids.push({
            cveId: x.cve_id, year: Number(y), number: Number(n), state: 'RESERVED', owningOrg: a.org.uuid, requestedByOrg: a.org.uuid,
            requestedByUser: a.user.uuid, reserved: typeof x.reserved === 'string' ? x.reserved : now, created: now, modified: now, rev: 1,
          });
        }
        if (ids.length === 0) throw new CnaError('SERVICE_NOT_AVAILABLE', { message: 'Upstream answered without CVE IDs.' });
        const saved = await this.service.store.cna.insertCveIds(ids, {
          at: now, actorOrg: a.org.uuid, actorUser: a.user.uuid, org: a.org.uuid, action: 'cve-id.reserve.upstream',
          target: ids.length === 1 ? ids[0].cveId : `${ids[0].cveId}..${ids[ids.length - 1].cveId}`, after: { cveIds: ids.map((i) => i.cveId), upstream: up.url },
        });
        if (saved === 'conflict') throw new CnaError('SERVICE_NOT_AVAILABLE', { message: `Upstream reserved ${ids.map((i) => i.cveId).join(', ')}, but one of them is already used in this store.` });
        return ids.map((i) => i.cveId);
      }
      case 'publish':
      case 'update':
      case 'reject':
      case 'reject.update': {
        const path = op.startsWith('reject') ? `cve/${cveId}/reject` : `cve/${cveId}/cna`;
        await this.#call(up, op === 'publish' || op === 'reject' ? 'POST' : 'PUT', path, p.body);
        return this.service.submitCna(a, cveId, p.body, op.startsWith('reject') ? 'rejected' : 'published', op === 'publish' || op === 'reject' ? 'create' : 'update');
      }
      case 'state': {
        await this.#call(up, 'PUT', `cve-id/${cveId}?state=${p.state}`);
        return this.service.changeCveId(a, cveId, { state: p.state });
      }
    }
  }

  /** One request to upstream as the official client sends it. */
  async #call(up: CnaUpstream, method: string, path: string, body?: unknown): Promise<unknown> {
    if (!this.#key) throw new Transient('CVEKIT_SECRET_KEY is not set on this server, so the upstream key cannot be opened');
    const key = unseal(this.#key, up.keySealed, up.orgUuid);
    let res: Response;
    try {
      res = await this.#fetch(new URL(path, up.url), {
        method,
        headers: { 'CVE-API-ORG': up.upstreamOrg, 'CVE-API-USER': up.upstreamUser, 'CVE-API-KEY': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new Transient(`upstream ${up.url} could not be reached: ${(err as Error).cause ? String(((err as Error).cause as Error).message ?? (err as Error).cause) : (err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408) throw new Transient(`upstream answered ${res.status}${describe(json)}`);
    if (res.status >= 400) throw new CnaError('UPSTREAM_REFUSED', { message: `Upstream refused: ${res.status}${describe(json)}`, details: json });
    return json;
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
      const org = await this.service.store.cna.getOrgByUuid(item.orgUuid);
      const user = await this.service.store.cna.getUserByUuid(item.actorUser);
      const up = await this.service.store.cna.getUpstream(item.orgUuid);
      if (!org || !user) return { ok: false, transient: false, error: 'the org or user no longer exists' };
      if (!up) return { ok: false, transient: false, error: 'the upstream endpoint was removed' };
      await this.#execute({ org, user }, up, item.op as Op, item.cveId, JSON.parse(item.payload) as Payload);
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
