// What toXds() assumes of the IR that the type system cannot say. translate() guarantees these;
// a violation is a bug upstream, so all of them are collected and reported in one error rather
// than rendering config Envoy would reject (or worse, accept and misroute).
import { isIP } from 'node:net';
import {
  EXTPROC_CLUSTER,
  type ClusterIR,
  type GatewayIR,
  type IR,
  type ListenerIR,
  type RouteActionIR,
} from '../ir/types';
import { checkListenerAuth } from './invariants-auth';

export class XdsInvariantError extends Error {
  constructor(readonly problems: string[]) {
    super(`IR cannot be rendered to xDS:\n  ${problems.join('\n  ')}`);
    this.name = 'XdsInvariantError';
  }
}

export function checkInvariants(ir: IR): void {
  const problems: string[] = [];
  const extprocTimeout = ir.extproc.messageTimeoutMs;
  if (!Number.isInteger(extprocTimeout) || extprocTimeout <= 0 || extprocTimeout >= 3_600_000) {
    problems.push(`extproc.messageTimeoutMs must be a whole number in (0, 3600000), got ${extprocTimeout}`);
  }
  if (ir.extproc.kind === 'tcp') checkPort(problems, 'extproc', ir.extproc.port);
  for (const key of duplicates(ir.gateways.map((g) => g.key))) problems.push(`gateway ${key} appears twice`);
  for (const gateway of ir.gateways) checkGateway(problems, gateway);
  if (problems.length > 0) throw new XdsInvariantError(problems);
}

function checkGateway(problems: string[], gateway: GatewayIR): void {
  const where = `gateway ${gateway.key}`;
  const clusterNames = new Set(gateway.clusters.map((c) => c.name));
  const secretNames = new Set(gateway.secrets.map((s) => s.name));
  for (const name of duplicates(gateway.clusters.map((c) => c.name)))
    problems.push(`${where}: cluster ${name} appears twice`);
  if (clusterNames.has(EXTPROC_CLUSTER))
    problems.push(`${where}: cluster name ${EXTPROC_CLUSTER} is reserved`);
  for (const name of duplicates(gateway.listeners.map((l) => l.name)))
    problems.push(`${where}: listener ${name} appears twice`);
  for (const addr of duplicates(gateway.listeners.map((l) => `${l.address}:${l.port}`))) {
    problems.push(`${where}: two listeners bind ${addr}`);
  }
  const clustersByName = new Map<string, ClusterIR>(gateway.clusters.map((c) => [c.name, c]));
  for (const listener of gateway.listeners) {
    const at = `${where} listener ${listener.name}`;
    checkListener(problems, at, listener, clusterNames, secretNames);
    checkListenerAuth(problems, at, listener, clustersByName);
  }
  for (const cluster of gateway.clusters) {
    const at = `${where} cluster ${cluster.name}`;
    // Envoy requires connect_timeout > 0.
    if (!(cluster.connectTimeoutMs > 0)) problems.push(`${at}: connectTimeoutMs must be > 0`);
    const weights = new Map<string, number>();
    for (const ep of cluster.endpoints) {
      checkPort(problems, `${at} endpoint ${ep.address}`, ep.port);
      if (cluster.discovery === 'eds' && cluster.kind !== 'jwks' && isIP(ep.address) === 0)
        problems.push(`${at}: EDS endpoint ${ep.address} is not an IP`);
      const group = `${ep.priority}/${ep.backend ?? ''}`;
      const seen = weights.get(group);
      if (seen !== undefined && seen !== ep.weight)
        problems.push(`${at}: endpoints of ${group} disagree on weight`);
      weights.set(group, ep.weight);
    }
  }
}

function checkListener(
  problems: string[],
  at: string,
  listener: ListenerIR,
  clusterNames: Set<string>,
  secretNames: Set<string>,
): void {
  checkPort(problems, at, listener.port);
  if (listener.protocol === 'HTTPS' && listener.tlsSecrets.length === 0)
    problems.push(`${at}: HTTPS without certificates`);
  for (const s of listener.tlsSecrets) if (!secretNames.has(s)) problems.push(`${at}: unknown secret ${s}`);
  for (const d of duplicates(listener.virtualHosts.flatMap((vh) => vh.domains)))
    problems.push(`${at}: domain ${d} in two virtual hosts`);
  for (const n of duplicates(listener.virtualHosts.map((vh) => vh.name)))
    problems.push(`${at}: virtual host ${n} appears twice`);
  for (const route of listener.virtualHosts.flatMap((vh) => vh.routes)) {
    const action = route.action;
    const targets =
      action.kind === 'ai'
        ? [action.cluster]
        : action.kind === 'forward'
          ? action.clusters.map((c) => c.name)
          : [];
    for (const t of targets)
      if (!clusterNames.has(t)) problems.push(`${at} route ${route.name}: unknown cluster ${t}`);
    problems.push(...checkAction(`${at} route ${route.name}`, action));
    const path = route.match.path;
    // Envoy's path_separated_prefix pattern: starts with "/", no ? or #, no trailing "/".
    if (path.kind === 'pathPrefix' && !/^\/[^?#]*[^?#/]$/.test(path.value))
      problems.push(
        `${at} route ${route.name}: pathPrefix ${path.value} must start with / and not end with /`,
      );
    if (action.kind === 'forward' && action.clusters.reduce((sum, c) => sum + c.weight, 0) <= 0) {
      problems.push(`${at} route ${route.name}: forward weights must add up to more than 0`);
    }
  }
}

/** Values Envoy's validate.rules would reject (timeouts, retry back-off, direct status). */
function checkAction(at: string, action: RouteActionIR): string[] {
  const out: string[] = [];
  const nonNegative = (name: string, ms: number | undefined) => {
    if (ms !== undefined && !(Number.isFinite(ms) && ms >= 0))
      out.push(`${at}: ${name} must be >= 0, got ${ms}`);
  };
  if (
    action.kind === 'direct' &&
    !(Number.isInteger(action.status) && action.status >= 200 && action.status < 600)
  ) {
    out.push(`${at}: direct status ${action.status} is not in 200..599`);
  }
  if (action.kind === 'forward') nonNegative('timeoutMs', action.timeoutMs);
  if (action.kind !== 'ai') return out;
  nonNegative('timeoutMs', action.timeoutMs);
  nonNegative('idleTimeoutMs', action.idleTimeoutMs);
  const retry = action.retry;
  if (!retry) return out;
  nonNegative('retry.perTryTimeoutMs', retry.perTryTimeoutMs);
  if (!Number.isInteger(retry.numRetries) || retry.numRetries < 0)
    out.push(`${at}: retry.numRetries must be a whole number >= 0`);
  if (!(retry.backoffBaseMs > 0 && retry.backoffMaxMs >= retry.backoffBaseMs)) {
    out.push(`${at}: retry back-off needs 0 < backoffBaseMs <= backoffMaxMs`);
  }
  return out;
}

function checkPort(problems: string[], at: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    problems.push(`${at}: port ${port} is not in 1..65535`);
}

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const v of values) (seen.has(v) ? dups : seen).add(v);
  return [...dups];
}
