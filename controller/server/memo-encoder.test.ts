// MemoEncoder and the SnapshotCache memo: the split encoding of long repeated fields is
// byte-for-byte protobufjs's, unchanged content is not encoded again, changed content is, and
// versions change exactly when bytes change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoEncoder } from './memo-encoder';
import { SnapshotCache } from './snapshot';
import { TYPE_URL } from './resource-types';
import { fixtureSnapshot } from './test-fixtures';
import { decodeMessage, encodeMessage, type ProtoObject } from '../../lib/protos';

const RETRY = {
  retry_on: 'connect-failure,reset',
  num_retries: { value: 2 },
  retry_host_predicate: [
    {
      name: 'envoy.retry_host_predicates.previous_hosts',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
      },
    },
  ],
};

function routeConfig(routes: number, timeoutOfFirst = 60): ProtoObject {
  return {
    name: 'ns/gw/8080',
    ignore_port_in_host_matching: true,
    virtual_hosts: [
      {
        name: 'ns/gw/8080/*',
        domains: ['*'],
        routes: Array.from({ length: routes }, (_, i) => ({
          name: `airoute/ns/r-${i}/rule-0`,
          match: {
            prefix: '/',
            headers: [{ name: 'x-tollgate-route', string_match: { exact: `ns/r-${i}` } }],
          },
          route: {
            cluster: `ai/ns/r-${i}`,
            timeout: { seconds: i === 0 ? timeoutOfFirst : 60 },
            retry_policy: RETRY,
          },
        })),
        request_headers_to_remove: ['x-a', 'x-b'],
      },
    ],
    request_headers_to_add: [{ header: { key: 'k', value: 'v' } }],
  };
}

function snapshotWith(route: ProtoObject): Map<string, Map<string, ProtoObject>> {
  const snap = fixtureSnapshot({ listener: 'l', ports: [1001], route: 'ns/gw/8080' });
  snap.set(TYPE_URL.route, new Map([['ns/gw/8080', route]]));
  return snap;
}

void test('split encoding of long repeated fields is byte-identical to protobufjs', () => {
  for (const n of [0, 1, 31, 32, 200]) {
    const object = routeConfig(n);
    const split = new MemoEncoder(undefined).encode(TYPE_URL.route, object);
    assert.deepEqual(split, Buffer.from(encodeMessage(TYPE_URL.route, object)), `${n} routes`);
  }
  const decoded = decodeMessage(
    TYPE_URL.route,
    new MemoEncoder(undefined).encode(TYPE_URL.route, routeConfig(40)),
  );
  assert.equal((decoded.virtual_hosts as { routes: unknown[] }[])[0]?.routes.length, 40);
});

void test('a second pass reuses unchanged elements and encodes the changed one', () => {
  const first = new MemoEncoder(undefined);
  const before = first.encode(TYPE_URL.route, routeConfig(100));
  const again = new MemoEncoder(first.used);
  assert.deepEqual(again.encode(TYPE_URL.route, routeConfig(100)), before);
  assert.equal(again.misses, 0);
  const changed = new MemoEncoder(again.used);
  const bytes = changed.encode(TYPE_URL.route, routeConfig(100, 61));
  assert.equal(changed.misses, 1, 'only the changed route is encoded');
  assert.ok(changed.hits >= 99, `the other routes are reused (${changed.hits} hits)`);
  assert.deepEqual(bytes, Buffer.from(encodeMessage(TYPE_URL.route, routeConfig(100, 61))));
});

void test('a bad element is reported with its field, like protobufjs', () => {
  const object = routeConfig(40);
  const [host] = object.virtual_hosts as { routes: unknown[] }[];
  if (host) host.routes[5] = 'not a route';
  assert.throws(() => new MemoEncoder(undefined).encode(TYPE_URL.route, object), /routes: object expected/);
});

void test('SnapshotCache: unchanged resources keep their encoding and version; changed ones do not', () => {
  const cache = new SnapshotCache();
  cache.setSnapshot('ns/gw', snapshotWith(routeConfig(100)));
  const first = cache.getSnapshot('ns/gw');
  assert.equal(cache.setSnapshot('ns/gw', snapshotWith(routeConfig(100))), false);
  assert.equal(cache.lastEncodeStats.misses, 0, 'nothing re-encoded');
  const same = cache.getSnapshot('ns/gw');
  for (const url of [TYPE_URL.cluster, TYPE_URL.route]) {
    const [a] = first?.ofType(url).resources.values() ?? [];
    const [b] = same?.ofType(url).resources.values() ?? [];
    assert.equal(a?.any.value, b?.any.value, 'the same buffer, not re-encoded');
    assert.equal(a?.version, b?.version);
  }
  assert.equal(cache.setSnapshot('ns/gw', snapshotWith(routeConfig(100, 61))), true);
  assert.equal(cache.lastEncodeStats.misses, 1, 'only the changed route is encoded');
  assert.ok(cache.lastEncodeStats.hits >= 99 + 3, 'the other routes and resources are reused');
  const after = cache.getSnapshot('ns/gw');
  assert.notEqual(after?.ofType(TYPE_URL.route).version, first?.ofType(TYPE_URL.route).version);
  assert.equal(after?.ofType(TYPE_URL.cluster).version, first?.ofType(TYPE_URL.cluster).version);
  const route = after?.ofType(TYPE_URL.route).resources.get('ns/gw/8080');
  assert.deepEqual(route?.any.value, Buffer.from(encodeMessage(TYPE_URL.route, routeConfig(100, 61))));
  // Back to the first content: the same bytes, hence the same version as before.
  cache.setSnapshot('ns/gw', snapshotWith(routeConfig(100)));
  assert.equal(
    cache.getSnapshot('ns/gw')?.ofType(TYPE_URL.route).version,
    first?.ofType(TYPE_URL.route).version,
  );
});

void test('SnapshotCache: a failed snapshot leaves the memo of the last good one', () => {
  const cache = new SnapshotCache();
  cache.setSnapshot('ns/gw', snapshotWith(routeConfig(50)));
  const bad = snapshotWith(routeConfig(50, 61));
  bad.set(TYPE_URL.cluster, new Map([['broken', { name: 'broken', eds_cluster_config: 5 }]]));
  assert.throws(() => cache.setSnapshot('ns/gw', bad), /cannot encode/);
  assert.equal(cache.setSnapshot('ns/gw', snapshotWith(routeConfig(50))), false);
  assert.equal(cache.lastEncodeStats.misses, 0);
});
