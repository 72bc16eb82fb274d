// RouteConfiguration -> RouteTable: virtual hosts, routes in order, match, action and header
// mutations. Fields outside this subset are rejected by name. Reference:
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route.proto
import { FILTER } from '../../lib/headers';
import type { ProtoObject } from '../../lib/protos';
import {
  ConfigError,
  allowFields,
  asObject,
  durationMs,
  fullRegex,
  isObject,
  list,
  optBool,
  optNumber,
  optObject,
  optString,
  reqString,
  wrappedNumber,
} from './fields';
import { convertHeaderMatcher, convertHeaderValueOptions, convertRetryPolicy } from './route-parts';
import type { Route, RouteAction, RouteMatch, RouteTable, VirtualHost } from './types';

/** Envoy's default route timeout when RouteAction.timeout is unset. */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

export function convertRouteTable(msg: ProtoObject): RouteTable {
  allowFields(msg, ['name', 'virtual_hosts', 'ignore_port_in_host_matching'], 'RouteConfiguration');
  const name = optString(msg, 'name', 'RouteConfiguration') ?? '';
  const at = `RouteConfiguration(${name})`;
  const virtualHosts = list(msg, 'virtual_hosts', at).map((v, i) =>
    convertVirtualHost(asObject(v, `${at}.virtual_hosts[${i}]`), `${at}.virtual_hosts[${i}]`),
  );
  const ignorePortInHostMatching = optBool(msg, 'ignore_port_in_host_matching', at) ?? false;
  return { name, virtualHosts, ignorePortInHostMatching };
}

function convertVirtualHost(msg: ProtoObject, at: string): VirtualHost {
  allowFields(msg, ['name', 'domains', 'routes'], at);
  const domains = list(msg, 'domains', at).map((d) => {
    if (typeof d !== 'string' || d === '') throw new ConfigError(`${at}.domains: expected non-empty strings`);
    const inner = d.startsWith('*') ? d.slice(1) : d.endsWith('*') ? d.slice(0, -1) : d;
    if (d !== '*' && inner.includes('*'))
      throw new ConfigError(`${at}.domains: ${d}: one leading or trailing wildcard only`);
    return d.toLowerCase();
  });
  if (domains.length === 0) throw new ConfigError(`${at}.domains: at least one domain is required`);
  const routes = list(msg, 'routes', at).map((r, i) =>
    convertRoute(asObject(r, `${at}.routes[${i}]`), `${at}.routes[${i}]`),
  );
  return { name: reqString(msg, 'name', at), domains, routes };
}

function convertRoute(msg: ProtoObject, at: string): Route {
  allowFields(
    msg,
    [
      'name',
      'match',
      'route',
      'direct_response',
      'request_headers_to_add',
      'request_headers_to_remove',
      'response_headers_to_add',
      'response_headers_to_remove',
      'typed_per_filter_config',
    ],
    at,
  );
  let extProcPerRoute: ProtoObject | undefined;
  const perFilter = optObject(msg, 'typed_per_filter_config', at);
  for (const [filter, cfg] of Object.entries(perFilter ?? {})) {
    if (filter !== FILTER.extProc)
      throw new ConfigError(`${at}.typed_per_filter_config.${filter}: not supported`);
    extProcPerRoute = asObject(cfg, `${at}.typed_per_filter_config.${filter}`);
  }
  const names = (field: string): string[] =>
    list(msg, field, at).map((h) => {
      if (typeof h !== 'string') throw new ConfigError(`${at}.${field}: expected strings`);
      return h.toLowerCase();
    });
  return {
    name: optString(msg, 'name', at) ?? '',
    match: convertMatch(asObject(msg.match, `${at}.match`), `${at}.match`),
    action: convertAction(msg, at),
    requestHeadersToAdd: convertHeaderValueOptions(msg, 'request_headers_to_add', at),
    requestHeadersToRemove: names('request_headers_to_remove'),
    responseHeadersToAdd: convertHeaderValueOptions(msg, 'response_headers_to_add', at),
    responseHeadersToRemove: names('response_headers_to_remove'),
    extProcPerRoute,
  };
}

function convertMatch(msg: ProtoObject, at: string): RouteMatch {
  allowFields(
    msg,
    ['prefix', 'path', 'path_separated_prefix', 'safe_regex', 'headers', 'case_sensitive'],
    at,
  );
  let path: RouteMatch['path'];
  const prefix = optString(msg, 'prefix', at);
  const exact = optString(msg, 'path', at);
  const separated = optString(msg, 'path_separated_prefix', at);
  if (prefix !== undefined) path = { kind: 'prefix', value: prefix };
  else if (separated !== undefined) {
    // Envoy's validate rule for path_separated_prefix: no ? or #, and no trailing "/".
    if (!/^[^?#]+[^?#/]$/.test(separated))
      throw new ConfigError(`${at}.path_separated_prefix: ${separated}: must not end with / or hold ? or #`);
    path = { kind: 'separated_prefix', value: separated };
  } else if (exact !== undefined) path = { kind: 'path', value: exact };
  else if (msg.safe_regex !== undefined) path = { kind: 'regex', regex: fullRegex(msg, 'safe_regex', at) };
  else throw new ConfigError(`${at}: one of prefix, path or safe_regex is required`);
  const cs = optObject(msg, 'case_sensitive', at);
  const headers = list(msg, 'headers', at).map((h, i) =>
    convertHeaderMatcher(asObject(h, `${at}.headers[${i}]`), `${at}.headers[${i}]`),
  );
  // BoolValue{false} decodes as {} (defaults are not emitted), so an object without value is false.
  return { path, caseSensitive: cs === undefined ? true : cs.value === true, headers };
}

function convertAction(msg: ProtoObject, at: string): RouteAction {
  const direct = optObject(msg, 'direct_response', at);
  const route = optObject(msg, 'route', at);
  if (direct && !route) {
    const dat = `${at}.direct_response`;
    allowFields(direct, ['status', 'body'], dat);
    const status = optNumber(direct, 'status', dat);
    if (status === undefined || status < 200 || status > 599)
      throw new ConfigError(`${dat}.status: must be 200..599`);
    const body = optObject(direct, 'body', dat);
    let text = '';
    if (body) {
      allowFields(body, ['inline_string', 'inline_bytes'], `${dat}.body`);
      text =
        typeof body.inline_string === 'string'
          ? body.inline_string
          : Buffer.from(String(body.inline_bytes ?? ''), 'base64').toString();
    }
    return { kind: 'direct', status, body: text };
  }
  if (!route || direct) throw new ConfigError(`${at}: exactly one of route or direct_response is required`);
  const rat = `${at}.route`;
  allowFields(route, ['cluster', 'weighted_clusters', 'timeout', 'idle_timeout', 'retry_policy'], rat);
  let clusters: { name: string; weight: number }[];
  const single = optString(route, 'cluster', rat);
  const weighted = optObject(route, 'weighted_clusters', rat);
  if (single) clusters = [{ name: single, weight: 1 }];
  else if (weighted) {
    allowFields(weighted, ['clusters'], `${rat}.weighted_clusters`);
    clusters = list(weighted, 'clusters', `${rat}.weighted_clusters`).map((c, i) => {
      const cat = `${rat}.weighted_clusters.clusters[${i}]`;
      const cw = asObject(c, cat);
      allowFields(cw, ['name', 'weight'], cat);
      return { name: reqString(cw, 'name', cat), weight: wrappedNumber(cw, 'weight', cat) ?? 0 };
    });
    if (clusters.length === 0 || clusters.every((c) => c.weight === 0))
      throw new ConfigError(`${rat}.weighted_clusters: needs a cluster with a positive weight`);
  } else throw new ConfigError(`${rat}: cluster or weighted_clusters is required`);
  const retry = isObject(route.retry_policy)
    ? convertRetryPolicy(route.retry_policy, `${rat}.retry_policy`)
    : undefined;
  return {
    kind: 'route',
    clusters,
    timeoutMs: durationMs(route, 'timeout', rat) ?? DEFAULT_ROUTE_TIMEOUT_MS,
    idleTimeoutMs: durationMs(route, 'idle_timeout', rat),
    retry,
  };
}
