// Usage reports for `tollgate usage`, the admin endpoint and the AIBudget status: per subject,
// per limit, what is used, reserved and left, and when the window resets. Without a subject, the
// most recently active subjects (up to 200 remembered candidates) ranked by their fullest limit.
import type { BudgetConfig, BudgetLimit, BudgetWindow } from '../config/schema';
import { GLOBAL_SUBJECT, fromUnits, subjectId, toUnits } from './estimate';
import { counterRef } from './plan';
import type { BudgetStore } from './store';

export interface LimitUsage {
  metric: BudgetLimit['metric'];
  window: BudgetWindow;
  /** Tokens, requests or US dollars, as the limit is written. */
  used: number;
  reserved: number;
  limit: number;
  remaining: number;
  /** RFC 3339: when the window resets (calendar) or all current usage has left it (rolling). */
  resetsAt: string;
}

export interface UsageReport {
  subject: string;
  limits: LimitUsage[];
}

const CANDIDATES = 200;

export async function usageReports(
  store: BudgetStore,
  budget: BudgetConfig,
  now: number,
  subject?: string,
  top = 10,
): Promise<UsageReport[]> {
  const subjects =
    subject !== undefined
      ? [budget.subject.kind === 'Global' ? GLOBAL_SUBJECT : subjectId(subject)]
      : await store.recentSubjects(budget.key, CANDIDATES);
  const refs = subjects.flatMap((s) =>
    budget.limits.map((limit, i) => counterRef(budget.key, s, i, limit, now)),
  );
  const states = await store.read(refs, now);
  const reports = subjects.map((s, si) => ({
    subject: s,
    limits: budget.limits.map((limit, li): LimitUsage => {
      const st = states[si * budget.limits.length + li] ?? { used: 0, reserved: 0, resetAt: now };
      const limitUnits = toUnits(limit.metric, limit.amount);
      return {
        metric: limit.metric,
        window: limit.window,
        used: fromUnits(limit.metric, st.used),
        reserved: fromUnits(limit.metric, st.reserved),
        limit: limit.amount,
        remaining: fromUnits(limit.metric, Math.max(0, limitUnits - st.used - st.reserved)),
        resetsAt: new Date(st.resetAt).toISOString(),
      };
    }),
  }));
  if (subject !== undefined) return reports;
  const fullest = (r: UsageReport) => Math.max(...r.limits.map((l) => (l.used + l.reserved) / l.limit));
  return reports.sort((a, b) => fullest(b) - fullest(a)).slice(0, top);
}
