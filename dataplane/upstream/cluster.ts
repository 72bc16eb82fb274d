// One upstream cluster at run time: its hosts (from EDS, the inline load assignment, or
// STRICT_DNS resolution refreshed every dns_refresh_rate), the load balancer over them, and
// the per-host transport (plaintext or TLS chosen by transport_socket_matches).
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/service_discovery#strict-dns
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-msg-config-cluster-v3-cluster-transportsocketmatch
import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../../lib/log';
import type { ProtoObject } from '../../lib/protos';
import type { ClusterConfig, EndpointConfig, LoadAssignment, UpstreamTls } from '../config/types';
import { tlsAgentOptions } from './tls-verify';
import { LoadBalancer, type LbHost, type PickContext, type PrioritySet } from './load-balancer';

export interface Host extends LbHost {
  priority: number;
  address: { kind: 'tcp'; host: string; port: number } | { kind: 'pipe'; path: string };
  /** Endpoint Metadata (object form), exposed to ext_proc as xds.upstream_host_metadata. */
  metadata?: ProtoObject;
  tls?: UpstreamTls;
  agent: http.Agent;
}

export class UpstreamCluster {
  private lb: LoadBalancer<Host> = new LoadBalancer<Host>([], {
    policy: 'round_robin',
    localityWeighted: false,
    overprovisioning: 1.4,
  });
  private hosts: Host[] = [];
  private readonly agents = new Map<string, http.Agent>();
  private dnsTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly config: ClusterConfig,
    private readonly logger: Logger,
  ) {}

  /** Sets the hosts from a load assignment (EDS or inline); STRICT_DNS resolves its hostnames first. */
  async setAssignment(assignment: LoadAssignment | undefined): Promise<void> {
    const cla = assignment ?? { clusterName: this.config.name, overprovisioningFactor: 1.4, localities: [] };
    if (this.config.discovery !== 'strict_dns') return this.build(cla, (e) => [e.address]);
    const resolved = new Map<string, string[]>();
    await Promise.all(
      cla.localities
        .flatMap((l) => l.endpoints)
        .map(async (e) => {
          if (e.address.kind !== 'tcp') return;
          resolved.set(e.address.host, await this.resolve(e.address.host));
        }),
    );
    this.build(cla, (e) =>
      e.address.kind === 'pipe'
        ? [e.address]
        : (resolved.get(e.address.host) ?? []).map((ip) => ({
            kind: 'tcp' as const,
            host: ip,
            port: e.address.kind === 'tcp' ? e.address.port : 0,
          })),
    );
    clearTimeout(this.dnsTimer);
    if (!this.closed)
      this.dnsTimer = setTimeout(
        () => void this.setAssignment(cla).catch(() => undefined),
        this.config.dnsRefreshMs,
      ).unref();
  }

  pick(ctx: PickContext<Host>): Host | undefined {
    return this.lb.pick(ctx);
  }

  /** The first host's address as "host:port" or "unix:/path" (for gRPC clients of this cluster). */
  grpcTarget(): string | undefined {
    const host = this.lb.pick() ?? this.hosts[0];
    if (!host) return undefined;
    return host.address.kind === 'pipe'
      ? `unix:${host.address.path}`
      : `${host.address.host}:${host.address.port}`;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.dnsTimer);
    for (const agent of this.agents.values()) agent.destroy();
  }

  private async resolve(hostname: string): Promise<string[]> {
    const family = this.config.dnsLookupFamily === 'V4_ONLY' ? 4 : 0;
    try {
      const found = await dns.lookup(hostname, { all: true, family });
      const v4 = found.filter((a) => a.family === 4);
      const ordered = this.config.dnsLookupFamily === 'V4_PREFERRED' && v4.length > 0 ? v4 : found;
      return [...new Set(ordered.map((a) => a.address))];
    } catch (err) {
      // Envoy keeps the previous hosts when a refresh fails.
      const previous = this.hosts
        .filter((h) => h.address.kind === 'tcp')
        .map((h) => (h.address.kind === 'tcp' ? h.address.host : ''));
      this.logger.warn(
        { cluster: this.config.name, hostname, err: (err as Error).message },
        'DNS resolution failed',
      );
      return previous;
    }
  }

  private build(cla: LoadAssignment, addresses: (e: EndpointConfig) => Host['address'][]): void {
    const set: PrioritySet<Host> = [];
    const hosts: Host[] = [];
    for (const locality of cla.localities) {
      const level = (set[locality.priority] ??= []);
      const lhosts: Host[] = [];
      for (const e of locality.endpoints) {
        const tls = this.transportFor(e);
        for (const address of addresses(e)) {
          const id = address.kind === 'pipe' ? `unix:${address.path}` : `${address.host}:${address.port}`;
          lhosts.push({
            id,
            weight: e.weight,
            healthy: e.healthy,
            priority: locality.priority,
            address,
            metadata: e.metadata,
            tls,
            agent: this.agentFor(tls),
          });
        }
      }
      level.push({ weight: locality.weight, hosts: lhosts });
      hosts.push(...lhosts);
    }
    for (let p = 0; p < set.length; p++) set[p] ??= [];
    this.hosts = hosts;
    this.lb = new LoadBalancer(set, {
      policy: this.config.lbPolicy,
      localityWeighted: this.config.localityWeighted,
      overprovisioning: cla.overprovisioningFactor,
    });
  }

  /** The first transport_socket_match whose every key equals the endpoint's match metadata. */
  private transportFor(e: EndpointConfig): UpstreamTls | undefined {
    for (const m of this.config.transportSocketMatches) {
      if (Object.entries(m.match).every(([k, v]) => e.transportSocketMatch[k] === v)) return m.tls;
    }
    return this.config.tls;
  }

  private agentFor(tls: UpstreamTls | undefined): http.Agent {
    // RegExps stringify as {}: key them by their source so distinct matchers get distinct agents.
    const key = tls ? JSON.stringify(tls, (_k, v: unknown) => (v instanceof RegExp ? v.source : v)) : 'plain';
    let agent = this.agents.get(key);
    if (!agent) {
      agent = tls ? new https.Agent(tlsAgentOptions(tls)) : new http.Agent({ keepAlive: true });
      this.agents.set(key, agent);
    }
    return agent;
  }
}
