// What the cluster says about a Gateway's proxies, for its status: the addresses clients use
// (LoadBalancer ingress IPs/hostnames, else the clusterIP) and whether any Envoy replica is
// available (Programmed=True only then; Pending before).
import type { KubeObject } from '../provider/kubernetes/lister';

export interface GatewayAddress {
  type: 'IPAddress' | 'Hostname';
  value: string;
}

export interface GatewayObservation {
  addresses: GatewayAddress[];
  /** Envoy replicas the Deployment reports available. */
  availableReplicas: number;
  /** Replicas asked for (0: scaled to zero on purpose). */
  replicas: number;
}

type ServiceShape = {
  spec?: { clusterIP?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
};
type DeploymentShape = { spec?: { replicas?: number }; status?: { availableReplicas?: number } };

export function serviceAddresses(service: KubeObject | undefined): GatewayAddress[] {
  if (!service) return [];
  const s = service as unknown as ServiceShape;
  const out: GatewayAddress[] = [];
  for (const ingress of s.status?.loadBalancer?.ingress ?? []) {
    if (ingress.ip) out.push({ type: 'IPAddress', value: ingress.ip });
    else if (ingress.hostname) out.push({ type: 'Hostname', value: ingress.hostname });
  }
  if (out.length > 0) return out;
  const clusterIP = s.spec?.clusterIP;
  return clusterIP && clusterIP !== 'None' ? [{ type: 'IPAddress', value: clusterIP }] : [];
}

export function observe(
  deployment: KubeObject | undefined,
  service: KubeObject | undefined,
): GatewayObservation {
  const d = deployment as unknown as DeploymentShape | undefined;
  return {
    addresses: serviceAddresses(service),
    availableReplicas: d?.status?.availableReplicas ?? 0,
    replicas: d?.spec?.replicas ?? 0,
  };
}

export function isAvailable(observation: GatewayObservation | undefined): boolean {
  return (observation?.availableReplicas ?? 0) > 0;
}
