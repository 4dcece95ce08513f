/**
 * `cvekit cna` (issue 5 §2), the exact commands for scripts and first set-up, on each store
 * (from CVEKIT_DB and from --db): org create / list, user create / list / reset-key, with
 * and without --json; the printed key works with the API's key check, a reset key replaces
 * it; refusals and usage errors name what was wrong and change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CnaService } from '../cna/index.ts';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { createTestDb, testBackends } from '../../test/support/stores.ts';
import { runCli } from '../../test/support/cli.ts';

const run = (args: readonly string[], env: NodeJS.ProcessEnv = {}) => runCli(['cna', ...args], env);

for (const backend of testBackends()) {
  describe(`${backend}: cvekit cna (issue 5 §2)`, () => {
    let db: { db: string; cleanup(): Promise<void> };
    let env: NodeJS.ProcessEnv;
    let store: Store;
    before(async () => {
      db = await createTestDb(backend);
      env = { CVEKIT_DB: db.db };
      const s = await openStore(db.db);
      await s.migrate();
      await s.close();
    });
    after(async () => {
      await store?.close();
      await db.cleanup();
    });

    it('org create (text and --json, CVEKIT_DB or --db), then org list', async () => {
      const a = await run(['org', 'create', '--short-name', 'acme', '--name', 'Acme Corp', '--role', 'CNA', '--id-quota', '1000'], env);
      assert.equal(a.code, 0, a.err);
      assert.match(a.out, /^Created org acme \([0-9a-f-]{36}\), roles CNA, ID quota 1000/);
      const b = await run(['org', 'create', '--short-name', 'sec', '--name', 'Secretariat', '--role', 'SECRETARIAT', '--role', 'cna', '--id-quota', '5', '--json', '--db', db.db]);
      assert.equal(b.code, 0, b.err);
      const org = JSON.parse(b.out) as { short_name: string; UUID: string; authority: { active_roles: string[] }; policies: { id_quota: number } };
      assert.equal(org.short_name, 'sec');
      assert.match(org.UUID, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a v4 UUID');
      assert.deepEqual(org.authority.active_roles, ['SECRETARIAT', 'CNA']);
      assert.equal(org.policies.id_quota, 5);
      const list = await run(['org', 'list', '--json'], env);
      assert.deepEqual((JSON.parse(list.out) as { short_name: string }[]).map((o) => o.short_name).sort(), ['acme', 'sec']);
      const text = await run(['org', 'list'], env);
      assert.match(text.out, /SHORT NAME[\s\S]*acme[\s\S]*Acme Corp[\s\S]*1000/);
    });

    it('user create prints the key once (--json: { username, secret }); it passes the API key check; user list; reset-key replaces it', async () => {
      const a = await run(['user', 'create', '--org', 'acme', '--username', 'alice@acme.example', '--role', 'ADMIN'], env);
      assert.equal(a.code, 0, a.err);
      assert.match(a.out, /Created user alice@acme\.example in acme \(ADMIN\)\.\nAPI key \(shown once, keep it safe\): \S{20,}/);
      const b = await run(['user', 'create', '--org', 'acme', '--username', 'bob@acme.example', '--json'], env);
      assert.equal(b.code, 0, b.err);
      const bob = JSON.parse(b.out) as { username: string; secret: string };
      assert.deepEqual(Object.keys(bob).sort(), ['secret', 'username']);
      assert.equal(bob.username, 'bob@acme.example');
      store = await openStore(db.db);
      const service = new CnaService(store);
      assert.ok(await service.authenticate('acme', 'bob@acme.example', bob.secret));
      const users = JSON.parse((await run(['user', 'list', '--org', 'acme', '--json'], env)).out) as { username: string; authority: { active_roles: string[] } }[];
      assert.deepEqual(users.map((u) => `${u.username}:${u.authority.active_roles.join(',')}`).sort(), ['alice@acme.example:ADMIN', 'bob@acme.example:']);
      assert.doesNotMatch(JSON.stringify(users), /secret|scrypt/, 'no key hashes listed');

      const r = await run(['user', 'reset-key', '--org', 'acme', '--username', 'bob@acme.example', '--json'], env);
      assert.equal(r.code, 0, r.err);
      const fresh = (JSON.parse(r.out) as { secret: string }).secret;
      assert.notEqual(fresh, bob.secret);
      const again = new CnaService(store);
      assert.equal(await again.authenticate('acme', 'bob@acme.example', bob.secret), undefined, 'the old key stops working');
      assert.ok(await again.authenticate('acme', 'bob@acme.example', fresh));
      const audit = await store.cna.listAudit({ target: 'acme/bob@acme.example' });
      assert.deepEqual(audit.map((e) => e.action), ['user.create', 'user.reset-secret']);
      assert.ok(audit.every((e) => e.actorUser === '' && e.actorOrg === ''), 'audited as the command line');
    });

    it('refusals name the code and change nothing (exit 1; --json gets { ok: false, error })', async () => {
      const dup = await run(['org', 'create', '--short-name', 'acme', '--name', 'Again', '--id-quota', '1'], env);
      assert.equal(dup.code, 1);
      assert.match(dup.err, /ORG_EXISTS: The 'acme' organization already exists/);
      const u = await run(['user', 'create', '--org', 'acme', '--username', 'bob@acme.example', '--json'], env);
      assert.equal(u.code, 1);
      assert.match((JSON.parse(u.out) as { error: string }).error, /USER_EXISTS/);
      const nobody = await run(['user', 'reset-key', '--org', 'acme', '--username', 'nobody@acme.example'], env);
      assert.equal(nobody.code, 1);
      assert.match(nobody.err, /USER_DNE/);
      const noOrg = await run(['user', 'list', '--org', 'ghost'], env);
      assert.equal(noOrg.code, 1);
      assert.match(noOrg.err, /ORG_DNE_PARAM: The 'ghost' organization/);
      const role = await run(['org', 'create', '--short-name', 'x1', '--name', 'X', '--role', 'KING', '--id-quota', '1'], env);
      assert.equal(role.code, 1);
      assert.match(role.err, /Invalid role KING/);
      const quota = await run(['org', 'create', '--short-name', 'x2', '--name', 'X', '--id-quota', '100001'], env);
      assert.equal(quota.code, 1);
      assert.match(quota.err, /id_quota/);
      assert.deepEqual(JSON.parse((await run(['org', 'list', '--json'], env)).out).map((o: { short_name: string }) => o.short_name).sort(), ['acme', 'sec']);
    });

    it('usage errors (exit 2) name the missing or bad flag; --help exits 0', async () => {
      for (const [args, why] of [
        [['org', 'create', '--name', 'X', '--id-quota', '1'], /--short-name is required/],
        [['org', 'create', '--short-name', 'x3', '--name', 'X', '--id-quota', 'ten'], /--id-quota must be a whole number/],
        [['user', 'create', '--org', 'acme'], /--username is required/],
        [['org', 'delete'], /unknown command "cna org delete"/],
      ] as const) {
        const r = await run(args, env);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
        assert.match(r.err, why);
      }
      const help = await run(['--help'], env);
      assert.equal(help.code, 0);
      assert.match(help.out, /cvekit cna user reset-key --org SHORT --username NAME/);
      const none = await run([], {});
      assert.equal(none.code, 2);
    });
  });
}
