/**
 * End to end with the official client (issue 5 §6, spec §9): Debian's `cve` command
 * (python3-cvelib 1.2.0) against a running cvekit server on 127.0.0.1, pointed at it
 * with CVE_API_URL (…/api/ with its trailing slash, spec §9.1). A full CNA session:
 * ping, org, quota, reserve (single, sequential, non-sequential), list, show, publish,
 * update, reject, undo-reject, user create / update / reset-key.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sampleContainer, startCna } from '../support/cna.ts';
import type { CnaHarness, Creds } from '../support/cna.ts';
import { ensureCvelib, runCve } from '../support/cvelib.ts';
import { testBackends } from '../support/stores.ts';

const year = new Date().getUTCFullYear();

for (const backend of testBackends()) {
  describe(`${backend}: §9 the official cve CLI (python3-cvelib) against cvekit`, () => {
    let h: CnaHarness;
    let bin: string;
    let url: string;
    let admin: Creds;
    let dir: string;
    const cve = async (args: string[], creds: Creds = admin) => {
      const r = await runCve(bin, url, creds, args);
      assert.equal(r.code, 0, `cve ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /Traceback/);
      return r.stdout;
    };

    before(async () => {
      bin = await ensureCvelib();
      h = await startCna(backend);
      await h.org('acme', ['CNA'], 50);
      admin = await h.user('acme', 'alice@acme.example', true);
      await h.app.listen({ host: '127.0.0.1', port: 0 });
      url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}/api/`;
      dir = mkdtempSync(join(tmpdir(), 'cvekit-cvelib-'));
    });
    after(async () => {
      await h.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('§4.1 cve ping', async () => {
      assert.match(await cve(['ping']), /OK/);
    });

    it('§4.4 cve org and cve quota (strict timestamps parse)', async () => {
      const org = await cve(['org']);
      assert.match(org, /acme/);
      assert.match(org, /CNA/);
      const quota = await cve(['quota']);
      assert.match(quota, /50/);
    });

    it('§5 cve reserve: single, sequential and non-sequential', async () => {
      const one = await cve(['reserve', '-y', String(year)]);
      assert.match(one, new RegExp(`CVE-${year}-0001`));
      const seq = await cve(['reserve', '3', '-y', String(year)]);
      for (const n of [20001, 20002, 20003]) assert.match(seq, new RegExp(`CVE-${year}-${n}`));
      const non = await cve(['reserve', '2', '-r', '-y', String(year)]);
      assert.equal(non.match(new RegExp(`CVE-${year}-\\d+`, 'g'))?.length, 2);
      assert.match(await cve(['quota']), /44/);
    });

    it('§4.2.2 cve list (with --state and --year) and §4.2.3 cve show', async () => {
      const list = await cve(['list']);
      assert.equal(list.match(new RegExp(`CVE-${year}-\\d+`, 'g'))?.length, 6);
      assert.match(await cve(['list', '--state', 'reserved', '--year', String(year)]), /RESERVED/);
      const show = await cve(['show', `CVE-${year}-0001`]);
      assert.match(show, /RESERVED/);
      assert.match(show, /alice@acme\.example/);
      // `show -r` without a record: cvelib relies on 404 CVE_RECORD_DNE.
      assert.match(await cve(['show', '-r', `CVE-${year}-0001`]), /does not exist/i);
    });

    it('§4.3.2–4.3.3 cve publish, then publish again (403 CVE_RECORD_EXISTS falls back to PUT: update)', async () => {
      const file = join(dir, 'cna.json');
      writeFileSync(file, JSON.stringify({ ...sampleContainer('First'), x_generator: undefined }));
      const out = await cve(['publish', `CVE-${year}-0001`, '-f', file]);
      assert.match(out, /PUBLISHED/);
      writeFileSync(file, JSON.stringify({ ...sampleContainer('Second'), x_generator: undefined }));
      await cve(['publish', `CVE-${year}-0001`, '-f', file]);
      const rec = JSON.parse((await h.req('GET', `/api/cve/CVE-${year}-0001`)).body);
      assert.equal(rec.containers.cna.title, 'Second');
      assert.equal((await h.store.getRecord(`CVE-${year}-0001` as never))?.source, 'cna:acme');
      assert.match(await cve(['show', '-r', `CVE-${year}-0001`]), /Second/);
    });

    it('§4.2.4 cve reject without a record and cve undo-reject (lower-case state)', async () => {
      assert.match(await cve(['reject', `CVE-${year}-20001`]), /REJECTED/);
      assert.match(await cve(['undo-reject', `CVE-${year}-20001`]), /RESERVED/);
    });

    it('§4.3.4–4.3.5 cve reject with a record: POST, then again (400 CVE_RECORD_EXISTS falls back to PUT)', async () => {
      const file = join(dir, 'rej.json');
      writeFileSync(file, JSON.stringify({ rejectedReasons: [{ lang: 'en', value: 'This candidate was withdrawn.' }] }));
      assert.match(await cve(['reject', `CVE-${year}-20002`, '-f', file]), /REJECTED/);
      assert.match(await cve(['reject', `CVE-${year}-20002`, '-f', file]), /REJECTED/);
      // A published record rejected.
      assert.match(await cve(['reject', `CVE-${year}-0001`, '-f', file]), /REJECTED/);
      assert.equal((await h.store.getRecord(`CVE-${year}-0001` as never))?.state, 'REJECTED');
    });

    it('§4.5 cve user create / user / org users / user update / reset-key; the new key works, the old one not', async () => {
      const created = await cve(['user', 'create', '-u', 'bob@acme.example', '--name-first', 'Bob', '--name-last', 'Builder']);
      const key = /API key:\s*(\S+)/.exec(created)?.[1];
      assert.ok(key, created);
      const bob = { org: 'acme', user: 'bob@acme.example', key };
      assert.match(await cve(['user'], bob), /Bob Builder/);
      assert.match(await cve(['org', 'users']), /bob@acme\.example/);
      await cve(['user', 'update', '-u', 'bob@acme.example', '--name-first', 'Robert', '--add-role', 'ADMIN']);
      assert.match(await cve(['user', '-u', 'bob@acme.example']), /Robert/);
      const reset = await cve(['user', 'reset-key', '-u', 'bob@acme.example']);
      const newKey = /^\s*([A-Za-z0-9_-]{36,})\s*$/m.exec(reset)?.[1];
      assert.ok(newKey, reset);
      const old = await runCve(bin, url, bob, ['quota']);
      assert.equal(old.code, 1);
      assert.match(old.stdout + old.stderr, /401/);
      // Publishing and rejecting freed quota (§5: only RESERVED IDs count).
      assert.match(await cve(['quota'], { ...bob, key: newKey }), /Available:\s*46/);
      await cve(['user', 'update', '-u', 'bob@acme.example', '--mark-inactive']);
      const off = await runCve(bin, url, { ...bob, key: newKey }, ['quota']);
      assert.equal(off.code, 1);
    });
  });
}
