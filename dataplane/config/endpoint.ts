// ClusterLoadAssignment (EDS, or a cluster's inline load_assignment) -> LoadAssignment.
// Reference: https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/endpoint/v3/endpoint.proto
import type { ProtoObject } from '../../lib/protos';
import {
  ConfigError,
  allowFields,
  asObject,
  list,
  optNumber,
  optObject,
  optString,
  structToPlain,
  wrappedNumber,
} from './fields';
import type { EndpointConfig, LoadAssignment, LocalityEndpoints } from './types';

const TRANSPORT_SOCKET_MATCH = 'envoy.transport_socket_match';
/** Envoy treats these EDS health statuses as unhealthy for load balancing. */
const UNHEALTHY = new Set(['UNHEALTHY', 'DRAINING', 'TIMEOUT']);

export function convertLoadAssignment(msg: ProtoObject, where = 'ClusterLoadAssignment'): LoadAssignment {
  allowFields(msg, ['cluster_name', 'endpoints', 'policy'], where);
  const clusterName = optString(msg, 'cluster_name', where) ?? '';
  const at = `${where}(${clusterName})`;
  let overprovisioningFactor = 1.4;
  const policy = optObject(msg, 'policy', at);
  if (policy) {
    allowFields(policy, ['overprovisioning_factor'], `${at}.policy`);
    const factor = wrappedNumber(policy, 'overprovisioning_factor', `${at}.policy`);
    if (factor !== undefined) overprovisioningFactor = factor / 100;
  }
  const localities = list(msg, 'endpoints', at).map((l, i) =>
    convertLocality(asObject(l, `${at}.endpoints[${i}]`), `${at}.endpoints[${i}]`),
  );
  return { clusterName, overprovisioningFactor, localities };
}

function convertLocality(msg: ProtoObject, at: string): LocalityEndpoints {
  allowFields(msg, ['locality', 'lb_endpoints', 'load_balancing_weight', 'priority'], at);
  const locality = optObject(msg, 'locality', at);
  if (locality) allowFields(locality, ['region', 'zone', 'sub_zone'], `${at}.locality`);
  const endpoints = list(msg, 'lb_endpoints', at).map((e, i) =>
    convertLbEndpoint(asObject(e, `${at}.lb_endpoints[${i}]`), `${at}.lb_endpoints[${i}]`),
  );
  return {
    priority: optNumber(msg, 'priority', at) ?? 0,
    weight: wrappedNumber(msg, 'load_balancing_weight', at) ?? 0,
    endpoints,
  };
}

function convertLbEndpoint(msg: ProtoObject, at: string): EndpointConfig {
  allowFields(msg, ['endpoint', 'health_status', 'metadata', 'load_balancing_weight'], at);
  const endpoint = asObject(msg.endpoint, `${at}.endpoint`);
  allowFields(endpoint, ['address', 'hostname'], `${at}.endpoint`);
  const address = asObject(endpoint.address, `${at}.endpoint.address`);
  const aat = `${at}.endpoint.address`;
  allowFields(address, ['socket_address', 'pipe'], aat);
  let parsed: EndpointConfig['address'];
  if (address.pipe !== undefined) {
    const pipe = asObject(address.pipe, `${aat}.pipe`);
    allowFields(pipe, ['path'], `${aat}.pipe`);
    parsed = { kind: 'pipe', path: String(pipe.path ?? '') };
    if (!parsed.path) throw new ConfigError(`${aat}.pipe.path: required`);
  } else {
    const sock = asObject(address.socket_address, `${aat}.socket_address`);
    allowFields(sock, ['address', 'port_value', 'protocol'], `${aat}.socket_address`);
    if (sock.protocol !== undefined && sock.protocol !== 'TCP')
      throw new ConfigError(`${aat}.socket_address.protocol: only TCP`);
    const host = optString(sock, 'address', `${aat}.socket_address`);
    const port = optNumber(sock, 'port_value', `${aat}.socket_address`);
    if (!host || !port) throw new ConfigError(`${aat}.socket_address: address and port_value are required`);
    parsed = { kind: 'tcp', host, port };
  }
  const status = msg.health_status === undefined ? 'UNKNOWN' : String(msg.health_status);
  if (status === 'DEGRADED') throw new ConfigError(`${at}.health_status: DEGRADED is not supported`);
  const metadata = optObject(msg, 'metadata', at);
  let transportSocketMatch: Record<string, unknown> = {};
  if (metadata) {
    allowFields(metadata, ['filter_metadata'], `${at}.metadata`);
    const fm = optObject(metadata, 'filter_metadata', `${at}.metadata`) ?? {};
    transportSocketMatch = structToPlain(fm[TRANSPORT_SOCKET_MATCH]);
  }
  return {
    address: parsed,
    weight: wrappedNumber(msg, 'load_balancing_weight', at) || 1,
    healthy: !UNHEALTHY.has(status),
    metadata,
    transportSocketMatch,
  };
}
