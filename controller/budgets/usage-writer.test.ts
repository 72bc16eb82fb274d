// UsageStatusWriter with a fake usage source and a fake status writer: writes only changes (and
// a refresh when old), only on the leader, bounds concurrency, and survives a failing store.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { BudgetConfig } from '../../extproc/config/schema';
import type { UsageReport } from '../../extproc/budgets/usage-report';
import type { StatusOutcome, StatusUpdate } from '../provider/kubernetes/status-writer';
import { UsageStatusWriter, type UsageStatusWriterOptions } from './usage-writer';

const budget = (key: string): BudgetConfig => ({
  key,
  subject: { kind: 'Team' },
  models: [],
  limits: [{ metric: 'Requests', amount: 10, window: { kind: 'Rolling', seconds: 60 } }],
  action: { kind: 'Reject' },
  failMode: 'Closed',
  unpriced: 'Reject',
  defaultMaxOutputTokens: 4096,
});

const reportOf = (used: number): UsageReport[] => [
  {
    subject: 'team-a',
    limits: [
      {
        metric: 'Requests',
        window: { kind: 'Rolling', seconds: 60 },
        used,
        reserved: 0,
        limit: 10,
        remaining: 10 - used,
        resetsAt: '2026-01-01T00:01:00.000Z',
      },
    ],
  },
];

function harness(over: Partial<UsageStatusWriterOptions> = {}) {
  const used = new Map<string, number>();
  const writes: StatusUpdate[] = [];
  const warnings: unknown[] = [];
  const logger = pino({ level: 'silent' });
  logger.warn = ((obj: unknown) => warnings.push(obj)) as typeof logger.warn;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  let leader = true;
  let budgets = [budget('ns/a'), budget('ns/b')];
  const writer = new UsageStatusWriter({
    budgets: () => budgets,
    usage: (b) => Promise.resolve(reportOf(used.get(b.key) ?? 0)),
    write: (updates) => {
      writes.push(...updates);
      return Promise.resolve(updates.map((): StatusOutcome => 'written'));
    },
    isLeader: () => leader,
    logger,
    refreshAfterMs: 600_000,
    now: () => clock,
    ...over,
  });
  return {
    writer,
    used,
    writes,
    warnings,
    tick: (ms: number) => (clock += ms),
    setLeader: (v: boolean) => (leader = v),
    setBudgets: (b: BudgetConfig[]) => (budgets = b),
  };
}

void describe('UsageStatusWriter', () => {
  void it('writes each budget once, then only the ones whose numbers changed', async () => {
    const h = harness();
    h.used.set('ns/a', 1);
    assert.equal((await h.writer.runOnce()).written, 2);
    assert.deepEqual(
      h.writes.map((w) => [w.namespace, w.name, w.fields]),
      [
        ['ns', 'a', ['usage']],
        ['ns', 'b', ['usage']],
      ],
    );
    h.tick(30_000);
    assert.deepEqual(await h.writer.runOnce(), {
      budgets: 2,
      written: 0,
      unchanged: 0,
      skipped: 2,
      failed: 0,
    });
    h.used.set('ns/b', 3);
    h.tick(30_000);
    const third = await h.writer.runOnce();
    assert.equal(third.written, 1);
    assert.equal(h.writes.at(-1)?.name, 'b');
    const status = h.writes.at(-1)?.status as { usage: { updatedAt: string; subjects: unknown[] } };
    assert.equal(status.usage.updatedAt, '2026-01-01T00:01:00.000Z');
  });

  void it('rewrites an unchanged budget once its last write is refreshAfterMs old', async () => {
    const h = harness();
    await h.writer.runOnce();
    h.tick(599_000);
    assert.equal((await h.writer.runOnce()).written, 0);
    h.tick(1_000);
    assert.equal((await h.writer.runOnce()).written, 2);
  });

  void it('writes nothing off the leader and re-checks everything after a new term', async () => {
    const h = harness();
    await h.writer.runOnce();
    h.setLeader(false);
    assert.equal((await h.writer.runOnce()).written, 0);
    h.setLeader(true);
    assert.equal((await h.writer.runOnce()).written, 2, 'memory was dropped with leadership');
  });

  void it('counts a failing read, keeps going, and logs one warning', async () => {
    const h = harness({
      usage: (b) =>
        b.key === 'ns/a' ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve(reportOf(1)),
    });
    const first = await h.writer.runOnce();
    assert.equal(first.failed, 1);
    assert.equal(first.written, 1);
    await h.writer.runOnce();
    assert.equal(h.warnings.length, 1, 'rate-limited: one warning while the failure lasts');
  });

  void it('reads at most `concurrency` budgets at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const h = harness({
      concurrency: 3,
      usage: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return reportOf(1);
      },
    });
    h.setBudgets(Array.from({ length: 50 }, (_, i) => budget(`ns/b${i}`)));
    assert.equal((await h.writer.runOnce()).written, 50);
    assert.equal(most, 3);
  });

  void it('does not run two passes at once', async () => {
    const h = harness();
    const [a, b] = await Promise.all([h.writer.runOnce(), h.writer.runOnce()]);
    assert.equal(a, b);
    assert.equal(h.writes.length, 2);
  });
});
