// AIBudget: token and currency budgets and token/request rate limits for a subject (everyone,
// a tenant, team, user, API key, or the value of a header or JWT claim), over rolling or
// calendar windows, attached to Gateways, AIRoutes (or one rule) and AIBackends. Fields map 1:1
// to BudgetConfig in extproc/config/schema.ts; the window is the one friendlier shape:
// `{rolling: 1h}` or `{calendar: Month, timeZone: Europe/Paris}`.
import { z } from 'zod';
import { API_VERSION, Duration, ObjectMeta, durationToMs } from './common';
import { Glob, PolicyConditions, isTimeZone, policyTargetRef } from './policy';

/** BudgetWindow's bounds for rolling windows. */
export const MAX_ROLLING_SECONDS = 31 * 86400;

export const RollingDuration = Duration.max(32)
  .refine(
    (d) => durationToMs(d) >= 1000 && durationToMs(d) <= MAX_ROLLING_SECONDS * 1000,
    'must be between 1s and 744h (31 days)',
  )
  .describe('A sliding window, e.g. 1m, 1h, 24h (1s to 744h).');

export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Paris')
  .describe('IANA time zone the calendar period starts in (at local midnight); defaults to UTC.');

export const BudgetWindowSpec = z
  .object({
    rolling: RollingDuration.optional(),
    calendar: z
      .enum(['Day', 'Week', 'Month'])
      .optional()
      .describe('A calendar period starting at local midnight (weeks start on Monday).'),
    timeZone: TimeZone.optional(),
  })
  .refine(
    (w) => (w.rolling === undefined) !== (w.calendar === undefined),
    'set exactly one of rolling and calendar',
  )
  .refine((w) => w.timeZone === undefined || w.calendar !== undefined, {
    message: 'timeZone is only for calendar windows',
    path: ['timeZone'],
  })
  .describe('The window a limit counts over: exactly one of rolling and calendar.');

export const BudgetLimitSpec = z
  .object({
    metric: z
      .enum(['InputTokens', 'OutputTokens', 'TotalTokens', 'Cost', 'Requests'])
      .describe('What is counted; Cost is in US dollars from the backend prices.'),
    amount: z.number().positive().describe('The limit: tokens, requests, or US dollars for Cost.'),
    window: BudgetWindowSpec,
  })
  .describe('One limit.');

export const BudgetSubject = z
  .object({
    kind: z
      .enum(['Global', 'Tenant', 'Team', 'User', 'APIKey', 'Header', 'Claim'])
      .default('Global')
      .describe(
        'Whose usage is counted together: Global (one shared counter), the caller identity fields, or the value of a request header / JWT claim.',
      ),
    name: z.string().min(1).optional().describe('Header or claim name (dots walk into nested claims).'),
  })
  .refine((s) => (s.kind === 'Header' || s.kind === 'Claim') === (s.name !== undefined), {
    message: 'name is required for Header and Claim subjects and only allowed there',
    path: ['name'],
  })
  .describe(
    'A request without the value counts under the subject "(none)": a missing value never escapes a budget.',
  );

export const BudgetAction = z
  .object({
    kind: z
      .enum(['Reject', 'Degrade'])
      .default('Reject')
      .describe('Reject with 429, or Degrade the request.'),
    model: z.string().min(1).optional().describe('Degrade: send the request with this (cheaper) model.'),
    maxTokens: z.number().int().positive().optional().describe('Degrade: cap max_tokens to this.'),
  })
  .refine(
    (a) => (a.kind === 'Degrade') === (a.model !== undefined || a.maxTokens !== undefined),
    'Degrade needs model or maxTokens; Reject takes neither',
  )
  .describe('What happens when a limit is exhausted.');

export const BudgetTargetReference = policyTargetRef(['Gateway', 'AIRoute', 'AIBackend']);

export const AIBudgetSpec = z
  .object({
    targetRefs: z
      .array(BudgetTargetReference)
      .min(1)
      .max(16)
      .describe('Gateways, AIRoutes (or one rule with sectionName) and AIBackends this budget applies to.'),
    subject: BudgetSubject.default({ kind: 'Global' }),
    models: z
      .array(Glob)
      .max(64)
      .default([])
      .describe('Requested-model globs this budget counts; empty means all.'),
    limits: z.array(BudgetLimitSpec).min(1).max(16).describe('Limits; a request must fit every one.'),
    action: BudgetAction.default({ kind: 'Reject' }),
    softLimitPercent: z
      .number()
      .min(1)
      .max(100)
      .optional()
      .describe('Percent of a limit past which responses carry a tollgate-warning header.'),
    failMode: z
      .enum(['Open', 'Closed'])
      .default('Closed')
      .describe('The counter store is unreachable: admit (Open) or answer 503 (Closed).'),
    unpriced: z
      .enum(['Reject', 'CountTokens'])
      .default('Reject')
      .describe(
        'A Cost limit meets a model without a price: Reject (400) or CountTokens (admit, count tokens only).',
      ),
    defaultMaxOutputTokens: z
      .number()
      .int()
      .positive()
      .default(4096)
      .describe('Output tokens reserved up front when the request sets no max_tokens.'),
  })
  .describe('Desired state of the AIBudget.');
export type AIBudgetSpec = z.infer<typeof AIBudgetSpec>;

/** Filled by the budget service (a separate writer), never by translate(). */
export const BudgetUsage = z
  .object({
    updatedAt: z.string().describe('When these numbers were read (RFC 3339).'),
    subjects: z
      .array(
        z
          .object({
            subject: z.string().describe('The subject value, e.g. a tenant name or "(global)".'),
            limits: z
              .array(
                z
                  .object({
                    metric: z.string().describe('The limit metric.'),
                    window: z.string().describe('The window, e.g. 1h or Month (Europe/Paris).'),
                    used: z.number().describe('Counted in the current window.'),
                    limit: z.number().describe('The limit amount.'),
                    remaining: z.number().describe('limit - used, never below 0.'),
                    resetsAt: z
                      .string()
                      .optional()
                      .describe('When the window next frees capacity (RFC 3339).'),
                  })
                  .describe('Usage against one limit.'),
              )
              .describe('Usage per limit, in spec order.'),
          })
          .describe('Usage of one subject.'),
      )
      .max(100)
      .describe('The subjects with the highest use (at most 100).'),
  })
  .describe(
    'Current use, written periodically by the leader controller from the shared Redis counters (absent without Redis).',
  );

export const AIBudgetStatus = z
  .object({ conditions: PolicyConditions, usage: BudgetUsage.optional() })
  .describe('Observed state of the AIBudget.');

export const AIBudget = z
  .object({
    apiVersion: z.literal(API_VERSION).describe('API version.'),
    kind: z.literal('AIBudget').describe('Kind.'),
    metadata: ObjectMeta,
    spec: AIBudgetSpec,
    status: AIBudgetStatus.optional(),
  })
  .describe('AIBudget limits tokens, cost and requests per subject over time windows.');
export type AIBudget = z.infer<typeof AIBudget>;
