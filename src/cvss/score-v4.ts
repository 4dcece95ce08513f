/**
 * @module CVSS v4.0 scoring: MacroVector lookup and interpolation (Specification Document §8.2
 * "CVSS v4.0 Scoring"; the official calculator, FIRSTdotorg/cvss-v4-calculator, is its reference
 * implementation and is what the data below was taken from).
 */
import { roundHalfUp1 } from './rounding.ts';
import { V4_MACROVECTOR_SCORES } from './v4-macrovectors.ts';

type Metrics = Readonly<Record<string, string>>;
type Levels = Readonly<Record<string, number>>;

/**
 * The value a metric takes in the equations (§8.2, "Not Defined" handling): Threat E:X counts as
 * Attacked and CR/IR/AR:X as High (the worst case); a Modified metric other than X replaces its base
 * metric.
 */
const effective = (m: Metrics, abbrev: string): string => {
  const value = m[abbrev] ?? 'X';
  if (abbrev === 'E') return value === 'X' ? 'A' : value;
  if (abbrev === 'CR' || abbrev === 'IR' || abbrev === 'AR') return value === 'X' ? 'H' : value;
  const modifiedValue = m[`M${abbrev}`];
  return modifiedValue === undefined || modifiedValue === 'X' ? value : modifiedValue;
};

/** §8.2 Table 24-29: the six equivalence classes; 0 is the most severe level of each. */
export const macroVectorOf = (m: Metrics): string => {
  const v = (abbrev: string): string => effective(m, abbrev);
  const [av, pr, ui] = [v('AV'), v('PR'), v('UI')];
  const eq1 = av === 'N' && pr === 'N' && ui === 'N' ? 0 : (av === 'N' || pr === 'N' || ui === 'N') && av !== 'P' ? 1 : 2;
  const eq2 = v('AC') === 'L' && v('AT') === 'N' ? 0 : 1;
  const [vc, vi, va] = [v('VC'), v('VI'), v('VA')];
  const eq3 = vc === 'H' && vi === 'H' ? 0 : vc === 'H' || vi === 'H' || va === 'H' ? 1 : 2;
  // MSI/MSA:S (Safety) exist only as Modified values; `effective` already returns them.
  const [si, sa] = [v('SI'), v('SA')];
  const eq4 = si === 'S' || sa === 'S' ? 0 : v('SC') === 'H' || si === 'H' || sa === 'H' ? 1 : 2;
  const e = v('E');
  const eq5 = e === 'A' ? 0 : e === 'P' ? 1 : 2;
  const eq6 =
    (v('CR') === 'H' && vc === 'H') || (v('IR') === 'H' && vi === 'H') || (v('AR') === 'H' && va === 'H') ? 0 : 1;
  return `${eq1}${eq2}${eq3}${eq4}${eq5}${eq6}`;
};

// Severity levels in steps of 0.1 (the calculator's *_levels), kept as integers so distances are exact.
const LEVELS: Readonly<Record<string, Levels>> = {
  AV: { N: 0, A: 1, L: 2, P: 3 },
  PR: { N: 0, L: 1, H: 2 },
  UI: { N: 0, P: 1, A: 2 },
  AC: { L: 0, H: 1 },
  AT: { N: 0, P: 1 },
  VC: { H: 0, L: 1, N: 2 },
  VI: { H: 0, L: 1, N: 2 },
  VA: { H: 0, L: 1, N: 2 },
  SC: { H: 1, L: 2, N: 3 },
  SI: { S: 0, H: 1, L: 2, N: 3 },
  SA: { S: 0, H: 1, L: 2, N: 3 },
  CR: { H: 0, M: 1, L: 2 },
  IR: { H: 0, M: 1, L: 2 },
  AR: { H: 0, M: 1, L: 2 },
};

const EQ_METRICS = {
  eq1: ['AV', 'PR', 'UI'],
  eq2: ['AC', 'AT'],
  eq3eq6: ['VC', 'VI', 'VA', 'CR', 'IR', 'AR'],
  eq4: ['SC', 'SI', 'SA'],
} as const;

const vectors = (...texts: string[]): readonly Metrics[] =>
  texts.map((text) => Object.fromEntries(text.split('/').map((field) => field.split(':'))));

// The highest-severity vectors of each EQ level (calculator `max_composed.js`). A MacroVector's
// highest vectors are every combination of these across EQs.
const EQ1_MAX: readonly (readonly Metrics[])[] = [
  vectors('AV:N/PR:N/UI:N'),
  vectors('AV:A/PR:N/UI:N', 'AV:N/PR:L/UI:N', 'AV:N/PR:N/UI:P'),
  vectors('AV:P/PR:N/UI:N', 'AV:A/PR:L/UI:P'),
];
const EQ2_MAX: readonly (readonly Metrics[])[] = [vectors('AC:L/AT:N'), vectors('AC:H/AT:N', 'AC:L/AT:P')];
/** Indexed by EQ3 level, then EQ6 level (EQ3 and EQ6 are scored jointly). */
const EQ3EQ6_MAX: readonly (readonly (readonly Metrics[])[])[] = [
  [
    vectors('VC:H/VI:H/VA:H/CR:H/IR:H/AR:H'),
    vectors('VC:H/VI:H/VA:L/CR:M/IR:M/AR:H', 'VC:H/VI:H/VA:H/CR:M/IR:M/AR:M'),
  ],
  [
    vectors('VC:L/VI:H/VA:H/CR:H/IR:H/AR:H', 'VC:H/VI:L/VA:H/CR:H/IR:H/AR:H'),
    vectors(
      'VC:L/VI:H/VA:L/CR:H/IR:M/AR:H',
      'VC:L/VI:H/VA:H/CR:H/IR:M/AR:M',
      'VC:H/VI:L/VA:H/CR:M/IR:H/AR:M',
      'VC:H/VI:L/VA:L/CR:M/IR:H/AR:H',
      'VC:L/VI:L/VA:H/CR:H/IR:H/AR:M',
    ),
  ],
  [[], vectors('VC:L/VI:L/VA:L/CR:H/IR:H/AR:H')],
];
const EQ4_MAX: readonly (readonly Metrics[])[] = [
  vectors('SC:H/SI:S/SA:S'),
  vectors('SC:H/SI:H/SA:H'),
  vectors('SC:L/SI:L/SA:L'),
];

// The depth of each MacroVector in steps (calculator `max_severity.js`, "max severity distances +1").
const EQ1_DEPTH = [1, 4, 5];
const EQ2_DEPTH = [1, 2];
const EQ3EQ6_DEPTH: readonly (readonly number[])[] = [[7, 6], [8, 8], [Number.NaN, 10]];
const EQ4_DEPTH = [6, 5, 4];

const lookup = (eqs: readonly number[]): number | undefined => V4_MACROVECTOR_SCORES[eqs.join('')];

const IMPACT_METRICS = ['VC', 'VI', 'VA', 'SC', 'SI', 'SA'] as const;

/** Scores a validated v4.0 metric map: the score of whatever groups it carries (B, BT, BE, BTE). */
export const scoreV4 = (m: Metrics): { readonly score: number; readonly macroVector: string } => {
  const macroVector = macroVectorOf(m);
  // §8.2: a vector with no impact on either system scores 0.0 whatever its exploitability.
  if (IMPACT_METRICS.every((abbrev) => effective(m, abbrev) === 'N')) return { score: 0, macroVector };

  const [eq1, eq2, eq3, eq4, eq5, eq6] = [...macroVector].map(Number);
  const value = lookup([eq1, eq2, eq3, eq4, eq5, eq6])!;

  // 1a. The next lower MacroVector of each EQ, if it exists; EQ3+EQ6 move together.
  const lowerEq1 = lookup([eq1 + 1, eq2, eq3, eq4, eq5, eq6]);
  const lowerEq2 = lookup([eq1, eq2 + 1, eq3, eq4, eq5, eq6]);
  let lowerEq3Eq6: number | undefined;
  if (eq3 === 0 && eq6 === 0) {
    // Two ways down (00 → 01 or 10): take the higher-scoring one.
    const left = lookup([eq1, eq2, eq3, eq4, eq5, eq6 + 1]);
    const right = lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6]);
    lowerEq3Eq6 = left !== undefined && (right === undefined || left > right) ? left : right;
  } else if (eq3 === 1 && eq6 === 0) {
    lowerEq3Eq6 = lookup([eq1, eq2, eq3, eq4, eq5, eq6 + 1]);
  } else {
    // 01 → 11, 11 → 21; 21 has none.
    lowerEq3Eq6 = lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6]);
  }
  const lowerEq4 = lookup([eq1, eq2, eq3, eq4 + 1, eq5, eq6]);
  const lowerEq5 = lookup([eq1, eq2, eq3, eq4, eq5 + 1, eq6]);

  // 1b. Severity distance from the first highest vector of this MacroVector that the scored vector
  // does not exceed on any metric.
  const distanceTo = (max: Metrics, abbrev: string): number =>
    LEVELS[abbrev][effective(m, abbrev)] - LEVELS[abbrev][max[abbrev]];
  const allMetrics = Object.values(EQ_METRICS).flat();
  let chosen: Metrics | undefined;
  search: for (const a of EQ1_MAX[eq1]) {
    for (const b of EQ2_MAX[eq2]) {
      for (const c of EQ3EQ6_MAX[eq3][eq6]) {
        for (const d of EQ4_MAX[eq4]) {
          chosen = { ...a, ...b, ...c, ...d };
          if (allMetrics.every((abbrev) => distanceTo(chosen!, abbrev) >= 0)) break search;
        }
      }
    }
  }
  const distance = (metrics: readonly string[]): number =>
    metrics.reduce((sum, abbrev) => sum + distanceTo(chosen!, abbrev), 0);

  // 1c-d. Proportion of each EQ's depth covered, times the score gap to its lower MacroVector.
  // 2. Their mean over the EQs that have a lower MacroVector (EQ5 counts, with proportion 0).
  const parts: number[] = [];
  const add = (lower: number | undefined, proportion: number): void => {
    if (lower !== undefined) parts.push((value - lower) * proportion);
  };
  add(lowerEq1, distance(EQ_METRICS.eq1) / EQ1_DEPTH[eq1]);
  add(lowerEq2, distance(EQ_METRICS.eq2) / EQ2_DEPTH[eq2]);
  add(lowerEq3Eq6, distance(EQ_METRICS.eq3eq6) / EQ3EQ6_DEPTH[eq3][eq6]);
  add(lowerEq4, distance(EQ_METRICS.eq4) / EQ4_DEPTH[eq4]);
  add(lowerEq5, 0);
  const mean = parts.length === 0 ? 0 : parts.reduce((sum, part) => sum + part, 0) / parts.length;

  // 3. The MacroVector's score minus the mean, within 0-10, rounded half up to one decimal.
  return { score: roundHalfUp1(Math.min(10, Math.max(0, value - mean))), macroVector };
};
