// Prometheus metrics of the budget engine, registered on the registry the caller passes (extproc's
// ExtprocMetrics.registry). Labels are budget keys ("namespace/name"), outcomes and store
// operations: never subjects, whose cardinality is unbounded (they go to debug logs only).
import { Counter, Histogram, type Registry } from 'prom-client';

export type BudgetOutcome =
  'admitted' | 'rejected' | 'degraded' | 'failed_open' | 'failed_closed' | 'unpriced_rejected';

export class BudgetMetrics {
  private readonly decisions: Counter<'budget' | 'outcome'>;
  private readonly unpriced: Counter<'budget'>;
  private readonly softLimit: Counter<'budget'>;
  private readonly storeErrors: Counter<'operation'>;
  private readonly storeSeconds: Histogram<'operation'>;

  constructor(registry: Registry) {
    this.decisions = new Counter({
      name: 'tollgate_budget_requests_total',
      help: 'Budget decisions per request and budget, by outcome.',
      labelNames: ['budget', 'outcome'],
      registers: [registry],
    });
    this.unpriced = new Counter({
      name: 'tollgate_budget_unpriced_requests_total',
      help: 'Requests admitted under a Cost limit without a price (unpriced: CountTokens): charged $0.',
      labelNames: ['budget'],
      registers: [registry],
    });
    this.softLimit = new Counter({
      name: 'tollgate_budget_soft_limit_total',
      help: "Requests admitted past a budget's softLimitPercent.",
      labelNames: ['budget'],
      registers: [registry],
    });
    this.storeErrors = new Counter({
      name: 'tollgate_budget_store_errors_total',
      help: 'Budget store operations that failed (Redis unreachable, timeout, script error).',
      labelNames: ['operation'],
      registers: [registry],
    });
    this.storeSeconds = new Histogram({
      name: 'tollgate_budget_store_seconds',
      help: 'Seconds per budget store operation (one round trip to Redis).',
      labelNames: ['operation'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
  }

  decision(budget: string, outcome: BudgetOutcome): void {
    this.decisions.inc({ budget, outcome });
  }

  unpricedRequest(budget: string): void {
    this.unpriced.inc({ budget });
  }

  softLimitReached(budget: string): void {
    this.softLimit.inc({ budget });
  }

  storeError(operation: 'reserve' | 'settle' | 'usage'): void {
    this.storeErrors.inc({ operation });
  }

  storeLatency(operation: 'reserve' | 'settle' | 'usage', seconds: number): void {
    this.storeSeconds.observe({ operation }, seconds);
  }
}
