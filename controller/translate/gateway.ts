// GatewayClasses and Gateways: which Gateways are ours, their listeners' validity (protocol,
// conflicts, TLS certificates, allowed route kinds).
import { GATEWAY_GROUP, GROUP, secretValue, type Gateway, type GatewayClass, type Listener } from '../api';
import type { Resources } from '../provider/resources';
import type { TlsSecretIR } from '../ir/types';
import { condition, stampConditions, type PendingCondition } from './conditions';
import type { GatewayCtx, ListenerCtx, RouteKindRef } from './context';
import { resolveCertificates } from './certificates';
import { ObjectIndex, keyOf, namespaceOf } from './refs';
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
  const key = keyOf({ metadata: { name: gateway.metadata.name, namespace: namespaceOf(gateway) } });
  const gen = gateway.metadata.generation;
  const secrets = new Map<string, TlsSecretIR>();
  const secretIndex = new ObjectIndex(resources.secrets);
  const listeners: ListenerCtx[] = gateway.spec.listeners.map((spec) => {
    const ctx: ListenerCtx = {
      gatewayKey: key,
      gateway,
      spec,
      accepted: true,
      programmed: false,
      supportedKinds: [],
      conditions: [],
      attachedRoutes: 0,
      tlsSecrets: [],
    };
    const problems: PendingCondition[] = [];
    if (!PROTOCOLS.has(spec.protocol)) {
      ctx.accepted = false;
      problems.push(
        condition(
          ConditionType.Accepted,
          false,
          Reason.UnsupportedProtocol,
          `protocol ${spec.protocol} is not supported; use HTTP or HTTPS`,
          gen,
        ),
      );
    } else if (spec.tls?.mode === 'Passthrough') {
      ctx.accepted = false;
      problems.push(
        condition(
          ConditionType.Accepted,
          false,
          Reason.UnsupportedValue,
          'tls.mode Passthrough is not supported',
          gen,
        ),
      );
    }
    const kinds = routeKinds(spec);
    ctx.supportedKinds = kinds.supported;
    let refsOk = kinds.invalid.length === 0;
    let refsReason: Reason = Reason.ResolvedRefs;
    let refsMessage = kinds.invalid.length
      ? `unsupported route kinds: ${kinds.invalid.join(', ')}`
      : 'References resolved';
    if (!refsOk) refsReason = Reason.InvalidRouteKinds;
    let certsOk = true;
    if (ctx.accepted && spec.protocol === 'HTTPS') {
      const certs = resolveCertificates(spec, gateway, resources, secretIndex);
      if (certs.ok) {
        for (const s of certs.secrets) secrets.set(s.name, s);
        ctx.tlsSecrets = certs.secrets.map((s) => s.name);
      } else {
        certsOk = refsOk = false;
        refsReason = certs.reason;
        refsMessage = certs.message;
      }
    }
    ctx.programmed = ctx.accepted && certsOk && ctx.supportedKinds.length > 0;
    ctx.conditions = [
      problems[0] ?? condition(ConditionType.Accepted, true, Reason.Accepted, 'Listener accepted', gen),
      condition(ConditionType.ResolvedRefs, refsOk, refsReason, refsMessage, gen),
    ];
    return ctx;
  });
  markConflicts(listeners, gen);
  const sortedSecrets = [...secrets.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { key, gateway, listeners, secrets: sortedSecrets };
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
