// Records what the checks of one request did: the FiredCheck list the audit log and request log
// carry, the per-check counter, and a log line for Log actions and failures. Each (check,
// outcome) is recorded once per request and phase, however many texts or chunks it fired on.
// Only names and scores are written: never matched content, never webhook headers.
import type { Logger } from '../../lib/log';
import type { FiredCheck, GuardrailContext } from '../services';
import type { GuardrailMetrics } from './metrics';

export interface CheckId {
  guardrail: string;
  name: string;
}

export class FiredRecorder {
  readonly fired: FiredCheck[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly metrics: GuardrailMetrics,
    private readonly logger: Logger,
    private readonly ctx: GuardrailContext,
    private readonly phase: 'request' | 'response',
  ) {}

  record(check: CheckId, action: FiredCheck['action'], detail?: string): void {
    const key = `${check.guardrail}\u0000${check.name}\u0000${action}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.fired.push({ guardrail: check.guardrail, check: check.name, action, ...(detail ? { detail } : {}) });
    this.metrics.count(check.guardrail, check.name, action, this.ctx.route);
    if (action === 'blocked' || action === 'redacted') return;
    const level = action === 'logged' ? 'info' : 'warn';
    this.logger[level](
      {
        requestId: this.ctx.requestId,
        route: this.ctx.route,
        guardrail: check.guardrail,
        check: check.name,
        action,
        phase: this.phase,
        detail,
      },
      'guardrail check fired',
    );
  }

  /** Counts a check that ran and did not fire (once per request and phase). */
  passed(check: CheckId): void {
    const prefix = `${check.guardrail}\u0000${check.name}\u0000`;
    for (const k of this.seen) if (k.startsWith(prefix)) return;
    this.seen.add(`${prefix}passed`);
    this.metrics.count(check.guardrail, check.name, 'passed', this.ctx.route);
  }
}
