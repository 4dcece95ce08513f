/**
 * @module `cvekit cna`: first set-up and scripts for the CNA service (issue 5 §2):
 * `org create|list`, `user create|list|reset-key`. Acts as the Secretariat; every change
 * is in the CNA audit log with an empty actor (the command line).
 */
import { CnaError, CnaService, SYSTEM_ACTOR, orgView, userView } from '../cna/index.ts';
import { configFrom, intOption, parse, print, printJson, table, UsageError, withExistingStore, withStore, type Io } from './args.ts';

const HELP = `Usage:
  cvekit cna org create --short-name SHORT --name NAME --role CNA [--role …] --id-quota N [--json]
  cvekit cna org list [--json]
  cvekit cna user create --org SHORT --username NAME [--role ADMIN] [--json]
  cvekit cna user list --org SHORT [--json]
  cvekit cna user reset-key --org SHORT --username NAME [--json]

Org roles: SECRETARIAT, CNA, ADP, BULK_DOWNLOAD. User role: ADMIN.
The new user's API key is printed once; only its hash is stored.
Every command takes --db sqlite:PATH|postgres://… (or CVEKIT_DB).`;

const OPTIONS = {
  'short-name': { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string', multiple: true },
  'id-quota': { type: 'string' },
  org: { type: 'string' },
  username: { type: 'string' },
} as const;

function need(v: string | undefined, flag: string): string {
  if (!v) throw new UsageError(`--${flag} is required (see cvekit cna --help)`);
  return v;
}

export async function cnaCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  const [noun, verb] = positionals;
  if (values.help) return print(io, HELP), 0;
  if (!noun) throw new UsageError('missing what to do: org or user (cvekit cna --help)');
  const what = `${noun} ${verb ?? ''}`.trim();
  const known = ['org create', 'org list', 'user create', 'user list', 'user reset-key'];
  if (!known.includes(what)) throw new UsageError(`unknown command "cna ${what}"; expected one of: ${known.join(', ')}`);
  const config = configFrom(values, io);
  try {
    const open = what === 'org list' || what === 'user list' ? withExistingStore : withStore;
    return await open(config, async (store) => {
      const cna = new CnaService(store);
      switch (what) {
        case 'org create': {
          // The range (0 to 100,000) is the CNA service's to check, with CVE Services' error.
          const idQuota = intOption('id-quota', need(values['id-quota'], 'id-quota'), { min: 0, max: Number.MAX_SAFE_INTEGER }) as number;
          const org = await cna.createOrg(SYSTEM_ACTOR, {
            shortName: need(values['short-name'], 'short-name'),
            name: need(values.name, 'name'),
            roles: values.role?.length ? values.role : ['CNA'],
            idQuota,
          });
          if (values.json) printJson(io, orgView(org));
          else print(io, `Created org ${org.shortName} (${org.uuid}), roles ${org.roles.join(', ')}, ID quota ${org.idQuota}`);
          return 0;
        }
        case 'org list': {
          const page = await cna.listOrgs(SYSTEM_ACTOR, { offset: 0, limit: 100_000 });
          if (values.json) printJson(io, page.items.map(orgView));
          else print(io, page.items.length ? table([['SHORT NAME', 'NAME', 'ROLES', 'ID QUOTA', 'UUID'], ...page.items.map((o) => [o.shortName, o.name, o.roles.join(','), String(o.idQuota), o.uuid])]) : 'No CNA organisations yet.');
          return 0;
        }
        case 'user create': {
          const r = await cna.createUser(SYSTEM_ACTOR, need(values.org, 'org'), { username: need(values.username, 'username'), roles: values.role ?? [] });
          if (values.json) printJson(io, { username: r.user.username, secret: r.secret });
          else print(io, `Created user ${r.user.username} in ${values.org}${r.user.roles.length ? ` (${r.user.roles.join(', ')})` : ''}.\nAPI key (shown once, keep it safe): ${r.secret}`);
          return 0;
        }
        case 'user list': {
          const page = await cna.listOrgUsers(SYSTEM_ACTOR, need(values.org, 'org'), { offset: 0, limit: 100_000 });
          if (values.json) printJson(io, page.items.map(userView));
          else print(io, page.items.length ? table([['USERNAME', 'ROLES', 'ACTIVE', 'CREATED'], ...page.items.map((u) => [u.username, u.roles.join(',') || '-', u.active ? 'yes' : 'no', u.created])]) : 'No users.');
          return 0;
        }
        default: {
          const username = need(values.username, 'username');
          const secret = await cna.resetSecret(SYSTEM_ACTOR, need(values.org, 'org'), username);
          if (values.json) printJson(io, { username, secret });
          else print(io, `New API key for ${username} (shown once; the old key no longer works): ${secret}`);
          return 0;
        }
      }
    });
  } catch (err) {
    // Domain refusals read as the API's code and message (e.g. ORG_EXISTS, USER_DNE).
    // BAD_INPUT names each parameter and why (`--role`'s `authority.active_roles: Invalid role KING …`).
    if (err instanceof CnaError) {
      const problems = Array.isArray(err.details) ? (err.details as { param?: unknown; msg?: unknown }[]).map((d) => `${String(d.param)}: ${String(d.msg)}`) : [];
      throw new Error(`${err.body().error}: ${err.message}${problems.length ? ` (${problems.join('; ')})` : ''}`);
    }
    throw err;
  }
}
