/**
 * Every vector of the Red Hat cvss test suite (RedHatProductSecurity/cvss tests/vectors_*, see
 * shared data vectors/README.md) scores exactly as expected: v2.0 and v3.x base, temporal and
 * environmental scores, v4.0 scores.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { sharedData } from '../../test/support/paths.ts';
import { scoreCvss } from './index.ts';
import type { CvssVectorVersion } from './index.ts';

interface V2V3Case {
  readonly vector: string;
  readonly version: '2.0' | '3.0' | '3.1';
  readonly source_file: string;
  readonly baseScore: number;
  readonly temporalScore: number | null;
  readonly environmentalScore: number | null;
}
interface V4Case {
  readonly vector: string;
  readonly version: '4.0';
  readonly source_file: string;
  readonly score: number;
}
type Case = V2V3Case | V4Case;

const cases: readonly Case[] = readFileSync(sharedData('vectors', 'cvss-redhat', 'cvss-vectors.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as Case);

/** What our scorer says, in the suite's shape, so a failure shows both side by side. */
const actual = (c: Case): unknown => {
  const s = scoreCvss(c.vector);
  if (!s.ok) return { reason: s.reason };
  if (s.version === '4.0') return { score: s.score };
  const c23 = c as V2V3Case;
  return {
    baseScore: s.baseScore,
    temporalScore: c23.temporalScore === null ? null : s.temporalScore,
    environmentalScore: c23.environmentalScore === null ? null : s.environmentalScore,
  };
};
const expected = (c: Case): unknown =>
  c.version === '4.0'
    ? { score: c.score }
    : { baseScore: c.baseScore, temporalScore: c.temporalScore, environmentalScore: c.environmentalScore };

const EXPECTED_COUNTS: Readonly<Record<CvssVectorVersion, number>> = {
  // README: simple2 729 + calculator2 5 + cvsslib2 24; simple3 2,592 + calculator3 2 + cvsslib3 29;
  // simple31 2,592; simple4 1,058 + supplemental4 576 + security4 54 + threat4 6.
  '2.0': 758,
  '3.0': 2623,
  '3.1': 2592,
  '4.0': 1694,
};

describe('Red Hat CVSS test vectors', () => {
  test('the suite is complete (7,667 vectors)', () => {
    assert.equal(cases.length, 7667);
  });

  for (const version of Object.keys(EXPECTED_COUNTS) as CvssVectorVersion[]) {
    test(`CVSS ${version}: every vector scores as expected`, (t) => {
      const mine = cases.filter((c) => c.version === version);
      assert.equal(mine.length, EXPECTED_COUNTS[version]);
      const failures = mine.filter((c) => JSON.stringify(actual(c)) !== JSON.stringify(expected(c)));
      t.diagnostic(`CVSS ${version}: ${mine.length - failures.length}/${mine.length} pass`);
      // Show the first few failures in full rather than one at a time.
      assert.deepEqual(
        failures.slice(0, 5).map((c) => ({ vector: c.vector, actual: actual(c) })),
        failures.slice(0, 5).map((c) => ({ vector: c.vector, actual: expected(c) })),
      );
      assert.equal(failures.length, 0);
    });
  }
});
