// Unit tests of the policy stage through translate(): attachment order and precedence, client
// policy conflicts, API key Secrets, JWKS clusters, mTLS on shared listeners, and stable statuses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyResources, addObject, type Resources } from '../provider/resources';
import type { ExtprocTarget, GatewayIR } from '../ir/types';
import { translate, type StatusUpdate } from './index';

const EXTPROC: ExtprocTarget = { kind: 'tcp', address: '127.0.0.1', port: 9002, messageTimeoutMs: 2000 };
const NOW = '2026-01-01T00:00:00.000Z';
const V = 'tollgate.dev/v1alpha1';

function load(docs: readonly unknown[]): Resources {
  const resources = emptyResources();
  for (const doc of docs) addObject(resources, doc);
  return resources;
}

const gateway = (name: string, listeners: object[] = [{ name: 'http', port: 8080, protocol: 'HTTP' }]) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace: 'ai' },
  spec: { gatewayClassName: 'tollgate', listeners },
});
const BASE = [
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'tollgate' },
    spec: { controllerName: 'tollgate.dev/gateway-controller' },
  },
  gateway('gw'),
  {
    apiVersion: V,
    kind: 'AIBackend',
    metadata: { name: 'b1', namespace: 'ai' },
    spec: { endpoint: { url: 'http://10.0.0.1/v1' } },
  },
  {
    apiVersion: V,
    kind: 'AIBackend',
    metadata: { name: 'b2', namespace: 'ai' },
    spec: { endpoint: { url: 'http://10.0.0.2/v1' } },
  },
  {
    apiVersion: V,
    kind: 'AIRoute',
    metadata: { name: 'r', namespace: 'ai' },
    spec: {
      parentRefs: [{ name: 'gw' }],
      rules: [
        { name: 'one', matches: [{ model: { value: 'm1' } }], backendRefs: [{ name: 'b1' }] },
        { name: 'two', backendRefs: [{ name: 'b2' }] },
      ],
    },
  },
];
const policy = (kind: string, name: string, spec: object, creationTimestamp?: string) => ({
  apiVersion: V,
  kind,
  metadata: { name, namespace: 'ai', generation: 1, ...(creationTimestamp ? { creationTimestamp } : {}) },
  spec,
});
const limits = [{ metric: 'Requests', amount: 1, window: { rolling: '1m' } }];
const checks = [{ name: 'c', type: 'Topics', action: 'Log' }];
const status = (statuses: StatusUpdate[], kind: string, name: string) =>
  (
    statuses.find((s) => s.kind === kind && s.name === name)?.status as {
      conditions: { type: string; status: string; reason: string; message: string }[];
    }
  ).conditions;
const run = (docs: unknown[]) => translate(load([...BASE, ...docs]), { extproc: EXTPROC, now: NOW });

void describe('attachment expansion', () => {
  void test('budgets: Gateway, then AIRoute (route or rule), then AIBackend, each sorted; a rule target stays on its rule', () => {
    const { ir } = run([
      policy('AIBudget', 'y-backend', { targetRefs: [{ kind: 'AIBackend', name: 'b2' }], limits }),
      policy('AIBudget', 'x-route', { targetRefs: [{ kind: 'AIRoute', name: 'r' }], limits }),
      policy('AIBudget', 'b-gw', { targetRefs: [{ kind: 'Gateway', name: 'gw' }], limits }),
      policy('AIBudget', 'a-gw', { targetRefs: [{ kind: 'Gateway', name: 'gw' }], limits }),
      policy('AIBudget', 'c-rule', {
        targetRefs: [{ kind: 'AIRoute', name: 'r', sectionName: 'two' }],
        limits,
      }),
    ]);
    assert.deepEqual(ir.processor.routes['ai/r/one']?.budgets, ['ai/a-gw', 'ai/b-gw', 'ai/x-route']);
    assert.deepEqual(ir.processor.routes['ai/r/two']?.budgets, [
      'ai/a-gw',
      'ai/b-gw',
      'ai/c-rule',
      'ai/x-route',
      'ai/y-backend',
    ]);
    assert.deepEqual(Object.keys(ir.processor.budgets), [
      'ai/a-gw',
      'ai/b-gw',
      'ai/c-rule',
      'ai/x-route',
      'ai/y-backend',
    ]);
  });

  void test('guardrails: Gateway-attached run before route-attached whatever their names; one on both levels runs once', () => {
    const { ir } = run([
      policy('AIGuardrail', 'a-route', { targetRefs: [{ kind: 'AIRoute', name: 'r' }], checks }),
      policy('AIGuardrail', 'z-gw', {
        targetRefs: [
          { kind: 'Gateway', name: 'gw' },
          { kind: 'AIRoute', name: 'r' },
        ],
        checks,
      }),
    ]);
    assert.deepEqual(ir.processor.routes['ai/r/one']?.guardrails, ['ai/z-gw', 'ai/a-route']);
  });

  void test('client policy: rule, else route, else Gateway; the Gateway one also authenticates at the Gateway', () => {
    const { ir } = run([
      policy('AIClientPolicy', 'gw-policy', { targetRefs: [{ kind: 'Gateway', name: 'gw' }] }),
      policy('AIClientPolicy', 'route-policy', { targetRefs: [{ kind: 'AIRoute', name: 'r' }] }),
      policy('AIClientPolicy', 'rule-policy', {
        targetRefs: [{ kind: 'AIRoute', name: 'r', sectionName: 'two' }],
      }),
    ]);
    assert.equal(ir.processor.gateways['ai/gw']?.clientPolicy, 'ai/gw-policy');
    assert.equal(ir.processor.routes['ai/r/one']?.clientPolicy, 'ai/route-policy');
    assert.equal(ir.processor.routes['ai/r/two']?.clientPolicy, 'ai/rule-policy');
  });

  void test('nothing attached: empty lists, no clientPolicy, empty sections', () => {
    const { ir } = run([
      policy('AIBudget', 'nowhere', { targetRefs: [{ kind: 'AIRoute', name: 'gone' }], limits }),
    ]);
    assert.deepEqual(ir.processor.routes['ai/r/one']?.budgets, []);
    assert.equal(ir.processor.routes['ai/r/one']?.clientPolicy, undefined);
    assert.deepEqual(ir.processor.budgets, {});
  });
});

void describe('client policy conflicts', () => {
  void test('the oldest wins; the other is Conflicted but keeps its other targets', () => {
    const { ir, statuses } = run([
      policy(
        'AIClientPolicy',
        'a-newer',
        {
          targetRefs: [
            { kind: 'Gateway', name: 'gw' },
            { kind: 'AIRoute', name: 'r' },
          ],
        },
        '2026-02-01T00:00:00Z',
      ),
      policy(
        'AIClientPolicy',
        'z-older',
        { targetRefs: [{ kind: 'Gateway', name: 'gw' }] },
        '2026-01-01T00:00:00Z',
      ),
    ]);
    assert.equal(ir.processor.gateways['ai/gw']?.clientPolicy, 'ai/z-older');
    assert.equal(ir.processor.routes['ai/r/one']?.clientPolicy, 'ai/a-newer');
    const accepted = status(statuses, 'AIClientPolicy', 'a-newer')[0];
    assert.equal(accepted?.reason, 'Conflicted');
    assert.match(accepted?.message ?? '', /Gateway ai\/gw/);
    assert.equal(status(statuses, 'AIClientPolicy', 'z-older')[0]?.status, 'True');
  });

  void test('same creation time: the name decides', () => {
    const { ir } = run([
      policy('AIClientPolicy', 'b', { targetRefs: [{ kind: 'Gateway', name: 'gw' }] }),
      policy('AIClientPolicy', 'a', { targetRefs: [{ kind: 'Gateway', name: 'gw' }] }),
    ]);
    assert.equal(ir.processor.gateways['ai/gw']?.clientPolicy, 'ai/a');
  });
});

void describe('API key Secrets', () => {
  const secret = (
    name: string,
    type: string,
    data: Record<string, string>,
    labels = { 'tollgate.dev/api-key': 'true' },
    namespace = 'ai',
  ) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels },
    type,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  });
  const hash = 'a'.repeat(64);
  void test('reads base64 data of labelled tollgate.dev/api-key Secrets in the namespace; refuses malformed ones', () => {
    const { ir, statuses } = run([
      secret('k-ok', 'tollgate.dev/api-key', {
        sha256: hash.toUpperCase(),
        tenant: 'acme',
        expiresAt: '2030-01-01T00:00:00Z',
      }),
      secret('k-opaque', 'Opaque', { sha256: hash }),
      secret('k-nolabel', 'tollgate.dev/api-key', { sha256: hash }, { other: 'x' } as never),
      secret('k-elsewhere', 'tollgate.dev/api-key', { sha256: hash }, undefined, 'other'),
      secret('k-bad-expiry', 'tollgate.dev/api-key', { sha256: hash, expiresAt: 'next tuesday' }),
      policy('AIClientPolicy', 'keys', { targetRefs: [{ kind: 'Gateway', name: 'gw' }], apiKeys: {} }),
    ]);
    assert.deepEqual(ir.processor.clientPolicies['ai/keys']?.apiKeys?.keys, [
      { name: 'ai/k-ok', sha256: hash, tenant: 'acme', expiresAt: '2030-01-01T00:00:00Z' },
    ]);
    const refs = status(statuses, 'AIClientPolicy', 'keys')[1];
    assert.equal(refs?.reason, 'InvalidSecret');
    assert.match(refs?.message ?? '', /k-bad-expiry/);
    assert.doesNotMatch(refs?.message ?? '', /a{64}/);
  });
});

void describe('listeners', () => {
  const jwtPolicy = (name: string, targetRefs: object[], providers: object[]) =>
    policy('AIClientPolicy', name, { targetRefs, jwt: { providers } });
  const gwIR = (ir: { gateways: GatewayIR[] }) => ir.gateways.find((g) => g.key === 'ai/gw');

  void test('JWKS clusters are shared by host and port; http URLs get no TLS; route policies add providers on their listeners', () => {
    const { ir } = run([
      jwtPolicy(
        'gw-jwt',
        [{ kind: 'Gateway', name: 'gw' }],
        [
          { issuer: 'a', jwksUri: 'https://idp.example.com/a/jwks' },
          { issuer: 'b', jwksUri: 'https://idp.example.com/b/jwks', cacheDuration: '1m' },
        ],
      ),
      jwtPolicy(
        'route-jwt',
        [{ kind: 'AIRoute', name: 'r' }],
        [{ issuer: 'c', jwksUri: 'http://10.1.1.1:8080/jwks' }],
      ),
    ]);
    const g = gwIR(ir);
    assert.deepEqual(
      g?.clusters
        .filter((c) => c.kind === 'jwks')
        .map((c) => [c.name, c.discovery, c.endpoints[0]?.tls?.sni]),
      [
        ['jwks/10.1.1.1/8080', 'strict_dns', undefined],
        ['jwks/idp.example.com/443', 'strict_dns', 'idp.example.com'],
      ],
    );
    assert.deepEqual(
      g?.listeners[0]?.jwt?.providers.map((p) => p.name),
      ['ai/gw-jwt/0', 'ai/gw-jwt/1', 'ai/route-jwt/0'],
    );
    const second = g?.listeners[0]?.jwt?.providers[1]?.jwks;
    assert.deepEqual(second, {
      kind: 'remote',
      uri: 'https://idp.example.com/b/jwks',
      cluster: 'jwks/idp.example.com/443',
      cacheSeconds: 60,
    });
  });

  void test('mTLS: a route policy cannot make certificates mandatory on a shared listener; the Gateway policy can', () => {
    const https = [
      { name: 'https', port: 8443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } },
    ];
    const docs = (gatewayOptional: boolean | undefined) => [
      gateway('gw', https),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'cert', namespace: 'ai' },
        stringData: { 'tls.crt': 'C', 'tls.key': 'K' },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'ca', namespace: 'ai' },
        stringData: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n' },
      },
      policy('AIClientPolicy', 'route-mtls', {
        targetRefs: [{ kind: 'AIRoute', name: 'r' }],
        mtls: { caCertificateRefs: [{ name: 'ca' }], optional: false },
      }),
      ...(gatewayOptional === undefined
        ? []
        : [
            policy('AIClientPolicy', 'gw-mtls', {
              targetRefs: [{ kind: 'Gateway', name: 'gw' }],
              mtls: { caCertificateRefs: [{ name: 'ca' }], optional: gatewayOptional },
            }),
          ]),
    ];
    const routeOnly = translate(load([...BASE.filter((d) => d.kind !== 'Gateway'), ...docs(undefined)]), {
      extproc: EXTPROC,
      now: NOW,
    });
    assert.equal(gwIR(routeOnly.ir)?.listeners[0]?.clientValidation?.optional, true);
    const withGateway = translate(load([...BASE.filter((d) => d.kind !== 'Gateway'), ...docs(false)]), {
      extproc: EXTPROC,
      now: NOW,
    });
    const validation = gwIR(withGateway.ir)?.listeners[0]?.clientValidation;
    assert.equal(validation?.optional, false);
    assert.equal(validation?.caCertificates.match(/BEGIN CERTIFICATE/g)?.length, 1, 'the same CA once');
  });
});

void test('re-translating with the written statuses is stable for policies', () => {
  const docs = [
    policy('AIBudget', 'b', {
      targetRefs: [
        { kind: 'Gateway', name: 'gw' },
        { kind: 'Gateway', name: 'gone' },
      ],
      limits,
    }),
    policy('AIGuardrail', 'g', { targetRefs: [{ kind: 'AIRoute', name: 'r' }], checks }),
  ];
  const first = run(docs);
  const withStatus = docs.map((d) => ({
    ...d,
    status: first.statuses.find((s) => s.name === d.metadata.name)?.status,
  }));
  const second = translate(load([...BASE, ...withStatus]), {
    extproc: EXTPROC,
    now: '2026-06-01T00:00:00.000Z',
  });
  const policies = (all: StatusUpdate[]) =>
    all.filter((s) => s.kind === 'AIBudget' || s.kind === 'AIGuardrail');
  assert.equal(policies(first.statuses).length, 2);
  assert.deepEqual(policies(second.statuses), policies(first.statuses));
  assert.equal(status(first.statuses, 'AIBudget', 'b')[0]?.reason, 'TargetNotFound');
  assert.deepEqual(
    first.ir.processor.routes['ai/r/one']?.budgets,
    ['ai/b'],
    'applied to the target it found',
  );
});
