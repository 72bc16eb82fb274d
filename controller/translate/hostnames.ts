// Hostname intersection between a listener and a route, as the Gateway API defines it:
// "*.example.com" is a suffix match (any number of labels, never the bare domain), a route
// without hostnames takes the listener's, and a listener without one accepts the route's.

/** "*" stands for "any hostname" in the results. */
export const ANY_HOST = '*';

export function isWildcard(hostname: string): boolean {
  return hostname.startsWith('*.');
}

/** Whether `wildcard` ("*.example.com") covers `hostname` (exact or wildcard). */
function covers(wildcard: string, hostname: string): boolean {
  const suffix = wildcard.slice(1); // ".example.com"
  return hostname.length > suffix.length && hostname.toLowerCase().endsWith(suffix.toLowerCase());
}

/** The more specific of two hostnames when they overlap, or undefined. */
export function intersectOne(a: string, b: string): string | undefined {
  if (a.toLowerCase() === b.toLowerCase()) return b;
  if (isWildcard(a) && covers(a, b)) return b;
  if (isWildcard(b) && covers(b, a)) return a;
  return undefined;
}

/**
 * The hostnames a route serves on a listener; [] when they do not overlap. [ANY_HOST] when
 * neither side restricts it.
 */
export function intersectHostnames(
  listenerHostname: string | undefined,
  routeHostnames: readonly string[],
): string[] {
  if (routeHostnames.length === 0) return unique([listenerHostname ?? ANY_HOST]);
  if (listenerHostname === undefined || listenerHostname === ANY_HOST) return unique(routeHostnames);
  const out: string[] = [];
  for (const h of routeHostnames) {
    const hit = intersectOne(listenerHostname, h);
    if (hit !== undefined) out.push(hit);
  }
  return unique(out);
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list.map((h) => h.toLowerCase()))];
}
