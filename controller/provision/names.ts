// Names and labels of the objects provisioned for a Gateway. Everything is named
// `tollgate-<gateway>`; a name that would pass 63 characters (the DNS label limit that Service
// names, and labels, must respect) is cut and suffixed with a hash of the full name, so two
// long Gateway names never collide. The Gateway's own identity travels in annotations (no
// length limit) and in ownerReferences; labels only serve selection.
import { createHash } from 'node:crypto';
import type { Gateway } from '../api';

export const MAX_NAME = 63;
export const PREFIX = 'tollgate-';

export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'tollgate-controller';
export const LABEL_NAME = 'app.kubernetes.io/name';
export const PROXY_APP = 'tollgate-proxy';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
/** "namespace/name" of the owning Gateway. */
export const ANNOTATION_GATEWAY = 'tollgate.dev/gateway';
/** Hash of the desired object: equal means the stored object needs no write. */
export const ANNOTATION_SPEC_HASH = 'tollgate.dev/spec-hash';

/** Selects every object the provisioner owns. */
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_NAME}=${PROXY_APP}`;

export function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** A DNS-label-safe name `prefix + base`, cut to 63 characters with a hash when too long. */
export function boundedName(base: string, prefix = PREFIX): string {
  const full = `${prefix}${base}`;
  if (full.length <= MAX_NAME) return full;
  const hash = shortHash(full);
  const head = full.slice(0, MAX_NAME - hash.length - 1).replace(/[-.]+$/, '');
  return `${head}-${hash}`;
}

export function gatewayKey(gateway: Gateway): string {
  return `${gateway.metadata.namespace ?? 'default'}/${gateway.metadata.name}`;
}

/** The name shared by the Deployment, Service and ConfigMap of a Gateway. */
export function proxyName(gateway: Gateway): string {
  return boundedName(gateway.metadata.name);
}

/** Labels on every provisioned object and on the pods (the Service selects the pods by them). */
export function proxyLabels(gateway: Gateway): Record<string, string> {
  return {
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_NAME]: PROXY_APP,
    [LABEL_INSTANCE]: proxyName(gateway),
  };
}
