// The counter store behind budgets: one atomic operation per request phase over every counter a
// request touches (one counter = one budget, subject and limit; for calendar limits also one
// window). memory-store.ts and redis-store.ts implement the same semantics, checked by the
// shared suite in store.suite.ts:
//
// - reserve: for each counter, used + reserved + amount must stay within the limit (a zero
//   amount needs used + reserved below it); if every checked counter admits, the amount is added
//   to the reserved total of all of them under the reservation id, otherwise to none.
// - a reservation expires ttlMs after it was made and its amount is released: a settlement that
//   never comes (extproc crashed, a stream left hanging) cannot hold a budget forever.
// - settle: releases the reservation (if it has not expired) and charges the real amount, once:
//   a second settle of the same id is a no-op (a marker with a TTL remembers settled ids).
// - keys expire after their window (plus the reservation TTL), so the store does not grow.
// Amounts and limits are integers (see estimate.ts for units); instants are ms since the epoch.
import type { WindowPlan } from './windows';

export interface CounterRef {
  /** Store key without the store's prefix: "<budget>:<subject>:<limitIndex>:<window tag>". */
  key: string;
  plan: WindowPlan;
}

export interface ReserveCounter extends CounterRef {
  limit: number;
  amount: number;
  /** False for a degraded budget: reserved and later charged, but never refused. */
  check: boolean;
}

export interface CounterState {
  /** Charged usage in the window. */
  used: number;
  /** Reservations in flight (after an admitted reserve: including this one). */
  reserved: number;
  /** When everything now used has left the window (rolling) or the window ends (calendar). */
  resetAt: number;
  /** When enough will have left for this request (only meaningful when exceeded). */
  freeAt: number;
  exceeded: boolean;
}

export interface ReserveOutcome {
  admitted: boolean;
  /** Same order as the counters passed in. */
  counters: CounterState[];
}

export interface SettleCounter {
  /** The counter the reservation was made on. */
  reserved: CounterRef;
  /** The counter to charge now (differs from `reserved` when a calendar window rolled over). */
  charge: CounterRef;
  /** What the reservation holds on `reserved` (names it in the Redis store). */
  reservedAmount: number;
  amount: number;
}

export interface SubjectTouch {
  budget: string;
  subject: string;
}

export interface BudgetStore {
  reserve(
    id: string,
    counters: ReserveCounter[],
    opts: { now: number; ttlMs: number; subjects: SubjectTouch[] },
  ): Promise<ReserveOutcome>;
  /** True when this call charged; false when the id was settled before. */
  settle(id: string, counters: SettleCounter[], now: number): Promise<boolean>;
  /** Current state of counters, for usage reports (no reservation is made). */
  read(
    counters: CounterRef[],
    now: number,
  ): Promise<Array<Pick<CounterState, 'used' | 'reserved' | 'resetAt'>>>;
  /** The most recently active subjects of a budget, newest first (bounded per budget). */
  recentSubjects(budget: string, max: number): Promise<string[]>;
  close(): Promise<void>;
}

/** How long keys outlive their window, and how many subjects a budget remembers. */
export const KEY_GRACE_MS = 60_000;
export const MAX_TRACKED_SUBJECTS = 1000;
export const SUBJECT_TTL_MS = 35 * 86400_000;

/** When a counter's key may be dropped: after its window and any reservation on it. */
export function keyExpiresAt(plan: WindowPlan, now: number, ttlMs: number): number {
  const windowEnd = plan.kind === 'calendar' ? plan.end : now + plan.bucketMs * plan.buckets;
  return Math.max(windowEnd, now) + ttlMs + KEY_GRACE_MS;
}

/** The admission rule shared by both stores. */
export function admits(used: number, reserved: number, amount: number, limit: number): boolean {
  return used + reserved + amount <= limit && (amount > 0 || used + reserved < limit);
}

/**
 * resetAt and freeAt of a counter from its live buckets (rolling, oldest first) or its span
 * (calendar). freeAt: the first bucket departure after which the request would fit, else one
 * window from now.
 */
export function timing(
  plan: WindowPlan,
  now: number,
  buckets: Array<[index: number, amount: number]>,
  used: number,
  reserved: number,
  amount: number,
  limit: number,
): { resetAt: number; freeAt: number } {
  if (plan.kind === 'calendar') return { resetAt: plan.end, freeAt: plan.end };
  const length = plan.bucketMs * plan.buckets;
  const newest = buckets[buckets.length - 1];
  const resetAt = newest
    ? (newest[0] + plan.buckets) * plan.bucketMs
    : reserved + amount > 0
      ? now + length
      : now;
  let freed = 0;
  for (const [index, value] of buckets) {
    freed += value;
    if (admits(used - freed, reserved, amount, limit))
      return { resetAt, freeAt: (index + plan.buckets) * plan.bucketMs };
  }
  return { resetAt, freeAt: now + length };
}
