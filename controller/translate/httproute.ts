// HTTPRoutes (Gateway API core): plain proxying to Services with weights, header modifiers and
// request timeouts, placed after the AI routes with ext_proc disabled. Only parents that are
// our Gateways get status: other controllers own the rest.
import { GATEWAY_GROUP, durationToMs, type HTTPRoute } from '../api';
import type { ClusterIR, RouteActionIR } from '../ir/types';
import type { Resources } from '../provider/resources';
import { attachRoute, countAttachments, parentStatus, type AttachOptions } from './attach';
import { condition, resolvedRefs, type Problem } from './conditions';
import { useCluster, type RouteOutput } from './context';
import { isIpAddress, resolveService } from './endpoints';
import { headerFilters, routeMatch } from './http-rule';
import { httpMatchOrder } from './precedence';
import { ObjectIndex, namespaceOf, referenceAllowed } from './refs';
import { ConditionType, Reason, type StatusUpdate } from './status';

type Rule = HTTPRoute['spec']['rules'][number];
export interface HTTPRouteContext {
  resources: Resources;
  attach: AttachOptions;
  controllerName: string;
  now: string;
  out: RouteOutput;
}

export function translateHTTPRoutes(ctx: HTTPRouteContext): StatusUpdate[] {
  const services = new ObjectIndex(ctx.resources.services);
  const statuses: StatusUpdate[] = [];
  for (const route of ctx.resources.httpRoutes) {
    const namespace = namespaceOf(route);
    const gen = route.metadata.generation;
    const info = {
      kind: { group: GATEWAY_GROUP, kind: 'HTTPRoute' },
      namespace,
      hostnames: route.spec.hostnames,
      generation: gen,
    };
    const parents = attachRoute(info, route.spec.parentRefs, ctx.attach);
    if (parents.length === 0) continue;
    countAttachments(parents);
    const problems: Problem[] = [];
    const unsupported: string[] = [];
    const routeKey = `${namespace}/${route.metadata.name}`;
    route.spec.rules.forEach((rule, ruleIndex) => {
      const clusters = backendClusters(rule, namespace, ctx, services, problems);
      const filters = headerFilters([...rule.filters, ...rule.backendRefs.flatMap((b) => b.filters ?? [])]);
      unsupported.push(...filters.unsupported);
      const action: RouteActionIR =
        clusters.length === 0 || filters.unsupported.length > 0
          ? { kind: 'direct', status: 500, body: 'no valid backend for this route rule\n' }
          : {
              kind: 'forward',
              clusters: clusters.map((c) => ({ name: c.cluster.name, weight: c.weight })),
              ...(rule.timeouts?.request !== undefined
                ? { timeoutMs: durationToMs(rule.timeouts.request) }
                : {}),
              ...(filters.request ? { requestHeaders: filters.request } : {}),
              ...(filters.response ? { responseHeaders: filters.response } : {}),
            };
      const ruleName = rule.name ?? `rule-${ruleIndex}`;
      for (const parent of parents)
        for (const { listener, hostnames } of parent.attachments) {
          if (!listener.programmed) continue;
          if (action.kind === 'forward')
            for (const c of clusters) useCluster(ctx.out, parent.gatewayKey, c.cluster);
          rule.matches.forEach((match, matchIndex) => {
            const order = httpMatchOrder(
              match,
              { creationTimestamp: route.metadata.creationTimestamp ?? '', key: routeKey },
              ruleIndex,
              matchIndex,
            );
            const name = `httproute/${routeKey}/${ruleName}/match-${matchIndex}`;
            for (const hostname of hostnames)
              ctx.out.entries.push({
                gatewayKey: parent.gatewayKey,
                port: listener.spec.port,
                hostname,
                section: 'http',
                order,
                route: { name, match: routeMatch(match), action, extProc: false },
              });
          });
        }
    });
    const refs = resolvedRefs(problems, gen);
    if (unsupported.length > 0)
      for (const p of parents)
        if (p.attachments.length > 0)
          p.accepted = condition(
            ConditionType.Accepted,
            false,
            Reason.UnsupportedValue,
            `unsupported filter types: ${[...new Set(unsupported)].join(', ')}; their rules answer 500`,
            gen,
          );
    statuses.push({
      kind: 'HTTPRoute',
      namespace,
      name: route.metadata.name,
      status: {
        parents: parents.map((p) =>
          parentStatus(p, refs, route.status?.parents, ctx.controllerName, ctx.now),
        ),
      },
    });
  }
  return statuses;
}

function backendClusters(
  rule: Rule,
  namespace: string,
  ctx: HTTPRouteContext,
  services: ObjectIndex<Resources['services'][number]>,
  problems: Problem[],
): { cluster: ClusterIR; weight: number }[] {
  const out: { cluster: ClusterIR; weight: number }[] = [];
  for (const ref of rule.backendRefs) {
    const refNamespace = ref.namespace ?? namespace;
    const where = `Service ${refNamespace}/${ref.name}`;
    if (ref.group !== '' || ref.kind !== 'Service') {
      problems.push({
        reason: Reason.InvalidKind,
        message: `backendRef ${ref.group}/${ref.kind} ${ref.name}: only Services are supported`,
      });
      continue;
    }
    const from = { group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace };
    if (
      !referenceAllowed(ctx.resources.referenceGrants, from, {
        group: '',
        kind: 'Service',
        namespace: refNamespace,
        name: ref.name,
      })
    ) {
      problems.push({
        reason: Reason.RefNotPermitted,
        message: `${where} is in another namespace and no ReferenceGrant allows it`,
      });
      continue;
    }
    const service = services.get(refNamespace, ref.name);
    const resolved = !service
      ? undefined
      : ref.port === undefined
        ? undefined
        : resolveService(service, ref.port, ctx.resources.endpointSlices);
    if (!service || ref.port === undefined || !resolved) {
      problems.push({
        reason: Reason.BackendNotFound,
        message: !service ? `${where} not found` : `${where}: backendRef port is required`,
      });
      continue;
    }
    if (!resolved.ok) {
      problems.push({ reason: Reason.BackendNotFound, message: resolved.message });
      continue;
    }
    if (ref.weight === 0) continue;
    const endpoints = resolved.addresses.map((a) => ({ ...a, priority: 0, weight: 1 }));
    const cluster: ClusterIR = {
      name: `svc/${refNamespace}/${ref.name}/${ref.port}`,
      kind: 'service',
      connectTimeoutMs: 10_000,
      discovery: endpoints.every((e) => isIpAddress(e.address)) ? 'eds' : 'strict_dns',
      endpoints,
    };
    out.push({ cluster, weight: ref.weight });
  }
  return out;
}
