// Golden tests of toXds() (testdata/NAME.in.yaml -> NAME.out.yaml; UPDATE_GOLDEN=1 rewrites)
// and the properties of the rendering the data plane depends on.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { goldenTests, sourceDir } from '../../test/golden';
import { FILTER } from '../../lib/headers';
import type { ProtoObject } from '../../lib/protos';
import { EXTPROC_CLUSTER } from '../ir/types';
import { goldenInputs, renderGolden } from './golden-render';
import {
  CLUSTER_TYPE_URL,
  ENDPOINT_TYPE_URL,
  LISTENER_TYPE_URL,
  toXds,
  xdsSnapshotFor,
  XdsInvariantError,
} from './index';

const testdata = path.join(sourceDir(__dirname), 'testdata');
goldenTests(testdata, (docs) => renderGolden(docs));

function ir(name: string) {
  const value = goldenInputs(testdata).get(name);
  assert.ok(value, `no golden input ${name}`);
  return value;
}

function hcmFilters(listener: ProtoObject): string[] {
  const chains = listener.filter_chains as {
    filters: { typed_config: { http_filters: { name: string }[] } }[];
  }[];
  return chains[0]?.filters[0]?.typed_config.http_filters.map((f) => f.name) ?? [];
}

void test('router-level ext_proc comes first and the router last; no ext_proc without AI routes', () => {
  const gateways = toXds(ir('https-sds'));
  const edge = gateways.get('prod/edge');
  assert.ok(edge);
  assert.deepEqual(
    edge.listeners.map((l) => hcmFilters(l.resource)),
    [[FILTER.extProc, FILTER.router], [FILTER.router]],
  );
  const internal = gateways.get('prod/internal');
  assert.ok(internal);
  assert.ok(
    !internal.clusters.some((c) => c.name === EXTPROC_CLUSTER),
    'no extproc cluster without AI traffic',
  );
});

void test('snapshot maps every type URL, EDS clusters get a load assignment of their own', () => {
  const edge = toXds(ir('https-sds')).get('prod/edge');
  assert.ok(edge);
  const snapshot = xdsSnapshotFor(edge);
  assert.deepEqual([...(snapshot.get(LISTENER_TYPE_URL)?.keys() ?? [])], ['prod/edge/443', 'prod/edge/80']);
  assert.deepEqual([...(snapshot.get(ENDPOINT_TYPE_URL)?.keys() ?? [])], ['ai/prod/llm/0']);
  assert.ok(snapshot.get(CLUSTER_TYPE_URL)?.has(EXTPROC_CLUSTER));
  const internal = toXds(ir('https-sds')).get('prod/internal');
  assert.ok(internal);
  assert.equal(
    xdsSnapshotFor(internal).get('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret')
      ?.size,
    0,
  );
});

void test('rendering is deterministic', () => {
  assert.deepEqual(renderGolden([ir('ai-fallback')]), renderGolden([ir('ai-fallback')]));
});

void test('broken invariants are reported together', () => {
  assert.throws(
    () => toXds(ir('invalid-dangling-refs')),
    (err: unknown) => err instanceof XdsInvariantError && err.problems.length === 8,
  );
});

void test('jwt_authn runs before the router-level ext_proc, which forwards its metadata namespace', () => {
  const gateway = toXds(ir('jwt-mtls')).get('corp/ai');
  assert.ok(gateway);
  assert.deepEqual(
    gateway.listeners.map((l) => hcmFilters(l.resource)),
    [
      [FILTER.jwtAuthn, FILTER.extProc, FILTER.router],
      [FILTER.extProc, FILTER.router],
    ],
  );
  // The JWKS cluster is STRICT_DNS with its endpoint inline: never an EDS resource.
  assert.deepEqual(
    gateway.endpoints.map((e) => e.name),
    [],
  );
  const jwks = gateway.clusters.find((c) => c.name === 'jwks/login.example.com/443')?.resource;
  assert.equal(jwks?.type, 'STRICT_DNS');
});

void test('a jwks cluster marked EDS is still rendered STRICT_DNS with an inline assignment', () => {
  const input = structuredClone(ir('jwt-mtls'));
  const cluster = input.gateways[0]?.clusters.find((c) => c.kind === 'jwks');
  assert.ok(cluster);
  cluster.discovery = 'eds';
  const gateway = toXds(input).get('corp/ai');
  const jwks = gateway?.clusters.find((c) => c.name === cluster.name)?.resource;
  assert.equal(jwks?.type, 'STRICT_DNS');
  assert.ok(jwks?.load_assignment);
  assert.ok(!gateway?.endpoints.some((e) => e.name === cluster.name));
});

void test('caller authentication invariants are reported together', () => {
  assert.throws(
    () => toXds(ir('invalid-auth')),
    (err: unknown) => err instanceof XdsInvariantError && err.problems.length === 8,
  );
});
