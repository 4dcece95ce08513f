/**
 * parseCvssVector: valid vectors of each version, and malformed ones refused with the exact reason.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCvssVector } from './index.ts';
import type { CvssParseErrorCode } from './index.ts';

const V31 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const V40 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
const V2 = 'AV:N/AC:L/Au:N/C:P/I:P/A:P';

describe('parseCvssVector: valid vectors', () => {
  const valid: readonly (readonly [string, string, Record<string, string>])[] = [
    [V2, '2.0', { AV: 'N', AC: 'L', Au: 'N', C: 'P', I: 'P', A: 'P' }],
    [`${V2}/E:POC/RL:OF/RC:ND/CDP:LM/TD:H/CR:H/IR:ND/AR:L`, '2.0', {
      AV: 'N', AC: 'L', Au: 'N', C: 'P', I: 'P', A: 'P',
      E: 'POC', RL: 'OF', RC: 'ND', CDP: 'LM', TD: 'H', CR: 'H', IR: 'ND', AR: 'L',
    }],
    // v2.0: groups may be partial, as long as the order holds.
    [`${V2}/RL:W/TD:M`, '2.0', { AV: 'N', AC: 'L', Au: 'N', C: 'P', I: 'P', A: 'P', RL: 'W', TD: 'M' }],
    [V31, '3.1', { AV: 'N', AC: 'L', PR: 'N', UI: 'N', S: 'U', C: 'H', I: 'H', A: 'H' }],
    // v3.x: any order (seen in real records and the Red Hat suite).
    ['CVSS:3.0/S:U/AV:N/AC:L/PR:H/UI:N/C:L/I:L/A:N/E:F/RL:X', '3.0', {
      S: 'U', AV: 'N', AC: 'L', PR: 'H', UI: 'N', C: 'L', I: 'L', A: 'N', E: 'F', RL: 'X',
    }],
    [V40, '4.0', { AV: 'N', AC: 'L', AT: 'N', PR: 'N', UI: 'N', VC: 'H', VI: 'H', VA: 'H', SC: 'N', SI: 'N', SA: 'N' }],
    [`${V40}/E:P/CR:L/MSI:S/S:P/AU:Y/R:I/V:C/RE:H/U:Amber`, '4.0', {
      AV: 'N', AC: 'L', AT: 'N', PR: 'N', UI: 'N', VC: 'H', VI: 'H', VA: 'H', SC: 'N', SI: 'N', SA: 'N',
      E: 'P', CR: 'L', MSI: 'S', S: 'P', AU: 'Y', R: 'I', V: 'C', RE: 'H', U: 'Amber',
    }],
  ];
  for (const [vector, version, metrics] of valid) {
    test(vector, () => {
      assert.deepEqual(parseCvssVector(vector), { ok: true, version, metrics });
    });
  }
});

describe('parseCvssVector: malformed vectors and their reasons', () => {
  const malformed: readonly (readonly [string, CvssParseErrorCode, string])[] = [
    ['', 'EMPTY', 'empty vector'],
    [` ${V31}`, 'MALFORMED_FIELD', 'whitespace in vector'],
    ['CVSS:3.2/AV:N', 'BAD_PREFIX', 'unsupported CVSS version "3.2" in prefix "CVSS:3.2"'],
    ['CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P', 'BAD_PREFIX', 'CVSS v2.0 vectors carry no prefix: drop "CVSS:2.0/"'],
    ['cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'BAD_PREFIX', 'prefix "cvss:" must be written "CVSS:"'],
    ['AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'BAD_PREFIX', 'missing prefix: a CVSS v3.x vector must start with "CVSS:3.1/" or "CVSS:3.0/"'],
    [
      'AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
      'BAD_PREFIX',
      'missing prefix: a CVSS v4.0 vector must start with "CVSS:4.0/"',
    ],
    ['AV:N/AC:L/PR:N/UI:N', 'UNKNOWN_METRIC', 'unknown metric "PR" in CVSS v2.0'],
    ['CVSS:3.1', 'MISSING_BASE_METRIC', 'no metrics after prefix "CVSS:3.1/"'],
    ['CVSS:4.0/', 'MISSING_BASE_METRIC', 'no metrics after prefix "CVSS:4.0/"'],
    [`${V31}/`, 'MALFORMED_FIELD', 'empty field at position 9 (stray "/")'],
    ['CVSS:3.1/AV:N/AC:L//PR:N/UI:N/S:U/C:H/I:H/A:H', 'MALFORMED_FIELD', 'empty field at position 3 (stray "/")'],
    ['CVSS:3.1/AV:N/AC:L/PR/UI:N/S:U/C:H/I:H/A:H', 'MALFORMED_FIELD', 'field "PR" is not of the form METRIC:VALUE'],
    ['CVSS:3.1/AV:N/AC:L/PR:/UI:N/S:U/C:H/I:H/A:H', 'MALFORMED_FIELD', 'field "PR:" is not of the form METRIC:VALUE'],
    ['CVSS:3.1/AV:N/AC:L/PR:N:X/UI:N/S:U/C:H/I:H/A:H', 'MALFORMED_FIELD', 'field "PR:N:X" is not of the form METRIC:VALUE'],
    [`${V31}/XX:Y`, 'UNKNOWN_METRIC', 'unknown metric "XX" in CVSS v3.1'],
    [`${V31}/MSI:S`, 'UNKNOWN_METRIC', 'unknown metric "MSI" in CVSS v3.1'],
    [`${V40}/Au:N`, 'UNKNOWN_METRIC', 'unknown metric "Au" in CVSS v4.0'],
    [`${V2}/MAV:N`, 'UNKNOWN_METRIC', 'unknown metric "MAV" in CVSS v2.0'],
    [`${V31}/AV:L`, 'DUPLICATE_METRIC', 'duplicate metric "AV" (Attack Vector)'],
    [`${V31}/E:X/E:X`, 'DUPLICATE_METRIC', 'duplicate metric "E" (Exploit Code Maturity)'],
    [`${V2}/AV:N`, 'DUPLICATE_METRIC', 'duplicate metric "AV" (Access Vector)'],
    ['CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'BAD_VALUE', 'bad value "Q" for metric "AV" (Attack Vector); allowed: N, A, L, P'],
    ['CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'BAD_VALUE', 'bad value "n" for metric "AV" (Attack Vector); allowed: N, A, L, P'],
    ['CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'BAD_VALUE', 'bad value "X" for metric "AV" (Attack Vector); allowed: N, A, L, P'],
    ['AV:N/AC:L/Au:N/C:P/I:P/A:X', 'BAD_VALUE', 'bad value "X" for metric "A" (Availability Impact); allowed: N, P, C'],
    [`${V2}/E:X`, 'BAD_VALUE', 'bad value "X" for metric "E" (Exploitability); allowed: U, POC, F, H, ND'],
    [`${V40}/MSC:S`, 'BAD_VALUE', 'bad value "S" for metric "MSC" (Modified Subsequent System Confidentiality); allowed: X, H, L, N'],
    [`${V40}/U:red`, 'BAD_VALUE', 'bad value "red" for metric "U" (Provider Urgency); allowed: X, Clear, Green, Amber, Red'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', 'MISSING_BASE_METRIC', 'missing mandatory base metric "A" (Availability)'],
    [
      'CVSS:3.1/AV:N/AC:L/E:H',
      'MISSING_BASE_METRIC',
      'missing mandatory base metrics "PR" (Privileges Required), "UI" (User Interaction), "S" (Scope), "C" (Confidentiality), "I" (Integrity), "A" (Availability)',
    ],
    ['AV:N/AC:L/Au:N/C:P/I:P', 'MISSING_BASE_METRIC', 'missing mandatory base metric "A" (Availability Impact)'],
    [
      'CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
      'MISSING_BASE_METRIC',
      'missing mandatory base metric "AT" (Attack Requirements)',
    ],
    ['AC:L/AV:N/Au:N/C:P/I:P/A:P', 'WRONG_ORDER', 'metric "AV" must come before "AC": CVSS v2.0 requires the specification\'s order'],
    [`${V2}/RL:OF/E:F`, 'WRONG_ORDER', 'metric "E" must come before "RL": CVSS v2.0 requires the specification\'s order'],
    [
      'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/SC:N/VI:H/SI:N/VA:H/SA:N',
      'WRONG_ORDER',
      'metric "VI" must come before "SC": CVSS v4.0 requires the specification\'s order',
    ],
    [`${V40}/S:N/E:A`, 'WRONG_ORDER', 'metric "E" must come before "S": CVSS v4.0 requires the specification\'s order'],
  ];
  for (const [vector, code, reason] of malformed) {
    test(`${JSON.stringify(vector)}: ${code}`, () => {
      assert.deepEqual(parseCvssVector(vector), { ok: false, code, reason });
    });
  }
});
