// AIGuardrail: request and response checks (PII, prompt injection, topics, limits, webhook),
// attached to Gateways and AIRoutes. A check is one flat object whose `type` says which of its
// fields apply, the same fields as GuardrailCheck in extproc/config/schema.ts (a CRD schema
// cannot hold a discriminated union), so the README documents one shape. Webhook headers may
// take their value from a Secret in the guardrail's namespace.
import { z } from 'zod';
import { PII_DETECTORS } from '../../extproc/config/schema';
import { API_VERSION, ObjectMeta } from './common';
import { Glob, PolicyConditions, compilesAsRegex, policyTargetRef } from './policy';

export const GUARDRAIL_CHECK_TYPES = ['PII', 'PromptInjection', 'Topics', 'Limits', 'Webhook'] as const;
export type GuardrailCheckType = (typeof GUARDRAIL_CHECK_TYPES)[number];

/** The type-specific fields of a check; a field set on a check of another type is rejected. */
export const CHECK_FIELDS: Record<GuardrailCheckType, readonly string[]> = {
  PII: ['detectors', 'patterns', 'restore'],
  PromptInjection: ['threshold'],
  Topics: ['deny', 'allow'],
  Limits: ['maxPromptTokens', 'maxMessages', 'maxRequestBytes', 'allowedModels'],
  Webhook: ['url', 'timeoutMs', 'headers'],
};

export const PiiPattern = z
  .object({
    name: z
      .string()
      .min(1)
      .max(63)
      .describe('Name reported when the pattern fires (never the matched text).'),
    regex: z
      .string()
      .min(1)
      .max(1024)
      .refine(compilesAsRegex, 'must be a valid JavaScript regular expression')
      .describe('JavaScript regular expression, matched case-sensitively.'),
  })
  .describe('A user-defined PII detector.');

export const WebhookHeader = z
  .object({
    name: z.string().min(1).max(256).describe('Header name.'),
    value: z.string().optional().describe('Literal value.'),
    valueFrom: z
      .object({
        secretKeyRef: z
          .object({
            name: z.string().min(1).describe("Secret name, in the guardrail's namespace."),
            key: z.string().min(1).describe('Key within the Secret data.'),
          })
          .describe('A key of a Secret.'),
      })
      .optional()
      .describe('Value from a Secret (credentials for the webhook).'),
  })
  .refine(
    (h) => (h.value === undefined) !== (h.valueFrom === undefined),
    'set exactly one of value and valueFrom',
  )
  .describe('A header sent to the webhook.');

const fieldsOf = (c: Record<string, unknown>): string[] => Object.keys(c).filter((k) => c[k] !== undefined);

export const GuardrailCheckSpec = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
      .max(63)
      .describe('Check name, unique in the guardrail; reported in metrics, logs and errors.'),
    type: z.enum(GUARDRAIL_CHECK_TYPES).describe('Which check this is; only its own fields may be set.'),
    scope: z.enum(['Request', 'Response', 'Both']).default('Both').describe('Where the check runs.'),
    action: z
      .enum(['Block', 'Redact', 'Log'])
      .describe('Block (400, or an error event in a stream), Redact (replace what matched), or Log only.'),
    failMode: z
      .enum(['Open', 'Closed'])
      .default('Closed')
      .describe(
        'The check cannot run (webhook down, timeout): Open lets the request pass, Closed blocks it.',
      ),
    detectors: z
      .array(z.enum(PII_DETECTORS))
      .optional()
      .describe('PII: built-in detectors to run; default all.'),
    patterns: z.array(PiiPattern).max(64).optional().describe('PII: user-defined detectors.'),
    restore: z
      .boolean()
      .optional()
      .describe('PII with Redact: put the originals back in the response the client receives.'),
    threshold: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('PromptInjection: score in [0, 1] at or above which the check fires; default 0.5.'),
    deny: z
      .array(z.string().min(1))
      .max(256)
      .optional()
      .describe('Topics: words or phrases (case-insensitive, whole words) that make the check fire.'),
    allow: z
      .array(z.string().min(1))
      .max(256)
      .optional()
      .describe('Topics: when set, a prompt must mention at least one of these.'),
    maxPromptTokens: z.number().int().positive().optional().describe('Limits: most prompt tokens.'),
    maxMessages: z.number().int().positive().optional().describe('Limits: most messages.'),
    maxRequestBytes: z.number().int().positive().optional().describe('Limits: largest request body.'),
    allowedModels: z.array(Glob).max(64).optional().describe('Limits: requested-model globs allowed.'),
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Webhook: http(s) URL that receives the text and answers a verdict.'),
    timeoutMs: z.number().int().positive().max(60000).optional().describe('Webhook: timeout; default 1000.'),
    headers: z.array(WebhookHeader).max(16).optional().describe('Webhook: extra request headers.'),
  })
  .refine(
    (c) => fieldsOf(c).every((f) => !isTypeField(f) || CHECK_FIELDS[c.type].includes(f)),
    'a field of another check type is set',
  )
  .refine((c) => c.type !== 'Webhook' || c.url !== undefined, { message: 'Webhook needs url', path: ['url'] })
  .describe('One check.');
export type GuardrailCheckSpec = z.infer<typeof GuardrailCheckSpec>;

const TYPE_FIELDS = new Set(Object.values(CHECK_FIELDS).flat());
function isTypeField(field: string): boolean {
  return TYPE_FIELDS.has(field);
}

export const GuardrailTargetReference = policyTargetRef(['Gateway', 'AIRoute']);

export const AIGuardrailSpec = z
  .object({
    targetRefs: z
      .array(GuardrailTargetReference)
      .min(1)
      .max(16)
      .describe('Gateways and AIRoutes (or one rule with sectionName) whose requests this guardrail checks.'),
    checks: z
      .array(GuardrailCheckSpec)
      .min(1)
      .max(32)
      .refine((cs) => new Set(cs.map((c) => c.name)).size === cs.length, 'check names must be unique')
      .describe('Checks, run in order; the first Block ends the evaluation.'),
  })
  .describe('Desired state of the AIGuardrail.');
export type AIGuardrailSpec = z.infer<typeof AIGuardrailSpec>;

export const AIGuardrailStatus = z
  .object({ conditions: PolicyConditions })
  .describe('Observed state of the AIGuardrail.');

export const AIGuardrail = z
  .object({
    apiVersion: z.literal(API_VERSION).describe('API version.'),
    kind: z.literal('AIGuardrail').describe('Kind.'),
    metadata: ObjectMeta,
    spec: AIGuardrailSpec,
    status: AIGuardrailStatus.optional(),
  })
  .describe('AIGuardrail checks requests and responses for PII, prompt injection, topics and limits.');
export type AIGuardrail = z.infer<typeof AIGuardrail>;
