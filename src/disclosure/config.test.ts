import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { disclosureConfig, disclosureConfigFromEnv } from './index.ts';

const bad = (env: NodeJS.ProcessEnv, message: RegExp) => assert.throws(() => disclosureConfigFromEnv(env), (err: Error & { code?: string }) => {
  assert.equal(err.code, 'INVALID_CONFIG');
  assert.match(err.message, message);
  return true;
});

describe('disclosure settings from the environment', () => {
  it('refuses a CVEKIT_MAIL_FROM that is not a mailbox, naming the setting', () => {
    for (const value of ['not a mailbox', 'cvekit', 'Team <not-an-address>', 'a@b@c', 'x@team.test\r\nBcc: y@evil.test', 'Team <x@team.test', '<>']) {
      bad({ CVEKIT_MAIL_FROM: value }, /^CVEKIT_MAIL_FROM must be "Display Name <name@domain>" or an e-mail address/);
    }
  });

  it('takes a CVEKIT_MAIL_FROM as name@domain or Display Name <name@domain>', () => {
    assert.equal(disclosureConfigFromEnv({ CVEKIT_MAIL_FROM: 'psirt@team.test' }).mailFrom, 'psirt@team.test');
    assert.equal(disclosureConfigFromEnv({ CVEKIT_MAIL_FROM: 'Otter PSIRT <psirt@otter.test>' }).mailFrom, 'Otter PSIRT <psirt@otter.test>');
    assert.equal(disclosureConfigFromEnv({}).mailFrom, 'cvekit <cvekit@localhost>');
  });

  it('refuses a CVEKIT_TEAM_EMAIL that is not an address', () => {
    for (const value of ['psirt', 'PSIRT <psirt@team.test>', 'a b@team.test']) bad({ CVEKIT_TEAM_EMAIL: value }, /^CVEKIT_TEAM_EMAIL must be an e-mail address/);
    assert.equal(disclosureConfigFromEnv({ CVEKIT_TEAM_EMAIL: 'psirt@team.test' }).teamEmail, 'psirt@team.test');
  });

  it('takes CVEKIT_POW_BITS in digits only, from 0 to 32', () => {
    for (const value of ['0x10', '1e1', '16.0', '+16', '-1', '33', 'sixteen', ' ']) bad({ CVEKIT_POW_BITS: value }, /^CVEKIT_POW_BITS must be a whole number from 0 to 32/);
    assert.equal(disclosureConfigFromEnv({ CVEKIT_POW_BITS: '0' }).powBits, 0);
    assert.equal(disclosureConfigFromEnv({ CVEKIT_POW_BITS: '32' }).powBits, 32);
    assert.equal(disclosureConfigFromEnv({ CVEKIT_POW_BITS: '016' }).powBits, 16);
    assert.equal(disclosureConfigFromEnv({ CVEKIT_POW_BITS: '' }).powBits, 16, 'set but empty is unset');
  });

  it('refuses URLs of the wrong kind', () => {
    bad({ CVEKIT_PUBLIC_URL: 'psirt.example.org' }, /^CVEKIT_PUBLIC_URL must be a http:\/\/ or https:\/\/ URL/);
    bad({ CVEKIT_SMTP_URL: 'http://mail' }, /^CVEKIT_SMTP_URL must be a smtp:\/\/ or smtps:\/\/ URL/);
  });

  it('refuses counts that are not whole numbers in range', () => {
    assert.throws(() => disclosureConfig({ reportsPerHour: 0 }), /reportsPerHour must be a whole number of at least 1/);
    assert.throws(() => disclosureConfig({ capabilityDays: 1.5 }), /capabilityDays/);
    assert.throws(() => disclosureConfig({ attachments: { maxFiles: -1, maxFileBytes: 1, maxTotalBytes: 1 } }), /attachments.maxFiles/);
  });
});
