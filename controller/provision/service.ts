// The Service in front of a Gateway's proxies: one port per distinct listener port (Gateway
// listeners may share a port across hostnames), targeting the same port on Envoy; type,
// annotations and externalTrafficPolicy from the TollgateProxy (LoadBalancer by default).
import type { Gateway, TollgateProxySpec } from '../api';
import type { KubeObject } from '../provider/kubernetes/lister';
import { proxyLabels } from './names';
import { objectMeta } from './meta';

export interface ServicePort {
  name: string;
  port: number;
}

export function listenerPorts(gateway: Gateway): ServicePort[] {
  const seen = new Map<number, string>();
  for (const listener of gateway.spec.listeners)
    if (!seen.has(listener.port))
      seen.set(listener.port, listener.protocol.toLowerCase().replace(/[^a-z0-9]/g, ''));
  return [...seen]
    .sort(([a], [b]) => a - b)
    .map(([port, protocol]) => ({ name: `${protocol || 'tcp'}-${port}`.slice(0, 15), port }));
}

export function desiredService(gateway: Gateway, spec: TollgateProxySpec): KubeObject {
  const type = spec.service?.type ?? 'LoadBalancer';
  const policy = spec.service?.externalTrafficPolicy;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(gateway, 'proxy', spec.service?.annotations),
    spec: {
      type,
      selector: proxyLabels(gateway),
      ports: listenerPorts(gateway).map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: p.port,
        protocol: 'TCP',
      })),
      ...(policy && type !== 'ClusterIP' ? { externalTrafficPolicy: policy } : {}),
    },
  };
}
