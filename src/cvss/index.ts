/**
 * @module CVSS v2.0, v3.0, v3.1 and v4.0 vectors: parse and validate, score (base, temporal,
 * environmental; v4.0 MacroVector scoring), rate, name the metrics, build canonical vectors.
 * Pure: no I/O.
 */
export type * from './types.ts';
export { CVSS_VECTOR_VERSIONS, CVSS_GROUPS, CVSS_PARSE_ERRORS } from './types.ts';
export { parseCvssVector } from './parse.ts';
export { scoreCvss } from './score.ts';
export { severityOf } from './severity.ts';
export { describeCvss } from './describe.ts';
export { buildCvssVector, CvssVectorError } from './build.ts';
