// Route selection as Envoy's router does it: the virtual host by :authority (exact domain,
// then the longest wildcard suffix "*.example.com", then prefix "example.*", then "*"), then the first route whose path and header matchers all hold.
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-msg-config-route-v3-virtualhost
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-msg-config-route-v3-headermatcher
import type { HeaderMatcher, Route, RouteMatch, RouteTable, StringTest, VirtualHost } from '../config/types';
import type { HeaderList } from '../ext-proc/types';
import { getHeader } from './headers';

export function selectVirtualHost(table: RouteTable, authority: string): VirtualHost | undefined {
  // Like Envoy, the port is part of the match unless the HCM strips it (strip_any_host_port) or
  // the route table ignores it (ignore_port_in_host_matching; domains keep theirs).
  const lower = authority.toLowerCase();
  const candidate = table.ignorePortInHostMatching ? withoutPort(lower) : lower;
  const exact = table.virtualHosts.find((v) => v.domains.includes(candidate));
  if (exact) return exact;
  // Suffix wildcards ("*.example.com") before prefix wildcards ("example.*"), longest first.
  for (const suffix of [true, false]) {
    let best: { vh: VirtualHost; length: number } | undefined;
    for (const vh of table.virtualHosts) {
      for (const d of vh.domains) {
        if (d === '*' || d.length - 1 >= candidate.length) continue;
        const ok = suffix
          ? d.startsWith('*') && candidate.endsWith(d.slice(1))
          : d.endsWith('*') && candidate.startsWith(d.slice(0, -1));
        if (ok && (!best || d.length > best.length)) best = { vh, length: d.length };
      }
    }
    if (best) return best.vh;
  }
  return table.virtualHosts.find((v) => v.domains.includes('*'));
}

/** "host:80" -> "host", "[::1]:80" -> "[::1]"; a bare IPv6 literal or a host without port is kept. */
export function withoutPort(authority: string): string {
  const m = /^(\[[^\]]*\]|[^:\[\]]*):\d*$/.exec(authority);
  return m?.[1] ?? authority;
}

export function matchRoute(table: RouteTable, headers: HeaderList): Route | undefined {
  const vh = selectVirtualHost(table, getHeader(headers, ':authority') ?? '');
  if (!vh) return undefined;
  const path = getHeader(headers, ':path') ?? '/';
  return vh.routes.find((r) => routeMatches(r.match, path, headers));
}

function routeMatches(match: RouteMatch, fullPath: string, headers: HeaderList): boolean {
  // Path matching ignores the query string.
  const q = fullPath.indexOf('?');
  const path = q < 0 ? fullPath : fullPath.slice(0, q);
  const p = match.path;
  let ok: boolean;
  if (p.kind === 'regex') ok = p.regex.test(path);
  else {
    const [a, b] = match.caseSensitive ? [path, p.value] : [path.toLowerCase(), p.value.toLowerCase()];
    ok =
      p.kind === 'prefix'
        ? a.startsWith(b)
        : p.kind === 'separated_prefix'
          ? a === b || a.startsWith(`${b}/`)
          : a === b;
  }
  return ok && match.headers.every((h) => headerMatches(h, headers));
}

export function headerMatches(m: HeaderMatcher, headers: HeaderList): boolean {
  const value = getHeader(headers, m.name);
  if (value === undefined) {
    // A missing header fails every matcher except present_match: false.
    return m.present === undefined ? false : !m.present !== m.invert;
  }
  if (m.present !== undefined) return m.present !== m.invert;
  return stringMatches(m.test, value) !== m.invert;
}

export function stringMatches(test: StringTest, value: string): boolean {
  switch (test.kind) {
    case 'any':
      return true;
    case 'regex':
      return test.regex.test(value);
    case 'exact':
    case 'prefix':
    case 'suffix':
    case 'contains': {
      const v = test.ignoreCase ? value.toLowerCase() : value;
      const t = test.ignoreCase ? test.value.toLowerCase() : test.value;
      if (test.kind === 'exact') return v === t;
      if (test.kind === 'prefix') return v.startsWith(t);
      if (test.kind === 'suffix') return v.endsWith(t);
      return v.includes(t);
    }
  }
}
