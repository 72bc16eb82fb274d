// AIRoutes: each rule becomes a route in extproc's configuration (key "ns/route/rule"), one AI
// cluster ("ai/ns/route/rule") holding its backends' endpoints by priority and weight, and an
// Envoy route that matches the routing header extproc sets (docs/architecture.md).
import { GROUP, type AIRoute, type AIRouteRule } from '../api';
import { ROUTE_HEADER } from '../../lib/headers';
import type { RouteConfig } from '../../extproc/config/schema';
import type { BackendResolution } from './aibackend';
import { routeBackend, ruleAction, type ResolvedRef } from './ai-rule';
import { attachRoute, countAttachments, parentStatus, type AttachOptions, type ParentResult } from './attach';
import { condition, resolvedRefs, type Problem } from './conditions';
import { useCluster, type RouteOutput } from './context';
import { ANY_HOST } from './hostnames';
import { namespaceOf, referenceAllowed } from './refs';
import type { Resources } from '../provider/resources';
import { ConditionType, Reason, type StatusUpdate } from './status';

/** One rule in a Gateway's AIRoute order: creation time, namespace/name, rule index. */
export interface RuleOrder {
  gatewayKey: string;
  key: string;
  order: readonly (string | number)[];
}

export interface AIRouteResult {
  routes: Record<string, RouteConfig>;
  ordering: RuleOrder[];
  /** Backend keys some attached rule uses (their configs go to extproc). */
  usedBackends: Set<string>;
  statuses: StatusUpdate[];
}

export interface AIRouteContext {
  resources: Resources;
  backends: BackendResolution;
  attach: AttachOptions;
  controllerName: string;
  now: string;
  out: RouteOutput;
}

export function translateAIRoutes(ctx: AIRouteContext): AIRouteResult {
  const result: AIRouteResult = { routes: {}, ordering: [], usedBackends: new Set(), statuses: [] };
  for (const route of ctx.resources.aiRoutes) translateOne(route, ctx, result);
  return result;
}

function translateOne(route: AIRoute, ctx: AIRouteContext, result: AIRouteResult): void {
  const namespace = namespaceOf(route);
  const gen = route.metadata.generation;
  const names = route.spec.rules.map((r, i) => r.name ?? `rule-${i}`);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  const info = {
    kind: { group: GROUP, kind: 'AIRoute' },
    namespace,
    hostnames: route.spec.hostnames,
    generation: gen,
  };
  const parents = attachRoute(info, route.spec.parentRefs, ctx.attach);
  const problems: Problem[] = [];
  if (duplicate !== undefined) {
    for (const p of parents)
      p.accepted = condition(
        ConditionType.Accepted,
        false,
        Reason.UnsupportedValue,
        `rule name ${duplicate} is used twice`,
        gen,
      );
    for (const p of parents) p.attachments = [];
  }
  countAttachments(parents);
  const attached = parents.some((p) => p.attachments.length > 0);
  route.spec.rules.forEach((rule, index) => {
    const key = `${namespace}/${route.metadata.name}/${names[index] ?? `rule-${index}`}`;
    const resolved = resolveRefs(rule.backendRefs, namespace, ctx, problems);
    if (!attached) return;
    const creation = route.metadata.creationTimestamp ?? '';
    const order = [creation, `${namespace}/${route.metadata.name}`, index];
    // With no usable backend the rule still exists for extproc (so requests meant for it do not
    // fall through to another rule) and Envoy answers it with a 500; its backends then name
    // the declared refs.
    const backends = resolved.length
      ? resolved.map(({ ref, backend }) => routeBackend(backend.key, ref))
      : rule.backendRefs.map((ref) => routeBackend(`${ref.namespace ?? namespace}/${ref.name}`, ref));
    result.routes[key] = {
      key,
      hostnames: serviceHostnames(parents),
      matches: rule.matches.map((m) =>
        m.model ? { model: m.model, headers: m.headers } : { headers: m.headers },
      ),
      backends,
      budgets: [],
      guardrails: [],
      unsupportedParameters: rule.unsupportedParameters,
    };
    for (const { backend } of resolved) result.usedBackends.add(backend.key);
    const { action, cluster } = ruleAction(key, rule, resolved);
    const seenGateways = new Set<string>();
    for (const parent of parents) {
      if (parent.attachments.length === 0) continue;
      if (!seenGateways.has(parent.gatewayKey))
        result.ordering.push({ gatewayKey: parent.gatewayKey, key, order });
      seenGateways.add(parent.gatewayKey);
      for (const { listener, hostnames } of parent.attachments) {
        if (!listener.programmed) continue;
        if (cluster) useCluster(ctx.out, parent.gatewayKey, cluster);
        for (const hostname of hostnames)
          ctx.out.entries.push({
            gatewayKey: parent.gatewayKey,
            port: listener.spec.port,
            hostname,
            section: 'ai',
            order,
            route: {
              name: `airoute/${key}`,
              match: {
                path: { kind: 'prefix', value: '/' },
                headers: [{ name: ROUTE_HEADER, kind: 'exact', value: key }],
              },
              action,
              extProc: true,
            },
          });
      }
    }
  });
  result.statuses.push(routeStatus(route, parents, problems, ctx));
}

/** The rule's usable backends (weight 0 means no traffic); every other ref becomes a problem. */
function resolveRefs(
  refs: AIRouteRule['backendRefs'],
  namespace: string,
  ctx: AIRouteContext,
  problems: Problem[],
): ResolvedRef[] {
  const resolved: ResolvedRef[] = [];
  for (const ref of refs) {
    const backendNamespace = ref.namespace ?? namespace;
    const backendKey = `${backendNamespace}/${ref.name}`;
    const from = { group: GROUP, kind: 'AIRoute', namespace };
    const to = { group: GROUP, kind: 'AIBackend', namespace: backendNamespace, name: ref.name };
    const backend = ctx.backends.usable.get(backendKey);
    const unusable = ctx.backends.unusable.get(backendKey);
    if (!referenceAllowed(ctx.resources.referenceGrants, from, to))
      problems.push({
        reason: Reason.RefNotPermitted,
        message: `AIBackend ${backendKey} is in another namespace and no ReferenceGrant allows it`,
      });
    else if (backend) {
      if (ref.weight > 0) resolved.push({ ref, backend });
    } else if (unusable !== undefined)
      problems.push({
        reason: Reason.BackendNotFound,
        message: `AIBackend ${backendKey} is not usable: ${unusable}`,
      });
    else problems.push({ reason: Reason.BackendNotFound, message: `AIBackend ${backendKey} not found` });
  }
  return resolved;
}

/** Hostnames extproc matches the rule on: the union over listeners; [] when any is unrestricted. */
function serviceHostnames(parents: readonly ParentResult[]): string[] {
  const all = new Set(parents.flatMap((p) => p.attachments.flatMap((a) => a.hostnames)));
  return all.has(ANY_HOST) ? [] : [...all].sort();
}

function routeStatus(
  route: AIRoute,
  parents: readonly ParentResult[],
  problems: readonly Problem[],
  ctx: AIRouteContext,
): StatusUpdate {
  const gen = route.metadata.generation;
  const refs = resolvedRefs(problems, gen);
  return {
    kind: 'AIRoute',
    namespace: namespaceOf(route),
    name: route.metadata.name,
    status: {
      parents: parents.map((p) => parentStatus(p, refs, route.status?.parents, ctx.controllerName, ctx.now)),
      conditions: [],
    },
  };
}
