// The conformance suite every BudgetStore passes (memory-store.test.ts, redis-store.test.ts).
// Instants are Date.now()-based with explicit offsets: the Redis store sets real key expiries.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { BudgetStore, ReserveCounter } from './store';
import { calendarSpan, rollingPlan } from './windows';

export function storeSuite(name: string, open: () => Promise<BudgetStore>): void {
  const withStore = async (fn: (store: BudgetStore, key: (k: string) => string) => Promise<void>) => {
    const store = await open();
    const ns = randomUUID();
    try {
      await fn(store, (k) => `test/${ns}:${k}`);
    } finally {
      await store.close();
    }
  };
  const day = (now: number) => calendarSpan('Day', 'UTC', now);
  const ttlMs = 60_000;

  describe(`${name} budget store`, () => {
    test('admits up to the limit and refuses past it', () =>
      withStore(async (store, key) => {
        const now = Date.now();
        const c = (amount: number): ReserveCounter => ({
          key: key('a'),
          plan: day(now),
          limit: 100,
          amount,
          check: true,
        });
        const first = await store.reserve('r1', [c(60)], { now, ttlMs, subjects: [] });
        assert.equal(first.admitted, true);
        assert.equal(first.counters[0]?.reserved, 60);
        const second = await store.reserve('r2', [c(50)], { now, ttlMs, subjects: [] });
        assert.equal(second.admitted, false);
        assert.equal(second.counters[0]?.exceeded, true);
        assert.equal(second.counters[0]?.freeAt, day(now).end);
        const third = await store.reserve('r3', [c(40)], { now, ttlMs, subjects: [] });
        assert.equal(third.admitted, true);
        const full = await store.reserve('r4', [c(0)], { now, ttlMs, subjects: [] });
        assert.equal(full.admitted, false, 'a zero amount is refused once the limit is reached');
      }));

    test('large amounts stay exact (Cost counts nano-dollars)', () =>
      withStore(async (store, key) => {
        const now = Date.now();
        const ref = { key: key('a'), plan: day(now) };
        const big = 250_000 * 1e9 + 1; // $250,000.000000001
        const r = await store.reserve('r1', [{ ...ref, limit: 1e15, amount: big, check: true }], {
          now,
          ttlMs,
          subjects: [],
        });
        assert.equal(r.counters[0]?.reserved, big);
        await store.settle('r1', [{ reserved: ref, charge: ref, reservedAmount: big, amount: big + 2 }], now);
        assert.deepEqual(await store.read([ref], now), [
          { used: big + 2, reserved: 0, resetAt: ref.plan.end },
        ]);
      }));

    test('reserve is all-or-nothing across counters', () =>
      withStore(async (store, key) => {
        const now = Date.now();
        const plan = day(now);
        const a: ReserveCounter = { key: key('a'), plan, limit: 100, amount: 10, check: true };
        const b: ReserveCounter = { key: key('b'), plan, limit: 5, amount: 10, check: true };
        const r = await store.reserve('r1', [a, b], { now, ttlMs, subjects: [] });
        assert.equal(r.admitted, false);
        assert.deepEqual(
          r.counters.map((s) => s.exceeded),
          [false, true],
        );
        const [sa, sb] = await store.read([a, b], now);
        assert.equal(sa?.reserved, 0);
        assert.equal(sb?.reserved, 0);
        const unchecked = await store.reserve('r2', [a, { ...b, check: false }], {
          now,
          ttlMs,
          subjects: [],
        });
        assert.equal(unchecked.admitted, true, 'an unchecked (degraded) counter never refuses');
        assert.equal(unchecked.counters[1]?.reserved, 10);
      }));

    test('settle charges the real amount once and releases the reservation', () =>
      withStore(async (store, key) => {
        const now = Date.now();
        const ref = { key: key('a'), plan: day(now) };
        await store.reserve('r1', [{ ...ref, limit: 100, amount: 80, check: true }], {
          now,
          ttlMs,
          subjects: [],
        });
        const settle = [{ reserved: ref, charge: ref, reservedAmount: 80, amount: 30 }];
        assert.equal(await store.settle('r1', settle, now + 1), true);
        assert.equal(await store.settle('r1', settle, now + 2), false);
        assert.deepEqual(await store.read([ref], now + 3), [
          { used: 30, reserved: 0, resetAt: ref.plan.end },
        ]);
      }));

    test('an unsettled reservation expires; a late settle still charges once', () =>
      withStore(async (store, key) => {
        const now = Date.now();
        const ref = { key: key('a'), plan: day(now) };
        const c = { ...ref, limit: 100, amount: 90, check: true };
        await store.reserve('r1', [c], { now, ttlMs: 1000, subjects: [] });
        assert.equal(
          (await store.reserve('r2', [c], { now: now + 999, ttlMs, subjects: [] })).admitted,
          false,
        );
        const later = await store.reserve('r3', [{ ...c, amount: 50 }], {
          now: now + 1001,
          ttlMs,
          subjects: [],
        });
        assert.equal(later.admitted, true, 'the expired reservation no longer counts');
        assert.equal(later.counters[0]?.reserved, 50);
        const settle = [{ reserved: ref, charge: ref, reservedAmount: 90, amount: 20 }];
        assert.equal(await store.settle('r1', settle, now + 2000), true);
        assert.equal(await store.settle('r1', settle, now + 2001), false);
        const [s] = await store.read([ref], now + 2002);
        assert.deepEqual([s?.used, s?.reserved], [20, 50]);
      }));

    test('rolling windows forget usage bucket by bucket', () =>
      withStore(async (store, key) => {
        const plan = rollingPlan(60); // 60 buckets of 1s
        const t0 = Math.floor(Date.now() / 1000) * 1000;
        const ref = { key: key('a'), plan };
        for (const [i, at] of [t0, t0 + 10_000].entries()) {
          await store.reserve(`r${i}`, [{ ...ref, limit: 100, amount: 1, check: true }], {
            now: at,
            ttlMs,
            subjects: [],
          });
          await store.settle(`r${i}`, [{ reserved: ref, charge: ref, reservedAmount: 1, amount: 40 }], at);
        }
        const c = { ...ref, limit: 100, amount: 50, check: true };
        const refused = await store.reserve('x', [c], { now: t0 + 20_000, ttlMs, subjects: [] });
        assert.equal(refused.admitted, false);
        assert.equal(refused.counters[0]?.used, 80);
        assert.equal(refused.counters[0]?.freeAt, t0 + 60_000, 'fits once the oldest bucket leaves');
        assert.equal(refused.counters[0]?.resetAt, t0 + 70_000, 'empty once the newest bucket leaves');
        const admitted = await store.reserve('y', [c], { now: t0 + 60_000, ttlMs, subjects: [] });
        assert.equal(admitted.admitted, true);
        assert.equal(admitted.counters[0]?.used, 40);
      }));

    test('a settle after a calendar rollover charges the new window', () =>
      withStore(async (store, key) => {
        const now = Date.now();
        const plan = day(now);
        const next = day(plan.end);
        const old = { key: key(`a:${plan.start}`), plan };
        const fresh = { key: key(`a:${next.start}`), plan: next };
        await store.reserve('r1', [{ ...old, limit: 100, amount: 50, check: true }], {
          now,
          ttlMs,
          subjects: [],
        });
        await store.settle(
          'r1',
          [{ reserved: old, charge: fresh, reservedAmount: 50, amount: 7 }],
          plan.end + 1,
        );
        const [o, f] = await store.read([old, fresh], now);
        assert.deepEqual([o?.used, o?.reserved, f?.used], [0, 0, 7]);
      }));

    test('concurrent reserves admit exactly what fits', () =>
      withStore(async (store, key) => {
        const now = Date.now();
        const c = { key: key('a'), plan: day(now), limit: 10, amount: 1, check: true };
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, i) => store.reserve(`r${i}`, [c], { now, ttlMs, subjects: [] })),
        );
        assert.equal(results.filter((r) => r.admitted).length, 10);
      }));

    test('remembers recently active subjects, newest first', () =>
      withStore(async (store, key) => {
        const now = Date.now();
        const budget = key('b');
        const c = { key: key('a'), plan: day(now), limit: 1000, amount: 1, check: true };
        for (const [i, subject] of ['alice', 'bob', 'alice', 'carol'].entries()) {
          await store.reserve(`r${i}`, [c], { now: now + i, ttlMs, subjects: [{ budget, subject }] });
        }
        assert.deepEqual(await store.recentSubjects(budget, 10), ['carol', 'alice', 'bob']);
        assert.deepEqual(await store.recentSubjects(budget, 1), ['carol']);
      }));
  });
}
