// The budget service over the in-process store, with an injected clock.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { createLogger } from '../../lib/log';
import type { Admission } from '../services';
import { makeBudget, makeRequest } from './fixtures';
import { createBudgetService } from './service';

const usage = (input: number, output: number) => ({ input, output, cached: 0, reasoning: 0 });

function setup() {
  let clock = Date.parse('2025-06-02T10:00:00.000Z');
  const registry = new Registry();
  const service = createBudgetService({
    logger: createLogger('test', 'silent'),
    registry,
    now: () => clock,
    reservationTtlMs: 30_000,
  });
  return { service, registry, advance: (ms: number) => (clock += ms) };
}

function admitted(a: Admission) {
  assert.equal(a.kind, 'admit', a.kind === 'reject' ? a.error.message : a.kind);
  return a as Extract<Admission, { kind: 'admit' }>;
}
function rejected(a: Admission) {
  assert.equal(a.kind, 'reject');
  return (a as Extract<Admission, { kind: 'reject' }>).error;
}

describe('budget service', () => {
  test('admits with x-ratelimit headers of the tightest limits', async () => {
    const { service } = setup();
    const a = admitted(await service.reserve(makeRequest()));
    assert.ok(a.reservation);
    assert.deepEqual(Object.fromEntries(a.headers), {
      'x-ratelimit-limit-requests': '10',
      'x-ratelimit-remaining-requests': '9',
      'x-ratelimit-reset-requests': '1m0s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '850',
      'x-ratelimit-reset-tokens': '1m0s',
    });
  });

  test('requests without an applicable budget pass untouched', async () => {
    const { service } = setup();
    const a = admitted(
      await service.reserve(makeRequest({ budgets: [makeBudget({ models: ['claude-*'] })] })),
    );
    assert.equal(a.reservation, undefined);
    assert.deepEqual(a.headers, []);
  });

  test('an exhausted rolling budget answers 429 rate_limited with retry-after', async () => {
    const { service, advance } = setup();
    const first = admitted(await service.reserve(makeRequest({ maxOutputTokens: 800 }))); // 900 reserved
    await service.settle(first.reservation!, usage(100, 800), undefined);
    advance(20_000);
    const error = rejected(await service.reserve(makeRequest()));
    assert.equal(error.status, 429);
    assert.equal(error.code, 'rate_limited');
    assert.equal(error.headers['retry-after'], '40', 'the settled usage leaves 60 s after its bucket');
    assert.equal(error.headers['x-ratelimit-remaining-tokens'], '100');
    assert.match(error.message, /ns\/team/);
    assert.match(error.message, /1000 TotalTokens per 60s rolling/);
    assert.doesNotMatch(error.message, /search/, 'never names the subject');
    advance(40_000);
    admitted(await service.reserve(makeRequest()));
  });

  test('a monthly budget answers budget_exceeded with retry-after at the next month', async () => {
    const { service } = setup();
    const budget = makeBudget({
      limits: [
        { metric: 'Cost', amount: 0.001, window: { kind: 'Calendar', unit: 'Month', timeZone: 'UTC' } },
      ],
    });
    admitted(await service.reserve(makeRequest({ budgets: [budget] }))); // $0.0007
    const error = rejected(await service.reserve(makeRequest({ budgets: [budget] })));
    assert.equal(error.code, 'budget_exceeded');
    const untilJuly = (Date.parse('2025-07-01T00:00:00Z') - Date.parse('2025-06-02T10:00:00Z')) / 1000;
    assert.equal(error.headers['retry-after'], String(untilJuly));
    assert.equal(error.headers['x-ratelimit-limit-cost'], '0.001');
  });

  test('settle charges real usage once and frees the rest', async () => {
    const { service } = setup();
    const a = admitted(await service.reserve(makeRequest({ maxOutputTokens: 800 })));
    await service.settle(a.reservation!, usage(100, 20), undefined);
    await service.settle(a.reservation!, usage(100, 20), undefined);
    const [report] = await service.usage(makeBudget(), 'search');
    assert.deepEqual(
      report?.limits.map((l) => [l.metric, l.used, l.reserved, l.remaining]),
      [
        ['TotalTokens', 120, 0, 880],
        ['Requests', 1, 0, 9],
      ],
    );
  });

  test('release undoes a reservation and charges nothing, not even the request', async () => {
    const { service } = setup();
    const first = admitted(await service.reserve(makeRequest()));
    assert.equal(Object.fromEntries(first.headers)['x-ratelimit-remaining-requests'], '9');
    await service.release(first.reservation!);
    await service.release(first.reservation!); // idempotent
    const second = admitted(await service.reserve(makeRequest()));
    assert.equal(Object.fromEntries(second.headers)['x-ratelimit-remaining-requests'], '9');
    await service.settle(second.reservation!, usage(10, 10), undefined);
    const third = admitted(await service.reserve(makeRequest()));
    assert.equal(Object.fromEntries(third.headers)['x-ratelimit-remaining-requests'], '8');
  });

  test('an unsettled reservation expires after the reservation TTL', async () => {
    const { service, advance } = setup();
    admitted(await service.reserve(makeRequest({ maxOutputTokens: 900 })));
    rejected(await service.reserve(makeRequest()));
    advance(30_001);
    admitted(await service.reserve(makeRequest()));
  });

  test('all budgets must admit: a refusal holds nothing on the others', async () => {
    const { service } = setup();
    const team = makeBudget({
      key: 'ns/team-month',
      limits: [{ metric: 'TotalTokens', amount: 1e6, window: { kind: 'Calendar', unit: 'Month' } }],
    });
    const user = makeBudget({
      key: 'ns/user-min',
      subject: { kind: 'User' },
      limits: [{ metric: 'Requests', amount: 1, window: { kind: 'Rolling', seconds: 60 } }],
    });
    admitted(await service.reserve(makeRequest({ budgets: [team, user] })));
    rejected(await service.reserve(makeRequest({ budgets: [team, user] })));
    const [report] = await service.usage(team, 'search');
    assert.equal(report?.limits[0]?.reserved, 150, 'only the admitted request is held');
  });

  test('degrade: the exhausted budget names the fallback; the retry charges it without checking', async () => {
    const { service } = setup();
    const budget = makeBudget({ action: { kind: 'Degrade', model: 'gpt-4o-mini', maxTokens: 64 } });
    admitted(await service.reserve(makeRequest({ budgets: [budget], maxOutputTokens: 850 })));
    const d = await service.reserve(makeRequest({ budgets: [budget] }));
    assert.deepEqual(d, { kind: 'degrade', budget: 'ns/team', model: 'gpt-4o-mini', maxTokens: 64 });
    const again = admitted(
      await service.reserve(
        makeRequest({ budgets: [budget], model: 'gpt-4o-mini', maxOutputTokens: 64, degraded: ['ns/team'] }),
      ),
    );
    await service.settle(again.reservation!, usage(100, 10), undefined);
    const [report] = await service.usage(budget, 'search');
    assert.equal(report?.limits[0]?.used, 110);
  });

  test('a Reject budget wins over a Degrade budget', async () => {
    const { service } = setup();
    const small = { limits: [{ metric: 'Requests', amount: 1, window: { kind: 'Rolling', seconds: 60 } }] };
    const degrade = makeBudget({ key: 'ns/d', action: { kind: 'Degrade', maxTokens: 10 }, ...small });
    const reject = makeBudget({ key: 'ns/r', ...small });
    admitted(await service.reserve(makeRequest({ budgets: [degrade, reject] })));
    assert.equal(
      rejected(await service.reserve(makeRequest({ budgets: [degrade, reject] }))).code,
      'rate_limited',
    );
  });

  test('past the soft limit: a warning header and a metric', async () => {
    const { service, registry } = setup();
    const budget = makeBudget({ softLimitPercent: 50 });
    const quiet = admitted(await service.reserve(makeRequest({ budgets: [budget] }))); // 150 of 1000
    assert.equal(
      quiet.headers.find(([k]) => k === 'tollgate-warning'),
      undefined,
    );
    const loud = admitted(await service.reserve(makeRequest({ budgets: [budget], maxOutputTokens: 500 }))); // 750
    assert.deepEqual(
      loud.headers.find(([k]) => k === 'tollgate-warning'),
      ['tollgate-warning', 'budget ns/team at 75% of 1000 TotalTokens per 60s rolling'],
    );
    assert.match(await registry.metrics(), /tollgate_budget_soft_limit_total\{budget="ns\/team"\} 1/);
  });

  test('unpriced models: Reject answers 400; CountTokens admits, charges $0 and counts it', async () => {
    const { service, registry } = setup();
    const cost = [{ metric: 'Cost', amount: 5, window: { kind: 'Calendar', unit: 'Day' } }];
    const error = rejected(
      await service.reserve(makeRequest({ budgets: [makeBudget({ limits: cost })], price: undefined })),
    );
    assert.equal(error.status, 400);
    assert.match(error.message, /gpt-4o.*ns\/team/);
    const counting = makeBudget({ limits: cost, unpriced: 'CountTokens' });
    const a = admitted(await service.reserve(makeRequest({ budgets: [counting], price: undefined })));
    await service.settle(a.reservation!, usage(1000, 1000), undefined);
    assert.match(await registry.metrics(), /tollgate_budget_unpriced_requests_total\{budget="ns\/team"\} 1/);
    const [report] = await service.usage(counting, 'search');
    assert.equal(report?.limits[0]?.used, 0);
  });

  test('a reservation released with no usage and no price is not counted as unpriced', async () => {
    const { service, registry } = setup();
    const cost = [{ metric: 'Cost', amount: 5, window: { kind: 'Calendar', unit: 'Day' } }];
    const budget = makeBudget({ limits: cost });
    const a = admitted(await service.reserve(makeRequest({ budgets: [budget] })));
    await service.settle(a.reservation!, usage(0, 0), undefined);
    assert.doesNotMatch(await registry.metrics(), /tollgate_budget_unpriced_requests_total\{/);
    const [report] = await service.usage(budget, 'search');
    assert.deepEqual([report?.limits[0]?.used, report?.limits[0]?.reserved], [0, 0]);
  });

  test('usage without a subject lists the fullest recent subjects first', async () => {
    const { service } = setup();
    for (const [team, out] of [
      ['a', 10],
      ['b', 500],
      ['c', 300],
    ] as const) {
      const r = admitted(await service.reserve(makeRequest({ identity: { source: 'header', team } })));
      await service.settle(r.reservation!, usage(0, out), undefined);
    }
    const reports = await service.usage(makeBudget(), undefined, 2);
    assert.deepEqual(
      reports.map((r) => r.subject),
      ['b', 'c'],
    );
  });
});
