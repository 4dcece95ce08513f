import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, SETTINGS, isListenHost, loadConfig, loadServeConfig, parseTrustProxy, storeUrl } from './config.ts';

describe('config: disclosure settings', () => {
  it('are in the settings table', () => {
    const envs = SETTINGS.map((s) => s.env);
    for (const name of ['CVEKIT_TEAM_TOKEN', 'CVEKIT_REPORT_KEY', 'CVEKIT_SMTP_URL', 'CVEKIT_CNA_ORG', 'CVEKIT_TIME_ZONE', 'CVEKIT_EMBARGO_PRESET', 'CVEKIT_POW_BITS']) assert.ok(envs.includes(name as never), name);
  });

  it('accepts good values and gives them back', () => {
    const c = loadServeConfig({}, {
      CVEKIT_TEAM_TOKEN: 'x'.repeat(40), CVEKIT_REPORT_KEY: 'ab'.repeat(32), CVEKIT_SMTP_URL: 'smtp://u:p@127.0.0.1:2525', CVEKIT_PUBLIC_URL: 'https://psirt.example.org',
      CVEKIT_TIME_ZONE: 'Europe/Berlin', CVEKIT_EMBARGO_PRESET: 'zdi', CVEKIT_POW_BITS: '12', CVEKIT_CNA_ORG: 'examplepsirt', CVEKIT_TEAM_EMAIL: 'psirt@example.org',
      CVEKIT_ESCALATE_TO: 'National CERT <cert@coord.example>',
    });
    assert.equal(c.disclosure.cnaOrg, 'examplepsirt');
    assert.equal(c.disclosure.escalateTo, 'National CERT <cert@coord.example>');
    assert.equal(loadServeConfig({}, { CVEKIT_ESCALATE_TO: 'cert@coord.example' }).disclosure.escalateTo, 'cert@coord.example');
    assert.equal(c.disclosure.powBits, 12);
    assert.deepEqual(loadServeConfig({}, {}).disclosure, {});
  });

  it('refuses bad values at start-up, naming the variable and never echoing a secret', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ CVEKIT_TEAM_TOKEN: 'short-secret' }, /CVEKIT_TEAM_TOKEN must be at least 32 characters/],
      [{ CVEKIT_REPORT_KEY: 'not-a-key-secret' }, /CVEKIT_REPORT_KEY must be a 32-byte key/],
      [{ CVEKIT_REPORT_OLD_KEYS: `${'ab'.repeat(32)},nope` }, /CVEKIT_REPORT_OLD_KEYS: key 2/],
      [{ CVEKIT_SMTP_URL: 'http://mail' }, /CVEKIT_SMTP_URL must be a smtp:\/\/ or smtps:\/\/ URL/],
      [{ CVEKIT_PUBLIC_URL: 'psirt.example.org' }, /CVEKIT_PUBLIC_URL must be a http:\/\/ or https:\/\/ URL/],
      [{ CVEKIT_TIME_ZONE: 'Mars/Olympus' }, /CVEKIT_TIME_ZONE must be an IANA time zone/],
      [{ CVEKIT_EMBARGO_PRESET: 'forever' }, /CVEKIT_EMBARGO_PRESET must be one of default, cert, zdi, projectZero/],
      [{ CVEKIT_POW_BITS: '40' }, /CVEKIT_POW_BITS must be a whole number from 0 to 32/],
      [{ CVEKIT_CNA_ORG: 'x' }, /CVEKIT_CNA_ORG must be a CNA short name/],
      [{ CVEKIT_TEAM_EMAIL: 'psirt' }, /CVEKIT_TEAM_EMAIL must be an e-mail address/],
      [{ CVEKIT_MAIL_FROM: 'not a mailbox' }, /CVEKIT_MAIL_FROM must be "Display Name <name@domain>" or an e-mail address/],
      [{ CVEKIT_MAIL_FROM: 'cvekit <a@b>\r\nBcc: x@y' }, /CVEKIT_MAIL_FROM must be/],
      [{ CVEKIT_ESCALATE_TO: 'National CERT' }, /CVEKIT_ESCALATE_TO must be "Name <address>" or an e-mail address/],
      [{ CVEKIT_ESCALATE_TO: 'CERT <cert>' }, /CVEKIT_ESCALATE_TO must be/],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => loadServeConfig({}, env), (e: Error) => e instanceof ConfigError && message.test(e.message) && !e.message.includes('secret'), JSON.stringify(env));
    }
  });
});

describe('config: CVEKIT_TRUST_PROXY', () => {
  it('takes none, a hop count, or addresses, CIDR ranges and range names', () => {
    assert.equal(loadServeConfig({}, {}).trustProxy, false);
    assert.equal(parseTrustProxy('false'), false);
    assert.equal(parseTrustProxy('2'), 2);
    assert.deepEqual(parseTrustProxy(' loopback, 10.0.0.0/8 ,::1,fd00::/8, 192.0.2.10'), ['loopback', '10.0.0.0/8', '::1', 'fd00::/8', '192.0.2.10']);
    assert.deepEqual(loadServeConfig({}, { CVEKIT_TRUST_PROXY: 'uniquelocal' }).trustProxy, ['uniquelocal']);
  });

  it('refuses trusting everyone, bad hop counts and entries that are not addresses, naming the entry', () => {
    const cases: [string, RegExp][] = [
      ['true', /would let any client pick its own address/],
      ['*', /would let any client pick its own address/],
      ['0', /a hop count is a whole number from 1 to 10, got "0"/],
      ['11', /a hop count is a whole number from 1 to 10/],
      ['10.0.0.0/33', /entry 1 "10.0.0.0\/33" is not an IP address/],
      ['loopback,proxy.example.org', /entry 2 "proxy.example.org"/],
      ['::1/129', /entry 1/],
      ['10.0.0.1/8/8', /entry 1/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => loadServeConfig({}, { CVEKIT_TRUST_PROXY: value }), (e: Error) => e instanceof ConfigError && message.test(e.message), value);
    }
  });
});

describe('config: empty variables, port and host', () => {
  it('an empty variable counts as unset: the default applies', () => {
    const c = loadServeConfig({}, { HOST: '', PORT: '', CVEKIT_DB: '', CVEKIT_LOG_LEVEL: '', CVEKIT_SEED: '', CVEKIT_TRUST_PROXY: '', CVEKIT_POW_BITS: '', CVEKIT_TIME_ZONE: '' });
    assert.deepEqual(
      { host: c.host, port: c.port, db: c.db, logLevel: c.logLevel, seed: c.seed, trustProxy: c.trustProxy, disclosure: c.disclosure },
      { host: '127.0.0.1', port: 8080, db: 'sqlite:./data/cvekit.db', logLevel: 'info', seed: true, trustProxy: false, disclosure: {} },
    );
    assert.deepEqual(loadConfig({}, { CVEKIT_DB: '', CVEKIT_LOG_LEVEL: '' }), { db: 'sqlite:./data/cvekit.db', logLevel: 'info' });
  });

  it('PORT takes digits only, like --port; the flag wins', () => {
    assert.equal(loadServeConfig({}, { PORT: '18090' }).port, 18090);
    assert.equal(loadServeConfig({ port: '0' }, { PORT: 'abc' }).port, 0);
    for (const text of ['0x4650', '1.809e4', ' 18090', '18090 ', '+80', '-1', '65536', '8080.0', 'abc']) {
      assert.throws(() => loadServeConfig({}, { PORT: text }), (e: Error) => e instanceof ConfigError && e.message === `PORT/--port must be a whole number from 0 to 65535, got "${text}"`, text);
    }
    assert.throws(() => loadServeConfig({}, { CVEKIT_POW_BITS: '0x10' }), /CVEKIT_POW_BITS must be a whole number from 0 to 32, got "0x10"/);
  });

  it('HOST is an IP address or a host name of valid labels', () => {
    for (const host of ['127.0.0.1', '0.0.0.0', '::', '::1', 'fe80::1', 'localhost', 'cvekit.example.org', 'cvekit.example.org.', 'a-b.c1']) {
      assert.equal(isListenHost(host), true, host);
      assert.equal(loadServeConfig({}, { HOST: host }).host, host);
    }
    for (const host of ['999.1.1.1', '1.2.3', 'not..a..host', '-a.example', 'a-.example', '[::1]', 'host name', 'a_b.example', 'x'.repeat(64), '.', 'http://x']) {
      assert.equal(isListenHost(host), false, host);
      assert.throws(() => loadServeConfig({}, { HOST: host }), (e: Error) => e instanceof ConfigError && e.message.startsWith('HOST/--host must be an IPv4 or IPv6 address or a host name'), host);
      assert.throws(() => loadServeConfig({ host }, {}), ConfigError, host);
    }
  });

  it('CVEKIT_DB/--db: a bare file path means SQLite; other schemes are refused', () => {
    for (const [given, url] of [
      ['./data/x.db', 'sqlite:./data/x.db'],
      ['/srv/cvekit/store.db', 'sqlite:/srv/cvekit/store.db'],
      ['store.db', 'sqlite:store.db'],
      ['sqlite:a.db', 'sqlite:a.db'],
      ['sqlite::memory:', 'sqlite::memory:'],
      ['postgres://u:p@127.0.0.1:5432/cvekit', 'postgres://u:p@127.0.0.1:5432/cvekit'],
      ['postgresql://127.0.0.1/cvekit', 'postgresql://127.0.0.1/cvekit'],
    ]) {
      assert.equal(storeUrl(given), url, given);
      assert.equal(loadConfig({ db: given }, {}).db, url, given);
      assert.equal(loadConfig({}, { CVEKIT_DB: given }).db, url, given);
    }
    for (const bad of ['mysql://127.0.0.1/x', 'postgre://127.0.0.1/x', 'localhost:5432/cvekit', 'sqlite:', 'file:x.db']) {
      assert.throws(() => loadConfig({ db: bad }, {}), (e: Error) => e instanceof ConfigError && e.message === `CVEKIT_DB/--db must be sqlite:PATH, a file path or postgres://…, got "${bad}"`, bad);
    }
  });

  it('the settings of every command do not read the serve-only ones', () => {
    const env = { PORT: 'abc', HOST: 'not..a..host', CVEKIT_SEED: 'maybe', CVEKIT_TRUST_PROXY: 'true', CVEKIT_TEAM_TOKEN: 'short', CVEKIT_DB: 'sqlite:x.db' };
    assert.deepEqual(loadConfig({}, env), { db: 'sqlite:x.db', logLevel: 'info' });
    assert.throws(() => loadServeConfig({}, env), ConfigError);
  });
});
