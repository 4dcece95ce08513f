/**
 * @module Leases: one process at a time for work that must not run twice on one store (a
 * sync of a source), across processes and hosts, made of `swapMeta` (compare and set on the
 * `meta` table). A lease names its holder (host, process id, since when) so a refusal can say
 * who has it. It is renewed while held and expires when its holder stops renewing it (a host
 * gone). A holder on this host whose process is gone (killed) is taken over at once, so
 * running the killed command again resumes without waiting.
 *
 * @example
 * const lease = await acquireLease(store, 'sync:cvelistV5', { what: 'cvekit sync' });
 * try { … } finally { await lease.release(); }
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { processRunning } from './process-running.ts';
import type { Store } from './types.ts';

export interface LeaseHolder {
  /** This acquisition's own id. */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** What holds it, in words (`cvekit sync --from …`). */
  readonly what: string;
  readonly since: string;
  readonly expiresAt: string;
}

export interface Lease {
  readonly name: string;
  readonly holder: LeaseHolder;
  /** True once another process took the lease (this one stopped renewing it in time). */
  readonly lost: boolean;
  release(): Promise<void>;
}

export interface LeaseOptions {
  readonly what?: string;
  /** How long the lease lasts without renewal (default 5 minutes); renewed every third of it. */
  readonly ttlMs?: number;
  readonly now?: () => Date;
}

/** The lease is held by another process: who, since when, until when. */
export class LeaseHeldError extends Error {
  override readonly name = 'LeaseHeldError';
  readonly holder: LeaseHolder;
  constructor(lease: string, holder: LeaseHolder) {
    super(`already running: ${holder.what || 'another process'} (host ${holder.host}, pid ${holder.pid}, since ${holder.since}); its lease ${lease} lasts until ${holder.expiresAt} unless renewed`);
    this.holder = holder;
  }
}

const DEFAULT_TTL_MS = 5 * 60_000;
const ATTEMPTS = 5;

const keyOf = (name: string): string => `lease:${name}`;

function parseHolder(text: string): LeaseHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LeaseHolder>;
    return typeof h.id === 'string' && typeof h.host === 'string' && typeof h.pid === 'number' && typeof h.expiresAt === 'string'
      ? { id: h.id, host: h.host, pid: h.pid, what: String(h.what ?? ''), since: String(h.since ?? ''), expiresAt: h.expiresAt }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the current holder's lease may be taken: expired, or its process on this host is gone. */
function free(holder: LeaseHolder, now: Date): boolean {
  if (Date.parse(holder.expiresAt) <= now.getTime()) return true;
  return holder.host === hostname() && !processRunning(holder.pid);
}

/** Take the lease `name`, or throw {@link LeaseHeldError} naming its holder. */
export async function acquireLease(store: Store, name: string, opts: LeaseOptions = {}): Promise<Lease> {
  const ttl = opts.ttlMs ?? DEFAULT_TTL_MS;
  const now = opts.now ?? (() => new Date());
  const key = keyOf(name);
  const id = randomUUID();
  const since = now().toISOString();
  const make = (): LeaseHolder => ({ id, host: hostname(), pid: process.pid, what: opts.what ?? '', since, expiresAt: new Date(now().getTime() + ttl).toISOString() });
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const currentText = await store.getMeta(key);
    // Absent or unreadable: free.
    const current = currentText === undefined ? undefined : parseHolder(currentText);
    if (current && !free(current, now())) throw new LeaseHeldError(name, current);
    let mine = JSON.stringify(make());
    if (!(await store.swapMeta(key, currentText, mine))) continue;
    let lost = false;
    let renewing: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      const next = JSON.stringify(make());
      renewing = store.swapMeta(key, mine, next).then(
        (ok) => (ok ? (mine = next) : (lost = true, clearInterval(timer))),
        () => undefined,
      );
    }, Math.max(1, Math.floor(ttl / 3)));
    timer.unref();
    return {
      name,
      get holder() {
        return JSON.parse(mine) as LeaseHolder;
      },
      get lost() {
        return lost;
      },
      async release() {
        clearInterval(timer);
        await renewing;
        if (!lost) await store.swapMeta(key, mine, undefined);
      },
    };
  }
  throw new Error(`could not take the lease ${name}: other processes kept changing it`);
}
