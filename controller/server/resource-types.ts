// The xDS resource types the ADS server knows by name, the order in which it pushes them so a
// client never sees a reference before its target, and the records it keeps of ACKs/NACKs.
// Order (Envoy's xds_protocol "eventual consistency considerations"): CDS, then EDS for those
// clusters, SDS before the listeners that use the secrets, LDS, then RDS for those listeners.
import { typeUrlOf } from '../../lib/protos';
import { PROCESSOR_CONFIG_TYPE_URL } from '../../extproc/config/schema';

export const TYPE_URL = {
  cluster: typeUrlOf('envoy.config.cluster.v3.Cluster'),
  endpoint: typeUrlOf('envoy.config.endpoint.v3.ClusterLoadAssignment'),
  secret: typeUrlOf('envoy.extensions.transport_sockets.tls.v3.Secret'),
  listener: typeUrlOf('envoy.config.listener.v3.Listener'),
  route: typeUrlOf('envoy.config.route.v3.RouteConfiguration'),
  processor: PROCESSOR_CONFIG_TYPE_URL,
} as const;

/** Push order; types not listed (none today) come after these, sorted by URL. */
export const PUSH_ORDER: readonly string[] = [
  TYPE_URL.cluster,
  TYPE_URL.endpoint,
  TYPE_URL.secret,
  TYPE_URL.listener,
  TYPE_URL.route,
  TYPE_URL.processor,
];

/** Types whose state-of-the-world subscription may be a wildcard (empty names or "*"). */
export const WILDCARD_TYPES: ReadonlySet<string> = new Set([TYPE_URL.listener, TYPE_URL.cluster]);

/** Sorts type URLs by PUSH_ORDER (unknown ones last, by name) for one push pass. */
export function inPushOrder(typeUrls: Iterable<string>): string[] {
  const rank = (url: string): number => {
    const i = PUSH_ORDER.indexOf(url);
    return i === -1 ? PUSH_ORDER.length : i;
  };
  return [...typeUrls].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export type XdsProtocol = 'sotw' | 'delta';

/** A client rejected a response: the version it refused and why. */
export interface NackRecord {
  protocol: XdsProtocol;
  nodeId: string;
  nodeCluster: string;
  typeUrl: string;
  /** The version the client refused (SotW) or the system version of the refused response (delta). */
  rejectedVersion: string;
  nonce: string;
  message: string;
  at: string;
}

/** A client accepted a response. */
export interface AckRecord {
  protocol: XdsProtocol;
  nodeId: string;
  nodeCluster: string;
  typeUrl: string;
  version: string;
  nonce: string;
}

/** What a stream reports to its server. */
export interface StreamHooks {
  ack(record: AckRecord): void;
  nack(record: NackRecord): void;
}
