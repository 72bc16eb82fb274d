// translate(): the controller's pure stage from a validated resources snapshot to the IR (what
// every Gateway's Envoy and every extproc replica must do) and the status of every object we
// own. Best-effort: a bad object gets a condition and is left out; everything else renders.
import { CONTROLLER_NAME, CRD_KINDS, type Kind } from '../api';
import type { ProcessorConfigDocument } from '../../extproc/config/schema';
import type { ExtprocTarget, IR } from '../ir/types';
import type { Resources } from '../provider/resources';
import { resolveBackends } from './aibackend';
import { translateAIRoutes } from './airoute';
import { condition, stampConditions } from './conditions';
import { newRouteOutput, type GatewayCtx } from './context';
import { acceptClasses, buildGateway } from './gateway';
import { gatewayStatus } from './gateway-status';
import { translateHTTPRoutes } from './httproute';
import { buildGatewayIR } from './listeners';
import { translatePolicies } from './policies';
import { targetWorld } from './policy-targets';
import { compareOrder } from './precedence';
import { ConditionType, Reason, type StatusUpdate } from './status';

export type { StatusUpdate } from './status';

export interface TranslateOptions {
  extproc: ExtprocTarget;
  /** ISO time stamped on conditions whose status changed. */
  now: string;
  /** Our GatewayClass controllerName; defaults to CONTROLLER_NAME. */
  controllerName?: string;
  /** Labels of namespaces, for listener allowedRoutes selectors; kubernetes.io/metadata.name is implied. */
  namespaceLabels?: Record<string, Record<string, string>>;
}

const DEFAULT_LIMITS = { maxRequestBodyBytes: 8 * 1024 * 1024 };
const KIND_ORDER: readonly Kind[] = [
  'GatewayClass',
  'Gateway',
  'HTTPRoute',
  'AIRoute',
  'AIBackend',
  'AIClientPolicy',
  'AIBudget',
  'AIGuardrail',
];

export function translate(
  resources: Resources,
  options: TranslateOptions,
): { ir: IR; statuses: StatusUpdate[] } {
  const controllerName = options.controllerName ?? CONTROLLER_NAME;
  const { now } = options;
  const classes = acceptClasses(resources.gatewayClasses, controllerName, now);
  const gateways = new Map<string, GatewayCtx>();
  for (const gw of resources.gateways)
    if (classes.names.has(gw.spec.gatewayClassName)) {
      const ctx = buildGateway(gw, resources);
      gateways.set(ctx.key, ctx);
    }
  const backends = resolveBackends(resources, now);
  const out = newRouteOutput();
  const attach = { gateways, namespaceLabels: options.namespaceLabels ?? {}, reportForeignParents: true };
  const ai = translateAIRoutes({ resources, backends, attach, controllerName, now, out });
  const httpStatuses = translateHTTPRoutes({
    resources,
    attach: { ...attach, reportForeignParents: false },
    controllerName,
    now,
    out,
  });

  const keys = [...gateways.keys()].sort();
  const processor: ProcessorConfigDocument = {
    gateways: {},
    routes: {},
    backends: {},
    clientPolicies: {},
    budgets: {},
    guardrails: {},
    limits: { ...DEFAULT_LIMITS },
  };
  // Grouped once, not filtered per Gateway (quadratic with many Gateways and rules).
  const orderingByGateway = new Map<string, typeof ai.ordering>();
  for (const o of ai.ordering) {
    const group = orderingByGateway.get(o.gatewayKey);
    if (group) group.push(o);
    else orderingByGateway.set(o.gatewayKey, [o]);
  }
  for (const key of keys) {
    const rules = (orderingByGateway.get(key) ?? []).sort((a, b) => compareOrder(a.order, b.order));
    processor.gateways[key] = { routes: rules.map((r) => r.key) };
  }
  for (const key of Object.keys(ai.routes).sort())
    processor.routes[key] = ai.routes[key] as (typeof ai.routes)[string];
  for (const key of [...ai.usedBackends].sort()) {
    const backend = backends.usable.get(key);
    if (backend) processor.backends[key] = backend.config;
  }
  const ir: IR = {
    gateways: keys.flatMap((k) => {
      const ctx = gateways.get(k);
      return ctx ? [buildGatewayIR(ctx, out)] : [];
    }),
    extproc: options.extproc,
    processor,
  };
  const gatewaysOfRule = new Map<string, string[]>();
  for (const o of ai.ordering)
    gatewaysOfRule.set(o.key, [...(gatewaysOfRule.get(o.key) ?? []), o.gatewayKey]);
  const policyStatuses = translatePolicies({
    resources,
    world: targetWorld(resources, gateways),
    processor,
    gatewaysOfRule,
    irGateways: ir.gateways,
    entries: out.entries,
    now,
  });
  ir.extproc = withRoomForWebhooks(ir.extproc, processor);
  const statuses = [
    ...classes.statuses,
    ...keys.flatMap((k) => {
      const ctx = gateways.get(k);
      return ctx ? [gatewayStatus(ctx, now)] : [];
    }),
    ...httpStatuses,
    ...ai.statuses,
    ...backends.statuses,
    ...policyStatuses,
    ...invalidStatuses(resources, now),
  ];
  return { ir, statuses: statuses.sort(compareStatus) };
}

/**
 * Envoy gives extproc message_timeout to answer each message. A webhook guardrail may take its own
 * timeoutMs (up to 60 s), and the router must still be able to apply its failMode after that, so
 * the timeout grows to the slowest webhook plus a second (budgets and the tokenizer fit in it).
 */
function withRoomForWebhooks(extproc: ExtprocTarget, processor: ProcessorConfigDocument): ExtprocTarget {
  let slowest = 0;
  for (const guardrail of Object.values(processor.guardrails))
    for (const check of guardrail.checks)
      if (check.type === 'Webhook') slowest = Math.max(slowest, check.timeoutMs);
  const needed = slowest > 0 ? slowest + 1000 : 0;
  return needed > extproc.messageTimeoutMs ? { ...extproc, messageTimeoutMs: needed } : extproc;
}

/** Our own CRDs that failed validation: Accepted=False naming the field. Gateway API objects are
 * not reported, because an object that fails our schema may belong to another controller. */
function invalidStatuses(resources: Resources, now: string): StatusUpdate[] {
  return resources.invalid
    .filter((o) => (CRD_KINDS as readonly Kind[]).includes(o.kind))
    .map((o) => {
      const accepted = condition(ConditionType.Accepted, false, Reason.Invalid, o.message, o.generation);
      const conditions = stampConditions([accepted], o.conditions, now);
      const status = o.kind === 'AIRoute' ? { parents: [], conditions } : { conditions };
      return o.namespace === undefined
        ? { kind: o.kind, name: o.name, status }
        : { kind: o.kind, namespace: o.namespace, name: o.name, status };
    });
}

function compareStatus(a: StatusUpdate, b: StatusUpdate): number {
  return (
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
    compareOrder([a.namespace ?? '', a.name], [b.namespace ?? '', b.name])
  );
}
