// Envoy's retry decisions for one request: which outcomes are retriable under retry_on, the
// jittered exponential back-off, and which priorities previous_priorities excludes.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/http_routing#retry-semantics
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/retry/priority/previous_priorities/v3/previous_priorities_config.proto
import type { RetryPolicy } from '../config/types';

export type FailureReason = 'connect_failure' | 'reset' | 'per_try_timeout';

export function isRetriableStatus(policy: RetryPolicy, status: number): boolean {
  const on = policy.retryOn;
  if (on.has('5xx') && status >= 500 && status <= 599) return true;
  if (on.has('gateway-error') && (status === 502 || status === 503 || status === 504)) return true;
  if (on.has('retriable-4xx') && status === 409) return true;
  return on.has('retriable-status-codes') && policy.retriableStatusCodes.includes(status);
}

/** 5xx and gateway-error include "no response at all"; reset covers disconnects and read timeouts. */
export function isRetriableFailure(policy: RetryPolicy, reason: FailureReason): boolean {
  const on = policy.retryOn;
  if (on.has('5xx') || on.has('gateway-error') || on.has('reset')) return true;
  return reason === 'connect_failure' && on.has('connect-failure');
}

/** Back-off before retry n (1-based): uniform in [0, (2^n - 1) * base), capped at max_interval. */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.backoffMaxMs, (2 ** retry - 1) * policy.backoffBaseMs);
  return Math.floor(random() * ceiling);
}

/**
 * Priorities previous_priorities excludes before the next attempt: those of the attempts made so
 * far, refreshed every update_frequency attempts (the priority load is recomputed only then).
 */
export function excludedPriorities(
  policy: RetryPolicy | undefined,
  attempted: readonly number[],
): Set<number> {
  const frequency = policy?.previousPrioritiesUpdateFrequency;
  if (!frequency) return new Set();
  const counted = Math.floor(attempted.length / frequency) * frequency;
  return new Set(attempted.slice(0, counted));
}
