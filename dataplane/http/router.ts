// The router filter: picks the cluster (weighted_clusters by weight), a host per attempt, and
// retries per the route's retry_policy (retry_on conditions, num_retries, per_try_timeout,
// jittered back-off, previous_priorities, previous_hosts). A response is only retried before
// anything of it went to the client: the retry decision is taken on its headers.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/http_routing#retry-semantics
import type { Logger } from '../../lib/log';
import type { RouteAction } from '../config/types';
import type { HeaderList } from '../ext-proc/types';
import type { Host } from '../upstream/cluster';
import type { ClusterManager } from '../upstream/cluster-manager';
import { statusOf } from './headers';
import { LOCAL_REPLY, type ResponseSource } from './response';
import {
  backoffMs,
  excludedPriorities,
  isRetriableFailure,
  isRetriableStatus,
  type FailureReason,
} from './retry';
import { runAttempt, type AttemptContext } from './upstream-request';

export interface RouterContext extends AttemptContext {
  clusters: ClusterManager;
  logger: Logger;
  random: () => number;
}

type ForwardAction = Extract<RouteAction, { kind: 'route' }>;

export function pickWeightedCluster(action: ForwardAction, random: () => number): string {
  const total = action.clusters.reduce((a, c) => a + c.weight, 0);
  let r = random() * total;
  for (const c of action.clusters) if ((r -= c.weight) < 0) return c.name;
  return action.clusters.at(-1)?.name ?? '';
}

/** Sends the request upstream with retries; resolves with the response to forward (or a local reply). */
export async function routeUpstream(
  ctx: RouterContext,
  action: ForwardAction,
  headers: HeaderList,
  body: Buffer,
  signal: AbortSignal,
): Promise<ResponseSource> {
  const clusterName = pickWeightedCluster(action, ctx.random);
  const cluster = ctx.clusters.get(clusterName);
  if (!cluster) return LOCAL_REPLY.clusterNotFound();
  if (cluster.config.http2) {
    ctx.logger.warn({ cluster: clusterName }, 'HTTP/2 clusters are not proxied by the data plane');
    return LOCAL_REPLY.noHealthyUpstream();
  }
  const policy = action.retry;
  const attemptedHosts = new Set<Host>();
  const attemptedPriorities: number[] = [];
  let lastFailure: FailureReason = 'reset';
  for (let attempt = 0; ; attempt++) {
    const retriesLeft = (policy?.numRetries ?? 0) - attempt;
    if (attempt > 0 && policy) {
      await sleep(backoffMs(policy, attempt, ctx.random), signal);
      if (signal.aborted) return LOCAL_REPLY.reset(true);
    }
    const host = cluster.pick({
      excludedPriorities: excludedPriorities(policy, attemptedPriorities),
      rejectHost: policy?.previousHosts ? (h) => attemptedHosts.has(h) : undefined,
      maxHostSelectionAttempts: policy?.hostSelectionRetryMaxAttempts,
    });
    if (!host) return LOCAL_REPLY.noHealthyUpstream();
    attemptedHosts.add(host);
    attemptedPriorities.push(host.priority);
    const perTry = new AbortController();
    const onParentAbort = (): void => perTry.abort();
    signal.addEventListener('abort', onParentAbort, { once: true });
    let perTryTimedOut = false;
    const perTryTimer =
      policy?.perTryTimeoutMs !== undefined
        ? setTimeout(() => {
            perTryTimedOut = true;
            perTry.abort();
          }, policy.perTryTimeoutMs)
        : undefined;
    const release = (): void => {
      clearTimeout(perTryTimer);
      signal.removeEventListener('abort', onParentAbort);
    };
    const result = await runAttempt(ctx, cluster, host, headers, body, perTry.signal);
    if (result.kind === 'response') {
      const status = statusOf(result.source.headers);
      if (policy && retriesLeft > 0 && isRetriableStatus(policy, status) && !signal.aborted) {
        release();
        result.source.abort();
        ctx.logger.debug({ cluster: clusterName, host: host.id, status }, 'retrying on response status');
        continue;
      }
      // This response goes downstream: Envoy ignores the per-try timeout once the downstream
      // response started (the route timeout still applies).
      release();
      return result.source;
    }
    release();
    if (signal.aborted) return LOCAL_REPLY.reset(attempt > 0);
    lastFailure = perTryTimedOut
      ? 'per_try_timeout'
      : result.reason === 'connect_failure'
        ? 'connect_failure'
        : 'reset';
    ctx.logger.debug(
      { cluster: clusterName, host: host.id, reason: lastFailure, err: result.message },
      'upstream attempt failed',
    );
    if (!policy || retriesLeft <= 0 || !isRetriableFailure(policy, lastFailure)) break;
  }
  const retried = (policy?.numRetries ?? 0) > 0 && attemptedPriorities.length > 1;
  if (lastFailure === 'per_try_timeout') return LOCAL_REPLY.perTryTimeout();
  return lastFailure === 'connect_failure' ? LOCAL_REPLY.connectFailure(retried) : LOCAL_REPLY.reset(retried);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
