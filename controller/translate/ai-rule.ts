// The Envoy side of one AIRoute rule: its AI cluster (one locality per backend by priority and
// weight, endpoint metadata naming the AIBackend) and its route action (timeouts, retries, or a
// direct 500 when no backend is usable), plus the backend list extproc receives.
import { RetryPolicy, durationToMs, type AIRouteRule } from '../api';
import { openAIErrorBody } from '../../lib/errors';
import type { RouteConfig } from '../../extproc/config/schema';
import type { ClusterIR, RetryIR, RouteActionIR } from '../ir/types';
import type { ResolvedBackend } from './aibackend';
import { isIpAddress } from './endpoints';

export interface ResolvedRef {
  ref: { weight: number; priority: number; modelOverride?: string | undefined };
  backend: ResolvedBackend;
}

export function routeBackend(
  backend: string,
  ref: { weight: number; priority: number; modelOverride?: string | undefined },
): RouteConfig['backends'][number] {
  const out: RouteConfig['backends'][number] = { backend, weight: ref.weight, priority: ref.priority };
  if (ref.modelOverride !== undefined) out.modelOverride = ref.modelOverride;
  return out;
}

export function ruleAction(
  key: string,
  rule: AIRouteRule,
  resolved: readonly ResolvedRef[],
): { action: RouteActionIR; cluster?: ClusterIR } {
  if (resolved.length === 0)
    return {
      action: {
        kind: 'direct',
        status: 500,
        body: openAIErrorBody(500, `AIRoute rule ${key} has no usable backend`, 'internal_error'),
      },
    };
  const cluster = aiCluster(key, resolved);
  const priorities = new Set(resolved.map((r) => r.ref.priority));
  const action: RouteActionIR = {
    kind: 'ai',
    cluster: cluster.name,
    timeoutMs: durationToMs(rule.timeouts.request),
    ...idle(rule.timeouts.streamIdle),
    ...retry(rule.retry, priorities.size > 1),
  };
  return { action, cluster };
}

function aiCluster(
  key: string,
  resolved: readonly { ref: { weight: number; priority: number }; backend: ResolvedBackend }[],
): ClusterIR {
  const endpoints = resolved.flatMap(({ ref, backend }) =>
    backend.endpoints.map((e) => ({
      address: e.address,
      port: e.port,
      priority: ref.priority,
      weight: ref.weight,
      backend: backend.key,
      ...(e.tls ? { tls: e.tls } : {}),
    })),
  );
  return {
    name: `ai/${key}`,
    kind: 'ai',
    // One connect timeout per cluster: the longest, so no backend is cut short.
    connectTimeoutMs: Math.max(...resolved.map((r) => r.backend.connectTimeoutMs)),
    discovery: endpoints.every((e) => isIpAddress(e.address)) ? 'eds' : 'strict_dns',
    endpoints,
  };
}

function idle(streamIdle: string | undefined): { idleTimeoutMs?: number } {
  return streamIdle === undefined ? {} : { idleTimeoutMs: durationToMs(streamIdle) };
}

/** The rule's retry policy; fallback priorities without one get the defaults, or they could never be reached. */
function retry(policy: AIRouteRule['retry'], hasFallback: boolean): { retry?: RetryIR } {
  const p = policy ?? (hasFallback ? RetryPolicy.parse({}) : undefined);
  if (!p) return {};
  const base = durationToMs(p.backoff?.base ?? '250ms');
  const out: RetryIR = {
    numRetries: p.attempts,
    retryOn: p.on,
    retriableStatusCodes: p.statusCodes,
    backoffBaseMs: base,
    backoffMaxMs: p.backoff?.max !== undefined ? durationToMs(p.backoff.max) : base * 10,
  };
  if (p.perTryTimeout !== undefined) out.perTryTimeoutMs = durationToMs(p.perTryTimeout);
  return { retry: out };
}
