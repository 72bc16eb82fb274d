// Fidelity of the rendered xDS: every resource of every golden input, and the bootstrap, must
// (1) survive a protobuf encode/decode unchanged and (2) pass the protoc-gen-validate rules
// Envoy checks on receipt. Together these say "Envoy would accept exactly this".
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { sourceDir } from '../../test/golden';
import type { ProtoObject } from '../../lib/protos';
import { goldenInputs } from './golden-render';
import { BOOTSTRAP_TYPE_URL, CLUSTER_TYPE_URL, envoyBootstrap, toXds } from './index';
import { roundTrip } from './round-trip';
import { validateResource } from './validate';

const testdata = path.join(sourceDir(__dirname), 'testdata');

function assertFaithful(label: string, typeUrl: string, resource: ProtoObject): void {
  const { expected, actual } = roundTrip(typeUrl, resource);
  assert.deepStrictEqual(actual, expected, `${label}: changed by an encode/decode round trip`);
  assert.deepStrictEqual(validateResource(typeUrl, resource), [], `${label}: fails validate.rules`);
}

const cases = [...goldenInputs(testdata)].filter(([name]) => !name.startsWith('invalid-'));

void test('there are golden inputs to check', () => {
  assert.ok(cases.length >= 2);
});

for (const [name, ir] of cases) {
  void test(`fidelity ${name}`, () => {
    let count = 0;
    for (const [gateway, resources] of toXds(ir)) {
      for (const list of Object.values(resources)) {
        for (const { name: resourceName, typeUrl, resource } of list) {
          assertFaithful(`${name} ${gateway} ${typeUrl} ${resourceName}`, typeUrl, resource);
          count++;
        }
      }
    }
    assert.ok(count > 0, `${name} rendered nothing`);
  });
}

void test('fidelity bootstrap (TCP by IP and name, Unix socket)', () => {
  const addresses = [
    { host: '127.0.0.1', port: 18000 },
    { host: 'tollgate-controller.tollgate-system.svc', port: 18000 },
    { path: '/run/tollgate/xds.sock' },
  ];
  for (const adsAddress of addresses) {
    const bootstrap = envoyBootstrap({
      nodeId: 'edge-0',
      gatewayKey: 'prod/edge',
      adsAddress,
      adminPort: 9901,
    });
    assertFaithful(`bootstrap ${JSON.stringify(adsAddress)}`, BOOTSTRAP_TYPE_URL, bootstrap);
  }
});

void test('the round trip catches a field protobufjs drops', () => {
  const cluster = { name: 'c', connect_timeout: { seconds: 1 }, conect_timeout: { seconds: 2 } };
  const { expected, actual } = roundTrip(CLUSTER_TYPE_URL, cluster);
  assert.notDeepStrictEqual(actual, expected);
  // The snake_case Struct spelling is silently lost: protobufjs's Value is camelCase.
  const metadata = {
    name: 'c',
    metadata: { filter_metadata: { tollgate: { fields: { backend: { string_value: 'a/b' } } } } },
  };
  const trip = roundTrip(CLUSTER_TYPE_URL, metadata);
  assert.notDeepStrictEqual(trip.actual, trip.expected);
});

void test('the round trip ignores representation only', () => {
  const cluster = {
    name: 'c',
    type: 'STATIC',
    lb_policy: 'ROUND_ROBIN',
    connect_timeout: { seconds: 0, nanos: 5e8 },
    ignore_health_on_host_removal: false,
  };
  const { expected, actual } = roundTrip(CLUSTER_TYPE_URL, cluster);
  assert.deepStrictEqual(actual, expected);
});
