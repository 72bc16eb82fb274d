// Test fixtures for the budget tests: a budget (two rolling limits on the Team subject) and a
// request (100 prompt tokens, max_tokens 50, $2/$10 per million) to override field by field.
import { BudgetConfig } from '../config/schema';
import type { BudgetRequest } from '../services';

export const makeBudget = (over: Record<string, unknown> = {}): BudgetConfig =>
  BudgetConfig.parse({
    key: 'ns/team',
    subject: { kind: 'Team' },
    limits: [
      { metric: 'TotalTokens', amount: 1000, window: { kind: 'Rolling', seconds: 60 } },
      { metric: 'Requests', amount: 10, window: { kind: 'Rolling', seconds: 60 } },
    ],
    action: { kind: 'Reject' },
    ...over,
  });

let seq = 0;
export const makeRequest = (over: Partial<BudgetRequest> = {}): BudgetRequest => ({
  requestId: `req-${++seq}`,
  budgets: [makeBudget()],
  identity: { source: 'apiKey', team: 'search', user: 'ada' },
  headers: new Map(),
  model: 'gpt-4o',
  inputTokens: 100,
  maxOutputTokens: 50,
  price: { input: 2, output: 10 },
  ...over,
});
