// Working state shared by the translator's stages: the Gateways being built with their
// listeners, and the route entries the route translators hand to the listener assembly.
import type { Gateway, Listener } from '../api';
import type { ClusterIR, RouteIR, TlsSecretIR } from '../ir/types';
import type { PendingCondition } from './conditions';

export interface RouteKindRef {
  group: string;
  kind: string;
}

export interface ListenerCtx {
  gatewayKey: string;
  gateway: Gateway;
  spec: Listener;
  /** Routes may attach: supported protocol and no conflict. */
  accepted: boolean;
  /** Rendered into the IR: accepted, certificates resolved and at least one route kind. */
  programmed: boolean;
  supportedKinds: RouteKindRef[];
  /** Accepted, ResolvedRefs, Conflicted; Programmed is derived when the status is written. */
  conditions: PendingCondition[];
  attachedRoutes: number;
  /** HTTPS: the SDS secret names of its certificates. */
  tlsSecrets: string[];
}

export interface GatewayCtx {
  key: string;
  gateway: Gateway;
  listeners: ListenerCtx[];
  secrets: TlsSecretIR[];
}

/** One route to place in the virtual host for `hostname` on a Gateway's port. */
export interface RouteEntry {
  gatewayKey: string;
  port: number;
  /** A concrete hostname, a wildcard, or ANY_HOST. */
  hostname: string;
  route: RouteIR;
  /** Where it goes in the virtual host: AI rules first, then AI paths, then HTTPRoutes. */
  section: 'ai' | 'ai-paths' | 'http';
  /** Sort key within its section (AI: gateway rule order; HTTP: Gateway API precedence). */
  order: readonly (string | number)[];
}

/** What the route translators produce for the listener assembly. */
export interface RouteOutput {
  entries: RouteEntry[];
  clusters: Map<string, ClusterIR>;
  /** Gateway key -> names of the clusters its routes use. */
  gatewayClusters: Map<string, Set<string>>;
}

export function newRouteOutput(): RouteOutput {
  return { entries: [], clusters: new Map(), gatewayClusters: new Map() };
}

export function useCluster(out: RouteOutput, gatewayKey: string, cluster: ClusterIR): void {
  out.clusters.set(cluster.name, cluster);
  const names = out.gatewayClusters.get(gatewayKey) ?? new Set<string>();
  names.add(cluster.name);
  out.gatewayClusters.set(gatewayKey, names);
}
