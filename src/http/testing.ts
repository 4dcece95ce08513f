/**
 * @module Test setup for the HTTP tests: a store of each backend with the bundled sample
 * and hostile records, and the app over it. @internal: tests only.
 */
import type { FastifyInstance } from 'fastify';
import { hostileRecord, hostileRejected } from '../formats/testing.ts';
import { loadSample } from '../ingest/index.ts';
import type { Store } from '../store/index.ts';
import { openTestStore, recordWrite } from '../../test/support/stores.ts';
import { buildApp, type AppOptions } from './app.ts';

export const NOW = new Date('2025-02-01T00:00:00Z');

export interface TestApp {
  readonly store: Store;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** The sample (3,000 real records, KEV, CWE) plus CVE-2099-0001 (hostile) and CVE-2099-0002 (hostile, rejected, replaced by 0001). */
export async function openTestApp(backend: Parameters<typeof openTestStore>[0], opts: Partial<AppOptions> = {}): Promise<TestApp> {
  const { store, cleanup } = await openTestStore(backend);
  await loadSample(store);
  // PostgreSQL text cannot hold NUL: the hostile records keep every other control character.
  const noNul = (r: object) => JSON.parse(JSON.stringify(r).replace(/\\u0000/g, ''));
  await store.writeBatch([recordWrite(noNul(hostileRecord().record), { source: 'test' }), recordWrite(noNul(hostileRejected().record), { source: 'test' })]);
  const app = await buildApp({ store, now: () => NOW, rateLimit: false, ...opts });
  return {
    store,
    app,
    async close() {
      await app.close();
      await cleanup();
    },
  };
}
