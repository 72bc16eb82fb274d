// toXds(): the IR -> Envoy v3 resources stage of the controller pipeline. Pure: the same IR
// always gives the same resources, in a stable order, so the ADS server can hash snapshots.
import type { ProtoObject } from '../../lib/protos';
import { ProcessorConfigDocument } from '../../extproc/config/schema';
import { EXTPROC_CLUSTER, type GatewayIR, type IR } from '../ir/types';
import { renderCluster, renderExtprocCluster, usesEds } from './cluster';
import { renderLoadAssignment } from './endpoint';
import { checkInvariants } from './invariants';
import { renderListener } from './listener';
import {
  CLUSTER_TYPE_URL,
  ENDPOINT_TYPE_URL,
  LISTENER_TYPE_URL,
  ROUTE_TYPE_URL,
  SECRET_TYPE_URL,
} from './proto-values';
import { renderRouteConfiguration } from './route';
import { renderSecret } from './secret';

export {
  BOOTSTRAP_TYPE_URL,
  CLUSTER_TYPE_URL,
  ENDPOINT_TYPE_URL,
  LISTENER_TYPE_URL,
  ROUTE_TYPE_URL,
  SECRET_TYPE_URL,
} from './proto-values';
export { envoyBootstrap, type BootstrapOptions } from './bootstrap';
export { XdsInvariantError } from './invariants';

export interface NamedResource {
  name: string;
  typeUrl: string;
  resource: ProtoObject;
}

export interface XdsResources {
  listeners: NamedResource[];
  routes: NamedResource[];
  clusters: NamedResource[];
  endpoints: NamedResource[];
  secrets: NamedResource[];
}

/** Resources per Gateway key (= node.cluster). Throws XdsInvariantError listing every broken invariant. */
export function toXds(ir: IR): Map<string, XdsResources> {
  checkInvariants(ir);
  const bufferLimit = connectionBufferLimit(ir);
  const out = new Map<string, XdsResources>();
  for (const gateway of ir.gateways) out.set(gateway.key, renderGateway(gateway, ir, bufferLimit));
  return out;
}

/** Room for the request line and headers (Envoy's default max_request_headers_kb is 60). */
export const BUFFER_HEADROOM_BYTES = 64 * 1024;

/**
 * per_connection_buffer_limit_bytes of listeners and AI clusters. ext_proc BUFFERED mode holds
 * the whole request body in that buffer and Envoy answers 413 past it, so it must hold the
 * largest body extproc accepts (limits.maxRequestBodyBytes, schema default when unset) plus the
 * headers; extproc itself answers an OpenAI-shaped error for bodies over its own limit.
 */
export function connectionBufferLimit(ir: IR): number {
  const limits = ProcessorConfigDocument.shape.limits.parse(ir.processor.limits);
  return limits.maxRequestBodyBytes + BUFFER_HEADROOM_BYTES;
}

function renderGateway(gateway: GatewayIR, ir: IR, bufferLimit: number): XdsResources {
  const clusters = gateway.clusters.map((c) =>
    named(CLUSTER_TYPE_URL, c.name, renderCluster(gateway.key, c, ir.extproc, bufferLimit)),
  );
  // Only a Gateway with AI traffic calls extproc; others need not resolve or connect to it.
  const usesExtproc =
    gateway.listeners.some((l) => l.extProc) || gateway.clusters.some((c) => c.kind === 'ai');
  if (usesExtproc) clusters.push(named(CLUSTER_TYPE_URL, EXTPROC_CLUSTER, renderExtprocCluster(ir.extproc)));
  return {
    listeners: gateway.listeners.map((l) =>
      named(LISTENER_TYPE_URL, l.name, renderListener(gateway.key, l, ir.extproc, bufferLimit)),
    ),
    routes: gateway.listeners.map((l) => named(ROUTE_TYPE_URL, l.name, renderRouteConfiguration(l))),
    clusters,
    endpoints: gateway.clusters
      .filter((c) => usesEds(c))
      .map((c) => named(ENDPOINT_TYPE_URL, c.name, renderLoadAssignment(c))),
    secrets: gateway.secrets.map((s) => named(SECRET_TYPE_URL, s.name, renderSecret(s))),
  };
}

function named(typeUrl: string, name: string, resource: ProtoObject): NamedResource {
  return { name, typeUrl, resource };
}

/** The resources of one Gateway keyed the way an ADS snapshot is: type URL -> name -> resource. */
export function xdsSnapshotFor(resources: XdsResources): Map<string, Map<string, ProtoObject>> {
  const snapshot = new Map<string, Map<string, ProtoObject>>();
  // Every type is present, empty or not: an ADS server must answer "none" for an empty type.
  for (const url of [
    LISTENER_TYPE_URL,
    ROUTE_TYPE_URL,
    CLUSTER_TYPE_URL,
    ENDPOINT_TYPE_URL,
    SECRET_TYPE_URL,
  ]) {
    snapshot.set(url, new Map());
  }
  for (const list of [
    resources.listeners,
    resources.routes,
    resources.clusters,
    resources.endpoints,
    resources.secrets,
  ]) {
    for (const { name, typeUrl, resource } of list) snapshot.get(typeUrl)?.set(name, resource);
  }
  return snapshot;
}
