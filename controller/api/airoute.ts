// AIRoute: attaches to Gateways and sends requests, chosen by model and headers, to AIBackends
// with weights, priorities (fallback), model name overrides, timeouts, retries, and what to do
// with parameters a backend cannot honour (unsupportedParameters).
import { z } from 'zod';
import { API_VERSION, Condition, Duration, ObjectMeta, ParentReference, RouteParentStatus } from './common';

export const ModelMatch = z
  .object({
    type: z
      .enum(['Exact', 'Prefix', 'RegularExpression'])
      .default('Exact')
      .describe('How value is compared with the request model.'),
    value: z.string().min(1).describe('Model name, prefix or RE2-compatible regular expression.'),
  })
  .describe('Matches the `model` field of the request body.');

export const HeaderMatch = z
  .object({
    type: z.enum(['Exact', 'RegularExpression']).default('Exact').describe('How value is compared.'),
    name: z.string().min(1).describe('Header name (case-insensitive).'),
    value: z.string().describe('Header value or regular expression.'),
  })
  .describe('Matches a request header.');
export type HeaderMatch = z.infer<typeof HeaderMatch>;

export const AIRouteMatch = z
  .object({
    model: ModelMatch.optional().describe('Match on the requested model; absent matches every model.'),
    headers: z.array(HeaderMatch).max(16).default([]).describe('All of these headers must match.'),
  })
  .describe('A request matches when every condition here holds.');

export const AIBackendRef = z
  .object({
    name: z.string().min(1).describe('Name of the AIBackend.'),
    namespace: z
      .string()
      .optional()
      .describe('Namespace of the AIBackend; cross-namespace needs a ReferenceGrant.'),
    weight: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(1)
      .describe('Share of traffic among backends of the same priority.'),
    priority: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(0)
      .describe('0 is tried first; higher priorities are fallbacks used when lower ones fail.'),
    modelOverride: z
      .string()
      .optional()
      .describe('Model name sent to this backend instead of the requested one.'),
  })
  .describe('A backend for a rule.');

export const RetryPolicy = z
  .object({
    attempts: z.number().int().min(0).max(10).default(2).describe('Retries after the first attempt.'),
    perTryTimeout: Duration.optional().describe('Timeout of each attempt.'),
    on: z
      .array(z.enum(['connect-failure', 'reset', '5xx', 'gateway-error', 'retriable-status-codes']))
      .default(['connect-failure', 'reset', 'retriable-status-codes'])
      .describe('Conditions that trigger a retry (Envoy retry_on values).'),
    statusCodes: z
      .array(z.number().int().min(100).max(599))
      .default([429, 500, 502, 503, 504, 529])
      .describe('Status codes retried with retriable-status-codes.'),
    backoff: z
      .object({
        base: Duration.default('250ms').describe('Base interval of the exponential backoff.'),
        max: Duration.optional().describe('Maximum interval; defaults to 10 times base.'),
      })
      .optional()
      .describe('Backoff between retries.'),
  })
  .describe('Retries; each retry moves to the next priority when the current one has failed.');

export const AIRouteRule = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
      .max(63)
      .optional()
      .describe('Rule name; defaults to rule-<index>.'),
    matches: z
      .array(AIRouteMatch)
      .max(16)
      .default([{ headers: [] }])
      .describe('Any of these matches selects the rule; none matches everything.'),
    backendRefs: z.array(AIBackendRef).min(1).max(16).describe('Backends that serve matching requests.'),
    timeouts: z
      .object({
        request: Duration.default('120s').describe('Whole-request timeout including retries.'),
        streamIdle: Duration.optional().describe('Longest gap between two chunks of a streamed response.'),
      })
      .default({ request: '120s' })
      .describe('Timeouts.'),
    retry: RetryPolicy.optional().describe('Retry and fallback policy.'),
    unsupportedParameters: z
      .enum(['Reject', 'Drop'])
      .default('Reject')
      .describe(
        'What to do with a request parameter a backend cannot honour (e.g. logprobs on Bedrock): ' +
          'Reject answers 400 naming the parameter; Drop leaves it out and names it in the ' +
          'tollgate-warning response header.',
      ),
  })
  .describe('A rule: which requests, to which backends, how.');
export type AIRouteRule = z.infer<typeof AIRouteRule>;

export const AIRouteSpec = z
  .object({
    parentRefs: z.array(ParentReference).min(1).max(32).describe('Gateways this route attaches to.'),
    hostnames: z
      .array(z.string())
      .max(16)
      .default([])
      .describe('Hostnames this route serves; empty means all of the listener.'),
    rules: z.array(AIRouteRule).min(1).max(64).describe('Rules, evaluated in order; the first match wins.'),
  })
  .describe('Desired state of the AIRoute.');

export const AIRouteStatus = z
  .object({
    parents: z.array(RouteParentStatus).default([]).describe('Status per parent Gateway.'),
    conditions: z.array(Condition).default([]).describe('Conditions about the route itself.'),
  })
  .describe('Observed state of the AIRoute.');

export const AIRoute = z
  .object({
    apiVersion: z.literal(API_VERSION).describe('API version.'),
    kind: z.literal('AIRoute').describe('Kind.'),
    metadata: ObjectMeta,
    spec: AIRouteSpec,
    status: AIRouteStatus.optional(),
  })
  .describe('AIRoute routes OpenAI-compatible requests by model to AIBackends.');
export type AIRoute = z.infer<typeof AIRoute>;
