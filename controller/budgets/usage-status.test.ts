// Usage reports -> status.usage: window names, remaining without reservations, no resetsAt for
// an idle counter, ranking and cut, and a fingerprint that ignores only the read time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BudgetUsage } from '../api/aibudget';
import type { UsageReport } from '../../extproc/budgets/usage-report';
import { describeWindow, toUsageStatus, usageFingerprint } from './usage-status';

const hour = { kind: 'Rolling', seconds: 3600 } as const;
const month = { kind: 'Calendar', unit: 'Month', timeZone: 'Europe/Paris' } as const;

function report(subject: string, used: number, reserved = 0, limit = 100): UsageReport {
  return {
    subject,
    limits: [
      {
        metric: 'TotalTokens',
        window: hour,
        used,
        reserved,
        limit,
        remaining: Math.max(0, limit - used - reserved),
        resetsAt: '2026-03-01T10:00:00.000Z',
      },
      {
        metric: 'Cost',
        window: month,
        used: used / 3,
        reserved: 0,
        limit: 5,
        remaining: 5 - used / 3,
        resetsAt: '2026-03-31T22:00:00.000Z',
      },
    ],
  };
}

const at = new Date('2026-03-01T09:30:00Z');

void describe('describeWindow', () => {
  void it('writes rolling windows as durations and calendar windows with their zone', () => {
    assert.equal(describeWindow(hour), '1h');
    assert.equal(describeWindow({ kind: 'Rolling', seconds: 5400 }), '1h30m');
    assert.equal(describeWindow({ kind: 'Rolling', seconds: 90 }), '1m30s');
    assert.equal(describeWindow({ kind: 'Rolling', seconds: 86400 }), '24h');
    assert.equal(describeWindow(month), 'Month (Europe/Paris)');
  });
});

void describe('toUsageStatus', () => {
  void it('maps one report per subject and fits the AIBudget status schema', () => {
    const usage = toUsageStatus([report('*', 40, 25)], at, 10);
    assert.equal(usage.updatedAt, '2026-03-01T09:30:00.000Z');
    assert.deepEqual(usage.subjects, [
      {
        subject: '(global)',
        limits: [
          {
            metric: 'TotalTokens',
            window: '1h',
            used: 40,
            limit: 100,
            remaining: 60,
            resetsAt: '2026-03-01T10:00:00.000Z',
          },
          {
            metric: 'Cost',
            window: 'Month (Europe/Paris)',
            used: 13.333333,
            limit: 5,
            remaining: 0,
            resetsAt: '2026-03-31T22:00:00.000Z',
          },
        ],
      },
    ]);
    assert.equal(BudgetUsage.safeParse(usage).success, true);
  });

  void it('gives no resetsAt for a limit with nothing counted', () => {
    const usage = toUsageStatus([report('idle', 0, 10)], at, 10);
    assert.deepEqual(
      usage.subjects[0]?.limits.map((l) => l.resetsAt),
      [undefined, undefined],
    );
  });

  void it('ranks by the fullest limit, then by name, and keeps the top N', () => {
    const reports = [report('b', 10), report('c', 90), report('a', 10), report('d', 50)];
    const usage = toUsageStatus(reports, at, 3);
    assert.deepEqual(
      usage.subjects.map((s) => s.subject),
      ['c', 'd', 'a'],
    );
    assert.equal(toUsageStatus(reports, at, 500).subjects.length, 4);
  });

  void it('has a fingerprint that changes with the numbers, not with the read time', () => {
    const a = toUsageStatus([report('x', 10, 5)], at, 10);
    const later = toUsageStatus([report('x', 10, 50)], new Date(at.getTime() + 60_000), 10);
    assert.equal(usageFingerprint(a), usageFingerprint(later), 'reservations and time are no change');
    assert.notEqual(usageFingerprint(a), usageFingerprint(toUsageStatus([report('x', 11)], at, 10)));
  });
});
