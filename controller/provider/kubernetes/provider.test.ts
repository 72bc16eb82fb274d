// The Kubernetes provider against the fake API server: the initial list, debounced change
// delivery, resuming a watch the server closed, re-listing after compaction (410), supervisor
// restarts after failures, Secret type filtering and namespace limits.
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { KINDS } from '../../api';
import type { Resources } from '../resources';
import { startFakeApiServer, type FakeApiServer } from '../../../test/fake-apiserver/server';
import { writeKubeconfig } from '../../../test/fake-apiserver/kubeconfig';
import { until } from '../../../test/fake-apiserver/testing';
import { KubeConfig } from './kubeconfig';
import { SECRET_TYPES, startKubernetesProvider, type KubernetesProvider } from './provider';

const logLines: string[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(line) });

let fake: FakeApiServer;
let provider: KubernetesProvider | undefined;
let snapshots: Resources[] = [];
const last = (): Resources | undefined => snapshots.at(-1);
// client-node spells the watch flag `watch=true`; the API server also accepts `watch=1`.
const isWatch = (r: { query: Record<string, string> }): boolean =>
  r.query.watch === 'true' || r.query.watch === '1';
const names = (items: { metadata: { name: string } }[] | undefined): string[] =>
  (items ?? []).map((i) => i.metadata.name).sort();

function loadedConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(writeKubeconfig(fake.url));
  return kubeConfig;
}

function start(options: { namespaces?: string[] } = {}): KubernetesProvider {
  provider = startKubernetesProvider({
    kubeConfig: loadedConfig(),
    logger,
    debounceMs: 50,
    minBackoffMs: 20,
    maxBackoffMs: 200,
    onChange: (resources) => {
      snapshots.push(resources);
    },
    ...options,
  });
  return provider;
}

function service(name: string, namespace = 'team-a') {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { ports: [{ port: 80 }] },
  };
}

beforeEach(async () => {
  fake = await startFakeApiServer({ bookmarkIntervalMs: 60_000 });
  snapshots = [];
  logLines.length = 0;
});
afterEach(async () => {
  provider?.close();
  provider = undefined;
  await fake.close();
});
after(() => undefined);

void describe('Kubernetes provider', () => {
  void it('builds the first snapshot from the initial list, keeping only Opaque and TLS Secrets', async () => {
    const gc = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'gc' },
      spec: { controllerName: 'x' },
    };
    fake.store.create(KINDS.GatewayClass, undefined, gc);
    // Built-in kinds come back from a list without kind/apiVersion; the provider restores them.
    fake.store.create(KINDS.Service, 'team-a', { metadata: { name: 'bare' }, spec: { ports: [] } });
    for (const [name, type] of [
      ['key', 'Opaque'],
      ['cert', 'kubernetes.io/tls'],
      ['token', 'kubernetes.io/service-account-token'],
    ] as const)
      fake.store.create(KINDS.Secret, 'team-a', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name },
        type,
      });
    fake.store.create(KINDS.AIRoute, 'team-a', {
      apiVersion: 'tollgate.dev/v1alpha1',
      kind: 'AIRoute',
      metadata: { name: 'bad' },
      spec: {},
    });

    await start().synced;
    await until(() => snapshots.length === 1, 'first snapshot');
    const first = last();
    assert.deepEqual(names(first?.gatewayClasses), ['gc']);
    assert.deepEqual(names(first?.services), ['bare']);
    assert.deepEqual(names(first?.secrets), ['cert', 'key']);
    assert.deepEqual(
      first?.invalid.map((i) => `${i.kind} ${i.name}`),
      ['AIRoute bad'],
    );
  });

  void it('delivers creates, updates and deletes, debounced into few calls', async () => {
    await start().synced;
    await until(() => snapshots.length === 1, 'first snapshot');
    for (let i = 0; i < 30; i++) fake.store.create(KINDS.Service, 'team-a', service(`s${i}`));
    await until(() => last()?.services.length === 30, 'the burst arrives');
    const afterBurst = snapshots.length;
    assert.ok(afterBurst - 1 <= 3, `30 events gave ${afterBurst - 1} onChange calls`);

    const s0 = fake.store.get(KINDS.Service, 'team-a', 's0');
    assert.ok(s0);
    fake.store.replace(KINDS.Service, 'team-a', { ...s0, spec: { ports: [{ port: 8080 }] } }, false);
    fake.store.delete(KINDS.Service, 'team-a', 's1');
    await until(() => last()?.services.length === 29, 'the delete arrives');
    assert.equal(last()?.services.find((s) => s.metadata.name === 's0')?.spec.ports[0]?.port, 8080);
  });

  void it('resumes a watch the server closed from its resourceVersion, losing nothing', async () => {
    await start().synced;
    // One watch per kind, Secrets one per type (field selectors cannot OR): KINDS + types - 1.
    await until(
      () => fake.openWatchCount() === Object.keys(KINDS).length + SECRET_TYPES.length - 1,
      'all watches open',
    );
    const listsBefore = fake.requests.filter((r) => r.query.watch === undefined).length;
    fake.closeWatches();
    fake.store.create(KINDS.Service, 'team-a', service('while-closed'));
    await until(
      () => names(last()?.services).includes('while-closed'),
      'event made while the watch was down',
    );
    const servicesWatches = fake.requests.filter((r) => r.path === '/api/v1/services' && isWatch(r));
    assert.equal(servicesWatches.length, 2);
    assert.ok(servicesWatches.every((r) => (r.query.resourceVersion ?? '') !== ''));
    // Bookmarks keep the resourceVersion fresh; the server-side timeout bounds every watch.
    assert.ok(servicesWatches.every((r) => r.query.allowWatchBookmarks === 'true' && r.query.timeoutSeconds));
    assert.equal(fake.requests.filter((r) => r.query.watch === undefined).length, listsBefore, 'no re-list');
  });

  void it('re-lists after a 410 Gone and converges', async () => {
    fake.store.create(KINDS.Service, 'team-a', service('doomed'));
    await start().synced;
    await until(() => names(last()?.services).includes('doomed'), 'initial state');
    // While the watch is down: a delete, then compaction past it. The old resourceVersion is
    // gone, so only a fresh list can reveal the delete.
    fake.closeWatches();
    fake.store.delete(KINDS.Service, 'team-a', 'doomed');
    fake.store.create(KINDS.Service, 'team-a', service('newcomer'));
    fake.compact();
    await until(() => names(last()?.services).join() === 'newcomer', 'converged after re-list');
    const lists = fake.requests.filter((r) => r.path === '/api/v1/services' && r.query.watch === undefined);
    assert.equal(lists.length, 2, 'listed once at start and once after 410');
  });

  void it('restarts a failing informer with backoff (supervisor) and still syncs', async () => {
    const isServicesCall = (r: { path: string }) => r.path === '/api/v1/services';
    fake.failNext(3, 500, isServicesCall);
    await start().synced;
    assert.ok(logLines.some((l) => l.includes('informer failed; restarting') && l.includes('Service')));
    // A crash after sync: the next watch fails; the restart resumes and catches up.
    fake.failNext(1, 503, isServicesCall);
    fake.closeWatches();
    fake.store.create(KINDS.Service, 'team-a', service('after-crash'));
    await until(() => names(last()?.services).includes('after-crash'), 'caught up after the restart');
  });

  void it('hands a server that keeps ending watches at once to the supervisor, then resumes', async () => {
    // ListWatch alone would reconnect in a tight loop forever; ours fails the run after three
    // watches that ended before any event, so the supervisor's backoff applies.
    provider = startKubernetesProvider({
      kubeConfig: loadedConfig(),
      logger,
      debounceMs: 50,
      minBackoffMs: 20,
      maxBackoffMs: 200,
      quickWatchEndMs: 60_000,
      onChange: (resources) => {
        snapshots.push(resources);
      },
    });
    await provider.synced;
    const closer = setInterval(() => fake.closeWatches(), 5);
    try {
      await until(
        () =>
          logLines.some(
            (l) => l.includes('informer failed; restarting') && l.includes('ended 3 watches at once'),
          ),
        'the run fails after three immediate ends',
      );
    } finally {
      clearInterval(closer);
    }
    fake.store.create(KINDS.Service, 'team-a', service('after-flapping'));
    await until(() => names(last()?.services).includes('after-flapping'), 'resumed after the backoff');
    const lists = fake.requests.filter((r) => r.path === '/api/v1/services' && r.query.watch === undefined);
    assert.equal(lists.length, 1, 'the restart resumed from its resourceVersion, no re-list');
  });

  void it('watches only the namespaces it is given', async () => {
    fake.store.create(KINDS.Service, 'team-a', service('mine', 'team-a'));
    fake.store.create(KINDS.Service, 'team-b', service('theirs', 'team-b'));
    await start({ namespaces: ['team-a'] }).synced;
    await until(() => snapshots.length === 1, 'first snapshot');
    assert.deepEqual(names(last()?.services), ['mine']);
    assert.ok(fake.requests.every((r) => !r.path.startsWith('/api/v1/services')));
  });

  void it('rejects `synced` when closed before syncing', async () => {
    fake.failNext(1000, 500, (r) => r.path === '/api/v1/services');
    const p = start();
    p.close();
    await assert.rejects(p.synced, /closed before it synced/);
  });
});
