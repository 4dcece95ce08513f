/**
 * @module The CNA API for tests: a Fastify app with only the CNA plugin over a fresh
 * store, plus helpers to make orgs and users (with their keys) and to send requests with
 * the three `CVE-API-*` headers.
 */
import Fastify from 'fastify';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { CnaService, SYSTEM_ACTOR } from '../../src/cna/index.ts';
import type { LimiterOptions } from '../../src/cna/index.ts';
import { cnaApi } from '../../src/http/cna-api.ts';
import type { CnaOrgRole, Store, StoreKind } from '../../src/store/index.ts';
import { openTestStore } from './stores.ts';

export interface Creds {
  readonly org: string;
  readonly user: string;
  readonly key: string;
}

export interface CnaHarness {
  readonly store: Store;
  readonly db: string;
  readonly app: FastifyInstance;
  readonly service: CnaService;
  /** A Secretariat admin. */
  readonly sec: Creds;
  org(shortName: string, roles: readonly CnaOrgRole[], idQuota?: number): Promise<void>;
  user(org: string, username: string, admin?: boolean): Promise<Creds>;
  req(method: InjectOptions['method'], url: string, creds?: Creds, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  cleanup(): Promise<void>;
}

export const headersOf = (c: Creds): Record<string, string> => ({ 'CVE-API-ORG': c.org, 'CVE-API-USER': c.user, 'CVE-API-KEY': c.key });

/** A Fastify app with the CNA plugin under /api on `store` (a second instance on one database). */
export async function cnaApp(store: Store, opts: { pageSize?: number; limiter?: LimiterOptions } = {}): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 1024 * 1024 });
  await app.register(cnaApi, { prefix: '/api', store, ...opts });
  await app.ready();
  return app;
}

export async function startCna(backend: StoreKind, opts: { pageSize?: number; limiter?: LimiterOptions } = {}): Promise<CnaHarness> {
  const t = await openTestStore(backend);
  const service = new CnaService(t.store);
  const app = await cnaApp(t.store, opts);
  const org = async (shortName: string, roles: readonly CnaOrgRole[], idQuota?: number) => {
    await service.createOrg(SYSTEM_ACTOR, { shortName, name: `${shortName} org`, roles, ...(idQuota === undefined ? {} : { idQuota }) });
  };
  const user = async (orgName: string, username: string, admin = false): Promise<Creds> => {
    const r = await service.createUser(SYSTEM_ACTOR, orgName, { username, roles: admin ? ['ADMIN'] : [] });
    return { org: orgName, user: username, key: r.secret };
  };
  await org('mitre', ['SECRETARIAT', 'CNA'], 10_000);
  const sec = await user('mitre', 'sec@mitre.example', true);
  return {
    store: t.store,
    db: t.db,
    app,
    service,
    sec,
    org,
    user,
    req: (method, url, creds, body, headers = {}) =>
      app.inject({
        method,
        url,
        headers: { ...(creds ? headersOf(creds) : {}), ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    async cleanup() {
      await app.close();
      await t.cleanup();
    },
  };
}

/** A minimal valid published CNA container (cvelib's sample shape). */
export function sampleContainer(title = 'Example vulnerability'): Record<string, unknown> {
  return {
    title,
    descriptions: [{ lang: 'en', value: 'A buffer overflow in Example Widget 1.0 lets remote attackers run code.' }],
    affected: [{ vendor: 'Example', product: 'Widget', versions: [{ version: '1.0', status: 'affected' }] }],
    references: [{ url: 'https://example.com/advisory/1' }],
    problemTypes: [{ descriptions: [{ lang: 'en', description: 'CWE-120 Buffer Copy without Checking Size of Input', cweId: 'CWE-120', type: 'CWE' }] }],
    x_generator: { engine: 'test' },
  };
}
