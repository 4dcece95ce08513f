/**
 * @module CVSS v2.0 equations (A Complete Guide to the CVSS Version 2.0, §3.2.1-3.2.3).
 */
import { roundHalfUp1 } from './rounding.ts';

type Weights = Readonly<Record<string, number>>;

// §3.2 weights. Not Defined (ND) is neutral: 1.0 for multipliers, 0 for CDP.
const AV: Weights = { L: 0.395, A: 0.646, N: 1.0 };
const AC: Weights = { H: 0.35, M: 0.61, L: 0.71 };
const AU: Weights = { M: 0.45, S: 0.56, N: 0.704 };
const IMPACT: Weights = { N: 0.0, P: 0.275, C: 0.66 };
const E: Weights = { U: 0.85, POC: 0.9, F: 0.95, H: 1.0, ND: 1.0 };
const RL: Weights = { OF: 0.87, TF: 0.9, W: 0.95, U: 1.0, ND: 1.0 };
const RC: Weights = { UC: 0.9, UR: 0.95, C: 1.0, ND: 1.0 };
const CDP: Weights = { N: 0, L: 0.1, LM: 0.3, MH: 0.4, H: 0.5, ND: 0 };
const TD: Weights = { N: 0, L: 0.25, M: 0.75, H: 1.0, ND: 1.0 };
const REQ: Weights = { L: 0.5, M: 1.0, H: 1.51, ND: 1.0 };

export interface V2Scores {
  readonly base: number;
  readonly temporal: number;
  readonly environmental: number;
}

/** Scores a validated v2.0 metric map (absent temporal/environmental metrics count as ND). */
export const scoreV2 = (m: Readonly<Record<string, string>>): V2Scores => {
  const get = (abbrev: string): string => m[abbrev] ?? 'ND';
  const exploitability = 20 * AV[get('AV')] * AC[get('AC')] * AU[get('Au')];
  const c = IMPACT[get('C')];
  const i = IMPACT[get('I')];
  const a = IMPACT[get('A')];
  const baseFor = (impact: number): number =>
    roundHalfUp1((0.6 * impact + 0.4 * exploitability - 1.5) * (impact === 0 ? 0 : 1.176));
  const temporalMultiplier = E[get('E')] * RL[get('RL')] * RC[get('RC')];

  const base = baseFor(10.41 * (1 - (1 - c) * (1 - i) * (1 - a)));
  const temporal = roundHalfUp1(base * temporalMultiplier);

  // §3.2.3: the base equation again with AdjustedImpact, then the temporal one, then CDP and TD.
  const adjustedImpact = Math.min(
    10,
    10.41 * (1 - (1 - c * REQ[get('CR')]) * (1 - i * REQ[get('IR')]) * (1 - a * REQ[get('AR')])),
  );
  const adjustedTemporal = roundHalfUp1(baseFor(adjustedImpact) * temporalMultiplier);
  const environmental = roundHalfUp1(
    (adjustedTemporal + (10 - adjustedTemporal) * CDP[get('CDP')]) * TD[get('TD')],
  );
  return { base, temporal, environmental };
};
