// The set of live upstream clusters, rebuilt from each applied snapshot. A cluster whose config
// did not change keeps its connections and load balancer state and only takes new endpoints;
// a removed one stays usable for requests already holding it and is closed a while later.
import type { Logger } from '../../lib/log';
import type { ClusterConfig, LoadAssignment } from '../config/types';
import { UpstreamCluster } from './cluster';

const RETIRE_AFTER_MS = 60_000;

export class ClusterManager {
  private clusters = new Map<
    string,
    { key: string; cluster: UpstreamCluster; assignment?: LoadAssignment }
  >();
  private readonly retired = new Set<UpstreamCluster>();

  constructor(private readonly logger: Logger) {}

  get(name: string): UpstreamCluster | undefined {
    return this.clusters.get(name)?.cluster;
  }

  /** "host:port" or "unix:/path" of a cluster, for the ext_proc gRPC client. */
  resolveCluster(name: string): string {
    const target = this.get(name)?.grpcTarget();
    if (!target) throw new Error(`cluster ${name} has no endpoint`);
    return target;
  }

  /** Applies the clusters and EDS assignments; resolves when STRICT_DNS clusters resolved once (warming). */
  async update(configs: Map<string, ClusterConfig>, assignments: Map<string, LoadAssignment>): Promise<void> {
    const next = new Map<string, { key: string; cluster: UpstreamCluster; assignment?: LoadAssignment }>();
    const pending: Promise<void>[] = [];
    for (const [name, config] of configs) {
      const key = JSON.stringify(config);
      const assignment =
        config.discovery === 'eds' ? assignments.get(config.edsServiceName) : config.loadAssignment;
      const old = this.clusters.get(name);
      if (old && old.key === key) {
        if (JSON.stringify(old.assignment) !== JSON.stringify(assignment))
          pending.push(old.cluster.setAssignment(assignment));
        next.set(name, { key, cluster: old.cluster, assignment });
        continue;
      }
      const cluster = new UpstreamCluster(config, this.logger);
      pending.push(cluster.setAssignment(assignment));
      next.set(name, { key, cluster, assignment });
    }
    // Swap only once new clusters are warm, so no request sees a cluster without hosts.
    await Promise.all(pending);
    for (const [name, old] of this.clusters)
      if (next.get(name)?.cluster !== old.cluster) this.retire(old.cluster);
    this.clusters = next;
  }

  close(): void {
    for (const { cluster } of this.clusters.values()) cluster.close();
    for (const cluster of this.retired) cluster.close();
    this.clusters.clear();
    this.retired.clear();
  }

  private retire(cluster: UpstreamCluster): void {
    this.retired.add(cluster);
    setTimeout(() => {
      this.retired.delete(cluster);
      cluster.close();
    }, RETIRE_AFTER_MS).unref();
  }
}
