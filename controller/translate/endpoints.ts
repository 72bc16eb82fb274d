// Where a Kubernetes Service's traffic goes: the ready addresses of its EndpointSlices (matched
// by the kubernetes.io/service-name label, port by Service port name), or, when there are none
// yet, the Service DNS name on the Service port (Envoy then resolves it with STRICT_DNS).
import { isIP } from 'node:net';
import type { EndpointSlice, Service } from '../api';
import { namespaceOf } from './refs';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface Address {
  address: string;
  port: number;
}

export type ServiceResolution = { ok: true; addresses: Address[] } | { ok: false; message: string };

export function serviceDnsName(namespace: string, name: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

export function isIpAddress(address: string): boolean {
  return isIP(address) !== 0;
}

export function resolveService(
  service: Service,
  port: number,
  slices: readonly EndpointSlice[],
): ServiceResolution {
  const namespace = namespaceOf(service);
  const name = service.metadata.name;
  const servicePort = service.spec.ports.find((p) => p.port === port);
  if (!servicePort) return { ok: false, message: `Service ${namespace}/${name} has no port ${port}` };
  const portName = servicePort.name ?? '';
  const seen = new Set<string>();
  const addresses: Address[] = [];
  for (const slice of slices) {
    if (namespaceOf(slice) !== namespace || slice.metadata.labels?.[SERVICE_NAME_LABEL] !== name) continue;
    const target = slice.ports.find((p) => (p.name ?? '') === portName)?.port;
    if (target === undefined) continue;
    for (const endpoint of slice.endpoints) {
      // Kubernetes: an absent `ready` means ready.
      if (endpoint.conditions?.ready === false) continue;
      for (const address of endpoint.addresses) {
        const id = `${address}:${target}`;
        if (seen.has(id)) continue;
        seen.add(id);
        addresses.push({ address, port: target });
      }
    }
  }
  addresses.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
  if (addresses.length === 0) addresses.push({ address: serviceDnsName(namespace, name), port });
  return { ok: true, addresses };
}
