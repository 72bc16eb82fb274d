// Negative tests of the validate.rules checker: each breaks one rule Envoy enforces and
// expects the validator to name it, so a passing fidelity test means something.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import type { ProtoObject } from '../../lib/protos';
import { goldenInputs } from './golden-render';
import { CLUSTER_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, toXds, type XdsResources } from './index';
import { validateAsType, validateResource, type Violation } from './validate';
import path from 'node:path';
import { sourceDir } from '../../test/golden';

const EXT_PROC = 'envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor';

function rendered(): XdsResources {
  const ir = goldenInputs(path.join(sourceDir(__dirname), 'testdata')).get('ai-fallback');
  assert.ok(ir);
  const gateway = toXds(ir).get('team-a/ai-gateway');
  assert.ok(gateway);
  return structuredClone(gateway);
}

function expectViolation(violations: Violation[], pathPattern: RegExp, messagePattern: RegExp): void {
  assert.ok(
    violations.some((v) => pathPattern.test(v.path) && messagePattern.test(v.message)),
    `expected a violation at ${pathPattern} matching ${messagePattern}, got ${JSON.stringify(violations)}`,
  );
}

function aiCluster(res: XdsResources): ProtoObject {
  const cluster = res.clusters[0]?.resource;
  assert.ok(cluster);
  return cluster;
}

void test('a missing required message field', () => {
  const violations = validateResource(EXT_PROC, { failure_mode_allow: false });
  expectViolation(violations, /^grpc_service$/, /message\.required/);
});

void test('a required oneof left empty, and a oneof with two members', () => {
  const hcm = { stat_prefix: 'x', http_filters: [] };
  expectViolation(
    validateResource(
      'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      hcm,
    ),
    /^$/,
    /oneof route_specifier is required/,
  );
  const address = { socket_address: { address: '1.2.3.4', port_value: 1 }, pipe: { path: '/x' } };
  expectViolation(validateResource('envoy.config.core.v3.Address', address), /^$/, /several members/);
});

void test('a port over 65535 deep inside a cluster', () => {
  const res = rendered();
  const cluster = aiCluster(res) as {
    load_assignment: {
      endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { port_value: number } } } }[] }[];
    };
  };
  const first = cluster.load_assignment.endpoints[0]?.lb_endpoints[0];
  assert.ok(first);
  first.endpoint.address.socket_address.port_value = 70000;
  expectViolation(
    validateResource(CLUSTER_TYPE_URL, cluster as unknown as ProtoObject),
    /socket_address\.port_value$/,
    /<= 65535/,
  );
});

void test('an empty cluster name, also where proto3 leaves it unset', () => {
  expectViolation(validateResource(CLUSTER_TYPE_URL, { name: '' }), /^name$/, /min_len/);
  expectViolation(validateResource(CLUSTER_TYPE_URL, {}), /^name$/, /min_len/);
});

void test('an unknown field, also inside an Any', () => {
  const res = rendered();
  const listener = res.listeners[0]?.resource as {
    filter_chains: { filters: { typed_config: Record<string, unknown> }[] }[];
  };
  const hcm = listener.filter_chains[0]?.filters[0]?.typed_config;
  assert.ok(hcm);
  hcm.stat_prefx = 'typo';
  expectViolation(
    validateResource(LISTENER_TYPE_URL, listener as unknown as ProtoObject),
    /typed_config\.stat_prefx$/,
    /unknown field/,
  );
});

void test('an Any of a type that is not loaded', () => {
  const filter = { name: 'x', typed_config: { '@type': 'type.googleapis.com/example.Nope' } };
  expectViolation(
    validateResource('envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter', filter),
    /typed_config/,
    /unknown type/,
  );
});

void test('durations, enums, repeated and header rules', () => {
  expectViolation(
    validateResource(CLUSTER_TYPE_URL, { name: 'c', connect_timeout: {} }),
    /connect_timeout/,
    /duration\.gt/,
  );
  expectViolation(
    validateResource(CLUSTER_TYPE_URL, { name: 'c', type: 'NOPE' }),
    /^type$/,
    /unknown DiscoveryType/,
  );
  expectViolation(validateResource(CLUSTER_TYPE_URL, { name: 'c', type: 42 }), /^type$/, /defined_only/);
  const routes = { name: 'r', virtual_hosts: [{ name: 'vh', domains: [] }] };
  expectViolation(validateResource(ROUTE_TYPE_URL, routes), /virtual_hosts\[0\]\.domains/, /min_items/);
  const badDomain = { name: 'r', virtual_hosts: [{ name: 'vh', domains: ['ok', 'a\nb'] }] };
  expectViolation(
    validateResource(ROUTE_TYPE_URL, badDomain),
    /virtual_hosts\[0\]\.domains\[1\]$/,
    /well_known_regex/,
  );
  expectViolation(
    validateResource('envoy.config.core.v3.HeaderValue', { key: 'x', value: 'a\r\nb' }),
    /^value$/,
    /HTTP_HEADER_VALUE/,
  );
  expectViolation(
    validateResource(EXT_PROC, {
      grpc_service: { envoy_grpc: { cluster_name: 'x' } },
      message_timeout: { seconds: 7200 },
    }),
    /message_timeout/,
    /duration\.lt/,
  );
});

void test('a rule kind the validator does not implement fails when its field is set, not when unset', () => {
  // A message of our own whose field carries a rule no Envoy message we render uses.
  const field = new protobuf.Field('contact', 1, 'string');
  field.parsedOptions = [{ '(validate.rules)': { string: { email: true } } }];
  const type = new protobuf.Type('Synthetic').add(field);
  new protobuf.Root().add(type);
  expectViolation(
    validateAsType(type, { contact: 'a@b.example' }),
    /^contact$/,
    /string\.email is not implemented/,
  );
  assert.deepEqual(validateAsType(type, {}), []);
  assert.deepEqual(validateResource('envoy.config.core.v3.HeaderValue', { key: 'x', value: 'y' }), []);
});

void test('the rendered resources are clean (the baseline the negatives break)', () => {
  const res = rendered();
  for (const list of Object.values(res) as XdsResources[keyof XdsResources][]) {
    for (const r of list) assert.deepEqual(validateResource(r.typeUrl, r.resource), [], r.name);
  }
});
