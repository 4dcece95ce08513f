import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseEpss, parseEpssComment, readEpss } from './epss.ts';
import { EnrichError } from './errors.ts';
import { FIXTURES_DIR } from './test-data.ts';

// No EPSS file is shared: fixtures/epss-sample.csv is hand-written in FIRST's public format (see fixtures/README.md).
const fixture = () => readFileSync(join(FIXTURES_DIR, 'epss-sample.csv'));

test('the header comment gives model version and score date; rows are checked', async () => {
  const { header, scores, issues } = await parseEpss(fixture());
  assert.deepEqual(header, { modelVersion: 'v2025.03.14', scoreDate: '2025-03-20T00:00:00.000Z' });
  assert.equal(scores.length, 7);
  assert.deepEqual(scores[0], { cveId: 'CVE-1999-0001', epss: 0.01055, percentile: 0.77003, line: 3 });
  assert.equal(scores[6].epss, 0.0001);
  assert.deepEqual(issues.map((i) => [i.code, i.line, i.field]), [
    ['FIELD_INVALID', 10, 'epss'],
    ['FIELD_INVALID', 11, 'cve'],
    ['FIELD_MISSING', 12, 'epss'],
    ['RECORD_MALFORMED', 13, undefined],
  ]);
  assert.equal(issues[0].message, 'line 10, epss is not a number in [0, 1]: "1.5" (CVE-2021-3002)');
});

test('gzip gives the same; the header comes first when streaming', async () => {
  assert.deepEqual(await parseEpss(gzipSync(fixture())), await parseEpss(fixture()));
  const kinds: string[] = [];
  for await (const ev of readEpss(fixture())) kinds.push(ev.kind);
  assert.equal(kinds[0], 'header');
  assert.equal(kinds.at(-1), 'end');
});

test('a file without the comment is refused unless allowed; a bad header is refused', async () => {
  const bare = Buffer.from('cve,epss,percentile\nCVE-2021-44228,0.9,0.99\n');
  await assert.rejects(parseEpss(bare), (e: unknown) => e instanceof EnrichError && e.code === 'ENRICH_EPSS_HEADER');
  assert.equal((await parseEpss(bare, { requireHeader: false })).scores.length, 1);
  await assert.rejects(parseEpss(Buffer.from('#model_version:v1,score_date:2022-01-01\ncve,score\n')), (e: unknown) => e instanceof EnrichError && e.code === 'ENRICH_CSV');
});

test('comment parsing, including numbers that only look like numbers', () => {
  assert.deepEqual(parseEpssComment('model_version:v2023.03.01,score_date:2023-03-07T00:00:00+0000'), { modelVersion: 'v2023.03.01', scoreDate: '2023-03-07T00:00:00.000Z' });
  assert.deepEqual(parseEpssComment('score_date:not a date'), {});
});

test('numbers outside [0, 1] or not plain decimals are refused', async () => {
  const rows = ['-0.1', 'NaN', '0x1', 'Infinity', '1', '0', '.5'].map((v, i) => `CVE-2020-${String(1000 + i)},${v},0.5`);
  const { scores, issues } = await parseEpss(Buffer.from(`#model_version:v1,score_date:2025-01-01\ncve,epss,percentile\n${rows.join('\n')}\n`));
  assert.deepEqual(scores.map((s) => s.epss), [1, 0, 0.5]);
  assert.equal(issues.length, 4);
});
