// Window arithmetic for budget limits.
//
// Rolling windows are sliding windows made of sub-buckets aligned to the Unix epoch: a window of
// S seconds has buckets of b = ceil(S / 60) seconds and counts the current bucket plus the
// ceil(S / b) - 1 before it (at most 60 buckets; exactly 60 of S/60 seconds when 60 divides S,
// as for a minute, an hour or a day). Usage is recorded in the bucket of the instant it is
// charged and leaves the window when that whole bucket does, so a rolling window forgets usage
// in steps of b, never all at once.
//
// Calendar windows start at local midnight (weeks on Monday, months on the 1st) in an IANA time
// zone and end at the next such midnight, computed with Intl alone: the start of a local date is
// found by bisection over the instants where the zone's local date changes, which is correct
// across DST (a day may last 23 or 25 hours) and in zones whose midnight falls in a DST gap (the
// day then starts at the first instant that exists). Results are cached per (unit, zone) until
// the window ends. An unknown time zone falls back to UTC (isValidTimeZone lets callers warn).
import type { BudgetWindow } from '../config/schema';

export interface RollingPlan {
  kind: 'rolling';
  bucketMs: number;
  buckets: number;
}
export interface CalendarSpan {
  kind: 'calendar';
  /** Inclusive start instant (ms since the epoch). */
  start: number;
  /** Exclusive end instant: the next window's start, when the counter resets. */
  end: number;
}
export type WindowPlan = RollingPlan | CalendarSpan;

export function rollingPlan(seconds: number): RollingPlan {
  const bucketSeconds = Math.max(1, Math.ceil(seconds / 60));
  return { kind: 'rolling', bucketMs: bucketSeconds * 1000, buckets: Math.ceil(seconds / bucketSeconds) };
}

/** The index of the rolling bucket holding `now`. */
export function bucketIndex(plan: RollingPlan, now: number): number {
  return Math.floor(now / plan.bucketMs);
}

/** The instant a bucket leaves the window. */
export function bucketLeavesAt(plan: RollingPlan, index: number): number {
  return (index + plan.buckets) * plan.bucketMs;
}

export function rollingLengthMs(plan: RollingPlan): number {
  return plan.bucketMs * plan.buckets;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const validZones = new Map<string, boolean>();

export function isValidTimeZone(timeZone: string): boolean {
  let ok = validZones.get(timeZone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
      ok = true;
    } catch {
      ok = false;
    }
    validZones.set(timeZone, ok);
  }
  return ok;
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalDate {
  year: number;
  month: number; // 1-12
  day: number;
}

/** The civil date at instant `t` in `timeZone`. */
export function localDate(timeZone: string, t: number): LocalDate {
  const out: LocalDate = { year: 0, month: 0, day: 0 };
  for (const p of formatter(timeZone).formatToParts(t)) {
    if (p.type === 'year') out.year = Number(p.value);
    else if (p.type === 'month') out.month = Number(p.value);
    else if (p.type === 'day') out.day = Number(p.value);
  }
  return out;
}

function dateKey(d: LocalDate): number {
  return d.year * 10000 + d.month * 100 + d.day;
}

/** Normalises a civil date (day or month may overflow) through UTC arithmetic. */
function civil(year: number, month: number, day: number): LocalDate {
  const t = new Date(Date.UTC(year, month - 1, day));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** The first instant (ms, second resolution) whose local date in `timeZone` is `date` or later. */
export function startOfLocalDate(timeZone: string, date: LocalDate): number {
  const target = dateKey(date);
  const utcMidnight = Date.UTC(date.year, date.month - 1, date.day);
  // UTC offsets lie within [-12:00, +14:00]: lo is still on an earlier date, hi is not.
  let lo = Math.floor((utcMidnight - 14 * 3600_000 - 60_000) / 1000);
  let hi = Math.floor((utcMidnight + 12 * 3600_000) / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (dateKey(localDate(timeZone, mid * 1000)) >= target) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

function computeCalendar(unit: 'Day' | 'Week' | 'Month', timeZone: string, now: number): CalendarSpan {
  const today = localDate(timeZone, now);
  let first: LocalDate;
  let next: LocalDate;
  if (unit === 'Day') {
    first = today;
    next = civil(today.year, today.month, today.day + 1);
  } else if (unit === 'Week') {
    const weekday = new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay(); // 0 = Sunday
    first = civil(today.year, today.month, today.day - ((weekday + 6) % 7));
    next = civil(first.year, first.month, first.day + 7);
  } else {
    first = { year: today.year, month: today.month, day: 1 };
    next = civil(today.year, today.month + 1, 1);
  }
  return {
    kind: 'calendar',
    start: startOfLocalDate(timeZone, first),
    end: startOfLocalDate(timeZone, next),
  };
}

const calendarCache = new Map<string, CalendarSpan>();

/** The calendar window holding `now`. */
export function calendarSpan(unit: 'Day' | 'Week' | 'Month', timeZone: string, now: number): CalendarSpan {
  const zone = isValidTimeZone(timeZone) ? timeZone : 'UTC';
  const cacheKey = `${unit}|${zone}`;
  const cached = calendarCache.get(cacheKey);
  if (cached && cached.start <= now && now < cached.end) return cached;
  const span = computeCalendar(unit, zone, now);
  if (calendarCache.size > 1000) calendarCache.clear();
  calendarCache.set(cacheKey, span);
  return span;
}

/** The plan of a configured window at `now`: the rolling bucket layout or the calendar span. */
export function windowPlan(window: BudgetWindow, now: number): WindowPlan {
  return window.kind === 'Rolling'
    ? rollingPlan(window.seconds)
    : calendarSpan(window.unit, window.timeZone, now);
}

/** A short human description: "60s rolling", "Month (Europe/Paris)". */
export function describeWindow(window: BudgetWindow): string {
  return window.kind === 'Rolling' ? `${window.seconds}s rolling` : `${window.unit} (${window.timeZone})`;
}

/**
 * A duration the way OpenAI's x-ratelimit-reset-* headers write it: "20ms", "1s", "6m0s",
 * "1h0m0s" (whole seconds, rounded up, past one second).
 */
export function formatResetDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
