/**
 * @module Which CVSS metric of a record lists and CSV rows show.
 */
import type { MetricSummary } from '../cve/index.ts';

const VERSION_RANK: Readonly<Record<string, number>> = { '2.0': 0, '3.0': 1, '3.1': 2, '4.0': 3 };

/**
 * The metric of the newest CVSS version present; among several of that version, the
 * highest score (CNA first on ties). `undefined` when the record has none.
 */
export function highestMetric(metrics: readonly MetricSummary[]): MetricSummary | undefined {
  let best: MetricSummary | undefined;
  for (const m of metrics) {
    if (best === undefined) { best = m; continue; }
    const rank = VERSION_RANK[m.version]! - VERSION_RANK[best.version]!;
    if (rank > 0 || (rank === 0 && m.baseScore > best.baseScore)) best = m;
  }
  return best;
}
