// Builders for hand-written xDS resources (object form, Envoy's snake_case field names) used by
// the data plane's tests: a listener with RDS, route configurations, clusters and assignments.
import { FILTER } from '../../lib/headers';
import type { ProtoObject } from '../../lib/protos';

const T = 'type.googleapis.com/';
const ADS = { ads: {}, resource_api_version: 'V3' };

export const EXT_PROC_CONFIG: ProtoObject = {
  '@type': `${T}envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor`,
  grpc_service: { envoy_grpc: { cluster_name: 'tollgate-extproc' } },
  processing_mode: {
    request_header_mode: 'SEND',
    request_body_mode: 'BUFFERED',
    response_header_mode: 'SEND',
    response_body_mode: 'STREAMED',
  },
};

export function listener(
  name: string,
  options: { extProc?: boolean; port?: number; hcm?: ProtoObject } = {},
): ProtoObject {
  const httpFilters: ProtoObject[] = [];
  if (options.extProc) httpFilters.push({ name: FILTER.extProc, typed_config: EXT_PROC_CONFIG });
  httpFilters.push({
    name: FILTER.router,
    typed_config: { '@type': `${T}envoy.extensions.filters.http.router.v3.Router` },
  });
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: options.port ?? 10080 } },
    filter_chains: [
      {
        filters: [
          {
            name: FILTER.hcm,
            typed_config: {
              '@type': `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
              stat_prefix: name,
              rds: { route_config_name: name, config_source: ADS },
              http_filters: httpFilters,
              ...options.hcm,
            },
          },
        ],
      },
    ],
  };
}

export function routeConfig(name: string, virtualHosts: ProtoObject[]): ProtoObject {
  return { name, virtual_hosts: virtualHosts };
}

export function vhost(name: string, domains: string[], routes: ProtoObject[]): ProtoObject {
  return { name, domains, routes };
}

export function routeTo(
  cluster: string,
  match: ProtoObject = { prefix: '/' },
  route: ProtoObject = {},
): ProtoObject {
  return { match, route: { cluster, ...route } };
}

export interface TestEndpoint {
  port: number;
  priority?: number;
  localityWeight?: number;
  metadata?: ProtoObject;
}

export function assignment(clusterName: string, endpoints: TestEndpoint[]): ProtoObject {
  // One locality per endpoint, as the controller renders one per backend.
  return {
    cluster_name: clusterName,
    endpoints: endpoints.map((e) => ({
      priority: e.priority ?? 0,
      load_balancing_weight: { value: e.localityWeight ?? 1 },
      lb_endpoints: [
        {
          endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: e.port } } },
          ...(e.metadata ? { metadata: e.metadata } : {}),
        },
      ],
    })),
  };
}

export function edsCluster(name: string, extra: ProtoObject = {}): ProtoObject {
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS },
    connect_timeout: { seconds: 1 },
    common_lb_config: { locality_weighted_lb_config: {} },
    ...extra,
  };
}

export function staticCluster(name: string, endpoints: TestEndpoint[], extra: ProtoObject = {}): ProtoObject {
  return {
    name,
    type: 'STATIC',
    connect_timeout: { seconds: 1 },
    load_assignment: assignment(name, endpoints),
    ...extra,
  };
}

/** typed_extension_protocol_options with the upstream filters [ext_proc, upstream_codec]. */
export const UPSTREAM_EXT_PROC: ProtoObject = {
  typed_extension_protocol_options: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
      explicit_http_config: { http_protocol_options: {} },
      http_filters: [
        { name: FILTER.extProc, typed_config: EXT_PROC_CONFIG },
        {
          name: FILTER.upstreamCodec,
          typed_config: { '@type': `${T}envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec` },
        },
      ],
    },
  },
};

export const RETRY_PRIORITY: ProtoObject = {
  retry_priority: {
    name: 'envoy.retry_priorities.previous_priorities',
    typed_config: {
      '@type': `${T}envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig`,
      update_frequency: 1,
    },
  },
  retry_host_predicate: [
    {
      name: 'envoy.retry_host_predicates.previous_hosts',
      typed_config: { '@type': `${T}envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate` },
    },
  ],
};
