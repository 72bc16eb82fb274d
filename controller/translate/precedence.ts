// HTTPRoute precedence within a virtual host, as the Gateway API orders it: exact paths, then
// regular expressions, then prefixes (longest first); then a method match; then more header
// matches; then the oldest route, then namespace/name, then rule and match order.
import type { HTTPRouteMatch } from '../api';

export type Order = readonly (string | number)[];

type PathType = NonNullable<HTTPRouteMatch['path']>['type'];

const PATH_RANK = { Exact: 0, RegularExpression: 1, PathPrefix: 2 } as const;

export function httpMatchOrder(
  match: HTTPRouteMatch,
  route: { creationTimestamp: string; key: string },
  ruleIndex: number,
  matchIndex: number,
): Order {
  const { type, value } = matchPath(match);
  return [
    PATH_RANK[type],
    -value.length,
    match.method === undefined ? 1 : 0,
    -(match.headers?.length ?? 0),
    route.creationTimestamp,
    route.key,
    ruleIndex,
    matchIndex,
  ];
}

/** The path of a match with defaults; a prefix loses its trailing slash ("/api/" is "/api"). */
export function matchPath(match: HTTPRouteMatch): { type: PathType; value: string } {
  const type = match.path?.type ?? 'PathPrefix';
  const value = match.path?.value ?? '/';
  return {
    type,
    value: type === 'PathPrefix' && value.length > 1 ? value.replace(/\/+$/, '') || '/' : value,
  };
}

/** Lexicographic: numbers ascending, strings by code point (stable across locales). */
export function compareOrder(a: Order, b: Order): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}
