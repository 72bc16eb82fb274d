// Tests of the ADS subscription against an in-test SotW ADS server: node identity, ACK with
// version and nonce, NACK with a reason naming the unsupported field while the last good config
// keeps serving, RDS subscription by name, and reconnecting after the stream drops.
// https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ack-nack-and-resource-type-instance-version
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TYPE_URL } from './config/snapshot';
import { setResources, startHarness, type Harness } from './testing/harness';
import { request, startUpstream, type TestUpstream } from './testing/upstream';
import { listener, routeConfig, routeTo, staticCluster, vhost } from './testing/xds';

describe('ADS client', () => {
  let a: TestUpstream;
  let b: TestUpstream;
  let h: Harness;
  before(async () => {
    a = await startUpstream('a');
    b = await startUpstream('b');
    h = await startHarness({
      listeners: [listener('default/gw/80')],
      routes: [routeConfig('default/gw/80', [vhost('any', ['*'], [routeTo('a')])])],
      clusters: [staticCluster('a', [{ port: a.port }]), staticCluster('b', [{ port: b.port }])],
    });
  });
  after(async () => {
    await h.close();
    await a.close();
    await b.close();
  });

  it('identifies as node {id, cluster: gateway key} and ACKs with version and nonce', async () => {
    const ack = await h.ads.waitFor(
      (r) => r.type_url === TYPE_URL.listener && r.version_info === 'v1' && Boolean(r.response_nonce),
    );
    assert.equal(ack.error_detail, undefined);
    const first = h.ads.requests[0];
    assert.equal(first?.node?.cluster, 'default/gw');
    assert.equal(first?.node?.id, 'test-node');
    const rds = await h.ads.waitFor((r) => r.type_url === TYPE_URL.route);
    assert.deepEqual(rds.resource_names, ['default/gw/80']);
    assert.equal((await request(h.port())).body, 'a');
  });

  it('NACKs an unsupported field with its name and keeps the last good routes', async () => {
    const bad = routeConfig('default/gw/80', [
      vhost('any', ['*'], [routeTo('b', { prefix: '/' }, { host_rewrite_literal: 'x' })]),
    ]);
    setResources(h.ads, { routes: [bad] }, 'v2');
    const nack = await h.ads.waitFor((r) => r.type_url === TYPE_URL.route && r.error_detail !== undefined);
    assert.match(nack.error_detail?.message ?? '', /route\.host_rewrite_literal: not supported/);
    assert.equal(nack.version_info, 'v1');
    assert.equal((await request(h.port())).body, 'a');
  });

  it('reconnects after the stream drops and applies what the server has', async () => {
    h.ads.dropStreams();
    setResources(
      h.ads,
      { routes: [routeConfig('default/gw/80', [vhost('any', ['*'], [routeTo('b')])])] },
      'v3',
    );
    await h.ads.waitFor((r) => r.type_url === TYPE_URL.route && r.version_info === 'v3' && !r.error_detail);
    let body = '';
    for (let i = 0; i < 50 && body !== 'b'; i++) {
      body = (await request(h.port())).body;
      if (body !== 'b') await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(body, 'b');
  });
});
