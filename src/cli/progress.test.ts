import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { formatDuration, renderProgress } from './progress.ts';

test('the bar shows share done, count, rate and time left when the total is known', () => {
  const line = renderProgress({ done: 2500, total: 10000 }, 5);
  assert.match(line, /^\[#{7}\.{21}\]  25\.0% 2,500\/10,000 records  500 records\/s  ETA 00:15$/);
});

test('without a count total it uses bytes; without either it shows count, rate and elapsed time', () => {
  assert.match(renderProgress({ done: 10, bytes: 50, totalBytes: 200 }, 2), / 25\.0% 10 records .*ETA 00:06/);
  assert.equal(renderProgress({ done: 1200, label: 'delta' }, 60), 'delta 1,200 records  20 records/s  01:00');
});

test('a phase after the items replaces the bar: what was read, what is being done, time so far', () => {
  assert.equal(
    renderProgress({ done: 300000, total: 300000, phase: 'building indexes and full text' }, 61),
    '300,000 records read; building indexes and full text…  01:01',
  );
  assert.equal(renderProgress({ done: 5, phase: 'x', label: 'baseline' }, 1), 'baseline 5 records read; x…  00:01');
});

test('durations read as mm:ss or h:mm:ss; unknown as --:--', () => {
  assert.equal(formatDuration(59.4), '00:59');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(Number.NaN), '--:--');
});
