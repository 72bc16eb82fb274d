// Incremental ADS with a hand-written delta client: wildcard and named subscriptions,
// per-resource versions, initial_resource_versions, updates carrying only what changed,
// removed_resources, unsubscribe, and ACK/NACK by nonce.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { AdsServer, type AckRecord } from './ads';
import { SnapshotCache } from './snapshot';
import { TYPE_URL } from './resource-types';
import { fixtureSnapshot } from './test-fixtures';
import { adsClient, openDelta } from './ads-test-client';
import { createLogger } from '../../lib/log';
import type { DeltaDiscoveryResponse__Output } from '../../gen/protos/envoy/service/discovery/v3/DeltaDiscoveryResponse';

const cache = new SnapshotCache();
const ads = new AdsServer({ cache, logger: createLogger('test', 'silent') });
const acks: AckRecord[] = [];
ads.on('ack', (r) => acks.push(r));
const ready = ads.listen('127.0.0.1:0');
const node = (cluster: string) => ({ id: 'envoy-delta', cluster });

after(async () => {
  await ads.close();
});

const names = (res: DeltaDiscoveryResponse__Output): string[] =>
  (res.resources ?? []).map((r) => r.name ?? '').sort();

void test('subscribe, update only what changed, remove, unsubscribe, NACK', async () => {
  cache.setSnapshot('ns/a', fixtureSnapshot({ listener: 'a', cluster: 'a1', ports: [1001] }));
  const client = adsClient(`127.0.0.1:${await ready}`);
  const stream = openDelta(client);
  try {
    stream.send({ node: node('ns/a'), type_url: TYPE_URL.cluster });
    const cds = await stream.next();
    assert.deepEqual(names(cds), ['a1']);
    assert.ok(cds.resources?.[0]?.version);
    assert.equal(cds.resources?.[0]?.resource?.type_url, TYPE_URL.cluster);
    stream.send({ type_url: TYPE_URL.cluster, response_nonce: cds.nonce });
    stream.send({ type_url: TYPE_URL.endpoint, resource_names_subscribe: ['a1'] });
    const eds = await stream.next();
    assert.deepEqual(names(eds), ['a1']);
    stream.send({ type_url: TYPE_URL.endpoint, response_nonce: eds.nonce });
    await eventually(() =>
      acks.some((a) => a.protocol === 'delta' && a.typeUrl === TYPE_URL.endpoint && a.nonce === eds.nonce),
    );

    // Two clusters; only the new one (and its endpoints) travel.
    const two = fixtureSnapshot({ listener: 'a', cluster: 'a1', ports: [1001] });
    const extra = fixtureSnapshot({ listener: 'a', cluster: 'a2', ports: [1002] });
    for (const url of [TYPE_URL.cluster, TYPE_URL.endpoint]) {
      for (const [name, r] of extra.get(url) ?? []) two.get(url)?.set(name, r);
    }
    cache.setSnapshot('ns/a', two);
    const cds2 = await stream.next();
    assert.deepEqual(names(cds2), ['a2'], 'the unchanged cluster a1 is not re-sent');
    assert.deepEqual(cds2.removed_resources ?? [], []);
    stream.send({ type_url: TYPE_URL.cluster, response_nonce: cds2.nonce });
    stream.send({ type_url: TYPE_URL.endpoint, resource_names_subscribe: ['a2'] });
    const eds2 = await stream.next();
    assert.deepEqual(names(eds2), ['a2']);

    // NACK the endpoints: recorded, and the same version is not sent again.
    stream.send({
      type_url: TYPE_URL.endpoint,
      response_nonce: eds2.nonce,
      error_detail: { message: 'bad endpoint' },
    });
    await eventually(() => ads.nacks().some((n) => n.protocol === 'delta'));
    const nack = ads.nacks().find((n) => n.protocol === 'delta');
    assert.equal(nack?.message, 'bad endpoint');
    assert.equal(nack?.nonce, eds2.nonce);
    assert.equal(stream.pending(), 0);

    // Cluster a2 goes away: both types report it removed, CDS first.
    cache.setSnapshot('ns/a', fixtureSnapshot({ listener: 'a', cluster: 'a1', ports: [1001] }));
    const cds3 = await stream.next();
    assert.equal(cds3.type_url, TYPE_URL.cluster);
    assert.deepEqual(cds3.removed_resources, ['a2']);
    assert.deepEqual(names(cds3), []);
    stream.send({ type_url: TYPE_URL.cluster, response_nonce: cds3.nonce });
    const eds3 = await stream.next();
    assert.equal(eds3.type_url, TYPE_URL.endpoint);
    assert.deepEqual(eds3.removed_resources, ['a2']);
    stream.send({
      type_url: TYPE_URL.endpoint,
      response_nonce: eds3.nonce,
      resource_names_unsubscribe: ['a1'],
    });

    // After unsubscribing a1, its endpoint changes are no longer sent; CDS changes still are.
    cache.setSnapshot(
      'ns/a',
      fixtureSnapshot({ listener: 'a', cluster: 'a1', ports: [1003], lbPolicy: 'LEAST_REQUEST' }),
    );
    const cds4 = await stream.next();
    assert.equal(cds4.type_url, TYPE_URL.cluster);
    stream.send({ type_url: TYPE_URL.cluster, response_nonce: cds4.nonce });
    await delay(50);
    assert.equal(stream.pending(), 0, 'no EDS for an unsubscribed name');
  } finally {
    stream.close();
    client.close();
  }
});

void test('initial_resource_versions: only resources the client holds at another version are sent', async () => {
  cache.setSnapshot('ns/b', fixtureSnapshot({ listener: 'b', cluster: 'b1', ports: [1001] }));
  const held = cache.getSnapshot('ns/b')?.ofType(TYPE_URL.cluster).resources.get('b1')?.version ?? '';
  const client = adsClient(`127.0.0.1:${await ready}`);
  const stream = openDelta(client);
  try {
    stream.send({
      node: node('ns/b'),
      type_url: TYPE_URL.cluster,
      resource_names_subscribe: ['*'],
      initial_resource_versions: { b1: held, gone: 'v0' },
    });
    const first = await stream.next();
    assert.deepEqual(names(first), [], 'b1 is current on the client');
    assert.deepEqual(first.removed_resources, ['gone']);
  } finally {
    stream.close();
    client.close();
  }
});

/** Waits for a condition the server reaches asynchronously (no fixed sleeps on a noisy machine). */
async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`condition not reached within ${timeoutMs} ms`);
    await delay(10);
  }
}
