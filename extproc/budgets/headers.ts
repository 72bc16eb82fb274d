// What clients see of budgets: OpenAI-style x-ratelimit-* headers for the tightest limit of each
// kind (tokens: any token metric; requests; and, our addition, cost in US dollars), a warning
// past a soft limit, and the 429 for an exhausted budget. The tightest limit is the one with the
// smallest remaining fraction. Messages name the budget, the limit and its window, never a
// subject or another subject's usage.
import { GatewayError } from '../../lib/errors';
import type { BudgetConfig, BudgetLimit } from '../config/schema';
import { fromUnits } from './estimate';
import type { CounterState } from './store';
import { describeWindow, formatResetDuration } from './windows';

export interface CounterView {
  budget: BudgetConfig;
  limit: BudgetLimit;
  /** Limit and amount in store units. */
  limitUnits: number;
  amount: number;
  state: CounterState;
}

type Kind = 'tokens' | 'requests' | 'cost';

function kindOf(metric: BudgetLimit['metric']): Kind {
  return metric === 'Requests' ? 'requests' : metric === 'Cost' ? 'cost' : 'tokens';
}

function show(metric: BudgetLimit['metric'], units: number): string {
  const v = fromUnits(metric, units);
  return metric === 'Cost' ? String(Number(v.toFixed(6))) : String(v);
}

function remainingUnits(c: CounterView): number {
  return Math.max(0, c.limitUnits - c.state.used - c.state.reserved);
}

export function describeLimit(limit: BudgetLimit): string {
  const amount = limit.metric === 'Cost' ? `$${limit.amount}` : `${limit.amount} ${limit.metric}`;
  return `${amount} per ${describeWindow(limit.window)}`;
}

/** x-ratelimit-{limit,remaining,reset}-{tokens,requests,cost} for the tightest counter of each kind. */
export function rateLimitHeaders(counters: CounterView[], now: number): Array<[string, string]> {
  const tightest = new Map<Kind, CounterView>();
  for (const c of counters) {
    const kind = kindOf(c.limit.metric);
    const best = tightest.get(kind);
    if (!best || remainingUnits(c) / c.limitUnits < remainingUnits(best) / best.limitUnits)
      tightest.set(kind, c);
  }
  const out: Array<[string, string]> = [];
  for (const kind of ['requests', 'tokens', 'cost'] as const) {
    const c = tightest.get(kind);
    if (!c) continue;
    out.push(
      [`x-ratelimit-limit-${kind}`, show(c.limit.metric, c.limitUnits)],
      [`x-ratelimit-remaining-${kind}`, show(c.limit.metric, remainingUnits(c))],
      [`x-ratelimit-reset-${kind}`, formatResetDuration(c.state.resetAt - now)],
    );
  }
  return out;
}

/** "budget <key> at 87% of <limit>" per budget past its softLimitPercent (its fullest limit). */
export function softLimitWarnings(counters: CounterView[]): Array<{ budget: string; warning: string }> {
  const fullest = new Map<string, { pct: number; limit: BudgetLimit; budget: BudgetConfig }>();
  for (const c of counters) {
    if (c.budget.softLimitPercent === undefined) continue;
    const pct = ((c.state.used + c.state.reserved) / c.limitUnits) * 100;
    const best = fullest.get(c.budget.key);
    if (!best || pct > best.pct) fullest.set(c.budget.key, { pct, limit: c.limit, budget: c.budget });
  }
  const out: Array<{ budget: string; warning: string }> = [];
  for (const [key, f] of fullest) {
    if (f.pct >= (f.budget.softLimitPercent ?? 100)) {
      out.push({
        budget: key,
        warning: `budget ${key} at ${Math.floor(f.pct)}% of ${describeLimit(f.limit)}`,
      });
    }
  }
  return out;
}

/**
 * The 429 for exhausted Reject budgets: retry-after is when the last of them frees enough (whole
 * seconds, at least 1). rate_limited for request limits and windows of a minute or less,
 * budget_exceeded otherwise.
 */
export function exhaustedError(exceeded: CounterView[], now: number): GatewayError {
  const worst = exceeded.reduce((a, b) => (b.state.freeAt > a.state.freeAt ? b : a));
  const seconds = Math.max(1, Math.ceil((worst.state.freeAt - now) / 1000));
  const w = worst.limit.window;
  const rate = worst.limit.metric === 'Requests' || (w.kind === 'Rolling' && w.seconds <= 60);
  const alone =
    worst.amount > worst.limitUnits
      ? ` This request alone (estimated ${show(worst.limit.metric, worst.amount)}) exceeds the limit: lower max_tokens.`
      : '';
  const message =
    `Budget ${worst.budget.key} exhausted: limit of ${describeLimit(worst.limit)} reached. ` +
    `Retry after ${seconds}s.${alone}`;
  const headers: Record<string, string> = { 'retry-after': String(seconds) };
  for (const [k, v] of rateLimitHeaders(exceeded, now)) headers[k] = v;
  return new GatewayError(rate ? 'rate_limited' : 'budget_exceeded', message, null, headers);
}
