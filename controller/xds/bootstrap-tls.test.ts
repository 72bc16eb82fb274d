// The bootstrap's mTLS xds cluster (`tollgate bootstrap --xds-tls-dir`): the UpstreamTlsContext
// names the Secret-mount files, pins the controller's SAN, survives the protobuf round trip and
// passes Envoy's validate.rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOOTSTRAP_TYPE_URL, envoyBootstrap } from './index';
import { roundTrip } from './round-trip';
import { validateResource } from './validate';

const serverName = 'tollgate-controller.tollgate-system.svc';

void test('fidelity bootstrap with an mTLS xds cluster', () => {
  for (const adsAddress of [
    { host: serverName, port: 18000 },
    { host: '10.0.0.7', port: 18000 },
  ]) {
    const bootstrap = envoyBootstrap({
      nodeId: 'edge-0',
      gatewayKey: 'prod/edge',
      adsAddress,
      xdsTls: { dir: '/etc/tollgate/xds-tls/', serverName },
    });
    const { expected, actual } = roundTrip(BOOTSTRAP_TYPE_URL, bootstrap);
    assert.deepStrictEqual(actual, expected, 'changed by an encode/decode round trip');
    assert.deepStrictEqual(validateResource(BOOTSTRAP_TYPE_URL, bootstrap), []);
    const text = JSON.stringify(bootstrap);
    for (const file of ['ca.crt', 'tls.crt', 'tls.key'])
      assert.ok(text.includes(`"filename":"/etc/tollgate/xds-tls/${file}"`), file);
    assert.ok(text.includes(`"matcher":{"exact":"${serverName}"}`));
    assert.ok(text.includes('"sni":"tollgate-controller.tollgate-system.svc"'));
  }
});

void test('without xdsTls the xds cluster has no transport socket; bad TLS input is an error', () => {
  const plain = envoyBootstrap({
    nodeId: 'n',
    gatewayKey: 'a/b',
    adsAddress: { host: '127.0.0.1', port: 1 },
  });
  assert.ok(!JSON.stringify(plain).includes('transport_socket'));
  const ads = { host: '127.0.0.1', port: 1 };
  assert.throws(
    () =>
      envoyBootstrap({ nodeId: 'n', gatewayKey: 'a/b', adsAddress: ads, xdsTls: { dir: 'rel', serverName } }),
    /absolute/,
  );
  assert.throws(
    () =>
      envoyBootstrap({
        nodeId: 'n',
        gatewayKey: 'a/b',
        adsAddress: ads,
        xdsTls: { dir: '/x', serverName: '' },
      }),
    /serverName/,
  );
});
