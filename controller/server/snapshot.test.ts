// SnapshotCache: content-hash versions, no change (and no notification) for an unchanged
// snapshot, per-type change detection, and atomic failure on a resource that cannot be encoded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SnapshotCache } from './snapshot';
import { TYPE_URL } from './resource-types';
import { fixtureSnapshot } from './test-fixtures';
import { decodeMessage } from '../../lib/protos';

void test('versions are content hashes: same content, same versions, whatever the insertion order', () => {
  const a = new SnapshotCache();
  const b = new SnapshotCache();
  const snap = fixtureSnapshot({ listener: 'l', ports: [1001, 1002] });
  a.setSnapshot('ns/gw', snap);
  b.setSnapshot('ns/gw', new Map([...snap].reverse()));
  for (const url of Object.values(TYPE_URL)) {
    assert.equal(a.getSnapshot('ns/gw')?.ofType(url).version, b.getSnapshot('ns/gw')?.ofType(url).version);
  }
  const endpoint = a.getSnapshot('ns/gw')?.ofType(TYPE_URL.endpoint).resources.get('l-cluster');
  assert.ok(endpoint);
  const decoded = decodeMessage(TYPE_URL.endpoint, endpoint.any.value);
  assert.equal(decoded.cluster_name, 'l-cluster');
});

void test('an unchanged snapshot reports no change and notifies nobody', () => {
  const cache = new SnapshotCache();
  const events: [string, string[]][] = [];
  cache.onChange((node, types) => events.push([node, types]));
  assert.equal(cache.setSnapshot('ns/gw', fixtureSnapshot({ listener: 'l', ports: [1001] })), true);
  assert.equal(cache.setSnapshot('ns/gw', fixtureSnapshot({ listener: 'l', ports: [1001] })), false);
  assert.equal(events.length, 1);
});

void test('only the types whose content changed are reported', () => {
  const cache = new SnapshotCache();
  cache.setSnapshot('ns/gw', fixtureSnapshot({ listener: 'l', ports: [1001] }));
  const before = cache.getSnapshot('ns/gw');
  const events: string[][] = [];
  cache.onChange((_node, types) => events.push(types));
  assert.equal(cache.setSnapshot('ns/gw', fixtureSnapshot({ listener: 'l', ports: [1002] })), true);
  assert.deepEqual(events, [[TYPE_URL.endpoint]]);
  const after = cache.getSnapshot('ns/gw');
  assert.notEqual(before?.ofType(TYPE_URL.endpoint).version, after?.ofType(TYPE_URL.endpoint).version);
  assert.equal(before?.ofType(TYPE_URL.cluster).version, after?.ofType(TYPE_URL.cluster).version);
});

void test('a type missing from a snapshot means no resources of that type', () => {
  const cache = new SnapshotCache();
  cache.setSnapshot('ns/gw', fixtureSnapshot({ listener: 'l', ports: [1001] }));
  const events: string[][] = [];
  cache.onChange((_node, types) => events.push(types));
  assert.equal(cache.setSnapshot('ns/gw', new Map()), true);
  assert.equal(events[0]?.length, 4);
  assert.equal(cache.getSnapshot('ns/gw')?.ofType(TYPE_URL.listener).resources.size, 0);
  assert.equal(cache.setSnapshot('ns/gw', new Map([[TYPE_URL.listener, new Map()]])), false);
});

void test('a resource that cannot be encoded throws with its name and keeps the old snapshot', () => {
  const cache = new SnapshotCache();
  cache.setSnapshot('ns/gw', fixtureSnapshot({ listener: 'l', ports: [1001] }));
  const old = cache.getSnapshot('ns/gw');
  const bad = fixtureSnapshot({ listener: 'l', ports: [1002] });
  bad.set(TYPE_URL.cluster, new Map([['broken', { name: 'broken', eds_cluster_config: 5 }]]));
  assert.throws(() => cache.setSnapshot('ns/gw', bad), /cannot encode .*Cluster "broken"/);
  assert.equal(cache.getSnapshot('ns/gw'), old);
  const unknownType = new Map([['type.googleapis.com/no.such.Type', new Map([['x', {}]])]]);
  assert.throws(
    () => cache.setSnapshot('ns/gw', unknownType),
    /cannot encode type.googleapis.com\/no.such.Type "x"/,
  );
  assert.equal(cache.getSnapshot('ns/gw'), old);
});
