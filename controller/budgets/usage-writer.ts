// Writes AIBudget `.status.usage` from the budget counters in Redis (the same keys extproc
// writes: both use createBudgetService's default key prefix). Every interval, on the leader
// only, it reads the top subjects of each budget in the current processor document and writes
// the status of the budgets whose numbers changed.
//
// Decisions:
// - No write for nothing: a budget is written only when its numbers differ from what this
//   leader last wrote, or when its updatedAt is `refreshAfterMs` old (so a stale updatedAt
//   means the controller cannot read the counters). The API write itself re-checks against
//   the stored object and owns only `.status.usage` (status-merge.ts): conditions survive.
// - No storms: passes never overlap (the next starts an interval after the previous ended),
//   and each budget is read and written with at most `concurrency` in flight.
// - Redis down: the budget keeps its last usage; one warning line, then one every
//   FAILURE_LOG_INTERVAL_MS while it lasts, and an info line when reads work again. No crash,
//   no condition (translate owns the conditions).
// - Leadership lost: the memory of what was written is dropped, so a later term re-checks
//   every budget against the API server once.
import type { Logger } from '../../lib/log';
import type { BudgetConfig } from '../../extproc/config/schema';
import type { UsageReport } from '../../extproc/budgets/usage-report';
import type { StatusOutcome, StatusUpdate } from '../provider/kubernetes/status-writer';
import { mapBounded } from './bounded';
import { toUsageStatus, usageFingerprint } from './usage-status';

/** Subjects read per budget before ranking (the report keeps up to 200 candidates). */
const CANDIDATES = 200;
const FAILURE_LOG_INTERVAL_MS = 5 * 60_000;

export interface UsageStatusWriterOptions {
  /** The budgets of the current processor document (undefined before the first reconcile). */
  budgets: () => readonly BudgetConfig[] | undefined;
  /** Reads a budget's usage (BudgetEngine.usage: Redis). */
  usage: (budget: BudgetConfig, subject: undefined, limit: number) => Promise<UsageReport[]>;
  /** StatusWriter.writeEach. */
  write: (updates: StatusUpdate[]) => Promise<StatusOutcome[]>;
  isLeader: () => boolean;
  logger: Logger;
  intervalMs?: number;
  /** Subjects per budget in the status (default 10, at most 100). */
  top?: number;
  concurrency?: number;
  refreshAfterMs?: number;
  now?: () => number;
}

export interface UsagePassResult {
  budgets: number;
  written: number;
  unchanged: number;
  /** Not the leader, budget gone, or nothing changed since the last write. */
  skipped: number;
  /** Usage could not be read (Redis) or the status could not be written. */
  failed: number;
}

interface Written {
  fingerprint: string;
  at: number;
}

export class UsageStatusWriter {
  private readonly written = new Map<string, Written>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<UsagePassResult> | undefined;
  private closed = false;
  private failingSince: number | undefined;
  private lastFailureLog = 0;

  constructor(private readonly options: UsageStatusWriterOptions) {}

  /** Starts the periodic passes (the first one an interval from now). */
  start(): void {
    this.schedule();
  }

  /** One pass now (waits for a running one instead of overlapping it). */
  async runOnce(): Promise<UsagePassResult> {
    if (this.running) return this.running;
    this.running = this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.runOnce()
        .catch((err: unknown) => this.options.logger.error({ err: String(err) }, 'usage status pass failed'))
        .finally(() => this.schedule());
    }, this.options.intervalMs ?? 30_000);
    this.timer.unref();
  }

  private async pass(): Promise<UsagePassResult> {
    const result: UsagePassResult = { budgets: 0, written: 0, unchanged: 0, skipped: 0, failed: 0 };
    if (!this.options.isLeader()) {
      this.written.clear();
      return result;
    }
    const budgets = this.options.budgets() ?? [];
    result.budgets = budgets.length;
    const present = new Set(budgets.map((b) => b.key));
    for (const key of this.written.keys()) if (!present.has(key)) this.written.delete(key);
    let readFailures = 0;
    await mapBounded(budgets, this.options.concurrency ?? 4, async (budget) => {
      const outcome = await this.refresh(budget).catch(() => 'unreadable' as const);
      if (outcome === 'unreadable') readFailures++;
      result[outcome === 'unreadable' ? 'failed' : outcome]++;
    });
    this.logHealth(readFailures, budgets.length);
    if (result.written > 0 || result.failed > 0) this.options.logger.info(result, 'budget usage status');
    return result;
  }

  /** Reads one budget and writes its usage if it changed; throws when the read fails. */
  private async refresh(budget: BudgetConfig): Promise<StatusOutcome> {
    const now = this.options.now?.() ?? Date.now();
    const reports = await this.options.usage(budget, undefined, CANDIDATES);
    const usage = toUsageStatus(reports, new Date(now), this.options.top ?? 10);
    const fingerprint = usageFingerprint(usage);
    const refreshAfterMs = this.options.refreshAfterMs ?? 10 * 60_000;
    const last = this.written.get(budget.key);
    if (last && last.fingerprint === fingerprint && now - last.at < refreshAfterMs) return 'skipped';
    if (!this.options.isLeader()) return 'skipped';
    const slash = budget.key.indexOf('/');
    const update: StatusUpdate = {
      kind: 'AIBudget',
      namespace: budget.key.slice(0, slash),
      name: budget.key.slice(slash + 1),
      status: { usage },
      fields: ['usage'],
      refreshAfterMs,
    };
    const [outcome = 'failed'] = await this.options.write([update]);
    if (outcome === 'written' || outcome === 'unchanged')
      this.written.set(budget.key, { fingerprint, at: now });
    return outcome;
  }

  private logHealth(readFailures: number, budgets: number): void {
    const now = Date.now();
    if (readFailures === 0) {
      if (this.failingSince !== undefined)
        this.options.logger.info('budget usage readable again; status.usage is being updated');
      this.failingSince = undefined;
      return;
    }
    this.failingSince ??= now;
    if (now - this.lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLog = now;
    this.options.logger.warn(
      { failed: readFailures, budgets, since: new Date(this.failingSince).toISOString() },
      'cannot read budget usage (Redis); status.usage keeps its last values',
    );
  }
}
