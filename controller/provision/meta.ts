// Metadata shared by every provisioned object: name, namespace, labels, the owning Gateway (as
// an annotation for our own bookkeeping and as the controller ownerReference the garbage
// collector follows when the Gateway is deleted).
import { GATEWAY_GROUP, type Gateway } from '../api';
import type { KubeObject } from '../provider/kubernetes/lister';
import { ANNOTATION_GATEWAY, LABEL_COMPONENT, gatewayKey, proxyLabels, proxyName } from './names';

export function ownerReference(gateway: Gateway): Record<string, unknown> {
  return {
    apiVersion: `${GATEWAY_GROUP}/v1`,
    kind: 'Gateway',
    name: gateway.metadata.name,
    uid: gateway.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function objectMeta(
  gateway: Gateway,
  component: string,
  annotations: Record<string, string> = {},
): KubeObject['metadata'] {
  return {
    name: proxyName(gateway),
    namespace: gateway.metadata.namespace ?? 'default',
    labels: { ...proxyLabels(gateway), [LABEL_COMPONENT]: component },
    annotations: { ...annotations, [ANNOTATION_GATEWAY]: gatewayKey(gateway) },
    ownerReferences: [ownerReference(gateway)],
  };
}
