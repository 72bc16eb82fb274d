// The in-process counter store, for a single extproc replica (no Redis configured). Same
// semantics as the Redis store (store.ts); a JavaScript turn is atomic, so reserve and settle
// are each one synchronous pass. Expired keys, reservations and settle markers are swept lazily
// (expired reservations whenever their counter is touched, whole keys every 1,000 operations),
// so memory stays bounded by the live windows.
import type {
  BudgetStore,
  CounterRef,
  CounterState,
  ReserveCounter,
  SettleCounter,
  SubjectTouch,
} from './store';
import { MAX_TRACKED_SUBJECTS, admits, keyExpiresAt, timing } from './store';
import { bucketIndex, type WindowPlan } from './windows';

interface Counter {
  used: number;
  buckets: Map<number, number>;
  reserved: number;
  reservations: Map<string, { amount: number; expiresAt: number }>;
  /** No reservation expires before this instant (so most touches skip the expiry scan). */
  nextExpiry: number;
  expiresAt: number;
}

export class MemoryBudgetStore implements BudgetStore {
  private readonly counters = new Map<string, Counter>();
  private readonly settled = new Map<string, number>();
  private readonly subjects = new Map<string, Map<string, number>>();
  private ops = 0;

  constructor(private readonly settleMarkerTtlMs = 2 * 3600_000) {}

  reserve(
    id: string,
    counters: ReserveCounter[],
    opts: { now: number; ttlMs: number; subjects: SubjectTouch[] },
  ): Promise<{ admitted: boolean; counters: CounterState[] }> {
    const { now, ttlMs } = opts;
    this.sweep(now);
    const states: CounterState[] = counters.map((c) => {
      const counter = this.live(c.key, now);
      const { used, list } = this.usage(counter, c.plan, now);
      const exceeded = c.check && !admits(used, counter?.reserved ?? 0, c.amount, c.limit);
      const t = timing(c.plan, now, list, used, counter?.reserved ?? 0, c.amount, c.limit);
      return { used, reserved: counter?.reserved ?? 0, ...t, exceeded };
    });
    const admitted = !states.some((s) => s.exceeded);
    if (admitted) {
      counters.forEach((c, i) => {
        const counter = this.ensure(c.key);
        counter.expiresAt = Math.max(counter.expiresAt, keyExpiresAt(c.plan, now, ttlMs));
        if (c.amount > 0 && !counter.reservations.has(id)) {
          counter.reserved += c.amount;
          counter.reservations.set(id, { amount: c.amount, expiresAt: now + ttlMs });
          counter.nextExpiry = Math.min(counter.nextExpiry, now + ttlMs);
        }
        (states[i] as CounterState).reserved = counter.reserved;
      });
      for (const s of opts.subjects) this.touchSubject(s, now);
    }
    return Promise.resolve({ admitted, counters: states });
  }

  settle(id: string, counters: SettleCounter[], now: number): Promise<boolean> {
    this.sweep(now);
    const marker = this.settled.get(id);
    if (marker !== undefined && marker > now) return Promise.resolve(false);
    this.settled.set(id, now + this.settleMarkerTtlMs);
    for (const c of counters) {
      const held = this.live(c.reserved.key, now);
      const r = held?.reservations.get(id);
      if (held && r) {
        held.reservations.delete(id);
        held.reserved = Math.max(0, held.reserved - r.amount);
      }
      if (c.amount <= 0) continue;
      const counter = this.ensure(c.charge.key);
      counter.expiresAt = Math.max(counter.expiresAt, keyExpiresAt(c.charge.plan, now, 0));
      if (c.charge.plan.kind === 'calendar') counter.used += c.amount;
      else {
        const idx = bucketIndex(c.charge.plan, now);
        counter.buckets.set(idx, (counter.buckets.get(idx) ?? 0) + c.amount);
      }
    }
    return Promise.resolve(true);
  }

  read(
    counters: CounterRef[],
    now: number,
  ): Promise<Array<Pick<CounterState, 'used' | 'reserved' | 'resetAt'>>> {
    return Promise.resolve(
      counters.map((c) => {
        const counter = this.live(c.key, now);
        const { used, list } = this.usage(counter, c.plan, now);
        const reserved = counter?.reserved ?? 0;
        return { used, reserved, resetAt: timing(c.plan, now, list, used, reserved, 0, Infinity).resetAt };
      }),
    );
  }

  recentSubjects(budget: string, max: number): Promise<string[]> {
    const seen = [...(this.subjects.get(budget) ?? new Map<string, number>()).entries()];
    seen.sort((a, b) => b[1] - a[1]);
    return Promise.resolve(seen.slice(0, max).map(([s]) => s));
  }

  close(): Promise<void> {
    this.counters.clear();
    return Promise.resolve();
  }

  /** The counter with its expired reservations released; undefined when absent or expired. */
  private live(key: string, now: number): Counter | undefined {
    const counter = this.counters.get(key);
    if (!counter) return undefined;
    if (counter.expiresAt <= now) {
      this.counters.delete(key);
      return undefined;
    }
    if (counter.nextExpiry > now) return counter;
    counter.nextExpiry = Infinity;
    for (const [rid, r] of counter.reservations) {
      if (r.expiresAt <= now) {
        counter.reservations.delete(rid);
        counter.reserved = Math.max(0, counter.reserved - r.amount);
      } else counter.nextExpiry = Math.min(counter.nextExpiry, r.expiresAt);
    }
    return counter;
  }

  private ensure(key: string): Counter {
    let counter = this.counters.get(key);
    if (!counter) {
      counter = {
        used: 0,
        buckets: new Map(),
        reserved: 0,
        reservations: new Map(),
        nextExpiry: Infinity,
        expiresAt: 0,
      };
      this.counters.set(key, counter);
    }
    return counter;
  }

  private usage(
    counter: Counter | undefined,
    plan: WindowPlan,
    now: number,
  ): { used: number; list: Array<[number, number]> } {
    if (!counter) return { used: 0, list: [] };
    if (plan.kind === 'calendar') return { used: counter.used, list: [] };
    const oldest = bucketIndex(plan, now) - plan.buckets;
    const list: Array<[number, number]> = [];
    let used = 0;
    for (const [idx, amount] of counter.buckets) {
      if (idx <= oldest) counter.buckets.delete(idx);
      else {
        used += amount;
        list.push([idx, amount]);
      }
    }
    list.sort((a, b) => a[0] - b[0]);
    return { used, list };
  }

  private touchSubject(s: SubjectTouch, now: number): void {
    let seen = this.subjects.get(s.budget);
    if (!seen) this.subjects.set(s.budget, (seen = new Map()));
    seen.delete(s.subject);
    seen.set(s.subject, now);
    if (seen.size > MAX_TRACKED_SUBJECTS) {
      const oldest = seen.keys().next().value;
      if (oldest !== undefined) seen.delete(oldest);
    }
  }

  private sweep(now: number): void {
    if (++this.ops % 1000 !== 0) return;
    for (const [key, c] of this.counters) if (c.expiresAt <= now) this.counters.delete(key);
    for (const [id, until] of this.settled) if (until <= now) this.settled.delete(id);
  }
}
