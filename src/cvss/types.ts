/**
 * @module Types shared by the CVSS parser, scorers, describer and builder.
 */

/** The CVSS versions we read: v2.0 (no prefix), v3.0, v3.1 and v4.0 (`CVSS:x.y/` prefix). */
export const CVSS_VECTOR_VERSIONS = ['2.0', '3.0', '3.1', '4.0'] as const;
export type CvssVectorVersion = (typeof CVSS_VECTOR_VERSIONS)[number];

/** Metric groups as the specifications name them (v2/v3 Temporal became v4 Threat). */
export const CVSS_GROUPS = ['Base', 'Temporal', 'Threat', 'Environmental', 'Supplemental'] as const;
export type CvssGroup = (typeof CVSS_GROUPS)[number];

/** v2 has no official rating scale; NVD's LOW/MEDIUM/HIGH is the one everybody uses. */
export type CvssV2Severity = 'LOW' | 'MEDIUM' | 'HIGH';
/** v3.x §5 and v4.0 §6 "Qualitative Severity Rating Scale". */
export type CvssV3Severity = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type CvssSeverity = CvssV2Severity | CvssV3Severity;

/** Why a vector was refused; stable, for callers that branch on it. */
export const CVSS_PARSE_ERRORS = {
  EMPTY: 'EMPTY',
  BAD_PREFIX: 'BAD_PREFIX',
  MALFORMED_FIELD: 'MALFORMED_FIELD',
  UNKNOWN_METRIC: 'UNKNOWN_METRIC',
  DUPLICATE_METRIC: 'DUPLICATE_METRIC',
  BAD_VALUE: 'BAD_VALUE',
  MISSING_BASE_METRIC: 'MISSING_BASE_METRIC',
  WRONG_ORDER: 'WRONG_ORDER',
} as const;
export type CvssParseErrorCode = keyof typeof CVSS_PARSE_ERRORS;

export interface CvssParsed {
  readonly ok: true;
  readonly version: CvssVectorVersion;
  /** Metric abbreviation → value abbreviation, exactly as written (including `X` / `ND`). */
  readonly metrics: Readonly<Record<string, string>>;
}

export interface CvssParseFailure {
  readonly ok: false;
  readonly code: CvssParseErrorCode;
  /** One sentence naming the offending part, e.g. `unknown metric "XY"`. */
  readonly reason: string;
}

export type CvssParse = CvssParsed | CvssParseFailure;

/** Scores of a v2.0 or v3.x vector. Temporal and environmental scores are always computed (metrics
 * left out count as Not Defined, which the formulas treat as neutral); `hasTemporal` and
 * `hasEnvironmental` say whether the vector defines any metric of the group. */
export interface CvssV2V3Scores {
  readonly ok: true;
  readonly version: '2.0' | '3.0' | '3.1';
  readonly baseScore: number;
  readonly baseSeverity: CvssSeverity;
  readonly temporalScore: number;
  readonly temporalSeverity: CvssSeverity;
  readonly environmentalScore: number;
  readonly environmentalSeverity: CvssSeverity;
  readonly hasTemporal: boolean;
  readonly hasEnvironmental: boolean;
  /** The most specific score the vector supports: environmental, else temporal, else base. */
  readonly score: number;
  readonly severity: CvssSeverity;
}

/** v4.0 §1.3: which groups fed the score (CVSS-B, CVSS-BT, CVSS-BE or CVSS-BTE). */
export type CvssV4Nomenclature = 'CVSS-B' | 'CVSS-BT' | 'CVSS-BE' | 'CVSS-BTE';

export interface CvssV4Scores {
  readonly ok: true;
  readonly version: '4.0';
  /** The score of the whole vector (Threat and Environmental metrics included). */
  readonly score: number;
  readonly severity: CvssV3Severity;
  readonly nomenclature: CvssV4Nomenclature;
  /** The CVSS-B score: the same vector with its Threat and Environmental metrics left out. */
  readonly baseScore: number;
  readonly baseSeverity: CvssV3Severity;
  /** EQ1..EQ6 levels, e.g. `"101201"`. */
  readonly macroVector: string;
}

export type CvssScores = CvssV2V3Scores | CvssV4Scores;
export type CvssScoreResult = CvssScores | CvssParseFailure;

/** One metric of a vector, named for display. */
export interface CvssMetricDescription {
  readonly group: CvssGroup;
  /** Abbreviation, e.g. `AV`. */
  readonly metric: string;
  /** e.g. `Attack Vector`. */
  readonly name: string;
  /** Value abbreviation, e.g. `N`. */
  readonly value: string;
  /** e.g. `Network`. */
  readonly valueName: string;
}
