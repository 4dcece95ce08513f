/**
 * @module Scoring a CVSS vector of any version.
 */
import { VERSION_DEFINITIONS } from './metrics.ts';
import { parseCvssVector } from './parse.ts';
import { scoreV2 } from './score-v2.ts';
import { scoreV3 } from './score-v3.ts';
import { scoreV4 } from './score-v4.ts';
import { severityOf } from './severity.ts';
import type { CvssGroup, CvssParsed, CvssScoreResult, CvssV4Nomenclature } from './types.ts';

/** Whether the vector gives some metric of `group` a value other than Not Defined. */
const defines = (parsed: CvssParsed, group: CvssGroup): boolean =>
  VERSION_DEFINITIONS[parsed.version].metrics.some((metric) => {
    const value = parsed.metrics[metric.abbrev];
    return metric.group === group && value !== undefined && value !== metric.notDefined;
  });

const scoreParsed = (parsed: CvssParsed): CvssScoreResult => {
  const { version, metrics } = parsed;
  if (version === '4.0') {
    const { score, macroVector } = scoreV4(metrics);
    const base = Object.fromEntries(
      VERSION_DEFINITIONS['4.0'].metrics.filter((m) => m.group === 'Base').map((m) => [m.abbrev, metrics[m.abbrev]]),
    );
    const baseScore = scoreV4(base).score;
    const threat = defines(parsed, 'Threat');
    const environmental = defines(parsed, 'Environmental');
    const nomenclature: CvssV4Nomenclature = `CVSS-B${threat ? 'T' : ''}${environmental ? 'E' : ''}` as CvssV4Nomenclature;
    return {
      ok: true,
      version,
      score,
      severity: severityOf(version, score),
      nomenclature,
      baseScore,
      baseSeverity: severityOf(version, baseScore),
      macroVector,
    };
  }
  const { base, temporal, environmental } = version === '2.0' ? scoreV2(metrics) : scoreV3(metrics, version);
  const hasTemporal = defines(parsed, 'Temporal');
  const hasEnvironmental = defines(parsed, 'Environmental');
  const score = hasEnvironmental ? environmental : hasTemporal ? temporal : base;
  return {
    ok: true,
    version,
    baseScore: base,
    baseSeverity: severityOf(version, base),
    temporalScore: temporal,
    temporalSeverity: severityOf(version, temporal),
    environmentalScore: environmental,
    environmentalSeverity: severityOf(version, environmental),
    hasTemporal,
    hasEnvironmental,
    score,
    severity: severityOf(version, score),
  };
};

/**
 * Scores a CVSS vector. v2.0 and v3.x: base, temporal and environmental scores (the last two always
 * computed; metrics left out are Not Defined) and `score`, the most specific of them. v4.0: the
 * score of the whole vector (CVSS-B, -BT, -BE or -BTE, per §1.3 nomenclature), and the CVSS-B score
 * of its base metrics alone. Severities per {@link severityOf}. An invalid vector gives the
 * parser's failure.
 *
 * @example
 * scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')
 * // { ok: true, version: '3.1', baseScore: 9.8, baseSeverity: 'CRITICAL', score: 9.8, … }
 * scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U')
 * // { ok: true, version: '4.0', score: 8.1, nomenclature: 'CVSS-BT', baseScore: 9.3, … }
 */
export const scoreCvss = (vector: string): CvssScoreResult => {
  const parsed = parseCvssVector(vector);
  return parsed.ok ? scoreParsed(parsed) : parsed;
};
