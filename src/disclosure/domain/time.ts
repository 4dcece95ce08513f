/**
 * Instants, IANA time zones and local wall times, computed with `Intl.DateTimeFormat`
 * only (no library, no clock reads). An instant is an ISO 8601 UTC string as
 * `Date.prototype.toISOString` writes it; that is the form stored and compared.
 */
import { DisclosureError } from './errors.ts';

/** An ISO 8601 UTC instant, e.g. `2025-04-01T21:59:59.000Z`. */
export type Instant = string;

/** A calendar date without a zone. `month` is 1–12. */
export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** A local date and time in some zone, without the zone. */
export interface WallTime extends CivilDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** A wall time as seen in a zone at a given instant. `weekday` is ISO: 1 = Monday … 7 = Sunday. */
export interface ZonedWallTime extends WallTime {
  readonly weekday: number;
  /** Minutes east of UTC in force at that instant (CEST = 120, EST = -300). */
  readonly offsetMinutes: number;
}

const DAY_MS = 86_400_000;
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/**
 * Milliseconds since the epoch of an ISO 8601 UTC instant; throws `INVALID_INSTANT`
 * for anything else (local times without `Z` are ambiguous, so they are refused).
 */
export function instantMs(instant: Instant): number {
  const ms = INSTANT_RE.test(instant) ? Date.parse(instant) : Number.NaN;
  if (!Number.isFinite(ms)) throw new DisclosureError('INVALID_INSTANT', `not an ISO 8601 UTC instant: "${String(instant).slice(0, 40)}"`, { instant });
  return ms;
}

/** The normalized instant for epoch milliseconds (`toISOString` form). */
export function toInstant(ms: number): Instant {
  return new Date(ms).toISOString();
}

/** Adds (or with a negative value subtracts) exact milliseconds to an instant. */
export function addMs(instant: Instant, ms: number): Instant {
  return toInstant(instantMs(instant) + ms);
}

/** Compares two instants: negative, zero or positive like `Array.prototype.sort` wants. */
export function compareInstants(a: Instant, b: Instant): number {
  return instantMs(a) - instantMs(b);
}

// Formatters are costly to build; one per zone is kept. The cache holds no state
// that changes a result, so the functions stay pure.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone, hourCycle: 'h23', weekday: 'short',
        year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      throw new DisclosureError('INVALID_TIME_ZONE', `unknown time zone "${String(timeZone).slice(0, 60)}"`, { timeZone });
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws `INVALID_TIME_ZONE` unless the runtime knows the IANA zone. */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

const WEEKDAYS: Readonly<Record<string, number>> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function zonedAtMs(ms: number, timeZone: string): ZonedWallTime {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  const wall = {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second),
  };
  // The formatter shows whole seconds, so compare against the instant floored to a second;
  // sub-minute offsets (local mean time before ~1900) round to whole minutes.
  const utcOfWall = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const offsetMinutes = Math.round((utcOfWall - Math.floor(ms / 1000) * 1000) / 60_000);
  return { ...wall, weekday: WEEKDAYS[parts.weekday] ?? 0, offsetMinutes };
}

/** The local wall time, weekday and UTC offset of an instant in a zone. */
export function zonedWallTime(instant: Instant, timeZone: string): ZonedWallTime {
  return zonedAtMs(instantMs(instant), timeZone);
}

function offsetMsAt(ms: number, timeZone: string): number {
  return zonedAtMs(ms, timeZone).offsetMinutes * 60_000;
}

/**
 * The instant at which a zone's clocks show `wall`. Like Temporal's `compatible`
 * disambiguation: a wall time that occurs twice (clocks set back) is taken at its
 * first occurrence; one that never occurs (clocks set forward) is moved forward by
 * the length of the gap (02:30 on a spring-forward night in New York is 03:30 EDT).
 */
export function instantFromWallTime(wall: WallTime, timeZone: string): Instant {
  const local = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const before = offsetMsAt(local - DAY_MS, timeZone);
  const after = offsetMsAt(local + DAY_MS, timeZone);
  const candidates = [...new Set([before, after])]
    .map((offset) => local - offset)
    .filter((ms) => local - offsetMsAt(ms, timeZone) === ms)
    .sort((a, b) => a - b);
  return toInstant(candidates[0] ?? local - before);
}

/** The civil date `days` days after `date` (negative goes back). */
export function addCivilDays(date: CivilDate, days: number): CivilDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** ISO weekday of a civil date: 1 = Monday … 7 = Sunday. */
export function civilWeekday(date: CivilDate): number {
  const js = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return js === 0 ? 7 : js;
}

/**
 * The instant showing the same local wall time `days` calendar days later in the zone.
 * Across a DST change this is 23 or 25 hours per day crossed, not 24: "in 5 days"
 * means the same time on the clock, as people read it.
 */
export function addLocalDays(instant: Instant, days: number, timeZone: string): Instant {
  const w = zonedWallTime(instant, timeZone);
  const date = addCivilDays(w, days);
  return instantFromWallTime({ ...date, hour: w.hour, minute: w.minute, second: w.second }, timeZone);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `+02:00` / `-05:00` for an offset in minutes. */
export function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// en-US knows the North American abbreviations (EST), en-GB the European ones (CEST);
// where neither has a name ICU answers "GMT+9", which says no more than the offset.
const abbreviationFormatters = new Map<string, readonly Intl.DateTimeFormat[]>();

function zoneAbbreviation(ms: number, timeZone: string): string | undefined {
  let fs = abbreviationFormatters.get(timeZone);
  if (fs === undefined) {
    fs = ['en-US', 'en-GB'].map((locale) => new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }));
    abbreviationFormatters.set(timeZone, fs);
  }
  for (const f of fs) {
    const name = f.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value;
    if (name !== undefined && !/^(GMT|UTC)[+-]/.test(name)) return name;
  }
  return undefined;
}

/**
 * An instant as its local wall time with the zone's abbreviation and offset.
 *
 * @example
 * formatZoned('2025-04-01T21:59:59.000Z', 'Europe/Copenhagen') // '2025-04-01 23:59:59 CEST (UTC+02:00)'
 * formatZoned('2025-04-01T14:59:59.000Z', 'Asia/Tokyo')        // '2025-04-01 23:59:59 UTC+09:00'
 */
export function formatZoned(instant: Instant, timeZone: string): string {
  const ms = instantMs(instant);
  const w = zonedAtMs(ms, timeZone);
  const local = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
  const offset = `UTC${formatOffset(w.offsetMinutes)}`;
  const abbr = zoneAbbreviation(ms, timeZone);
  return abbr === undefined ? `${local} ${offset}` : `${local} ${abbr} (${offset})`;
}
