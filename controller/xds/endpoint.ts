// ClusterLoadAssignments: served over EDS for IP-only clusters, inlined for STRICT_DNS ones.
// One locality per (priority, backend) so that priority drives fallback and the locality's
// load_balancing_weight carries the backendRef weight (docs/architecture.md, step 2).
import { METADATA_NAMESPACE } from '../../lib/headers';
import type { ProtoObject } from '../../lib/protos';
import type { ClusterIR, EndpointIR } from '../ir/types';
import { socketAddress, stringStruct, u32 } from './proto-values';

/** Endpoint metadata namespace Envoy matches transport_socket_matches against. */
export const TRANSPORT_SOCKET_MATCH_NAMESPACE = 'envoy.transport_socket_match';

export function renderLoadAssignment(cluster: ClusterIR): ProtoObject {
  const groups = new Map<string, EndpointIR[]>();
  for (const ep of cluster.endpoints) {
    // Weight 0 means "send nothing" (Gateway API); Envoy rejects a zero locality weight.
    if (ep.weight <= 0) continue;
    const key = JSON.stringify([ep.priority, ep.backend ?? '']);
    const group = groups.get(key) ?? [];
    group.push(ep);
    groups.set(key, group);
  }
  const localities = [...groups.values()]
    .map((eps) => eps as [EndpointIR, ...EndpointIR[]])
    .sort((a, b) => a[0].priority - b[0].priority)
    .map((eps) => {
      const first = eps[0];
      const locality: ProtoObject = {
        // Envoy identifies localities by (region, zone, sub_zone); the backend key keeps them distinct.
        locality: first.backend ? { sub_zone: first.backend } : {},
        lb_endpoints: eps.map(renderLbEndpoint),
        load_balancing_weight: u32(first.weight),
      };
      if (first.priority > 0) locality.priority = first.priority;
      return locality;
    });
  return { cluster_name: cluster.name, endpoints: localities };
}

function renderLbEndpoint(ep: EndpointIR): ProtoObject {
  const out: ProtoObject = { endpoint: { address: socketAddress(ep.address, ep.port) } };
  const filterMetadata: Record<string, ProtoObject> = {};
  // Upstream-level ext_proc reads this (xds.upstream_host_metadata) to learn the backend.
  if (ep.backend) filterMetadata[METADATA_NAMESPACE] = stringStruct({ backend: ep.backend });
  if (ep.tls) filterMetadata[TRANSPORT_SOCKET_MATCH_NAMESPACE] = stringStruct({ tls: ep.tls.sni });
  if (Object.keys(filterMetadata).length > 0) out.metadata = { filter_metadata: filterMetadata };
  return out;
}
