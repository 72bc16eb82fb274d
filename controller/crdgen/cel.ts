// CEL equivalents of the zod refinements in controller/api. JSON Schema cannot say "exactly one
// of", so the API server would accept objects the controller then rejects; a CEL rule
// (x-kubernetes-validations) makes kubectl apply fail up front instead. Keyed by the zod schema
// object itself, so a rule cannot drift onto another field; the generator fails on a refine
// without a rule here and on a rule that matched no schema.
import type { z } from 'zod';
import {
  AIBackendSpec,
  AIGuardrailSpec,
  BudgetAction,
  BudgetSubject,
  BudgetTargetReference,
  BudgetWindowSpec,
  CHECK_FIELDS,
  ClientPolicyTargetReference,
  GuardrailCheckSpec,
  GuardrailTargetReference,
  JwtProvider,
  RollingDuration,
  TARGET_REF_CEL,
  WebhookHeader,
  Cidr,
  PiiPattern,
  TimeZone,
} from '../api';

export interface CelRule {
  rule: string;
  message: string;
  /** Field path the error is reported on, relative to the node (JSONPath, e.g. ".url"). */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export const CEL_RULES: ReadonlyMap<z.ZodType, CelRule[]> = new Map<z.ZodType, CelRule[]>([
  [
    AIBackendSpec.shape.endpoint,
    [{ rule: 'has(self.url) != has(self.service)', message: 'exactly one of url and service must be set' }],
  ],
  [
    AIBackendSpec.shape.bedrock.unwrap().shape.credentials.unwrap(),
    [
      {
        rule: '[has(self.secretRef), has(self.webIdentity), has(self.fromEnvironment)].filter(x, x).size() == 1',
        message: 'exactly one of secretRef, webIdentity and fromEnvironment must be set',
      },
    ],
  ],
  [
    AIBackendSpec.shape.azure.unwrap().shape.entra.unwrap(),
    [
      {
        rule: 'has(self.clientSecretRef) != has(self.workloadIdentity)',
        message: 'exactly one of clientSecretRef and workloadIdentity must be set',
      },
    ],
  ],
  [BudgetTargetReference, TARGET_REF_CEL],
  [GuardrailTargetReference, TARGET_REF_CEL],
  [ClientPolicyTargetReference, TARGET_REF_CEL],
  [
    RollingDuration,
    [
      {
        rule: "duration(self) >= duration('1s') && duration(self) <= duration('744h')",
        message: 'must be between 1s and 744h (31 days)',
      },
    ],
  ],
  [
    BudgetWindowSpec,
    [
      { rule: 'has(self.rolling) != has(self.calendar)', message: 'set exactly one of rolling and calendar' },
      {
        rule: '!has(self.timeZone) || has(self.calendar)',
        message: 'timeZone is only for calendar windows',
        fieldPath: '.timeZone',
      },
    ],
  ],
  [
    BudgetSubject,
    [
      {
        rule: "(self.kind in ['Header', 'Claim']) == has(self.name)",
        message: 'name is required for Header and Claim subjects and only allowed there',
        fieldPath: '.name',
      },
    ],
  ],
  [
    BudgetAction,
    [
      {
        rule: "(self.kind == 'Degrade') == (has(self.model) || has(self.maxTokens))",
        message: 'Degrade needs model or maxTokens; Reject takes neither',
      },
    ],
  ],
  [
    WebhookHeader,
    [{ rule: 'has(self.value) != has(self.valueFrom)', message: 'set exactly one of value and valueFrom' }],
  ],
  [
    GuardrailCheckSpec,
    [
      { rule: checkFieldsRule(), message: 'a field of another check type is set' },
      { rule: "self.type != 'Webhook' || has(self.url)", message: 'Webhook needs url', fieldPath: '.url' },
    ],
  ],
  [
    AIGuardrailSpec.shape.checks,
    [{ rule: 'self.all(c, self.exists_one(d, d.name == c.name))', message: 'check names must be unique' }],
  ],
  [
    JwtProvider,
    [
      {
        rule: 'has(self.jwksUri) != has(self.jwksSecretRef)',
        message: 'set exactly one of jwksUri and jwksSecretRef',
      },
    ],
  ],
  [Cidr, [{ rule: 'isCIDR(self)', message: 'must be a CIDR such as 10.0.0.0/8 or fd00::/8' }]],
]);

/**
 * Refinements CEL cannot express, each with the reason. The API server stores such objects and
 * the controller rejects them with Accepted=False reason Invalid naming the field.
 */
export const CONTROLLER_ONLY_CHECKS: ReadonlyMap<z.ZodType, string> = new Map<z.ZodType, string>([
  [PiiPattern.shape.regex, 'JavaScript regular expression syntax (CEL only knows RE2)'],
  [TimeZone, 'the IANA time zone database of the controller'],
]);

/** For each check type, none of the other types' fields is set. */
function checkFieldsRule(): string {
  return Object.entries(CHECK_FIELDS)
    .map(
      ([type, fields]) =>
        `(self.type == '${type}' || !(${fields.map((f) => `has(self.${f})`).join(' || ')}))`,
    )
    .join(' && ');
}
