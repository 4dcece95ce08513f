/**
 * @module Qualitative severity ratings.
 */
import type { CvssSeverity, CvssV2Severity, CvssV3Severity, CvssVectorVersion } from './types.ts';

/** v3.x §5 / v4.0 §6 rating scale: 0.0 None, 0.1-3.9 Low, 4.0-6.9 Medium, 7.0-8.9 High, 9.0-10.0 Critical. */
const v3Severity = (score: number): CvssV3Severity => {
  if (score <= 0) return 'NONE';
  if (score < 4) return 'LOW';
  if (score < 7) return 'MEDIUM';
  if (score < 9) return 'HIGH';
  return 'CRITICAL';
};

/** v2.0 has no rating scale of its own; NVD's is the de facto one: 0.0-3.9 Low, 4.0-6.9 Medium, 7.0-10.0 High. */
const v2Severity = (score: number): CvssV2Severity => {
  if (score < 4) return 'LOW';
  if (score < 7) return 'MEDIUM';
  return 'HIGH';
};

/**
 * The qualitative severity of a score: LOW/MEDIUM/HIGH for v2.0 (NVD's scale), NONE/LOW/MEDIUM/
 * HIGH/CRITICAL for v3.x and v4.0. Scores outside 0-10 throw a RangeError.
 *
 * @example
 * severityOf('3.1', 9.8) // 'CRITICAL'
 * severityOf('2.0', 9.8) // 'HIGH'
 */
export function severityOf(version: '2.0', score: number): CvssV2Severity;
export function severityOf(version: '3.0' | '3.1' | '4.0', score: number): CvssV3Severity;
export function severityOf(version: CvssVectorVersion, score: number): CvssSeverity;
export function severityOf(version: CvssVectorVersion, score: number): CvssSeverity {
  if (!Number.isFinite(score) || score < 0 || score > 10) {
    throw new RangeError(`CVSS score out of range 0-10: ${score}`);
  }
  return version === '2.0' ? v2Severity(score) : v3Severity(score);
}
