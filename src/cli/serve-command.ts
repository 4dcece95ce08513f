/**
 * @module `cvekit serve` (what `npm start` runs): migrate, load the bundled sample into an
 * empty store, then serve pages and API until SIGINT/SIGTERM.
 */
import { buildApp } from '../http/index.ts';
import { loadSample } from '../ingest/index.ts';
import { createLogger } from '../log/index.ts';
import { openStore } from '../store/index.ts';
import { loadConfig, redactDb, SETTINGS } from '../config/index.ts';
import { intOption, parse, print, table, type Io } from './args.ts';

export const SERVE_HELP = `Usage: cvekit serve [options]

Starts the web pages and API. On an empty store it first loads the bundled real sample.

${table([['FLAG', 'ENVIRONMENT', 'DEFAULT', 'MEANING'], ...SETTINGS.map((s) => [s.flag, s.env, s.default, s.help])])}`;

export async function serveCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { host: { type: 'string' }, port: { type: 'string' }, 'no-seed': { type: 'boolean' } }, false);
  if (values.help) return print(io, SERVE_HELP), 0;
  intOption('port', values.port as string | undefined, { min: 0, max: 65535 });
  const config = loadConfig(
    {
      db: values.db as string | undefined,
      host: values.host as string | undefined,
      port: values.port as string | undefined,
      logLevel: values['log-level'] as string | undefined,
      seed: values['no-seed'] ? false : undefined,
    },
    io.env,
  );
  const logger = createLogger(config.logLevel);
  const store = await openStore(config.db);
  const migrated = await store.migrate();
  logger.info({ store: redactDb(config.db), schema: migrated.current, applied: migrated.applied }, 'store ready');
  if (config.seed) {
    const seeded = await loadSample(store, { onlyIfEmpty: true, logger });
    if (seeded.loaded) logger.info({ records: seeded.records?.counts.read, kev: seeded.kev, cwe: seeded.cwe }, 'empty store: loaded the bundled sample');
  }
  const app = await buildApp({ store, logger, trustProxy: config.trustProxy });
  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ address }, `cvekit is serving on ${address}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  logger.info('shutting down');
  await app.close();
  await store.close();
  return 0;
}
