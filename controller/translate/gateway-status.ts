// The status of a Gateway and its listeners, written once routes are attached (attachedRoutes),
// and (withProxyStatus) the addresses and readiness of its provisioned proxies.
import type { Condition } from '../api';
import { condition, stampConditions } from './conditions';
import type { GatewayCtx } from './context';
import { namespaceOf } from './refs';
import { ConditionType, Reason, type StatusUpdate } from './status';

/** The Gateway status once routes are attached (attachedRoutes counted). */
export function gatewayStatus(ctx: GatewayCtx, now: string): StatusUpdate {
  const gen = ctx.gateway.metadata.generation;
  const previous = ctx.gateway.status;
  const listeners = ctx.listeners.map((l) => {
    const programmed = l.programmed
      ? condition(ConditionType.Programmed, true, Reason.Programmed, 'Listener programmed', gen)
      : condition(
          ConditionType.Programmed,
          false,
          Reason.Invalid,
          'Listener is not valid; see its other conditions',
          gen,
        );
    const before = previous?.listeners.find((s) => s.name === l.spec.name)?.conditions;
    return {
      name: l.spec.name,
      supportedKinds: l.supportedKinds,
      attachedRoutes: l.attachedRoutes,
      conditions: stampConditions([...l.conditions, programmed], before, now),
    };
  });
  const valid = ctx.listeners.filter((l) => l.programmed).length;
  const allValid = valid === ctx.listeners.length;
  const accepted = condition(
    ConditionType.Accepted,
    valid > 0,
    allValid ? Reason.Accepted : Reason.ListenersNotValid,
    allValid
      ? 'Gateway accepted'
      : `${ctx.listeners.length - valid} of ${ctx.listeners.length} listeners are not valid`,
    gen,
  );
  const programmed = condition(
    ConditionType.Programmed,
    valid > 0,
    valid > 0 ? Reason.Programmed : Reason.Invalid,
    valid > 0 ? 'Gateway programmed' : 'No listener could be programmed',
    gen,
  );
  return {
    kind: 'Gateway',
    namespace: namespaceOf(ctx.gateway),
    name: ctx.gateway.metadata.name,
    status: { conditions: stampConditions([accepted, programmed], previous?.conditions, now), listeners },
  };
}

/** What the provisioner observed about a Gateway's proxies (controller/provision/observe.ts). */
export interface ProxyObservation {
  addresses: { type: 'IPAddress' | 'Hostname'; value: string }[];
  availableReplicas: number;
}

/**
 * A translated Gateway status completed with what the cluster says about its provisioned
 * proxies (Kubernetes provider with provisioning on): status.addresses from the Service, and
 * Programmed=True only while an Envoy replica is available (Programmed=False, reason Pending,
 * before that). An undefined observation means the proxies were not seen yet: Pending.
 */
export function withProxyStatus<U extends { kind: string; status: unknown }>(
  update: U,
  observation: ProxyObservation | undefined,
  now: string,
): U {
  if (update.kind !== 'Gateway') return update;
  const status = update.status as { conditions?: Condition[]; addresses?: unknown } & Record<string, unknown>;
  const conditions = (status.conditions ?? []).map((c) => {
    if (
      c.type !== ConditionType.Programmed ||
      c.status !== 'True' ||
      (observation?.availableReplicas ?? 0) > 0
    )
      return c;
    const pending: Condition = {
      ...c,
      status: 'False',
      reason: PENDING,
      message: 'Waiting for an Envoy replica to become available',
      lastTransitionTime: now,
    };
    return pending;
  });
  const addresses = observation?.addresses ?? [];
  return {
    ...update,
    status: { ...status, conditions, ...(addresses.length > 0 ? { addresses } : { addresses: undefined }) },
  };
}

/** Gateway API's reason for a Gateway whose data plane is not ready yet. */
const PENDING = 'Pending';
