/**
 * @module The metrics of each CVSS version: abbreviations, names, groups, allowed values, in the
 * specifications' order (v2.0 §2 and Table 13; v3.0/v3.1 §6 Table 15; v4.0 §7 Table 23).
 */
import type { CvssGroup, CvssVectorVersion } from './types.ts';

export interface MetricDefinition {
  readonly abbrev: string;
  readonly name: string;
  readonly group: CvssGroup;
  /** Base metrics must all be present (v2.0 §2.4, v3.1 §6, v4.0 §7). */
  readonly mandatory: boolean;
  /** Value abbreviation → value name, in the specification's order. */
  readonly values: ReadonlyMap<string, string>;
  /** The value meaning "Not Defined" (`X`, or `ND` in v2), if the metric has one. */
  readonly notDefined: string | undefined;
}

export interface VersionDefinition {
  readonly version: CvssVectorVersion;
  /** `CVSS:3.1/`; empty for v2, whose vectors carry no prefix. */
  readonly prefix: string;
  /** Whether the specification requires metrics in table order. v2.0 §2.4: "The vector lists these
   * metrics in a predetermined order"; v4.0 §7 lists them in Table 23's order and FIRST's
   * cvss-v4.0.json schema pattern enforces it. v3.x vectors are taken in any order (real records
   * and calculators write them shuffled), though we always build them in Table 15's order. */
  readonly ordered: boolean;
  readonly metrics: readonly MetricDefinition[];
  readonly byAbbrev: ReadonlyMap<string, MetricDefinition>;
  readonly index: ReadonlyMap<string, number>;
}

type ValueList = readonly (readonly [string, string])[];

const metric = (abbrev: string, name: string, group: CvssGroup, values: ValueList): MetricDefinition => {
  const notDefined = values.find(([, valueName]) => valueName === 'Not Defined')?.[0];
  return { abbrev, name, group, mandatory: group === 'Base', values: new Map(values), notDefined };
};

const versionDefinition = (
  version: CvssVectorVersion,
  ordered: boolean,
  metrics: readonly MetricDefinition[],
): VersionDefinition => ({
  version,
  prefix: version === '2.0' ? '' : `CVSS:${version}/`,
  ordered,
  metrics,
  byAbbrev: new Map(metrics.map((m) => [m.abbrev, m])),
  index: new Map(metrics.map((m, i) => [m.abbrev, i])),
});

// --- v2.0 (A Complete Guide to the CVSS Version 2.0, §2.1-2.3, §2.4 vector order) ---
const V2_ND = ['ND', 'Not Defined'] as const;
const V2_CIA: ValueList = [['N', 'None'], ['P', 'Partial'], ['C', 'Complete']];
const V2_REQ: ValueList = [['L', 'Low'], ['M', 'Medium'], ['H', 'High'], V2_ND];

const V2 = versionDefinition('2.0', true, [
  metric('AV', 'Access Vector', 'Base', [['L', 'Local'], ['A', 'Adjacent Network'], ['N', 'Network']]),
  metric('AC', 'Access Complexity', 'Base', [['H', 'High'], ['M', 'Medium'], ['L', 'Low']]),
  metric('Au', 'Authentication', 'Base', [['M', 'Multiple'], ['S', 'Single'], ['N', 'None']]),
  metric('C', 'Confidentiality Impact', 'Base', V2_CIA),
  metric('I', 'Integrity Impact', 'Base', V2_CIA),
  metric('A', 'Availability Impact', 'Base', V2_CIA),
  metric('E', 'Exploitability', 'Temporal', [
    ['U', 'Unproven'], ['POC', 'Proof-of-Concept'], ['F', 'Functional'], ['H', 'High'], V2_ND,
  ]),
  metric('RL', 'Remediation Level', 'Temporal', [
    ['OF', 'Official Fix'], ['TF', 'Temporary Fix'], ['W', 'Workaround'], ['U', 'Unavailable'], V2_ND,
  ]),
  metric('RC', 'Report Confidence', 'Temporal', [
    ['UC', 'Unconfirmed'], ['UR', 'Uncorroborated'], ['C', 'Confirmed'], V2_ND,
  ]),
  metric('CDP', 'Collateral Damage Potential', 'Environmental', [
    ['N', 'None'], ['L', 'Low'], ['LM', 'Low-Medium'], ['MH', 'Medium-High'], ['H', 'High'], V2_ND,
  ]),
  metric('TD', 'Target Distribution', 'Environmental', [
    ['N', 'None'], ['L', 'Low'], ['M', 'Medium'], ['H', 'High'], V2_ND,
  ]),
  metric('CR', 'Confidentiality Requirement', 'Environmental', V2_REQ),
  metric('IR', 'Integrity Requirement', 'Environmental', V2_REQ),
  metric('AR', 'Availability Requirement', 'Environmental', V2_REQ),
]);

// --- v3.0 / v3.1 (Specification Document §2-4, §6 Table 15 vector order) ---
const X = ['X', 'Not Defined'] as const;
const V3_AV: ValueList = [['N', 'Network'], ['A', 'Adjacent Network'], ['L', 'Local'], ['P', 'Physical']];
const V3_AC: ValueList = [['L', 'Low'], ['H', 'High']];
const V3_PR: ValueList = [['N', 'None'], ['L', 'Low'], ['H', 'High']];
const V3_UI: ValueList = [['N', 'None'], ['R', 'Required']];
const V3_S: ValueList = [['U', 'Unchanged'], ['C', 'Changed']];
const V3_CIA: ValueList = [['H', 'High'], ['L', 'Low'], ['N', 'None']];
const V3_REQ: ValueList = [X, ['H', 'High'], ['M', 'Medium'], ['L', 'Low']];

const v3Metrics = (): readonly MetricDefinition[] => [
  metric('AV', 'Attack Vector', 'Base', V3_AV),
  metric('AC', 'Attack Complexity', 'Base', V3_AC),
  metric('PR', 'Privileges Required', 'Base', V3_PR),
  metric('UI', 'User Interaction', 'Base', V3_UI),
  metric('S', 'Scope', 'Base', V3_S),
  metric('C', 'Confidentiality', 'Base', V3_CIA),
  metric('I', 'Integrity', 'Base', V3_CIA),
  metric('A', 'Availability', 'Base', V3_CIA),
  metric('E', 'Exploit Code Maturity', 'Temporal', [
    X, ['H', 'High'], ['F', 'Functional'], ['P', 'Proof-of-Concept'], ['U', 'Unproven'],
  ]),
  metric('RL', 'Remediation Level', 'Temporal', [
    X, ['U', 'Unavailable'], ['W', 'Workaround'], ['T', 'Temporary Fix'], ['O', 'Official Fix'],
  ]),
  metric('RC', 'Report Confidence', 'Temporal', [X, ['C', 'Confirmed'], ['R', 'Reasonable'], ['U', 'Unknown']]),
  metric('CR', 'Confidentiality Requirement', 'Environmental', V3_REQ),
  metric('IR', 'Integrity Requirement', 'Environmental', V3_REQ),
  metric('AR', 'Availability Requirement', 'Environmental', V3_REQ),
  metric('MAV', 'Modified Attack Vector', 'Environmental', [X, ...V3_AV]),
  metric('MAC', 'Modified Attack Complexity', 'Environmental', [X, ...V3_AC]),
  metric('MPR', 'Modified Privileges Required', 'Environmental', [X, ...V3_PR]),
  metric('MUI', 'Modified User Interaction', 'Environmental', [X, ...V3_UI]),
  metric('MS', 'Modified Scope', 'Environmental', [X, ...V3_S]),
  metric('MC', 'Modified Confidentiality', 'Environmental', [X, ...V3_CIA]),
  metric('MI', 'Modified Integrity', 'Environmental', [X, ...V3_CIA]),
  metric('MA', 'Modified Availability', 'Environmental', [X, ...V3_CIA]),
];

const V30 = versionDefinition('3.0', false, v3Metrics());
const V31 = versionDefinition('3.1', false, v3Metrics());

// --- v4.0 (Specification Document §2-5, §7 Table 23 vector order) ---
const V4_AV: ValueList = [['N', 'Network'], ['A', 'Adjacent'], ['L', 'Local'], ['P', 'Physical']];
const V4_AC: ValueList = [['L', 'Low'], ['H', 'High']];
const V4_AT: ValueList = [['N', 'None'], ['P', 'Present']];
const V4_PR: ValueList = [['N', 'None'], ['L', 'Low'], ['H', 'High']];
const V4_UI: ValueList = [['N', 'None'], ['P', 'Passive'], ['A', 'Active']];
const V4_CIA: ValueList = [['H', 'High'], ['L', 'Low'], ['N', 'None']];
const V4_REQ: ValueList = [X, ['H', 'High'], ['M', 'Medium'], ['L', 'Low']];
// v4.0 §4.2: MSI and MSA add Safety (S) above High.
const V4_MSIA: ValueList = [X, ['S', 'Safety'], ...V4_CIA];

const V40 = versionDefinition('4.0', true, [
  metric('AV', 'Attack Vector', 'Base', V4_AV),
  metric('AC', 'Attack Complexity', 'Base', V4_AC),
  metric('AT', 'Attack Requirements', 'Base', V4_AT),
  metric('PR', 'Privileges Required', 'Base', V4_PR),
  metric('UI', 'User Interaction', 'Base', V4_UI),
  metric('VC', 'Vulnerable System Confidentiality Impact', 'Base', V4_CIA),
  metric('VI', 'Vulnerable System Integrity Impact', 'Base', V4_CIA),
  metric('VA', 'Vulnerable System Availability Impact', 'Base', V4_CIA),
  metric('SC', 'Subsequent System Confidentiality Impact', 'Base', V4_CIA),
  metric('SI', 'Subsequent System Integrity Impact', 'Base', V4_CIA),
  metric('SA', 'Subsequent System Availability Impact', 'Base', V4_CIA),
  metric('E', 'Exploit Maturity', 'Threat', [X, ['A', 'Attacked'], ['P', 'POC'], ['U', 'Unreported']]),
  metric('CR', 'Confidentiality Requirements', 'Environmental', V4_REQ),
  metric('IR', 'Integrity Requirements', 'Environmental', V4_REQ),
  metric('AR', 'Availability Requirements', 'Environmental', V4_REQ),
  metric('MAV', 'Modified Attack Vector', 'Environmental', [X, ...V4_AV]),
  metric('MAC', 'Modified Attack Complexity', 'Environmental', [X, ...V4_AC]),
  metric('MAT', 'Modified Attack Requirements', 'Environmental', [X, ...V4_AT]),
  metric('MPR', 'Modified Privileges Required', 'Environmental', [X, ...V4_PR]),
  metric('MUI', 'Modified User Interaction', 'Environmental', [X, ...V4_UI]),
  metric('MVC', 'Modified Vulnerable System Confidentiality', 'Environmental', [X, ...V4_CIA]),
  metric('MVI', 'Modified Vulnerable System Integrity', 'Environmental', [X, ...V4_CIA]),
  metric('MVA', 'Modified Vulnerable System Availability', 'Environmental', [X, ...V4_CIA]),
  metric('MSC', 'Modified Subsequent System Confidentiality', 'Environmental', [X, ...V4_CIA]),
  metric('MSI', 'Modified Subsequent System Integrity', 'Environmental', V4_MSIA),
  metric('MSA', 'Modified Subsequent System Availability', 'Environmental', V4_MSIA),
  metric('S', 'Safety', 'Supplemental', [X, ['N', 'Negligible'], ['P', 'Present']]),
  metric('AU', 'Automatable', 'Supplemental', [X, ['N', 'No'], ['Y', 'Yes']]),
  metric('R', 'Recovery', 'Supplemental', [X, ['A', 'Automatic'], ['U', 'User'], ['I', 'Irrecoverable']]),
  metric('V', 'Value Density', 'Supplemental', [X, ['D', 'Diffuse'], ['C', 'Concentrated']]),
  metric('RE', 'Vulnerability Response Effort', 'Supplemental', [X, ['L', 'Low'], ['M', 'Moderate'], ['H', 'High']]),
  metric('U', 'Provider Urgency', 'Supplemental', [X, ['Clear', 'Clear'], ['Green', 'Green'], ['Amber', 'Amber'], ['Red', 'Red']]),
]);

export const VERSION_DEFINITIONS: Readonly<Record<CvssVectorVersion, VersionDefinition>> = {
  '2.0': V2,
  '3.0': V30,
  '3.1': V31,
  '4.0': V40,
};
