// The budget engine behind extproc's BudgetService seam (extproc/services.ts): plans the counters
// of a request (plan.ts), reserves them in one store operation, turns the outcome into an
// Admission (admit with x-ratelimit-* headers, reject 429/400/503, or degrade), and settles real
// usage. Store: Redis when a URL is given (shared by replicas), in-process memory otherwise.
//
// Decisions: an exhausted Reject budget wins over an exhausted Degrade budget (the first Degrade
// budget in config order is returned otherwise). With the store down, a request is refused (503
// budget_unavailable) if any budget it is checked against is failMode Closed, else admitted
// without a reservation; its settle still tries to charge, so a short blip loses little. A Cost
// limit settled without a price charges $0 and is counted and logged, never silently.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { GatewayError } from '../../lib/errors';
import type { Logger } from '../../lib/log';
import { RESPONSE_HEADER } from '../../lib/headers';
import type { Registry } from 'prom-client';
import type { BudgetConfig, Price } from '../config/schema';
import type { Admission, BudgetRequest, BudgetService, Reservation } from '../services';
import type { Usage } from '../usage';
import { chargeUnits } from './estimate';
import { exhaustedError, rateLimitHeaders, softLimitWarnings, type CounterView } from './headers';
import { BudgetMetrics } from './metrics';
import { MemoryBudgetStore } from './memory-store';
import { counterRef, planRequest, type PlannedCounter } from './plan';
import { RedisBudgetStore } from './redis-store';
import type { BudgetStore } from './store';
import { usageReports, type UsageReport } from './usage-report';

export type { UsageReport } from './usage-report';

export interface BudgetServiceOptions {
  /** redis://... ; absent: the in-process store (one replica only). */
  redisUrl?: string;
  logger: Logger;
  registry: Registry;
  now?: () => number;
  /** Redis key prefix (default "tollgate:budget:"); put a {hash tag} in it for Redis Cluster. */
  keyPrefix?: string;
  /** How long an unsettled reservation holds (default 15 minutes: longer than any request). */
  reservationTtlMs?: number;
  /** Redis per-command timeout (default 250 ms): the most an outage adds to a request. */
  commandTimeoutMs?: number;
}

export interface BudgetEngine extends BudgetService {
  close(): Promise<void>;
  usage(budget: BudgetConfig, subject?: string, limit?: number): Promise<UsageReport[]>;
}

class BudgetReservation implements Reservation {
  settled = false;
  constructor(
    readonly id: string,
    readonly counters: PlannedCounter[],
  ) {}
}

const STORE_LOG_INTERVAL_MS = 10_000;

export function createBudgetService(options: BudgetServiceOptions): BudgetEngine {
  const now = options.now ?? Date.now;
  const log = options.logger;
  const metrics = new BudgetMetrics(options.registry);
  const ttlMs = options.reservationTtlMs ?? 15 * 60_000;
  let lastStoreLog = 0;
  let suppressed = 0;
  const storeTrouble = (operation: string, err: unknown) => {
    const t = Date.now();
    if (t - lastStoreLog < STORE_LOG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    lastStoreLog = t;
    log.error(
      { operation, err: err instanceof Error ? err.message : String(err), suppressed },
      'budget store error',
    );
    suppressed = 0;
  };
  const store: BudgetStore = options.redisUrl
    ? new RedisBudgetStore({
        url: options.redisUrl,
        prefix: options.keyPrefix,
        commandTimeoutMs: options.commandTimeoutMs,
        onError: (err) => storeTrouble('connection', err),
      })
    : new MemoryBudgetStore();

  const timed = async <T>(operation: 'reserve' | 'settle' | 'usage', fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } catch (err) {
      metrics.storeError(operation);
      storeTrouble(operation, err);
      throw err;
    } finally {
      metrics.storeLatency(operation, (performance.now() - t) / 1000);
    }
  };

  async function reserve(req: BudgetRequest): Promise<Admission> {
    const at = now();
    const plan = planRequest(req, at);
    if (plan.kind === 'unpriced') {
      metrics.decision(plan.budget.key, 'unpriced_rejected');
      return {
        kind: 'reject',
        error: new GatewayError(
          'invalid_request',
          `Model ${req.model} has no price, and budget ${plan.budget.key} limits cost: the request cannot be costed.`,
          'model',
        ),
      };
    }
    if (plan.counters.length === 0) return { kind: 'admit', reservation: undefined, headers: [] };
    const checked = plan.budgets.filter((b) => !(req.degraded ?? []).includes(b.key));
    const subjects = plan.budgets.map((b) => ({
      budget: b.key,
      subject: plan.counters.find((c) => c.budget === b)?.subject ?? '',
    }));
    // The request id may come from the client (x-request-id): a random suffix keeps a reused id
    // from turning another request's settle into a no-op. Idempotency is per reservation.
    const id = `${req.requestId}/${randomUUID()}`;
    log.debug({ requestId: req.requestId, subjects }, 'budget reserve');
    let outcome;
    try {
      outcome = await timed('reserve', () =>
        store.reserve(
          id,
          plan.counters.map((c) => ({ ...c.ref, limit: c.limitUnits, amount: c.amount, check: c.check })),
          { now: at, ttlMs, subjects },
        ),
      );
    } catch {
      const closed = checked.find((b) => b.failMode === 'Closed');
      for (const b of checked) metrics.decision(b.key, closed ? 'failed_closed' : 'failed_open');
      if (closed) {
        const error = new GatewayError(
          'budget_unavailable',
          `Budget ${closed.key} cannot be checked right now (budget store unavailable).`,
          null,
          { 'retry-after': '1' },
        );
        return { kind: 'reject', error };
      }
      return { kind: 'admit', reservation: new BudgetReservation(id, plan.counters), headers: [] };
    }
    const views: CounterView[] = plan.counters.map((c, i) => ({
      budget: c.budget,
      limit: c.limit,
      limitUnits: c.limitUnits,
      amount: c.amount,
      state: outcome.counters[i] as (typeof outcome.counters)[number],
    }));
    if (!outcome.admitted) {
      const exceeded = views.filter((v) => v.state.exceeded);
      const rejecting = exceeded.filter((v) => v.budget.action.kind === 'Reject');
      if (rejecting.length > 0) {
        for (const key of new Set(rejecting.map((v) => v.budget.key))) metrics.decision(key, 'rejected');
        return { kind: 'reject', error: exhaustedError(rejecting, at) };
      }
      const first = exceeded[0]?.budget as BudgetConfig;
      metrics.decision(first.key, 'degraded');
      const action = first.action.kind === 'Degrade' ? first.action : undefined;
      return { kind: 'degrade', budget: first.key, model: action?.model, maxTokens: action?.maxTokens };
    }
    for (const b of checked) metrics.decision(b.key, 'admitted');
    const checkedViews = views.filter((_, i) => plan.counters[i]?.check);
    const headers = rateLimitHeaders(checkedViews, at);
    const warnings = softLimitWarnings(checkedViews);
    for (const w of warnings) metrics.softLimitReached(w.budget);
    if (warnings.length > 0)
      headers.push([RESPONSE_HEADER.warning, warnings.map((w) => w.warning).join(', ')]);
    return { kind: 'admit', reservation: new BudgetReservation(id, plan.counters), headers };
  }

  async function settle(reservation: Reservation, usage: Usage, price: Price | undefined): Promise<void> {
    if (!(reservation instanceof BudgetReservation) || reservation.settled) return;
    reservation.settled = true;
    const at = now();
    // Nothing used (a request released before it went upstream) has nothing to price.
    if (!price && usage.input + usage.output > 0) {
      const costBudgets = new Set(
        reservation.counters.filter((c) => c.limit.metric === 'Cost').map((c) => c.budget.key),
      );
      for (const key of costBudgets) {
        metrics.unpricedRequest(key);
        log.warn(
          { budget: key, requestId: reservation.id },
          'budget has a Cost limit but the model has no price: charged $0',
        );
      }
    }
    await finish(reservation, at, (metric) => chargeUnits(metric, usage, price));
  }

  /** A request that never reached a backend: the reservation is undone and nothing is charged. */
  async function release(reservation: Reservation): Promise<void> {
    if (!(reservation instanceof BudgetReservation) || reservation.settled) return;
    reservation.settled = true;
    await finish(reservation, now(), () => 0);
  }

  async function finish(
    reservation: BudgetReservation,
    at: number,
    amountOf: (metric: BudgetReservation['counters'][number]['limit']['metric']) => number,
  ): Promise<void> {
    const counters = reservation.counters.map((c) => ({
      reserved: c.ref,
      charge: counterRef(c.budget.key, c.subject, c.limitIndex, c.limit, at),
      reservedAmount: c.amount,
      amount: amountOf(c.limit.metric),
    }));
    try {
      await timed('settle', () => store.settle(reservation.id, counters, at));
    } catch {
      // counted and logged in timed(); the reservation expires on its own
    }
  }

  return {
    reserve,
    settle,
    release,
    usage: (budget, subject, limit) =>
      timed('usage', () => usageReports(store, budget, now(), subject, limit)),
    close: () => store.close(),
  };
}
