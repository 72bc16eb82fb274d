import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BudgetConfig } from '../config/schema';
import type { BudgetRequest } from '../services';
import { chargeUnits, globMatch, reservationUnits, resolveSubject } from './estimate';
import { planRequest } from './plan';

const budget = (over: Record<string, unknown> = {}): BudgetConfig =>
  BudgetConfig.parse({
    key: 'ns/b',
    subject: { kind: 'Team' },
    limits: [{ metric: 'TotalTokens', amount: 1000, window: { kind: 'Rolling', seconds: 60 } }],
    action: { kind: 'Reject' },
    ...over,
  });

const req = (over: Partial<BudgetRequest> = {}): BudgetRequest => ({
  requestId: 'r1',
  budgets: [budget()],
  identity: { source: 'apiKey', team: 'search', user: 'ada', claims: { org: { id: 42 } } },
  headers: new Map([['x-tenant', 'acme']]),
  model: 'gpt-4o',
  inputTokens: 100,
  maxOutputTokens: 50,
  price: { input: 2, output: 10 },
  ...over,
});

describe('reservation estimate', () => {
  test('per metric, with max_tokens or the default cap', () => {
    const b = budget({ defaultMaxOutputTokens: 300 });
    const limit = (metric: string) =>
      ({ metric, amount: 1, window: { kind: 'Rolling', seconds: 60 } }) as BudgetConfig['limits'][0];
    assert.equal(reservationUnits(limit('InputTokens'), b, req()), 100);
    assert.equal(reservationUnits(limit('OutputTokens'), b, req()), 50);
    assert.equal(reservationUnits(limit('OutputTokens'), b, req({ maxOutputTokens: undefined })), 300);
    assert.equal(reservationUnits(limit('TotalTokens'), b, req()), 150);
    assert.equal(reservationUnits(limit('Requests'), b, req()), 1);
    // (100 * 2 + 50 * 10) / 1e6 USD = 0.0007 USD = 700,000 nano-dollars
    assert.equal(reservationUnits(limit('Cost'), b, req()), 700_000);
    assert.equal(reservationUnits(limit('Cost'), b, req({ price: undefined })), 'unpriced');
  });

  test('charges from real usage', () => {
    const usage = { input: 10, output: 20, cached: 0, reasoning: 5 };
    assert.equal(chargeUnits('TotalTokens', usage, undefined), 30);
    assert.equal(chargeUnits('Requests', usage, undefined), 1);
    assert.equal(chargeUnits('Cost', usage, undefined), 0);
    assert.equal(chargeUnits('Cost', usage, { input: 1000, output: 1000 }), 30_000_000); // $0.03
  });
});

describe('subjects', () => {
  test('from identity, headers and claims; "(none)" when missing', () => {
    const identity = req().identity;
    const headers = req().headers;
    const of = (subject: BudgetConfig['subject']) => resolveSubject(budget({ subject }), identity, headers);
    assert.equal(of({ kind: 'Global' }), '*');
    assert.equal(of({ kind: 'Team' }), 'search');
    assert.equal(of({ kind: 'User' }), 'ada');
    assert.equal(of({ kind: 'Tenant' }), '(none)');
    assert.equal(of({ kind: 'Header', name: 'X-Tenant' }), 'acme');
    assert.equal(of({ kind: 'Header', name: 'x-other' }), '(none)');
    assert.equal(of({ kind: 'Claim', name: 'org.id' }), '42');
    assert.equal(of({ kind: 'Claim', name: 'org' }), '(none)');
  });

  test('long values are hashed so keys stay bounded', () => {
    const s = resolveSubject(
      budget({ subject: { kind: 'Header', name: 'x-long' } }),
      req().identity,
      new Map([['x-long', 'a'.repeat(500)]]),
    );
    assert.match(s, /^sha256:[0-9a-f]{64}$/);
  });
});

describe('planning', () => {
  test('model filters skip budgets; degraded budgets are kept but not checked', () => {
    const only4o = budget({ key: 'ns/4o', models: ['gpt-4o*'] });
    const mini = budget({ key: 'ns/mini', models: ['gpt-4o-mini'] });
    const plan = planRequest(req({ budgets: [only4o, mini], model: 'gpt-4o-2024-08-06' }), Date.now());
    assert.equal(plan.kind, 'ok');
    if (plan.kind !== 'ok') return;
    assert.deepEqual(
      plan.budgets.map((b) => b.key),
      ['ns/4o'],
    );
    const degraded = planRequest(
      req({ budgets: [only4o, mini], model: 'gpt-3.5-turbo', degraded: ['ns/4o'] }),
      Date.now(),
    );
    assert.equal(
      degraded.kind === 'ok' && degraded.counters.map((c) => [c.budget.key, c.check]).join(),
      'ns/4o,false',
    );
  });

  test('an unpriced Cost limit rejects or counts tokens as configured', () => {
    const cost = [{ metric: 'Cost', amount: 10, window: { kind: 'Calendar', unit: 'Month' } }];
    const rejecting = budget({ limits: cost });
    const counting = budget({ limits: cost, unpriced: 'CountTokens' });
    assert.equal(planRequest(req({ budgets: [rejecting], price: undefined }), Date.now()).kind, 'unpriced');
    const plan = planRequest(req({ budgets: [counting], price: undefined }), Date.now());
    assert.equal(plan.kind === 'ok' && plan.counters[0]?.amount, 0);
  });

  test('globs', () => {
    assert.equal(globMatch('gpt-4o*', 'gpt-4o-mini'), true);
    assert.equal(globMatch('gpt-4o', 'gpt-4o-mini'), false);
    assert.equal(globMatch('*.large', 'text.large'), true);
    assert.equal(globMatch('a.c', 'abc'), false);
  });
});
