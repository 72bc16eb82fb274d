// Tests of the xDS -> config conversion: the fields we implement come through typed, and every
// field or feature we do not implement is rejected with an error naming it (Envoy NACKs what it
// cannot apply; we must never silently ignore part of the rendered config).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, encodeMessage, type ProtoObject } from '../../lib/protos';
import {
  assignment,
  edsCluster,
  listener,
  routeConfig,
  routeTo,
  UPSTREAM_EXT_PROC,
  vhost,
  EXT_PROC_CONFIG,
} from '../testing/xds';
import { convertCluster } from './cluster';
import { convertLoadAssignment } from './endpoint';
import { convertListener } from './listener';
import { convertRouteTable } from './route';
import { TYPE_URL, convertResource, type ResourceKind } from './snapshot';

/** Through the wire and back, as the ADS client sees it. */
function decoded(kind: ResourceKind, msg: ProtoObject): ProtoObject {
  return decodeMessage(TYPE_URL[kind], encodeMessage(TYPE_URL[kind], msg));
}

describe('listener conversion', () => {
  it('reads the HCM: RDS name, ext_proc before the router, defaults', () => {
    const l = convertListener(decoded('listener', listener('ns/gw/80', { extProc: true, port: 8080 })));
    assert.equal(l.port, 8080);
    assert.deepEqual(l.hcm.routes, { kind: 'rds', name: 'ns/gw/80' });
    assert.equal(l.hcm.extProc?.['@type'], EXT_PROC_CONFIG['@type']);
    assert.equal(l.hcm.streamIdleTimeoutMs, 300_000);
    assert.equal(l.tls, undefined);
  });

  it('rejects filters and fields it does not implement, naming them', () => {
    const withCors = listener('l');
    const hcm = ((withCors.filter_chains as ProtoObject[])[0]?.filters as ProtoObject[])[0]
      ?.typed_config as ProtoObject;
    (hcm.http_filters as ProtoObject[]).unshift({
      name: 'envoy.filters.http.cors',
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
    });
    assert.throws(
      () => convertListener(decoded('listener', withCors)),
      /http_filters\[0\]\.name: envoy\.filters\.http\.cors is not supported/,
    );
    const drain = decoded('listener', { ...listener('l'), drain_type: 'MODIFY_ONLY' });
    assert.throws(() => convertListener(drain), /Listener\.drain_type: not supported/);
    const noService = listener('l');
    const hcm2 = ((noService.filter_chains as ProtoObject[])[0]?.filters as ProtoObject[])[0]
      ?.typed_config as ProtoObject;
    (hcm2.http_filters as ProtoObject[]).unshift({
      name: 'envoy.filters.http.ext_proc',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor',
      },
    });
    // The ext_proc filter's own parser judges its config at config time (NACK, not 500s later).
    assert.throws(
      () => convertListener(decoded('listener', noService)),
      /http_filters\[0\]\.typed_config: ext_proc: grpc_service is required/,
    );
    const h2 = decoded('listener', listener('l', { hcm: { codec_type: 'HTTP2' } }));
    assert.throws(() => convertListener(h2), /codec_type: only AUTO and HTTP1/);
  });
});

describe('route conversion', () => {
  it('reads matchers, weighted clusters, timeouts and the retry policy', () => {
    const table = convertRouteTable(
      decoded(
        'route',
        routeConfig('r', [
          vhost(
            'v',
            ['*'],
            [
              routeTo(
                'c',
                { prefix: '/', headers: [{ name: 'X-Route', string_match: { exact: 'a' } }] },
                {
                  timeout: { seconds: 0 },
                  idle_timeout: { seconds: 30 },
                  retry_policy: {
                    retry_on: '5xx,retriable-status-codes',
                    retriable_status_codes: [429],
                    num_retries: { value: 2 },
                  },
                },
              ),
              {
                match: { path: '/w' },
                route: { weighted_clusters: { clusters: [{ name: 'a', weight: { value: 1 } }] } },
              },
            ],
          ),
        ]),
      ),
    );
    const [first, second] = table.virtualHosts[0]?.routes ?? [];
    assert.equal(first?.match.headers[0]?.name, 'x-route');
    assert.ok(first?.action.kind === 'route');
    assert.equal(first.action.timeoutMs, 0);
    assert.equal(first.action.idleTimeoutMs, 30_000);
    assert.deepEqual([...(first.action.retry?.retryOn ?? [])], ['5xx', 'retriable-status-codes']);
    assert.equal(first.action.retry?.numRetries, 2);
    assert.equal(first.action.retry?.backoffBaseMs, 25);
    assert.ok(second?.action.kind === 'route');
    assert.equal(second.action.timeoutMs, 15_000);
  });

  it('rejects unsupported retry conditions and route features by name', () => {
    const retry = routeConfig('r', [
      vhost('v', ['*'], [routeTo('c', { prefix: '/' }, { retry_policy: { retry_on: 'retriable-headers' } })]),
    ]);
    assert.throws(
      () => convertRouteTable(decoded('route', retry)),
      /retry_on: retriable-headers is not supported/,
    );
    const rewrite = routeConfig('r', [
      vhost('v', ['*'], [routeTo('c', { prefix: '/' }, { prefix_rewrite: '/x' })]),
    ]);
    assert.throws(
      () => convertRouteTable(decoded('route', rewrite)),
      /\.route\.prefix_rewrite: not supported/,
    );
    const formatter = routeConfig('r', [
      vhost(
        'v',
        ['*'],
        [{ ...routeTo('c'), request_headers_to_add: [{ header: { key: 'x', value: '%START_TIME%' } }] }],
      ),
    ]);
    assert.throws(() => convertRouteTable(decoded('route', formatter)), /% formatters are not supported/);
  });
});

describe('cluster and endpoint conversion', () => {
  it('reads EDS clusters with upstream ext_proc and transport socket matches', () => {
    const c = convertCluster(
      decoded(
        'cluster',
        edsCluster('ai/ns/r/0', {
          ...UPSTREAM_EXT_PROC,
          transport_socket_matches: [
            {
              name: 'tls',
              match: { fields: { tls: { stringValue: 'api.example.com' } } },
              transport_socket: {
                name: 'envoy.transport_sockets.tls',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
                  sni: 'api.example.com',
                },
              },
            },
          ],
        }),
      ),
    );
    assert.equal(c.discovery, 'eds');
    assert.equal(c.connectTimeoutMs, 1000);
    assert.ok(c.localityWeighted);
    assert.ok(c.upstreamExtProc);
    assert.deepEqual(c.transportSocketMatches[0]?.match, { tls: 'api.example.com' });
    assert.equal(c.transportSocketMatches[0]?.tls?.sni, 'api.example.com');
  });

  it('rejects unsupported load balancing and outlier detection by name', () => {
    assert.throws(
      () => convertCluster(decoded('cluster', edsCluster('c', { lb_policy: 'LEAST_REQUEST' }))),
      /lb_policy: LEAST_REQUEST is not supported/,
    );
    assert.throws(
      () => convertCluster(decoded('cluster', edsCluster('c', { outlier_detection: {} }))),
      /Cluster\.outlier_detection: not supported/,
    );
  });

  it('reads priorities, locality weights, metadata and health', () => {
    const cla = decoded(
      'endpoint',
      assignment('c', [
        { port: 1, priority: 0, localityWeight: 3 },
        { port: 2, priority: 1 },
      ]),
    );
    const la = convertLoadAssignment(cla);
    assert.deepEqual(
      la.localities.map((l) => [l.priority, l.weight, l.endpoints[0]?.address]),
      [
        [0, 3, { kind: 'tcp', host: '127.0.0.1', port: 1 }],
        [1, 1, { kind: 'tcp', host: '127.0.0.1', port: 2 }],
      ],
    );
    assert.equal(la.overprovisioningFactor, 1.4);
    assert.throws(
      () =>
        convertResource('endpoint', {
          cluster_name: 'c',
          endpoints: [
            {
              lb_endpoints: [
                {
                  health_status: 'DEGRADED',
                  endpoint: { address: { socket_address: { address: 'a', port_value: 1 } } },
                },
              ],
            },
          ],
        }),
      /DEGRADED is not supported/,
    );
  });
});
