// Unit tests of host selection against Envoy's documented load balancing: priority levels and
// overprovisioning, previous_priorities exclusion, locality weights, weighted round robin.
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/priority
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoadBalancer, priorityLoad, type LbHost, type PrioritySet } from './load-balancer';

const host = (id: string, healthy = true, weight = 1): LbHost => ({ id, weight, healthy });

describe('priorityLoad', () => {
  it('follows the examples of the Envoy priority documentation', () => {
    assert.deepEqual(priorityLoad([1, 1], 1.4), [100, 0]);
    // 60% healthy * 1.4 = 84% stays on P0, 16% spills to P1.
    assert.deepEqual(priorityLoad([0.6, 1], 1.4), [84, 16]);
    assert.deepEqual(priorityLoad([0, 1], 1.4), [0, 100]);
    // Total health below 100% is normalized: 0.2*1.4=28 and 0.2*1.4=28 -> 50/50.
    assert.deepEqual(priorityLoad([0.2, 0.2], 1.4), [50, 50]);
  });
});

describe('LoadBalancer', () => {
  const set: PrioritySet<LbHost> = [
    [{ weight: 1, hosts: [host('p0')] }],
    [{ weight: 1, hosts: [host('p1')] }],
  ];

  it('sends everything to the lowest healthy priority and moves on when it is excluded', () => {
    const lb = new LoadBalancer(set, {
      policy: 'round_robin',
      localityWeighted: true,
      overprovisioning: 1.4,
    });
    assert.equal(lb.pick()?.id, 'p0');
    assert.equal(lb.pick({ excludedPriorities: new Set([0]) })?.id, 'p1');
    // All excluded: previous_priorities starts over with every priority.
    assert.equal(lb.pick({ excludedPriorities: new Set([0, 1]) })?.id, 'p0');
  });

  it('skips an unhealthy priority', () => {
    const lb = new LoadBalancer<LbHost>(
      [[{ weight: 1, hosts: [host('p0', false)] }], [{ weight: 1, hosts: [host('p1')] }]],
      {
        policy: 'round_robin',
        localityWeighted: false,
        overprovisioning: 1.4,
      },
    );
    assert.equal(lb.pick()?.id, 'p1');
  });

  it('spreads by locality weight and by host weight (round robin, exact over a cycle)', () => {
    const localities = new LoadBalancer<LbHost>(
      [
        [
          { weight: 3, hosts: [host('a')] },
          { weight: 1, hosts: [host('b')] },
        ],
      ],
      {
        policy: 'round_robin',
        localityWeighted: true,
        overprovisioning: 1.4,
      },
    );
    const counts = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const id = localities.pick()?.id ?? '';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(counts), { a: 30, b: 10 });
    const hosts = new LoadBalancer<LbHost>(
      [[{ weight: 0, hosts: [host('x', true, 1), host('y', true, 2)] }]],
      {
        policy: 'round_robin',
        localityWeighted: false,
        overprovisioning: 1.4,
      },
    );
    assert.deepEqual([0, 1, 2].map(() => hosts.pick()?.id).sort(), ['x', 'y', 'y']);
  });

  it('re-picks a previously attempted host once (previous_hosts)', () => {
    const lb = new LoadBalancer<LbHost>([[{ weight: 1, hosts: [host('a'), host('b')] }]], {
      policy: 'round_robin',
      localityWeighted: false,
      overprovisioning: 1.4,
    });
    const first = lb.pick();
    const second = lb.pick({ rejectHost: (h) => h === first, maxHostSelectionAttempts: 1 });
    assert.notEqual(second?.id, first?.id);
  });
});
