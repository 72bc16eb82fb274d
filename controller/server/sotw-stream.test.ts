// State-of-the-world ADS, message by message with a hand-written client: wildcard and named
// subscriptions, ACK/NACK, stale nonces, no push for unchanged content, dependency order.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { AdsServer, type AckRecord, type NackRecord } from './ads';
import { SnapshotCache } from './snapshot';
import { TYPE_URL } from './resource-types';
import { fixtureSnapshot } from './test-fixtures';
import { adsClient, openSotw } from './ads-test-client';
import { createLogger } from '../../lib/log';
import { decodeMessage } from '../../lib/protos';

const cache = new SnapshotCache();
const ads = new AdsServer({ cache, logger: createLogger('test', 'silent') });
const acks: AckRecord[] = [];
const nackEvents: NackRecord[] = [];
ads.on('ack', (r) => acks.push(r)).on('nack', (r) => nackEvents.push(r));
const ready = ads.listen('127.0.0.1:0');
const node = (cluster: string) => ({ id: 'envoy-1', cluster });

after(async () => {
  await ads.close();
});

async function connect() {
  const client = adsClient(`127.0.0.1:${await ready}`);
  return { client, stream: openSotw(client) };
}

void test('wildcard CDS and named EDS, ACKed; unchanged snapshot is not re-pushed', async () => {
  cache.setSnapshot('ns/a', fixtureSnapshot({ listener: 'a', ports: [1001] }));
  const { client, stream } = await connect();
  try {
    stream.send({ node: node('ns/a'), type_url: TYPE_URL.cluster });
    const cds = await stream.next();
    assert.equal(cds.type_url, TYPE_URL.cluster);
    assert.equal(cds.resources?.length, 1);
    assert.equal(
      decodeMessage(TYPE_URL.cluster, cds.resources?.[0]?.value ?? Buffer.alloc(0)).name,
      'a-cluster',
    );
    stream.send({ type_url: TYPE_URL.cluster, version_info: cds.version_info, response_nonce: cds.nonce });
    stream.send({ type_url: TYPE_URL.endpoint, resource_names: ['a-cluster', 'missing'] });
    const eds = await stream.next();
    assert.equal(eds.resources?.length, 1, 'only resources that exist are sent');
    stream.send({
      type_url: TYPE_URL.endpoint,
      resource_names: ['a-cluster', 'missing'],
      version_info: eds.version_info,
      response_nonce: eds.nonce,
    });

    assert.equal(cache.setSnapshot('ns/a', fixtureSnapshot({ listener: 'a', ports: [1001] })), false);
    cache.setSnapshot('ns/a', fixtureSnapshot({ listener: 'a', ports: [1002] }));
    const next = await stream.next();
    // Had the unchanged snapshot been pushed, this would be a CDS or an EDS with the old version.
    assert.equal(next.type_url, TYPE_URL.endpoint);
    assert.notEqual(next.version_info, eds.version_info);
    const cla = decodeMessage(TYPE_URL.endpoint, next.resources?.[0]?.value ?? Buffer.alloc(0));
    assert.match(JSON.stringify(cla), /1002/);
    assert.ok(acks.some((a) => a.typeUrl === TYPE_URL.cluster && a.version === cds.version_info));
  } finally {
    stream.close();
    client.close();
  }
});

void test('NACK is recorded with its reason; the version is not re-sent; stale nonces are ignored', async () => {
  cache.setSnapshot('ns/b', fixtureSnapshot({ listener: 'b', ports: [1001] }));
  const { client, stream } = await connect();
  try {
    stream.send({ node: node('ns/b'), type_url: TYPE_URL.listener, resource_names: [] });
    const lds = await stream.next();
    stream.send({
      type_url: TYPE_URL.listener,
      version_info: '',
      response_nonce: lds.nonce,
      error_detail: { code: 3, message: 'listener b: bad filter' },
    });
    // A stale nonce after the NACK must not trigger anything either.
    stream.send({ type_url: TYPE_URL.listener, response_nonce: 'stale-nonce' });
    await delay(100);
    assert.equal(stream.pending(), 0, 'no response to a NACK of the current version or a stale nonce');
    const nack = ads.nacks().find((n) => n.nodeCluster === 'ns/b');
    assert.ok(nack);
    assert.equal(nack.rejectedVersion, lds.version_info);
    assert.equal(nack.message, 'listener b: bad filter');
    assert.equal(nack.typeUrl, TYPE_URL.listener);
    assert.ok(nackEvents.includes(nack));

    cache.setSnapshot('ns/b', fixtureSnapshot({ listener: 'b', ports: [1001], tag: 'fixed' }));
    const fixed = await stream.next();
    assert.equal(fixed.type_url, TYPE_URL.listener);
    assert.notEqual(fixed.version_info, lds.version_info);
  } finally {
    stream.close();
    client.close();
  }
});

void test('a new stream that already holds the current version gets nothing until a change', async () => {
  cache.setSnapshot('ns/c', fixtureSnapshot({ listener: 'c', ports: [1001] }));
  const current = cache.getSnapshot('ns/c')?.ofType(TYPE_URL.cluster).version;
  const { client, stream } = await connect();
  try {
    stream.send({ node: node('ns/c'), type_url: TYPE_URL.cluster, version_info: current });
    stream.send({ type_url: TYPE_URL.route, resource_names: ['c-route'], version_info: 'old' });
    const rds = await stream.next();
    assert.equal(rds.type_url, TYPE_URL.route, 'CDS is current, so the first response is RDS');
    stream.send({
      type_url: TYPE_URL.route,
      resource_names: ['c-route', 'other'],
      version_info: rds.version_info,
      response_nonce: rds.nonce,
    });
    const again = await stream.next();
    assert.equal(
      again.version_info,
      rds.version_info,
      'a changed subscription is answered at the same version',
    );
  } finally {
    stream.close();
    client.close();
  }
});

void test('on a change, types go out in dependency order, each after the previous was answered', async () => {
  cache.setSnapshot('ns/d', fixtureSnapshot({ listener: 'd', ports: [1001] }));
  const { client, stream } = await connect();
  try {
    const subscriptions: [string, string[]][] = [
      [TYPE_URL.listener, []],
      [TYPE_URL.route, ['d-route']],
      [TYPE_URL.cluster, []],
      [TYPE_URL.endpoint, ['d-cluster']],
    ];
    const names = new Map(subscriptions);
    stream.send({ node: node('ns/d'), type_url: TYPE_URL.listener });
    for (const [type_url, resource_names] of subscriptions.slice(1))
      stream.send({ type_url, resource_names });
    // Initially CDS may overtake an unanswered LDS (it comes first in the order); on a change,
    // the walk stops at each unanswered type.
    const ackAll = async (count: number, gated: boolean): Promise<string[]> => {
      const order: string[] = [];
      for (let i = 0; i < count; i++) {
        const res = await stream.next();
        order.push(res.type_url ?? '');
        const type_url = res.type_url ?? '';
        if (gated) await delay(50);
        if (gated) assert.equal(stream.pending(), 0, `nothing is sent while ${type_url} is unanswered`);
        stream.send({
          type_url,
          resource_names: names.get(type_url) ?? [],
          version_info: res.version_info,
          response_nonce: res.nonce,
        });
      }
      return order;
    };
    assert.deepEqual(
      (await ackAll(4, false)).sort(),
      Object.values(TYPE_URL)
        .slice(0, 5)
        .filter((t) => t !== TYPE_URL.secret)
        .sort(),
    );
    cache.setSnapshot(
      'ns/d',
      fixtureSnapshot({ listener: 'd', ports: [1002], lbPolicy: 'LEAST_REQUEST', tag: 'v2' }),
    );
    assert.deepEqual(await ackAll(4, true), [
      TYPE_URL.cluster,
      TYPE_URL.endpoint,
      TYPE_URL.listener,
      TYPE_URL.route,
    ]);
  } finally {
    stream.close();
    client.close();
  }
});

void test('a stream without node.cluster is refused', async () => {
  const { client, stream } = await connect();
  try {
    stream.send({ type_url: TYPE_URL.cluster });
    await assert.rejects(stream.next(), /stream ended: 3 .*node\.cluster/);
  } finally {
    client.close();
  }
});
