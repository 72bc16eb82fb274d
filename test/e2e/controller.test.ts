// End to end for the real `tollgate controller` process (node dist/cli/main.js controller)
// against the fake Kubernetes API server seeded with examples/quickstart: status through the
// status subresource, xDS for Envoy and extproc, live changes, an invalid object, two replicas
// sharing one Lease (only the holder writes status, both serve xDS, failover when the leader
// freezes and when it gets SIGTERM), clean exit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/server';
import { writeKubeconfig } from '../fake-apiserver/kubeconfig';
import type { KubeObject } from '../fake-apiserver/selectors';
import { adsClient, openSotw } from '../../controller/server/ads-test-client';
import { TYPE_URL } from '../../controller/server/resource-types';
import { subscribeProcessorConfig, type ProcessorConfigSubscription } from '../../extproc/config/client';
import type { ProcessorConfig } from '../../extproc/config/schema';
import { createLogger } from '../../lib/log';
import {
  awaitXds,
  createObject,
  eventually,
  kindInfo,
  seedFromManifests,
  startControllerProcess,
  startRecordingProxy,
  type RecordingProxy,
  type ControllerProcess,
} from './controller-process';

const QUICKSTART = path.join(__dirname, '..', '..', '..', 'examples', 'quickstart');
const LEASE = ['--lease-name', 'e2e-controller', '--lease-duration', '3s', '--renew-interval', '300ms'];
const LEASE_PATH = '/apis/coordination.k8s.io/v1/namespaces/tollgate-system/leases/e2e-controller';
const ENVOY_NODE = { id: 'envoy-e2e', cluster: 'default/ai-gateway' };
const QUICKSTART_CLUSTERS = [
  'ai/default/chat/gpt-4o-mini',
  'ai/default/chat/llama',
  'ai/default/chat/embeddings',
];

type Condition = { type: string; status: string; reason?: string; message?: string };
type Status = {
  conditions?: Condition[];
  listeners?: { name: string; conditions: Condition[] }[];
  parents?: { conditions: Condition[] }[];
};

function condition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
function isTrue(conditions: Condition[] | undefined, ...types: string[]): boolean {
  return types.every((t) => condition(conditions, t)?.status === 'True');
}

describe('tollgate controller process', () => {
  let server: FakeApiServer;
  const processes: ControllerProcess[] = [];
  const proxies = new Map<ControllerProcess, RecordingProxy>();
  const tempDirs: string[] = [];
  const subscriptions: ProcessorConfigSubscription[] = [];
  const clients: { close(): void }[] = [];
  let leader: ControllerProcess;
  let envoy: ReturnType<typeof openSotw>;
  let processorConfig: ProcessorConfig | undefined;

  const statusOf = (kind: string, name: string, namespace?: string): Status | undefined =>
    server.store.get(kindInfo(kind), namespace, name)?.status as Status | undefined;
  const replace = (kind: string, obj: KubeObject): void => {
    server.store.replace(kindInfo(kind), obj.metadata.namespace, obj, false);
  };
  /** Status PUTs this replica sent (through its own recording proxy). */
  const statusWritesBy = (p: ControllerProcess): number =>
    proxies.get(p)?.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/status')).length ?? 0;
  /** Each replica reaches the API server through its own proxy, so its requests are its own. */
  const startReplica = async (identity: string): Promise<ControllerProcess> => {
    const proxy = await startRecordingProxy(server.url);
    const kubeconfig = writeKubeconfig(proxy.url);
    tempDirs.push(path.dirname(kubeconfig));
    const replica = await startControllerProcess(kubeconfig, identity, LEASE).catch(async (err: unknown) => {
      await proxy.close();
      throw err;
    });
    processes.push(replica);
    proxies.set(replica, proxy);
    return replica;
  };
  const leaseHolder = (): string | undefined =>
    (
      server.store.get(
        { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' },
        'tollgate-system',
        'e2e-controller',
      )?.spec as { holderIdentity?: string } | undefined
    )?.holderIdentity;

  before(async () => {
    server = await startFakeApiServer();
    seedFromManifests(server, QUICKSTART);
    leader = await startReplica('replica-a');
  });

  after(async () => {
    for (const s of subscriptions) s.close();
    for (const c of clients) c.close();
    // TOLLGATE_E2E_LOGS=1 prints every replica's log lines, for diagnosing a failure.
    if (process.env.TOLLGATE_E2E_LOGS)
      for (const p of processes) for (const l of p.logs) console.error(p.identity, JSON.stringify(l));
    await Promise.all(processes.map((p) => p.stop(2000)));
    await Promise.all([...proxies.values()].map((p) => p.close()));
    await server?.close();
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('writes quickstart status through the status subresource', async () => {
    await eventually(
      () => isTrue(statusOf('GatewayClass', 'tollgate')?.conditions, 'Accepted'),
      'GatewayClass Accepted=True',
    );
    await eventually(() => {
      const gw = statusOf('Gateway', 'ai-gateway', 'default');
      const listener = gw?.listeners?.find((l) => l.name === 'http');
      return (
        isTrue(gw?.conditions, 'Accepted', 'Programmed') &&
        isTrue(listener?.conditions, 'Accepted', 'Programmed')
      );
    }, 'Gateway and listener Accepted/Programmed');
    await eventually(() => {
      const parents = statusOf('AIRoute', 'chat', 'default')?.parents;
      return parents?.length === 1 && isTrue(parents[0]?.conditions, 'Accepted', 'ResolvedRefs');
    }, 'AIRoute parent Accepted/ResolvedRefs');
    for (const backend of ['mock-a', 'mock-b'])
      await eventually(
        () => isTrue(statusOf('AIBackend', backend, 'default')?.conditions, 'Accepted'),
        `AIBackend ${backend} Accepted`,
      );
    const statusPuts = server.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/status'));
    assert.ok(statusPuts.length >= 5, 'status went through the /status subresource');
    assert.ok(statusWritesBy(leader) > 0);
  });

  test('serves the Gateway xDS and the extproc ProcessorConfig', async () => {
    const client = adsClient(`127.0.0.1:${leader.adsPort}`);
    clients.push(client);
    envoy = openSotw(client);
    clients.push(envoy);
    envoy.send({ node: ENVOY_NODE, type_url: TYPE_URL.cluster });
    const clusters = await awaitXds(envoy, ENVOY_NODE, TYPE_URL.cluster, (rs) =>
      QUICKSTART_CLUSTERS.every((c) => rs.some((r) => r.name === c)),
    );
    assert.ok(clusters.length >= QUICKSTART_CLUSTERS.length);
    envoy.send({ node: ENVOY_NODE, type_url: TYPE_URL.listener });
    const listeners = await awaitXds(envoy, ENVOY_NODE, TYPE_URL.listener, (rs) => rs.length > 0);
    assert.deepEqual(
      listeners.map((l) => l.name),
      ['default/ai-gateway/8080'],
    );

    subscriptions.push(
      subscribeProcessorConfig({
        target: `127.0.0.1:${leader.adsPort}`,
        nodeId: 'extproc-e2e',
        logger: createLogger('extproc-e2e', 'silent'),
        onConfig: (config) => (processorConfig = config),
      }),
    );
    const config = await eventually(() => processorConfig, 'a ProcessorConfig');
    assert.deepEqual(config.gateways['default/ai-gateway']?.routes, [
      'default/chat/gpt-4o-mini',
      'default/chat/llama',
      'default/chat/embeddings',
    ]);
    assert.deepEqual(
      config.routes['default/chat/gpt-4o-mini']?.backends.map((b) => [b.backend, b.priority]),
      [
        ['default/mock-a', 0],
        ['default/mock-b', 1],
      ],
    );
  });

  test('a change in the API server reaches xDS and status without a restart', async () => {
    const aiRoute = kindInfo('AIRoute');
    const route = server.store.get(aiRoute, 'default', 'chat') as KubeObject & { spec: { rules: unknown[] } };
    route.spec.rules.push({
      name: 'extra',
      matches: [{ model: { type: 'Exact', value: 'gpt-4o' } }],
      backendRefs: [{ name: 'mock-a' }],
    });
    replace('AIRoute', route);
    await awaitXds(envoy, ENVOY_NODE, TYPE_URL.cluster, (rs) =>
      rs.some((r) => r.name === 'ai/default/chat/extra'),
    );
    await eventually(
      () => processorConfig?.routes['default/chat/extra'],
      'the new rule in the ProcessorConfig',
    );

    const mockB = server.store.delete(kindInfo('AIBackend'), 'default', 'mock-b');
    const resolved = await eventually(() => {
      const c = condition(statusOf('AIRoute', 'chat', 'default')?.parents?.[0]?.conditions, 'ResolvedRefs');
      return c?.status === 'False' && c;
    }, 'ResolvedRefs=False after deleting mock-b');
    assert.equal(resolved.reason, 'BackendNotFound');
    assert.match(resolved.message ?? '', /mock-b/);
    await eventually(
      () =>
        !processorConfig?.routes['default/chat/gpt-4o-mini']?.backends.some(
          (b) => b.backend === 'default/mock-b',
        ),
      'mock-b gone from the ProcessorConfig',
    );

    const { apiVersion, kind, spec } = mockB;
    createObject(server, { apiVersion, kind, metadata: { name: 'mock-b', namespace: 'default' }, spec });
    await eventually(
      () => isTrue(statusOf('AIRoute', 'chat', 'default')?.parents?.[0]?.conditions, 'ResolvedRefs'),
      'ResolvedRefs=True again once mock-b is back',
    );
  });

  test('an invalid AIRoute is Accepted=False naming the field; the rest keeps working', async () => {
    createObject(server, {
      apiVersion: 'tollgate.dev/v1alpha1',
      kind: 'AIRoute',
      metadata: { name: 'broken', namespace: 'default' },
      spec: {
        parentRefs: [{ name: 'ai-gateway' }],
        rules: [{ matches: [{ model: { type: 'Exact', value: 'x' } }] }],
      },
    });
    const accepted = await eventually(() => {
      const c = condition(statusOf('AIRoute', 'broken', 'default')?.conditions, 'Accepted');
      return c?.status === 'False' && c;
    }, 'broken AIRoute Accepted=False');
    assert.match(accepted.message ?? '', /backendRefs/);
    assert.ok(
      isTrue(statusOf('AIRoute', 'chat', 'default')?.parents?.[0]?.conditions, 'Accepted', 'ResolvedRefs'),
    );
    assert.ok(isTrue(statusOf('Gateway', 'ai-gateway', 'default')?.conditions, 'Programmed'));
    const brokenVersion = server.store.get(kindInfo('AIRoute'), 'default', 'broken')?.metadata
      .resourceVersion;
    // Still translating: later valid changes get through, to xDS and to status.
    for (const [name, model] of [
      ['after-broken', 'gpt-4.1'],
      ['after-broken-2', 'gpt-4.1-mini'],
    ] as const) {
      createRoute(name, model);
      await eventually(
        () => isTrue(statusOf('AIRoute', name, 'default')?.parents?.[0]?.conditions, 'Accepted'),
        `status of ${name}`,
      );
    }
    await awaitXds(envoy, ENVOY_NODE, TYPE_URL.cluster, (rs) =>
      [...QUICKSTART_CLUSTERS, 'ai/default/after-broken/main'].every((c) => rs.some((r) => r.name === c)),
    );
    // Status writes are serialized per pass, so the pass that wrote after-broken is complete by
    // now: the broken route's unchanged status must not have been rewritten (a write loop).
    assert.equal(
      server.store.get(kindInfo('AIRoute'), 'default', 'broken')?.metadata.resourceVersion,
      brokenVersion,
      'an unchanged invalid-object status is not rewritten on every reconcile',
    );
  });

  test('two replicas: only the Lease holder writes status, both serve xDS; failover', async () => {
    const a = leader;
    const b = await startReplica('replica-b');
    const client = adsClient(`127.0.0.1:${b.adsPort}`);
    clients.push(client);
    const streamB = openSotw(client);
    clients.push(streamB);
    streamB.send({ node: ENVOY_NODE, type_url: TYPE_URL.cluster });
    await awaitXds(streamB, ENVOY_NODE, TYPE_URL.cluster, (rs) =>
      rs.some((r) => r.name === 'ai/default/after-broken/main'),
    );

    const writesByA = statusWritesBy(a);
    createRoute('while-a-leads', 'gpt-4.2');
    await eventually(() => routeAccepted('while-a-leads'), 'status of while-a-leads');
    assert.equal(leaseHolder(), 'replica-a');
    assert.ok(statusWritesBy(a) > writesByA, 'the leader wrote the new status');
    assert.equal(statusWritesBy(b), 0, 'the standby wrote no status');

    // Freeze the leader: the next change must wait until B sees the Lease expire and takes it
    // over. B's own request log shows the order: its Lease write comes before any status write.
    a.child.kill('SIGSTOP');
    createRoute('while-a-frozen', 'gpt-4.2-mini');
    await eventually(() => leaseHolder() === 'replica-b', 'replica-b takes the expired Lease');
    await eventually(() => routeAccepted('while-a-frozen'), 'status written by replica-b');
    const bRequests = proxies.get(b)?.requests ?? [];
    const firstLeaseWrite = bRequests.findIndex((r) => r.path === LEASE_PATH && r.method === 'PUT');
    const firstStatusWrite = bRequests.findIndex((r) => r.method === 'PUT' && r.path.endsWith('/status'));
    assert.ok(firstLeaseWrite >= 0 && firstStatusWrite > firstLeaseWrite, 'no status write before the Lease');

    // The old leader wakes up, finds the Lease taken and steps down; then the new leader gets
    // SIGTERM, exits 0 and releases the Lease; A takes over and writes the next change.
    a.child.kill('SIGCONT');
    await eventually(() => a.logs.some((l) => l.msg === 'lost leadership'), 'replica-a steps down');
    assert.deepEqual(await b.stop(), { code: 0, signal: null });
    await eventually(() => leaseHolder() === 'replica-a', 'replica-a holds the Lease again');
    const writesByABefore = statusWritesBy(a);
    createRoute('after-failover', 'gpt-4.3');
    await eventually(() => routeAccepted('after-failover'), 'status written after the failover');
    assert.ok(statusWritesBy(a) > writesByABefore, 'replica-a wrote it');
    // A kept serving its Envoy stream throughout.
    await awaitXds(envoy, ENVOY_NODE, TYPE_URL.cluster, (rs) =>
      rs.some((r) => r.name === 'ai/default/after-failover/main'),
    );
  });

  test('SIGTERM: the process exits 0 before the kill deadline', async () => {
    assert.equal(leader.child.exitCode, null, 'still running');
    assert.deepEqual(await leader.stop(5000), { code: 0, signal: null });
    assert.ok(leader.logs.some((l) => l.msg === 'stopped'));
  });

  function routeAccepted(name: string): boolean {
    return isTrue(statusOf('AIRoute', name, 'default')?.parents?.[0]?.conditions, 'Accepted', 'ResolvedRefs');
  }

  function createRoute(name: string, model: string): void {
    createObject(server, {
      apiVersion: 'tollgate.dev/v1alpha1',
      kind: 'AIRoute',
      metadata: { name, namespace: 'default' },
      spec: {
        parentRefs: [{ name: 'ai-gateway' }],
        rules: [
          {
            name: 'main',
            matches: [{ model: { type: 'Exact', value: model } }],
            backendRefs: [{ name: 'mock-a' }],
          },
        ],
      },
    });
  }
});
