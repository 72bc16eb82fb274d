// Which Gateways get proxies, and with which TollgateProxy settings. A Gateway is ours when its
// GatewayClass names our controller; a Gateway being deleted (deletionTimestamp) gets nothing,
// so a pass never re-creates what the garbage collector is removing. The TollgateProxy comes
// from the class's parametersRef; a wrong or missing reference falls back to the defaults and
// says why (the proxies keep running rather than disappearing over a typo).
import { CONTROLLER_NAME, GROUP, type Gateway, type TollgateProxySpec } from '../api';
import type { Resources } from '../provider/resources';

export interface ProxyParams {
  spec: TollgateProxySpec;
  /** Set when the parametersRef could not be used; the defaults apply. */
  problem?: string;
}

export interface OwnedGateway {
  gateway: Gateway;
  params: ProxyParams;
}

/** The Gateways of our classes, not being deleted, each with its TollgateProxy settings. */
export function ownedGateways(resources: Resources, controllerNamespace: string): OwnedGateway[] {
  const classes = new Map(
    resources.gatewayClasses
      .filter((c) => c.spec.controllerName === CONTROLLER_NAME && !c.metadata.deletionTimestamp)
      .map((c) => [c.metadata.name, c]),
  );
  const out: OwnedGateway[] = [];
  for (const gateway of resources.gateways) {
    const gatewayClass = classes.get(gateway.spec.gatewayClassName);
    if (!gatewayClass || gateway.metadata.deletionTimestamp || !gateway.metadata.uid) continue;
    out.push({
      gateway,
      params: resolveParams(gatewayClass.spec.parametersRef, resources, controllerNamespace),
    });
  }
  return out;
}

type ParametersRef = { group: string; kind: string; name: string; namespace?: string } | undefined;

export function resolveParams(
  ref: ParametersRef,
  resources: Resources,
  controllerNamespace: string,
): ProxyParams {
  if (!ref) return { spec: {} };
  if (ref.group !== GROUP || ref.kind !== 'TollgateProxy')
    return { spec: {}, problem: `parametersRef ${ref.group}/${ref.kind} is not a ${GROUP}/TollgateProxy` };
  // GatewayClass is cluster-scoped: a namespaced parameters object needs its namespace.
  const namespace = ref.namespace ?? controllerNamespace;
  const proxy = resources.tollgateProxies.find(
    (p) => p.metadata.name === ref.name && (p.metadata.namespace ?? 'default') === namespace,
  );
  if (!proxy) return { spec: {}, problem: `TollgateProxy ${namespace}/${ref.name} not found` };
  return { spec: proxy.spec };
}
