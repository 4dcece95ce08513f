/**
 * Random vectors setting every group's metrics (fixtures/README.md) score as an independent
 * implementation computed: covers the v4.0 Modified metrics and v2/v3 environmental combinations
 * beyond the shared suite.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scoreCvss } from './index.ts';

type Expected = number | readonly [number, number | null, number | null];

const cases = readFileSync(join(import.meta.dirname, 'fixtures', 'random-vectors.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as [string, Expected]);

test('random vectors of every version and group score as expected', (t) => {
  const failures: string[] = [];
  for (const [vector, expected] of cases) {
    const scored = scoreCvss(vector);
    if (!scored.ok) {
      failures.push(`${vector}: ${scored.reason}`);
      continue;
    }
    const actual: Expected =
      scored.version === '4.0'
        ? scored.score
        : [
            scored.baseScore,
            typeof expected !== 'number' && expected[1] === null ? null : scored.temporalScore,
            typeof expected !== 'number' && expected[2] === null ? null : scored.environmentalScore,
          ];
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      failures.push(`${vector}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  }
  t.diagnostic(`${cases.length - failures.length}/${cases.length} pass`);
  assert.equal(cases.length, 800);
  assert.deepEqual(failures, []);
});
