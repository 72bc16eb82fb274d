// The fake API server must behave as a real one does for what the provider relies on:
// resourceVersion and generation rules, conflicts, patches, subresources, watches (replay,
// selectors, bookmarks, timeouts, compaction -> 410) and the test controls.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { writeKubeconfig } from './kubeconfig';
import { parseTarget } from './request';
import { startFakeApiServer, type FakeApiServer } from './server';
import { rawWatch, until } from './testing';

let fake: FakeApiServer;
before(async () => {
  fake = await startFakeApiServer({ bookmarkIntervalMs: 50 });
});
after(() => fake.close());

const ROUTES = '/apis/tollgate.dev/v1alpha1/namespaces/team-a/airoutes';

interface Obj {
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion: string; generation: number; uid: string };
  spec?: unknown;
  status?: unknown;
  code?: number;
  reason?: string;
  items?: Obj[];
}

async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(fake.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Obj };
}

function route(name: string, spec: unknown = { rules: [] }) {
  return { apiVersion: 'tollgate.dev/v1alpha1', kind: 'AIRoute', metadata: { name }, spec };
}

void describe('fake API server', () => {
  void it('parses core, named-group, namespaced and cluster-scoped paths', () => {
    assert.deepEqual(parseTarget('/api/v1/namespaces/a/secrets/s'), {
      ref: { group: '', version: 'v1', plural: 'secrets' },
      namespace: 'a',
      name: 's',
      subresource: undefined,
    });
    assert.equal(
      parseTarget('/apis/gateway.networking.k8s.io/v1/gatewayclasses/gc/status')?.subresource,
      'status',
    );
    assert.equal(parseTarget('/api/v1/namespaces/a')?.ref.plural, 'namespaces');
    assert.equal(parseTarget('/healthz'), undefined);
  });

  void it('creates, gets and lists with a global, increasing resourceVersion', async () => {
    const a = await call('POST', ROUTES, route('a'));
    assert.equal(a.status, 201);
    assert.equal(a.body.metadata.generation, 1);
    assert.equal(a.body.metadata.namespace, 'team-a');
    const gc = await call('POST', '/apis/gateway.networking.k8s.io/v1/gatewayclasses', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'gc' },
      spec: { controllerName: 'x' },
    });
    assert.ok(Number(gc.body.metadata.resourceVersion) > Number(a.body.metadata.resourceVersion));
    assert.equal(gc.body.metadata.namespace, undefined);
    assert.equal((await call('POST', ROUTES, route('a'))).status, 409);
    const list = await call('GET', ROUTES);
    assert.equal(list.body.kind, 'AIRouteList');
    assert.deepEqual(
      list.body.items?.map((i) => i.metadata.name),
      ['a'],
    );
    assert.equal(list.body.metadata.resourceVersion, gc.body.metadata.resourceVersion);
    assert.equal((await call('GET', `${ROUTES}/missing`)).body.reason, 'NotFound');
  });

  void it('rejects a stale resourceVersion with 409 and bumps generation only on spec changes', async () => {
    const created = (await call('POST', ROUTES, route('b', { rules: [1] }))).body;
    const updated = await call('PUT', `${ROUTES}/b`, { ...created, spec: { rules: [2] } });
    assert.equal(updated.body.metadata.generation, 2);
    const stale = await call('PUT', `${ROUTES}/b`, { ...created, spec: { rules: [3] } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.reason, 'Conflict');

    const withStatus = await call('PUT', `${ROUTES}/b/status`, {
      ...updated.body,
      spec: { ignored: true },
      status: { ok: 1 },
    });
    assert.equal(withStatus.status, 200);
    assert.deepEqual(withStatus.body.status, { ok: 1 });
    assert.deepEqual(withStatus.body.spec, { rules: [2] }, 'the status subresource ignores spec');
    assert.equal(withStatus.body.metadata.generation, 2, 'status changes do not bump generation');
    const main = await call('PUT', `${ROUTES}/b`, { ...withStatus.body, status: { ok: 2 } });
    assert.deepEqual(main.body.status, { ok: 1 }, 'the main resource ignores status');
  });

  void it('applies merge patches and JSON patches, and deletes', async () => {
    await call('POST', ROUTES, route('c', { rules: [1], keep: true }));
    const merged = await call(
      'PATCH',
      `${ROUTES}/c`,
      { spec: { rules: [9], keep: null } },
      'application/merge-patch+json',
    );
    assert.deepEqual(merged.body.spec, { rules: [9] });
    assert.equal(merged.body.metadata.generation, 2);
    const patched = await call(
      'PATCH',
      `${ROUTES}/c/status`,
      [{ op: 'add', path: '/status', value: { conditions: [] } }],
      'application/json-patch+json',
    );
    assert.deepEqual(patched.body.status, { conditions: [] });
    const stale = await call(
      'PATCH',
      `${ROUTES}/c`,
      { metadata: { resourceVersion: '1' } },
      'application/merge-patch+json',
    );
    assert.equal(stale.status, 409);
    assert.equal((await call('DELETE', `${ROUTES}/c`)).status, 200);
    assert.equal((await call('DELETE', `${ROUTES}/c`)).status, 404);
  });

  void it('watches strictly after a resourceVersion, with selectors and live events', async () => {
    const path = '/apis/example.com/v1/namespaces/w/widgets';
    const first = (
      await call('POST', path, { kind: 'Widget', metadata: { name: 'one', labels: { app: 'x' } } })
    ).body;
    await call('POST', path, { kind: 'Widget', metadata: { name: 'two', labels: { app: 'x' } } });
    const all = await rawWatch(fake.url, path, { resourceVersion: first.metadata.resourceVersion });
    const selected = await rawWatch(fake.url, path, {
      labelSelector: 'app=x',
      fieldSelector: 'metadata.name=one',
    });
    await call(
      'PATCH',
      `${path}/one`,
      { metadata: { labels: { app: 'y' } } },
      'application/merge-patch+json',
    );
    await call('DELETE', `${path}/two`);
    await until(() => all.events.length === 3 && selected.events.length === 2, 'watch events');
    assert.deepEqual(
      all.events.map((e) => `${e.type} ${e.object.metadata?.name}`),
      ['ADDED two', 'MODIFIED one', 'DELETED two'],
    );
    // Leaving the label selection is a DELETED for that watch, as on a real server.
    assert.deepEqual(
      selected.events.map((e) => `${e.type} ${e.object.metadata?.name}`),
      ['ADDED one', 'DELETED one'],
    );
    all.close();
    selected.close();
  });

  void it('answers an expired resourceVersion with a 410 ERROR event after compaction', async () => {
    const old = (await call('POST', ROUTES, route('d'))).body.metadata.resourceVersion;
    await call('POST', ROUTES, route('e'));
    fake.compact();
    const watch = await rawWatch(fake.url, ROUTES, { resourceVersion: old });
    await watch.ended;
    assert.equal(watch.status, 200);
    assert.equal(watch.events.length, 1);
    assert.equal(watch.events[0]?.type, 'ERROR');
    assert.equal(watch.events[0]?.object.code, 410);
    assert.equal(watch.events[0]?.object.reason, 'Expired');
  });

  void it('sends bookmarks, honours timeoutSeconds and closeWatches()', async () => {
    const rv = String(fake.store.currentRv());
    const timed = await rawWatch(fake.url, ROUTES, {
      resourceVersion: rv,
      timeoutSeconds: '1',
      allowWatchBookmarks: 'true',
    });
    await timed.ended;
    assert.ok(timed.events.some((e) => e.type === 'BOOKMARK' && e.object.metadata?.resourceVersion === rv));
    const open = await rawWatch(fake.url, ROUTES, { resourceVersion: rv });
    await until(() => fake.openWatchCount() === 1, 'watch registered');
    fake.closeWatches();
    await open.ended;
    assert.equal(fake.openWatchCount(), 0);
  });

  void it('injects failures and logs requests', async () => {
    fake.failNext(1, 500, (r) => r.method === 'GET');
    assert.equal((await call('GET', ROUTES)).status, 500);
    assert.equal((await call('GET', ROUTES)).status, 200);
    const last = fake.requests.at(-1);
    assert.equal(last?.path, ROUTES);
    assert.equal(fake.requests.at(-2)?.status, 500);
  });

  void it('writes a kubeconfig that points at the server', () => {
    const doc = parse(readFileSync(writeKubeconfig(fake.url), 'utf8')) as {
      clusters: { cluster: { server: string } }[];
    };
    assert.equal(doc.clusters[0]?.cluster.server, fake.url);
  });
});
