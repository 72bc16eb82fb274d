import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  bucketIndex,
  bucketLeavesAt,
  calendarSpan,
  formatResetDuration,
  isValidTimeZone,
  rollingPlan,
  startOfLocalDate,
} from './windows';

const span = (unit: 'Day' | 'Week' | 'Month', zone: string, at: string) => {
  const s = calendarSpan(unit, zone, Date.parse(at));
  return [new Date(s.start).toISOString(), new Date(s.end).toISOString()];
};

describe('rolling windows', () => {
  test('use at most 60 epoch-aligned sub-buckets', () => {
    assert.deepEqual(rollingPlan(60), { kind: 'rolling', bucketMs: 1000, buckets: 60 });
    assert.deepEqual(rollingPlan(3600), { kind: 'rolling', bucketMs: 60_000, buckets: 60 });
    assert.deepEqual(rollingPlan(86400), { kind: 'rolling', bucketMs: 1_440_000, buckets: 60 });
    assert.deepEqual(rollingPlan(7), { kind: 'rolling', bucketMs: 1000, buckets: 7 });
    assert.deepEqual(rollingPlan(90), { kind: 'rolling', bucketMs: 2000, buckets: 45 });
  });

  test('a bucket leaves one window after it started', () => {
    const plan = rollingPlan(60);
    const at = Date.parse('2024-05-01T10:00:30.500Z');
    const idx = bucketIndex(plan, at);
    assert.equal(idx * 1000, Date.parse('2024-05-01T10:00:30Z'));
    assert.equal(bucketLeavesAt(plan, idx), Date.parse('2024-05-01T10:01:30Z'));
  });
});

describe('calendar windows', () => {
  test('UTC days, leap days and month ends', () => {
    assert.deepEqual(span('Day', 'UTC', '2024-02-29T13:00:00Z'), [
      '2024-02-29T00:00:00.000Z',
      '2024-03-01T00:00:00.000Z',
    ]);
    assert.deepEqual(span('Month', 'UTC', '2024-02-15T00:00:00Z'), [
      '2024-02-01T00:00:00.000Z',
      '2024-03-01T00:00:00.000Z',
    ]);
    assert.deepEqual(span('Month', 'UTC', '2023-02-28T23:59:59Z'), [
      '2023-02-01T00:00:00.000Z',
      '2023-03-01T00:00:00.000Z',
    ]);
    assert.deepEqual(span('Month', 'UTC', '2024-12-31T23:59:59Z'), [
      '2024-12-01T00:00:00.000Z',
      '2025-01-01T00:00:00.000Z',
    ]);
    assert.deepEqual(span('Month', 'UTC', '2025-01-01T00:00:00Z'), [
      '2025-01-01T00:00:00.000Z',
      '2025-02-01T00:00:00.000Z',
    ]);
  });

  test('weeks start on Monday, also across a year end', () => {
    assert.deepEqual(span('Week', 'UTC', '2024-01-03T12:00:00Z'), [
      '2024-01-01T00:00:00.000Z',
      '2024-01-08T00:00:00.000Z',
    ]);
    assert.deepEqual(span('Week', 'UTC', '2024-01-07T23:59:59Z'), [
      '2024-01-01T00:00:00.000Z',
      '2024-01-08T00:00:00.000Z',
    ]);
    assert.deepEqual(span('Week', 'UTC', '2024-01-08T00:00:00Z'), [
      '2024-01-08T00:00:00.000Z',
      '2024-01-15T00:00:00.000Z',
    ]);
    assert.deepEqual(span('Week', 'UTC', '2024-12-31T12:00:00Z'), [
      '2024-12-30T00:00:00.000Z',
      '2025-01-06T00:00:00.000Z',
    ]);
  });

  test('America/New_York: the spring day has 23 hours, the autumn day 25', () => {
    assert.deepEqual(span('Day', 'America/New_York', '2024-03-10T12:00:00Z'), [
      '2024-03-10T05:00:00.000Z',
      '2024-03-11T04:00:00.000Z',
    ]);
    assert.deepEqual(span('Day', 'America/New_York', '2024-11-03T12:00:00Z'), [
      '2024-11-03T04:00:00.000Z',
      '2024-11-04T05:00:00.000Z',
    ]);
    // 03:00Z on March 1st is still February 29th in New York
    assert.deepEqual(span('Month', 'America/New_York', '2024-03-01T03:00:00Z'), [
      '2024-02-01T05:00:00.000Z',
      '2024-03-01T05:00:00.000Z',
    ]);
    // a week that holds the spring change lasts 167 hours
    const w = calendarSpan('Week', 'America/New_York', Date.parse('2024-03-08T12:00:00Z'));
    assert.equal((w.end - w.start) / 3600_000, 167);
  });

  test('half- and quarter-hour zones: Asia/Kolkata, Pacific/Chatham', () => {
    assert.deepEqual(span('Day', 'Asia/Kolkata', '2024-06-15T20:00:00Z'), [
      '2024-06-15T18:30:00.000Z',
      '2024-06-16T18:30:00.000Z',
    ]);
    assert.deepEqual(span('Day', 'Pacific/Chatham', '2024-01-10T00:00:00Z'), [
      '2024-01-09T10:15:00.000Z',
      '2024-01-10T10:15:00.000Z',
    ]);
    // Chatham leaves daylight time (+13:45 -> +12:45) on 2024-04-07: a 25-hour day
    assert.deepEqual(span('Day', 'Pacific/Chatham', '2024-04-06T12:00:00Z'), [
      '2024-04-06T10:15:00.000Z',
      '2024-04-07T11:15:00.000Z',
    ]);
  });

  test('a day whose midnight falls in a DST gap starts at the first instant that exists', () => {
    // America/Santiago jumps from 00:00 to 01:00 on 2024-09-08
    assert.equal(
      new Date(startOfLocalDate('America/Santiago', { year: 2024, month: 9, day: 8 })).toISOString(),
      '2024-09-08T04:00:00.000Z',
    );
  });

  test('an unknown time zone falls back to UTC', () => {
    assert.equal(isValidTimeZone('Mars/Olympus_Mons'), false);
    assert.equal(isValidTimeZone('Europe/Paris'), true);
    assert.deepEqual(span('Day', 'Mars/Olympus_Mons', '2024-02-29T13:00:00Z'), [
      '2024-02-29T00:00:00.000Z',
      '2024-03-01T00:00:00.000Z',
    ]);
  });

  test('cached spans still move on at the boundary', () => {
    const end = calendarSpan('Day', 'Europe/Paris', Date.parse('2024-07-01T12:00:00Z')).end;
    assert.equal(new Date(end).toISOString(), '2024-07-01T22:00:00.000Z');
    assert.equal(calendarSpan('Day', 'Europe/Paris', end).start, end);
    assert.equal(calendarSpan('Day', 'Europe/Paris', end - 1).end, end);
  });
});

test('reset durations are written the way OpenAI writes them', () => {
  assert.equal(formatResetDuration(20), '20ms');
  assert.equal(formatResetDuration(1000), '1s');
  assert.equal(formatResetDuration(1500), '2s');
  assert.equal(formatResetDuration(360_000), '6m0s');
  assert.equal(formatResetDuration(3_723_000), '1h2m3s');
  assert.equal(formatResetDuration(0), '0s');
});
