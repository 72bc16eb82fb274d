// Test fixtures for the provisioner: a GatewayClass of ours, Gateways, a TollgateProxy, the
// settings a controller would pass, and a Resources snapshot made of them.
import { API_VERSION, CONTROLLER_NAME, type Gateway, type GatewayClass, type TollgateProxy } from '../api';
import { addObject, emptyResources, type Resources } from '../provider/resources';
import type { ProvisionSettings } from './settings';

export const settings: ProvisionSettings = {
  controllerNamespace: 'tollgate-system',
  ads: { host: 'tollgate-controller.tollgate-system.svc', port: 18000 },
  xdsTls: { serverName: 'tollgate-controller.tollgate-system.svc', clientSecretName: 'tollgate-xds-client' },
  envoyImage: 'envoyproxy/envoy:distroless-v1.34.1',
  tollgateImage: 'ghcr.io/example/tollgate:test',
  extprocSocket: '/var/run/tollgate/extproc.sock',
  defaultReplicas: 2,
};

export function gatewayClass(
  name = 'tollgate',
  parametersRef?: GatewayClass['spec']['parametersRef'],
): unknown {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name },
    spec: { controllerName: CONTROLLER_NAME, ...(parametersRef ? { parametersRef } : {}) },
  };
}

export function gateway(name: string, namespace = 'apps', extra: Partial<Gateway['metadata']> = {}): unknown {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, generation: 1, ...extra },
    spec: {
      gatewayClassName: 'tollgate',
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'https', port: 443, protocol: 'HTTPS', hostname: 'a.example' },
        { name: 'https-b', port: 443, protocol: 'HTTPS', hostname: 'b.example' },
      ],
    },
  };
}

export function tollgateProxy(
  name: string,
  spec: TollgateProxy['spec'],
  namespace = 'tollgate-system',
): unknown {
  return { apiVersion: API_VERSION, kind: 'TollgateProxy', metadata: { name, namespace }, spec };
}

export function world(...objects: unknown[]): Resources {
  const resources = emptyResources();
  for (const o of objects) addObject(resources, o);
  if (resources.invalid.length > 0) throw new Error(JSON.stringify(resources.invalid));
  return resources;
}
