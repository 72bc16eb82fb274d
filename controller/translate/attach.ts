// Attaching a route (AIRoute or HTTPRoute) to Gateway listeners through its parentRefs, as the
// Gateway API defines it: sectionName/port narrow the listeners, allowedRoutes (namespaces and
// kinds) and the hostname intersection decide, and each parent gets an Accepted condition.
import { GATEWAY_GROUP, type Condition, type ParentReference, type RouteParentStatus } from '../api';
import { condition, stampConditions, type PendingCondition } from './conditions';
import type { GatewayCtx, ListenerCtx, RouteKindRef } from './context';
import { intersectHostnames } from './hostnames';
import { namespaceOf } from './refs';
import { ConditionType, Reason } from './status';

/** Kubernetes sets this label on every Namespace, so it can be matched without reading them. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface RouteInfo {
  kind: RouteKindRef;
  namespace: string;
  hostnames: readonly string[];
  generation: number | undefined;
}

export interface Attachment {
  listener: ListenerCtx;
  /** Effective hostnames on this listener (ANY_HOST for "all"). */
  hostnames: string[];
}

export interface ParentResult {
  parentRef: ParentReference;
  gatewayKey: string;
  attachments: Attachment[];
  accepted: PendingCondition;
}

export interface AttachOptions {
  gateways: ReadonlyMap<string, GatewayCtx>;
  /** Labels of namespaces, for allowedRoutes selectors (beyond kubernetes.io/metadata.name). */
  namespaceLabels: Readonly<Record<string, Record<string, string>>>;
  /** Report parents that are not our Gateways (true for our own CRDs; the Gateway API says
   * other controllers' parents are not ours to write). */
  reportForeignParents: boolean;
}

export function attachRoute(
  route: RouteInfo,
  parentRefs: readonly ParentReference[],
  options: AttachOptions,
): ParentResult[] {
  const results: ParentResult[] = [];
  for (const parentRef of parentRefs) {
    const gatewayKey = `${parentRef.namespace ?? route.namespace}/${parentRef.name}`;
    const gateway =
      parentRef.group === GATEWAY_GROUP && parentRef.kind === 'Gateway'
        ? options.gateways.get(gatewayKey)
        : undefined;
    if (!gateway) {
      if (options.reportForeignParents) {
        const message = `Gateway ${gatewayKey} not found or not managed by Tollgate`;
        const accepted = condition(
          ConditionType.Accepted,
          false,
          Reason.NoMatchingParent,
          message,
          route.generation,
        );
        results.push({ parentRef, gatewayKey, attachments: [], accepted });
      }
      continue;
    }
    results.push(attachToGateway(route, parentRef, gateway, options));
  }
  return results;
}

function attachToGateway(
  route: RouteInfo,
  parentRef: ParentReference,
  gateway: GatewayCtx,
  options: AttachOptions,
): ParentResult {
  const gen = route.generation;
  const candidates = gateway.listeners.filter(
    (l) =>
      (parentRef.sectionName === undefined || l.spec.name === parentRef.sectionName) &&
      (parentRef.port === undefined || l.spec.port === parentRef.port),
  );
  const attachments: Attachment[] = [];
  let hostnameMismatch = false;
  for (const listener of candidates) {
    if (
      !listener.accepted ||
      !kindAllowed(listener, route.kind) ||
      !namespaceAllowed(listener, route.namespace, options)
    )
      continue;
    const hostnames = intersectHostnames(listener.spec.hostname, route.hostnames);
    if (hostnames.length === 0) {
      hostnameMismatch = true;
      continue;
    }
    attachments.push({ listener, hostnames });
  }
  let accepted: PendingCondition;
  if (attachments.length > 0)
    accepted = condition(ConditionType.Accepted, true, Reason.Accepted, 'Route accepted', gen);
  else if (candidates.length === 0)
    accepted = condition(
      ConditionType.Accepted,
      false,
      Reason.NoMatchingParent,
      `Gateway ${gateway.key} has no listener matching sectionName/port`,
      gen,
    );
  else if (hostnameMismatch)
    accepted = condition(
      ConditionType.Accepted,
      false,
      Reason.NoMatchingListenerHostname,
      'No listener hostname matches the route hostnames',
      gen,
    );
  else
    accepted = condition(
      ConditionType.Accepted,
      false,
      Reason.NotAllowedByListeners,
      `No listener of Gateway ${gateway.key} allows this route (kind, namespace or listener not valid)`,
      gen,
    );
  return { parentRef, gatewayKey: gateway.key, attachments, accepted };
}

function kindAllowed(listener: ListenerCtx, kind: RouteKindRef): boolean {
  return listener.supportedKinds.some((k) => k.group === kind.group && k.kind === kind.kind);
}

function namespaceAllowed(listener: ListenerCtx, routeNamespace: string, options: AttachOptions): boolean {
  const from = listener.spec.allowedRoutes?.namespaces?.from ?? 'Same';
  switch (from) {
    case 'All':
      return true;
    case 'Same':
      return routeNamespace === namespaceOf(listener.gateway);
    case 'Selector': {
      const wanted = listener.spec.allowedRoutes?.namespaces?.selector?.matchLabels ?? {};
      const labels: Record<string, string> = {
        ...options.namespaceLabels[routeNamespace],
        [NAMESPACE_NAME_LABEL]: routeNamespace,
      };
      return Object.entries(wanted).every(([k, v]) => labels[k] === v);
    }
  }
}

/** Counts the route once on every listener it attached to (attachedRoutes in the Gateway status). */
export function countAttachments(results: readonly ParentResult[]): void {
  const listeners = new Set<ListenerCtx>();
  for (const r of results) for (const a of r.attachments) listeners.add(a.listener);
  for (const l of listeners) l.attachedRoutes++;
}

function sameParent(a: ParentReference, b: ParentReference): boolean {
  return (
    a.group === b.group &&
    a.kind === b.kind &&
    a.name === b.name &&
    a.namespace === b.namespace &&
    a.sectionName === b.sectionName &&
    a.port === b.port
  );
}

export function parentStatus(
  result: ParentResult,
  resolvedRefs: PendingCondition,
  previous: readonly RouteParentStatus[] | undefined,
  controllerName: string,
  now: string,
): RouteParentStatus {
  const before: Condition[] | undefined = previous?.find(
    (p) => p.controllerName === controllerName && sameParent(p.parentRef, result.parentRef),
  )?.conditions;
  return {
    parentRef: result.parentRef,
    controllerName,
    conditions: stampConditions([result.accepted, resolvedRefs], before, now),
  };
}
