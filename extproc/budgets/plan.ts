// Which counters a request touches and by how much: one per (applicable budget, limit), on the
// request's subject and the window that holds `now`. Pure; the service sends the plan to the
// store in one operation.
import type { BudgetConfig, BudgetLimit } from '../config/schema';
import type { BudgetRequest } from '../services';
import { budgetApplies, reservationUnits, resolveSubject, toUnits } from './estimate';
import type { CounterRef } from './store';
import { windowPlan } from './windows';

export interface PlannedCounter {
  budget: BudgetConfig;
  limitIndex: number;
  limit: BudgetLimit;
  subject: string;
  ref: CounterRef;
  limitUnits: number;
  amount: number;
  /** False for a budget already degraded for this request: reserved and charged, not checked. */
  check: boolean;
}

/** The counter of one budget, subject and limit at `now` (a new key per calendar window). */
export function counterRef(
  budgetKey: string,
  subject: string,
  limitIndex: number,
  limit: BudgetLimit,
  now: number,
): CounterRef {
  const plan = windowPlan(limit.window, now);
  const tag =
    plan.kind === 'rolling'
      ? `r${limit.window.kind === 'Rolling' ? limit.window.seconds : 0}`
      : `c${plan.start}`;
  return { key: `${budgetKey}:${encodeURIComponent(subject)}:${limitIndex}:${tag}`, plan };
}

export type Plan =
  | { kind: 'ok'; counters: PlannedCounter[]; budgets: BudgetConfig[]; unpriced: BudgetConfig[] }
  /** A checked budget with a Cost limit and unpriced: Reject met a model without a price. */
  | { kind: 'unpriced'; budget: BudgetConfig };

export function planRequest(req: BudgetRequest, now: number): Plan {
  const degraded = req.degraded ?? [];
  const budgets = req.budgets.filter((b) => budgetApplies(b, req.model, degraded));
  const counters: PlannedCounter[] = [];
  const unpriced: BudgetConfig[] = [];
  for (const budget of budgets) {
    const check = !degraded.includes(budget.key);
    const subject = resolveSubject(budget, req.identity, req.headers);
    for (const [limitIndex, limit] of budget.limits.entries()) {
      let amount = reservationUnits(limit, budget, req);
      if (amount === 'unpriced') {
        if (check && budget.unpriced === 'Reject') return { kind: 'unpriced', budget };
        if (!unpriced.includes(budget)) unpriced.push(budget);
        amount = 0;
      }
      counters.push({
        budget,
        limitIndex,
        limit,
        subject,
        ref: counterRef(budget.key, subject, limitIndex, limit, now),
        limitUnits: toUnits(limit.metric, limit.amount),
        amount,
        check,
      });
    }
  }
  return { kind: 'ok', counters, budgets, unpriced };
}
