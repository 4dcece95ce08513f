/**
 * @module The home page (search box and charts of the repository) and `/docs/cve`
 * (X1520-8.1 to 8.4, 9.3 to 9.5).
 */
import type { FastifyInstance } from 'fastify';
import type { RepositoryStats } from '../store/search-types.ts';
import { docsCveBody, homeBody } from '../web/index.ts';
import type { AppContext } from './context.ts';

const EXAMPLES = ['CVE-2024-3400', 'CVE-2023-32046', 'CVE-1999-0006', 'CVE-2024-4810'];
const STATS_TTL_MS = 60_000;

export function registerPageRoutes(app: FastifyInstance, ctx: AppContext): void {
  let stats: { at: number; value: RepositoryStats } | undefined;
  app.get('/', async (req, reply) => {
    const s = await ctx.status();
    let value: RepositoryStats | undefined;
    try {
      if (!stats || Date.now() - stats.at > STATS_TTL_MS) stats = { at: Date.now(), value: await ctx.search().stats() };
      value = stats.value;
    } catch (err) {
      // The home page still answers (names, sources, content date) when statistics fail.
      req.log.warn({ err }, 'repository statistics unavailable');
    }
    return ctx.sendPage(reply, 'CVE records', homeBody(s, value, EXAMPLES));
  });
  app.get('/docs/cve', async (_req, reply) => ctx.sendPage(reply, 'CVE and CVE compatibility', docsCveBody(await ctx.status())));
}
