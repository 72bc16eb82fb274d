// Tables of good and bad AIBudget, AIGuardrail and AIClientPolicy specs through the zod schemas
// (what the controller enforces) and the generated CRD schemas (what the API server enforces),
// plus the CEL rules and structure of the generated CRDs for these kinds.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateCrds } from '../crdgen/generate';
import { validateAgainst } from '../crdgen/openapi-validate';
import type { OpenApiSchema } from '../crdgen/openapi';
import { structuralProblems } from '../crdgen/structural';
import { AIBudget, AIClientPolicy, AIGuardrail, isCidr, isTimeZone, compilesAsRegex } from './index';

type Spec = Record<string, unknown>;
const object = (kind: string, spec: Spec) => ({
  apiVersion: 'tollgate.dev/v1alpha1',
  kind,
  metadata: { name: 'p', namespace: 'ai' },
  spec,
});
const gw = [{ kind: 'Gateway', name: 'gw' }];
const SCHEMAS = { AIBudget, AIGuardrail, AIClientPolicy } as const;

/** [label, kind, spec, the field path the first issue must name (undefined: valid)] */
const CASES: Array<[string, keyof typeof SCHEMAS, Spec, string | undefined]> = [
  [
    'minimal budget',
    'AIBudget',
    { targetRefs: gw, limits: [{ metric: 'Requests', amount: 1, window: { rolling: '1m' } }] },
    undefined,
  ],
  [
    'calendar with zone',
    'AIBudget',
    {
      targetRefs: gw,
      limits: [{ metric: 'Cost', amount: 5, window: { calendar: 'Month', timeZone: 'America/New_York' } }],
    },
    undefined,
  ],
  [
    'backend target',
    'AIBudget',
    {
      targetRefs: [{ kind: 'AIBackend', name: 'b' }],
      limits: [{ metric: 'Cost', amount: 5, window: { calendar: 'Day' } }],
    },
    undefined,
  ],
  [
    'unknown zone',
    'AIBudget',
    {
      targetRefs: gw,
      limits: [{ metric: 'Cost', amount: 5, window: { calendar: 'Day', timeZone: 'Moon/Base' } }],
    },
    'spec.limits[0].window.timeZone',
  ],
  [
    'both windows',
    'AIBudget',
    { targetRefs: gw, limits: [{ metric: 'Cost', amount: 5, window: { calendar: 'Day', rolling: '1h' } }] },
    'spec.limits[0].window',
  ],
  [
    'no window',
    'AIBudget',
    { targetRefs: gw, limits: [{ metric: 'Cost', amount: 5, window: {} }] },
    'spec.limits[0].window',
  ],
  [
    'zone on rolling',
    'AIBudget',
    { targetRefs: gw, limits: [{ metric: 'Cost', amount: 5, window: { rolling: '1h', timeZone: 'UTC' } }] },
    'spec.limits[0].window.timeZone',
  ],
  [
    'rolling too long',
    'AIBudget',
    { targetRefs: gw, limits: [{ metric: 'Cost', amount: 5, window: { rolling: '745h' } }] },
    'spec.limits[0].window.rolling',
  ],
  [
    'rolling not a duration',
    'AIBudget',
    { targetRefs: gw, limits: [{ metric: 'Cost', amount: 5, window: { rolling: 'an hour' } }] },
    'spec.limits[0].window.rolling',
  ],
  [
    'zero amount',
    'AIBudget',
    { targetRefs: gw, limits: [{ metric: 'Cost', amount: 0, window: { rolling: '1h' } }] },
    'spec.limits[0].amount',
  ],
  [
    'header subject without name',
    'AIBudget',
    {
      targetRefs: gw,
      subject: { kind: 'Header' },
      limits: [{ metric: 'Requests', amount: 1, window: { rolling: '1m' } }],
    },
    'spec.subject.name',
  ],
  [
    'degrade without anything',
    'AIBudget',
    {
      targetRefs: gw,
      action: { kind: 'Degrade' },
      limits: [{ metric: 'Requests', amount: 1, window: { rolling: '1m' } }],
    },
    'spec.action',
  ],
  ['no limits', 'AIBudget', { targetRefs: gw, limits: [] }, 'spec.limits'],
  [
    'no targets',
    'AIBudget',
    { targetRefs: [], limits: [{ metric: 'Requests', amount: 1, window: { rolling: '1m' } }] },
    'spec.targetRefs',
  ],
  [
    'wrong group',
    'AIBudget',
    {
      targetRefs: [{ group: 'tollgate.dev', kind: 'Gateway', name: 'gw' }],
      limits: [{ metric: 'Requests', amount: 1, window: { rolling: '1m' } }],
    },
    'spec.targetRefs[0].group',
  ],
  [
    'pii guardrail',
    'AIGuardrail',
    {
      targetRefs: [{ kind: 'AIRoute', name: 'r', sectionName: 'rule-0' }],
      checks: [
        { name: 'pii', type: 'PII', action: 'Redact', patterns: [{ name: 'id', regex: '(?<id>ID-\\d+)' }] },
      ],
    },
    undefined,
  ],
  [
    'webhook with secret header',
    'AIGuardrail',
    {
      targetRefs: gw,
      checks: [
        {
          name: 'w',
          type: 'Webhook',
          action: 'Block',
          url: 'https://x.example/check',
          headers: [{ name: 'authorization', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
        },
      ],
    },
    undefined,
  ],
  [
    'regex does not compile',
    'AIGuardrail',
    {
      targetRefs: gw,
      checks: [{ name: 'pii', type: 'PII', action: 'Block', patterns: [{ name: 'x', regex: '(unclosed' }] }],
    },
    'spec.checks[0].patterns[0].regex',
  ],
  [
    'webhook without url',
    'AIGuardrail',
    { targetRefs: gw, checks: [{ name: 'w', type: 'Webhook', action: 'Block' }] },
    'spec.checks[0].url',
  ],
  [
    'webhook ftp url',
    'AIGuardrail',
    { targetRefs: gw, checks: [{ name: 'w', type: 'Webhook', action: 'Block', url: 'ftp://x.example/' }] },
    'spec.checks[0].url',
  ],
  [
    'header value and valueFrom',
    'AIGuardrail',
    {
      targetRefs: gw,
      checks: [
        {
          name: 'w',
          type: 'Webhook',
          action: 'Block',
          url: 'http://x/',
          headers: [{ name: 'a', value: 'v', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
        },
      ],
    },
    'spec.checks[0].headers[0]',
  ],
  [
    'field of another type',
    'AIGuardrail',
    { targetRefs: gw, checks: [{ name: 'l', type: 'Limits', action: 'Block', threshold: 0.5 }] },
    'spec.checks[0]',
  ],
  [
    'duplicate check names',
    'AIGuardrail',
    {
      targetRefs: gw,
      checks: [
        { name: 'a', type: 'Topics', action: 'Log' },
        { name: 'a', type: 'Topics', action: 'Log' },
      ],
    },
    'spec.checks',
  ],
  [
    'threshold above 1',
    'AIGuardrail',
    { targetRefs: gw, checks: [{ name: 'i', type: 'PromptInjection', action: 'Block', threshold: 1.5 }] },
    'spec.checks[0].threshold',
  ],
  [
    'backend target on guardrail',
    'AIGuardrail',
    {
      targetRefs: [{ kind: 'AIBackend', name: 'b' }],
      checks: [{ name: 't', type: 'Topics', action: 'Log' }],
    },
    'spec.targetRefs[0].kind',
  ],
  [
    'sectionName on Gateway',
    'AIGuardrail',
    {
      targetRefs: [{ kind: 'Gateway', name: 'gw', sectionName: 'http' }],
      checks: [{ name: 't', type: 'Topics', action: 'Log' }],
    },
    'spec.targetRefs[0].sectionName',
  ],
  [
    'full client policy',
    'AIClientPolicy',
    {
      targetRefs: gw,
      apiKeys: {},
      jwt: { providers: [{ issuer: 'i', jwksUri: 'https://i.example/jwks' }] },
      mtls: { caCertificateRefs: [{ name: 'ca' }] },
      trustedHeaders: { sourceCIDRs: ['10.0.0.0/8', '2001:db8::/32'], userHeader: 'x-user' },
    },
    undefined,
  ],
  [
    'bad CIDR',
    'AIClientPolicy',
    { targetRefs: gw, trustedHeaders: { sourceCIDRs: ['10.0.0.0/33'], userHeader: 'x-user' } },
    'spec.trustedHeaders.sourceCIDRs[0]',
  ],
  [
    'CIDR without prefix',
    'AIClientPolicy',
    { targetRefs: gw, trustedHeaders: { sourceCIDRs: ['10.0.0.1'], userHeader: 'x-user' } },
    'spec.trustedHeaders.sourceCIDRs[0]',
  ],
  [
    'jwks both',
    'AIClientPolicy',
    {
      targetRefs: gw,
      jwt: { providers: [{ issuer: 'i', jwksUri: 'https://i.example/jwks', jwksSecretRef: { name: 's' } }] },
    },
    'spec.jwt.providers[0]',
  ],
  [
    'jwks neither',
    'AIClientPolicy',
    { targetRefs: gw, jwt: { providers: [{ issuer: 'i' }] } },
    'spec.jwt.providers[0]',
  ],
  [
    'bad cacheDuration',
    'AIClientPolicy',
    {
      targetRefs: gw,
      jwt: { providers: [{ issuer: 'i', jwksUri: 'https://i/', cacheDuration: '5 minutes' }] },
    },
    'spec.jwt.providers[0].cacheDuration',
  ],
  [
    'unknown access effect',
    'AIClientPolicy',
    { targetRefs: gw, access: { rules: [{ effect: 'Maybe' }] } },
    'spec.access.rules[0].effect',
  ],
  [
    'mtls without CAs',
    'AIClientPolicy',
    { targetRefs: gw, mtls: { caCertificateRefs: [] } },
    'spec.mtls.caCertificateRefs',
  ],
];

const crds = new Map(
  generateCrds().map((c) => {
    const o = c.object as {
      spec: { names: { kind: string }; versions: Array<{ schema: { openAPIV3Schema: OpenApiSchema } }> };
    };
    return [o.spec.names.kind, o];
  }),
);
const schemaOf = (kind: string): OpenApiSchema => {
  const schema = crds.get(kind)?.spec.versions[0]?.schema.openAPIV3Schema;
  assert.ok(schema, `no CRD for ${kind}`);
  return schema;
};

/**
 * Mistakes validateAgainst cannot see: CEL rules and controller-only checks (it evaluates neither),
 * and exclusiveMinimum (which the API server enforces).
 */
const CEL_OR_CONTROLLER_ONLY = new Set([
  'zero amount',
  'unknown zone',
  'both windows',
  'no window',
  'zone on rolling',
  'rolling too long',
  'header subject without name',
  'degrade without anything',
  'wrong group',
  'regex does not compile',
  'webhook without url',
  'webhook ftp url',
  'header value and valueFrom',
  'field of another type',
  'duplicate check names',
  'sectionName on Gateway',
  'bad CIDR',
  'CIDR without prefix',
  'jwks both',
  'jwks neither',
]);

void describe('policy kinds: zod', () => {
  for (const [label, kind, spec, field] of CASES)
    void test(`${kind}: ${label}`, () => {
      const result = SCHEMAS[kind].safeParse(object(kind, spec));
      if (field === undefined) {
        assert.ok(result.success, result.error?.message);
        return;
      }
      assert.equal(result.success, false, 'accepted');
      const paths = result.error?.issues.map((i) =>
        i.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, ''),
      );
      assert.ok(paths?.includes(field), `issues name ${paths?.join(', ')}, not ${field}`);
    });
});

void describe('policy kinds: generated CRDs', () => {
  void test('each is structural, namespaced, with a status subresource and printer columns', () => {
    for (const kind of ['AIBudget', 'AIGuardrail', 'AIClientPolicy']) {
      assert.deepEqual(structuralProblems(schemaOf(kind)), [], kind);
      const crd = crds.get(kind) as unknown as {
        spec: {
          scope: string;
          versions: Array<{ subresources?: object; additionalPrinterColumns: { name: string }[] }>;
        };
      };
      assert.equal(crd.spec.scope, 'Namespaced');
      assert.deepEqual(crd.spec.versions[0]?.subresources, { status: {} });
      assert.ok(crd.spec.versions[0]?.additionalPrinterColumns.some((c) => c.name === 'Accepted'));
    }
  });

  void test('the CRD schema accepts every valid case and rejects the structural mistakes at the same field', () => {
    for (const [label, kind, spec, field] of CASES) {
      const problems = validateAgainst(schemaOf(kind), object(kind, spec));
      if (field === undefined) assert.deepEqual(problems, [], label);
      else if (!CEL_OR_CONTROLLER_ONLY.has(label))
        assert.ok(
          problems.some((p) => p.startsWith(`${field}:`) || p.startsWith(`${field}[`)),
          `${label}: ${problems.join('; ')}`,
        );
    }
  });

  void test('refinements CEL can say are CEL rules on the right nodes', () => {
    const text = JSON.stringify([...crds.values()]);
    for (const rule of [
      'has(self.rolling) != has(self.calendar)',
      'isCIDR(self)',
      'has(self.jwksUri) != has(self.jwksSecretRef)',
      'has(self.value) != has(self.valueFrom)',
      "self.type != 'Webhook' || has(self.url)",
    ])
      assert.ok(text.includes(JSON.stringify(rule).slice(1, -1)), rule);
  });
});

void describe('value checks', () => {
  void test('isCidr', () => {
    for (const ok of ['10.0.0.0/8', '0.0.0.0/0', '2001:db8::/32', '::ffff:10.0.0.0/104', '192.0.2.7/32'])
      assert.ok(isCidr(ok), ok);
    for (const bad of [
      '10.0.0.0',
      '10.0.0.0/33',
      '2001:db8::/129',
      'host/8',
      '10.0.0.0/-1',
      '10.0.0.0/8/8',
      '',
    ])
      assert.equal(isCidr(bad), false, bad);
  });
  void test('isTimeZone and compilesAsRegex', () => {
    assert.ok(isTimeZone('UTC') && isTimeZone('Europe/Paris') && isTimeZone('Asia/Kolkata'));
    assert.equal(isTimeZone('Europe/Atlantis'), false);
    assert.ok(compilesAsRegex('^sk-[A-Za-z0-9]{20,}$') && compilesAsRegex('(?<=x)y'));
    assert.equal(compilesAsRegex('[z-a]'), false);
  });
});
