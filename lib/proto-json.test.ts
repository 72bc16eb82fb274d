import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toProto3Json } from './proto-json';
import { envoyBootstrap } from '../controller/xds';

test('Durations become "Ns" strings, wrappers bare values, Struct plain JSON, Any keeps @type', () => {
  const cluster = toProto3Json('envoy.config.cluster.v3.Cluster', {
    name: 'c',
    connect_timeout: { seconds: 1, nanos: 500_000_000 },
    per_connection_buffer_limit_bytes: { value: 1024 },
    metadata: { filter_metadata: { tollgate: { fields: { backend: { stringValue: 'ns/b' } } } } },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        common_http_protocol_options: { idle_timeout: { seconds: 30 } },
      },
    },
  });
  assert.equal(cluster.connect_timeout, '1.5s');
  assert.equal(cluster.per_connection_buffer_limit_bytes, 1024);
  assert.deepEqual(cluster.metadata, { filter_metadata: { tollgate: { backend: 'ns/b' } } });
  const options = (cluster.typed_extension_protocol_options as Record<string, Record<string, unknown>>)[
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions'
  ];
  assert.equal(
    options?.['@type'],
    'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  );
  assert.deepEqual(options?.common_http_protocol_options, { idle_timeout: '30s' });
});

test('the bootstrap has no { seconds } durations left once converted', () => {
  const json = JSON.stringify(
    toProto3Json(
      'envoy.config.bootstrap.v3.Bootstrap',
      envoyBootstrap({
        nodeId: 'n',
        gatewayKey: 'default/gw',
        adsAddress: { host: '127.0.0.1', port: 18000 },
      }),
    ),
  );
  assert.doesNotMatch(json, /"seconds"|"nanos"/);
  assert.match(json, /"connect_timeout":"5s"/);
});
