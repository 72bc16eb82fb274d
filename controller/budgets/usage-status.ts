// Budget usage reports (extproc/budgets/usage-report.ts, read from Redis) -> AIBudget
// `.status.usage` (the BudgetUsage shape of controller/api/aibudget.ts).
//
// Decisions, so that a steady budget gives a steady status (no write for nothing):
// - `used` is what settled requests counted; in-flight reservations are left out, so
//   `remaining` is limit - used (never below 0), as the API documents it.
// - `resetsAt` is given only while something is counted: an empty rolling window's reset time
//   would be "now", a new value at every read.
// - subjects are ranked by their fullest limit (used / limit), then by name, and cut to `top`;
//   the global subject is shown as "(global)".
// - Cost is in US dollars, rounded to a millionth (the counters hold nano-dollars).
import type { BudgetUsage } from '../api/aibudget';
import type { BudgetWindow } from '../../extproc/config/schema';
import { GLOBAL_SUBJECT } from '../../extproc/budgets/estimate';
import type { UsageReport } from '../../extproc/budgets/usage-report';
import type { z } from 'zod';

export type BudgetUsageStatus = z.infer<typeof BudgetUsage>;
type SubjectUsage = BudgetUsageStatus['subjects'][number];
type LimitStatus = SubjectUsage['limits'][number];

export const GLOBAL_SUBJECT_LABEL = '(global)';

/** "1h", "1h30m", "90s" -> as the spec writes durations; calendar: "Month (Europe/Paris)". */
export function describeWindow(window: BudgetWindow): string {
  if (window.kind === 'Calendar') return `${window.unit} (${window.timeZone})`;
  const h = Math.floor(window.seconds / 3600);
  const m = Math.floor((window.seconds % 3600) / 60);
  const s = window.seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

function rounded(metric: string, value: number): number {
  return metric === 'Cost' ? Math.round(value * 1e6) / 1e6 : value;
}

function limitStatus(l: UsageReport['limits'][number]): LimitStatus {
  const used = rounded(l.metric, l.used);
  const out: LimitStatus = {
    metric: l.metric,
    window: describeWindow(l.window),
    used,
    limit: l.limit,
    remaining: rounded(l.metric, Math.max(0, l.limit - used)),
  };
  if (used > 0) out.resetsAt = l.resetsAt;
  return out;
}

function fullest(subject: SubjectUsage): number {
  return Math.max(0, ...subject.limits.map((l) => (l.limit > 0 ? l.used / l.limit : 0)));
}

/** The status.usage for one budget from its reports (any order, any number), read at `now`. */
export function toUsageStatus(reports: readonly UsageReport[], now: Date, top: number): BudgetUsageStatus {
  const subjects = reports
    .map((r): SubjectUsage => ({
      subject: r.subject === GLOBAL_SUBJECT ? GLOBAL_SUBJECT_LABEL : r.subject,
      limits: r.limits.map(limitStatus),
    }))
    .sort((a, b) => fullest(b) - fullest(a) || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0))
    .slice(0, Math.min(top, 100));
  return { updatedAt: now.toISOString(), subjects };
}

/** What decides whether a usage status changed: everything but the time it was read. */
export function usageFingerprint(usage: BudgetUsageStatus): string {
  return JSON.stringify(usage.subjects);
}
