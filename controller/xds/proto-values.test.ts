// The well-known value builders: Durations as protobuf puts them on the wire.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duration } from './proto-values';

void test('duration splits milliseconds into seconds and nanos, leaving zero parts out', () => {
  assert.deepEqual(duration(0), {});
  assert.deepEqual(duration(250), { nanos: 250_000_000 });
  assert.deepEqual(duration(120_000), { seconds: 120 });
  assert.deepEqual(duration(1500), { seconds: 1, nanos: 500_000_000 });
  assert.deepEqual(duration(0.5), { nanos: 500_000 });
  assert.deepEqual(duration(999.9999999), { seconds: 1 });
});

void test('duration rejects what is not a length of time', () => {
  assert.throws(() => duration(-1), /ms >= 0/);
  assert.throws(() => duration(Number.NaN), /ms >= 0/);
});
