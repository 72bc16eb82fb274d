// The RouteConfiguration of a listener (served over RDS under the listener's name): virtual
// hosts with routes in match order, rendered from RouteIR (docs/architecture.md, route table).
import type { ProtoObject } from '../../lib/protos';
import type {
  HeaderMutationIR,
  ListenerIR,
  RetryIR,
  RouteActionIR,
  RouteIR,
  RouteMatchIR,
} from '../ir/types';
import { extProcDisabledPerRoute } from './filters/ext-proc';
import { anyOf, duration, TYPED, u32 } from './proto-values';

/** Attempts the host predicate may re-pick before giving up on finding an untried host. */
const HOST_SELECTION_RETRY_MAX_ATTEMPTS = 3;

export function renderRouteConfiguration(listener: ListenerIR): ProtoObject {
  return {
    name: listener.name,
    // Clients send "host:port"; Gateway hostnames never carry a port.
    ignore_port_in_host_matching: true,
    virtual_hosts: listener.virtualHosts.map((vh) => ({
      name: vh.name,
      domains: vh.domains,
      routes: vh.routes.map((route) => renderRoute(route, listener.extProc)),
    })),
  };
}

function renderRoute(route: RouteIR, listenerHasExtProc: boolean): ProtoObject {
  const out: ProtoObject = {
    name: route.name,
    match: renderMatch(route.match),
    ...renderAction(route.action),
  };
  if (!route.extProc && listenerHasExtProc) out.typed_per_filter_config = extProcDisabledPerRoute();
  return out;
}

function renderMatch(match: RouteMatchIR): ProtoObject {
  const out: ProtoObject = {};
  switch (match.path.kind) {
    case 'prefix':
      out.prefix = match.path.value;
      break;
    case 'pathPrefix':
      // Envoy: the prefix matches the whole path or up to a "/" (no trailing "/", no ? or #).
      out.path_separated_prefix = match.path.value;
      break;
    case 'exact':
      out.path = match.path.value;
      break;
    case 'regex':
      out.safe_regex = { regex: match.path.value };
      break;
  }
  const headers: ProtoObject[] = match.headers.map((h) => ({
    name: h.name,
    string_match: h.kind === 'exact' ? { exact: h.value } : { safe_regex: { regex: h.value } },
  }));
  if (match.method !== undefined) headers.push({ name: ':method', string_match: { exact: match.method } });
  if (headers.length > 0) out.headers = headers;
  return out;
}

/** The action part of a Route (route / direct_response) plus route-level header mutations. */
function renderAction(action: RouteActionIR): ProtoObject {
  switch (action.kind) {
    case 'ai': {
      const route: ProtoObject = { cluster: action.cluster, timeout: duration(action.timeoutMs) };
      if (action.idleTimeoutMs !== undefined) route.idle_timeout = duration(action.idleTimeoutMs);
      if (action.retry) route.retry_policy = renderRetry(action.retry);
      return { route };
    }
    case 'forward': {
      const route: ProtoObject =
        action.clusters.length === 1 && action.clusters[0]
          ? { cluster: action.clusters[0].name }
          : {
              weighted_clusters: {
                clusters: action.clusters.map((c) => ({ name: c.name, weight: u32(c.weight) })),
              },
            };
      if (action.timeoutMs !== undefined) route.timeout = duration(action.timeoutMs);
      return {
        route,
        ...headerMutation('request', action.requestHeaders),
        ...headerMutation('response', action.responseHeaders),
      };
    }
    case 'direct': {
      const out: ProtoObject = {
        direct_response: { status: action.status, body: { inline_string: action.body } },
      };
      // Our direct answers are OpenAI-shaped JSON errors; say so, or clients see text/plain.
      if (action.body.trimStart().startsWith('{')) {
        out.response_headers_to_add = [setHeader('content-type', 'application/json')];
      }
      return out;
    }
  }
}

/**
 * A retry moves to the next priority (previous_priorities, update_frequency 1: after every
 * attempt) and to another host (previous_hosts), which is how AIRoute fallback works.
 */
function renderRetry(retry: RetryIR): ProtoObject {
  const out: ProtoObject = {
    retry_on: retry.retryOn.join(','),
    num_retries: u32(retry.numRetries),
    retry_priority: {
      name: 'envoy.retry_priorities.previous_priorities',
      typed_config: anyOf(TYPED.previousPriorities, { update_frequency: 1 }),
    },
    retry_host_predicate: [
      { name: 'envoy.retry_host_predicates.previous_hosts', typed_config: anyOf(TYPED.previousHosts) },
    ],
    host_selection_retry_max_attempts: HOST_SELECTION_RETRY_MAX_ATTEMPTS,
    retry_back_off: {
      base_interval: duration(retry.backoffBaseMs),
      max_interval: duration(retry.backoffMaxMs),
    },
  };
  if (retry.retriableStatusCodes.length > 0) out.retriable_status_codes = retry.retriableStatusCodes;
  if (retry.perTryTimeoutMs !== undefined) out.per_try_timeout = duration(retry.perTryTimeoutMs);
  return out;
}

function setHeader(key: string, value: string): ProtoObject {
  return { header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' };
}

/** Gateway API semantics: `set` overwrites, `add` appends, `remove` drops. */
function headerMutation(
  direction: 'request' | 'response',
  mutation: HeaderMutationIR | undefined,
): ProtoObject {
  if (!mutation) return {};
  const out: ProtoObject = {};
  const add = [
    ...mutation.set.map((h) => setHeader(h.name, h.value)),
    ...mutation.add.map((h) => ({
      header: { key: h.name, value: h.value },
      append_action: 'APPEND_IF_EXISTS_OR_ADD',
    })),
  ];
  if (add.length > 0) out[`${direction}_headers_to_add`] = add;
  if (mutation.remove.length > 0) out[`${direction}_headers_to_remove`] = mutation.remove;
  return out;
}
