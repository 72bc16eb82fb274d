// envoyBootstrap(): the identity and ADS wiring Envoy starts from (its encoding and PGV rules
// are checked in fidelity.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envoyBootstrap, XDS_CLUSTER } from './bootstrap';

interface Shape {
  node: { id: string; cluster: string };
  dynamic_resources: { ads_config: { grpc_services: { envoy_grpc: { cluster_name: string } }[] } };
  static_resources: { clusters: { name: string; type: string; load_assignment: unknown }[] };
  admin?: { address: { socket_address: { address: string; port_value: number } } };
}

void test('node.cluster is the Gateway key and ADS goes to the static xds_cluster', () => {
  const b = envoyBootstrap({
    nodeId: 'edge-0',
    gatewayKey: 'prod/edge',
    adsAddress: { host: '127.0.0.1', port: 18000 },
    adminPort: 9901,
  }) as unknown as Shape;
  assert.deepEqual(b.node, { id: 'edge-0', cluster: 'prod/edge' });
  assert.equal(b.dynamic_resources.ads_config.grpc_services[0]?.envoy_grpc.cluster_name, XDS_CLUSTER);
  assert.equal(b.static_resources.clusters[0]?.type, 'STATIC');
  assert.deepEqual(b.admin?.address.socket_address, { address: '127.0.0.1', port_value: 9901 });
});

void test('a DNS name is resolved, a socket path is a pipe, no admin unless asked', () => {
  const byName = envoyBootstrap({
    nodeId: 'n',
    gatewayKey: 'a/b',
    adsAddress: { host: 'ctl.svc', port: 18000 },
  });
  assert.equal((byName as unknown as Shape).static_resources.clusters[0]?.type, 'STRICT_DNS');
  assert.equal((byName as unknown as Shape).admin, undefined);
  const uds = envoyBootstrap({ nodeId: 'n', gatewayKey: 'a/b', adsAddress: { path: '/run/xds.sock' } });
  assert.match(JSON.stringify(uds), /"pipe":\{"path":"\/run\/xds.sock"\}/);
});

void test('bad input gets a clear error', () => {
  const ads = { host: '127.0.0.1', port: 18000 };
  assert.throws(
    () => envoyBootstrap({ nodeId: 'n', gatewayKey: 'no-namespace', adsAddress: ads }),
    /namespace\/name/,
  );
  assert.throws(() => envoyBootstrap({ nodeId: '', gatewayKey: 'a/b', adsAddress: ads }), /nodeId/);
  assert.throws(
    () => envoyBootstrap({ nodeId: 'n', gatewayKey: 'a/b', adsAddress: { host: 'h', port: 70000 } }),
    /not a port/,
  );
});
