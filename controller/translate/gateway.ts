// GatewayClasses and Gateways: which Gateways are ours, their listeners' validity (protocol,
// conflicts, TLS certificates, allowed route kinds).
import { GATEWAY_GROUP, GROUP, type Gateway, type GatewayClass, type Listener } from '../api';
import type { Resources } from '../provider/resources';
import type { TlsSecretIR } from '../ir/types';
import { condition, stampConditions } from './conditions';
import type { GatewayCtx, ListenerCtx, RouteKindRef } from './context';
import { resolveCertificates } from './certificates';
import { ObjectIndex, namespaceOf } from './refs';
import { ConditionType, Reason, type StatusUpdate } from './status';

const ROUTE_KINDS: readonly RouteKindRef[] = [
  { group: GATEWAY_GROUP, kind: 'HTTPRoute' },
  { group: GROUP, kind: 'AIRoute' },
];
const PROTOCOLS = new Set(['HTTP', 'HTTPS']);

/** Our GatewayClasses (by name) and their statuses; classes of other controllers are ignored. */
export function acceptClasses(
  classes: readonly GatewayClass[],
  controllerName: string,
  now: string,
): { names: Set<string>; statuses: StatusUpdate[] } {
  const names = new Set<string>();
  const statuses: StatusUpdate[] = [];
  for (const gc of classes) {
    if (gc.spec.controllerName !== controllerName) continue;
    names.add(gc.metadata.name);
    const accepted = condition(
      ConditionType.Accepted,
      true,
      Reason.Accepted,
      'Accepted by Tollgate',
      gc.metadata.generation,
    );
    statuses.push({
      kind: 'GatewayClass',
      name: gc.metadata.name,
      status: { conditions: stampConditions([accepted], gc.status?.conditions, now) },
    });
  }
  return { names, statuses };
}

export function buildGateway(gateway: Gateway, resources: Resources): GatewayCtx {
  const key = `${namespaceOf(gateway)}/${gateway.metadata.name}`;
  const secrets = new Map<string, TlsSecretIR>();
  const secretIndex = new ObjectIndex(resources.secrets);
  const listeners = gateway.spec.listeners.map((spec) => {
    const ctx = buildListener(spec, key, gateway, resources, secretIndex);
    for (const s of ctx.secrets) secrets.set(s.name, s);
    return ctx.listener;
  });
  markConflicts(listeners, gateway.metadata.generation);
  const sortedSecrets = [...secrets.values()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  return { key, gateway, listeners, secrets: sortedSecrets };
}

interface Verdict {
  reason: Reason;
  message: string;
}

function buildListener(
  spec: Listener,
  gatewayKey: string,
  gateway: Gateway,
  resources: Resources,
  secretIndex: ObjectIndex<Resources['secrets'][number]>,
): { listener: ListenerCtx; secrets: TlsSecretIR[] } {
  const gen = gateway.metadata.generation;
  const rejected = unsupported(spec);
  // A listener we cannot serve supports no route kinds at all.
  const kinds = rejected ? { supported: [], invalid: [] } : routeKinds(spec);
  let refsProblem: Verdict | undefined = kinds.invalid.length
    ? { reason: Reason.InvalidRouteKinds, message: `unsupported route kinds: ${kinds.invalid.join(', ')}` }
    : undefined;
  let secrets: TlsSecretIR[] = [];
  let certsOk = true;
  if (!rejected && spec.protocol === 'HTTPS') {
    const certs = resolveCertificates(spec, gateway, resources, secretIndex);
    if (certs.ok) secrets = certs.secrets;
    else {
      certsOk = false;
      refsProblem = certs;
    }
  }
  const listener: ListenerCtx = {
    gatewayKey,
    gateway,
    spec,
    accepted: !rejected,
    programmed: !rejected && certsOk && kinds.supported.length > 0,
    supportedKinds: kinds.supported,
    conditions: [
      rejected
        ? condition(ConditionType.Accepted, false, rejected.reason, rejected.message, gen)
        : condition(ConditionType.Accepted, true, Reason.Accepted, 'Listener accepted', gen),
      refsProblem
        ? condition(ConditionType.ResolvedRefs, false, refsProblem.reason, refsProblem.message, gen)
        : condition(ConditionType.ResolvedRefs, true, Reason.ResolvedRefs, 'References resolved', gen),
    ],
    attachedRoutes: 0,
    tlsSecrets: secrets.map((s) => s.name),
  };
  return { listener, secrets };
}

function unsupported(spec: Listener): Verdict | undefined {
  if (!PROTOCOLS.has(spec.protocol))
    return {
      reason: Reason.UnsupportedProtocol,
      message: `protocol ${spec.protocol} is not supported; use HTTP or HTTPS`,
    };
  if (spec.tls?.mode === 'Passthrough')
    return { reason: Reason.UnsupportedValue, message: 'tls.mode Passthrough is not supported' };
  return undefined;
}

function routeKinds(spec: Listener): { supported: RouteKindRef[]; invalid: string[] } {
  const wanted = spec.allowedRoutes?.kinds;
  if (!wanted) return { supported: [...ROUTE_KINDS], invalid: [] };
  const supported: RouteKindRef[] = [];
  const invalid: string[] = [];
  for (const k of wanted) {
    const group = k.group ?? GATEWAY_GROUP;
    const known = ROUTE_KINDS.find((r) => r.group === group && r.kind === k.kind);
    if (known) supported.push(known);
    else invalid.push(`${group}/${k.kind}`);
  }
  return { supported, invalid };
}

/** Listeners on one port must share a protocol and have distinct hostnames; later ones lose. */
function markConflicts(listeners: ListenerCtx[], gen: number | undefined): void {
  const seen = new Map<number, ListenerCtx[]>();
  for (const l of listeners) {
    if (!l.accepted) continue;
    const samePort = seen.get(l.spec.port) ?? [];
    let reason: Reason | undefined;
    if (samePort.some((o) => o.spec.protocol !== l.spec.protocol)) reason = Reason.ProtocolConflict;
    else if (samePort.some((o) => (o.spec.hostname ?? '') === (l.spec.hostname ?? '')))
      reason = Reason.HostnameConflict;
    if (reason) {
      l.accepted = l.programmed = false;
      l.conditions.push(
        condition(
          ConditionType.Conflicted,
          true,
          reason,
          `conflicts with another listener on port ${l.spec.port}`,
          gen,
        ),
      );
      continue;
    }
    l.conditions.push(condition(ConditionType.Conflicted, false, Reason.NoConflicts, 'No conflicts', gen));
    seen.set(l.spec.port, [...samePort, l]);
  }
}
