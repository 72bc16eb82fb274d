// What a request reserves and what it is finally charged, per limit metric, and whose counter it
// lands on. Amounts are integers in store units: tokens and requests as they are, Cost in
// nano-dollars (1e-9 USD), so counters add exactly (Redis HINCRBY, doubles exact to 2^53: about
// nine million dollars per counter and window).
//
// Reservation (worst case): InputTokens = the prompt as our tokenizer counted it, OutputTokens =
// max_tokens or the budget's defaultMaxOutputTokens, TotalTokens = both, Requests = 1, Cost =
// both priced at the route's most expensive backend. Charge (real usage): the provider's counts,
// Requests = 1, Cost at the serving backend's price.
import { createHash } from 'node:crypto';
import type { BudgetConfig, BudgetLimit, Price } from '../config/schema';
import type { Identity } from '../services';
import type { Headers } from '../messages';
import type { Usage } from '../usage';
import { costOf, worstCaseCost } from './pricing';

export const COST_UNITS_PER_USD = 1_000_000_000;
/** The subject of a request that lacks the configured value (schema.ts: never escapes a budget). */
export const NO_SUBJECT = '(none)';
/** The one subject of a Global budget. */
export const GLOBAL_SUBJECT = '*';
const MAX_SUBJECT_LENGTH = 128;

export function usdToUnits(usd: number): number {
  return Math.round(usd * COST_UNITS_PER_USD);
}

export function fromUnits(metric: BudgetLimit['metric'], units: number): number {
  return metric === 'Cost' ? units / COST_UNITS_PER_USD : units;
}

export function toUnits(metric: BudgetLimit['metric'], amount: number): number {
  return metric === 'Cost' ? usdToUnits(amount) : Math.floor(amount);
}

export interface Estimate {
  inputTokens: number;
  maxOutputTokens: number | undefined;
  price: Price | undefined;
}

/** Store units to reserve for one limit; 'unpriced' for a Cost limit without a price. */
export function reservationUnits(
  limit: BudgetLimit,
  budget: BudgetConfig,
  req: Estimate,
): number | 'unpriced' {
  const output = req.maxOutputTokens ?? budget.defaultMaxOutputTokens;
  switch (limit.metric) {
    case 'InputTokens':
      return req.inputTokens;
    case 'OutputTokens':
      return output;
    case 'TotalTokens':
      return req.inputTokens + output;
    case 'Requests':
      return 1;
    case 'Cost':
      return req.price ? usdToUnits(worstCaseCost(req.inputTokens, output, req.price)) : 'unpriced';
  }
}

/** Store units the real usage charges to one limit (Cost without a price charges 0). */
export function chargeUnits(metric: BudgetLimit['metric'], usage: Usage, price: Price | undefined): number {
  switch (metric) {
    case 'InputTokens':
      return usage.input;
    case 'OutputTokens':
      return usage.output;
    case 'TotalTokens':
      return usage.input + usage.output;
    case 'Requests':
      return 1;
    case 'Cost':
      return price ? usdToUnits(costOf(usage, price)) : 0;
  }
}

/** "*" matches any run of characters; everything else literally. */
export function globMatch(glob: string, value: string): boolean {
  const re = new RegExp(`^${glob.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return re.test(value);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether a budget counts this request: its model filter matches, or it was degraded already. */
export function budgetApplies(budget: BudgetConfig, model: string, degraded: readonly string[]): boolean {
  if (degraded.includes(budget.key)) return true;
  return budget.models.length === 0 || budget.models.some((g) => globMatch(g, model));
}

function claim(claims: Record<string, unknown> | undefined, path: string): unknown {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function asSubject(value: unknown): string {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return NO_SUBJECT;
}

/**
 * The subject whose counters a request uses. Values longer than 128 characters are replaced by
 * "sha256:<hex>" so keys stay bounded; the subject never leaves Redis, the usage API and debug logs.
 */
export function resolveSubject(budget: BudgetConfig, identity: Identity, headers: Headers): string {
  const name = budget.subject.name ?? '';
  let raw: string;
  switch (budget.subject.kind) {
    case 'Global':
      return GLOBAL_SUBJECT;
    case 'Tenant':
      raw = asSubject(identity.tenant);
      break;
    case 'Team':
      raw = asSubject(identity.team);
      break;
    case 'User':
      raw = asSubject(identity.user);
      break;
    case 'APIKey':
      raw = asSubject(identity.apiKey);
      break;
    case 'Header':
      raw = asSubject(headers.get(name.toLowerCase()));
      break;
    case 'Claim':
      raw = asSubject(claim(identity.claims, name));
      break;
  }
  return subjectId(raw);
}

/** The stored form of a subject: itself, or "sha256:<hex>" past 128 characters. */
export function subjectId(raw: string): string {
  return raw.length > MAX_SUBJECT_LENGTH ? `sha256:${createHash('sha256').update(raw).digest('hex')}` : raw;
}
