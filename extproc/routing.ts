// Picks the AIRoute rule for a request at the router level: the Gateway's rules in precedence
// order (the controller sorts them), first rule whose hostnames and any match hold wins. Also
// lists the models a caller can see for GET /v1/models. Regexes are compiled once per config
// object (configs are immutable, so a WeakMap keyed by the route is a safe cache).
import type { ProcessorConfig, RouteConfig } from './config/schema';
import type { Headers } from './messages';

type Match = RouteConfig['matches'][number];

const regexCache = new Map<string, RegExp>();

/** Envoy's safe_regex semantics: the whole value must match. */
function fullMatch(pattern: string, value: string): boolean {
  let re = regexCache.get(pattern);
  if (!re) {
    try {
      re = new RegExp(`^(?:${pattern})$`);
    } catch {
      re = /(?!)/; // an invalid pattern never matches (the controller validates them)
    }
    if (regexCache.size > 10_000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re.test(value);
}

/** Gateway API hostname matching: exact, or "*.example.com" for any deeper subdomain. */
export function hostnameMatches(hostnames: readonly string[], authority: string): boolean {
  if (hostnames.length === 0) return true;
  const host = stripPort(authority).toLowerCase();
  return hostnames.some((h) => {
    const want = h.toLowerCase();
    if (want.startsWith('*.')) return host.endsWith(want.slice(1)) && host.length > want.length - 1;
    return host === want;
  });
}

function stripPort(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end === -1 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}

function headersMatch(match: Match, headers: Headers): boolean {
  for (const h of match.headers) {
    const value = headers.get(h.name.toLowerCase());
    if (value === undefined) return false;
    if (h.type === 'Exact' ? value !== h.value : !fullMatch(h.value, value)) return false;
  }
  return true;
}

function modelMatches(match: Match, model: string): boolean {
  const m = match.model;
  if (!m) return true;
  switch (m.type) {
    case 'Exact':
      return model === m.value;
    case 'Prefix':
      return model.startsWith(m.value);
    case 'RegularExpression':
      return fullMatch(m.value, model);
  }
}

/** The routes of a Gateway that serve this :authority, in precedence order. */
export function visibleRoutes(config: ProcessorConfig, gateway: string, authority: string): RouteConfig[] {
  const keys = config.gateways[gateway]?.routes ?? [];
  const routes: RouteConfig[] = [];
  for (const key of keys) {
    const route = config.routes[key];
    if (route && hostnameMatches(route.hostnames, authority)) routes.push(route);
  }
  return routes;
}

export function selectRoute(
  config: ProcessorConfig,
  gateway: string,
  authority: string,
  model: string,
  headers: Headers,
): RouteConfig | undefined {
  for (const route of visibleRoutes(config, gateway, authority)) {
    if (route.matches.length === 0) return route;
    if (route.matches.some((m) => modelMatches(m, model) && headersMatch(m, headers))) return route;
  }
  return undefined;
}

/**
 * Model ids a caller may use: exact model matches, plus the models the route's backends declare
 * that its matches accept, each only if `allowed` (the caller's access policy) admits it there.
 * Patterns themselves are never listed (they are not model ids).
 */
export function listModels(
  config: ProcessorConfig,
  gateway: string,
  authority: string,
  headers: Headers,
  allowed: (route: RouteConfig, model: string) => boolean = () => true,
): string[] {
  const ids = new Set<string>();
  for (const route of visibleRoutes(config, gateway, authority)) {
    const matches = route.matches.length === 0 ? [{ headers: [] } as Match] : route.matches;
    const served = route.backends.flatMap((b) =>
      b.modelOverride ? [] : (config.backends[b.backend]?.models ?? []).map((m) => m.name),
    );
    for (const match of matches) {
      if (!headersMatch(match, headers)) continue;
      if (match.model?.type === 'Exact' && allowed(route, match.model.value)) ids.add(match.model.value);
      for (const name of served) if (modelMatches(match, name) && allowed(route, name)) ids.add(name);
    }
  }
  return [...ids].sort();
}
