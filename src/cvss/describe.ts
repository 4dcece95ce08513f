/**
 * @module Naming the metrics of a CVSS vector for display.
 */
import { VERSION_DEFINITIONS } from './metrics.ts';
import { parseCvssVector } from './parse.ts';
import type { CvssMetricDescription } from './types.ts';

/**
 * The metrics of a vector with their groups and full names, in the specification's order
 * (whatever order the vector used), only those the vector writes. `undefined` if the vector is
 * invalid (ask {@link parseCvssVector} why).
 *
 * @example
 * describeCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')[0]
 * // { group: 'Base', metric: 'AV', name: 'Attack Vector', value: 'N', valueName: 'Network' }
 */
export const describeCvss = (vector: string): CvssMetricDescription[] | undefined => {
  const parsed = parseCvssVector(vector);
  if (!parsed.ok) return undefined;
  const described: CvssMetricDescription[] = [];
  for (const metric of VERSION_DEFINITIONS[parsed.version].metrics) {
    const value = parsed.metrics[metric.abbrev];
    if (value === undefined) continue;
    described.push({
      group: metric.group,
      metric: metric.abbrev,
      name: metric.name,
      value,
      valueName: metric.values.get(value)!,
    });
  }
  return described;
};
