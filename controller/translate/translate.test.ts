// Golden tests of translate() (testdata/NAME.in.yaml -> NAME.out.yaml) and the property the
// status writers rely on: translating an unchanged world again yields identical statuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyResources, addObject, type Resources } from '../provider/resources';
import { goldenTests, sourceDir } from '../../test/golden';
import type { ExtprocTarget } from '../ir/types';
import { ProcessorConfigDocument } from '../../extproc/config/schema';
import { translate } from './index';

const EXTPROC: ExtprocTarget = { kind: 'tcp', address: '127.0.0.1', port: 9002, messageTimeoutMs: 2000 };
const NOW = '2026-01-01T00:00:00.000Z';

function load(docs: readonly unknown[]): Resources {
  const resources = emptyResources();
  for (const doc of docs) addObject(resources, doc);
  return resources;
}

goldenTests(sourceDir(__dirname) + '/testdata', (docs, name) => {
  const out = translate(load(docs), { extproc: EXTPROC, now: NOW });
  // The document must be one extproc accepts, or extproc would NACK every Gateway's config.
  const parsed = ProcessorConfigDocument.safeParse(out.ir.processor);
  assert.ok(
    parsed.success,
    `${name}: processor config fails the extproc schema: ${parsed.error?.message ?? ''}`,
  );
  return out;
});

const WORLD = [
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'tollgate', generation: 1 },
    spec: { controllerName: 'tollgate.dev/gateway-controller' },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'ai', generation: 2 },
    spec: { gatewayClassName: 'tollgate', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] },
  },
  {
    apiVersion: 'tollgate.dev/v1alpha1',
    kind: 'AIBackend',
    metadata: { name: 'local', namespace: 'ai', generation: 1 },
    spec: { endpoint: { url: 'http://127.0.0.1:9001/v1' } },
  },
  {
    apiVersion: 'tollgate.dev/v1alpha1',
    kind: 'AIRoute',
    metadata: { name: 'chat', namespace: 'ai', generation: 3 },
    spec: {
      parentRefs: [{ name: 'gw' }],
      rules: [{ backendRefs: [{ name: 'local' }, { name: 'missing' }] }],
    },
  },
];

/** Writes each status back onto its object, as the status writer would. */
function applyStatuses(
  docs: readonly object[],
  statuses: ReturnType<typeof translate>['statuses'],
): object[] {
  return docs.map((doc) => {
    const d = doc as { kind: string; metadata: { name: string; namespace?: string } };
    const update = statuses.find(
      (s) => s.kind === d.kind && s.name === d.metadata.name && s.namespace === d.metadata.namespace,
    );
    return update ? { ...doc, status: update.status } : doc;
  });
}

void test('re-translating an unchanged world keeps statuses identical (transition times kept)', () => {
  const first = translate(load(WORLD), { extproc: EXTPROC, now: NOW });
  const second = translate(load(applyStatuses(WORLD, first.statuses)), {
    extproc: EXTPROC,
    now: '2026-06-01T00:00:00.000Z',
  });
  assert.deepEqual(second.statuses, first.statuses);
  assert.deepEqual(second.ir, first.ir);
});

void test('a condition whose status changes gets the new transition time', () => {
  const first = translate(load(WORLD), { extproc: EXTPROC, now: NOW });
  const fixed = [
    ...applyStatuses(WORLD, first.statuses),
    { ...(WORLD[2] as object), metadata: { name: 'missing', namespace: 'ai' } },
  ];
  const later = '2026-06-01T00:00:00.000Z';
  const second = translate(load(fixed), { extproc: EXTPROC, now: later });
  const route = second.statuses.find((s) => s.kind === 'AIRoute')?.status as {
    parents: { conditions: { type: string; status: string; lastTransitionTime: string }[] }[];
  };
  const byType = Object.fromEntries((route.parents[0]?.conditions ?? []).map((c) => [c.type, c]));
  assert.equal(byType.ResolvedRefs?.status, 'True');
  assert.equal(byType.ResolvedRefs?.lastTransitionTime, later);
  assert.equal(byType.Accepted?.lastTransitionTime, NOW);
});

void test('controllerName option selects which GatewayClass is ours', () => {
  const out = translate(load(WORLD), { extproc: EXTPROC, now: NOW, controllerName: 'example.com/other' });
  assert.deepEqual(out.ir.gateways, []);
  assert.equal(out.statuses.filter((s) => s.kind === 'GatewayClass' || s.kind === 'Gateway').length, 0);
});

void test('an invalid AIRoute keeps the transition time of its unchanged Accepted=False condition', () => {
  const invalid = {
    apiVersion: 'tollgate.dev/v1alpha1',
    kind: 'AIRoute',
    metadata: { name: 'broken', namespace: 'default', generation: 1 },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [] }] },
  };
  const first = translate(load([invalid]), { extproc: EXTPROC, now: NOW }).statuses;
  const status = first.find((s) => s.name === 'broken')?.status as {
    conditions: { lastTransitionTime: string }[];
  };
  assert.equal(status.conditions[0]?.lastTransitionTime, NOW);
  const later = translate(load([{ ...invalid, status }]), {
    extproc: EXTPROC,
    now: '2026-06-01T00:00:00.000Z',
  });
  assert.deepEqual(later.statuses.find((s) => s.name === 'broken')?.status, status);
});
