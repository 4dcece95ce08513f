/**
 * Source status (X1520-9.1 to 9.5) for every source (CVE List, KEV, CWE, NVD, EPSS, legacy):
 * content date, last and next sync, counts, last error and the out-of-date badge, the same
 * on the home page, in `cvekit status` and in `/api/v1/status`; error texts from outside
 * (a server's answer) are escaped on the page and stripped of control characters in the terminal.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { main } from '../cli/main.ts';
import { describeStatus } from '../cli/store-commands.ts';
import { importEpss, importNvd } from '../enrich/index.ts';
import { buildApp } from '../http/app.ts';
import { openTestApp, NOW } from '../http/testing.ts';
import { sharedData } from '../../test/support/paths.ts';
import { openTestStore, testBackends } from '../../test/support/stores.ts';
import { importKev } from './kev.ts';
import { KNOWN_SOURCES, repositoryStatus } from './status.ts';

const HOSTILE_ERROR = '2025-01-31T00:00:00Z GET https://example.test/feed failed: <script>alert("x")</script> & \u001b[31mred\u001b[0m';
const EPSS = '#model_version:v2025.03.14,score_date:2025-01-30T00:00:00+0000\ncve,epss,percentile\nCVE-2021-44228,0.97,0.99\n';
const NVD = JSON.stringify({
  resultsPerPage: 1, startIndex: 0, totalResults: 1, format: 'NVD_CVE', version: '2.0', timestamp: '2024-06-01T00:00:00.000',
  vulnerabilities: [{ cve: { id: 'CVE-2021-44228', sourceIdentifier: 'security@apache.org', published: '2021-12-10T10:15:09.143', lastModified: '2024-06-01T00:00:00.000', vulnStatus: 'Analyzed', descriptions: [{ lang: 'en', value: 'Log4Shell' }] } }],
});

function io() {
  let out = '';
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: () => true } as unknown as NodeJS.WriteStream,
      stdin: process.stdin,
      env: { ...process.env } as NodeJS.ProcessEnv,
    },
    out: () => out,
  };
}

for (const backend of testBackends()) {
  describe(`${backend}: source status`, () => {
    test('X1520-9.1 X1520-9.3 X1520-9.5: a fresh store lists every known source as not imported yet, with its command', async () => {
      const t = await openTestStore(backend);
      try {
        const s = await repositoryStatus(t.store, NOW);
        assert.deepEqual(s.notImported.map((k) => k.id), ['cvelistV5', 'kev', 'cwe', 'nvd', 'epss', 'mitre-legacy']);
        const out = io();
        assert.equal(await main(['status', '--db', t.db], out.io), 0);
        assert.match(out.out(), /Not imported yet: cvelistV5 \(cvekit sync\), kev \(cvekit kev import\), .*nvd \(cvekit sync --source nvd\)/);
      } finally {
        await t.cleanup();
      }
    });

    test('X1520-9.1 X1520-9.2 X1520-9.4 X1520-9.5: content date, syncs, counts, last error and out-of-date badge on the home page, in the API and in cvekit status', async () => {
      const t = await openTestApp(backend);
      try {
        await importNvd(t.store, Buffer.from(NVD), { now: () => NOW, nextSyncAt: '2025-02-01T02:00:00.000Z' });
        await importEpss(t.store, Buffer.from(EPSS), { now: () => NOW });
        // A failed legacy download: the error is all the source has so far, so it is not imported yet.
        await t.store.upsertSource({ id: 'mitre-legacy', kind: 'legacy', location: 'https://example.test/allitems.xml', lastError: HOSTILE_ERROR });

        const status = await repositoryStatus(t.store, NOW);
        const byId = new Map(status.sources.map((s) => [s.id, s]));
        assert.deepEqual(status.notImported.map((k) => ({ id: k.id, lastError: k.lastError })), [{ id: 'mitre-legacy', lastError: HOSTILE_ERROR }], KNOWN_SOURCES.map((k) => k.id).join());
        assert.ok(!byId.has('mitre-legacy'));
        const nvd = byId.get('nvd');
        assert.equal(nvd?.contentDate, '2024-06-01T00:00:00.000Z');
        assert.equal(nvd?.lastSyncAt, NOW.toISOString());
        assert.equal(nvd?.nextSyncAt, '2025-02-01T02:00:00.000Z');
        assert.equal(nvd?.counts.records, 1);
        // Eight months before "now": out of date (X1520-9.2).
        assert.equal(nvd?.outOfDate, true);
        assert.equal(byId.get('epss')?.outOfDate, false);
        assert.equal(byId.get('epss')?.counts.scores, 1);

        const page = (await t.app.inject('/')).body;
        const row = (id: string) => page.match(new RegExp(`<tr id="source-${id}">[\\s\\S]*?</tr>`))?.[0] ?? '';
        assert.match(row('nvd'), /2024-06-01T00:00:00\.000Z <span class="badge warn">out of date<\/span>/);
        assert.match(row('nvd'), /<td>2025-02-01T00:00:00\.000Z<\/td><td>2025-02-01T02:00:00\.000Z<\/td><td>1 record, 1 version, 1 open mapping issue<\/td>/);
        assert.match(row('epss'), /2025-01-30T00:00:00\.000Z<\/td>/);
        assert.doesNotMatch(row('epss'), /out of date/);
        assert.match(row('epss'), /<span class="muted">none<\/span>/);
        // The bundled sample stands for the CVE List here; KEV and CWE came with it.
        for (const id of ['sample', 'kev', 'cwe']) assert.ok(row(id), `${id} listed`);
        const legacyRow = page.match(/<tr id="source-mitre-legacy" class="muted">[\s\S]*?<\/tr>/)?.[0] ?? '';
        assert.match(legacyRow, /not imported yet \(<code>cvekit legacy import<\/code>\)/);
        assert.equal(page.split('not imported yet').length, 2, 'only mitre-legacy is not imported yet');
        // The error text is escaped, never markup.
        assert.ok(!page.includes('<script>alert'), 'no raw markup from an error text');
        assert.match(legacyRow, /<span class="bad">2025-01-31T00:00:00Z GET https:\/\/example\.test\/feed failed: &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; /);

        const api = (await t.app.inject('/api/v1/status')).json() as { sources: { id: string; lastError?: string; counts: Record<string, number>; outOfDate: boolean; nextSyncAt?: string }[]; notImported: { id: string; lastError?: string }[] };
        const apiNvd = api.sources.find((s) => s.id === 'nvd');
        assert.equal(apiNvd?.counts.records, 1);
        assert.equal(apiNvd?.outOfDate, true);
        assert.equal(apiNvd?.nextSyncAt, '2025-02-01T02:00:00.000Z');
        assert.equal(api.notImported.find((s) => s.id === 'mitre-legacy')?.lastError, HOSTILE_ERROR);
        assert.ok(!api.sources.some((s) => s.id === 'mitre-legacy'));

        // What `cvekit status` prints for this status.
        const text = describeStatus(status);
        assert.match(text, /nvd\s+nvd\s+2024-06-01T00:00:00\.000Z \(out of date\)\s+2025-02-01T00:00:00\.000Z\s+2025-02-01T02:00:00\.000Z\s+NVD_CVE 2\.0\s+records 1, versions 1/);
        assert.match(text, /Last errors:\n {2}mitre-legacy: 2025-01-31T00:00:00Z GET https:\/\/example\.test\/feed failed: <script>alert\("x"\)<\/script> & {2}\[31mred \[0m/);
        assert.ok(!text.includes('\u001b'), 'no terminal escape from an error text');
        assert.match(text, /Not imported yet: mitre-legacy \(cvekit legacy import; the last attempt failed\)$/);
        assert.doesNotMatch(text, /^mitre-legacy\s/m, 'no empty table row');
      } finally {
        await t.close();
      }
    });

    test('a failed kev or cwe import leaves the source under not imported yet, with its error under last errors (words and --json)', async () => {
      const t = await openTestStore(backend);
      const dir = mkdtempSync(join(tmpdir(), 'cvekit-status-'));
      try {
        writeFileSync(join(dir, 'fake.zip'), 'not a zip\n');
        writeFileSync(join(dir, 'notes.xml'), '<notes/>\n');
        const kev = io();
        assert.equal(await main(['kev', 'import', join(dir, 'fake.zip'), '--db', t.db], kev.io), 1);
        const cwe = io();
        assert.equal(await main(['cwe', 'import', join(dir, 'notes.xml'), '--db', t.db], cwe.io), 1);

        const json = io();
        assert.equal(await main(['status', '--json', '--db', t.db], json.io), 0);
        const status = JSON.parse(json.out()) as { sources: { id: string }[]; notImported: { id: string; lastError?: string }[] };
        assert.deepEqual(status.sources, []);
        assert.deepEqual(status.notImported.map((k) => k.id), ['cvelistV5', 'kev', 'cwe', 'nvd', 'epss', 'mitre-legacy']);
        const byId = new Map(status.notImported.map((k) => [k.id, k]));
        assert.match(byId.get('kev')?.lastError ?? '', /KEV/);
        assert.match(byId.get('cwe')?.lastError ?? '', /Weakness_Catalog/);
        assert.equal(byId.get('nvd')?.lastError, undefined);

        const words = io();
        assert.equal(await main(['status', '--db', t.db], words.io), 0);
        assert.match(words.out(), /Last errors:\n {2}kev: .*KEV.*\n {2}cwe: .*Weakness_Catalog/);
        assert.match(words.out(), /Not imported yet: cvelistV5 \(cvekit sync\), kev \(cvekit kev import; the last attempt failed\), cwe \(cvekit cwe import; the last attempt failed\), nvd/);
        assert.doesNotMatch(words.out(), /^(kev|cwe)\s/m, 'no empty table row');

        // Once an import succeeds the source is a source, and a later failure is its last error.
        await importKev(t.store, sharedData('kev', 'known_exploited_vulnerabilities.json'));
        await assert.rejects(importKev(t.store, join(dir, 'fake.zip')));
        const after = await repositoryStatus(t.store, NOW);
        assert.deepEqual(after.notImported.map((k) => k.id), ['cvelistV5', 'cwe', 'nvd', 'epss', 'mitre-legacy']);
        assert.equal(after.sources.find((s) => s.id === 'kev')?.release, '2025.08.25');
        assert.match(after.sources.find((s) => s.id === 'kev')?.lastError ?? '', /KEV/);

        // A scheduled sync whose first attempt failed: its next attempt shows in words and on the home page.
        await t.store.upsertSource({ id: 'nvd', kind: 'nvd', lastError: 'NVD answered 503', nextSyncAt: '2025-06-02T09:00:00.000Z' });
        const scheduled = await repositoryStatus(t.store, NOW);
        assert.equal(scheduled.notImported.find((k) => k.id === 'nvd')?.nextSyncAt, '2025-06-02T09:00:00.000Z');
        assert.match(describeStatus(scheduled), /nvd \(cvekit sync --source nvd; the last attempt failed; next attempt 2025-06-02T09:00:00.000Z\)/);
        const app = await buildApp({ store: t.store, now: () => NOW, rateLimit: false });
        try {
          const home = await app.inject({ method: 'GET', url: '/' });
          const row = /<tr id="source-nvd"[^]*?<\/tr>/.exec(home.body)?.[0] ?? '';
          assert.match(row, /<td>2025-06-02T09:00:00.000Z<\/td>/);
          assert.match(row, /NVD answered 503/);
        } finally {
          await app.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await t.cleanup();
      }
    });
  });
}
