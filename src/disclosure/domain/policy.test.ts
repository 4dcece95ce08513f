import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMBARGO_PRESETS, applyWeekendRule, checkEmbargoEnd, computeEmbargoEnd, embargoBounds, embargoPolicy } from './policy.ts';
import type { WeekendRule } from './policy.ts';
import { addLocalDays, formatZoned, instantFromWallTime, instantMs, zonedWallTime } from './time.ts';

const CPH = 'Europe/Copenhagen';
const NYC = 'America/New_York';

describe('embargo policy', () => {
  it('defaults to 90 days within 60–90, ending 23:59:59 local, weekend to Monday', () => {
    assert.deepEqual(embargoPolicy({ timeZone: CPH }), {
      timeZone: CPH, defaultDays: 90, minDays: 60, maxDays: 90, graceDays: 0,
      endOfDay: { hour: 23, minute: 59, second: 59 }, weekend: 'next-monday',
    });
  });

  const PRESETS: readonly [keyof typeof EMBARGO_PRESETS, number, number, number, number][] = [
    ['cert', 45, 45, 90, 0], ['default', 90, 60, 90, 0], ['zdi', 120, 60, 120, 0], ['projectZero', 90, 60, 90, 30],
  ];
  for (const [preset, def, min, max, grace] of PRESETS) {
    it(`preset ${preset}: ${def} days, bounds ${min}–${max}, grace ${grace}`, () => {
      const p = embargoPolicy({ timeZone: NYC, preset });
      assert.deepEqual([p.defaultDays, p.minDays, p.maxDays, p.graceDays], [def, min, max, grace]);
    });
  }

  it('takes configured bounds and rejects inconsistent ones', () => {
    const p = embargoPolicy({ timeZone: CPH, minDays: 30, maxDays: 180, defaultDays: 120, weekend: 'keep' });
    assert.deepEqual([p.minDays, p.defaultDays, p.maxDays, p.weekend], [30, 120, 180, 'keep']);
    assert.throws(() => embargoPolicy({ timeZone: CPH, minDays: 95 }), { code: 'INVALID_POLICY' });
    assert.throws(() => embargoPolicy({ timeZone: CPH, defaultDays: 1.5 }), { code: 'INVALID_POLICY' });
    assert.throws(() => embargoPolicy({ timeZone: CPH, endOfDay: { hour: 24, minute: 0, second: 0 } }), { code: 'INVALID_POLICY' });
    assert.throws(() => embargoPolicy({ timeZone: CPH, weekend: 'sunday' as WeekendRule }), { code: 'INVALID_POLICY' });
    assert.throws(() => embargoPolicy({ timeZone: 'Mars/Olympus_Mons' }), { code: 'INVALID_TIME_ZONE' });
  });
});

describe('computeEmbargoEnd', () => {
  const cph = embargoPolicy({ timeZone: CPH });
  const nyc = embargoPolicy({ timeZone: NYC });

  it('90 days from before the March change ends at 23:59:59 CEST (Copenhagen)', () => {
    // Friday 2025-01-03 10:00 CET; clocks go forward on 2025-03-30.
    const e = computeEmbargoEnd('2025-01-03T09:00:00.000Z', 90, cph);
    assert.equal(e, '2025-04-03T21:59:59.000Z');
    assert.equal(formatZoned(e, CPH), '2025-04-03 23:59:59 CEST (UTC+02:00)');
  });

  it('90 days from before the March change ends at 23:59:59 EDT (New York)', () => {
    // Tuesday 2024-12-10 10:00 EST; clocks go forward on 2025-03-09.
    const e = computeEmbargoEnd('2024-12-10T15:00:00.000Z', 90, nyc);
    assert.equal(e, '2025-03-11T03:59:59.000Z');
    assert.equal(formatZoned(e, NYC), '2025-03-10 23:59:59 EDT (UTC-04:00)');
  });

  it('across the autumn change ends at 23:59:59 standard time', () => {
    assert.equal(formatZoned(computeEmbargoEnd('2025-08-01T08:00:00.000Z', 90, cph), CPH), '2025-10-30 23:59:59 CET (UTC+01:00)');
    assert.equal(formatZoned(computeEmbargoEnd('2025-08-14T14:00:00.000Z', 90, nyc), NYC), '2025-11-12 23:59:59 EST (UTC-05:00)');
  });

  it('counts from the local date of the start, not the UTC date', () => {
    // 2025-01-03 23:30 in New York is already 2025-01-04 in UTC.
    assert.equal(formatZoned(computeEmbargoEnd('2025-01-04T04:30:00.000Z', 45, nyc), NYC), '2025-02-17 23:59:59 EST (UTC-05:00)');
  });

  const WEEKEND: readonly [WeekendRule, string][] = [
    ['next-monday', '2025-04-07 23:59:59 CEST (UTC+02:00)'],
    ['previous-friday', '2025-04-04 23:59:59 CEST (UTC+02:00)'],
    ['keep', '2025-04-05 23:59:59 CEST (UTC+02:00)'],
  ];
  for (const [weekend, expected] of WEEKEND) {
    it(`an end on Saturday with weekend rule ${weekend}`, () => {
      // Sunday 2025-01-05 + 90 days = Saturday 2025-04-05.
      assert.equal(formatZoned(computeEmbargoEnd('2025-01-05T11:00:00.000Z', 90, { ...cph, weekend }), CPH), expected);
    });
  }

  it('a Friday end stays on Friday', () => {
    assert.equal(formatZoned(computeEmbargoEnd('2025-01-03T09:00:00.000Z', 91, cph), CPH), '2025-04-04 23:59:59 CEST (UTC+02:00)');
  });

  it('counts 29 February in a leap year', () => {
    const keep = { ...cph, weekend: 'keep' as const };
    assert.equal(formatZoned(computeEmbargoEnd('2024-02-01T09:00:00.000Z', 29, keep), CPH), '2024-03-01 23:59:59 CET (UTC+01:00)');
    assert.equal(formatZoned(computeEmbargoEnd('2023-02-01T09:00:00.000Z', 29, keep), CPH), '2023-03-02 23:59:59 CET (UTC+01:00)');
    // 2024-03-02 is a Saturday.
    assert.equal(formatZoned(computeEmbargoEnd('2024-02-01T09:00:00.000Z', 30, cph), CPH), '2024-03-04 23:59:59 CET (UTC+01:00)');
  });

  it('uses a configured end of day', () => {
    const noon = { ...cph, endOfDay: { hour: 12, minute: 0, second: 0 } };
    assert.equal(computeEmbargoEnd('2025-01-03T09:00:00.000Z', 90, noon), '2025-04-03T10:00:00.000Z');
    assert.throws(() => computeEmbargoEnd('2025-01-03T09:00:00.000Z', -1, cph), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => computeEmbargoEnd('2025-01-03 09:00', 90, cph), { code: 'INVALID_INSTANT' });
  });

  it('bounds: from the start of day min to the end of day max (weekend rule included)', () => {
    const b = embargoBounds('2025-01-03T09:00:00.000Z', cph);
    assert.equal(formatZoned(b.earliest, CPH), '2025-03-04 00:00:00 CET (UTC+01:00)');
    assert.equal(formatZoned(b.latest, CPH), '2025-04-03 23:59:59 CEST (UTC+02:00)');
    const weekend = embargoBounds('2025-01-05T11:00:00.000Z', cph);
    assert.equal(formatZoned(weekend.latest, CPH), '2025-04-07 23:59:59 CEST (UTC+02:00)');
    checkEmbargoEnd('2025-01-05T11:00:00.000Z', computeEmbargoEnd('2025-01-05T11:00:00.000Z', 90, cph), cph);
    assert.throws(() => checkEmbargoEnd('2025-01-03T09:00:00.000Z', '2025-03-03T22:59:59.000Z', cph), { code: 'EMBARGO_OUT_OF_BOUNDS' });
    assert.throws(() => checkEmbargoEnd('2025-01-03T09:00:00.000Z', '2025-04-03T22:00:00.000Z', cph), { code: 'EMBARGO_OUT_OF_BOUNDS' });
  });

  it('moves weekend days as told', () => {
    assert.deepEqual(applyWeekendRule({ year: 2025, month: 4, day: 6 }, 'next-monday'), { year: 2025, month: 4, day: 7 });
    assert.deepEqual(applyWeekendRule({ year: 2025, month: 4, day: 6 }, 'previous-friday'), { year: 2025, month: 4, day: 4 });
    assert.deepEqual(applyWeekendRule({ year: 2025, month: 4, day: 2 }, 'next-monday'), { year: 2025, month: 4, day: 2 });
  });
});

describe('zoned time', () => {
  it('turns wall times into instants, the first of a repeated hour, after a skipped one', () => {
    const wall = (year: number, month: number, day: number, hour: number, minute = 30) => ({ year, month, day, hour, minute, second: 0 });
    assert.equal(instantFromWallTime(wall(2025, 3, 30, 2), CPH), '2025-03-30T01:30:00.000Z'); // skipped: 03:30 CEST
    assert.equal(instantFromWallTime(wall(2025, 10, 26, 2), CPH), '2025-10-26T00:30:00.000Z'); // twice: CEST first
    assert.equal(instantFromWallTime(wall(2025, 3, 9, 2), NYC), '2025-03-09T07:30:00.000Z');   // skipped: 03:30 EDT
    assert.equal(instantFromWallTime(wall(2025, 11, 2, 1), NYC), '2025-11-02T05:30:00.000Z');  // twice: EDT first
    assert.equal(instantFromWallTime(wall(2025, 6, 1, 12), 'Asia/Kolkata'), '2025-06-01T07:00:00.000Z');
  });

  it('adds local days keeping the wall time across DST', () => {
    assert.equal(addLocalDays('2025-03-28T09:00:00.000Z', 5, CPH), '2025-04-02T08:00:00.000Z');
    assert.equal(addLocalDays('2025-10-24T08:00:00.000Z', 5, CPH), '2025-10-29T09:00:00.000Z');
    assert.equal(addLocalDays('2025-03-07T14:00:00.000Z', 3, NYC), '2025-03-10T13:00:00.000Z');
    assert.equal(addLocalDays('2025-04-02T08:00:00.000Z', -5, CPH), '2025-03-28T09:00:00.000Z');
  });

  it('reads weekday and offset', () => {
    const w = zonedWallTime('2025-04-03T21:59:59.000Z', CPH);
    assert.deepEqual(w, { year: 2025, month: 4, day: 3, hour: 23, minute: 59, second: 59, weekday: 4, offsetMinutes: 120 });
    assert.equal(zonedWallTime('2025-01-04T04:30:00.000Z', NYC).day, 3);
  });

  it('formats with the zone name where one exists, else the offset alone', () => {
    assert.equal(formatZoned('2025-04-01T21:59:59.000Z', CPH), '2025-04-01 23:59:59 CEST (UTC+02:00)');
    assert.equal(formatZoned('2025-01-01T22:59:59.000Z', CPH), '2025-01-01 23:59:59 CET (UTC+01:00)');
    assert.equal(formatZoned('2025-07-04T03:59:59.000Z', NYC), '2025-07-03 23:59:59 EDT (UTC-04:00)');
    assert.equal(formatZoned('2025-04-01T14:59:59.000Z', 'Asia/Tokyo'), '2025-04-01 23:59:59 UTC+09:00');
    assert.equal(formatZoned('2025-04-01T18:29:59.000Z', 'Asia/Kolkata').endsWith('UTC+05:30'), true);
  });

  it('refuses instants that are not UTC', () => {
    for (const bad of ['2025-04-01T12:00:00', '2025-04-01T12:00:00+02:00', '2025-13-01T00:00:00Z', '', 'yesterday']) {
      assert.throws(() => instantMs(bad), { code: 'INVALID_INSTANT' }, bad);
    }
  });
});
