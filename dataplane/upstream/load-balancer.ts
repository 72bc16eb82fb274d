// Host selection as Envoy does it for one cluster: priority levels first (lowest healthy wins,
// spilling over by the overprovisioning factor), then a locality by effective weight when
// locality_weighted_lb_config is set, then a host by weighted round robin or random.
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/priority
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/locality_weight
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/panic_threshold

export interface LbHost {
  /** Unique within the cluster (address). */
  id: string;
  weight: number;
  healthy: boolean;
}

export interface LbLocality<H extends LbHost> {
  weight: number;
  hosts: H[];
}

/** Hosts grouped by priority (index = priority), then by locality. */
export type PrioritySet<H extends LbHost> = LbLocality<H>[][];

export interface PickContext<H extends LbHost> {
  /** Priorities excluded by the previous_priorities retry plugin. */
  excludedPriorities?: ReadonlySet<number>;
  /** Hosts rejected by the previous_hosts retry predicate. */
  rejectHost?: (host: H) => boolean;
  /** host_selection_retry_max_attempts: extra picks when rejectHost says no. */
  maxHostSelectionAttempts?: number;
}

const PANIC_THRESHOLD = 0.5;

/**
 * Percentage of traffic per priority. Health of a level is min(100, overprovisioning *
 * healthy%); levels take load in order until 100% is assigned. When total health is under
 * 100%, loads are scaled up (normalized) as Envoy does.
 */
export function priorityLoad(healthyFraction: readonly number[], overprovisioning: number): number[] {
  const health = healthyFraction.map((f) => Math.min(100, Math.round(overprovisioning * f * 100)));
  const total = Math.min(
    100,
    health.reduce((a, b) => a + b, 0),
  );
  if (total === 0) return health.map(() => 0);
  let remaining = 100;
  return health.map((h) => {
    const load = Math.min(remaining, Math.round((h * 100) / total));
    remaining -= load;
    return load;
  });
}

export class LoadBalancer<H extends LbHost> {
  private readonly rrState = new Map<string, number>();

  constructor(
    private readonly set: PrioritySet<H>,
    private readonly options: {
      policy: 'round_robin' | 'random';
      localityWeighted: boolean;
      overprovisioning: number;
      random?: () => number;
    },
  ) {}

  /** Chooses a host, or undefined when the cluster has none (Envoy: "no healthy upstream"). */
  pick(ctx: PickContext<H> = {}): H | undefined {
    let host = this.pickOnce(ctx);
    for (let i = 0; host && ctx.rejectHost?.(host) && i < (ctx.maxHostSelectionAttempts ?? 1); i++)
      host = this.pickOnce(ctx);
    return host;
  }

  private pickOnce(ctx: PickContext<H>): H | undefined {
    const rnd = this.options.random ?? Math.random;
    const fraction = (p: number): number => {
      if (ctx.excludedPriorities?.has(p)) return 0;
      const hosts = this.set[p]?.flatMap((l) => l.hosts) ?? [];
      return hosts.length === 0 ? 0 : hosts.filter((h) => h.healthy).length / hosts.length;
    };
    let loads = priorityLoad(
      this.set.map((_l, p) => fraction(p)),
      this.options.overprovisioning,
    );
    // previous_priorities: once every priority is excluded, all are considered again.
    if (loads.every((l) => l === 0) && ctx.excludedPriorities?.size)
      loads = priorityLoad(
        this.set.map((_l, p) => fraction(p) + (ctx.excludedPriorities?.has(p) ? this.rawHealth(p) : 0)),
        this.options.overprovisioning,
      );
    let priority = 0;
    if (loads.some((l) => l > 0)) {
      let r = rnd() * 100;
      priority = loads.findIndex((l) => (r -= l) < 0);
      if (priority < 0) priority = loads.findLastIndex((l) => l > 0);
    } else {
      // Total panic: no healthy host anywhere; Envoy balances over all hosts.
      priority = this.set.findIndex((level) => level.some((l) => l.hosts.length > 0));
      if (priority < 0) return undefined;
    }
    const level = this.set[priority] ?? [];
    const all = level.flatMap((l) => l.hosts);
    const panic = all.length > 0 && all.filter((h) => h.healthy).length / all.length < PANIC_THRESHOLD;
    const usable = (hosts: H[]): H[] => (panic ? hosts : hosts.filter((h) => h.healthy));
    let candidates: H[];
    if (this.options.localityWeighted) {
      const weights = level.map((l) =>
        l.hosts.length === 0
          ? 0
          : l.weight *
            (panic
              ? 1
              : Math.min(1, (this.options.overprovisioning * usable(l.hosts).length) / l.hosts.length)),
      );
      const index = this.weightedIndex(`locality/${priority}`, weights);
      candidates = index < 0 ? [] : usable(level[index]?.hosts ?? []);
    } else candidates = usable(all);
    if (candidates.length === 0) return undefined;
    const weights = candidates.map((h) => h.weight);
    const index =
      this.options.policy === 'random'
        ? randomIndex(weights, rnd)
        : this.weightedIndex(`hosts/${priority}/${candidates.map((h) => h.id).join(',')}`, weights);
    return candidates[index];
  }

  private rawHealth(p: number): number {
    const hosts = this.set[p]?.flatMap((l) => l.hosts) ?? [];
    return hosts.length === 0 ? 0 : hosts.filter((h) => h.healthy).length / hosts.length;
  }

  /** Deterministic weighted round robin (like Envoy's EDF scheduler): a counter over the weights. */
  private weightedIndex(key: string, weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    if (total <= 0) return -1;
    if (total > 10_000) return randomIndex(weights, this.options.random ?? Math.random);
    const n = this.rrState.get(key) ?? 0;
    this.rrState.set(key, n + 1);
    return spread(weights, total, n);
  }
}

/** The n-th slot of a smooth interleaving of indices by weight (3:1 -> 0,0,1,0 ...). */
function spread(weights: readonly number[], total: number, n: number): number {
  const slot = n % total;
  // Smooth weighted round robin over one cycle, recomputed: cheap for the few hosts we hold.
  const current = weights.map(() => 0);
  let chosen = 0;
  for (let i = 0; i <= slot; i++) {
    for (let j = 0; j < weights.length; j++) current[j] = (current[j] ?? 0) + (weights[j] ?? 0);
    chosen = current.reduce((best, v, j) => (v > (current[best] ?? 0) ? j : best), 0);
    current[chosen] = (current[chosen] ?? 0) - total;
  }
  return chosen;
}

function randomIndex(weights: readonly number[], rnd: () => number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rnd() * total;
  const i = weights.findIndex((w) => (r -= w) < 0);
  return i < 0 ? weights.length - 1 : i;
}
