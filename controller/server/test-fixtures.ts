// Minimal xDS resources for the ADS server tests: one listener (API listener with an HCM that
// uses RDS), its route configuration, one EDS cluster and its endpoints, shaped the way a
// proxyless gRPC client (@grpc/grpc-js-xds) accepts them.
import type { ProtoObject } from '../../lib/protos';
import { TYPE_URL } from './resource-types';

const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

export interface FixtureOptions {
  listener: string;
  route?: string;
  cluster?: string;
  /** Endpoint ports on 127.0.0.1. */
  ports: number[];
  lbPolicy?: string;
  /** Changes the listener and route configuration content (stat prefix, virtual host name). */
  tag?: string;
}

export type SnapshotResources = Map<string, Map<string, ProtoObject>>;

export function fixtureSnapshot(o: FixtureOptions): SnapshotResources {
  const route = o.route ?? `${o.listener}-route`;
  const cluster = o.cluster ?? `${o.listener}-cluster`;
  const ads = { ads: {}, resource_api_version: 'V3' };
  const listener: ProtoObject = {
    name: o.listener,
    api_listener: {
      api_listener: {
        '@type': HCM,
        stat_prefix: o.tag ?? 'test',
        rds: { config_source: ads, route_config_name: route },
        http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
      },
    },
  };
  const routeConfig: ProtoObject = {
    name: route,
    virtual_hosts: [
      { name: o.tag ?? 'all', domains: ['*'], routes: [{ match: { prefix: '' }, route: { cluster } }] },
    ],
  };
  const clusterResource: ProtoObject = {
    name: cluster,
    type: 'EDS',
    eds_cluster_config: { eds_config: ads },
    lb_policy: o.lbPolicy ?? 'ROUND_ROBIN',
  };
  const endpoints: ProtoObject = {
    cluster_name: cluster,
    endpoints: [
      {
        locality: { region: 'local' },
        load_balancing_weight: { value: 1 },
        lb_endpoints: o.ports.map((port) => ({
          endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } },
        })),
      },
    ],
  };
  return new Map([
    [TYPE_URL.listener, new Map([[o.listener, listener]])],
    [TYPE_URL.route, new Map([[route, routeConfig]])],
    [TYPE_URL.cluster, new Map([[cluster, clusterResource]])],
    [TYPE_URL.endpoint, new Map([[cluster, endpoints]])],
  ]);
}
