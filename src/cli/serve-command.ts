/**
 * @module `cvekit serve` (what `npm start` runs): migrate, load the bundled sample into an
 * empty store, then serve pages and API until SIGINT/SIGTERM.
 */
import { buildApp } from '../http/index.ts';
import { loadSample } from '../ingest/index.ts';
import { createLogger } from '../log/index.ts';
import { loadServeConfig, redactDb, SETTINGS, type ServeConfig } from '../config/index.ts';
import { openConfiguredStore, parse, print, table, type Io } from './args.ts';

export const SERVE_HELP = `Usage: cvekit serve [options]

Starts the web pages and API. On an empty store it first loads the bundled real sample.

${table([['FLAG', 'ENVIRONMENT', 'DEFAULT', 'MEANING'], ...SETTINGS.map((s) => [s.flag, s.env, s.default, s.help])])}`;

export async function serveCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { host: { type: 'string' }, port: { type: 'string' }, 'no-seed': { type: 'boolean' } }, false);
  if (values.help) return print(io, SERVE_HELP), 0;
  // Host and port (flag or variable) are checked here, by the same rules: a usage error, exit 2.
  const config = loadServeConfig(
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
  const { store, migrated } = await openConfiguredStore(config);
  logger.info({ store: redactDb(config.db), schema: migrated.current, applied: migrated.applied }, 'store ready');
  if (config.seed) {
    const seeded = await loadSample(store, { onlyIfEmpty: true, logger });
    if (seeded.loaded) logger.info({ records: seeded.records?.counts.read, kev: seeded.kev, cwe: seeded.cwe }, 'empty store: loaded the bundled sample');
  }
  const app = await buildApp({ store, logger, trustProxy: config.trustProxy });
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close().catch(() => undefined);
    await store.close();
    throw listenFailure(config, err);
  }
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

/** Why the server could not listen, naming the settings and their values (`HOST`/`--host`, `PORT`/`--port`). */
export function listenFailure(config: Pick<ServeConfig, 'host' | 'port'>, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'the host name does not resolve'
    : code === 'EADDRNOTAVAIL' ? 'no network interface of this machine has that address'
    : code === 'EADDRINUSE' ? 'the port is already in use'
    : code === 'EACCES' ? 'not allowed to listen on that port (ports below 1024 need privileges)'
    : err instanceof Error ? err.message : String(err);
  return new Error(`cannot listen on host "${config.host}" (HOST/--host), port ${config.port} (PORT/--port): ${why}`, { cause: err });
}
