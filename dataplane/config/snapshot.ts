// The accepted xDS resources of one node, by type, and what they still wait for. Listeners
// need their RDS route configuration and SDS secrets, EDS clusters their load assignment;
// like Envoy's warming, the data plane applies a snapshot only once those have arrived
// (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/operations/init).
import { typeUrlOf, type ProtoObject } from '../../lib/protos';
import { convertCluster } from './cluster';
import { convertLoadAssignment } from './endpoint';
import { ConfigError } from './fields';
import { convertListener } from './listener';
import { convertRouteTable } from './route';
import { convertSecret } from './secret';
import type { ClusterConfig, ListenerConfig, LoadAssignment, RouteTable, SecretConfig } from './types';

export const TYPE_URL = {
  listener: typeUrlOf('envoy.config.listener.v3.Listener'),
  route: typeUrlOf('envoy.config.route.v3.RouteConfiguration'),
  cluster: typeUrlOf('envoy.config.cluster.v3.Cluster'),
  endpoint: typeUrlOf('envoy.config.endpoint.v3.ClusterLoadAssignment'),
  secret: typeUrlOf('envoy.extensions.transport_sockets.tls.v3.Secret'),
} as const;

export type ResourceKind = keyof typeof TYPE_URL;

export interface Snapshot {
  listener: Map<string, ListenerConfig>;
  route: Map<string, RouteTable>;
  cluster: Map<string, ClusterConfig>;
  endpoint: Map<string, LoadAssignment>;
  secret: Map<string, SecretConfig>;
}

export function emptySnapshot(): Snapshot {
  return {
    listener: new Map(),
    route: new Map(),
    cluster: new Map(),
    endpoint: new Map(),
    secret: new Map(),
  };
}

export function kindOfTypeUrl(typeUrl: string): ResourceKind | undefined {
  return (Object.keys(TYPE_URL) as ResourceKind[]).find((k) => TYPE_URL[k] === typeUrl);
}

/** Converts one decoded resource; throws ConfigError naming the field it cannot apply. */
export function convertResource(kind: ResourceKind, msg: ProtoObject): { name: string; value: unknown } {
  switch (kind) {
    case 'listener': {
      const value = convertListener(msg);
      return { name: value.name, value };
    }
    case 'route': {
      const value = convertRouteTable(msg);
      if (!value.name) throw new ConfigError('RouteConfiguration.name: required');
      return { name: value.name, value };
    }
    case 'cluster': {
      const value = convertCluster(msg);
      return { name: value.name, value };
    }
    case 'endpoint': {
      const value = convertLoadAssignment(msg);
      if (!value.clusterName) throw new ConfigError('ClusterLoadAssignment.cluster_name: required');
      return { name: value.clusterName, value };
    }
    case 'secret': {
      const value = convertSecret(msg);
      return { name: value.name, value };
    }
  }
}

/** Names of the by-name resources (RDS, EDS, SDS) the accepted listeners and clusters refer to. */
export function dependencies(s: Snapshot): { route: string[]; endpoint: string[]; secret: string[] } {
  const route = new Set<string>();
  const secret = new Set<string>();
  const endpoint = new Set<string>();
  for (const l of s.listener.values()) {
    if (l.hcm.routes.kind === 'rds') route.add(l.hcm.routes.name);
    for (const c of l.tls?.certificates ?? []) if (c.kind === 'sds') secret.add(c.name);
  }
  for (const c of s.cluster.values()) if (c.discovery === 'eds') endpoint.add(c.edsServiceName);
  return { route: [...route].sort(), endpoint: [...endpoint].sort(), secret: [...secret].sort() };
}

/** What the snapshot still waits for, e.g. ["RouteConfiguration ns/gw/80"]; empty when warm. */
export function missingResources(s: Snapshot): string[] {
  const deps = dependencies(s);
  return [
    ...deps.route.filter((n) => !s.route.has(n)).map((n) => `RouteConfiguration ${n}`),
    ...deps.endpoint.filter((n) => !s.endpoint.has(n)).map((n) => `ClusterLoadAssignment ${n}`),
    ...deps.secret.filter((n) => !s.secret.has(n)).map((n) => `Secret ${n}`),
  ];
}
