// Assembles each Gateway's IR: one Envoy listener per port, one virtual host per effective
// hostname, routes in the order docs/architecture.md fixes (AI rules, AI paths catch-all,
// HTTPRoutes by precedence), and the clusters and certificates those listeners use.
import { openAIErrorBody } from '../../lib/errors';
import { AI_PATHS } from '../../lib/headers';
import type { ClusterIR, GatewayIR, ListenerIR, RouteIR, VirtualHostIR } from '../ir/types';
import type { GatewayCtx, ListenerCtx, RouteEntry, RouteOutput } from './context';
import { ANY_HOST, isWildcard } from './hostnames';
import { compareOrder } from './precedence';

const LISTEN_ADDRESS = '0.0.0.0';

export function buildGatewayIR(gateway: GatewayCtx, out: RouteOutput): GatewayIR {
  const byPort = new Map<number, ListenerCtx[]>();
  for (const l of gateway.listeners)
    if (l.programmed) byPort.set(l.spec.port, [...(byPort.get(l.spec.port) ?? []), l]);
  const entriesByPort = groupBy(
    out.entries.filter((e) => e.gatewayKey === gateway.key),
    (e) => e.port,
  );
  const listeners: ListenerIR[] = [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, ls]) => buildListener(gateway.key, port, ls, entriesByPort.get(port) ?? []));
  const clusterNames = [...(out.gatewayClusters.get(gateway.key) ?? [])].sort();
  const clusters = clusterNames
    .map((n) => out.clusters.get(n))
    .filter((c): c is ClusterIR => c !== undefined);
  const used = new Set(listeners.flatMap((l) => l.tlsSecrets));
  return { key: gateway.key, listeners, clusters, secrets: gateway.secrets.filter((s) => used.has(s.name)) };
}

function buildListener(
  gatewayKey: string,
  port: number,
  listeners: ListenerCtx[],
  entries: RouteEntry[],
): ListenerIR {
  const name = `${gatewayKey}/${port}`;
  const hostnames = new Set<string>(listeners.map((l) => (l.spec.hostname ?? ANY_HOST).toLowerCase()));
  for (const e of entries) hostnames.add(e.hostname);
  // Grouped once: filtering all entries per hostname is quadratic with a hostname per route.
  const byHostname = groupBy(entries, (e) => e.hostname);
  const virtualHosts = [...hostnames]
    .sort(hostOrder)
    .map((h) => virtualHost(name, h, byHostname.get(h) ?? []));
  const first = listeners[0];
  return {
    name,
    address: LISTEN_ADDRESS,
    port,
    protocol: first?.spec.protocol === 'HTTPS' ? 'HTTPS' : 'HTTP',
    tlsSecrets: [...new Set(listeners.flatMap((l) => l.tlsSecrets))].sort(),
    extProc: entries.some((e) => e.section === 'ai'),
    virtualHosts,
  };
}

function virtualHost(listenerName: string, hostname: string, entries: RouteEntry[]): VirtualHostIR {
  const ai = sorted(entries.filter((e) => e.section === 'ai'));
  const http = sorted(entries.filter((e) => e.section === 'http'));
  const routes = ai.length ? [...ai, ...aiPathRoutes(), ...http] : http;
  return { name: `${listenerName}/${hostname}`, domains: [hostname], routes };
}

/** Sorted by order, each route once (a route may reach one listener through several parentRefs). */
function sorted(entries: RouteEntry[]): RouteIR[] {
  const seen = new Set<string>();
  const out: RouteIR[] = [];
  for (const e of [...entries].sort((a, b) => compareOrder(a.order, b.order))) {
    if (seen.has(e.route.name)) continue;
    seen.add(e.route.name);
    out.push(e.route);
  }
  return out;
}

/** Reached only when extproc did not route a request to an AI path; it normally answers itself. */
function aiPathRoutes(): RouteIR[] {
  const body = openAIErrorBody(404, 'no AIRoute rule matches this request', 'route_not_found');
  return AI_PATHS.map((path) => ({
    name: `ai-path${path}`,
    match: { path: { kind: 'exact', value: path }, headers: [] },
    action: { kind: 'direct', status: 404, body },
    extProc: true,
  }));
}

/** Exact hostnames, then wildcards, then "*": readable goldens (Envoy picks by specificity anyway). */
function hostOrder(a: string, b: string): number {
  const rank = (h: string): number => (h === ANY_HOST ? 2 : isWildcard(h) ? 1 : 0);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Items by key, each group in input order (so sorting stays stable as with filter()). */
function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const group = groups.get(keyOf(item));
    if (group) group.push(item);
    else groups.set(keyOf(item), [item]);
  }
  return groups;
}
