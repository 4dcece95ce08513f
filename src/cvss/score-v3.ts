/**
 * @module CVSS v3.0 and v3.1 equations (Specification Document §7.1-7.3, v3.1 Appendix A).
 */
import { roundUp1 } from './rounding.ts';

type Weights = Readonly<Record<string, number>>;

// §7.4 metric values. X (Not Defined) is neutral: 1 for multipliers and requirements.
const AV: Weights = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const AC: Weights = { L: 0.77, H: 0.44 };
const PR_UNCHANGED: Weights = { N: 0.85, L: 0.62, H: 0.27 };
const PR_CHANGED: Weights = { N: 0.85, L: 0.68, H: 0.5 };
const UI: Weights = { N: 0.85, R: 0.62 };
const CIA: Weights = { H: 0.56, L: 0.22, N: 0 };
const E: Weights = { X: 1, H: 1, F: 0.97, P: 0.94, U: 0.91 };
const RL: Weights = { X: 1, U: 1, W: 0.97, T: 0.96, O: 0.95 };
const RC: Weights = { X: 1, C: 1, R: 0.96, U: 0.92 };
const REQ: Weights = { X: 1, H: 1.5, M: 1, L: 0.5 };

export interface V3Scores {
  readonly base: number;
  readonly temporal: number;
  readonly environmental: number;
}

/** Scores a validated v3.x metric map (absent temporal/environmental metrics count as X). */
export const scoreV3 = (m: Readonly<Record<string, string>>, version: '3.0' | '3.1'): V3Scores => {
  const get = (abbrev: string): string => m[abbrev] ?? 'X';
  // Environmental "Modified" metrics fall back to their base metric when Not Defined.
  const modified = (abbrev: string): string => {
    const value = get(`M${abbrev}`);
    return value === 'X' ? get(abbrev) : value;
  };
  const temporalMultiplier = E[get('E')] * RL[get('RL')] * RC[get('RC')];

  // Base (§7.1).
  const changed = get('S') === 'C';
  const iss = 1 - (1 - CIA[get('C')]) * (1 - CIA[get('I')]) * (1 - CIA[get('A')]);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const pr = (changed ? PR_CHANGED : PR_UNCHANGED)[get('PR')];
  const exploitability = 8.22 * AV[get('AV')] * AC[get('AC')] * pr * UI[get('UI')];
  const base =
    impact <= 0
      ? 0
      : roundUp1(Math.min((changed ? 1.08 : 1) * (impact + exploitability), 10));

  // Temporal (§7.2).
  const temporal = roundUp1(base * temporalMultiplier);

  // Environmental (§7.3). v3.1 changed the Changed-scope modified impact: (MISS × 0.9731 − 0.02)^13.
  const mChanged = modified('S') === 'C';
  const miss = Math.min(
    1 -
      (1 - CIA[modified('C')] * REQ[get('CR')]) *
        (1 - CIA[modified('I')] * REQ[get('IR')]) *
        (1 - CIA[modified('A')] * REQ[get('AR')]),
    0.915,
  );
  const mImpact = mChanged
    ? version === '3.1'
      ? 7.52 * (miss - 0.029) - 3.25 * (miss * 0.9731 - 0.02) ** 13
      : 7.52 * (miss - 0.029) - 3.25 * (miss - 0.02) ** 15
    : 6.42 * miss;
  const mpr = (mChanged ? PR_CHANGED : PR_UNCHANGED)[modified('PR')];
  const mExploitability = 8.22 * AV[modified('AV')] * AC[modified('AC')] * mpr * UI[modified('UI')];
  const environmental =
    mImpact <= 0
      ? 0
      : roundUp1(
          roundUp1(Math.min((mChanged ? 1.08 : 1) * (mImpact + mExploitability), 10)) * temporalMultiplier,
        );
  return { base, temporal, environmental };
};
