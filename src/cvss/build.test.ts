/**
 * buildCvssVector: canonical strings, and round trips parse → build → parse over every vector of
 * the Red Hat suite and of the real records (same metrics bar Not Defined ones, same scores).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { sharedData } from '../../test/support/paths.ts';
import { buildCvssVector, CvssVectorError, parseCvssVector, scoreCvss } from './index.ts';
import type { CvssParsed } from './index.ts';

const NOT_DEFINED = new Set(['X', 'ND']);
const withoutNotDefined = (metrics: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(metrics).filter(([, value]) => !NOT_DEFINED.has(value)));

const suiteVectors = readFileSync(sharedData('vectors', 'cvss-redhat', 'cvss-vectors.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => (JSON.parse(line) as { vector: string }).vector);

interface MetricsHolder {
  readonly metrics?: readonly Record<string, { readonly vectorString?: string } | undefined>[];
}
/** Distinct vectors of the records' CNA and ADP `metrics[].cvssV*` entries. */
const recordVectors = [
  ...new Set(
    readFileSync(sharedData('cve5', 'records.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .flatMap((line) => {
        const { containers } = JSON.parse(line) as { containers: { cna?: MetricsHolder; adp?: MetricsHolder[] } };
        return [containers.cna, ...(containers.adp ?? [])].flatMap((container) =>
          (container?.metrics ?? []).flatMap((entry) =>
            ['cvssV2_0', 'cvssV3_0', 'cvssV3_1', 'cvssV4_0'].flatMap((key) => entry[key]?.vectorString ?? []),
          ),
        );
      }),
  ),
];

describe('buildCvssVector', () => {
  test('writes metrics in the specification order, drops Not Defined values', () => {
    assert.equal(
      buildCvssVector('3.1', { S: 'U', AV: 'N', AC: 'L', PR: 'N', UI: 'N', C: 'H', I: 'H', A: 'H', E: 'X', RL: 'O' }),
      'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/RL:O',
    );
    assert.equal(
      buildCvssVector('2.0', { A: 'C', I: 'C', C: 'C', Au: 'N', AC: 'L', AV: 'N', E: 'ND', TD: 'L' }),
      'AV:N/AC:L/Au:N/C:C/I:C/A:C/TD:L',
    );
    assert.equal(
      buildCvssVector('4.0', {
        U: 'Red', SA: 'N', SI: 'N', SC: 'N', VA: 'H', VI: 'H', VC: 'H', UI: 'N', PR: 'N', AT: 'N', AC: 'L', AV: 'N', E: 'U', MSI: 'S',
      }),
      'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/MSI:S/U:Red',
    );
  });

  test('ignores metrics given as undefined (a calculator with unset fields)', () => {
    assert.equal(
      buildCvssVector('3.0', { AV: 'N', AC: 'L', PR: 'N', UI: 'N', S: 'U', C: 'H', I: 'H', A: 'H', E: undefined }),
      'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    );
  });

  test('refuses invalid metric maps with the parser\'s reason', () => {
    const cases: readonly (readonly [Parameters<typeof buildCvssVector>, string, string])[] = [
      [['3.1', { AV: 'N', AC: 'L' }], 'MISSING_BASE_METRIC', 'missing mandatory base metrics "PR" (Privileges Required), "UI" (User Interaction), "S" (Scope), "C" (Confidentiality), "I" (Integrity), "A" (Availability)'],
      [['3.1', { AV: 'Q', AC: 'L', PR: 'N', UI: 'N', S: 'U', C: 'H', I: 'H', A: 'H' }], 'BAD_VALUE', 'bad value "Q" for metric "AV" (Attack Vector); allowed: N, A, L, P'],
      [['2.0', { AV: 'N', AC: 'L', Au: 'N', C: 'C', I: 'C', A: 'C', PR: 'N' }], 'UNKNOWN_METRIC', 'unknown metric "PR" in CVSS v2.0'],
      [['3.2' as '3.1', { AV: 'N' }], 'BAD_PREFIX', 'unsupported CVSS version "3.2"'],
    ];
    for (const [args, code, message] of cases) {
      assert.throws(() => buildCvssVector(...args), (error: unknown) => {
        assert.ok(error instanceof CvssVectorError);
        assert.deepEqual({ code: error.code, message: error.message }, { code, message });
        return true;
      });
    }
  });

  const roundTrip = (vectors: readonly string[]): { exact: number; total: number; failures: string[] } => {
    const failures: string[] = [];
    let exact = 0;
    for (const vector of vectors) {
      const parsed = parseCvssVector(vector) as CvssParsed;
      assert.ok(parsed.ok, vector);
      const built = buildCvssVector(parsed.version, parsed.metrics);
      if (built === vector) exact += 1;
      const reparsed = parseCvssVector(built);
      const sameMetrics =
        reparsed.ok &&
        reparsed.version === parsed.version &&
        JSON.stringify(Object.entries(reparsed.metrics).sort()) ===
          JSON.stringify(Object.entries(withoutNotDefined(parsed.metrics)).sort());
      const sameScore = JSON.stringify(scoreCvss(built)) === JSON.stringify(scoreCvss(vector));
      const idempotent = reparsed.ok && buildCvssVector(reparsed.version, reparsed.metrics) === built;
      if (!sameMetrics || !sameScore || !idempotent) failures.push(`${vector} → ${built}`);
    }
    return { exact, total: vectors.length, failures };
  };

  test('round trip over the Red Hat suite: same metrics, same scores, idempotent', (t) => {
    const { exact, total, failures } = roundTrip(suiteVectors);
    t.diagnostic(`${total} vectors, ${exact} already canonical`);
    assert.deepEqual(failures, []);
  });

  test('round trip over the real records\' vectors', (t) => {
    const { exact, total, failures } = roundTrip(recordVectors);
    t.diagnostic(`${total} distinct vectors, ${exact} already canonical`);
    assert.deepEqual(failures, []);
    // Every v2.0 and v4.0 vector that writes no Not Defined value is canonical already.
    for (const vector of recordVectors) {
      const parsed = parseCvssVector(vector) as CvssParsed;
      if ((parsed.version === '2.0' || parsed.version === '4.0') && !/:(X|ND)(\/|$)/u.test(vector)) {
        assert.equal(buildCvssVector(parsed.version, parsed.metrics), vector);
      }
    }
  });
});
