// The provisioner against the fake API server: creates a Gateway's ConfigMap, Deployment and
// Service; a second pass over the same world writes nothing; a changed Gateway replaces only
// what changed (keeping the Service's clusterIP); a deleted Gateway's objects are deleted and
// never re-created; status addresses and availability come from the Service and Deployment.
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { createLogger } from '../../lib/log';
import { startFakeApiServer, type FakeApiServer } from '../../test/fake-apiserver/server';
import { writeKubeconfig } from '../../test/fake-apiserver/kubeconfig';
import { KubeConfig } from '../provider/kubernetes/kubeconfig';
import { kubernetesObjectClient } from '../provider/kubernetes/objects';
import { withProxyStatus } from '../translate/gateway-status';
import { gateway, gatewayClass, settings, world } from './fixtures';
import { Provisioner } from './provisioner';
import type { GatewayObservation } from './observe';

const logger = createLogger('test', 'silent');
const DEPLOYMENTS = { group: 'apps', version: 'v1', plural: 'deployments' };
const SERVICES = { group: '', version: 'v1', plural: 'services' };
const CONFIGMAPS = { group: '', version: 'v1', plural: 'configmaps' };

let fake: FakeApiServer;
let provisioner: Provisioner;
let observed: ReadonlyMap<string, GatewayObservation>[] = [];

beforeEach(async () => {
  fake = await startFakeApiServer();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(writeKubeconfig(fake.url));
  observed = [];
  provisioner = new Provisioner({
    client: kubernetesObjectClient(kubeConfig),
    settings,
    logger,
    clientCertFor: () => Promise.resolve('CLIENT CERT'),
    onObserved: (o) => observed.push(o),
    requeueMs: 60_000,
    resyncMs: 60_000,
  });
});
afterEach(async () => {
  provisioner.close();
  await fake.close();
});
after(() => undefined);

const writes = (): string[] =>
  fake.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

async function pass(...objects: unknown[]): Promise<void> {
  provisioner.update(world(...objects));
  await provisioner.idle();
}

void describe('provisioner', () => {
  test('creates ConfigMap, Deployment and Service; an unchanged world writes nothing', async () => {
    await pass(gatewayClass(), gateway('edge'));
    assert.deepEqual(writes().sort(), [
      'POST /api/v1/namespaces/apps/configmaps',
      'POST /api/v1/namespaces/apps/services',
      'POST /apis/apps/v1/namespaces/apps/deployments',
    ]);
    const deployment = fake.store.get(DEPLOYMENTS, 'apps', 'tollgate-edge');
    assert.ok(deployment);
    assert.equal((deployment.metadata.ownerReferences as { uid: string }[])[0]?.uid, 'uid-apps-edge');
    assert.deepEqual(provisioner.last, { created: 3, replaced: 0, unchanged: 0, deleted: 0, failed: 0 });

    const before = fake.requests.length;
    await pass(gatewayClass(), gateway('edge'));
    assert.deepEqual(provisioner.last, { created: 0, replaced: 0, unchanged: 3, deleted: 0, failed: 0 });
    assert.ok(
      fake.requests.slice(before).every((r) => r.method === 'GET'),
      'no writes when unchanged',
    );
  });

  test('a changed Gateway replaces what changed and the Service keeps its clusterIP', async () => {
    await pass(gatewayClass(), gateway('edge'));
    const svc = fake.store.get(SERVICES, 'apps', 'tollgate-edge')!;
    fake.store.replace(
      SERVICES,
      'apps',
      { ...svc, spec: { ...(svc.spec as object), clusterIP: '10.0.0.9' } },
      false,
    );
    const changed = gateway('edge') as { spec: { listeners: unknown[] } };
    changed.spec.listeners.push({ name: 'alt', port: 8080, protocol: 'HTTP' });
    const before = fake.requests.length;
    await pass(gatewayClass(), changed);
    const puts = fake.requests
      .slice(before)
      .filter((r) => r.method === 'PUT')
      .map((r) => r.path)
      .sort();
    // The bootstrap does not depend on listeners: the ConfigMap is left alone.
    assert.deepEqual(puts, [
      '/api/v1/namespaces/apps/services/tollgate-edge',
      '/apis/apps/v1/namespaces/apps/deployments/tollgate-edge',
    ]);
    const service = fake.store.get(SERVICES, 'apps', 'tollgate-edge') as unknown as {
      spec: { clusterIP: string; ports: { port: number }[] };
    };
    assert.equal(service.spec.clusterIP, '10.0.0.9');
    assert.deepEqual(
      service.spec.ports.map((p) => p.port),
      [80, 443, 8080],
    );
  });

  test('a deleted Gateway (or one no longer ours) loses its objects, which are not re-created', async () => {
    await pass(gatewayClass(), gateway('edge'), gateway('other'));
    assert.ok(fake.store.get(CONFIGMAPS, 'apps', 'tollgate-other'));
    await pass(gatewayClass(), gateway('edge'));
    for (const ref of [DEPLOYMENTS, SERVICES, CONFIGMAPS]) {
      assert.equal(fake.store.get(ref, 'apps', 'tollgate-other'), undefined, ref.plural);
      assert.ok(fake.store.get(ref, 'apps', 'tollgate-edge'), ref.plural);
    }
    assert.equal(provisioner.last?.deleted, 3);
    // Being deleted (deletionTimestamp) counts as gone; the class switching controllers too.
    await pass(gatewayClass(), gateway('edge', 'apps', { deletionTimestamp: '2026-01-01T00:00:00Z' }));
    assert.equal(fake.store.get(DEPLOYMENTS, 'apps', 'tollgate-edge'), undefined);
    await pass(gatewayClass(), gateway('edge', 'apps', { deletionTimestamp: '2026-01-01T00:00:00Z' }));
    assert.equal(provisioner.last?.created, 0);
    // Objects we do not own (no labels) are never touched.
    fake.store.create(CONFIGMAPS, 'apps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'mine' },
    });
    await pass(gatewayClass());
    assert.ok(fake.store.get(CONFIGMAPS, 'apps', 'mine'));
  });

  test('status: Pending until a replica is available; addresses from the Service', async () => {
    await pass(gatewayClass(), gateway('edge'));
    const first = provisioner.observed().get('apps/edge');
    assert.deepEqual(first, { addresses: [], availableReplicas: 0, replicas: 2 });
    const svc = fake.store.get(SERVICES, 'apps', 'tollgate-edge')!;
    fake.store.replace(
      SERVICES,
      'apps',
      { ...svc, status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'lb.example' }] } } },
      true,
    );
    const dep = fake.store.get(DEPLOYMENTS, 'apps', 'tollgate-edge')!;
    fake.store.replace(DEPLOYMENTS, 'apps', { ...dep, status: { availableReplicas: 1 } }, true);
    provisioner.kick();
    await provisioner.idle();
    const now = provisioner.observed().get('apps/edge');
    assert.deepEqual(now?.addresses, [
      { type: 'IPAddress', value: '203.0.113.7' },
      { type: 'Hostname', value: 'lb.example' },
    ]);
    assert.equal(observed.length, 2, 'onObserved once per change');

    const translated = {
      kind: 'Gateway' as const,
      namespace: 'apps',
      name: 'edge',
      status: {
        conditions: [
          {
            type: 'Programmed',
            status: 'True',
            reason: 'Programmed',
            message: 'ok',
            lastTransitionTime: 't0',
          },
        ],
        listeners: [],
      },
    };
    const pending = withProxyStatus(translated, first, 't1').status as unknown as {
      conditions: { status: string; reason: string }[];
      addresses?: unknown;
    };
    assert.deepEqual([pending.conditions[0]?.status, pending.conditions[0]?.reason], ['False', 'Pending']);
    assert.equal(pending.addresses, undefined);
    const ready = withProxyStatus(translated, now, 't1').status as unknown as {
      conditions: { status: string }[];
      addresses: unknown[];
    };
    assert.equal(ready.conditions[0]?.status, 'True');
    assert.equal(ready.addresses.length, 2);
  });

  test('without a LoadBalancer address the clusterIP is the address', async () => {
    await pass(gatewayClass(), gateway('edge'));
    const svc = fake.store.get(SERVICES, 'apps', 'tollgate-edge')!;
    fake.store.replace(
      SERVICES,
      'apps',
      { ...svc, spec: { ...(svc.spec as object), clusterIP: '10.0.0.9' } },
      false,
    );
    provisioner.kick();
    await provisioner.idle();
    assert.deepEqual(provisioner.observed().get('apps/edge')?.addresses, [
      { type: 'IPAddress', value: '10.0.0.9' },
    ]);
  });

  test('only the leader writes', async () => {
    let leader = false;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(writeKubeconfig(fake.url));
    const follower = new Provisioner({
      client: kubernetesObjectClient(kubeConfig),
      settings,
      logger,
      isLeader: () => leader,
    });
    follower.update(world(gatewayClass(), gateway('edge')));
    await follower.idle();
    assert.deepEqual(writes(), []);
    leader = true;
    follower.kick();
    await follower.idle();
    follower.close();
    assert.equal(writes().length, 3);
  });
});
