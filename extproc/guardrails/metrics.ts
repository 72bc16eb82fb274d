// Guardrail metrics: tollgate_guardrail_checks_total{guardrail,check,action,route} counts every
// check that ran (action "passed" when it did not fire) and
// tollgate_guardrail_check_duration_seconds{type} times each check type. Labels come from the
// config (bounded by it), never from request content.
import { Counter, Histogram, type Registry } from 'prom-client';

const BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05, 0.25, 1, 5];

export class GuardrailMetrics {
  private readonly checks: Counter<'guardrail' | 'check' | 'action' | 'route'>;
  private readonly duration: Histogram<'type'>;

  constructor(registry: Registry) {
    this.checks = new Counter({
      name: 'tollgate_guardrail_checks_total',
      help: 'Guardrail checks run, by guardrail, check, outcome (passed, blocked, redacted, logged, failed_open, failed_closed) and route.',
      labelNames: ['guardrail', 'check', 'action', 'route'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'tollgate_guardrail_check_duration_seconds',
      help: 'Seconds spent in one guardrail check (a request, or one response chunk), by check type.',
      labelNames: ['type'],
      buckets: BUCKETS,
      registers: [registry],
    });
  }

  count(guardrail: string, check: string, action: string, route: string): void {
    this.checks.inc({ guardrail, check, action, route });
  }

  observe(type: string, seconds: number): void {
    this.duration.observe({ type }, seconds);
  }
}
